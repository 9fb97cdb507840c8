#!/bin/sh
# The conformance kit against the example backend: its results must equal
# tests/conformance-example.expected, so a regression, or a hook that turns
# up unsupported, fails here.  Also the kit's command line.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/conformance-check.sh"
start_registry
want=$top_srcdir/tests/conformance-example.expected
tap_plan $(($(grep -vc '^#' "$want") + 11))

out=$("$KIT" --help 2>&1)
contains "--help shows the usage" "$out" "Usage: sockerless-conformance --backend=PATH.so"
out=$("$KIT" --only nope --backend=x.so 2>&1)
[ $? = 2 ] && contains "an unknown group: status 2, named" "$out" "unknown group 'nope'" ||
	not_ok "unknown group" "$out"
out=$("$KIT" 2>&1)
[ $? = 2 ] && contains "no --backend: status 2" "$out" "--backend=PATH.so is required" ||
	not_ok "no backend" "$out"
n=$("$KIT" --list | grep -c ' \[')
[ "$n" = "$(grep -vc '^#' "$want")" ] && ok "--list names every scenario with its hook" ||
	not_ok "--list" "$n scenarios listed"

kit_run "$tmp/kit.tap" 600 --backend="$top_builddir/plugin-api/example/.libs/example.so" \
	--registry-mirror "$SL_MIRROR"
kit_compare "$tmp/kit.tap" "$want"
kit_summary "$tmp/kit.tap"
[ "$KIT_SECS" -lt 600 ] && ok "the kit finished in $KIT_SECS s" || not_ok "the kit ran into its 600 s bound"
kit_clean
[ "$TAP_FAILED" -eq 0 ] || sed 's/^/# kit: /' "$tmp/kit.tap"
tap_done
