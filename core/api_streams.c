/*
 * api_streams.c - logs, attach and resize.
 */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/api.h"
#include "core/api_ctr.h"
#include "core/ctrview.h"
#include "core/daemon.h"
#include "core/logstore.h"
#include "core/timeparse.h"
#include "core/worker.h"

/* What a logs or attach worker needs: the container and the options. */
struct stream_job {
	struct sl_container *c;
	union {
		struct sl_logs_opts_v1 logs;
		struct sl_attach_opts_v1 attach;
	} opts;
};

static void job_free(void *arg)
{
	struct stream_job *j = arg;

	sl_ctr_unref(j->c);
	free(j);
}

static int logs_work(struct sl_stream *s, struct sl_call *call, void *arg)
{
	struct stream_job *j = arg;

	return sl_daemon.backend.streams.logs(sl_daemon.backend.state, call,
		j->c, &j->opts.logs, s);
}

static int local_emit(void *arg, int fd, int64_t ts, const char *line,
	size_t len)
{
	return sl_stream_write_line(arg, fd, ts, line, len) < 0 ? 1 : 0;
}

/*
 * Serves `docker logs` from the local copy the backend appended to
 * (host->log_append): all of it once the backend marked it complete, or,
 * for a backend without a logs hook, what arrived so far, following new
 * lines while the container runs.
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
	struct pollfd pf = {.fd = sl_call_get_cancel_fd(call), .events = POLLIN};
	long long pos = 0;
	int rc, done = 0;

	rc = sl_logstore_read(sl_daemon.data_root, id, &f, &pos, local_emit, s);
	f.tail = -1;
	while (o->follow && !rc && !done && !sl_call_is_cancelled(call)) {
		int st = sl_logstore_state(sl_daemon.data_root, id);
		int status = sl_api_ctr_status(j->c);

		/* Read once more after the end shows, for the last lines. */
		done = st == SL_LOGSTORE_COMPLETE || st == SL_LOGSTORE_BROKEN ||
			(status != SL_STATUS_RUNNING && status != SL_STATUS_PAUSED &&
			 status != SL_STATUS_RESTARTING) ||
			(f.until_ns && sl_time_now_ns() > f.until_ns);
		if (!done)
			(void)poll(&pf, pf.fd >= 0 ? 1 : 0, 200);
		rc = sl_logstore_read(sl_daemon.data_root, id, &f, &pos,
			local_emit, s);
	}
	return rc;
}

static int attach_work(struct sl_stream *s, struct sl_call *call, void *arg)
{
	struct stream_job *j = arg;

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
	int tty, lstate, local;

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
	/* The local copy answers when the backend says it is complete, or
	 * when a 1.1 backend has no logs hook of its own. */
	lstate = sl_logstore_state(sl_daemon.data_root, c->str[SL_CTR_ID]);
	local = lstate == SL_LOGSTORE_COMPLETE ||
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
	if (!sl_daemon.backend.streams.attach) {
		sl_ctr_unref(c);
		return sl_api_no_hook(r, "container attach");
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		sl_ctr_unref(c);
		return MHD_NO;
	}
	tty = (int)c->ints[SL_CTR_TTY];
	j->c = c;
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
