# The program that makes the README's screenshots from the real console.
add_executable(poolkeeper-screenshots ui/screenshots.cpp)
target_link_libraries(poolkeeper-screenshots PRIVATE poolkeeper-ui Qt6::Test)
pk_add_test(tst_models ui/tst_models.cpp LIBS poolkeeper-ui)
pk_add_test(tst_console ui/tst_console.cpp LIBS poolkeeper-ui)
pk_add_test(tst_dialogs ui/tst_dialogs.cpp LIBS poolkeeper-ui)
target_compile_definitions(tst_dialogs PRIVATE POOLKEEPER_GUI_PATH="$<TARGET_FILE:poolkeeper>")
add_dependencies(tst_dialogs poolkeeper)
pk_add_test(tst_logviewer ui/tst_logviewer.cpp LIBS poolkeeper-ui)
# A console on a shared ConfigDb: live changes, the connection banner, running the jobs here.
pk_add_test(tst_liveconsole ui/tst_liveconsole.cpp LIBS poolkeeper-ui LABELS postgres)
