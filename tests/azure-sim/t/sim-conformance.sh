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
"$PY" "$SIM_T_DIR/conformance.py" "$SIM_URL" "$FIX" "$WS" "$image" "$workloads"
rc=$?
sim_stop
exit $rc
