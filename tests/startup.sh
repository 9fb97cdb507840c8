#!/bin/sh
# Start-up exclusivity: one daemon per data root (the second one's recovery
# would stop the first one's containers), no taking over a unix socket a
# live daemon listens on, a stale socket is replaced, and a daemon removes
# only the socket file it created.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

EX="--backend=example --plugin-dir $top_builddir/plugin-api/example/.libs"
tap_plan 14

# run_second NAME ARGS...: runs a daemon expected to refuse to start; sets
# rc and out.  timeout(1) bounds a daemon that starts after all.
run_second() {
	name=$1
	shift
	mkdir -p "$tmp/$name"
	timeout 60 "$SOCKERLESSD" "$@" >"$tmp/$name/log" 2>&1
	rc=$?
	out=$(cat "$tmp/$name/log")
}

ping_sock() {
	curl -sf --max-time 10 --unix-socket "$1" http://d/_ping
}

# shellcheck disable=SC2086
start_daemon first $EX || { echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
first_pid=$SL_PID
first_sock=$SL_SOCK
first_root="$tmp/first/data"
id=$(curl -s --unix-socket "$SL_SOCK" -H 'Content-Type: application/json' \
	-d "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"while [ ! -e $tmp/end ]; do sleep 0.1; done\"]}" \
	http://d/containers/create | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
curl -s -X POST --unix-socket "$SL_SOCK" "http://d/containers/$id/start" >/dev/null
st=$(api GET "/containers/$id/json")
contains "the first daemon runs a container" "$st" '"Running":true'

# Same data root, another socket.
# shellcheck disable=SC2086
run_second second $EX -H "unix://$tmp/second/s.sock" --data-root "$first_root"
[ $rc -eq 1 ] && ok "a second daemon on the same data root exits 1" || not_ok "second on data root: exit" "rc=$rc" "$out"
[ "$out" = "sockerlessd: data root $first_root is in use by another sockerlessd (pid $first_pid)" ] &&
	ok "it says which data root and which pid hold it, in one line" || not_ok "data root message" "$out"
[ ! -e "$tmp/second/s.sock" ] && ok "it never listened" || not_ok "second socket exists"
st=$(api GET "/containers/$id/json")
contains "the first daemon's container still runs" "$st" '"Running":true'

# Same socket, another data root.
# shellcheck disable=SC2086
run_second third $EX -H "unix://$first_sock" --data-root "$tmp/third/data"
[ $rc -eq 1 ] && ok "a second daemon on a live socket exits 1" || not_ok "second on socket: exit" "rc=$rc" "$out"
# (It has loaded its backend by then, which logs: the reason is the last line.)
[ "$(printf '%s\n' "$out" | tail -n 1)" = "sockerlessd: another daemon is listening on unix://$first_sock" ] &&
	ok "it names the socket" || not_ok "socket message" "$out"
[ "$(ping_sock "$first_sock")" = OK ] && ok "the first daemon still answers on its socket" ||
	not_ok "first daemon unreachable after the refusal"

touch "$tmp/end"
stop_daemon
rc=$?
[ $rc -eq 0 ] && [ ! -e "$first_sock" ] && ok "a daemon exits 0 and removes its socket" ||
	not_ok "socket left behind or exit $rc" "$(cat "$tmp/first/log")"

# The lock goes with the process: the data root is free again.
# shellcheck disable=SC2086
if start_daemon again $EX --data-root "$first_root"; then
	ok "the data root is free once the first daemon stopped"
	stop_daemon
else
	not_ok "data root free after stop"
fi

# A stale socket (nobody listening) is replaced.
stale="$tmp/stale.sock"
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$stale"
[ -S "$stale" ] || not_ok "could not make a stale socket"
# shellcheck disable=SC2086
mkdir -p "$tmp/stale"
"$SOCKERLESSD" $EX -H "unix://$stale" --data-root "$tmp/stale/data" >"$tmp/stale/log" 2>&1 &
SL_PID=$!
SL_PIDS="$SL_PIDS $SL_PID"
i=0
while [ $i -lt 100 ] && [ "$(ping_sock "$stale")" != OK ] && kill -0 "$SL_PID" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(ping_sock "$stale")" = OK ] && ok "a stale socket file is replaced" ||
	not_ok "stale socket" "$(cat "$tmp/stale/log")"
stop_daemon

# A daemon whose socket file was replaced by another daemon's leaves that
# one alone at exit.
# shellcheck disable=SC2086
start_daemon old $EX || { echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
old_pid=$SL_PID
shared=$SL_SOCK
rm -f "$shared"
# shellcheck disable=SC2086
"$SOCKERLESSD" $EX -H "unix://$shared" --data-root "$tmp/new/data" >"$tmp/new.log" 2>&1 &
new_pid=$!
SL_PIDS="$SL_PIDS $new_pid"
i=0
while [ $i -lt 100 ] && [ "$(ping_sock "$shared")" != OK ] && kill -0 "$new_pid" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(ping_sock "$shared")" = OK ] && ok "a new daemon serves the path the old one lost" ||
	not_ok "new daemon on the old path" "$(cat "$tmp/new.log")"
SL_PID=$old_pid
stop_daemon
rc=$?
[ $rc -eq 0 ] && [ -S "$shared" ] && [ "$(ping_sock "$shared")" = OK ] &&
	ok "the old daemon's exit leaves the new daemon's socket in place" ||
	not_ok "old daemon removed a socket that was not its own"
SL_PID=$new_pid
stop_daemon
rc=$?
[ $rc -eq 0 ] && [ ! -e "$shared" ] && ok "the new daemon removes its own socket" || not_ok "new socket left behind"
tap_done
