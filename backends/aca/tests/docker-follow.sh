#!/bin/sh
# `docker logs -f` on the aca backend ends as dockerd's does: once the
# container has stopped, with the exit already recorded, so `docker
# inspect` says exited and `docker rm` (without -f) succeeds at once.
# The log stream closes before the poller sees the execution end; the
# host holds the end of the answer until the exit report arrives.  Runs
# of several lengths meet the poller at different backoff steps.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
aca_begin 16 --daemon $ACA_SIM_FAST

# follow_then_rm SLEEP CODE: run -d, logs -f, then inspect and rm at once.
follow_then_rm() {
	id=$(docker run -d busybox sh -c "echo one; sleep $1; echo two >&2; exit $2")
	out=$(timeout 90 docker logs -f "$id" 2>&1)
	st=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id" 2>&1)
	exp=$(printf 'one\ntwo')
	[ "$out" = "$exp" ] && [ "$st" = "exited $2" ] &&
		ok "logs -f of a ${1} s run: every line, then inspect says exited $2" ||
		not_ok "logs -f, sleep $1" "out=[$out] inspect=[$st]"
	out=$(docker rm "$id" 2>&1) && ok "... and docker rm succeeds at once" ||
		not_ok "rm after logs -f" "$out"
}

follow_then_rm 0 0
follow_then_rm 1 3
follow_then_rm 3 0
follow_then_rm 5 5

# A follow that ends at --until does not wait for an exit.
id=$(docker run -d busybox sh -c 'echo up; sleep 300')
wait_for 60 sh -c "docker logs $id 2>&1 | grep -q up"
t0=$(date +%s)
timeout 60 docker logs -f --until 1s "$id" >/dev/null 2>&1
rc=$?
t=$(($(date +%s) - t0))
[ $rc -eq 0 ] && [ $t -lt 10 ] && ok "logs -f --until in the past ends at once (${t} s)" ||
	not_ok "until" "rc=$rc after ${t} s"
st=$(docker inspect -f '{{.State.Status}}' "$id")
[ "$st" = running ] && ok "... while the container runs on" || not_ok "still running" "$st"

# rm -f of a followed container ends the follow.
docker logs -f "$id" >"$tmp/follow.out" 2>&1 &
lp=$!
wait_for 30 grep -q up "$tmp/follow.out"
docker rm -f "$id" >/dev/null 2>&1 && ok "rm -f of a followed container" || not_ok "rm -f"
wait_for 30 sh -c "! kill -0 $lp" && ok "... ends its logs -f" || not_ok "logs -f still running"
kill "$lp" 2>/dev/null
wait "$lp" 2>/dev/null

# logs -f of a container that already exited answers at once.
id=$(docker run -d busybox sh -c 'echo done')
docker wait "$id" >/dev/null
t0=$(date +%s)
out=$(timeout 60 docker logs -f "$id" 2>&1)
t=$(($(date +%s) - t0))
[ "$out" = done ] && [ $t -lt 10 ] && ok "logs -f of an exited container ends at once (${t} s)" ||
	not_ok "exited" "out=[$out] after ${t} s"
docker rm "$id" >/dev/null 2>&1 && ok "... and rm" || not_ok "rm exited"
wait_for 30 no_jobs && ok "no job left behind" || not_ok "jobs left" "$(sim_jobs)"
# Under the sanitizers a leak or a bad access makes the exit non-zero.
if stop_daemon; then ok "the daemon exits 0"; else not_ok "the daemon exits 0" "$(tail -20 "$tmp/aca/log")"; fi
tap_done
