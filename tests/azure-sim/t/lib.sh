# tests/azure-sim/t/lib.sh - shared helpers for the simulator's TAP shell
# tests (sourced, bash). Each test starts its own simulator (and registry
# when it runs executions) on free loopback ports; the EXIT trap stops
# them and removes the scratch directory.
#
# Needs curl and python3 (JSON assertions); executions also need root and
# the registry tools of tests/azure-sim/testenv/registry-up.sh.

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SIM_BIN=${SIM_BIN:-$top_builddir/tests/azure-sim/sockerless-azure-sim}
SIM_T_DIR=$top_srcdir/tests/azure-sim/t
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

SUB=00000000-0000-0000-0000-000000000001
TENANT=00000000-0000-0000-0000-0000000000aa
WS=00000000-0000-0000-0000-0000000000ee
RG=sockerless-rg
ENV_ID=/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.App/managedEnvironments/sockerless
API=2025-07-01
PREVIEW=2025-10-02-preview

TMP=$(mktemp -d "${TMPDIR:-/tmp}/azsim-t.XXXXXX")
SIM_PID=
SIM_PORT=
SIM_URL=
REG_UP=
TAP_N=0
TAP_FAIL=0
AUTH=

cleanup() {
	sim_stop >/dev/null 2>&1
	if [ -n "$REG_UP" ]; then
		sh "$top_srcdir/tests/azure-sim/testenv/registry-down.sh" "$TMP/reg" >/dev/null 2>&1
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- TAP ----------------------------------------------------------------
ok() {  # ok CONDITION-EXIT-STATUS DESCRIPTION
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAIL=$((TAP_FAIL + 1))
	fi
}
check() {  # check DESCRIPTION COMMAND...
	local d=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$d"
}
is() {  # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}
skip() {  # skip DESCRIPTION REASON: a check that cannot run here
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAIL" -eq 0 ]
	exit $?
}
diag() { echo "# $*"; }

# ---- simulator and registry ---------------------------------------------
# The simulator's defaults are Azure's realistic ones (ingestion delay,
# scheduling, throttling, grace periods); a test that needs speed passes
# $SIM_FAST to sim_start, which lowers each of them explicitly. Only the
# tests that check realistic timing start without it. One option per line.
SIM_FAST="--ingestion-delay-ms 0"
SIM_FAST="$SIM_FAST --lro-delay-ms 0"
SIM_FAST="$SIM_FAST --schedule-delay-ms 0"
SIM_FAST="$SIM_FAST --stop-grace 1"

sim_start() {  # sim_start [EXTRA-ARGS...]; sets SIM_PORT, SIM_URL, SIM_PID
	rm -f "$TMP/port"
	"$SIM_BIN" --listen 127.0.0.1:0 --port-file "$TMP/port" \
		--state-dir "$TMP/state" "$@" >"$TMP/sim.log" 2>&1 &
	SIM_PID=$!
	local i=0
	while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$TMP/port" ]; then
		diag "simulator did not start:"
		sed 's/^/#   /' "$TMP/sim.log"
		SIM_PID=
		return 1
	fi
	SIM_PORT=$(cat "$TMP/port")
	SIM_URL=http://127.0.0.1:$SIM_PORT
	return 0
}
sim_stop() {  # SIGTERM, wait up to 20 s; returns the simulator's exit status
	[ -n "$SIM_PID" ] || return 0
	local pid=$SIM_PID rc
	SIM_PID=
	kill -TERM "$pid" 2>/dev/null
	local i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 99
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	# SIM_LOG_COPY=FILE keeps the simulator's stderr (e.g. sanitizer runs).
	[ -n "${SIM_LOG_COPY:-}" ] && cat "$TMP/sim.log" >>"$SIM_LOG_COPY"
	return $rc
}
registry_start() {  # sets REGISTRY_HOST
	sh "$top_srcdir/tests/azure-sim/testenv/registry-up.sh" "$TMP/reg" >"$TMP/reg.log" 2>&1 || {
		diag "registry-up.sh failed:"
		sed 's/^/#   /' "$TMP/reg.log"
		return 1
	}
	REG_UP=1
	. "$TMP/reg/env"
	return 0
}
need_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "executions need root (namespaces)"
}

# ---- HTTP -----------------------------------------------------------------
# req METHOD PATH [BODY] [CURL-ARGS...]: status in $STATUS, body in
# $TMP/body, headers in $TMP/hdr. Sends "Authorization: $AUTH" when set.
req() {
	local m=$1 p=$2 body=${3-}
	shift 2
	[ $# -gt 0 ] && shift
	local args=(-s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' -X "$m")
	[ -n "$AUTH" ] && args+=(-H "Authorization: $AUTH")
	if [ -n "$body" ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	STATUS=$(curl "${args[@]}" "$@" "$SIM_URL$p")
}
# jv EXPR: evaluate a Python expression over the last body (d).
jv() {
	"$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
v=eval(sys.argv[2])
print(v if isinstance(v,str) else json.dumps(v))' "$TMP/body" "$1" 2>/dev/null
}
# jf FILE EXPR: same over a file.
jf() {
	"$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
v=eval(sys.argv[2])
print(v if isinstance(v,str) else json.dumps(v))' "$1" "$2" 2>/dev/null
}
# answers PATH STATUS: GET PATH answers STATUS (for wait_until; the
# answer stays in $STATUS and $TMP/body).
answers() {
	req GET "$1"
	[ "$STATUS" = "$2" ]
}
hdr() {  # hdr NAME: value of a response header of the last req
	tr -d '\r' <"$TMP/hdr" | awk -v n="$1" 'tolower($0) ~ "^"tolower(n)":" {sub(/^[^:]*: */,""); v=$0} END{print v}'
}
token() {  # token AUDIENCE-SCOPE -> access token on stdout
	curl -s -X POST \
		--data-urlencode grant_type=client_credentials \
		--data-urlencode client_id=test-client \
		--data-urlencode client_secret=test-secret \
		--data-urlencode "scope=$1" \
		"$SIM_URL/$TENANT/oauth2/v2.0/token" |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
arm_auth() { AUTH="Bearer $(token https://management.azure.com/.default)"; }
la_token() { token https://api.loganalytics.io/.default; }

JOBS=/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.App/jobs

# job_body NAME-IGNORED IMAGE COMMAND-JSON [EXTRA-CONFIG-JSON]: a minimal
# valid job (0.25 vCPU / 0.5Gi).
job_body() {
	local image=$1 cmd=$2 cfgx=${3:-}
	printf '{"location":"eastus","properties":{"environmentId":"%s","configuration":{"triggerType":"Manual","replicaTimeout":60%s},"template":{"containers":[{"name":"main","image":"%s","command":%s,"resources":{"cpu":0.25,"memory":"0.5Gi"}}]}}}' \
		"$ENV_ID" "$cfgx" "$image" "$cmd"
}

# wait_until TIMEOUT-S DESCRIPTION COMMAND...: poll every 0.2 s.
wait_until() {
	local t=$1 d=$2 i=0
	shift 2
	while [ $i -lt $((t * 5)) ]; do
		"$@" >/dev/null 2>&1 && { ok 0 "$d"; return 0; }
		sleep 0.2
		i=$((i + 1))
	done
	ok 1 "$d (timed out after ${t}s)"
	return 1
}

# la_query KQL: POST a Log Analytics query; body in $TMP/body.
la_query() {
	local q
	q=$("$PY" -c 'import json,sys; print(json.dumps({"query":sys.argv[1]}))' "$1")
	local save=$AUTH
	AUTH="Bearer $LA_TOKEN"
	req POST "/v1/workspaces/$WS/query" "$q"
	AUTH=$save
}
