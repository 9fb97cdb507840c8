# tests/lib.sh - shared helpers for the shell tests (TAP output).
#
# Sourced by tests/*.sh.  Provides ok/not_ok bookkeeping, a scratch
# directory, and starting/stopping sockerlessd on a private unix socket.

: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
SOCKERLESSD="$top_builddir/sockerlessd"
TAP_N=0
TAP_FAILED=0

# The interpreter for tests that drive the daemon with the docker SDK for
# Python: Debian's, for which scripts/deps.sh installs python3-docker,
# whatever python3 comes first on PATH.
if [ -x /usr/bin/python3 ]; then SDK_PYTHON=/usr/bin/python3; else SDK_PYTHON=python3; fi

tap_plan() { echo "1..$1"; }

ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /'
	done
}

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	desc=$1
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

# contains DESCRIPTION HAYSTACK NEEDLE
contains() {
	case $2 in
	*"$3"*) ok "$1" ;;
	*) not_ok "$1" "expected to find: $3" "got: $2" ;;
	esac
}

# wait_for TIMEOUT-S COMMAND...: polls every 0.2 s until the command
# succeeds; fails after the deadline.
wait_for() {
	wf_t=$1
	shift
	wf_i=0
	while [ $wf_i -lt $((wf_t * 5)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		wf_i=$((wf_i + 1))
	done
	return 1
}

# tls_certs DIR HOST...: a test CA (DIR/ca.pem), a certificate it signs
# for the HOSTs (IP addresses or DNS names in its subjectAltName:
# DIR/cert.pem, DIR/key.pem) and an unrelated CA (DIR/rogue.pem), valid
# for a day.  P-256 keys: quick to make.
tls_certs() {
	tc_d=$1
	shift
	mkdir -p "$tc_d"
	tc_san=""
	for tc_h in "$@"; do
		case $tc_h in
		*:* | *[0-9]) tc_san="$tc_san,IP:$tc_h" ;;
		*) tc_san="$tc_san,DNS:$tc_h" ;;
		esac
	done
	printf 'subjectAltName=%s\n' "${tc_san#,}" >"$tc_d/ext"
	tc_k="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	openssl req -x509 $tc_k -days 1 -subj /CN=sockerless-test-ca \
		-keyout "$tc_d/ca-key.pem" -out "$tc_d/ca.pem" >/dev/null 2>&1 &&
	openssl req $tc_k -subj "/CN=$1" -keyout "$tc_d/key.pem" \
		-out "$tc_d/cert.csr" >/dev/null 2>&1 &&
	openssl x509 -req -in "$tc_d/cert.csr" -CA "$tc_d/ca.pem" \
		-CAkey "$tc_d/ca-key.pem" -CAcreateserial -days 1 \
		-extfile "$tc_d/ext" -out "$tc_d/cert.pem" >/dev/null 2>&1 &&
	openssl req -x509 $tc_k -days 1 -subj /CN=rogue \
		-keyout "$tc_d/rogue-key.pem" -out "$tc_d/rogue.pem" >/dev/null 2>&1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sl-test.XXXXXX")
SL_PIDS=""

SL_REGISTRY_DIR=""

cleanup() {
	for p in $SL_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $SL_PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ -n "$SL_REGISTRY_DIR" ]; then
		sh "$top_srcdir/tests/azure-sim/testenv/registry-down.sh" "$SL_REGISTRY_DIR" \
			>/dev/null 2>&1
	fi
	# SL_KEEP_LOGS=DIR keeps the scratch directory (daemon logs) for a
	# post-mortem.
	[ -z "${SL_KEEP_LOGS:-}" ] || cp -r "$tmp" "$SL_KEEP_LOGS" 2>/dev/null
	rm -rf "$tmp"
}
# A signal ends the test (through the EXIT trap): a test killed by a
# timeout or ^C must not run on after its scratch directory went.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_daemon NAME ARGS...: starts sockerlessd with a socket and data root
# under $tmp/NAME; sets SL_SOCK, SL_PID and DOCKER_HOST.  Waits until it
# answers /_ping (10 s at most).
start_daemon() {
	name=$1
	shift
	mkdir -p "$tmp/$name"
	SL_SOCK="$tmp/$name/sockerless.sock"
	"$SOCKERLESSD" -H "unix://$SL_SOCK" --data-root "$tmp/$name/data" \
		${SL_MIRROR:+--registry-mirror "$SL_MIRROR"} "$@" \
		>"$tmp/$name/log" 2>&1 &
	SL_PID=$!
	SL_PIDS="$SL_PIDS $SL_PID"
	export DOCKER_HOST="unix://$SL_SOCK"
	i=0
	while [ $i -lt 100 ]; do
		if curl -sf --unix-socket "$SL_SOCK" http://d/_ping >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$SL_PID" 2>/dev/null; then
			echo "# daemon exited early:"; sed 's/^/# /' "$tmp/$name/log"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "# daemon did not answer /_ping"; sed 's/^/# /' "$tmp/$name/log"
	return 1
}

# start_registry: starts the test registry (Debian's docker-registry on
# loopback with the busybox images tests/azure-sim/testenv/registry-up.sh
# builds) once for this test file and stops it at exit.  Daemons started
# afterwards get --registry-mirror pointing at it, so Docker Hub names
# ("busybox") pull from it: the CLI pulls on create's 404 "No such image",
# raw-API tests call pull_image.  Bails out when the registry cannot start
# (scripts/deps.sh installs what it needs).
start_registry() {
	SL_REGISTRY_DIR="$tmp/registry"
	if ! sh "$top_srcdir/tests/azure-sim/testenv/registry-up.sh" "$SL_REGISTRY_DIR" \
		>"$tmp/registry-up.log" 2>&1; then
		echo "Bail out! test registry did not start:"
		sed 's/^/# /' "$tmp/registry-up.log"
		exit 1
	fi
	. "$SL_REGISTRY_DIR/env"
	SL_MIRROR="http://$REGISTRY_HOST"
}

# pull_image NAME[:TAG]: pulls through the daemon at $SL_SOCK the way the
# CLI does (POST /images/create); fails, printing the stream, when the
# pull reports an error.
pull_image() {
	# The tag follows the last ":" unless a "/" does (a registry port).
	pi_name=$1
	pi_tag=latest
	case ${1##*/} in *:*) pi_name=${1%:*} pi_tag=${1##*:} ;; esac
	pi_out=$(curl -s -X POST --unix-socket "$SL_SOCK" \
		"http://d/images/create?fromImage=$pi_name&tag=$pi_tag" 2>&1)
	case $pi_out in
	*'"errorDetail"'* | '' | *'"message"'*) echo "# pull $1 failed: $pi_out"; return 1 ;;
	esac
	return 0
}

# stop_daemon: SIGTERM and wait; returns the daemon's exit status.
stop_daemon() {
	kill -TERM "$SL_PID"
	wait "$SL_PID"
	rc=$?
	SL_PIDS=$(echo "$SL_PIDS" | sed "s/ $SL_PID\b//")
	return $rc
}

# api METHOD PATH [curl args]: prints "STATUS BODY".
api() {
	m=$1
	p=$2
	shift 2
	curl -s -o "$tmp/body" -w '%{http_code}' -X "$m" --unix-socket "$SL_SOCK" "$@" "http://d$p" >"$tmp/code"
	printf '%s %s' "$(cat "$tmp/code")" "$(cat "$tmp/body")"
}

tap_done() {
	[ "$TAP_FAILED" -eq 0 ]
}

# install_to_dest: `make install` into $tmp/dest (sets $dest), or a failed
# check and a bail-out: the tests that build against an install need it.
install_to_dest() {
	dest="$tmp/dest"
	if ! make -s -C "$top_builddir" install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
		not_ok "make install DESTDIR" "$(tail -20 "$tmp/install.log")"
		echo "Bail out! install failed"
		exit 1
	fi
}

# slow [EVERY SECONDS]: a client slower than the process it reads: reads
# stdin 4 KiB at a time and pauses SECONDS every EVERY reads (default 4
# and 0.001: its own pace, not synchronisation); prints the byte count
# and sha256.
slow() {
	if [ ! -f "$tmp/slow.py" ]; then
		cat >"$tmp/slow.py.$$" <<'EOF'
import hashlib, sys, time
every, pause = int(sys.argv[1]), float(sys.argv[2])
h, n, k, f = hashlib.sha256(), 0, 0, sys.stdin.buffer
while True:
    b = f.read1(4096)
    if not b:
        break
    h.update(b)
    n += len(b)
    k += 1
    if k % every == 0:
        time.sleep(pause)
print(n, h.hexdigest())
EOF
		mv "$tmp/slow.py.$$" "$tmp/slow.py"
	fi
	python3 "$tmp/slow.py" "${1:-4}" "${2:-0.001}"
}

# scripted_agent_daemon NAME: a daemon on the example backend in reverse
# mode whose containers run tests/scripted_agent.py (the command names
# its scenario) instead of the agent; verdicts go to $tmp/verdict.
scripted_agent_daemon() {
	mkdir -p "$tmp/verdict"
	if [ -x /usr/bin/python3 ]; then sa_py=/usr/bin/python3; else sa_py=python3; fi
	printf '#!/bin/sh\nPYTHONDONTWRITEBYTECODE=1 VERDICT_DIR=%s top_srcdir=%s exec %s %s "$@"\n' \
		"$tmp/verdict" "$top_srcdir" "$sa_py" "$top_srcdir/tests/scripted_agent.py" \
		>"$tmp/scripted-agent"
	chmod +x "$tmp/scripted-agent"
	start_daemon "$1" --backend=example \
		--plugin-dir "$top_builddir/plugin-api/example/.libs" \
		-o agent="$tmp/scripted-agent" -o agent-mode=reverse \
		--agent-listen 127.0.0.1:0
}
