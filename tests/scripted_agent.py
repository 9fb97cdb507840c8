#!/usr/bin/env python3
"""A scripted agent for tests/agent-scripted.sh, in reverse mode.

The example backend runs it as it runs sockerless-agent (`-- CMD...`, the
callback URL and token in the environment).  It speaks just enough of
agent/PROTOCOL.md to play orders and values the real agent produces only
on a loaded or badly clocked host, and writes what it saw of the daemon to
$VERDICT_DIR/<container id>.

CMD names the scenario:
  exit-last   output, the channel-0 EXIT, a 2 s pause, then the output
              session's last line and EXIT.  The real agent shows this
              order when its session thread runs late.
  error-last  as exit-last, but the session ends with ERROR.
  skew        version 2 stamps: one from a clock an hour ahead, one from
              2020, one missing (0); then the exits in the usual order.
  burst[-N]   N (20000) lines at once, then the exits: the daemon's log
              writer is still behind when the container is reported
              exited (and tests/bench/logcopy_bench.sh times it).
The verdict is `early` (an ACK came in the pause), `late` (after the
session ended) or `none` (no ACK within 10 s).
"""
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir", "."), "agent", "tests"))
from agentclient import (OPEN, STDOUT, REPLY, EXIT, ERROR, PING, PONG,  # noqa: E402
                         ACK, STDOUT_AT, UPGRADE, fields_encode,
                         fields_decode, fields_get, read_head)

PAUSE = 2.0             # the gap in which no ACK may come
STAMP_2020 = 1577836800000000001    # 2020-01-01T00:00:00.000000001Z


def frame(sock, t, ch, payload=b""):
    sock.sendall(struct.pack(">BII", t, ch, len(payload)) + payload)


def stamped(sock, ch, stamp, data):
    frame(sock, STDOUT_AT, ch, struct.pack(">q", stamp) + data)


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


def wait_ack(sock, seconds):
    end = time.monotonic() + seconds
    while True:
        f = next_frame(sock, end)
        if f is None:
            return False
        if f[0] == ACK and f[1] == 0:
            return True


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


def greet(s, stamps):
    """Answers the daemon's hello and its output session; returns that
    session's channel."""
    end = time.monotonic() + 20
    while True:
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
                ("started", str(time.time_ns())), ("state", "running"),
                ("tty", "0"), ("agent", "scripted test agent")]))
        elif kind == "attach":
            reply = [("from", "0"), ("tty", "0")]
            if stamps:
                reply.append(("stamps", "1"))
            frame(s, REPLY, ch, fields_encode(reply))
            return ch


def main():
    scenario = sys.argv[sys.argv.index("--") + 1]
    s = dial()
    ch = greet(s, scenario == "skew")
    verdict = "none"
    if scenario.startswith("burst"):
        n = int(scenario[6:] or 20000)
        data = b"".join(b"line %d\n" % i for i in range(1, n + 1))
        for k in range(0, len(data), 65536):
            frame(s, STDOUT, ch, data[k:k + 65536])
        frame(s, EXIT, 0, struct.pack(">I", 0))
        frame(s, EXIT, ch, struct.pack(">I", 0))
        if wait_ack(s, 10):
            verdict = "late"
    elif scenario == "skew":
        stamped(s, ch, time.time_ns() + 3600 * 10**9, b"ahead\n")
        stamped(s, ch, STAMP_2020, b"past\n")
        stamped(s, ch, 0, b"unstamped\n")
        frame(s, EXIT, 0, struct.pack(">I", 0))
        frame(s, EXIT, ch, struct.pack(">I", 0))
        if wait_ack(s, 10):
            verdict = "late"
    else:
        frame(s, STDOUT, ch, b"one\n")
        frame(s, EXIT, 0, struct.pack(">I", 0))
        if wait_ack(s, PAUSE):
            verdict = "early"
        else:
            if scenario == "error-last":
                frame(s, ERROR, ch, fields_encode([
                    ("code", "internal"),
                    ("message", "output queue overflow")]))
            else:
                frame(s, STDOUT, ch, b"two\n")
                frame(s, EXIT, ch, struct.pack(">I", 0))
            if wait_ack(s, 10):
                verdict = "late"
    path = os.path.join(os.environ["VERDICT_DIR"],
                        os.environ["SOCKERLESS_CONTAINER_ID"])
    with open(path, "w") as v:
        v.write(verdict + "\n")
    s.close()


main()
