#!/bin/sh
# azure-live-test.sh - the docker-test scenarios against a real Azure
# subscription (`make azure-live-test`; not part of `make check`).
#
# Runs only when the backend's configuration and an Azure credential are in
# the environment; otherwise it says exactly what is missing and exits 0
# ("not run").  It starts sockerlessd --backend=aca on a private socket and
# data root, runs backends/aca/tests/docker-run.sh in live mode against it,
# and at the end, on failure or interruption too, removes every container
# the run created and deletes every job in the configured resource group
# that carries this run's daemon instance id.  Nothing outside that
# resource group and environment is touched.
#
# Knobs (environment):
#   ACA_LIVE_KEEP=1            keep the scratch directory (daemon log, data root)
#   ACA_LIVE_ALLOW_ENDPOINT=1  run although SOCKERLESS_ENDPOINT_URL (or another
#                              endpoint override) points away from Azure
#   ACA_LIVE_START_TIMEOUT=N   seconds to wait for the daemon (default 120)

# shellcheck disable=SC2317 # cleanup and its helpers run from traps

# Paths: from make's variables when given, else from this script's place
# (top_srcdir) and the current directory (top_builddir: make runs the
# target from the build tree; by hand, run it from there).
script_dir=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$script_dir/../../.." && pwd)}"
if [ -z "$top_builddir" ]; then
	if [ -x "$PWD/sockerlessd" ]; then
		top_builddir=$PWD
	else
		top_builddir=$top_srcdir
	fi
fi
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir

say() { printf 'azure-live-test: %s\n' "$*"; }

# ---------------------------------------------------------------------------
# 1. What is missing?  Collected first, reported together.

missing=""
need() { missing="$missing
  - $*"; }

[ -n "$SOCKERLESS_ACA_SUBSCRIPTION_ID" ] ||
	need "SOCKERLESS_ACA_SUBSCRIPTION_ID (the subscription id, a GUID)"
[ -n "$SOCKERLESS_ACA_RESOURCE_GROUP" ] ||
	need "SOCKERLESS_ACA_RESOURCE_GROUP (the resource group the test may create jobs in)"
[ -n "$SOCKERLESS_ACA_ENVIRONMENT" ] ||
	need "SOCKERLESS_ACA_ENVIRONMENT (the Container Apps environment the jobs run in; named explicitly for a live run)"

# The Azure CLI counts unless the backend was told not to use it.
use_cli=1
case ${SOCKERLESS_ACA_USE_AZURE_CLI:-1} in
0 | false | no | off) use_cli=0 ;;
esac
have_az=0
command -v az >/dev/null 2>&1 && have_az=1
az_logged_in=0
if [ $have_az = 1 ] && az account show -o none >/dev/null 2>&1; then
	az_logged_in=1
fi

# Which credential DefaultAzureCredential's order would pick.
cred=""
if [ -n "$AZURE_TENANT_ID" ] && [ -n "$AZURE_CLIENT_ID" ] &&
	[ -n "$AZURE_CLIENT_SECRET" ]; then
	cred="client secret (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET)"
elif [ -n "$AZURE_TENANT_ID" ] && [ -n "$AZURE_CLIENT_ID" ] &&
	[ -n "$AZURE_CLIENT_CERTIFICATE_PATH" ]; then
	if [ -r "$AZURE_CLIENT_CERTIFICATE_PATH" ]; then
		cred="client certificate (AZURE_CLIENT_CERTIFICATE_PATH)"
	else
		need "AZURE_CLIENT_CERTIFICATE_PATH names $AZURE_CLIENT_CERTIFICATE_PATH, which cannot be read"
	fi
elif [ -n "$AZURE_FEDERATED_TOKEN_FILE" ]; then
	if [ -z "$AZURE_CLIENT_ID" ] || [ -z "$AZURE_TENANT_ID" ]; then
		need "AZURE_CLIENT_ID and AZURE_TENANT_ID (AZURE_FEDERATED_TOKEN_FILE is set; workload identity needs both)"
	elif [ ! -r "$AZURE_FEDERATED_TOKEN_FILE" ]; then
		need "AZURE_FEDERATED_TOKEN_FILE names $AZURE_FEDERATED_TOKEN_FILE, which cannot be read"
	else
		cred="workload identity (AZURE_FEDERATED_TOKEN_FILE)"
	fi
elif [ -n "$IDENTITY_ENDPOINT" ]; then
	if [ -n "$IDENTITY_HEADER" ]; then
		cred="managed identity (IDENTITY_ENDPOINT)"
	else
		need "IDENTITY_HEADER (IDENTITY_ENDPOINT is set; the managed identity endpoint needs its header)"
	fi
fi
# Then IMDS, as DefaultAzureCredential: only an Azure VM (or AKS node) with
# an identity answers.  The token it returns is discarded unread.
if [ -z "$cred" ]; then
	imds=${SOCKERLESS_ACA_IMDS_URL:-http://169.254.169.254}
	if curl -sf -m 3 -o /dev/null -H 'Metadata: true' \
		"$imds/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F" \
		2>/dev/null; then
		cred="managed identity (IMDS at $imds)"
	fi
fi
if [ -z "$cred" ] && [ $use_cli = 1 ] && [ $az_logged_in = 1 ]; then
	cred="Azure CLI (az account get-access-token)"
fi
if [ -z "$cred" ]; then
	hint="an Azure credential, one of:
      AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_CLIENT_SECRET (service principal with a secret)
      AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_CLIENT_CERTIFICATE_PATH (service principal with a certificate)
      AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_FEDERATED_TOKEN_FILE (workload identity)
      IDENTITY_ENDPOINT + IDENTITY_HEADER, or IMDS (managed identity, on Azure)"
	if [ $use_cli = 0 ]; then
		hint="$hint
      (the Azure CLI is switched off by SOCKERLESS_ACA_USE_AZURE_CLI)"
	elif [ $have_az = 1 ]; then
		hint="$hint
      a logged-in Azure CLI ('az login'; 'az account show' fails now)"
	else
		hint="$hint
      a logged-in Azure CLI (az is not installed)"
	fi
	need "$hint"
fi
command -v docker >/dev/null 2>&1 || need "the docker CLI (docker-run.sh drives it)"
command -v curl >/dev/null 2>&1 || need "curl"

if [ -n "$missing" ]; then
	say "not run: missing$missing"
	say "see backends/aca/README.md (Configuration) and examples/terraform for what to create"
	exit 0
fi

# ---------------------------------------------------------------------------
# 2. Refuse to call "live" a run that would go elsewhere than Azure.

case $SOCKERLESS_ACA_SUBSCRIPTION_ID in
00000000-0000-0000-0000-000000000001)
	say "refused: SOCKERLESS_ACA_SUBSCRIPTION_ID is the simulator's seeded subscription"
	say "this is the simulator's configuration; use 'make docker-test' for that"
	exit 1 ;;
esac
elsewhere=""
[ -n "$SOCKERLESS_ENDPOINT_URL" ] &&
	elsewhere="$elsewhere SOCKERLESS_ENDPOINT_URL=$SOCKERLESS_ENDPOINT_URL"
[ -n "$SOCKERLESS_ACA_IMDS_URL" ] &&
	elsewhere="$elsewhere SOCKERLESS_ACA_IMDS_URL=$SOCKERLESS_ACA_IMDS_URL"
case ${AZURE_AUTHORITY_HOST:-https://login.microsoftonline.com} in
https://login.microsoftonline.com | https://login.microsoftonline.com/ | \
https://login.microsoftonline.us | https://login.microsoftonline.us/ | \
https://login.chinacloudapi.cn | https://login.chinacloudapi.cn/) ;;
*) elsewhere="$elsewhere AZURE_AUTHORITY_HOST=$AZURE_AUTHORITY_HOST" ;;
esac
[ "$IDENTITY_HEADER" = sockerless-sim-identity-header ] &&
	elsewhere="$elsewhere IDENTITY_ENDPOINT=$IDENTITY_ENDPOINT (the simulator's identity header)"
if [ -n "$elsewhere" ] && [ "$ACA_LIVE_ALLOW_ENDPOINT" != 1 ]; then
	say "refused: these point away from Azure's public endpoints:$elsewhere"
	say "unset them for a run against Azure, or set ACA_LIVE_ALLOW_ENDPOINT=1 if you mean it"
	exit 1
fi

daemon=$top_builddir/sockerlessd
plugins=$top_builddir/backends/aca/.libs
if [ ! -x "$daemon" ] || [ ! -f "$plugins/aca.so" ]; then
	say "error: $daemon or $plugins/aca.so is not built; run 'make' (or make azure-live-test) in the build directory"
	exit 1
fi

# The job location must be the environment's region; ask Azure when the
# user did not say (a read of the environment only).
if [ -z "$SOCKERLESS_ACA_LOCATION" ] && [ $az_logged_in = 1 ]; then
	loc=$(az resource show --subscription "$SOCKERLESS_ACA_SUBSCRIPTION_ID" \
		-g "$SOCKERLESS_ACA_RESOURCE_GROUP" -n "$SOCKERLESS_ACA_ENVIRONMENT" \
		--resource-type Microsoft.App/managedEnvironments \
		--query location -o tsv 2>/dev/null | tr -d ' \r' | tr '[:upper:]' '[:lower:]')
	if [ -n "$loc" ]; then
		SOCKERLESS_ACA_LOCATION=$loc
		export SOCKERLESS_ACA_LOCATION
	fi
fi

say "subscription $SOCKERLESS_ACA_SUBSCRIPTION_ID, resource group $SOCKERLESS_ACA_RESOURCE_GROUP, environment $SOCKERLESS_ACA_ENVIRONMENT, location ${SOCKERLESS_ACA_LOCATION:-eastus (default)}"
say "credential: $cred"

# ---------------------------------------------------------------------------
# 3. The daemon, on a scratch socket and data root.

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sl-aca-live.XXXXXX") || exit 1
SL_SOCK=$tmp/sockerless.sock
SL_DATA_ROOT=$tmp/data
SL_DAEMON_LOG=$tmp/sockerlessd.log
SL_PID_FILE=$tmp/sockerlessd.pid
export SL_SOCK SL_DATA_ROOT SL_DAEMON_LOG SL_PID_FILE
DOCKER_HOST=unix://$SL_SOCK
export DOCKER_HOST
instance_id=""
jobs_seen=""
status=1

daemon_pid() { cat "$SL_PID_FILE" 2>/dev/null; }
# The cleanup names our daemon explicitly, whatever DOCKER_HOST or a docker
# context says by then: it must never reach another Docker daemon.
ldocker() { docker -H "unix://$SL_SOCK" "$@"; }
daemon_up() { curl -sf -m 5 --unix-socket "$SL_SOCK" http://d/_ping >/dev/null 2>&1; }

find_instance_id() {
	[ -n "$instance_id" ] && return 0
	f=$(find "$SL_DATA_ROOT" -type f -name instance-id 2>/dev/null | head -n 1)
	[ -n "$f" ] && instance_id=$(tr -dc '0-9a-fA-F' <"$f")
	[ -n "$instance_id" ]
}

# Job names the store knows (backend data "job"), from the records under
# the data root: works even when the daemon is gone.
store_jobs() {
	grep -rhoE '"job" *: *"[a-z0-9-]+"' "$SL_DATA_ROOT" 2>/dev/null |
		sed -E 's/.*"([a-z0-9-]+)"$/\1/' | sort -u
}

cleanup() {
	trap - EXIT INT TERM HUP
	find_instance_id
	jobs_seen=$(store_jobs)

	# Every container of this data root was created by this run.
	if daemon_up; then
		ids=$(ldocker ps -aq --no-trunc 2>/dev/null)
		if [ -n "$ids" ]; then
			say "removing the run's containers"
			# shellcheck disable=SC2086
			ldocker rm -f $ids >/dev/null 2>&1 ||
				say "docker rm -f reported an error; the job sweep below catches what is left"
		fi
	fi
	pid=$(daemon_pid)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi

	sweep_jobs

	if [ "$status" -ne 0 ] && [ -f "$SL_DAEMON_LOG" ]; then
		say "daemon log (last 60 lines):"
		tail -n 60 "$SL_DAEMON_LOG" | sed 's/^/# /'
	fi
	if [ "$ACA_LIVE_KEEP" = 1 ]; then
		say "kept $tmp"
	else
		rm -rf "$tmp"
	fi
	exit "$status"
}

# Deletes the jobs in the configured resource group tagged with this run's
# instance id (whatever the tag's name: any tag value equal to the id).
sweep_jobs() {
	if [ -z "$instance_id" ]; then
		if [ -n "$jobs_seen" ]; then
			say "no instance id found; jobs this run recorded (check $SOCKERLESS_ACA_RESOURCE_GROUP for them):"
			# shellcheck disable=SC2086 # one name per line
			printf '    %s\n' $jobs_seen
		fi
		return
	fi
	if [ "$have_az" = 0 ] || [ "$az_logged_in" = 0 ]; then
		say "az is not installed or not logged in: cannot check for leftover jobs."
		say "look in resource group $SOCKERLESS_ACA_RESOURCE_GROUP for jobs with a tag whose value is $instance_id; this run used:"
		# shellcheck disable=SC2086 # one name per line
		printf '    %s\n' ${jobs_seen:-"(none recorded)"}
		return
	fi
	q="[?tags && contains(values(tags), '$instance_id')].[id, provisioningState]"
	if ! left=$(az resource list --subscription "$SOCKERLESS_ACA_SUBSCRIPTION_ID" \
		-g "$SOCKERLESS_ACA_RESOURCE_GROUP" --resource-type Microsoft.App/jobs \
		--query "$q" -o tsv 2>"$tmp/az.err"); then
		say "az resource list failed: $(cat "$tmp/az.err")"
		say "look in resource group $SOCKERLESS_ACA_RESOURCE_GROUP for jobs with a tag whose value is $instance_id"
		status=1
		return
	fi
	left=$(printf '%s\n' "$left" | tr -d '\r' | sed '/^[[:space:]]*$/d')
	if [ -z "$left" ]; then
		say "no job tagged with $instance_id is left in $SOCKERLESS_ACA_RESOURCE_GROUP"
		return
	fi
	rg_lc=$(printf '%s' "$SOCKERLESS_ACA_RESOURCE_GROUP" | tr '[:upper:]' '[:lower:]')
	leaked=0
	printf '%s\n' "$left" | {
		while IFS='	' read -r id state; do
			# Only ids inside the configured resource group, whatever az said.
			case $(printf '%s' "$id" | tr '[:upper:]' '[:lower:]') in
			*/resourcegroups/"$rg_lc"/providers/microsoft.app/jobs/*) ;;
			*) say "skipped $id: not in $SOCKERLESS_ACA_RESOURCE_GROUP"; continue ;;
			esac
			if [ "$state" = Deleting ]; then
				say "job ${id##*/} is being deleted already"
				continue
			fi
			leaked=1
			say "deleting leftover job ${id##*/}"
			az resource delete --ids "$id" -o none 2>"$tmp/az.err" ||
				say "could not delete $id: $(cat "$tmp/az.err")"
		done
		[ "$leaked" = 0 ]
	} && return
	# A job left after 'docker rm -f' is a leak even when it is cleaned up
	# here.
	say "jobs were left after 'docker rm -f' of every container: a leak"
	status=1
}

trap 'status=130; cleanup' INT
trap 'status=143; cleanup' TERM HUP
trap cleanup EXIT

"$daemon" --backend=aca --plugin-dir "$plugins" -H "unix://$SL_SOCK" \
	--data-root "$SL_DATA_ROOT" --log-level info >"$SL_DAEMON_LOG" 2>&1 &
echo $! >"$SL_PID_FILE"

deadline=${ACA_LIVE_START_TIMEOUT:-120}
t0=$(date +%s)
until daemon_up; do
	if ! kill -0 "$(daemon_pid)" 2>/dev/null; then
		say "sockerlessd exited at start (its log follows)"
		exit 1
	fi
	if [ $(($(date +%s) - t0)) -ge "$deadline" ]; then
		say "sockerlessd did not answer /_ping within ${deadline}s"
		exit 1
	fi
	sleep 0.2
done
if find_instance_id; then
	say "daemon instance id $instance_id (the tag on every job of this run)"
else
	say "warning: no instance-id file under $SL_DATA_ROOT yet; the job sweep relies on the store's records"
fi

# ---------------------------------------------------------------------------
# 4. The scenarios, in live mode: no simulator, no local registry, public
# images.

ACA_LIVE=1
export ACA_LIVE
sh "$top_srcdir/backends/aca/tests/docker-run.sh"
status=$?
find_instance_id
if [ $status -eq 0 ]; then
	say "scenarios passed"
else
	say "scenarios failed (exit $status)"
fi
exit "$status"
