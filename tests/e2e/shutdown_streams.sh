#!/bin/sh
# SIGTERM while the docker CLI follows a container: the backend stops it
# during shutdown, and `docker logs -f`, `docker wait`, `docker events` and
# `docker attach` each get its end (the die event, the exit code, the end of
# the stream) and exit 0 rather than "unexpected EOF".  A --rm container
# stopped then is not removed while fini runs, but at the next start.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
start_registry

tap_plan 8
start_daemon sd --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" \
	--log-level debug || { echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
LOG="$tmp/sd/log"

# poll CMD...: waits (15 s at most) until the command succeeds.
poll() {
	i=0
	while [ $i -lt 150 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

docker run -d --name long busybox sh -c \
	'trap "exit 0" TERM; while :; do echo tick; sleep 0.2; done' >/dev/null
# Each client in the background, its exit status in a file.
bg() {
	name=$1
	shift
	( timeout 60 "$@" >"$tmp/$name.out" 2>&1; echo $? >"$tmp/$name.rc" ) &
}
gone=$(docker run -d --rm --name gone busybox sleep 300)
bg logs docker logs -f long
bg wait docker wait long
bg events docker events --filter container=long --filter event=die --format '{{.Action}}'
bg attach docker attach --no-stdin long
poll grep -q tick "$tmp/logs.out"
poll grep -q tick "$tmp/attach.out"
poll grep -q "containers/long/wait" "$LOG"
poll sh -c '[ "$(docker info --format "{{.NEventsListener}}")" -ge 1 ]'

stop_daemon
rc=$?
[ $rc -eq 0 ] && ok "the daemon exits 0" || not_ok "daemon exit" "$rc" "$(tail -5 "$LOG")"
for c in logs wait events attach; do
	poll test -s "$tmp/$c.rc"
done
res() { printf 'rc=%s out=%s' "$(cat "$tmp/$1.rc" 2>/dev/null)" "$(tail -3 "$tmp/$1.out")"; }
[ "$(cat "$tmp/logs.rc")" = 0 ] && ok "docker logs -f ends cleanly" || not_ok "logs -f" "$(res logs)"
[ "$(cat "$tmp/wait.rc")" = 0 ] && [ "$(cat "$tmp/wait.out")" = 0 ] &&
	ok "docker wait prints the exit code" || not_ok "wait" "$(res wait)"
[ "$(cat "$tmp/events.rc")" = 0 ] && grep -qx die "$tmp/events.out" &&
	ok "docker events shows die and ends cleanly" || not_ok "events" "$(res events)"
[ "$(cat "$tmp/attach.rc")" = 0 ] && ok "docker attach ends cleanly" || not_ok "attach" "$(res attach)"
# No hook may run while fini does: the --rm container's removal waits.
[ -f "$tmp/sd/data/containers/$gone.json" ] &&
	ok "a --rm container stopped by the shutdown is kept for the next start" ||
	not_ok "kept for the next start" "$(grep -i "remove" "$LOG" | tail -3)"
start_daemon sd --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not restart"; exit 1; }
poll sh -c '[ -z "$(docker ps -aq --filter name=gone)" ]' &&
	ok "the next start removes it" || not_ok "removed at the next start" "$(docker ps -a)"
stop_daemon >/dev/null
grep -q "unexpected EOF" "$tmp"/*.out && not_ok "no client saw unexpected EOF" "$(grep -l "unexpected EOF" "$tmp"/*.out)" ||
	ok "no client saw unexpected EOF"
tap_done
