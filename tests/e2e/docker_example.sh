#!/bin/sh
# End to end: the real docker CLI against sockerlessd on the example
# backend (containers run as local processes).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
start_registry

tap_plan 30
if ! command -v docker >/dev/null 2>&1; then
	for i in $(seq 1 30); do skip "docker CLI test $i" "no docker CLI on PATH"; done
	exit 0
fi
start_daemon ex --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

out=$(docker run --rm busybox echo hello world 2>&1)
[ "$out" = "hello world" ] && ok "docker run --rm prints the output" || not_ok "docker run output" "$out"

docker run --rm busybox sh -c 'exit 3' >/dev/null 2>&1
rc=$?
[ $rc -eq 3 ] && ok "docker run exits with the container's code" || not_ok "exit code" "$rc"

out=$(docker run --rm busybox sh -c 'echo to-out; echo to-err >&2' 2>"$tmp/err")
err=$(cat "$tmp/err")
[ "$out" = to-out ] && [ "$err" = to-err ] && ok "stdout and stderr stay apart" || not_ok "streams" "out=$out" "err=$err"

out=$(echo piped | docker run -i --rm busybox cat)
[ "$out" = piped ] && ok "docker run -i forwards stdin until EOF" || not_ok "stdin" "$out"

left=$(docker ps -aq | wc -l)
[ "$left" -eq 0 ] && ok "--rm removed every container" || not_ok "--rm" "$(docker ps -a)"

id=$(docker run -d --name ticker --label team=blue busybox sh -c 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done')
[ ${#id} -eq 64 ] && ok "docker run -d prints a 64-hex id" || not_ok "run -d" "$id"
# Running once run -d returns; wait (polling, 10 s at most) for two ticks
# so that the logs tests below have lines to look at.
i=0
until docker logs ticker 2>/dev/null | grep -q 'tick 1' || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
st=$(docker inspect --format '{{.State.Status}} {{.State.Running}} {{.Name}}' ticker)
[ "$st" = "running true /ticker" ] && ok "inspect shows a running container" || not_ok "inspect" "$st"
short=$(echo "$id" | cut -c1-12)
st=$(docker inspect --format '{{.Id}}' "$short")
[ "$st" = "$id" ] && ok "an id prefix finds the container" || not_ok "prefix" "$st"
names=$(docker ps --filter label=team=blue --format '{{.Names}}')
[ "$names" = ticker ] && ok "ps filters by label" || not_ok "ps label" "$names"
names=$(docker ps --filter label=team=red --format '{{.Names}}')
[ -z "$names" ] && ok "ps label filter excludes" || not_ok "ps label exclude" "$names"

out=$(docker logs --tail 1 ticker)
case $out in "tick "*) [ "$(echo "$out" | wc -l)" -eq 1 ] && ok "logs --tail 1 gives one line" || not_ok "logs tail count" "$out" ;;
*) not_ok "logs tail" "$out" ;; esac
out=$(docker logs --tail 0 ticker)
[ -z "$out" ] && ok "logs --tail 0 gives nothing" || not_ok "logs tail 0" "$out"
out=$(docker logs -t ticker | head -1)
echo "$out" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z tick 0$' &&
	ok "logs -t prefixes RFC3339Nano timestamps" || not_ok "logs -t" "$out"
out=$(timeout 10 docker logs -f ticker | head -3 | wc -l)
[ "$out" -eq 3 ] && ok "logs -f streams" || not_ok "logs -f" "$out"

out=$(docker exec -e X=42 ticker sh -c 'echo x=$X')
[ "$out" = x=42 ] && ok "exec runs with its env" || not_ok "exec" "$out"
docker exec ticker sh -c 'exit 7'
rc=$?
[ $rc -eq 7 ] && ok "exec exit code reaches the CLI" || not_ok "exec exit" "$rc"

docker pause ticker >/dev/null
st=$(docker inspect --format '{{.State.Status}}' ticker)
[ "$st" = paused ] && ok "pause" || not_ok "pause" "$st"
out=$(docker pause ticker 2>&1)
contains "pausing twice is a 409 error" "$out" "is already paused"
docker unpause ticker >/dev/null
st=$(docker inspect --format '{{.State.Status}}' ticker)
[ "$st" = running ] && ok "unpause" || not_ok "unpause" "$st"

out=$(docker rm ticker 2>&1)
contains "rm of a running container is refused" "$out" "stop the container before removing or force remove"

docker stop -t 1 ticker >/dev/null
st=$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' ticker)
[ "$st" = "exited 143" ] && ok "stop sends SIGTERM (exit 143)" || not_ok "stop" "$st"
out=$(curl -s -o /dev/null -w '%{http_code}' -X POST --unix-socket "$SL_SOCK" http://d/v1.47/containers/ticker/stop)
[ "$out" = 304 ] && ok "stop of a stopped container is 304" || not_ok "304" "$out"

docker start ticker >/dev/null
docker kill ticker >/dev/null
code=$(docker wait ticker)
[ "$code" = 137 ] && ok "kill + wait gives 137" || not_ok "kill/wait" "$code"

# The CLI sends --until as whole seconds (as dockerd's own client does), so
# ask for one second past now: the stream replays, then ends at that time.
out=$(timeout 5 docker events --since 1m --until "$(( $(date +%s) + 1 ))" --filter container=ticker --filter event=die --format '{{.Action}} {{.Actor.Attributes.exitCode}}' | tail -1)
[ "$out" = "die 137" ] && ok "events replay die with its exit code" || not_ok "events" "$out"

docker rm ticker >/dev/null
out=$(docker inspect ticker 2>&1)
contains "removed container is gone" "$out" "No such object: ticker"

out=$(docker run --name dup busybox true 2>&1; docker run --name dup busybox true 2>&1)
contains "a duplicate name is a conflict" "$out" 'The container name "/dup" is already in use'

# State survives a daemon restart.
stop_daemon
start_daemon ex --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not restart"; exit 1; }
st=$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' dup 2>&1)
[ "$st" = "exited 0" ] && ok "a container record survives a daemon restart" || not_ok "restart" "$st"
docker rm dup >/dev/null

out=$(docker exec nosuch true 2>&1)
contains "exec on an unknown container is 404" "$out" "No such container: nosuch"
out=$(curl -s -X POST --unix-socket "$SL_SOCK" -H 'Content-Type: application/json' -d '{"Image": 5}' http://d/v1.47/containers/create)
contains "wrong JSON types are refused" "$out" 'no image specified'
out=$(curl -s -X POST --unix-socket "$SL_SOCK" -H 'Content-Type: application/json' -d '{"Image": "busybox", "Cmd": "x", "Env": "notalist"}' http://d/v1.47/containers/create)
contains "a string where an array belongs is refused" "$out" 'Config.Env must be an array of strings'
stop_daemon
tap_done
