/*
 * poller.c - the one thread that watches running executions.
 *
 * Only containers whose execution runs are polled, each on its own
 * schedule: the first poll after cfg.poll_ms, then 1.5 times longer each
 * time nothing changed, up to cfg.poll_max_ms.  So `docker ps` and
 * `inspect` never call Azure, and the cost of a container is at most one
 * GET per second of its life, falling to one per poll_max_ms.
 *
 * When an execution ends the poller decides the exit code (in the order
 * DESIGN gives: detailedStatus, the system log's "exit code 'N'" text,
 * then a guess from the status, said so in State.Error) and reports it.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aca.h"

/* How long to wait for the system log's exit-code row when Azure's
 * execution status has no code (Log Analytics ingests 20 s to minutes
 * late), and how often to look. */
#define CODE_WAIT_MS (120 * 1000L)
#define CODE_RETRY_MS 5000L

/* How long a stopped execution's main container may take to end after
 * Azure's stop: its SIGTERM grace (30 s, not configurable for jobs) and
 * some slack for the kill. */
#define STOP_END_WAIT_MS (40 * 1000L)

struct watch {
	struct watch *next;
	sl_container *c;           /* referenced */
	char id[72];
	char job[40];
	char exec[80];
	int64_t due_ms;            /* monotonic */
	long interval_ms;
	char last[24];             /* the last status seen */
	int64_t last_ms;
	int64_t code_deadline_ms;  /* 0 until the execution ended without a code */
	int busy;                  /* the thread is polling it, unlocked */
	int forgotten;             /* forget() came while busy */
};

struct aca_poller {
	struct aca_backend *b;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t wake;       /* the thread: new work or stop */
	pthread_cond_t ended;      /* waiters: a watch went away */
	struct watch *list;
	int stop;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct watch *find(struct aca_poller *p, const char *id)
{
	for (struct watch *w = p->list; w; w = w->next)
		if (!w->forgotten && strcmp(w->id, id) == 0)
			return w;
	return NULL;
}

/* Unlinks and frees w; called with p->mu held. */
static void drop(struct aca_poller *p, struct watch *w)
{
	for (struct watch **pp = &p->list; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	p->b->host->ctr_unref(w->c);
	free(w);
	pthread_cond_broadcast(&p->ended);
}

/*
 * The exit code of an ended execution into *code, with *why set when it
 * is only a guess from the status.  Returns 0 when decided, or the number
 * of milliseconds after which to look again: soon while a stopped
 * execution's container is still ending, CODE_RETRY_MS while the answer
 * waits for the system log (Log Analytics is late).
 */
static int decide_code(struct aca_poller *p, struct watch *w, const char *job,
	const char *exec, const struct aca_exec_view *v, int *code, const char **why)
{
	const struct sl_host_v1 *h = p->b->host;
	struct aca_cancel cx = { h, NULL, &p->b->stopping };
	struct aca_err err = {0};
	char *sig = h->ctr_data_get(w->c, ACA_DATA_SIGNAL);
	int asked = 0, rc;

	*why = NULL;
	if (sig) {
		asked = atoi(sig);
		h->free(sig);
		/* docker kill: Docker reports 128 + SIGKILL even though
		 * Azure's stop sent SIGTERM first. */
		if (asked == SIGKILL && strcmp(v->status, "Succeeded") != 0) {
			*code = 128 + SIGKILL;
			return 0;
		}
	}
	if (v->code >= 0) {
		*code = v->code;
		return 0;
	}
	/* Azure marks an execution Stopped when the stop is accepted; its
	 * container may still be handling SIGTERM, and its own exit code
	 * (0 for a program that exits cleanly on SIGTERM) comes when it
	 * ends.  Guessing 137 meanwhile would be wrong. */
	if (v->main_running && strcmp(v->status, "Stopped") == 0) {
		if (!w->code_deadline_ms)
			w->code_deadline_ms = mono_ms() + STOP_END_WAIT_MS;
		if (mono_ms() < w->code_deadline_ms)
			return (int)p->b->cfg.poll_ms;
		w->code_deadline_ms = 0;
	}
	rc = aca_logs_exit_code(p->b->logs, &cx, job, exec, code, &err);
	if (rc == SL_OK)
		return 0;
	/* Wait for a late system-log row only when one can come and no stop
	 * is waiting on the answer (Log Analytics is 20 s to minutes late). */
	if (rc == SL_ENOTFOUND && !(asked && strcmp(v->status, "Stopped") == 0)) {
		if (!w->code_deadline_ms)
			w->code_deadline_ms = mono_ms() + CODE_WAIT_MS;
		if (mono_ms() < w->code_deadline_ms)
			return (int)CODE_RETRY_MS;
	}
	if (strcmp(v->status, "Succeeded") == 0)
		*code = 0;
	else if (strcmp(v->status, "Stopped") == 0)
		*code = 137;
	else
		*code = 1;
	*why = "the exit code is a guess from the execution's status: Azure "
	       "reported no exit code and the system log had none";
	return 0;
}

static void report_exit(struct aca_poller *p, struct watch *w, const char *exec,
	const struct aca_exec_view *v, int code, const char *why)
{
	const struct sl_host_v1 *h = p->b->host;
	struct sl_state_v1 st = { SL_HEADER(struct sl_state_v1) };
	char msg[512] = "";

	st.status = SL_STATUS_EXITED;
	st.exit_code = code;
	st.started_ns = v->start_ns;
	st.finished_ns = v->end_ns ? v->end_ns : real_ns();
	if (strcmp(v->reason, "DeadlineExceeded") == 0)
		snprintf(msg, sizeof(msg), "the job's replicaTimeout (%d s) ended the execution%s%s",
			p->b->cfg.job_timeout_s, why ? "; " : "", why ? why : "");
	else if (why)
		snprintf(msg, sizeof(msg), "%s", why);
	st.error = msg[0] ? msg : NULL;
	sl_host_log(h, SL_LOG_INFO, "aca: execution %s ended %s, exit code %d",
		exec, v->status, code);
	h->state_changed(w->c, &st);
	aca_logs_capture_ended(p->b->logs, w->id);
}

/* The execution is gone (its job was deleted outside sockerless). */
static void report_gone(struct aca_poller *p, struct watch *w, const char *exec)
{
	struct aca_exec_view v;

	memset(&v, 0, sizeof(v));
	v.code = -1;
	snprintf(v.status, sizeof(v.status), "Failed");
	report_exit(p, w, exec, &v, 255, "the execution no longer exists in Azure "
		"(its job was deleted outside sockerless)");
}

/* Non-zero when w was forgotten (removed, or replaced by a new watch)
 * while it was polled: its result must not be reported. */
static int stale(struct aca_poller *p, struct watch *w)
{
	int f;

	pthread_mutex_lock(&p->mu);
	f = w->forgotten;
	pthread_mutex_unlock(&p->mu);
	return f;
}

/* One poll of w, without the lock; job and exec are copies taken under
 * it.  Returns 1 when w is done. */
static int poll_one(struct aca_poller *p, struct watch *w, const char *job,
	const char *exec)
{
	struct aca_backend *b = p->b;
	struct aca_cancel cx = { b->host, NULL, &b->stopping };
	struct aca_exec_view v;
	struct aca_err err = {0};
	const char *why;
	int rc, code, wait;

	rc = aca_exec_get(b, &cx, job, exec, &v, &err);
	if (rc == SL_ENOTFOUND) {
		if (!stale(p, w))
			report_gone(p, w, exec);
		return 1;
	}
	if (rc) {
		sl_host_log(b->host, SL_LOG_DEBUG, "aca: poll of %s: %s", exec, err.msg);
		return 0;
	}
	if (strcmp(v.status, "Running") == 0 && strcmp(w->last, "Running") != 0)
		aca_logs_capture_running(b->logs, w->id);
	pthread_mutex_lock(&p->mu);
	if (strcmp(w->last, v.status) != 0)
		w->interval_ms = b->cfg.poll_ms;
	snprintf(w->last, sizeof(w->last), "%s", v.status);
	w->last_ms = mono_ms();
	pthread_mutex_unlock(&p->mu);
	if (!aca_exec_ended(v.status))
		return 0;
	wait = decide_code(p, w, job, exec, &v, &code, &why);
	if (wait) {
		pthread_mutex_lock(&p->mu);
		w->interval_ms = wait;
		pthread_mutex_unlock(&p->mu);
		return 0;
	}
	if (!stale(p, w))
		report_exit(p, w, exec, &v, code, why);
	return 1;
}

static void *run(void *arg)
{
	struct aca_poller *p = arg;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		struct watch *due = NULL;
		int64_t now = mono_ms(), next = now + 60000;

		for (struct watch *w = p->list; w; w = w->next) {
			if (w->busy || w->forgotten)
				continue;
			if (w->due_ms <= now && (!due || w->due_ms < due->due_ms))
				due = w;
			if (w->due_ms < next)
				next = w->due_ms;
		}
		if (!due) {
			struct timespec ts;
			int64_t wait = next - now;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += wait / 1000;
			ts.tv_nsec += (wait % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&p->wake, &p->mu, &ts);
			continue;
		}
		char job[sizeof(due->job)], exec[sizeof(due->exec)];
		int done;

		due->busy = 1;
		memcpy(job, due->job, sizeof(job));
		memcpy(exec, due->exec, sizeof(exec));
		pthread_mutex_unlock(&p->mu);
		done = poll_one(p, due, job, exec);
		pthread_mutex_lock(&p->mu);
		due->busy = 0;
		if (done || due->forgotten) {
			drop(p, due);
			continue;
		}
		due->due_ms = mono_ms() + due->interval_ms;
		due->interval_ms = due->interval_ms * 3 / 2;
		if (due->interval_ms > p->b->cfg.poll_max_ms)
			due->interval_ms = p->b->cfg.poll_max_ms;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int aca_poller_new(struct aca_backend *b, struct aca_poller **out)
{
	struct aca_poller *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return SL_ENOMEM;
	p->b = b;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->ended, NULL);
	if (pthread_create(&p->thread, NULL, run, p) != 0) {
		aca_poller_free(p);
		return SL_EINTERNAL;
	}
	p->started = 1;
	*out = p;
	return SL_OK;
}

void aca_poller_stop(struct aca_poller *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	if (p->started)
		pthread_join(p->thread, NULL);
	p->started = 0;
}

void aca_poller_free(struct aca_poller *p)
{
	if (!p)
		return;
	aca_poller_stop(p);
	while (p->list)
		drop(p, p->list);
	pthread_cond_destroy(&p->ended);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

int aca_poller_watch(struct aca_poller *p, sl_container *c, const char *job,
	const char *execution)
{
	const struct sl_host_v1 *h = p->b->host;
	const char *id = h->ctr_str(c, SL_CTR_ID);
	struct watch *w;

	pthread_mutex_lock(&p->mu);
	w = find(p, id);
	if (w && w->busy) {
		/* Being polled for an earlier execution: let the thread drop
		 * that one and watch this execution afresh. */
		w->forgotten = 1;
		w = NULL;
	}
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w) {
			pthread_mutex_unlock(&p->mu);
			return SL_ENOMEM;
		}
		w->c = h->ctr_ref(c);
		snprintf(w->id, sizeof(w->id), "%s", id);
		w->next = p->list;
		p->list = w;
	}
	snprintf(w->job, sizeof(w->job), "%s", job);
	snprintf(w->exec, sizeof(w->exec), "%s", execution);
	w->interval_ms = p->b->cfg.poll_ms;
	w->due_ms = mono_ms() + w->interval_ms;
	w->code_deadline_ms = 0;
	w->last[0] = '\0';
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	return SL_OK;
}

void aca_poller_kick(struct aca_poller *p, const char *ctr_id)
{
	struct watch *w;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	w = find(p, ctr_id);
	if (w) {
		/* One interval from now, even when a poll was due sooner: after
		 * a stop the process needs a moment to handle SIGTERM, and the
		 * execution shows Stopped before its exit code is known. */
		w->interval_ms = p->b->cfg.poll_ms;
		w->due_ms = mono_ms() + w->interval_ms;
		pthread_cond_broadcast(&p->wake);
	}
	pthread_mutex_unlock(&p->mu);
}

void aca_poller_forget(struct aca_poller *p, const char *ctr_id)
{
	struct watch *w;

	pthread_mutex_lock(&p->mu);
	w = find(p, ctr_id);
	if (w) {
		if (w->busy)
			w->forgotten = 1;  /* the thread drops it */
		else
			drop(p, w);
	}
	pthread_mutex_unlock(&p->mu);
}

int aca_poller_wait_exit(struct aca_poller *p, const struct aca_cancel *cx,
	const char *ctr_id, long timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	int rc = SL_OK;

	pthread_mutex_lock(&p->mu);
	while (find(p, ctr_id)) {
		struct timespec ts;
		int64_t now = mono_ms();

		if (aca_cancelled(cx)) {
			rc = SL_ECANCELED;
			break;
		}
		if (now >= deadline) {
			rc = SL_ETIMEDOUT;
			break;
		}
		/* Wake at least every 200 ms to notice a cancelled call. */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->ended, &p->mu, &ts);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

int aca_poller_last(struct aca_poller *p, const char *ctr_id, char *buf,
	size_t len, long *age_ms)
{
	struct watch *w;
	int rc = SL_ENOTFOUND;

	pthread_mutex_lock(&p->mu);
	w = find(p, ctr_id);
	if (w) {
		snprintf(buf, len, "%s", w->last);
		*age_ms = w->last_ms ? (long)(mono_ms() - w->last_ms) : -1;
		rc = SL_OK;
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}
