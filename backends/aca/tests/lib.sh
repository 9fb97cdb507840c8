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
	# The agent only where a test asks for it (push_agent_image and
	# ACA_AGENT=auto|forward|reverse): the others check Azure's own paths.
	export SOCKERLESS_ACA_AGENT=${ACA_AGENT:-off}
}

# push_agent_image: builds the agent image into the test registry
# (make agent-image) and points the backend's agent-image at it.
push_agent_image() {
	pa_ref=$REGISTRY_HOST/sockerless/agent:latest
	pa_bin=$top_builddir/agent/sockerless-agent
	if LC_ALL=C readelf -l "$pa_bin" 2>/dev/null | grep -q 'program interpreter'; then
		# A sanitizer build links the agent dynamically (ASan cannot
		# link statically); the replicas' images need a static one.
		pa_bin=$tmp/sockerless-agent
		pa_src=$(sed -n '/^agent_sockerless_agent_SOURCES/,/[^\\]$/p' \
			"$top_srcdir/agent/agent.am" | tr ' \\\t' '\n\n\n' | grep '\.c$' |
			sed "s|^|$top_srcdir/|")
		if ! ${CC:-cc} -std=c11 -O2 -static -I"$top_builddir" -I"$top_srcdir/agent" \
			$pa_src -lmbedtls -lmbedx509 -lmbedcrypto -lpthread -o "$pa_bin" >"$tmp/agent-cc.log" 2>&1; then
			echo "Bail out! no static agent for the image:"
			sed 's/^/# /' "$tmp/agent-cc.log"
			exit 1
		fi
	fi
	if ! sh "$top_srcdir/agent/agent-image.sh" "$pa_bin" \
		"$pa_ref" >"$tmp/agent-image.log" 2>&1; then
		echo "Bail out! the agent image was not pushed:"
		sed 's/^/# /' "$tmp/agent-image.log"
		exit 1
	fi
	export SOCKERLESS_ACA_AGENT_IMAGE=$pa_ref
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

# need_docker: bails out when the docker CLI is missing
# (scripts/deps.sh installs it; a missing CLI is a broken setup).
need_docker() {
	command -v docker >/dev/null 2>&1 || { echo "Bail out! no docker CLI (run scripts/deps.sh)"; exit 1; }
}

# aca_begin PLAN [--agent] [--daemon] [SIM_ARGS...]: the start most tests
# share: the docker CLI checked, the plan, the test registry, the agent
# image pushed (--agent), the simulator started with SIM_ARGS, and
# (--daemon) sockerlessd --backend=aca as "aca".  Bails out when a part
# does not come up.
aca_begin() {
	need_docker
	tap_plan "$1"
	shift
	ab_agent=
	ab_daemon=
	while :; do
		case ${1:-} in
		--agent) ab_agent=1 ;;
		--daemon) ab_daemon=1 ;;
		*) break ;;
		esac
		shift
	done
	start_registry
	if [ -n "$ab_agent" ]; then
		push_agent_image
	fi
	sim_up "$@"
	if [ -n "$ab_daemon" ] && ! aca_daemon aca; then
		echo "Bail out! sockerlessd --backend=aca did not start"
		exit 1
	fi
}

# no_jobs: true when the resource group holds no job.
no_jobs() { [ -z "$(sim_jobs 2>/dev/null)" ]; }

# agent_modes CHECKS: runs CHECKS MODE against a forward daemon, then a
# reverse one (its --agent-listen at the simulator's bridge, the only
# address replicas reach), each stopped after its checks, which must be
# clean.  SL_LOG names the current daemon's log; SOCKERLESS_ACA_AGENT_TOKEN
# set by the caller applies to the forward daemon only.
agent_modes() {
	ACA_AGENT=forward aca_daemon fwd ||
		{ echo "Bail out! sockerlessd --backend=aca did not start"; exit 1; }
	SL_LOG=$tmp/fwd/log
	"$1" forward
	stop_daemon && ok "forward: the daemon stops cleanly" ||
		not_ok "forward: daemon stop" "$(tail -20 "$SL_LOG")"
	unset SOCKERLESS_ACA_AGENT_TOKEN
	am_gw=$(sim_get /_sim/replicas | "$SDK_PYTHON" -c \
		'import json,sys; print(json.load(sys.stdin)["network"]["gateway"])')
	[ -n "$am_gw" ] || { echo "Bail out! the simulator reports no bridge gateway"; exit 1; }
	ACA_AGENT=reverse aca_daemon rev --agent-listen "$am_gw:0" ||
		{ echo "Bail out! sockerlessd --backend=aca (reverse) did not start"; exit 1; }
	SL_LOG=$tmp/rev/log
	"$1" reverse
	stop_daemon && ok "reverse: the daemon stops cleanly" ||
		not_ok "reverse: daemon stop" "$(tail -20 "$SL_LOG")"
}
