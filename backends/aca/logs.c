/*
 * logs.c - `docker logs` and `docker attach` for ACA containers, and the
 * exit code from the system log.
 *
 * Where output comes from, best first: the capture of the replica log
 * stream (logs_capture.c) while it holds every line of the current
 * execution; otherwise Log Analytics (after a daemon restart, or when the
 * stream skipped lines), merged with whatever the capture holds, since
 * Log Analytics shows rows 20 s to minutes after they were written.
 * Once a capture is complete the host serves `docker logs` from its
 * local copy and this hook is not called any more.  With the agent the
 * host keeps that copy itself and serves it while it is whole (live, for
 * `logs -f` too): this hook answers only when it has a hole (a daemon
 * restart lost output, the agent unreachable) or before a forward agent
 * was dialled.
 *
 * Only the container's current execution is shown: Azure keeps the rows
 * of earlier executions (a `docker restart` starts a new one), but the
 * plugin records only the current execution's name.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "logs_priv.h"

/* Follow over Log Analytics: rows may become visible this long after
 * they were written (Azure: typically 20 s - 3 min), so each poll looks
 * back this far and de-duplicates. */
#define LA_OVERLAP_NS (300LL * 1000000000LL)
#define LA_POLL_MS 5000
/* After the container stopped, keep following Log Analytics this long
 * for rows still being ingested. */
#define LA_GRACE_NS (60LL * 1000000000LL)
/* A capture whose stream has not closed this long after the container
 * stopped is not waited for by followers. */
#define DRAIN_NS (15LL * 1000000000LL)
/* Lines copied out of a capture per lock. */
#define BATCH 256
/* Re-read the environment's log destination at most this often after a
 * failure. */
#define RESOLVE_RETRY_NS (60LL * 1000000000LL)

/* ---- the environment's log destination ------------------------------ */

static void set_resolved(struct aca_logs *l, enum aca_log_family fam,
	const char *ws, const char *dest)
{
	l->family = fam == ACA_LOGS_AUTO ? ACA_LOGS_CL : fam;
	free(l->workspace);
	free(l->destination);
	l->workspace = ws && *ws ? strdup(ws) : NULL;
	l->destination = strdup(dest ? dest : "none");
	l->resolved = 1;
}

/*
 * Reads the managed environment's appLogsConfiguration: the table family
 * (*fam, when the configuration left it to us), the workspace's customer
 * id and the destination (*ws, *dest: malloc'd or NULL, caller frees).
 * A workspace named in the configuration wins over the environment's.
 */
static int read_destination(struct aca_backend *b, const struct aca_cancel *cx,
	enum aca_log_family *fam, char **ws_out, char **dest_out,
	struct aca_err *err)
{
	const struct aca_config *cfg = &b->cfg;
	struct aca_resp r = { 0 };
	struct json_object *root = NULL, *props, *alc, *dst, *lac, *cid;
	const char *dest = NULL, *ws = NULL;
	char *env = NULL, *path = NULL;
	int rc;

	*ws_out = *dest_out = NULL;
	env = aca_config_env_id(cfg);
	if (!env || asprintf(&path, "%s?api-version=%s", env, ACA_API_JOBS) < 0) {
		path = NULL;
		rc = aca_err_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	rc = aca_arm(b->az, cx, "GET", path, NULL, 0, &r, err);
	if (rc == SL_OK && r.status != 200)
		rc = aca_err_from_resp(err, &r, "read the managed environment");
	if (rc != SL_OK)
		goto out;
	root = json_tokener_parse(r.body ? r.body : "");
	if (root && json_object_object_get_ex(root, "properties", &props) &&
	    json_object_object_get_ex(props, "appLogsConfiguration", &alc)) {
		if (json_object_object_get_ex(alc, "destination", &dst))
			dest = json_object_get_string(dst);
		if (json_object_object_get_ex(alc, "logAnalyticsConfiguration",
			&lac) &&
		    json_object_object_get_ex(lac, "customerId", &cid))
			ws = json_object_get_string(cid);
	}
	if (dest && strcmp(dest, "azure-monitor") == 0) {
		if (*fam == ACA_LOGS_AUTO)
			*fam = ACA_LOGS_RESOURCE;
	} else if (dest && strcmp(dest, "log-analytics") == 0) {
		if (*fam == ACA_LOGS_AUTO)
			*fam = ACA_LOGS_CL;
	} else {
		ws = NULL;          /* "none" or absent: no rows anywhere */
	}
	if (cfg->workspace)
		ws = cfg->workspace;
	if ((ws && *ws && !(*ws_out = strdup(ws))) ||
	    !(*dest_out = strdup(dest && *dest ? dest : "none"))) {
		free(*ws_out);
		*ws_out = NULL;
		rc = aca_err_set(err, SL_ENOMEM, "out of memory");
	}
out:
	json_object_put(root);
	aca_resp_free(&r);
	free(path);
	free(env);
	return rc;
}

/*
 * Resolves the family and the workspace once: from the configuration
 * when it names both, else from the environment.  The ARM call is made
 * without l->mu, which every capture and reader takes; two first calls
 * at once may both ask, and the first answer stays.  A failure is logged
 * and retried after RESOLVE_RETRY_NS.
 */
static int resolve(struct aca_logs *l, const struct aca_cancel *cx)
{
	struct aca_backend *b = l->b;
	const struct aca_config *cfg = &b->cfg;
	enum aca_log_family fam = cfg->log_family;
	struct aca_err err = { 0 };
	char *ws = NULL, *dest = NULL;
	int rc = SL_OK, ask;

	pthread_mutex_lock(&l->mu);
	if (!l->resolved && fam != ACA_LOGS_AUTO && cfg->workspace)
		set_resolved(l, fam, cfg->workspace, "configured");
	if (!l->resolved && l->resolve_failed_at &&
	    aca_time_now() - l->resolve_failed_at < RESOLVE_RETRY_NS)
		rc = SL_EUNAVAIL;
	ask = !l->resolved && rc == SL_OK;
	pthread_mutex_unlock(&l->mu);
	if (!ask)
		return rc;
	rc = read_destination(b, cx, &fam, &ws, &dest, &err);
	pthread_mutex_lock(&l->mu);
	if (rc != SL_OK)
		l->resolve_failed_at = aca_time_now();
	else if (!l->resolved)
		set_resolved(l, fam, ws, dest);
	pthread_mutex_unlock(&l->mu);
	if (rc != SL_OK)
		sl_host_log(b->host, SL_LOG_WARN,
			"aca: cannot read the log destination of environment %s "
			"(%s); will try again", cfg->environment, err.msg);
	else if (!ws && fam == ACA_LOGS_RESOURCE)
		/* Azure Monitor: the workspace is the diagnostic setting's,
		 * which the environment does not name. */
		sl_host_log(b->host, SL_LOG_WARN,
			"aca: environment %s sends its logs to Azure Monitor; set "
			"SOCKERLESS_ACA_LOG_ANALYTICS_WORKSPACE to the customer id "
			"of the workspace its diagnostic setting writes to, or "
			"docker logs shows only what this daemon captured from "
			"the log stream", cfg->environment);
	else if (!ws)
		sl_host_log(b->host, SL_LOG_WARN,
			"aca: environment %s keeps no logs (appLogsConfiguration."
			"destination is %s): docker logs shows only what this "
			"daemon captured from the log stream", cfg->environment,
			dest);
	free(ws);
	free(dest);
	return rc;
}

int aca_logs_new(struct aca_backend *b, struct aca_logs **out)
{
	struct aca_cancel cx = { .host = b->host, .stop = &b->stopping };
	struct aca_logs *l = calloc(1, sizeof(*l));
	pthread_condattr_t ca;

	*out = NULL;
	if (!l)
		return SL_ENOMEM;
	l->b = b;
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* b->family and b->workspace show what init found (for info); a
	 * resolution retried later updates only l, which the hooks read. */
	if (resolve(l, &cx) == SL_OK) {
		b->family = l->family;
		b->workspace = l->workspace ? strdup(l->workspace) : NULL;
	}
	*out = l;
	return SL_OK;
}

/* Also frees b->workspace, which aca_logs_new set. */
void aca_logs_free(struct aca_logs *l)
{
	if (!l)
		return;
	aca_capture_join_all(l);
	free(l->workspace);
	free(l->destination);
	free(l->b->workspace);
	l->b->workspace = NULL;
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* ---- Log Analytics ------------------------------------------------------ */

/* A table, or a custom column of a _CL table, exists only once a row was
 * ingested: before, Log Analytics refuses the query (400, SEM0100 "Failed
 * to resolve ... named 'X'").  That is "no rows yet". */
static int la_fetch(struct aca_logs *l, const struct aca_cancel *cx,
	const char *kql, struct aca_lines *rows, struct aca_err *err)
{
	struct aca_resp r = { 0 };
	int rc;

	if (!kql)
		return aca_err_set(err, SL_ENOMEM, "out of memory");
	rc = aca_la_query(l->b->az, cx, l->workspace, kql, NULL, &r, err);
	if (rc == SL_EINVAL && strstr(err->msg, "Failed to resolve")) {
		sl_host_log(l->b->host, SL_LOG_DEBUG,
			"aca: Log Analytics has no rows yet: %s", err->msg);
		err->status = SL_OK;
		return SL_OK;
	}
	if (rc == SL_OK)
		rc = aca_la_rows(r.body, rows, err);
	aca_resp_free(&r);
	return rc;
}

int aca_logs_exit_code(struct aca_logs *l, const struct aca_cancel *cx,
	const char *job, const char *execution, int *code, struct aca_err *err)
{
	struct aca_lines rows = { 0 };
	char *kql;
	int rc;

	(void)job;    /* system rows are keyed by the replica name */
	if (!l)
		return aca_err_set(err, SL_ENOTFOUND, "no log module");
	if (resolve(l, cx) != SL_OK || !l->workspace)
		/* Not "not yet": no row will ever come, so the caller need
		 * not wait for one. */
		return aca_err_set(err, SL_ENOTSUP,
			"the environment's system logs are not readable");
	kql = aca_kql_exit(l->family, execution);
	rc = la_fetch(l, cx, kql, &rows, err);
	free(kql);
	if (rc != SL_OK)
		goto out;
	rc = aca_err_set(err, SL_ENOTFOUND,
		"no exit code in the system log of execution %s yet", execution);
	/* Newest first; a row "exit code ''" (never ran) has none. */
	for (size_t i = 0; i < rows.n; i++) {
		if (aca_exit_code_parse(rows.v[i].text, code) == SL_OK) {
			err->status = SL_OK;
			err->msg[0] = '\0';
			rc = SL_OK;
			break;
		}
	}
out:
	aca_lines_clear(&rows);
	return rc;
}

/* ---- writing to the client ---------------------------------------------- */

struct reader {
	struct aca_logs *l;
	const struct sl_host_v1 *host;
	sl_call *call;
	sl_container *c;
	sl_stream *out;
	int raw;                  /* attach: bytes, not log lines */
	struct aca_logs_filter f;
	int64_t last_ts;          /* newest line written */
};

static int write_line(struct reader *rd, const struct aca_line *ln)
{
	const struct sl_host_v1 *host = rd->host;

	if (!aca_logs_filter_pass(&rd->f, ln))
		return SL_OK;
	if (ln->ts > rd->last_ts)
		rd->last_ts = ln->ts;
	if (rd->raw) {
		if (host->stream_write(rd->out, ln->fd, ln->text, ln->len) < 0 ||
		    host->stream_write(rd->out, ln->fd, "\n", 1) < 0)
			return SL_ECANCELED;
		return SL_OK;
	}
	if (host->stream_write_line(rd->out, ln->fd, ln->ts, ln->text,
		ln->len) < 0)
		return SL_ECANCELED;
	return SL_OK;
}

static int write_lines(struct reader *rd, const struct aca_lines *ls,
	size_t from)
{
	for (size_t i = from; i < ls->n; i++) {
		int rc = write_line(rd, &ls->v[i]);

		if (rc)
			return rc;
	}
	return SL_OK;
}

/* Whether a follower should keep going: the container still runs, or
 * stopped less than `grace` ago. */
static int still_live(struct reader *rd, int64_t grace)
{
	const struct sl_host_v1 *host = rd->host;
	int64_t st = host->ctr_int(rd->c, SL_CTR_STATUS);
	int64_t fin;

	if (st == SL_STATUS_RUNNING || st == SL_STATUS_CREATED ||
	    st == SL_STATUS_RESTARTING || st == SL_STATUS_PAUSED)
		return 1;
	fin = host->ctr_int(rd->c, SL_CTR_FINISHED_NS);
	return fin > 0 && aca_time_now() - fin < grace;
}

/* Copies up to BATCH lines of the capture from absolute index *next. */
static void copy_batch(struct aca_logs *l, struct aca_capture *cp,
	size_t *next, struct aca_lines *dst, int *done)
{
	struct aca_capture_view v;

	pthread_mutex_lock(&l->mu);
	aca_capture_view(cp, &v);
	if (*next < v.base)
		*next = v.base;     /* dropped under memory pressure */
	for (size_t i = *next - v.base; i < v.lines->n && dst->n < BATCH; i++) {
		const struct aca_line *ln = &v.lines->v[i];

		if (aca_lines_push(dst, ln->ts, ln->fd, ln->text, ln->len))
			break;
		(*next)++;
	}
	*done = v.done && *next - v.base >= v.lines->n;
	pthread_mutex_unlock(&l->mu);
}

/*
 * Writes the capture's lines from absolute index `next` (tail applied
 * when asked), then, with follow, new ones until the capture ends, the
 * container stopped a while ago, or the client goes.
 */
static int serve_capture(struct reader *rd, struct aca_capture *cp,
	size_t next, int follow)
{
	struct aca_logs *l = rd->l;
	struct aca_lines batch = { 0 };
	struct aca_capture_view v;
	int done = 0, rc = SL_OK;
	int64_t started;

	pthread_mutex_lock(&l->mu);
	aca_capture_view(cp, &v);
	started = v.started_ns;
	pthread_mutex_unlock(&l->mu);
	if (rd->f.tail >= 0) {
		struct aca_lines all = { 0 };

		/* The tail is taken over what exists now. */
		pthread_mutex_lock(&l->mu);
		aca_capture_view(cp, &v);
		for (size_t i = 0; i < v.lines->n; i++)
			if (aca_lines_push(&all, v.lines->v[i].ts, v.lines->v[i].fd,
				v.lines->v[i].text, v.lines->v[i].len)) {
				rc = SL_ENOMEM;
				break;
			}
		next = v.base + v.lines->n;
		pthread_mutex_unlock(&l->mu);
		if (rc == SL_OK)
			rc = write_lines(rd, &all,
				aca_logs_tail_start(&all, 0, &rd->f));
		aca_lines_clear(&all);
		if (rc)
			return rc;
	}
	for (;;) {
		copy_batch(l, cp, &next, &batch, &done);
		rc = write_lines(rd, &batch, 0);
		if (rc)
			break;
		if (batch.n) {
			aca_lines_clear(&batch);
			continue;
		}
		if (!follow || done)
			break;
		if (rd->host->cancelled(rd->call)) {
			rc = SL_ECANCELED;
			break;
		}
		/* A capture newer than the recorded exit is a run whose start
		 * the host has not recorded yet (start -a, restart). */
		if ((started <= rd->host->ctr_int(rd->c, SL_CTR_FINISHED_NS) &&
		     !still_live(rd, DRAIN_NS)) ||
		    (rd->f.until > 0 && aca_time_now() > rd->f.until))
			break;
		pthread_mutex_lock(&l->mu);
		aca_capture_view(cp, &v);
		if (next >= v.base + v.lines->n && !v.done) {
			struct timespec dl;

			clock_gettime(CLOCK_MONOTONIC, &dl);
			dl.tv_sec += 1;
			(void)pthread_cond_timedwait(&l->cv, &l->mu, &dl);
		}
		pthread_mutex_unlock(&l->mu);
	}
	aca_lines_clear(&batch);
	return rc;
}

/* Adds the capture's lines stamped >= from as one pass of seen, and
 * those that are new to out. */
static int merge_capture(struct aca_logs *l, struct aca_capture *cp,
	struct aca_seen *seen, unsigned pass, int64_t from,
	struct aca_lines *out)
{
	struct aca_capture_view v;
	int rc = SL_OK;

	if (!cp)
		return SL_OK;
	pthread_mutex_lock(&l->mu);
	aca_capture_view(cp, &v);
	for (size_t i = 0; i < v.lines->n && rc == SL_OK; i++) {
		const struct aca_line *ln = &v.lines->v[i];
		int r;

		if (ln->ts < from)
			continue;
		r = aca_seen_add(seen, pass, ln->ts, ln->fd, ln->text, ln->len);
		if (r < 0)
			rc = SL_ENOMEM;
		else if (r)
			rc = aca_lines_push(out, ln->ts, ln->fd, ln->text, ln->len);
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

/*
 * Log Analytics (history, then polls with follow) merged with the
 * capture: each answer and each look at the capture is a pass over the
 * same window, so a line both hold, or that an overlapping poll repeats,
 * is written once, and lines at one instant keep their count.
 */
static int serve_la(struct reader *rd, struct aca_capture *cp,
	const char *job, const char *execution, int follow)
{
	struct aca_logs *l = rd->l;
	const struct sl_host_v1 *host = rd->host;
	struct aca_cancel cx = { .host = host, .call = rd->call,
		.stop = &l->b->stopping };
	struct aca_seen *seen = aca_seen_new();
	struct aca_lines fresh = { 0 }, rows = { 0 };
	struct aca_err err = { 0 };
	struct aca_logs_filter qf = rd->f;
	unsigned pass = 0;
	int64_t from = 0;
	int rc = SL_OK, first = 1, fwd;
	char *mode = host->ctr_data_get(rd->c, ACA_DATA_AGENT);

	/* A forward agent's announcements are in the console log too. */
	fwd = mode && strcmp(mode, "forward") == 0;
	host->free(mode);
	if (!seen)
		return host->set_error(rd->call, SL_ENOMEM, "out of memory");
	for (;;) {
		char *kql = NULL;
		int64_t next_from;

		if (l->workspace) {
			/* The tail is taken over the merged history, so the
			 * query itself stays without it. */
			qf.tail = -1;
			kql = aca_kql_console(l->family, job, execution, &qf, from);
			rc = la_fetch(l, &cx, kql, &rows, &err);
			free(kql);
			if (rc != SL_OK && first && !cp) {
				rc = aca_err_report(host, rd->call, &err);
				break;
			}
			if (rc != SL_OK)   /* the capture or the next poll */
				sl_host_log(host, SL_LOG_WARN,
					"aca: Log Analytics query failed: %s",
					err.msg);
			rc = SL_OK;
			pass++;
			for (size_t i = 0; i < rows.n && rc == SL_OK; i++) {
				int r = aca_seen_add(seen, pass, rows.v[i].ts,
					rows.v[i].fd, rows.v[i].text, rows.v[i].len);

				if (r < 0)
					rc = SL_ENOMEM;
				else if (r && !(fwd && aca_agent_is_announce(
				    rows.v[i].fd, rows.v[i].text, rows.v[i].len)))
					rc = aca_lines_push(&fresh, rows.v[i].ts,
						rows.v[i].fd, rows.v[i].text,
						rows.v[i].len);
			}
			aca_lines_clear(&rows);
			if (rc != SL_OK) {
				rc = host->set_error(rd->call, SL_ENOMEM,
					"out of memory");
				break;
			}
		}
		if (merge_capture(l, cp, seen, ++pass, from, &fresh) != SL_OK) {
			rc = host->set_error(rd->call, SL_ENOMEM, "out of memory");
			break;
		}
		aca_lines_sort(&fresh);
		rc = write_lines(rd, &fresh, first ?
			aca_logs_tail_start(&fresh, 0, &rd->f) : 0);
		aca_lines_clear(&fresh);
		if (rc)
			break;
		first = 0;
		if (!follow || !still_live(rd, l->workspace ? LA_GRACE_NS
							    : DRAIN_NS) ||
		    (rd->f.until > 0 && aca_time_now() > rd->f.until))
			break;
		if (aca_sleep_ms(&cx, l->workspace ? LA_POLL_MS : 1000)) {
			rc = SL_ECANCELED;
			break;
		}
		/* Look back far enough for rows still being ingested. */
		next_from = aca_time_now() - LA_OVERLAP_NS;
		if (next_from > from) {
			from = next_from;
			aca_seen_prune(seen, from);
		}
	}
	aca_lines_clear(&fresh);
	aca_lines_clear(&rows);
	aca_seen_free(seen);
	return rc;
}

/* The container's current job and execution (host->free them). */
static void names(const struct sl_host_v1 *host, sl_container *c,
	char **job, char **execution)
{
	*job = host->ctr_data_get(c, ACA_DATA_JOB);
	*execution = host->ctr_data_get(c, ACA_DATA_EXECUTION);
}

/* The capture of the current execution when it can answer alone: it has
 * every line so far (nothing skipped or dropped). */
static int capture_whole(struct aca_logs *l, struct aca_capture *cp,
	const char *execution)
{
	struct aca_capture_view v;
	int ok;

	if (!cp || !execution)
		return 0;
	pthread_mutex_lock(&l->mu);
	aca_capture_view(cp, &v);
	ok = strcmp(v.execution, execution) == 0 && !v.missed &&
	     !v.head_dropped;
	pthread_mutex_unlock(&l->mu);
	return ok;
}

static int logs_hook(void *state, sl_call *call, sl_container *c,
	const struct sl_logs_opts_v1 *o, sl_stream *out)
{
	struct aca_backend *b = state;
	struct aca_logs *l = b->logs;
	const struct sl_host_v1 *host = b->host;
	struct aca_cancel cx = { .host = host, .call = call,
		.stop = &b->stopping };
	struct reader rd = { .l = l, .host = host, .call = call, .c = c,
		.out = out };
	struct aca_capture *cp = NULL;
	char *job = NULL, *execution = NULL;
	int rc = SL_OK;

	rd.f.out = o->stdout_wanted;
	rd.f.err = o->stderr_wanted;
	rd.f.since = o->since_ns;
	rd.f.until = o->until_ns;
	rd.f.tail = o->tail;
	if (!l)
		return host->set_error(call, SL_ENOTSUP, "logs are not available");
	names(host, c, &job, &execution);
	if (!job || !execution || (!rd.f.out && !rd.f.err))
		goto out;            /* never started: no output */
	cp = aca_capture_get(l, host->ctr_str(c, SL_CTR_ID));
	if (capture_whole(l, cp, execution)) {
		rc = serve_capture(&rd, cp, 0, o->follow);
		goto out;
	}
	if (cp) {
		struct aca_capture_view v;
		int same;

		pthread_mutex_lock(&l->mu);
		aca_capture_view(cp, &v);
		same = strcmp(v.execution, execution) == 0;
		pthread_mutex_unlock(&l->mu);
		if (!same) {
			aca_capture_put(l, cp);
			cp = NULL;
		}
	}
	(void)resolve(l, &cx);
	if (!l->workspace && !cp) {
		if (l->resolved && l->family == ACA_LOGS_RESOURCE)
			rc = host->set_error(call, SL_ENOTSUP,
				"no logs for this container: the Container Apps "
				"environment '%s' sends its logs to Azure Monitor "
				"and no Log Analytics workspace is configured "
				"(SOCKERLESS_ACA_LOG_ANALYTICS_WORKSPACE), and this "
				"daemon did not capture the log stream of "
				"execution %s", b->cfg.environment, execution);
		else if (l->resolved)
			rc = host->set_error(call, SL_ENOTSUP,
				"no logs for this container: the Container Apps "
				"environment '%s' keeps no logs (appLogsConfiguration."
				"destination is '%s'), and this daemon did not "
				"capture the log stream of execution %s",
				b->cfg.environment, l->destination, execution);
		else
			rc = host->set_error(call, SL_EUNAVAIL,
				"no logs for this container yet: the log "
				"destination of environment '%s' could not be read "
				"(see the daemon's log)", b->cfg.environment);
		goto out;
	}
	if (!l->workspace)
		sl_host_log(host, SL_LOG_WARN,
			"aca: container %.12s: the log stream skipped lines and "
			"environment %s keeps no logs: output is incomplete",
			host->ctr_str(c, SL_CTR_ID), b->cfg.environment);
	rc = serve_la(&rd, cp, job, execution, o->follow);
out:
	aca_capture_put(l, cp);
	host->free(job);
	host->free(execution);
	return rc == SL_ECANCELED ? SL_OK : rc;
}

/* ---- attach ------------------------------------------------------------- */

/* Waits for the capture of the execution the client is attaching to:
 * docker run attaches before it starts the container. */
static struct aca_capture *wait_capture(struct reader *rd, int64_t since)
{
	struct aca_logs *l = rd->l;
	const struct sl_host_v1 *host = rd->host;
	const char *id = host->ctr_str(rd->c, SL_CTR_ID);
	int64_t t0 = aca_time_now();

	for (;;) {
		struct aca_capture *cp = aca_capture_get(l, id);
		int64_t st;

		if (cp) {
			struct aca_capture_view v;
			int fits;

			pthread_mutex_lock(&l->mu);
			aca_capture_view(cp, &v);
			fits = v.started_ns >= since || !v.done;
			pthread_mutex_unlock(&l->mu);
			if (fits)
				return cp;
			aca_capture_put(l, cp);
		}
		if (host->cancelled(rd->call) || atomic_load(&l->b->stopping))
			return NULL;
		st = host->ctr_int(rd->c, SL_CTR_STATUS);
		/* Exited and nobody starts it, or running without a capture
		 * (the daemon restarted): nothing to wait for. */
		if ((st != SL_STATUS_CREATED && st != SL_STATUS_RUNNING &&
		     st != SL_STATUS_RESTARTING &&
		     aca_time_now() - t0 > 30LL * 1000000000LL) ||
		    (st == SL_STATUS_RUNNING &&
		     aca_time_now() - t0 > 10LL * 1000000000LL))
			return NULL;
		pthread_mutex_lock(&l->mu);
		{
			struct timespec dl;

			clock_gettime(CLOCK_MONOTONIC, &dl);
			dl.tv_sec += 1;
			(void)pthread_cond_timedwait(&l->cv, &l->mu, &dl);
		}
		pthread_mutex_unlock(&l->mu);
	}
}

static int attach_hook(void *state, sl_call *call, sl_container *c,
	const struct sl_attach_opts_v1 *o, sl_stream *io)
{
	struct aca_backend *b = state;
	struct aca_logs *l = b->logs;
	const struct sl_host_v1 *host = b->host;
	struct reader rd = { .l = l, .host = host, .call = call, .c = c,
		.out = io, .raw = 1 };
	struct aca_capture *cp;
	char *job = NULL, *execution = NULL;
	int rc = SL_OK;

	if (o->stdin_wanted && host->ctr_int(c, SL_CTR_OPEN_STDIN))
		return host->set_error(call, SL_ENOTSUP,
			"attaching stdin needs the sockerless agent in the "
			"container; Azure Container Apps Jobs have no stdin");
	if (!l)
		return host->set_error(call, SL_ENOTSUP, "attach is not available");
	rd.f.out = o->stdout_wanted;
	rd.f.err = o->stderr_wanted;
	rd.f.tail = -1;
	if (!rd.f.out && !rd.f.err)
		return SL_OK;
	cp = wait_capture(&rd, o->requested_ns);
	if (cp) {
		struct aca_capture_view v;

		pthread_mutex_lock(&l->mu);
		aca_capture_view(cp, &v);
		/* Output since the request (an execution started after it:
		 * all of it), or everything with logs=1. */
		if (!o->logs && v.started_ns < o->requested_ns)
			rd.f.since = o->requested_ns;
		pthread_mutex_unlock(&l->mu);
		rc = serve_capture(&rd, cp, 0, o->stream);
		aca_capture_put(l, cp);
		goto out;
	}
	if (host->cancelled(call))
		goto out;
	/* No capture (the daemon restarted while it ran): Log Analytics. */
	names(host, c, &job, &execution);
	if (job && execution && host->ctr_int(c, SL_CTR_STATUS) ==
	    SL_STATUS_RUNNING) {
		struct aca_cancel cx = { .host = host, .call = call,
			.stop = &b->stopping };

		(void)resolve(l, &cx);
		if (l->workspace) {
			rd.f.since = o->requested_ns;
			rc = serve_la(&rd, NULL, job, execution, 1);
		}
	}
out:
	host->free(job);
	host->free(execution);
	return rc == SL_ECANCELED ? SL_OK : rc;
}

const struct sl_stream_ops_v1 aca_stream_ops = {
	SL_HEADER(struct sl_stream_ops_v1),
	.logs = logs_hook,
	.attach = attach_hook,
};
