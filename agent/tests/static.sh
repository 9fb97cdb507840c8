#!/bin/sh
# sockerless-agent is a static binary: no program interpreter, no shared
# libraries (it must run in busybox, musl and distroless images).  Only in
# builds without the sanitizers, which cannot link statically.
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
bin="$top_builddir/agent/sockerless-agent"
echo "1..2"
hdr=$(readelf -l -d "$bin" 2>&1)
case $hdr in
*INTERP*|*"program interpreter"*) echo "not ok 1 - no program interpreter"; echo "$hdr" | sed 's/^/# /'; rc=1 ;;
*) echo "ok 1 - no program interpreter" ;;
esac
case $hdr in
*NEEDED*) echo "not ok 2 - no shared libraries needed"; echo "$hdr" | grep NEEDED | sed 's/^/# /'; rc=1 ;;
*) echo "ok 2 - no shared libraries needed" ;;
esac
exit ${rc:-0}
