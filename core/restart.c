/*
 * restart.c - restart policies (see restart.h).
 *
 * Each pending restart is a background task that sleeps out its back-off
 * on one condition variable, woken early by a cancel or the shutdown.
 * The container's lock guards its restart fields; rs_lock only orders
 * the sleeps with their wake-ups, and is never taken inside c->lock.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "core/api_ctr.h"
#include "core/call.h"
#include "core/ctrtab.h"
#include "core/log.h"
#include "core/restart.h"
#include "core/timeparse.h"
#include "core/worker.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 60000
/* A run this long resets the back-off, as dockerd's. */
#define BACKOFF_RESET_NS (10 * 1000000000LL)

static pthread_mutex_t rs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rs_cv = PTHREAD_COND_INITIALIZER;
static int rs_stopping;

int sl_restart_wanted(const char *policy, int64_t max, int count,
	int exit_code, int manual)
{
	if (!policy || !*policy || !strcmp(policy, "no"))
		return 0;
	if (!strcmp(policy, "always"))
		return 1;
	if (!strcmp(policy, "unless-stopped"))
		return !manual;
	if (!strcmp(policy, "on-failure"))
		return exit_code != 0 && (max <= 0 || count < max);
	return 0;
}

int sl_restart_backoff_ms(int last_ms, int64_t ran_ns)
{
	if (ran_ns >= BACKOFF_RESET_NS || last_ms <= 0)
		return BACKOFF_FIRST_MS;
	return last_ms >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : last_ms * 2;
}

static void wake(void)
{
	pthread_mutex_lock(&rs_lock);
	pthread_cond_broadcast(&rs_cv);
	pthread_mutex_unlock(&rs_lock);
}

/* Whether the restart scheduled as `gen` is still wanted.  c->lock held. */
static int pending_locked(struct sl_container *c, unsigned long gen)
{
	return c->state.restart_gen == gen && gen != 0 &&
		c->state.status == SL_STATUS_RESTARTING &&
		!c->state.removing && !c->state.removed;
}

/*
 * Ends the pending restart `gen` (any, if 0): the container is exited
 * again, with the code of the exit that scheduled it.  Returns 1 if one
 * was pending.
 */
static int end_pending(struct sl_container *c, unsigned long gen)
{
	int was;

	pthread_mutex_lock(&c->lock);
	was = c->state.status == SL_STATUS_RESTARTING && c->state.restart_gen &&
		(!gen || c->state.restart_gen == gen);
	if (was) {
		c->state.status = SL_STATUS_EXITED;
		c->state.restart_gen = 0;
		c->state.gen++;
	}
	pthread_mutex_unlock(&c->lock);
	if (was) {
		sl_ctrtab_persist(c);
		sl_ctrtab_broadcast();
		wake();
	}
	return was;
}

/* The background task of one pending restart; owns a reference to c. */
static void restart_run(void *arg)
{
	struct sl_container *c = arg;
	struct sl_call call;
	struct timespec ts;
	unsigned long gen;
	int64_t due;
	int go, rc;

	pthread_mutex_lock(&c->lock);
	gen = c->state.restart_gen;
	due = c->state.restart_due_ns;
	pthread_mutex_unlock(&c->lock);

	/* due is on the realtime clock, as the condition's waits are. */
	ts.tv_sec = (time_t)(due / 1000000000LL);
	ts.tv_nsec = (long)(due % 1000000000LL);
	pthread_mutex_lock(&rs_lock);
	for (;;) {
		pthread_mutex_lock(&c->lock);
		go = pending_locked(c, gen);
		pthread_mutex_unlock(&c->lock);
		if (!go || rs_stopping || sl_time_now_ns() >= due)
			break;
		pthread_cond_timedwait(&rs_cv, &rs_lock, &ts);
	}
	pthread_mutex_unlock(&rs_lock);
	if (!go)
		goto out;	/* stopped, killed or removed meanwhile */
	if (rs_stopping || sl_call_shutting_down()) {
		end_pending(c, gen);
		goto out;
	}
	sl_call_begin(&call);
	rc = sl_api_ctr_start_run(c, &call);
	if (rc) {
		/* As dockerd: a restart that fails leaves the container
		 * exited, with the start's error on it, and stops there. */
		sl_warn("restart of %.12s failed: %s", c->str[SL_CTR_ID],
			sl_call_message(&call, rc));
		end_pending(c, gen);
	}
	sl_call_end(&call);
out:
	sl_ctr_unref(c);
}

/* Moves an exited container to "restarting" and starts its task, with
 * `delay_ms` to wait.  c->lock held; returns 1 if it did. */
static int schedule_locked(struct sl_container *c, int delay_ms)
{
	c->state.status = SL_STATUS_RESTARTING;
	c->state.gen++;
	c->state.restart_gen = c->state.gen;
	c->state.restart_due_ns = sl_time_now_ns() + delay_ms * 1000000LL;
	return 1;
}

static void launch(struct sl_container *c, int delay_ms, int count)
{
	sl_ctrtab_persist(c);
	sl_ctrtab_broadcast();
	sl_info("restarting %.12s in %d ms (policy %s, restart %d)",
		c->str[SL_CTR_ID], delay_ms, c->str[SL_CTR_RESTART_POLICY], count);
	sl_work_spawn_detached(restart_run, sl_ctr_ref(c));
}

int sl_restart_on_exit(struct sl_container *c)
{
	const char *policy = c->str[SL_CTR_RESTART_POLICY];
	int go = 0, delay, count = 0;

	if (!policy || !*policy || !strcmp(policy, "no"))
		return 0;
	pthread_mutex_lock(&c->lock);
	delay = c->state.restart_delay_ms = sl_restart_backoff_ms(
		c->state.restart_delay_ms,
		c->state.finished_ns - c->state.started_ns);
	/* A daemon that is stopping restarts nothing (dockerd counts its
	 * shutdown as a manual stop for this decision). */
	if ((c->state.status == SL_STATUS_EXITED || c->state.status == SL_STATUS_DEAD) &&
	    !c->state.removing && !c->state.removed && !c->state.restart_canceled &&
	    !sl_call_shutting_down() && !rs_stopping &&
	    sl_restart_wanted(policy, c->ints[SL_CTR_RESTART_MAX],
		    c->state.restart_count, c->state.exit_code, c->state.manual_stop)) {
		count = ++c->state.restart_count;
		go = schedule_locked(c, delay);
	}
	pthread_mutex_unlock(&c->lock);
	if (go)
		launch(c, delay, count);
	return go;
}

/* dockerd's kill ends the restart policy when it sends SIGKILL or the
 * container's stop signal (any signal, if none is set). */
static int ends_policy(struct sl_container *c, int signo)
{
	const char *ss = c->str[SL_CTR_STOP_SIGNAL];

	return signo <= 0 || signo == SIGKILL || !ss || !*ss ||
		sl_api_parse_signal(ss) == signo;
}

int sl_restart_user_stop(struct sl_container *c, int signo)
{
	int ends = ends_policy(c, signo);

	pthread_mutex_lock(&c->lock);
	if (!sl_call_shutting_down())
		c->state.manual_stop = 1;
	if (ends)
		c->state.restart_canceled = 1;
	pthread_mutex_unlock(&c->lock);
	if (ends && end_pending(c, 0))
		return 1;
	sl_ctrtab_persist(c);
	return 0;
}

void sl_restart_user_start(struct sl_container *c)
{
	pthread_mutex_lock(&c->lock);
	c->state.manual_stop = 0;
	c->state.restart_canceled = 0;
	c->state.restart_count = 0;
	c->state.restart_delay_ms = 0;
	pthread_mutex_unlock(&c->lock);
}

int sl_restart_cancel(struct sl_container *c)
{
	return end_pending(c, 0);
}

static int resume_one(struct sl_container *c, void *arg)
{
	int go = 0, count = 0;

	(void)arg;
	pthread_mutex_lock(&c->lock);
	/* RESTARTING on record: the daemon died with the restart pending. */
	if (c->state.status == SL_STATUS_RESTARTING && !c->state.restart_gen)
		c->state.status = SL_STATUS_EXITED;
	if ((c->state.status == SL_STATUS_EXITED || c->state.status == SL_STATUS_DEAD) &&
	    c->state.started_ns && !c->state.removing &&
	    sl_restart_wanted(c->str[SL_CTR_RESTART_POLICY],
		    c->ints[SL_CTR_RESTART_MAX], c->state.restart_count,
		    c->state.exit_code, c->state.manual_stop)) {
		/* dockerd's restore starts them without counting. */
		count = c->state.restart_count;
		go = schedule_locked(c, 0);
	}
	pthread_mutex_unlock(&c->lock);
	if (go)
		launch(c, 0, count);
	return 0;
}

void sl_restart_resume(void)
{
	sl_ctrtab_foreach(resume_one, NULL);
}

void sl_restart_shutdown(void)
{
	pthread_mutex_lock(&rs_lock);
	rs_stopping = 1;
	pthread_cond_broadcast(&rs_cv);
	pthread_mutex_unlock(&rs_lock);
}
