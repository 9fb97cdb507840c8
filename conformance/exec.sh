# conformance/exec.sh - the exec hooks: output, exit codes, stdin, env and
# working directory, and exec into a stopped container.

ex_target() {
	is_status kit-exec "running 0" && return 0
	dk_ok run -d --name kit-exec "$SL_IMAGE" sleep 300
}

ex_output() {
	ex_target || return 1
	dk_ok exec kit-exec echo from-exec || return 1
	want "exec output" "$OUT" from-exec || return 1
	dk exec kit-exec sh -c 'echo err >&2; exit 7' || return 1
	want "exec exit code" "$RC" 7 || return 1
	want "exec stderr" "$ERR" err
}

ex_stdin() {
	ex_target || return 1
	printf 'through-stdin\n' >"$W/in"
	dk_in "$W/in" exec -i kit-exec cat || return 1
	want "exec -i: exit code" "$RC" 0 || return 1
	want "exec -i: the input back" "$OUT" through-stdin
}

ex_env_workdir() {
	ex_target || return 1
	dk_ok exec -e KIT_VAR=kit-value -w /tmp kit-exec sh -c 'echo "$KIT_VAR $(pwd)"' || return 1
	want "exec -e -w" "$OUT" "kit-value /tmp"
}

ex_stopped() {
	dk_ok create --name kit-exec-stopped "$SL_IMAGE" true || return 1
	dk exec kit-exec-stopped true || return 1
	[ "$RC" != 0 ] || { fail "exec into a container that is not running succeeded"; return 1; }
	case $ERR in *"is not running"*) ;; *) fail "exec into a stopped container: $ERR" ;; esac
}

group_exec() {
	scenario exec/output-exit-code exec ex_output
	scenario exec/stdin exec ex_stdin
	scenario exec/env-workdir exec ex_env_workdir
	scenario exec/not-running exec ex_stopped
}
