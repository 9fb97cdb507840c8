# conformance/cancellation.sh - clients that vanish mid-stream, and a
# daemon shutdown while a hook blocks.

# cn_vanish ID ARGS...: starts `docker ARGS` in the background, waits until
# it printed something, then kills it as a client that vanishes would.
cn_vanish() {
	f=$W/vanish.out
	: >"$f"
	docker "$@" >"$f" 2>&1 &
	vp=$!
	poll 20 test -s "$f"
	printed=$?
	kill -KILL "$vp" 2>/dev/null
	wait "$vp" 2>/dev/null
	[ $printed = 0 ] || fail "docker $* printed nothing in 20 s"
}

cn_ticker() {
	dk_ok run -d --name "$1" "$SL_IMAGE" sh -c \
		'while :; do echo tick; sleep 0.2; done' || return 1
	poll 20 logs_have "$1" tick || fail "the container never printed"
}

# The container is still there and controllable after its clients went.
cn_still_serves() {
	want "state after the clients vanished" "$(state "$1")" "running 0" || return 1
	dk_ok logs --tail 1 "$1" || return 1
	dk_ok stop -t 1 "$1" || return 1
	case $(state "$1") in "exited "*) ;; *) fail "stop after the clients vanished: $(state "$1")" ;; esac
}

cn_logs_client() {
	cn_ticker kit-vlogs || return 1
	for i in 1 2; do cn_vanish logs -f kit-vlogs || return 1; done
	cn_still_serves kit-vlogs
}

cn_attach_client() {
	cn_ticker kit-vattach || return 1
	for i in 1 2; do cn_vanish attach --no-stdin kit-vattach || return 1; done
	cn_still_serves kit-vattach
}

# A stop whose grace period is running (the process ignores the first
# SIGTERM; the next, from a backend stopping its containers, ends it) when
# the daemon is told to shut down: the daemon cancels the hook and exits
# in bounded time, and starts again.
cn_shutdown() {
	dk_ok run -d --name kit-shutdown "$SL_IMAGE" sh -c \
		'trap "echo got-term; trap - TERM" TERM; echo ready; while :; do sleep 0.2; done' || return 1
	poll 20 logs_have kit-shutdown ready || { fail "the container never printed 'ready'"; return 1; }
	timeout -k 2 "$SL_T" docker stop -t 60 kit-shutdown >"$W/shutdown-stop" 2>&1 &
	sp=$!
	poll 20 logs_have kit-shutdown got-term || fail "SIGTERM never reached the process (stop)"
	r=0
	slc_daemon_stop 20 || { fail "the daemon did not exit within 20 s of SIGTERM while a stop hook blocked"; r=1; }
	wait "$sp"
	slc_daemon_start || { fail "the daemon did not start again: $(tail -5 "$W/daemon.log")"; return 1; }
	return $r
}

group_cancellation() {
	scenario cancellation/vanished-logs-client logs cn_logs_client
	scenario cancellation/vanished-attach-client attach cn_attach_client
	scenario cancellation/shutdown-while-stop-blocks stop cn_shutdown
}
