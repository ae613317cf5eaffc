#!/bin/sh
# Installs the Debian 12 packages Poolkeeper needs to build, test and run, if any are missing.
set -eu

packages="
g++ cmake ninja-build pkg-config git ccache strace
clang libclang-rt-14-dev clang-tidy clazy
qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-charts-dev qt6-svg-dev
libqt6sql6-sqlite libqt6sql6-psql postgresql qt6-qpa-plugins libgl-dev libxkbcommon-dev
libssl-dev libarchive-dev zlib1g-dev libsqlite3-dev
lintian desktop-file-utils appstream dpkg-dev
util-linux rsync xvfb xauth fonts-dejavu-core
"

missing=""
for package in $packages; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "Installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
else
    sudo="sudo"
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
