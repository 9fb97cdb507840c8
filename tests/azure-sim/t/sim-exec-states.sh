#!/bin/bash
# sim-exec-states.sh - execution states and timing under the realistic
# defaults: stop grace 30 s, a scheduling delay before the pull,
# Processing -> Running -> terminal, a missing image retried with back-off
# until replicaTimeout (Failed, DeadlineExceeded), the fast-fail option,
# Degraded and Unknown through execution fault rules, the stop grace
# honoured. The first part needs no root; the rest runs executions.
. "$(dirname "$0")/lib.sh"

now_ms() { date +%s%3N; }

# ---- realistic defaults (no SIM_FAST) ----
# Stop grace: Azure documents terminationGracePeriodSeconds "Defaults to 30
# seconds" (ContainerAppTemplate, Microsoft.App REST/SDK reference). The
# scheduling delay and image-pull back-off are choices (README, Known choices).
sim_start --no-workloads || { ok 1 "simulator starts"; done_testing; }
req GET /_sim/settings
is "$(jv "d['stopGraceSeconds']")" 30 "default stop grace is 30 s"
is "$(jv "d['scheduleDelayMs']")" 4000 "default scheduling delay is 4000 ms"
is "$(jv "d['imagePullFailFast']")" false "image pulls are retried by default"
sim_stop
"$SIM_BIN" --help >"$TMP/help"
check "--help states the 30 s grace" grep -q "(default 30, Kubernetes' terminationGracePeriodSeconds)" "$TMP/help"
check "--help states the scheduling delay" grep -q "Processing until a main container starts (default 4000)" "$TMP/help"
check "--help offers --image-pull-fail-fast" grep -q -- "--image-pull-fail-fast" "$TMP/help"
"$SIM_BIN" --schedule-delay-ms -5 >/dev/null 2>&1
is "$?" 2 "a negative --schedule-delay-ms is refused"

sim_start --no-workloads --stop-grace 7 --schedule-delay-ms 1234 --image-pull-fail-fast ||
	{ ok 1 "simulator starts with the options"; done_testing; }
req GET /_sim/settings
is "$(jv "[d['stopGraceSeconds'], d['scheduleDelayMs'], d['imagePullFailFast']]")" "[7, 1234, true]" \
	"--stop-grace, --schedule-delay-ms and --image-pull-fail-fast are applied"
sim_stop
printf '{"stopGraceSeconds": 5, "scheduleDelayMs": 250, "imagePullFailFast": true}\n' >"$TMP/conf.json"
sim_start --no-workloads --config "$TMP/conf.json" || { ok 1 "simulator starts with a config file"; done_testing; }
req GET /_sim/settings
is "$(jv "[d['stopGraceSeconds'], d['scheduleDelayMs'], d['imagePullFailFast']]")" "[5, 250, true]" \
	"config keys stopGraceSeconds, scheduleDelayMs, imagePullFailFast"
printf '{"scheduleDelayMs": -1}\n' >"$TMP/bad.json"
"$SIM_BIN" --no-workloads --config "$TMP/bad.json" >/dev/null 2>&1
is "$?" 1 "a negative scheduleDelayMs in the config file is refused"
req POST /_sim/faults '{"execution":"x","executionStatus":"Running"}'
is "$STATUS" 400 "executionStatus other than Degraded/Unknown -> 400"
req POST /_sim/faults '{"executionStatus":"Degraded"}'
is "$STATUS" 400 "executionStatus without execution -> 400"
req POST /_sim/faults '{"execution":"x","executionStatus":"Degraded","status":500}'
is "$STATUS" 400 "an execution rule with an HTTP effect -> 400"
req POST /_sim/faults '{"execution":"*","executionStatus":"Unknown"}'
is "$STATUS" 201 "execution rule accepted"
arm_auth
req GET "$JOBS?api-version=$API"
is "$STATUS" 200 "an execution rule never answers a request itself"
AUTH=
sim_stop

if [ "$(id -u)" -ne 0 ]; then
	diag "not root: the parts that run executions are left out"
	done_testing
fi

# ---- executions with the realistic scheduling delay ----
registry_start || { ok 1 "registry starts"; done_testing; }
# SIM_FAST without its scheduling line, and a delay twice the default
# (6-10 s with the simulator's jitter of a quarter): the checks made while
# an execution is Processing take a few requests, which on a loaded
# machine may outlast the default's 3-5 s.
sim_start ${SIM_FAST/--schedule-delay-ms 0/--schedule-delay-ms 8000} --registry-map "docker.io=$REGISTRY_HOST" ||
	{ ok 1 "simulator starts with workloads"; done_testing; }
req GET /_sim/settings
is "$(jv "d['scheduleDelayMs']")" 8000 "this simulator runs with an 8 s scheduling delay"
arm_auth
LA_TOKEN=$(la_token)
BB=docker.io/library/busybox:latest
REPLICAS_API=2023-11-02-preview

status_of() {  # status_of JOB EXEC
	req GET "$JOBS/$1/executions/$2?api-version=$API"
	jv "d['properties']['status']"
}
is_status() { [ "$(status_of "$1" "$2")" = "$3" ]; }
start() {  # start JOB -> execution name in $EX, start time in $T0
	T0=$(now_ms)
	req POST "$JOBS/$1/start?api-version=$API"
	EX=$(jv "d['name']")
}
# status_seq JOB EXEC TIMEOUT-S: SEQ = the distinct statuses seen, in
# order, until a terminal one; RUN_AT = when Running was first seen (ms).
status_seq() {
	local last= st i=0
	SEQ=
	RUN_AT=
	while [ $i -lt $(($3 * 10)) ]; do
		st=$(status_of "$1" "$2")
		if [ "$st" != "$last" ]; then
			SEQ="${SEQ:+$SEQ }$st"
			last=$st
			[ "$st" = Running ] && RUN_AT=$(now_ms)
		fi
		case $st in Succeeded | Failed | Stopped) break ;; esac
		sleep 0.1
		i=$((i + 1))
	done
}
sys_count() {  # sys_count EXEC REASON: system-log rows of that reason
	la_query "ContainerAppSystemLogs_CL | where JobName_s == '$1' and Reason_s == '$2' | count"
	jv "d['tables'][0]['rows'][0][0]"
}
sys_at_least() { [ "$(sys_count "$1" "$2")" -ge "$3" ]; }

# A missing image, started first because it runs until its replicaTimeout
# (30 s, so it still backs off when the checks below look): Azure retries
# the pull (kubelet's ImagePullBackOff, 10 s doubling) and logs
# ImagePullFailure each time (microsoft/azure-container-apps#960: repeated
# "... reason 'ImagePullFailure'" rows with a growing Count_d).
req PUT "$JOBS/noimg?api-version=$API" \
	"$(job_body docker.io/library/does-not-exist:latest '["true"]' | sed 's/"replicaTimeout":60/"replicaTimeout":30/')"
is "$STATUS" 201 "job with a missing image"
start noimg
NOIMG=$EX
NOIMG_T0=$T0

# ---- Processing until the container starts, then Running ----
# The status enum of Jobs.json (2025-07-01) has Processing; as a pod's
# Pending phase it covers scheduling and the image pull (choice, README).
req PUT "$JOBS/states?api-version=$API" "$(job_body $BB '["/bin/sh","-c","sleep 2; echo done"]')"
start states
is "$(status_of states "$EX")" Processing "Processing right after start (waiting for a node)"
req GET "$JOBS/states/executions/$EX?api-version=$PREVIEW"
is "$(jv "[d['properties']['detailedStatus']['replicas'][0]['containers'][0][k] for k in ('status','additionalInformation')]")" \
	'["Pending", "ContainerCreating"]' "detailedStatus: the container is Pending, ContainerCreating"
check "no endTime while Processing" test "$(jv "'endTime' in d['properties']")" = false
req GET "$JOBS/states/executions/$EX/replicas?api-version=$REPLICAS_API"
is "$(jv "[d['value'][0]['properties'][k] for k in ('runningState','runningStateDetails','containers')]")" \
	'["NotRunning", "Pending", []]' "replica NotRunning/Pending with no containers yet"
req GET "$JOBS/states/executions?api-version=$API&\$filter=status%20eq%20'Processing'"
is "$(jv "[e['name'] for e in d['value']]")" "[\"$EX\"]" "\$filter=status eq 'Processing' finds it"
status_seq states "$EX" 40
is "$SEQ" "Processing Running Succeeded" "Processing -> Running -> Succeeded, in that order"
check "Running only after the scheduling delay ($((RUN_AT - T0)) ms; 6000-10000 ms + pull)" \
	test -n "$RUN_AT" -a $((RUN_AT - T0)) -ge 5900
la_query "ContainerAppSystemLogs_CL | where JobName_s == '$EX' and Reason_s == 'AssigningReplica' | project Log_s, ReplicaName_s"
check "AssigningReplica: \"Replica '<r>' has been scheduled to run on a node.\"" \
	test "$(jv "d['tables'][0]['rows'][0][0]")" = "Replica '$(jv "d['tables'][0]['rows'][0][1]")' has been scheduled to run on a node."

# ---- the missing image, meanwhile: failed once, backing off ----
wait_until 30 "ImagePullFailure logged" sys_at_least "$NOIMG" ImagePullFailure 1
wait_until 10 "BackOff logged" sys_at_least "$NOIMG" BackOff 1
req GET "$JOBS/noimg/executions/$NOIMG?api-version=$PREVIEW"
is "$(jv "d['properties']['status']")" Processing "still Processing while the pull backs off"
is "$(jv "d['properties']['detailedStatus']['replicas'][0]['containers'][0]['additionalInformation']")" \
	ImagePullBackOff "detailedStatus says ImagePullBackOff"

# ---- Degraded and Unknown through execution fault rules ----
req PUT "$JOBS/deg?api-version=$API" "$(job_body $BB '["/bin/sleep","300"]')"
start deg
wait_until 30 "sleeper Running" is_status deg "$EX" Running
AUTH_SAVE=$AUTH
AUTH=
req POST /_sim/faults "{\"execution\":\"$EX\",\"executionStatus\":\"Degraded\"}"
is "$STATUS" 201 "Degraded rule added"
rule=$(jv "d['ids'][0]")
AUTH=$AUTH_SAVE
is "$(status_of deg "$EX")" Degraded "a running execution reports Degraded"
req GET "$JOBS/deg/executions?api-version=$API&\$filter=status%20eq%20'Degraded'"
is "$(jv "[e['properties']['status'] for e in d['value'] if e['name']=='$EX']")" '["Degraded"]' \
	"\$filter=status eq 'Degraded' lists it"
AUTH=
req DELETE "/_sim/faults/$rule"
AUTH=$AUTH_SAVE
is "$(status_of deg "$EX")" Running "Running again once the rule is gone"
AUTH=
req POST /_sim/faults '{"id":"unk","execution":"deg-*","job":"deg","executionStatus":"Unknown","times":1}'
AUTH=$AUTH_SAVE
is "$(status_of deg "$EX") $(status_of deg "$EX")" "Unknown Running" "Unknown once (times 1), then Running"
AUTH=
req GET /_sim/faults
is "$(jv "[r['injected'] for r in d['value'] if r['id']=='unk']")" "[1]" "the rule counts its injection"
req POST /_sim/faults "{\"execution\":\"$EX\",\"executionStatus\":\"Degraded\"}"
AUTH=$AUTH_SAVE
req POST "$JOBS/deg/executions/$EX/stop?api-version=$API"
is "$STATUS" 200 "stop the Degraded execution"
is "$(status_of deg "$EX")" Stopped "an ended execution shows its real status despite the rule"
# SIM_FAST's grace is 1 s; sleep as PID 1 ignores SIGTERM, so SIGKILL.
wait_until 15 "killed after the grace period (137)" sh -c \
	"curl -s -H 'Authorization: $AUTH' '$SIM_URL$JOBS/deg/executions/$EX?api-version=$PREVIEW' | grep -q '\"code\":137'"

# ---- the stop grace is honoured ----
AUTH=
req PUT /_sim/settings '{"stopGraceSeconds":3}'
AUTH=$AUTH_SAVE
req PUT "$JOBS/grace?api-version=$API" "$(job_body $BB '["/bin/sleep","300"]')"
start grace
wait_until 30 "grace sleeper Running" is_status grace "$EX" Running
# From before the request: its answer's time counts toward the grace.
t_stop=$(now_ms)
req POST "$JOBS/grace/executions/$EX/stop?api-version=$API"
wait_until 20 "SIGKILL after the grace period" sh -c \
	"curl -s -H 'Authorization: $AUTH' '$SIM_URL$JOBS/grace/executions/$EX?api-version=$PREVIEW' | grep -q '\"code\":137'"
elapsed=$(($(now_ms) - t_stop))
check "not before the 3 s grace ($elapsed ms)" test "$elapsed" -ge 2900
check "not much after it ($elapsed ms)" test "$elapsed" -lt 10000

# ---- the missing image: back-off until replicaTimeout ----
wait_until 40 "missing image -> Failed at replicaTimeout" is_status noimg "$NOIMG" Failed
elapsed=$(($(now_ms) - NOIMG_T0))
check "not before replicaTimeout (${elapsed} ms >= 30 s)" test "$elapsed" -ge 29500
req GET "$JOBS/noimg/executions/$NOIMG?api-version=$PREVIEW"
is "$(jv "d['properties']['reason']")" DeadlineExceeded "reason DeadlineExceeded"
check "ImagePullFailure logged at each attempt ($(sys_count "$NOIMG" ImagePullFailure))" sys_at_least "$NOIMG" ImagePullFailure 2
check "BackOff logged after each attempt ($(sys_count "$NOIMG" BackOff))" sys_at_least "$NOIMG" BackOff 2
la_query "ContainerAppSystemLogs_CL | where JobName_s == '$NOIMG' and Reason_s == 'BackOff' | project Log_s, Type_s | take 1"
is "$(jv "d['tables'][0]['rows'][0]")" '["Back-off pulling image '"'"'docker.io/library/does-not-exist:latest'"'"'", "Warning"]' \
	"BackOff text and type, as kubelet's event"

# ---- the fast-fail option ----
AUTH=
req PUT /_sim/settings '{"imagePullFailFast":true}'
AUTH=$AUTH_SAVE
start noimg
wait_until 20 "fast fail: missing image -> Failed" is_status noimg "$EX" Failed
elapsed=$(($(now_ms) - T0))
# The scheduling delay alone may be 10 s; replicaTimeout is 30 s.
check "long before replicaTimeout ($elapsed ms)" test "$elapsed" -lt 25000
req GET "$JOBS/noimg/executions/$EX?api-version=$PREVIEW"
is "$(jv "d['properties']['reason']")" BackoffLimitExceeded "fast fail counts as a failed replica"
is "$(sys_count "$EX" ImagePullFailure) $(sys_count "$EX" BackOff)" "1 0" "one ImagePullFailure, no BackOff"

sim_stop
is "$?" 0 "simulator exits 0"
done_testing
