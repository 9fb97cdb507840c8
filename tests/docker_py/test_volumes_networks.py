"""Volumes and networks through the docker SDK for Python."""
import docker
import pytest


def test_volume_lifecycle(client):
    v = client.volumes.create("data", labels={"app": "x"})
    assert v.name == "data"
    assert v.attrs["Driver"] == "local"
    assert v.attrs["Labels"] == {"app": "x"}
    assert v.attrs["Scope"] == "local"
    assert v.attrs["Mountpoint"]
    assert client.volumes.get("data").id == "data"
    client.volumes.create("other")
    names = sorted(x.name for x in client.volumes.list())
    assert names == ["data", "other"]
    assert [x.name for x in client.volumes.list(filters={"label": "app=x"})] == ["data"]
    assert [x.name for x in client.volumes.list(filters={"name": "^oth"})] == ["other"]
    # Creating an existing volume answers it again (dockerd is idempotent).
    assert client.volumes.create("data").attrs["Labels"] == {"app": "x"}
    v.remove()
    with pytest.raises(docker.errors.NotFound):
        client.volumes.get("data")
    with pytest.raises(docker.errors.NotFound) as e:
        client.api.remove_volume("data")
    assert e.value.status_code == 404


def test_volume_in_use_and_bad_name(client):
    client.volumes.create("busy")
    c = client.containers.create("busybox", "true", name="vuser",
                                 volumes={"busy": {"bind": "/b", "mode": "rw"}})
    with pytest.raises(docker.errors.APIError) as e:
        client.volumes.get("busy").remove()
    assert e.value.status_code == 409
    assert "volume is in use" in e.value.explanation
    assert c.id in e.value.explanation
    assert client.volumes.prune()["VolumesDeleted"] in (None, [])
    c.remove()
    client.volumes.get("busy").remove()
    with pytest.raises(docker.errors.APIError) as e:
        client.volumes.create("a/b")
    assert e.value.status_code == 400
    assert "a/b" in e.value.explanation


def test_volume_used_by_run(client):
    # The example backend runs host processes without mount namespaces:
    # the data lives at the Mountpoint the daemon reports.
    mp = client.volumes.create("shared").attrs["Mountpoint"]
    mount = {"shared": {"bind": "/s", "mode": "rw"}}
    c = client.containers.run("busybox", ["sh", "-c", "echo kept > %s/f" % mp],
                              volumes=mount, detach=True, name="vw")
    assert c.wait(timeout=10)["StatusCode"] == 0
    c.reload()
    m = c.attrs["Mounts"]
    assert [(x["Type"], x["Name"], x["Destination"], x["Source"], x["RW"]) for x in m] == \
        [("volume", "shared", "/s", mp, True)]
    out = client.containers.run("busybox", ["cat", mp + "/f"], volumes=mount, remove=True)
    assert out == b"kept\n"
    client.containers.create("busybox", "true", name="novol")

    def users(v):
        return [x.name for x in client.containers.list(all=True, filters={"volume": v})]

    # By volume name and by mount destination.
    assert users("shared") == ["vw"]
    assert users("/s") == ["vw"]
    assert users("other") == []


def test_volume_prune(client):
    client.volumes.create("p1", labels={"keep": "no"})
    client.volumes.create("p2", labels={"keep": "yes"})
    c = client.containers.create("busybox", "true", name="anon", volumes=["/a"])
    anon = [m["Name"] for m in c.attrs["Mounts"]]
    c.remove()
    # Since API 1.42 prune takes anonymous volumes only, named ones with all.
    r = client.volumes.prune()
    assert r["VolumesDeleted"] == anon
    assert isinstance(r["SpaceReclaimed"], int)
    r = client.volumes.prune(filters={"label": "keep=no", "all": True})
    assert r["VolumesDeleted"] == ["p1"]
    assert [v.name for v in client.volumes.list()] == ["p2"]


def test_network_lifecycle(client):
    n = client.networks.create("appnet", driver="bridge", labels={"t": "1"})
    assert n.name == "appnet" and len(n.id) == 64
    n.reload()
    assert n.attrs["Driver"] == "bridge"
    assert n.attrs["Labels"] == {"t": "1"}
    assert n.attrs["Scope"] == "local"
    assert client.networks.get("appnet").id == n.id
    assert client.networks.get(n.id[:12]).name == "appnet"
    names = {x.name for x in client.networks.list()}
    assert {"bridge", "host", "none", "appnet"} <= names
    assert [x.name for x in client.networks.list(names=["appnet"])] == ["appnet"]
    assert [x.name for x in client.networks.list(filters={"label": "t=1"})] == ["appnet"]
    assert [x.name for x in client.networks.list(filters={"name": "^app"})] == ["appnet"]
    assert [x.name for x in client.networks.list(filters={"type": "custom"})] == ["appnet"]
    with pytest.raises(docker.errors.APIError) as e:
        client.networks.create("appnet", check_duplicate=True)
    assert e.value.status_code == 409
    n.remove()
    with pytest.raises(docker.errors.NotFound):
        client.networks.get("appnet")


def test_network_connect_aliases(client):
    n = client.networks.create("cnet")
    c = client.containers.run("busybox", "sleep 30", detach=True, name="nc")
    n.connect(c, aliases=["db", "store"])
    c.reload()
    ep = c.attrs["NetworkSettings"]["Networks"]["cnet"]
    assert "db" in ep["Aliases"] and "store" in ep["Aliases"]
    assert ep["NetworkID"] == n.id
    n.reload()
    assert [x.id for x in n.containers] == [c.id]
    client.containers.create("busybox", "true", name="offnet")
    for ref in ("cnet", n.id, n.id[:12]):
        assert [x.name for x in client.containers.list(all=True, filters={"network": ref})] \
            == ["nc"], ref
    assert client.containers.list(all=True, filters={"network": "nosuchnet"}) == []
    with pytest.raises(docker.errors.APIError) as e:
        n.remove()
    assert e.value.status_code == 403
    assert "has active endpoints" in e.value.explanation
    n.disconnect(c)
    c.reload()
    assert "cnet" not in c.attrs["NetworkSettings"]["Networks"]
    n.reload()
    assert n.containers == []
    with pytest.raises(docker.errors.APIError) as e:
        n.disconnect(c)
    assert "is not connected to network cnet" in e.value.explanation
    # Created straight onto a user network with an alias (the low-level
    # API: the 5.0 models' run() takes no networking_config).
    api = client.api
    r = api.create_container(
        "busybox", "sleep 30", name="nc2",
        host_config=api.create_host_config(network_mode="cnet"),
        networking_config=api.create_networking_config(
            {"cnet": api.create_endpoint_config(aliases=["web"])}))
    api.start(r["Id"])
    a = api.inspect_container(r["Id"])
    assert "web" in a["NetworkSettings"]["Networks"]["cnet"]["Aliases"]
    assert a["HostConfig"]["NetworkMode"] == "cnet"
    assert a["State"]["Running"] is True


def test_network_prune(client):
    client.networks.create("unused")
    used = client.networks.create("used")
    c = client.containers.create("busybox", "true", name="np", network="used")
    r = client.networks.prune()
    assert r["NetworksDeleted"] == ["unused"]
    assert client.networks.get("used").id == used.id
    c.remove()
    with pytest.raises(docker.errors.APIError) as e:
        client.networks.get("bridge").remove()
    assert e.value.status_code == 403
