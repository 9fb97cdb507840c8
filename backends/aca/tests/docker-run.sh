#!/bin/sh
# The real docker CLI against sockerlessd --backend=aca and the Azure
# simulator on its realistic defaults (30 s Log Analytics ingestion, a
# 4 s scheduling delay, long-running operations, throttling on): what a
# user sees on Azure.  `docker logs` right after the exit must be complete
# although Log Analytics has ingested nothing yet.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
need_docker
tap_plan 14
if [ "${ACA_LIVE:-}" = 1 ]; then
	# make azure-live-test: a daemon on a real subscription is already up
	# (SL_SOCK, DOCKER_HOST); what reads the simulator is skipped.
	SIM_URL=
else
	start_registry
	sim_up
	aca_daemon aca || { echo "Bail out! sockerlessd --backend=aca did not start"; exit 1; }
fi
# sim_only DESCRIPTION COMMAND...: a check that reads the simulator.
sim_only() {
	so_d=$1
	shift
	if [ -z "$SIM_URL" ]; then skip "$so_d" "live run: no simulator to read"; return; fi
	if "$@"; then ok "$so_d"; else not_ok "$so_d" "$(sim_get /_sim/stats 2>/dev/null)"; fi
}

docker run --rm busybox sh -c 'echo hello from Azure Container Apps; echo to stderr >&2; exit 3' \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 3 ] && ok "docker run exits with the container's code (3)" || not_ok "exit code" "rc=$rc" "$(cat "$tmp/err")"
[ "$(cat "$tmp/out")" = "hello from Azure Container Apps" ] && ok "stdout shown live" ||
	not_ok "stdout" "$(cat "$tmp/out")"
grep -qx 'to stderr' "$tmp/err" && ok "stderr kept apart" || not_ok "stderr" "$(cat "$tmp/err")"
[ -z "$(docker ps -aq)" ] && ok "--rm removed the container" || not_ok "--rm" "$(docker ps -a)"
sim_only "--rm deleted the job in Azure" wait_for 30 no_jobs

[ -z "$SIM_URL" ] || curl -sf -X DELETE "$SIM_URL/_sim/stats" >/dev/null
id=$(docker run -d busybox sh -c 'echo one; echo err-one >&2; sleep 2; echo two')
[ -n "$id" ] && ok "docker run -d prints the id" || not_ok "run -d"
out=$(timeout 120 docker logs -f "$id" 2>/dev/null)
[ "$out" = "one
two" ] && ok "docker logs -f follows to the end" || not_ok "logs -f" "$out"
code=$(timeout 120 docker wait "$id")
[ "$code" = 0 ] && ok "docker wait reports 0" || not_ok "wait" "$code"
out=$(docker logs "$id" 2>"$tmp/err")
[ "$out" = "one
two" ] && [ "$(cat "$tmp/err")" = "err-one" ] &&
	ok "docker logs right after the exit is complete (before Log Analytics ingested it)" ||
	not_ok "logs after exit" "out=$out" "err=$(cat "$tmp/err")"
st=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")
[ "$st" = "exited 0" ] && ok "inspect: exited 0" || not_ok "inspect" "$st"
no_listing() {
	lists=$(sim_stat Jobs_ListByResourceGroup)
	docker ps -a >/dev/null
	docker inspect "$id" >/dev/null
	docker wait "$id" >/dev/null
	[ "$(sim_stat Jobs_ListByResourceGroup)" = "$lists" ] && [ "$(sim_stat Jobs_ListBySubscription)" = 0 ]
}
sim_only "ps, inspect and wait never list the resource group" no_listing
few_calls() {
	arm=$(sim_get /_sim/stats | "$SDK_PYTHON" -c '
import json, sys
ops = json.load(sys.stdin)["operations"]
print(sum(n for op, n in ops.items() if op not in ("Token", "LogStream", "LogAnalytics_Query")))')
	echo "# ARM calls for run -d + logs -f + wait (2 s of runtime): $arm"
	[ "$arm" -le 20 ]
}
sim_only "a short run costs few ARM calls" few_calls
docker rm "$id" >/dev/null && ok "docker rm" || not_ok "rm"
sim_only "docker rm deleted the job" wait_for 30 no_jobs
tap_done
