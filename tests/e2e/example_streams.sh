#!/bin/sh
# End to end with the real docker CLI, example backend: exit codes of
# commands that cannot be run, and attached clients slower than the
# process, which must get every byte.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
start_registry

N=17
tap_plan $N
if ! command -v docker >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	for i in $(seq 1 $N); do skip "docker CLI test $i" "no docker CLI or python3 on PATH"; done
	exit 0
fi
# A small log buffer: 290 KB of output is four buffers' worth, so a
# slow client that the process did not wait for would lose most of it.
LIMIT=65536
start_daemon ex --backend=example --backend-opt "log-buffer-bytes=$LIMIT" \
	--plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

# ---- commands that cannot be run: 127 not found, 126 not executable ----

docker run -d --name box busybox sleep 300 >/dev/null
printf 'echo hi\n' >"$tmp/noexec"
chmod 644 "$tmp/noexec"

# exec_code DESCRIPTION WANT-CODE WANT-TEXT CMD
exec_code() {
	out=$(docker exec box "$4" 2>&1)
	rc=$?
	if [ $rc -eq "$2" ] && case $out in *"$3"*) true ;; *) false ;; esac; then
		ok "$1"
	else
		not_ok "$1" "exit $rc (want $2)" "$out"
	fi
}
exec_code "exec of a missing file exits 127" 127 "no such file or directory" /nonexistent
exec_code "exec of a name not on PATH exits 127" 127 "executable file not found" no-such-cmd
exec_code "exec of a directory exits 126" 126 "is a directory" /etc
exec_code "exec of a file without +x exits 126" 126 "permission denied" "$tmp/noexec"
# A detached exec that cannot run keeps dockerd's code for inspect.
out=$(api POST /containers/box/exec -H 'Content-Type: application/json' \
	-d '{"Cmd":["/nonexistent"]}')
eid=$(printf '%s' "$out" | sed -n 's/.*"Id": *"\([0-9a-f]*\)".*/\1/p')
api POST "/exec/$eid/start" -H 'Content-Type: application/json' -d '{"Detach":true}' >/dev/null
out=$(api GET "/exec/$eid/json")
contains "a detached exec of a missing file records exit code 127" "$out" '"ExitCode":127'
st=$(docker inspect --format '{{.State.Status}}' box)
[ "$st" = running ] && ok "the container runs on after failed execs" || not_ok "still running" "$st"
docker rm -f box >/dev/null

out=$(docker run --name nf busybox /nonexistent 2>&1)
rc=$?
[ $rc -eq 127 ] && ok "docker run of a missing file exits 127" || not_ok "run 127" "$rc" "$out"
out=$(docker run --name dir busybox /etc 2>&1)
rc=$?
[ $rc -eq 126 ] && ok "docker run of a directory exits 126" || not_ok "run 126" "$rc" "$out"
st=$(docker inspect --format '{{.State.Status}}|{{.State.Error}}' nf)
contains "a failed start is recorded in State.Error" "$st" 'created|exec: "/nonexistent": stat /nonexistent: no such file or directory'
# dockerd's codes for a failed start, which `docker run` exits with.
st=$(docker inspect --format '{{.State.ExitCode}}' nf)
[ "$st" = 127 ] && ok "a missing command is recorded as exit code 127" || not_ok "State.ExitCode 127" "$st"
st=$(docker inspect --format '{{.State.ExitCode}}' dir)
[ "$st" = 126 ] && ok "a command that cannot run is recorded as exit code 126" || not_ok "State.ExitCode 126" "$st"
docker rm nf dir >/dev/null

# ---- attached clients slower than the process ----

# slow (tests/lib.sh) reads at its own pace, slower than the process.
want=$(seq 1 50000 | slow)

bad=""
for i in 1 2 3; do
	got=$(docker run --rm busybox seq 1 50000 | slow)
	[ "$got" = "$want" ] || bad="$bad run $i: $got;"
done
[ -z "$bad" ] && ok "docker run: a slow client gets every byte (3 runs)" ||
	not_ok "docker run slow client" "want $want" "$bad"

got=$(docker run --rm -a stdout busybox sh -c 'seq 1 50000; echo gone >&2' 2>/dev/null | slow)
[ "$got" = "$want" ] && ok "docker run -a stdout: a slow client gets every byte" ||
	not_ok "run -a stdout slow client" "want $want" "got $got"

# docker attach: the process waits for a line that can only come through
# the attach itself, so all of its output follows the attach.
docker run -d -i --name att busybox sh -c 'read x; seq 1 50000' >/dev/null
got=$(printf 'go\n' | docker attach att | slow)
[ "$got" = "$want" ] && ok "docker attach: a slow client gets every byte" ||
	not_ok "attach slow client" "want $want" "got $got"

# docker logs after the fact keeps the newest output, within the bound.
docker logs att >"$tmp/logs" 2>&1
size=$(wc -c <"$tmp/logs")
last=$(tail -n 1 "$tmp/logs")
[ "$size" -le $LIMIT ] && [ "$size" -gt $((LIMIT / 2)) ] && [ "$last" = 50000 ] &&
	ok "logs keep the newest output within log-buffer-bytes" ||
	not_ok "logs bound" "size $size (limit $LIMIT)" "last line: $last"
docker rm att >/dev/null

# A client that never reads holds the process back, but a stop still
# ends it promptly (the supervisor notices the exit while it waits).
docker run -d --name stuck busybox sh -c 'seq 1 500000000' >/dev/null
mkfifo "$tmp/fifo"
docker attach --no-stdin stuck >"$tmp/fifo" 2>/dev/null &
apid=$!
exec 4<"$tmp/fifo"   # opened, never read
docker stop -t 1 stuck >/dev/null
st=$(docker inspect --format '{{.State.Status}}' stuck)
[ "$st" = exited ] && ok "stop ends a process held back by a client that does not read" ||
	not_ok "stop with a stuck client" "$st"
exec 4<&-
kill "$apid" 2>/dev/null
wait "$apid" 2>/dev/null
docker rm stuck >/dev/null

stop_daemon && ok "daemon stops cleanly" || not_ok "daemon stop" "$?"
tap_done
