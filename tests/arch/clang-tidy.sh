#!/bin/sh
# clang-tidy as the clang preset runs it beside each compilation (CMAKE_CXX_CLANG_TIDY):
#   clang-tidy.sh <clang-tidy> <its options> <source> -- <compile command>
# Sources that Qt's tools generated (moc, rcc: in *_autogen/ and .rcc/ of the build tree) are
# skipped: they are not ours to change, and each would cost clang-tidy a full parse of Qt.
set -eu
tidy=$1
shift
source=""
for arg; do
    [ "$arg" = "--" ] && break
    source=$arg
done
case "$source" in
*_autogen/* | */.rcc/*) exit 0 ;;
esac
exec "$tidy" "$@"
