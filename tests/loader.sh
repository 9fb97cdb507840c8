#!/bin/sh
# Loader failures: each prints one clear line and exits non-zero.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

P="$top_builddir/tests/plugins/.libs"
tap_plan 17

# expect_fail DESC EXPECTED-TEXT ARGS...
expect_fail() {
	desc=$1
	want=$2
	shift 2
	out=$("$SOCKERLESSD" -H "unix://$tmp/s.sock" --data-root "$tmp/data" "$@" 2>&1)
	rc=$?
	lines=$(printf '%s\n' "$out" | wc -l)
	case $out in
	*"$want"*)
		if [ $rc -ne 0 ] && [ "$lines" -eq 1 ]; then
			ok "$desc"
		else
			not_ok "$desc" "exit $rc, $lines lines" "$out"
		fi ;;
	*) not_ok "$desc" "exit $rc; want: $want" "got: $out" ;;
	esac
}

expect_fail "unknown name lists where it looked" \
	"backend 'nosuch' not found: looked for nosuch.so in $tmp/pd" \
	--backend=nosuch --plugin-dir "$tmp/pd"
expect_fail "missing file" "backend file /nonexistent/x.so not found" \
	--backend=/nonexistent/x.so
printf 'not an ELF file\n' > "$tmp/text.so"
expect_fail "not a shared object" "$tmp/text.so is not a shared object" \
	--backend="$tmp/text.so"
expect_fail "entry symbol missing" \
	"is not a Sockerless backend: entry symbol sockerless_backend_entry_v1 not found" \
	--backend="$P/noentry.so"
expect_fail "entry of another major" \
	"is built for plugin ABI major 2, this daemon speaks major 1" \
	--backend="$P/v2entry.so"
# The host's minor, from the header the test plugins were built with.
minor=$(sed -n 's/^#define SL_ABI_MINOR \([0-9]*\)$/\1/p' "$top_srcdir/plugin-api/sockerless/plugin.h")
expect_fail "ABI major mismatch names both versions" \
	"backend ABI 2.$minor is incompatible with this daemon's ABI 1.$minor" \
	--backend="$P/badmajor.so"
expect_fail "newer minor refused" \
	"backend needs plugin ABI 1.$((minor + 1)) but this daemon provides 1.$minor" \
	--backend="$P/newminor.so"
expect_fail "table too small" "backend table is 16 bytes, smaller than the v1.0 minimum" \
	--backend="$P/small.so"
expect_fail "init failure carries the plugin's message" \
	"backend 'testplug' failed to initialise: cannot reach the cloud: credentials missing (test)" \
	--backend="$P/initfail.so"
expect_fail "no backend given" "no backend given" 
expect_fail "plugin-dir lookup by name" "backend 'minimalx' not found" \
	--backend=minimalx --plugin-dir "$P"

# The same plugin dir loads a valid plugin by name.
if start_daemon good --backend=minimal --plugin-dir "$P"; then
	pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
	info=$(curl -s --unix-socket "$SL_SOCK" http://d/info)
	contains "valid plugin loads by name and reports its driver" "$info" '"Driver":"testplug"'
	stop_daemon
else
	not_ok "valid plugin loads by name"
fi
# A plugin built for ABI 1.0 (minor 0, the 1.0 table size, 1.0-sized
# state reports with garbage after them) loads and works on this 1.1 host.
if start_daemon v10 --backend="$P/v10.so"; then
	pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
	contains "a 1.0 plugin loads (the log names its ABI)" "$(cat "$tmp/v10/log")" "(ABI 1.0)"
	out=$(api POST /containers/create -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","Cmd":["true"]}')
	id=$(printf '%s' "$out" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
	api POST "/containers/$id/start" >/dev/null
	out=$(api GET "/containers/$id/json")
	contains "a 1.0 plugin's container ran (exit code from its v1.0 state report)" \
		"$out" '"ExitCode":3'
	contains "fields past a 1.0 state report are not read (RestartCount 0, not 99)" \
		"$out" '"RestartCount":0'
	contains "a 1.0 plugin has no monitor table: top is 501 naming it" \
		"$(api GET "/containers/$id/top")" "501 {\"message\":\"container top is not supported by the testplug backend"
	contains "... and stats is 501 naming it" \
		"$(api GET "/containers/$id/stats?stream=false")" \
		"501 {\"message\":\"container stats is not supported by the testplug backend"
	stop_daemon
else
	for i in 1 2 3 4 5; do not_ok "a 1.0 plugin loads"; done
fi
tap_done
