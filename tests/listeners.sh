#!/bin/sh
# Listeners: several at once, TCP on loopback, TLS with client-certificate
# verification, refusal of plain TCP on other addresses; and a corrupt
# store record that must not stop the daemon.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

P="$top_builddir/tests/plugins/.libs"
tap_plan 10

# bound_port NAME: the port the kernel chose for daemon NAME's
# tcp://127.0.0.1:0, from its "API listening on" line (a port picked
# before the start could be taken by a parallel test meanwhile).
bound_port() {
	# The unix socket may answer before the tcp listener's line is out.
	wait_for 10 grep -q 'API listening on tcp://' "$tmp/$1/log"
	sed -n 's|.*API listening on tcp://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$tmp/$1/log" | head -1
}

# Plain TCP on a non-loopback address is refused without --insecure-tcp.
out=$("$SOCKERLESSD" --backend="$P/minimal.so" --data-root "$tmp/d0" -H tcp://0.0.0.0:0 2>&1)
rc=$?
case $out in
*"refusing plain TCP on non-loopback address"*) [ $rc -ne 0 ] && ok "plain TCP on 0.0.0.0 is refused" || not_ok "refusal exit" "$rc" ;;
*) not_ok "plain TCP on 0.0.0.0 is refused" "$out" ;;
esac

# unix + tcp at once.
if start_daemon multi --backend="$P/minimal.so" -H "tcp://127.0.0.1:0"; then
	port=$(bound_port multi)
	check "port 0: the log names the port chosen ($port)" test "${port:-0}" -gt 0
	r=$(curl -s "http://127.0.0.1:$port/_ping")
	[ "$r" = OK ] && ok "TCP listener answers beside the unix socket" || not_ok "tcp ping" "$r"
	v=$(DOCKER_HOST="tcp://127.0.0.1:$port" docker version --format '{{.Server.APIVersion}}' 2>&1)
	[ "$v" = 1.47 ] && ok "docker CLI over TCP" || not_ok "docker tcp" "$v"
	stop_daemon
else
	not_ok "daemon with two listeners"; not_ok "port 0"; not_ok "docker CLI over TCP"
fi

# TLS with client certificates.
cd "$tmp" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca \
	-keyout ca-key.pem -out ca.pem >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout key.pem -out server.csr >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 1 \
	-extfile server.ext -out cert.pem >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client-key.pem -out client.csr >/dev/null 2>&1
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 1 \
	-extfile client.ext -out client-cert.pem >/dev/null 2>&1
# A client certificate from another CA must be refused too.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=rogue \
	-keyout rogue-key.pem -out rogue.pem >/dev/null 2>&1
cd - >/dev/null || exit 1

if start_daemon tls --backend="$P/minimal.so" -H "tcp://127.0.0.1:0" --tlsverify \
	--tlscacert "$tmp/ca.pem" --tlscert "$tmp/cert.pem" --tlskey "$tmp/key.pem"; then
	port=$(bound_port tls)
	r=$(curl -s --cacert "$tmp/ca.pem" --cert "$tmp/client-cert.pem" --key "$tmp/client-key.pem" \
		"https://127.0.0.1:$port/_ping")
	[ "$r" = OK ] && ok "TLS with a valid client certificate" || not_ok "tls ok" "$r"
	r=$(curl -s --cacert "$tmp/ca.pem" "https://127.0.0.1:$port/_ping")
	[ "$r" != OK ] && ok "TLS without a client certificate is refused" || not_ok "tls no cert" "$r"
	r=$(curl -s --cacert "$tmp/ca.pem" --cert "$tmp/rogue.pem" --key "$tmp/rogue-key.pem" \
		"https://127.0.0.1:$port/_ping")
	[ "$r" != OK ] && ok "TLS with a certificate from another CA is refused" || not_ok "tls rogue" "$r"
	r=$(curl -s "http://127.0.0.1:$port/_ping")
	[ "$r" != OK ] && ok "plain HTTP to the TLS port gets nothing" || not_ok "tls plain" "$r"
	mkdir -p "$tmp/dcerts"
	cp "$tmp/ca.pem" "$tmp/dcerts/ca.pem"
	cp "$tmp/client-cert.pem" "$tmp/dcerts/cert.pem"
	cp "$tmp/client-key.pem" "$tmp/dcerts/key.pem"
	v=$(docker --tlsverify -H "tcp://127.0.0.1:$port" --tlscacert "$tmp/dcerts/ca.pem" \
		--tlscert "$tmp/dcerts/cert.pem" --tlskey "$tmp/dcerts/key.pem" \
		version --format '{{.Server.APIVersion}}' 2>&1)
	[ "$v" = 1.47 ] && ok "docker --tlsverify talks to the daemon" || not_ok "docker tls" "$v"
	stop_daemon
else
	for i in 1 2 3 4 5; do not_ok "tls daemon start"; done
fi

# A corrupt record is reported and skipped; the daemon serves.
mkdir -p "$tmp/corrupt/data/containers"
printf '{"Id": "abc", trailing garbage' > "$tmp/corrupt/data/containers/abc.json"
if start_daemon corrupt --backend="$P/minimal.so"; then
	r=$(curl -s --unix-socket "$SL_SOCK" http://d/info)
	if grep -q 'corrupt\|skipping' "$tmp/corrupt/log" && echo "$r" | grep -q '"Containers":0'; then
		ok "a corrupt store record is reported and skipped"
	else
		not_ok "corrupt record" "$(cat "$tmp/corrupt/log")"
	fi
	stop_daemon
else
	not_ok "daemon starts despite a corrupt record"
fi
tap_done
