#!/bin/sh
# The real docker CLI against sockerlessd --backend=aca and the Azure
# simulator on its realistic defaults (30 s Log Analytics ingestion, a
# 4 s scheduling delay, long-running operations, throttling on): what a
# user sees on Azure.  `docker logs` right after the exit must be complete
# although Log Analytics has ingested nothing yet.
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
need_docker
tap_plan 14
start_registry
sim_up
aca_daemon aca || { echo "Bail out! sockerlessd --backend=aca did not start"; exit 1; }

docker run --rm busybox sh -c 'echo hello from Azure Container Apps; echo to stderr >&2; exit 3' \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 3 ] && ok "docker run exits with the container's code (3)" || not_ok "exit code" "rc=$rc" "$(cat "$tmp/err")"
[ "$(cat "$tmp/out")" = "hello from Azure Container Apps" ] && ok "stdout shown live" ||
	not_ok "stdout" "$(cat "$tmp/out")"
grep -qx 'to stderr' "$tmp/err" && ok "stderr kept apart" || not_ok "stderr" "$(cat "$tmp/err")"
[ -z "$(docker ps -aq)" ] && ok "--rm removed the container" || not_ok "--rm" "$(docker ps -a)"
wait_for 30 no_jobs
jobs=$(sim_jobs)
[ -z "$jobs" ] && ok "--rm deleted the job in Azure" || not_ok "job left behind" "$jobs"

curl -sf -X DELETE "$SIM_URL/_sim/stats" >/dev/null
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
lists=$(sim_stat Jobs_ListByResourceGroup)
docker ps -a >/dev/null
docker inspect "$id" >/dev/null
docker wait "$id" >/dev/null
[ "$(sim_stat Jobs_ListByResourceGroup)" = "$lists" ] && [ "$(sim_stat Jobs_ListBySubscription)" = 0 ] &&
	ok "ps, inspect and wait never list the resource group" || not_ok "listing" "$(sim_get /_sim/stats)"
arm=$(sim_get /_sim/stats | "$SDK_PYTHON" -c '
import json, sys
ops = json.load(sys.stdin)["operations"]
print(sum(n for op, n in ops.items() if op not in ("Token", "LogStream", "LogAnalytics_Query")))')
echo "# ARM calls for run -d + logs -f + wait (2 s of runtime): $arm"
[ "$arm" -le 20 ] && ok "a short run costs few ARM calls ($arm)" || not_ok "ARM calls" "$(sim_get /_sim/stats)"
docker rm "$id" >/dev/null && ok "docker rm" || not_ok "rm"
wait_for 30 no_jobs
jobs=$(sim_jobs)
[ -z "$jobs" ] && ok "docker rm deleted the job" || not_ok "job left behind" "$jobs"
tap_done
