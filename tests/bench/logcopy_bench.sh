#!/bin/sh
# How fast the daemon's local log copy stores an agent's output: a
# scripted agent (tests/scripted_agent.py, scenario burst-N) sends N lines
# at once and exits; the figure is the time from the agent's exit to the
# copy marked complete, and the lines stored per second.  Prints figures;
# asserts nothing (make bench-logcopy).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
start_registry

scripted_agent_daemon bench || { echo "daemon did not start"; exit 1; }
pull_image busybox || { echo "could not pull busybox"; exit 1; }
now_ms() { date +%s%3N; }
for n in ${BENCH_LINES:-20000 200000}; do
	ts=$(now_ms)
	id=$(docker run -d busybox "burst-$n")
	docker wait "$id" >/dev/null 2>&1
	t0=$(now_ms)
	i=0
	while [ ! -e "$tmp/bench/data/ctrfiles/$id/log.complete" ] && [ $i -lt 6000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	t1=$(now_ms)
	got=$(docker logs "$id" 2>/dev/null | wc -l)
	echo "logcopy: $n lines: complete $((t1 - ts)) ms after docker run," \
		"$((t1 - t0)) ms after the exit was reported" \
		"($((n * 1000 / (t1 - ts + 1))) lines/s); $got lines in docker logs"
	docker rm -f "$id" >/dev/null 2>&1
done
stop_daemon
