# conformance/lifecycle.sh - create, start, stop, kill, restart, remove,
# --rm, wait conditions and exit codes.

lc_create() {
	dk_ok create --name kit-create "$SL_IMAGE" true || return 1
	want "status after create" "$(state kit-create)" "created 0"
}

lc_start() {
	dk_ok run -d --name kit-start "$SL_IMAGE" sleep 300 || return 1
	want "status after run -d" "$(state kit-start)" "running 0"
}

# Codes a process chooses, and 143 for one killed by SIGTERM.  docker run
# returns the container's code, and inspect must show the same.
lc_exit_codes() {
	for code in 0 1 3 255; do
		dk_bg "$code" run --name "kit-exit$code" "$SL_IMAGE" sh -c "exit $code"
	done
	# Not the container's first process: PID 1 ignores a signal it has no
	# handler for.  The inner shell dies of SIGTERM; the outer exits 143.
	dk_bg 143 run --name kit-exit143 "$SL_IMAGE" sh -c 'sh -c "kill -TERM \$\$"; exit $?'
	r=0
	for code in 0 1 3 255; do
		dk_join "$code" || r=1
		[ "$RC" = "$code" ] ||
			{ fail "docker run of 'exit $code' returned exit code $RC (the backend reports the exit code in state_changed)"; r=1; }
		st=$(state "kit-exit$code")
		[ "$st" = "exited $code" ] ||
			{ fail "inspect after 'exit $code': '$st', wanted 'exited $code' (exit code reported by the backend)"; r=1; }
	done
	dk_join 143 || return 1
	[ "$RC" = 143 ] || { fail "a process killed by SIGTERM: exit code $RC, wanted 143"; r=1; }
	return $r
}

# A process ignoring SIGTERM: stop -t 1 must escalate to SIGKILL after
# about a second (137), not hang and not kill at once.
lc_stop_escalation() {
	dk_ok run -d --name kit-stubborn "$SL_IMAGE" sh -c \
		'trap "echo got-term" TERM; echo ready; while :; do sleep 0.2; done' || return 1
	poll 20 logs_have kit-stubborn ready || { fail "the container never printed 'ready'"; return 1; }
	t0=$(now_ns)
	dk_ok stop -t 1 kit-stubborn || return 1
	ms=$(elapsed_ms "$t0")
	[ "$ms" -ge 900 ] || fail "stop -t 1 returned after $ms ms: SIGKILL came before the timeout" || return 1
	want "state after stop -t 1 of a process ignoring SIGTERM" "$(state kit-stubborn)" "exited 137" || return 1
	logs_have kit-stubborn got-term || fail "SIGTERM never reached the process"
}

lc_stop_graceful() {
	dk_ok run -d --name kit-graceful "$SL_IMAGE" sh -c \
		'trap "echo bye; exit 0" TERM; echo ready; while :; do sleep 0.2; done' || return 1
	poll 20 logs_have kit-graceful ready || { fail "the container never printed 'ready'"; return 1; }
	dk_ok stop -t 20 kit-graceful || return 1
	want "state after stop of a process exiting on SIGTERM" "$(state kit-graceful)" "exited 0" || return 1
	logs_have kit-graceful bye || fail "the process's last words are missing from the logs"
	dk stop kit-graceful || return 1
	[ "$RC" = 0 ] || fail "stop of a stopped container failed: $ERR"
}

# docker kill: SIGKILL, 137; a second kill of the stopped container is
# refused.
lc_kill() {
	dk_ok run -d --name kit-kill "$SL_IMAGE" sleep 300 || return 1
	dk_ok kill kit-kill || return 1
	dk_ok wait kit-kill || return 1
	want "docker wait after kill (SIGKILL)" "$OUT" 137 || return 1
	dk kill kit-kill || return 1
	[ "$RC" != 0 ] || fail "kill of a stopped container succeeded; Docker answers 409"
}

# docker kill -s: a signal the process handles reaches it, and it keeps
# running.
lc_kill_signal() {
	dk_ok run -d --name kit-usr1 "$SL_IMAGE" sh -c \
		'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.2; done' || return 1
	poll 20 logs_have kit-usr1 ready || { fail "the container never printed 'ready'"; return 1; }
	dk_ok kill -s USR1 kit-usr1 || return 1
	poll 20 logs_have kit-usr1 got-usr1 || { fail "SIGUSR1 did not reach the process"; return 1; }
	want "state after kill -s USR1 (trapped)" "$(state kit-usr1)" "running 0"
}

lc_restart() {
	dk_ok run -d --name kit-restart "$SL_IMAGE" sleep 300 || return 1
	s1=$(docker inspect -f '{{.State.StartedAt}}' kit-restart)
	dk_ok restart -t 1 kit-restart || return 1
	want "status after restart" "$(state kit-restart)" "running 0" || return 1
	s2=$(docker inspect -f '{{.State.StartedAt}}' kit-restart)
	[ "$s1" != "$s2" ] || fail "StartedAt did not change across restart ($s1)"
}

# --restart on-failure:2 of a command that fails: the daemon starts it
# again twice (the start hook on an exited container, after dockerd's
# back-off), then leaves it exited with its code and RestartCount 2.
lc_restart_policy() {
	dk_ok run -d --name kit-policy --restart on-failure:2 "$SL_IMAGE" sh -c 'exit 3' || return 1
	# Three runs, each as long as a start takes on the backend.
	poll $((SL_T * 4)) policy_done kit-policy ||
		fail "after on-failure:2 of 'exit 3': '$(state kit-policy)', RestartCount $(restarts kit-policy); wanted 'exited 3' after 2 restarts (each one calls start again on the exited container)"
}
restarts() {
	api GET "/containers/$1/json"
	printf '%s' "$BODY" | sed -n 's/.*"RestartCount":\([0-9]*\).*/\1/p'
}
policy_done() { [ "$(state "$1") $(restarts "$1")" = "exited 3 2" ]; }

lc_remove() {
	dk_ok run -d --name kit-rm "$SL_IMAGE" sleep 300 || return 1
	dk rm kit-rm || return 1
	[ "$RC" != 0 ] || { fail "rm of a running container without -f succeeded"; return 1; }
	case $ERR in *"stop the container before removing"* | *"force"*) ;;
	*) fail "rm of a running container: unexpected message: $ERR"; return 1 ;; esac
	dk_ok rm -f kit-rm || return 1
	dk inspect kit-rm || return 1
	[ "$RC" != 0 ] || fail "the container is still there after rm -f"
	dk_ok run --name kit-rm2 "$SL_IMAGE" true || return 1
	dk_ok rm kit-rm2 || return 1
	dk inspect kit-rm2 || return 1
	[ "$RC" != 0 ] || fail "the container is still there after rm"
}

lc_auto_remove() {
	dk run --rm --name kit-autorm "$SL_IMAGE" sh -c 'exit 4' || return 1
	want "run --rm exit code" "$RC" 4 || return 1
	poll 20 gone kit-autorm || fail "the container of run --rm is still there"
}

# POST /wait?condition=next-exit on a created container returns once it
# has run; condition=removed once it is gone.
lc_wait_conditions() {
	dk_ok create --name kit-wait "$SL_IMAGE" sh -c 'exit 6' || return 1
	rm -f "$W/wait.h1" "$W/wait.h2"
	curl -s --max-time "$SL_T" -D "$W/wait.h1" -X POST --unix-socket "$SL_SOCK" \
		"http://d/v1.47/containers/kit-wait/wait?condition=next-exit" >"$W/wait.next" 2>&1 &
	p1=$!
	curl -s --max-time "$SL_T" -D "$W/wait.h2" -X POST --unix-socket "$SL_SOCK" \
		"http://d/v1.47/containers/kit-wait/wait?condition=removed" >"$W/wait.removed" 2>&1 &
	p2=$!
	# dockerd sends the headers once the wait is registered (docker run
	# relies on it); only then may the container start.
	if ! poll 10 test -s "$W/wait.h1" || ! poll 10 test -s "$W/wait.h2"; then
		fail "POST /wait sent no headers before the container ran"
	fi
	dk_ok start kit-wait || { wait $p1 $p2; return 1; }
	wait $p1
	case $(cat "$W/wait.next") in
	*'"StatusCode":6'*) ;;
	*) fail "wait?condition=next-exit: $(cat "$W/wait.next")"; wait $p2; return 1 ;;
	esac
	dk_ok rm kit-wait || { wait $p2; return 1; }
	wait $p2
	case $(cat "$W/wait.removed") in
	*'"StatusCode":6'*) ;;
	*) fail "wait?condition=removed: $(cat "$W/wait.removed")"; return 1 ;;
	esac
}

group_lifecycle() {
	scenario lifecycle/create create lc_create
	scenario lifecycle/start start lc_start
	scenario lifecycle/exit-codes "start, exit code" lc_exit_codes
	scenario lifecycle/stop-timeout-escalation stop lc_stop_escalation
	scenario lifecycle/stop-graceful stop lc_stop_graceful
	scenario lifecycle/kill kill lc_kill
	scenario lifecycle/kill-signal kill lc_kill_signal
	scenario lifecycle/restart "restart (or stop, start)" lc_restart
	scenario lifecycle/restart-policy "start, exit code" lc_restart_policy
	scenario lifecycle/remove remove lc_remove
	scenario lifecycle/run-rm remove lc_auto_remove
	scenario lifecycle/wait-conditions "exit code" lc_wait_conditions
}
