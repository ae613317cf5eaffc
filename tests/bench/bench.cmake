# Benchmarks are programs, not timed tests: they print ratios against standard tools measured in
# the same run. A tiny run of each is registered as a test so that they keep working.
add_executable(poolkeeper-bench
    bench/benchmain.cpp
    bench/benchutil.h bench/benchutil.cpp
    bench/benchregistry.h
    bench/benchbackup.h bench/benchbackup.cpp
    # the log viewer's index and search against wc -l and grep -c
    bench/benchlog.cpp
    bench/benchmigrate.cpp
    bench/benchplan.cpp
)
target_link_libraries(poolkeeper-bench PRIVATE poolkeeper-core)
add_test(NAME bench_smoke COMMAND poolkeeper-bench backup --size 8M --repeats 1)
add_test(NAME bench_log_smoke COMMAND poolkeeper-bench log --size 16M --repeats 1)
add_test(NAME bench_plan_smoke COMMAND poolkeeper-bench plan --repeats 1)
set_tests_properties(bench_smoke bench_log_smoke bench_plan_smoke PROPERTIES LABELS bench TIMEOUT 300)
