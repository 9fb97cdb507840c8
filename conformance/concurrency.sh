# conformance/concurrency.sh - twenty containers at once; one container
# hit by several clients at the same time.

# Twenty `docker run --rm` at once, each with its own exit code.
cc_twenty() {
	i=0
	while [ $i -lt 20 ]; do
		dk_bg "$i" run --rm --name "kit-many$i" "$SL_IMAGE" sh -c "echo out$i; exit $i"
		i=$((i + 1))
	done
	r=0
	i=0
	while [ $i -lt 20 ]; do
		dk_join "$i" || r=1
		if [ "$RC" != "$i" ] || [ "$OUT" != "out$i" ]; then
			fail "run $i of 20: exit code $RC, output: $OUT $ERR"
			r=1
		fi
		i=$((i + 1))
	done
	[ $r = 0 ] || return 1
	poll 20 cc_none_left || fail "containers of run --rm left: $(docker ps -a --format '{{.Names}}')"
}

cc_none_left() { [ -z "$(docker ps -aq --filter name=kit-many)" ]; }

# Three waits, two followers, inspects and two stops at once on one
# container: every client gets the same exit, nobody hangs.
cc_same_container() {
	dk_ok run -d --name kit-shared "$SL_IMAGE" sh -c \
		'trap "echo stopping; exit 5" TERM; echo up; while :; do sleep 0.2; done' || return 1
	poll 20 logs_have kit-shared up || { fail "the container never printed 'up'"; return 1; }
	pids=
	for i in 1 2 3; do
		timeout -k 2 "$SL_T" docker wait kit-shared >"$W/shared-wait$i" 2>&1 &
		pids="$pids $!"
	done
	for i in 1 2; do
		timeout -k 2 "$SL_T" docker logs -f kit-shared >"$W/shared-logs$i" 2>&1 &
		pids="$pids $!"
	done
	for i in 1 2 3 4 5; do
		timeout -k 2 "$SL_T" docker inspect -f '{{.State.Status}}' kit-shared >/dev/null 2>&1 &
		pids="$pids $!"
	done
	for i in 1 2; do
		timeout -k 2 "$SL_T" docker stop -t 10 kit-shared >"$W/shared-stop$i" 2>&1 &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	r=0
	for i in 1 2 3; do
		[ "$(cat "$W/shared-wait$i")" = 5 ] || { fail "docker wait $i: $(cat "$W/shared-wait$i")"; r=1; }
	done
	for i in 1 2; do
		case $(cat "$W/shared-logs$i") in *up*stopping*) ;;
		*) fail "docker logs -f $i: $(cat "$W/shared-logs$i")"; r=1 ;; esac
	done
	want "state after two concurrent stops" "$(state kit-shared)" "exited 5" || r=1
	return $r
}

group_concurrency() {
	scenario concurrency/twenty-at-once "create, start" cc_twenty
	scenario concurrency/one-container-many-clients "stop, logs" cc_same_container
}
