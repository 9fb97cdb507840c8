/* exec_state.c - status changes of executions, and the replicas queued for
 * stopping while the state lock was held. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_priv.h"
#include "sim_ctx.h"
#include "sim_exec.h"
#include "sim_util.h"

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

void sim_exec_end(struct sim_exec *ex, const char *status, const char *reason,
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

void sim_exec_stop_replicas(struct sim_exec *ex)
{
	for (struct sim_replica *r = ex->replicas; r; r = r->next)
		if (!r->done)
			queue_stop(r->name);
}

int sim_exec_stop(struct sim_exec *ex)
{
	if (ex->ended)
		return 0;
	ex->stop_requested = 1;
	sim_exec_end(ex, "Stopped", NULL, NULL);
	sim_exec_stop_replicas(ex);
	return 1;
}

void sim_exec_stop_job_locked(struct sim_job *job)
{
	for (struct sim_exec *ex = job->execs; ex; ex = ex->next)
		sim_exec_stop(ex);
}

struct sim_exec *sim_exec_find(struct plan *p, struct sim_job **jobp)
{
	struct sim_job *job = sim_state_job(sim_ctx()->state, p->sub, p->rg, p->job);

	if (!job || strcasecmp(job->id, p->job_id) != 0)
		return NULL;
	if (jobp)
		*jobp = job;
	return sim_job_exec(job, p->exec);
}
