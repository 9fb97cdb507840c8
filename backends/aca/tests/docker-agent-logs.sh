#!/bin/sh
# `docker logs` of ACA containers that run with the agent: the core
# serves its own copy of the agent's output, so `docker logs -f` shows
# lines while the container runs and ends with its exit, although Log
# Analytics holds rows back for two minutes here.  In reverse mode the
# replica log stream is refused too, so nothing but the agent's copy can
# explain what the follower prints.  One simulator and registry; a
# daemon per mode (agent_modes).
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
aca_begin 25 --agent --ingestion-delay-ms 120000 --ingestion-jitter-ms 0 --lro-delay-ms 0 \
	--schedule-delay-ms 0 --stop-grace 1

N=25
# The workload: N lines, one every 200 ms, then exit 3.
WORK='i=0; while [ $i -lt '$N' ]; do echo "line $i"; i=$((i + 1)); usleep 200000; done; exit 3'
expected() { i=0; while [ $i -lt $N ]; do echo "line $i"; i=$((i + 1)); done; }
running() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }

# late_dial: forward mode, the daemon dials the agent only after the
# main process printed A, slept 3 s and printed B (the log stream that
# carries the agent's announcement answers 5 s late): the lines come
# from the agent's replay buffer at one instant, but keep the stamps of
# their writing (protocol v2).
late_dial() {
	curl -sf -X POST "$SIM_URL/_sim/faults" \
		-d '{"op": "LogStream", "latencyMs": 5000, "times": 1}' >/dev/null ||
		{ echo "Bail out! the simulator took no fault rule"; exit 1; }
	id=$(docker run -d busybox sh -c 'echo A; sleep 3; echo B; sleep 300' 2>"$tmp/err")
	wait_for 30 sh -c "docker logs $id 2>/dev/null | grep -q B"
	docker logs -t "$id" >"$tmp/late" 2>&1
	ta=$(sed -n 's/^\([^ ]*\) A$/\1/p' "$tmp/late")
	tb=$(sed -n 's/^\([^ ]*\) B$/\1/p' "$tmp/late")
	gap=$("$SDK_PYTHON" -c '
import sys, datetime
def ns(t):
    d, f = t.rstrip("Z").split(".")
    s = datetime.datetime.strptime(d, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(s.timestamp()) * 10**9 + int(f.ljust(9, "0"))
print(ns(sys.argv[2]) - ns(sys.argv[1]))' "$ta" "$tb" 2>/dev/null)
	[ "${gap:-0}" -ge 2500000000 ] &&
		ok "forward, late dial: logs -t shows A and B as written, $gap ns apart" ||
		not_ok "late dial: stamps" "gap=$gap" "$(cat "$tmp/late")" "$(grep -i agent "$SL_LOG" | tail -5)"
	mid=$("$SDK_PYTHON" -c '
import sys, datetime
d, f = sys.argv[1].rstrip("Z").split(".")
s = datetime.datetime.strptime(d, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
print("%d.%09d" % (int(s.timestamp()) + 1, int(f.ljust(9, "0"))))' "$ta" 2>/dev/null)
	out=$(docker logs --since "$mid" "$id" 2>&1)
	[ "$out" = B ] && ok "forward, late dial: logs --since between them gives B alone" ||
		not_ok "late dial: since" "since=$mid" "$out"
	docker rm -f "$id" >/dev/null 2>&1
	curl -sf -X DELETE "$SIM_URL/_sim/faults" >/dev/null
}

# v1_agent: the daemon with an agent that speaks protocol version 1 (no
# stamps: its lines are stamped on arrival) still keeps a whole copy.
v1_agent() {
	id=$(docker run -d -e SOCKERLESS_AGENT_PROTO=1 busybox sh -c \
		'echo one; echo two >&2; exit 5' 2>"$tmp/err")
	st=$(docker wait "$id" 2>&1)
	out=$(docker logs -t "$id" 2>&1)
	# stdout and stderr are read apart: either may come first.
	[ "$st" = 5 ] && [ "$(echo "$out" | wc -l)" -eq 2 ] &&
		echo "$out" | grep -q '^20[^ ]*Z one$' && echo "$out" | grep -q '^20[^ ]*Z two$' &&
		ok "$m: a version 1 agent: exit 5, both lines, stamped" ||
		not_ok "$m: v1 agent" "wait=$st" "$out"
	grep -q "agent ${id%"${id#????????????}"}: main process exited with 5" "$SL_LOG" &&
		ok "$m: ... the exit came from the agent" ||
		not_ok "$m: v1 agent exit" "$(grep -i agent "$SL_LOG" | tail -5)"
	docker rm "$id" >/dev/null 2>&1
}

checks() {
	m=$1
	[ "$m" = forward ] && late_dial
	[ "$m" = reverse ] && v1_agent
	if [ "$m" = reverse ]; then
		curl -sf -X POST "$SIM_URL/_sim/faults" \
			-d '{"op": "LogStream", "status": 503, "times": -1}' >/dev/null ||
			{ echo "Bail out! the simulator took no fault rule"; exit 1; }
	fi
	id=$(docker run -d busybox sh -c "$WORK" 2>"$tmp/err")
	[ -n "$id" ] || not_ok "$m: run -d" "$(cat "$tmp/err")"
	docker logs -f "$id" >"$tmp/follow.$m" 2>&1 &
	fp=$!
	# Line 3 is written under a second into a five-second run (room for
	# a late dial on a loaded machine).
	if wait_for 20 grep -q '^line 3$' "$tmp/follow.$m" && running "$id"; then
		ok "$m: logs -f shows lines while the container runs"
	else
		not_ok "$m: live lines" "$(cat "$tmp/follow.$m")" "$(tail -5 "$SL_LOG")"
	fi
	if wait_for 30 sh -c "! kill -0 $fp"; then
		ok "$m: logs -f ends when the container exits"
	else
		not_ok "$m: logs -f still running" "$(tail -3 "$tmp/follow.$m")"
		kill "$fp" 2>/dev/null
	fi
	wait "$fp" 2>/dev/null
	st=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id" 2>&1)
	[ "$st" = "exited 3" ] && ok "$m: ... with the exit recorded (exited 3)" ||
		not_ok "$m: state after logs -f" "$st"
	expected >"$tmp/expected"
	cmp -s "$tmp/expected" "$tmp/follow.$m" && ok "$m: logs -f printed every line once, in order" ||
		not_ok "$m: follow output" "$(diff "$tmp/expected" "$tmp/follow.$m" | head -10)"

	# The options on the finished container's copy.
	out=$(docker logs --tail 2 "$id" 2>&1)
	[ "$out" = "$(printf 'line %d\nline %d' $((N - 2)) $((N - 1)))" ] && ok "$m: logs --tail 2" ||
		not_ok "$m: tail" "$out"
	docker logs -t "$id" >"$tmp/ts.$m" 2>&1
	ts10=$(sed -n 's/^\([^ ]*\) line 10$/\1/p' "$tmp/ts.$m")
	case $ts10 in
	20[0-9][0-9]-*T*Z) ok "$m: logs -t stamps each line ($ts10)" ;;
	*) not_ok "$m: -t" "$(head -3 "$tmp/ts.$m")" ;;
	esac
	out=$(docker logs --since "$ts10" "$id" 2>&1 | head -1)
	[ "$out" = "line 10" ] && ok "$m: logs --since the stamp of line 10 starts there" ||
		not_ok "$m: since" "$out"
	out=$(docker logs --until "$ts10" "$id" 2>&1 | tail -1)
	[ "$out" = "line 10" ] && ok "$m: logs --until the stamp of line 10 ends there" ||
		not_ok "$m: until" "$out"
	docker rm "$id" >/dev/null 2>&1

	if [ "$m" = reverse ]; then
		curl -sf -X DELETE "$SIM_URL/_sim/faults" >/dev/null
		# The rule really refused the stream: the simulator counts it.
		refused=$(sim_get /_sim/stats | "$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["statuses"].get("LogStream", {}).get("503", 0))')
		[ "${refused:-0}" -gt 0 ] && ok "$m: the log stream was refused ($refused times)" ||
			not_ok "$m: the stream was not refused" "stats: $(sim_get /_sim/stats)"
	fi

	# A client that goes away ends its follower (the daemon's stop,
	# under ASan, reports what it would leak).
	id=$(docker run -d busybox sh -c 'echo up; sleep 300' 2>"$tmp/err")
	docker logs -f "$id" >"$tmp/gone.$m" 2>&1 &
	fp=$!
	wait_for 30 grep -q '^up$' "$tmp/gone.$m"
	kill "$fp"
	wait "$fp" 2>/dev/null
	docker rm -f "$id" >/dev/null 2>&1
	! docker inspect "$id" >/dev/null 2>&1 &&
		ok "$m: a follower whose client left; the container removed" ||
		not_ok "$m: rm -f after the follower left"
}

agent_modes checks
tap_done
