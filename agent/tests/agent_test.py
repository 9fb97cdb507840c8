#!/usr/bin/env python3
"""TAP tests of sockerless-agent in forward and reverse mode.

One Python process runs every check (interpreter start-up is slow on a
loaded CI machine); each check starts its own agent where it needs a fresh
main process.  Needs root for the user switch and the busybox chroot.
"""
import hashlib
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tarfile
import io
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentclient import (Conn, AgentError, http_get, fields_get, read_head,  # noqa: E402
                         STDIN, STDOUT, STDERR, EOF, RESIZE, SIGNAL, EXIT,
                         ERROR, ACK, PING, PONG, CLOSE, STDOUT_AT)

BUILD = os.environ.get("top_builddir", os.path.join(os.path.dirname(__file__), "../.."))
AGENT = os.path.join(BUILD, "agent", "sockerless-agent")
TOKEN = "5f" * 32
N = 0
FAILED = 0


def ok(cond, desc, *diag):
    global N, FAILED
    N += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N, desc))
    if not cond:
        FAILED += 1
        for d in diag:
            for line in str(d).splitlines():
                print("# " + line)
    sys.stdout.flush()
    return cond


def poll(fn, timeout=5.0, step=0.02):
    """Calls FN until it returns a true value or the deadline passes."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def children(ppid):
    """(pid, process group) of every process whose parent is ppid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(st[1]) == ppid:
            out.append((int(d), int(st[2])))
    return out


class Agent:
    """A sockerless-agent process with its stdout/stderr collected."""

    def __init__(self, cmd, args=(), env=None, forward=True, exit_wait=5, prefix=()):
        e = dict(os.environ)
        e["SOCKERLESS_AGENT_TOKEN"] = TOKEN
        e.pop("SOCKERLESS_CALLBACK_URL", None)
        e.pop("HOME", None)  # as in an image's environment
        e.update(env or {})
        argv = list(prefix) + [AGENT]
        if forward:
            argv += ["--listen", "127.0.0.1:0"]
        argv += ["--exit-wait", str(exit_wait)] + list(args) + ["--"] + list(cmd)
        self.p = subprocess.Popen(argv, env=e, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out, self.err = bytearray(), bytearray()
        self.t = [threading.Thread(target=self._drain, args=(self.p.stdout, self.out), daemon=True),
                  threading.Thread(target=self._drain, args=(self.p.stderr, self.err), daemon=True)]
        for t in self.t:
            t.start()
        self.addr = None
        if forward:
            line = poll(lambda: b"\n" in self.err and bytes(self.err).split(b"\n")[0])
            self.announce = (line or b"").decode()
            m = re.match(r"^SOCKERLESS_AGENT listen=([0-9.]+:[0-9]+) proto=1$", self.announce)
            self.addr = m.group(1) if m else None

    @staticmethod
    def _drain(f, buf):
        while True:
            c = f.read1(65536)
            if not c:
                return
            buf += c

    def conn(self):
        c = Conn.dial(self.addr, TOKEN)
        c.request("hello")
        return c

    def wait(self, timeout=10):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
            return "timeout"
        for t in self.t:
            t.join(5)
        return rc

    def kill(self):
        if self.p.poll() is None:
            # The agent's children (the main process, exec sessions) run
            # in process groups of their own and would outlive it.
            for _, pgrp in children(self.p.pid):
                if pgrp != os.getpgrp():
                    try:
                        os.killpg(pgrp, 9)
                    except OSError:
                        pass
            self.p.kill()
        self.wait()


def exit_of(c):
    """The main process's exit code from channel 0 (then ACKs it)."""
    t, p = c.recv(0, 10)
    if t != EXIT:
        return "frame %r" % t
    c.send(ACK, 0)
    return struct.unpack(">i", p)[0]


# ---------------------------------------------------------------- forward

def test_forward_basics():
    a = Agent(["sh", "-c", "echo out; echo err >&2; read x; exit 3"], ["--stdin"])
    ok(a.addr is not None, "the announce line is 'SOCKERLESS_AGENT listen=IP:PORT proto=1'",
       a.announce)
    st, _ = http_get(a.addr, "/v1/health")
    ok(st == 401, "health without a token: 401", st)
    st, text = http_get(a.addr, "/v1/health", "wrong")
    ok(st == 401 and "WWW-Authenticate: Bearer" in text, "health with a wrong token: 401", text)
    st, _ = http_get(a.addr, "/v1/agent", "5f" * 31 + "5e",
                     "Connection: Upgrade\r\nUpgrade: sockerless-agent/1\r\n")
    ok(st == 401, "upgrade with a wrong token: 401", st)
    st, _ = http_get(a.addr, "/v1/agent", None,
                     "Connection: Upgrade\r\nUpgrade: sockerless-agent/1\r\n")
    ok(st == 401, "upgrade without a token: 401", st)
    st, text = http_get(a.addr, "/v1/health", TOKEN)
    ok(st == 200 and text.endswith("ok\n"), "health with the token: 200 ok", text)
    st, _ = http_get(a.addr, "/v1/nope", TOKEN)
    ok(st == 404, "unknown path with the token: 404", st)
    st, _ = http_get(a.addr, "/v1/agent", TOKEN)
    ok(st == 400, "no Upgrade with the token: 400", st)

    c = a.conn()
    h = c.request("hello")
    ok(fields_get(h, "proto") == "2" and fields_get(h, "state") == "running" and
       int(fields_get(h, "pid", "0")) > 0 and fields_get(h, "tty") == "0",
       "hello: proto, pid, state running, tty 0", h)
    ch, r = c.open("attach", [("from", "0"), ("stdin", "1")])
    ok(fields_get(r, "from") == "0", "attach from 0 replays from 0", r)
    try:
        c.open("attach", [("stdin", "1")])
        ok(False, "a second stdin attach is a conflict")
    except AgentError as e:
        ok(e.code == "conflict", "a second stdin attach is a conflict", e)
    c.feed(ch, b"line\n")
    out, err, code = c.collect(ch)
    ok(out == b"out\n" and err == b"err\n", "attach: stdout and stderr stay apart",
       repr(out), repr(err))
    ok(code == 3, "attach: EXIT 3", code)
    ok(exit_of(c) == 3, "channel 0: EXIT 3")
    rc = a.wait()
    ok(rc == 3, "the agent exits with the main process's code after the ACK", rc)
    ok(bytes(a.out) == b"out\n" and bytes(a.err).split(b"\n", 1)[1] == b"err\n",
       "the agent's own stdout/stderr carry the output unchanged",
       repr(bytes(a.out)), repr(bytes(a.err)))


def test_exec():
    a = Agent(["sleep", "60"])
    c = a.conn()
    out, err, code = c.exec(["sh", "-c", "echo o; echo e >&2; exit 42"])
    ok((out, err, code) == (b"o\n", b"e\n", 42), "exec: split output and exit 42",
       repr((out, err, code)))
    out, _, code = c.exec(["sh", "-c", "id -u; id -g; pwd; echo $FOO; echo $HOME; "
                           "echo ${SOCKERLESS_AGENT_TOKEN:-none}"],
                          env=["FOO=bar"], user="nobody", workdir="/tmp")
    ok(out.decode().split() == ["65534", "65534", "/tmp", "bar", "/nonexistent", "none"]
       and code == 0, "exec: user, workdir, env, HOME; no token in the environment",
       repr(out))
    out, _, code = c.exec(["id", "-u"], user="1234:5678")
    ok(out == b"1234\n" and code == 0, "exec: numeric uid:gid", repr(out))
    try:
        c.exec(["no-such-command-x"])
        ok(False, "exec of an unknown command is notfound")
    except AgentError as e:
        ok(e.code == "notfound" and
           e.message == 'exec: "no-such-command-x": executable file not found in $PATH',
           "exec of an unknown command: notfound, Docker's message", e)
    try:
        c.exec(["true"], user="nosuchuser")
        ok(False, "exec as an unknown user fails")
    except AgentError as e:
        ok("unable to find user nosuchuser" in e.message, "exec as an unknown user fails", e)
    out, _, code = c.exec(["wc", "-c"], stdin=b"hello")
    ok(out.strip() == b"5" and code == 0, "exec: stdin and EOF", repr(out))
    out, _, code = c.exec(["sh", "-c", "tty; stty size; exit 4"], tty=True, rows=30, cols=100)
    ok(b"/dev/pts/" in out and b"30 100" in out and code == 4,
       "exec with a TTY: a pts, its size, exit 4", repr(out))
    # Resize and a signal during a TTY exec.
    ch, r = c.open("exec", [("argv", "sh"), ("argv", "-c"),
                            ("argv", "trap 'stty size; exit 9' USR1; echo ready; "
                             "while :; do sleep 0.05; done"),
                            ("tty", "1"), ("rows", "10"), ("cols", "20")])
    # The signal must not come before the trap (a loaded machine).
    early = bytearray()
    while b"ready" not in early:
        t, p = c.recv(ch)
        if t != STDOUT:
            break
        early += p
    c.send(RESIZE, ch, struct.pack(">HH", 50, 132))
    time.sleep(0.1)
    c.send(SIGNAL, ch, struct.pack(">I", 10))
    out, _, code = c.collect(ch)
    ok(b"50 132" in out and code == 9, "exec: RESIZE then SIGNAL reach the process",
       repr(out), code)
    ch, r = c.open("exec", [("argv", "sleep"), ("argv", "30")])
    c.send(SIGNAL, ch, struct.pack(">I", 9))
    _, _, code = c.collect(ch)
    ok(code == 137, "exec killed by SIGKILL: 137", code)
    a.kill()


def test_exit_codes():
    for cmd, want, how in ((["true"], 0, "exit 0"), (["sh", "-c", "exit 42"], 42, "exit 42")):
        a = Agent(cmd)
        c = Conn.dial(a.addr, TOKEN)
        h = c.request("hello")
        code = fields_get(h, "exit") if fields_get(h, "state") == "exited" else exit_of(c)
        if fields_get(h, "state") == "exited":
            c.send(ACK, 0)
        rc = a.wait()
        ok(int(code) == want and rc == want, "%s: reported %s, agent exits %s" % (how, code, rc))
    a = Agent(["sleep", "60"])
    c = a.conn()
    c.request("signal", [("signal", "9")])
    code = exit_of(c)
    ok(code == 137 and a.wait() == 137, "SIGKILL through a signal session: 137", code)
    a = Agent(["sleep", "60"])
    c = a.conn()
    a.p.terminate()
    code = exit_of(c)
    ok(code == 143 and a.wait() == 143, "SIGTERM to the agent is forwarded: 143", code)


def test_tty_main():
    a = Agent(["sh", "-c", "tty; read x; echo got $x; exit 5"], ["--tty", "--stdin"])
    c = a.conn()
    h = c.request("hello")
    ch, _ = c.open("attach", [("from", "0"), ("stdin", "1")])
    c.feed(ch, b"abc\n", eof=False)
    out, err, code = c.collect(ch)
    ok(fields_get(h, "tty") == "1" and b"/dev/pts/" in out and b"got abc" in out and
       err == b"" and code == 5, "TTY main process: pts, echo, all on STDOUT, exit 5",
       repr(out), repr(err))
    c.send(ACK, 0)
    ok(a.wait() == 5, "TTY main: agent exits 5")


def test_big_stdin():
    data = os.urandom(10 << 20)
    a = Agent(["cat"], ["--stdin"])
    c = a.conn()
    ch, _ = c.open("attach", [("stdin", "1"), ("from", "0")])
    threading.Thread(target=c.feed, args=(ch, data), daemon=True).start()
    out, _, code = c.collect(ch, 30)
    want = hashlib.sha256(data).hexdigest()
    ok(hashlib.sha256(out).hexdigest() == want and code == 0,
       "10 MiB through stdin and back through attach, intact", len(out))
    c.send(ACK, 0)
    a.wait()
    ok(hashlib.sha256(bytes(a.out)).hexdigest() == want,
       "the same 10 MiB on the agent's own stdout", len(a.out))


def test_held_output():
    """The output waits for an attached client that is behind (as under
    dockerd): from the first byte, before the client attached, and after
    the process exited while the client had stopped reading for longer
    than the agent waits for a background child's output."""
    n = 8 << 20  # more than the buffer and both sockets' buffers
    a = Agent(["head", "-c", str(n), "/dev/urandom"])
    c = a.conn()
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    ch, r = c.open("attach", [("from", "0")])
    c.reading.clear()
    ok(fields_get(r, "from") == "0",
       "the first byte was kept for the first attach", r)
    time.sleep(3)  # the client's own pause, longer than the drain wait
    c.reading.set()
    out, _, code = c.collect(ch, 60)
    c.send(ACK, 0)
    a.wait()
    ok(len(out) == n and out == bytes(a.out) and code == 0,
       "a client that paused gets every byte, then the exit",
       len(out), len(a.out), code)


def test_replay():
    a = Agent(["sh", "-c", "echo hello; echo world; sleep 60"])
    c = a.conn()
    poll(lambda: bytes(a.out) == b"hello\nworld\n")
    ch, r = c.open("attach", [("from", "6")])
    t, p = c.recv(ch)
    ok(fields_get(r, "from") == "6" and (t, p) == (STDOUT, b"world\n"),
       "attach from 6 replays the second line", r, repr(p))
    c.send(CLOSE, ch)
    ch, r = c.open("attach")
    ok(fields_get(r, "from") == "12", "attach without from starts live at the end", r)
    a.kill()
    a = Agent(["sh", "-c", "echo 0123456789; sleep 0.2; echo abcdefghij; sleep 60"], ["--replay-bytes", "11"])
    c = a.conn()
    # Until the first attach the output keeps its first byte (it waits
    # for the daemon's attach): one live attach ends that.
    ch, _ = c.open("attach")
    poll(lambda: len(a.out) == 22)
    c.send(CLOSE, ch)
    ch, r = c.open("attach", [("from", "0")])
    t, p = c.recv(ch)
    ok(fields_get(r, "from") == "11" and p == b"abcdefghij\n",
       "replay from a part that left the buffer starts later and says where", r, repr(p))
    a.kill()


def test_stamps():
    """Protocol v2: output carries the time the agent read it, also when
    it is replayed to a client that came later."""
    a = Agent(["sh", "-c", "echo A; sleep 3; echo B; sleep 60"])
    poll(lambda: bytes(a.out) == b"A\nB\n", timeout=10)
    t_conn = time.time_ns()
    c = a.conn()
    ch, r = c.open("attach", [("from", "0"), ("stamps", "1")])
    ok(fields_get(r, "stamps") == "1", "attach with stamps 1: the reply confirms them", r)
    got = [c.recv(ch), c.recv(ch)]
    ts = [struct.unpack(">q", p[:8])[0] for _, p in got]
    ok([(t, p[8:]) for t, p in got] == [(STDOUT_AT, b"A\n"), (STDOUT_AT, b"B\n")],
       "replayed output comes as STDOUT_AT frames, stamp first", repr(got))
    ok(ts[1] - ts[0] >= 2500000000 and ts[1] <= t_conn,
       "the stamps are when the lines were read, 3 s apart, before the client came",
       ts, t_conn)
    c.send(CLOSE, ch)
    ch, r = c.open("attach", [("from", "0")])
    t, p = c.recv(ch)
    ok(fields_get(r, "stamps") is None and (t, p) == (STDOUT, b"A\n"),
       "without stamps (a version 1 client) the output is plain STDOUT", r, repr(p))
    a.kill()
    a = Agent(["sh", "-c", "echo A; sleep 60"], env={"SOCKERLESS_AGENT_PROTO": "1"})
    poll(lambda: bytes(a.out) == b"A\n")
    c = a.conn()
    h = c.request("hello")
    ch, r = c.open("attach", [("from", "0"), ("stamps", "1")])
    t, p = c.recv(ch)
    ok(fields_get(h, "proto") == "1" and fields_get(r, "stamps") is None and
       (t, p) == (STDOUT, b"A\n"),
       "SOCKERLESS_AGENT_PROTO=1: a version 1 agent (proto 1, stamps ignored)", h, r, repr(p))
    a.kill()


def test_signals_pause():
    # A main process that forks nothing: a shell stopped while it waits in
    # vfork for a stopped child shows "D", not "T".
    a = Agent(["sleep", "1000"])
    c = a.conn()
    pid = int(fields_get(c.request("hello"), "pid"))

    def state():
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    c.request("signal", [("signal", "19")])
    ok(poll(lambda: state() == "T"), "pause: SIGSTOP stops the main process", state())
    c.request("signal", [("signal", "18")])
    ok(poll(lambda: state() != "T"), "unpause: SIGCONT resumes it", state())
    try:
        c.request("signal", [("signal", "999")])
        ok(False, "a bad signal number is invalid")
    except AgentError as e:
        ok(e.code == "invalid", "a bad signal number is invalid", e)
    a.kill()


def test_reaping():
    # The orphan lives 5 s: the agent's start, the dial and the hellos
    # come first, slowly under a loaded sanitizer build.
    a = Agent(["sh", "-c", "(sleep 5 &); exec sleep 60"])
    c = a.conn()
    main_pid = fields_get(c.request("hello"), "pid")

    def orphans():
        """Children of the agent other than the main process."""
        return sum(1 for pid, _ in children(a.p.pid) if str(pid) != main_pid)
    ok(poll(orphans, 5), "the orphan is reparented to the agent", orphans())
    ok(poll(lambda: orphans() == 0, 20), "and reaped when it exits (no zombie)")
    a.kill()


def test_ack_wait():
    a = Agent(["true"], exit_wait=30)
    c = Conn.dial(a.addr, TOKEN)
    h = c.request("hello")
    if fields_get(h, "state") != "exited":
        t, _ = c.recv(0)
    time.sleep(0.3)
    ok(a.p.poll() is None, "without an ACK the agent waits")
    t0 = time.monotonic()
    c.send(ACK, 0)
    rc = a.wait()
    ok(rc == 0 and time.monotonic() - t0 < 2, "the ACK ends the wait at once", rc)
    # From before the start: the wait may begin before Agent() returns.
    t0 = time.monotonic()
    a = Agent(["true"], exit_wait=1)
    rc = a.wait()
    el = time.monotonic() - t0
    ok(rc == 0 and 0.9 < el < 6, "no ACK: the wait is bounded by --exit-wait", el)


ANNOUNCE_RE = re.compile(rb"^SOCKERLESS_AGENT listen=[0-9.]+:[0-9]+ proto=1$")


def test_reannounce():
    """Until a client comes the announcement is repeated, never inside a
    line of the main process's, and no more once a client came."""
    a = Agent(["sh", "-c", "i=0; while [ $i -lt 500 ]; do echo line$i >&2; i=$((i+1)); done; "
               "printf partial >&2; sleep 3; echo -end >&2; sleep 3; echo after >&2"])
    count = lambda: sum(1 for l in bytes(a.err).split(b"\n") if ANNOUNCE_RE.match(l))
    ok(poll(lambda: b"-end\n" in a.err and count() >= 2, timeout=10),
       "the announcement is repeated while no client has come", count())
    c = a.conn()
    c0 = count()
    ok(poll(lambda: b"after\n" in a.err, timeout=10), "the main process goes on")
    lines = bytes(a.err).split(b"\n")
    ok(b"partial-end" in lines, "no announcement inside a line of the main process's",
       [l for l in lines if b"partial" in l or b"end" in l])
    ok(all(l.startswith(b"line") or l in (b"partial-end", b"after", b"") or ANNOUNCE_RE.match(l)
           for l in lines), "every other line intact")
    ok(count() == c0, "none once a client came", c0, count())
    ok(exit_of(c) == 0, "exit 0")
    a.wait()


def test_misc():
    env = dict(os.environ, SOCKERLESS_AGENT_TOKEN=TOKEN, SOCKERLESS_CONTAINER_ID="c1")
    p = subprocess.run([AGENT, "--callback", "https://x:1", "--callback-ca",
                        "/nonexistent/ca.pem", "--", "true"],
                       env=env, capture_output=True, timeout=10)
    ok(p.returncode == 125 and b"no usable PEM certificate" in p.stderr,
       "an https callback without a usable CA is refused at start", p.stderr)
    p = subprocess.run([AGENT, "--callback", "ftp://x:1", "--", "true"],
                       env=env, capture_output=True, timeout=10)
    ok(p.returncode == 125 and b"expected an http:// or https:// URL" in p.stderr,
       "a callback URL of another scheme is refused at start", p.stderr)
    p = subprocess.run([AGENT, "--", "true"], env={"PATH": "/bin"}, capture_output=True,
                       timeout=10)
    ok(p.returncode == 125 and b"SOCKERLESS_AGENT_TOKEN" in p.stderr,
       "no token: refused at start", p.stderr)
    d = tempfile.mkdtemp()
    try:
        p = subprocess.run([AGENT, "install", d], capture_output=True, timeout=10)
        dst = os.path.join(d, "sockerless-agent")
        ok(p.returncode == 0 and os.stat(dst).st_mode & 0o777 == 0o755 and
           open(dst, "rb").read() == open(AGENT, "rb").read() and os.listdir(d) == ["sockerless-agent"],
           "install DIR copies the binary, 0755, nothing else left", p.stderr)
    finally:
        shutil.rmtree(d)


# ---------------------------------------------------------------- reverse

def test_reverse():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    ls.settimeout(10)
    # A name from /etc/hosts: the agent resolves without NSS.
    url = "http://localhost:%d/cb" % ls.getsockname()[1]
    a = Agent(["sh", "-c", "echo started; read x; exit 42"], ["--stdin", "--ping-interval", "1"],
              env={"SOCKERLESS_CALLBACK_URL": url, "SOCKERLESS_CONTAINER_ID": "abc123"},
              forward=False)

    def accept():
        s, _ = ls.accept()
        s.settimeout(10)
        head = read_head(s)
        s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                  b"Upgrade: sockerless-agent/1\r\n\r\n")
        s.settimeout(None)
        return Conn(s), head
    c, head = accept()
    ok(head.startswith("GET /cb/v1/agent/abc123 HTTP/1.1\r\n") and
       "Authorization: Bearer %s\r\n" % TOKEN in head and
       "X-Sockerless-Container: abc123\r\n" in head and
       "Upgrade: sockerless-agent/1" in head, "reverse: the agent dials the callback URL", head)
    h = c.request("hello")
    ok(fields_get(h, "state") == "running", "reverse: hello over the dialled connection", h)
    out, _, code = c.exec(["echo", "hi"])
    ok(out == b"hi\n" and code == 0, "reverse: exec", repr(out))
    c.auto_pong = False
    t, p = c.recv(0, 5)
    ok(t == PING, "reverse: the agent pings", t)
    # Three unanswered pings: the agent drops the connection and redials.
    c2, head2 = accept()
    ok(head2.startswith("GET /cb/v1/agent/abc123 "), "reverse: unanswered pings make it redial")
    c.close()
    c2.request("hello")
    ch, _ = c2.open("attach", [("stdin", "1"), ("from", "0")])
    c2.feed(ch, b"go\n")
    out, _, code = c2.collect(ch)
    ok(out == b"started\n" and code == 42, "reverse: attach replay and EXIT 42", repr(out))
    ok(exit_of(c2) == 42 and a.wait() == 42, "reverse: exit code on channel 0, ACK, agent exits 42")
    ls.close()


# ---------------------------------------------------------------- archive

def collect_bytes(c, ch):
    out, _, code = c.collect(ch, 20)
    return out, code


def put(c, dest, data, **flags):
    pairs = [("path", dest)] + [(k, v) for k, v in flags.items()]
    ch, _ = c.open("archive-put", pairs)
    c.feed(ch, data)
    return c.collect(ch)[2]


def make_tar(entries):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, kind, payload, extra in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = 1700000000
            for k, v in extra.items():
                setattr(ti, k, v)
            if kind == "file":
                ti.size = len(payload)
                tf.addfile(ti, io.BytesIO(payload))
            elif kind == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                tf.addfile(ti)
            elif kind == "sym":
                ti.type = tarfile.SYMTYPE
                ti.linkname = payload
                tf.addfile(ti)
    return bio.getvalue()


def test_archive():
    base = tempfile.mkdtemp(prefix="ag-arch-")
    src = os.path.join(base, "src")
    longdir = "d" * 120
    os.makedirs(os.path.join(src, longdir))
    with open(os.path.join(src, "a.txt"), "wb") as f:
        f.write(b"hello archive\n")
    os.chmod(os.path.join(src, "a.txt"), 0o640)
    big = os.urandom(300000)
    with open(os.path.join(src, longdir, "f" * 110), "wb") as f:
        f.write(big)
    os.symlink("a.txt", os.path.join(src, "ln"))
    a = Agent(["sleep", "60"])
    c = a.conn()
    try:
        st = c.request("archive-stat", [("path", os.path.join(src, "a.txt"))])
        ok(fields_get(st, "name") == "a.txt" and fields_get(st, "size") == "14" and
           int(fields_get(st, "mode")) & 0o7777 == 0o640,
           "archive-stat: name, size, mode", st)
        st = c.request("archive-stat", [("path", os.path.join(src, "ln"))])
        ok(fields_get(st, "link") == "a.txt", "archive-stat of a symlink: its target", st)
        try:
            c.request("archive-stat", [("path", "/no/such/path")])
            ok(False, "archive-stat of a missing path is notfound")
        except AgentError as e:
            ok(e.code == "notfound", "archive-stat of a missing path is notfound", e)

        ch, r = c.open("archive-get", [("path", src)])
        data, code = collect_bytes(c, ch)
        tf = tarfile.open(fileobj=io.BytesIO(data))
        names = {m.name: m for m in tf.getmembers()}
        longname = "src/%s/%s" % (longdir, "f" * 110)
        ok(code == 0 and "src" in names and "src/a.txt" in names and longname in names and
           names["src/ln"].issym() and names["src/ln"].linkname == "a.txt" and
           names["src/a.txt"].mode == 0o640 and
           tf.extractfile(longname).read() == big,
           "archive-get: top entry, long names (PAX), symlink, mode, content",
           sorted(names))

        dst = os.path.join(base, "dst")
        os.mkdir(dst)
        code = put(c, dst, data)
        ok(code == 0 and open(os.path.join(dst, "src", longdir, "f" * 110), "rb").read() == big and
           os.readlink(os.path.join(dst, "src", "ln")) == "a.txt" and
           os.stat(os.path.join(dst, "src", "a.txt")).st_mode & 0o7777 == 0o640 and
           int(os.stat(os.path.join(dst, "src", "a.txt")).st_mtime) ==
           int(os.stat(os.path.join(src, "a.txt")).st_mtime),
           "archive-put: the round trip restores content, long names, symlink, mode, mtime")

        ids = make_tar([("owned", "file", b"x", {"uid": 1234, "gid": 4321})])
        put(c, dst, ids, copyUIDGID="1")
        s1 = os.stat(os.path.join(dst, "owned"))
        put(c, dst, make_tar([("owned2", "file", b"x", {"uid": 1234, "gid": 4321})]))
        s2 = os.stat(os.path.join(dst, "owned2"))
        ok((s1.st_uid, s1.st_gid) == (1234, 4321) and (s2.st_uid, s2.st_gid) == (0, 0),
           "copyUIDGID keeps the archive's owner; without it root owns", (s1.st_uid, s2.st_uid))

        outside = os.path.join(base, "evil")
        for desc, tar in (("a '..' entry", make_tar([("../evil", "file", b"x", {})])),
                          ("an entry through a symlink that points out",
                           make_tar([("out", "sym", base, {}), ("out/evil", "file", b"x", {})]))):
            try:
                put(c, dst, tar)
                ok(False, "archive-put refuses %s" % desc)
            except AgentError as e:
                ok(e.code == "invalid" and not os.path.exists(outside),
                   "archive-put refuses %s" % desc, e)
        os.mkdir(os.path.join(dst, "isdir"))
        try:
            put(c, dst, make_tar([("isdir", "file", b"x", {})]), noOverwriteDirNonDir="1")
            ok(False, "noOverwriteDirNonDir refuses a file over a directory")
        except AgentError as e:
            ok("cannot overwrite directory" in e.message and
               os.path.isdir(os.path.join(dst, "isdir")),
               "noOverwriteDirNonDir refuses a file over a directory", e)
        full = make_tar([("trunc.bin", "file", os.urandom(200000), {})])
        try:
            put(c, dst, full[:100000])
            ok(False, "a truncated upload fails")
        except AgentError as e:
            left = [n for n in os.listdir(dst) if n.startswith(".sl-put") or n == "trunc.bin"]
            ok(e.code == "invalid" and left == [], "a truncated upload fails and leaves nothing",
               e, left)
        h = c.request("hello")
        ok(fields_get(h, "state") == "running", "the connection serves on after failed uploads")
    finally:
        a.kill()
        shutil.rmtree(base)


def test_top():
    a = Agent(["sh", "-c", "sleep 61 & exec sleep 60"])
    c = a.conn()
    pid = fields_get(c.request("hello"), "pid")
    poll(lambda: len(c.request("top")) >= 3)
    t = c.request("top")
    rows = [v.split("\t") for k, v in t if k == "row"]
    ok(fields_get(t, "titles") == "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD" and
       any(r[1] == pid and r[7] == "sleep 60" and r[0] == "root" for r in rows) and
       any(r[2] == pid and r[7] == "sleep 61" for r in rows) and
       all(r[1] != str(a.p.pid) for r in rows) and all(len(r) == 8 for r in rows),
       "top: the main process and its child, ps columns, not the agent", t)
    a.kill()


def stats_sample(tmp, prefix=()):
    """An agent whose child burns CPU and exits (its time then lives in
    its reaper's counters), then a main process that sleeps beside a
    child; returns (agent, its stats reply, the CPU seconds burned)."""
    times = os.path.join(tmp, "times")
    a = Agent(["sh", "-c", "(i=0; while [ $i -lt 100000 ]; do i=$((i + 1)); done; "
               "times >%s.part; mv %s.part %s); sleep 61 & exec sleep 60"
               % (times, times, times)], prefix=prefix)
    try:
        c = a.conn()
        poll(lambda: os.path.exists(times), timeout=60)
        poll(lambda: len(c.request("top")) >= 3)
        s = dict(c.request("stats"))
    except BaseException:
        a.kill()
        raise
    # "times": the subshell's own user and system time first.
    burned = 0.0
    with open(times) as f:
        for part in f.readline().split():
            m, sec = part.rstrip("s").split("m")
            burned += int(m) * 60 + float(sec)
    return a, s, burned


def test_stats():
    tmp = tempfile.mkdtemp(prefix="ag-stats-")
    a = None
    try:
        a, s, burned = stats_sample(tmp)
        with open("/proc/stat") as f:
            cpus = sum(1 for line in f if re.match(r"cpu[0-9]", line))
        ok(s.get("source") == "processes" and 3 <= int(s.get("pids", 0)) <= 64,
           "stats: a shared cgroup, so the agent and its descendants from /proc "
           "(3 processes and the agent's threads)", s)
        ok(int(s.get("cpu", 0)) >= int(burned * 1e9) - 10000000,
           "stats: CPU time counts a child that has exited (%s ns for %.2f s burned)"
           % (s.get("cpu"), burned))
        ok(int(s.get("mem", 0)) > 0 and int(s.get("memlimit", 0)) > int(s.get("mem", 0)) and
           int(s.get("system", 0)) > 0 and s.get("cpus") == str(cpus),
           "stats: memory, the machine's memory as the limit, its CPU time and CPUs", s)
        ok("rx" not in s and "tx" not in s,
           "stats: no network figures where the network is not the container's alone", s)
        now = time.time_ns()
        ok(abs(int(s.get("read", 0)) - now) < 60 * 10**9, "stats: stamped with the time", s)
    finally:
        if a is not None:
            a.kill()
        shutil.rmtree(tmp)


def test_stats_cgroup():
    """As in a container: a cgroup that holds the agent and its descendants
    alone is read instead of /proc (cgroup v1 here, or v2 where that is
    what the machine mounts)."""
    root = "/sys/fs/cgroup"
    name = "sl-agent-test-%d" % os.getpid()
    v2 = os.path.exists(os.path.join(root, "cgroup.controllers"))
    dirs = [os.path.join(root, name)] if v2 else \
        [os.path.join(root, c, name) for c in ("cpuacct", "memory", "pids")]
    tmp = tempfile.mkdtemp(prefix="ag-stats-")
    a = None
    try:
        for d in dirs:
            os.mkdir(d)
        limit = os.path.join(dirs[0] if v2 else dirs[1],
                             "memory.max" if v2 else "memory.limit_in_bytes")
        with open(limit, "w") as f:
            f.write("268435456\n")
        join = "; ".join("echo $$ >%s/cgroup.procs" % d for d in dirs)
        a, s, burned = stats_sample(tmp, ["sh", "-c", join + '; exec "$@"', "sh"])
        ok(s.get("source") == ("cgroup2" if v2 else "cgroup1") and
           3 <= int(s.get("pids", 0)) <= 64,
           "stats: a cgroup of its own is read (3 processes and the agent's threads)", s)
        ok(int(s.get("cpu", 0)) >= int(burned * 1e9) - 10000000 and
           int(s.get("mem", 0)) > 0 and s.get("memlimit") == "268435456" and "rx" in s,
           "stats: its CPU time (%.2f s burned), memory and limit, and the network" % burned, s)
    except OSError as e:
        ok(False, "stats: a cgroup of its own", "cannot set one up: %s" % e)
    finally:
        if a is not None:
            a.kill()
        for d in dirs:
            # What outlived the agent (the background sleep) goes first.
            for _ in range(100):
                try:
                    with open(os.path.join(d, "cgroup.procs")) as f:
                        pids = [int(x) for x in f.read().split()]
                except OSError:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.05)
        shutil.rmtree(tmp)


def test_busybox_root():
    """The static agent in a tree holding nothing but busybox."""
    root = tempfile.mkdtemp(prefix="ag-bb-")
    p = None
    os.chmod(root, 0o755)  # the user must reach /bin
    try:
        for d in ("bin", "etc", "tmp", "dev"):
            os.mkdir(os.path.join(root, d))
        shutil.copy("/bin/busybox", os.path.join(root, "bin", "busybox"))
        for tool in ("sh", "id", "echo", "cat", "pwd", "sleep"):
            os.symlink("busybox", os.path.join(root, "bin", tool))
        shutil.copy(AGENT, os.path.join(root, "sockerless-agent"))
        # The sanitizer build links dynamically: bring its libraries along.
        ldd = subprocess.run(["ldd", AGENT], capture_output=True, text=True).stdout
        for lib in re.findall(r"(/\S+) \(0x", ldd):
            dst = os.path.join(root, lib.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(lib, dst)
        with open(os.path.join(root, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\nbox:x:1000:1000:box:/home/box:/bin/sh\n")
        with open(os.path.join(root, "etc", "group"), "w") as f:
            f.write("root:x:0:\nbox:x:1000:\nextra:x:2000:box\n")
        env = {"PATH": "/bin", "SOCKERLESS_AGENT_TOKEN": TOKEN}
        def enter():
            os.chroot(root)
            os.chdir("/")
        p = subprocess.Popen(["/sockerless-agent", "--listen", "127.0.0.1:0",
                              "--user", "box", "--workdir", "/tmp", "--exit-wait", "5", "--",
                              "sh", "-c", "id; pwd; echo $HOME; sleep 60"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=enter)
        line = p.stderr.readline().decode()
        while line.startswith("=="):  # AddressSanitizer's notes without /proc
            line = p.stderr.readline().decode()
        m = re.match(r"^SOCKERLESS_AGENT listen=([0-9.]+:[0-9]+) proto=1$", line.strip())
        ok(m is not None, "busybox root: the agent starts and announces", line)
        if m:
            c = Conn.dial(m.group(1), TOKEN)
            c.request("hello")
            ch, _ = c.open("attach", [("from", "0")])
            t, out = c.recv(ch)
            while out.count(b"\n") < 3 and t != EXIT:
                t, more = c.recv(ch)
                out += more
            ok(out.decode().split("\n")[:3] ==
               ["uid=1000(box) gid=1000(box) groups=2000(extra)", "/tmp", "/home/box"],
               "busybox root: user, supplementary groups, workdir, HOME from its /etc files",
               repr(out))
            o, _, code = c.exec(["id", "-u"], user="root")
            ok(o == b"0\n" and code == 0, "busybox root: exec as root", repr(o))
            c.request("signal", [("signal", "15")])
            ok(exit_of(c) == 143, "busybox root: stopped by SIGTERM, 143")
        p.wait(10)
    finally:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()
        shutil.rmtree(root)


def main():
    tests = [test_forward_basics, test_exec, test_exit_codes, test_tty_main, test_big_stdin,
             test_held_output, test_replay, test_stamps, test_signals_pause, test_reaping, test_ack_wait, test_reannounce, test_misc,
             test_reverse, test_archive, test_top, test_stats, test_stats_cgroup, test_busybox_root]
    for t in tests:
        try:
            t()
        except Exception as e:  # one broken test must not hide the rest
            import traceback
            ok(False, "%s raised" % t.__name__, traceback.format_exc())
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
