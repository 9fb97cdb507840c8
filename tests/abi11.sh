#!/bin/sh
# ABI 1.1 host services end to end, with the abi11 test backend
# (tests/plugins/abi11.c) and the real docker CLI: the secret store, the
# local log copy (served once complete, the plugin's logs hook before),
# start progress as events, top, stats, RestartCount.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

P="$top_builddir/tests/plugins/.libs"
TOKEN=tok-5ecret-AbI11-do-not-show
tap_plan 23

if ! start_daemon a --backend="$P/abi11.so" --log-level debug; then
	for i in $(seq 23); do not_ok "daemon with the abi11 backend starts"; done
	exit 1
fi
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
t0=$(date +%s)
id=$(docker run -d --name c1 busybox serve 2>&1)
check "docker run -d with a 1.1 backend" test "${#id}" -eq 64

# Progress: events, with the text in "message"; logged at info.
ev=$(docker events --since "$t0" --until "$(($(date +%s) + 1))" 2>&1)
contains "start progress is a container event" "$ev" "container progress $id"
contains "the event carries the text" "$ev" "message=waiting for a replica (test)"
contains "progress is logged at info" "$(cat "$tmp/a/log")" "info  start ${id%"${id#????????????}"}: creating job (test)"

# While the copy is incomplete, the plugin's logs hook (the cloud) answers.
contains "logs before the copy is complete come from the logs hook" \
	"$(docker logs c1 2>&1)" "from cloud"

# top and stats.
top=$(docker top c1 2>&1)
contains "docker top shows the backend's titles" "$top" "PID"
contains "docker top shows the backend's processes" "$top" "agent --serve"
contains "docker top passes ps_args; the backend's refusal is shown" \
	"$(docker top c1 aux 2>&1)" "ps_args 'aux' not supported"
st=$(docker stats --no-stream c1 2>&1)
contains "docker stats --no-stream shows memory usage / limit" "$st" "100MiB / 400MiB"
# 0.5 s of CPU per sample a second apart (system time from the wall
# clock): about 50% (less when the machine is slow to tick), which only a
# rate between two samples can give.
cpu=$(printf '%s\n' "$st" | awk '$2 == "c1" { sub("%", "", $3); print int($3) }')
check "docker stats --no-stream shows the CPU rate between two samples ($cpu%)" \
	test "${cpu:-0}" -ge 5 -a "${cpu:-0}" -le 99
n=$(curl -sN --max-time 8 --unix-socket "$SL_SOCK" "http://d/containers/c1/stats" | grep -c '"cpu_stats"')
check "stats streams a document about every second" test "$n" -ge 2

# RestartCount from the state report; the secret store.
contains "RestartCount comes from the backend's state report" \
	"$(docker inspect -f '{{.RestartCount}}' c1 2>&1)" "2"
f="$tmp/a/data/ctrfiles/$id/secrets/agent-token"
check "the secret is a file of mode 0600" test "$(stat -c %a "$f" 2>&1)" = 600
check "the secret holds the value" test "$(cat "$f")" = "$TOKEN"

# Once the backend marked its copy complete, the core serves it.
docker stop c1 >/dev/null 2>&1
out=$(docker logs c1 2>/dev/null)
check "a complete local copy answers docker logs (stdout, in order)" \
	test "$out" = "$(printf 'hello from abi11\nbye')"
check "stderr lines go to stderr" test "$(docker logs c1 2>&1 >/dev/null)" = "a warning"
check "--tail counts the last lines" test "$(docker logs --tail 1 c1 2>&1)" = "bye"
contains "--timestamps prefixes each line" "$(docker logs -t c1 2>/dev/null)" "Z hello from abi11"

# A restart of the daemon keeps the secret: the backend reads it back.
stop_daemon
start_daemon a --backend="$P/abi11.so" --log-level debug
t1=$(date +%s)
docker start c1 >/dev/null 2>&1
contains "secrets survive a daemon restart" \
	"$(docker events --since "$t1" --until "$(($(date +%s) + 1))" 2>&1)" "message=secret restored"
# A new run appends: the copy is incomplete again until the next stop.
contains "a new run's first line makes the copy incomplete (logs hook answers)" \
	"$(docker logs c1 2>&1)" "from cloud"
docker stop c1 >/dev/null 2>&1
check "completed again, the copy holds both runs" test "$(docker logs c1 2>/dev/null)" = \
	"$(printf 'hello from abi11\nbye\nhello from abi11\nbye')"

# The value is nowhere but in its file: not in inspect, logs, events or
# the debug log.
docker inspect c1 >"$tmp/inspect" 2>&1
docker events --since "$t0" --until "$(date +%s)" >"$tmp/events" 2>&1
docker logs c1 >"$tmp/logs" 2>&1
leaks=$(grep -rl -- "$TOKEN" "$tmp" | grep -v "/ctrfiles/$id/secrets/agent-token\$")
check "the secret appears in no log, inspect, events or other file" test -z "$leaks"

docker rm -f c1 >/dev/null 2>&1
check "rm removes the container's secrets and log copy" test ! -e "$tmp/a/data/ctrfiles/$id"
stop_daemon
tap_done
