/*
 * logs_capture.c - one thread per running container follows its replica's
 * log stream (no ingestion delay, unlike Log Analytics), hands every line
 * to the host's local log store and keeps it in memory for `logs -f` and
 * attach.  When the stream has ended after the container exited and
 * nothing can be missing, the local copy is marked complete, so `docker
 * logs` right after the exit needs no Log Analytics at all.
 *
 * Locking: l->mu guards the capture list, every capture's lines and
 * flags, and the thread list; l->cv is broadcast on any change.  A
 * capture thread calls the host and Azure without holding l->mu.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "logs_priv.h"

/* What the stream replays on connection; the CLI's maximum. */
#define TAIL_LINES 300
/* Memory kept per capture; beyond it the oldest quarter is dropped. */
#define CAP_MAX_BYTES ((size_t)32 << 20)
/* The de-duplication keys a reconnection can still need: its replay
 * reaches TAIL_LINES back, so keys older than the line KEEP_KEYS back
 * (less a second for stamps of the two streams that cross) are dropped
 * every PRUNE_EVERY lines. */
#define KEEP_KEYS 1024
#define PRUNE_EVERY 4096
/* A connection that lasted this long and ended was cut by the service
 * rather than by the container's exit. */
#define LONG_CONN_S 60
/* Consecutive failed connections before the capture gives up. */
#define MAX_FAILURES 8

struct aca_capture {
	struct aca_logs *l;
	sl_container *c;          /* referenced */
	char id[72];
	char *job, *execution;
	int refs;                 /* list, thread, readers */
	int listed;               /* in l->caps */
	struct aca_lines lines;
	size_t base;              /* lines dropped from the head so far */
	int ended;                /* aca_logs_capture_ended was called */
	int running;              /* aca_logs_capture_running was called */
	int64_t started_ns;       /* when aca_logs_capture_start ran */
	int done, complete, head_dropped;
	char agent_addr[256];     /* forward agent's announced host:port */
	atomic_int missed;        /* lines may be missing */
	atomic_int halt;          /* ends the HTTP stream (fini, drain) */
	struct aca_capture *next;

	/* The thread's own, no lock. */
	struct aca_seen *seen;
	unsigned pass;
	int first_new;            /* the pass's first line was new: -1 unset */
	int store_off;            /* the host's copy was given up */
	int removed;              /* the container is gone: stop */
	unsigned since_prune;     /* lines since seen was pruned */
	int agent_fwd;            /* a forward agent will announce itself */
};

struct aca_thr {
	pthread_t th;
	int finished;
	struct aca_capture *cap;  /* the thread's reference */
	struct aca_thr *next;
};

static void cap_free(struct aca_capture *cp)
{
	const struct sl_host_v1 *host = cp->l->b->host;

	aca_lines_clear(&cp->lines);
	aca_seen_free(cp->seen);
	if (cp->c)
		host->ctr_unref(cp->c);
	free(cp->job);
	free(cp->execution);
	free(cp);
}

/* Drops a reference; the caller holds l->mu.  Returns the capture when
 * it must be freed (outside the lock), else NULL. */
static struct aca_capture *unref_locked(struct aca_capture *cp)
{
	return --cp->refs == 0 ? cp : NULL;
}

struct aca_capture *aca_capture_get(struct aca_logs *l, const char *ctr_id)
{
	struct aca_capture *cp;

	pthread_mutex_lock(&l->mu);
	for (cp = l->caps; cp; cp = cp->next)
		if (strcmp(cp->id, ctr_id) == 0)
			break;
	if (cp)
		cp->refs++;
	pthread_mutex_unlock(&l->mu);
	return cp;
}

void aca_capture_put(struct aca_logs *l, struct aca_capture *cp)
{
	struct aca_capture *f;

	if (!cp)
		return;
	pthread_mutex_lock(&l->mu);
	f = unref_locked(cp);
	pthread_mutex_unlock(&l->mu);
	if (f)
		cap_free(f);
}

void aca_capture_view(struct aca_capture *cp, struct aca_capture_view *v)
{
	v->lines = &cp->lines;
	v->base = cp->base;
	v->done = cp->done;
	v->complete = cp->complete;
	v->head_dropped = cp->head_dropped;
	v->missed = atomic_load(&cp->missed);
	v->started_ns = cp->started_ns;
	v->execution = cp->execution;
}

/* Waits on l->cv up to ms; the caller holds l->mu. */
static void wait_locked(struct aca_logs *l, long ms)
{
	struct timespec dl;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += ms / 1000;
	dl.tv_nsec += (ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	(void)pthread_cond_timedwait(&l->cv, &l->mu, &dl);
}

static int stopping(struct aca_capture *cp)
{
	return atomic_load(&cp->l->b->stopping) || atomic_load(&cp->halt);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)((t.tv_sec - t0->tv_sec) * 1000 +
		(t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Sleeps up to ms, returning early when the poller reports the
 * execution running or ended, or we stop.  l->cv is shared by every
 * capture, so other wake-ups do not end the sleep. */
static void cap_sleep(struct aca_capture *cp, long ms)
{
	struct aca_logs *l = cp->l;
	struct timespec t0;
	int ended, running;
	long left;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&l->mu);
	ended = cp->ended;
	running = cp->running;
	while (cp->ended == ended && cp->running == running && !stopping(cp) &&
	       (left = ms - elapsed_ms(&t0)) > 0)
		wait_locked(l, left);
	pthread_mutex_unlock(&l->mu);
}

static int cap_ended(struct aca_capture *cp)
{
	int e;

	pthread_mutex_lock(&cp->l->mu);
	e = cp->ended;
	pthread_mutex_unlock(&cp->l->mu);
	return e;
}

/* Waits up to ms for aca_logs_capture_ended, or with `running` also for
 * aca_logs_capture_running; returns whether it came. */
static int wait_report(struct aca_capture *cp, long ms, int running)
{
	struct aca_logs *l = cp->l;
	struct timespec t0;
	long left;
	int e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&l->mu);
	while (!(e = cp->ended || (running && cp->running)) && !stopping(cp) &&
	       (left = ms - elapsed_ms(&t0)) > 0)
		wait_locked(l, left);
	pthread_mutex_unlock(&l->mu);
	return e;
}

static int wait_ended(struct aca_capture *cp, long ms)
{
	return wait_report(cp, ms, 0);
}

/*
 * The stream ended or the replica is gone: the execution has most likely
 * ended.  The poller is asked to look now rather than after its
 * backed-off interval, so the exit reaches the store about one poll
 * after the last line (`logs -f` waits for it before it ends).
 */
static void end_seen(struct aca_capture *cp)
{
	if (!cap_ended(cp) && !stopping(cp))
		aca_poller_kick(cp->l->b->poller, cp->id);
}

/* ---- Azure: the replica and its token ----------------------------------- */

enum ctr_state { CTR_UNKNOWN, CTR_WAITING, CTR_RUNNING, CTR_GONE };

/*
 * The log stream endpoint of the execution's container (malloc'd into
 * *url when found) and what the replica says of the container.  A replica
 * without containers is waiting; an empty list, or a replica whose
 * container terminated, is gone (for the stream: nothing more will come).
 */
static int replica_state(struct aca_capture *cp, const struct aca_cancel *cx,
	char **url, enum ctr_state *state)
{
	struct aca_backend *b = cp->l->b;
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	struct json_object *root = NULL, *val;
	char path[1024], jp[512];
	size_t plen = strlen(cp->execution);
	int rc;

	*state = CTR_UNKNOWN;
	if (url)
		*url = NULL;
	if (aca_config_job_path(&b->cfg, cp->job, jp, sizeof(jp)) ||
	    snprintf(path, sizeof(path), "%s/executions/%s/replicas?api-version=%s",
		jp, cp->execution, ACA_API_REPLICAS) >= (int)sizeof(path))
		return SL_EINVAL;
	rc = aca_arm(b->az, cx, "GET", path, NULL, 0, &r, &err);
	if (rc)
		return rc;
	if (r.status == 404) {
		*state = CTR_GONE;   /* the job or execution is gone */
		goto out;
	}
	if (r.status != 200) {
		rc = SL_EUNAVAIL;
		goto out;
	}
	root = json_tokener_parse(r.body ? r.body : "");
	if (!root || !json_object_object_get_ex(root, "value", &val) ||
	    !json_object_is_type(val, json_type_array)) {
		rc = SL_EINTERNAL;
		goto out;
	}
	*state = json_object_array_length(val) ? CTR_WAITING : CTR_GONE;
	for (size_t i = 0; i < json_object_array_length(val); i++) {
		struct json_object *rep = json_object_array_get_idx(val, i);
		struct json_object *nm, *props, *ctrs;
		const char *name;

		if (!json_object_object_get_ex(rep, "name", &nm) ||
		    !(name = json_object_get_string(nm)) ||
		    strncmp(name, cp->execution, plen) != 0 || name[plen] != '-' ||
		    !json_object_object_get_ex(rep, "properties", &props) ||
		    !json_object_object_get_ex(props, "containers", &ctrs) ||
		    !json_object_is_type(ctrs, json_type_array))
			continue;
		for (size_t k = 0; k < json_object_array_length(ctrs); k++) {
			struct json_object *co = json_object_array_get_idx(ctrs, k);
			struct json_object *ep, *rs;
			const char *e, *s = NULL;

			if (!json_object_object_get_ex(co, "logStreamEndpoint", &ep) ||
			    !(e = json_object_get_string(ep)) || !*e)
				continue;
			if (json_object_object_get_ex(co, "runningState", &rs))
				s = json_object_get_string(rs);
			*state = s && strcmp(s, "Terminated") == 0 ? CTR_GONE
								    : CTR_RUNNING;
			if (url && !(*url = strdup(e)))
				rc = SL_ENOMEM;
			goto out;
		}
	}
out:
	json_object_put(root);
	aca_resp_free(&r);
	return rc;
}

/* The job's data-plane token (malloc'd; the caller wipes and frees it). */
static int stream_token(struct aca_capture *cp, const struct aca_cancel *cx,
	char **token)
{
	struct aca_backend *b = cp->l->b;
	struct aca_resp r = { 0 };
	struct aca_err err = { 0 };
	struct json_object *root = NULL, *props, *tok;
	char path[1024], jp[512];
	int rc;

	*token = NULL;
	if (aca_config_job_path(&b->cfg, cp->job, jp, sizeof(jp)) ||
	    snprintf(path, sizeof(path), "%s/getAuthToken?api-version=%s", jp,
		ACA_API_JOBS) >= (int)sizeof(path))
		return SL_EINVAL;
	rc = aca_arm(b->az, cx, "POST", path, NULL, 0, &r, &err);
	if (rc)
		return rc;
	if (r.status != 200) {
		rc = r.status == 404 ? SL_ENOTFOUND : SL_EUNAVAIL;
		goto out;
	}
	root = json_tokener_parse(r.body ? r.body : "");
	if (!root || !json_object_object_get_ex(root, "properties", &props) ||
	    !json_object_object_get_ex(props, "token", &tok) ||
	    !json_object_get_string(tok)) {
		rc = SL_EINTERNAL;
		goto out;
	}
	*token = strdup(json_object_get_string(tok));
	rc = *token ? SL_OK : SL_ENOMEM;
out:
	json_object_put(root);
	if (r.body)
		memset(r.body, 0, r.len);
	aca_resp_free(&r);
	return rc;
}

static void wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

/* ---- the stream ------------------------------------------------------- */

struct conn {
	struct aca_capture *cp;
	struct aca_stream_parser parser;
};

static void add_line(struct aca_capture *cp, int64_t ts, int fd,
	const char *text, size_t len)
{
	struct aca_logs *l = cp->l;

	pthread_mutex_lock(&l->mu);
	if (cp->lines.bytes + len > CAP_MAX_BYTES && cp->lines.n > 0) {
		size_t k = cp->lines.n / 4 + 1;

		aca_lines_drop_head(&cp->lines, k);
		cp->base += k;
		cp->head_dropped = 1;
	}
	if (aca_lines_push(&cp->lines, ts, fd, text, len) != SL_OK)
		atomic_store(&cp->missed, 1);
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

int aca_agent_is_announce(int fd, const char *text, size_t len)
{
	size_t n = sizeof(ACA_AGENT_ANNOUNCE) - 1;
	static const char proto[] = " proto=";

	if (fd != 2 || len <= n || memcmp(text, ACA_AGENT_ANNOUNCE, n))
		return 0;
	/* "listen=ADDR proto=N": a line of the container's own that merely
	 * starts the same way stays. */
	for (size_t i = n; i + sizeof(proto) - 1 < len; i++)
		if (!memcmp(text + i, proto, sizeof(proto) - 1))
			return 1;
	return 0;
}

/*
 * The forward agent's announcement (agent/PROTOCOL.md, "Forward
 * announcement"; repeated until the daemon connects) is the agent's, not
 * the container's: it is kept out of the output, and the first one's
 * address is handed to aca_logs_capture_agent_addr.  Returns 1 when the
 * line was an announcement.
 */
static int agent_announce(struct aca_capture *cp, int fd, const char *text,
	size_t len)
{
	size_t n = sizeof(ACA_AGENT_ANNOUNCE) - 1, a;

	if (!cp->agent_fwd || !aca_agent_is_announce(fd, text, len))
		return 0;
	if (cp->agent_addr[0])
		return 1;
	for (a = 0; n + a < len && !strchr(" \r\n", text[n + a]); a++)
		;
	if (a == 0 || a >= sizeof(cp->agent_addr))
		return 1;
	pthread_mutex_lock(&cp->l->mu);
	memcpy(cp->agent_addr, text + n, a);
	cp->agent_addr[a] = 0;
	pthread_cond_broadcast(&cp->l->cv);
	pthread_mutex_unlock(&cp->l->mu);
	return 1;
}

static int on_line(void *arg, int64_t ts, int fd, const char *text,
	size_t len)
{
	struct aca_capture *cp = arg;
	const struct sl_host_v1 *host = cp->l->b->host;
	int r = aca_seen_add(cp->seen, cp->pass, ts, fd, text, len);

	if (r < 0) {
		atomic_store(&cp->missed, 1);
		return 0;
	}
	if (cp->first_new < 0)
		cp->first_new = r;
	if (!r || agent_announce(cp, fd, text, len))
		return 0;
	if (!cp->store_off && SL_HAS_FIELD(host, struct sl_host_v1, log_append)) {
		int rc = host->log_append(cp->c, fd, ts, text, len);

		if (rc == SL_ENOTFOUND) {
			cp->removed = 1;   /* the container was removed */
			return 1;
		}
		if (rc != SL_OK)
			cp->store_off = 1;
	}
	add_line(cp, ts, fd, text, len);
	if (++cp->since_prune >= PRUNE_EVERY) {
		int64_t horizon = 0;

		cp->since_prune = 0;
		pthread_mutex_lock(&cp->l->mu);
		if (cp->lines.n > KEEP_KEYS)
			horizon = cp->lines.v[cp->lines.n - KEEP_KEYS].ts -
				1000000000LL;
		pthread_mutex_unlock(&cp->l->mu);
		if (horizon > 0)
			aca_seen_prune(cp->seen, horizon);
	}
	return 0;
}

static int on_data(void *arg, const char *buf, size_t n)
{
	struct conn *cn = arg;
	struct aca_capture *cp = cn->cp;

	if (stopping(cp))
		return 1;
	return aca_stream_feed(&cn->parser, buf, n, on_line, cp) != 0;
}

/*
 * One connection: replays up to TAIL_LINES, then follows.  Returns SL_OK
 * when the server ended the stream, SL_EPERM for a refused token,
 * SL_ENOTFOUND when the replica is gone, or another error.
 */
static int follow_once(struct aca_capture *cp, const char *endpoint,
	const char *token)
{
	struct aca_cancel cx = { .stop = &cp->halt };
	struct aca_err err = { 0 };
	struct conn cn = { .cp = cp };
	char *url = NULL;
	long status = 0;
	int rc;

	if (asprintf(&url, "%s%cfollow=true&tailLines=%d&output=text", endpoint,
		strchr(endpoint, '?') ? '&' : '?', TAIL_LINES) < 0)
		return SL_ENOMEM;
	cp->pass++;
	cp->first_new = -1;
	rc = aca_http_stream(cp->l->b->az, &cx, url, token, on_data, &cn,
		&status, &err);
	if (rc == SL_OK && status >= 200 && status < 300)
		(void)aca_stream_finish(&cn.parser, on_line, cp);
	/* A replay that was all new and as long as the tail we asked for may
	 * have started after lines we never saw. */
	if (cn.parser.backlog >= TAIL_LINES && cp->first_new == 1)
		atomic_store(&cp->missed, 1);
	aca_stream_parser_reset(&cn.parser);
	free(url);
	/* A refused answer is an error with its status set. */
	if (status == 401 || status == 403)
		return SL_EPERM;
	if (status == 404)
		return SL_ENOTFOUND;
	if (rc != SL_OK)
		return rc;
	return status >= 200 && status < 300 ? SL_OK : SL_EUNAVAIL;
}

/*
 * Waits until the container has a log stream; SL_ENOTFOUND when the
 * execution ended without one, SL_ECANCELED when we stop.  The replica
 * lists its container once the execution runs, which the start hook and
 * the poller report (aca_logs_capture_running): asking before that would
 * be wasted ARM calls, since a new execution is Processing for seconds
 * (a node, the image).  Without a report the replica is asked every
 * poll_max_ms anyway; once running, with a short backoff for a container
 * that is not listed yet.
 */
static int wait_endpoint(struct aca_capture *cp, char **url,
	enum ctr_state *st)
{
	struct aca_backend *b = cp->l->b;
	struct aca_cancel cx = { .stop = &cp->halt };
	long delay = 1000, cap = b->cfg.poll_max_ms > 0 ? b->cfg.poll_max_ms
							: 10000;

	(void)wait_report(cp, cap, 1);
	for (;;) {
		int ended, rc;

		if (stopping(cp))
			return SL_ECANCELED;
		ended = cap_ended(cp);
		rc = replica_state(cp, &cx, url, st);
		if (*st == CTR_GONE)
			end_seen(cp);
		if (rc == SL_OK && *url)
			return SL_OK;
		if (ended || *st == CTR_GONE)
			return SL_ENOTFOUND;
		if (!wait_report(cp, 0, 1))
			(void)wait_report(cp, cap, 1);   /* still Processing */
		else
			cap_sleep(cp, delay);
		delay = delay * 3 / 2 > cap ? cap : delay * 3 / 2;
	}
}

static void capture_run(struct aca_capture *cp)
{
	struct aca_backend *b = cp->l->b;
	const struct sl_host_v1 *host = b->host;
	struct aca_cancel cx = { .stop = &cp->halt };
	char *url = NULL, *token = NULL;
	int failures = 0, refreshed = 0, finished = 0, end_known, listed, rc;
	struct timespec t0, t1;
	enum ctr_state st;

	rc = wait_endpoint(cp, &url, &st);
	if (rc != SL_OK) {
		/* No stream ever: Log Analytics has whatever there is. */
		atomic_store(&cp->missed, 1);
		goto out;
	}
	/*
	 * The copy is complete once a connection made after the container
	 * exited has ended: it replayed the tail and drained the rest.  A
	 * connection that ends while the container may still run is
	 * followed by another (de-duplicated), because the end may be the
	 * service's cut rather than the exit.
	 */
	end_known = st == CTR_GONE;
	while (!stopping(cp)) {
		if (!token && (rc = stream_token(cp, &cx, &token)) != SL_OK) {
			if (++failures >= MAX_FAILURES || rc == SL_ENOTFOUND)
				break;
			cap_sleep(cp, 1000L * failures);
			continue;
		}
		if (!end_known)
			end_known = cap_ended(cp);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = follow_once(cp, url, token);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (stopping(cp) || cp->removed)
			break;
		if (rc == SL_EPERM && !refreshed) {
			/* The data-plane token lives an hour. */
			wipe_free(token);
			token = NULL;
			refreshed = 1;
			continue;
		}
		if (rc == SL_ENOTFOUND) {
			end_seen(cp);
			break;      /* the replica was cleaned up */
		}
		if (rc != SL_OK) {
			if (++failures >= MAX_FAILURES)
				break;
			cap_sleep(cp, 500L * failures);
			continue;
		}
		refreshed = 0;
		failures = 0;
		if (end_known) {
			finished = 1;
			break;
		}
		/* A long connection was cut by the service (~10 min):
		 * follow on at once, the replay covers the gap. */
		if (t1.tv_sec - t0.tv_sec >= LONG_CONN_S && !cap_ended(cp))
			continue;
		/* Most likely the exit.  The poller, kicked, tells within
		 * its first interval, which saves asking ARM; without it the
		 * replica tells.  Then one more connection drains. */
		end_seen(cp);
		if (wait_ended(cp, (b->cfg.poll_max_ms > 0 ?
			    b->cfg.poll_max_ms : 10000) + 2000) ||
		    (replica_state(cp, &cx, NULL, &st) == SL_OK &&
		     st == CTR_GONE))
			end_known = 1;
		else
			cap_sleep(cp, 1000);   /* no spinning on quick ends */
	}
	if (!finished)
		atomic_store(&cp->missed, 1);
out:
	wipe_free(token);
	free(url);
	pthread_mutex_lock(&cp->l->mu);
	cp->complete = !atomic_load(&cp->missed);
	listed = cp->listed;
	pthread_mutex_unlock(&cp->l->mu);
	/* Replaced by a newer execution's capture, or the daemon stops:
	 * nothing to report. */
	if (!listed || atomic_load(&b->stopping))
		return;
	if (cp->complete && !cp->store_off &&
	    SL_HAS_FIELD(host, struct sl_host_v1, log_complete)) {
		rc = host->log_complete(cp->c);
		if (rc != SL_OK && rc != SL_ENOTFOUND)
			sl_host_log(host, SL_LOG_WARN,
				"aca: container %.12s: the local log copy was not "
				"kept (%d); docker logs reads Log Analytics",
				cp->id, rc);
	} else if (!cp->complete && !cp->store_off) {
		sl_host_log(host, SL_LOG_INFO,
			"aca: container %.12s: the log stream did not deliver "
			"every line of execution %s; docker logs reads Log "
			"Analytics for it", cp->id, cp->execution);
	}
}

static void *capture_main(void *arg)
{
	struct aca_thr *t = arg;
	struct aca_capture *cp = t->cap, *f;
	struct aca_logs *l = cp->l;

	capture_run(cp);
	pthread_mutex_lock(&l->mu);
	cp->done = 1;
	pthread_cond_broadcast(&l->cv);
	f = unref_locked(cp);
	t->cap = NULL;
	t->finished = 1;
	pthread_mutex_unlock(&l->mu);
	if (f)
		cap_free(f);
	return NULL;
}

/* Joins the threads that have finished; the caller holds no lock. */
static void reap(struct aca_logs *l)
{
	struct aca_thr *done = NULL, **pp;

	pthread_mutex_lock(&l->mu);
	for (pp = &l->threads; *pp;) {
		struct aca_thr *t = *pp;

		if (t->finished) {
			*pp = t->next;
			t->next = done;
			done = t;
		} else {
			pp = &t->next;
		}
	}
	pthread_mutex_unlock(&l->mu);
	while (done) {
		struct aca_thr *n = done->next;

		pthread_join(done->th, NULL);
		free(done);
		done = n;
	}
}

void aca_capture_join_all(struct aca_logs *l)
{
	struct aca_thr *t;
	struct aca_capture *cp, *f;

	pthread_mutex_lock(&l->mu);
	for (t = l->threads; t; t = t->next)
		if (t->cap)
			atomic_store(&t->cap->halt, 1);
	pthread_cond_broadcast(&l->cv);
	t = l->threads;
	l->threads = NULL;
	pthread_mutex_unlock(&l->mu);
	while (t) {
		struct aca_thr *n = t->next;

		pthread_join(t->th, NULL);
		free(t);
		t = n;
	}
	for (;;) {
		pthread_mutex_lock(&l->mu);
		cp = l->caps;
		if (cp) {
			l->caps = cp->next;
			cp->listed = 0;
		}
		f = cp ? unref_locked(cp) : NULL;
		pthread_mutex_unlock(&l->mu);
		if (!cp)
			break;
		if (f)
			cap_free(f);
	}
}

/* With the agent the core keeps the local copy (from the agent, not
 * the stream); a forward agent announces its address first. */
static void agent_mode(const struct sl_host_v1 *host, sl_container *c,
	struct aca_capture *cp)
{
	char *mode = host->ctr_data_get(c, ACA_DATA_AGENT);

	if (mode && (!strcmp(mode, "forward") || !strcmp(mode, "reverse"))) {
		cp->store_off = 1;
		cp->agent_fwd = !strcmp(mode, "forward");
	}
	host->free(mode);
}

static int capture_start(struct aca_logs *l, sl_container *c,
	const char *job, const char *execution, int resume)
{
	const struct sl_host_v1 *host;
	struct aca_capture *cp, *old = NULL, **pp, *f = NULL;
	struct aca_thr *t;
	const char *id;

	if (!l)
		return SL_OK;
	host = l->b->host;
	id = host->ctr_str(c, SL_CTR_ID);
	if (!id || !job || !execution)
		return SL_EINVAL;
	reap(l);
	cp = calloc(1, sizeof(*cp));
	t = calloc(1, sizeof(*t));
	if (!cp || !t)
		goto nomem;
	cp->l = l;
	cp->started_ns = aca_time_now();
	snprintf(cp->id, sizeof(cp->id), "%s", id);
	cp->job = strdup(job);
	cp->execution = strdup(execution);
	cp->seen = aca_seen_new();
	if (!cp->job || !cp->execution || !cp->seen)
		goto nomem;
	if (resume) {
		/* The host's copy may hold part of what the replay repeats,
		 * and lines from before the restart are not in memory. */
		cp->store_off = 1;
		atomic_store(&cp->missed, 1);
	}
	agent_mode(host, c, cp);
	cp->c = host->ctr_ref(c);
	cp->refs = 2;                /* the list's and the thread's */
	cp->listed = 1;
	t->cap = cp;

	pthread_mutex_lock(&l->mu);
	/* A new execution of the container (restart) replaces the capture
	 * of the previous one, whose thread ends with its stream. */
	for (pp = &l->caps; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->id, cp->id) == 0) {
			old = *pp;
			*pp = old->next;
			old->listed = 0;
			/* The host's copy spans every run: if the previous
			 * one's tail was not drained, this one cannot make it
			 * complete. */
			if (!(old->done && old->complete))
				atomic_store(&cp->missed, 1);
			/* Its execution is over; its output is no longer
			 * shown and its copy is no longer ours to complete. */
			atomic_store(&old->halt, 1);
			f = unref_locked(old);
			break;
		}
	}
	cp->next = l->caps;
	l->caps = cp;
	if (pthread_create(&t->th, NULL, capture_main, t) != 0) {
		l->caps = cp->next;
		pthread_mutex_unlock(&l->mu);
		if (f)
			cap_free(f);
		free(t);
		cap_free(cp);
		return SL_EINTERNAL;
	}
	t->next = l->threads;
	l->threads = t;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	if (f)
		cap_free(f);
	return SL_OK;
nomem:
	if (cp) {
		aca_seen_free(cp->seen);
		free(cp->job);
		free(cp->execution);
		free(cp);
	}
	free(t);
	return SL_ENOMEM;
}

int aca_logs_capture_start(struct aca_logs *l, sl_container *c,
	const char *job, const char *execution)
{
	return capture_start(l, c, job, execution, 0);
}

int aca_logs_capture_resume(struct aca_logs *l, sl_container *c,
	const char *job, const char *execution)
{
	return capture_start(l, c, job, execution, 1);
}

void aca_logs_capture_running(struct aca_logs *l, const char *ctr_id)
{
	struct aca_capture *cp;

	if (!l || !ctr_id)
		return;
	pthread_mutex_lock(&l->mu);
	for (cp = l->caps; cp; cp = cp->next)
		if (strcmp(cp->id, ctr_id) == 0)
			cp->running = 1;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

void aca_logs_capture_ended(struct aca_logs *l, const char *ctr_id)
{
	struct aca_capture *cp;

	if (!l || !ctr_id)
		return;
	pthread_mutex_lock(&l->mu);
	for (cp = l->caps; cp; cp = cp->next) {
		if (strcmp(cp->id, ctr_id) == 0)
			cp->ended = 1;
	}
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

/* 1 when the container's agent reported the exit: the host's copy of
 * the output, from the agent, is then whole without the stream. */
static int agent_delivered(struct aca_logs *l, const char *ctr_id)
{
	const struct sl_host_v1 *host = l->b->host;
	struct aca_capture *cp;
	sl_container *c = NULL;

	if (!SL_HAS_FIELD(host, struct sl_host_v1, agent_state))
		return 0;
	pthread_mutex_lock(&l->mu);
	for (cp = l->caps; cp; cp = cp->next)
		if (strcmp(cp->id, ctr_id) == 0 && cp->store_off)
			break;
	/* The caller holds the container, so c outlives the lock. */
	if (cp)
		c = cp->c;
	pthread_mutex_unlock(&l->mu);
	return c && host->agent_state(c) == SL_AGENT_STATE_EXITED;
}

void aca_logs_capture_drain(struct aca_logs *l, const char *ctr_id, long timeout_ms)
{
	struct timespec t0;

	if (!l || !ctr_id)
		return;
	/* Nothing of the stream's is needed (a stream Azure refuses would
	 * hold `docker rm` for the whole timeout). */
	if (agent_delivered(l, ctr_id))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&l->mu);
	for (;;) {
		struct aca_capture *cp;
		long left = timeout_ms - elapsed_ms(&t0);

		for (cp = l->caps; cp; cp = cp->next)
			if (strcmp(cp->id, ctr_id) == 0 && !cp->done)
				break;
		if (!cp || left <= 0)
			break;
		wait_locked(l, left < 200 ? left : 200);
	}
	pthread_mutex_unlock(&l->mu);
}

void aca_logs_capture_forget(struct aca_logs *l, const char *ctr_id)
{
	struct aca_capture **pp, *f = NULL;

	if (!l || !ctr_id)
		return;
	pthread_mutex_lock(&l->mu);
	for (pp = &l->caps; *pp; pp = &(*pp)->next) {
		struct aca_capture *cp = *pp;

		if (strcmp(cp->id, ctr_id) == 0) {
			*pp = cp->next;
			cp->listed = 0;
			cp->removed = 1;
			atomic_store(&cp->halt, 1);
			f = unref_locked(cp);
			break;
		}
	}
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	if (f)
		cap_free(f);
}

int aca_logs_capture_agent_addr(struct aca_logs *l, const char *ctr_id,
	const struct aca_cancel *cx, long timeout_ms, char *addr, size_t len)
{
	struct aca_capture *cp = l ? aca_capture_get(l, ctr_id) : NULL;
	struct timespec t0;
	long left;
	int rc = SL_ETIMEDOUT;

	if (!cp)
		return SL_ENOTFOUND;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&l->mu);
	for (;;) {
		if (cp->agent_addr[0]) {
			snprintf(addr, len, "%s", cp->agent_addr);
			rc = SL_OK;
			break;
		}
		if (cp->done || cp->ended) {
			rc = SL_ENOTFOUND;
			break;
		}
		if ((left = timeout_ms - elapsed_ms(&t0)) <= 0)
			break;
		pthread_mutex_unlock(&l->mu);
		if (aca_cancelled(cx)) {
			pthread_mutex_lock(&l->mu);
			rc = SL_ECANCELED;
			break;
		}
		pthread_mutex_lock(&l->mu);
		/* Short waits: cancellation has no condition to signal. */
		wait_locked(l, left < 200 ? left : 200);
	}
	pthread_mutex_unlock(&l->mu);
	aca_capture_put(l, cp);
	return rc;
}
