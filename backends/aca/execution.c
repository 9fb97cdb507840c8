/*
 * execution.c - one Container Apps job execution as ARM shows it: get,
 * start (without blind retries) and stop.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "aca.h"

int aca_exec_ended(const char *status)
{
	return strcmp(status, "Succeeded") == 0 || strcmp(status, "Failed") == 0 ||
	       strcmp(status, "Stopped") == 0;
}

/* An ARM time as unix ns; 0 when absent or unreadable. */
static int64_t arm_time(const char *s)
{
	int64_t ns;

	return s && aca_time_parse(s, strlen(s), &ns, NULL) == SL_OK ? ns : 0;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* The first replica's main container in detailedStatus: its exit code,
 * the reason it waits, or that it still runs. */
static void read_detailed(struct json_object *props, struct aca_exec_view *v)
{
	struct json_object *reps = jget(jget(props, "detailedStatus"), "replicas");
	size_t nr = reps && json_object_is_type(reps, json_type_array)
		? json_object_array_length(reps) : 0;

	for (size_t i = 0; i < nr; i++) {
		struct json_object *cs = jget(json_object_array_get_idx(reps, i), "containers");
		size_t nc = cs && json_object_is_type(cs, json_type_array)
			? json_object_array_length(cs) : 0;

		for (size_t j = 0; j < nc; j++) {
			struct json_object *co = json_object_array_get_idx(cs, j);
			struct json_object *code = jget(co, "code");
			const char *st = jstr(co, "status"), *info = jstr(co, "additionalInformation");

			if (code && json_object_is_type(code, json_type_int) && v->code < 0)
				v->code = json_object_get_int(code);
			if (st && strcmp(st, "Pending") == 0 && info && !v->waiting[0])
				snprintf(v->waiting, sizeof(v->waiting), "%s", info);
			if (st && strcmp(st, "Running") == 0)
				v->main_running = 1;
		}
	}
}

static int parse_view(const char *body, struct aca_exec_view *v)
{
	struct json_object *root = json_tokener_parse(body ? body : "");
	struct json_object *props = jget(root, "properties");
	const char *st = jstr(props, "status");
	int rc = SL_EINTERNAL;

	memset(v, 0, sizeof(*v));
	v->code = -1;
	if (!st)
		goto out;
	snprintf(v->status, sizeof(v->status), "%s", st);
	v->start_ns = arm_time(jstr(props, "startTime"));
	v->end_ns = arm_time(jstr(props, "endTime"));
	snprintf(v->reason, sizeof(v->reason), "%s", jstr(props, "reason") ? jstr(props, "reason") : "");
	snprintf(v->message, sizeof(v->message), "%s",
		jstr(props, "message") ? jstr(props, "message") : "");
	read_detailed(props, v);
	rc = SL_OK;
out:
	json_object_put(root);
	return rc;
}

int aca_job_url(struct aca_backend *b, const char *job, const char *suffix,
	const char *api, char *buf, size_t len, struct aca_err *err)
{
	char path[512];
	int n;

	if (aca_config_job_path(&b->cfg, job, path, sizeof(path)))
		return aca_err_set(err, SL_EINVAL, "job path too long for %s", job);
	n = snprintf(buf, len, "%s%s?api-version=%s", path, suffix, api);
	if (n < 0 || (size_t)n >= len)
		return aca_err_set(err, SL_EINVAL, "job path too long for %s", job);
	return SL_OK;
}

int aca_exec_get(struct aca_backend *b, const struct aca_cancel *cx,
	const char *job, const char *exec, struct aca_exec_view *v,
	struct aca_err *err)
{
	struct aca_resp r = {0};
	char url[768], suffix[160], what[200];
	int rc;

	snprintf(suffix, sizeof(suffix), "/executions/%s", exec);
	rc = aca_job_url(b, job, suffix, ACA_API_PREVIEW, url, sizeof(url), err);
	if (rc)
		return rc;
	rc = aca_arm(b->az, cx, "GET", url, NULL, 0, &r, err);
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "get execution %s", exec);
	if (r.status == 200)
		rc = parse_view(r.body, v) ? aca_err_set(err, SL_EINTERNAL,
			"%s: Azure answered without a status", what) : SL_OK;
	else
		rc = aca_err_from_resp(err, &r, what);
	aca_resp_free(&r);
	return rc;
}

/*
 * After a POST start whose answer was lost: the execution that started no
 * earlier than `since_ns` (less a little clock skew), is not `prev` (the
 * container's previous run) and has not ended is the one the lost answer
 * named; the newest such, whatever order ARM lists them in.  SL_ENOTFOUND
 * when there is none.
 */
static int find_started(struct aca_backend *b, const struct aca_cancel *cx,
	const char *job, const char *prev, int64_t since_ns, char *name,
	size_t len, struct aca_err *err)
{
	struct aca_resp r = {0};
	struct json_object *root = NULL, *val;
	int64_t best = 0;
	char url[768];
	int rc;

	rc = aca_job_url(b, job, "/executions", ACA_API_JOBS, url, sizeof(url), err);
	if (rc)
		return rc;
	rc = aca_arm(b->az, cx, "GET", url, NULL, 0, &r, err);
	if (rc)
		return rc;
	if (r.status != 200) {
		rc = aca_err_from_resp(err, &r, "list executions");
		goto out;
	}
	rc = SL_ENOTFOUND;
	root = json_tokener_parse(r.body ? r.body : "");
	val = jget(root, "value");
	for (size_t i = 0; val && json_object_is_type(val, json_type_array) &&
	     i < json_object_array_length(val); i++) {
		struct json_object *e = json_object_array_get_idx(val, i);
		struct json_object *props = jget(e, "properties");
		int64_t st = arm_time(jstr(props, "startTime"));
		const char *n = jstr(e, "name"), *status = jstr(props, "status");

		if (!n || (prev && strcmp(n, prev) == 0) || (status && aca_exec_ended(status)))
			continue;
		if (st >= since_ns - 30LL * 1000000000LL && st > best) {
			best = st;
			snprintf(name, len, "%s", n);
			rc = SL_OK;
		}
	}
out:
	json_object_put(root);
	aca_resp_free(&r);
	return rc;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int aca_exec_start(struct aca_backend *b, const struct aca_cancel *cx,
	const char *job, const char *prev, char *name, size_t len,
	struct aca_err *err)
{
	int64_t t0 = now_ns();
	char url[768];
	int rc, attempt;

	rc = aca_job_url(b, job, "/start", ACA_API_JOBS, url, sizeof(url), err);
	if (rc)
		return rc;
	for (attempt = 0; attempt < 5; attempt++) {
		struct aca_resp r = {0};
		struct json_object *root;
		const char *n;

		/* A 409 (the job still provisioning) refused the start: it
		 * may be sent again once the write is over. */
		rc = aca_arm(b->az, cx, "POST", url, NULL, ACA_ARM_NO_RETRY | ACA_ARM_WAIT_CONFLICT,
			&r, err);
		if (!rc && (r.status == 408 || r.status >= 500)) {
			/* A gateway's 5xx or a timeout does not say whether
			 * the execution started: look before trying again. */
			aca_resp_free(&r);
			rc = aca_err_set(err, SL_EUNAVAIL, "start of job %s: no answer", job);
		}
		if (rc == SL_EUNAVAIL) {
			/* The start may or may not have happened; ARM may list
			 * a new execution a moment late, so look a few times. */
			for (int look = 0; look < 3; look++) {
				int found;

				if (look && aca_sleep_ms(cx, 2000))
					return aca_err_set(err, SL_ECANCELED,
						"start of job %s cancelled", job);
				found = find_started(b, cx, job, prev, t0, name, len, err);
				if (found == SL_OK)
					return SL_OK;
				if (found != SL_ENOTFOUND)
					return found;
			}
			continue;
		}
		if (rc)
			return rc;
		if (r.status != 200 && r.status != 202) {
			char what[160];

			snprintf(what, sizeof(what), "start an execution of job %s", job);
			rc = aca_err_from_resp(err, &r, what);
			aca_resp_free(&r);
			return rc;
		}
		root = json_tokener_parse(r.body ? r.body : "");
		n = jstr(root, "name");
		if (n)
			snprintf(name, len, "%s", n);
		json_object_put(root);
		aca_resp_free(&r);
		if (!n)
			return aca_err_set(err, SL_EINTERNAL,
				"start of job %s: Azure's answer names no execution", job);
		return SL_OK;
	}
	return aca_err_set(err, SL_EUNAVAIL,
		"start of job %s: Azure did not answer and no execution was started; try again", job);
}

int aca_exec_stop(struct aca_backend *b, const struct aca_cancel *cx,
	const char *job, const char *exec, struct aca_err *err)
{
	struct aca_resp r = {0};
	char url[768], suffix[160], what[200];
	int rc;

	snprintf(suffix, sizeof(suffix), "/executions/%s/stop", exec);
	rc = aca_job_url(b, job, suffix, ACA_API_JOBS, url, sizeof(url), err);
	if (rc)
		return rc;
	/* Stopping twice is harmless, so the client may resend. */
	rc = aca_arm(b->az, cx, "POST", url, NULL, ACA_ARM_WAIT_CONFLICT, &r, err);
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "stop execution %s", exec);
	if (r.status >= 200 && r.status < 300)
		rc = SL_OK;
	else
		rc = aca_err_from_resp(err, &r, what);
	aca_resp_free(&r);
	return rc;
}

int aca_exec_start_lost(struct aca_backend *b, const struct aca_cancel *cx,
	const char *job, const char *prev, char *name, size_t len,
	struct aca_err *err)
{
	/* A start abandoned within the last couple of minutes. */
	return find_started(b, cx, job, prev, now_ns() - 120LL * 1000000000LL, name, len, err);
}
