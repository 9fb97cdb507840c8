#!/bin/sh
# The conformance kit catches deliberately broken backends
# (tests/plugins/broken_wrap.c: the example backend with one defect each),
# names the hook in its failure, and does not hang on a hook that never
# returns: every docker call is bounded and its private daemon stopped.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/conformance-check.sh"
start_registry
tap_plan 17
export SL_BROKEN_INNER="$top_builddir/plugin-api/example/.libs/example.so"
plugins=$top_builddir/tests/plugins/.libs

# result TAPFILE NAME: pass|fail|skip of one scenario.
result() { kit_results "$1" | awk -v n="$2" '$2 == n { print $1 }'; }

# Exit codes reported as 0: the exit-code scenarios fail, saying so.
kit_run "$tmp/exit.tap" 90 --backend="$plugins/broken_exit.so" --registry-mirror "$SL_MIRROR" \
	--only lifecycle/exit-codes,lifecycle/kill,lifecycle/create
[ "$KIT_RC" = 1 ] && ok "exit codes always 0: the kit fails (status 1)" ||
	not_ok "broken_exit status" "$KIT_RC" "$(cat "$tmp/exit.tap")"
[ "$(result "$tmp/exit.tap" lifecycle/exit-codes)" = fail ] && ok "... lifecycle/exit-codes fails" ||
	not_ok "exit-codes" "$(cat "$tmp/exit.tap")"
d=$(kit_diag "$tmp/exit.tap" lifecycle/exit-codes)
contains "... naming the hook" "$d" "hook: start, exit code"
contains "... and what was wrong" "$d" "returned exit code 0"
[ "$(result "$tmp/exit.tap" lifecycle/kill)" = fail ] && ok "... docker wait after kill fails too" ||
	not_ok "kill" "$(cat "$tmp/exit.tap")"
[ "$(result "$tmp/exit.tap" lifecycle/create)" = pass ] && ok "... while create passes" ||
	not_ok "create" "$(cat "$tmp/exit.tap")"
contains "... closing line" "$(tail -1 "$tmp/exit.tap")" "# 1 passed, 2 failed, 0 skipped"

# A stop hook that never returns: the scenario fails within the kit's
# --timeout, naming the stop hook; the kit ends and leaves nothing behind.
kit_run "$tmp/stop.tap" 90 --backend="$plugins/broken_stop.so" --registry-mirror "$SL_MIRROR" \
	--timeout 10 --only lifecycle/stop-timeout-escalation,lifecycle/kill
[ "$KIT_RC" = 1 ] && ok "stop never returns: the kit fails (status 1)" ||
	not_ok "broken_stop status" "$KIT_RC" "$(cat "$tmp/stop.tap")"
d=$(kit_diag "$tmp/stop.tap" lifecycle/stop-timeout-escalation)
contains "... stop-timeout-escalation fails naming the hook" "$d" "hook: stop"
contains "... saying the call did not return" "$d" "did not return within 10 s"
[ "$(result "$tmp/stop.tap" lifecycle/kill)" = pass ] && ok "... while kill passes" ||
	not_ok "kill" "$(cat "$tmp/stop.tap")"
[ "$KIT_SECS" -lt 60 ] && ok "the kit did not hang ($KIT_SECS s)" || not_ok "the kit took $KIT_SECS s"

# Create refuses -i naming the option and the backend: "not supported",
# checked through the API too; -t refused without saying where: a failure.
kit_run "$tmp/refuse.tap" 90 --backend="$plugins/broken_refuse.so" --registry-mirror "$SL_MIRROR" \
	--only attach/stdin-exit-code,attach/tty,attach/late-attach
contains "a create-time refusal of -i naming the backend is not supported" \
	"$(grep 'attach/stdin-exit-code' "$tmp/refuse.tap")" \
	"# SKIP not supported: attach (-i refused at create)"
d="$(result "$tmp/refuse.tap" attach/tty)|$(kit_diag "$tmp/refuse.tap" attach/tty)"
case $d in
"fail|"*"no terminal here"*) ok "... one that does not name it fails, with its message" ;;
*) not_ok "refused -t" "$d" ;;
esac
contains "... closing line" "$(tail -1 "$tmp/refuse.tap")" "# 1 passed, 1 failed, 1 skipped"
kit_clean
[ "$TAP_FAILED" -eq 0 ] || sed 's/^/# kit: /' "$tmp/exit.tap" "$tmp/stop.tap" "$tmp/refuse.tap"
tap_done
