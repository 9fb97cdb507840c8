#!/bin/bash
# sim-conformance.sh - every official example in tests/azure-sim/fixtures
# is accepted and answered with the example's response shape
# (conformance.py).  As root, executions really run (registry + busybox);
# otherwise the simulator serves the APIs with --no-workloads, checks what
# does not depend on a process having run and reports the rest as skipped.
. "$(dirname "$0")/lib.sh"

FIX=$top_srcdir/tests/azure-sim/fixtures

cat >"$TMP/conf.json" <<EOF
{
  "subscriptions": ["34adfa4f-cedf-4dc0-ba29-b6d1a69ab345", "$SUB"],
  "resourceGroups": [
    {"subscription": "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345", "name": "rg", "location": "East US"}
  ],
  "workspaces": ["$WS"],
  "managedEnvironments": [
    {"subscription": "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345", "resourceGroup": "rg",
     "name": "demokube", "location": "East US", "workspaceCustomerId": "$WS"}
  ],
  "storageAccounts": [
    {"subscription": "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345", "resourceGroup": "rg",
     "name": "demostore"}
  ],
  "lroDelayMs": 300,
  "stopGraceSeconds": 1
}
EOF

workloads=0
image=docker.io/library/busybox:latest
if [ "$(id -u)" -eq 0 ]; then
	registry_start || { ok 1 "registry starts"; done_testing; }
	sim_start $SIM_FAST --config "$TMP/conf.json" --registry-map "docker.io=$REGISTRY_HOST" ||
		{ ok 1 "simulator starts"; done_testing; }
	workloads=1
else
	diag "not root: checking without workloads"
	sim_start $SIM_FAST --config "$TMP/conf.json" --no-workloads || { ok 1 "simulator starts"; done_testing; }
fi
# The examples' AzureFile volumes name storage "storage", which Azure
# requires on the environment before the job (ManagedEnvironmentStorageNotFound).
arm_auth
demo=/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers
req PUT "$demo/Microsoft.Storage/storageAccounts/demostore/fileServices/default/shares/storage?api-version=2023-05-01" '{}'
req POST "$demo/Microsoft.Storage/storageAccounts/demostore/listKeys?api-version=2023-05-01"
req PUT "$demo/Microsoft.App/managedEnvironments/demokube/storages/storage?api-version=$API" \
	"{\"properties\":{\"azureFile\":{\"accountName\":\"demostore\",\"accountKey\":\"$(jv "d['keys'][0]['value']")\",\"shareName\":\"storage\",\"accessMode\":\"ReadWrite\"}}}"
# (conformance.py numbers the TAP lines: a failure here shows in its checks)
[ "$STATUS" = 200 ] || diag "environment storage PUT -> $STATUS: $(cat "$TMP/body")"
AUTH=
"$PY" "$SIM_T_DIR/conformance.py" "$SIM_URL" "$FIX" "$WS" "$image" "$workloads"
rc=$?
sim_stop
exit $rc
