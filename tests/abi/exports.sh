#!/bin/sh
# tests/abi/exports.sh - the example backend exports exactly one symbol, the
# versioned entry point (TAP).  Everything else must stay hidden
# (-fvisibility=hidden and libtool's -export-symbols-regex), so backends
# cannot clash with each other or with the daemon.
so="${top_builddir:-.}/plugin-api/example/.libs/example.so"

echo "1..3"
if [ ! -f "$so" ]; then
	echo "not ok 1 - $so exists"
	echo "not ok 2 - exports only the entry # no .so"
	echo "not ok 3 - needs no library beyond libc # no .so"
	exit 0
fi
echo "ok 1 - $so exists"

syms=$(nm -D --defined-only "$so" | awk 'NF == 3 { print $3 }' | sort)
if [ "$syms" = "sockerless_backend_entry_v1" ]; then
	echo "ok 2 - exports only sockerless_backend_entry_v1"
else
	echo "not ok 2 - exports only sockerless_backend_entry_v1"
	echo "$syms" | sed 's/^/# exported: /'
fi

# It links against libc alone: no json-c, curl or daemon symbols.
needed=$(objdump -p "$so" 2>/dev/null | awk '$1 == "NEEDED" { print $2 }' |
	grep -v -E '^(libc|libpthread|libdl|libasan|libubsan|libgcc_s|libstdc\+\+|libm)\.so' || true)
if [ -z "$needed" ]; then
	echo "ok 3 - needs no library beyond libc"
else
	echo "not ok 3 - needs no library beyond libc"
	echo "$needed" | sed 's/^/# needed: /'
fi
