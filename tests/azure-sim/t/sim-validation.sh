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

# Consumption-only environment: at most 2 vCPU / 4 GiB per replica
# (Microsoft Learn, "Workload profiles in Azure Container Apps").
req PUT "$JOBS/big2?api-version=$API" "$(echo "$good" | sed 's/"cpu":0.25/"cpu":2.0/; s/"memory":"0.5Gi"/"memory":"4Gi"/')"
is "$STATUS" 201 "Consumption-only environment: 2 vCPU / 4Gi accepted"
expect 400 ContainerAppInvalidResourceTotal "Consumption-only environment: 4 vCPU / 8Gi refused" PUT "$JOBS/big4?api-version=$API" "$(echo "$good" | sed 's/"cpu":0.25/"cpu":4.0/; s/"memory":"0.5Gi"/"memory":"8Gi"/')"
is "$(jv "d['error']['message'].endswith('[cpu: 2.0, memory: 4.0Gi]')")" true "its message lists pairs up to 2.0 vCPU"
check "and not 2.25" sh -c "! grep -q 'cpu: 2.25' '$TMP/body'"
expect 400 WorkloadProfileNotFound "workloadProfileName in a Consumption-only environment (choice)" PUT "$JOBS/wp0?api-version=$API" "$(echo "$good" | sed 's/"configuration"/"workloadProfileName":"Consumption","configuration"/')"

# The seeded workload-profile environment (Consumption + Dedicated D4).
WP_ENV=/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.App/managedEnvironments/sockerless-wp
wpjob() {  # wpjob CPU MEM [PROFILE]: a job in the workload-profile environment
	local prof=
	[ -n "${3:-}" ] && prof="\"workloadProfileName\":\"$3\","
	printf '{"location":"East US","properties":{"environmentId":"%s",%s"configuration":{"triggerType":"Manual","replicaTimeout":60},"template":{"containers":[{"name":"main","image":"x/y:1","resources":{"cpu":%s,"memory":"%s"}}]}}}' "$WP_ENV" "$prof" "$1" "$2"
}
req PUT "$JOBS/wp1?api-version=$API" "$(wpjob 4.0 8Gi)"
is "$STATUS" 201 "workload-profile environment: 4 vCPU / 8Gi on the Consumption profile (no name)"
expect 400 ContainerAppInvalidResourceTotal "Consumption profile: 4.25 vCPU / 8.5Gi refused" PUT "$JOBS/wp2?api-version=$API" "$(wpjob 4.25 8.5Gi)"
req PUT "$JOBS/wp3?api-version=$API" "$(wpjob 3.0 12Gi d4)"
is "$STATUS $(jv "d['properties']['workloadProfileName']")" "201 d4" "Dedicated D4: 3 vCPU / 12Gi accepted (no fixed ratio)"
expect 400 ContainerAppInvalidResourceTotal "Dedicated D4: 5 vCPU / 10Gi refused" PUT "$JOBS/wp4?api-version=$API" "$(wpjob 5.0 10Gi d4)"
check "its message names the profile's limits" grep -q "workload profile 'd4' (CPU: 4, memory: 16Gi)" "$TMP/body"
expect 400 WorkloadProfileNotFound "unknown workloadProfileName" PUT "$JOBS/wp5?api-version=$API" "$(wpjob 1.0 2Gi d32)"
check "WorkloadProfileNotFound lists the environment's profiles" grep -q "Available workload profiles: Consumption, d4." "$TMP/body"

# Container names are RFC 1123 labels (Kubernetes' rule; Azure's text from
# microsoft/vscode-azurecontainerapps#19, code from a jobs capture: README).
rfc_msg() {  # rfc_msg FIELD NAME: Azure's message for a bad container name
	printf "The following field(s) are either invalid or missing. Field '%s' is invalid with details: 'Invalid value: \"%s\": Invalid Name: Per RFC 1123 name must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')';." "$1" "$2"
}
expect 400 InvalidParameterValueInContainerTemplate "container name Main_X (Docker style)" PUT "$JOBS/cn?api-version=$API" "$(echo "$good" | sed 's/"name":"main"/"name":"Main_X"/')"
is "$(jv "d['error']['message']")" "$(rfc_msg template.containers Main_X)" "container name error: Azure's message"
expect 400 InvalidParameterValueInContainerTemplate "container name with a dot" PUT "$JOBS/cn?api-version=$API" "$(echo "$good" | sed 's/"name":"main"/"name":"web.1"/')"
expect 400 InvalidParameterValueInContainerTemplate "container name ending in -" PUT "$JOBS/cn?api-version=$API" "$(echo "$good" | sed 's/"name":"main"/"name":"main-"/')"
n64=$("$PY" -c 'print("a"*64)')
n63=$("$PY" -c 'print("a"*63)')
expect 400 InvalidParameterValueInContainerTemplate "container name of 64 characters" PUT "$JOBS/cn?api-version=$API" "$(echo "$good" | sed "s/\"name\":\"main\"/\"name\":\"$n64\"/")"
req PUT "$JOBS/cn?api-version=$API" "$(echo "$good" | sed "s/\"name\":\"main\"/\"name\":\"$n63\"/")"
is "$STATUS" 201 "container name of 63 characters accepted"
initc=$(echo "$good" | sed 's/"containers":\[/"initContainers":[{"name":"Init.Step","image":"x\/y:1"}],"containers":[/')
expect 400 InvalidParameterValueInContainerTemplate "init container name Init.Step" PUT "$JOBS/cn2?api-version=$API" "$initc"
is "$(jv "d['error']['message']")" "$(rfc_msg template.initContainers Init.Step)" "init container name error: Azure's message"

# Locations: either form, case-insensitive; unknown ones refused as ARM does.
expect 400 LocationNotAvailableForResourceType "unknown location" PUT "$JOBS/loc?api-version=$API" "$(echo "$good" | sed 's/"eastus"/"atlantis"/')"
check "LocationNotAvailableForResourceType message" grep -q "The provided location 'atlantis' is not available for resource type 'Microsoft.App/jobs'. List of available regions for the resource type is '.*eastus,eastus2,.*'." "$TMP/body"
expect 400 ManagedEnvironmentLocationMismatch "job in West Europe, environment in East US (choice)" PUT "$JOBS/loc?api-version=$API" "$(echo "$good" | sed 's/"eastus"/"West Europe"/')"
req PUT "$JOBS/loc?api-version=$API" "$(echo "$good" | sed 's/"eastus"/"East US"/')"
is "$STATUS $(jv "d['location']")" "201 East US" "display-name location accepted"
expect 400 LocationNotAvailableForResourceGroup "resource group in an unknown location" PUT "/subscriptions/$SUB/resourcegroups/rgx?api-version=2021-04-01" '{"location":"mars"}'
check "LocationNotAvailableForResourceGroup message" grep -q "The provided location 'mars' is not available for resource group. List of available regions is '" "$TMP/body"
expect 400 LocationNotAvailableForResourceType "environment in an unknown location" PUT "/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.App/managedEnvironments/envx?api-version=$API" '{"location":"mars","properties":{}}'
expect 400 ManagedEnvironmentInvalidWorkloadProfile "environment with an unknown workload profile type" PUT "/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.App/managedEnvironments/envx?api-version=$API" '{"location":"eastus","properties":{"workloadProfiles":[{"name":"big","workloadProfileType":"Z99"}]}}'

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
req POST "$JOBS/two/start?api-version=$API" '{"containers":[{"name":"Main_X","image":"x/y:1","resources":{"cpu":0.25,"memory":"0.5Gi"}}]}'
is "$STATUS $(jv "d['error']['code']")" "400 InvalidParameterValueInContainerTemplate" "start override with a Docker-style container name"
req POST "$JOBS/two/start?api-version=$API" '{"containers":[{"name":"main","image":"x/y:1","resources":{"cpu":4,"memory":"8Gi"}}]}'
is "$STATUS" 400 "start override above a Consumption-only environment's 2 vCPU / 4 GiB"
req POST "$JOBS/two/start?api-version=$API" '{"containers":"no"}'
is "$STATUS $(jv "d['error']['code']")" "400 InvalidRequestContent" "start override of the wrong type"
req POST "$JOBS/two/start?api-version=$API" '{}'
is "$STATUS" 202 "start with {} -> 202"

# A seed in a place that is no Azure region stops the start-up.
printf '{"managedEnvironments":[{"resourceGroup":"rg","name":"e","location":"Atlantis"}]}' >"$TMP/badloc.json"
"$SIM_BIN" --listen 127.0.0.1:0 --no-workloads --config "$TMP/badloc.json" >"$TMP/badloc.out" 2>&1
is "$?" 2 "a seeded environment in an unknown location: start-up fails (exit 2)"
check "and says why" grep -q "managed environment 'e': 'Atlantis' is not an Azure region" "$TMP/badloc.out"

req DELETE "$JOBS/okname"
is "$STATUS" 400 "DELETE without api-version -> 400"
req GET "$JOBS/two/notanop?api-version=$API"
is "$STATUS" 404 "unknown sub-resource -> 404"
done_testing
