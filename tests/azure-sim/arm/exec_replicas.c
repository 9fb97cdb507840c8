/* exec_replicas.c - replicas of an execution (list, get) and the periodic
 * housekeeping of executions. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "exec_priv.h"
#include "sim_arm.h"
#include "sim_ctx.h"
#include "sim_exec.h"
#include "sim_logs.h"
#include "sim_lro.h"
#include "sim_routes.h"
#include "sim_util.h"

static void started_text(const struct timespec *ts, char *out, size_t outsz)
{
	struct tm tm;
	int h;

	gmtime_r(&ts->tv_sec, &tm);
	h = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	snprintf(out, outsz, "Container started at: %d/%d/%d %d:%02d:%02d %s.", tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_year + 1900, h, tm.tm_min, tm.tm_sec, tm.tm_hour < 12 ? "AM" : "PM");
}

/* A replica in the recorded 2023-11-02-preview shape; the caller puts it. */
static struct json_object *render_replica(struct sim_job *job, struct sim_exec *ex,
					  struct sim_replica *r)
{
	struct sim_ctx *ctx = sim_ctx();
	struct json_object *o = json_object_new_object(), *props = json_object_new_object();
	struct json_object *cs = json_object_new_array(), *ics = json_object_new_array();
	char *s, ts[48];
	struct tm tm;
	int any_running = 0;
	const char *host = ctx->base_url;

	s = sim_strdupf("%s/executions/%s/replicas/%s", job->id, ex->name, r->name);
	json_object_object_add(o, "id", json_object_new_string(s ? s : ""));
	free(s);
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "type",
			       json_object_new_string("Microsoft.App/containerapps/revisions/replicas"));
	gmtime_r(&r->created.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(props, "createdTime", json_object_new_string(ts));
	for (size_t i = 0; i < r->nctrs; i++) {
		struct sim_ctr *c = &r->ctrs[i];
		struct json_object *co;
		char det[96];

		if (c->state == SIM_CTR_WAITING)
			continue; /* listed once the container has started */
		if (c->state == SIM_CTR_TERMINATED && c->exit_code < 0)
			continue;
		co = json_object_new_object();
		json_object_object_add(co, "name", json_object_new_string(c->name));
		json_object_object_add(co, "containerId", json_object_new_string(c->container_id));
		json_object_object_add(co, "ready", json_object_new_boolean(c->state == SIM_CTR_RUNNING));
		json_object_object_add(co, "started", json_object_new_boolean(c->state == SIM_CTR_RUNNING));
		json_object_object_add(co, "restartCount", json_object_new_int(0));
		if (c->state == SIM_CTR_RUNNING) {
			any_running = 1;
			json_object_object_add(co, "runningState", json_object_new_string("Running"));
			started_text(&c->started, det, sizeof(det));
		} else {
			json_object_object_add(co, "runningState", json_object_new_string("Terminated"));
			snprintf(det, sizeof(det), "%s", c->exit_code == 0 ? "Completed" : "Error");
		}
		json_object_object_add(co, "runningStateDetails", json_object_new_string(det));
		s = sim_strdupf("%s/subscriptions/%s/resourceGroups/%s/jobs/%s/executions/%s/replicas/%s/"
				"containers/%s/logstream",
				host, job->sub, job->rg, job->name, ex->name, r->name, c->name);
		json_object_object_add(co, "logStreamEndpoint", json_object_new_string(s ? s : ""));
		free(s);
		s = sim_strdupf("ws%s/subscriptions/%s/resourceGroups/%s/containerApps/%s/revisions/%s/"
				"replicas/%s/containers/%s/exec",
				sim_starts_with(host, "https") ? host + 4 : host + 4, job->sub, job->rg,
				job->name, ex->name, r->name, c->name);
		json_object_object_add(co, "execEndpoint", json_object_new_string(s ? s : ""));
		free(s);
		json_object_array_add(c->is_init ? ics : cs, co);
	}
	json_object_object_add(props, "runningState",
			       json_object_new_string(any_running && !r->done ? "Running" : "NotRunning"));
	json_object_object_add(props, "runningStateDetails",
			       json_object_new_string(r->done ? "Completed" : any_running ? "" : "Pending"));
	json_object_object_add(props, "containers", cs);
	json_object_object_add(props, "initContainers", ics);
	json_object_object_add(o, "properties", props);
	return o;
}

static int replica_listed(const struct sim_replica *r)
{
	return !r->done ||
	       sim_mono_ms() < r->done_at_ms + sim_ctx()->cfg->replica_cleanup_s * 1000;
}

void sim_h_replicas_list(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_job *job;
	struct sim_exec *ex;
	struct json_object *root, *arr;

	if (sim_exec_lookup(req, resp, req->params[P_EXEC], &job, &ex))
		return;
	root = json_object_new_object();
	arr = json_object_new_array();
	for (struct sim_replica *r = ex->replicas; r; r = r->next)
		if (replica_listed(r))
			json_object_array_add(arr, render_replica(job, ex, r));
	sim_state_unlock();
	json_object_object_add(root, "value", arr);
	sim_resp_json(resp, 200, root);
	json_object_put(root);
}

void sim_h_replica_get(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *jn = req->params[P_JOB];
	struct sim_job *job;
	struct sim_exec *ex;
	struct sim_replica *r = NULL;
	struct json_object *o;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	sim_state_lock();
	job = sim_state_job(ctx->state, sub, rg, jn);
	ex = job ? sim_job_exec(job, req->params[P_EXEC]) : NULL;
	if (ex)
		r = sim_exec_replica(ex, req->params[4]);
	if (!r || !replica_listed(r)) {
		sim_state_unlock();
		sim_arm_error(resp, 404, "ResourceNotFound", NULL,
			      "The Resource 'Microsoft.App/jobs/%s/executions/%s/replicas/%s' under "
			      "resource group '%s' was not found. For more details please go to "
			      "https://aka.ms/ARMResourceNotFoundFix",
			      jn, req->params[P_EXEC], req->params[4], rg);
		return;
	}
	o = render_replica(job, ex, r);
	sim_state_unlock();
	sim_resp_json(resp, 200, o);
	json_object_put(o);
}

void sim_exec_janitor(void)
{
	struct sim_ctx *ctx = sim_ctx();

	sim_state_lock();
	sim_lro_tick(ctx->state);
	sim_state_unlock();
	sim_logs_gc(ctx->logs);
}
