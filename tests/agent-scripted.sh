#!/bin/sh
# The core's agent client against a scripted agent (tests/scripted_agent.py)
# that plays what the real agent does only on a loaded or badly clocked
# host, in reverse mode:
# - the exit on channel 0 before the output session's last output: the
#   daemon acknowledges (and so lets the agent exit) only after that
#   session ended.  Once in CI the real agent's session thread ran late,
#   the ACK came first and the local log copy stayed incomplete.
# - 20000 lines at once: `docker logs` right after the exit waits for
#   the log writer, which is still storing them.
# - stamps from a clock an hour ahead, from 2020 and none at all
#   (agent/PROTOCOL.md, "Clock skew").
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

tap_plan 14

scripted_agent_daemon reverse || { echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
data=$tmp/reverse/data/ctrfiles

id=$(docker run -d busybox exit-last)
docker wait "$id" >/dev/null 2>&1
v=$(cat "$tmp/verdict/$id" 2>/dev/null)
check "the ACK waits for the output session's EXIT ($v)" test "$v" = late
wait_for 10 test -e "$data/$id/log.complete"
check "the local log copy is complete" test -e "$data/$id/log.complete"
check "docker logs has the output sent after the exit" \
	test "$(docker logs "$id" 2>&1)" = "$(printf 'one\ntwo')"

# A session that ends in an error no longer holds the ACK: the agent is
# not kept waiting for an EXIT that will not come.
id=$(docker run -d busybox error-last)
docker wait "$id" >/dev/null 2>&1
v=$(cat "$tmp/verdict/$id" 2>/dev/null)
check "after the session's ERROR the ACK comes ($v)" test "$v" = late
check "... and the copy is not called complete" \
	test ! -e "$data/$id/log.complete"

# docker logs at once after the exit: the agent's EXIT is read before the
# log writer stored the lines ahead of it, so the read waits for the copy
# (it once got 19210 of 20000 lines under ASan).
id=$(docker run -d busybox burst)
docker wait "$id" >/dev/null 2>&1
n=$(docker logs "$id" 2>/dev/null | wc -l)
check "burst: docker logs right after the exit has all 20000 lines ($n)" \
	test "$n" -eq 20000

# Clock skew.  Seconds since the epoch of an RFC 3339 stamp.
secs() { date -u -d "$1" +%s 2>/dev/null || echo 0; }
t0=$(date +%s)
id=$(docker run -d busybox skew)
docker wait "$id" >/dev/null 2>&1
t1=$(date +%s)
wait_for 10 test -e "$data/$id/log.complete"
check "skew: docker logs has every line" \
	test "$(docker logs "$id" 2>&1)" = "$(printf 'ahead\npast\nunstamped')"
ts=$(docker logs -t "$id" 2>&1)
a=$(secs "$(echo "$ts" | sed -n 's/ ahead$//p')")
check "skew: a stamp an hour ahead is clamped to its arrival ($a in $t0..$t1)" \
	test "$a" -ge "$t0" -a "$a" -le "$t1"
contains "skew: a stamp behind is kept to the nanosecond" \
	"$ts" "2020-01-01T00:00:00.000000001Z past"
u=$(secs "$(echo "$ts" | sed -n 's/ unstamped$//p')")
check "skew: a missing stamp becomes the arrival ($u in $t0..$t1)" \
	test "$u" -ge "$t0" -a "$u" -le "$t1"
check "skew: --since half an hour ahead shows nothing" \
	test -z "$(docker logs --since $((t1 + 1800)) "$id" 2>&1)"
check "skew: --until 2021 shows the 2020 line alone" \
	test "$(docker logs --until 2021-01-01T00:00:00Z "$id" 2>&1)" = past

check "the daemon keeps serving" docker ps -a
if stop_daemon; then ok "the daemon exits 0"; else
	not_ok "the daemon exits 0" "$(tail -20 "$tmp/reverse/log")"; fi
tap_done
