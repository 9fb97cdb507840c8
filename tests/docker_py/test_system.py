"""System calls: ping, version, info, df, events, and the SDK's errors."""
import io
import time

import docker
import pytest


def test_ping(client):
    assert client.ping() is True


def test_version(client):
    v = client.version()
    for k in ("Version", "ApiVersion", "MinAPIVersion", "Os", "Arch", "Components"):
        assert k in v, k
    assert v["Os"] == "linux"
    # The SDK negotiated the version the daemon announced.
    assert float(v["ApiVersion"]) >= float(v["MinAPIVersion"])


def test_info_counts(client):
    client.containers.create("busybox", "true", name="info-a")
    c = client.containers.run("busybox", "sleep 30", detach=True, name="info-b")
    i = client.info()
    assert i["Containers"] == 2
    assert i["ContainersRunning"] == 1
    assert i["ContainersStopped"] == 1
    assert i["ContainersPaused"] == 0
    assert i["Images"] >= 1
    assert i["OSType"] == "linux"
    c.kill()


def test_df(client):
    client.volumes.create("dfvol")
    client.containers.create("busybox", "true", name="df-a")
    d = client.df()
    for k in ("LayersSize", "Images", "Containers", "Volumes"):
        assert k in d, k
    assert [c["Names"] for c in d["Containers"]] == [["/df-a"]]
    assert "dfvol" in [v["Name"] for v in d["Volumes"]]
    assert any("busybox:latest" in (i["RepoTags"] or []) for i in d["Images"])


def test_events_filtered_since_until(client):
    since = time.time()
    client.containers.create("busybox", "true", name="ev-a", labels={"ev": "yes"})
    client.containers.create("busybox", "true", name="ev-b")
    client.volumes.create("ev-vol")
    until = time.time() + 0.5
    # An until in the (near) future: the stream ends on its own at until.
    got = list(client.events(since=since, until=until, decode=True,
                             filters={"type": "container", "label": "ev=yes"}))
    assert [(e["Type"], e["Action"], e["Actor"]["Attributes"]["name"]) for e in got] == \
        [("container", "create", "ev-a")]
    e = got[0]
    assert e["status"] == "create"
    assert e["from"] == "busybox"
    assert e["Actor"]["Attributes"]["ev"] == "yes"
    assert since <= e["timeNano"] / 1e9 <= until
    assert time.time() >= until
    vols = list(client.events(since=since, until=until, decode=True,
                              filters={"type": "volume"}))
    assert [(e["Action"], e["Actor"]["ID"]) for e in vols] == [("create", "ev-vol")]


def test_events_live(client):
    """A generator without until sees events as they happen; close() ends it.
    (since: an event between the request and the subscription is not lost.)"""
    ev = client.events(since=time.time(), decode=True, filters={"event": "start"})
    c = client.containers.run("busybox", "true", detach=True, name="ev-live")
    first = next(ev)
    assert (first["Action"], first["id"]) == ("start", c.id)
    ev.close()


def test_events_bad_filter_json(client):
    # The SDK always encodes filters: send a malformed one by hand.
    api = client.api
    with pytest.raises(docker.errors.APIError) as e:
        api._raise_for_status(api._get(api._url("/events"),
                                       params={"filters": "{bad", "until": "1"}))
    assert e.value.status_code == 400
    assert e.value.explanation.startswith("invalid filter")
    # The daemon keeps serving.
    assert client.ping()


def test_not_found_errors(client):
    with pytest.raises(docker.errors.NotFound) as e:
        client.containers.get("nope")
    assert e.value.status_code == 404
    assert e.value.explanation == "No such container: nope"
    with pytest.raises(docker.errors.ImageNotFound) as e:
        client.images.get("nope:never")
    assert e.value.status_code == 404
    assert e.value.explanation == "No such image: nope:never"
    with pytest.raises(docker.errors.NotFound) as e:
        client.volumes.get("nope")
    assert e.value.explanation == "get nope: no such volume"
    with pytest.raises(docker.errors.NotFound) as e:
        client.networks.get("nope")
    assert e.value.explanation == "network nope not found"


def test_out_of_scope_calls_say_so(client):
    for call, want in (
            (lambda: client.images.search("busybox"),
             "image search is not supported by Sockerless"),
            (lambda: client.swarm, "swarm inspect is not supported by Sockerless"),
            (client.plugins.list, "plugin list is not supported by Sockerless"),
            (client.secrets.list, "secret list is not supported by Sockerless"),
            (client.configs.list, "config list is not supported by Sockerless")):
        with pytest.raises(docker.errors.APIError) as e:
            call()
        assert e.value.status_code == 501
        assert e.value.explanation == want
    with pytest.raises(docker.errors.APIError) as e:
        client.images.build(fileobj=io.BytesIO(b"FROM busybox\n"))
    assert e.value.status_code == 501
    assert e.value.explanation.startswith(
        "image build is not supported by Sockerless: it keeps no image layers")


def test_events_container_filter(client):
    since = time.time()
    a = client.containers.create("busybox", "true", name="evc")
    client.containers.create("busybox", "true", name="evd")
    a.rename("evc2")
    until = time.time() + 0.3
    got = list(client.events(since=since, until=until, decode=True,
                             filters={"container": "evc2"}))
    # By the name the events carry (rename's has the new one) or by ID.
    assert [e["Action"] for e in got] == ["rename"]
    got = list(client.events(since=since, until=until, decode=True,
                             filters={"container": a.id[:12]}))
    assert [e["Action"] for e in got] == ["create", "rename"]
    assert got[1]["Actor"]["Attributes"]["oldName"] == "/evc"
