pk_add_test(tst_cli cli/tst_cli.cpp)
