pk_add_test(tst_cli cli/tst_cli.cpp)
pk_add_test(tst_trust cli/tst_trust.cpp)
pk_add_test(tst_fidelity cli/tst_fidelity.cpp)
