#!/bin/sh
# The core's agent client end to end (ABI 1.2): the example backend runs
# each container under sockerless-agent (backend option agent=PATH), the
# real docker CLI drives it.  Forward mode (the core dials the agent's
# announced address) and reverse mode (the agent dials --agent-listen).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

EX="$top_builddir/plugin-api/example/.libs"
N=26
# The agent as the backend runs it, with a keepalive ping every second.
AGENT=$tmp/agent-ping1
printf '#!/bin/sh\nexec "%s" --ping-interval 1 "$@"\n' \
	"$top_builddir/agent/sockerless-agent" >"$AGENT"
chmod +x "$AGENT"

head -c 25165824 /dev/urandom >"$tmp/huge.in"
huge_sum=$(slow <"$tmp/huge.in")
tail_sum=$(head -c 1500000 "$tmp/huge.in" | slow)
tap_plan $((N * 2 + 7))

# gone PID: no such process, or a zombie.
gone() {
	g_st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -z "$g_st" ] || [ "$g_st" = Z ]
}

# stopped PGID: every process of the group is stopped.  A shell that
# was in vfork when SIGSTOP came waits for its stopped child in "D" (a
# killable sleep no stop signal ends): stopped too, since it cannot go
# on until that child does.
pstate() {
	awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null
}
stopped() {
	[ -n "$(pstate "$1")" ] || return 1
	for s_p in $(pgrep -g "$1"); do
		case $(pstate "$s_p") in
		T | t | Z | '') ;;
		D)
			s_k=$(pgrep -P "$s_p") && [ -n "$s_k" ] || return 1
			for s_c in $s_k; do
				[ "$(pstate "$s_c")" = T ] || return 1
			done ;;
		*) return 1 ;;
		esac
	done
}

agent_live() {
	grep -q "agent ${1%"${1#????????????}"}: \(connected\|called back\)" "$tmp/$2/log"
}

suite() {
	mode=$1
	docker run --rm busybox sh -c 'echo out; exit 42' >"$tmp/run.out" 2>&1
	check "$mode: docker run --rm ... exit 42 gives 42" test $? -eq 42
	check "$mode: its output reached the client" test "$(cat "$tmp/run.out")" = out
	# The attach comes before the start: the token made at create tells
	# the core to wait for the agent (else stdin went nowhere: a hang).
	check "$mode: docker run -i: stdin through the agent" \
		test "$(echo data | timeout 30 docker run -i --rm busybox wc -c | tr -d ' ')" = 5
	# 24 times the agent's replay buffer through docker run -i cat, read
	# by a client slower than cat: the main process waits for an
	# attached reader, as under dockerd, instead of ending its session
	# ("output queue overflow" once cut the output and reset the
	# client).  The agent pings every second here, so pings and PONGs
	# cross the stdin and output both in flight.
	got=$(timeout 120 docker run -i --rm busybox cat <"$tmp/huge.in" 2>"$tmp/huge.err" | slow)
	check "$mode: 24 MiB through docker run -i cat to a slow client, intact ($(head -c 200 "$tmp/huge.err"))" \
		test "$got" = "$huge_sum"
	# A client at 200 KB/s: the process writes 1.5 MB at once and exits,
	# mostly before the agent has connected; what the client has not
	# read is held for it (the first byte for the daemon's first attach,
	# then for the slower client) and none is dropped.
	got=$(timeout 60 docker run --rm busybox head -c 1500000 "$tmp/huge.in" 2>&1 |
		slow 1 0.02)
	check "$mode: a 200 KB/s client gets all 1.5 MB written before the agent connected" \
		test "$got" = "$tail_sum"

	id=$(docker run -d --name c1 busybox sh -c 'trap "echo got usr1" USR1; echo up; while :; do sleep 0.1; done')
	wait_for 10 agent_live "$id" "$mode"
	check "$mode: the core connected to the container's agent" agent_live "$id" "$mode"

	docker exec c1 sh -c 'exit 7' >/dev/null 2>&1
	check "$mode: docker exec's exit code" test $? -eq 7
	check "$mode: docker exec -i: stdin reaches the process, EOF ends it" \
		test "$(printf 'hello' | docker exec -i c1 wc -c | tr -d ' ')" = 5
	# Megabytes through exec -i: the stdin pump and the output race on
	# one agent connection (a send timeout once cut a frame in half).
	head -c 4194304 /dev/urandom >"$tmp/big.in"
	want=$(sha256sum <"$tmp/big.in")
	got=$(timeout 60 docker exec -i c1 cat <"$tmp/big.in" 2>"$tmp/big.err" | sha256sum)
	check "$mode: 4 MiB through docker exec -i cat, intact ($(head -c 200 "$tmp/big.err"))" \
		test "$got" = "$want"
	check "$mode: docker exec -w -e" \
		test "$(docker exec -w /tmp -e FOO=bar c1 sh -c 'echo $(pwd) $FOO' 2>&1)" = "/tmp bar"
	contains "$mode: docker exec -t runs on a TTY" \
		"$(docker exec -t c1 tty 2>&1)" "/dev/pts/"
	u=$(id -u)
	check "$mode: docker exec -u" test "$(docker exec -u "$u" c1 id -u 2>&1)" = "$u"
	contains "$mode: an unknown command says so" \
		"$(docker exec c1 no-such-cmd 2>&1)" 'executable file not found'

	contains "$mode: docker top lists the main process" \
		"$(docker top c1 2>&1)" "trap"

	# docker cp both ways (the example's containers see the host's files).
	mkdir -p "$tmp/$mode.dst" && printf 'payload %s\n' "$mode" >"$tmp/$mode.src"
	docker cp "$tmp/$mode.src" "c1:$tmp/$mode.dst/" >/dev/null 2>&1
	check "$mode: docker cp into the container" \
		cmp -s "$tmp/$mode.src" "$tmp/$mode.dst/$mode.src"
	docker cp "c1:$tmp/$mode.src" - 2>/dev/null | tar -xOf - >"$tmp/$mode.out" 2>/dev/null
	check "$mode: docker cp out of the container" cmp -s "$tmp/$mode.src" "$tmp/$mode.out"

	docker kill -s USR1 c1 >/dev/null 2>&1
	wait_for 10 sh -c "docker logs c1 2>&1 | grep -q 'got usr1'"
	contains "$mode: docker kill -s USR1 reaches the main process" \
		"$(docker logs c1 2>&1)" "got usr1"

	docker pause c1 >/dev/null 2>&1
	st=$(docker inspect -f '{{.State.Status}}' c1 2>&1)
	pid=$(docker inspect -f '{{.State.Pid}}' c1 2>&1)
	kids=$(pgrep -P "$pid" 2>/dev/null | head -1)
	wait_for 10 stopped "$kids"
	pst=$(for p in $(pgrep -g "$kids"); do printf '%s ' "$p:$(pstate "$p")"; done)
	check "$mode: docker pause stops the main process ($st, $pst)" \
		eval 'test "$st" = paused && stopped "$kids"'
	docker unpause c1 >/dev/null 2>&1
	check "$mode: docker unpause resumes it" \
		test "$(docker inspect -f '{{.State.Status}}' c1 2>&1)" = running

	# The agent dies under a running exec: a clear error, the daemon
	# keeps serving.
	docker exec c1 sh -c "echo \$\$ >$tmp/$mode.exec.pid; exec sleep 29" \
		>"$tmp/exec.out" 2>&1 &
	ex=$!
	wait_for 10 test -s "$tmp/$mode.exec.pid"
	kill -9 "$pid"
	i=0
	while kill -0 "$ex" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$ex" 2>/dev/null && kill "$ex"
	wait "$ex"
	# The exec's process outlives its killed agent (no PID namespace
	# here): ours to end.  The main process ($kids, found for the pause
	# check) dies with the agent, as in a container whose PID 1 died.
	kill "$(cat "$tmp/$mode.exec.pid")" 2>/dev/null
	contains "$mode: the agent gone mid-exec: a clear error" \
		"$(cat "$tmp/exec.out")" "agent"
	if [ -n "$kids" ] && wait_for 10 gone "$kids"; then
		ok "$mode: the main process dies with its agent"
	else
		not_ok "$mode: the main process dies with its agent" "pid '$kids' lives on"
		[ -n "$kids" ] && kill "$kids" 2>/dev/null
	fi
	check "$mode: the daemon keeps serving" docker ps -a
	docker rm -f c1 >/dev/null 2>&1

	# docker logs of a finished container comes from the local copy.
	id=$(docker run -d --name c2 busybox sh -c 'echo one; echo two >&2; echo three')
	docker wait c2 >/dev/null 2>&1
	wait_for 10 test -e "$tmp/$mode/data/ctrfiles/$id/log.complete"
	check "$mode: the agent's output made the local log copy complete" \
		test -e "$tmp/$mode/data/ctrfiles/$id/log.complete"
	check "$mode: docker logs after exit is complete (stdout)" \
		test "$(docker logs c2 2>/dev/null)" = "$(printf 'one\nthree')"
	check "$mode: ... and stderr" \
		test "$(docker logs c2 2>&1 >/dev/null)" = two
	tok=$(cat "$tmp/$mode/data/ctrfiles/$id/secrets/agent-token" 2>/dev/null)
	check "$mode: the token is in no log or inspect" \
		test "${#tok}" -eq 64 -a -z "$(docker inspect c2 | grep -F -- "$tok")" \
		-a -z "$(grep -F -- "$tok" "$tmp/$mode/log")"
	docker rm -f c2 >/dev/null 2>&1
}

start_daemon forward --backend=example --plugin-dir "$EX" -o agent="$AGENT" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
suite forward
# A client that stops reading: the core ends its stream after 20 s, and
# the connection's other sessions go on (they used to wait behind it
# until the agent's 60 s send timeout dropped the whole connection).
st=$(docker run -d --name st busybox sh -c \
	'while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done')
wait_for 10 agent_live "$st" forward
mkfifo "$tmp/stuck"
docker attach --no-stdin --sig-proxy=false st >"$tmp/stuck" 2>/dev/null &
apid=$!
exec 5<"$tmp/stuck"   # opened, never read
overran() { grep -q "agent ${st%"${st#????????????}"}: .*the client read nothing" "$tmp/forward/log"; }
wait_for 60 overran
check "forward: a client that reads nothing loses its attach after 20 s" overran
check "forward: exec over the same connection goes on" \
	test "$(timeout 20 docker exec st echo alive 2>&1)" = alive
check "forward: the connection itself was kept" \
	sh -c "! grep -q 'agent ${st%"${st#????????????}"}: connection lost' '$tmp/forward/log'"
exec 5<&-
kill "$apid" 2>/dev/null
wait "$apid" 2>/dev/null
docker rm -f st >/dev/null 2>&1
# Non-zero with a leak or a sanitizer report (--enable-sanitizers).
if stop_daemon; then ok "forward: the daemon exits 0"; else
	not_ok "forward: the daemon exits 0" "$(tail -20 "$tmp/forward/log")"; fi

start_daemon reverse --backend=example --plugin-dir "$EX" -o agent="$AGENT" \
	-o agent-mode=reverse --agent-listen 127.0.0.1:0 ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
suite reverse
url=$(sed -n 's/.*agents dial \(http[^)]*\)).*/\1/p' "$tmp/reverse/log")
id=$(docker create busybox true)
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' \
	-H 'Upgrade: sockerless-agent/1' "$url/v1/agent/$id")
check "reverse: a callback without a token is 401 ($code)" test "$code" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer 00' \
	-H 'Connection: Upgrade' -H 'Upgrade: sockerless-agent/1' \
	"$url/v1/agent/0000000000000000000000000000000000000000000000000000000000000000")
check "reverse: a callback for an unknown container is refused ($code)" test "$code" = 401
if stop_daemon; then ok "reverse: the daemon exits 0"; else
	not_ok "reverse: the daemon exits 0" "$(tail -20 "$tmp/reverse/log")"; fi
tap_done
