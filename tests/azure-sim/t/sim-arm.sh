#!/bin/bash
# sim-arm.sh - ARM Microsoft.App jobs without workloads: create (201,
# InProgress, Azure-AsyncOperation) -> LRO poll -> Succeeded, get, update
# (200), list with nextLink paging, PATCH merge, listSecrets vs GET,
# getAuthToken, start/list/stop executions, delete (202 + Location, then
# 404; unknown -> 204), ARM headers, resource groups and environments,
# /_sim/health and /_sim/stats.
. "$(dirname "$0")/lib.sh"

# Long-running operations last 6 s: long enough that the checks of what
# ARM answers while one is in progress (InProgress, 409, 202 polls) hold
# on a loaded machine, short enough to wait for each.
sim_start $SIM_FAST --no-workloads --lro-delay-ms 6000 --page-size 2 || { ok 1 "simulator starts"; done_testing; }
ok 0 "simulator starts on a free port ($SIM_PORT)"

req GET /_sim/health
is "$STATUS" 200 "health answers 200"
is "$(jv "d['status']")" ok "health says ok"

"$SIM_BIN" --help >"$TMP/help" 2>&1
check "--help documents --config" grep -q -- --config "$TMP/help"
check "--help documents --registry-map" grep -q -- --registry-map "$TMP/help"

arm_auth
body=$(job_body docker.io/library/busybox:latest '["/bin/sh","-c","echo hi"]' \
	',"secrets":[{"name":"tok","value":"s3cret-value"}]')
req PUT "$JOBS/job-a?api-version=$API" "$body" -H 'x-ms-client-request-id: 11111111-2222-3333-4444-555555555555' \
	-H 'x-ms-return-client-request-id: true'
cp "$TMP/body" "$TMP/put-body"
cp "$TMP/hdr" "$TMP/put-hdr"
put_status=$STATUS
async=$(hdr Azure-AsyncOperation)
apath=${async#$SIM_URL}
req GET "$apath"
is "$(jv "d['status']")" InProgress "async operation InProgress at first"
cp "$TMP/put-body" "$TMP/body"
cp "$TMP/put-hdr" "$TMP/hdr"
is "$put_status" 201 "PUT new job -> 201"
is "$(jv "d['properties']['provisioningState']")" InProgress "new job is InProgress"
check "Azure-AsyncOperation header present" test -n "$async"
is "$(hdr Retry-After)" 1 "Retry-After on the create"
check "x-ms-request-id header" test -n "$(hdr x-ms-request-id)"
check "x-ms-correlation-request-id header" test -n "$(hdr x-ms-correlation-request-id)"
is "$(hdr x-ms-client-request-id)" 11111111-2222-3333-4444-555555555555 "client request id echoed when asked"
check "ratelimit writes header" test -n "$(hdr x-ms-ratelimit-remaining-subscription-writes)"
check "secret value not echoed by PUT" sh -c "! grep -q s3cret-value '$TMP/body'"
is "$(jv "d['properties']['configuration']['manualTriggerConfig']['parallelism']")" 1 "defaults filled (manualTriggerConfig)"
is "$(jv "d['id']")" "$JOBS/job-a" "id is the ARM id"
# Microsoft.App answers with the region's display name whatever form was
# sent (the official examples: "location": "East US").
is "$(jv "d['location']")" "East US" "location 'eastus' comes back as 'East US'"
check "LRO URL uses the short region name" sh -c "echo '$async' | grep -q '/locations/eastus/'"
is "$(jv "d['type']")" Microsoft.App/jobs "type"

# Poll the async operation as ARM clients do.
op_succeeded() {
	req GET "$1"
	[ "$(jv "d['status']")" = Succeeded ]
}
wait_until 30 "async operation reaches a final state" op_succeeded "$apath"
req GET "$apath"
is "$(jv "d['status']")" Succeeded "async operation Succeeded later"
check "operation has endTime" test -n "$(jv "d['endTime']")"
req GET "$JOBS/job-a?api-version=$API"
is "$STATUS" 200 "GET job -> 200"
is "$(jv "d['properties']['provisioningState']")" Succeeded "job Succeeded after the LRO"
check "GET never returns secret values" sh -c "! grep -q s3cret-value '$TMP/body'"
is "$(jv "d['properties']['configuration']['secrets'][0]['name']")" tok "secret names are listed"
check "ratelimit reads header" test -n "$(hdr x-ms-ratelimit-remaining-subscription-reads)"
check "eventStreamEndpoint on the job" test -n "$(jv "d['properties']['eventStreamEndpoint']")"

req POST "$JOBS/job-a/listSecrets?api-version=$API"
is "$STATUS" 200 "listSecrets -> 200"
is "$(jv "d['value'][0]['value']")" s3cret-value "listSecrets returns the value"

req PUT "$JOBS/job-a?api-version=$API" "$body"
is "$STATUS" 200 "PUT existing job -> 200"

# A write while the previous one is still InProgress is refused, as
# Container Apps does (409 ContainerAppsJobOperationInProgress, from a
# public capture; README "Known choices").
for m in PUT PATCH DELETE; do
	req $m "$JOBS/job-a?api-version=$API" "$([ $m = DELETE ] || echo "$body")"
	is "$STATUS $(jv "d['error']['code']")" "409 ContainerAppsJobOperationInProgress" "$m while the update is InProgress -> 409"
done
check "409 names the job" grep -q "Cannot modify a container apps job 'job-a' because there is an active provisioning operation in progress." "$TMP/body"
job_is() {  # job_is NAME STATE: its provisioningState is STATE
	req GET "$JOBS/$1?api-version=$API"
	[ "$(jv "d['properties']['provisioningState']")" = "$2" ]
}
wait_until 30 "the update reaches Succeeded (polled, not hammered)" job_is job-a Succeeded

# PATCH: merge patch; arrays replaced.
req PATCH "$JOBS/job-a?api-version=$API" '{"tags":{"team":"x"},"properties":{"configuration":{"replicaTimeout":99}}}'
is "$STATUS" 202 "PATCH -> 202 while provisioning"
check "PATCH Location header" test -n "$(hdr Location)"
loc=$(hdr Location)
req GET "${loc#$SIM_URL}"
is "$STATUS" 202 "Location poll -> 202 while running"
wait_until 30 "PATCH Location poll finishes" answers "${loc#$SIM_URL}" 200
req GET "${loc#$SIM_URL}"
is "$STATUS" 200 "Location poll -> 200 when done"
is "$(jv "d['properties']['configuration']['replicaTimeout']")" 99 "PATCH changed replicaTimeout"
is "$(jv "d['tags']['team']")" x "PATCH added a tag"
is "$(jv "d['properties']['template']['containers'][0]['name']")" main "PATCH kept the template"
req POST "$JOBS/job-a/listSecrets?api-version=$API"
is "$(jv "d['value'][0]['value']")" s3cret-value "PATCH kept the secret value"

# Paging: page size 2, five jobs -> 3 pages.
for j in job-b job-c job-d job-e; do
	req PUT "$JOBS/$j?api-version=$API" "$body"
done
req GET "$JOBS?api-version=$API"
is "$(jv "len(d['value'])")" 2 "first page has 2 jobs"
next=$(jv "d.get('nextLink') or ''")
check "nextLink present" test -n "$next"
total=2
pages=1
while [ -n "$next" ] && [ $pages -lt 10 ]; do
	req GET "${next#$SIM_URL}"
	total=$((total + $(jv "len(d['value'])")))
	next=$(jv "d.get('nextLink') or ''")
	pages=$((pages + 1))
done
is "$total" 5 "following nextLink lists all 5 jobs"
is "$pages" 3 "in 3 pages"
req GET "/subscriptions/$SUB/providers/Microsoft.App/jobs?api-version=$API&\$top=10"
is "$(jv "len(d['value'])")" 5 "list by subscription with \$top"

# getAuthToken (the log stream's data-plane token).
req POST "$JOBS/job-a/getAuthToken?api-version=2023-11-02-preview"
is "$STATUS" 200 "getAuthToken -> 200"
check "getAuthToken has a token" test -n "$(jv "d['properties']['token']")"
check "getAuthToken has expires" test -n "$(jv "d['properties']['expires']")"
is "$(jv "d['location']")" "East US" "getAuthToken location is the display name (official example)"

# Executions without workloads: they start and fail at once.
req POST "$JOBS/job-a/start?api-version=$API"
is "$STATUS" 202 "start -> 202"
ex=$(jv "d['name']")
check "execution name is <job>-<7 lowercase alnum>" sh -c "echo '$ex' | grep -Eq '^job-a-[a-z0-9]{7}$'"
check "start has Location" test -n "$(hdr Location)"
req GET "${loc#$SIM_URL}" # an old, finished operation still answers
req GET "$(hdr Location | sed "s#$SIM_URL##")"
req GET "$JOBS/job-a/executions/$ex?api-version=$API"
is "$STATUS" 200 "GET execution -> 200"
is "$(jv "d['name']")" "$ex" "execution name"
check "execution has startTime" test -n "$(jv "d['properties']['startTime']")"
req GET "$JOBS/job-a/executions?api-version=$API"
is "$(jv "d['value'][0]['name']")" "$ex" "executions list has it first"
req POST "$JOBS/job-a/executions/$ex/stop?api-version=$API"
is "$STATUS" 200 "stop a finished execution -> 200"
req POST "$JOBS/job-a/stop/$ex?api-version=$API"
is "$STATUS" 200 "legacy /stop/{exec} -> 200"
req POST "$JOBS/job-a/stop?api-version=$API"
is "$STATUS" 200 "stop all -> 200"
check "stop all returns a value list" test "$(jv "type(d['value']).__name__")" = list
req GET "$JOBS/job-a/executions/nope-1234567?api-version=$API"
is "$STATUS" 404 "unknown execution -> 404"

# Delete (once job-b's create is done: an InProgress job refuses it).
wait_until 30 "job-b reaches Succeeded" job_is job-b Succeeded
req DELETE "$JOBS/job-b?api-version=$API"
is "$STATUS" 202 "DELETE -> 202"
dloc=$(hdr Location)
check "DELETE Location header" test -n "$dloc"
req GET "$JOBS/job-b?api-version=$API"
is "$(jv "d['properties']['provisioningState']")" Deleting "job shows Deleting"
wait_until 30 "DELETE Location poll finishes" answers "${dloc#$SIM_URL}" 200
req GET "${dloc#$SIM_URL}"
is "$STATUS" 200 "delete Location poll -> 200 when done"
req GET "$JOBS/job-b?api-version=$API"
is "$STATUS" 404 "deleted job -> 404"
is "$(jv "d['error']['code']")" ResourceNotFound "404 code ResourceNotFound"
req DELETE "$JOBS/never-existed?api-version=$API"
is "$STATUS" 204 "DELETE unknown job -> 204"

# Resource groups and managed environments.
req PUT "/subscriptions/$SUB/resourcegroups/rg-two?api-version=2021-04-01" '{"location":"westus"}'
is "$STATUS" 201 "create a resource group -> 201"
req GET "/subscriptions/$SUB/resourceGroups/rg-two?api-version=2021-04-01"
is "$(jv "d['location']")" westus "GET resource group"
# Resource groups keep ARM's short name, whichever form was sent.
req PUT "/subscriptions/$SUB/resourcegroups/rg-three?api-version=2021-04-01" '{"location":"West Europe"}'
is "$STATUS $(jv "d['location']")" "201 westeurope" "resource group created with 'West Europe' shows 'westeurope'"
req PUT "/subscriptions/$SUB/resourceGroups/rg-two/providers/Microsoft.App/managedEnvironments/env2?api-version=$API" \
	"{\"location\":\"westus\",\"properties\":{\"appLogsConfiguration\":{\"destination\":\"log-analytics\",\"logAnalyticsConfiguration\":{\"customerId\":\"$WS\",\"sharedKey\":\"k\"}}}}"
is "$STATUS" 201 "create a managed environment -> 201"
is "$(jv "d['location']")" "West US" "managed environment location is the display name"
check "environment never returns the shared key" sh -c "! grep -q sharedKey '$TMP/body'"
env2=/subscriptions/$SUB/resourceGroups/rg-two/providers/Microsoft.App/managedEnvironments/env2
req PUT "/subscriptions/$SUB/resourceGroups/rg-two/providers/Microsoft.App/jobs/job-z?api-version=$API" \
	"$(job_body docker.io/library/busybox:latest '["true"]' | sed "s#$ENV_ID#$env2#; s#\"eastus\"#\"WEST us\"#")"
is "$STATUS" 201 "a job in the new environment -> 201"
is "$(jv "d['location']")" "West US" "'WEST us' is accepted (case and spaces ignored) and shown as 'West US'"
req GET "/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.App/managedEnvironments/sockerless-wp?api-version=$API"
is "$STATUS $(jv "[p['name'] for p in d['properties']['workloadProfiles']]")" '200 ["Consumption", "d4"]' "seeded workload-profile environment lists its profiles"
req GET "/subscriptions/$SUB/resourceGroups/rg-two/providers/Microsoft.App/jobs?api-version=$API"
is "$(jv "len(d['value'])")" 1 "listing is per resource group"

# Stats count calls per operation.
req GET /_sim/stats
is "$STATUS" 200 "/_sim/stats -> 200"
check "stats count Jobs_CreateOrUpdate" test "$(jv "d['operations']['Jobs_CreateOrUpdate']")" -ge 7
is "$(jv "d['operations']['Jobs_ListByResourceGroup']")" 4 "stats count list calls exactly"
req DELETE /_sim/stats
req GET /_sim/stats
is "$(jv "d['total']")" 0 "stats reset"

# Throttling is on by default with ARM's buckets ("Understand how Azure
# Resource Manager throttles requests": reads 250 tokens, 25/s refill).
req GET "$JOBS/job-a?api-version=$API"
r1=$(hdr x-ms-ratelimit-remaining-subscription-reads)
g1=$(hdr x-ms-ratelimit-remaining-subscription-global-reads)
check "reads header is below the bucket of 250 ($r1)" test "$r1" -lt 250
check "global reads header is the larger, subscription-wide bucket ($g1)" test "$g1" -gt "$r1"
# Every answer's body is kept (bd/N), so the first 429's can be read.
mkdir -p "$TMP/bd"
urls=()
for i in $(seq 300); do urls+=(-o "$TMP/bd/$i" "$SIM_URL$JOBS/job-a?api-version=$API"); done
burst() {
	curl -s -H "Authorization: $AUTH" \
		-w '%{http_code} %header{retry-after} %header{x-ms-ratelimit-remaining-subscription-reads}\n' \
		"${urls[@]}" >"$TMP/burst"
}
burst
cp "$TMP/burst" "$TMP/burst1"
# A loaded machine may serve 300 GETs slower than the bucket refills
# (25/s): then another burst empties it.
n=1
while ! grep -q '^429 ' "$TMP/burst" && [ $n -lt 10 ]; do burst; n=$((n + 1)); done
check "a tight loop of GETs is throttled (429; $n burst(s) of 300)" grep -q '^429 ' "$TMP/burst"
check "the first 200-odd GETs of the burst pass" test "$(grep -c '^200 ' "$TMP/burst1")" -ge 240
# The burst's first 429: its status line and body.
n429=$(grep -n '^429 ' "$TMP/burst" | head -n 1 | cut -d: -f1)
read -r st ra left <<<"$(sed -n "${n429:-1}p" "$TMP/burst")"
cp "$TMP/bd/${n429:-1}" "$TMP/body"
is "$st $(jv "d['error']['code']")" "429 TooManyRequests" "a GET of the burst -> 429 TooManyRequests"
check "429 message names the operation type" grep -q "limit has been reached for operation type - 'Read'" "$TMP/body"
check "429 carries Retry-After in seconds ($ra)" sh -c "echo '$ra' | grep -Eq '^[1-9][0-9]*$'"
is "$left" 0 "429 says no reads remain"
sleep "$ra"
req GET "$JOBS/job-a?api-version=$API"
is "$STATUS" 200 "after waiting Retry-After the GET passes"
req PUT "$JOBS/job-a?api-version=$API" "$body"
check "writes have their own bucket" test "$STATUS" != 429

sim_stop
is "$?" 0 "simulator exits 0 on SIGTERM"

# --no-arm-throttle keeps the headers but never answers 429.
sim_start $SIM_FAST --no-workloads --no-arm-throttle || { ok 1 "simulator starts"; done_testing; }
arm_auth
urls=()
for i in $(seq 300); do urls+=(-o /dev/null "$SIM_URL$JOBS?api-version=$API"); done
burst() {
	curl -s -H "Authorization: $AUTH" \
		-w '%{http_code} %header{x-ms-ratelimit-remaining-subscription-reads}\n' \
		"${urls[@]}" >"$TMP/burst"
}
burst
is "$(cut -d' ' -f1 "$TMP/burst" | sort -u)" 200 "--no-arm-throttle: 300 GETs in a burst all pass"
n=1
while ! grep -qx '200 0' "$TMP/burst" && [ $n -lt 10 ]; do burst; n=$((n + 1)); done
check "--no-arm-throttle: a GET passes while the reads header says the bucket is empty" \
	grep -qx '200 0' "$TMP/burst"
check "--help documents --no-arm-throttle" grep -q -- --no-arm-throttle "$TMP/help"
sim_stop
done_testing
