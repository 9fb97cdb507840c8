#!/bin/sh
# Restart policies (--restart), applied by the core as dockerd applies
# them, through the example backend and the real docker CLI: on-failure
# with its maximum, always with its back-off and "restarting" state, a
# user's stop and kill, a user's start, wait across a restart, and the
# daemon's own restart (always and unless-stopped).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

tap_plan 43
start_daemon rs --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
t0=$(date +%s)

st() { docker inspect -f "$2" "$1" 2>&1; }
is_st() { [ "$(st "$1" "$2")" = "$3" ]; }
# evs NAME: its start and die events (die with the exit code), in order.
evs() {
	docker events --since "$t0" --until "$(($(date +%s) + 1))" \
		--filter container="$1" --filter event=start --filter event=die \
		--format '{{.Action}}{{with index .Actor.Attributes "exitCode"}} {{.}}{{end}}' 2>&1 |
		tr '\n' ',' | sed 's/,$//'
}

# on-failure:2 restarts a failing command twice, then leaves it exited.
docker run -d --name of --restart on-failure:2 busybox sh -c 'exit 3' >/dev/null
wait_for 30 is_st of '{{.State.Status}} {{.RestartCount}}' "exited 2"
check "on-failure:2: two restarts, then exited ($(st of '{{.State.Status}} {{.RestartCount}}'))" \
	is_st of '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' "exited 2 3"
check "... events: start, die 3, three times ($(evs of))" \
	test "$(evs of)" = "start,die 3,start,die 3,start,die 3"
contains "... the daemon logs each restart" "$(grep "restarting $(st of '{{.Id}}' | cut -c1-12)" "$tmp/rs/log")" \
	"policy on-failure, restart 2"

# on-failure does not restart a success.
docker run -d --name ok0 --restart on-failure busybox true >/dev/null
wait_for 10 is_st ok0 '{{.State.Status}}' exited
check "on-failure: exit 0 is not restarted" is_st ok0 '{{.State.Status}} {{.RestartCount}}' "exited 0"

# docker run in the foreground returns the first exit's code.
docker run --name fg --restart on-failure:1 busybox sh -c 'exit 4' >/dev/null 2>&1
check "docker run --restart on-failure:1 exits with the first run's code" test $? -eq 4

# always: a command that fails at once comes back after 0.1, 0.2, 0.4,
# 0.8, 1.6, 3.2 and 6.4 s; its 8th restart waits 12.8 s in the
# "restarting" state, as dockerd shows it, long enough for the checks on
# a loaded machine (the checks in it are few CLI calls, the rest curl).
alid=$(docker run -d --name al --restart always busybox sh -c 'exit 1')
snap() {
	sn=$(st al '{{.State.Status}} {{.RestartCount}} {{.State.Running}} {{.State.Restarting}} {{.State.Pid}} {{.State.ExitCode}}')
}
restarting_long() {
	snap
	set -- $sn
	[ "$1" = restarting ] && [ "$2" -ge 8 ]
}
wait_for 60 restarting_long
t_r=$(date +%s)
set -- $sn
n=$2
check "always: restarting, RestartCount $n after a growing back-off ($sn)" \
	test "$1" = restarting -a "$n" -ge 8
check "... inspect: Running and Restarting true, Pid 0, ExitCode 1" test "$3 $4 $5 $6" = "true true 0 1"
contains "... docker ps: Restarting (1) ... ago" "$(docker ps --filter name=al --format '{{.Status}}')" \
	"Restarting (1) "
out=$(docker rm al 2>&1)
contains "... docker rm refuses it" "$out" "container is restarting: stop the container before removing or force remove"
contains "... pause refuses it" "$(api POST /containers/al/pause)" \
	"409 {\"message\":\"Container $alid is restarting, wait until the container is running"
contains "... exec refuses it" "$(api POST /containers/al/exec -H 'Content-Type: application/json' -d '{"Cmd":["true"]}')" \
	"is restarting, wait until the container is running"
contains "... start leaves it restarting (dockerd's 304)" "$(api POST /containers/al/start)" "304"
# A wait for the next exit, begun while it restarts, ends with the stop
# (dockerd's waiters hear a dropped restart as a stop).
curl -s --max-time 30 -D "$tmp/wnext.h" -X POST --unix-socket "$SL_SOCK" \
	"http://d/containers/al/wait?condition=next-exit" >"$tmp/wnext" 2>&1 &
wp=$!
wait_for 10 test -s "$tmp/wnext.h"
t1=$(date +%s)
docker stop al >/dev/null 2>&1
check "... docker stop ends the restart at once ($(($(date +%s) - t1)) s)" \
	is_st al '{{.State.Status}} {{.State.Restarting}}' "exited false"
wait "$wp"
contains "... and ends a wait for the next exit, with the exit's code" "$(cat "$tmp/wnext")" '"StatusCode":1'

# Were the restart still pending, it would have fired by now.
while [ "$(date +%s)" -lt $((t_r + 14)) ]; do sleep 0.5; done
check "... and it stays exited, RestartCount $n" is_st al '{{.State.Status}} {{.RestartCount}}' "exited $n"

# A user's start clears RestartCount and brings the policy back.
docker start al >/dev/null 2>&1
wait_for 10 sh -c "[ \$(docker inspect -f '{{.RestartCount}}' al) -ge 2 ]"
m=$(st al '{{.RestartCount}}')
check "docker start: RestartCount counts again from 0 ($m, was $n)" test "$m" -ge 2 -a "$m" -lt "$n"
docker rm -f al >/dev/null 2>&1
check "docker rm -f of a restarting container" test -z "$(docker ps -aq --filter name=al)"

# A user's kill ends an always policy; the container stays exited.
docker run -d --name kl --restart always busybox sleep 1000 >/dev/null
docker kill kl >/dev/null 2>&1
wait_for 10 is_st kl '{{.State.Status}}' exited
sleep 1
check "always: docker kill leaves it exited (137, no restart)" \
	is_st kl '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' "exited 137 0"

# docker wait returns at the exit though the policy restarts it.
docker run -d --name wt --restart always busybox sh -c 'sleep 1; exit 5' >/dev/null
code=$(timeout 30 docker wait wt 2>&1)
check "always: docker wait returns the exit's code (5) though it restarts" test "$code" = 5
wait_for 10 sh -c "[ \$(docker inspect -f '{{.RestartCount}}' wt) -ge 1 ]"
check "... and it was restarted" test "$(st wt '{{.RestartCount}}')" -ge 1
docker rm -f wt >/dev/null 2>&1

# docker update changes the policy of a running container; it applies
# from the next exit.
docker run -d --name upd busybox sh -c "while [ ! -e $tmp/go ]; do sleep 0.1; done; exit 3" >/dev/null
out=$(docker update --restart on-failure:1 upd 2>&1)
check "docker update --restart on-failure:1 ($out)" test "$out" = upd
check "... inspect shows the new policy" \
	is_st upd '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' "on-failure 1"
touch "$tmp/go"
wait_for 30 is_st upd '{{.State.Status}} {{.RestartCount}}' "exited 1"
check "... and the next exit is restarted once ($(st upd '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}'))" \
	is_st upd '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' "exited 1 3"
contains "... an update event" "$(docker events --since "$t0" --until "$(($(date +%s) + 1))" \
	--filter container=upd --filter event=update --format '{{.Action}}' 2>&1)" update
out=$(docker update --memory 64m upd 2>&1)
contains "docker update of a resource is refused, naming it" "$out" "Memory cannot be changed after create"
check "... and changes nothing" is_st upd '{{.HostConfig.RestartPolicy.Name}}' on-failure
contains "an unknown policy is refused" "$(docker update --restart bogus upd 2>&1)" \
	"invalid restart policy: unknown policy 'bogus'"
docker run -d --rm --name rmc busybox sleep 1000 >/dev/null
contains "a --rm container's policy cannot be updated" "$(docker update --restart always rmc 2>&1)" \
	"Restart policy cannot be updated because AutoRemove is enabled for the container"
docker rm -f rmc >/dev/null 2>&1

# The daemon's restart: always and unless-stopped start again, unless a
# user stopped an unless-stopped one; always starts even then.
docker run -d --name da --restart always busybox sleep 1000 >/dev/null
docker run -d --name du --restart unless-stopped busybox sleep 1000 >/dev/null
docker run -d --name dus --restart unless-stopped busybox sleep 1000 >/dev/null
docker run -d --name das --restart always busybox sleep 1000 >/dev/null
docker run -d --name dno busybox sleep 1000 >/dev/null
docker run -d --name dup busybox sleep 1000 >/dev/null
docker update --restart unless-stopped dup >/dev/null 2>&1
docker stop -t 1 dus das >/dev/null 2>&1
check "unless-stopped and always stopped by the user: exited" \
	test "$(st dus '{{.State.Status}}') $(st das '{{.State.Status}}')" = "exited exited"
stop_daemon
check "the daemon stops (0)" test $? -eq 0
start_daemon rs --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start again"; exit 1; }
for n in da du das dup; do
	wait_for 20 is_st "$n" '{{.State.Status}}' running
done
check "after the daemon's restart: always runs again" is_st da '{{.State.Status}}' running
check "... unless-stopped runs again" is_st du '{{.State.Status}}' running
check "... always stopped by the user runs again (as dockerd)" is_st das '{{.State.Status}}' running
check "... unless-stopped stopped by the user stays exited" is_st dus '{{.State.Status}}' exited
check "... no policy: stays exited" is_st dno '{{.State.Status}}' exited
check "... a policy set by docker update is kept across it, and applied" \
	is_st dup '{{.State.Status}} {{.HostConfig.RestartPolicy.Name}}' "running unless-stopped"
check "... a start of the daemon's is not counted (RestartCount 0, as dockerd)" is_st da '{{.RestartCount}}' 0
check "... an exited on-failure:2 at its maximum stays exited" is_st of '{{.State.Status}}' exited
check "the policy is shown in inspect" is_st du '{{.HostConfig.RestartPolicy.Name}}' unless-stopped

# Refused as dockerd refuses them.
out=$(docker run -d --restart on-failure:-1 busybox true 2>&1)
contains "a negative maximum is refused" "$out" "maximum retry count cannot be negative"
out=$(docker run -d --restart always:3 busybox true 2>&1)
contains "a maximum on always is refused" "$out" "maximum retry count can only be used with 'on-failure'"

docker rm -f of ok0 fg kl da du dus das dno dup upd >/dev/null 2>&1
check "all removed" test -z "$(docker ps -aq)"
stop_daemon
check "the daemon exits 0" test $? -eq 0
