/*
 * tests/sim_azure.c - the ARM client, credentials and Log Analytics
 * against the Azure simulator (TAP).  sim-azure.sh starts the simulator
 * (--no-workloads, --lro-delay-ms 1000, --client test-client:test-secret)
 * and passes its URL as argv[1].
 *
 * Every check reads the simulator's own counters (/_sim/stats,
 * /_sim/faults) for what was really sent; waits are polls with deadlines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "aca.h"

#define SUB "00000000-0000-0000-0000-000000000001"
#define TENANT "00000000-0000-0000-0000-0000000000aa"
#define WS "00000000-0000-0000-0000-0000000000ee"
#define RGP "/subscriptions/" SUB "/resourceGroups/sockerless-rg"
#define ENV_ID RGP "/providers/Microsoft.App/managedEnvironments/sockerless"
#define JOBS RGP "/providers/Microsoft.App/jobs/"
#define API "?api-version=" ACA_API_JOBS
#define SECRET "test-secret"
#define MI_HEADER "sockerless-sim-identity-header"

static const char *sim;
static char tmpdir[256];
static int ntest, nfail;

/* ---- TAP --------------------------------------------------------------- */

static void ok(int cond, const char *fmt, ...) SL_PRINTF(2, 3);
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++ntest);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		nfail++;
}

static void diag(const char *fmt, ...) SL_PRINTF(1, 2);
static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- a host: logs kept for the "no secret logged" check, and a call
 * that can be cancelled ------------------------------------------------- */

struct sl_call {
	atomic_int cancelled;
	int efd;
};

static char logbuf[1 << 20];
static size_t loglen;
static pthread_mutex_t logmu = PTHREAD_MUTEX_INITIALIZER;

static void host_logv(void *hctx, int level, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	(void)hctx;
	(void)level;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	pthread_mutex_lock(&logmu);
	if (loglen + strlen(line) + 2 < sizeof(logbuf)) {
		memcpy(logbuf + loglen, line, strlen(line));
		loglen += strlen(line);
		logbuf[loglen++] = '\n';
		logbuf[loglen] = '\0';
	}
	pthread_mutex_unlock(&logmu);
	if (getenv("ACA_TEST_VERBOSE"))
		fprintf(stderr, "log: %s\n", line);
}

static int host_cancelled(sl_call *c)
{
	return atomic_load(&c->cancelled);
}

static int host_cancel_fd(sl_call *c)
{
	return c->efd;
}

static void call_cancel(sl_call *c)
{
	uint64_t one = 1;

	atomic_store(&c->cancelled, 1);
	if (write(c->efd, &one, sizeof(one)) < 0)
		diag("eventfd write: %s", strerror(errno));
}

static struct sl_host_v1 host = {
	SL_HEADER(struct sl_host_v1),
	.logv = host_logv,
	.cancelled = host_cancelled,
	.cancel_fd = host_cancel_fd,
};

/* ---- the simulator's admin paths, with plain curl --------------------- */

static size_t sink(char *p, size_t sz, size_t n, void *arg)
{
	struct { char *p; size_t len; } *b = arg;
	char *np = realloc(b->p, b->len + sz * n + 1);

	if (!np)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, p, sz * n);
	b->len += sz * n;
	b->p[b->len] = '\0';
	return sz * n;
}

/* An admin request; returns the parsed answer (json_object_put it). */
static struct json_object *admin(const char *method, const char *path,
	const char *body)
{
	struct { char *p; size_t len; } b = { NULL, 0 };
	struct curl_slist *h = curl_slist_append(NULL,
		"Content-Type: application/json");
	struct json_object *o = NULL;
	char url[512];
	CURL *c = curl_easy_init();

	snprintf(url, sizeof(url), "%s%s", sim, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(c) == CURLE_OK && b.p)
		o = json_tokener_parse(b.p);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	free(b.p);
	return o;
}

static void admin_do(const char *method, const char *path, const char *body)
{
	json_object_put(admin(method, path, body));
}

/* operations[op], or statuses[op][status] when status is given. */
static long stat_of(const char *op, const char *status)
{
	struct json_object *o = admin("GET", "/_sim/stats", NULL), *v;
	long n = 0;

	if (o && json_object_object_get_ex(o, status ? "statuses" :
		"operations", &v) && json_object_object_get_ex(v, op, &v) &&
	    (!status || json_object_object_get_ex(v, status, &v)))
		n = (long)json_object_get_int64(v);
	json_object_put(o);
	return n;
}

static long fault_matched(void)
{
	struct json_object *o = admin("GET", "/_sim/faults", NULL), *a = o, *r;
	long n = 0;

	if (o && !json_object_is_type(o, json_type_array))
		json_object_object_get_ex(o, "value", &a);
	if (a && json_object_is_type(a, json_type_array) &&
	    json_object_array_length(a) > 0) {
		r = json_object_array_get_idx(a, 0);
		if (json_object_object_get_ex(r, "matched", &r))
			n = (long)json_object_get_int64(r);
	}
	json_object_put(o);
	return n;
}

static void reset(void)
{
	admin_do("DELETE", "/_sim/faults", NULL);
	admin_do("DELETE", "/_sim/stats", NULL);
}

/* ---- configuration by hand (config.c is not this test's) ------------- */

static void cfg_base(struct aca_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->subscription = SUB;
	cfg->resource_group = "sockerless-rg";
	cfg->environment = "sockerless";
	cfg->location = "eastus";
	cfg->arm_url = (char *)sim;
	cfg->la_url = (char *)sim;
	cfg->authority_url = (char *)sim;
	cfg->http_timeout_s = 20;
}

static void cfg_secret(struct aca_config *cfg, const char *secret)
{
	cfg_base(cfg);
	cfg->tenant_id = TENANT;
	cfg->client_id = "test-client";
	cfg->client_secret = (char *)secret;
}

static struct aca_azure *client(const struct aca_config *cfg)
{
	struct aca_azure *az = NULL;
	struct aca_err err = { 0 };

	if (aca_azure_new(cfg, &host, &az, &err) != SL_OK)
		diag("aca_azure_new: %s", err.msg);
	return az;
}

static const char *jget(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return json_object_get_string(v);
}

static int get_env_ok(struct aca_azure *az, const char *what)
{
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	struct json_object *o;
	int rc, good;

	rc = aca_arm(az, NULL, "GET", ENV_ID API, NULL, 0, &r, &err);
	o = rc == SL_OK ? json_tokener_parse(r.body ? r.body : "") : NULL;
	good = rc == SL_OK && r.status == 200 && jget(o, "name", NULL) &&
		strcmp(jget(o, "name", NULL), "sockerless") == 0;
	ok(good, "%s: ARM GET of the seeded environment", what);
	if (!good)
		diag("rc %d status %ld: %s", rc, r.status, rc ? err.msg :
			(r.body ? r.body : ""));
	json_object_put(o);
	aca_resp_free(&r);
	return good;
}

static char *job_body(void)
{
	return strdup("{\"location\":\"eastus\",\"properties\":{"
		"\"environmentId\":\"" ENV_ID "\",\"configuration\":{"
		"\"triggerType\":\"Manual\",\"replicaTimeout\":60,"
		"\"replicaRetryLimit\":0,\"manualTriggerConfig\":{"
		"\"parallelism\":1,\"replicaCompletionCount\":1}},"
		"\"template\":{\"containers\":[{\"name\":\"main\","
		"\"image\":\"docker.io/library/busybox:latest\","
		"\"resources\":{\"cpu\":0.25,\"memory\":\"0.5Gi\"}}]}}}");
}

/* PUT a job and wait for its LRO; SL_OK when it is there. */
static int put_job(struct aca_azure *az, const char *name)
{
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	char path[256], *body = job_body();
	int rc;

	snprintf(path, sizeof(path), JOBS "%s" API, name);
	rc = aca_arm(az, NULL, "PUT", path, body, ACA_ARM_WAIT_CONFLICT, &r,
		&err);
	if (rc == SL_OK && (r.status == 200 || r.status == 201))
		rc = aca_arm_lro_wait(az, NULL, &r, 60, "create job", &err);
	else if (rc == SL_OK)
		rc = aca_err_from_resp(&err, &r, "create job");
	if (rc)
		diag("put %s: %s", name, err.msg);
	aca_resp_free(&r);
	free(body);
	return rc;
}

/* ---- the checks ------------------------------------------------------- */

static void t_token_cache(struct aca_azure *az)
{
	struct aca_cred *cr = aca_azure_cred(az);
	struct aca_err err = { 0 };
	char *t1 = NULL, *t2 = NULL, *t3 = NULL;
	long before;

	reset();
	ok(strcmp(aca_cred_source(cr), "client secret") == 0,
		"source is the client secret (%s)", aca_cred_source(cr));
	ok(aca_cred_token(cr, NULL, ACA_SCOPE_ARM, 0, &t1, &err) == SL_OK &&
		t1 && *t1, "an ARM token is fetched");
	before = stat_of("Token", NULL);
	ok(before == 1, "one token request (%ld)", before);
	ok(aca_cred_token(cr, NULL, ACA_SCOPE_ARM, 0, &t2, &err) == SL_OK &&
		t2 && strcmp(t1, t2) == 0 && stat_of("Token", NULL) == before,
		"the second call is served from the cache");
	ok(aca_cred_token(cr, NULL, ACA_SCOPE_LA, 0, &t3, &err) == SL_OK &&
		t3 && strcmp(t3, t1) != 0 && stat_of("Token", NULL) == before + 1,
		"the Log Analytics scope has its own token");
	free(t1);
	free(t2);
	free(t3);
}

static void t_lro(struct aca_azure *az)
{
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	struct json_object *o;
	double t0;
	int rc;

	reset();
	t0 = now_s();
	rc = put_job(az, "az-lro");
	ok(rc == SL_OK, "PUT job + aca_arm_lro_wait");
	ok(stat_of("OperationStatus_Get", NULL) >= 1 && now_s() - t0 >= 0.9,
		"the Azure-AsyncOperation status was polled (%ld polls, %.1f s)",
		stat_of("OperationStatus_Get", NULL), now_s() - t0);
	rc = aca_arm(az, NULL, "GET", JOBS "az-lro" API, NULL, 0, &r, &err);
	o = rc == SL_OK ? json_tokener_parse(r.body ? r.body : "") : NULL;
	ok(rc == SL_OK && r.status == 200 && jget(o, "properties",
		"provisioningState") && strcmp(jget(o, "properties",
		"provisioningState"), "Succeeded") == 0,
		"the job is Succeeded after the wait");
	json_object_put(o);
	aca_resp_free(&r);

	/* DELETE answers 202 + Location; follow the Location alone (the
	 * other LRO style, final-state-via location). */
	reset();
	rc = aca_arm(az, NULL, "DELETE", JOBS "az-lro" API, NULL, 0, &r, &err);
	ok(rc == SL_OK && r.status == 202 && r.location,
		"DELETE answers 202 with Location (%ld)", r.status);
	free(r.async_url);
	r.async_url = NULL;
	rc = rc ? rc : aca_arm_lro_wait(az, NULL, &r, 60, "delete job", &err);
	ok(rc == SL_OK && stat_of("OperationResult_Get", NULL) >= 1,
		"Location polling until done (%ld polls)",
		stat_of("OperationResult_Get", NULL));
	aca_resp_free(&r);

	/* An operation that never ends: the wait gives up at its timeout.
	 * (/_sim/health answers {"status":"ok"}, never a terminal one.) */
	{
		struct aca_resp first = { 0 };
		char url[512];
		double t1 = now_s(), dt;

		snprintf(url, sizeof(url), "%s/_sim/health", sim);
		first.status = 201;
		first.async_url = url;
		first.retry_after_s = 1;
		rc = aca_arm_lro_wait(az, NULL, &first, 2, "create job x", &err);
		dt = now_s() - t1;
		ok(rc == SL_ETIMEDOUT && dt >= 1.9 && dt < 4 &&
			strstr(err.msg, "create job x"),
			"an endless operation times out (%.1f s): %s", dt, err.msg);
	}
	rc = aca_arm(az, NULL, "GET", "http://127.0.0.1:9/operations/1", NULL,
		0, &r, &err);
	ok(rc == SL_EINTERNAL && strstr(err.msg, "not sending the token"),
		"an operation URL on another host does not get the token: %s",
		err.msg);
	rc = aca_arm(az, NULL, "GET", JOBS "az-lro" API, NULL, 0, &r, &err);
	ok(rc == SL_OK && r.status == 404, "the job is gone");
	if (rc == SL_OK) {
		rc = aca_err_from_resp(&err, &r, "inspect job az-lro");
		ok(rc == SL_ENOTFOUND && strstr(err.msg, "Azure request id"),
			"404 maps to SL_ENOTFOUND with the request id: %s",
			err.msg);
	}
	aca_resp_free(&r);
}

static void t_retries(struct aca_azure *az)
{
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	double t0, dt;
	int rc;

	if (put_job(az, "az-retry") != SL_OK)
		diag("setup failed");
	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"Jobs_Get\",\"status\":429,"
		"\"retryAfter\":2,\"times\":1}");
	t0 = now_s();
	rc = aca_arm(az, NULL, "GET", JOBS "az-retry" API, NULL, 0, &r, &err);
	dt = now_s() - t0;
	ok(rc == SL_OK && r.status == 200, "429 then 200: retried (%ld)",
		r.status);
	ok(dt >= 1.95 && dt < 10, "the wait honoured Retry-After: 2 (%.2f s)",
		dt);
	ok(stat_of("Jobs_Get", "429") == 1 && stat_of("Jobs_Get", "200") == 1,
		"the simulator saw one 429 and one 200");
	aca_resp_free(&r);

	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"Jobs_Get\",\"sequence\":"
		"[503,\"drop\",500]}");
	rc = aca_arm(az, NULL, "GET", JOBS "az-retry" API, NULL, 0, &r, &err);
	ok(rc == SL_OK && r.status == 200,
		"503, a dropped connection and 500 are retried (%ld)", r.status);
	/* (The simulator's statuses miscount drops: count all calls.) */
	ok(stat_of("Jobs_Get", "503") == 1 && stat_of("Jobs_Get", "200") == 1 &&
		stat_of("Jobs_Get", NULL) == 4, "four attempts in all (%ld)",
		stat_of("Jobs_Get", NULL));
	aca_resp_free(&r);

	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"Jobs_Get\",\"status\":503}");
	t0 = now_s();
	rc = aca_arm(az, NULL, "GET", JOBS "az-retry" API, NULL, 0, &r, &err);
	dt = now_s() - t0;
	ok(rc == SL_OK && r.status == 503 && stat_of("Jobs_Get", NULL) == 6,
		"a lasting 503 gives up after 6 attempts (%ld, %ld, %.1f s)",
		r.status, stat_of("Jobs_Get", NULL), dt);
	if (rc == SL_OK)
		ok(aca_err_from_resp(&err, &r, "inspect job") == SL_EUNAVAIL,
			"and maps to SL_EUNAVAIL: %s", err.msg);
	aca_resp_free(&r);
}

static void t_no_retry(struct aca_azure *az)
{
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	int rc;

	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"Jobs_Start\",\"drop\":true,"
		"\"times\":1}");
	rc = aca_arm(az, NULL, "POST", JOBS "az-retry/start" API, NULL,
		ACA_ARM_NO_RETRY, &r, &err);
	ok(rc == SL_EUNAVAIL && strstr(err.msg, "unknown"),
		"POST start with a dropped answer: SL_EUNAVAIL, outcome "
		"unknown (%d: %s)", rc, err.msg);
	ok(stat_of("Jobs_Start", NULL) == 1, "POST start was sent exactly "
		"once (%ld)", stat_of("Jobs_Start", NULL));
	aca_resp_free(&r);

	/* A throttled start never ran: it is sent again. */
	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"Jobs_Start\",\"status\":429,"
		"\"retryAfter\":1,\"times\":1}");
	rc = aca_arm(az, NULL, "POST", JOBS "az-retry/start" API, NULL,
		ACA_ARM_NO_RETRY, &r, &err);
	ok(rc == SL_OK && r.status == 202 && stat_of("Jobs_Start", NULL) == 2,
		"a 429 start is sent again (%ld, %ld sent)", r.status,
		stat_of("Jobs_Start", NULL));
	aca_resp_free(&r);

	/* A 500 may have started it: no resend. */
	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"Jobs_Start\",\"status\":500,"
		"\"times\":1}");
	rc = aca_arm(az, NULL, "POST", JOBS "az-retry/start" API, NULL,
		ACA_ARM_NO_RETRY, &r, &err);
	ok(rc == SL_OK && r.status == 500 && stat_of("Jobs_Start", NULL) == 1,
		"a 500 start is not resent (%ld, %ld sent)", r.status,
		stat_of("Jobs_Start", NULL));
	aca_resp_free(&r);
}

static void t_conflict(struct aca_azure *az)
{
	struct aca_resp r = { 0 }, r2 = { 0 };
	struct aca_err err = { 0 };
	char *body = job_body();
	char code[128];
	int rc;

	/* The first write stays InProgress for 5 s: long enough for the
	 * second PUT to meet it even on a loaded machine. */
	admin_do("PUT", "/_sim/settings", "{\"lroDelayMs\":5000}");
	reset();
	rc = aca_arm(az, NULL, "PUT", JOBS "az-conflict" API, body, 0, &r,
		&err);
	ok(rc == SL_OK && r.status == 201, "PUT starts provisioning (%ld)",
		r.status);
	rc = aca_arm(az, NULL, "PUT", JOBS "az-conflict" API, body, 0, &r2,
		&err);
	aca_err_code(&r2, code, sizeof(code));
	ok(rc == SL_OK && r2.status == 409 &&
		strcmp(code, "ContainerAppsJobOperationInProgress") == 0,
		"a second PUT meanwhile is 409 %s", code);
	if (rc == SL_OK)
		ok(aca_err_from_resp(&err, &r2, "update job") == SL_ECONFLICT,
			"409 maps to SL_ECONFLICT: %s", err.msg);
	aca_resp_free(&r2);
	rc = aca_arm(az, NULL, "PUT", JOBS "az-conflict" API, body,
		ACA_ARM_WAIT_CONFLICT, &r2, &err);
	ok(rc == SL_OK && (r2.status == 200 || r2.status == 201) &&
		stat_of("Jobs_CreateOrUpdate", "409") >= 2,
		"with ACA_ARM_WAIT_CONFLICT the 409 is waited out (%ld; %ld "
		"conflicts)", r2.status, stat_of("Jobs_CreateOrUpdate", "409"));
	if (rc == SL_OK)
		aca_arm_lro_wait(az, NULL, &r2, 60, "update job", &err);
	admin_do("PUT", "/_sim/settings", "{\"lroDelayMs\":1000}");
	aca_resp_free(&r);
	aca_resp_free(&r2);
	free(body);
}

static void t_expired(struct aca_azure *az)
{
	struct aca_cred *cr = aca_azure_cred(az);
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	char *t = NULL;
	int rc;

	/* A 4 s token (renewed after 2 s), then an answer delayed past its
	 * expiry: the token the cache still trusts reaches ARM expired. */
	admin_do("PUT", "/_sim/settings", "{\"tokenLifetimeSeconds\":4}");
	rc = aca_cred_token(cr, NULL, ACA_SCOPE_ARM, 1, &t, &err);
	free(t);
	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"Jobs_Get\",\"latencyMs\":"
		"5000,\"times\":1}");
	rc = rc ? rc : aca_arm(az, NULL, "GET", JOBS "az-retry" API, NULL, 0,
		&r, &err);
	ok(rc == SL_OK && r.status == 200, "an expired token is refreshed and "
		"the call succeeds (%ld)", r.status);
	ok(stat_of("Jobs_Get", "401") == 1 && stat_of("Token", NULL) == 1,
		"one 401 ExpiredAuthenticationToken, one new token (%ld, %ld)",
		stat_of("Jobs_Get", "401"), stat_of("Token", NULL));
	aca_resp_free(&r);

	/* A 4 s token is fetched again after half its life, before it
	 * expires, without a refusal first. */
	{
		char *t1 = NULL, *t2 = NULL;
		double t0, dt = 0;

		admin_do("PUT", "/_sim/settings", "{\"tokenLifetimeSeconds\":4}");
		/* From before the fetch: the expiry counts from its start. */
		t0 = now_s();
		rc = aca_cred_token(cr, NULL, ACA_SCOPE_ARM, 1, &t1, &err);
		reset();
		while (rc == SL_OK && now_s() - t0 < 8) {
			free(t2);
			t2 = NULL;
			rc = aca_cred_token(cr, NULL, ACA_SCOPE_ARM, 0, &t2, &err);
			if (rc || strcmp(t1, t2) != 0)
				break;
			aca_sleep_ms(NULL, 50);
		}
		dt = now_s() - t0;
		/* (Expiry times are whole seconds: 2 s give or take one.) */
		ok(rc == SL_OK && t2 && strcmp(t1, t2) != 0 && dt >= 0.9 &&
			dt < 3.9 && stat_of("Token", NULL) == 1,
			"a token is renewed ahead of expiry (after %.1f s of 4, "
			"%ld fetch)", dt, stat_of("Token", NULL));
		free(t1);
		free(t2);
	}
	admin_do("PUT", "/_sim/settings", "{\"tokenLifetimeSeconds\":3599}");
	rc = aca_cred_token(cr, NULL, ACA_SCOPE_ARM, 1, &t, &err);
	free(t);
}

static void t_la(struct aca_azure *az)
{
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	struct json_object *o = NULL, *v;
	double end = now_s() + 30;
	int rc;

	/* Without workloads an execution fails at once and writes a system
	 * log row; wait (poll) until the table answers. */
	rc = aca_arm(az, NULL, "POST", JOBS "az-retry/start" API, NULL,
		ACA_ARM_NO_RETRY, &r, &err);
	aca_resp_free(&r);
	do {
		rc = aca_la_query(az, NULL, WS, "ContainerAppSystemLogs_CL | "
			"count", "PT1H", &r, &err);
		if (rc == SL_OK)
			break;
		aca_sleep_ms(NULL, 200);
	} while (now_s() < end);
	if (rc == SL_OK)
		o = json_tokener_parse(r.body ? r.body : "");
	ok(rc == SL_OK && r.status == 200 && o &&
		json_object_object_get_ex(o, "tables", &v),
		"a Log Analytics query answers (%d %s)", rc, rc ? err.msg : "");
	json_object_put(o);
	aca_resp_free(&r);

	rc = aca_la_query(az, NULL, WS, "NoSuchTable_CL | take 1", NULL, &r,
		&err);
	ok(rc == SL_EINVAL && strstr(err.msg, "NoSuchTable_CL") &&
		strstr(err.msg, "BadArgumentError"),
		"an unknown table is SL_EINVAL with the innermost message: %s",
		err.msg);

	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"LogAnalytics_Query\","
		"\"status\":429,\"retryAfter\":1,\"times\":1}");
	rc = aca_la_query(az, NULL, WS, "ContainerAppSystemLogs_CL | count",
		NULL, &r, &err);
	ok(rc == SL_OK && stat_of("LogAnalytics_Query", NULL) == 2,
		"a throttled query is retried");
	aca_resp_free(&r);
}

/* ---- cancellation ------------------------------------------------------ */

struct canceller {
	sl_call *call;
	atomic_int *stop;
	int use_matched;   /* wait until the fault rule matched */
};

static void *cancel_thread(void *arg)
{
	struct canceller *c = arg;
	double end = now_s() + 20;

	/* Cancel once the request is at the simulator, not after a guess. */
	while (now_s() < end && (c->use_matched ? fault_matched() < 1 :
		stat_of("Jobs_Get", NULL) < 1))
		aca_sleep_ms(NULL, 20);
	if (c->call)
		call_cancel(c->call);
	if (c->stop)
		atomic_store(c->stop, 1);
	return NULL;
}

struct sink_state {
	size_t bytes;
	int chunks;
	int stop_after;
};

static int on_chunk(void *arg, const char *buf, size_t n)
{
	struct sink_state *s = arg;

	(void)buf;
	s->bytes += n;
	s->chunks++;
	return s->stop_after && s->chunks >= s->stop_after;
}

static void t_stream(struct aca_azure *az)
{
	struct aca_cred *cr = aca_azure_cred(az);
	struct sink_state s = { 0 };
	struct aca_err err = { 0 };
	char url[512], *tok = NULL;
	long status = 0;
	int rc;

	snprintf(url, sizeof(url), "%s" ENV_ID API, sim);
	rc = aca_cred_token(cr, NULL, ACA_SCOPE_ARM, 0, &tok, &err);
	rc = rc ? rc : aca_http_stream(az, NULL, url, tok, on_chunk, &s,
		&status, &err);
	ok(rc == SL_OK && status == 200 && s.bytes > 0,
		"aca_http_stream delivers the body to on_data (%zu bytes in %d "
		"chunks)", s.bytes, s.chunks);
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	rc = aca_http_stream(az, NULL, url, tok, on_chunk, &s, &status, &err);
	ok(rc == SL_OK && s.chunks == 1, "on_data ends the stream");
	{
		/* A stream whose server says nothing ends on the stop flag. */
		atomic_int stop = 0;
		struct aca_cancel cx = { NULL, NULL, &stop };
		struct canceller c = { NULL, &stop, 1 };
		pthread_t th;
		double t0, dt;

		reset();
		admin_do("POST", "/_sim/faults", "{\"path\":\"/subscriptions/"
			"**/managedEnvironments/sockerless\",\"latencyMs\":20000,"
			"\"times\":1}");
		memset(&s, 0, sizeof(s));
		pthread_create(&th, NULL, cancel_thread, &c);
		t0 = now_s();
		rc = aca_http_stream(az, &cx, url, tok, on_chunk, &s, &status,
			&err);
		dt = now_s() - t0;
		pthread_join(th, NULL);
		ok(rc == SL_ECANCELED && dt < 5, "a quiet stream is cancelled "
			"promptly (%.2f s)", dt);
		admin_do("DELETE", "/_sim/faults", NULL);
	}
	memset(&s, 0, sizeof(s));
	rc = aca_http_stream(az, NULL, url, "not-a-token", on_chunk, &s,
		&status, &err);
	ok(rc == SL_EPERM && status == 401 && s.chunks == 0,
		"a refused bearer: status 401, SL_EPERM, nothing streamed (%s)",
		err.msg);
	free(tok);
}

static void t_cancel(struct aca_azure *az)
{
	struct sl_call call = { 0 };
	atomic_int stop = 0;
	struct aca_cancel cx = { &host, &call, NULL };
	struct aca_cancel cx2 = { NULL, NULL, &stop };
	struct canceller c = { &call, NULL, 0 };
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	pthread_t th;
	double t0, dt;
	int rc;

	call.efd = eventfd(0, EFD_CLOEXEC);
	/* A long Retry-After wait, ended by the call's cancellation. */
	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"Jobs_Get\",\"status\":429,"
		"\"retryAfter\":30,\"times\":1}");
	pthread_create(&th, NULL, cancel_thread, &c);
	t0 = now_s();
	rc = aca_arm(az, &cx, "GET", JOBS "az-retry" API, NULL, 0, &r, &err);
	dt = now_s() - t0;
	pthread_join(th, NULL);
	ok(rc == SL_ECANCELED && dt < 5 && stat_of("Jobs_Get", "429") == 1 &&
		stat_of("Jobs_Get", NULL) == 1, "a Retry-After wait of 30 s "
		"after a 429 ends when the call is cancelled (%.2f s)", dt);
	aca_resp_free(&r);

	/* A slow answer, ended by the stop flag during the transfer. */
	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"Jobs_Get\",\"latencyMs\":"
		"20000,\"times\":1}");
	c.call = NULL;
	c.stop = &stop;
	c.use_matched = 1;
	pthread_create(&th, NULL, cancel_thread, &c);
	t0 = now_s();
	rc = aca_arm(az, &cx2, "GET", JOBS "az-retry" API, NULL, 0, &r, &err);
	dt = now_s() - t0;
	pthread_join(th, NULL);
	ok(rc == SL_ECANCELED && dt < 5, "a transfer waiting 20 s for its "
		"answer ends on the stop flag (%.2f s)", dt);
	aca_resp_free(&r);

	atomic_store(&stop, 0);
	call_cancel(&call);
	t0 = now_s();
	ok(aca_sleep_ms(&cx, 10000) != 0 && now_s() - t0 < 1,
		"aca_sleep_ms returns at once for a cancelled call");
	close(call.efd);
	admin_do("DELETE", "/_sim/faults", NULL);
}

/* ---- a canned status resource ----------------------------------------- */

/* The simulator's operations always succeed; a Failed or Canceled
 * status resource comes from this one-answer server instead. */
struct canned {
	int fd;
	const char *answer;
	int served;
};

static void *canned_main(void *arg)
{
	struct canned *c = arg;
	char req[4096], resp[1024];
	int cfd = accept(c->fd, NULL, NULL);
	ssize_t n;

	if (cfd < 0)
		return NULL;
	n = read(cfd, req, sizeof(req));   /* a GET fits one read */
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Type: "
		"application/json\r\nContent-Length: %zu\r\nConnection: "
		"close\r\n\r\n%s", strlen(c->answer), c->answer);
	if (n > 0 && write(cfd, resp, strlen(resp)) > 0)
		c->served = 1;
	close(cfd);
	return NULL;
}

static int canned_start(struct canned *c, const char *answer, char *url,
	size_t len, pthread_t *th)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->answer = answer;
	c->served = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(c->fd, 1) != 0 ||
	    getsockname(c->fd, (struct sockaddr *)&a, &al) != 0)
		return -1;
	snprintf(url, len, "http://127.0.0.1:%u/operationStatuses/1",
		ntohs(a.sin_port));
	return pthread_create(th, NULL, canned_main, c);
}

static void t_lro_failed(void)
{
	static const struct {
		const char *answer;
		int status;
		const char *want;
	} cases[] = {
		{ "{\"status\":\"Failed\",\"error\":{\"code\":"
		  "\"ContainerAppInvalidImage\",\"message\":\"The image is "
		  "invalid.\"}}", SL_EINTERNAL, "The image is invalid. "
		  "(ContainerAppInvalidImage)" },
		{ "{\"status\":\"Canceled\"}", SL_ECONFLICT, "Canceled" },
		{ "{\"status\":\"Failed\",\"error\":{\"code\":"
		  "\"ManagedEnvironmentCoreQuotaExceeded\",\"message\":\"q\"}}",
		  SL_EINTERNAL, "QuotaExceeded" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct aca_resp first = { 0 };
		struct aca_err err = { 0 };
		struct aca_config cfg;
		struct aca_azure *az;
		struct canned c;
		pthread_t th;
		char url[128], origin[128];
		int rc = SL_EINTERNAL;

		if (canned_start(&c, cases[i].answer, url, sizeof(url), &th)) {
			ok(0, "canned server");
			continue;
		}
		/* The status URL is on "ARM"'s host, as in Azure. */
		aca_http_origin(url, origin, sizeof(origin));
		cfg_secret(&cfg, SECRET);
		cfg.arm_url = origin;
		az = client(&cfg);
		first.status = 201;
		first.async_url = url;
		first.retry_after_s = 0;
		if (az)
			rc = aca_arm_lro_wait(az, NULL, &first, 10,
				"create job f", &err);
		else
			shutdown(c.fd, SHUT_RDWR);
		pthread_join(th, NULL);
		close(c.fd);
		aca_azure_free(az);
		ok(c.served && rc == cases[i].status && strstr(err.msg,
			cases[i].want) && strstr(err.msg, "create job f"),
			"an operation that ends %s: %d %s", i == 1 ? "Canceled" :
			"Failed", rc, err.msg);
	}
}

/* ---- connections and threads ----------------------------------------- */

/* Ends of TCP connections with the simulator's port, either side, in a
 * state (/proc/net/tcp: 01 ESTABLISHED, 06 TIME_WAIT). */
static int tcp_count(const char *state)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	const char *p = strrchr(sim, ':');
	unsigned port = p ? (unsigned)atoi(p + 1) : 0;
	char line[512], loc[64], rem[64], st[8];
	unsigned lport, rport;
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %63s %63s %7s", loc, rem, st) != 3 ||
		    strcmp(st, state) != 0 || !strchr(loc, ':') ||
		    !strchr(rem, ':') ||
		    sscanf(strchr(loc, ':') + 1, "%x", &lport) != 1 ||
		    sscanf(strchr(rem, ':') + 1, "%x", &rport) != 1)
			continue;
		if (lport == port || rport == port)
			n++;
	}
	fclose(f);
	return n;
}

struct worker {
	struct aca_azure *az;
	int good;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 5; i++) {
		struct aca_resp r = { 0 };
		struct aca_err err = { 0 };

		if (aca_arm(w->az, NULL, "GET", ENV_ID API, NULL, 0, &r, &err) ==
			SL_OK && r.status == 200)
			w->good++;
		aca_resp_free(&r);
	}
	return NULL;
}

static void t_reuse_threads(void)
{
	struct aca_config cfg;
	struct aca_azure *az;
	struct worker w[8];
	pthread_t th[8];
	int est, tw0, tw1, good = 0;

	cfg_secret(&cfg, SECRET);
	az = client(&cfg);
	if (!az)
		return;
	/* Eight threads at once on an empty cache: one token fetch. */
	reset();
	for (int i = 0; i < 8; i++) {
		w[i].az = az;
		w[i].good = 0;
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		good += w[i].good;
	}
	ok(good == 40, "8 threads x 5 ARM calls at once all answer (%d)",
		good);
	ok(stat_of("Token", NULL) == 1, "and share one token fetch (%ld)",
		stat_of("Token", NULL));

	/* Sequential calls reuse the pooled connections: no new socket is
	 * opened and closed per call.  (No admin call in between: those
	 * open their own.) */
	tw0 = tcp_count("06");
	for (int i = 0; i < 20; i++) {
		struct worker one = { az, 0 };

		worker_main(&one);
	}
	tw1 = tcp_count("06");
	est = tcp_count("01");
	ok(tw0 >= 0 && tw1 - tw0 <= 2 && est <= 20,
		"100 sequential calls reuse connections (%d closed, %d open)",
		tw1 - tw0, est);
	aca_azure_free(az);
}

static void t_timeout(void)
{
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	struct aca_config cfg;
	struct aca_azure *az;
	double t0, dt;
	int rc;

	/* One call may take http_timeout_s: a slower answer is abandoned
	 * and the call sent again. */
	cfg_secret(&cfg, SECRET);
	cfg.http_timeout_s = 1;
	az = client(&cfg);
	if (!az)
		return;
	if (put_job(az, "az-timeout") != SL_OK)
		diag("setup failed");
	reset();
	admin_do("POST", "/_sim/faults", "{\"op\":\"Jobs_Get\",\"latencyMs\":"
		"3000,\"times\":1}");
	t0 = now_s();
	rc = aca_arm(az, NULL, "GET", JOBS "az-timeout" API, NULL, 0, &r, &err);
	dt = now_s() - t0;
	ok(rc == SL_OK && r.status == 200 && dt >= 0.9 && dt < 3,
		"a call slower than http_timeout is given up and retried "
		"(%.1f s)", dt);
	aca_resp_free(&r);
	aca_azure_free(az);
}

static void t_unsent(void)
{
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	struct aca_config cfg;
	struct aca_azure *az;
	int rc;

	/* Nothing listens on port 9 of loopback: refused before sending,
	 * so even a NO_RETRY request may be tried again. */
	cfg_secret(&cfg, SECRET);
	cfg.arm_url = "http://127.0.0.1:9";
	az = client(&cfg);
	if (!az)
		return;
	rc = aca_arm(az, NULL, "POST", JOBS "j/start" API, NULL,
		ACA_ARM_NO_RETRY, &r, &err);
	ok(rc == SL_EUNAVAIL && strstr(err.msg, "cannot reach") &&
		!strstr(err.msg, "unknown"), "a refused connection is not an "
		"unknown outcome: %s", err.msg);
	aca_azure_free(az);

	ok(aca_http_retry_after("7") == 7 && aca_http_retry_after(" 0") == 0 &&
		aca_http_retry_after("soon") == -1 &&
		aca_http_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0,
		"Retry-After: seconds, a past date, garbage");
	{
		char date[64];
		time_t t = time(NULL) + 30;
		struct tm tm;
		int v;

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		v = aca_http_retry_after(date);
		ok(v >= 28 && v <= 30, "Retry-After as an HTTP date (%s: %d)",
			date, v);
	}
}

/* ---- other credential sources ------------------------------------------ */

static void t_managed_identity(void)
{
	struct aca_config cfg;
	struct aca_azure *az;
	char ep[512];

	cfg_base(&cfg);
	snprintf(ep, sizeof(ep), "%s/msi/token", sim);
	cfg.identity_endpoint = ep;
	cfg.identity_header = MI_HEADER;
	cfg.imds_url = (char *)sim;
	az = client(&cfg);
	ok(az && strcmp(aca_cred_source(aca_azure_cred(az)),
		"managed identity (IDENTITY_ENDPOINT)") == 0,
		"IDENTITY_ENDPOINT + IDENTITY_HEADER is chosen first");
	if (az)
		get_env_ok(az, "managed identity (IDENTITY_ENDPOINT)");
	aca_azure_free(az);

	cfg_base(&cfg);
	cfg.imds_url = (char *)sim;
	az = client(&cfg);
	ok(az && strcmp(aca_cred_source(aca_azure_cred(az)),
		"managed identity (IMDS)") == 0, "then IMDS");
	if (az)
		get_env_ok(az, "managed identity (IMDS)");
	aca_azure_free(az);
}

static char *b64url_decode(const char *s, size_t n, size_t *out_len)
{
	char *t = malloc(n + 4), *o = malloc(n + 4);
	size_t i;
	int len;

	for (i = 0; i < n; i++)
		t[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (i % 4)
		t[i++] = '=';
	len = EVP_DecodeBlock((unsigned char *)o, (unsigned char *)t, (int)i);
	free(t);
	if (len < 0) {
		free(o);
		return NULL;
	}
	/* Without its padding the text decodes to n * 3 / 4 bytes. */
	len = (int)(n * 3 / 4);
	o[len] = '\0';
	*out_len = (size_t)len;
	return o;
}

/* Writes a fresh RSA key and a self-signed certificate into one PEM. */
static int make_cert(const char *path, X509 **cert_out)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	FILE *f = fopen(path, "w");
	int rc = -1;

	if (!k || !x || !f)
		goto out;
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
		(const unsigned char *)"sockerless-test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (!X509_sign(x, k, EVP_sha256()))
		goto out;
	/* The certificate first: the key need not come first. */
	if (!PEM_write_X509(f, x) ||
	    !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL))
		goto out;
	*cert_out = x;
	x = NULL;
	rc = 0;
out:
	if (f)
		fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

static void t_cert(void)
{
	struct aca_err err = { 0 };
	struct aca_config cfg;
	struct aca_azure *az;
	struct json_object *h = NULL, *c = NULL;
	char pem[300], url[512], *jwt = NULL, *hj = NULL, *cj = NULL, *sig = NULL;
	char *x5t_want = NULL;
	unsigned char thumb[20];
	unsigned int tl = 0;
	size_t hl = 0, cl = 0, sl = 0;
	const char *d1, *d2;
	X509 *x = NULL;
	EVP_MD_CTX *md = NULL;
	long long before, after;
	int verified = 0;

	snprintf(pem, sizeof(pem), "%s/client.pem", tmpdir);
	snprintf(url, sizeof(url), "%s/%s/oauth2/v2.0/token", sim, TENANT);
	if (make_cert(pem, &x) != 0) {
		ok(0, "test certificate made");
		return;
	}
	/* The clock is read around the call alone: making the key above may
	 * take seconds on a loaded machine. */
	before = time(NULL);
	ok(aca_cred_cert_assertion(pem, "cert-client", url, &jwt, &err) ==
		SL_OK && jwt, "a client assertion is built %s", err.msg);
	after = time(NULL);
	if (!jwt)
		goto out;
	d1 = strchr(jwt, '.');
	d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d1 || !d2) {
		ok(0, "the assertion has three parts");
		goto out;
	}
	hj = b64url_decode(jwt, (size_t)(d1 - jwt), &hl);
	cj = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &cl);
	sig = b64url_decode(d2 + 1, strlen(d2 + 1), &sl);
	h = hj ? json_tokener_parse(hj) : NULL;
	c = cj ? json_tokener_parse(cj) : NULL;
	X509_digest(x, EVP_sha1(), thumb, &tl);
	{
		/* The expected x5t: base64url of the thumbprint. */
		unsigned char b64[64];
		int n = EVP_EncodeBlock(b64, thumb, (int)tl);

		while (n > 0 && b64[n - 1] == '=')
			n--;
		b64[n] = '\0';
		for (int i = 0; i < n; i++)
			b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
		x5t_want = strdup((char *)b64);
	}
	ok(h && jget(h, "alg", NULL) && strcmp(jget(h, "alg", NULL), "RS256")
		== 0 && jget(h, "x5t", NULL) && strcmp(jget(h, "x5t", NULL),
		x5t_want) == 0, "header: alg RS256, x5t = the SHA-1 thumbprint");
	ok(c && jget(c, "aud", NULL) && strcmp(jget(c, "aud", NULL), url) == 0
		&& strcmp(jget(c, "iss", NULL), "cert-client") == 0 &&
		strcmp(jget(c, "sub", NULL), "cert-client") == 0 &&
		jget(c, "jti", NULL) && strlen(jget(c, "jti", NULL)) == 36,
		"claims: aud = the token endpoint, iss = sub = client id, jti");
	{
		struct json_object *e;
		long long exp = json_object_object_get_ex(c, "exp", &e) ?
			json_object_get_int64(e) : 0;

		ok(exp > before && exp <= after + 600, "exp within 10 minutes");
	}
	md = EVP_MD_CTX_new();
	if (md && sig && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
		X509_get0_pubkey(x)) == 1)
		verified = EVP_DigestVerify(md, (unsigned char *)sig, sl,
			(const unsigned char *)jwt, (size_t)(d2 - jwt)) == 1;
	ok(verified, "the signature verifies with the certificate's key");

	cfg_base(&cfg);
	cfg.tenant_id = TENANT;
	cfg.client_id = "cert-client";
	cfg.client_cert_path = pem;
	az = client(&cfg);
	ok(az && strcmp(aca_cred_source(aca_azure_cred(az)),
		"client certificate") == 0, "the certificate source is chosen");
	if (az)
		get_env_ok(az, "client certificate");
	aca_azure_free(az);

	cfg.client_cert_path = "/nonexistent/client.pem";
	az = client(&cfg);
	ok(!az, "a missing certificate file is refused at creation");
out:
	EVP_MD_CTX_free(md);
	json_object_put(h);
	json_object_put(c);
	free(hj);
	free(cj);
	free(sig);
	free(jwt);
	free(x5t_want);
	X509_free(x);
}

static void write_fed(const char *path, const char *aud)
{
	char claims[256], *hb, *cb;
	FILE *f = fopen(path, "w");
	unsigned char tmp[512];
	int n;

	snprintf(claims, sizeof(claims), "{\"iss\":\"https://oidc.example\","
		"\"sub\":\"system:serviceaccount:ns:sa\",\"aud\":\"%s\","
		"\"exp\":%lld}", aud, (long long)time(NULL) + 3600);
	n = EVP_EncodeBlock(tmp, (const unsigned char *)"{\"alg\":\"RS256\","
		"\"typ\":\"JWT\"}", 27);
	hb = strndup((char *)tmp, (size_t)n);
	n = EVP_EncodeBlock(tmp, (const unsigned char *)claims,
		(int)strlen(claims));
	cb = strndup((char *)tmp, (size_t)n);
	for (char *p = hb; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p == '=' ? 0 : *p;
	for (char *p = cb; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p == '=' ? 0 : *p;
	fprintf(f, "%s.%s.c2ln\n", hb, cb);
	fclose(f);
	free(hb);
	free(cb);
}

static void t_workload(void)
{
	struct aca_err err = { 0 };
	struct aca_config cfg;
	struct aca_azure *az;
	char path[300], *t = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/federated-token", tmpdir);
	write_fed(path, "api://AzureADTokenExchange");
	cfg_base(&cfg);
	cfg.tenant_id = TENANT;
	cfg.client_id = "wi-client";
	cfg.federated_token_file = path;
	az = client(&cfg);
	ok(az && strcmp(aca_cred_source(aca_azure_cred(az)),
		"workload identity") == 0, "workload identity is chosen");
	if (!az)
		return;
	get_env_ok(az, "workload identity");
	/* The file rotates: a forced fetch reads it again. */
	write_fed(path, "api://wrong-audience");
	rc = aca_cred_token(aca_azure_cred(az), NULL, ACA_SCOPE_ARM, 1, &t,
		&err);
	ok(rc == SL_EPERM && strstr(err.msg, "workload identity") &&
		strstr(err.msg, "AADSTS700212") && strstr(err.msg, "wi-client"),
		"the token file is read again on each fetch: %s", err.msg);
	free(t);
	aca_azure_free(az);
}

static void t_cli(void)
{
	struct aca_err err = { 0 };
	struct aca_config cfg;
	struct aca_azure *az;
	char dir[300], path[400], newpath[4096];
	const char *old = getenv("PATH");
	FILE *f;

	/* A stand-in `az` on PATH (the test may setenv; the plugin may not). */
	snprintf(dir, sizeof(dir), "%s/bin", tmpdir);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/az", dir);
	f = fopen(path, "w");
	fprintf(f, "#!/bin/sh\n"
		"[ \"$1 $2 $3 $4\" = \"account get-access-token --scope "
		"https://management.azure.com/.default\" ] || "
		"{ echo \"ERROR: unexpected arguments: $*\" >&2; exit 2; }\n"
		"tok=$(curl -s -X POST --data-urlencode grant_type="
		"client_credentials --data-urlencode client_id=test-client "
		"--data-urlencode client_secret=" SECRET " --data-urlencode "
		"scope=$4 %s/" TENANT "/oauth2/v2.0/token | "
		"sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n"
		"printf '{\"accessToken\":\"%%s\",\"expiresOn\":\"2099-01-01 "
		"00:00:00.000000\",\"expires_on\":%%s,\"tokenType\":\"Bearer\"}\\n' "
		"\"$tok\" $(($(date +%%s) + 3000))\n", sim);
	fclose(f);
	chmod(path, 0755);
	snprintf(newpath, sizeof(newpath), "%s:%s", dir, old ? old : "/usr/bin:/bin");
	setenv("PATH", newpath, 1);

	cfg_base(&cfg);
	cfg.use_cli = 1;
	az = client(&cfg);
	ok(az && strcmp(aca_cred_source(aca_azure_cred(az)), "Azure CLI") == 0,
		"with nothing else configured, the Azure CLI");
	if (az)
		get_env_ok(az, "Azure CLI");
	aca_azure_free(az);

	/* No IMDS answering (nothing on port 9): on to the CLI, as
	 * DefaultAzureCredential does. */
	cfg.imds_url = "http://127.0.0.1:9";
	az = client(&cfg);
	if (az) {
		get_env_ok(az, "IMDS unreachable, then the Azure CLI");
		ok(strcmp(aca_cred_source(aca_azure_cred(az)), "Azure CLI") == 0,
			"the source now says Azure CLI");
	}
	aca_azure_free(az);

	/* IMDS answers 400 (no identity assigned): on to the CLI too. */
	reset();
	admin_do("POST", "/_sim/faults", "{\"path\":\"/metadata/**\","
		"\"status\":400}");
	cfg.imds_url = (char *)sim;
	az = client(&cfg);
	if (az) {
		get_env_ok(az, "IMDS without an identity, then the Azure CLI");
		ok(strcmp(aca_cred_source(aca_azure_cred(az)), "Azure CLI") == 0
			&& fault_matched() == 1, "after one IMDS request");
	}
	aca_azure_free(az);
	admin_do("DELETE", "/_sim/faults", NULL);
	cfg.imds_url = NULL;

	/* A failing az: its first stderr line names why. */
	f = fopen(path, "w");
	fprintf(f, "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup "
		"account.\" >&2\nexit 1\n");
	fclose(f);
	az = client(&cfg);
	if (az) {
		char *t = NULL;
		int rc = aca_cred_token(aca_azure_cred(az), NULL, ACA_SCOPE_ARM,
			0, &t, &err);

		ok(rc == SL_EPERM && strstr(err.msg, "az login") &&
			strstr(err.msg, "Azure CLI"), "a failing az: %s",
			err.msg);
		free(t);
	}
	aca_azure_free(az);
	setenv("PATH", old ? old : "/usr/bin:/bin", 1);
}

static void t_wrong_credentials(void)
{
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	struct aca_config cfg;
	struct aca_azure *az;
	int rc;

	cfg_secret(&cfg, "wrong-secret-XYZZY");
	az = client(&cfg);
	if (!az) {
		ok(0, "client made");
		return;
	}
	rc = aca_arm(az, NULL, "GET", ENV_ID API, NULL, 0, &r, &err);
	ok(rc == SL_EPERM && strstr(err.msg, "client secret") &&
		strstr(err.msg, "test-client") && strstr(err.msg, "AADSTS7000215")
		&& !strstr(err.msg, "XYZZY") && !strstr(err.msg, "Trace ID"),
		"a wrong secret: SL_EPERM naming the source and client, "
		"without the secret: %s", err.msg);
	aca_azure_free(az);

	cfg_base(&cfg);
	cfg.client_id = "test-client";
	cfg.client_secret = "s";
	rc = aca_azure_new(&cfg, &host, &az, &err);
	ok(rc == SL_EINVAL && strstr(err.msg, "AZURE_TENANT_ID"),
		"a secret without a tenant is refused: %s", err.msg);

	cfg_base(&cfg);
	rc = aca_azure_new(&cfg, &host, &az, &err);
	ok(rc == SL_EINVAL && strstr(err.msg, "AZURE_CLIENT_ID"),
		"no source at all is refused: %s", err.msg);
}

int main(int argc, char **argv)
{
	struct aca_config cfg;
	struct aca_azure *az;

	if (argc < 2) {
		printf("1..0 # SKIP no simulator URL\n");
		return 0;
	}
	sim = argv[1];
	snprintf(tmpdir, sizeof(tmpdir), "%s/aca-sim-azure.XXXXXX",
		getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	cfg_secret(&cfg, SECRET);
	az = client(&cfg);
	if (!az) {
		printf("Bail out! no client\n");
		return 1;
	}
	t_token_cache(az);
	get_env_ok(az, "client secret");
	t_lro(az);
	t_lro_failed();
	t_retries(az);
	t_no_retry(az);
	t_conflict(az);
	t_expired(az);
	t_la(az);
	t_stream(az);
	t_cancel(az);
	aca_azure_free(az);
	t_reuse_threads();
	t_timeout();
	t_unsent();
	t_managed_identity();
	t_cert();
	t_workload();
	t_cli();
	t_wrong_credentials();

	ok(!strstr(logbuf, SECRET) && !strstr(logbuf, "XYZZY") &&
		!strstr(logbuf, "eyJ") && !strstr(logbuf, MI_HEADER),
		"no secret, identity header or token in %zu bytes of logs",
		loglen);
	printf("1..%d\n", ntest);
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
	}
	curl_global_cleanup();
	return nfail ? 1 : 0;
}
