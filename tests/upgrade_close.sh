#!/bin/sh
# Closing upgraded connections: libmicrohttpd before 0.9.77 could free an
# upgraded connection while MHD_upgrade_action(CLOSE) still wrote to it,
# and glibc later aborted ("malloc(): mismatching next->prev_size"), in
# about one run of tests/streams.sh in 18.  A preloaded shim (tests/plugins/
# slowresume.c) widens that window so that the stress hits it every time
# unless the daemon holds the free back (core/worker.c).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

tap_plan 3
TP="$top_builddir/tests/plugins/.libs"

# The sanitizer runtime wants to be first in the library list; the shim
# does not use it.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
LD_PRELOAD="$TP/slowresume.so${LD_PRELOAD:+ $LD_PRELOAD}"
export LD_PRELOAD
start_daemon ex --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
unset LD_PRELOAD

cid=$(curl -sf --unix-socket "$SL_SOCK" -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["cat"],"OpenStdin":true}' \
	"http://d/v1.43/containers/create?name=catter" | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
curl -sf --unix-socket "$SL_SOCK" -X POST "http://d/v1.43/containers/$cid/start" >/dev/null

if out=$(python3 "$top_srcdir/tests/stress_hijack.py" "$SL_SOCK" "$cid" 4 2>&1); then
	ok "32 hijacked sessions closed while libmicrohttpd frees connections"
else
	not_ok "hijacked stress" "$out" "$(tail -5 "$tmp/ex/log")"
fi
kill -0 "$SL_PID" 2>/dev/null && ok "the daemon survived" ||
	not_ok "daemon alive" "$(tail -5 "$tmp/ex/log")"
stop_daemon
rc=$?
[ $rc -eq 0 ] && ok "clean exit" || not_ok "exit status" "$rc" "$(tail -5 "$tmp/ex/log")"
tap_done
