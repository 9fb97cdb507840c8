#!/bin/sh
# The daemon acknowledges an agent's exit only once the output session
# has brought the rest of the output: the agent sends the exit on channel
# 0 as soon as its main process ends, maybe before its session's last
# output, and exits when acknowledged.  A scripted agent
# (tests/agent_exit_order.py) plays that order with a 2 s gap, which the
# real agent shows only when its threads run late (once in CI: the local
# log copy stayed incomplete).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

EX="$top_builddir/plugin-api/example/.libs"
AGENT=$tmp/fake-agent
mkdir "$tmp/verdict"
if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; else py=python3; fi
printf '#!/bin/sh\nPYTHONDONTWRITEBYTECODE=1 VERDICT_DIR=%s top_srcdir=%s exec %s %s "$@"\n' \
	"$tmp/verdict" "$top_srcdir" "$py" "$top_srcdir/tests/agent_exit_order.py" >"$AGENT"
chmod +x "$AGENT"
tap_plan 7

start_daemon reverse --backend=example --plugin-dir "$EX" -o agent="$AGENT" \
	-o agent-mode=reverse --agent-listen 127.0.0.1:0 ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

id=$(docker run -d busybox exit-last)
docker wait "$id" >/dev/null 2>&1
v=$(cat "$tmp/verdict/$id" 2>/dev/null)
check "the ACK waits for the output session's EXIT ($v)" test "$v" = late
wait_for 10 test -e "$tmp/reverse/data/ctrfiles/$id/log.complete"
check "the local log copy is complete" \
	test -e "$tmp/reverse/data/ctrfiles/$id/log.complete"
check "docker logs has the output sent after the exit" \
	test "$(docker logs "$id" 2>&1)" = "$(printf 'one\ntwo')"

# A session that ends in an error no longer holds the ACK: the agent is
# not kept waiting for an EXIT that will not come.
id=$(docker run -d busybox error-last)
docker wait "$id" >/dev/null 2>&1
v=$(cat "$tmp/verdict/$id" 2>/dev/null)
check "after the session's ERROR the ACK comes ($v)" test "$v" = late
check "... and the copy is not called complete" \
	test ! -e "$tmp/reverse/data/ctrfiles/$id/log.complete"
check "the daemon keeps serving" docker ps -a
if stop_daemon; then ok "the daemon exits 0"; else
	not_ok "the daemon exits 0" "$(tail -20 "$tmp/reverse/log")"; fi
tap_done
