#!/bin/sh
# The two set-up commands of the README:
#   installer/dev.sh run    install what is missing, build, start the console on the demo workspace
#   installer/dev.sh test   install what is missing, build, run every test; build the package,
#                           check it, install it, try it, remove it; run every test again under
#                           ASan+UBSan and under TSan; build with clang, clazy and clang-tidy (any
#                           finding fails) and run every test; run the fuzz targets of tests/fuzz
#                           for a bounded time
set -eu

cd "$(dirname "$0")/.."
installer/install-deps.sh

build() {
    cmake --preset "$1" >/dev/null
    cmake --build --preset "$1"
}

case "${1:-}" in
run)
    build release
    shift
    # Without arguments the console opens the demo workspace (created on the first start).
    [ $# -gt 0 ] || set -- --demo
    exec build/release/app/poolkeeper "$@"
    ;;
test)
    build release
    QT_QPA_PLATFORM=offscreen ctest --preset release --output-on-failure --parallel 2
    if [ "${POOLKEEPER_SKIP_PACKAGE:-0}" != 1 ]; then
        installer/package-check.sh build/release
    fi
    if [ "${POOLKEEPER_SKIP_SANITIZERS:-0}" != 1 ]; then
        build asan
        QT_QPA_PLATFORM=offscreen ctest --preset asan --output-on-failure --parallel 2 --label-exclude bench
        build tsan
        # The preset leaves out the PostgreSQL variants: the same code as the SQLite ones through an
        # uninstrumented libpq; the release and ASan runs cover them.
        QT_QPA_PLATFORM=offscreen ctest --preset tsan --output-on-failure --parallel 2
    fi
    if [ "${POOLKEEPER_SKIP_CLANG:-0}" != 1 ]; then
        # clang with clazy's Qt checks and clang-tidy (.clang-tidy) on every source as it compiles.
        build clang
        QT_QPA_PLATFORM=offscreen ctest --preset clang --output-on-failure --parallel 2 --label-exclude 'bench|postgres'
    fi
    if [ "${POOLKEEPER_SKIP_FUZZ:-0}" != 1 ]; then
        # clang + libFuzzer: builds only the fuzz targets (and the core), fuzzes each for
        # POOLKEEPER_FUZZ_SECONDS (30 s by default) after running its committed inputs.
        build fuzz
        ctest --preset fuzz --output-on-failure --parallel 2
    fi
    ;;
*)
    echo "usage: installer/dev.sh run|test" >&2
    exit 2
    ;;
esac
