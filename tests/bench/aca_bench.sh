#!/bin/sh
# Benchmarks of the aca backend against the Azure simulator: the ARM calls
# a `docker run --rm` costs, calls made by `docker ps` with 100
# containers, 50 containers started at once (calls, 429s, wall time), and
# the wall time of `docker run --rm` against the same sequence of raw ARM
# calls made with curl.  Prints figures; asserts nothing.
#
#   make bench-aca         (from the build directory; needs root)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
need_docker
PAR=${PAR:-50}
start_registry
# Realistic defaults, except no scheduling delay in the parallel runs'
# sim (see below): the figures are the plugin's, not the simulated wait.
sim_up
aca_daemon bench || exit 1
docker pull -q busybox >/dev/null

arm_calls() {
	sim_get /_sim/stats | "$SDK_PYTHON" -c '
import json, sys
s = json.load(sys.stdin)
ops = s["operations"]
arm = {k: v for k, v in ops.items() if k not in ("Token", "LogStream", "EventStream", "LogAnalytics_Query")}
t429 = sum(v.get("429", 0) for v in s.get("statuses", {}).values())
print(sum(arm.values()), t429, " ".join("%s=%d" % kv for kv in sorted(arm.items())))'
}
now_ms() { date +%s%3N; }

curl -sf -X DELETE "$SIM_URL/_sim/stats" >/dev/null
t0=$(now_ms)
docker run --rm busybox echo hi >/dev/null
t1=$(now_ms)
set -- $(arm_calls)
echo "docker run --rm busybox echo hi: $1 ARM calls ($(( (t1 - t0) )) ms, realistic defaults); $3 $4 $5 $6 $7 $8 $9"

i=0
while [ $i -lt 100 ]; do docker create busybox true >/dev/null; i=$((i + 1)); done
id=$(docker run -d busybox sleep 30)
curl -sf -X DELETE "$SIM_URL/_sim/stats" >/dev/null
docker ps -a >/dev/null
docker ps >/dev/null
docker inspect "$id" >/dev/null
set -- $(arm_calls)
echo "docker ps -a, ps, inspect with 101 containers (1 running): $1 ARM calls"
docker rm -f $(docker ps -aq) >/dev/null

curl -sf -X PUT "$SIM_URL/_sim/settings" -d '{"scheduleDelayMs":0}' >/dev/null
curl -sf -X DELETE "$SIM_URL/_sim/stats" >/dev/null
t0=$(now_ms)
pids=
i=0
while [ $i -lt "$PAR" ]; do
	( docker run --rm busybox sh -c 'sleep 5' >/dev/null 2>&1; echo $? >"$tmp/par$i" ) &
	pids="$pids $!"
	i=$((i + 1))
done
# Only these: a bare wait would wait for the daemon and the simulator.
wait $pids
t1=$(now_ms)
bad=$(cat "$tmp"/par* | grep -cv '^0$')
set -- $(arm_calls)
echo "$PAR x docker run --rm (5 s each) at once: $(( (t1 - t0) )) ms, $1 ARM calls ($(( $1 / PAR )) per run), $2 answered 429, $bad failed"

# The same as docker run --rm busybox true, by hand: token, PUT, the LRO,
# start, polls until the end, DELETE.
curl -sf -X PUT "$SIM_URL/_sim/settings" -d '{"scheduleDelayMs":4000}' >/dev/null
ENV_ID=/subscriptions/$ACA_SUB/resourceGroups/$ACA_RG/providers/Microsoft.App/managedEnvironments/sockerless
raw() {
	tok=$(curl -sf -X POST "$SIM_URL/$ACA_TENANT/oauth2/v2.0/token" -d grant_type=client_credentials \
		-d client_id=b -d client_secret=b --data-urlencode scope=https://management.azure.com/.default |
		"$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
	job=/subscriptions/$ACA_SUB/resourceGroups/$ACA_RG/providers/Microsoft.App/jobs/rawbench
	H="Authorization: Bearer $tok"
	curl -sf -X PUT -H "$H" -H 'Content-Type: application/json' "$SIM_URL$job?api-version=2025-07-01" \
		-d '{"location":"eastus","properties":{"environmentId":"'"$ENV_ID"'","configuration":{"triggerType":"Manual","replicaTimeout":600,"replicaRetryLimit":0,"manualTriggerConfig":{"parallelism":1,"replicaCompletionCount":1}},"template":{"containers":[{"name":"main","image":"docker.io/library/busybox:latest","command":["true"],"resources":{"cpu":0.5,"memory":"1Gi"}}]}}}' >/dev/null
	until curl -sf -H "$H" "$SIM_URL$job?api-version=2025-07-01" | grep -q '"provisioningState":"Succeeded"'; do sleep 1; done
	ex=$(curl -sf -X POST -H "$H" "$SIM_URL$job/start?api-version=2025-07-01" |
		"$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["name"])')
	until curl -sf -H "$H" "$SIM_URL$job/executions/$ex?api-version=2025-07-01" | grep -q '"status":"Succeeded"'; do sleep 1; done
	curl -sf -X DELETE -H "$H" "$SIM_URL$job?api-version=2025-07-01" >/dev/null
}
t0=$(now_ms); raw; t1=$(now_ms)
t2=$(now_ms); docker run --rm busybox true >/dev/null; t3=$(now_ms)
r=$(( t1 - t0 )); d=$(( t3 - t2 ))
echo "docker run --rm busybox true: $d ms; the same ARM calls with curl (1 s polls): $r ms; ratio $(echo "$d $r" | awk '{printf "%.2f", $1 / $2}')"
