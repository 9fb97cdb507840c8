"""Images through the docker SDK for Python: pull (tag, digest, platform),
list, get, tag, remove, history, prune, registry data."""
import docker
import pytest


def tags(client, **kw):
    return sorted(t for i in client.images.list(**kw) for t in i.tags)


def test_pull_tag(client):
    img = client.images.pull("echoer", tag="latest")
    assert img.tags == ["echoer:latest"]
    assert img.id.startswith("sha256:") and len(img.id) == 71
    a = img.attrs
    assert a["Config"]["Entrypoint"] == ["/bin/echo", "entry"]
    assert a["Config"]["Cmd"] == ["default", "cmd"]
    assert a["Os"] == "linux" and a["Architecture"] == "amd64"
    assert len(a["RepoDigests"]) == 1 and a["RepoDigests"][0].startswith("echoer@sha256:")
    out = client.containers.run("echoer", remove=True)
    assert out == b"entry default cmd\n"


def test_pull_all_tags_and_bad_names(client):
    with pytest.raises(docker.errors.NotFound) as e:
        client.images.pull("nosuchimage", tag="latest")
    assert e.value.status_code == 404
    with pytest.raises(docker.errors.APIError) as e:
        client.images.pull("Bad:Name", tag="x")
    assert e.value.status_code == 400
    assert "invalid reference format" in e.value.explanation


def test_pull_by_digest(client):
    img = client.images.pull("echoer", tag="latest")
    dig = img.attrs["RepoDigests"][0]
    again = client.images.pull(dig)
    assert again.id == img.id
    assert client.images.get(dig).id == img.id


def test_pull_platform(client):
    arm = client.images.pull("multi", tag="latest", platform="linux/arm64")
    assert arm.attrs["Architecture"] == "arm64"
    assert "ARCHMARK=arm64" in arm.attrs["Config"]["Env"]
    amd = client.images.pull("multi", tag="latest")
    assert amd.attrs["Architecture"] == "amd64"
    assert "ARCHMARK=amd64" in amd.attrs["Config"]["Env"]
    assert amd.id != arm.id
    with pytest.raises(docker.errors.APIError) as e:
        client.images.pull("multi", tag="latest", platform="linux/s390x")
    assert "no matching manifest for linux/s390x" in e.value.explanation
    assert e.value.status_code == 404
    for bad, why in (("linux/amd64/v2/x", "cannot parse platform specifier"),
                     ("linux/am d64", "is an invalid component of"),
                     ("li!nux/amd64", "is an invalid OS component of"),
                     ("nonsense", "unknown operating system or architecture")):
        with pytest.raises(docker.errors.APIError) as e:
            client.images.pull("multi", tag="latest", platform=bad)
        assert e.value.status_code == 400, bad
        assert '"%s"' % bad in e.value.explanation, e.value.explanation
        assert why in e.value.explanation, e.value.explanation


def test_list_filters(client):
    client.images.pull("echoer", tag="latest")
    assert "echoer:latest" in tags(client)
    assert tags(client, name="echoer") == ["echoer:latest"]
    assert tags(client, filters={"reference": "echo*"}) == ["echoer:latest"]
    assert tags(client, name="busybox:latest") == ["busybox:latest"]
    ids = client.images.list(quiet=True) if False else client.api.images(quiet=True)
    assert client.images.get("busybox").id in ids
    with pytest.raises(docker.errors.APIError) as e:
        client.images.list(filters={"colour": "red"})
    assert e.value.status_code == 400


def test_get_tag_remove(client):
    img = client.images.get("busybox")
    assert img.tag("mine/bb", "v1") is True
    assert client.images.get("mine/bb:v1").id == img.id
    assert "mine/bb:v1" in client.images.get("busybox").tags
    with pytest.raises(docker.errors.APIError) as e:
        img.tag("Mine/BB", "v1")
    assert e.value.status_code == 400
    r = client.images.remove("mine/bb:v1")
    assert r is None
    assert "mine/bb:v1" not in client.images.get("busybox").tags
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.remove("mine/bb:v1")


def test_remove_in_use(client):
    img = client.images.pull("echoer", tag="latest")
    c = client.containers.create("echoer", name="user")
    with pytest.raises(docker.errors.APIError) as e:
        client.images.remove("echoer")
    assert e.value.status_code == 409
    assert "container %s is using its referenced image" % c.id[:12] in e.value.explanation
    # By ID the conflict says the image is used by a running or stopped
    # container, whichever it is.
    with pytest.raises(docker.errors.APIError) as e:
        client.images.remove(img.id)
    assert e.value.status_code == 409
    # force untags; the container keeps its image ID.
    client.images.remove("echoer", force=True)
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("echoer")
    c.reload()
    assert c.attrs["Image"] == img.id


def test_history(client):
    h = client.images.get("busybox").history()
    assert len(h) >= 1
    for k in ("Id", "Created", "CreatedBy", "Tags", "Size", "Comment"):
        assert k in h[0], k
    assert h[0]["Id"] == client.images.get("busybox").id
    assert h[0]["Tags"] == ["busybox:latest"]


def test_registry_data(client):
    rd = client.images.get_registry_data("multi")
    assert rd.id.startswith("sha256:")
    # The SDK compares whole entries: the index lists arm64 with variant v8.
    assert rd.has_platform("linux/arm64/v8")
    assert not rd.has_platform("linux/arm64/v7")
    assert rd.has_platform("linux/amd64")
    assert not rd.has_platform("linux/s390x")


def test_prune(client):
    client.images.pull("layered", tag="latest")
    client.images.pull("echoer", tag="latest")
    client.containers.create("echoer", name="keeper")
    # dangling=false: every image no container uses.
    r = client.images.prune(filters={"dangling": False})
    gone = [d.get("Untagged") for d in r["ImagesDeleted"] or [] if d.get("Untagged")]
    assert "layered:latest" in gone
    assert "echoer:latest" not in gone
    assert isinstance(r["SpaceReclaimed"], int)
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("layered")
    client.images.get("echoer")
    # Nothing dangling is left to prune.
    assert client.images.prune()["ImagesDeleted"] in (None, [])
    # The other tests' images come back.
    client.images.pull("busybox", tag="latest")


def test_layer_operations_say_so(client):
    want = "is not supported by Sockerless: it keeps no image layers"
    with pytest.raises(docker.errors.APIError) as e:
        b"".join(client.images.get("busybox").save())
    assert e.value.status_code == 501
    assert e.value.explanation.startswith("image save " + want)
    with pytest.raises(docker.errors.APIError) as e:
        client.images.load(b"not a tar")
    assert e.value.status_code == 501
    assert e.value.explanation.startswith("image load " + want)
    with pytest.raises(docker.errors.APIError) as e:
        client.images.push("busybox", tag="latest")
    assert e.value.status_code == 501
    assert e.value.explanation.startswith("image push " + want)
