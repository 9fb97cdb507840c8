#!/bin/sh
# docker run -i and -it on sockerlessd --backend=aca through the agent:
# the attach that docker run sends before the start waits for the agent
# and then carries stdin (with the half-close), the output from the
# run's first byte, the TTY and its size, and the agent's exit code.  In
# forward and reverse mode; with agent=off -i stays refused with the
# reason.  One simulator and registry; a daemon per mode.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
command -v script >/dev/null 2>&1 || { echo "Bail out! no script(1) (util-linux; run scripts/deps.sh)"; exit 1; }
aca_begin 15 --agent $ACA_SIM_FAST

# 10 MiB of random data, and its checksum, for the round trip.
head -c 10485760 /dev/urandom >"$tmp/big"
big_sum=$(sha256sum <"$tmp/big" | cut -d' ' -f1)

# ptyrun.py ROWS COLS CMD...: runs CMD on a new pseudo-terminal of that
# size, prints what it wrote and exits with its code.
cat >"$tmp/ptyrun.py" <<'EOF'
import fcntl, os, pty, select, struct, sys, termios
rows, cols, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(cmd[0], cmd)
out = b""
while select.select([fd], [], [], 60)[0]:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st))
EOF

# checks MODE: the same checks against the daemon at $DOCKER_HOST.
checks() {
	m=$1
	out=$(echo data | docker run -i --rm busybox wc -c 2>"$tmp/err")
	rc=$?
	[ $rc -eq 0 ] && [ "$(echo $out)" = 5 ] &&
		ok "$m: echo data | docker run -i wc -c counts 5" ||
		not_ok "$m: -i wc -c" "rc=$rc out=$out" "$(cat "$tmp/err")"

	sum=$(docker run -i --rm busybox cat <"$tmp/big" 2>"$tmp/err" |
		sha256sum | cut -d' ' -f1)
	[ "$sum" = "$big_sum" ] && ok "$m: 10 MiB through docker run -i cat come back intact" ||
		not_ok "$m: 10 MiB through cat" "got $sum want $big_sum" "$(cat "$tmp/err")"

	# stdin ends the command, whose exit code is the agent's.
	printf 'x\n' | docker run -i --rm busybox sh -c 'read l; echo "got $l"; exit 9' \
		>"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 9 ] && [ "$(cat "$tmp/out")" = "got x" ] &&
		ok "$m: docker run -i gives the command's exit code" ||
		not_ok "$m: -i exit code" "rc=$rc" "$(cat "$tmp/out")"

	# A TTY: docker run -it under a pseudo-terminal of script(1).
	script -qec "docker run -it --rm busybox sh -c 'tty; exit 3'" \
		/dev/null </dev/null >"$tmp/out" 2>&1
	rc=$?
	tr -d '\r' <"$tmp/out" >"$tmp/tty"
	# (script's own terminal may echo a control character first)
	grep -q '/dev/pts/[0-9]' "$tmp/tty" && [ $rc -eq 3 ] &&
		ok "$m: docker run -it has a TTY and exits 3" ||
		not_ok "$m: -it" "rc=$rc" "$(cat "$tmp/tty")"

	# docker run -t sends the terminal's size right after the start,
	# while its attach still waits for the agent; the process may have
	# started before that, so it looks until the size shows (bounded).
	"$SDK_PYTHON" "$tmp/ptyrun.py" 30 100 docker run -it --rm busybox sh -c \
		'i=0; while [ "$(stty size 2>/dev/null)" = "" ] && [ $i -lt 150 ]; do
			sleep 0.1; i=$((i + 1)); done; stty size; exit 4' >"$tmp/out" 2>&1
	rc=$?
	tr -d '\r' <"$tmp/out" >"$tmp/tty"
	grep -qx '30 100' "$tmp/tty" && [ $rc -eq 4 ] &&
		ok "$m: docker run -it: the terminal's size reaches the TTY" ||
		not_ok "$m: -it size" "rc=$rc" "$(cat "$tmp/tty")"
}

agent_modes checks

ACA_AGENT=off aca_daemon off || { echo "Bail out! sockerlessd (agent off) did not start"; exit 1; }
echo data | docker run -i --rm busybox wc -c >"$tmp/out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'keeping stdin open' "$tmp/out" && grep -q 'agent=off' "$tmp/out" &&
	ok "agent=off: -i refused, naming the reason" || not_ok "agent=off: -i" "rc=$rc" "$(cat "$tmp/out")"
docker run -t --rm busybox tty >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 125 ] && grep -q -- '-t (a terminal) is not possible' "$tmp/out" && grep -q 'agent=off' "$tmp/out" &&
	ok "agent=off: -t refused, naming the reason" || not_ok "agent=off: -t" "rc=$rc" "$(cat "$tmp/out")"
stop_daemon && ok "agent=off: the daemon stops cleanly" || not_ok "agent=off: daemon stop" "$(tail -20 "$tmp/off/log")"
tap_done
