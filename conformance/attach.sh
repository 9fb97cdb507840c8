# conformance/attach.sh - the attach hook: stdin with half-close, a TTY,
# a late attach to a running container.

# The client closes its stdin: the process reads EOF, and its output after
# that still reaches the client (a half-close, not a hang-up).
at_half_close() {
	printf 'hello\nworld\n' >"$W/in"
	dk_in "$W/in" run -i --rm "$SL_IMAGE" sh -c 'cat; echo after-eof' || return 1
	want "run -i: exit code" "$RC" 0 || fail "$ERR" || return 1
	want "run -i: the input, then output after EOF" "$(echo $OUT)" "hello world after-eof"
}

at_stdin_exit_code() {
	printf 'x' >"$W/in"
	dk_in "$W/in" run -i --rm "$SL_IMAGE" sh -c 'read -r v; exit 9' || return 1
	want "run -i, a process that exits without reading all its input" "$RC" 9 || fail "$ERR"
}

at_tty() {
	dk run -t --rm "$SL_IMAGE" sh -c 'test -t 1 && echo is-a-tty' || return 1
	want "run -t: exit code" "$RC" 0 || fail "$ERR" || return 1
	want "run -t: the process's stdout is a terminal" "$(printf '%s' "$OUT" | tr -d '\r')" is-a-tty
}

# Attach to a running container: later output reaches the client, which
# returns with the container's exit code when it ends.
at_late() {
	dk_ok run -d --name kit-late "$SL_IMAGE" sh -c \
		'trap "echo bye; exit 0" TERM; echo started; while :; do echo tick; sleep 0.2; done' || return 1
	poll 20 logs_have kit-late started || { fail "the container never printed 'started'"; return 1; }
	dk_bg late attach --no-stdin kit-late
	poll 20 grep -q tick "$W/bg.late.out" || fail "attach received no output in 20 s"
	r=$?
	timeout -k 2 "$SL_T" docker stop kit-late >/dev/null 2>&1
	dk_join late || return 1
	[ $r = 0 ] || return 1
	want "attach: exit code (the container's)" "$RC" 0 || return 1
	case $OUT in *bye*) ;; *) fail "attach missed the container's last output: $OUT"; return 1 ;; esac
	case $OUT in *started*) fail "attach replayed output printed before it: $OUT"; return 1 ;; esac
}

group_attach() {
	scenario attach/stdin-half-close attach at_half_close
	scenario attach/stdin-exit-code attach at_stdin_exit_code
	scenario attach/tty attach at_tty
	scenario attach/late-attach attach at_late
}
