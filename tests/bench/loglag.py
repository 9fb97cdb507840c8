#!/usr/bin/env python3
"""loglag.py LABEL COUNT TIMEOUT-S COMMAND... - runs COMMAND (`docker logs
-f ID`, `docker attach --no-stdin ID`) and prints one row of the
log-latency table: LABEL, lines measured, median / p90 / max lag in ms.

Each line the container writes is "lag SEQ STATUS SEC FRAC", stamped in
the container from CLOCK_REALTIME (busybox adjtimex: FRAC is nanoseconds
when STATUS has STA_NANO, microseconds otherwise).  The replica shares
this host's kernel, so that clock is the one time.time_ns() reads here.
A line's lag is the host time its bytes came out of COMMAND
minus its stamp.  Lines stamped before the follower started are not
counted (they are replay, not latency) and are reported as such.
"""
import os
import selectors
import subprocess
import sys
import time

STA_NANO = 0x2000


def stamp_ns(status, sec, frac):
    frac = int(frac)
    if not int(status) & STA_NANO:
        frac *= 1000
    return int(sec) * 1000000000 + frac


def pct(sorted_ms, p):
    # Nearest rank: the smallest value with at least p % at or below it.
    k = max(0, -(-len(sorted_ms) * p // 100) - 1)
    return sorted_ms[k]


def main():
    label, count, timeout, cmd = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
    started = time.time_ns()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    lags, seen, early, buf = [], set(), 0, b""
    while len(seen) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not sel.select(left):
            break
        chunk = os.read(proc.stdout.fileno(), 65536)
        now = time.time_ns()
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            f = line.decode("ascii", "replace").split()
            if len(f) != 5 or f[0] != "lag" or f[1] in seen:
                continue
            seen.add(f[1])
            t = stamp_ns(f[2], f[3], f[4])
            if t < started:
                early += 1
                continue
            lags.append((now - t) / 1e6)
    proc.kill()
    proc.wait()
    lags.sort()
    note = ""
    if early:
        note += " (%d written before the follower started, not counted)" % early
    if len(seen) < count:
        gone = [str(i) for i in range(count) if str(i) not in seen]
        note += " (%d of %d lines never printed within %g s: %s)" % (
            len(gone), count, timeout, " ".join(gone[:8]))
    if not lags:
        print("%-36s %5d %8s %8s %8s%s" % (label, 0, "-", "-", "-", note))
        return
    print("%-36s %5d %8.1f %8.1f %8.1f%s" % (label, len(lags), pct(lags, 50), pct(lags, 90),
                                           lags[-1], note))


if __name__ == "__main__":
    main()
