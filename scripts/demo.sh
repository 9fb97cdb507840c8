#!/bin/sh
# The demo: installs what is missing, builds, starts a local registry with
# a busybox image (tests/azure-sim/testenv/registry-up.sh: Debian's
# docker-registry on loopback, the image built from busybox-static with
# umoci, pushed with skopeo), the Azure simulator on its realistic
# defaults (30 s Log Analytics ingestion, a few seconds of scheduling,
# long-running operations, throttling), and sockerlessd --backend=aca
# against it, then drives it with the real docker CLI: each container runs
# as an Azure Container Apps job execution, with the sockerless agent (its
# image pushed to the same registry) giving it docker exec, docker run -i
# and exact exit codes.  `--backend=example` runs the
# same commands on the example backend (local processes) instead.  With
# --keep everything stays up afterwards (DOCKER_HOST is printed).
#
# The simulator runs each replica in its own namespaces, which needs root:
# run the demo as root or with sudo available.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
keep=0
backend=aca
for a in "$@"; do
	case $a in
	--keep) keep=1 ;;
	--backend=aca | --backend=example) backend=${a#--backend=} ;;
	*) echo "usage: $0 [--keep] [--backend=aca|example]" >&2; exit 2 ;;
	esac
done
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
simpid=
stop() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
	[ -z "$simpid" ] || { $asroot kill "$simpid" 2>/dev/null; wait "$simpid" 2>/dev/null; }
	$asroot sh "$top/tests/azure-sim/testenv/registry-down.sh" "$reg" >/dev/null 2>&1
}
[ $keep -eq 1 ] || trap stop EXIT
# wait_up WHAT PID LOG COMMAND...: until COMMAND succeeds (15 s at most).
wait_up() {
	what=$1 wpid=$2 log=$3
	shift 3
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 150 ] || [ ! -e "/proc/$wpid" ]; then
			cat "$log"; echo "demo: $what did not start" >&2; exit 1
		fi
		sleep 0.1
	done
}
if [ "$backend" = aca ]; then
	echo "demo: starting the Azure simulator (realistic defaults)..."
	$asroot "$top/build/tests/azure-sim/sockerless-azure-sim" --listen 127.0.0.1:0 \
		--port-file "$run/sim.port" --state-dir "$run/sim" \
		--registry-map "docker.io=$REGISTRY_HOST" >"$run/sim.log" 2>&1 &
	simpid=$!
	wait_up "the simulator" "$simpid" "$run/sim.log" test -s "$run/sim.port"
	# The backend's configuration: the simulator stands for ARM, Entra ID
	# and Log Analytics; its seeded subscription, resource group and
	# environment, and its storage account for named volumes; any client
	# id and secret.
	export SOCKERLESS_ENDPOINT_URL="http://127.0.0.1:$(cat "$run/sim.port")"
	export SOCKERLESS_ACA_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000001
	export SOCKERLESS_ACA_RESOURCE_GROUP=sockerless-rg
	export SOCKERLESS_ACA_ENVIRONMENT=sockerless
	export SOCKERLESS_ACA_STORAGE_ACCOUNT=sockerlessstore
	export AZURE_TENANT_ID=00000000-0000-0000-0000-0000000000aa
	export AZURE_CLIENT_ID=sockerless-demo
	export AZURE_CLIENT_SECRET=sockerless-demo-secret
	# The agent's image, in the registry the simulator pulls from; the
	# backend's default agent=auto then injects it into every job
	# (forward mode: the daemon dials each replica's agent).
	echo "demo: pushing the sockerless agent's image..."
	export SOCKERLESS_ACA_AGENT_IMAGE="$REGISTRY_HOST/sockerless/agent:latest"
	$asroot sh "$top/agent/agent-image.sh" "$top/build/agent/sockerless-agent" \
		"$SOCKERLESS_ACA_AGENT_IMAGE" >"$run/agent-image.log" 2>&1 || {
		cat "$run/agent-image.log"; echo "demo: the agent image was not pushed" >&2; exit 1
	}
fi
"$top/build/sockerlessd" --backend="$backend" -H "unix://$sock" \
	--data-root "$run/data" --registry-mirror "http://$REGISTRY_HOST" \
	>"$run/daemon.log" 2>&1 &
pid=$!
wait_up "the daemon" "$pid" "$run/daemon.log" curl -sf --unix-socket "$sock" http://d/_ping
export DOCKER_HOST="unix://$sock"
set -x
docker version
docker run --rm busybox sh -c 'echo hello from Azure Container Apps; echo to stderr >&2; exit 3' || echo "exit code: $?"
id=$(docker run -d busybox sh -c "echo started; sleep 2; echo done")
docker logs -f "$id"
docker ps -a
docker inspect -f '{{.Name}} {{.State.Status}} exit {{.State.ExitCode}}' "$id"
docker rm "$id"
docker run -d --name demo-box busybox sh -c 'echo up; sleep 60'
docker exec demo-box sh -c 'echo exec in $(hostname), cwd $(pwd); exit 5' || echo "exit code: $?"
docker stats --no-stream demo-box
echo "some input" | docker run -i --rm busybox wc -c
docker rm -f demo-box
docker images
docker info
set +x
if [ $keep -eq 1 ]; then
	echo "sockerlessd ($backend backend) runs as pid $pid; try: export DOCKER_HOST=$DOCKER_HOST"
	[ -z "$simpid" ] || echo "the Azure simulator runs as pid $simpid on $SOCKERLESS_ENDPOINT_URL"
	echo "the registry (its mirror) runs as pid $REGISTRY_PID on $REGISTRY_HOST"
fi
