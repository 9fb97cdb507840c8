"""Fixtures and a TAP reporter for the docker SDK for Python suite.

tests/docker_py_full.sh starts the registry and sockerlessd (example
backend), sets DOCKER_HOST and SL_TAP_FILE, and runs pytest here.  The
reporter writes one TAP line per test to SL_TAP_FILE: "ok N - nodeid", or
"not ok N - nodeid" followed by the failure as "# " lines.  A skipped or
xfailed test is a failure: nothing here may pass by not running."""
import os
import time

import docker
import pytest


class TapReporter:
    def __init__(self, path):
        self.out = open(path, "a", buffering=1)
        self.n = 0
        self.failed = {}

    def line(self, ok, desc, text=""):
        self.n += 1
        self.out.write("%s %d - %s\n" % ("ok" if ok else "not ok", self.n, desc))
        for ln in text.splitlines():
            self.out.write("# %s\n" % ln)

    def pytest_collectreport(self, report):
        if report.failed:
            self.line(False, "collect " + report.nodeid, str(report.longrepr))

    def pytest_runtest_logreport(self, report):
        why = self.failed.setdefault(report.nodeid, [])
        if report.failed:
            why.append("%s failed:\n%s" % (report.when, report.longrepr))
        elif report.skipped:
            why.append("%s skipped (a failure here): %s" % (report.when, report.longrepr))
        if report.when == "teardown":
            self.line(not why, report.nodeid, "\n".join(why))
            del self.failed[report.nodeid]

    def pytest_unconfigure(self):
        self.out.close()


def pytest_configure(config):
    path = os.environ.get("SL_TAP_FILE")
    if path:
        config.pluginmanager.register(TapReporter(path), "sl_tap")


def poll(fn, what, deadline=10.0, every=0.05):
    """Calls fn until it returns a true value; fails after deadline s."""
    end = time.monotonic() + deadline
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(every)


@pytest.fixture(scope="session")
def client():
    c = docker.from_env(timeout=30)
    yield c
    c.close()


@pytest.fixture(scope="session")
def registry():
    """host:port of the test registry (for references that name it)."""
    return os.environ["SL_REGISTRY_HOST"]


@pytest.fixture(autouse=True)
def clean(client):
    """Each test starts and leaves the daemon without containers, user
    networks or volumes; images stay (pulled once per session)."""
    yield
    for c in client.containers.list(all=True):
        c.remove(force=True, v=True)
    for n in client.networks.list():
        if n.name not in ("bridge", "host", "none"):
            n.remove()
    for v in client.volumes.list():
        v.remove(force=True)
    assert client.containers.list(all=True) == []
