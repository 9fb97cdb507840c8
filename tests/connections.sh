#!/bin/sh
# Connection handling: idle connections time out (and cannot lock clients
# out), while streams and hijacked connections that stay quiet for longer
# do not; an answer the daemon gives without wanting the body still reaches
# a client that writes its whole body first (as Node's http client does).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

PROBE="$top_srcdir/tests/http_probe.py"
tap_plan 46

# probe N ARGS...: runs http_probe.py and turns its N result lines into TAP;
# lines it did not print (it died) are failures.
probe() {
	want=$1
	shift
	run_checks "$want" python3 "$PROBE" "$@"
}

# run_checks N COMMAND...: the same for any command printing such lines.
run_checks() {
	want=$1
	shift
	"$@" >"$tmp/probe.out" 2>"$tmp/probe.err"
	n=0
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		"not ok "*) not_ok "${line#not ok }" ;;
		*) continue ;;
		esac
		n=$((n + 1))
	done <"$tmp/probe.out"
	while [ "$n" -lt "$want" ]; do
		not_ok "$*: check $((n + 1)) did not run" "$(cat "$tmp/probe.err")"
		n=$((n + 1))
	done
}

# Flags.
out=$("$SOCKERLESSD" --help)
case $out in
*--idle-timeout=SECONDS*--max-connections=N*) ok "--help documents --idle-timeout and --max-connections" ;;
*) not_ok "--help documents the connection flags" "$out" ;;
esac
"$SOCKERLESSD" --backend=example --idle-timeout=soon >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "idle-timeout wants a number" "$tmp/err" &&
	ok "a bad --idle-timeout is a usage error" || not_ok "bad --idle-timeout" "rc=$rc" "$(cat "$tmp/err")"
"$SOCKERLESSD" --backend=example --max-connections=0 >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && ok "--max-connections=0 is a usage error" || not_ok "--max-connections=0" "rc=$rc" "$(cat "$tmp/err")"

start_daemon conn --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" \
	--idle-timeout=2 --max-connections=32 ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

probe 2 idle "$SL_SOCK"
probe 2 flood "$SL_SOCK" 300
r=$(api GET /_ping)
[ "$r" = "200 OK" ] && ok "the daemon serves normally after the flood" || not_ok "after flood" "$r"

# Streams that stay quiet for longer than the idle timeout.
dir="$tmp/trig"
mkdir -p "$dir"
create() {
	curl -s --unix-socket "$SL_SOCK" -H 'Content-Type: application/json' \
		-d "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"$1\"]}" \
		http://d/containers/create | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p'
}
logs_id=$(create "echo first; while [ ! -e $dir/go ]; do sleep 0.1; done; echo second; while [ ! -e $dir/end ]; do sleep 0.1; done")
wait_id=$(create "while [ ! -e $dir/go ]; do sleep 0.1; done")
for id in "$logs_id" "$wait_id"; do
	curl -s -X POST --unix-socket "$SL_SOCK" "http://d/containers/$id/start" >/dev/null
done
if [ -n "$logs_id" ] && [ -n "$wait_id" ]; then
	probe 5 streams "$SL_SOCK" "$dir" "$logs_id" "$wait_id" "$logs_id"
else
	probe 5 streams /nonexistent "$dir" x x x
fi
touch "$dir/end"

probe 26 early "$SL_SOCK"
# The same with a real Node client; scripts/deps.sh installs node.
if command -v node >/dev/null 2>&1; then
	run_checks 6 node "$top_srcdir/tests/early_answer.js" "$SL_SOCK"
else
	for i in 1 2 3 4 5 6; do
		not_ok "node check $i: node is not installed (scripts/deps.sh installs nodejs)"
	done
fi

stop_daemon
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM exits 0 after all that" || not_ok "SIGTERM exit" "$rc"
tap_done
