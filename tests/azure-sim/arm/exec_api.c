/* exec_api.c - the ARM handlers of executions: start, stop (one, all, the
 * CLI's legacy form), list and get. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "exec_priv.h"
#include "sim_arm.h"
#include "sim_ctx.h"
#include "sim_exec.h"
#include "sim_faults.h"
#include "sim_jobspec.h"
#include "sim_json.h"
#include "sim_lro.h"
#include "sim_routes.h"
#include "sim_util.h"

/* ---- rendering (state lock held) ------------------------------------- */

static void add_time(struct json_object *o, const char *k, const struct timespec *ts)
{
	char buf[48];

	sim_time_arm(ts, buf, sizeof(buf));
	json_object_object_add(o, k, json_object_new_string(buf));
}

/* detailedStatus of an execution; the caller puts it. */
static struct json_object *render_detailed(struct sim_exec *ex)
{
	struct json_object *ds = json_object_new_object(), *reps = json_object_new_array();

	for (struct sim_replica *r = ex->replicas; r; r = r->next) {
		struct json_object *ro = json_object_new_object(), *cs = json_object_new_array();
		json_object_object_add(ro, "name", json_object_new_string(r->name));
		for (size_t i = 0; i < r->nctrs; i++) {
			struct sim_ctr *c = &r->ctrs[i];
			struct json_object *co;
			if (c->is_init)
				continue;
			co = json_object_new_object();
			json_object_object_add(co, "name", json_object_new_string(c->name));
			if (c->state == SIM_CTR_TERMINATED && c->exit_code >= 0) {
				json_object_object_add(co, "code", json_object_new_int(c->exit_code));
				json_object_object_add(co, "additionalInformation",
						       json_object_new_string(c->exit_code == 0 ? "Completed"
												: "Error"));
				json_object_object_add(co, "status",
						       json_object_new_string(c->exit_code == 0 ? "Succeeded"
												: "Failed"));
			} else if (c->state == SIM_CTR_TERMINATED) {
				json_object_object_add(co, "additionalInformation",
						       json_object_new_string("ContainerCannotRun"));
				json_object_object_add(co, "status", json_object_new_string("Failed"));
			} else if (c->state == SIM_CTR_RUNNING) {
				json_object_object_add(co, "status", json_object_new_string("Running"));
			} else {
				/* Kubernetes' waiting reason: ContainerCreating
				 * while scheduled and pulling, ImagePullBackOff
				 * between failed pulls. */
				json_object_object_add(co, "additionalInformation",
						       json_object_new_string(*c->waiting_reason
										      ? c->waiting_reason
										      : "ContainerCreating"));
				json_object_object_add(co, "status", json_object_new_string("Pending"));
			}
			json_object_array_add(cs, co);
		}
		json_object_object_add(ro, "containers", cs);
		json_object_array_add(reps, ro);
	}
	json_object_object_add(ds, "replicas", reps);
	return ds;
}

/* The status ARM reports for ex: its own, unless an execution fault rule
 * makes a running one Degraded or Unknown. Copied into buf (>= 16). */
static const char *reported_status(struct sim_job *job, struct sim_exec *ex, char *buf,
				   size_t bufsz)
{
	if (!ex->ended && sim_faults_exec_status(sim_ctx()->faults, job->name, ex->name, buf, bufsz))
		return buf;
	snprintf(buf, bufsz, "%s", ex->status);
	return buf;
}

/* An execution as ARM returns it, with the status given (see
 * reported_status); the caller puts it. */
static struct json_object *render_exec(struct sim_job *job, struct sim_exec *ex,
				       const char *status, const char *api, int with_template)
{
	struct json_object *o = json_object_new_object(), *props = json_object_new_object();
	char *id = sim_strdupf("%s/executions/%s", job->id, ex->name);

	json_object_object_add(o, "name", json_object_new_string(ex->name));
	json_object_object_add(o, "id", json_object_new_string(id ? id : ""));
	json_object_object_add(o, "type", json_object_new_string("Microsoft.App/jobs/executions"));
	free(id);
	json_object_object_add(props, "status", json_object_new_string(status));
	add_time(props, "startTime", &ex->start);
	if (ex->ended)
		add_time(props, "endTime", &ex->end);
	if (with_template && ex->template) {
		struct json_object *t = NULL;
		if (json_object_deep_copy(ex->template, &t, NULL) == 0)
			json_object_object_add(props, "template", t);
	}
	if (sim_arm_has_detailed_status(api)) {
		json_object_object_add(props, "detailedStatus", render_detailed(ex));
		if (ex->reason)
			json_object_object_add(props, "reason", json_object_new_string(ex->reason));
		if (ex->message)
			json_object_object_add(props, "message", json_object_new_string(ex->message));
	}
	json_object_object_add(o, "properties", props);
	return o;
}

/* ---- handlers --------------------------------------------------------- */

void sim_exec_not_found(struct sim_resp *resp, const char *rg, const char *job,
			   const char *exec)
{
	sim_arm_error(resp, 404, "ResourceNotFound", NULL,
		      "The Resource 'Microsoft.App/jobs/%s/executions/%s' under resource group '%s' "
		      "was not found. For more details please go to "
		      "https://aka.ms/ARMResourceNotFoundFix",
		      job, exec, rg);
}

/* Find the execution named exec of the request's job. On success the
 * state lock is held and 0 returned; otherwise resp holds ARM's answer
 * (scope error or 404) and the lock is not held. */
int sim_exec_lookup(struct sim_req *req, struct sim_resp *resp, const char *exec,
		    struct sim_job **jobp, struct sim_exec **exp)
{
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *jn = req->params[P_JOB];
	struct sim_job *job;
	struct sim_exec *ex;

	if (sim_arm_check_scope(resp, sub, rg))
		return -1;
	job = sim_jobs_find_locked(req, resp, 0);
	if (!job)
		return -1;
	ex = sim_job_exec(job, exec);
	if (!ex) {
		sim_state_unlock();
		sim_exec_not_found(resp, rg, jn, exec);
		return -1;
	}
	*jobp = job;
	*exp = ex;
	return 0;
}

/* Copy the JobExecutionContainer fields of a template container (new
 * object, caller puts). */
static struct json_object *exec_container(struct json_object *c)
{
	static const char *const keys[] = { "image", "name", "command", "args", "env", "resources",
					    NULL };
	struct json_object *o = json_object_new_object();

	for (int i = 0; keys[i]; i++) {
		struct json_object *v = sim_jget(c, keys[i]), *copy = NULL;
		if (v && json_object_deep_copy(v, &copy, NULL) == 0) {
			if (strcmp(keys[i], "resources") == 0)
				json_object_object_del(copy, "ephemeralStorage");
			json_object_object_add(o, keys[i], copy);
		}
	}
	return o;
}

/* New array (caller puts). */
static struct json_object *exec_containers(struct json_object *arr)
{
	struct json_object *out = json_object_new_array();

	for (size_t i = 0; arr && i < sim_alen(arr); i++)
		json_object_array_add(out, exec_container(json_object_array_get_idx(arr, i)));
	return out;
}

/* Check secretRefs of an override against the job's secrets. */
static int check_override_refs(struct json_object *arr, struct json_object *secrets,
			       struct sim_resp *resp)
{
	for (size_t i = 0; arr && i < sim_alen(arr); i++) {
		struct json_object *c = json_object_array_get_idx(arr, i), *env = sim_jget(c, "env");
		if (!sim_jstr(c, "image") || !sim_jstr(c, "name")) {
			sim_arm_error(resp, 400, "ContainerAppImageRequired", NULL,
				      "Every container of the execution template needs a name and an "
				      "image.");
			return -EINVAL;
		}
		for (size_t k = 0; env && k < sim_alen(env); k++) {
			const char *ref = sim_jstr(json_object_array_get_idx(env, k), "secretRef");
			if (ref && !sim_plan_secret(secrets, ref)) {
				sim_arm_error(resp, 400, "ContainerAppSecretRefNotFound", NULL,
					      "SecretRef '%s' defined for container '%s' not found.",
					      ref, sim_jstr(c, "name"));
				return -EINVAL;
			}
		}
	}
	return 0;
}

void sim_h_job_start(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *jn = req->params[P_JOB];
	struct json_object *body = NULL, *tmpl = NULL, *props, *cfg, *jt, *out;
	struct sim_job *job;
	struct sim_exec *ex;
	struct sim_op *op;
	struct plan *plan = NULL;
	char suffix[8], name[64], *id = NULL;
	const char *trig;
	int n;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	if (sim_arm_parse_body(req, resp, 1, &body))
		return;
	if (body && sim_jobspec_check_start_types(body, resp))
		goto out;

	sim_state_lock();
	job = sim_state_job(ctx->state, sub, rg, jn);
	if (!job || job->deleting) {
		sim_state_unlock();
		sim_jobs_not_found(resp, rg, jn);
		goto out;
	}
	props = sim_jget(job->doc, "properties");
	cfg = sim_jget(props, "configuration");
	jt = sim_jget(props, "template");
	trig = sim_jstr(cfg, "triggerType");
	tmpl = json_object_new_object();
	/* The override replaces the job's container lists it names; volume
	 * mounts stay those of the job's container with the same name. */
	if (body && sim_jget(body, "containers") && sim_alen(sim_jget(body, "containers")))
		json_object_object_add(tmpl, "containers", exec_containers(sim_jget(body, "containers")));
	else
		json_object_object_add(tmpl, "containers", exec_containers(sim_jget(jt, "containers")));
	if (body && sim_jget(body, "initContainers"))
		json_object_object_add(tmpl, "initContainers",
				       exec_containers(sim_jget(body, "initContainers")));
	else if (sim_jget(jt, "initContainers"))
		json_object_object_add(tmpl, "initContainers",
				       exec_containers(sim_jget(jt, "initContainers")));
	if (body && (check_override_refs(sim_jget(tmpl, "containers"), sim_jget(cfg, "secrets"), resp) ||
		     check_override_refs(sim_jget(tmpl, "initContainers"), sim_jget(cfg, "secrets"), resp) ||
		     sim_jobspec_check_exec_template(job, tmpl, resp))) {
		sim_state_unlock();
		goto out;
	}
	for (int tries = 0;; tries++) {
		sim_rand_alnum(suffix, 7);
		snprintf(name, sizeof(name), "%s-%s", job->name, suffix);
		if (!sim_job_exec(job, name) || tries > 10)
			break;
	}
	plan = sim_plan_build(job, name, tmpl);
	ex = plan ? sim_job_add_exec(ctx->state, job, name) : NULL;
	if (!ex) {
		sim_state_unlock();
		sim_arm_error(resp, 500, "InternalServerError", NULL, "Could not start the execution.");
		goto out;
	}
	ex->template = tmpl;
	tmpl = NULL;
	{
		struct json_object *trigcfg =
			sim_jget(cfg, trig && strcasecmp(trig, "Schedule") == 0 ? "scheduleTriggerConfig"
			     : trig && strcasecmp(trig, "Event") == 0      ? "eventTriggerConfig"
									   : "manualTriggerConfig");
		ex->parallelism = sim_jget(trigcfg, "parallelism") ? json_object_get_int(sim_jget(trigcfg, "parallelism")) : 1;
		ex->completions = sim_jget(trigcfg, "replicaCompletionCount")
					  ? json_object_get_int(sim_jget(trigcfg, "replicaCompletionCount"))
					  : 1;
		if (ex->parallelism < 1)
			ex->parallelism = 1;
		if (ex->completions < 1)
			ex->completions = 1;
		ex->retry_limit = sim_jget(cfg, "replicaRetryLimit") ? json_object_get_int(sim_jget(cfg, "replicaRetryLimit")) : 0;
	}
	id = sim_strdupf("%s/executions/%s", job->id, name);
	out = json_object_new_object();
	json_object_object_add(out, "name", json_object_new_string(name));
	json_object_object_add(out, "id", json_object_new_string(id ? id : ""));
	op = sim_lro_new(ctx->state, SIM_OP_JOB_START, id, sub, sim_jstr(job->doc, "location"), 0);
	if (op) {
		op->result = strdup(json_object_to_json_string_ext(
			out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		sim_lro_headers(resp, op, sub, sim_jstr(job->doc, "location"),
				sim_req_query(req, "api-version"), 0, 1);
	}
	n = ex->parallelism < ex->completions ? ex->parallelism : ex->completions;
	sim_state_unlock();
	sim_resp_json(resp, 202, out);
	json_object_put(out);
	for (int i = 0; i < n; i++)
		sim_exec_launch(plan);
out:
	sim_plan_unref(plan);
	free(id);
	json_object_put(tmpl);
	json_object_put(body);
}

/* Stop one execution; answers 200 (also for one already finished). */
static void stop_one(struct sim_req *req, struct sim_resp *resp, const char *exec_name)
{
	struct sim_job *job;
	struct sim_exec *ex;

	if (sim_exec_lookup(req, resp, exec_name, &job, &ex))
		return;
	sim_exec_stop(ex);
	sim_state_unlock();
	sim_resp_empty(resp, 200);
}

void sim_h_exec_stop(struct sim_req *req, struct sim_resp *resp)
{
	stop_one(req, resp, req->params[P_EXEC]);
}

void sim_h_job_stop_legacy(struct sim_req *req, struct sim_resp *resp)
{
	stop_one(req, resp, req->params[P_EXEC]);
}

void sim_h_job_stop_all(struct sim_req *req, struct sim_resp *resp)
{
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG];
	struct sim_job *job;
	struct json_object *root, *arr;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	job = sim_jobs_find_locked(req, resp, 0);
	if (!job)
		return;
	root = json_object_new_object();
	arr = json_object_new_array();
	for (struct sim_exec *ex = job->execs; ex; ex = ex->next) {
		if (!sim_exec_stop(ex))
			continue;
		json_object_array_add(arr, render_exec(job, ex, ex->status,
						       sim_req_query(req, "api-version"), 0));
	}
	sim_state_unlock();
	json_object_object_add(root, "value", arr);
	json_object_object_add(root, "nextLink", NULL);
	sim_resp_json(resp, 200, root);
	json_object_put(root);
}

/* $filter: the portal's "status eq 'Running'" form; anything else is
 * refused rather than ignored. */
static int parse_filter(const char *f, char *status, size_t sz, struct sim_resp *resp)
{
	char val[32];

	status[0] = '\0';
	if (!f || !*f)
		return 0;
	if (sscanf(f, " status eq '%31[A-Za-z]' ", val) == 1 ||
	    sscanf(f, " properties/status eq '%31[A-Za-z]' ", val) == 1) {
		snprintf(status, sz, "%s", val);
		return 0;
	}
	sim_arm_error(resp, 400, "InvalidFilterParameter", NULL,
		      "The $filter '%s' is not supported. Supported: status eq '<status>'.", f);
	return -EINVAL;
}

void sim_h_exec_list(struct sim_req *req, struct sim_resp *resp)
{
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG];
	const char *api = sim_req_query(req, "api-version");
	struct sim_arm_page pg;
	int want;
	char status[32], st[32];
	struct sim_job *job;
	struct json_object *root, *arr;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	if (parse_filter(sim_req_query(req, "$filter"), status, sizeof(status), resp))
		return;
	sim_arm_page_init(req, &pg);
	job = sim_jobs_find_locked(req, resp, 0);
	if (!job)
		return;
	root = json_object_new_object();
	arr = json_object_new_array();
	for (struct sim_exec *ex = job->execs; ex; ex = ex->next) {
		reported_status(job, ex, st, sizeof(st));
		if (*status && strcasecmp(status, st) != 0)
			continue;
		want = sim_arm_page_next(&pg);
		if (want < 0)
			break;
		if (want)
			json_object_array_add(arr, render_exec(job, ex, st, api, 1));
	}
	sim_state_unlock();
	json_object_object_add(root, "value", arr);
	sim_arm_page_link(req, &pg, sim_req_query(req, "$filter"), root);
	sim_resp_json(resp, 200, root);
	json_object_put(root);
}

void sim_h_exec_get(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_job *job;
	struct sim_exec *ex;
	struct json_object *o;
	char st[32];

	if (sim_exec_lookup(req, resp, req->params[P_EXEC], &job, &ex))
		return;
	o = render_exec(job, ex, reported_status(job, ex, st, sizeof(st)),
			sim_req_query(req, "api-version"), 1);
	sim_state_unlock();
	sim_resp_json(resp, 200, o);
	json_object_put(o);
}
