# The rules of ARCHITECTURE.md, checked on the sources (a CTest test: cmake -DSOURCE_DIR=... -P):
#  - the folders of core/ are layers in the order below; a file includes only its own folder and
#    those before it, never a later one;
#  - SQL (Qt Sql classes, statements) only in core/configdb/;
#  - the console (ui/) reads no storage file and runs no SQL itself: it goes through the core API.
# Each violation is printed as "file: what"; any violation fails the test.
cmake_minimum_required(VERSION 3.25)

set(layers util archive logs configdb storage balance migration master engine)
set(violations "")

# The lines of a file that match a pattern (a semicolon of the source would split a CMake list).
function(matching_lines file pattern out)
    file(READ "${SOURCE_DIR}/${file}" text)
    string(REPLACE ";" "," text "${text}")
    string(REGEX MATCHALL "[^\n]*(${pattern})[^\n]*" lines "${text}")
    set(${out} "${lines}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE core_files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/core/*.h" "${SOURCE_DIR}/core/*.cpp")
foreach(file IN LISTS core_files)
    string(REGEX MATCH "^core/([a-z]+)/" _ "${file}")
    set(folder "${CMAKE_MATCH_1}")
    list(FIND layers "${folder}" level)
    if(level EQUAL -1)
        list(APPEND violations "${file}: folder '${folder}' is not a layer of ARCHITECTURE.md (add it to the order)")
        continue()
    endif()
    matching_lines("${file}" "#include \"[a-z]+/" includes)
    foreach(line IN LISTS includes)
        string(REGEX MATCH "#include \"([a-z]+)/" _ "${line}")
        list(FIND layers "${CMAKE_MATCH_1}" included)
        if(included GREATER level)
            list(APPEND violations "${file}: includes ${CMAKE_MATCH_1}/, a higher layer than ${folder}/ (${line})")
        endif()
    endforeach()
endforeach()

# SQL: the Qt Sql classes, or a string literal starting with a statement.
set(sql_pattern "QSql[A-Z][A-Za-z]*|\"(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK)[ \"]")
file(GLOB_RECURSE program_files RELATIVE "${SOURCE_DIR}"
    "${SOURCE_DIR}/core/*.h" "${SOURCE_DIR}/core/*.cpp"
    "${SOURCE_DIR}/app/*.h" "${SOURCE_DIR}/app/*.cpp"
    "${SOURCE_DIR}/ui/*.h" "${SOURCE_DIR}/ui/*.cpp")
foreach(file IN LISTS program_files)
    if(file MATCHES "^core/configdb/")
        continue()
    endif()
    matching_lines("${file}" "${sql_pattern}" lines)
    foreach(line IN LISTS lines)
        string(STRIP "${line}" line)
        list(APPEND violations "${file}: SQL outside core/configdb/ (${line})")
    endforeach()
endforeach()

# The console: no storage internals (chunks, manifests, user stores, backup or restore code).
file(GLOB_RECURSE ui_files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/ui/*.h" "${SOURCE_DIR}/ui/*.cpp")
foreach(file IN LISTS ui_files)
    matching_lines("${file}"
        "#include \"storage/(userstore|manifest|chunker|backupjob|restorejob|consistencychecker|sha256)\\.h\"" lines)
    foreach(line IN LISTS lines)
        list(APPEND violations "${file}: the console reads storage files itself (${line})")
    endforeach()
endforeach()

list(LENGTH core_files checked)
if(violations)
    list(LENGTH violations count)
    list(JOIN violations "\n" text)
    message(FATAL_ERROR "${count} violation(s) of the layers of ARCHITECTURE.md:\n${text}")
endif()
message(STATUS "layers: ${checked} files of core/ in order; no SQL outside core/configdb/; the console uses the core API")
