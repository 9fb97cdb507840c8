/* exec_runner.c - launching replicas through the runner's engine, and its
 * callbacks, which turn a replica's life into container states, output,
 * execution status and further replicas. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_priv.h"
#include "sim_ctx.h"
#include "sim_exec.h"
#include "sim_logs.h"
#include "sim_util.h"

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
	sim_plan_unref(rc->plan);
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

/* The configured scheduling delay with +-25% jitter, so that replicas
 * started together are not placed at the same instant. State lock held
 * (it guards the generator). */
static int schedule_delay_ms(void)
{
	static uint64_t x;
	long base = sim_ctx()->cfg->schedule_delay_ms, span;

	if (base <= 0)
		return 0;
	if (!x)
		x = (uint64_t)sim_mono_ms() * 0x9E3779B97F4A7C15ULL | 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	span = base / 2;
	return (int)(base - base / 4 + (span ? (long)(x % (uint64_t)(span + 1)) : 0));
}

/* Start one more replica of p's execution (no lock held). */
void sim_exec_launch(struct plan *p)
{
	struct sim_ctx *ctx = sim_ctx();
	struct sim_exec *ex;
	struct sim_replica *r;
	struct rctx *rc;
	struct run_replica_spec spec;
	struct run_callbacks cb;
	struct run_err err;
	char suffix[6], *name;
	int rcode, delay_ms;

	sim_rand_alnum(suffix, 5);
	name = sim_strdupf("%s-%s", p->exec, suffix);
	rc = calloc(1, sizeof(*rc));
	if (!name || !rc) {
		free(name);
		free(rc);
		return;
	}
	rc->replica = name;
	sim_plan_ref(p);
	rc->plan = p;

	sim_state_lock();
	ex = sim_exec_find(p, NULL);
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
	delay_ms = schedule_delay_ms();
	sim_state_unlock();

	for (size_t i = 0; i < p->spec.n_init_containers; i++)
		sim_logs_add(ctx->logs, p->job_id, p->exec, name, p->spec.init_containers[i].name);
	for (size_t i = 0; i < p->spec.n_containers; i++)
		sim_logs_add(ctx->logs, p->job_id, p->exec, name, p->spec.containers[i].name);

	if (!ctx->engine) {
		sim_exec_row_event(p, name, NULL, RUN_REASON_CONTAINER_CREATE_FAILURE,
			 "Failed to create replica: workload execution is disabled in this "
			 "simulator (--no-workloads)", 1);
		replica_finished(rc, RUN_REPLICA_FAILED, "workloads disabled");
		rctx_free(rc);
		return;
	}
	spec = p->spec;
	spec.replica_name = name;
	spec.schedule_delay_ms = delay_ms;
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
		sim_exec_row_event(p, name, NULL, RUN_REASON_CONTAINER_CREATE_FAILURE, msg, 1);
		replica_finished(rc, RUN_REPLICA_FAILED, err.msg);
		rctx_free(rc);
	}
}

/* ---- runner callbacks (replica thread) -------------------------------- */

/* Kubernetes' waiting reason of a container, from the pull events. */
static void note_waiting(struct rctx *rc, const char *replica, const char *container,
			 const char *reason)
{
	const char *why = strcmp(reason, RUN_REASON_IMAGE_PULL_BACKOFF) == 0 ? "ImagePullBackOff"
			  : strcmp(reason, RUN_REASON_PULLED_IMAGE) == 0    ? ""
									   : NULL;
	struct sim_exec *ex;
	struct sim_replica *r;
	struct sim_ctr *c;

	if (!why || !container)
		return;
	sim_state_lock();
	ex = sim_exec_find(rc->plan, NULL);
	if (ex && (r = sim_exec_replica(ex, replica)) && (c = sim_replica_ctr(r, container)))
		snprintf(c->waiting_reason, sizeof(c->waiting_reason), "%s", why);
	sim_state_unlock();
}

static void cb_event(void *ud, const char *replica, const char *container,
		     const char *reason, const char *message)
{
	struct rctx *rc = ud;

	note_waiting(rc, replica, container, reason);
	/* kubelet's BackOff is a Warning event. */
	sim_exec_row_event(rc->plan, replica, container, reason, message,
			   sim_exec_row_is_warning(reason, message) ||
				   strcmp(reason, RUN_REASON_IMAGE_PULL_BACKOFF) == 0);
}

static void cb_start(void *ud, const char *replica, const char *container, int is_init)
{
	struct rctx *rc = ud;
	struct sim_exec *ex;
	struct sim_replica *r;
	struct sim_ctr *c;

	sim_state_lock();
	ex = sim_exec_find(rc->plan, NULL);
	if (ex && (r = sim_exec_replica(ex, replica)) && (c = sim_replica_ctr(r, container))) {
		c->state = SIM_CTR_RUNNING;
		c->started = sim_now();
		r->running = 1;
	}
	/* Init containers run while the pod is still Pending; the pod
	 * (and so the execution) is Running once a main container is. */
	if (ex && !ex->ended && !is_init && strcmp(ex->status, "Processing") == 0)
		snprintf(ex->status, sizeof(ex->status), "Running");
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
	sim_exec_row_console(p, replica, container, stream, line, len, ts);
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
	ex = sim_exec_find(rc->plan, NULL);
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
	ex = sim_exec_find(p, NULL);
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
				sim_exec_end(ex, "Succeeded", "CompletionsReached",
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
				sim_exec_end(ex, "Failed", "BackoffLimitExceeded",
					 "Job has reached the specified backoff limit");
				sim_exec_stop_replicas(ex);
			} else {
				to_start = 1;
			}
			break;
		case RUN_REPLICA_TIMED_OUT:
			ex->failed++;
			sim_exec_end(ex, "Failed", "DeadlineExceeded",
				 "Job was active longer than specified deadline");
			sim_exec_stop_replicas(ex);
			break;
		case RUN_REPLICA_STOPPED:
			sim_exec_end(ex, "Stopped", NULL, NULL);
			sim_exec_stop_replicas(ex);
			break;
		}
	}
	sim_state_unlock();
	if (ctx->stopping)
		return;
	for (int i = 0; i < to_start; i++)
		sim_exec_launch(p);
	/* Stopping from a callback is allowed by the runner. */
	sim_exec_flush_stops();
}
