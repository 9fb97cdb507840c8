#!/usr/bin/env python3
"""conformance.py - drive every official example in tests/azure-sim/fixtures
against the simulator and compare each answer with the example response's
shape (field names and JSON types, see jcheck.py). Prints TAP.

usage: conformance.py URL FIXTURES-DIR WORKSPACE-ID RUNNABLE-IMAGE WORKLOADS(0|1)

The simulator must be seeded with the examples' scope (subscription
34adfa4f-cedf-4dc0-ba29-b6d1a69ab345, resource group rg, managed
environment demokube); sim-conformance.sh does that with a config file.
"""
import copy
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jcheck import shape_errors  # noqa: E402

URL, FIX, WS, IMAGE, WORKLOADS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "1"
N = 0
FAILED = 0


def tap(cond, desc, detail=None):
    global N, FAILED
    N += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N, desc))
    if not cond:
        FAILED += 1
        for line in (detail or []):
            print("#   " + str(line))
    sys.stdout.flush()


def fixture(name):
    with open(os.path.join(FIX, name)) as f:
        return json.load(f)


def http(method, path, body=None, token=None, raw=None, headers=None):
    """Returns (status, headers dict lower-cased, parsed JSON or None)."""
    url = path if path.startswith("http") else URL + path
    data = None
    h = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if raw is not None:
        data = raw
    if token:
        h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, hdrs, text = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, e.headers, e.read()
    hd = {k.lower(): v for k, v in hdrs.items()}
    try:
        doc = json.loads(text) if text else None
    except ValueError:
        doc = None
    return status, hd, doc


def token(scope):
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": "conformance",
        "client_secret": "x", "scope": scope}).encode()
    req = urllib.request.Request(URL + "/00000000-0000-0000-0000-0000000000aa/oauth2/v2.0/token",
                                 data=form, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["access_token"]


def skip_unless_workloads(*descs):
    """The checks that need an execution to have really run: reported as
    skipped (never silently left out) when the simulator has no workloads."""
    global N
    if WORKLOADS:
        return False
    for d in descs:
        N += 1
        print("ok %d - %s # SKIP executions need root (simulator runs --no-workloads)" % (N, d))
    sys.stdout.flush()
    return True


def check_shape(desc, example, actual, optional=(), maps=()):
    errs = shape_errors(example, actual, optional=optional, maps=maps)
    tap(not errs, desc, errs[:12] + ([json.dumps(actual)[:400]] if errs else []))


def wait(pred, timeout, step=0.3):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


ARM = token("https://management.azure.com/.default")
LA = token("https://api.loganalytics.io/.default")
MAPS = ("$.identity.userAssignedIdentities", "$.tags")

# ---- jobs ---------------------------------------------------------------
cu = fixture("containerapps-2025-07-01/Job_CreateorUpdate.json")
p = cu["parameters"]
SUB, RGN, API = p["subscriptionId"], p["resourceGroupName"], p["api-version"]
JOBS = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.App/jobs" % (SUB, RGN)
job = p["jobName"]
jp = "%s/%s?api-version=%s" % (JOBS, job, API)


def rfc1123_names(tmpl):
    """The examples name their init container "testinitcontainerAppsJob0",
    which is not an RFC 1123 label: Container Apps (Kubernetes' rule) refuses
    it with InvalidParameterValueInContainerTemplate, and so does the
    simulator (asserted below). Lower-case container names in place; the
    rest of each example is sent as it is."""
    for key in ("containers", "initContainers"):
        for c in (tmpl or {}).get(key) or []:
            if "name" in c:
                c["name"] = c["name"].lower()


st, h, doc = http("PUT", jp, p["JobEnvelope"], ARM)
tap(st == 400 and (doc or {}).get("error", {}).get("code") == "InvalidParameterValueInContainerTemplate",
    "Job_CreateorUpdate as published (init container 'testinitcontainerAppsJob0') -> 400 "
    "InvalidParameterValueInContainerTemplate (got %d)" % st, [json.dumps(doc)[:300]])
rfc1123_names(p["JobEnvelope"]["properties"]["template"])

st, h, doc = http("PUT", jp, p["JobEnvelope"], ARM)
tap(st == 201, "Job_CreateorUpdate: new job -> 201 (got %d)" % st, [json.dumps(doc)[:300]])
check_shape("Job_CreateorUpdate: 201 body has the example's shape", cu["responses"]["201"]["body"], doc, maps=MAPS)
tap("location" in h or "azure-asyncoperation" in h, "Job_CreateorUpdate: 201 has an LRO header")
st, h, doc = http("PUT", jp, p["JobEnvelope"], ARM)
tap(st == 200, "Job_CreateorUpdate: existing job -> 200 (got %d)" % st)
check_shape("Job_CreateorUpdate: 200 body has the example's shape", cu["responses"]["200"]["body"], doc, maps=MAPS)

ok = wait(lambda: http("GET", jp, token=ARM)[2]["properties"]["provisioningState"] == "Succeeded", 15)
tap(bool(ok), "Job_CreateorUpdate: provisioning reaches Succeeded")

g = fixture("containerapps-2025-07-01/Job_Get.json")
st, h, doc = http("GET", "%s/%s?api-version=%s" % (JOBS, g["parameters"]["jobName"], g["parameters"]["api-version"]), token=ARM)
tap(st == 200, "Job_Get -> 200")
check_shape("Job_Get: body has the example's shape", g["responses"]["200"]["body"], doc, maps=MAPS)

pa = fixture("containerapps-2025-07-01/Job_Patch.json")
pp = pa["parameters"]
rfc1123_names(pp["JobEnvelope"]["properties"]["template"])
ppath = "%s/%s?api-version=%s" % (JOBS, pp["jobName"], pp["api-version"])
st, h, doc = http("PATCH", ppath, pp["JobEnvelope"], ARM)
tap(st in (200, 202), "Job_Patch -> %d (example: 200 or 202)" % st)
if st == 202:
    tap("azure-asyncoperation" in h or "location" in h, "Job_Patch: 202 has an LRO header")
    loc = h.get("location")
    res = wait(lambda: (lambda r: r if r[0] == 200 else None)(http("GET", loc, token=ARM)), 15)
    doc = res[2] if res else None
check_shape("Job_Patch: final body has the example's 200 shape", pa["responses"]["200"]["body"], doc, maps=MAPS)

ls = fixture("containerapps-2025-07-01/Jobs_ListByResourceGroup.json")
st, h, doc = http("GET", "%s?api-version=%s" % (JOBS, ls["parameters"]["api-version"]), token=ARM)
tap(st == 200 and len(doc.get("value", [])) >= 1, "Jobs_ListByResourceGroup -> 200 with jobs")
ex_list = copy.deepcopy(ls["responses"]["200"]["body"])
ex_list["value"] = ex_list["value"][:1]   # the second example item uses the non-enum "Scheduled"
check_shape("Jobs_ListByResourceGroup: body has the example's shape", ex_list, doc, maps=MAPS)

sec = fixture("containerapps-2025-07-01/Job_ListSecrets.json")
env = copy.deepcopy(p["JobEnvelope"])
env["properties"]["configuration"]["secrets"] = [{"name": "secret1", "value": "v1"}, {"name": "secret2", "value": "v2"}]
http("PUT", "%s/conf-secrets?api-version=%s" % (JOBS, API), env, ARM)
st, h, doc = http("POST", "%s/conf-secrets/listSecrets?api-version=%s" % (JOBS, sec["parameters"]["api-version"]), token=ARM)
tap(st == 200 and [s["name"] for s in doc["value"]] == ["secret1", "secret2"], "Job_ListSecrets -> 200 with both secrets")
check_shape("Job_ListSecrets: body has the example's shape", sec["responses"]["200"]["body"], doc)
st, h, doc = http("POST", "%s/%s/listSecrets?api-version=%s" % (JOBS, job, API), token=ARM)
tap(st == 200 and doc["value"] == [], "Job_ListSecrets on a job without secrets -> empty list")

sa = fixture("containerapps-2025-07-01/Job_Start.json")
sp = sa["parameters"]
rfc1123_names(sp["template"])
st, h, doc = http("POST", "%s/%s/start?api-version=%s" % (JOBS, sp["jobName"], sp["api-version"]), sp["template"], ARM)
tap(st in (200, 202), "Job_Start with the example override -> %d" % st)
check_shape("Job_Start: body has the example's {name, id} shape", sa["responses"]["200"]["body"], doc)
tap(doc and doc["id"].endswith("/executions/" + doc["name"]), "Job_Start: id names the execution")
tap(st != 202 or "location" in h, "Job_Start: 202 has Location")

# A runnable job for execution shapes: the example without its Azure Files
# volumes and unpullable images.
run_env = copy.deepcopy(p["JobEnvelope"])
tmpl = run_env["properties"]["template"]
tmpl.pop("volumes", None)
for c in tmpl["containers"]:
    c.pop("volumeMounts", None)
    c["image"] = IMAGE
    c["command"] = ["/bin/sh", "-c", "echo conformance-run"]
for c in tmpl["initContainers"]:
    c["image"] = IMAGE
    c["command"] = ["/bin/sh"]
    c["args"] = ["-c", "true"]
run_env["properties"]["configuration"]["manualTriggerConfig"]["parallelism"] = 1
run_env["properties"]["configuration"]["replicaRetryLimit"] = 0
RUN = "%s/conf-run" % JOBS
st, h, doc = http("PUT", "%s?api-version=%s" % (RUN, API), run_env, ARM)
tap(st == 201, "runnable job created")
st, h, doc = http("POST", "%s/start?api-version=%s" % (RUN, API), token=ARM)
exec_name = doc["name"] if doc else ""


def terminal():
    s, _, d = http("GET", "%s/executions/%s?api-version=%s" % (RUN, exec_name, API), token=ARM)
    return d if s == 200 and d["properties"]["status"] in ("Succeeded", "Failed", "Stopped") else None


done = wait(terminal, 90)
tap(bool(done), "runnable execution finished (%s)" % (done or {}).get("properties", {}).get("status"))
if not skip_unless_workloads("runnable execution Succeeded"):
    tap(done and done["properties"]["status"] == "Succeeded", "runnable execution Succeeded")

opt_code = () if WORKLOADS else ("$.value[].properties.detailedStatus.replicas[].containers[].code",
                                 "$.properties.detailedStatus.replicas[].containers[].code")
for folder in ("containerapps-2025-07-01", "containerapps-2025-10-02-preview"):
    e = fixture(folder + "/Job_Executions_Get.json")
    v = e["parameters"]["api-version"]
    st, h, doc = http("GET", "%s/executions?api-version=%s" % (RUN, v), token=ARM)
    tap(st == 200, "Job_Executions_Get (%s) -> 200" % v)
    check_shape("Job_Executions_Get (%s): body has the example's shape" % v, e["responses"]["200"]["body"], doc, optional=opt_code)
    e = fixture(folder + "/Job_Execution_Get.json")
    v = e["parameters"]["api-version"]
    st, h, doc = http("GET", "%s/executions/%s?api-version=%s" % (RUN, exec_name, v), token=ARM)
    tap(st == 200, "Job_Execution_Get (%s) -> 200" % v)
    check_shape("Job_Execution_Get (%s): body has the example's shape" % v, e["responses"]["200"]["body"], doc, optional=opt_code)
    if "preview" in v:
        tap("detailedStatus" in doc["properties"], "preview execution carries detailedStatus")
        if not skip_unless_workloads("detailedStatus has the real exit code 0"):
            codes = [c.get("code") for r in doc["properties"]["detailedStatus"]["replicas"] for c in r["containers"]]
            tap(codes == [0], "detailedStatus has the real exit code 0 (%s)" % codes)
    else:
        tap("detailedStatus" not in doc["properties"], "stable execution has no detailedStatus")

rl = fixture("containerapps-2025-07-01/Replicas_List.json")
st, h, doc = http("GET", "%s/executions/%s/replicas?api-version=2023-11-02-preview" % (RUN, exec_name), token=ARM)
tap(st == 200 and len(doc["value"]) == 1, "job replicas list -> 200 with one replica")
check_shape("replicas list has the shape of the app Replicas_List example", rl["responses"]["200"]["body"], doc)
if not skip_unless_workloads("replica lists its started container"):
    tap(doc["value"][0]["properties"]["containers"], "replica lists its started container")

ga = fixture("containerapps-2025-07-01/ContainerApps_GetAuthToken.json")
st, h, doc = http("POST", "%s/getAuthToken?api-version=%s" % (RUN, ga["parameters"]["api-version"]), token=ARM)
tap(st == 200, "jobs getAuthToken -> 200")
check_shape("getAuthToken has the example's shape", ga["responses"]["200"]["body"], doc)

se = fixture("containerapps-2025-07-01/Job_Stop_Execution.json")
sleepy = {"containers": [{"name": tmpl["containers"][0]["name"], "image": IMAGE,
                          "command": ["/bin/sleep", "30"], "resources": {"cpu": 0.5, "memory": "1Gi"}}]}
st, h, doc = http("POST", "%s/start?api-version=%s" % (RUN, API), sleepy, ARM)
e1 = doc["name"]
st, h, doc = http("POST", "%s/executions/%s/stop?api-version=%s" % (RUN, e1, se["parameters"]["api-version"]), token=ARM)
tap(str(st) in se["responses"], "Job_Stop_Execution -> %d (example: %s)" % (st, "/".join(se["responses"])))
st, h, doc = http("GET", "%s/executions/%s?api-version=%s" % (RUN, e1, API), token=ARM)
if WORKLOADS:
    tap(doc["properties"]["status"] == "Stopped", "stopped execution shows Stopped")
else:
    tap(doc["properties"]["status"] == "Failed", "without workloads the execution had already failed")
    skip_unless_workloads("stopped execution shows Stopped")

sm = fixture("containerapps-2025-07-01/Job_Stop_Multiple.json")
http("POST", "%s/start?api-version=%s" % (RUN, API), sleepy, ARM)
http("POST", "%s/start?api-version=%s" % (RUN, API), sleepy, ARM)
st, h, doc = http("POST", "%s/stop?api-version=%s" % (RUN, sm["parameters"]["api-version"]), token=ARM)
tap(st == 200 and len(doc["value"]) == (2 if WORKLOADS else 0),
    "Job_Stop_Multiple -> 200 listing the %s stopped executions" % (2 if WORKLOADS else 0))
check_shape("Job_Stop_Multiple: body has the example's shape", sm["responses"]["200"]["body"], doc)

de = fixture("containerapps-2025-07-01/Job_Delete.json")
dp = de["parameters"]
st, h, doc = http("DELETE", "%s/%s?api-version=%s" % (JOBS, dp["jobName"], dp["api-version"]), token=ARM)
tap(st == 204, "Job_Delete of a job that does not exist -> 204")
st, h, doc = http("DELETE", "%s/%s?api-version=%s" % (JOBS, job, dp["api-version"]), token=ARM)
tap(str(st) in de["responses"], "Job_Delete of an existing job -> %d (example: 200/202/204)" % st)
tap(st != 202 or "azure-asyncoperation" in h, "Job_Delete: 202 has the example's azure-asyncoperation header")

# ---- Log Analytics --------------------------------------------------------
op = fixture("loganalytics-v1/oms-post-example.json")
body = op["parameters"]["body"]
st, h, doc = http("POST", "/v1/workspaces/%s/query" % WS, body, LA)
tap(st == 400 and doc["error"]["code"] == "BadArgumentError" and
    doc["error"]["innererror"]["innererror"]["code"] == "SEM0100",
    "oms-post-example query (Usage, a table the simulator does not have) -> 400 SEM0100")
ex = copy.deepcopy(op["responses"]["200"]["body"])
ex["tables"][0]["rows"] = []   # cells are typed per column; compared below
st, h, doc = http("POST", "/v1/workspaces/%s/query" % WS,
                  {"query": "ContainerAppConsoleLogs_CL | take 10", "timespan": body["timespan"]}, LA)
if WORKLOADS:
    tap(st == 200, "POST query of the console table -> 200")
    check_shape("POST query: body has the example's shape", ex, doc)
    cols = doc["tables"][0]["columns"]
    tap(all(set(c) == {"name", "type"} for c in cols), "columns are {name, type}")
    tap(len(doc["tables"][0]["rows"]) >= 1 and all(len(r) == len(cols) for r in doc["tables"][0]["rows"]),
        "rows are arrays as wide as the columns")
else:
    tap(st == 400, "POST query of a table without rows yet -> 400 (as Azure before first ingestion)")
    skip_unless_workloads("POST query of the console table -> 200", "POST query: body has the example's shape",
                          "columns are {name, type}", "rows are arrays as wide as the columns")
gx = fixture("loganalytics-v1/la-get-example.json")
q = urllib.parse.urlencode({"query": "ContainerAppConsoleLogs_CL | take 10", "timespan": gx["parameters"]["timespan"]})
st, h, doc = http("GET", "/v1/workspaces/%s/query?%s" % (WS, q), token=LA)
if WORKLOADS:
    ex = copy.deepcopy(gx["responses"]["200"]["body"])
    ex["tables"][0]["rows"] = []
    tap(st == 200, "GET query -> 200")
    check_shape("GET query: body has the example's shape", ex, doc)
else:
    tap(st == 400, "GET query of a table without rows yet -> 400")
    skip_unless_workloads("GET query -> 200", "GET query: body has the example's shape")
st, h, doc = http("GET", "/v1/workspaces/%s/query?%s" % (gx["parameters"]["workspaceId"], q), token=LA)
tap(st == 404, "the example's workspace id is unknown here -> 404 (%d)" % st)

print("1..%d" % N)
sys.exit(1 if FAILED else 0)
