#!/bin/sh
# Regenerates the README's screenshots from the real console (offscreen): a fresh demo workspace,
# a scan, the plan approved with the button, the migrations run.
#   installer/make-screenshots.sh [BUILD_DIR]     (default: build/release)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/release}
cmake --build "$build" --target poolkeeper-screenshots
export QT_QPA_PLATFORM=offscreen
"$build/tests/poolkeeper-screenshots" resources/screenshots
"$build/tests/poolkeeper-screenshots" resources/screenshots --dark
