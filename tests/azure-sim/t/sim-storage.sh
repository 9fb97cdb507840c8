#!/bin/bash
# sim-storage.sh - named volumes as Azure Files (root): the seeded storage
# account's listKeys (storage.json StorageAccounts_ListKeys), file shares
# PUT/GET/DELETE (file.json FileShares_*), the environment's storages
# (ManagedEnvironmentsStorages.json; the key is write-only), a job's
# AzureFile volume refused when the environment has no such storage
# (ManagedEnvironmentStorageNotFound, as Azure answers: README), and
# replicas sharing the share's files: one execution writes, another job's
# execution reads them back; a ReadOnly storage refuses writes.
. "$(dirname "$0")/lib.sh"
need_root

registry_start || { ok 1 "registry starts"; done_testing; }
sim_start $SIM_FAST --registry-map "docker.io=$REGISTRY_HOST" ||
	{ ok 1 "simulator starts with workloads"; done_testing; }
ok 0 "simulator and registry started"
arm_auth
LA_TOKEN=$(la_token)
BB=docker.io/library/busybox:latest
SAPI=2023-05-01
ACCT=/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.Storage/storageAccounts/sockerlessstore
SHARES=$ACCT/fileServices/default/shares
STORES=$ENV_ID/storages

# ---- Microsoft.Storage ----
req POST "$ACCT/listKeys?api-version=$SAPI"
is "$STATUS" 200 "listKeys -> 200"
is "$(jv "[k['keyName'] for k in d['keys']]")" '["key1", "key2"]' "two keys, key1 and key2"
is "$(jv "[k['permissions'] for k in d['keys']]")" '["FULL", "FULL"]' "both FULL"
KEY=$(jv "d['keys'][0]['value']")
KEY2=$(jv "d['keys'][1]['value']")
is "${#KEY}" 88 "a key is 64 bytes in base64 (88 characters)"
check "the two keys differ" test "$KEY" != "$KEY2"
req POST "$ACCT/listKeys?api-version=2099-01-01"
is "$STATUS" 400 "an unknown Microsoft.Storage api-version -> 400"
req POST "${ACCT}x/listKeys?api-version=$SAPI"
is "$STATUS" 404 "listKeys of an unknown account -> 404"
is "$(jv "d['error']['code']")" ResourceNotFound "code ResourceNotFound"

req PUT "$SHARES/data1?api-version=$SAPI" '{"properties":{"shareQuota":10}}'
is "$STATUS" 201 "share PUT -> 201 created"
is "$(jv "d['type']")" Microsoft.Storage/storageAccounts/fileServices/shares "share type"
is "$(jv "d['properties']['shareQuota']")" 10 "shareQuota as sent"
check "the share is a directory under the state dir" test -d "$TMP/state/shares/sockerlessstore/data1"
req PUT "$SHARES/data1?api-version=$SAPI" '{"properties":{"shareQuota":20}}'
is "$STATUS" 200 "share PUT again -> 200"
req GET "$SHARES/data1?api-version=$SAPI"
is "$STATUS" 200 "share GET -> 200"
is "$(jv "d['properties']['shareQuota']")" 20 "GET shows the updated quota"
req GET "$SHARES/nosuch?api-version=$SAPI"
is "$STATUS" 404 "unknown share GET -> 404"
is "$(jv "d['error']['code']")" ShareNotFound "code ShareNotFound"
for bad in ab Data1 a--b -ab ab-; do
	req PUT "$SHARES/$bad?api-version=$SAPI" '{}'
	is "$STATUS" 400 "share name '$bad' refused"
done
req PUT "$SHARES/gone1?api-version=$SAPI" '{}'
touch "$TMP/state/shares/sockerlessstore/gone1/f"
req DELETE "$SHARES/gone1?api-version=$SAPI"
is "$STATUS" 200 "share DELETE -> 200"
check "its directory is removed with its files" test ! -e "$TMP/state/shares/sockerlessstore/gone1"
req DELETE "$SHARES/gone1?api-version=$SAPI"
is "$STATUS" 204 "DELETE of an absent share -> 204"

# ---- environment storages ----
sbody() {  # sbody KEY SHARE MODE
	printf '{"properties":{"azureFile":{"accountName":"sockerlessstore","accountKey":"%s","shareName":"%s","accessMode":"%s"}}}' "$1" "$2" "$3"
}
req PUT "$STORES/data1?api-version=$API" "$(sbody "${KEY2}x" data1 ReadWrite)"
is "$STATUS" 400 "storage with a wrong key -> 400 (choice, README)"
req PUT "$STORES/data1?api-version=$API" "$(sbody "$KEY2" nosuch ReadWrite)"
is "$STATUS" 400 "storage naming a missing share -> 400"
req PUT "$STORES/data1?api-version=$API" "$(sbody "$KEY2" data1 ReadWrite)"
is "$STATUS" 200 "storage with key2 -> 200 (the spec's only success status)"
check "the key is not returned" sh -c "! grep -q accountKey '$TMP/body'"
req GET "$STORES/data1?api-version=$API"
is "$STATUS" 200 "storage GET -> 200"
is "$(jv "d['properties']['azureFile']")" '{"accountName": "sockerlessstore", "shareName": "data1", "accessMode": "ReadWrite"}' "GET shows account, share and mode, no key"
is "$(jv "d['type']")" Microsoft.App/managedEnvironments/storages "storage type"
req PUT "$STORES/data1ro?api-version=$API" "$(sbody "$KEY" data1 ReadOnly)"
is "$STATUS" 200 "a ReadOnly storage of the same share -> 200"
req GET "$STORES?api-version=$API"
is "$(jv "[s['name'] for s in d['value']]")" '["data1", "data1ro"]' "list names both"
req GET "$STORES/nosuch?api-version=$API"
is "$STATUS" 404 "unknown storage GET -> 404"

# ---- jobs mounting the share ----
vjob() {  # vjob STORAGE CMD-JSON -> job body with volume v at /data
	job_body $BB "$2" | "$PY" -c 'import json,sys
j=json.load(sys.stdin); t=j["properties"]["template"]
t["volumes"]=[{"name":"v","storageType":"AzureFile","storageName":sys.argv[1]}]
t["containers"][0]["volumeMounts"]=[{"volumeName":"v","mountPath":"/data"}]
print(json.dumps(j))' "$1"
}
req PUT "$JOBS/vbad?api-version=$API" "$(vjob nosuch '["true"]')"
is "$STATUS" 400 "job naming an unknown storage -> 400"
is "$(jv "d['error']['code']")" ManagedEnvironmentStorageNotFound "code ManagedEnvironmentStorageNotFound"

status_of() {
	req GET "$JOBS/$1/executions/$2?api-version=$PREVIEW"
	jv "d['properties']['status']"
}
is_status() { [ "$(status_of "$1" "$2")" = "$3" ]; }
run_job() {  # run_job JOB STORAGE CMD-JSON WANT-STATUS -> $EX
	req PUT "$JOBS/$1?api-version=$API" "$(vjob "$2" "$3")"
	is "$STATUS" 201 "PUT job $1 -> 201"
	wait_until 10 "job $1 provisioned" sh -c "curl -s -H 'Authorization: $AUTH' '$SIM_URL$JOBS/$1?api-version=$API' | grep -q '\"provisioningState\":\"Succeeded\"'"
	req POST "$JOBS/$1/start?api-version=$API"
	EX=$(jv "d['name']")
	wait_until 60 "execution of $1 $4" is_status "$1" "$EX" "$4"
}
run_job writer data1 '["/bin/sh","-c","echo hello-from-writer > /data/msg"]' Succeeded
check "the file is in the share's directory" grep -qx hello-from-writer "$TMP/state/shares/sockerlessstore/data1/msg"
req PATCH "$JOBS/writer?api-version=$API" '{"properties":{"template":{"volumes":[{"name":"v","storageType":"AzureFile","storageName":"nosuch"}]}}}'
is "$STATUS" 400 "PATCH to an unknown storage -> 400"
is "$(jv "d['error']['code']")" ManagedEnvironmentStorageNotFound "PATCH: code ManagedEnvironmentStorageNotFound"
run_job reader data1 '["/bin/sh","-c","cat /data/msg; grep -qx hello-from-writer /data/msg"]' Succeeded
la_query "ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'reader' | project Log_s"
is "$(jv "d['tables'][0]['rows'][0][0]")" hello-from-writer "another job's execution reads it back (console log)"
run_job rotry data1ro '["/bin/sh","-c","cat /data/msg && ! touch /data/new"]' Succeeded
check "a ReadOnly mount refused the write" test ! -e "$TMP/state/shares/sockerlessstore/data1/new"

req DELETE "$STORES/data1?api-version=$API"
is "$STATUS" 409 "DELETE of a storage a job mounts -> 409 (choice, README)"
req DELETE "$JOBS/writer?api-version=$API"
req DELETE "$JOBS/reader?api-version=$API"
wait_until 20 "jobs using data1 are gone" sh -c "curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: $AUTH' '$SIM_URL$JOBS/reader?api-version=$API' | grep -qx 404"
wait_until 20 "storage DELETE -> 200 once no job mounts it" sh -c "curl -s -o /dev/null -w '%{http_code}' -X DELETE -H 'Authorization: $AUTH' '$SIM_URL$STORES/data1?api-version=$API' | grep -qx 200"
req DELETE "$STORES/data1?api-version=$API"
is "$STATUS" 204 "DELETE of an absent storage -> 204"

req GET /_sim/stats
is "$(jv "d['operations']['FileShares_Create']")" 8 "stats: eight FileShares_Create"
is "$(jv "d['statuses']['FileShares_Create']['400']")" 5 "stats: five of them refused"
is "$(jv "d['statuses']['ManagedEnvironmentsStorages_CreateOrUpdate']['200']")" 2 "stats: two storages written"
is "$(jv "d['operations']['StorageAccounts_ListKeys']")" 3 "stats: three StorageAccounts_ListKeys"

# Fault rules match the new operation names.
req POST /_sim/faults '{"op":"StorageAccounts_ListKeys","status":503,"times":1}'
req POST "$ACCT/listKeys?api-version=$SAPI"
is "$STATUS" 503 "a fault rule on StorageAccounts_ListKeys answers 503"
req POST "$ACCT/listKeys?api-version=$SAPI"
is "$STATUS" 200 "then listKeys answers again"
is "$(jv "d['keys'][0]['value']")" "$KEY" "keys are stable for the simulator's life"

sim_stop
is "$?" 0 "simulator exits 0"

# Seeds: --storage-account adds an account next to the default one.
sim_start --no-workloads --storage-account "$SUB/$RG/otherstore" ||
	{ ok 1 "simulator starts with --storage-account"; done_testing; }
arm_auth
req POST "/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.Storage/storageAccounts/otherstore/listKeys?api-version=$SAPI"
is "$STATUS" 200 "--storage-account: its listKeys -> 200"
req POST "$ACCT/listKeys?api-version=$SAPI"
is "$STATUS" 200 "the seeded account is still there"
sim_stop
"$SIM_BIN" --listen 127.0.0.1:0 --storage-account "$SUB/$RG/Bad_Name" >/dev/null 2>&1
is "$?" 2 "--storage-account with a bad name is refused"
done_testing
