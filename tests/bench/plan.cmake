target_sources(poolkeeper-bench PRIVATE bench/benchplan.cpp)
add_test(NAME bench_plan_smoke COMMAND poolkeeper-bench plan --repeats 1)
set_tests_properties(bench_plan_smoke PROPERTIES LABELS bench TIMEOUT 300)
