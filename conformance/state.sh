# conformance/state.sh - state reporting: events in order, inspect fields,
# a daemon restart (the backend's recover hook).

# Actions of the lifecycle events of one container, in order.
st_actions() {
	timeout -k 2 "$SL_T" docker events --since "$1" --until "$(date +%s.%N)" \
		--filter "container=$2" --format '{{.Action}}' 2>&1 |
		grep -E '^(create|start|die|destroy)$' | tr '\n' ' '
}

st_events() {
	t0=$(date +%s)
	dk_ok run -d --name kit-events "$SL_IMAGE" sh -c 'exit 2' || return 1
	dk_ok wait kit-events || return 1
	dk_ok rm kit-events || return 1
	want "events of run -d, exit, rm" "$(st_actions "$t0" kit-events)" "create start die destroy "
}

# to_s RFC3339: seconds since the epoch, with the fraction.
to_s() { date -d "$1" +%s.%N 2>/dev/null || echo 0; }

st_inspect() {
	cmd="trap 'exit 3' TERM; while :; do sleep 0.2; done"
	dk_ok run -d --name kit-inspect "$SL_IMAGE" sh -c "$cmd" || return 1
	f='{{.State.Status}} {{.State.Running}} {{.Name}} {{.Config.Image}} {{json .Config.Cmd}}'
	want "inspect while running" "$(docker inspect -f "$f" kit-inspect)" \
		"running true /kit-inspect $SL_IMAGE [\"sh\",\"-c\",\"$cmd\"]" || return 1
	dk_ok stop kit-inspect || return 1
	want "inspect after the exit" "$(docker inspect -f '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}' kit-inspect)" \
		"exited false 3" || return 1
	started=$(docker inspect -f '{{.State.StartedAt}}' kit-inspect)
	finished=$(docker inspect -f '{{.State.FinishedAt}}' kit-inspect)
	s=$(to_s "$started") f=$(to_s "$finished")
	awk -v s="$s" -v f="$f" 'BEGIN { exit !(s > 1e9 && f > s) }' ||
		fail "StartedAt $started and FinishedAt $finished do not frame the run"
}

# Stop the daemon and start it again on the same data root: what exited
# keeps its code; what ran is still running (a cloud backend's recover
# found it) or exited with a FinishedAt (the backend said it was lost),
# and either can be removed.
st_recover() {
	dk run --name kit-before "$SL_IMAGE" sh -c 'exit 3' || return 1
	dk_ok run -d --name kit-across "$SL_IMAGE" sleep 300 || return 1
	slc_daemon_stop 20 || fail "the daemon took more than 20 s to stop" || return 1
	slc_daemon_start || { fail "the daemon did not start again (recover failed?): $(tail -5 "$W/daemon.log")"; return 1; }
	want "an exited container after the restart" "$(state kit-before)" "exited 3" || return 1
	st=$(state kit-across)
	case $st in
	"running 0") ;;
	"exited "*)
		fin=$(docker inspect -f '{{.State.FinishedAt}}' kit-across)
		case $fin in 0001-*) fail "recover reported '$st' without a FinishedAt"; return 1 ;; esac ;;
	*) fail "a running container after the restart: '$st'"; return 1 ;;
	esac
	dk_ok rm -f kit-across kit-before
}

group_state() {
	scenario state/events-in-order "state reports" st_events
	scenario state/inspect-fields "state reports" st_inspect
	scenario state/daemon-restart recover st_recover
}
