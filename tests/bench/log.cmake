# poolkeeper-bench log: the log viewer's index and search against wc -l and grep -c.
target_sources(poolkeeper-bench PRIVATE bench/benchlog.cpp)
add_test(NAME bench_log_smoke COMMAND poolkeeper-bench log --size 16M --repeats 1)
set_tests_properties(bench_log_smoke PROPERTIES LABELS bench TIMEOUT 300)
