#!/bin/bash
# sim-validation.sh - what ARM/Container Apps refuse, with their codes:
# api-versions, job names, CPU/memory totals, containers, tags, scope,
# environments, JSON syntax and types, secrets and secretRefs.
. "$(dirname "$0")/lib.sh"

sim_start $SIM_FAST --no-workloads --lro-delay-ms 0 || { ok 1 "simulator starts"; done_testing; }
arm_auth
good=$(job_body docker.io/library/busybox:latest '["true"]')

expect() {  # expect STATUS CODE DESCRIPTION METHOD PATH [BODY]
	local st=$1 code=$2 d=$3
	shift 3
	req "$@"
	is "$STATUS $(jv "d['error']['code']")" "$st $code" "$d"
}

expect 400 MissingApiVersionParameter "no api-version" PUT "$JOBS/okname" "$good"
expect 400 NoRegisteredProviderFound "unknown api-version" PUT "$JOBS/okname?api-version=2021-01-01" "$good"
expect 400 InvalidApiVersionParameter "malformed api-version" GET "$JOBS/okname?api-version=latest"
req GET "$JOBS?api-version=2023-11-02-preview"
is "$STATUS" 200 "known preview api-version accepted"

expect 400 ContainerAppInvalidName "upper-case job name" PUT "$JOBS/BadName?api-version=$API" "$good"
expect 400 ContainerAppInvalidName "job name with --" PUT "$JOBS/a--b?api-version=$API" "$good"
expect 400 ContainerAppInvalidName "job name ending in -" PUT "$JOBS/ab-?api-version=$API" "$good"
expect 400 ContainerAppInvalidName "job name starting with a digit" PUT "$JOBS/1ab?api-version=$API" "$good"
expect 400 ContainerAppInvalidName "job name of 33 characters" PUT "$JOBS/abcdefghijklmnopqrstuvwxyzabcdefg?api-version=$API" "$good"
req PUT "$JOBS/abcdefghijklmnopqrstuvwxyzabcdef?api-version=$API" "$good"
is "$STATUS" 201 "job name of 32 characters accepted"

bad_res=$(echo "$good" | sed 's/"memory":"0.5Gi"/"memory":"1Gi"/')
expect 400 ContainerAppInvalidResourceTotal "0.25 vCPU with 1Gi" PUT "$JOBS/res?api-version=$API" "$bad_res"
check "resource message names the totals" grep -q "CPU: 0.25, memory: 1.0Gi" "$TMP/body"
bad_res=$(echo "$good" | sed 's/"cpu":0.25/"cpu":0.3/; s/"memory":"0.5Gi"/"memory":"0.6Gi"/')
expect 400 ContainerAppInvalidResourceTotal "0.3 vCPU is not a step of 0.25" PUT "$JOBS/res?api-version=$API" "$bad_res"
ok_res=$(echo "$good" | sed 's/"cpu":0.25/"cpu":1.5/; s/"memory":"0.5Gi"/"memory":"3Gi"/')
req PUT "$JOBS/res?api-version=$API" "$ok_res"
is "$STATUS" 201 "1.5 vCPU / 3Gi accepted"
two=$(printf '{"location":"eastus","properties":{"environmentId":"%s","configuration":{"triggerType":"Manual","replicaTimeout":60},"template":{"containers":[{"name":"a","image":"x/y:1","resources":{"cpu":0.25,"memory":"0.5Gi"}},{"name":"b","image":"x/y:1","resources":{"cpu":0.5,"memory":"1Gi"}}]}}}' "$ENV_ID")
req PUT "$JOBS/two?api-version=$API" "$two"
is "$STATUS" 201 "totals add up over containers (0.75/1.5Gi)"
req PUT "$JOBS/nores?api-version=$API" "$(printf '{"location":"eastus","properties":{"environmentId":"%s","configuration":{"triggerType":"Manual","replicaTimeout":60},"template":{"containers":[{"name":"a","image":"x/y:1"}]}}}' "$ENV_ID")"
is "$STATUS $(jv "d['properties']['template']['containers'][0]['resources']['cpu']")" "201 0.5" "default resources 0.5 vCPU filled in"

nocont=$(printf '{"location":"eastus","properties":{"environmentId":"%s","configuration":{"triggerType":"Manual","replicaTimeout":60},"template":{"containers":[]}}}' "$ENV_ID")
expect 400 ContainerAppCreateMustContainContainer "no containers" PUT "$JOBS/empty?api-version=$API" "$nocont"
expect 400 LocationRequired "no location" PUT "$JOBS/noloc?api-version=$API" "$(echo "$good" | sed 's/"location":"eastus",//')"
expect 400 InvalidRequestContent "no replicaTimeout" PUT "$JOBS/nort?api-version=$API" "$(echo "$good" | sed 's/,"replicaTimeout":60//')"
expect 400 InvalidRequestContent "malformed JSON" PUT "$JOBS/badjson?api-version=$API" '{"location":'
expect 400 InvalidRequestContent "body is an array" PUT "$JOBS/badjson?api-version=$API" '[1,2]'
expect 400 InvalidRequestContent "replicaTimeout of the wrong type" PUT "$JOBS/types?api-version=$API" "$(echo "$good" | sed 's/"replicaTimeout":60/"replicaTimeout":"soon"/')"
check "type error names the path" grep -q "properties.configuration.replicaTimeout" "$TMP/body"
expect 400 InvalidRequestContent "containers not an array" PUT "$JOBS/types?api-version=$API" "$(printf '{"location":"eastus","properties":{"environmentId":"%s","configuration":{"triggerType":"Manual","replicaTimeout":60},"template":{"containers":{"name":"a"}}}}' "$ENV_ID")"
req PUT "$JOBS/coerce?api-version=$API" "$(echo "$good" | sed 's/"replicaTimeout":60/"replicaTimeout":"60"/')"
is "$STATUS $(jv "d['properties']['configuration']['replicaTimeout']")" "201 60" "numeric string coerced to an int, as ARM does"
expect 400 ContainerAppJobInvalidTriggerType "unknown trigger type" PUT "$JOBS/trig?api-version=$API" "$(echo "$good" | sed 's/"Manual"/"Sometimes"/')"
expect 400 ContainerAppJobInvalidTriggerConfig "Schedule without cron" PUT "$JOBS/trig?api-version=$API" "$(echo "$good" | sed 's/"Manual"/"Schedule"/')"

tags=$("$PY" -c 'import json;print(json.dumps({"t%d"%i:"v" for i in range(51)}))')
expect 400 InvalidTagCount "51 tags" PUT "$JOBS/tags?api-version=$API" "$(echo "$good" | sed "s/^{/{\"tags\":$tags,/")"
tags=$("$PY" -c 'import json;print(json.dumps({"t%d"%i:"v" for i in range(50)}))')
req PUT "$JOBS/tags?api-version=$API" "$(echo "$good" | sed "s/^{/{\"tags\":$tags,/")"
is "$STATUS" 201 "50 tags accepted"
long=$("$PY" -c 'print("x"*257)')
expect 400 InvalidTagValueLength "tag value of 257 characters" PUT "$JOBS/tags?api-version=$API" "$(echo "$good" | sed "s/^{/{\"tags\":{\"k\":\"$long\"},/")"
long=$("$PY" -c 'print("x"*256)')
req PUT "$JOBS/tags?api-version=$API" "$(echo "$good" | sed "s/^{/{\"tags\":{\"k\":\"$long\"},/")"
is "$STATUS" 200 "tag value of 256 characters accepted"

expect 404 ResourceGroupNotFound "unknown resource group" PUT "/subscriptions/$SUB/resourceGroups/nope/providers/Microsoft.App/jobs/x1?api-version=$API" "$good"
check "ResourceGroupNotFound message" grep -q "Resource group 'nope' could not be found." "$TMP/body"
expect 404 ResourceGroupNotFound "GET in an unknown resource group" GET "/subscriptions/$SUB/resourceGroups/nope/providers/Microsoft.App/jobs/x1?api-version=$API"
expect 404 SubscriptionNotFound "unknown subscription" GET "/subscriptions/99999999-0000-0000-0000-000000000000/resourceGroups/$RG/providers/Microsoft.App/jobs?api-version=$API"
expect 404 ManagedEnvironmentNotFound "unknown environment" PUT "$JOBS/envx?api-version=$API" "$(echo "$good" | sed 's#managedEnvironments/sockerless#managedEnvironments/nope#')"
expect 404 ResourceNotFound "GET unknown job" GET "$JOBS/nosuchjob?api-version=$API"
check "ResourceNotFound message" grep -q "The Resource 'Microsoft.App/jobs/nosuchjob' under resource group '$RG' was not found" "$TMP/body"

sec=$(echo "$good" | sed 's/"command":\["true"\]/"command":["true"],"env":[{"name":"X","secretRef":"missing"}]/')
expect 400 ContainerAppSecretRefNotFound "secretRef to an undefined secret" PUT "$JOBS/sec?api-version=$API" "$sec"
sec=$(echo "$good" | sed 's/"replicaTimeout":60/"replicaTimeout":60,"secrets":[{"name":"Bad_Name","value":"v"}]/')
expect 400 ContainerAppInvalidSecretName "secret name with upper case and _" PUT "$JOBS/sec?api-version=$API" "$sec"

req POST "$JOBS/okname/start?api-version=$API" '{"containers":[{"name":"main","image":"x/y:1","resources":{"cpu":0.25,"memory":"2Gi"}}]}'
is "$STATUS" 404 "start of an unknown job -> 404"
req POST "$JOBS/two/start?api-version=$API" '{"containers":[{"name":"main","image":"x/y:1","resources":{"cpu":0.25,"memory":"2Gi"}}]}'
is "$STATUS $(jv "d['error']['code']")" "400 ContainerAppInvalidResourceTotal" "start override with a bad CPU/memory pair"
req POST "$JOBS/two/start?api-version=$API" '{"containers":"no"}'
is "$STATUS $(jv "d['error']['code']")" "400 InvalidRequestContent" "start override of the wrong type"
req POST "$JOBS/two/start?api-version=$API" '{}'
is "$STATUS" 202 "start with {} -> 202"

req DELETE "$JOBS/okname"
is "$STATUS" 400 "DELETE without api-version -> 400"
req GET "$JOBS/two/notanop?api-version=$API"
is "$STATUS" 404 "unknown sub-resource -> 404"
done_testing
