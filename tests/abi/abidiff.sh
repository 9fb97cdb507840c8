#!/bin/sh
# tests/abi/abidiff.sh - compares the ABI of the example backend (every type
# reachable from sockerless_backend_entry_v1, i.e. the whole v1 ABI) with
# the committed baseline tests/abi/sockerless-v1.abi (TAP).
#
# Any non-zero abidiff exit fails: libabigail reports a reordered or
# inserted member as exit 4 ("changed"), not 8, so there is no "harmless"
# code to accept.  A deliberate change (an append with a minor bump)
# regenerates the baseline with `make abi-baseline`.
so="${top_builddir:-.}/plugin-api/example/.libs/example.so"
base="${top_srcdir:-.}/tests/abi/sockerless-v1.abi"

echo "1..1"
if ! command -v abidiff >/dev/null 2>&1; then
	echo "ok 1 # SKIP abidiff not installed (Debian package abigail-tools)"
	exit 0
fi
if [ ! -f "$so" ] || [ ! -f "$base" ]; then
	echo "not ok 1 - abidiff: missing $so or $base"
	exit 0
fi
# Without DWARF there are no types to compare (e.g. CFLAGS without -g).
if ! objdump -h "$so" | grep -q '\.debug_info'; then
	echo "ok 1 # SKIP $so has no debug info (build with -g to check the ABI)"
	exit 0
fi
out=$(abidiff --no-show-locs "$base" "$so" 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "ok 1 - abidiff against tests/abi/sockerless-v1.abi"
else
	echo "not ok 1 - abidiff against tests/abi/sockerless-v1.abi (exit $rc)"
	printf '%s\n' "$out" | sed 's/^/# /'
fi
