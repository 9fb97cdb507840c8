/*
 * restart.c - restart policies (see restart.h).
 *
 * Each pending restart is a background task that sleeps out its back-off
 * on the container table's change notice (sl_ctrtab_wait_change), which
 * a cancel and the shutdown broadcast.  The container's lock guards its
 * restart fields.
 *
 * A restart is "pending" (restart_gen names it) until its task claims it
 * to call the start hook; from then until the hook returns it is
 * "starting".  A user's stop, kill, restart or rm -f drops a pending
 * restart, and waits for a starting one to finish, then acts on what it
 * left (a running container, or an exited one): never two starts at once.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/api_ctr.h"
#include "core/call.h"
#include "core/ctrtab.h"
#include "core/log.h"
#include "core/restart.h"
#include "core/server.h"
#include "core/worker.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 60000
/* A run this long resets the back-off, as dockerd's. */
#define BACKOFF_RESET_NS (10 * 1000000000LL)

static int rs_stopping;		/* atomic */

/* One pending restart's task. */
struct task {
	struct sl_container *c;	/* referenced */
	unsigned long gen;	/* the restart_gen it serves */
	int64_t due;		/* monotonic ns */
};

/* Due times are on the monotonic clock: a wall clock set back must not
 * hold restarts up. */
static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int stopping(void)
{
	return __atomic_load_n(&rs_stopping, __ATOMIC_SEQ_CST) ||
		sl_call_shutting_down();
}

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

/* Whether the restart scheduled as `gen` is still pending.  c->lock held. */
static int pending_locked(struct sl_container *c, unsigned long gen)
{
	return gen != 0 && c->state.restart_gen == gen &&
		c->state.status == SL_STATUS_RESTARTING &&
		!c->state.removing && !c->state.removed;
}

/* Back to exited, with the code of the exit that scheduled the restart:
 * a stop, for the waits on the next exit.  c->lock held. */
static void exited_locked(struct sl_container *c)
{
	c->state.status = SL_STATUS_EXITED;
	c->state.exit_code = c->state.last_exit_code;
	c->state.restart_gen = 0;
	c->state.stops++;
	c->state.gen++;
}

/* Saves c and wakes the waits on the table, the restart tasks among
 * them. */
static void changed(struct sl_container *c)
{
	sl_ctrtab_persist(c);
	sl_ctrtab_broadcast();
}

/* Drops the pending restart `gen` (any, if 0).  Returns 1 if there was
 * one. */
static int end_pending(struct sl_container *c, unsigned long gen)
{
	int was;

	pthread_mutex_lock(&c->lock);
	was = pending_locked(c, gen ? gen : c->state.restart_gen);
	if (was)
		exited_locked(c);
	pthread_mutex_unlock(&c->lock);
	if (was)
		changed(c);
	return was;
}

/* Waits while a policy's start hook runs on c (as long as it takes: an
 * ACA start waits for a replica), or until the daemon stops. */
static void settle(struct sl_container *c)
{
	for (;;) {
		unsigned long seen = sl_ctrtab_generation();
		int busy;

		pthread_mutex_lock(&c->lock);
		busy = c->state.restart_starting;
		pthread_mutex_unlock(&c->lock);
		if (!busy || sl_server_closing() || sl_call_shutting_down())
			return;
		sl_ctrtab_wait_change(seen, 500);
	}
}

/* Calls the start hook for the restart `gen` if it is still pending. */
static void start_claimed(struct sl_container *c, unsigned long gen)
{
	struct sl_call call;
	int go, rc;

	pthread_mutex_lock(&c->lock);
	go = pending_locked(c, gen);
	if (go) {
		c->state.restart_gen = 0;
		c->state.restart_starting = 1;
	}
	pthread_mutex_unlock(&c->lock);
	if (!go)
		return;	/* stopped, killed or removed meanwhile */
	sl_call_begin(&call);
	rc = sl_api_ctr_start_run(c, &call);
	if (rc)
		sl_warn("restart of %.12s failed: %s", c->str[SL_CTR_ID],
			sl_call_message(&call, rc));
	sl_call_end(&call);
	pthread_mutex_lock(&c->lock);
	c->state.restart_starting = 0;
	/* As dockerd: a restart that fails leaves the container exited,
	 * with the start's error and the exit's code, and stops there. */
	if (rc && c->state.status == SL_STATUS_RESTARTING)
		exited_locked(c);
	pthread_mutex_unlock(&c->lock);
	changed(c);
}

static void restart_run(void *arg)
{
	struct task *t = arg;
	struct sl_container *c = t->c;
	int go;

	for (;;) {
		unsigned long seen = sl_ctrtab_generation();
		int64_t left;

		pthread_mutex_lock(&c->lock);
		go = pending_locked(c, t->gen);
		pthread_mutex_unlock(&c->lock);
		left = t->due - mono_ns();
		if (!go || stopping() || left <= 0)
			break;
		sl_ctrtab_wait_change(seen, left > 1000000000LL ? 1000 :
			(int)(left / 1000000) + 1);
	}
	if (go && stopping())
		end_pending(c, t->gen);
	else if (go)
		start_claimed(c, t->gen);
	sl_ctr_unref(c);
	free(t);
}

/* Moves an exited container to "restarting".  c->lock held; returns
 * the restart's generation. */
static unsigned long schedule_locked(struct sl_container *c)
{
	c->state.status = SL_STATUS_RESTARTING;
	c->state.gen++;
	c->state.restart_gen = c->state.gen;
	return c->state.gen;
}

/* Starts the task of the restart `gen`, due in delay_ms. */
static void launch(struct sl_container *c, unsigned long gen, int delay_ms,
	int count, const char *policy)
{
	struct task *t = malloc(sizeof(*t));

	sl_ctrtab_persist(c);
	sl_ctrtab_broadcast();
	if (t) {
		t->c = sl_ctr_ref(c);
		t->gen = gen;
		t->due = mono_ns() + delay_ms * 1000000LL;
	}
	/* Never on this thread: it may be a backend's, holding its locks. */
	if (!t || sl_work_spawn(restart_run, t) < 0) {
		sl_warn("restart of %.12s dropped: no thread for it", c->str[SL_CTR_ID]);
		if (t) {
			sl_ctr_unref(t->c);
			free(t);
		}
		end_pending(c, gen);
		return;
	}
	sl_info("restarting %.12s in %d ms (policy %s, restart %d)",
		c->str[SL_CTR_ID], delay_ms, policy, count);
}

int sl_restart_on_exit(struct sl_container *c)
{
	char policy[sizeof(c->state.restart_policy)];
	unsigned long gen = 0;
	int delay, count = 0;

	pthread_mutex_lock(&c->lock);
	memcpy(policy, c->state.restart_policy, sizeof(policy));
	delay = c->state.restart_delay_ms = sl_restart_backoff_ms(
		c->state.restart_delay_ms,
		c->state.finished_ns - c->state.started_ns);
	/* Not if anything came since the exit (a user's start), nor while
	 * the daemon stops (dockerd counts its shutdown as a manual stop
	 * for this decision). */
	if ((c->state.status == SL_STATUS_EXITED || c->state.status == SL_STATUS_DEAD) &&
	    c->state.gen == c->state.exit_gen &&
	    !c->state.removing && !c->state.removed && !c->state.restart_canceled &&
	    !stopping() &&
	    sl_restart_wanted(policy, c->state.restart_max,
		    c->state.restart_count, c->state.exit_code, c->state.manual_stop)) {
		count = ++c->state.restart_count;
		gen = schedule_locked(c);
	}
	pthread_mutex_unlock(&c->lock);
	if (gen)
		launch(c, gen, delay, count, policy);
	return gen != 0;
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

	settle(c);
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
	/* An exit being reported right now restarts nothing. */
	c->state.gen++;
	pthread_mutex_unlock(&c->lock);
	sl_ctrtab_persist(c);
}

int sl_restart_cancel(struct sl_container *c)
{
	settle(c);
	return end_pending(c, 0);
}

static int resume_one(struct sl_container *c, void *arg)
{
	char policy[sizeof(c->state.restart_policy)];
	unsigned long gen = 0;

	(void)arg;
	pthread_mutex_lock(&c->lock);
	memcpy(policy, c->state.restart_policy, sizeof(policy));
	if ((c->state.status == SL_STATUS_EXITED || c->state.status == SL_STATUS_DEAD) &&
	    c->state.started_ns && !c->state.removing &&
	    sl_restart_wanted(policy, c->state.restart_max, c->state.restart_count,
		    c->state.exit_code, c->state.manual_stop)) {
		/* dockerd's restore starts them as a user's start would:
		 * RestartCount and the stop mark cleared. */
		c->state.restart_count = 0;
		c->state.manual_stop = 0;
		gen = schedule_locked(c);
	}
	pthread_mutex_unlock(&c->lock);
	if (gen)
		launch(c, gen, 0, 0, policy);
	return 0;
}

void sl_restart_resume(void)
{
	sl_ctrtab_foreach(resume_one, NULL);
}

void sl_restart_shutdown(void)
{
	__atomic_store_n(&rs_stopping, 1, __ATOMIC_SEQ_CST);
	sl_ctrtab_broadcast();
}
