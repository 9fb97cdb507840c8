/* sim_jobs.c - Microsoft.App/jobs: create/update, get, list, patch,
 * delete, listSecrets and getAuthToken. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "sim_json.h"

#include "auth_issue.h"
#include "sim_arm.h"
#include "sim_ctx.h"
#include "sim_exec.h"
#include "sim_jobspec.h"
#include "sim_lro.h"
#include "sim_region.h"
#include "sim_routes.h"
#include "sim_state.h"
#include "sim_util.h"

#define P_SUB 0
#define P_RG 1
#define P_JOB 2

static const char *api_of(const struct sim_req *req)
{
	return sim_req_query(req, "api-version");
}

void sim_jobs_not_found(struct sim_resp *resp, const char *rg, const char *job)
{
	sim_arm_error(resp, 404, "ResourceNotFound", NULL,
		      "The Resource 'Microsoft.App/jobs/%s' under resource group '%s' was not found. "
		      "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
		      job, rg);
}

struct sim_job *sim_jobs_find_locked(struct sim_req *req, struct sim_resp *resp, int tick)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *rg = req->params[P_RG], *name = req->params[P_JOB];
	struct sim_job *job;

	sim_state_lock();
	if (tick)
		sim_lro_tick(ctx->state);
	job = sim_state_job(ctx->state, req->params[P_SUB], rg, name);
	if (!job) {
		sim_state_unlock();
		sim_jobs_not_found(resp, rg, name);
	}
	return job;
}

/* A job whose last PUT/PATCH/DELETE is still being carried out refuses
 * another one, as Container Apps does (409; the code and text are Azure's
 * for jobs, from a public capture). Lock held. Returns 1 when it answered. */
static int busy(struct sim_job *job, struct sim_resp *resp)
{
	if (!job->deleting && sim_mono_ms() >= job->ready_at_ms)
		return 0;
	sim_arm_error(resp, 409, "ContainerAppsJobOperationInProgress", NULL,
		      "Cannot modify a container apps job '%s' because there is an active "
		      "provisioning operation in progress.",
		      job->name);
	return 1;
}

static const char *doc_location(struct json_object *doc)
{
	struct json_object *v;

	if (json_object_object_get_ex(doc, "location", &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "eastus";
}

/* Keep a secret's old value when an update re-sends it by name only (the
 * round trip of a GET body). */
static void keep_secret_values(struct json_object *doc, struct json_object *old)
{
	struct json_object *p, *c, *ns, *os;

	if (!old || !json_object_object_get_ex(doc, "properties", &p) ||
	    !json_object_object_get_ex(p, "configuration", &c) ||
	    !json_object_object_get_ex(c, "secrets", &ns) || !ns ||
	    !json_object_object_get_ex(old, "properties", &p) ||
	    !json_object_object_get_ex(p, "configuration", &c) ||
	    !json_object_object_get_ex(c, "secrets", &os) || !os)
		return;
	for (size_t i = 0; i < sim_alen(ns); i++) {
		struct json_object *s = json_object_array_get_idx(ns, i), *n, *v;
		if (json_object_object_get_ex(s, "value", &v) || json_object_object_get_ex(s, "keyVaultUrl", &v) ||
		    !json_object_object_get_ex(s, "name", &n))
			continue;
		for (size_t k = 0; k < sim_alen(os); k++) {
			struct json_object *o = json_object_array_get_idx(os, k), *on, *ov;
			if (json_object_object_get_ex(o, "name", &on) &&
			    strcmp(json_object_get_string(on), json_object_get_string(n)) == 0 &&
			    json_object_object_get_ex(o, "value", &ov)) {
				json_object_object_add(s, "value", json_object_get(ov));
				break;
			}
		}
	}
}

/* Make doc (taken) the job's definition, with Azure's defaults filled in
 * and the secret values it re-sends by name kept. Lock held. */
static void install_doc(struct sim_job *job, struct json_object *doc, const struct timespec *now,
			const char *tenant)
{
	keep_secret_values(doc, job->doc);
	json_object_object_add(doc, "id", json_object_new_string(job->id));
	sim_jobspec_fill_defaults(doc, tenant);
	json_object_object_del(doc, "id");
	json_object_put(job->doc);
	job->doc = doc;
	sim_time_arm(now, job->modified_at, sizeof(job->modified_at));
}

void sim_h_job_put(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *name = req->params[P_JOB];
	struct json_object *doc = NULL, *out;
	struct sim_job *job;
	struct sim_op *op;
	struct timespec now = sim_now();
	int created = 0;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	if (sim_arm_parse_body(req, resp, 0, &doc))
		return;
	if (sim_jobspec_check_types(doc, resp) || sim_jobspec_check_name(name, resp) ||
	    sim_jobspec_validate(doc, sub, rg, resp))
		goto out;
	/* Read-only properties in the body are ignored, as ARM does. */
	json_object_object_del(doc, "id");
	json_object_object_del(doc, "name");
	json_object_object_del(doc, "type");
	json_object_object_del(doc, "systemData");
	/* Microsoft.App answers with the region's display name ("East US"),
	 * whichever form was sent. */
	json_object_object_add(doc, "location",
			       json_object_new_string(sim_region_display(doc_location(doc))));

	sim_state_lock();
	sim_lro_tick(ctx->state);
	job = sim_state_job(ctx->state, sub, rg, name);
	if (job && busy(job, resp)) {
		sim_state_unlock();
		goto out;
	}
	if (!job) {
		job = sim_state_add_job(ctx->state, sub, rg, name);
		if (!job) {
			sim_state_unlock();
			sim_arm_error(resp, 500, "InternalServerError", NULL, "Out of memory.");
			goto out;
		}
		sim_time_arm(&now, job->created_at, sizeof(job->created_at));
		created = 1;
	}
	install_doc(job, doc, &now, ctx->cfg->tenant);
	doc = NULL;
	op = sim_lro_new(ctx->state, SIM_OP_JOB_PUT, job->id, sub, doc_location(job->doc), -1);
	if (op)
		job->ready_at_ms = op->done_at_ms;
	out = sim_jobspec_render(job, api_of(req));
	if (op)
		sim_lro_headers(resp, op, sub, doc_location(job->doc), api_of(req), 1, created);
	sim_state_unlock();
	sim_resp_json(resp, created ? 201 : 200, out);
	json_object_put(out);
out:
	json_object_put(doc);
}

void sim_h_job_get(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_job *job;
	struct json_object *out;

	if (sim_arm_check_scope(resp, req->params[P_SUB], req->params[P_RG]))
		return;
	job = sim_jobs_find_locked(req, resp, 1);
	if (!job)
		return;
	out = sim_jobspec_render(job, api_of(req));
	sim_state_unlock();
	sim_resp_json(resp, 200, out);
	json_object_put(out);
}

void sim_h_job_patch(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG];
	struct json_object *patch = NULL, *merged = NULL, *out;
	struct sim_job *job;
	struct sim_op *op;
	struct timespec now = sim_now();

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	if (sim_arm_parse_body(req, resp, 0, &patch))
		return;
	if (sim_jobspec_check_types(patch, resp))
		goto out;
	/* Merge onto a copy, validate the result, then swap it in. */
	job = sim_jobs_find_locked(req, resp, 1);
	if (!job)
		goto out;
	if (busy(job, resp)) {
		sim_state_unlock();
		goto out;
	}
	if (json_object_deep_copy(job->doc, &merged, NULL) != 0) {
		sim_state_unlock();
		sim_arm_error(resp, 500, "InternalServerError", NULL, "Out of memory.");
		goto out;
	}
	sim_state_unlock();
	json_object_object_del(patch, "location");
	sim_jobspec_merge_patch(merged, patch);
	if (sim_jobspec_validate(merged, sub, rg, resp))
		goto out;

	job = sim_jobs_find_locked(req, resp, 0);
	if (!job)
		goto out;
	/* Another write may have started while this one was validated. */
	if (busy(job, resp)) {
		sim_state_unlock();
		goto out;
	}
	install_doc(job, merged, &now, ctx->cfg->tenant);
	merged = NULL;
	op = sim_lro_new(ctx->state, SIM_OP_JOB_PATCH, job->id, sub, doc_location(job->doc), -1);
	if (op && !sim_lro_done(op)) {
		job->ready_at_ms = op->done_at_ms;
		sim_lro_headers(resp, op, sub, doc_location(job->doc), api_of(req), 1, 1);
		sim_state_unlock();
		sim_resp_empty(resp, 202);
		goto out;
	}
	job->ready_at_ms = 0;
	out = sim_jobspec_render(job, api_of(req));
	sim_state_unlock();
	sim_resp_json(resp, 200, out);
	json_object_put(out);
out:
	json_object_put(patch);
	json_object_put(merged);
}

void sim_h_job_delete(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *name = req->params[P_JOB];
	struct sim_job *job;
	struct sim_op *op;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	sim_state_lock();
	sim_lro_tick(ctx->state);
	job = sim_state_job(ctx->state, sub, rg, name);
	if (!job) {
		sim_state_unlock();
		sim_resp_empty(resp, 204);
		return;
	}
	if (busy(job, resp)) {
		sim_state_unlock();
		return;
	}
	/* Deleting a job removes its executions; stop what still runs. */
	sim_exec_stop_job_locked(job);
	op = sim_lro_new(ctx->state, SIM_OP_JOB_DELETE, job->id, sub, doc_location(job->doc), -1);
	if (!op || sim_lro_done(op)) {
		sim_state_remove_job(ctx->state, job);
		sim_state_unlock();
		sim_resp_empty(resp, 200);
		return;
	}
	op->rg = strdup(rg);
	op->job = strdup(name);
	job->deleting = 1;
	sim_lro_headers(resp, op, sub, doc_location(job->doc), api_of(req), 1, 1);
	sim_state_unlock();
	sim_resp_empty(resp, 202);
}

static void list_jobs(struct sim_req *req, struct sim_resp *resp, const char *rg)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB];
	struct sim_arm_page pg;
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array();
	int want;

	sim_arm_page_init(req, &pg);
	sim_state_lock();
	sim_lro_tick(ctx->state);
	for (struct sim_job *j = ctx->state->jobs; j; j = j->next) {
		if (strcasecmp(j->sub, sub) != 0 || (rg && strcasecmp(j->rg, rg) != 0))
			continue;
		want = sim_arm_page_next(&pg);
		if (want < 0)
			break;
		if (want)
			json_object_array_add(arr, sim_jobspec_render(j, api_of(req)));
	}
	sim_state_unlock();
	json_object_object_add(root, "value", arr);
	sim_arm_page_link(req, &pg, NULL, root);
	sim_resp_json(resp, 200, root);
	json_object_put(root);
}

void sim_h_jobs_list_rg(struct sim_req *req, struct sim_resp *resp)
{
	if (sim_arm_check_scope(resp, req->params[P_SUB], req->params[P_RG]))
		return;
	list_jobs(req, resp, req->params[P_RG]);
}

void sim_h_jobs_list_sub(struct sim_req *req, struct sim_resp *resp)
{
	if (sim_arm_check_scope(resp, req->params[P_SUB], NULL))
		return;
	list_jobs(req, resp, NULL);
}

void sim_h_job_list_secrets(struct sim_req *req, struct sim_resp *resp)
{
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG];
	struct sim_job *job;
	struct json_object *root, *arr, *p, *c, *s;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	job = sim_jobs_find_locked(req, resp, 0);
	if (!job)
		return;
	root = json_object_new_object();
	arr = json_object_new_array();
	if (json_object_object_get_ex(job->doc, "properties", &p) &&
	    json_object_object_get_ex(p, "configuration", &c) &&
	    json_object_object_get_ex(c, "secrets", &s) && s) {
		for (size_t i = 0; i < sim_alen(s); i++) {
			struct json_object *copy = NULL;
			if (json_object_deep_copy(json_object_array_get_idx(s, i), &copy, NULL) == 0)
				json_object_array_add(arr, copy);
		}
	}
	sim_state_unlock();
	json_object_object_add(root, "value", arr);
	sim_resp_json(resp, 200, root);
	json_object_put(root);
}

void sim_h_job_auth_token(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *name = req->params[P_JOB];
	struct sim_job *job;
	char *id = NULL, *token = NULL, *expires = NULL, *loc = NULL;
	struct json_object *root, *props;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	sim_state_lock();
	job = sim_state_job(ctx->state, sub, rg, name);
	if (job) {
		id = strdup(job->id);
		loc = strdup(doc_location(job->doc));
	}
	sim_state_unlock();
	if (!job) {
		sim_jobs_not_found(resp, rg, name);
		return;
	}
	if (!id || !loc || auth_issue_dataplane(ctx->auth, id, &token, &expires) != 0) {
		sim_arm_error(resp, 500, "InternalServerError", NULL, "Could not issue a token.");
		goto out;
	}
	root = json_object_new_object();
	props = json_object_new_object();
	json_object_object_add(root, "location", json_object_new_string(loc));
	json_object_object_add(props, "token", json_object_new_string(token));
	json_object_object_add(props, "expires", json_object_new_string(expires));
	json_object_object_add(root, "properties", props);
	json_object_object_add(root, "id", json_object_new_string(id));
	json_object_object_add(root, "name", json_object_new_string(name));
	json_object_object_add(root, "type", json_object_new_string("Microsoft.App/jobs/accesstoken"));
	sim_resp_json(resp, 200, root);
	json_object_put(root);
out:
	free(id);
	free(loc);
	free(token);
	free(expires);
}
