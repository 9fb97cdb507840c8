#!/bin/bash
# sim-lifecycle.sh - the full life of jobs that really run (root): token,
# PUT, LRO poll, start, Running -> Succeeded with its output in Log
# Analytics (the table family of the environment's destination, secretRef
# resolved, stdout/stderr), a failing command -> Failed with its exit code in
# detailedStatus and the system log (ContainerTerminated and Error), stop ->
# Stopped, replicaTimeout, start overrides, init containers sharing an
# EmptyDir, parallel replicas, an azure-monitor and a none environment, the
# ingestion delay, KQL over the real rows, delete.
. "$(dirname "$0")/lib.sh"
need_root

registry_start || { ok 1 "registry starts"; done_testing; }
sim_start $SIM_FAST --registry-map "docker.io=$REGISTRY_HOST" --lro-delay-ms 400 --stop-grace 1 ||
	{ ok 1 "simulator starts with workloads"; done_testing; }
ok 0 "simulator and registry started"
arm_auth
LA_TOKEN=$(la_token)
BB=docker.io/library/busybox:latest

status_of() {  # status_of JOB EXEC
	req GET "$JOBS/$1/executions/$2?api-version=$PREVIEW"
	jv "d['properties']['status']"
}
is_status() { [ "$(status_of "$1" "$2")" = "$3" ]; }
start() {  # start JOB [BODY] -> execution name in $EX
	req POST "$JOBS/$1/start?api-version=$API" "${2-}"
	EX=$(jv "d['name']")
}

# ---- a job that succeeds ----
body=$(job_body $BB '["/bin/sh","-c","echo out-line; echo err-line >&2; echo \"secret=$TOKEN plain=$PLAIN\"; sleep 1; echo last-line"]' \
	',"secrets":[{"name":"tok","value":"s3cret-xyz"}]')
body=$(echo "$body" | sed 's/"resources"/"env":[{"name":"TOKEN","secretRef":"tok"},{"name":"PLAIN","value":"p1"}],"resources"/')
req PUT "$JOBS/life?api-version=$API" "$body"
is "$STATUS" 201 "PUT job -> 201"
async=$(hdr Azure-AsyncOperation)
wait_until 10 "LRO reaches Succeeded" sh -c "curl -s -H 'Authorization: $AUTH' '$async' | grep -q '\"status\":\"Succeeded\"'"
req GET "$JOBS/life?api-version=$API"
is "$(jv "d['properties']['provisioningState']")" Succeeded "job Succeeded"

start life
is "$STATUS" 202 "start -> 202"
# Processing until the container starts, then Running (sim-exec-states.sh
# checks the order with a realistic scheduling delay).
check "execution Processing or Running right after start" sh -c "echo '$(status_of life "$EX")' | grep -Eqx 'Processing|Running'"
wait_until 30 "execution Succeeded" is_status life "$EX" Succeeded
req GET "$JOBS/life/executions/$EX?api-version=$PREVIEW"
check "endTime set" test -n "$(jv "d['properties']['endTime']")"
is "$(jv "d['properties']['detailedStatus']['replicas'][0]['containers'][0]['code']")" 0 "detailedStatus exit code 0"
replica=$(jv "d['properties']['detailedStatus']['replicas'][0]['name']")
check "replica name is <exec>-<5 lowercase alnum>" sh -c "echo '$replica' | grep -Eq '^$EX-[a-z0-9]{5}$'"
req GET "$JOBS/life/executions/$EX?api-version=$API"
check "stable api-version has no detailedStatus" test "$(jv "'detailedStatus' in d['properties']")" = false

la_query "ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'life' and ContainerGroupName_s startswith '$EX' | order by TimeGenerated asc | project Log_s, Stream_s, ContainerGroupName_s, ContainerName_s, ContainerImage_s, EnvironmentName_s"
is "$STATUS" 200 "console query -> 200"
is "$(jv "[r[0] for r in d['tables'][0]['rows'] if r[1]=='stdout']")" '["out-line", "secret=s3cret-xyz plain=p1", "last-line"]' "stdout lines in order, secretRef resolved"
is "$(jv "[r[0] for r in d['tables'][0]['rows'] if r[1]=='stderr']")" '["err-line"]' "Stream_s separates stderr"
is "$(jv "d['tables'][0]['rows'][0][2:]")" "[\"$replica\", \"main\", \"$BB\", \"sockerless\"]" "group, container, image and environment columns"
# Azure writes only the family the destination selects (log-analytics: _CL);
# no azure-monitor environment has run anything yet
la_query "ContainerAppConsoleLogs | where JobName == '$EX' | project Log | take 10"
is "$STATUS $(jv "d['error']['innererror']['innererror']['code']")" "400 SEM0100" \
	"log-analytics environment: no resource-specific ContainerAppConsoleLogs"
la_query "ContainerAppSystemLogs | take 1"
is "$STATUS" 400 "log-analytics environment: no resource-specific ContainerAppSystemLogs"
la_query "ContainerAppSystemLogs_CL | where ReplicaName_s == '$replica' and Reason_s == 'ContainerTerminated' | project Log_s"
is "$(jv "d['tables'][0]['rows'][0][0]")" "Container 'main' was terminated with exit code '0'" "system log records the exit"
# exit 0 is not an Error (azureossd blog 2024-01-19; README, Known choices)
la_query "ContainerAppSystemLogs_CL | where ReplicaName_s == '$replica' and Reason_s == 'Error' | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 0 "exit code 0: no Error row"

# ---- KQL over these rows ----
la_query "ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'life' | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 4 "count"
la_query "ContainerAppConsoleLogs_CL | where Log_s has 'line' and not(Log_s contains 'err') | project Log_s | order by Log_s desc | take 2"
is "$(jv "[r[0] for r in d['tables'][0]['rows']]")" '["out-line", "last-line"]' "has, contains, not, order by desc, take"
la_query "ContainerAppConsoleLogs_CL | where Log_s =~ 'OUT-LINE' or Stream_s != 'stdout' | project Log_s | order by Log_s asc"
is "$(jv "[r[0] for r in d['tables'][0]['rows']]")" '["err-line", "out-line"]' "=~, !=, or, order by asc"
la_query "ContainerAppConsoleLogs_CL | where TimeGenerated > ago(1h) and TimeGenerated < datetime(2999-01-01) | project TimeGenerated | take 1"
is "$(jv "d['tables'][0]['columns'][0]['type']")" datetime "ago(), datetime() and typed datetime column"
check "TimeGenerated has sub-second precision" sh -c "echo '$(jv "d['tables'][0]['rows'][0][0]")' | grep -Eq '\\.[0-9]+Z$'"
la_query "ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'life' | summarize count() by Stream_s | order by Stream_s asc"
is "$(jv "d['tables'][0]['rows']")" '[["stderr", 1], ["stdout", 3]]' "summarize count() by"
# union of the two console tables (Kusto: a column one table lacks is null in
# its rows); isfuzzy, since an environment writes one family or the other
la_query "union withsource=Src isfuzzy=true ContainerAppConsoleLogs_CL, ContainerAppConsoleLogs | where ContainerJobName_s == 'life' | summarize count() by Src, Stream_s | order by Stream_s asc"
is "$(jv "d['tables'][0]['rows']")" '[["ContainerAppConsoleLogs_CL", "stderr", 1], ["ContainerAppConsoleLogs_CL", "stdout", 3]]' \
	"union of the two console tables: the _CL rows, named by withsource"
la_query "union withsource=Src isfuzzy=true ContainerAppConsoleLogs_CL, ContainerAppConsoleLogs | where Src == 'ContainerAppConsoleLogs' and isnotempty(ContainerJobName_s) | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 0 "a column the other table lacks is empty in its rows"
la_query "ContainerAppConsoleLogs_CL | join (ContainerAppSystemLogs_CL) on JobName_s"
is "$STATUS $(jv "d['error']['innererror']['code']")" "400 SimulatorNotSupported" "valid KQL outside the subset is refused, not ignored"

# ---- a failing command ----
req PUT "$JOBS/fail?api-version=$API" "$(job_body $BB '["/bin/sh","-c","echo about-to-fail; exit 3"]')"
start fail
wait_until 30 "failing execution -> Failed" is_status fail "$EX" Failed
req GET "$JOBS/fail/executions/$EX?api-version=$PREVIEW"
is "$(jv "d['properties']['detailedStatus']['replicas'][0]['containers'][0]['code']")" 3 "detailedStatus has exit code 3"
is "$(jv "d['properties']['reason']")" BackoffLimitExceeded "preview reason BackoffLimitExceeded"
la_query "ContainerAppSystemLogs_CL | where JobName_s == '$EX' and Reason_s == 'ContainerTerminated' | project Log_s"
is "$(jv "d['tables'][0]['rows'][0][0]")" "Container 'main' was terminated with exit code '3'" "system log has exit code 3"
# a non-zero exit is also reported with Reason Error, same text (azureossd
# blog "Container Apps - Backoff restarts and container exits", 2024-01-19)
la_query "ContainerAppSystemLogs_CL | where JobName_s == '$EX' and Reason_s == 'Error' | project Log_s, Type_s"
is "$(jv "d['tables'][0]['rows']")" "[[\"Container 'main' was terminated with exit code '3'\", \"Warning\"]]" \
	"non-zero exit: an Error row with the same Log_s"

# ---- stop ----
req PUT "$JOBS/sleeper?api-version=$API" "$(job_body $BB '["/bin/sleep","300"]')"
start sleeper
wait_until 30 "sleeper's container started" sh -c "curl -s -H 'Authorization: $AUTH' '$SIM_URL$JOBS/sleeper/executions/$EX/replicas?api-version=2023-11-02-preview' | grep -q '\"runningState\":\"Running\"'"
req POST "$JOBS/sleeper/executions/$EX/stop?api-version=$API"
is "$STATUS" 200 "stop -> 200"
is "$(status_of sleeper "$EX")" Stopped "execution Stopped"
check "stopped execution has endTime" test -n "$(jv "d['properties']['endTime']")"
wait_until 15 "stopped container reports a signal exit code" sh -c \
	"curl -s -H 'Authorization: $AUTH' '$SIM_URL$JOBS/sleeper/executions/$EX?api-version=$PREVIEW' | grep -Eq '\"code\":(137|143)'"

# ---- replicaTimeout ----
req PUT "$JOBS/slow?api-version=$API" "$(job_body $BB '["/bin/sleep","60"]' | sed 's/"replicaTimeout":60/"replicaTimeout":2/')"
start slow
wait_until 30 "replicaTimeout -> Failed" is_status slow "$EX" Failed
req GET "$JOBS/slow/executions/$EX?api-version=$PREVIEW"
is "$(jv "d['properties']['reason']")" DeadlineExceeded "reason DeadlineExceeded"

# (A missing image, retried or failing fast: sim-exec-states.sh.)

# ---- start override, init container + EmptyDir, parallel replicas ----
start life '{"containers":[{"name":"main","image":"docker.io/library/busybox:latest","command":["/bin/sh","-c","echo override-$PLAIN"],"env":[{"name":"PLAIN","value":"p2"}],"resources":{"cpu":0.25,"memory":"0.5Gi"}}]}'
wait_until 30 "override execution Succeeded" is_status life "$EX" Succeeded
la_query "ContainerAppConsoleLogs_CL | where ContainerGroupName_s startswith '$EX' | project Log_s"
is "$(jv "d['tables'][0]['rows'][0][0]")" override-p2 "override's command and env were used"

shared=$(printf '{"location":"eastus","properties":{"environmentId":"%s","configuration":{"triggerType":"Manual","replicaTimeout":60,"manualTriggerConfig":{"parallelism":2,"replicaCompletionCount":2}},"template":{"volumes":[{"name":"scratch","storageType":"EmptyDir"}],"initContainers":[{"name":"prep","image":"%s","command":["/bin/sh","-c","echo from-init > /work/f"],"volumeMounts":[{"volumeName":"scratch","mountPath":"/work"}]}],"containers":[{"name":"main","image":"%s","command":["/bin/sh","-c","cat /work/f; hostname"],"volumeMounts":[{"volumeName":"scratch","mountPath":"/work"}],"resources":{"cpu":0.25,"memory":"0.5Gi"}}]}}}' "$ENV_ID" "$BB" "$BB")
req PUT "$JOBS/shared?api-version=$API" "$shared"
is "$STATUS" 201 "job with an init container and an EmptyDir volume"
start shared
wait_until 30 "two parallel replicas -> Succeeded" is_status shared "$EX" Succeeded
req GET "$JOBS/shared/executions/$EX?api-version=$PREVIEW"
is "$(jv "len(d['properties']['detailedStatus']['replicas'])")" 2 "two replicas ran"
la_query "ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'shared' and ContainerName_s == 'main' and Log_s == 'from-init' | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 2 "each replica's main container read its init container's file"

# ---- an azure-monitor environment: the resource-specific tables only,
# _ResourceId the environment's (Azure Monitor table reference
# ContainerAppConsoleLogs; README, Seeds) ----
AM_ENV_ID=/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.App/managedEnvironments/sockerless-am
req PUT "$JOBS/amjob?api-version=$API" "$(job_body $BB '["/bin/sh","-c","echo am-line; exit 2"]' | sed "s#$ENV_ID#$AM_ENV_ID#")"
is "$STATUS" 201 "job in the azure-monitor environment"
start amjob
wait_until 30 "azure-monitor execution -> Failed" is_status amjob "$EX" Failed
la_query "ContainerAppConsoleLogs | where JobName == '$EX' | project Log, Stream, EnvironmentName, _ResourceId"
is "$(jv "d['tables'][0]['rows']")" "[[\"am-line\", \"stdout\", \"sockerless-am\", \"$(echo "$AM_ENV_ID" | tr A-Z a-z)\"]]" \
	"azure-monitor: ContainerAppConsoleLogs row with the environment's _ResourceId"
la_query "ContainerAppSystemLogs | where JobName == '$EX' and Log contains \"exit code '2'\" | order by Reason asc | project Reason, Type"
is "$(jv "d['tables'][0]['rows']")" '[["ContainerTerminated", "Warning"], ["Error", "Warning"]]' \
	"azure-monitor: ContainerAppSystemLogs has ContainerTerminated and Error"
la_query "ContainerAppConsoleLogs_CL | where ContainerGroupName_s startswith '$EX' | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 0 "azure-monitor: nothing in ContainerAppConsoleLogs_CL"
la_query "ContainerAppSystemLogs_CL | where JobName_s == '$EX' | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 0 "azure-monitor: nothing in ContainerAppSystemLogs_CL"

# ---- destination none: no rows anywhere ----
req PUT "/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.App/managedEnvironments/nologs?api-version=$API" \
	'{"location":"eastus","properties":{"appLogsConfiguration":{"destination":"none"}}}'
is "$STATUS" 201 "environment with destination none"
NONE_ENV_ID=/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.App/managedEnvironments/nologs
req PUT "$JOBS/quiet?api-version=$API" "$(job_body $BB '["/bin/sh","-c","echo quiet-line"]' | sed "s#$ENV_ID#$NONE_ENV_ID#")"
is "$STATUS" 201 "job in the none environment"
start quiet
wait_until 30 "none-destination execution Succeeded" is_status quiet "$EX" Succeeded
la_query "ContainerAppConsoleLogs_CL | where ContainerGroupName_s startswith '$EX' | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 0 "none: no console rows in _CL"
la_query "ContainerAppConsoleLogs | where ContainerGroupName startswith '$EX' | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 0 "none: no console rows in the resource-specific table"

# ---- ingestion delay ----
# 10 s: the wait for Succeeded and the query below must fit in it on a
# loaded machine too.
AUTH_SAVE=$AUTH
AUTH=
req PUT /_sim/settings '{"ingestionDelayMs":10000,"ingestionJitterMs":0}'
AUTH=$AUTH_SAVE
req PUT "$JOBS/late?api-version=$API" "$(job_body $BB '["/bin/sh","-c","echo late-row"]')"
start late
wait_until 30 "late execution Succeeded" is_status late "$EX" Succeeded
la_query "ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'late' | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 0 "rows not visible before the ingestion delay"
wait_until 25 "rows visible after the ingestion delay" sh -c \
	"curl -s -H 'Authorization: Bearer $LA_TOKEN' -H 'Content-Type: application/json' --data '{\"query\":\"ContainerAppConsoleLogs_CL | where ContainerJobName_s == \\\"late\\\" | count\"}' '$SIM_URL/v1/workspaces/$WS/query' | grep -q '\\[\\[1\\]\\]'"

# ---- delete removes the job and its executions ----
req DELETE "$JOBS/life?api-version=$API"
is "$STATUS" 202 "DELETE -> 202"
wait_until 10 "deleted job -> 404" sh -c "curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: $AUTH' '$SIM_URL$JOBS/life?api-version=$API' | grep -q 404"
req GET "$JOBS/life/executions?api-version=$API"
is "$STATUS" 404 "its executions are gone"

sim_stop
is "$?" 0 "simulator exits 0"
done_testing
