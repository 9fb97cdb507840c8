# conformance/lib.sh - the conformance kit's machinery, sourced by
# sockerless-conformance: TAP bookkeeping, the private daemon, bounded
# docker and API calls, and the "not supported" (501) check.
#
# A scenario is a shell function that returns 0 when the backend behaved,
# or 1 after `fail MESSAGE` said why.  Every docker call goes through dk,
# which bounds it with $SL_T seconds, so a hook that never returns fails
# its scenario instead of hanging the kit.

SLC_N=0 SLC_PASS=0 SLC_FAIL=0 SLC_SKIP=0
SLC_LIST=${SLC_LIST:-0}

# slc_selected GROUP: --only names the group, or one of its scenarios.
slc_selected() {
	[ -z "$only" ] && return 0
	case ",$only," in *",$1,"* | *",$1/"*) return 0 ;; esac
	return 1
}

# slc_picked NAME: --only names the scenario or its group.
slc_picked() {
	[ -z "$only" ] && return 0
	case ",$only," in *",$1,"* | *",${1%%/*},"*) return 0 ;; esac
	return 1
}

# scenario NAME HOOK FUNCTION: runs FUNCTION and prints its TAP line.
# NAME is group/what; HOOK the backend hook it exercises.
scenario() {
	if [ "$SLC_LIST" = 1 ]; then
		echo "$1 [$2]"
		return 0
	fi
	slc_picked "$1" || return 0
	SC_DIAG='' SC_UNSUP='' SC_REFUSED='' SC_WHY='' SC_HOOK=$2
	SLC_N=$((SLC_N + 1))
	sc_t0=$(now_ns)
	"$3"
	sc_rc=$?
	[ -z "${SOCKERLESS_CONFORMANCE_TIMES:-}" ] || echo "# $1: $(elapsed_ms "$sc_t0") ms"
	if [ $sc_rc = 0 ]; then
		echo "ok $SLC_N - $1 [$2]"
		SLC_PASS=$((SLC_PASS + 1))
	elif [ -n "$SC_UNSUP" ] && slc_unsupported_ok; then
		echo "ok $SLC_N - $1 [$2] # SKIP not supported: $2$SC_WHY"
		SLC_SKIP=$((SLC_SKIP + 1))
	else
		echo "not ok $SLC_N - $1 [$2]"
		printf '%s\n' "hook: $2$SC_DIAG" | sed 's/^/#   /'
		SLC_FAIL=$((SLC_FAIL + 1))
	fi
}

# fail MESSAGE: records why the scenario failed; returns 1.
fail() {
	SC_DIAG="$SC_DIAG
$1"
	return 1
}

# dk ARGS...: docker ARGS bounded by $SL_T seconds; sets OUT (stdout),
# ERR (stderr) and RC (docker's status).  Returns 1, after saying why,
# when docker did not return in time or the daemon answered "not
# supported"; 0 otherwise, whatever docker's status.
dk() {
	dk_t0=$(date +%s)
	timeout -k 2 "$SL_T" docker "$@" >"$W/dk.out" 2>"$W/dk.err" </dev/null
	RC=$?
	slc_dk_result "$@"
}

# dk_in FILE ARGS...: dk with stdin from FILE.
dk_in() {
	f=$1
	shift
	dk_t0=$(date +%s)
	timeout -k 2 "$SL_T" docker "$@" >"$W/dk.out" 2>"$W/dk.err" <"$f"
	RC=$?
	slc_dk_result "$@"
}

slc_dk_result() {
	OUT=$(cat "$W/dk.out")
	ERR=$(cat "$W/dk.err")
	# 137 is also a container's SIGKILL: only the clock tells them apart.
	if { [ "$RC" = 124 ] || [ "$RC" = 137 ]; } && [ $(($(date +%s) - dk_t0)) -ge "$SL_T" ]; then
		fail "docker $* did not return within $SL_T s (the $SC_HOOK hook blocked?)"
		return 1
	fi
	# docker's 125 from run or create: the daemon refused before anything
	# ran.  A refusal naming the backend is an option it cannot honour
	# (slc_refusal_ok checks it as a 501 is checked).
	if [ "$RC" = 125 ] && { [ "$1" = run ] || [ "$1" = create ]; }; then
		case $ERR in
		*" is not possible on the "*" backend"* | *" is not supported by the "*" backend"*)
			SC_UNSUP=$ERR SC_REFUSED=" $* "
			fail "docker $*: $ERR"
			return 1 ;;
		esac
	fi
	case $ERR in
	*" is not supported by the "*" backend"*)
		SC_UNSUP=$ERR
		fail "docker $*: $ERR"
		return 1 ;;
	esac
	return 0
}

# dk_bg TAG ARGS...: starts docker ARGS (bounded) in the background;
# dk_join TAG waits for it and sets OUT, ERR and RC as dk does.
dk_bg() {
	bg_tag=$1
	shift
	(
		t0=$(date +%s)
		timeout -k 2 "$SL_T" docker "$@" >"$W/bg.$bg_tag.out" 2>"$W/bg.$bg_tag.err" </dev/null
		echo "$? $(($(date +%s) - t0))" >"$W/bg.$bg_tag.rc"
	) &
	eval "bg_pid_$bg_tag=\$!"
	echo "$*" >"$W/bg.$bg_tag.cmd"
}

dk_join() {
	eval "wait \$bg_pid_$1"
	read -r RC secs <"$W/bg.$1.rc"
	dk_t0=$(($(date +%s) - secs))
	cp "$W/bg.$1.out" "$W/dk.out"
	cp "$W/bg.$1.err" "$W/dk.err"
	slc_dk_result $(cat "$W/bg.$1.cmd")
}

# dk_ok ARGS...: dk, and fails unless docker succeeded.
dk_ok() {
	dk "$@" || return 1
	[ "$RC" = 0 ] || fail "docker $* failed ($RC): $ERR"
}

# api METHOD PATH [curl args]: a bounded request on the socket; sets CODE
# and BODY.
api() {
	m=$1 p=$2
	shift 2
	CODE=$(curl -s --max-time "$SL_T" -o "$W/api.body" -w '%{http_code}' \
		-X "$m" --unix-socket "$SL_SOCK" "$@" "http://d/v1.47$p")
	BODY=$(cat "$W/api.body" 2>/dev/null)
}

# want WHAT GOT EXPECTED: fails unless GOT is EXPECTED.
want() {
	[ "$2" = "$3" ] && return 0
	fail "$1: expected '$3', got '$2'"
}

# poll SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds;
# 1 after the deadline.
poll() {
	pl_n=$(($1 * 10))
	shift
	while [ "$pl_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		pl_n=$((pl_n - 1))
	done
	return 1
}

# state ID: prints "Status ExitCode" of a container (through the API: a
# curl costs far less than a docker CLI, and polls call this often).
state() {
	api GET "/containers/$1/json"
	[ "$CODE" = 200 ] || { echo "inspect answered $CODE: $BODY"; return 0; }
	s=$(printf '%s' "$BODY" | grep -o '"State":{[^}]*}')
	printf '%s %s\n' "$(printf '%s' "$s" | sed -n 's/.*"Status":"\([a-z]*\)".*/\1/p')" \
		"$(printf '%s' "$s" | sed -n 's/.*"ExitCode":\(-\{0,1\}[0-9]*\).*/\1/p')"
}

# gone ID: the container no longer exists.
gone() {
	api GET "/containers/$1/json"
	[ "$CODE" = 404 ]
}

is_status() { [ "$(state "$1")" = "$2" ]; }

# now_ns: nanoseconds since the epoch.
now_ns() { date +%s%N; }

# elapsed_ms SINCE_NS: milliseconds since SINCE_NS.
elapsed_ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# logs_have ID TEXT: the container's logs contain TEXT.  Through the API
# (the frames' binary headers do not matter to grep -a): polls run it
# often, and the CLI costs a tenth of a second a call.
logs_have() {
	curl -s --max-time "$SL_T" --unix-socket "$SL_SOCK" \
		"http://d/v1.47/containers/$1/logs?stdout=1&stderr=1" 2>/dev/null | grep -aq "$2"
}

# --- "not supported" ---------------------------------------------------------

# slc_unsupported_ok: the daemon said the hook is not supported.  Checks
# the message names the operation and the backend, and that the API
# answers that hook's request with 501 and the same kind of message.
slc_unsupported_ok() {
	if [ -n "$SC_REFUSED" ]; then
		slc_refusal_ok
		return
	fi
	msg=${SC_UNSUP#*Error response from daemon: }
	op=${msg%% is not supported by the *}
	if [ -z "$op" ] || [ "$op" = "$msg" ]; then
		fail "the 'not supported' message does not name the operation: $SC_UNSUP"
		return 1
	fi
	case $msg in
	*"not supported by the $SL_BACKEND_NAME backend"*) ;;
	*) fail "the 'not supported' message does not name the backend ($SL_BACKEND_NAME): $msg"; return 1 ;;
	esac
	api POST /containers/create -H 'Content-Type: application/json' \
		-d "{\"Image\":\"$SL_IMAGE\",\"Cmd\":[\"sleep\",\"60\"]}"
	pid=$(printf '%s' "$BODY" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
	case $SC_HOOK in
	exec)
		# Exec checks the container runs before asking the backend: a
		# backend whose exec depends on the container (an agent) answers
		# only for a running one.
		api POST "/containers/$pid/start"
		api POST "/containers/$pid/exec" -H 'Content-Type: application/json' -d '{"Cmd":["true"]}' ;;
	archive) api GET "/containers/$pid/archive?path=/" ;;
	logs) api GET "/containers/$pid/logs?stdout=1" ;;
	attach) api POST "/containers/$pid/attach?stream=1&stdout=1" ;;
	start | stop | kill | restart | pause) api POST "/containers/$pid/$SC_HOOK" ;;
	top) api GET "/containers/$pid/top" ;;
	volumes) api POST /volumes/create -H 'Content-Type: application/json' -d '{"Name":"sl-conformance-probe"}' ;;
	*) CODE=501 BODY="{\"message\":\"$msg\"}" ;;
	esac
	[ -n "$pid" ] && timeout -k 2 "$SL_T" docker rm -f "$pid" >/dev/null 2>&1
	if [ "$CODE" != 501 ]; then
		fail "docker said '$msg', but the $SC_HOOK request answered $CODE, not 501: $BODY"
		return 1
	fi
	case $BODY in
	*"is not supported by the $SL_BACKEND_NAME backend"*) return 0 ;;
	esac
	fail "the 501 for $SC_HOOK does not say what is not supported: $BODY"
}

# slc_refusal_ok: create refused an option of the scenario's command (-i,
# -t) that the backend cannot honour.  Checked as a 501 is: the message
# begins with the option and names the backend, and a create with that
# option alone through the API is refused the same way, with 400, 409 or
# 501 (a backend refuses at create what it cannot honour with SL_EINVAL or
# SL_ENOTSUP, as dockerd answers 400 for an isolation its platform lacks).
slc_refusal_ok() {
	msg=$(printf '%s\n' "${SC_UNSUP#*Error response from daemon: }" | head -1)
	case $msg in
	*" is not possible on the $SL_BACKEND_NAME backend"* | \
	*" is not supported by the $SL_BACKEND_NAME backend"*) ;;
	*) fail "the refusal does not name the backend ($SL_BACKEND_NAME): $msg"; return 1 ;;
	esac
	opt=${msg%% *}
	case $SC_REFUSED in
	*" $opt "*) ;;
	*) fail "the refusal does not begin with an option of 'docker$SC_REFUSED': $msg"; return 1 ;;
	esac
	case $opt in
	-i | --interactive) body='"OpenStdin":true,"AttachStdin":true,"StdinOnce":true' ;;
	-t | --tty) body='"Tty":true' ;;
	*) fail "the kit cannot check a refusal of $opt through the API: $msg"; return 1 ;;
	esac
	api POST /containers/create -H 'Content-Type: application/json' \
		-d "{\"Image\":\"$SL_IMAGE\",\"Cmd\":[\"true\"],$body}"
	case $CODE in
	400 | 409 | 501) ;;
	*)
		pid=$(printf '%s' "$BODY" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
		[ -n "$pid" ] && timeout -k 2 "$SL_T" docker rm -f "$pid" >/dev/null 2>&1
		fail "docker said '$msg', but a create with $opt through the API answered $CODE: $BODY"
		return 1 ;;
	esac
	case $BODY in
	*"\"$opt "*" the $SL_BACKEND_NAME backend"*) SC_WHY=" ($opt refused at create)"; return 0 ;;
	esac
	fail "the $CODE refusing $opt does not name it and the backend: $BODY"
}

# --- the private daemon -----------------------------------------------------

# slc_daemon_start: starts sockerlessd on $SL_SOCK with the backend, its
# options and the mirror; waits (15 s) until it answers /_ping.
slc_daemon_start() {
	eval "set -- $slc_opts"
	"$sld" -H "unix://$SL_SOCK" --data-root "$W/data" --backend="$backend" \
		${mirror:+--registry-mirror "$mirror"} "$@" >>"$W/daemon.log" 2>&1 &
	SL_DAEMON_PID=$!
	i=0
	while [ $i -lt 150 ]; do
		if curl -sf --max-time 2 --unix-socket "$SL_SOCK" http://d/_ping >/dev/null 2>&1; then
			SL_BACKEND_NAME=$(timeout -k 2 "$SL_T" docker version \
				-f '{{range .Server.Components}}{{.Details.Backend}}{{end}}' 2>/dev/null)
			return 0
		fi
		kill -0 "$SL_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	slc_daemon_stop 5
	return 1
}

# slc_daemon_stop SECONDS: SIGTERM, then SIGKILL after SECONDS.  Returns 0
# when the daemon exited by itself in time.
slc_daemon_stop() {
	[ -n "$SL_DAEMON_PID" ] || return 0
	kill -TERM "$SL_DAEMON_PID" 2>/dev/null
	i=0
	while kill -0 "$SL_DAEMON_PID" 2>/dev/null && [ $i -lt $(($1 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	rc=0
	if kill -0 "$SL_DAEMON_PID" 2>/dev/null; then
		kill -KILL "$SL_DAEMON_PID" 2>/dev/null
		rc=1
	fi
	wait "$SL_DAEMON_PID" 2>/dev/null
	SL_DAEMON_STATUS=$?
	SL_DAEMON_PID=
	return $rc
}

# slc_final_stop: stops the daemon after the last scenario.  A daemon
# that does not stop, or exits with an error (a sanitizer's report, say),
# is one more failure, with the end of its log.
slc_final_stop() {
	slc_cleanup_containers
	if slc_daemon_stop 20 && [ "$SL_DAEMON_STATUS" = 0 ]; then
		return 0
	fi
	SLC_N=$((SLC_N + 1))
	SLC_FAIL=$((SLC_FAIL + 1))
	echo "not ok $SLC_N - sockerlessd stops cleanly [fini]"
	echo "#   hook: fini"
	echo "#   SIGTERM: exit status $SL_DAEMON_STATUS (0 expected, within 20 s); the end of its log:"
	tail -30 "$W/daemon.log" | sed 's/^/#   /'
}

# slc_cleanup_containers: removes every container and volume the scenarios
# left, so groups do not see each other's.
slc_cleanup_containers() {
	api GET '/containers/json?all=1'
	for id in $(printf '%s' "$BODY" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
		api DELETE "/containers/$id?force=1&v=1"
	done
	api GET /volumes
	for v in $(printf '%s' "$BODY" | grep -o '"Name":"[^"]*"' | cut -d'"' -f4); do
		api DELETE "/volumes/$v?force=1"
	done
}
