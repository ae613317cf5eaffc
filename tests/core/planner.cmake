pk_add_test(tst_planner core/tst_planner.cpp)
