#!/bin/sh
# The callback listener over TLS (--agent-tlscert): reverse-mode agents of
# the example backend dial https://, verify the daemon against a test CA
# and carry run, exec, stdin and logs; an agent given the wrong CA, the
# wrong name or plain http is refused, and says so.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

AGENT="$top_builddir/agent/sockerless-agent"
EX="$top_builddir/plugin-api/example/.libs"
T=$tmp/tls
tap_plan 26

tls_certs "$T" 127.0.0.1 ||
	{ echo "Bail out! openssl could not make the test certificates"; exit 1; }
start_daemon tls --backend=example --plugin-dir "$EX" -o agent="$AGENT" \
	-o agent-mode=reverse --agent-listen 127.0.0.1:0 \
	--agent-tlscert "$T/cert.pem" --agent-tlskey "$T/key.pem" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
LOG=$tmp/tls/log
url=$(sed -n 's/.*agents dial \(http[^)]*\)).*/\1/p' "$LOG")
port=${url##*:}
contains "the listener advertises https" "$url" "https://127.0.0.1:"

# The example backend has no setting for the CA: the container's own
# environment carries it to the agent (the ACA backend uses a secret).
CA_PEM=$(cat "$T/ca.pem")
drun() { docker run -e "SOCKERLESS_CALLBACK_CA=$CA_PEM" "$@"; }
called_back() { grep -q "agent ${1%"${1#????????????}"}: called back" "$LOG"; }

drun --rm busybox sh -c 'echo out; exit 42' >"$tmp/run.out" 2>&1
check "docker run --rm ... exit 42 over https gives 42" test $? -eq 42
check "its output reached the client" test "$(cat "$tmp/run.out")" = out
check "the agent hides the CA from the main process" \
	test -z "$(drun --rm busybox env 2>&1 | grep SOCKERLESS_CALLBACK_CA)"

id=$(drun -d --name c1 busybox sh -c 'echo up; while :; do sleep 0.1; done')
wait_for 10 called_back "$id"
check "the container's agent called back over TLS" called_back "$id"
docker exec c1 sh -c 'exit 7' >/dev/null 2>&1
check "docker exec's exit code" test $? -eq 7
check "docker exec -w -e" \
	test "$(docker exec -w /tmp -e FOO=bar c1 sh -c 'echo $(pwd) $FOO' 2>&1)" = "/tmp bar"
# 4 MiB each way through both relays (docker cp: the example backend's
# containers see the host's files).
head -c 4194304 /dev/urandom >"$tmp/big"
mkdir -p "$tmp/dst"
docker cp "$tmp/big" "c1:$tmp/dst/" >/dev/null 2>&1
check "docker cp of 4 MiB into the container over TLS" cmp -s "$tmp/big" "$tmp/dst/big"
docker cp "c1:$tmp/big" - 2>/dev/null | tar -xOf - >"$tmp/big.out" 2>/dev/null
check "docker cp of 4 MiB out of it" cmp -s "$tmp/big" "$tmp/big.out"

# Silent clients hold the TLS handshake (5 s deadline each): the next
# agent is still accepted at once, not after them.  Eight of them: were
# the handshakes taken in turn, the run would wait 40 s for them, well
# past what a slow but correct run takes.
"$SDK_PYTHON" -c '
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(8)]
time.sleep(38)' "$port" &
silent=$!
drun --rm busybox sh -c 'exit 3' >/dev/null 2>&1
rc=$?
if kill -0 "$silent" 2>/dev/null; then early=yes; else early=no; fi
kill "$silent" 2>/dev/null
wait "$silent" 2>/dev/null
check "eight silent clients delay no agent (exit $rc, before their deadlines: $early)" \
	test "$rc" -eq 3 -a "$early" = yes

id2=$(drun -d --name c2 busybox sh -c 'echo one; echo two >&2; echo three')
docker wait c2 >/dev/null 2>&1
check "docker logs after exit is complete (stdout)" \
	test "$(docker logs c2 2>/dev/null)" = "$(printf 'one\nthree')"
check "... and stderr" test "$(docker logs c2 2>&1 >/dev/null)" = two

# Agents run by hand against the listener: each must refuse or be
# refused.  $1 names the case; the rest are agent flags.
byhand() {
	bh=$1
	shift
	SOCKERLESS_AGENT_TOKEN=$(printf '%064d' 0) SOCKERLESS_CONTAINER_ID=$id \
		SOCKERLESS_AGENT_DEBUG=1 "$AGENT" "$@" -- sleep 30 \
		>"$tmp/$bh.out" 2>"$tmp/$bh.err" &
	echo $! >"$tmp/$bh.pid"
}
unhand() { kill "$(cat "$tmp/$1.pid")" 2>/dev/null; }
byhand rogue --callback "$url" --callback-ca "$T/rogue.pem"
wait_for 10 grep -q "not trusted" "$tmp/rogue.err"
contains "an agent given the wrong CA refuses, on stderr" \
	"$(cat "$tmp/rogue.err")" "the daemon's certificate is not trusted"
check "... and never sent its request (no upgrade reached the daemon)" \
	test -z "$(grep 'callback refused: no valid token' "$LOG")"
unhand rogue

byhand name --callback "https://localhost:$port" --callback-ca "$T/ca.pem"
wait_for 10 grep -q "not trusted" "$tmp/name.err"
contains "an agent dialling a name the certificate lacks refuses" \
	"$(cat "$tmp/name.err")" "not trusted"
unhand name

byhand plain --callback "http://127.0.0.1:$port"
wait_for 10 grep -q "callback answered 400" "$tmp/plain.err"
# The daemon answers, then logs: the agent can report first.
wait_for 10 grep -q "plain http on the https listener" "$LOG"
contains "a plain-http agent gets a 400 from the https listener" \
	"$(cat "$tmp/plain.err")" "callback answered 400"
contains "... which the daemon logs" "$(cat "$LOG")" \
	"plain http on the https listener"
unhand plain

check "a plain-http request to it is told, in plain HTTP, to use https" \
	test "$(curl -s "http://127.0.0.1:$port/v1/agent/$id")" = \
	"this listener speaks https: dial https:// with a CA for it"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" \
	-H 'Connection: Upgrade' -H 'Upgrade: sockerless-agent/1' \
	"$url/v1/agent/$id")
check "an https callback without a token is 401 ($code)" test "$code" = 401
check "the token is in no log or inspect" sh -c '
	tok=$(cat "$1/data/ctrfiles/$2/secrets/agent-token") &&
	test "${#tok}" -eq 64 && ! docker inspect c1 | grep -qF -- "$tok" &&
	! grep -qF -- "$tok" "$1/log"' sh "$tmp/tls" "$id"
docker rm -f c1 c2 >/dev/null 2>&1
# Non-zero with a leak or a sanitizer report (--enable-sanitizers).
if stop_daemon; then ok "the daemon exits 0"; else
	not_ok "the daemon exits 0" "$(tail -20 "$LOG")"; fi

# A plain listener refuses an https agent at once.
start_daemon plain --backend=example --plugin-dir "$EX" -o agent="$AGENT" \
	-o agent-mode=reverse --agent-listen 127.0.0.1:0 ||
	{ echo "Bail out! daemon did not start"; exit 1; }
purl=$(sed -n 's/.*agents dial \(http[^)]*\)).*/\1/p' "$tmp/plain/log")
byhand tlsonplain --callback "https${purl#http}" --callback-ca "$T/ca.pem"
wait_for 10 grep -q "TLS on the plain http listener" "$tmp/plain/log"
contains "an https agent on the plain listener is refused at once" \
	"$(cat "$tmp/plain/log")" "TLS on the plain http listener"
unhand tlsonplain
if stop_daemon; then ok "the plain daemon exits 0"; else
	not_ok "the plain daemon exits 0" "$(tail -20 "$tmp/plain/log")"; fi

# Mistakes in the flags stop the daemon at start.
bad=$("$SOCKERLESSD" --backend=example --plugin-dir "$EX" \
	-H "unix://$tmp/x.sock" --data-root "$tmp/x" --agent-listen 127.0.0.1:0 \
	--agent-tlscert "$T/cert.pem" --agent-tlskey "$T/key.pem" \
	--agent-advertise "http://127.0.0.1:1" 2>&1)
check "an http --agent-advertise for a TLS listener stops the daemon" \
	test $? -ne 0
contains "... saying why" "$bad" "the listener speaks TLS"
bad=$("$SOCKERLESSD" --backend=example --agent-listen 127.0.0.1:0 \
	--agent-tlscert "$T/cert.pem" 2>&1)
contains "--agent-tlscert without --agent-tlskey is refused" "$bad" \
	"go together"
tap_done
