/*
 * api_streams.c - logs, attach and resize.
 */
#include "config.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/agent.h"
#include "core/api.h"
#include "core/api_ctr.h"
#include "core/ctrtab.h"
#include "core/ctrview.h"
#include "core/daemon.h"
#include "core/log.h"
#include "core/logstore.h"
#include "core/server.h"
#include "core/timeparse.h"
#include "core/worker.h"

/* What a logs or attach worker needs: the container and the options. */
struct stream_job {
	struct sl_container *c;
	union {
		struct sl_logs_opts_v1 logs;
		struct sl_attach_opts_v1 attach;
	} opts;
	int start_exits;          /* c's exit count when the request came */
	int via_agent;            /* logs: the local copy, because the agent
	                           * writes it whole */
	int attaching;            /* counted in c->attaching */
	int unhooked;             /* counted in c->attach_unhooked (atomic) */
};

/* How long a follow that ended waits for the container's exit report. */
#define FOLLOW_EXIT_WAIT_MS 30000

/* The attach hook is (about to be) called: a start may go ahead. */
static void job_hooked(struct stream_job *j)
{
	if (__atomic_exchange_n(&j->unhooked, 0, __ATOMIC_SEQ_CST))
		__atomic_sub_fetch(&j->c->attach_unhooked, 1, __ATOMIC_SEQ_CST);
}

static void job_free(void *arg)
{
	struct stream_job *j = arg;

	job_hooked(j);   /* the client left before the 101 */
	if (j->attaching)
		__atomic_sub_fetch(&j->c->attaching, 1, __ATOMIC_SEQ_CST);
	sl_ctr_unref(j->c);
	free(j);
}

/* Whether c has stopped (or gone) since the request, or was not running. */
static int follow_settled(struct stream_job *j)
{
	int st, ok;

	pthread_mutex_lock(&j->c->lock);
	st = j->c->state.status;
	ok = j->c->state.removed || j->c->state.exits != j->start_exits ||
		(st != SL_STATUS_RUNNING && st != SL_STATUS_PAUSED &&
		 st != SL_STATUS_RESTARTING);
	pthread_mutex_unlock(&j->c->lock);
	return ok;
}

/*
 * dockerd ends `logs -f` when the container stopped, so the client may
 * `docker rm` it at once.  A backend's stream can end before its exit
 * report reaches the store (ACA: the log stream closes a poll before the
 * execution shows as ended), so hold the end of the body until the state
 * moves on: bounded, and at once when the client goes or we stop.  A
 * follow that ended at `until` has nothing to wait for.
 */
static void follow_await_exit(struct stream_job *j, struct sl_call *call)
{
	const struct sl_logs_opts_v1 *o = &j->opts.logs;
	int64_t deadline = sl_time_now_ns() + FOLLOW_EXIT_WAIT_MS * 1000000LL;

	if (!o->follow || (o->until_ns && sl_time_now_ns() >= o->until_ns))
		return;
	for (;;) {
		unsigned long gen = sl_ctrtab_generation();

		if (follow_settled(j) || sl_call_is_cancelled(call) ||
		    sl_server_closing() || sl_time_now_ns() >= deadline)
			return;
		/* Cancellation does not signal the table: look every 200 ms. */
		sl_ctrtab_wait_change(gen, 200);
	}
}

static int logs_work(struct sl_stream *s, struct sl_call *call, void *arg)
{
	struct stream_job *j = arg;
	int rc = sl_daemon.backend.streams.logs(sl_daemon.backend.state, call,
		j->c, &j->opts.logs, s);

	if (!rc)
		follow_await_exit(j, call);
	return rc;
}

/* A follower re-reads the container's state this often; new lines wake
 * it at once (sl_logstore_watch), this is only for an end that no line
 * announces (a container stopped without its agent's report). */
#define FOLLOW_STATE_MS 1000
/* How long a reader of the agent's copy waits, once the container stopped
 * and the agent's EXIT came, for the log writer to store the lines ahead
 * of it and mark the copy complete (milliseconds, mostly); the bound is
 * only for a store that stopped answering. */
#define AGENT_TAIL_WAIT_MS 30000

struct local_out {
	struct sl_stream *s;
	int64_t last_ts;          /* of the last line sent, 0 = none yet */
};

static int local_emit(void *arg, int fd, int64_t ts, const char *line,
	size_t len, unsigned flags)
{
	struct local_out *lo = arg;

	lo->last_ts = ts;
	return sl_stream_write_line(lo->s, fd, ts, line, len, flags) < 0 ? 1 : 0;
}

/*
 * The agent's copy stopped being whole while we followed it (agent
 * unreachable, output lost): the backend's logs hook goes on from the
 * last line sent.  The two sources stamp lines differently, so the seam
 * is approximate: a line may show twice or not at all around it.
 */
static int local_handover(struct sl_stream *s, struct sl_call *call,
	struct stream_job *j, int64_t last_ts, int sent)
{
	struct sl_logs_opts_v1 o = j->opts.logs;

	if (!sl_daemon.backend.streams.logs)
		return SL_OK;
	if (sent) {
		o.since_ns = last_ts + 1;
		o.tail = -1;
	}
	sl_info("logs %.12s: the agent's copy is no longer whole; following "
		"the backend's logs", j->c->str[SL_CTR_ID]);
	return sl_daemon.backend.streams.logs(sl_daemon.backend.state, call,
		j->c, &o, s);
}

static int ctr_stopped(struct sl_container *c)
{
	int status = sl_api_ctr_status(c);

	return status != SL_STATUS_RUNNING && status != SL_STATUS_PAUSED &&
		status != SL_STATUS_RESTARTING;
}

/*
 * The agent's EXIT is read before the log writer has stored the output
 * that came ahead of it, and the backend may report the exit in between:
 * a reader that starts then waits (bounded) for the copy to complete, so
 * `docker logs` right after `docker run` gets every line.  Used without
 * follow; the follow loop waits in its own way.
 */
static void await_agent_copy(struct stream_job *j, struct sl_call *call,
	const char *id)
{
	struct sl_logstore_watch w;
	int64_t end = sl_time_now_ns() + AGENT_TAIL_WAIT_MS * 1000000LL;
	struct pollfd pf[2] = {
		{.fd = sl_call_get_cancel_fd(call), .events = POLLIN},
		{.fd = -1, .events = POLLIN},
	};

	if (!j->via_agent || sl_logstore_watch_open(&w, id))
		return;
	pf[1].fd = sl_logstore_watch_fd(&w);
	while (ctr_stopped(j->c) &&
	       sl_logstore_state(sl_daemon.data_root, id) != SL_LOGSTORE_COMPLETE &&
	       sl_agent_log_whole(j->c) && sl_time_now_ns() < end &&
	       !sl_call_is_cancelled(call)) {
		(void)poll(pf, 2, 200);
		sl_logstore_watch_drain(&w);
	}
	sl_logstore_watch_close(&w);
}

/*
 * Serves `docker logs` from the local copy (host->log_append, or the
 * agent's output): all of it once the backend marked it complete, or what
 * arrived so far, following new lines while the container runs.  A
 * follower sleeps until the store says a line came (its watch pipe), the
 * client went (the call's cancel fd), or FOLLOW_STATE_MS passed.
 */
static int local_logs_work(struct sl_stream *s, struct sl_call *call,
	void *arg)
{
	struct stream_job *j = arg;
	const struct sl_logs_opts_v1 *o = &j->opts.logs;
	const char *id = j->c->str[SL_CTR_ID];
	struct sl_logstore_filter f = {
		.want_stdout = o->stdout_wanted, .want_stderr = o->stderr_wanted,
		.since_ns = o->since_ns, .until_ns = o->until_ns, .tail = o->tail,
	};
	struct local_out lo = {.s = s};
	struct sl_logstore_watch w;
	struct pollfd pf[2] = {
		{.fd = sl_call_get_cancel_fd(call), .events = POLLIN},
		{.fd = -1, .events = POLLIN},
	};
	long long pos = 0;
	int64_t stopped_ns = 0;
	int rc, done = 0, watching = 0, sent = 0, handover = 0;

	/* Registered before the first read: a line appended after it wakes
	 * the loop. */
	if (o->follow && !sl_logstore_watch_open(&w, id)) {
		watching = 1;
		pf[1].fd = sl_logstore_watch_fd(&w);
	}
	if (!o->follow)
		await_agent_copy(j, call, id);
	rc = sl_logstore_read(sl_daemon.data_root, id, &f, &pos, local_emit, &lo);
	f.tail = -1;
	while (o->follow && !rc && !done && !sl_call_is_cancelled(call) &&
	       !sl_server_closing()) {
		int st = sl_logstore_state(sl_daemon.data_root, id);
		int stopped = ctr_stopped(j->c);

		/* The backend's exit report can overtake the agent's last lines
		 * on their way to the store: once the agent's EXIT came (the
		 * copy is whole), wait for the writer to complete it.  An agent
		 * killed with its replica sends none: not whole, no wait. */
		if (stopped && j->via_agent && st != SL_LOGSTORE_COMPLETE &&
		    sl_agent_log_whole(j->c)) {
			if (!stopped_ns)
				stopped_ns = sl_time_now_ns();
			stopped = sl_time_now_ns() - stopped_ns >
				AGENT_TAIL_WAIT_MS * 1000000LL;
		}
		/* Read once more after the end shows, for the last lines. */
		done = st == SL_LOGSTORE_COMPLETE || st == SL_LOGSTORE_BROKEN ||
			stopped || (f.until_ns && sl_time_now_ns() > f.until_ns);
		if (!done && j->via_agent && !sl_agent_log_whole(j->c)) {
			handover = 1;
			break;
		}
		if (!done)
			(void)poll(pf, 2, watching ? FOLLOW_STATE_MS : 200);
		if (watching)
			sl_logstore_watch_drain(&w);
		rc = sl_logstore_read(sl_daemon.data_root, id, &f, &pos,
			local_emit, &lo);
	}
	if (watching)
		sl_logstore_watch_close(&w);
	sent = lo.last_ts != 0;
	if (!rc && handover)
		rc = local_handover(s, call, j, lo.last_ts, sent);
	/* A copy marked complete before the exit report arrived. */
	if (!rc)
		follow_await_exit(j, call);
	return rc;
}

static int attach_work(struct sl_stream *s, struct sl_call *call, void *arg)
{
	struct stream_job *j = arg;

	job_hooked(j);
	return sl_daemon.backend.streams.attach(sl_daemon.backend.state, call,
		j->c, &j->opts.attach, s);
}

static int time_param(struct sl_req *r, const char *key, int64_t *out)
{
	const char *v = sl_http_query(r, key);

	*out = 0;
	if (!v || !*v || !strcmp(v, "0"))
		return 0;
	return sl_time_parse_docker(v, sl_time_now_ns(), out);
}

enum MHD_Result sl_api_ctr_logs(struct sl_req *r)
{
	struct sl_work w = {0};
	struct stream_job *j;
	struct sl_container *c;
	enum MHD_Result ret;
	const char *tail = sl_http_query(r, "tail");
	int64_t since, until, ntail = -1;
	int tty, lstate, local, via_agent;

	if (!sl_http_query_bool(r, "stdout", 0) && !sl_http_query_bool(r, "stderr", 0))
		return sl_http_error(r, 400, "Bad parameters: you must choose at least one stream");
	if (time_param(r, "since", &since) < 0 || time_param(r, "until", &until) < 0)
		return sl_http_error(r, 400, "invalid since or until: want unix seconds or RFC3339");
	if (tail && *tail && strcasecmp(tail, "all")) {
		char *end;

		ntail = strtoll(tail, &end, 10);
		if (*end || ntail < 0)
			ntail = -1;
	}
	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	/* The local copy answers when the backend says it is complete, while
	 * the container's agent writes it whole (live, and instant where the
	 * cloud's log service lags), or when a 1.1 backend has no logs hook
	 * of its own.  Otherwise the backend's hook: a copy with a hole
	 * (the agent unreachable, a gap after a daemon restart). */
	lstate = sl_logstore_state(sl_daemon.data_root, c->str[SL_CTR_ID]);
	via_agent = lstate != SL_LOGSTORE_COMPLETE &&
		lstate != SL_LOGSTORE_BROKEN && sl_agent_log_whole(c);
	local = lstate == SL_LOGSTORE_COMPLETE || via_agent ||
		(!sl_daemon.backend.streams.logs && sl_daemon.backend.abi_minor >= 1 &&
		 lstate != SL_LOGSTORE_BROKEN);
	if (!local && !sl_daemon.backend.streams.logs) {
		sl_ctr_unref(c);
		return sl_api_no_hook(r, "container logs");
	}
	if (!sl_ctrview_logs_readable(c)) {
		sl_ctr_unref(c);
		return sl_http_error(r, 501, "configured logging driver does not support reading");
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		sl_ctr_unref(c);
		return MHD_NO;
	}
	tty = (int)c->ints[SL_CTR_TTY];
	j->c = c;
	j->via_agent = via_agent;
	pthread_mutex_lock(&c->lock);
	j->start_exits = c->state.exits;
	pthread_mutex_unlock(&c->lock);
	j->opts.logs = (struct sl_logs_opts_v1){SL_HEADER(struct sl_logs_opts_v1)};
	j->opts.logs.follow = sl_http_query_bool(r, "follow", 0);
	j->opts.logs.stdout_wanted = sl_http_query_bool(r, "stdout", 0);
	j->opts.logs.stderr_wanted = sl_http_query_bool(r, "stderr", 0);
	j->opts.logs.timestamps = sl_http_query_bool(r, "timestamps", 0);
	j->opts.logs.since_ns = since;
	j->opts.logs.until_ns = until;
	j->opts.logs.tail = ntail;
	w.fn = local ? local_logs_work : logs_work;
	w.arg = j;
	w.arg_free = job_free;
	w.multiplexed = !tty;
	w.content_type = sl_work_content_type(r, tty);
	w.timestamps = j->opts.logs.timestamps;
	w.want_stdout = j->opts.logs.stdout_wanted;
	w.want_stderr = j->opts.logs.stderr_wanted;
	return sl_work_respond_chunked(r, &w);
}

enum MHD_Result sl_api_ctr_attach(struct sl_req *r)
{
	struct sl_work w = {0};
	struct stream_job *j;
	struct sl_container *c;
	enum MHD_Result ret;
	const char *up = sl_http_header(r, "Upgrade");
	int tty;

	if (sl_detach_parse(&w.detach, sl_http_query(r, "detachKeys")) < 0)
		return sl_http_error(r, 400, "Invalid detach keys (%s) provided",
			sl_http_query(r, "detachKeys"));
	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	if (!sl_agent_hooks(c)->streams.attach) {
		sl_ctr_unref(c);
		return sl_api_no_hook(r, "container attach");
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		sl_ctr_unref(c);
		return MHD_NO;
	}
	tty = (int)c->ints[SL_CTR_TTY];
	/* As dockerd, the detach sequence applies to a TTY only: without
	 * one stdin is data (10 MiB of random bytes hold ctrl-p ctrl-q). */
	if (!tty)
		w.detach.n = 0;
	j->c = c;
	j->attaching = 1;
	__atomic_add_fetch(&c->attaching, 1, __ATOMIC_SEQ_CST);
	j->unhooked = 1;
	__atomic_add_fetch(&c->attach_unhooked, 1, __ATOMIC_SEQ_CST);
	j->opts.attach = (struct sl_attach_opts_v1){SL_HEADER(struct sl_attach_opts_v1)};
	j->opts.attach.stdin_wanted = sl_http_query_bool(r, "stdin", 0);
	j->opts.attach.stdout_wanted = sl_http_query_bool(r, "stdout", 0);
	j->opts.attach.stderr_wanted = sl_http_query_bool(r, "stderr", 0);
	j->opts.attach.logs = sl_http_query_bool(r, "logs", 0);
	j->opts.attach.stream = sl_http_query_bool(r, "stream", 0);
	j->opts.attach.tty = tty;
	j->opts.attach.requested_ns = sl_time_now_ns();
	w.fn = attach_work;
	w.arg = j;
	w.arg_free = job_free;
	w.multiplexed = !tty;
	w.want_stdout = 1;
	w.want_stderr = 1;
	w.content_type = sl_work_content_type(r, tty);
	/* Without an Upgrade header (dockerode's non-hijacked mode) only the
	 * output can flow: libmicrohttpd cannot read a body while it sends. */
	if (!up) {
		j->opts.attach.stdin_wanted = 0;
		return sl_work_respond_chunked(r, &w);
	}
	return sl_work_respond_upgrade(r, &w);
}

enum MHD_Result sl_api_ctr_resize(struct sl_req *r)
{
	const char *hs = sl_http_query(r, "h"), *ws = sl_http_query(r, "w");
	struct sl_container *c;
	enum MHD_Result ret;
	struct sl_call call;
	int rc;

	if (!hs || !ws || atoi(hs) < 0 || atoi(ws) < 0)
		return sl_http_error(r, 400, "resize needs h and w");
	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	if (!sl_daemon.backend.streams.resize) {
		sl_ctr_unref(c);
		return sl_api_no_hook(r, "container resize");
	}
	sl_call_begin(&call);
	rc = sl_daemon.backend.streams.resize(sl_daemon.backend.state, &call, c,
		atoi(hs), atoi(ws));
	ret = rc ? sl_api_hook_error(r, &call, rc, NULL) : sl_http_empty(r, 200);
	sl_call_end(&call);
	sl_ctr_unref(c);
	return ret;
}
