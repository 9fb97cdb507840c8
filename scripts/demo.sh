#!/bin/sh
# The demo: installs what is missing, builds, starts a local registry with
# a busybox image (tests/azure-sim/testenv/registry-up.sh: Debian's
# docker-registry on loopback, the image built from busybox-static with
# umoci, pushed with skopeo), starts sockerlessd on the example backend with
# --registry-mirror pointing at it, and drives it with the real docker CLI:
# `docker run busybox` on a fresh store pulls, then runs.  With --keep the
# daemon and the registry stay up afterwards (DOCKER_HOST is printed).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
keep=0
[ "${1:-}" = "--keep" ] && keep=1
"$top/scripts/deps.sh"
"$top/scripts/build.sh"

run=$(mktemp -d "${TMPDIR:-/tmp}/sockerless-demo.XXXXXX")
sock="$run/sockerless.sock"
# umoci keeps file ownership: the image is built as root.
asroot=
[ "$(id -u)" -eq 0 ] || asroot=sudo
reg="$run/registry"
echo "demo: starting the local registry (building the busybox image)..."
$asroot sh "$top/tests/azure-sim/testenv/registry-up.sh" "$reg" >"$run/registry-up.log" 2>&1 || {
	cat "$run/registry-up.log"; echo "demo: the registry did not start" >&2; exit 1
}
. "$reg/env"
pid=
stop() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
	$asroot sh "$top/tests/azure-sim/testenv/registry-down.sh" "$reg" >/dev/null 2>&1
}
[ $keep -eq 1 ] || trap stop EXIT
"$top/build/sockerlessd" --backend=example -H "unix://$sock" \
	--data-root "$run/data" --registry-mirror "http://$REGISTRY_HOST" \
	>"$run/daemon.log" 2>&1 &
pid=$!
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
docker run --rm busybox echo hi
docker images
docker run --rm busybox echo hello from sockerless
id=$(docker run -d busybox sh -c "echo started; sleep 1; echo done")
docker logs -f "$id"
docker ps -a
docker rm "$id"
docker info
set +x
if [ $keep -eq 1 ]; then
	echo "sockerlessd runs as pid $pid; try: export DOCKER_HOST=$DOCKER_HOST"
	echo "the registry (its mirror) runs as pid $REGISTRY_PID on $REGISTRY_HOST"
fi
