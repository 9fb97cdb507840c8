#!/bin/sh
# The container lifecycle on the aca backend with the real docker CLI:
# exit codes, stop and kill, restart, rm, --rm, what create refuses, what
# Jobs cannot do, daemon restarts (SIGTERM and kill -9) mid-run, and a
# bad configuration.  The simulator runs with its delays lowered: timing
# is docker-run.sh's business.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
aca_begin 32 --daemon $ACA_SIM_FAST

code_of() { "$@" >/dev/null 2>&1; echo $?; }

[ "$(code_of docker run --rm busybox true)" = 0 ] && ok "exit code 0" || not_ok "exit 0"
[ "$(code_of docker run --rm busybox sh -c 'exit 255')" = 255 ] && ok "exit code 255" || not_ok "exit 255"
c=$(code_of docker run --rm busybox sh -c 'sh -c "kill -TERM \$\$"; exit $?')
[ "$c" = 143 ] && ok "a process killed by SIGTERM: 143" || not_ok "143" "$c"

id=$(docker run -d busybox sleep 300)
st=$(docker inspect -f '{{.State.Status}}' "$id")
[ "$st" = running ] && ok "run -d: running once Azure runs it" || not_ok "running" "$st"
docker ps --format '{{.ID}}' | grep -q "^$(echo "$id" | cut -c1-12)" && ok "docker ps lists it" ||
	not_ok "ps" "$(docker ps)"
docker kill "$id" >/dev/null
c=$(timeout 120 docker wait "$id")
[ "$c" = 137 ] && ok "docker kill: 137" || not_ok "kill" "$c"

# The trap runs as soon as the signal comes (wait is interrupted; a
# foreground sleep would delay it past the grace).  A grace of 15 s for
# this and the slow handler below: 1 s is too short for a shell to run
# its trap on a loaded CI machine (137 instead of 0).
curl -sf -X PUT -H 'Content-Type: application/json' -d '{"stopGraceSeconds": 15}' \
	"$SIM_URL/_sim/settings" >/dev/null
id2=$(docker run -d busybox sh -c 'trap "echo got TERM; exit 0" TERM; echo ready; while :; do sleep 1 & wait $!; done')
wait_for 60 sh -c "docker logs $id2 2>&1 | grep -q ready"
docker stop "$id2" >/dev/null 2>&1
st=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id2")
[ "$st" = "exited 0" ] && ok "docker stop: the process handles SIGTERM and exits 0" || not_ok "stop" "$st"
docker logs "$id2" 2>&1 | grep -q 'got TERM' && ok "the stop signal reached the process" ||
	not_ok "TERM" "$(docker logs "$id2" 2>&1)"

# Azure marks the execution Stopped when it accepts the stop; the
# program's own code comes only when it ends, within the grace period.
id3=$(docker run -d busybox sh -c 'trap "sleep 2; exit 5" TERM; echo ready; while :; do sleep 1 & wait $!; done')
wait_for 60 sh -c "docker logs $id3 2>&1 | grep -q ready"
docker stop "$id3" >/dev/null 2>&1
st=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id3")
[ "$st" = "exited 5" ] && ok "docker stop: a slow SIGTERM handler's own exit code, not a guess" ||
	not_ok "slow stop" "$st"
curl -sf -X PUT -H 'Content-Type: application/json' -d '{"stopGraceSeconds": 1}' \
	"$SIM_URL/_sim/settings" >/dev/null
docker rm -f "$id3" >/dev/null

docker start "$id2" >/dev/null 2>&1
st=$(docker inspect -f '{{.State.Status}}' "$id2")
[ "$st" = running ] && ok "docker start of an exited container runs it again" || not_ok "start again" "$st"
docker restart -t 1 "$id2" >/dev/null 2>&1
st=$(docker inspect -f '{{.State.Status}}' "$id2")
[ "$st" = running ] && ok "docker restart" || not_ok "restart" "$st"
docker rm -f "$id2" >/dev/null 2>&1 && ok "docker rm -f of a running container" || not_ok "rm -f"
docker rm "$id" >/dev/null 2>&1
wait_for 30 no_jobs && ok "no job left behind" || not_ok "jobs left" "$(sim_jobs)"

# A restart policy is the core's: each restart starts a new execution.
s0=$(sim_stat Jobs_Start)
id4=$(docker run -d --restart on-failure:1 busybox sh -c 'echo run; exit 3')
wait_for 120 sh -c "[ \"\$(docker inspect -f '{{.State.Status}} {{.RestartCount}}' $id4)\" = 'exited 1' ]"
st=$(docker inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' "$id4")
[ "$st" = "exited 1 3" ] && ok "--restart on-failure:1: run again once, then exited 3" ||
	not_ok "restart policy" "$st"
n=$(($(sim_stat Jobs_Start) - s0))
[ "$n" = 2 ] && ok "... two executions started ($n)" || not_ok "executions" "$n"
docker rm "$id4" >/dev/null

out=$(docker create --cpus 3 busybox true 2>&1)
case $out in *0.25*2*) ok "create refuses --cpus 3, naming the valid pairs" ;; *) not_ok "cpus" "$out" ;; esac
out=$(docker create -v /tmp:/data busybox true 2>&1)
[ $? -ne 0 ] && ok "create refuses a host bind mount" || not_ok "bind" "$out"
contains "... saying why" "$out" "bind"
[ -z "$(docker ps -aq)" ] && ok "refused creates leave no container" || not_ok "leftover" "$(docker ps -a)"
c=$(code_of docker run --name My_Odd.Name --rm busybox true)
[ "$c" = 0 ] && ok "a Docker name with _ . and capitals runs (job and container names made valid)" ||
	not_ok "odd name" "$c"
c=$(code_of docker run --rm --cpus 1 --memory 2g busybox true)
[ "$c" = 0 ] && ok "--cpus 1 --memory 2g runs" || not_ok "cpus 1" "$c"

id=$(docker run -d busybox sleep 60)
out=$(docker pause "$id" 2>&1)
contains "pause says why Jobs cannot" "$out" "cannot freeze"
out=$(docker exec "$id" true 2>&1)
[ $? -ne 0 ] && ok "exec is refused without the agent" || not_ok "exec" "$out"
docker rm -f "$id" >/dev/null 2>&1
out=$(echo x | docker run -i --rm busybox cat 2>&1)
contains "-i is refused at create with the reason" "$out" "stdin"

# A daemon stopped (SIGTERM) mid-run finds its container again.
# 15 s: an ASan daemon's exit and restart must fit well inside it.
id=$(docker run -d busybox sh -c 'sleep 15; exit 7')
stop_daemon
aca_daemon aca || { echo "Bail out! restart failed"; exit 1; }
st=$(docker inspect -f '{{.State.Status}}' "$id")
[ "$st" = running ] && ok "after a daemon restart the container still runs" || not_ok "recover" "$st"
c=$(timeout 120 docker wait "$id")
[ "$c" = 7 ] && ok "... and its exit code arrives (7)" || not_ok "wait after restart" "$c"
docker rm "$id" >/dev/null

# kill -9 of the daemon mid-run.
id=$(docker run -d busybox sh -c 'sleep 4; exit 9')
kill -9 "$SL_PID"
wait "$SL_PID" 2>/dev/null
SL_PIDS=$(echo "$SL_PIDS" | sed "s/ $SL_PID\b//")
wait_for 60 sh -c "! curl -sf $SIM_URL/_sim/health | grep -q '\"liveReplicas\":[1-9]'"
aca_daemon aca || { echo "Bail out! restart after kill -9 failed"; exit 1; }
c=$(timeout 120 docker wait "$id")
st=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")
[ "$c" = 9 ] && [ "$st" = "exited 9" ] && ok "kill -9 of the daemon: the exit while it was down is found (9)" ||
	not_ok "kill -9 recovery" "wait=$c inspect=$st"
docker rm "$id" >/dev/null
wait_for 30 no_jobs && ok "no job leaked across the restarts" || not_ok "jobs left" "$(sim_jobs)"
stop_daemon

# Bad configuration stops the daemon at start, naming the variable.
out=$(env -u SOCKERLESS_ACA_SUBSCRIPTION_ID timeout 30 "$SOCKERLESSD" -H "unix://$tmp/bad.sock" \
	--data-root "$tmp/bad" --backend=aca --plugin-dir "$top_builddir/backends/aca/.libs" 2>&1)
rc=$?
[ $rc -ne 0 ] && ok "a missing subscription stops the daemon" || not_ok "bad config" "$out"
contains "... naming SOCKERLESS_ACA_SUBSCRIPTION_ID" "$out" "SOCKERLESS_ACA_SUBSCRIPTION_ID"
out=$(SOCKERLESS_ACA_SUBSCRIPTION_ID=not-a-guid timeout 30 "$SOCKERLESSD" -H "unix://$tmp/bad.sock" \
	--data-root "$tmp/bad" --backend=aca --plugin-dir "$top_builddir/backends/aca/.libs" 2>&1)
contains "a malformed subscription is refused" "$out" "SOCKERLESS_ACA_SUBSCRIPTION_ID"
out=$(SOCKERLESS_ACA_ENVIRONMENT=nope timeout 30 "$SOCKERLESSD" -H "unix://$tmp/bad.sock" \
	--data-root "$tmp/bad" --backend=aca --plugin-dir "$top_builddir/backends/aca/.libs" 2>&1)
contains "an environment Azure does not have is refused at start" "$out" "environment 'nope' does not exist"
tap_done
