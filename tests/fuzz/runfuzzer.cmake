# Runs one libFuzzer target for CTest (see CMakeLists.txt); fails on any crash, leak, timeout,
# out-of-memory or sanitizer report (libFuzzer then exits with a non-zero status).
#   cmake -DFUZZER=... -DCORPUS=... -DWORK=... -DARTIFACTS=... -DSECONDS=... [-DDICT=...]
#         -DMODE=inputs|fuzz -P runfuzzer.cmake
# inputs: every file of CORPUS once, as a list of inputs (seeds and regression inputs).
# fuzz:   SECONDS of fuzzing from WORK, a writable copy of CORPUS that keeps what earlier runs
#         found; crash, leak and timeout inputs are written to ARTIFACTS.

cmake_minimum_required(VERSION 3.25)

foreach(var FUZZER CORPUS WORK ARTIFACTS SECONDS MODE)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "runfuzzer.cmake: ${var} is not set")
    endif()
endforeach()

file(MAKE_DIRECTORY ${ARTIFACTS})
set(options -timeout=10 -rss_limit_mb=2048 -artifact_prefix=${ARTIFACTS}/)
if(DEFINED DICT)
    list(APPEND options -dict=${DICT})
endif()

if(MODE STREQUAL "inputs")
    file(GLOB inputs LIST_DIRECTORIES false ${CORPUS}/*)
    list(SORT inputs)
    if(NOT inputs)
        message(FATAL_ERROR "no inputs in ${CORPUS}")
    endif()
    list(LENGTH inputs count)
    message(STATUS "running ${count} inputs of ${CORPUS}")
    execute_process(COMMAND ${FUZZER} ${options} ${inputs} RESULT_VARIABLE result)
elseif(MODE STREQUAL "fuzz")
    file(MAKE_DIRECTORY ${WORK})
    file(COPY ${CORPUS}/ DESTINATION ${WORK})
    execute_process(
        COMMAND ${FUZZER} ${options} -max_total_time=${SECONDS} -print_final_stats=1 ${WORK}
        RESULT_VARIABLE result)
else()
    message(FATAL_ERROR "runfuzzer.cmake: MODE must be inputs or fuzz, not '${MODE}'")
endif()

if(NOT result EQUAL 0)
    if(MODE STREQUAL "inputs")
        message(FATAL_ERROR "${FUZZER} failed (${result}) on the input it was running (\"Running: ...\" above)")
    endif()
    message(FATAL_ERROR "${FUZZER} failed (${result}); the input that did it is in ${ARTIFACTS}/")
endif()
