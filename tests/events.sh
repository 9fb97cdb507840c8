#!/bin/sh
# Container events of stop, kill and restart, in dockerd's order: "kill"
# (attribute signal) when the stop signal is sent, another "kill" (signal
# 9) when stop escalates to SIGKILL, then "die" and "stop".
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

tap_plan 7
start_daemon ex --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
t0=$(date +%s)

# evs NAME: the container's kill, die, stop and restart events, one line
# each: the action and its signal or exit code.
evs() {
	docker events --since "$t0" --until "$(($(date +%s) + 1))" \
		--filter container="$1" --filter event=kill --filter event=die \
		--filter event=stop --filter event=restart \
		--format '{{.Action}} {{index .Actor.Attributes "signal"}}{{index .Actor.Attributes "exitCode"}}' 2>&1 |
		sed 's/ $//' | tr '\n' ',' | sed 's/,$//'
}

# ready NAME: waits (10 s at most) until NAME has printed "ready".
ready() {
	i=0
	until docker logs "$1" 2>/dev/null | grep -q ready || [ $i -ge 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

docker run -d --name s1 busybox sleep 100 >/dev/null
docker stop s1 >/dev/null
out=$(evs s1)
[ "$out" = "kill 15,die 143,stop" ] && ok "docker stop: kill (signal 15), die, stop" ||
	not_ok "stop events" "$out"

# The process ignores SIGTERM (its sleep inherits that), so stop -t 1
# escalates.
docker run -d --name s2 busybox sh -c 'trap "" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
ready s2
docker stop -t 1 s2 >/dev/null
out=$(evs s2)
[ "$out" = "kill 15,kill 9,die 137,stop" ] &&
	ok "docker stop escalating: kill 15, kill 9, die 137, stop" || not_ok "escalation events" "$out"

docker run -d --name s3 --stop-signal SIGUSR1 busybox sleep 100 >/dev/null
docker stop s3 >/dev/null
out=$(evs s3)
[ "$out" = "kill 10,die 138,stop" ] && ok "the container's StopSignal is the kill event's signal" ||
	not_ok "StopSignal events" "$out"

docker run -d --name s4 busybox sleep 100 >/dev/null
docker stop --signal SIGINT s4 >/dev/null
out=$(evs s4)
[ "$out" = "kill 2,die 130,stop" ] && ok "docker stop --signal INT: kill 2" ||
	not_ok "stop --signal events" "$out"

docker run -d --name s5 busybox sleep 100 >/dev/null
docker kill s5 >/dev/null
docker wait s5 >/dev/null
out=$(evs s5)
[ "$out" = "kill 9,die 137" ] && ok "docker kill: kill 9, die" || not_ok "kill events" "$out"

docker run -d --name s6 busybox sleep 100 >/dev/null
docker restart s6 >/dev/null
out=$(evs s6)
[ "$out" = "kill 15,die 143,stop,restart" ] && ok "docker restart: kill 15, die, stop, restart" ||
	not_ok "restart events" "$out"

docker rm -f s1 s2 s3 s4 s5 s6 >/dev/null 2>&1
if stop_daemon; then ok "the daemon exits 0"; else not_ok "daemon exit" "$(tail -20 "$tmp/ex/log")"; fi
tap_done
