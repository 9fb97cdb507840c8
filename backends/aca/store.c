/*
 * store.c - recovery after a daemon restart: the store's containers are
 * reconciled with the jobs Azure holds.
 *
 * One listing of the resource group's jobs (paged) is the only cost; the
 * running containers are then handed back to the poller and the log
 * capture.  Jobs tagged with this daemon's instance id that the store
 * does not know (a daemon killed between PUT and recording, a store
 * restored from an old backup) are reported, or deleted when the
 * configuration says so.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "aca.h"

struct job {
	struct job *next;
	char name[64];
	char ctr_id[72];
	int ours;
	int known;    /* a container of the store names it */
};

struct recover {
	struct aca_backend *b;
	struct aca_cancel cx;
	struct job *jobs;
	int listed;   /* the listing worked: a job missing from it is gone */
	int changed;
};

static const char *tag(struct json_object *job, const char *key)
{
	struct json_object *tags, *v;

	if (!json_object_object_get_ex(job, "tags", &tags) ||
	    !json_object_object_get_ex(tags, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Adds one page's jobs; *next gets the nextLink (malloc'd) or NULL. */
static int add_page(struct recover *rc, const char *body, char **next)
{
	struct json_object *root = json_tokener_parse(body ? body : ""), *val, *nl;
	int ret = SL_OK;

	*next = NULL;
	if (!root || !json_object_object_get_ex(root, "value", &val) ||
	    !json_object_is_type(val, json_type_array)) {
		ret = SL_EINTERNAL;
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(val); i++) {
		struct json_object *j = json_object_array_get_idx(val, i), *n;
		const char *inst = tag(j, "sockerless-instance"), *cid = tag(j, "sockerless-container-id");
		struct job *e;

		if (!json_object_object_get_ex(j, "name", &n))
			continue;
		e = calloc(1, sizeof(*e));
		if (!e) {
			ret = SL_ENOMEM;
			goto out;
		}
		snprintf(e->name, sizeof(e->name), "%s", json_object_get_string(n));
		snprintf(e->ctr_id, sizeof(e->ctr_id), "%s", cid ? cid : "");
		e->ours = inst && strcmp(inst, rc->b->cfg.instance_id) == 0;
		e->next = rc->jobs;
		rc->jobs = e;
	}
	if (json_object_object_get_ex(root, "nextLink", &nl) && json_object_is_type(nl, json_type_string) &&
	    *json_object_get_string(nl))
		*next = strdup(json_object_get_string(nl));
out:
	json_object_put(root);
	return ret;
}

static int list_jobs(struct recover *rc, struct aca_err *err)
{
	const struct aca_config *cfg = &rc->b->cfg;
	char *url = NULL;
	int ret;

	if (asprintf(&url, "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.App/jobs?api-version=%s",
		     cfg->subscription, cfg->resource_group, ACA_API_JOBS) < 0)
		return aca_err_set(err, SL_ENOMEM, "out of memory");
	while (url) {
		struct aca_resp r = {0};
		char *next = NULL;

		ret = aca_arm(rc->b->az, &rc->cx, "GET", url, NULL, 0, &r, err);
		free(url);
		url = NULL;
		if (ret)
			return ret;
		if (r.status != 200) {
			ret = aca_err_from_resp(err, &r, "list the resource group's jobs");
			aca_resp_free(&r);
			return ret;
		}
		ret = add_page(rc, r.body, &next);
		aca_resp_free(&r);
		if (ret)
			return aca_err_set(err, ret, "list the resource group's jobs: unexpected answer");
		url = next;
	}
	return SL_OK;
}

static struct job *find_job(struct recover *rc, const char *name)
{
	for (struct job *j = rc->jobs; j; j = j->next)
		if (strcmp(j->name, name) == 0)
			return j;
	return NULL;
}

static int reconcile(sl_container *c, void *arg)
{
	struct recover *rc = arg;
	const struct sl_host_v1 *h = rc->b->host;
	char *job = h->ctr_data_get(c, ACA_DATA_JOB);
	char *exec = h->ctr_data_get(c, ACA_DATA_EXECUTION);
	int64_t status = h->ctr_int(c, SL_CTR_STATUS);
	struct job *j;

	if (!job)
		goto out;  /* never started */
	j = find_job(rc, job);
	if (j)
		j->known = 1;
	if (status != SL_STATUS_RUNNING && status != SL_STATUS_RESTARTING)
		goto out;
	if (!exec || (rc->listed && !j)) {
		struct sl_state_v1 st = { SL_HEADER(struct sl_state_v1) };

		st.status = SL_STATUS_EXITED;
		st.exit_code = 255;
		st.error = "the Container Apps job of this container no longer exists in "
			   "Azure (deleted while the daemon was down)";
		h->state_changed(c, &st);
		rc->changed++;
		goto out;
	}
	/* The poller's first look reports an execution that ended meanwhile. */
	aca_poller_watch(rc->b->poller, c, job, exec);
	/* Live output and logs again; the host's stored copy is left as it
	 * is (a replay could double lines it holds). */
	aca_logs_capture_resume(rc->b->logs, c, job, exec);
out:
	h->free(job);
	h->free(exec);
	return 0;
}

static void orphans(struct recover *rc)
{
	struct aca_backend *b = rc->b;

	for (struct job *j = rc->jobs; j; j = j->next) {
		struct aca_resp r = {0};
		struct aca_err err = {0};
		char url[640];

		if (!j->ours || j->known)
			continue;
		if (b->cfg.orphans != ACA_ORPHANS_DELETE) {
			sl_host_log(b->host, SL_LOG_WARN,
				"aca: job %s (container %.12s) is tagged with this daemon's instance "
				"id but is not in its store; set orphans=delete to remove such jobs",
				j->name, j->ctr_id[0] ? j->ctr_id : "unknown");
			continue;
		}
		if (aca_job_url(b, j->name, "", ACA_API_JOBS, url, sizeof(url), &err))
			continue;
		if (aca_arm(b->az, &rc->cx, "DELETE", url, NULL, ACA_ARM_WAIT_CONFLICT, &r, &err) == SL_OK &&
		    r.status < 300)
			sl_host_log(b->host, SL_LOG_INFO, "aca: deleted orphaned job %s", j->name);
		else
			sl_host_log(b->host, SL_LOG_WARN, "aca: could not delete orphaned job %s: %s",
				j->name, err.msg[0] ? err.msg : "unexpected answer");
		aca_resp_free(&r);
	}
}

int aca_store_recover(void *state, sl_call *call)
{
	struct aca_backend *b = state;
	struct recover rc = { .b = b, .cx = { b->host, call, &b->stopping } };
	struct aca_err err = {0};
	int ret;

	ret = list_jobs(&rc, &err);
	rc.listed = ret == SL_OK;
	if (ret)
		sl_host_log(b->host, SL_LOG_WARN, "aca: recovery could not list the jobs (%s); "
			"running containers are watched again, orphans are not looked for",
			err.msg);
	/* Without the listing the poller's first look at each execution
	 * tells what became of it. */
	b->host->ctr_foreach(b->host->hctx, reconcile, &rc);
	if (rc.listed)
		orphans(&rc);
	if (rc.changed)
		sl_host_log(b->host, SL_LOG_INFO, "aca: %d containers ended while the daemon was down",
			rc.changed);
	while (rc.jobs) {
		struct job *n = rc.jobs->next;

		free(rc.jobs);
		rc.jobs = n;
	}
	return ret;
}
