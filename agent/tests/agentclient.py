#!/usr/bin/env python3
"""A small client for sockerless-agent (agent/PROTOCOL.md), Python 3 stdlib.

Used by the agent's tests and handy for debugging by hand:

    SOCKERLESS_AGENT_TOKEN=... agentclient.py 10.0.0.5:40123 hello
    SOCKERLESS_AGENT_TOKEN=... agentclient.py 10.0.0.5:40123 exec ls -l /
    SOCKERLESS_AGENT_TOKEN=... agentclient.py 10.0.0.5:40123 attach [FROM]
    SOCKERLESS_AGENT_TOKEN=... agentclient.py 10.0.0.5:40123 top
"""
import os
import queue
import socket
import struct
import sys
import threading

OPEN, STDIN, STDOUT, STDERR, EOF, RESIZE, SIGNAL, REPLY, EXIT, ERROR, \
    PING, PONG, ACK, CLOSE, STDOUT_AT, STDERR_AT = range(1, 17)
UPGRADE = "sockerless-agent/1"


class AgentError(Exception):
    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message


def fields_encode(pairs):
    out = b""
    for k, v in pairs:
        if isinstance(v, str):
            v = v.encode()
        out += k.encode() + b"\0" + v + b"\0"
    return out


def fields_decode(b):
    parts = b.split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    return [(parts[i].decode(), parts[i + 1].decode(errors="replace"))
            for i in range(0, len(parts) - 1, 2)]


def fields_get(pairs, key, default=None):
    for k, v in pairs:
        if k == key:
            return v
    return default


def read_head(sock):
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        c = sock.recv(1)
        if not c:
            raise ConnectionError("connection closed in the HTTP head")
        head += c
    return head.decode()


def http_get(addr, path, token=None, extra=""):
    """One plain HTTP request; returns (status, head+body text)."""
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
    req = "GET %s HTTP/1.1\r\nHost: %s\r\n" % (path, addr)
    if token is not None:
        req += "Authorization: Bearer %s\r\n" % token
    s.sendall((req + extra + "\r\n").encode())
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
    s.close()
    text = data.decode(errors="replace")
    return int(text.split(" ", 2)[1]), text


class Conn:
    """An upgraded connection: a reader thread sorts frames by channel."""

    def __init__(self, sock):
        self.sock = sock
        self.wlock = threading.Lock()
        self.queues = {0: queue.Queue()}
        self.qlock = threading.Lock()
        self.next_ch = 1
        self.closed = threading.Event()
        self.auto_pong = True
        # Cleared: the reader stops reading the socket (a client that
        # stopped reading), until set again.
        self.reading = threading.Event()
        self.reading.set()
        threading.Thread(target=self._reader, daemon=True).start()

    @classmethod
    def dial(cls, addr, token, path="/v1/agent"):
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s"
                   "\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n"
                   % (path, addr, token, UPGRADE)).encode())
        head = read_head(s)
        if not head.startswith("HTTP/1.1 101"):
            s.close()
            raise AgentError("http", head.split("\r\n", 1)[0])
        s.settimeout(None)
        return cls(s)

    def _q(self, ch):
        with self.qlock:
            return self.queues.setdefault(ch, queue.Queue())

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            c = self.sock.recv(n - len(buf))
            if not c:
                raise ConnectionError("closed")
            buf += c
        return buf

    def _reader(self):
        try:
            while True:
                self.reading.wait()
                hdr = self._recv_exact(9)
                t, ch, ln = struct.unpack(">BII", hdr)
                payload = self._recv_exact(ln) if ln else b""
                if ch == 0 and t == PING and self.auto_pong:
                    self.send(PONG, 0, payload)
                    continue
                self._q(ch).put((t, payload))
        except (OSError, ConnectionError):
            pass
        self.closed.set()
        with self.qlock:
            for q in self.queues.values():
                q.put((None, b""))

    def send(self, t, ch, payload=b""):
        with self.wlock:
            self.sock.sendall(struct.pack(">BII", t, ch, len(payload)) + payload)

    def recv(self, ch, timeout=10):
        return self._q(ch).get(timeout=timeout)

    def open(self, kind, pairs=()):
        with self.qlock:
            ch = self.next_ch
            self.next_ch += 1
        self._q(ch)
        self.send(OPEN, ch, fields_encode([("kind", kind)] + list(pairs)))
        t, p = self.recv(ch)
        if t == ERROR:
            f = fields_decode(p)
            raise AgentError(fields_get(f, "code"), fields_get(f, "message"))
        if t != REPLY:
            raise AgentError("proto", "expected REPLY, got %r" % (t,))
        return ch, fields_decode(p)

    def request(self, kind, pairs=()):
        return self.open(kind, pairs)[1]

    def collect(self, ch, timeout=20):
        """Reads a streaming session to its end: (stdout, stderr, code)."""
        out, err = bytearray(), bytearray()
        while True:
            t, p = self.recv(ch, timeout)
            if t == STDOUT:
                out += p
            elif t == STDERR:
                err += p
            elif t == EXIT:
                return bytes(out), bytes(err), struct.unpack(">i", p)[0]
            elif t == ERROR:
                f = fields_decode(p)
                raise AgentError(fields_get(f, "code"), fields_get(f, "message"))
            elif t is None:
                raise ConnectionError("connection lost")

    def feed(self, ch, data, eof=True, chunk=65536):
        for i in range(0, len(data), chunk):
            self.send(STDIN, ch, data[i:i + chunk])
        if eof:
            self.send(EOF, ch)

    def exec(self, argv, stdin=None, env=(), user=None, workdir=None,
             tty=False, rows=None, cols=None):
        pairs = [("argv", a) for a in argv] + [("env", e) for e in env]
        if user is not None:
            pairs.append(("user", user))
        if workdir is not None:
            pairs.append(("workdir", workdir))
        pairs += [("tty", "1" if tty else "0"),
                  ("stdin", "1" if stdin is not None else "0")]
        if rows:
            pairs += [("rows", str(rows)), ("cols", str(cols))]
        ch, _ = self.open("exec", pairs)
        if stdin is not None:
            threading.Thread(target=self.feed, args=(ch, stdin),
                             daemon=True).start()
        return self.collect(ch)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    token = os.environ.get("SOCKERLESS_AGENT_TOKEN", "")
    c = Conn.dial(argv[1], token)
    c.request("hello")
    cmd = argv[2]
    if cmd == "hello" or cmd == "top" or cmd == "health":
        for k, v in c.request(cmd):
            print("%s=%s" % (k, v))
        return 0
    if cmd == "exec":
        out, err, code = c.exec(argv[3:])
        sys.stdout.buffer.write(out)
        sys.stderr.buffer.write(err)
        return code
    if cmd == "attach":
        pairs = [("from", argv[3])] if len(argv) > 3 else []
        ch, _ = c.open("attach", pairs)
        while True:
            t, p = c.recv(ch, timeout=None)
            if t == STDOUT:
                sys.stdout.buffer.write(p)
                sys.stdout.flush()
            elif t == STDERR:
                sys.stderr.buffer.write(p)
            elif t == EXIT:
                c.send(ACK, 0)
                return struct.unpack(">i", p)[0]
            else:
                return 1
    print("unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
