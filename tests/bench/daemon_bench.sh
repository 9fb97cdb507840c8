#!/bin/sh
# Benchmarks for sockerlessd on the example backend: throughput and latency
# of the routes clients call in loops, and the daemon's memory.  Prints
# figures; asserts nothing (targets are read by people, not by
# `make check`).  Requests go through tests/bench/loadgen, a keep-alive
# load generator, so the figures are the daemon's, not curl's start-up.
#
#   make bench            (from the build directory)
#   SECS=5 CONNS=4 RUNS=20 make bench
#
# With nginx installed (Debian: nginx-light), /_ping is also measured
# against nginx serving a static "OK" on a unix socket, in the same run.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

SECS=${SECS:-3}         # seconds per measurement
RUNS=${RUNS:-10}        # docker run cycles
# Connections for the throughput runs.  At least 4: nginx's two workers
# share out fewer unevenly (both on one worker halves its figure).
CONNS=${CONNS:-4}
LOADGEN="$top_builddir/tests/bench/loadgen"
# A create body as the docker CLI 28 sends it (docker create -l ... -e ...).
BODY=$(cat "$top_srcdir/tests/bench/create-body.json") || exit 1

if [ ! -x "$LOADGEN" ]; then
	echo "bench: $LOADGEN is missing (run make first)" >&2
	exit 1
fi

start_daemon bench --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	exit 1

rss() { awk '/VmRSS/ {print $2}' "/proc/$SL_PID/status"; }
threads() { awk '/Threads/ {print $2}' "/proc/$SL_PID/status"; }

# load LOADGEN-ARGS...: one measurement on the daemon's socket.
load() {
	"$LOADGEN" -u "$SL_SOCK" "$@"
}

# The loadgen line's "N req/s" figure.
rate() { sed -n 's/.*: \([0-9]*\) req\/s.*/\1/p'; }

# create N PREFIX: N containers named PREFIX0.., over keep-alive
# connections (the example backend's create only records them).
create() {
	load -c 2 -n "$1" -X POST -b "$BODY" -l "create $1 containers" \
		"/containers/create?name=$2{n}" >"$tmp/create.out" ||
		{ cat "$tmp/create.out"; return 1; }
}

echo "sockerlessd benchmark: ${SECS}s per figure, $CONNS connections for /_ping, 1 for latencies"
echo "daemon idle: $(rss) KiB resident, $(threads) threads"

ping_line=$(load -c "$CONNS" -d "$SECS" -l "/_ping" /_ping)
echo "$ping_line"

if command -v nginx >/dev/null 2>&1; then
	mkdir -p "$tmp/nginx"
	cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
user root;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 256; }
http {
	access_log off;
	keepalive_requests 100000000;
	keepalive_timeout 60s;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen unix:$tmp/nginx/nginx.sock;
		location = /_ping { default_type text/plain; return 200 "OK"; }
	}
}
EOF
	nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" \
		>"$tmp/nginx/out" 2>&1 &
	ngx_pid=$!
	SL_PIDS="$SL_PIDS $ngx_pid"
	i=0
	while [ $i -lt 100 ] && ! curl -sf --unix-socket "$tmp/nginx/nginx.sock" \
			http://d/_ping >/dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
	ngx_line=$("$LOADGEN" -u "$tmp/nginx/nginx.sock" -c "$CONNS" -d "$SECS" \
		-l "nginx /_ping" /_ping)
	kill -TERM "$ngx_pid"
	wait "$ngx_pid"
	echo "$ngx_line"
	ours=$(echo "$ping_line" | rate)
	theirs=$(echo "$ngx_line" | rate)
	if [ -n "$ours" ] && [ -n "$theirs" ] && [ "$theirs" -gt 0 ]; then
		awk -v a="$ours" -v b="$theirs" \
			'BEGIN { printf "/_ping: %.2fx nginx'"'"'s throughput\n", a / b }'
	fi
else
	echo "nginx not installed, ratio not measured (apt-get install nginx-light)"
fi

create 1000 c || exit 1
cat "$tmp/create.out"
echo "daemon with 1000 containers: $(rss) KiB resident"
load -c 1 -d "$SECS" -l "list, 1000 containers" "/containers/json?all=1"
load -c "$CONNS" -d "$SECS" -l "list, 1000 containers, $CONNS conns" "/containers/json?all=1"
id=$(curl -s --unix-socket "$SL_SOCK" -X POST -H 'Content-Type: application/json' \
	-d "$BODY" "http://d/containers/create?name=inspected" |
	sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
load -c 1 -d "$SECS" -l "inspect (by id)" "/containers/$id/json"
load -c 1 -d "$SECS" -l "inspect (by name)" "/containers/inspected/json"
load -c 1 -d "$SECS" -b "$BODY" -l "create+remove" --create-remove \
	"/containers/create?name=cr{n}"
echo "daemon with 1000 containers, after the runs: $(rss) KiB resident, $(threads) threads"

# The whole docker-run cycle as the CLI drives it (one process per run).
ms() { date +%s%N; }
t=$(ms)
i=0
while [ $i -lt "$RUNS" ]; do
	docker run --rm busybox true >/dev/null || exit 1
	i=$((i + 1))
done
e=$((($(ms) - t) / 1000000))
echo "docker run --rm (create, attach, start, wait, remove): $RUNS runs in ${e} ms: $((e / RUNS)) ms each"

create 9000 d || exit 1
cat "$tmp/create.out"
echo "daemon with 10000 containers: $(rss) KiB resident"
load -c 1 -d "$SECS" -l "list, 10000 containers" "/containers/json?all=1"
echo "daemon with 10000 containers, after listing: $(rss) KiB resident"
log="$tmp/bench/log"
if stop_daemon; then
	echo "daemon stopped cleanly"
else
	echo "daemon exited with status $?; its log ends:"
	tail -n 30 "$log"
	exit 1
fi
