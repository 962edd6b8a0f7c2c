#!/bin/sh
# Install the Debian packages that building, running, testing and benchmarking
# kvik need. Does nothing (and needs no network) when they are all present.
set -e
PKGS="build-essential make pkg-config libjemalloc-dev libcmocka-dev clang
libclang-rt-14-dev redis-server redis-tools python3 python3-redis python3-pytest
libssl-dev libhiredis-dev liblzf-dev libprotobuf-c-dev protobuf-c-compiler
libedit-dev liblz4-dev libzstd-dev zlib1g-dev protobuf-compiler python3-protobuf openssl tmux
python3-lz4 python3-zstandard"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
