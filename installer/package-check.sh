#!/bin/sh
# Builds the .deb and .tar.gz from a configured build directory, checks them (lintian without
# errors, desktop-file-validate, appstreamcli validate), installs the .deb with apt, runs a short
# headless scenario with the installed binaries (demo -> balance -> restore a user) and removes
# the package again.
#   installer/package-check.sh BUILD_DIR
set -eu

build=${1:?usage: installer/package-check.sh BUILD_DIR}
cd "$(dirname "$0")/.."
source_dir=$(pwd)

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi

rm -rf "$build/packages"
(cd "$build" && cpack -G "DEB;TGZ" >/dev/null)
deb=$(ls "$build"/packages/poolkeeper_*.deb)
tgz=$(ls "$build"/packages/poolkeeper-*.tar.gz)
echo "package-check: built $deb and $tgz"

lintian --fail-on error "$deb"
# The programs are built with Debian's hardening flags (CMakeLists.txt): lintian must find them.
hardening=$(lintian -I --pedantic --tags hardening-no-bindnow,hardening-no-fortify-functions,hardening-no-relro "$deb" || true)
if [ -n "$hardening" ]; then
    echo "package-check.sh: the programs lack hardening flags:" >&2
    echo "$hardening" >&2
    exit 1
fi
desktop-file-validate "$source_dir/resources/org.poolkeeper.Poolkeeper.desktop"
appstreamcli validate --no-net "$source_dir/resources/org.poolkeeper.Poolkeeper.metainfo.xml"
tar tzf "$tgz" | grep -q '/bin/poolkeeper-cli$'

scratch=$(mktemp -d)
cleanup() {
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq poolkeeper >/dev/null 2>&1 || true
    rm -rf "$scratch"
}
trap cleanup EXIT
cp "$deb" "$scratch/"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$scratch/$(basename "$deb")" >/dev/null

test "$(command -v poolkeeper-cli)" = /usr/bin/poolkeeper-cli
poolkeeper-cli --version
poolkeeper-cli demo "$scratch/demo" >/dev/null
poolkeeper-cli --workspace "$scratch/demo" balance demo --wait >/dev/null 2>&1
poolkeeper-cli --workspace "$scratch/demo" status --json | grep -q '"state": "balanced"'
poolkeeper-cli --workspace "$scratch/demo" restore bob "$scratch/restored" >/dev/null
test -n "$(ls -A "$scratch/restored")"
poolkeeper-cli --workspace "$scratch/demo" verify bob --deep >/dev/null
QT_QPA_PLATFORM=offscreen poolkeeper --version >/dev/null
echo "package-check: installed, balanced the demo, restored a user, removed: all good"
