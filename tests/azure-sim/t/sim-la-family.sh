#!/bin/bash
# sim-la-family.sh - one Log Analytics table family per environment, without
# workloads (an execution then fails at once with a ContainerCreateFailure
# system row): log-analytics -> ContainerAppSystemLogs_CL only,
# azure-monitor -> ContainerAppSystemLogs only with the environment's
# _ResourceId (Microsoft Learn "Log storage and monitoring options in Azure
# Container Apps"; Azure Monitor table reference ContainerAppSystemLogs),
# the environments' appLogsConfiguration, a fresh workspace without custom
# columns, and the ingestion settings at run time.  Console rows per family
# are in sim-lifecycle.sh.
. "$(dirname "$0")/lib.sh"

echo '{"managedEnvironments":[{"resourceGroup":"rg","name":"e","logDestination":"syslog"}]}' >"$TMP/bad.json"
"$SIM_BIN" --config "$TMP/bad.json" --no-workloads >/dev/null 2>"$TMP/err"
check "config: unknown logDestination -> non-zero exit" test $? -ne 0
check "  naming the key" grep -q logDestination "$TMP/err"

sim_start $SIM_FAST --no-workloads || { ok 1 "simulator starts"; done_testing; }
arm_auth
LA_TOKEN=$(la_token)
ENVS=/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.App/managedEnvironments
AM_ENV_ID=$ENVS/sockerless-am

# A fresh workspace has no custom-log table, hence no ContainerJobName_s
# (README, Known choices: tables and _CL columns exist once ingested).
la_query "ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'x'"
is "$STATUS $(jv "d['error']['innererror']['innererror']['code']")" "400 SEM0100" \
	"fresh workspace: ContainerJobName_s does not resolve"

# The seeded environments say where their logs go (README, Seeds).
req GET "$ENVS/sockerless?api-version=$API"
is "$(jv "d['properties']['appLogsConfiguration']['destination']")" log-analytics "seeded sockerless: log-analytics"
is "$(jv "d['properties']['appLogsConfiguration']['logAnalyticsConfiguration']['customerId']")" "$WS" "  to the seeded workspace"
req GET "$ENVS/sockerless-am?api-version=$API"
is "$(jv "d['properties']['appLogsConfiguration']['destination']")" azure-monitor "seeded sockerless-am: azure-monitor"
req PUT "$ENVS/badlogs?api-version=$API" '{"location":"eastus","properties":{"appLogsConfiguration":{"destination":"syslog"}}}'
is "$STATUS $(jv "d['error']['code']")" "400 InvalidParameterValue" "unknown destination -> 400"
req PUT "$ENVS/am2?api-version=$API" '{"location":"eastus","properties":{"appLogsConfiguration":{"destination":"azure-monitor"}}}'
is "$STATUS $(jv "d['properties']['appLogsConfiguration']['destination']")" "201 azure-monitor" "PUT an azure-monitor environment"

# log-analytics: the _CL system table only.
req PUT "$JOBS/lajob?api-version=$API" "$(job_body docker.io/library/busybox:latest '["true"]')"
req POST "$JOBS/lajob/start?api-version=$API"
EX=$(jv "d['name']")
wait_until 10 "log-analytics execution ends" sh -c \
	"curl -s -H 'Authorization: $AUTH' '$SIM_URL$JOBS/lajob/executions/$EX?api-version=$API' | grep -q '\"status\":\"Failed\"'"
la_query "ContainerAppSystemLogs_CL | where JobName_s == '$EX' | project Reason_s, ContainerAppName_s, _ResourceId"
is "$STATUS" 200 "log-analytics: ContainerAppSystemLogs_CL exists"
is "$(jv "d['tables'][0]['rows']")" "[[\"ContainerCreateFailure\", \"\", \"$(echo "$JOBS/lajob" | tr A-Z a-z)\"]]" \
	"  with the row, the job's _ResourceId"
la_query "ContainerAppSystemLogs | take 1"
is "$STATUS $(jv "d['error']['innererror']['innererror']['code']")" "400 SEM0100" \
	"log-analytics: no ContainerAppSystemLogs"
la_query "ContainerAppConsoleLogs_CL | take 1"
is "$STATUS" 400 "system rows do not create the console table"

# azure-monitor: the resource-specific system table only.
req PUT "$JOBS/amjob?api-version=$API" "$(job_body docker.io/library/busybox:latest '["true"]' | sed "s#$ENV_ID#$AM_ENV_ID#")"
is "$STATUS" 201 "job in the azure-monitor environment"
req POST "$JOBS/amjob/start?api-version=$API"
EX=$(jv "d['name']")
wait_until 10 "azure-monitor execution ends" sh -c \
	"curl -s -H 'Authorization: $AUTH' '$SIM_URL$JOBS/amjob/executions/$EX?api-version=$API' | grep -q '\"status\":\"Failed\"'"
la_query "ContainerAppSystemLogs | where JobName == '$EX' | project Reason, EnvironmentName, _ResourceId, Type"
is "$(jv "d['tables'][0]['rows']")" "[[\"ContainerCreateFailure\", \"sockerless-am\", \"$(echo "$AM_ENV_ID" | tr A-Z a-z)\", \"Warning\"]]" \
	"azure-monitor: ContainerAppSystemLogs row with the environment's _ResourceId"
la_query "ContainerAppSystemLogs_CL | where JobName_s == '$EX' | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 0 "azure-monitor: nothing in ContainerAppSystemLogs_CL"

# Ingestion settings at run time (SIM_FAST set the median to 0).
AUTH=
req GET /_sim/settings
is "$(jv "d['ingestionDelayMs']") $(jv "d['ingestionJitterMs']")" "0 10000" "settings show median and jitter"
req PUT /_sim/settings '{"ingestionJitterMs":2500}'
is "$STATUS $(jv "d['ingestionJitterMs']")" "200 2500" "jitter changed at run time"
req PUT /_sim/settings '{"ingestionJitterMs":-1}'
is "$STATUS" 400 "negative jitter -> 400"
done_testing
