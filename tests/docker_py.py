#!/usr/bin/env python3
"""The docker SDK for Python against sockerlessd (TAP): the calls docker-py
users make most, reading the inspect and list shapes it indexes into.
Run by tests/docker_py.sh, which starts the daemon and sets DOCKER_HOST."""
import os
import sys
import traceback

import docker

n = 0
failed = 0


def check(desc, fn):
    global n, failed
    n += 1
    try:
        fn()
        print("ok %d - %s" % (n, desc))
    except Exception:
        failed += 1
        print("not ok %d - %s" % (n, desc))
        for line in traceback.format_exc().splitlines():
            print("# " + line)
    sys.stdout.flush()


def eq(got, want):
    if got != want:
        raise AssertionError("got %r, want %r" % (got, want))


client = docker.from_env(timeout=60)
TESTS = 12
# The wrapper adds TAP_EXTRA checks of its own after these.
print("1..%d" % (TESTS + int(os.environ.get("TAP_EXTRA", "0"))))
made = []


def run_foreground():
    # Reads HostConfig.LogConfig.Type, follows the logs, waits.
    out = client.containers.run("busybox", "echo hi", remove=False, name="fg")
    made.append("fg")
    eq(out, b"hi\n")


check("containers.run() returns the output", run_foreground)


def logs_and_attrs():
    c = client.containers.get("fg")
    eq(c.logs(), b"hi\n")
    a = c.attrs
    eq(a["HostConfig"]["LogConfig"], {"Type": "json-file", "Config": {}})
    eq(a["HostConfig"]["RestartPolicy"], {"Name": "no", "MaximumRetryCount": 0})
    eq(a["HostConfig"]["NetworkMode"], "bridge")
    eq(a["State"]["Status"], "exited")
    eq(a["State"]["ExitCode"], 0)
    eq(a["Config"]["Cmd"], ["echo", "hi"])


check("logs() and the defaults attrs carries", logs_and_attrs)


def network_shape():
    a = client.containers.get("fg").attrs
    ep = a["NetworkSettings"]["Networks"]["bridge"]
    for k in ("IPAMConfig", "Links", "Aliases", "MacAddress", "NetworkID",
              "EndpointID", "Gateway", "IPAddress", "IPPrefixLen",
              "IPv6Gateway", "GlobalIPv6Address", "GlobalIPv6PrefixLen",
              "DriverOpts", "DNSNames"):
        if k not in ep:
            raise AssertionError("Networks.bridge lacks " + k)
    eq(ep["IPAddress"], "")
    eq(a["NetworkSettings"]["MacAddress"], "")
    eq(a["NetworkSettings"]["Ports"], {})


check("NetworkSettings has dockerd's members, empty where unknown", network_shape)


def run_rm():
    out = client.containers.run("busybox", ["sh", "-c", "echo bye"], remove=True, name="bye")
    eq(out, b"bye\n")
    eq([c.name for c in client.containers.list(all=True, filters={"name": "bye"})], [])


check("containers.run(remove=True) returns the output", run_rm)


def detached_health_ports():
    c = client.containers.run("busybox", "sleep 60", detach=True, name="svc",
                              ports={"80/tcp": 8080}, healthcheck={"Test": ["CMD", "true"]})
    made.append("svc")
    c.reload()
    eq(c.status, "running")
    # (attrs, not the .health and .ports of newer SDKs: Debian ships 5.0.3.)
    eq(c.attrs["State"]["Health"], {"Status": "starting", "FailingStreak": 0, "Log": []})
    # Requested, but Sockerless made no binding: never claim one.
    eq(c.attrs["NetworkSettings"]["Ports"], {"80/tcp": None})
    eq(c.attrs["HostConfig"]["PortBindings"], {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]})


check("a detached run with a healthcheck and a port", detached_health_ports)


def list_all():
    names = sorted(c.name for c in client.containers.list(all=True))
    eq(names, ["fg", "svc"])
    eq([c.name for c in client.containers.list()], ["svc"])


check("containers.list(all=True) and running only", list_all)


def list_sparse():
    by = {c.attrs["Names"][0]: c.attrs for c in client.containers.list(all=True, sparse=True)}
    for name, e in by.items():
        for k in ("Id", "Names", "Image", "ImageID", "Command", "Created", "Ports",
                  "Labels", "State", "Status", "HostConfig", "NetworkSettings", "Mounts"):
            if k not in e:
                raise AssertionError("%s lacks %s" % (name, k))
        eq(e["HostConfig"]["NetworkMode"], "bridge")
        eq(list(e["NetworkSettings"]["Networks"]), ["bridge"])
        eq(e["Mounts"], [])
    eq(by["/svc"]["Ports"], [{"PrivatePort": 80, "Type": "tcp"}])
    eq(by["/fg"]["Ports"], [])


check("list entries carry what dockerd's do", list_sparse)


def refused(desc, want, **kw):
    def fn():
        try:
            client.containers.create("busybox", "true", **kw)
        except docker.errors.APIError as e:
            eq(e.status_code, 400)
            eq(e.explanation, want)
            return
        raise AssertionError("created")
    check(desc, fn)


refused("an unknown restart policy is refused",
        "invalid restart policy: unknown policy 'sometimes'; use one of "
        "'no', 'always', 'on-failure', or 'unless-stopped'",
        restart_policy={"Name": "sometimes"})
refused("auto_remove with a restart policy is refused",
        "can't create 'AutoRemove' container with restart policy",
        auto_remove=True, restart_policy={"Name": "always"})
refused("an unknown log driver is refused",
        'error looking up logging plugin gelf: plugin "gelf" not found',
        log_config={"Type": "gelf", "Config": {}})


def bad_image():
    try:
        client.containers.create("busybox:", "true")
    except docker.errors.APIError as e:
        eq(e.status_code, 400)
        eq(e.explanation, "invalid reference format")
        return
    raise AssertionError("created")


check("an invalid image reference is refused", bad_image)


def cleanup():
    for name in made:
        client.containers.get(name).remove(force=True)
    eq(client.containers.list(all=True), [])


check("everything removes", cleanup)
if n != TESTS:
    print("# planned %d, ran %d" % (TESTS, n))
sys.exit(1 if failed or n != TESTS else 0)
