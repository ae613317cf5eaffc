add_library(poolkeeper-enginefixture STATIC engine/enginefixture.h engine/enginefixture.cpp)
target_link_libraries(poolkeeper-enginefixture PUBLIC poolkeeper-testsupport)
pk_add_test(tst_migration engine/tst_migration.cpp LIBS poolkeeper-enginefixture)
pk_add_test(tst_recovery engine/tst_recovery.cpp LIBS poolkeeper-enginefixture)
