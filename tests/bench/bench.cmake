# Benchmarks are programs, not timed tests: they print ratios against standard tools measured in
# the same run. A tiny run is registered as a test so that they keep working.
add_executable(poolkeeper-bench
    bench/benchmain.cpp
    bench/benchutil.h bench/benchutil.cpp
    bench/benchregistry.h
    bench/benchbackup.h bench/benchbackup.cpp
)
# Other benchmark areas add their sources in bench/<area>.cmake.
foreach(area plan log migrate)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/bench/${area}.cmake)
        include(bench/${area}.cmake)
    endif()
endforeach()
target_link_libraries(poolkeeper-bench PRIVATE poolkeeper-core)
add_test(NAME bench_smoke COMMAND poolkeeper-bench backup --size 8M --repeats 1)
set_tests_properties(bench_smoke PROPERTIES LABELS bench TIMEOUT 300)
