#!/bin/sh
# Log latency of the aca backend against the Azure simulator: the time
# from a line written in the container to `docker logs -f` printing it,
# by path: the agent (forward, reverse), the replica log stream (agent
# off) and Log Analytics (rows visible 5 s +- 1 s after they were
# written; a daemon restarted mid-run, the log stream refused from then
# on).  Prints a table; asserts nothing.
#
#   make bench-aca-loglag       (from the build directory; needs root)
#
# The container writes LINES lines, one every 200 ms, each stamped with
# CLOCK_REALTIME just before it is written (busybox adjtimex; the
# simulator runs replicas on this host's kernel without a time
# namespace, so that is the host's clock).  tests/bench/loglag.py
# follows `docker logs -f` and stamps each line as it comes out.  The
# container's stamp is taken a process spawn before the write, so the
# figures err high by a millisecond or two.
#
# BENCH_VALGRIND=1 runs the daemon under valgrind (memcheck); with a
# sanitizer build directory as top_builddir it runs under ASan.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
need_docker
LINES=${LINES:-40}
if [ -n "${BENCH_VALGRIND:-}" ]; then
	# start_daemon runs $SOCKERLESSD (a plain executable, no libtool
	# wrapper); each daemon's report goes to its own file.
	cat >"$tmp/vg-sockerlessd" <<EOF
#!/bin/sh
exec valgrind -q --error-exitcode=99 --log-file="$tmp/valgrind.%p" "$SOCKERLESSD" "\$@"
EOF
	chmod +x "$tmp/vg-sockerlessd"
	SOCKERLESSD=$tmp/vg-sockerlessd
fi

start_registry
push_agent_image
sim_up --ingestion-delay-ms 5000 --ingestion-jitter-ms 1000 --lro-delay-ms 0 --schedule-delay-ms 0 --stop-grace 1
docker_ready() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }

# The workload: a lead of $1 s (start-up is not what is measured), then
# the stamped lines.  In it $1 status, $2 seconds, $3 fraction: see
# loglag.py.
work() {
	echo 'sleep '$1'; i=0; while [ $i -lt '$LINES' ]; do
	set -- $(adjtimex | sed -n "s/.*status: *\([0-9]*\).*/\1/p; s/.*tv_sec: *//p; s/.*tv_usec: *//p")
	echo "lag $i $1 $2 $3"; i=$((i + 1)); usleep 200000; done'
}
# start LEAD-S: a running container in $id.
start() {
	id=$(docker run -d busybox sh -c "$(work "$1")" 2>"$tmp/err") && wait_for 30 docker_ready "$id"
}
# follow LABEL TIMEOUT-S: one row for `docker logs -f` of the container $id.
follow() {
	"$SDK_PYTHON" "$top_srcdir/tests/bench/loglag.py" "$1" "$LINES" "$2" docker logs -f "$id"
	docker rm -f "$id" >/dev/null 2>&1
}
# both MODE: `docker logs -f` and `docker attach` of $id at once, a row
# each.  Attach shows only what is written once it is attached, hence a
# longer lead for these (a line written before is reported as missing).
both() {
	"$SDK_PYTHON" "$top_srcdir/tests/bench/loglag.py" "agent, $1: logs -f" "$LINES" 30 \
		docker logs -f "$id" >"$tmp/row.logs" &
	p1=$!
	"$SDK_PYTHON" "$top_srcdir/tests/bench/loglag.py" "agent, $1: attach" "$LINES" 30 \
		docker attach --no-stdin "$id" >"$tmp/row.attach" &
	# Only these: a bare wait would wait for the daemon and the simulator.
	wait $p1 $!
	cat "$tmp/row.logs" "$tmp/row.attach"
	docker rm -f "$id" >/dev/null 2>&1
}
# stop NAME: stops the daemon; a sanitizer's or valgrind's report makes
# its exit status non-zero, and is shown.
stop() {
	stop_daemon && return
	echo "# daemon $1 exited with $rc:"
	grep -A8 'ERROR: \|LeakSanitizer\|runtime error' "$tmp/$1/log" | head -30 | sed 's/^/# /'
}
failed() { printf '%-36s failed: %s\n' "$1" "$(cat "$tmp/err")"; }

echo "# $LINES lines, one every 200 ms; lag in ms from the container's write to the client printing it"
printf '%-36s %5s %8s %8s %8s\n' path lines median p90 max
ACA_AGENT=forward aca_daemon fwd || exit 1
docker pull -q busybox >/dev/null 2>&1
if start 4; then both forward; else failed "agent, forward"; fi
stop fwd

gw=$(sim_get /_sim/replicas | "$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["network"]["gateway"])')
ACA_AGENT=reverse aca_daemon rev --agent-listen "$gw:0" || exit 1
if start 4; then both reverse; else failed "agent, reverse"; fi
stop rev

ACA_AGENT=off aca_daemon off || exit 1
if start 2; then follow "log stream (agent off)" 30; else failed "log stream (agent off)"; fi
# Log Analytics: the daemon restarted while the container runs, and the
# log stream refused from then on, so the output is Log Analytics' alone.
# Lines written while the daemon was down are not counted (loglag.py):
# a longer lead leaves room for the restart.
if start 8; then
	stop off
	curl -sf -X POST "$SIM_URL/_sim/faults" -H 'Content-Type: application/json' \
		-d '{"op": "LogStream", "status": 503}' >/dev/null
	ACA_AGENT=off aca_daemon off || exit 1
	follow "Log Analytics (5 s ingestion delay)" 90
	curl -sf -X DELETE "$SIM_URL/_sim/faults" >/dev/null
else
	failed "Log Analytics"
fi
stop off

if [ -n "${BENCH_VALGRIND:-}" ]; then
	n=$(ls "$tmp"/valgrind.* 2>/dev/null | wc -l)
	errs=$(cat "$tmp"/valgrind.* 2>/dev/null | grep -c '^==[0-9]*== [A-Z]')
	echo "# valgrind: $n daemons, $errs report lines"
	cat "$tmp"/valgrind.* 2>/dev/null | head -40 | sed 's/^/# /'
fi
