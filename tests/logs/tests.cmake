# Tests of the migration log (core/logs).
pk_add_test(tst_logfmt logs/tst_logfmt.cpp)
pk_add_test(tst_migrationlog logs/tst_migrationlog.cpp)

# A second process appending to the same log, started by tst_migrationlog.
add_executable(pk_logwriter logs/logwriter.cpp)
target_link_libraries(pk_logwriter PRIVATE poolkeeper-core)
add_dependencies(tst_migrationlog pk_logwriter)
target_compile_definitions(tst_migrationlog PRIVATE POOLKEEPER_LOGWRITER_PATH="$<TARGET_FILE:pk_logwriter>")

# The log viewer's core (core/logs: index, sources, merge, follow, filters, model) and the CLI.
pk_add_test(tst_lineindex logs/tst_lineindex.cpp)
pk_add_test(tst_logrow logs/tst_logrow.cpp)
pk_add_test(tst_logdocument logs/tst_logdocument.cpp)
pk_add_test(tst_logfollow logs/tst_logfollow.cpp)
pk_add_test(tst_backgroundrunner logs/tst_backgroundrunner.cpp)
pk_add_test(tst_logquery logs/tst_logquery.cpp)
pk_add_test(tst_logmodel logs/tst_logmodel.cpp)
pk_add_test(tst_logcli logs/tst_logcli.cpp)
