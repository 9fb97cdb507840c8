#!/bin/sh
# The demo: installs what is missing, builds, starts sockerlessd on the
# example backend and drives it with the real docker CLI.  With --keep the
# daemon stays up afterwards (DOCKER_HOST is printed).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
keep=0
[ "${1:-}" = "--keep" ] && keep=1
"$top/scripts/deps.sh"
"$top/scripts/build.sh"

run=$(mktemp -d "${TMPDIR:-/tmp}/sockerless-demo.XXXXXX")
sock="$run/sockerless.sock"
"$top/build/sockerlessd" --backend=example -H "unix://$sock" \
	--data-root "$run/data" >"$run/daemon.log" 2>&1 &
pid=$!
stop() { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
[ $keep -eq 1 ] || trap stop EXIT
i=0
until curl -sf --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		cat "$run/daemon.log"; echo "demo: the daemon did not start" >&2; exit 1
	fi
	sleep 0.1
done
export DOCKER_HOST="unix://$sock"
set -x
docker version
docker run --rm busybox echo hello from sockerless
id=$(docker run -d busybox sh -c "echo started; sleep 1; echo done")
docker logs -f "$id"
docker ps -a
docker rm "$id"
docker info
set +x
if [ $keep -eq 1 ]; then
	echo "sockerlessd runs as pid $pid; try: export DOCKER_HOST=$DOCKER_HOST"
fi
