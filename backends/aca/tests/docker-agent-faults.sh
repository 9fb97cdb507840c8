#!/bin/sh
# Agent faults, both modes, with the real docker CLI against sockerlessd
# --backend=aca and the Azure simulator: the agent connection cut
# mid-stream (the daemon redials a forward agent; a reverse agent calls
# back and is accepted), and the daemon restarted mid-run, killed (-9) in
# forward mode and stopped (SIGTERM) in reverse mode (it finds the agent
# again from the container's resume record); the main process ending
# while the daemon is down (reverse), and the daemon restarting between
# the agent's exit and the backend's report of the end (forward).  Each
# time the exit
# code is the container's own (42) and `docker logs` holds every line
# once.  The cut is made from outside the daemon: the test takes a copy of
# the daemon's socket (pidfd_getfd, as root) and shuts it down, which is
# what a dropped connection looks like to both ends.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
aca_begin 22 --agent $ACA_SIM_FAST

# sever.py PID PORT: shuts down PID's established TCP connections with
# PORT at either end; prints how many, fails when none.
cat >"$tmp/sever.py" <<'EOF'
import ctypes, os, socket, sys
pid, port = int(sys.argv[1]), int(sys.argv[2])
inodes = {}
for fd in os.listdir("/proc/%d/fd" % pid):
    try:
        t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
    except OSError:
        continue
    if t.startswith("socket:["):
        inodes[t[8:-1]] = int(fd)
fds = []
for f in ("tcp", "tcp6"):
    with open("/proc/%d/net/%s" % (pid, f)) as fh:
        for line in fh.readlines()[1:]:
            p = line.split()
            ends = (int(p[1].rsplit(":", 1)[1], 16), int(p[2].rsplit(":", 1)[1], 16))
            if p[3] == "01" and port in ends and p[9] in inodes:
                fds.append(inodes[p[9]])
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(pid)
n = 0
for fd in fds:
    dup = libc.syscall(438, pidfd, fd, 0)  # pidfd_getfd
    if dup < 0:
        continue
    s = socket.socket(fileno=dup)
    s.shutdown(socket.SHUT_RDWR)
    s.close()
    n += 1
print(n)
sys.exit(0 if n else 1)
EOF

# The container: numbered lines, then 42.  After line 4 it waits for
# SIGUSR1 (release), so the cut or the restart happens while it runs
# however slow the machine is.
LINES=15
RUNMARK=sl-agent-run-$$
SCRIPT="trap 'go=1' USR1; i=0; while [ \$i -lt $LINES ]; do echo line \$i; i=\$((i + 1));"
SCRIPT="$SCRIPT if [ \$i -eq 5 ]; then while [ -z \"\$go\" ]; do sleep 0.1; done; fi; done; exit 42; : $RUNMARK"
i=0
while [ $i -lt $LINES ]; do echo "line $i"; i=$((i + 1)); done >"$tmp/expected"

now_ms() { date +%s%3N; }
has_line() { docker logs "$1" 2>/dev/null | grep -qx "line $2"; }
# count PATTERN: lines of the current daemon's log matching it.
count() { grep -c "$1" "$SL_LOG"; }
more_than() { [ "$(count "$1")" -gt "$2" ]; }

# started M WHAT: runs the container and waits for its output to flow.
started() {
	id=$(docker run -d busybox sh -c "$SCRIPT" 2>"$tmp/err")
	[ -n "$id" ] && wait_for 30 has_line "$id" 3 && return 0
	echo "# $1, $2: the container did not start: $(cat "$tmp/err")"
	return 1
}

# finished M WHAT [EXPECTED]: the exit code and the logs of $id, then
# removes it.
finished() {
	c=$(timeout 60 docker wait "$id" 2>"$tmp/err")
	st=$(docker inspect -f '{{.State.ExitCode}}' "$id" 2>&1)
	# The simulator reports the code too: the agent's must be what
	# this daemon got.
	[ "$c" = 42 ] && [ "$st" = 42 ] &&
		grep -q "agent $(echo "$id" | cut -c1-12): .*exited with 42" "$SL_LOG" &&
		ok "$1, $2: the agent's exit code 42 arrives (docker wait, inspect)" ||
		not_ok "$1, $2: exit code" "wait=$c inspect=$st" "$(cat "$tmp/err")" "$(tail -5 "$SL_LOG")"
	docker logs "$id" >"$tmp/logs" 2>&1
	cmp -s "${3:-$tmp/expected}" "$tmp/logs" && ok "$1, $2: docker logs holds every line once" ||
		not_ok "$1, $2: logs" "$(diff "${3:-$tmp/expected}" "$tmp/logs" | head -20)"
	docker rm -f "$id" >/dev/null 2>&1
}

# daemon_down HOW: stops the daemon (TERM), or kills it (KILL).
daemon_down() {
	if [ "$1" = KILL ]; then
		kill -KILL "$SL_PID"
		wait "$SL_PID" 2>/dev/null
		SL_PIDS=$(echo "$SL_PIDS" | sed "s/ $SL_PID\b//")
	else
		stop_daemon
	fi
}

# The container of the third case: its main shell (found on the host by
# MARK in its command line) ends with 42 on SIGTERM.
MARK=sl-agent-faults-$$
WAITER="trap 'echo bye; exit 42' TERM; echo up; while :; do sleep 0.1; done; : $MARK"
printf 'up\nbye\n' >"$tmp/expected-waiter"
# main_pid [MARK]: the container's main shell, found on the host.
main_pid() {
	"$SDK_PYTHON" - "${1:-$MARK}" <<'PY'
import os, sys
for p in os.listdir("/proc"):
    try:
        argv = open("/proc/%s/cmdline" % p, "rb").read().split(b"\0")
    except (OSError, ValueError):
        continue
    if len(argv) > 2 and argv[:2] == [b"sh", b"-c"] and sys.argv[1].encode() in argv[2]:
        print(p)
        sys.exit(0)
sys.exit(1)
PY
}
# release: lets the waiting container of `started` go on to its end.
release() {
	rp=$(main_pid "$RUNMARK") && kill -USR1 "$rp"
}
gone() { [ ! -e "/proc/$1" ] || grep -q ') Z' "/proc/$1/stat" 2>/dev/null; }
said_up() { docker logs "$1" 2>/dev/null | grep -qx up; }

exit_before_restart() {
	id=$(docker run -d busybox sh -c "$WAITER" 2>"$tmp/err")
	short=$(echo "$id" | cut -c1-12)
	if [ -n "$id" ] && wait_for 30 said_up "$id" &&
		curl -sf -X POST "$SIM_URL/_sim/faults" -H 'Content-Type: application/json' -d '[
			{"op": "JobExecution_Get", "status": 503, "times": -1},
			{"op": "JobsExecutions_List", "status": 503, "times": -1}]' >/dev/null &&
		pid=$(main_pid) && kill -TERM "$pid" &&
		wait_for 20 grep -q "agent $short: main process exited with 42" "$SL_LOG"; then
		stop_daemon
		aca_daemon "$m" "$@" ||
			{ echo "Bail out! the $m daemon did not start again"; exit 1; }
		grep -q "agent $short: exited with 42 before the restart" "$SL_LOG" &&
			ok "$m: an exit received before the restart is kept" ||
			not_ok "$m: exit kept" "$(tail -5 "$SL_LOG")"
	else
		not_ok "$m: exit before the restart" "$(cat "$tmp/err")" "$(tail -5 "$SL_LOG")"
	fi
	curl -sf -X DELETE "$SIM_URL/_sim/faults" >/dev/null
	finished "$m" "exit before the restart" "$tmp/expected-waiter"
}

# faults M BACK PORT-CMD HOW ARGS...: the checks against one mode; BACK
# is the daemon log's line for a (re)connected agent, PORT-CMD prints the
# port that identifies the agent connection, HOW is how the daemon is
# stopped mid-run (TERM, or KILL for a daemon that writes nothing more).
faults() {
	m=$1 back=$2 portcmd=$3 how=$4
	shift 4

	# 1. The connection cut mid-stream.
	if started "$m" "cut"; then
		port=$($portcmd)
		n0=$(count "$back")
		t0=$(now_ms)
		cut=$("$SDK_PYTHON" "$tmp/sever.py" "$SL_PID" "$port" 2>&1)
		[ $? -eq 0 ] && ok "$m: the agent connection is cut mid-stream ($cut)" ||
			not_ok "$m: cut" "port=$port" "$cut"
		if wait_for 20 more_than "$back" "$n0"; then
			echo "# $m: connected again $(($(now_ms) - t0)) ms after the cut"
			ok "$m: the agent is connected again"
		else
			not_ok "$m: no reconnection" "$(tail -20 "$SL_LOG")"
		fi
		release
		finished "$m" "cut"
	else
		not_ok "$m: cut"; not_ok "$m: reconnect"; not_ok "$m: code"; not_ok "$m: logs"
	fi

	# 2. The daemon restarted mid-run.
	if started "$m" "restart"; then
		t0=$(now_ms)
		daemon_down "$how"
		aca_daemon "$m" "$@" ||
			{ echo "Bail out! the $m daemon did not start again"; exit 1; }
		if wait_for 20 more_than "$back" 0; then
			echo "# $m: agent found again $(($(now_ms) - t0)) ms after the restart began"
			ok "$m: after a daemon restart (SIG$how) the agent is found again"
		else
			not_ok "$m: restart" "$(tail -20 "$SL_LOG")"
		fi
		release
		finished "$m" "restart"
	else
		not_ok "$m: restart"; not_ok "$m: code"; not_ok "$m: logs"
	fi

	# 3. (reverse) The main process ends while the daemon is down: the
	# agent holds the exit for the daemon that comes back (within
	# --exit-wait).  4. (forward) The agent's exit arrived but the backend
	# has not seen the end (the simulator fails its execution reads) when
	# the daemon restarts: the code comes from the resume record.  One
	# mode each keeps the file short; the code paths do not depend on it.
	if [ "$m" = forward ]; then
		exit_before_restart "$@"
	elif id=$(docker run -d busybox sh -c "$WAITER" 2>"$tmp/err") &&
		[ -n "$id" ] && wait_for 30 said_up "$id"; then
		daemon_down "$how"
		pid=$(main_pid) && kill -TERM "$pid" && wait_for 10 gone "$pid" &&
			ok "$m: the main process ended while the daemon was down" ||
			not_ok "$m: main process" "pid=$pid"
		aca_daemon "$m" "$@" ||
			{ echo "Bail out! the $m daemon did not start again"; exit 1; }
		finished "$m" "exit while down" "$tmp/expected-waiter"
	else
		not_ok "$m: waiter" "$(cat "$tmp/err")"; not_ok "$m: code"; not_ok "$m: logs"
	fi
	stop_daemon && ok "$m: the daemon stops cleanly" ||
		not_ok "$m: daemon stop" "$(tail -20 "$SL_LOG")"
}

fwd_port() { sed -n "s/.*agent $(echo "$id" | cut -c1-12): connected to .*:\([0-9]*\)$/\1/p" "$SL_LOG" | tail -1; }
# Exported: the restarts in faults() run with the same configuration.
export ACA_AGENT=forward
aca_daemon forward ||
	{ echo "Bail out! sockerlessd --backend=aca did not start"; exit 1; }
SL_LOG=$tmp/forward/log
faults forward reconnected fwd_port KILL

# Reverse: the listener keeps its port across the restart (the agents
# dial the URL they were given), on the simulator's bridge.
gw=$(sim_get /_sim/replicas | "$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["network"]["gateway"])')
[ -n "$gw" ] || { echo "Bail out! the simulator reports no bridge gateway"; exit 1; }
LPORT=$("$SDK_PYTHON" -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$gw")
rev_port() { echo "$LPORT"; }
ACA_AGENT=reverse
aca_daemon reverse --agent-listen "$gw:$LPORT" ||
	{ echo "Bail out! sockerlessd --backend=aca (reverse) did not start"; exit 1; }
SL_LOG=$tmp/reverse/log
faults reverse 'called back' rev_port TERM --agent-listen "$gw:$LPORT"
tap_done
