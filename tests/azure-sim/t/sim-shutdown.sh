#!/bin/bash
# sim-shutdown.sh - SIGTERM/SIGINT stop the simulator cleanly: open log
# streams end, running workloads are killed (no process left behind), the
# exit status is 0; also a bad command line and a bad config fail clearly.
. "$(dirname "$0")/lib.sh"

"$SIM_BIN" --listen nonsense >/dev/null 2>"$TMP/err"
is "$?" 2 "bad --listen -> exit 2"
echo '{"pageSize":"x"}' >"$TMP/bad.json"
"$SIM_BIN" --config "$TMP/bad.json" --no-workloads >/dev/null 2>"$TMP/err"
check "bad config -> non-zero exit" test $? -ne 0
check "bad config names the setting" grep -q pageSize "$TMP/err"

sim_start $SIM_FAST --no-workloads || { ok 1 "simulator starts"; done_testing; }
kill -INT "$SIM_PID"
i=0
while kill -0 "$SIM_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "SIGINT stops it" sh -c "! kill -0 $SIM_PID 2>/dev/null"
wait "$SIM_PID"
is "$?" 0 "exit status 0 after SIGINT"
SIM_PID=

if [ "$(id -u)" -ne 0 ]; then
	skip "shutdown with a running replica and an open log stream" \
		"executions need root (namespaces)"
	done_testing
fi
registry_start || { ok 1 "registry starts"; done_testing; }
sim_start $SIM_FAST --registry-map "docker.io=$REGISTRY_HOST" --lro-delay-ms 0 || { ok 1 "simulator starts"; done_testing; }
arm_auth
marker=$((4000 + RANDOM % 1000))
req PUT "$JOBS/forever?api-version=$API" \
	"$(job_body docker.io/library/busybox:latest "[\"/bin/sh\",\"-c\",\"echo started; exec sleep $marker\"]")"
req POST "$JOBS/forever/start?api-version=$API"
ex=$(jv "d['name']")
wait_until 30 "the workload runs (sleep $marker)" pgrep -f "^sleep $marker\$"
req POST "$JOBS/forever/getAuthToken?api-version=2023-11-02-preview"
dp=$(jv "d['properties']['token']")
req GET "$JOBS/forever/executions/$ex/replicas?api-version=2023-11-02-preview"
endpoint=$(jv "d['value'][0]['properties']['containers'][0]['logStreamEndpoint']")
curl -s -N -H "Authorization: Bearer $dp" "$endpoint?follow=true&output=json&tailLines=10" >"$TMP/f.out" &
cpid=$!
wait_until 10 "the log stream is open (synthetic records received)" test -s "$TMP/f.out"
t0=$(date +%s)
sim_stop
rc=$?
t1=$(date +%s)
is "$rc" 0 "SIGTERM with a running replica and an open stream -> exit 0"
check "shutdown took less than 10 s ($((t1 - t0)) s)" test $((t1 - t0)) -lt 10
check "no workload process left behind" sh -c "! pgrep -f '^sleep $marker\$'"
i=0
while kill -0 $cpid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the open log stream ended" sh -c "! kill -0 $cpid 2>/dev/null"
check "the stream had the workload's output" grep -q '"F started"' "$TMP/f.out"
done_testing
