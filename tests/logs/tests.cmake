# Tests of the archive layer (core/archive) and the migration log (core/logs).
pk_add_test(tst_archive logs/tst_archive.cpp LIBS LibArchive::LibArchive)
pk_add_test(tst_logfmt logs/tst_logfmt.cpp)
pk_add_test(tst_migrationlog logs/tst_migrationlog.cpp)

# A second process appending to the same log, started by tst_migrationlog.
add_executable(pk_logwriter logs/logwriter.cpp)
target_link_libraries(pk_logwriter PRIVATE poolkeeper-core)
add_dependencies(tst_migrationlog pk_logwriter)
target_compile_definitions(tst_migrationlog PRIVATE POOLKEEPER_LOGWRITER_PATH="$<TARGET_FILE:pk_logwriter>")
