#!/bin/sh
# docker-compose 1.29 (Debian's, docker-py 5 underneath) against
# sockerlessd on the example backend: a two-service project with a named
# volume and a project network, through its whole life (config, up, ps,
# logs, run, exec, top, stop, start, restart, recreate, down -v).  Asserts
# on what compose prints and on the daemon's state through the docker CLI.
#
# The example backend runs containers as host processes and mounts nothing:
# the services reach the named volume through its Mountpoint, which the
# project file names.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

tap_plan 67
if ! command -v docker-compose >/dev/null 2>&1; then
	not_ok "docker-compose is installed (scripts/deps.sh)"
	exit 1
fi
start_daemon compose --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
t0=$(date +%s)

P=slc$$
export COMPOSE_PROJECT_NAME=$P COMPOSE_HTTP_TIMEOUT=30
VOL="$tmp/compose/data/backends/example/volumes/${P}_data"
PROJ="$tmp/proj"
mkdir -p "$PROJ"

eq() { [ "$2" = "$3" ] && ok "$1" || not_ok "$1" "want: $3" "got:  $2"; }
# dc ARGS...: docker-compose in the project directory, output in $out
# (carriage returns of its progress lines dropped), status in $rc.
dc() {
	out=$(cd "$PROJ" && { docker-compose "$@" 2>&1; echo $? >"$tmp/dc-rc"; } | tr -d '\r')
	rc=$(cat "$tmp/dc-rc")
}
# poll SECONDS COMMAND...: until the command succeeds; 0 when it did.
poll() {
	pl_end=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$pl_end" ] || return 1
		sleep 0.1
	done
}
state() { docker inspect -f '{{.State.Status}}' "$1" 2>&1; }
lbl() { echo "label=com.docker.compose.project=$P"; }

# The writer puts a file in the volume and stays up; the reader waits for
# it, prints it and stays up too.
write_project() {
	cat >"$PROJ/docker-compose.yml" <<EOF
version: "3.8"
services:
  writer:
    image: busybox
    command: ["sh", "-c", "echo writer-start \$\$GREETING; echo hello >$VOL/msg; while true; do sleep 1; done"]
    environment:
      GREETING: $1
    labels:
      tier: back
    volumes:
      - data:/data
    networks:
      - net
  reader:
    image: busybox
    command: ["sh", "-c", "until [ -f $VOL/msg ]; do sleep 0.1; done; echo reader-got \$\$(cat $VOL/msg); while true; do sleep 1; done"]
    depends_on:
      - writer
    networks:
      - net
volumes:
  data:
networks:
  net:
EOF
}
write_project hi-from-writer

# --- image inspect at compose's older API versions ----------------------
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
r=$(api GET /v1.44/images/busybox/json)
contains "image inspect before 1.45: an empty ContainerConfig object" "$r" \
	'"Container":"","ContainerConfig":{"Hostname":"","Domainname":"","User":"",'
r=$(api GET /v1.43/images/busybox/json)
contains "image inspect before 1.44: VirtualSize" "$r" '"VirtualSize":'
r=$(api GET /v1.47/images/busybox/json)
case $r in
*ContainerConfig* | *VirtualSize*) not_ok "image inspect at 1.47: no legacy fields" "$r" ;;
*) ok "image inspect at 1.47: no legacy fields" ;;
esac

# --- config ---------------------------------------------------------------
dc config
eq "config: the services" "$(echo "$out" | sed -n 's/^  \([a-z]*\):$/\1/p' | tr '\n' ' ')" \
	"reader writer "
contains "config renders the project" "$out" "GREETING: hi-from-writer"

# --- up -d, ps ------------------------------------------------------------
dc up -d
eq "up -d exits 0" "$rc" 0
contains "up creates the network" "$out" "Creating network \"${P}_net\" with the default driver"
contains "up creates the volume" "$out" "Creating volume \"${P}_data\" with default driver"
contains "up creates the writer" "$out" "Creating ${P}_writer_1 ... done"
contains "up creates the reader" "$out" "Creating ${P}_reader_1 ... done"
eq "both running" "$(state ${P}_writer_1) $(state ${P}_reader_1)" "running running"
dc ps
contains "ps: writer Up" "$out" "$(printf '%s_writer_1 ' "$P")"
eq "ps: two rows in state Up" "$(echo "$out" | grep -c "^${P}_.*  Up  *$")" 2
dc ps -q
eq "ps -q: the IDs the daemon lists for the project" "$(echo "$out" | sort | tr '\n' ' ')" \
	"$(docker ps -q --no-trunc --filter "$(lbl)" | sort | tr '\n' ' ')"

# --- what compose asked the daemon for ------------------------------------
eq "network: project labels" \
	"$(docker network inspect -f '{{index .Labels "com.docker.compose.project"}} {{index .Labels "com.docker.compose.network"}}' ${P}_net)" \
	"$P net"
eq "volume: project labels" \
	"$(docker volume inspect -f '{{index .Labels "com.docker.compose.project"}} {{index .Labels "com.docker.compose.volume"}}' ${P}_data)" \
	"$P data"
eq "writer: labels" \
	"$(docker inspect -f '{{.Config.Labels.tier}} {{index .Config.Labels "com.docker.compose.service"}}' ${P}_writer_1)" \
	"back writer"
contains "writer: environment" "$(docker inspect -f '{{json .Config.Env}}' ${P}_writer_1)" \
	'"GREETING=hi-from-writer"'
eq "writer: the volume at /data" \
	"$(docker inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}' ${P}_writer_1)" \
	"volume ${P}_data /data"
wid=$(docker inspect -f '{{.Id}}' ${P}_writer_1 | cut -c1-12)
# dockerd: the name, the aliases in their order, the short ID, each once
# (compose gives the short ID as an alias too).
ep=$(docker inspect -f "{{json (index .NetworkSettings.Networks \"${P}_net\").Aliases}} {{json (index .NetworkSettings.Networks \"${P}_net\").DNSNames}}" ${P}_writer_1)
case $ep in
"[\"writer\",\"$wid\"] [\"${P}_writer_1\",\"writer\",\"$wid\"]" | \
"[\"$wid\",\"writer\"] [\"${P}_writer_1\",\"$wid\",\"writer\"]")
	ok "writer: on the project network, aliases and DNS names as dockerd lists them" ;;
*) not_ok "writer: aliases and DNS names" "$ep" ;;
esac
# Before API 1.45 dockerd adds the short ID and the hostname to the
# aliases, each once.
hn=$(docker inspect -f '{{.Config.Hostname}}' ${P}_writer_1)
eq "writer: the hostname is the short ID, as dockerd's default" "$hn" "$wid"
al=$(DOCKER_API_VERSION=1.44 docker inspect -f "{{json (index .NetworkSettings.Networks \"${P}_net\").Aliases}}" ${P}_writer_1)
want=$(printf '%s\n' writer "$wid" "$hn" | sort -u | tr '\n' ' ')
eq "aliases at API 1.44: with the short ID and the hostname, each once" \
	"$(echo "$al" | tr -d '[]"' | tr ',' '\n' | sort | tr '\n' ' ')" "$want"
eq "the network lists both containers" \
	"$(docker network inspect -f '{{len .Containers}}' ${P}_net)" 2
poll 30 test -f "$VOL/msg" && ok "the writer wrote into the volume" || not_ok "volume file" "$(ls -la "$VOL" 2>&1)"

# --- logs -----------------------------------------------------------------
reader_logged() { docker logs ${P}_reader_1 2>&1 | grep -q reader-got; }
poll 30 reader_logged || not_ok "reader output" "$(docker logs ${P}_reader_1 2>&1)"
dc logs --no-color
contains "logs: the writer's line, prefixed" "$out" "writer_1  | writer-start hi-from-writer"
contains "logs: the reader's line, prefixed" "$out" "reader_1  | reader-got hello"

# --- run --rm -------------------------------------------------------------
oneoff() { docker ps -aq --filter "$(lbl)" --filter label=com.docker.compose.oneoff=True; }
dc run --rm -T reader sh -c "cat $VOL/msg; exit 3"
eq "run --rm: the exit code passed through" "$rc" 3
contains "run --rm: the one-off's output" "$out" hello
eq "run --rm: removed after" "$(oneoff)" ""
# Held open until the test has looked at it.
(cd "$PROJ" && docker-compose run --rm -T reader sh -c \
	"until [ -f $tmp/go ]; do sleep 0.1; done; echo one-off-done" >"$tmp/run.out" 2>&1)&
runpid=$!
one_running() { [ -n "$(docker ps -q --filter "$(lbl)" --filter label=com.docker.compose.oneoff=True)" ]; }
if poll 60 one_running; then
	ok "run: the one-off container runs"
	id=$(oneoff)
	eq "run: on the project network" \
		"$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$id")" \
		"${P}_net "
	eq "run: named ${P}_reader_run_..." \
		"$(docker inspect -f '{{.Name}}' "$id" | cut -c1-$((${#P} + 13)))" "/${P}_reader_run_"
else
	not_ok "run: the one-off container runs" "$(cat "$tmp/run.out")"
	not_ok "run: network"
	not_ok "run: name"
fi
touch "$tmp/go"
wait "$runpid"
eq "run: exits 0 when the command does" "$?" 0
contains "run: output" "$(cat "$tmp/run.out")" one-off-done
poll 30 sh -c "[ -z \"\$(docker ps -aq --filter label=com.docker.compose.project=$P --filter label=com.docker.compose.oneoff=True)\" ]"
eq "run: removed after" "$(oneoff)" ""
# Without the docker CLI compose attaches through docker-py before start.
COMPOSE_INTERACTIVE_NO_CLI=1 dc run --rm -T reader sh -c 'echo via-sdk; echo to-stderr >&2; exit 5'
eq "run through the SDK (attach, start, wait): exit code" "$rc" 5
contains "... stdout" "$out" via-sdk
contains "... stderr" "$out" to-stderr

# --- exec, top ------------------------------------------------------------
dc exec -T writer sh -c 'echo in-exec $GREETING; exit 4'
eq "exec: exit code" "$rc" 4
contains "exec: runs with the service's environment" "$out" "in-exec hi-from-writer"
dc top writer
contains "top: the process table" "$out" "echo writer-start"
contains "top: ps's header" "$out" "PID"

# --- stop, start, restart -------------------------------------------------
dc stop -t 5
contains "stop: the writer" "$out" "Stopping ${P}_writer_1 ... done"
contains "stop: the reader" "$out" "Stopping ${P}_reader_1 ... done"
eq "stop: both exited" "$(state ${P}_writer_1) $(state ${P}_reader_1)" "exited exited"
dc start
contains "start: the writer" "$out" "Starting writer ... done"
eq "start: both running" "$(state ${P}_writer_1) $(state ${P}_reader_1)" "running running"
before=$(docker inspect -f '{{.State.StartedAt}}' ${P}_writer_1)
dc restart -t 5 writer
contains "restart" "$out" "Restarting ${P}_writer_1 ... done"
after=$(docker inspect -f '{{.State.StartedAt}}' ${P}_writer_1)
[ "$(state ${P}_writer_1)" = running ] && [ "$after" != "$before" ] &&
	ok "restart: running, started again" || not_ok "restart" "$before -> $after $(state ${P}_writer_1)"
poll 30 sh -c "[ \$(docker logs ${P}_writer_1 2>&1 | grep -c writer-start) -eq 3 ]" &&
	ok "logs: one line per start" || not_ok "writer's log after restarts" "$(docker logs ${P}_writer_1 2>&1)"

# --- up again: nothing to do; a changed service is recreated --------------
dc up -d
contains "up again: the writer is up-to-date" "$out" "${P}_writer_1 is up-to-date"
contains "up again: the reader is up-to-date" "$out" "${P}_reader_1 is up-to-date"
old=$(docker inspect -f '{{.Id}}' ${P}_writer_1)
write_project hi-again
# compose 1.29 reads the image's ContainerConfig to recreate, which dockerd
# (and so sockerless) shows only before API 1.45: pin the version, as
# users of compose 1.29 with Docker 25 and later do.
COMPOSE_API_VERSION=1.44 dc up -d
eq "recreate: up exits 0" "$rc" 0
contains "recreate: the changed writer" "$out" "Recreating ${P}_writer_1 ... done"
new=$(docker inspect -f '{{.Id}}' ${P}_writer_1 2>&1)
[ "$new" != "$old" ] && [ "$(state ${P}_writer_1)" = running ] &&
	ok "recreate: a new writer runs" || not_ok "recreate: new container" "$old -> $new"
contains "recreate: with the new environment" "$(docker inspect -f '{{json .Config.Env}}' ${P}_writer_1)" \
	'"GREETING=hi-again"'
eq "recreate: the same volume" \
	"$(docker inspect -f '{{range .Mounts}}{{.Name}}{{end}}' ${P}_writer_1)" "${P}_data"
eq "recreate: the old container is gone" "$(docker ps -aq --filter "$(lbl)" | wc -l)" 2

# --- down -v --------------------------------------------------------------
dc down -v -t 5
eq "down -v exits 0" "$rc" 0
contains "down: removes the containers" "$out" "Removing ${P}_writer_1 ... done"
contains "down: removes the network" "$out" "Removing network ${P}_net"
contains "down: removes the volume" "$out" "Removing volume ${P}_data"
eq "down: no container of the project left" "$(docker ps -aq --filter "$(lbl)")" ""
case $(docker network ls --format '{{.Name}}') in
*${P}_net*) not_ok "down: network ls no longer lists it" "$(docker network ls)" ;;
*) ok "down: network ls no longer lists it" ;;
esac
case $(docker volume ls -q) in
*${P}_data*) not_ok "down: volume ls no longer lists it" "$(docker volume ls)" ;;
*) ok "down: volume ls no longer lists it" ;;
esac
[ ! -e "$VOL" ] && ok "down: the volume's directory is gone" || not_ok "volume directory" "$(ls -la "$VOL")"

elapsed=$(($(date +%s) - t0))
echo "# compose steps took ${elapsed}s"
stop_daemon
rc=$?
# Under the sanitizers a leak or an error makes this non-zero.
[ $rc -eq 0 ] && ok "SIGTERM exits 0" || not_ok "SIGTERM exit status" "$rc" "$(cat "$tmp/compose/log")"
tap_done
