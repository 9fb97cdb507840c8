/*
 * azure.c - the client for ARM, Log Analytics and the replica log
 * stream: tokens, retries, long-running operations, cancellation.
 *
 * Retry rules (Azure's guidance for ARM): 408, 429, 5xx and connection
 * failures are retried with jittered exponential backoff, waiting at
 * least what Retry-After asks, within ATTEMPTS_MAX tries and BUDGET_MS in
 * all.  A request flagged ACA_ARM_NO_RETRY is sent again only when Azure
 * certainly did not act on it: no connection was made, or the answer was
 * a refusal (401 token, 429 throttling) that ARM gives before the
 * resource provider sees the request.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "aca.h"

#define ATTEMPTS_MAX 6
#define BUDGET_MS 120000L
#define BACKOFF_BASE_MS 500L
#define BACKOFF_CAP_MS 16000L
#define CONFLICT_MAX 120       /* 409 OperationInProgress waits */
#define CONFLICT_CAP_MS 5000L
#define CONFLICT_BUDGET_MS 600000L
#define LRO_DEFAULT_S 1
#define SLEEP_SLICE_MS 50

struct aca_azure {
	const struct sl_host_v1 *host;
	struct aca_cred *cred;
	struct aca_http *http;
	char *arm_url;
	char *la_url;
	int timeout_s;
};

/* ---- cancellation ------------------------------------------------- */

int aca_cancelled(const struct aca_cancel *cx)
{
	if (!cx)
		return 0;
	if (cx->stop && atomic_load(cx->stop))
		return 1;
	if (cx->host && cx->call && cx->host->cancelled &&
	    cx->host->cancelled(cx->call))
		return 1;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int aca_sleep_ms(const struct aca_cancel *cx, long ms)
{
	long long end = now_ms() + (ms > 0 ? ms : 0);
	int fd = -1;

	if (cx && cx->host && cx->call && cx->host->cancel_fd)
		fd = cx->host->cancel_fd(cx->call);
	for (;;) {
		long long left = end - now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int slice;

		if (aca_cancelled(cx))
			return 1;
		if (left <= 0)
			return 0;
		/* The stop flag has no fd: look at it every slice. */
		slice = left < SLEEP_SLICE_MS ? (int)left : SLEEP_SLICE_MS;
		poll(fd >= 0 ? &p : NULL, fd >= 0 ? 1 : 0, slice);
	}
}

/* ---- the client ------------------------------------------------------ */

static void az_log(const struct aca_azure *az, int level, const char *fmt,
	...) SL_PRINTF(3, 4);
static void az_log(const struct aca_azure *az, int level, const char *fmt,
	...)
{
	va_list ap;

	if (!az->host || !az->host->logv)
		return;
	va_start(ap, fmt);
	az->host->logv(az->host->hctx, level, fmt, ap);
	va_end(ap);
}

static char *dup_trim(const char *s, const char *dflt)
{
	char *d;
	size_t n;

	if (!s || !*s)
		s = dflt;
	d = strdup(s);
	if (!d)
		return NULL;
	n = strlen(d);
	while (n > 0 && d[n - 1] == '/')
		d[--n] = '\0';
	return d;
}

int aca_azure_new(const struct aca_config *cfg, const struct sl_host_v1 *host,
	struct aca_azure **out, struct aca_err *err)
{
	struct aca_azure *az;
	int rc;

	*out = NULL;
	az = calloc(1, sizeof(*az));
	if (!az)
		return aca_err_set(err, SL_ENOMEM, "out of memory");
	az->host = host;
	az->timeout_s = cfg->http_timeout_s > 0 ? cfg->http_timeout_s : 60;
	az->arm_url = dup_trim(cfg->arm_url, "https://management.azure.com");
	az->la_url = dup_trim(cfg->la_url, "https://api.loganalytics.io");
	if (!az->arm_url || !az->la_url) {
		rc = aca_err_set(err, SL_ENOMEM, "out of memory");
		goto fail;
	}
	rc = aca_http_new(&az->http, err);
	if (rc)
		goto fail;
	rc = aca_cred_new(cfg, host, &az->cred, err);
	if (rc)
		goto fail;
	*out = az;
	return SL_OK;
fail:
	aca_azure_free(az);
	return rc;
}

void aca_azure_free(struct aca_azure *az)
{
	if (!az)
		return;
	aca_cred_free(az->cred);
	aca_http_free(az->http);
	free(az->arm_url);
	free(az->la_url);
	free(az);
}

struct aca_cred *aca_azure_cred(struct aca_azure *az)
{
	return az->cred;
}

/* ---- retries --------------------------------------------------------- */

static long rand_below(long n)
{
	unsigned int r = 0;

	if (n <= 0)
		return 0;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)rand();
	return (long)(r % (unsigned long)n);
}

/* Full jitter over [d/2, d): concurrent clients that failed together do
 * not come back together. */
static long backoff_ms(int attempt)
{
	long d = BACKOFF_BASE_MS;

	for (int i = 1; i < attempt && d < BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > BACKOFF_CAP_MS)
		d = BACKOFF_CAP_MS;
	return d / 2 + rand_below(d / 2);
}

/* 1, 2, 4, then 5 s between looks at a resource another write holds
 * (provisioning takes seconds to minutes), with jitter. */
static long conflict_wait_ms(int n)
{
	long d = 1000L << (n < 3 ? n - 1 : 3);

	if (d > CONFLICT_CAP_MS)
		d = CONFLICT_CAP_MS;
	return d + rand_below(d / 4);
}

static int retryable_status(long st)
{
	return st == 408 || st == 429 || (st >= 500 && st <= 599);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* What a call needs besides the request. */
struct call {
	const char *scope;    /* token scope */
	const char *what;     /* "GET /subscriptions/..." for messages */
	int flags;
	int timeout_s;
};

/*
 * Sends until a final answer: the retry loop shared by ARM and Log
 * Analytics.  SL_OK with *resp for any final HTTP answer.
 */
static int send_retrying(struct aca_azure *az, const struct aca_cancel *cx,
	const struct call *c, const char *method, const char *url,
	const char *body, struct aca_resp *resp, struct aca_err *err)
{
	char auth[64 + 8192], crid[37], crid_h[64], code[128];
	const char *hdrs[6];
	struct aca_http_req rq = { 0 };
	long long start = now_ms(), budget = BUDGET_MS;
	int attempt = 0, conflicts = 0, refreshed = 0, force = 0;
	int rc = SL_OK, n, unsent;
	char *token = NULL;
	long wait;

	aca_http_uuid(crid);
	snprintf(crid_h, sizeof(crid_h), "x-ms-client-request-id: %s", crid);
	memset(resp, 0, sizeof(*resp));
	resp->retry_after_s = -1;
	for (;;) {
		attempt++;
		rc = aca_cred_token(az->cred, cx, c->scope, force, &token, err);
		if (rc)
			goto out;
		n = snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			token);
		OPENSSL_cleanse(token, strlen(token));
		free(token);
		token = NULL;
		if (n < 0 || (size_t)n >= sizeof(auth)) {
			rc = aca_err_set(err, SL_EINTERNAL, "%s: the access token "
				"is too long", c->what);
			goto out;
		}
		force = 0;
		n = 0;
		hdrs[n++] = auth;
		hdrs[n++] = crid_h;
		hdrs[n++] = "Accept: application/json";
		if (body)
			hdrs[n++] = "Content-Type: application/json";
		hdrs[n] = NULL;
		rq.method = method;
		rq.url = url;
		rq.headers = hdrs;
		rq.body = body;
		rq.body_len = body ? strlen(body) : 0;
		rq.timeout_s = c->timeout_s;
		rq.fresh = (c->flags & ACA_ARM_NO_RETRY) != 0;
		aca_resp_free(resp);
		rc = aca_http_do(az->http, cx, &rq, resp, &unsent, err);
		OPENSSL_cleanse(auth, sizeof(auth));
		if (rc == SL_ECANCELED) {
			if ((c->flags & ACA_ARM_NO_RETRY) && !unsent)
				rc = aca_err_set(err, SL_ECANCELED, "%s: cancelled "
					"after the request was sent; the outcome "
					"is unknown", c->what);
			goto out;
		}
		if (rc != SL_OK) {
			/* No answer. */
			if ((c->flags & ACA_ARM_NO_RETRY) && !unsent) {
				char why[256];

				snprintf(why, sizeof(why), "%.*s",
					(int)sizeof(why) - 1, err->msg);
				rc = aca_err_set(err, SL_EUNAVAIL, "%s: the "
					"answer was lost (%s); the outcome is "
					"unknown", c->what, why);
				goto out;
			}
			if (rc != SL_EUNAVAIL || attempt >= ATTEMPTS_MAX)
				goto out;
			wait = backoff_ms(attempt);
			az_log(az, SL_LOG_DEBUG, "%s: %s; retrying in %ld ms",
				c->what, err->msg, wait);
			goto again;
		}
		az_log(az, SL_LOG_DEBUG, "%s -> %ld (x-ms-request-id %s)",
			c->what, resp->status,
			resp->request_id ? resp->request_id : "-");
		if (resp->status == 401 && !refreshed) {
			/* ExpiredAuthenticationToken, InvalidAuthenticationToken
			 * (ARM) or AuthorizationRequiredError (Log Analytics):
			 * the token was refused before anything ran, so one
			 * fresh token is worth a second try. */
			refreshed = 1;
			force = 1;
			attempt--;
			az_log(az, SL_LOG_INFO, "%s: token refused; fetching a "
				"new one", c->what);
			continue;
		}
		if (resp->status == 409 && (c->flags & ACA_ARM_WAIT_CONFLICT)) {
			aca_err_code(resp, code, sizeof(code));
			if (ends_with(code, "OperationInProgress") &&
			    conflicts < CONFLICT_MAX) {
				/* An earlier write of the resource is still
				 * provisioning; it ends by itself. */
				conflicts++;
				attempt--;
				budget = CONFLICT_BUDGET_MS;
				wait = resp->retry_after_s > 0 ?
					resp->retry_after_s * 1000L :
					conflict_wait_ms(conflicts);
				goto again;
			}
		}
		if (!retryable_status(resp->status) || attempt >= ATTEMPTS_MAX)
			goto out;
		if ((c->flags & ACA_ARM_NO_RETRY) && resp->status != 429)
			goto out;
		wait = backoff_ms(attempt);
		if (resp->retry_after_s >= 0 &&
		    resp->retry_after_s * 1000L > wait)
			wait = resp->retry_after_s * 1000L;
again:
		if (now_ms() + wait - start > budget) {
			/* Waiting would go past the budget: the last answer
			 * (or error) stands. */
			goto out;
		}
		if (aca_sleep_ms(cx, wait)) {
			aca_resp_free(resp);
			rc = aca_err_set(err, SL_ECANCELED, "%s: cancelled",
				c->what);
			goto out;
		}
	}
out:
	if (rc != SL_OK)
		aca_resp_free(resp);
	return rc;
}

/* "/subscriptions/..." or an absolute URL into a malloc'd URL. */
static char *arm_url(const struct aca_azure *az, const char *url)
{
	char *u;
	size_t n;

	if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
		return strdup(url);
	n = strlen(az->arm_url) + strlen(url) + 2;
	u = malloc(n);
	if (u)
		snprintf(u, n, "%s%s%s", az->arm_url, url[0] == '/' ? "" : "/",
			url);
	return u;
}

/* "METHOD path" without the query, for messages and logs. */
static void describe(char *out, size_t len, const char *method,
	const char *url)
{
	const char *p = url;

	if (strncmp(p, "http", 4) == 0 && (p = strstr(p, "://")) != NULL)
		p = strchr(p + 3, '/');
	if (!p)
		p = url;
	snprintf(out, len, "%s %.*s", method, (int)strcspn(p, "?"), p);
}

int aca_arm(struct aca_azure *az, const struct aca_cancel *cx,
	const char *method, const char *url, const char *body, int flags,
	struct aca_resp *resp, struct aca_err *err)
{
	struct call c = { 0 };
	char what[512];
	char *u;
	int rc;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after_s = -1;
	describe(what, sizeof(what), method, url);
	if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0) {
		char a[256], b[256];

		/* A Location or nextLink naming another host must not get
		 * the ARM token. */
		aca_http_origin(url, a, sizeof(a));
		aca_http_origin(az->arm_url, b, sizeof(b));
		if (strcasecmp(a, b) != 0)
			return aca_err_set(err, SL_EINTERNAL, "%s: Azure pointed "
				"to %s, not to the ARM endpoint %s; not sending "
				"the token there", what, a, b);
	}
	u = arm_url(az, url);
	if (!u)
		return aca_err_set(err, SL_ENOMEM, "out of memory");
	c.scope = ACA_SCOPE_ARM;
	c.what = what;
	c.flags = flags;
	c.timeout_s = az->timeout_s;
	rc = send_retrying(az, cx, &c, method, u, body, resp, err);
	free(u);
	return rc;
}

/* ---- long-running operations ---------------------------------------- */

static const char *json_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* An Azure-AsyncOperation status resource: 1 = ended well, 0 = still
 * going, < 0 = failed (err set). */
static int async_status(const struct aca_resp *r, const char *what,
	struct aca_err *err)
{
	struct json_object *o = json_tokener_parse(r->body ? r->body : "");
	struct json_object *e = NULL;
	const char *st = json_str(o, "status"), *code = NULL, *msg = NULL;
	int rc;

	if (!st) {
		rc = aca_err_set(err, SL_EINTERNAL, "%s: the operation status "
			"has no status", what);
		goto out;
	}
	if (strcasecmp(st, "Succeeded") == 0) {
		rc = 1;
		goto out;
	}
	if (strcasecmp(st, "Failed") != 0 && strcasecmp(st, "Canceled") != 0 &&
	    strcasecmp(st, "Cancelled") != 0) {
		rc = 0;   /* InProgress, or a provider's own stage name */
		goto out;
	}
	if (json_object_object_get_ex(o, "error", &e)) {
		code = json_str(e, "code");
		msg = json_str(e, "message");
	}
	aca_err_set(err, strcasecmp(st, "Failed") == 0 ? SL_EINTERNAL :
		SL_ECONFLICT, "%s: Azure reports the operation %s%s%s%s%s%s",
		what, st, msg ? ": " : "", msg ? msg : "", code ? " (" : "",
		code ? code : "", code ? ")" : "");
	for (const char *p = code; p && *p; p++)
		if (strncasecmp(p, "quota", 5) == 0)
			err->status = SL_EINTERNAL;
	rc = err->status;
out:
	json_object_put(o);
	return rc;
}

int aca_arm_lro_wait(struct aca_azure *az, const struct aca_cancel *cx,
	const struct aca_resp *first, int timeout_s, const char *what,
	struct aca_err *err)
{
	struct aca_resp r = { 0 };
	long long end;
	int use_async, rc, wait_s;
	char *url = NULL;

	/* An update of an existing resource answers 200 and provisions on,
	 * saying so with Azure-AsyncOperation (Job_CreateorUpdate's example):
	 * follow that too, or the next write meets a 409. */
	if (first->status == 200 && !(first->async_url && *first->async_url))
		return SL_OK;
	if (first->status != 200 && first->status != 201 && first->status != 202)
		return SL_OK;
	if (first->async_url && *first->async_url)
		use_async = 1;
	else if (first->location && *first->location)
		use_async = 0;
	else
		return SL_OK;   /* nothing to follow: the answer is final */
	url = strdup(use_async ? first->async_url : first->location);
	if (!url)
		return aca_err_set(err, SL_ENOMEM, "out of memory");
	end = now_ms() + (timeout_s > 0 ? timeout_s : 3600) * 1000LL;
	wait_s = first->retry_after_s >= 0 ? first->retry_after_s :
		LRO_DEFAULT_S;
	for (;;) {
		long long left = end - now_ms();

		if (left <= 0) {
			rc = aca_err_set(err, SL_ETIMEDOUT, "%s: Azure did not "
				"finish within %d s", what, timeout_s);
			goto out;
		}
		/* The last look is at the deadline itself. */
		if (aca_sleep_ms(cx, wait_s * 1000L < left ? wait_s * 1000L :
			(long)left)) {
			rc = aca_err_set(err, SL_ECANCELED, "%s: cancelled",
				what);
			goto out;
		}
		rc = aca_arm(az, cx, "GET", url, NULL, 0, &r, err);
		if (rc)
			goto out;
		if (use_async) {
			if (r.status != 200) {
				rc = aca_err_from_resp(err, &r, what);
				goto out;
			}
			rc = async_status(&r, what, err);
			if (rc == 1) {
				rc = SL_OK;
				goto out;
			}
			if (rc < 0)
				goto out;
		} else if (r.status != 202) {
			rc = r.status >= 200 && r.status < 300 ? SL_OK :
				aca_err_from_resp(err, &r, what);
			goto out;
		}
		wait_s = r.retry_after_s >= 0 ? r.retry_after_s : LRO_DEFAULT_S;
		aca_resp_free(&r);
	}
out:
	aca_resp_free(&r);
	free(url);
	return rc;
}

/* ---- Log Analytics ---------------------------------------------------- */

int aca_la_query(struct aca_azure *az, const struct aca_cancel *cx,
	const char *workspace, const char *kql, const char *timespan,
	struct aca_resp *resp, struct aca_err *err)
{
	struct json_object *o = json_object_new_object();
	struct call c = { 0 };
	char *url = NULL, what[160];
	const char *body;
	size_t n;
	int rc;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after_s = -1;
	if (!workspace || !*workspace || !kql) {
		json_object_put(o);
		return aca_err_set(err, SL_EINVAL, "Log Analytics: no workspace "
			"or query");
	}
	if (!o)
		return aca_err_set(err, SL_ENOMEM, "out of memory");
	json_object_object_add(o, "query", json_object_new_string(kql));
	if (timespan && *timespan)
		json_object_object_add(o, "timespan",
			json_object_new_string(timespan));
	body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(az->la_url) + strlen(workspace) + 40;
	url = malloc(n);
	if (!body || !url) {
		rc = aca_err_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(url, n, "%s/%s/workspaces/%s/query", az->la_url, ACA_API_LA,
		workspace);
	snprintf(what, sizeof(what), "query Log Analytics workspace %.64s",
		workspace);
	c.scope = ACA_SCOPE_LA;
	c.what = what;
	c.timeout_s = az->timeout_s;
	rc = send_retrying(az, cx, &c, "POST", url, body, resp, err);
	if (rc == SL_OK && resp->status != 200) {
		rc = aca_err_from_resp(err, resp, what);
		aca_resp_free(resp);
	}
out:
	free(url);
	json_object_put(o);
	return rc;
}

/* ---- the log stream -------------------------------------------------- */

int aca_http_stream(struct aca_azure *az, const struct aca_cancel *cx,
	const char *url, const char *bearer,
	int (*on_data)(void *arg, const char *buf, size_t n), void *arg,
	long *status, struct aca_err *err)
{
	struct aca_http_req rq = { 0 };
	struct aca_resp r;
	char *auth = NULL, what[512];
	const char *hdrs[3];
	size_t n;
	int rc;

	*status = 0;
	n = strlen(bearer) + 32;
	auth = malloc(n);
	if (!auth)
		return aca_err_set(err, SL_ENOMEM, "out of memory");
	snprintf(auth, n, "Authorization: Bearer %s", bearer);
	hdrs[0] = auth;
	hdrs[1] = "Accept: */*";
	hdrs[2] = NULL;
	describe(what, sizeof(what), "GET", url);
	rq.method = "GET";
	rq.url = url;
	rq.headers = hdrs;
	rq.timeout_s = 0;   /* follows last as long as the replica runs */
	rq.on_data = on_data;
	rq.arg = arg;
	rc = aca_http_do(az->http, cx, &rq, &r, NULL, err);
	OPENSSL_cleanse(auth, n);
	free(auth);
	if (rc)
		return rc;
	*status = r.status;
	if (r.status < 200 || r.status >= 300)
		rc = aca_err_from_resp(err, &r, "read the replica log stream");
	aca_resp_free(&r);
	return rc;
}
