add_library(poolkeeper-enginefixture STATIC engine/enginefixture.h engine/enginefixture.cpp)
target_link_libraries(poolkeeper-enginefixture PUBLIC poolkeeper-testsupport)
pk_add_test(tst_migration engine/tst_migration.cpp LIBS poolkeeper-enginefixture POSTGRES)
pk_add_test(tst_recovery engine/tst_recovery.cpp LIBS poolkeeper-enginefixture POSTGRES)
# Two engine services, the active one killed mid-migration: the standby takes over and finishes.
pk_add_test(tst_failover engine/tst_failover.cpp LIBS poolkeeper-enginefixture POSTGRES)
# Owner-only modes whatever the umask; storages and workspaces of earlier versions narrowed.
pk_add_test(tst_ownermodes engine/tst_ownermodes.cpp LIBS poolkeeper-enginefixture)
# Dozens of SIGKILLs during migrations and backups; every promise checked afterwards.
pk_add_test(tst_chaos engine/tst_chaos.cpp LIBS poolkeeper-enginefixture LABELS chaos)
# It loads both cores with its own processes: alone, it neither starves the GUI tests nor is starved.
set_tests_properties(tst_chaos PROPERTIES RUN_SERIAL TRUE)
# The system calls of a backup and a migration (strace) checked against the durability rules.
pk_add_test(tst_durability engine/tst_durability.cpp LIBS poolkeeper-enginefixture LABELS durability)
