#!/usr/bin/env python3
"""A scripted agent for tests/agent-exit-order.sh, in reverse mode.

The example backend runs it as it runs sockerless-agent (`-- CMD...`, the
callback URL and token in the environment).  It speaks just enough of
agent/PROTOCOL.md to play one ordering the real agent produces only when
its threads are scheduled late: the main process's exit on channel 0
arrives before the output session has sent the rest of the output and its
own EXIT.  An ACK in that gap would let a real agent exit with output
unsent, so this one records when the ACK came and writes a verdict.

CMD names the scenario:
  exit-last   output, channel-0 EXIT, a pause, then the session's EXIT
  error-last  output, channel-0 EXIT, a pause, then the session's ERROR
The verdict goes to $VERDICT_DIR/<container id>: `early` (an ACK came in
the pause), `late` (after the session ended), `none` (no ACK in 10 s).
"""
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "agent", "tests"))
from agentclient import (OPEN, STDOUT, REPLY, EXIT, ERROR, PING, PONG,  # noqa: E402
                         ACK, UPGRADE, fields_encode, fields_decode, fields_get,
                         read_head)

PAUSE = 2.0     # the gap in which no ACK may come


def frame(sock, t, ch, payload=b""):
    sock.sendall(struct.pack(">BII", t, ch, len(payload)) + payload)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        c = sock.recv(n - len(buf))
        if not c:
            raise ConnectionError("closed")
        buf += c
    return buf


def next_frame(sock, deadline):
    """The next frame that is not a PING (answered here), or None at the
    deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            return None
        t, ch, ln = struct.unpack(">BII", recv_exact(sock, 9))
        payload = recv_exact(sock, ln) if ln else b""
        if ch == 0 and t == PING:
            frame(sock, PONG, 0, payload)
            continue
        return t, ch, payload


def dial():
    url = os.environ["SOCKERLESS_CALLBACK_URL"]
    cid = os.environ["SOCKERLESS_CONTAINER_ID"]
    hostport = url.split("://", 1)[1].split("/", 1)[0]
    host, port = hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(("GET /v1/agent/%s HTTP/1.1\r\nHost: %s\r\n"
               "Authorization: Bearer %s\r\nConnection: Upgrade\r\n"
               "Upgrade: %s\r\nX-Sockerless-Container: %s\r\n\r\n"
               % (cid, hostport, os.environ["SOCKERLESS_AGENT_TOKEN"],
                  UPGRADE, cid)).encode())
    head = read_head(s)
    if not head.startswith("HTTP/1.1 101"):
        raise ConnectionError(head.split("\r\n", 1)[0])
    s.settimeout(None)
    return s


def main():
    scenario = sys.argv[sys.argv.index("--") + 1]
    cid = os.environ["SOCKERLESS_CONTAINER_ID"]
    started = time.time_ns()
    s = dial()
    log_ch = None
    end = time.monotonic() + 20
    # The daemon's hello, then its output session.
    while log_ch is None:
        f = next_frame(s, end)
        if f is None:
            sys.exit("no output session within 20 s")
        t, ch, payload = f
        if t != OPEN:
            continue
        kind = fields_get(fields_decode(payload), "kind")
        if kind == "hello":
            frame(s, REPLY, ch, fields_encode([
                ("proto", "2"), ("pid", str(os.getpid())),
                ("started", str(started)), ("state", "running"),
                ("tty", "0"), ("agent", "exit-order test")]))
        elif kind == "attach":
            frame(s, REPLY, ch, fields_encode([("from", "0"), ("tty", "0")]))
            log_ch = ch
    frame(s, STDOUT, log_ch, b"one\n")
    frame(s, EXIT, 0, struct.pack(">I", 0))
    verdict = "none"
    f = next_frame(s, time.monotonic() + PAUSE)
    if f is not None and f[0] == ACK:
        verdict = "early"
    else:
        if scenario == "error-last":
            frame(s, ERROR, log_ch, fields_encode([
                ("code", "internal"), ("message", "output queue overflow")]))
        else:
            frame(s, STDOUT, log_ch, b"two\n")
            frame(s, EXIT, log_ch, struct.pack(">I", 0))
        end = time.monotonic() + 10
        while True:
            f = next_frame(s, end)
            if f is None:
                break
            if f[0] == ACK and f[1] == 0:
                verdict = "late"
                break
    with open(os.path.join(os.environ["VERDICT_DIR"], cid), "w") as v:
        v.write(verdict + "\n")
    s.close()


main()
