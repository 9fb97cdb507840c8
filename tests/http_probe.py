#!/usr/bin/env python3
"""tests/http_probe.py - raw-socket HTTP checks of sockerlessd's connection
handling, for tests/connections.sh.

Each command prints one line per check, "ok DESCRIPTION" or
"not ok DESCRIPTION: DETAIL", and the shell test turns them into TAP.
Every wait has a deadline; nothing sleeps to synchronise.

  idle SOCK                 a silent connection and an idle keep-alive one
                            are closed by the daemon
  flood SOCK N              N idle connections do not lock a new client out
  streams SOCK DIR LOGS WAIT EXEC
                            streams idle for longer than the idle timeout
                            still deliver (logs -f, wait, events, hijack)
  early SOCK                answers to requests whose body the daemon does
                            not want still reach a client that writes the
                            whole body first
"""
import errno
import json
import os
import select
import signal
import socket
import sys
import time

DEADLINE = 90.0       # seconds; generous for ASan on a loaded machine


def report(good, desc, detail=""):
    if good:
        print("ok " + desc)
    else:
        print("not ok %s: %s" % (desc, detail))
    sys.stdout.flush()
    return good


def connect(path, timeout=DEADLINE):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def wait_eof(s, deadline):
    """Reads until the peer closes; returns the seconds it took, or None."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        r, _, _ = select.select([s], [], [], 0.5)
        if not r:
            continue
        try:
            if s.recv(65536) == b"":
                return time.monotonic() - start
        except ConnectionResetError:
            return time.monotonic() - start
    return None


class Reader:
    """Buffered reading of one HTTP response from a socket."""

    def __init__(self, s):
        self.s = s
        self.buf = b""

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def until(self, token):
        while token not in self.buf:
            self.fill()
        i = self.buf.index(token) + len(token)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exactly(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        """Returns (status, {lower-case header: value})."""
        raw = self.until(b"\r\n\r\n").decode("latin-1")
        lines = raw.split("\r\n")
        status = int(lines[0].split(" ")[1])
        hdrs = {}
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        return status, hdrs

    def chunk(self):
        """One chunk of a chunked body (b"" at its end)."""
        size = int(self.until(b"\r\n").strip().split(b";")[0], 16)
        data = self.exactly(size)
        self.exactly(2)
        return data

    def response(self):
        """A whole response: (status, headers, body)."""
        status, hdrs = self.head()
        if "content-length" in hdrs:
            return status, hdrs, self.exactly(int(hdrs["content-length"]))
        body = b""
        while True:
            c = self.chunk()
            if not c:
                self.until(b"\r\n")
                return status, hdrs, body
            body += c


def request(s, method, path, body=None, headers=()):
    h = ["%s %s HTTP/1.1" % (method, path), "Host: d"]
    h += list(headers)
    if body is not None:
        h += ["Content-Type: application/json", "Content-Length: %d" % len(body)]
    s.sendall(("\r\n".join(h) + "\r\n\r\n").encode() + (body or b""))


# ---- idle -----------------------------------------------------------------

def cmd_idle(path):
    s = connect(path)
    t = wait_eof(s, DEADLINE)
    report(t is not None and t >= 1.0,
           "a connection that sends nothing is closed after the idle timeout",
           "closed after %s s" % t)
    s.close()

    s = connect(path)
    request(s, "GET", "/_ping")
    st, _, body = Reader(s).response()
    t = wait_eof(s, DEADLINE)
    report(st == 200 and body == b"OK" and t is not None and t >= 1.0,
           "an idle keep-alive connection is closed after its answer",
           "status %d body %r closed after %s s" % (st, body, t))
    s.close()


# ---- flood ----------------------------------------------------------------

def cmd_flood(path, n):
    idle = []
    refused = 0
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
            idle.append(s)
        except BlockingIOError:     # the listen queue is full
            refused += 1
            s.close()
    # A plain blocking client, as the docker CLI is: connect waits while
    # the listen queue is full.  SIGALRM bounds the whole exchange.
    def on_alarm(signum, frame):
        raise TimeoutError("no answer within %d s" % DEADLINE)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(DEADLINE))
    start = time.monotonic()
    try:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        request(c, "GET", "/_ping")
        st, _, body = Reader(c).response()
        ok = st == 200 and body == b"OK"
        detail = "status %d body %r" % (st, body)
        c.close()
    except (OSError, EOFError, TimeoutError) as e:
        ok, detail = False, repr(e)
    signal.alarm(0)
    took = time.monotonic() - start
    # The daemon must have closed idle connections to make room: the
    # check would prove nothing if the limit had not been reached.
    closed = 0
    for s in idle:
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except ConnectionResetError:
            closed += 1
        s.close()
    report(ok, "a new client is served while idle connections fill the limit",
           "%s after %.1f s with %d idle connections" % (detail, took, len(idle)))
    report(closed > 0, "the daemon closed idle connections to make room",
           "%d of %d closed, %d refused by a full queue" % (closed, len(idle), refused))


# ---- streams --------------------------------------------------------------

def frames(data):
    """Payloads of Docker's multiplexed stream (8-byte headers)."""
    out = b""
    while len(data) >= 8:
        n = int.from_bytes(data[4:8], "big")
        out += data[8:8 + n]
        data = data[8 + n:]
    return out


def cmd_streams(path, trigger_dir, logs_id, wait_id, exec_id):
    # logs -f: read until the first line; then it has nothing to say.
    logs = connect(path)
    request(logs, "GET", "/containers/%s/logs?follow=1&stdout=1" % logs_id)
    lr = Reader(logs)
    st, _ = lr.head()
    got = b""
    while b"first" not in frames(got):
        got += lr.chunk()

    wait = connect(path)
    request(wait, "POST", "/containers/%s/wait" % wait_id, b"")
    wr = Reader(wait)
    wst, _ = wr.head()

    ev = connect(path)
    request(ev, "GET", "/events")
    er = Reader(ev)
    est, _ = er.head()

    # exec with a hijacked connection running cat.
    ex = connect(path)
    request(ex, "POST", "/containers/%s/exec" % exec_id, json.dumps({
        "AttachStdin": True, "AttachStdout": True, "AttachStderr": True,
        "Cmd": ["cat"]}).encode())
    xst, _, xbody = Reader(ex).response()
    exec_ok = xst == 201
    if exec_ok:
        eid = json.loads(xbody)["Id"]
        request(ex, "POST", "/exec/%s/start" % eid,
                json.dumps({"Detach": False, "Tty": False}).encode(),
                ["Connection: Upgrade", "Upgrade: tcp"])
        xr = Reader(ex)
        xst, _ = xr.head()
        exec_ok = xst == 101

    # A connection opened after every stream went quiet: once the daemon
    # has closed it for idleness, each stream has been quiet for longer.
    ctl = connect(path)
    t = wait_eof(ctl, DEADLINE)
    report(t is not None, "the idle timeout closes a quiet control connection",
           "not closed within %d s" % DEADLINE)

    open(os.path.join(trigger_dir, "go"), "w").close()

    try:
        while b"second" not in frames(got):
            got += lr.chunk()
        report(True, "logs -f idle past the idle timeout still delivers")
    except (OSError, EOFError) as e:
        report(False, "logs -f idle past the idle timeout still delivers",
               "status %d, got %r, then %r" % (st, frames(got), e))

    try:
        body = b""
        while b"StatusCode" not in body:
            body += wr.chunk()
        report(wst == 200, "wait idle past the idle timeout gets its body", body)
    except (OSError, EOFError) as e:
        report(False, "wait idle past the idle timeout gets its body",
               "status %d, then %r" % (wst, e))

    try:
        body = b""
        while b'"die"' not in body:
            body += er.chunk()
        report(est == 200, "events idle past the idle timeout still delivers", body)
    except (OSError, EOFError) as e:
        report(False, "events idle past the idle timeout still delivers",
               "status %d, then %r" % (est, e))

    try:
        if not exec_ok:
            raise OSError("exec start answered %d" % xst)
        ex.sendall(b"ping\n")
        while b"ping" not in frames(xr.buf):
            xr.fill()
        report(True, "a hijacked exec idle past the idle timeout still echoes")
    except (OSError, EOFError) as e:
        report(False, "a hijacked exec idle past the idle timeout still echoes", repr(e))
    for s in (logs, wait, ev, ex, ctl):
        s.close()


# ---- early ----------------------------------------------------------------

BODY = 1 << 20


def send_body(s, chunked, size):
    """Writes the body in 64 KiB pieces without waiting for anything."""
    piece = b"x" * 65536
    left = size
    while left:
        n = min(left, len(piece))
        if chunked:
            s.sendall(b"%x\r\n" % n + piece[:n] + b"\r\n")
        else:
            s.sendall(piece[:n])
        left -= n
    if chunked:
        s.sendall(b"0\r\n\r\n")


def early_case(path, method, url, status, size, chunked):
    how = "chunked" if chunked else "Content-Length"
    desc = "%s %s with a %d KiB %s body: %d and its message reach the client" % (
        method, url, size >> 10, how, status)
    s = connect(path)
    head = ["%s %s HTTP/1.1" % (method, url), "Host: d",
            "Content-Type: application/json"]
    head.append("Transfer-Encoding: chunked" if chunked else
                "Content-Length: %d" % size)
    try:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        send_body(s, chunked, size)
        r = Reader(s)
        st, hdrs, body = r.response()
        msg = json.loads(body).get("message", "")
        if not report(st == status and msg != "", desc,
                      "status %d body %r" % (st, body)):
            return
    except (OSError, EOFError, ValueError) as e:
        report(False, desc, repr(e))
        return
    # The body was read to its end: the connection is still in step.
    desc = "the connection serves the next request after that answer"
    if "close" in hdrs.get("connection", "").lower():
        report(wait_eof(s, DEADLINE) is not None, desc + " (or closes cleanly)")
        return
    try:
        request(s, "GET", "/_ping")
        st, _, body = r.response()
        report(st == 200 and body == b"OK", desc, "status %d body %r" % (st, body))
    except (OSError, EOFError) as e:
        report(False, desc, repr(e))
    s.close()


def cmd_early(path):
    cases = [
        ("POST", "/build", 501),
        ("POST", "/no/such/route", 404),
        ("POST", "/_ping", 405),
        ("POST", "/v9.99/containers/create", 400),
        ("POST", "/containers/create", 400),      # not JSON
        ("POST", "/containers/nosuchcontainer/start", 404),
    ]
    for method, url, status in cases:
        for chunked in (False, True):
            early_case(path, method, url, status, BODY, chunked)
    # Over the 16 MiB limit for JSON: read and discarded, then 413.
    early_case(path, "POST", "/containers/create", 413, 17 << 20, False)


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    cmd, path = argv[1], argv[2]
    if cmd == "idle":
        cmd_idle(path)
    elif cmd == "flood":
        cmd_flood(path, int(argv[3]))
    elif cmd == "streams":
        cmd_streams(path, *argv[3:7])
    elif cmd == "early":
        cmd_early(path)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
