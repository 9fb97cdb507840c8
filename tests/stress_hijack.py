#!/usr/bin/env python3
"""stress_hijack.py - hijacked attach and exec streams whose clients
vanish, half-close, detach or never read the 101, many at once.

Usage: stress_hijack.py SOCKET CONTAINER_ID ROUNDS
Prints one line per failed session to stderr; exits 1 if any failed or the
daemon stopped answering.  Bounded: every socket has a timeout.
"""
import itertools
import json
import os
import random
import socket
import sys
import threading
import time

SOCK, CID, ROUNDS = sys.argv[1], sys.argv[2], int(sys.argv[3])
TIMEOUT = 20
MODES = os.environ.get("STRESS_MODES",
                       "vanish-before-101 vanish rst half-close detach").split()
errors = []
serial = itertools.count()
lock = threading.Lock()


def fail(msg):
    with lock:
        errors.append(msg)


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(SOCK)
    return s


def request(method, path, body=None, upgrade=False):
    data = json.dumps(body).encode() if body is not None else b""
    head = "%s %s HTTP/1.1\r\nHost: d\r\n" % (method, path)
    if body is not None:
        head += "Content-Type: application/json\r\n"
    head += "Content-Length: %d\r\n" % len(data)
    if upgrade:
        head += "Connection: Upgrade\r\nUpgrade: tcp\r\n"
    return head.encode() + b"\r\n" + data


def read_head(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        c = s.recv(4096)
        if not c:
            raise EOFError("closed before the headers: %r" % buf[:200])
        buf += c
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def simple(method, path, body=None):
    """One request on its own connection; returns (status, body bytes)."""
    s = connect()
    try:
        s.sendall(request(method, path, body))
        head, rest = read_head(s)
        status = int(head.split()[1])
        length = 0
        for line in head.split("\r\n")[1:]:
            k, _, v = line.partition(":")
            if k.lower() == "content-length":
                length = int(v)
        while len(rest) < length:
            c = s.recv(65536)
            if not c:
                break
            rest += c
        return status, rest
    finally:
        s.close()


def drain(s, limit_s):
    """Reads until EOF or limit_s; True at EOF."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            c = s.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            return True
        if not c:
            return True
    return False


def hijack(path, body, mode):
    s = connect()
    try:
        s.sendall(request("POST", path, body, upgrade=True))
        if mode == "vanish-before-101":
            return
        head, _ = read_head(s)
        if not head.startswith("HTTP/1.1 101"):
            fail("%s %s: %s" % (mode, path, head.splitlines()[0]))
            return
        if mode == "vanish":
            s.send(b"some input\n")
            s.recv(16)
            return
        if mode == "rst":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b"\x01\x00\x00\x00\x00\x00\x00\x00")
            return
        if mode == "half-close":
            s.sendall(b"line one\nline two\n")
            s.shutdown(socket.SHUT_WR)
            drain(s, 0.5)
            return
        if mode == "detach":
            s.sendall(b"\x10\x11")
            if not drain(s, TIMEOUT - 2):
                fail("detach %s: the stream did not end" % path)
            return
    except (OSError, EOFError) as e:
        if mode not in ("vanish", "rst"):
            fail("%s %s: %s" % (mode, path, e))
    finally:
        s.close()


def run_i():
    """docker run -i: attach with stdin to a StdinOnce container, start
    it, send and half-close; cat's output must come back whole."""
    st, body = simple("POST", "/v1.43/containers/create?name=stress-%d-%d"
                      % (os.getpid(), next(serial)),
                      {"Image": "busybox", "Cmd": ["cat"], "OpenStdin": True,
                       "StdinOnce": True, "AttachStdin": True,
                       "AttachStdout": True, "AttachStderr": True})
    if st != 201:
        fail("create: %d %r" % (st, body[:200]))
        return
    cid = json.loads(body)["Id"]
    s = connect()
    try:
        s.sendall(request("POST", "/v1.43/containers/%s/attach?stream=1"
                          "&stdin=1&stdout=1&stderr=1" % cid, None, True))
        head, got = read_head(s)
        if not head.startswith("HTTP/1.1 101"):
            fail("run-i attach: %s" % head.splitlines()[0])
            return
        st, body = simple("POST", "/v1.43/containers/%s/start" % cid)
        if st != 204:
            fail("run-i start: %d %r" % (st, body[:200]))
            return
        s.sendall(b"hello stdin\n")
        s.shutdown(socket.SHUT_WR)
        while True:
            c = s.recv(65536)
            if not c:
                break
            got += c
        if b"hello stdin" not in got:
            fail("run-i: output %r" % got[:200])
    except (OSError, EOFError) as e:
        fail("run-i: %s" % e)
    finally:
        s.close()
        simple("DELETE", "/v1.43/containers/%s?force=1" % cid)


def one_session(i):
    mode = random.choice(MODES)
    if mode == "run-i":
        run_i()
        return
    # As with dockerd, detach keys apply to a TTY only: the container has
    # none, so detach is exercised on an exec that has one.
    if random.random() < 0.5 and mode != "detach":
        hijack("/v1.43/containers/%s/attach?stream=1&stdin=1&stdout=1"
               "&stderr=1" % CID, None, mode)
        return
    st, body = simple("POST", "/v1.43/containers/%s/exec" % CID,
                      {"AttachStdin": True, "AttachStdout": True,
                       "AttachStderr": True, "Cmd": ["cat"],
                       "Tty": mode == "detach"})
    if st != 201:
        fail("exec create: %d %r" % (st, body[:200]))
        return
    eid = json.loads(body)["Id"]
    hijack("/v1.43/exec/%s/start" % eid,
           {"Detach": False, "Tty": mode == "detach"}, mode)


def worker(n):
    for i in range(n):
        try:
            one_session(i)
        except Exception as e:  # noqa: BLE001 - any failure is a failure
            fail("session: %r" % e)


random.seed(int(sys.argv[4]) if len(sys.argv) > 4 else None)
threads = [threading.Thread(target=worker, args=(ROUNDS,)) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
try:
    st, _ = simple("GET", "/_ping")
    if st != 200:
        fail("ping after the storm: %d" % st)
except OSError as e:
    fail("daemon gone after the storm: %s" % e)
for e in errors[:20]:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
