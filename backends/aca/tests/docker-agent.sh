#!/bin/sh
# The real docker CLI against sockerlessd --backend=aca and the Azure
# simulator with the agent in every container: exact exit codes, exec,
# cp, top and -w, in forward mode (the daemon dials the address the
# agent announced in the log stream) and reverse mode (the agent dials the
# daemon's --agent-listen at the simulator's bridge).  One simulator and
# registry; a daemon per mode.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
aca_begin 29 --agent $ACA_SIM_FAST

# The operator's default token in forward mode, so the checks below know
# what must never show; reverse mode uses per-container tokens.
TOKEN=5f0c1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff

# checks MODE: the same checks against the daemon at $DOCKER_HOST.
checks() {
	m=$1
	docker run --rm busybox sh -c 'exit 42' >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 42 ] && ok "$m: docker run --rm ... exit 42 gives 42" ||
		not_ok "$m: exit code" "rc=$rc" "$(cat "$tmp/out")"

	out=$(docker run --rm -w /tmp busybox pwd 2>"$tmp/err")
	[ "$out" = /tmp ] && ok "$m: docker run -w /tmp runs in /tmp" ||
		not_ok "$m: -w" "out=$out" "$(cat "$tmp/err")"

	# -i works: docker run's attach waits for the agent and carries
	# stdin (docker-agent-io.sh checks it in depth).
	out=$(echo data | docker run -i --rm busybox wc -c 2>"$tmp/err")
	[ $? -eq 0 ] && [ "$(echo $out)" = 5 ] && ok "$m: docker run -i reads stdin" ||
		not_ok "$m: -i" "out=$out" "$(cat "$tmp/err")"

	id=$(docker run -d busybox sleep 300 2>"$tmp/err")
	[ -n "$id" ] && wait_for 30 sh -c "[ \"\$(docker inspect -f '{{.State.Running}}' $id)\" = true ]" &&
		ok "$m: a detached container runs" || not_ok "$m: run -d" "$(cat "$tmp/err")"
	# exec needs the agent connected; it is by the time start returned.
	out=$(docker exec "$id" sh -c 'echo from exec; exit 7' 2>"$tmp/err")
	rc=$?
	[ "$out" = "from exec" ] && [ $rc -eq 7 ] && ok "$m: docker exec: output and exit code" ||
		not_ok "$m: exec" "rc=$rc out=$out" "$(cat "$tmp/err")"
	out=$(docker exec -e GREETING=hi -w /etc "$id" sh -c 'echo $GREETING $(pwd)' 2>"$tmp/err")
	[ "$out" = "hi /etc" ] && ok "$m: docker exec -e -w" ||
		not_ok "$m: exec -e -w" "out=$out" "$(cat "$tmp/err")"

	printf 'copied in %s\n' "$m" >"$tmp/in.txt"
	docker cp "$tmp/in.txt" "$id:/tmp/in.txt" 2>"$tmp/err" &&
		[ "$(docker exec "$id" cat /tmp/in.txt)" = "copied in $m" ] &&
		ok "$m: docker cp into the container" || not_ok "$m: cp in" "$(cat "$tmp/err")"
	rm -f "$tmp/back.txt"
	docker cp "$id:/tmp/in.txt" "$tmp/back.txt" 2>"$tmp/err" &&
		cmp -s "$tmp/in.txt" "$tmp/back.txt" &&
		ok "$m: docker cp out of the container" || not_ok "$m: cp out" "$(cat "$tmp/err")"

	docker top "$id" >"$tmp/top" 2>&1 && grep -q 'sleep 300' "$tmp/top" &&
		ok "$m: docker top lists the main process" || not_ok "$m: top" "$(cat "$tmp/top")"

	docker inspect "$id" >"$tmp/inspect" 2>&1
	if [ "$m" = forward ]; then
		! grep -q "$TOKEN" "$tmp/inspect" && ! grep -q "$TOKEN" "$SL_LOG" &&
			ok "$m: the token is neither in docker inspect nor in the daemon log" ||
			not_ok "$m: token shown"
	else
		grep -q '"agent": "reverse"' "$tmp/inspect" &&
			! grep -qi 'SOCKERLESS_AGENT_TOKEN\|agent-token' "$tmp/inspect" &&
			ok "$m: inspect names the agent mode and holds no token" ||
			not_ok "$m: inspect" "$(grep -i agent "$tmp/inspect")"
	fi

	docker logs "$id" >"$tmp/logs" 2>&1
	! grep -q SOCKERLESS_AGENT "$tmp/logs" && ok "$m: the agent's own line is not in docker logs" ||
		not_ok "$m: announcement in logs" "$(cat "$tmp/logs")"

	docker rm -f "$id" >/dev/null 2>&1
	! docker inspect "$id" >/dev/null 2>&1 && ok "$m: rm -f" || not_ok "$m: rm -f"
}

export SOCKERLESS_ACA_AGENT_TOKEN=$TOKEN
agent_modes checks

# Without the agent exec says why.
ACA_AGENT=off aca_daemon off || { echo "Bail out! sockerlessd (agent off) did not start"; exit 1; }
id=$(docker run -d busybox sleep 300 2>"$tmp/err")
wait_for 30 sh -c "[ \"\$(docker inspect -f '{{.State.Running}}' $id)\" = true ]"
docker exec "$id" true >"$tmp/out" 2>&1
grep -q 'agent=off' "$tmp/out" && ok "agent=off: exec answers naming the reason" ||
	not_ok "exec without agent" "$(cat "$tmp/out")"
docker stats --no-stream "$id" >"$tmp/out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'stats is not supported.*agent=off' "$tmp/out" &&
	ok "agent=off: stats answers naming the reason" || not_ok "stats without agent" "rc=$rc" "$(cat "$tmp/out")"
docker rm -f "$id" >/dev/null 2>&1
stop_daemon && ok "agent=off: the daemon stops cleanly" || not_ok "agent=off: daemon stop" "$(tail -20 "$tmp/off/log")"
tap_done
