#!/bin/sh
# Reverse mode over https, the recommendation for a daemon outside the
# environment's network: the real docker CLI against sockerlessd
# --backend=aca with --agent-tlscert, the simulator's replicas dialling the
# callback listener at its bridge, each agent verifying the daemon against
# the CA the backend hands it (callback-ca, as a job secret).
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
aca_begin 13 --agent $ACA_SIM_FAST

gw=$(sim_get /_sim/replicas | "$SDK_PYTHON" -c \
	'import json,sys; print(json.load(sys.stdin)["network"]["gateway"])')
[ -n "$gw" ] || { echo "Bail out! the simulator reports no bridge gateway"; exit 1; }
T=$tmp/tls
tls_certs "$T" "$gw" ||
	{ echo "Bail out! openssl could not make the test certificates"; exit 1; }
# A fixed port: agents redial the URL they were given after a restart.
LPORT=$("$SDK_PYTHON" -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$gw")
export SOCKERLESS_ACA_CALLBACK_CA="$T/ca.pem" ACA_AGENT=reverse
rev_up() {
	aca_daemon rev --agent-listen "$gw:$LPORT" --agent-tlscert "$T/cert.pem" \
		--agent-tlskey "$T/key.pem" ||
		{ echo "Bail out! sockerlessd --backend=aca did not start"; exit 1; }
}
rev_up
LOG=$tmp/rev/log
contains "the callback listener advertises https" "$(cat "$LOG")" \
	"agents dial https://$gw:"

out=$(docker run --rm busybox sh -c 'echo hi; exit 42' 2>"$tmp/err")
rc=$?
[ "$out" = hi ] && [ $rc -eq 42 ] &&
	ok "docker run --rm ... 'echo hi; exit 42' over https: hi, 42" ||
	not_ok "run over https" "rc=$rc out=$out" "$(cat "$tmp/err")" "$(tail -20 "$LOG")"

id=$(docker run -d busybox sleep 300 2>"$tmp/err")
out=$(docker exec "$id" sh -c 'echo from exec; exit 7' 2>"$tmp/err")
rc=$?
[ "$out" = "from exec" ] && [ $rc -eq 7 ] && ok "docker exec: output and exit code" ||
	not_ok "exec" "rc=$rc out=$out" "$(cat "$tmp/err")"
grep -q "agent ${id%"${id#????????????}"}: called back" "$LOG" &&
	ok "the agent called back over TLS" || not_ok "no callback" "$(tail "$LOG")"

# Both directions at once through the relays, 4 MiB.
head -c 4194304 /dev/urandom >"$tmp/big"
sum=$(docker run -i --rm busybox cat <"$tmp/big" 2>"$tmp/err" | cksum)
[ "$sum" = "$(cksum <"$tmp/big")" ] && ok "4 MiB through docker run -i cat intact" ||
	not_ok "docker run -i cat" "got $sum" "$(cat "$tmp/err")"

# The CA went to Azure as a secret, and the agent hid it from the main
# process; none of it, nor the token, shows in inspect.
check "the main process does not see SOCKERLESS_CALLBACK_CA" \
	test -z "$(docker exec "$id" env 2>&1 | grep SOCKERLESS_CALLBACK_CA)"
ca_line=$(sed -n 2p "$T/ca.pem")
docker inspect "$id" >"$tmp/inspect" 2>&1
! grep -qF -- "$ca_line" "$tmp/inspect" &&
	! grep -qi 'SOCKERLESS_AGENT_TOKEN\|agent-token\|CALLBACK_CA' "$tmp/inspect" &&
	ok "docker inspect holds neither the CA secret nor the token" ||
	not_ok "inspect" "$(grep -i 'agent\|callback' "$tmp/inspect")"
tok=$(cat "$tmp/rev/data/ctrfiles/$id/secrets/agent-token" 2>/dev/null)
[ ${#tok} -eq 64 ] && ! grep -qF -- "$tok" "$LOG" &&
	ok "the container's token is not in the daemon log" ||
	not_ok "token in log (length ${#tok})"
docker rm -f "$id" >/dev/null 2>&1

# The daemon restarted mid-run: the agent redials over TLS, is accepted,
# and its exit code arrives.
called_back() { grep -q "agent ${1%"${1#????????????}"}: called back" "$LOG"; }
id=$(docker run -d busybox sh -c 'echo up; while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 42' 2>"$tmp/err")
wait_for 30 called_back "$id"
stop_daemon && ok "the daemon stops cleanly" ||
	not_ok "daemon stop" "$(tail -20 "$LOG")"
rev_up
wait_for 30 called_back "$id" && ok "after a restart the agent calls back over TLS again" ||
	not_ok "no callback after the restart" "$(tail -20 "$LOG")"
docker exec "$id" touch /tmp/go 2>"$tmp/err" && ok "docker exec through the new connection" ||
	not_ok "exec after the restart" "$(cat "$tmp/err")"
c=$(timeout 60 docker wait "$id" 2>"$tmp/err")
[ "$c" = 42 ] && ok "the exit code 42 arrives after the restart" ||
	not_ok "exit after the restart" "wait=$c" "$(cat "$tmp/err")" "$(tail -5 "$LOG")"
docker rm -f "$id" >/dev/null 2>&1
stop_daemon && ok "the restarted daemon stops cleanly" ||
	not_ok "daemon stop" "$(tail -20 "$LOG")"
tap_done
