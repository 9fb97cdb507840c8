#!/bin/sh
# End to end with the real docker CLI, example backend: docker top and
# docker stats read the container's processes from /proc.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
start_registry

N=7
tap_plan $N
start_daemon ex --backend=example \
	--plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

# A shell with one child that burns CPU and one that sleeps.
docker run -d --name mon busybox sh -c 'while :; do :; done & sleep 300' >/dev/null
top=$(docker top mon 2>&1)
contains "docker top shows ps -ef titles" "$top" "UID"
contains "docker top lists the container's processes" "$top" "sleep 300"
contains "docker top refuses ps_args it cannot honour" \
	"$(docker top mon aux 2>&1)" "ps -ef only, not 'aux'"
st=$(docker stats --no-stream mon 2>&1)
pids=$(printf '%s\n' "$st" | awk '$2 == "mon" { print $NF }')
check "docker stats counts the container's processes ($pids)" test "${pids:-0}" -ge 3
# Any share at all: the machine may be busy with other work.
cpu=$(printf '%s\n' "$st" | awk '$2 == "mon" { sub("%", "", $3); print ($3 > 0) ? "busy" : $3 }')
check "docker stats shows the busy loop's CPU ($cpu)" test "$cpu" = busy

docker stop -t 1 mon >/dev/null 2>&1
contains "docker top of a stopped container is 409, as dockerd" \
	"$(docker top mon 2>&1)" "is not running"
st=$(docker stats --no-stream mon 2>&1)
contains "docker stats of a stopped container answers zeros" "$st" "0.00%"
docker rm -f mon >/dev/null 2>&1
stop_daemon
tap_done
