#!/bin/sh
# Benchmarks for sockerlessd on the example backend: request latency and
# the full docker-run cycle, plus the daemon's memory.  Prints figures;
# asserts nothing (targets are read by people, not by `make check`).
#
#   make bench            (from the build directory)
#   N=500 sh tests/bench/daemon_bench.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

N=${N:-200}
RUNS=${RUNS:-20}
start_daemon bench --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	exit 1

ms() { date +%s%N; }
elapsed() { echo $(( ($(ms) - $1) / 1000000 )); }

t=$(ms)
i=0
while [ $i -lt "$N" ]; do
	curl -s -o /dev/null --unix-socket "$SL_SOCK" http://d/_ping
	i=$((i + 1))
done
e=$(elapsed "$t")
echo "ping: $N sequential requests (curl per request) in ${e} ms: $((e * 1000 / N)) us each"

# Keep-alive: one curl process, many requests, so process start-up does not
# dominate.
urls=""
i=0
while [ $i -lt "$N" ]; do urls="$urls http://d/v1.47/version"; i=$((i + 1)); done
t=$(ms)
curl -s --unix-socket "$SL_SOCK" $urls >/dev/null
e=$(elapsed "$t")
echo "version: $N keep-alive requests in ${e} ms: $((e * 1000 / N)) us each"

t=$(ms)
i=0
while [ $i -lt "$RUNS" ]; do
	docker run --rm busybox true >/dev/null
	i=$((i + 1))
done
e=$(elapsed "$t")
echo "docker run --rm (create, attach, wait, start, exit, remove): $RUNS runs in ${e} ms: $((e / RUNS)) ms each"

i=0
while [ $i -lt 100 ]; do
	docker create --name "b$i" busybox true >/dev/null
	i=$((i + 1))
done
t=$(ms)
docker ps -a -q | wc -l >/dev/null
echo "docker ps -a with 100 containers: $(elapsed "$t") ms"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$SL_PID/status")
threads=$(awk '/Threads/ {print $2}' "/proc/$SL_PID/status")
echo "daemon: ${rss} KiB resident, $threads threads, after the runs with 100 records"
docker rm $(docker ps -aq) >/dev/null
stop_daemon
