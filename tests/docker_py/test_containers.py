"""Containers through the docker SDK for Python: the calls its users make,
each checked against what the daemon answers."""
import datetime
import io
import socket
import tarfile
import time

import docker
import pytest

from conftest import poll


def test_run_foreground_output(client):
    out = client.containers.run("busybox", ["sh", "-c", "echo out; echo err >&2"])
    assert out == b"out\n"
    both = client.containers.run("busybox", ["sh", "-c", "echo out; echo err >&2"],
                                 stderr=True)
    assert sorted(both.splitlines()) == [b"err", b"out"]


def test_run_nonzero_raises_container_error(client):
    with pytest.raises(docker.errors.ContainerError) as e:
        client.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 3"], name="ce")
    assert e.value.exit_status == 3
    assert e.value.stderr == b"bad\n"
    assert e.value.container.name == "ce"


def test_run_detach_and_wait(client):
    c = client.containers.run("busybox", ["sh", "-c", "exit 7"], detach=True,
                              name="det", labels={"k": "v"}, environment={"A": "b"})
    assert isinstance(c, docker.models.containers.Container)
    assert c.wait(timeout=10) == {"StatusCode": 7}
    c.reload()
    assert c.status == "exited"
    assert c.attrs["State"]["ExitCode"] == 7
    assert c.labels == {"k": "v"}
    assert "A=b" in c.attrs["Config"]["Env"]


def test_wait_conditions(client):
    c = client.containers.create("busybox", ["sh", "-c", "exit 2"], name="wc")
    # not-running answers at once for a created container.
    assert c.wait(condition="not-running", timeout=10)["StatusCode"] == 0
    # next-exit waits for the run that follows.  dockerd sends the headers
    # as soon as the wait is in place (the CLI's run relies on it): once the
    # response has begun, starting cannot race the wait.
    api = client.api
    r = api._post(api._url("/containers/{0}/wait", c.id),
                  params={"condition": "next-exit"}, stream=True, timeout=10)
    assert r.status_code == 200
    c.start()
    assert r.json() == {"StatusCode": 2}
    with pytest.raises(docker.errors.APIError) as e:
        c.wait(condition="sometime")
    assert e.value.status_code == 400
    assert "sometime" in e.value.explanation


def test_wait_removed(client):
    c = client.containers.create("busybox", "true", name="wr", auto_remove=True)
    api = client.api
    r = api._post(api._url("/containers/{0}/wait", c.id),
                  params={"condition": "removed"}, stream=True, timeout=10)
    assert r.status_code == 200
    c.start()
    assert r.json() == {"StatusCode": 0}
    with pytest.raises(docker.errors.NotFound):
        c.reload()


def test_logs_stream_follow(client, tmp_path):
    # The example backend runs host processes: the container finishes only
    # once the test creates the file it polls for.
    go = tmp_path / "go"
    c = client.containers.run(
        "busybox", ["sh", "-c", "echo line1; echo line2; "
                    "while [ ! -e %s ]; do sleep 0.05; done; echo line3" % go],
        detach=True, name="lf")
    got = []
    stream = c.logs(stream=True, follow=True)
    for chunk in stream:
        got += chunk.splitlines()
        if got == [b"line1", b"line2"]:
            # Streamed while the container still runs: follow does not wait
            # for the end.
            c.reload()
            assert c.status == "running"
            go.touch()
    # The generator ended with the container.
    assert got == [b"line1", b"line2", b"line3"]
    c.reload()
    assert c.status == "exited"
    assert c.logs(stdout=True, stderr=False, tail=1) == b"line3\n"
    ts = c.logs(timestamps=True).splitlines()
    assert len(ts) == 3 and ts[0].endswith(b"Z line1"), ts


def test_logs_stderr_split(client):
    c = client.containers.run("busybox", ["sh", "-c", "echo o; echo e >&2"],
                              detach=True, name="ls")
    c.wait(timeout=10)
    assert c.logs(stdout=True, stderr=False) == b"o\n"
    assert c.logs(stdout=False, stderr=True) == b"e\n"


# docker-py reads exec output from the raw socket, past the HTTP reader
# that parsed the 101 headers: frames arriving in the same read as the
# headers are lost (docker/docker-py#3332, #2042; dockerd shows it too).
# The commands wait a second (a loaded machine) before they print, so
# that the test checks the daemon, not that client race.
SETTLE = "sleep 1; "


def test_exec_run_demux(client):
    c = client.containers.run("busybox", "sleep 30", detach=True, name="ex")
    r = c.exec_run(["sh", "-c", SETTLE + "echo o; echo e >&2; exit 4"], demux=True)
    assert r.exit_code == 4
    assert r.output == (b"o\n", b"e\n")
    r = c.exec_run(["sh", "-c", SETTLE + "echo plain"])
    assert (r.exit_code, r.output) == (0, b"plain\n")
    r = c.exec_run(["sh", "-c", SETTLE + "echo $X; pwd"], environment={"X": "y"},
                   workdir="/tmp")
    assert r.output == b"y\n/tmp\n"
    chunks = c.exec_run(["sh", "-c", SETTLE + "echo a; echo b"], stream=True).output
    assert b"".join(chunks) == b"a\nb\n"
    # A command that cannot run: dockerd's 126/127 as the exit code.
    r = c.exec_run("/no/such/command")
    assert r.exit_code in (126, 127), r
    c.kill()
    c.wait(timeout=10)
    with pytest.raises(docker.errors.APIError) as e:
        c.exec_run("true")
    assert e.value.status_code == 409
    assert "is not running" in e.value.explanation


def test_attach_stream(client):
    c = client.containers.create(
        "busybox", ["sh", "-c", "echo one; sleep 0.3; echo two >&2"], name="at")
    out = c.attach(stream=True, stdout=True, stderr=True, logs=True)
    c.start()
    assert b"".join(out).splitlines() == [b"one", b"two"]


def test_attach_socket_stdin(client):
    c = client.containers.create("busybox", "cat", name="as", stdin_open=True)
    s = c.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
    c.start()
    raw = s._sock
    raw.sendall(b"ping\n")
    raw.shutdown(socket.SHUT_WR)
    buf = b""
    raw.settimeout(10)
    while True:
        d = raw.recv(4096)
        if not d:
            break
        buf += d
    s.close()
    # Not a TTY: frames of [stream, 0, 0, 0, size(4)] + payload.
    assert buf[:8] == b"\x01\x00\x00\x00\x00\x00\x00\x05", buf
    assert buf[8:] == b"ping\n"
    assert c.wait(timeout=10)["StatusCode"] == 0


def test_stop_timeout_exit_code(client):
    c = client.containers.run("busybox", "sleep 30", detach=True, name="st")
    c.stop(timeout=10)
    c.reload()
    # 143: SIGTERM ended it, no SIGKILL after the timeout.
    assert (c.status, c.attrs["State"]["ExitCode"]) == ("exited", 143)
    # A process that ignores SIGTERM is killed when the timeout runs out.
    # (Short sleeps: a SIGKILL of the shell leaves no long-lived child.)
    c = client.containers.run(
        "busybox", ["sh", "-c", "trap '' TERM; echo ready; "
                    "while :; do sleep 0.1; done"], detach=True, name="st2")
    # The trap is set once ready is printed.
    poll(lambda: c.logs() == b"ready\n", "the TERM trap")
    t0 = time.monotonic()
    c.stop(timeout=1)
    took = time.monotonic() - t0
    assert 0.9 <= took < 15, took
    c.reload()
    assert c.attrs["State"]["ExitCode"] == 137


def test_kill_signal(client):
    c = client.containers.run("busybox", "sleep 30", detach=True, name="k1")
    c.kill(signal="SIGUSR1")
    assert c.wait(timeout=10)["StatusCode"] == 128 + 10
    c = client.containers.run("busybox", "sleep 30", detach=True, name="k2")
    c.kill(signal=9)
    assert c.wait(timeout=10)["StatusCode"] == 137
    with pytest.raises(docker.errors.APIError) as e:
        c.kill()
    assert e.value.status_code == 409
    assert "is not running" in e.value.explanation
    c = client.containers.run("busybox", "sleep 30", detach=True, name="k3")
    with pytest.raises(docker.errors.APIError) as e:
        c.kill(signal="SIGNOPE")
    assert e.value.status_code == 400
    assert "SIGNOPE" in e.value.explanation


def test_restart(client):
    c = client.containers.run("busybox", "sleep 30", detach=True, name="rs")
    c.reload()
    first = c.attrs["State"]["StartedAt"]
    first_pid = c.attrs["State"]["Pid"]
    c.restart(timeout=1)
    c.reload()
    assert c.status == "running"
    assert c.attrs["State"]["StartedAt"] > first
    assert c.attrs["State"]["Pid"] != first_pid
    assert c.attrs["RestartCount"] == 0


def test_remove_force_and_volumes(client):
    c = client.containers.run("busybox", "sleep 30", detach=True, name="rm1",
                              volumes=["/anon"])
    c.reload()
    vol = [m["Name"] for m in c.attrs["Mounts"] if m["Type"] == "volume"]
    assert len(vol) == 1
    with pytest.raises(docker.errors.APIError) as e:
        c.remove()
    assert e.value.status_code == 409
    assert "stop the container before" in e.value.explanation.lower()
    c.remove(force=True, v=True)
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("rm1")
    with pytest.raises(docker.errors.NotFound):
        client.volumes.get(vol[0])
    named = client.volumes.create("keepme")
    c = client.containers.create("busybox", "true", name="rm2",
                                 volumes={"keepme": {"bind": "/k", "mode": "rw"}})
    c.remove(v=True)
    # v removes anonymous volumes only.
    assert client.volumes.get("keepme").name == named.name


def test_list_filters(client):
    a = client.containers.run("busybox", "true", detach=True, name="lf-a",
                              labels={"tier": "web"})
    a.wait(timeout=10)
    b = client.containers.run("busybox", "sleep 30", detach=True, name="lf-b",
                              labels={"tier": "db"})
    client.containers.create("busybox", "true", name="other")

    def names(**f):
        return sorted(c.name for c in client.containers.list(all=True, filters=f))

    assert names(status="exited") == ["lf-a"]
    assert names(status="running") == ["lf-b"]
    assert names(status="created") == ["other"]
    assert names(label="tier") == ["lf-a", "lf-b"]
    assert names(label="tier=db") == ["lf-b"]
    assert names(name="lf-") == ["lf-a", "lf-b"]
    # dockerd matches names as regular expressions, with and without "/".
    assert names(name="^/other$") == ["other"]
    assert names(name="^lf-b$") == ["lf-b"]
    assert names(name="-a") == ["lf-a"]
    assert names(ancestor="busybox") == ["lf-a", "lf-b", "other"]
    assert names(ancestor="busybox:latest", status="running") == ["lf-b"]
    assert names(id=b.id[:12]) == ["lf-b"]
    assert [c.name for c in client.containers.list(limit=1, all=True)] == ["other"]
    client.containers.run("busybox", "sleep 30", detach=True, name="hc",
                          healthcheck={"Test": ["CMD", "true"]})
    # Sockerless runs no probes: a checked container stays "starting".
    assert names(health="starting") == ["hc"]
    assert names(health="none") == ["lf-a", "lf-b", "other"]
    with pytest.raises(docker.errors.APIError) as e:
        client.containers.list(filters={"health": "fine"})
    assert e.value.status_code == 400
    assert e.value.explanation == (
        "invalid filter 'health=fine': invalid value for health (fine): must be one "
        "of none, starting, healthy, unhealthy")
    with pytest.raises(docker.errors.APIError) as e:
        client.containers.list(filters={"status": "sleeping"})
    assert e.value.status_code == 400
    assert e.value.explanation == (
        "invalid filter 'status=sleeping': invalid value for state (sleeping): must be one "
        "of created, running, paused, restarting, removing, exited, dead")


def test_inspect_fields(client):
    c = client.containers.create("busybox", ["echo", "x"], name="insp",
                                 working_dir="/tmp", hostname="hh", user="1:2",
                                 entrypoint=["/bin/sh", "-c"])
    a = c.attrs
    img = client.images.get("busybox")
    assert a["Id"] == c.id and len(c.id) == 64
    assert a["Name"] == "/insp"
    assert a["Image"] == img.id
    assert a["Config"]["Image"] == "busybox"
    assert a["Path"] == "/bin/sh" and a["Args"] == ["-c", "echo", "x"]
    assert a["Config"]["WorkingDir"] == "/tmp"
    assert a["Config"]["Hostname"] == "hh"
    assert a["Config"]["User"] == "1:2"
    assert a["State"]["Status"] == "created"
    assert a["State"]["Running"] is False
    assert a["State"]["StartedAt"] == "0001-01-01T00:00:00Z"
    assert a["Created"].endswith("Z")
    assert any(e.startswith("PATH=") for e in a["Config"]["Env"])
    assert c.image.id == img.id
    assert client.containers.get(c.id[:10]).id == c.id


def test_rename(client):
    c = client.containers.create("busybox", "true", name="old")
    with pytest.raises(docker.errors.APIError) as e:
        client.containers.create("busybox", "true", name="old")
    assert e.value.status_code == 409
    assert e.value.explanation == (
        'Conflict. The container name "/old" is already in use by container "%s". You '
        'have to remove (or rename) that container to be able to reuse that name.' % c.id)
    client.containers.create("busybox", "true", name="taken")
    c.rename("new")
    assert client.containers.get("new").id == c.id
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("old")
    with pytest.raises(docker.errors.APIError) as e:
        c.rename("taken")
    assert e.value.status_code == 409
    assert "taken" in e.value.explanation
    c.reload()
    assert c.name == "new"


def test_top_and_stats(client):
    c = client.containers.run("busybox", "sleep 30", detach=True, name="ts")
    t = c.top()
    assert "PID" in t["Titles"] and "CMD" in t["Titles"]
    cmd = t["Titles"].index("CMD")
    assert any("sleep 30" in p[cmd] for p in t["Processes"]), t
    s = c.stats(stream=False)
    for k in ("read", "cpu_stats", "precpu_stats", "memory_stats", "pids_stats"):
        assert k in s, k
    assert s["name"] == "/ts" and s["id"] == c.id
    one = next(c.stats(stream=True, decode=True))
    assert one["id"] == c.id
    c.kill()
    c.wait(timeout=10)
    with pytest.raises(docker.errors.APIError) as e:
        c.top()
    assert e.value.status_code == 409


def test_archive_unsupported(client):
    c = client.containers.create("busybox", "true", name="ar")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        data = b"hello"
        ti = tarfile.TarInfo("f.txt")
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    with pytest.raises(docker.errors.APIError) as e:
        c.put_archive("/tmp", buf.getvalue())
    assert e.value.status_code == 501
    assert e.value.explanation == \
        "container archive put (docker cp) is not supported by the example backend"
    with pytest.raises(docker.errors.APIError) as e:
        c.get_archive("/etc/hostname")
    assert e.value.status_code == 501
    assert e.value.explanation == \
        "container archive get (docker cp) is not supported by the example backend"
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("nope").get_archive("/")


def test_pause_unpause(client):
    c = client.containers.run("busybox", "sleep 30", detach=True, name="pz")
    c.pause()
    c.reload()
    assert (c.status, c.attrs["State"]["Paused"]) == ("paused", True)
    assert [x.name for x in client.containers.list(filters={"status": "paused"})] == ["pz"]
    with pytest.raises(docker.errors.APIError) as e:
        c.pause()
    assert e.value.status_code == 409
    assert "is already paused" in e.value.explanation
    c.unpause()
    c.reload()
    assert (c.status, c.attrs["State"]["Paused"]) == ("running", False)


def test_prune_and_list_order(client):
    a = client.containers.create("busybox", "true", name="pa", labels={"gone": "1"})
    b = client.containers.create("busybox", "true", name="pb")
    client.containers.run("busybox", "sleep 30", detach=True, name="pc", labels={"gone": "1"})
    names = [x.name for x in client.containers.list(all=True)]
    assert names == ["pc", "pb", "pa"]
    # (The SDK's before=/since= arguments are query parameters dockerd no
    # longer reads: the filters are what works.)
    def names(**f):
        return [x.name for x in client.containers.list(all=True, filters=f)]

    assert names(before="pc") == ["pb", "pa"]
    assert names(since="pa") == ["pc", "pb"]
    assert names(since="pa", before="pc") == ["pb"]
    with pytest.raises(docker.errors.NotFound) as e:
        names(before="nosuch")
    assert e.value.explanation == "No such container: nosuch"
    r = client.containers.prune(filters={"label": "gone=1"})
    # The running one stays: prune takes stopped containers only.
    assert r["ContainersDeleted"] == [a.id]
    assert isinstance(r["SpaceReclaimed"], int)
    assert sorted(x.name for x in client.containers.list(all=True)) == ["pb", "pc"]
    assert b.id in client.containers.prune()["ContainersDeleted"]


def test_logs_since_until(client):
    c = client.containers.run("busybox", ["sh", "-c", "echo early"], detach=True, name="lsu")
    c.wait(timeout=10)
    lines = c.logs(timestamps=True).split(b" ", 1)
    assert lines[1] == b"early\n"
    t = datetime.datetime.strptime(lines[0][:26].decode(), "%Y-%m-%dT%H:%M:%S.%f")
    # (Naive UTC: the SDK subtracts its own naive epoch.)
    after = t + datetime.timedelta(seconds=1)
    before = t - datetime.timedelta(seconds=1)
    assert c.logs(since=after) == b""
    assert c.logs(since=before) == b"early\n"
    assert c.logs(until=before) == b""
    assert c.logs(until=after) == b"early\n"


def test_unsupported_operations_say_so(client):
    c = client.containers.create("busybox", "true", name="uns")
    with pytest.raises(docker.errors.APIError) as e:
        c.diff()
    assert e.value.status_code == 501
    assert e.value.explanation == "container changes is not supported by Sockerless"
    # update: the restart policy changes; resources cannot.
    with pytest.raises(docker.errors.APIError) as e:
        c.update(mem_limit="64m")
    assert e.value.status_code == 501
    assert "Memory cannot be changed after create" in e.value.explanation
    assert c.update(restart_policy={"Name": "on-failure", "MaximumRetryCount": 2}) == {"Warnings": None}
    c.reload()
    assert c.attrs["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    with pytest.raises(docker.errors.APIError) as e:
        client.containers.get("uns").commit("mine/committed")
    assert e.value.status_code == 501
    assert e.value.explanation.startswith(
        "container commit is not supported by Sockerless: it keeps no image layers")


def test_exec_inspect(client):
    c = client.containers.run("busybox", "sleep 30", detach=True, name="ei")
    api = client.api
    ex = api.exec_create(c.id, ["sh", "-c", "exit 5"], user="1:1")
    i = api.exec_inspect(ex["Id"])
    assert (i["Running"], i["ExitCode"], i["ContainerID"]) == (False, None, c.id)
    assert i["ProcessConfig"]["entrypoint"] == "sh"
    assert i["ProcessConfig"]["arguments"] == ["-c", "exit 5"]
    assert i["ProcessConfig"]["user"] == "1:1"
    api.exec_start(ex["Id"])
    i = api.exec_inspect(ex["Id"])
    assert (i["Running"], i["ExitCode"]) == (False, 5)
    with pytest.raises(docker.errors.APIError) as e:
        api.exec_start(ex["Id"])
    assert e.value.status_code == 409
    with pytest.raises(docker.errors.NotFound) as e:
        api.exec_inspect("nosuchexec")
    assert e.value.explanation == "No such exec instance: nosuchexec"
