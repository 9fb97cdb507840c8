# backends/aca/tests/lib.sh - helpers for the ACA backend's end-to-end
# tests: the test registry, the Azure simulator and sockerlessd
# --backend=aca wired together, driven with the real docker CLI.
#
# Sourced after tests/lib.sh (TAP helpers, start_daemon, start_registry).

SIM_BIN=$top_builddir/tests/azure-sim/sockerless-azure-sim
ACA_SUB=00000000-0000-0000-0000-000000000001
ACA_TENANT=00000000-0000-0000-0000-0000000000aa
ACA_RG=sockerless-rg
SIM_PID=
SIM_URL=

# The simulator's speed-ups, for tests that do not check realistic
# timing (see tests/azure-sim/t/lib.sh): each lowers one default.
ACA_SIM_FAST="--ingestion-delay-ms 0 --lro-delay-ms 0 --schedule-delay-ms 0 --stop-grace 1"

# sim_up [ARGS...]: starts the simulator on a free port, its docker.io
# mapped to the test registry; sets SIM_URL and SIM_PID.
sim_up() {
	rm -f "$tmp/sim.port"
	"$SIM_BIN" --listen 127.0.0.1:0 --port-file "$tmp/sim.port" \
		--state-dir "$tmp/sim-state" --registry-map "docker.io=$REGISTRY_HOST" \
		"$@" >"$tmp/sim.log" 2>&1 &
	SIM_PID=$!
	SL_PIDS="$SL_PIDS $SIM_PID"
	i=0
	while [ ! -s "$tmp/sim.port" ]; do
		i=$((i + 1))
		if [ $i -gt 150 ] || ! kill -0 "$SIM_PID" 2>/dev/null; then
			echo "Bail out! the simulator did not start"
			sed 's/^/# /' "$tmp/sim.log"
			exit 1
		fi
		sleep 0.1
	done
	SIM_URL="http://127.0.0.1:$(cat "$tmp/sim.port")"
}

# aca_env: the backend's configuration for the simulator, exported.
aca_env() {
	export SOCKERLESS_ENDPOINT_URL="$SIM_URL"
	export SOCKERLESS_ACA_SUBSCRIPTION_ID=$ACA_SUB
	export SOCKERLESS_ACA_RESOURCE_GROUP=$ACA_RG
	export SOCKERLESS_ACA_ENVIRONMENT=${ACA_ENVIRONMENT:-sockerless}
	export AZURE_TENANT_ID=$ACA_TENANT
	export AZURE_CLIENT_ID=sockerless-tests
	export AZURE_CLIENT_SECRET=sockerless-tests-secret
}

# aca_daemon NAME [ARGS...]: sockerlessd --backend=aca against the
# simulator, with the test registry as its Docker Hub mirror.
aca_daemon() {
	n=$1
	shift
	aca_env
	# ACA_DAEMON_ARGS: extra flags for a post-mortem (--log-level debug).
	start_daemon "$n" --backend=aca --plugin-dir "$top_builddir/backends/aca/.libs" \
		${ACA_DAEMON_ARGS:-} "$@"
}

# sim_get PATH: GET an admin path of the simulator.
sim_get() { curl -sf "$SIM_URL$1"; }

# sim_stat OP: how many calls of operation OP the simulator served.
sim_stat() {
	sim_get /_sim/stats | "$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["operations"].get(sys.argv[1], 0))' "$1"
}

# sim_jobs: the names of the jobs in the resource group, one per line.
sim_jobs() {
	tok=$(curl -sf -X POST "$SIM_URL/$ACA_TENANT/oauth2/v2.0/token" \
		-d grant_type=client_credentials -d client_id=t -d client_secret=t \
		--data-urlencode scope=https://management.azure.com/.default |
		"$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
	curl -sf -H "Authorization: Bearer $tok" \
		"$SIM_URL/subscriptions/$ACA_SUB/resourceGroups/$ACA_RG/providers/Microsoft.App/jobs?api-version=2025-07-01" |
		"$SDK_PYTHON" -c 'import json,sys; [print(j["name"]) for j in json.load(sys.stdin)["value"]]'
}

# wait_for TIMEOUT-S COMMAND...: polls every 0.2 s until the command
# succeeds; fails after the deadline.
wait_for() {
	wf_t=$1
	shift
	wf_i=0
	while [ $wf_i -lt $((wf_t * 5)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		wf_i=$((wf_i + 1))
	done
	return 1
}

# need_docker N: bails out of a plan of N when the CLI is missing
# (scripts/deps.sh installs it; a missing CLI is a broken setup).
need_docker() {
	command -v docker >/dev/null 2>&1 || { echo "Bail out! no docker CLI (run scripts/deps.sh)"; exit 1; }
}

# no_jobs: true when the resource group holds no job.
no_jobs() { [ -z "$(sim_jobs 2>/dev/null)" ]; }
