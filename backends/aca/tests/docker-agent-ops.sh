#!/bin/sh
# The real docker CLI against sockerlessd --backend=aca and the Azure
# simulator with the agent, in forward and reverse mode: docker exec -u
# and -t, exec exit codes (including a command that is not there or not
# executable), pause and unpause, `docker logs -f` while the container
# runs, and the agent's and the callback listener's refusals.  One
# simulator and registry; a daemon per mode.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
command -v script >/dev/null 2>&1 || { echo "Bail out! no script(1) (util-linux)"; exit 1; }
aca_begin 35 --agent $ACA_SIM_FAST

# The operator's default token in both modes, so the refusals below can
# be told apart from a token that is simply unknown to the test.
TOKEN=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

# The container: a first line, then a counter every 100 ms until
# /tmp/stop exists, then a last line.
WORK='echo first; i=0; while [ ! -e /tmp/stop ]; do i=$((i + 1)); echo "n $i"; usleep 100000; done; echo last'

running() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
paused() { [ "$(docker inspect -f '{{.State.Paused}} {{.State.Status}}' "$1" 2>/dev/null)" = "$2" ]; }
# counter ID: the last value the counter printed (0 before the first).
counter() { docker logs "$1" 2>/dev/null | sed -n 's/^n //p' | tail -1 | grep . || echo 0; }
# code URL [TOKEN]: the HTTP status a GET of URL gets (000: no answer).
code() {
	if [ -n "${2:-}" ]; then
		curl -s -o /dev/null -m 5 -w '%{http_code}' -H "Authorization: Bearer $2" "$1"
	else
		curl -s -o /dev/null -m 5 -w '%{http_code}' "$1"
	fi
}

# checks MODE: the checks both modes share, against $DOCKER_HOST, and
# refusals_MODE while the container runs; leaves the container (exited,
# not removed) in $id.
checks() {
	m=$1
	id=$(docker run -d busybox sh -c "$WORK" 2>"$tmp/err")
	[ -n "$id" ] && wait_for 30 running "$id" || { echo "Bail out! $m: the container did not start: $(cat "$tmp/err")"; exit 1; }
	docker logs -f "$id" >"$tmp/follow" 2>&1 &
	fpid=$!
	wait_for 10 grep -q '^n 3$' "$tmp/follow" && grep -q '^first$' "$tmp/follow" && running "$id" &&
		ok "$m: docker logs -f prints lines while the container runs" ||
		not_ok "$m: logs -f" "$(cat "$tmp/follow")"

	out=$(docker exec -u 1000:1001 "$id" sh -c 'echo $(id -u):$(id -g)' 2>&1)
	[ "$out" = 1000:1001 ] && ok "$m: docker exec -u UID:GID" || not_ok "$m: exec -u 1000:1001" "$out"
	out=$(docker exec -u nobody "$id" id -u 2>&1)
	[ "$out" = 65534 ] && ok "$m: docker exec -u with a name from /etc/passwd" || not_ok "$m: exec -u nobody" "$out"

	# -t needs a terminal on the CLI's side: script(1) gives it one.
	script -qec "docker exec -t $id sh -c 'tty; echo in-tty; exit 3'" /dev/null >"$tmp/tty" 2>&1
	rc=$?
	grep -q '^/dev/pts/' "$tmp/tty" && grep -q in-tty "$tmp/tty" && [ $rc -eq 3 ] &&
		ok "$m: docker exec -t runs under a pty, output and exit code kept" ||
		not_ok "$m: exec -t" "rc=$rc" "$(cat "$tmp/tty")"

	# dockerd: 127 for a command that is not found, 126 for one that
	# cannot be executed.
	docker exec "$id" no-such-command >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 127 ] && grep -q 'not found' "$tmp/out" && ok "$m: exec of an unknown command: 127" ||
		not_ok "$m: exec unknown command" "rc=$rc" "$(cat "$tmp/out")"
	docker exec "$id" /etc/passwd >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 126 ] && ok "$m: exec of a file that is not executable: 126" ||
		not_ok "$m: exec not executable" "rc=$rc" "$(cat "$tmp/out")"
	# Detached, the start fails as dockerd's does and inspect keeps 127.
	out=$(api POST "/containers/$id/exec" -H 'Content-Type: application/json' \
		-d '{"Cmd":["no-such-command"]}')
	eid=$(printf '%s' "$out" | sed -n 's/.*"Id": *"\([0-9a-f]*\)".*/\1/p')
	st=$(api POST "/exec/$eid/start" -H 'Content-Type: application/json' -d '{"Detach":true}')
	out=$(api GET "/exec/$eid/json")
	case $st in 2*) st="$st (wanted an error)" ;; esac
	case $st in [45]*) contains "$m: a detached exec of an unknown command fails, inspect says 127" \
		"$out" '"ExitCode":127' ;; *) not_ok "$m: detached unknown command" "$st" ;; esac
	docker exec "$id" sh -c 'kill -9 $$' >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 137 ] && ok "$m: exec killed by a signal: 128 + 9" ||
		not_ok "$m: exec killed" "rc=$rc" "$(cat "$tmp/out")"

	docker pause "$id" >"$tmp/out" 2>&1 && wait_for 10 paused "$id" "true paused" &&
		ok "$m: docker pause: inspect says Paused" || not_ok "$m: pause" "$(cat "$tmp/out")"
	# The counter prints every 100 ms: over 1.5 s of polls it must not
	# move by more than one line.  Lines printed before the pause may
	# still be on their way to the log store: first let it settle (two
	# reads half a second apart agree).
	c1=$(counter "$id")
	i=0
	while [ $i -lt 20 ] && sleep 0.5 && [ "$(counter "$id")" != "$c1" ]; do
		c1=$(counter "$id")
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 8 ] && [ "$(counter "$id")" -le $((c1 + 1)) ]; do
		sleep 0.2
		i=$((i + 1))
	done
	c2=$(counter "$id")
	[ $i -eq 8 ] && [ "$c2" -le $((c1 + 1)) ] && ok "$m: the counter stops while paused" ||
		not_ok "$m: counter moved while paused" "$c1 -> $c2"
	docker unpause "$id" >"$tmp/out" 2>&1 && wait_for 10 paused "$id" "false running" &&
		wait_for 10 sh -c "[ \$(docker logs $id | sed -n 's/^n //p' | tail -1) -gt $((c2 + 3)) ]" &&
		ok "$m: docker unpause: running again, the counter moves" ||
		not_ok "$m: unpause" "$(cat "$tmp/out")" "counter $(counter "$id") after $c2"

	# docker stats through the agent (Azure has no per-container
	# figures): the replica is no cgroup of its own in the simulator, so
	# the agent sums its processes (sh, the counter's usleep, itself).
	out=$(docker stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' "$id" 2>&1)
	case $out in
	[3-9]" "[1-9]*|[1-9][0-9]*" "[1-9]*) ok "$m: docker stats: processes and memory from the agent ($out)" ;;
	*) not_ok "$m: docker stats" "$out" ;;
	esac
	out=$(api GET "/containers/$id/stats?stream=false")
	case $out in
	200*'"total_usage":'[1-9]*) ok "$m: the stats document counts CPU time" ;;
	*) not_ok "$m: stats document" "$out" ;;
	esac

	"refusals_$m"

	docker exec "$id" touch /tmp/stop >"$tmp/out" 2>&1
	wait_for 30 sh -c "! kill -0 $fpid" && wait "$fpid" && grep -q '^last$' "$tmp/follow" &&
		ok "$m: docker logs -f ends with the container, last line included" ||
		not_ok "$m: logs -f end" "$(cat "$tmp/out")" "$(tail -3 "$tmp/follow")"
	kill "$fpid" 2>/dev/null
}

# refusals_forward: the agent of the running container $id, at the
# address the daemon dialled (the one the agent announced).
refusals_forward() {
	short=$(echo "$id" | cut -c1-12)
	addr=$(sed -n "s/.*agent $short: connected to \([0-9.:]*\).*/\1/p" "$tmp/fwd/log" | tail -1)
	h=http://$addr/v1/health
	c_bad=$(code "$h" "$(echo "$TOKEN" | tr 0-9 1-90)")
	c_none=$(code "$h")
	c_good=$(code "$h" "$TOKEN")
	[ -n "$addr" ] && [ "$c_bad" = 401 ] && [ "$c_none" = 401 ] &&
		ok "forward: the agent answers a wrong or missing token with 401" ||
		not_ok "forward: agent refusals" "addr=$addr wrong=$c_bad none=$c_none"
	[ "$c_good" = 200 ] && [ "$(docker exec "$id" echo still)" = still ] &&
		ok "forward: with the token it answers 200, and the agent still serves" ||
		not_ok "forward: agent with token" "addr=$addr good=$c_good"
}

# refusals_reverse: the daemon's callback listener at $base.
refusals_reverse() {
	c_bad=$(code "$base/v1/agent/$id" "$(echo "$TOKEN" | tr 0-9 1-90)")
	c_none=$(code "$base/v1/agent/$id")
	[ -n "$base" ] && [ "$c_bad" = 401 ] && [ "$c_none" = 401 ] &&
		ok "reverse: the callback listener answers a wrong or missing token with 401" ||
		not_ok "reverse: listener refusals" "base=$base wrong=$c_bad none=$c_none"
	# The right token, but no container of that id, one removed, or one
	# created and never started (no agent expected): refused the same
	# way, naming nothing.
	removed=$(docker create busybox true 2>"$tmp/err") && docker rm "$removed" >/dev/null 2>&1
	created=$(docker create busybox true 2>>"$tmp/err")
	c_unknown=$(code "$base/v1/agent/$(echo "$id" | tr 0-9a-f f0-9a-e)" "$TOKEN")
	c_removed=$(code "$base/v1/agent/$removed" "$TOKEN")
	c_created=$(code "$base/v1/agent/$created" "$TOKEN")
	[ "$c_unknown" = 401 ] && [ -n "$removed" ] && [ "$c_removed" = 401 ] &&
		[ -n "$created" ] && [ "$c_created" = 401 ] &&
		[ "$(docker exec "$id" echo still)" = still ] &&
		ok "reverse: a callback for an unknown, removed or never started container is refused (401)" ||
		not_ok "reverse: unknown container" "unknown=$c_unknown removed=$c_removed created=$c_created" "$(cat "$tmp/err")"
	docker rm -f "$created" >/dev/null 2>&1
}

ACA_AGENT=forward SOCKERLESS_ACA_AGENT_TOKEN=$TOKEN aca_daemon fwd ||
	{ echo "Bail out! sockerlessd --backend=aca did not start"; exit 1; }
checks forward
docker rm -f "$id" >/dev/null 2>&1
stop_daemon && ok "forward: the daemon stops cleanly" || not_ok "forward: daemon stop" "$(tail -20 "$tmp/fwd/log")"

# Replicas reach the host at the simulator's bridge address only.
gw=$(sim_get /_sim/replicas | "$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["network"]["gateway"])')
[ -n "$gw" ] || { echo "Bail out! the simulator reports no bridge gateway"; exit 1; }
ACA_AGENT=reverse SOCKERLESS_ACA_AGENT_TOKEN=$TOKEN aca_daemon rev --agent-listen "$gw:0" ||
	{ echo "Bail out! sockerlessd --backend=aca (reverse) did not start"; exit 1; }
base=$(sed -n 's/.*agents dial \(http:[^)]*\)).*/\1/p' "$tmp/rev/log" | head -1)
checks reverse
docker rm -f "$id" >/dev/null 2>&1
! grep -q "$TOKEN" "$tmp/fwd/log" "$tmp/rev/log" && ok "the token is in neither daemon's log" ||
	not_ok "token logged"
stop_daemon && ok "reverse: the daemon stops cleanly" || not_ok "reverse: daemon stop" "$(tail -20 "$tmp/rev/log")"
tap_done
