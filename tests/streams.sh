#!/bin/sh
# Hijacked and streamed answers: clients that vanish, half-close and
# detach (the double close that aborted the daemon), detach keys, a quiet
# stream whose client hangs up, and fini only after every stream hook.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

tap_plan 18
PY=python3
EX="$top_builddir/plugin-api/example/.libs"
TP="$top_builddir/tests/plugins/.libs"

# poll_log FILE TEXT [COUNT]: waits (10 s at most) until FILE holds COUNT
# lines with TEXT.
poll_log() {
	i=0
	while [ $i -lt 100 ]; do
		[ "$(grep -c -F -- "$2" "$1")" -ge "${3:-1}" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# hijack.py: a raw client for one hijacked stream (see the cases below).
cat >"$tmp/hijack.py" <<'PYEOF'
import json, socket, sys, time
sock_path, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
body = sys.argv[4].encode() if len(sys.argv) > 4 and sys.argv[4] else b""
steps = sys.argv[5:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(15)
s.connect(sock_path)
s.sendall(("%s %s HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
           "Content-Length: %d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
           % (method, path, len(body))).encode() + body)
buf = b""
while b"\r\n\r\n" not in buf:
    c = s.recv(4096)
    if not c:
        sys.exit("closed before the headers")
    buf += c
head, got = buf.split(b"\r\n\r\n", 1)
status = head.split(b"\r\n")[0].decode()
if " 101 " not in status + " ":
    sys.exit("not upgraded: %s %r" % (status, got[:200]))
for st in steps:
    op, _, arg = st.partition(":")
    arg = arg.encode().decode("unicode_escape").encode("latin-1")
    if op == "send":
        s.sendall(arg)
    elif op == "expect":          # wait for these bytes in the output
        end = time.monotonic() + 10
        while arg not in got and time.monotonic() < end:
            c = s.recv(65536)
            if not c:
                break
            got += c
        if arg not in got:
            sys.exit("never saw %r in %r" % (arg, got[-200:]))
    elif op == "eof":             # the server must end the stream
        end = time.monotonic() + 10
        while time.monotonic() < end:
            c = s.recv(65536)
            if not c:
                break
            got += c
        else:
            sys.exit("the stream did not end")
    elif op == "hold":            # keep the stream open until killed
        print("holding", flush=True)
        while s.recv(65536):
            pass
    elif op == "close":
        s.close()
        sys.exit(0)
print("ok")
PYEOF
hj() { $PY "$tmp/hijack.py" "$SL_SOCK" "$@"; }

# ---- on the example backend ------------------------------------------------
start_daemon ex --backend=example --plugin-dir "$EX" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

cid=$(curl -sf --unix-socket "$SL_SOCK" -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["cat"],"OpenStdin":true}' \
	"http://d/v1.43/containers/create?name=catter" | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
curl -sf --unix-socket "$SL_SOCK" -X POST "http://d/v1.43/containers/$cid/start" >/dev/null

# The abort: hijacked attach and exec streams whose clients vanish before
# or after the 101, reset, half-close or detach, docker run -i sessions
# whose stdin ends; eight clients at once.
if out=$($PY "$top_srcdir/tests/stress_hijack.py" "$SL_SOCK" "$cid" 12 2>&1); then
	ok "96 hijacked sessions with vanishing, half-closing, detaching clients"
else
	not_ok "hijacked stress" "$out" "$(tail -5 "$tmp/ex/log")"
fi
# docker run -i sessions alone, the ones that closed a container's stdin
# twice (the second close hit whatever reused the descriptor).
if out=$(STRESS_MODES=run-i $PY "$top_srcdir/tests/stress_hijack.py" "$SL_SOCK" "$cid" 10 2>&1); then
	ok "80 docker run -i sessions whose stdin ends, eight at once"
else
	not_ok "run -i stress" "$out" "$(tail -5 "$tmp/ex/log")"
fi
kill -0 "$SL_PID" 2>/dev/null && ok "the daemon survived the stress" ||
	not_ok "daemon alive" "$(tail -5 "$tmp/ex/log")"

A="/v1.43/containers/$cid/attach?stream=1&stdin=1&stdout=1&stderr=1"
# Without a TTY, as with dockerd, the detach keys are data for the process
# (binary stdin holds them); the exec below has them detach.
check "attach without a TTY: ctrl-p ctrl-q reach the process" \
	hj POST "$A" "" 'send:one\n' 'expect:one' 'send:\x10\x11x\n' 'expect:\x10\x11x' \
	close
check "attach without a TTY: detachKeys=ctrl-a,b reach the process" \
	hj POST "$A&detachKeys=ctrl-a,b" "" 'send:two\x01b\n' 'expect:two\x01b' \
	close
st=$(docker inspect --format '{{.State.Running}}' catter 2>&1)
[ "$st" = true ] && ok "the container keeps running after the attaches" || not_ok "running after attaches" "$st"
out=$(api POST "$A&detachKeys=ctrl-")
contains "attach: invalid detach keys answer 400" "$out" '400 {"message":"Invalid detach keys (ctrl-) provided"}'

# exec_id TTY: creates a cat exec in catter with DetachKeys ctrl-x.
exec_id() {
	curl -sf --unix-socket "$SL_SOCK" -H 'Content-Type: application/json' \
		-d '{"Cmd":["cat"],"AttachStdin":true,"AttachStdout":true,"Tty":'"$1"',"DetachKeys":"ctrl-x"}' \
		"http://d/v1.43/containers/$cid/exec" | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/'
}
# Exec as attach: the keys detach on a TTY only, as with dockerd.
check "exec with a TTY: DetachKeys ctrl-x detaches" \
	hj POST "/v1.43/exec/$(exec_id true)/start" '{"Detach":false,"Tty":true}' \
	'send:three\n' 'expect:three' 'send:\x18' eof
check "exec without a TTY: DetachKeys ctrl-x reach the process" \
	hj POST "/v1.43/exec/$(exec_id false)/start" '{"Detach":false,"Tty":false}' \
	'send:four\x18\n' 'expect:four\x18' close
# Binary stdin through docker exec -i, ctrl-p ctrl-q at both ends and
# throughout, comes out whole.
{ printf '\020\021'; head -c 1048576 /dev/urandom; printf '\020\021\020'; \
	head -c 4096 /dev/urandom; printf '\020\021'; } >"$tmp/bin.in"
want=$(sha256sum <"$tmp/bin.in")
got=$(docker exec -i catter cat <"$tmp/bin.in" | sha256sum)
[ "$got" = "$want" ] && ok "docker exec -i: binary stdin holding ctrl-p ctrl-q keeps its sha256" ||
	not_ok "exec -i binary stdin" "want $want" "got $got"
out=$(api POST "/containers/$cid/exec" -H 'Content-Type: application/json' \
	-d '{"Cmd":["cat"],"DetachKeys":"ctrl-p,"}')
contains "exec: invalid DetachKeys answer 400" "$out" '400 {"message":"Invalid escape keys (ctrl-p,) provided"}'

# Clients gone before the 101 (they stop reading, so the 101 cannot be
# sent): the job and the container reference it holds are released (the
# shutdown reports any job left).
$PY - "$SL_SOCK" "$A" <<'PYEOF'
import select, socket, sys
for i in range(10):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"POST " + sys.argv[2].encode() + b" HTTP/1.1\r\nHost: d\r\n"
              b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
    s.shutdown(socket.SHUT_RD)
    p = select.poll()
    p.register(s, select.POLLHUP)
    p.poll(10000)
    s.close()
PYEOF
stop_daemon
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM with streams open: clean exit" || not_ok "exit status" "$rc" "$(tail -5 "$tmp/ex/log")"
if grep -q "never released" "$tmp/ex/log"; then
	not_ok "every stream job released" "$(grep "never released" "$tmp/ex/log")"
else
	ok "every stream job released, upgrades abandoned before the 101 too"
fi

# ---- on the streams test backend ----------------------------------------
start_daemon tp --backend=streams --plugin-dir "$TP" ||
	{ echo "Bail out! test daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
LOG="$tmp/tp/log"
tid=$(curl -sf --unix-socket "$SL_SOCK" -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"]}' \
	"http://d/v1.43/containers/create?name=quiet" | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')

# A quiet attach without stdin: the hook writes once, then nothing; the
# client hangs up and the hook must be cancelled without a write.
hj POST "/v1.43/containers/$tid/attach?stream=1&stdout=1" "" 'expect:ready' close
poll_log "$LOG" "attach hook cancelled" && ok "quiet attach: a hang-up cancels the hook" ||
	not_ok "quiet attach cancel" "$(tail -5 "$LOG")"
curl -sN --unix-socket "$SL_SOCK" "http://d/v1.43/containers/$tid/logs?follow=1&stdout=1" \
	>"$tmp/logs.out" 2>&1 &
cpid=$!
poll_log "$LOG" "logs hook entered" && poll_log "$tmp/logs.out" ready
kill "$cpid"
wait "$cpid" 2>/dev/null
poll_log "$LOG" "logs hook cancelled" && ok "quiet logs -f: a hang-up cancels the hook" ||
	not_ok "quiet logs cancel" "$(tail -5 "$LOG")"

# SIGTERM with a logs -f and an attach inside their hooks, which linger
# after cancellation: fini only once both returned.
curl -sN --unix-socket "$SL_SOCK" "http://d/v1.43/containers/$tid/logs?follow=1&stdout=1" \
	>/dev/null 2>&1 &
cpid=$!
hj POST "/v1.43/containers/$tid/attach?stream=1&stdout=1" "" hold >"$tmp/hold.out" 2>&1 &
hpid=$!
poll_log "$LOG" "logs hook entered" 2 && poll_log "$LOG" "attach hook entered" 2
stop_daemon
rc=$?
wait "$cpid" "$hpid" 2>/dev/null
[ $rc -eq 0 ] && ok "SIGTERM with stream hooks inside: clean exit" || not_ok "exit status" "$rc" "$(tail -8 "$LOG")"
fini_at=$(grep -n "testplug fini" "$LOG" | cut -d: -f1)
last_ret=$(grep -n "hook returns" "$LOG" | tail -1 | cut -d: -f1)
nret=$(grep -c "hook returns" "$LOG")
if [ -n "$fini_at" ] && [ "$nret" -ge 4 ] && [ "$last_ret" -lt "$fini_at" ]; then
	ok "fini ran after every stream hook returned"
else
	not_ok "fini order" "fini at line ${fini_at:-none}, $nret returns, last at $last_ret" "$(tail -12 "$LOG")"
fi
grep -q "fini while a stream hook runs\|still inside after fini" "$LOG" &&
	not_ok "no hook inside at fini" "$(grep -n "fini" "$LOG")" || ok "no hook inside at fini"
tap_done
