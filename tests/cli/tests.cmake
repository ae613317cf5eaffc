pk_add_test(tst_cli cli/tst_cli.cpp)
pk_add_test(tst_trust cli/tst_trust.cpp)
