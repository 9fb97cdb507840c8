/* sim_exec.c - start/stop/list executions and replicas, and the runner
 * callbacks that turn a replica's life into status, exit codes, Log
 * Analytics rows and log stream output. */
#include "config.h"

#include "sim_exec.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "sim_json.h"

#include "la_store.h"
#include "run_replica.h"
#include "sim_arm.h"
#include "sim_ctx.h"
#include "sim_jobspec.h"
#include "sim_logs.h"
#include "sim_lro.h"
#include "sim_routes.h"
#include "sim_util.h"

#define P_SUB 0
#define P_RG 1
#define P_JOB 2
#define P_EXEC 3

/* ---- launch plans ----------------------------------------------------
 * Everything needed to start (more) replicas of one execution, as plain C
 * data (json-c trees must stay in one thread). Shared by the execution's
 * replicas through a reference count. */

struct plan {
	pthread_mutex_t mu;
	int refs;
	char *sub, *rg, *job, *job_id, *exec;
	char *env_name, *workspace, *location;
	struct run_replica_spec spec;   /* replica_name set per replica */
	void **allocs;                  /* everything spec points into */
	size_t nallocs, capallocs;
};

/* One running replica: the runner's callback ud. */
struct rctx {
	struct plan *plan;
	char *replica;
};

static void *plan_keep(struct plan *p, void *mem)
{
	if (!mem)
		return NULL;
	if (p->nallocs == p->capallocs) {
		size_t cap = p->capallocs ? p->capallocs * 2 : 32;
		void **a = realloc(p->allocs, cap * sizeof(*a));
		if (!a) {
			free(mem);
			return NULL;
		}
		p->allocs = a;
		p->capallocs = cap;
	}
	p->allocs[p->nallocs++] = mem;
	return mem;
}

static char *plan_str(struct plan *p, const char *s)
{
	return s ? plan_keep(p, strdup(s)) : NULL;
}

static void plan_unref(struct plan *p)
{
	int last;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	last = --p->refs == 0;
	pthread_mutex_unlock(&p->mu);
	if (!last)
		return;
	for (size_t i = 0; i < p->nallocs; i++)
		free(p->allocs[i]);
	free(p->allocs);
	free(p->sub);
	free(p->rg);
	free(p->job);
	free(p->job_id);
	free(p->exec);
	free(p->env_name);
	free(p->workspace);
	free(p->location);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static void plan_ref(struct plan *p)
{
	pthread_mutex_lock(&p->mu);
	p->refs++;
	pthread_mutex_unlock(&p->mu);
}

static struct json_object *jget(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	json_object_object_get_ex(o, k, &v);
	return v;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v = jget(o, k);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static const char *secret_value(struct json_object *secrets, const char *name)
{
	for (size_t i = 0; secrets && i < sim_alen(secrets); i++) {
		struct json_object *s = json_object_array_get_idx(secrets, i);
		const char *n = jstr(s, "name");
		if (n && strcmp(n, name) == 0)
			return jstr(s, "value") ? jstr(s, "value") : "";
	}
	return NULL;
}

static const char *const *plan_argv(struct plan *p, struct json_object *arr)
{
	size_t n = arr ? sim_alen(arr) : 0;
	const char **v;

	if (!n)
		return NULL;
	v = plan_keep(p, calloc(n + 1, sizeof(*v)));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
		v[i] = plan_str(p, s ? s : "");
	}
	return v;
}

/* Fill one container spec from a JobExecutionContainer-shaped object;
 * mounts come from the job template container of the same name. */
static int plan_container(struct plan *p, struct run_container_spec *c,
			  struct json_object *src, struct json_object *job_ctrs,
			  struct json_object *secrets)
{
	struct json_object *env = jget(src, "env"), *res = jget(src, "resources");
	struct json_object *mounts = NULL;
	size_t n;

	c->name = plan_str(p, jstr(src, "name"));
	c->image = plan_str(p, jstr(src, "image"));
	c->command = plan_argv(p, jget(src, "command"));
	c->args = plan_argv(p, jget(src, "args"));
	c->cpu = res && jget(res, "cpu") ? json_object_get_double(jget(res, "cpu")) : 0.5;
	c->memory = plan_str(p, jstr(res, "memory") ? jstr(res, "memory") : "1Gi");
	n = env ? sim_alen(env) : 0;
	if (n) {
		struct run_env_var *ev = plan_keep(p, calloc(n, sizeof(*ev)));
		if (!ev)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(env, i);
			const char *ref = jstr(e, "secretRef");
			ev[i].name = plan_str(p, jstr(e, "name"));
			if (ref) {
				/* secretRef resolved here, from the job's secrets. */
				const char *val = secret_value(secrets, ref);
				if (!val)
					return -ENOENT;
				ev[i].value = plan_str(p, val);
			} else {
				ev[i].value = plan_str(p, jstr(e, "value") ? jstr(e, "value") : "");
			}
		}
		c->env = ev;
		c->n_env = n;
	}
	for (size_t i = 0; job_ctrs && i < sim_alen(job_ctrs); i++) {
		struct json_object *jc = json_object_array_get_idx(job_ctrs, i);
		if (jstr(jc, "name") && c->name && strcmp(jstr(jc, "name"), c->name) == 0)
			mounts = jget(jc, "volumeMounts");
	}
	n = mounts ? sim_alen(mounts) : 0;
	if (n) {
		struct run_volume_mount *m = plan_keep(p, calloc(n, sizeof(*m)));
		if (!m)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_array_get_idx(mounts, i);
			m[i].volume_name = plan_str(p, jstr(o, "volumeName"));
			m[i].mount_path = plan_str(p, jstr(o, "mountPath"));
			m[i].sub_path = plan_str(p, jstr(o, "subPath"));
		}
		c->mounts = m;
		c->n_mounts = n;
	}
	return 0;
}

static int plan_containers(struct plan *p, struct json_object *arr, struct json_object *job_ctrs,
			   struct json_object *secrets, const struct run_container_spec **out,
			   size_t *nout)
{
	size_t n = arr ? sim_alen(arr) : 0;
	struct run_container_spec *c;

	*out = NULL;
	*nout = 0;
	if (!n)
		return 0;
	c = plan_keep(p, calloc(n, sizeof(*c)));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int rc = plan_container(p, &c[i], json_object_array_get_idx(arr, i), job_ctrs, secrets);
		if (rc)
			return rc;
	}
	*out = c;
	*nout = n;
	return 0;
}

/* Build a plan for executing tmpl (the effective JobExecutionTemplate) of
 * job; state lock held. Released with plan_unref(); NULL on ENOMEM. */
static struct plan *plan_build(struct sim_job *job, const char *exec, struct json_object *tmpl)
{
	struct sim_ctx *ctx = sim_ctx();
	struct json_object *props = jget(job->doc, "properties");
	struct json_object *cfg = jget(props, "configuration");
	struct json_object *jt = jget(props, "template");
	struct json_object *secrets = jget(cfg, "secrets");
	struct json_object *vols = jget(jt, "volumes"), *regs = jget(cfg, "registries");
	struct sim_env *env = sim_state_env_by_id(ctx->state, jstr(props, "environmentId"));
	struct plan *p = calloc(1, sizeof(*p));
	char loc[64];
	size_t n;

	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	p->refs = 1;
	sim_lro_norm_location(jstr(job->doc, "location"), loc, sizeof(loc));
	p->sub = strdup(job->sub);
	p->rg = strdup(job->rg);
	p->job = strdup(job->name);
	p->job_id = strdup(job->id);
	p->exec = strdup(exec);
	p->env_name = strdup(env ? env->name : "");
	p->workspace = strdup(env && env->workspace ? env->workspace : "");
	p->location = strdup(loc);
	if (!p->sub || !p->rg || !p->job || !p->job_id || !p->exec || !p->env_name ||
	    !p->workspace || !p->location)
		goto fail;
	if (plan_containers(p, jget(tmpl, "initContainers"), jget(jt, "initContainers"), secrets,
			    &p->spec.init_containers, &p->spec.n_init_containers) ||
	    plan_containers(p, jget(tmpl, "containers"), jget(jt, "containers"), secrets,
			    &p->spec.containers, &p->spec.n_containers))
		goto fail;
	n = vols ? sim_alen(vols) : 0;
	if (n) {
		struct run_volume *v = plan_keep(p, calloc(n, sizeof(*v)));
		if (!v)
			goto fail;
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_array_get_idx(vols, i);
			v[i].name = plan_str(p, jstr(o, "name"));
			v[i].storage_type = plan_str(p, jstr(o, "storageType"));
		}
		p->spec.volumes = v;
		p->spec.n_volumes = n;
	}
	n = regs ? sim_alen(regs) : 0;
	if (n) {
		struct run_registry_cred *r = plan_keep(p, calloc(n, sizeof(*r)));
		if (!r)
			goto fail;
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_array_get_idx(regs, i);
			const char *ref = jstr(o, "passwordSecretRef");
			r[i].server = plan_str(p, jstr(o, "server"));
			r[i].username = plan_str(p, jstr(o, "username"));
			r[i].password = plan_str(p, ref ? secret_value(secrets, ref) : NULL);
		}
		p->spec.registries = r;
		p->spec.n_registries = n;
	}
	p->spec.replica_timeout_s = jget(cfg, "replicaTimeout")
					    ? json_object_get_int(jget(cfg, "replicaTimeout"))
					    : 1800;
	p->spec.stop_grace_s = (int)ctx->cfg->stop_grace_s;
	return p;
fail:
	plan_unref(p);
	return NULL;
}

/* ---- stop queue ------------------------------------------------------ */

static pthread_mutex_t stopq_mu = PTHREAD_MUTEX_INITIALIZER;
static char **stopq;
static size_t nstopq, capstopq;

static void queue_stop(const char *replica)
{
	char *s = strdup(replica);

	if (!s)
		return;
	pthread_mutex_lock(&stopq_mu);
	if (nstopq == capstopq) {
		size_t cap = capstopq ? capstopq * 2 : 16;
		char **q = realloc(stopq, cap * sizeof(*q));
		if (!q) {
			pthread_mutex_unlock(&stopq_mu);
			free(s);
			return;
		}
		stopq = q;
		capstopq = cap;
	}
	stopq[nstopq++] = s;
	pthread_mutex_unlock(&stopq_mu);
}

void sim_exec_flush_stops(void)
{
	struct sim_ctx *ctx = sim_ctx();

	for (;;) {
		char *name = NULL;

		pthread_mutex_lock(&stopq_mu);
		if (nstopq)
			name = stopq[--nstopq];
		pthread_mutex_unlock(&stopq_mu);
		if (!name)
			break;
		if (ctx->engine)
			run_engine_stop(ctx->engine, name, -1);
		free(name);
	}
}

void sim_exec_shutdown(void)
{
	pthread_mutex_lock(&stopq_mu);
	for (size_t i = 0; i < nstopq; i++)
		free(stopq[i]);
	free(stopq);
	stopq = NULL;
	nstopq = capstopq = 0;
	pthread_mutex_unlock(&stopq_mu);
}

/* ---- execution state helpers (state lock held) ----------------------- */

static void exec_end(struct sim_exec *ex, const char *status, const char *reason,
		     const char *message)
{
	if (ex->ended)
		return;
	snprintf(ex->status, sizeof(ex->status), "%s", status);
	ex->end = sim_now();
	ex->ended = 1;
	free(ex->reason);
	free(ex->message);
	ex->reason = reason ? strdup(reason) : NULL;
	ex->message = message ? strdup(message) : NULL;
}

static void stop_active_replicas(struct sim_exec *ex)
{
	for (struct sim_replica *r = ex->replicas; r; r = r->next)
		if (!r->done)
			queue_stop(r->name);
}

void sim_exec_stop_job_locked(struct sim_job *job)
{
	for (struct sim_exec *ex = job->execs; ex; ex = ex->next) {
		if (ex->ended)
			continue;
		ex->stop_requested = 1;
		exec_end(ex, "Stopped", NULL, NULL);
		stop_active_replicas(ex);
	}
}

static struct sim_exec *find_exec(struct plan *p, struct sim_job **jobp)
{
	struct sim_job *job = sim_state_job(sim_ctx()->state, p->sub, p->rg, p->job);

	if (!job || strcasecmp(job->id, p->job_id) != 0)
		return NULL;
	if (jobp)
		*jobp = job;
	return sim_job_exec(job, p->exec);
}

/* ---- Log Analytics --------------------------------------------------- */

static void la_event(struct plan *p, const char *replica, const char *container,
		     const char *reason, const char *message, int warning)
{
	struct sim_ctx *ctx = sim_ctx();
	struct la_system_record rec;

	if (!ctx->la || !*p->workspace)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.job_name = p->job;
	rec.execution_name = p->exec;
	rec.replica_name = replica ? replica : "";
	rec.container_name = container ? container : "";
	rec.reason = reason;
	rec.message = message;
	rec.type = warning ? "Warning" : "Normal";
	rec.environment_name = p->env_name;
	rec.resource_id = p->job_id;
	rec.subscription_id = p->sub;
	rec.location = p->location;
	la_store_append_system(ctx->la, p->workspace, &rec);
}

static const char *image_of(struct plan *p, const char *container)
{
	for (size_t i = 0; i < p->spec.n_containers; i++)
		if (strcmp(p->spec.containers[i].name, container) == 0)
			return p->spec.containers[i].image;
	for (size_t i = 0; i < p->spec.n_init_containers; i++)
		if (strcmp(p->spec.init_containers[i].name, container) == 0)
			return p->spec.init_containers[i].image;
	return "";
}

/* ---- replica launching ----------------------------------------------- */

static void cb_event(void *ud, const char *replica, const char *container,
		     const char *reason, const char *message);
static void cb_start(void *ud, const char *replica, const char *container, int is_init);
static void cb_output(void *ud, const char *replica, const char *container,
		      enum run_stream stream, const char *line, size_t len, int partial,
		      const struct timespec *ts);
static void cb_exit(void *ud, const char *replica, const char *container, int is_init,
		    int exit_code);
static void cb_done(void *ud, const char *replica, enum run_replica_result result,
		    const char *message);
static void replica_finished(struct rctx *rc, enum run_replica_result result,
			     const char *message);

static void rctx_free(struct rctx *rc)
{
	if (!rc)
		return;
	plan_unref(rc->plan);
	free(rc->replica);
	free(rc);
}

static void fill_ctrs(struct sim_replica *r, struct plan *p)
{
	size_t n = p->spec.n_init_containers + p->spec.n_containers, k = 0;

	r->ctrs = calloc(n ? n : 1, sizeof(*r->ctrs));
	if (!r->ctrs)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct run_container_spec *c =
			i < p->spec.n_init_containers
				? &p->spec.init_containers[i]
				: &p->spec.containers[i - p->spec.n_init_containers];
		char hex[65];
		r->ctrs[k].name = strdup(c->name);
		r->ctrs[k].image = strdup(c->image);
		if (!r->ctrs[k].name || !r->ctrs[k].image) {
			free(r->ctrs[k].name);
			free(r->ctrs[k].image);
			continue;
		}
		r->ctrs[k].is_init = i < p->spec.n_init_containers;
		r->ctrs[k].exit_code = -1;
		sim_rand_alnum(hex, 64);
		for (int h = 0; h < 64; h++)
			if (hex[h] > 'f')
				hex[h] = (char)('a' + (hex[h] % 6));
		snprintf(r->ctrs[k].container_id, sizeof(r->ctrs[k].container_id),
			 "containerd://%s", hex);
		k++;
	}
	r->nctrs = k;
}

/* Start one more replica of p's execution (no lock held). */
static void launch_replica(struct plan *p)
{
	struct sim_ctx *ctx = sim_ctx();
	struct sim_exec *ex;
	struct sim_replica *r;
	struct rctx *rc;
	struct run_replica_spec spec;
	struct run_callbacks cb;
	struct run_err err;
	char suffix[6], *name;
	int rcode;

	sim_rand_alnum(suffix, 5);
	name = sim_strdupf("%s-%s", p->exec, suffix);
	rc = calloc(1, sizeof(*rc));
	if (!name || !rc) {
		free(name);
		free(rc);
		return;
	}
	rc->replica = name;
	plan_ref(p);
	rc->plan = p;

	sim_state_lock();
	ex = find_exec(p, NULL);
	if (!ex || ex->ended) {
		sim_state_unlock();
		rctx_free(rc);
		return;
	}
	r = sim_exec_add_replica(ex, name);
	if (!r) {
		sim_state_unlock();
		rctx_free(rc);
		return;
	}
	fill_ctrs(r, p);
	ex->active++;
	sim_state_unlock();

	for (size_t i = 0; i < p->spec.n_init_containers; i++)
		sim_logs_add(ctx->logs, p->job_id, p->exec, name, p->spec.init_containers[i].name);
	for (size_t i = 0; i < p->spec.n_containers; i++)
		sim_logs_add(ctx->logs, p->job_id, p->exec, name, p->spec.containers[i].name);

	if (!ctx->engine) {
		la_event(p, name, NULL, RUN_REASON_CONTAINER_CREATE_FAILURE,
			 "Failed to create replica: workload execution is disabled in this "
			 "simulator (--no-workloads)", 1);
		replica_finished(rc, RUN_REPLICA_FAILED, "workloads disabled");
		rctx_free(rc);
		return;
	}
	spec = p->spec;
	spec.replica_name = name;
	memset(&err, 0, sizeof(err));
	memset(&cb, 0, sizeof(cb));
	cb.ud = rc;
	cb.on_event = cb_event;
	cb.on_container_start = cb_start;
	cb.on_output = cb_output;
	cb.on_container_exit = cb_exit;
	cb.on_replica_done = cb_done;
	rcode = run_engine_start(ctx->engine, &spec, &cb, &err);
	if (rcode != 0) {
		char msg[RUN_ERR_MAX + 64];
		snprintf(msg, sizeof(msg), "Failed to create replica '%s': %s", name, err.msg);
		la_event(p, name, NULL, RUN_REASON_CONTAINER_CREATE_FAILURE, msg, 1);
		replica_finished(rc, RUN_REPLICA_FAILED, err.msg);
		rctx_free(rc);
	}
}

/* ---- runner callbacks (replica thread) -------------------------------- */

static int is_warning(const char *reason, const char *message)
{
	if (strcmp(reason, RUN_REASON_CONTAINER_TERMINATED) == 0)
		return !message || !strstr(message, "exit code '0'");
	return strcmp(reason, RUN_REASON_IMAGE_PULL_FAILURE) == 0 ||
	       strcmp(reason, RUN_REASON_IMAGE_PULL_UNAUTHORIZED) == 0 ||
	       strcmp(reason, RUN_REASON_CONTAINER_CREATE_FAILURE) == 0;
}

static void cb_event(void *ud, const char *replica, const char *container,
		     const char *reason, const char *message)
{
	struct rctx *rc = ud;

	la_event(rc->plan, replica, container, reason, message, is_warning(reason, message));
}

static void cb_start(void *ud, const char *replica, const char *container, int is_init)
{
	struct rctx *rc = ud;
	struct sim_exec *ex;
	struct sim_replica *r;
	struct sim_ctr *c;

	(void)is_init;
	sim_state_lock();
	ex = find_exec(rc->plan, NULL);
	if (ex && (r = sim_exec_replica(ex, replica)) && (c = sim_replica_ctr(r, container))) {
		c->state = SIM_CTR_RUNNING;
		c->started = sim_now();
		r->running = 1;
	}
	sim_state_unlock();
}

static void cb_output(void *ud, const char *replica, const char *container,
		      enum run_stream stream, const char *line, size_t len, int partial,
		      const struct timespec *ts)
{
	struct rctx *rc = ud;
	struct plan *p = rc->plan;
	struct sim_ctx *ctx = sim_ctx();

	sim_logs_append(ctx->logs, p->job_id, p->exec, replica, container,
			stream == RUN_STDERR ? 2 : 1, line, len, partial, ts);
	if (ctx->la && *p->workspace) {
		struct la_console_record rec;

		memset(&rec, 0, sizeof(rec));
		rec.time_ns = ts ? (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec : 0;
		rec.job_name = p->job;
		rec.execution_name = p->exec;
		rec.container_group_name = replica;
		rec.container_name = container;
		rec.container_image = image_of(p, container);
		rec.stream = stream == RUN_STDERR ? "stderr" : "stdout";
		rec.log = line;
		rec.log_len = len;
		rec.environment_name = p->env_name;
		rec.container_app_name = "";
		rec.revision_name = "";
		rec.resource_id = p->job_id;
		rec.subscription_id = p->sub;
		rec.location = p->location;
		if (len == 0)
			rec.log = "";
		la_store_append_console(ctx->la, p->workspace, &rec);
	}
}

static void cb_exit(void *ud, const char *replica, const char *container, int is_init,
		    int exit_code)
{
	struct rctx *rc = ud;
	struct sim_exec *ex;
	struct sim_replica *r;
	struct sim_ctr *c;

	(void)is_init;
	sim_state_lock();
	ex = find_exec(rc->plan, NULL);
	if (ex && (r = sim_exec_replica(ex, replica)) && (c = sim_replica_ctr(r, container))) {
		c->state = SIM_CTR_TERMINATED;
		c->exit_code = exit_code;
		c->finished = sim_now();
	}
	sim_state_unlock();
	sim_logs_end(sim_ctx()->logs, rc->plan->job_id, rc->plan->exec, replica, container,
		     sim_ctx()->cfg->logstream_retention_s * 1000);
}

static void cb_done(void *ud, const char *replica, enum run_replica_result result,
		    const char *message)
{
	struct rctx *rc = ud;

	(void)replica;
	replica_finished(rc, result, message);
	rctx_free(rc);
}

/* Book-keeping after a replica ended; may start or stop other replicas. */
static void replica_finished(struct rctx *rc, enum run_replica_result result,
			     const char *message)
{
	struct sim_ctx *ctx = sim_ctx();
	struct plan *p = rc->plan;
	struct sim_exec *ex;
	struct sim_replica *r;
	int to_start = 0;

	(void)message;
	sim_logs_end(ctx->logs, p->job_id, p->exec, rc->replica, NULL,
		     ctx->cfg->logstream_retention_s * 1000);
	sim_state_lock();
	ex = find_exec(p, NULL);
	if (!ex) {
		sim_state_unlock();
		return;
	}
	r = sim_exec_replica(ex, rc->replica);
	if (r && !r->done) {
		r->done = 1;
		r->done_at_ms = sim_mono_ms();
		for (size_t i = 0; i < r->nctrs; i++) {
			/* Containers that never ran (init failed, stopped first). */
			if (r->ctrs[i].state != SIM_CTR_TERMINATED) {
				r->ctrs[i].state = SIM_CTR_TERMINATED;
				r->ctrs[i].finished = sim_now();
			}
		}
		if (ex->active > 0)
			ex->active--;
	}
	if (!ex->ended) {
		switch (result) {
		case RUN_REPLICA_SUCCEEDED:
			ex->succeeded++;
			if (ex->succeeded >= ex->completions) {
				exec_end(ex, "Succeeded", "CompletionsReached",
					 "Reached expected number of succeeded pods");
			} else {
				int want = ex->completions - ex->succeeded - ex->active;
				int room = ex->parallelism - ex->active;
				to_start = want < room ? want : room;
			}
			break;
		case RUN_REPLICA_FAILED:
			ex->failed++;
			if (ex->failed > ex->retry_limit) {
				exec_end(ex, "Failed", "BackoffLimitExceeded",
					 "Job has reached the specified backoff limit");
				stop_active_replicas(ex);
			} else {
				to_start = 1;
			}
			break;
		case RUN_REPLICA_TIMED_OUT:
			ex->failed++;
			exec_end(ex, "Failed", "DeadlineExceeded",
				 "Job was active longer than specified deadline");
			stop_active_replicas(ex);
			break;
		case RUN_REPLICA_STOPPED:
			exec_end(ex, "Stopped", NULL, NULL);
			stop_active_replicas(ex);
			break;
		}
	}
	sim_state_unlock();
	if (ctx->stopping)
		return;
	for (int i = 0; i < to_start; i++)
		launch_replica(p);
	/* Stopping from a callback is allowed by the runner. */
	sim_exec_flush_stops();
}

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
				json_object_object_add(co, "additionalInformation",
						       json_object_new_string("ContainerCreating"));
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

/* An execution as ARM returns it; the caller puts it. */
static struct json_object *render_exec(struct sim_job *job, struct sim_exec *ex,
				       const char *api, int with_template)
{
	struct json_object *o = json_object_new_object(), *props = json_object_new_object();
	char *id = sim_strdupf("%s/executions/%s", job->id, ex->name);

	json_object_object_add(o, "name", json_object_new_string(ex->name));
	json_object_object_add(o, "id", json_object_new_string(id ? id : ""));
	json_object_object_add(o, "type", json_object_new_string("Microsoft.App/jobs/executions"));
	free(id);
	json_object_object_add(props, "status", json_object_new_string(ex->status));
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

static void exec_not_found(struct sim_resp *resp, const char *rg, const char *job,
			   const char *exec)
{
	sim_arm_error(resp, 404, "ResourceNotFound", NULL,
		      "The Resource 'Microsoft.App/jobs/%s/executions/%s' under resource group '%s' "
		      "was not found. For more details please go to "
		      "https://aka.ms/ARMResourceNotFoundFix",
		      job, exec, rg);
}

/* Copy the JobExecutionContainer fields of a template container (new
 * object, caller puts). */
static struct json_object *exec_container(struct json_object *c)
{
	static const char *const keys[] = { "image", "name", "command", "args", "env", "resources",
					    NULL };
	struct json_object *o = json_object_new_object();

	for (int i = 0; keys[i]; i++) {
		struct json_object *v = jget(c, keys[i]), *copy = NULL;
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
		struct json_object *c = json_object_array_get_idx(arr, i), *env = jget(c, "env");
		if (!jstr(c, "image") || !jstr(c, "name")) {
			sim_arm_error(resp, 400, "ContainerAppImageRequired", NULL,
				      "Every container of the execution template needs a name and an "
				      "image.");
			return -EINVAL;
		}
		for (size_t k = 0; env && k < sim_alen(env); k++) {
			const char *ref = jstr(json_object_array_get_idx(env, k), "secretRef");
			if (ref && !secret_value(secrets, ref)) {
				sim_arm_error(resp, 400, "ContainerAppSecretRefNotFound", NULL,
					      "SecretRef '%s' defined for container '%s' not found.",
					      ref, jstr(c, "name"));
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
	props = jget(job->doc, "properties");
	cfg = jget(props, "configuration");
	jt = jget(props, "template");
	trig = jstr(cfg, "triggerType");
	tmpl = json_object_new_object();
	/* The override replaces the job's container lists it names; volume
	 * mounts stay those of the job's container with the same name. */
	if (body && jget(body, "containers") && sim_alen(jget(body, "containers")))
		json_object_object_add(tmpl, "containers", exec_containers(jget(body, "containers")));
	else
		json_object_object_add(tmpl, "containers", exec_containers(jget(jt, "containers")));
	if (body && jget(body, "initContainers"))
		json_object_object_add(tmpl, "initContainers",
				       exec_containers(jget(body, "initContainers")));
	else if (jget(jt, "initContainers"))
		json_object_object_add(tmpl, "initContainers",
				       exec_containers(jget(jt, "initContainers")));
	if (body && (check_override_refs(jget(tmpl, "containers"), jget(cfg, "secrets"), resp) ||
		     check_override_refs(jget(tmpl, "initContainers"), jget(cfg, "secrets"), resp) ||
		     sim_jobspec_check_resources(jget(tmpl, "containers"), resp))) {
		sim_state_unlock();
		goto out;
	}
	for (int tries = 0;; tries++) {
		sim_rand_alnum(suffix, 7);
		snprintf(name, sizeof(name), "%s-%s", job->name, suffix);
		if (!sim_job_exec(job, name) || tries > 10)
			break;
	}
	plan = plan_build(job, name, tmpl);
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
			jget(cfg, trig && strcasecmp(trig, "Schedule") == 0 ? "scheduleTriggerConfig"
			     : trig && strcasecmp(trig, "Event") == 0      ? "eventTriggerConfig"
									   : "manualTriggerConfig");
		ex->parallelism = jget(trigcfg, "parallelism") ? json_object_get_int(jget(trigcfg, "parallelism")) : 1;
		ex->completions = jget(trigcfg, "replicaCompletionCount")
					  ? json_object_get_int(jget(trigcfg, "replicaCompletionCount"))
					  : 1;
		if (ex->parallelism < 1)
			ex->parallelism = 1;
		if (ex->completions < 1)
			ex->completions = 1;
		ex->retry_limit = jget(cfg, "replicaRetryLimit") ? json_object_get_int(jget(cfg, "replicaRetryLimit")) : 0;
	}
	id = sim_strdupf("%s/executions/%s", job->id, name);
	out = json_object_new_object();
	json_object_object_add(out, "name", json_object_new_string(name));
	json_object_object_add(out, "id", json_object_new_string(id ? id : ""));
	op = sim_lro_new(ctx->state, SIM_OP_JOB_START, id, sub, jstr(job->doc, "location"), 0);
	if (op) {
		op->result = strdup(json_object_to_json_string_ext(
			out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		sim_lro_headers(resp, op, sub, jstr(job->doc, "location"),
				sim_req_query(req, "api-version"), 0, 1);
	}
	n = ex->parallelism < ex->completions ? ex->parallelism : ex->completions;
	sim_state_unlock();
	sim_resp_json(resp, 202, out);
	json_object_put(out);
	for (int i = 0; i < n; i++)
		launch_replica(plan);
out:
	plan_unref(plan);
	free(id);
	json_object_put(tmpl);
	json_object_put(body);
}

/* Stop one execution; answers 200 (also for one already finished). */
static void stop_one(struct sim_req *req, struct sim_resp *resp, const char *exec_name)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *jn = req->params[P_JOB];
	struct sim_job *job;
	struct sim_exec *ex;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	sim_state_lock();
	job = sim_state_job(ctx->state, sub, rg, jn);
	if (!job) {
		sim_state_unlock();
		sim_jobs_not_found(resp, rg, jn);
		return;
	}
	ex = sim_job_exec(job, exec_name);
	if (!ex) {
		sim_state_unlock();
		exec_not_found(resp, rg, jn, exec_name);
		return;
	}
	if (!ex->ended) {
		ex->stop_requested = 1;
		exec_end(ex, "Stopped", NULL, NULL);
		stop_active_replicas(ex);
	}
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
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *jn = req->params[P_JOB];
	struct sim_job *job;
	struct json_object *root, *arr;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	sim_state_lock();
	job = sim_state_job(ctx->state, sub, rg, jn);
	if (!job) {
		sim_state_unlock();
		sim_jobs_not_found(resp, rg, jn);
		return;
	}
	root = json_object_new_object();
	arr = json_object_new_array();
	for (struct sim_exec *ex = job->execs; ex; ex = ex->next) {
		if (ex->ended)
			continue;
		ex->stop_requested = 1;
		exec_end(ex, "Stopped", NULL, NULL);
		stop_active_replicas(ex);
		json_object_array_add(arr, render_exec(job, ex, sim_req_query(req, "api-version"), 0));
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
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *jn = req->params[P_JOB];
	const char *api = sim_req_query(req, "api-version");
	const char *tok = sim_req_query(req, "$skiptoken");
	const char *top = sim_req_query(req, "$top");
	long skip = tok ? strtol(tok, NULL, 10) : 0;
	long page = top ? strtol(top, NULL, 10) : ctx->cfg->page_size;
	long idx = 0, added = 0;
	int more = 0;
	char status[32];
	struct sim_job *job;
	struct json_object *root, *arr;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	if (parse_filter(sim_req_query(req, "$filter"), status, sizeof(status), resp))
		return;
	if (page <= 0 || page > 1000)
		page = ctx->cfg->page_size;
	if (skip < 0)
		skip = 0;
	sim_state_lock();
	job = sim_state_job(ctx->state, sub, rg, jn);
	if (!job) {
		sim_state_unlock();
		sim_jobs_not_found(resp, rg, jn);
		return;
	}
	root = json_object_new_object();
	arr = json_object_new_array();
	for (struct sim_exec *ex = job->execs; ex; ex = ex->next) {
		if (*status && strcasecmp(status, ex->status) != 0)
			continue;
		if (idx++ < skip)
			continue;
		if (added == page) {
			more = 1;
			break;
		}
		json_object_array_add(arr, render_exec(job, ex, api, 1));
		added++;
	}
	sim_state_unlock();
	json_object_object_add(root, "value", arr);
	if (more) {
		char *fe = sim_req_query(req, "$filter") ? sim_url_encode(sim_req_query(req, "$filter")) : NULL;
		char *link = sim_strdupf("%s%s?api-version=%s&$skiptoken=%ld%s%s%s%s", ctx->base_url,
					 req->url, api, skip + page, top ? "&$top=" : "",
					 top ? top : "", fe ? "&$filter=" : "", fe ? fe : "");
		json_object_object_add(root, "nextLink", json_object_new_string(link ? link : ""));
		free(link);
		free(fe);
	} else {
		json_object_object_add(root, "nextLink", NULL);
	}
	sim_resp_json(resp, 200, root);
	json_object_put(root);
}

void sim_h_exec_get(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *jn = req->params[P_JOB];
	struct sim_job *job;
	struct sim_exec *ex;
	struct json_object *o;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	sim_state_lock();
	job = sim_state_job(ctx->state, sub, rg, jn);
	if (!job) {
		sim_state_unlock();
		sim_jobs_not_found(resp, rg, jn);
		return;
	}
	ex = sim_job_exec(job, req->params[P_EXEC]);
	if (!ex) {
		sim_state_unlock();
		exec_not_found(resp, rg, jn, req->params[P_EXEC]);
		return;
	}
	o = render_exec(job, ex, sim_req_query(req, "api-version"), 1);
	sim_state_unlock();
	sim_resp_json(resp, 200, o);
	json_object_put(o);
}

/* "Container started at: 5/24/2025 5:39:25 PM." */
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
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[P_SUB], *rg = req->params[P_RG], *jn = req->params[P_JOB];
	struct sim_job *job;
	struct sim_exec *ex;
	struct json_object *root, *arr;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	sim_state_lock();
	job = sim_state_job(ctx->state, sub, rg, jn);
	if (!job) {
		sim_state_unlock();
		sim_jobs_not_found(resp, rg, jn);
		return;
	}
	ex = sim_job_exec(job, req->params[P_EXEC]);
	if (!ex) {
		sim_state_unlock();
		exec_not_found(resp, rg, jn, req->params[P_EXEC]);
		return;
	}
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
