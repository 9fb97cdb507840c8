#!/bin/sh
# An image Azure cannot pull: the daemon reads its config from the test
# registry, but the simulator's registry (what Azure would pull from) does
# not answer.  Azure backs off and retries until replicaTimeout; the
# backend must say what is wrong as soon as the execution shows
# ImagePullBackOff, not after the timeout, and leave nothing running.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
need_docker
tap_plan 5
start_registry
# docker.io as Azure sees it: a closed port.
real_registry=$REGISTRY_HOST
REGISTRY_HOST=127.0.0.1:9
sim_up $ACA_SIM_FAST
REGISTRY_HOST=$real_registry
aca_daemon aca || { echo "Bail out! sockerlessd --backend=aca did not start"; exit 1; }

start=$(date +%s)
out=$(timeout 300 docker run --name nopull busybox true 2>&1)
rc=$?
took=$(( $(date +%s) - start ))
[ $rc -ne 0 ] && ok "docker run fails" || not_ok "run" "$out"
contains "... saying Azure cannot pull the image" "$out" "cannot pull the image"
[ $took -lt 120 ] && ok "... within ${took} s, long before replicaTimeout" || not_ok "took $took s"
st=$(docker inspect -f '{{.State.Running}}' nopull 2>&1)
[ "$st" = false ] && ok "the container is not running" || not_ok "state" "$st"
docker rm -f nopull >/dev/null 2>&1
wait_for 30 no_jobs && ok "no job left after rm" || not_ok "jobs left" "$(sim_jobs)"
tap_done
