/*
 * ex_streams.c - logs, attach and resize.
 *
 * logs() works on lines (filters, --tail, timestamps) and writes them with
 * host->stream_write_line; attach() moves the raw bytes with
 * host->stream_write, so a prompt without a newline shows at once.
 * Followers wait on the container's condition variable in short slices
 * so that a cancelled call returns promptly.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "ex.h"

#define SLICE_MS 200

static int line_wanted(const struct sl_logs_opts_v1 *o, const struct ex_line *l)
{
	if (l->fd == 1 && !o->stdout_wanted)
		return 0;
	if (l->fd == 2 && !o->stderr_wanted)
		return 0;
	if (o->since_ns > 0 && l->ts_ns < o->since_ns)
		return 0;
	if (o->until_ns > 0 && l->ts_ns > o->until_ns)
		return 0;
	return 1;
}

/* Writes the wanted lines, the last `tail` of them when tail >= 0. */
static int emit_lines(const struct sl_host_v1 *host, sl_stream *out,
	const struct sl_logs_opts_v1 *o, const struct ex_lines *l, int64_t tail)
{
	size_t i, first = 0, matching = 0;

	if (tail >= 0) {
		for (i = 0; i < l->n; i++)
			matching += line_wanted(o, &l->v[i]);
		/* Skip all but the last `tail` matching lines. */
		for (i = 0; i < l->n && matching > (size_t)tail; i++) {
			if (line_wanted(o, &l->v[i]))
				matching--;
			first = i + 1;
		}
	}
	for (i = first; i < l->n; i++) {
		const struct ex_line *ln = &l->v[i];

		if (!line_wanted(o, ln))
			continue;
		if (ln->partial && SL_HAS_FIELD(host, struct sl_host_v1,
		    stream_write_line_ex)) {
			if (host->stream_write_line_ex(out, ln->fd, ln->ts_ns,
			    ln->data, ln->len, SL_LINE_PARTIAL) < 0)
				return SL_ECANCELED;
		} else if (host->stream_write_line(out, ln->fd, ln->ts_ns,
		    ln->data, ln->len) < 0) {
			return SL_ECANCELED;
		}
	}
	return 0;
}

/*
 * Whether the run an attach waits for ended without this record seeing
 * it: the host recorded an exit after the client asked, but no run of x
 * did.  That happens when the hook comes late, after a quick `docker run
 * --rm` had started, ended and been removed (its record with it): the
 * attach made a new, empty record and would otherwise wait forever.
 * x->lock held.
 */
static int run_missed(struct ex_ctr *x, const struct sl_host_v1 *host,
	const sl_container *c, uint64_t gen, int64_t since)
{
	int64_t st;

	if (!c || x->gen >= gen || x->running)
		return 0;
	st = host->ctr_int(c, SL_CTR_STATUS);
	return (st == SL_STATUS_EXITED || st == SL_STATUS_DEAD) &&
		host->ctr_int(c, SL_CTR_FINISHED_NS) >= since;
}

/*
 * Waits for records after `from`, the end of run `gen` or removal, and
 * copies the new records.  x->lock NOT held.  *done is set when no more
 * output will come.  An attach passes its container and request time
 * (see run_missed); logs passes NULL.
 */
static int next_batch(struct ex_ctr *x, const struct sl_host_v1 *host,
	sl_call *call, const sl_container *c, int64_t since, uint64_t *from,
	uint64_t gen, struct ex_rec ***recs, size_t *n, int *done)
{
	int rc;

	pthread_mutex_lock(&x->lock);
	while (ex_logbuf_end(&x->log) <= *from && x->exited_gen < gen &&
	       !x->removed && !run_missed(x, host, c, gen, since) &&
	       !host->cancelled(call)) {
		struct timespec ts;

		ex_deadline(&ts, SLICE_MS);
		pthread_cond_timedwait(&x->cond, &x->lock, &ts);
	}
	*done = x->exited_gen >= gen || x->removed ||
		run_missed(x, host, c, gen, since);
	rc = ex_logbuf_copy(&x->log, *from, recs, n, from);
	/* *from may be a pin the supervisor waits on. */
	pthread_cond_broadcast(&x->room);
	pthread_mutex_unlock(&x->lock);
	if (host->cancelled(call))
		return SL_ECANCELED;
	return rc;
}

static int s_logs(void *state, sl_call *call, sl_container *c,
	const struct sl_logs_opts_v1 *opts, sl_stream *out)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct ex_ctr *x = ex_ctr_get(be, c, 0);
	struct ex_rec **recs = NULL;
	struct ex_lines lines;
	uint64_t from = 0, gen;
	size_t n = 0;
	int rc, follow, done, replay = 1;

	if (!x)
		return SL_OK;  /* never started here: no output */
	ex_lines_init(&lines);
	pthread_mutex_lock(&x->lock);
	rc = ex_logbuf_copy(&x->log, 0, &recs, &n, &from);
	follow = opts->follow && x->running;
	gen = x->gen;
	pthread_mutex_unlock(&x->lock);

	for (;;) {
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = ex_lines_feed(&lines, recs[i]);
		ex_recs_free(recs, n);
		recs = NULL;
		n = 0;
		if (rc == 0 && !follow)
			rc = ex_lines_flush(&lines);
		/* The tail applies to the replay; later lines all go. */
		if (rc == 0)
			rc = emit_lines(host, out, opts, &lines,
				replay ? opts->tail : -1);
		replay = 0;
		ex_lines_clear(&lines);
		if (rc < 0 || !follow)
			break;
		if (opts->until_ns > 0 && ex_now_ns() > opts->until_ns)
			break;
		rc = next_batch(x, host, call, NULL, 0, &from, gen, &recs, &n,
			&done);
		if (rc < 0)
			break;
		if (done)
			follow = 0;  /* one more round for the last records */
	}
	ex_recs_free(recs, n);
	ex_lines_fini(&lines);
	ex_ctr_put(x);
	if (rc == SL_ECANCELED)
		return host->set_error(call, rc, "client gone");
	if (rc < 0)
		return host->set_error(call, rc, "out of memory");
	return SL_OK;
}

static int write_recs(const struct sl_host_v1 *host, sl_stream *io,
	const struct sl_attach_opts_v1 *o, struct ex_rec **recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ex_rec *r = recs[i];

		if (!o->tty && ((r->fd == 1 && !o->stdout_wanted) ||
		    (r->fd == 2 && !o->stderr_wanted)))
			continue;
		if (o->tty && !o->stdout_wanted)
			continue;
		if (host->stream_write(io, r->fd, r->data, r->len) < 0)
			return SL_ECANCELED;
	}
	return 0;
}

static int s_attach(void *state, sl_call *call, sl_container *c,
	const struct sl_attach_opts_v1 *opts, sl_stream *io)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct ex_ctr *x = ex_ctr_get(be, c, 1);
	struct ex_stdin in;
	struct ex_rec **recs = NULL;
	struct ex_logpin pin;
	uint64_t gen;
	size_t n = 0;
	int rc = 0, done = 0, missed;
	int64_t since = 0;

	if (SL_HAS_FIELD(opts, struct sl_attach_opts_v1, requested_ns))
		since = opts->requested_ns;
	if (since <= 0)
		since = ex_now_ns();
	if (!x)
		return host->set_error(call, SL_ENOMEM, "out of memory");
	/*
	 * `docker run` attaches, gets the 101 and starts the container, so
	 * the process may have printed, or even exited, before this hook
	 * runs: stream what was read since the client asked.  The run to
	 * follow is the one that was running at that time or began since;
	 * when the last run had already ended, the attach is for the next
	 * run (docker start -a attaches before it starts).  The pin keeps
	 * what this client has not read yet in the buffer: the process
	 * waits for a slow client rather than lose its output.  It comes
	 * first: the host lets a start go ahead once this hook is called.
	 */
	pthread_mutex_lock(&x->lock);
	ex_logbuf_pin(&x->log, &pin,
		opts->logs ? 0 : ex_logbuf_since(&x->log, since));
	if (x->running || (x->gen > 0 && x->finished_ns >= since))
		gen = x->gen;
	else
		gen = x->gen + 1;
	if (opts->logs)
		rc = ex_logbuf_copy(&x->log, pin.seq, &recs, &n, &pin.seq);
	pthread_mutex_unlock(&x->lock);

	memset(&in, 0, sizeof(in));
	if (rc == 0 && opts->stdin_wanted &&
	    host->ctr_int(c, SL_CTR_OPEN_STDIN)) {
		in.host = host;
		in.s = io;
		in.ctr = x;
		in.fd = -1;
		in.close_on_eof = host->ctr_int(c, SL_CTR_STDIN_ONCE) != 0;
		if (ex_stdin_start(&in) < 0)
			rc = host->set_error(call, SL_ENOMEM,
				"cannot start the stdin thread");
	}

	if (rc == 0)
		rc = write_recs(host, io, opts, recs, n);
	ex_recs_free(recs, n);
	while (rc == 0 && opts->stream && !done) {
		recs = NULL;
		n = 0;
		rc = next_batch(x, host, call, c, since, &pin.seq, gen, &recs,
			&n, &done);
		if (rc == 0)
			rc = write_recs(host, io, opts, recs, n);
		ex_recs_free(recs, n);
	}
	pthread_mutex_lock(&x->lock);
	ex_logbuf_unpin(&x->log, &pin);
	pthread_cond_broadcast(&x->room);
	missed = run_missed(x, host, c, gen, since);
	pthread_mutex_unlock(&x->lock);
	ex_stdin_join(&in);
	if (missed)
		ex_ctr_unlist(x);   /* the container is gone: so goes this record */
	ex_ctr_put(x);
	if (rc == SL_ECANCELED)
		return host->set_error(call, rc, "client gone");
	if (rc < 0)
		return host->set_error(call, rc, "out of memory");
	return SL_OK;
}

static int s_resize(void *state, sl_call *call, sl_container *c, int height,
	int width)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct ex_ctr *x = ex_ctr_get(be, c, 0);
	struct winsize ws;
	int rc = SL_OK;

	if (height <= 0 || width <= 0 || height > 65535 || width > 65535)
		rc = host->set_error(call, SL_EINVAL, "invalid size %dx%d",
			height, width);
	else if (!x)
		rc = host->set_error(call, SL_ECONFLICT,
			"container %s is not running", host->ctr_str(c, SL_CTR_ID));
	if (rc < 0)
		goto out;
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = (unsigned short)height;
	ws.ws_col = (unsigned short)width;
	pthread_mutex_lock(&x->lock);
	if (!x->running)
		rc = host->set_error(call, SL_ECONFLICT,
			"container %s is not running", x->id);
	else if (x->pty_fd >= 0)
		(void)ioctl(x->pty_fd, TIOCSWINSZ, &ws);
	/* Without a TTY there is nothing to resize; Docker accepts it. */
	pthread_mutex_unlock(&x->lock);
out:
	ex_ctr_put(x);
	return rc;
}

const struct sl_stream_ops_v1 ex_stream_ops = {
	SL_HEADER(struct sl_stream_ops_v1),
	.logs = s_logs,
	.attach = s_attach,
	.resize = s_resize,
};
