#!/bin/bash
# sim-la-delay.sh - the realistic ingestion delay (the default, not
# SIM_FAST's 0): right after executions end a query sees nothing, and their
# rows appear over time, not all together (Microsoft Learn "Log data
# ingestion time in Azure Monitor": typically 20 s - 3 min, varying per
# record; README, Defaults).  Costs about 45 s of wall time, hence a file
# of its own that runs beside the others.
. "$(dirname "$0")/lib.sh"

N=6
sim_start ${SIM_FAST/--ingestion-delay-ms 0/} --no-workloads || { ok 1 "simulator starts"; done_testing; }
AUTH=
req GET /_sim/settings
is "$(jv "d['ingestionDelayMs']") $(jv "d['ingestionJitterMs']")" "30000 10000" "default: 30 s median, +/- 10 s"
arm_auth
LA_TOKEN=$(la_token)

req PUT "$JOBS/delayed?api-version=$API" "$(job_body docker.io/library/busybox:latest '["true"]')"
t0=$(date +%s)
for i in $(seq $N); do
	req POST "$JOBS/delayed/start?api-version=$API"
	last=$(jv "d['name']")
done
wait_until 10 "the executions end (one system row each)" sh -c \
	"curl -s -H 'Authorization: $AUTH' '$SIM_URL$JOBS/delayed/executions/$last?api-version=$API' | grep -q '\"status\":\"Failed\"'"

count_rows() {  # visible ContainerCreateFailure rows; 0 while no table
	la_query "ContainerAppSystemLogs_CL | where Reason_s == 'ContainerCreateFailure' | count"
	if [ "$STATUS" = 200 ]; then jv "d['tables'][0]['rows'][0][0]"; else echo 0; fi
}
is "$(count_rows)" 0 "right after the executions ended: no rows"

# Poll until all are visible (deadline: median + jitter + slack).
seen=0 steps=0 first= backwards=0
while [ $(($(date +%s) - t0)) -lt 60 ]; do
	n=$(count_rows)
	[ "$n" -lt "$seen" ] && backwards=1
	if [ "$n" -gt "$seen" ]; then
		steps=$((steps + 1))
		[ -n "$first" ] || first=$(($(date +%s) - t0))
		seen=$n
	fi
	[ "$seen" -ge $N ] && break
	sleep 0.5
done
is "$seen" $N "all $N rows became visible within 60 s"
check "the first row took at least 19 s" test "${first:-0}" -ge 19
is "$backwards" 0 "a row once seen never disappears"
check "rows appeared at different times ($steps steps)" test "$steps" -ge 2
done_testing
