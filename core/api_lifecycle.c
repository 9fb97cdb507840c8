/*
 * api_lifecycle.c - start, stop, kill, restart, pause, unpause, wait, and
 * AutoRemove.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/agent.h"
#include "core/api.h"
#include "core/api_ctr.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/log.h"
#include "core/restart.h"
#include "core/volume.h"
#include "core/server.h"
#include "core/timeparse.h"
#include "core/worker.h"

/* The hook a route needs, or a 501 answer. */
#define NEED_HOOK(r, c, hook, op) \
	do { \
		if (!sl_daemon.backend.containers.hook) { \
			sl_ctr_unref(c); \
			return sl_api_no_hook(r, op); \
		} \
	} while (0)

static void auto_remove(void *arg);

/*
 * After a successful start hook: running, unless the backend reported a
 * state itself since `gen` was read.  Comparing the status instead would
 * miss a quick command that went RUNNING and back to EXITED during the
 * hook, and mark it running with nothing behind it.
 */
static void mark_running(struct sl_container *c, unsigned long gen)
{
	struct sl_state_v1 st = {SL_HEADER(struct sl_state_v1)};

	st.status = SL_STATUS_RUNNING;
	sl_ctrtab_state_changed_if(c, &st, gen);
}

/* How long a start waits for attach hooks asked for before it. */
#define START_ATTACH_WAIT_MS 5000

/*
 * docker run sends its attach, starts the container once the 101 is
 * back, and expects every byte the process writes.  The attach hook runs
 * on a worker that a loaded machine may schedule after the start: a
 * backend that keeps a bounded buffer would then have dropped the head
 * of the output before the hook took its place.  So a start waits (at
 * most START_ATTACH_WAIT_MS) until the hooks of attaches already asked
 * for have been called; plugin.h tells hooks to take their place first.
 */
/* Waits until the atomic counter *n is 0, looking every nap_ms, for at
 * most wait_ms or until stop() says the daemon is going.  The attach
 * counters have no condition to wait on: they move on worker threads. */
static void await_zero(int *n, int wait_ms, int nap_ms, int (*stop)(void))
{
	int64_t deadline = sl_time_now_ns() + wait_ms * 1000000LL;
	const struct timespec nap = {0, nap_ms * 1000000L};

	while (__atomic_load_n(n, __ATOMIC_SEQ_CST) > 0 &&
	    sl_time_now_ns() < deadline && !stop())
		nanosleep(&nap, NULL);
}

int sl_api_ctr_start_run(struct sl_container *c, struct sl_call *call)
{
	unsigned long gen;
	int rc;

	await_zero(&c->attach_unhooked, START_ATTACH_WAIT_MS, 2,
		sl_server_closing);
	gen = sl_ctrtab_state_gen(c);
	sl_vol_ctr_event(c, "mount");
	rc = sl_daemon.backend.containers.start(sl_daemon.backend.state, call, c);
	if (rc) {
		/* Docker records a failed start on the container. */
		pthread_mutex_lock(&c->lock);
		free(c->state.error);
		c->state.error = strdup(sl_call_message(call, rc));
		c->state.exit_code = sl_api_run_error_code(c->state.error,
			c->state.exit_code ? c->state.exit_code : 128);
		pthread_mutex_unlock(&c->lock);
		sl_ctrtab_persist(c);
		/* As dockerd: a --rm container that cannot start is removed, or
		 * `docker run --rm` would wait for "removed" forever. */
		if (c->ints[SL_CTR_AUTO_REMOVE])
			sl_work_spawn_detached(auto_remove, sl_ctr_ref(c));
		return rc;
	}
	mark_running(c, gen);
	return SL_OK;
}

enum MHD_Result sl_api_ctr_start(struct sl_req *r)
{
	struct sl_container *c;
	enum MHD_Result ret;
	struct sl_call call;
	int status, rc;

	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	NEED_HOOK(r, c, start, "container start");
	status = sl_api_ctr_status(c);
	/* dockerd counts a restarting container as running. */
	if (status == SL_STATUS_RUNNING || status == SL_STATUS_RESTARTING) {
		sl_ctr_unref(c);
		return sl_http_empty(r, 304);
	}
	if (status == SL_STATUS_PAUSED) {
		sl_ctr_unref(c);
		return sl_http_error(r, 409, "cannot start a paused container, try unpause instead");
	}
	sl_restart_user_start(c);
	sl_call_begin(&call);
	rc = sl_api_ctr_start_run(c, &call);
	ret = rc ? sl_api_hook_error(r, &call, rc, NULL) : sl_http_empty(r, 204);
	sl_call_end(&call);
	sl_ctr_unref(c);
	return ret;
}

/*
 * dockerd's stop is a "kill" event (attribute signal) when it sends the
 * stop signal, a second one (signal 9) if it escalates to SIGKILL, then
 * "die" and "stop".  The stop hook escalates inside the backend, so the
 * exit it reports tells: SIGKILL's code (137) after another stop signal.
 * The stops in flight are listed for the die hook; each node lives on its
 * stopping thread's stack.
 */
struct stopping {
	struct sl_container *c;
	int signo;
	struct stopping *next;
};

static pthread_mutex_t stopping_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stopping *stopping_list;

static void kill_event(struct sl_container *c, int signo)
{
	char num[16];
	const char *extra[] = {"signal", num, NULL};

	snprintf(num, sizeof(num), "%d", signo);
	sl_ctrtab_event(c, "kill", extra);
}

static void die_hook(struct sl_container *c, int exit_code)
{
	int escalated = 0;

	pthread_mutex_lock(&stopping_lock);
	for (struct stopping *s = stopping_list; s; s = s->next) {
		if (s->c != c)
			continue;
		if (s->signo != SIGKILL && exit_code == 128 + SIGKILL) {
			escalated = 1;
			s->signo = SIGKILL;  /* once, if two stops overlap */
		}
	}
	pthread_mutex_unlock(&stopping_lock);
	if (escalated)
		kill_event(c, SIGKILL);
}

/* The stop hook with dockerd's events around it (restart's too); signo
 * 0 = the container's StopSignal, else SIGTERM.  Returns the hook's
 * code. */
static int stop_call(struct sl_container *c, struct sl_call *call, int signo,
	int timeout_s)
{
	struct stopping self = {c, signo, NULL}, **pp;
	int rc;

	if (self.signo <= 0 && c->str[SL_CTR_STOP_SIGNAL])
		self.signo = sl_api_parse_signal(c->str[SL_CTR_STOP_SIGNAL]);
	if (self.signo <= 0)
		self.signo = SIGTERM;
	/* The exit it brings restarts nothing. */
	sl_restart_user_stop(c, 0);
	/* Before the hook: the exit it waits for may be reported (and its
	 * "die" sent) before it returns. */
	kill_event(c, self.signo);
	pthread_mutex_lock(&stopping_lock);
	self.next = stopping_list;
	stopping_list = &self;
	pthread_mutex_unlock(&stopping_lock);
	rc = sl_daemon.backend.containers.stop(sl_daemon.backend.state, call, c,
		signo, timeout_s);
	pthread_mutex_lock(&stopping_lock);
	for (pp = &stopping_list; *pp != &self; pp = &(*pp)->next)
		;
	*pp = self.next;
	pthread_mutex_unlock(&stopping_lock);
	if (rc == SL_OK)
		sl_ctrtab_event(c, "stop", NULL);
	return rc;
}

static int query_int(struct sl_req *r, const char *key, int dflt, int *out)
{
	const char *v = sl_http_query(r, key);
	char *end;
	long n;

	*out = dflt;
	if (!v || !*v)
		return 0;
	n = strtol(v, &end, 10);
	if (*end || n < -1 || n > 1000000)
		return -1;
	*out = (int)n;
	return 0;
}

enum MHD_Result sl_api_ctr_stop(struct sl_req *r)
{
	struct sl_container *c;
	enum MHD_Result ret;
	struct sl_call call;
	const char *sig = sl_http_query(r, "signal");
	int t, signo = 0, status, rc;

	if (query_int(r, "t", -1, &t) < 0)
		return sl_http_error(r, 400, "invalid value for t: %s", sl_http_query(r, "t"));
	if (sig && *sig && (signo = sl_api_parse_signal(sig)) < 0)
		return sl_http_error(r, 400, "Invalid signal: %s", sig);
	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	NEED_HOOK(r, c, stop, "container stop");
	status = sl_api_ctr_status(c);
	if (status != SL_STATUS_RUNNING && status != SL_STATUS_PAUSED &&
	    status != SL_STATUS_RESTARTING) {
		sl_ctr_unref(c);
		return sl_http_empty(r, 304);
	}
	/* Restarting: nothing runs; dropping the restart is the stop.  A
	 * restart already in its start hook is waited for, then stopped. */
	if (status == SL_STATUS_RESTARTING) {
		if (sl_restart_user_stop(c, 0)) {
			sl_ctrtab_event(c, "stop", NULL);
			sl_ctr_unref(c);
			return sl_http_empty(r, 204);
		}
		status = sl_api_ctr_status(c);
		if (status != SL_STATUS_RUNNING && status != SL_STATUS_PAUSED) {
			sl_ctr_unref(c);
			return sl_http_empty(r, 304);
		}
	}
	sl_call_begin(&call);
	rc = stop_call(c, &call, signo, t);
	ret = rc ? sl_api_hook_error(r, &call, rc, NULL) : sl_http_empty(r, 204);
	sl_call_end(&call);
	sl_ctr_unref(c);
	return ret;
}

enum MHD_Result sl_api_ctr_kill(struct sl_req *r)
{
	const char *sig = sl_http_query(r, "signal");
	struct sl_container *c;
	enum MHD_Result ret;
	struct sl_call call;
	int signo = SIGKILL, status, rc;

	if (sig && *sig && (signo = sl_api_parse_signal(sig)) < 0)
		return sl_http_error(r, 400, "Invalid signal: %s", sig);
	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	NEED_HOOK(r, c, kill, "container kill");
	status = sl_api_ctr_status(c);
	/* dockerd: a restarting container is told not to come back (by
	 * SIGKILL or its stop signal), and there is no process to signal.
	 * A restart in its start hook is waited for, then signalled. */
	if (status == SL_STATUS_RESTARTING) {
		if (sl_restart_user_stop(c, signo) ||
		    (status = sl_api_ctr_status(c)) == SL_STATUS_RESTARTING) {
			sl_ctr_unref(c);
			return sl_http_empty(r, 204);
		}
	}
	if (status != SL_STATUS_RUNNING && status != SL_STATUS_PAUSED) {
		ret = sl_http_error(r, 409,
			"Cannot kill container: %s: container %s is not running",
			r->params[0], c->str[SL_CTR_ID]);
		sl_ctr_unref(c);
		return ret;
	}
	sl_restart_user_stop(c, signo);
	sl_call_begin(&call);
	rc = sl_daemon.backend.containers.kill(sl_daemon.backend.state, &call, c, signo);
	if (rc) {
		ret = sl_api_hook_error(r, &call, rc, NULL);
	} else {
		kill_event(c, signo);
		ret = sl_http_empty(r, 204);
	}
	sl_call_end(&call);
	sl_ctr_unref(c);
	return ret;
}

enum MHD_Result sl_api_ctr_restart(struct sl_req *r)
{
	struct sl_container *c;
	enum MHD_Result ret;
	struct sl_call call;
	int t, rc = SL_OK, status;

	if (query_int(r, "t", -1, &t) < 0)
		return sl_http_error(r, 400, "invalid value for t: %s", sl_http_query(r, "t"));
	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	if (!sl_daemon.backend.containers.restart &&
	    (!sl_daemon.backend.containers.start || !sl_daemon.backend.containers.stop)) {
		sl_ctr_unref(c);
		return sl_api_no_hook(r, "container restart");
	}
	/* A pending restart gives way to this one, and the stop's exit
	 * restarts nothing; the start is a user's (RestartCount back to 0). */
	sl_restart_user_stop(c, 0);
	sl_call_begin(&call);
	if (sl_daemon.backend.containers.restart) {
		rc = sl_daemon.backend.containers.restart(sl_daemon.backend.state, &call, c, t);
		sl_restart_user_start(c);
	} else {
		status = sl_api_ctr_status(c);
		if (status == SL_STATUS_RUNNING || status == SL_STATUS_PAUSED)
			rc = stop_call(c, &call, 0, t);
		if (!rc) {
			unsigned long gen;

			sl_restart_user_start(c);
			gen = sl_ctrtab_state_gen(c);
			rc = sl_daemon.backend.containers.start(sl_daemon.backend.state, &call, c);
			if (!rc)
				mark_running(c, gen);
		}
	}
	if (rc) {
		ret = sl_api_hook_error(r, &call, rc, NULL);
	} else {
		sl_ctrtab_event(c, "restart", NULL);
		ret = sl_http_empty(r, 204);
	}
	sl_call_end(&call);
	sl_ctr_unref(c);
	return ret;
}

static enum MHD_Result pause_common(struct sl_req *r, int pause)
{
	struct sl_container *c;
	enum MHD_Result ret;
	struct sl_call call;
	int status, rc;
	int (*hook)(void *, sl_call *, sl_container *);

	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	hook = pause ? sl_agent_hooks(c)->containers.pause :
		sl_agent_hooks(c)->containers.unpause;
	if (!hook) {
		sl_ctr_unref(c);
		return sl_api_no_hook(r, pause ? "container pause" : "container unpause");
	}
	status = sl_api_ctr_status(c);
	if (pause && status == SL_STATUS_RESTARTING)
		ret = sl_http_error(r, 409, "Container %s is restarting, wait until the container is running",
			c->str[SL_CTR_ID]);
	else if (pause && status == SL_STATUS_PAUSED)
		ret = sl_http_error(r, 409, "Container %s is already paused", c->str[SL_CTR_ID]);
	else if (pause && status != SL_STATUS_RUNNING)
		ret = sl_http_error(r, 409, "Container %s is not running", c->str[SL_CTR_ID]);
	else if (!pause && status != SL_STATUS_PAUSED)
		ret = sl_http_error(r, 409, "Container %s is not paused", c->str[SL_CTR_ID]);
	else {
		unsigned long gen = sl_ctrtab_state_gen(c);

		sl_call_begin(&call);
		rc = hook(sl_daemon.backend.state, &call, c);
		if (rc) {
			ret = sl_api_hook_error(r, &call, rc, NULL);
		} else {
			struct sl_state_v1 st = {SL_HEADER(struct sl_state_v1)};

			/* Unless the backend reported a state itself. */
			st.status = pause ? SL_STATUS_PAUSED : SL_STATUS_RUNNING;
			sl_ctrtab_state_changed_if(c, &st, gen);
			ret = sl_http_empty(r, 204);
		}
		sl_call_end(&call);
	}
	sl_ctr_unref(c);
	return ret;
}

enum MHD_Result sl_api_ctr_pause(struct sl_req *r)
{
	return pause_common(r, 1);
}

enum MHD_Result sl_api_ctr_unpause(struct sl_req *r)
{
	return pause_common(r, 0);
}

/* ---- wait ------------------------------------------------------------- */

enum wait_cond { WAIT_NOT_RUNNING, WAIT_NEXT_EXIT, WAIT_REMOVED };

struct waiter {
	struct sl_container *c;
	struct MHD_Connection *conn;
	enum wait_cond cond;
	int start_exits, start_stops;
	int done;
	char body[128];
	size_t len, off;
};

static int wait_satisfied(struct waiter *w, int *code)
{
	int ok;

	pthread_mutex_lock(&w->c->lock);
	*code = w->c->state.exit_code;
	switch (w->cond) {
	case WAIT_REMOVED:
		ok = w->c->state.removed;
		break;
	case WAIT_NEXT_EXIT:
		/* A dropped restart is a stop too (dockerd's SetStopped). */
		ok = w->c->state.exits > w->start_exits ||
			w->c->state.stops > w->start_stops || w->c->state.removed;
		break;
	default:
		/* An exit since the wait began counts though a restart
		 * policy has brought the container back (dockerd's waiters
		 * hear the "restarting" too). */
		ok = w->c->state.exits > w->start_exits ||
			(w->c->state.status != SL_STATUS_RUNNING &&
			 w->c->state.status != SL_STATUS_PAUSED &&
			 w->c->state.status != SL_STATUS_RESTARTING);
	}
	if (w->c->state.exits > w->start_exits)
		*code = w->c->state.last_exit_code;
	pthread_mutex_unlock(&w->c->lock);
	return ok;
}

static ssize_t wait_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct waiter *w = cls;
	size_t n;

	(void)pos;
	while (!w->done) {
		unsigned long gen = sl_ctrtab_generation();
		int code;

		if (wait_satisfied(w, &code)) {
			/* dockerd (since API 1.42's swagger fix) omits a null Error. */
			w->len = (size_t)snprintf(w->body, sizeof(w->body),
				"{\"StatusCode\":%d}\n", code);
			w->done = 1;
			break;
		}
		if (sl_server_closing() || sl_http_client_gone(w->conn))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		sl_ctrtab_wait_change(gen, 500);
	}
	if (w->off == w->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = w->len - w->off;
	if (n > max)
		n = max;
	memcpy(buf, w->body + w->off, n);
	w->off += n;
	return (ssize_t)n;
}

static void wait_free(void *cls)
{
	struct waiter *w = cls;

	sl_ctr_unref(w->c);
	free(w);
}

enum MHD_Result sl_api_ctr_wait(struct sl_req *r)
{
	const char *cond = sl_http_query(r, "condition");
	struct MHD_Response *resp;
	struct waiter *w;
	struct sl_container *c;
	enum MHD_Result ret;
	enum wait_cond wc = WAIT_NOT_RUNNING;

	if (cond && *cond) {
		if (!strcmp(cond, "next-exit"))
			wc = WAIT_NEXT_EXIT;
		else if (!strcmp(cond, "removed"))
			wc = WAIT_REMOVED;
		else if (strcmp(cond, "not-running"))
			return sl_http_error(r, 400,
				"invalid condition: \"%s\": must be one of not-running, next-exit, removed", cond);
	}
	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	w = calloc(1, sizeof(*w));
	if (!w) {
		sl_ctr_unref(c);
		return MHD_NO;
	}
	w->c = c;
	w->conn = r->conn;
	w->cond = wc;
	pthread_mutex_lock(&c->lock);
	w->start_exits = c->state.exits;
	w->start_stops = c->state.stops;
	pthread_mutex_unlock(&c->lock);
	/* The headers go out before the reader blocks: docker run starts the
	 * container only once it has them. */
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 256,
		wait_read, w, wait_free);
	if (!resp) {
		wait_free(w);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	return sl_http_queue(r, 200, resp);
}

/* ---- AutoRemove --------------------------------------------------------- */

/* How long AutoRemove waits for attached clients to take the end of the
 * output, as dockerd waits for a container's streams at exit.  Longer than
 * dockerd's 2 s: dockerd wires an attach up before its 101 answer, while
 * here the hook runs on a worker that a loaded machine may start late, and
 * an attach to a removed container has nothing left to give.  An attach
 * ends by itself once the run's output is out, so the wait is short unless
 * the machine is. */
#define AUTO_REMOVE_ATTACH_WAIT_MS 30000

static void auto_remove(void *arg)
{
	struct sl_container *c = arg;
	struct sl_call call;
	int rc;

	/* An exit reported while shutdown runs (fini stopping containers)
	 * must not call a hook: fini may be running.  The next start removes
	 * it (sl_api_lifecycle_resume). */
	if (sl_server_hooks_closed()) {
		sl_info("auto-remove of %.12s left for the next start",
			c->str[SL_CTR_ID]);
		sl_ctr_unref(c);
		return;
	}
	/* docker run --rm attaches before the start; under load its attach
	 * hook may begin only after the exit, and a removed container has no
	 * output left to give it. */
	await_zero(&c->attaching, AUTO_REMOVE_ATTACH_WAIT_MS, 10,
		sl_server_hooks_closed);
	sl_call_begin(&call);
	rc = sl_daemon.backend.containers.remove ?
		sl_api_ctr_destroy(c, 0, &call) : SL_ENOTSUP;
	if (rc && rc != SL_ECONFLICT)
		sl_warn("auto-remove of %.12s failed: %s", c->str[SL_CTR_ID],
			sl_call_message(&call, rc));
	sl_call_end(&call);
	sl_ctr_unref(c);
}

static void on_exit_hook(struct sl_container *c)
{
	if (!c->ints[SL_CTR_AUTO_REMOVE])
		return;
	/* Not on the reporting thread: it may hold the backend's locks. */
	sl_work_spawn_detached(auto_remove, sl_ctr_ref(c));
}

/* Every exit the backend reports: dockerd unmounts the volumes, then
 * AutoRemove. */
static void exit_hook(struct sl_container *c)
{
	sl_vol_ctr_event(c, "unmount");
	if (!sl_restart_on_exit(c))
		on_exit_hook(c);
}

void sl_api_lifecycle_init(void)
{
	sl_ctrtab_set_exit_hook(exit_hook);
	sl_ctrtab_set_die_hook(die_hook);
}

static int resume_one(struct sl_container *c, void *arg)
{
	int status = sl_api_ctr_status(c);

	(void)arg;
	if (status == SL_STATUS_EXITED || status == SL_STATUS_DEAD)
		on_exit_hook(c);
	return 0;
}

void sl_api_lifecycle_resume(void)
{
	/* As dockerd's restore: an AutoRemove container that is not running
	 * (it exited while the daemon was stopping) is removed now. */
	sl_ctrtab_foreach(resume_one, NULL);
}
