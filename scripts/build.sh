#!/bin/sh
# Configures and builds in ./build (out of tree).  Extra arguments go to
# configure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi >/dev/null
mkdir -p build
cd build
[ -f Makefile ] || ../configure --enable-werror "$@" >/dev/null
make -j"$(nproc)" >/dev/null
echo "build: ok ($top/build)"
