#!/bin/sh
# Cloud faults: one ARM call in five answers 429 (with Retry-After), 503
# or drops the connection, throttling stays on and tokens live 6 s.
# Every `docker run --rm` must still print its output and exit with its
# own code, without a duplicate execution and without a leaked job.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
N=6
aca_begin $((N + 5)) --daemon $ACA_SIM_FAST --token-lifetime 6
docker pull -q busybox >/dev/null 2>&1 || { echo "Bail out! pull failed"; exit 1; }

curl -sf -X POST "$SIM_URL/_sim/faults" -H 'Content-Type: application/json' -d '{
	"path": "/subscriptions/**", "retryAfter": 1, "repeat": true,
	"sequence": [429, "ok", "ok", "ok", "ok", 503, "ok", "ok", "ok", "ok", "drop", "ok", "ok", "ok", "ok"]
}' >/dev/null || { echo "Bail out! fault rule refused"; exit 1; }
curl -sf -X DELETE "$SIM_URL/_sim/stats" >/dev/null

pids=
i=1
while [ $i -le $N ]; do
	( timeout 300 docker run --rm busybox sh -c "echo run-$i; sleep 2; exit $((i + 10))" \
		>"$tmp/out$i" 2>"$tmp/err$i"; echo $? >"$tmp/rc$i" ) &
	pids="$pids $!"
	i=$((i + 1))
done
# Only these: a bare wait would wait for the daemon and the simulator.
wait $pids
i=1
while [ $i -le $N ]; do
	rc=$(cat "$tmp/rc$i")
	out=$(cat "$tmp/out$i")
	[ "$rc" = $((i + 10)) ] && [ "$out" = "run-$i" ] && ok "run $i: its output and exit code $((i + 10))" ||
		not_ok "run $i" "rc=$rc out=$out" "$(cat "$tmp/err$i")"
	i=$((i + 1))
done
faults=$(curl -sf "$SIM_URL/_sim/faults" | "$SDK_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
rules = d if isinstance(d, list) else d.get("value", d.get("rules", []))
print(sum(r.get("injected", 0) for r in rules))')
echo "# faults injected: ${faults:-?}"
[ "${faults:-0}" -ge $N ] && ok "faults were injected ($faults)" || not_ok "no faults injected" "$faults"
starts=$(sim_get /_sim/stats | "$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["statuses"].get("Jobs_Start", {}))')
echo "# Jobs_Start answers: $starts"
curl -sf -X DELETE "$SIM_URL/_sim/faults" >/dev/null
n=$(sim_get /_sim/stats | "$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["statuses"].get("Jobs_Start", {}).get("202", 0))')
[ "$n" -le $N ] && ok "no duplicate execution ($n executions started for $N runs)" || not_ok "duplicates" "$starts"
[ -z "$(docker ps -aq)" ] && ok "every container removed" || not_ok "leftover" "$(docker ps -a)"
wait_for 60 no_jobs && ok "no job leaked" || not_ok "jobs left" "$(sim_jobs)"
tok=$(sim_stat Token)
[ "$tok" -ge 2 ] && ok "tokens were refreshed as they expired ($tok fetched)" || not_ok "token refresh" "$tok"
tap_done
