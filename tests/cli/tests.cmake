pk_add_test(tst_cli cli/tst_cli.cpp POSTGRES)
pk_add_test(tst_trust cli/tst_trust.cpp POSTGRES)
pk_add_test(tst_fidelity cli/tst_fidelity.cpp)
pk_add_test(tst_shared cli/tst_shared.cpp LABELS postgres)
