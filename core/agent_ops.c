/*
 * agent_ops.c - routes a container's exec, attach, archive, top, kill,
 * pause and unpause through its agent while one is connected, whatever
 * the backend's hooks; otherwise to the backend's hook, or a 501 that says
 * why.  Installed over the loaded backend's table once, so the routes
 * themselves do not change.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/agent.h"
#include "core/agent_int.h"
#include "core/api_ctr.h"
#include "core/archive.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/exec.h"
#include "core/log.h"
#include "core/server.h"
#include "core/stream.h"
#include "core/timeparse.h"

#define CHUNK 65536
#define SLICE_MS 200
/* Marks, in an exec's data, one the agent runs. */
#define EXEC_BY_AGENT "sockerless.agent"

/* The backend's own hooks, as loaded. */
static struct sl_backend orig;

static int no_hook(struct sl_call *call, const char *what)
{
	return sl_call_set_error(call, SL_ENOTSUP,
		"%s is not supported by the %s backend, and the container has "
		"no agent connected", what, sl_daemon.backend.name);
}

static int fields_put(struct sl_agent_fields *f, const char *key,
	const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (sl_agent_fields_add(f, key, list[i]))
			return -1;
	return 0;
}

/* ---- moving a session's bytes ---- */

struct pump_in {
	struct sl_agent_sess *s;
	struct sl_stream *io;
	pthread_mutex_t lock;
	int done;
	pthread_t thread;
	int started;
};

/* Client bytes to STDIN frames; EOF at the client's half-close. */
static void *stdin_main(void *arg)
{
	struct pump_in *p = arg;
	char *buf = malloc(CHUNK);

	while (buf) {
		ssize_t n;
		int done;

		pthread_mutex_lock(&p->lock);
		done = p->done;
		pthread_mutex_unlock(&p->lock);
		if (done)
			break;
		n = sl_stream_read(p->io, buf, CHUNK, SLICE_MS);
		if (n == SL_ETIMEDOUT)
			continue;
		if (n == 0) {
			(void)sl_agent_send(p->s, SL_AGENT_EOF, NULL, 0);
			break;
		}
		if (n < 0 || sl_agent_send(p->s, SL_AGENT_STDIN, buf, (size_t)n))
			break;
	}
	free(buf);
	return NULL;
}

static void stdin_start(struct pump_in *p, struct sl_agent_sess *s,
	struct sl_stream *io)
{
	p->s = s;
	p->io = io;
	pthread_mutex_init(&p->lock, NULL);
	p->started = pthread_create(&p->thread, NULL, stdin_main, p) == 0;
}

static void stdin_stop(struct pump_in *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->lock);
	p->done = 1;
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	p->started = 0;
}

/*
 * Moves output to `out` (may be NULL: discarded) until EXIT, ERROR, the
 * connection's loss, the client's departure or cancellation.  Returns an
 * SL_* status (set on call) and the exit code in *code.
 */
static int drain(struct sl_agent_sess *s, struct sl_call *call,
	struct sl_stream *out, int *code)
{
	char err[512];

	for (;;) {
		unsigned char *buf = NULL;
		size_t len = 0;
		int type, n, rc;

		n = sl_agent_next(s, SLICE_MS, &type, &buf, &len, err, sizeof(err));
		if (n < 0)
			return call ? sl_call_set_error(call, SL_EUNAVAIL, "%s", err) :
				SL_EUNAVAIL;
		if (n == 0) {
			if (call && sl_call_is_cancelled(call))
				return SL_ECANCELED;
			continue;
		}
		rc = -1;
		switch (type) {
		case SL_AGENT_STDOUT:
		case SL_AGENT_STDERR:
			if (out && sl_stream_write(out, type == SL_AGENT_STDERR ? 2 : 1,
					buf, len) < 0)
				rc = SL_ECANCELED;
			break;
		case SL_AGENT_EXIT:
			*code = len == 4 ? (int)sl_agent_u32_get(buf) : 0;
			rc = SL_OK;
			break;
		case SL_AGENT_ERROR: {
			const char *m = sl_agent_fields_get((char *)buf, len, "message");

			rc = sl_agent_error_status(sl_agent_fields_get((char *)buf,
				len, "code"));
			if (call)
				sl_call_set_error(call, rc, "%s", m ? m : "agent error");
			break;
		}
		default:
			break;
		}
		free(buf);
		if (rc != -1)
			return rc;
	}
}

/* Frees a request that could not be built and says why. */
static int fields_fail(struct sl_agent_fields *f, struct sl_call *call,
	int status, const char *msg)
{
	sl_agent_fields_free(f);
	return sl_call_set_error(call, status, "%s", msg);
}

/*
 * Opens a session on the container's live agent with the request in `f`,
 * which it frees.  SL_OK with the session in *out (caller closes it).
 * With no agent: 1 when `what` is NULL (the caller uses the backend's
 * hook), else the 501 naming `what`.  Otherwise an SL_* status set on call.
 */
static int session(struct sl_container *c, struct sl_agent_fields *f,
	const char *tag, const char *what, struct sl_call *call,
	struct sl_agent_sess **out)
{
	struct sl_agent *a = sl_agent_get(c);
	char err[512];
	int rc = 1;

	*out = NULL;
	if (a) {
		*out = sl_agent_open(a, f, tag, call, &rc, err, sizeof(err));
		if (*out)
			rc = SL_OK;
		else
			sl_call_set_error(call, rc, "%s", err);
		sl_agent_put(a);
	}
	sl_agent_fields_free(f);
	if (rc == 1 && what)
		return no_hook(call, what);
	return rc;
}

/* A terminal size as the RESIZE frame carries it. */
static void size_bytes(unsigned char rw[4], int h, int w)
{
	rw[0] = (unsigned char)(h >> 8);
	rw[1] = (unsigned char)h;
	rw[2] = (unsigned char)(w >> 8);
	rw[3] = (unsigned char)w;
}

/* ---- exec ---- */

static int ag_exec_create(void *st, sl_call *call, sl_container *c,
	sl_exec *e)
{
	if (sl_agent_state(c) == SL_AGENT_STATE_LIVE)
		return SL_OK;
	if (!orig.exec.start)
		return no_hook(call, "exec");
	return orig.exec.create ? orig.exec.create(st, call, c, e) : SL_OK;
}

static void exec_done(sl_exec *e, int code)
{
	pthread_mutex_lock(&e->lock);
	e->running = 0;
	e->exit_code = code;
	e->has_exit = 1;
	pthread_mutex_unlock(&e->lock);
}

struct detached {
	struct sl_agent_sess *s;
	sl_exec *e;
};

static void *detached_main(void *arg)
{
	struct detached *d = arg;
	int code = 126;

	if (drain(d->s, NULL, NULL, &code) != SL_OK)
		code = 126;
	exec_done(d->e, code);
	sl_agent_close(d->s);
	sl_exec_unref(d->e);
	free(d);
	return NULL;
}

static int ag_exec_start(void *st, sl_call *call, sl_container *c,
	sl_exec *e, sl_stream *io, int *code)
{
	struct sl_agent_fields f = {0};
	struct pump_in in = {0};
	struct sl_agent_sess *s;
	const char *v;
	int rc, with_stdin = io && e->ints[SL_EXEC_ATTACH_STDIN];

	if (sl_agent_state(c) != SL_AGENT_STATE_LIVE) {
		if (orig.exec.start)
			return orig.exec.start(st, call, c, e, io, code);
		return no_hook(call, "exec");
	}
	if (sl_agent_fields_add(&f, "kind", "exec") ||
	    fields_put(&f, "argv", sl_exec_list(e, SL_EXEC_CMD)) ||
	    fields_put(&f, "env", sl_exec_list(e, SL_EXEC_ENV)) ||
	    ((v = e->str[SL_EXEC_WORKING_DIR]) && *v &&
	     sl_agent_fields_add(&f, "workdir", v)) ||
	    ((v = e->str[SL_EXEC_USER]) && *v &&
	     sl_agent_fields_add(&f, "user", v)) ||
	    sl_agent_fields_addf(&f, "tty", "%d", e->ints[SL_EXEC_TTY] ? 1 : 0) ||
	    sl_agent_fields_addf(&f, "stdin", "%d", with_stdin) ||
	    (e->ints[SL_EXEC_CONSOLE_HEIGHT] > 0 &&
	     (sl_agent_fields_addf(&f, "rows", "%lld",
		(long long)e->ints[SL_EXEC_CONSOLE_HEIGHT]) ||
	      sl_agent_fields_addf(&f, "cols", "%lld",
		(long long)e->ints[SL_EXEC_CONSOLE_WIDTH]))))
		return fields_fail(&f, call, SL_EINVAL,
			"exec: the command or environment is too large");
	rc = session(c, &f, e->str[SL_EXEC_ID], "exec", call, &s);
	if (rc)
		return rc;
	(void)sl_exec_data_set(e, EXEC_BY_AGENT, "1");
	if (!io) {
		struct detached *d = malloc(sizeof(*d));
		pthread_t t;

		if (d) {
			d->s = s;
			d->e = sl_exec_ref(e);
			if (!pthread_create(&t, NULL, detached_main, d)) {
				pthread_detach(t);
				return SL_OK;
			}
			sl_exec_unref(e);
			free(d);
		}
		sl_agent_close(s);
		return sl_call_set_error(call, SL_EINTERNAL, "out of resources");
	}
	if (with_stdin)
		stdin_start(&in, s, io);
	rc = drain(s, call, io, code);
	stdin_stop(&in);
	sl_agent_close(s);
	return rc;
}

static int ag_exec_resize(void *st, sl_call *call, sl_container *c,
	sl_exec *e, int h, int w)
{
	unsigned char rw[4];
	char *by = sl_exec_data_get(e, EXEC_BY_AGENT);

	if (by) {
		free(by);
		size_bytes(rw, h, w);
		/* An exec that already ended has nothing to resize: as dockerd,
		 * that is not an error the client needs to see. */
		(void)sl_agent_send_tagged(c, e->str[SL_EXEC_ID], SL_AGENT_RESIZE,
			rw, sizeof(rw));
		return SL_OK;
	}
	if (orig.exec.resize)
		return orig.exec.resize(st, call, c, e, h, w);
	return no_hook(call, "exec resize");
}

static int ag_exec_inspect(void *st, sl_call *call, sl_container *c,
	sl_exec *e, int *running, int *code)
{
	char *by = sl_exec_data_get(e, EXEC_BY_AGENT);

	if (by) {
		free(by);
		pthread_mutex_lock(&e->lock);
		*running = e->running;
		*code = e->exit_code;
		pthread_mutex_unlock(&e->lock);
		return SL_OK;
	}
	if (orig.exec.inspect)
		return orig.exec.inspect(st, call, c, e, running, code);
	return SL_ENOTSUP;
}

/* ---- attach ---- */

/* How long an attach waits for the agent once the container runs: the
 * backend's own wait for the agent's announcement, and a margin. */
#define AGENT_WAIT_MS 45000
#define AGENT_POLL_MS 50

/*
 * docker run (and docker start -a) attach before the start, so before
 * the agent can have connected.  Waits, as dockerd's attach to a stopped
 * container does, until the container runs, then, while the backend
 * still expects the agent, up to AGENT_WAIT_MS for it to connect.  1 when
 * it is connected, 0 when it will not come (the run ended, the backend
 * gave up, the wait ran out), SL_ECANCELED when the client left.
 */
static int await_agent(sl_container *c, sl_call *call)
{
	int64_t running_since = 0;
	int exits0;

	pthread_mutex_lock(&c->lock);
	exits0 = c->state.exits;
	pthread_mutex_unlock(&c->lock);
	for (;;) {
		unsigned long gen = sl_ctrtab_generation();
		struct sl_agent *a = sl_agent_get(c);
		int status, exits, removed;

		if (a) {
			sl_agent_put(a);
			return 1;
		}
		if (sl_call_is_cancelled(call) || sl_server_closing())
			return SL_ECANCELED;
		pthread_mutex_lock(&c->lock);
		status = c->state.status;
		exits = c->state.exits;
		removed = c->state.removed;
		pthread_mutex_unlock(&c->lock);
		if (removed || exits != exits0 || !sl_agent_expecting(c))
			return 0;
		if (status == SL_STATUS_RUNNING || status == SL_STATUS_PAUSED ||
		    status == SL_STATUS_RESTARTING) {
			int64_t now = sl_time_now_ns();

			if (!running_since)
				running_since = now;
			else if (now - running_since > AGENT_WAIT_MS * 1000000LL)
				return 0;
		}
		/* Agent connections do not signal the table: look often. */
		sl_ctrtab_wait_change(gen, AGENT_POLL_MS);
	}
}

/*
 * After the exit: reads and drops what the client sent meanwhile (a TTY's
 * ^D, keys typed at the end).  Closing a socket with unread input resets
 * it, and the client may then lose output it has not read yet.  Ends at a
 * short quiet spell, the client's half-close, or a bound.
 */
static void stdin_linger(sl_stream *io)
{
	char buf[4096];

	for (int i = 0; i < 64; i++)
		if (sl_stream_read(io, buf, sizeof(buf), SLICE_MS / 4) <= 0)
			break;
}

/* Attach over the connected agent; `replay`: from the run's first byte,
 * for an attach that began before the agent connected. */
static int attach_over(sl_container *c, sl_call *call,
	const struct sl_attach_opts_v1 *o, sl_stream *io, int replay)
{
	struct sl_agent_fields f = {0};
	struct pump_in in = {0};
	struct sl_agent_sess *s;
	int rc, code = 0, h, w;

	if (sl_agent_fields_add(&f, "kind", "attach") ||
	    sl_agent_fields_addf(&f, "stdin", "%d", o->stdin_wanted ? 1 : 0) ||
	    ((o->logs || replay) && sl_agent_fields_add(&f, "from", "0")))
		return fields_fail(&f, call, SL_ENOMEM, "out of memory");
	rc = session(c, &f, "attach", "container attach", call, &s);
	if (rc)
		return rc;
	if (sl_agent_hold_take_size(c, &h, &w)) {
		unsigned char rw[4];

		size_bytes(rw, h, w);
		(void)sl_agent_send(s, SL_AGENT_RESIZE, rw, sizeof(rw));
	}
	if (o->stdin_wanted)
		stdin_start(&in, s, io);
	rc = drain(s, call, io, &code);
	stdin_stop(&in);
	/* As dockerd with StdinOnce (docker run -i): the end of the attach
	 * that held stdin closes it, whatever ended the attach. */
	if (o->stdin_wanted && c->ints[SL_CTR_STDIN_ONCE])
		(void)sl_agent_send(s, SL_AGENT_EOF, NULL, 0);
	sl_agent_close(s);
	if (o->stdin_wanted && rc == SL_OK)
		stdin_linger(io);
	if (rc && rc != SL_ECANCELED)
		sl_info("attach %.12s over the agent ended: %s",
			c->str[SL_CTR_ID], sl_call_message(call, rc));
	return rc;
}

static int ag_attach(void *st, sl_call *call, sl_container *c,
	const struct sl_attach_opts_v1 *o, sl_stream *io)
{
	struct sl_attach_opts_v1 fb = *o;
	int rc, live = sl_agent_state(c) == SL_AGENT_STATE_LIVE;
	/* Replayed from the first byte for an attach that began before the
	 * run: one waiting for a start, or one asked for before the running
	 * run began whose hook came late, after the agent connected (not
	 * one that came while the agent reconnects). */
	int st0 = sl_api_ctr_status(c);
	int replay = !live;

	if (st0 == SL_STATUS_RUNNING || st0 == SL_STATUS_PAUSED) {
		pthread_mutex_lock(&c->lock);
		replay = o->requested_ns > 0 &&
			c->state.started_ns >= o->requested_ns;
		pthread_mutex_unlock(&c->lock);
	}
	if (live || (o->stream && sl_agent_expecting(c))) {
		sl_agent_hold(c, 1);
		rc = live ? 1 : await_agent(c, call);
		if (rc == 1)
			rc = attach_over(c, call, o, io, replay);
		else if (rc == 0)
			rc = 1;
		sl_agent_hold(c, -1);
		if (rc != 1)
			return rc;
		/* The agent did not come: the output as without it, and no
		 * stdin, which only the agent could have taken. */
		fb.stdin_wanted = 0;
	}
	if (orig.streams.attach)
		return orig.streams.attach(st, call, c, &fb, io);
	return no_hook(call, "container attach");
}

static int ag_resize(void *st, sl_call *call, sl_container *c, int h, int w)
{
	unsigned char rw[4];

	size_bytes(rw, h, w);
	if (sl_agent_send_tagged(c, "attach", SL_AGENT_RESIZE, rw, 4) == 0)
		return SL_OK;
	/* docker run -t resizes right after the start, while its attach may
	 * still wait for the agent: that attach applies the size once its
	 * session is open.  The second try covers a session that opened
	 * (and looked for a size) between the two. */
	if (sl_agent_hold_size(c, h, w) == 0) {
		(void)sl_agent_send_tagged(c, "attach", SL_AGENT_RESIZE, rw, 4);
		return SL_OK;
	}
	if (orig.streams.resize)
		return orig.streams.resize(st, call, c, h, w);
	if (sl_agent_state(c) == SL_AGENT_STATE_LIVE)
		return SL_OK;
	return no_hook(call, "container resize");
}

/* ---- archive ---- */

/* st_mode as Go's os.FileMode, which the docker CLI decodes. */
static uint32_t go_mode(unsigned long m)
{
	uint32_t g = (uint32_t)(m & 0777);

	switch (m & S_IFMT) {
	case S_IFDIR: g |= SL_GO_MODE_DIR; break;
	case S_IFLNK: g |= SL_GO_MODE_SYMLINK; break;
	case S_IFIFO: g |= SL_GO_MODE_NAMED_PIPE; break;
	case S_IFSOCK: g |= SL_GO_MODE_SOCKET; break;
	case S_IFBLK: g |= SL_GO_MODE_DEVICE; break;
	case S_IFCHR: g |= SL_GO_MODE_DEVICE | SL_GO_MODE_CHAR_DEVICE; break;
	default: break;
	}
	if (m & S_ISUID)
		g |= SL_GO_MODE_SETUID;
	if (m & S_ISGID)
		g |= SL_GO_MODE_SETGID;
	if (m & S_ISVTX)
		g |= SL_GO_MODE_STICKY;
	return g;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static void stat_fill(struct sl_agent_sess *s, struct sl_path_stat_v1 *out)
{
	const char *v;

	out->name = dup_or_empty(sl_agent_reply(s, "name"));
	out->link_target = dup_or_empty(sl_agent_reply(s, "link"));
	v = sl_agent_reply(s, "size");
	out->size = v ? strtoll(v, NULL, 10) : 0;
	v = sl_agent_reply(s, "mode");
	out->mode = go_mode(v ? strtoul(v, NULL, 10) : 0);
	v = sl_agent_reply(s, "mtime");
	out->mtime_ns = (v ? strtoll(v, NULL, 10) : 0) * 1000000000LL;
}

/*
 * Opens the archive session `kind` ("archive-stat", "archive-get",
 * "archive-put": then with `o`'s options) on `path`.  1 when the
 * container's agent is not live (the caller uses the backend's hook);
 * otherwise as session(), the 501 naming `what`; SL_OK with the session
 * in *s (caller closes it).
 */
static int archive_open(sl_container *c, sl_call *call, const char *kind,
	const char *path, const struct sl_archive_put_opts_v1 *o,
	const char *what, struct sl_agent_sess **s)
{
	struct sl_agent_fields f = {0};
	int put = strcmp(kind, "archive-put") == 0;

	if (sl_agent_state(c) != SL_AGENT_STATE_LIVE)
		return 1;
	if (sl_agent_fields_add(&f, "kind", kind) ||
	    sl_agent_fields_add(&f, "path", path) ||
	    (put && (sl_agent_fields_addf(&f, "noOverwriteDirNonDir", "%d",
			o && o->no_overwrite_dir_non_dir ? 1 : 0) ||
		     sl_agent_fields_addf(&f, "copyUIDGID", "%d",
			o && o->copy_uid_gid ? 1 : 0))))
		return fields_fail(&f, call, SL_ENOMEM, "out of memory");
	return session(c, &f, NULL, what, call, s);
}

/* Closes a transfer's session; the agent's non-zero exit is the error,
 * "the agent could not `doing` `path`". */
static int transfer_end(struct sl_agent_sess *s, sl_call *call, int rc,
	int code, const char *doing, const char *path)
{
	sl_agent_close(s);
	if (rc == SL_OK && code)
		rc = sl_call_set_error(call, SL_EINTERNAL,
			"the agent could not %s %s (%d)", doing, path, code);
	return rc;
}

static int ag_archive_stat(void *st, sl_call *call, sl_container *c,
	const char *path, struct sl_path_stat_v1 *out)
{
	static const char what[] = "container archive stat (docker cp)";
	struct sl_agent_sess *s;
	int rc;

	rc = archive_open(c, call, "archive-stat", path, NULL, what, &s);
	if (rc == 1 && orig.archive.stat)
		return orig.archive.stat(st, call, c, path, out);
	if (rc)
		return rc == 1 ? no_hook(call, what) : rc;
	stat_fill(s, out);
	sl_agent_close(s);
	return SL_OK;
}

static int ag_archive_get(void *st, sl_call *call, sl_container *c,
	const char *path, sl_stream *out)
{
	static const char what[] = "container archive (docker cp)";
	struct sl_agent_sess *s;
	int rc, code = 0;

	rc = archive_open(c, call, "archive-get", path, NULL, what, &s);
	if (rc == 1 && orig.archive.get)
		return orig.archive.get(st, call, c, path, out);
	if (rc)
		return rc == 1 ? no_hook(call, what) : rc;
	rc = drain(s, call, out, &code);
	return transfer_end(s, call, rc, code, "archive", path);
}

static int ag_archive_put(void *st, sl_call *call, sl_container *c,
	const char *path, const struct sl_archive_put_opts_v1 *o, sl_stream *in)
{
	struct sl_agent_sess *s;
	char *buf;
	int rc, code = 0;

	rc = archive_open(c, call, "archive-put", path, o,
		"container archive (docker cp)", &s);
	if (rc == 1 && orig.archive.put)
		return orig.archive.put(st, call, c, path, o, in);
	if (rc)
		return rc == 1 ?
			no_hook(call, "container archive put (docker cp)") : rc;
	buf = malloc(CHUNK);
	rc = buf ? SL_OK : sl_call_set_error(call, SL_ENOMEM, "out of memory");
	while (rc == SL_OK) {
		ssize_t n = sl_stream_read(in, buf, CHUNK, SLICE_MS);

		if (n == SL_ETIMEDOUT) {
			if (sl_call_is_cancelled(call))
				rc = SL_ECANCELED;
			continue;
		}
		if (n < 0) {
			rc = SL_ECANCELED;
		} else if (n == 0) {
			if (sl_agent_send(s, SL_AGENT_EOF, NULL, 0))
				rc = sl_call_set_error(call, SL_EUNAVAIL,
					"connection to the container's agent lost");
			break;
		} else if (sl_agent_send(s, SL_AGENT_STDIN, buf, (size_t)n)) {
			rc = sl_call_set_error(call, SL_EUNAVAIL,
				"connection to the container's agent lost");
		}
	}
	free(buf);
	/* The agent answers at once when it refuses an entry: that ERROR is
	 * the message to show, whatever the upload did meanwhile. */
	if (rc == SL_OK || rc == SL_EUNAVAIL)
		rc = drain(s, call, NULL, &code);
	return transfer_end(s, call, rc, code, "extract into", path);
}

/* ---- top, signals ---- */

static int ag_top(void *st, sl_call *call, sl_container *c,
	const char *ps_args, char **out)
{
	struct sl_agent_fields f = {0};
	struct sl_agent_sess *s;
	const char *list, *k, *v;
	size_t len, pos = 0, n = 0, cap = 0;
	char *t = NULL;
	int rc;

	if (sl_agent_state(c) != SL_AGENT_STATE_LIVE) {
		if (orig.monitor.top)
			return orig.monitor.top(st, call, c, ps_args, out);
		return no_hook(call, "container top");
	}
	if (ps_args && *ps_args && strcmp(ps_args, "-ef"))
		return sl_call_set_error(call, SL_EINVAL, "ps_args '%s' not "
			"supported: the agent lists processes in the default form "
			"only", ps_args);
	if (sl_agent_fields_add(&f, "kind", "top"))
		return fields_fail(&f, call, SL_ENOMEM, "out of memory");
	rc = session(c, &f, NULL, "container top", call, &s);
	if (rc)
		return rc;
	list = sl_agent_reply_fields(s, &len);
	/* Titles first, then the rows, each one line. */
	for (int pass = 0; pass < 2; pass++) {
		pos = 0;
		while (list && sl_agent_fields_next(list, len, &pos, &k, &v) == 1) {
			size_t vl = strlen(v);

			if (strcmp(k, pass ? "row" : "titles"))
				continue;
			if (n + vl + 2 > cap) {
				char *nt;

				cap = (n + vl + 2) * 2;
				nt = realloc(t, cap);
				if (!nt) {
					free(t);
					sl_agent_close(s);
					return sl_call_set_error(call, SL_ENOMEM,
						"out of memory");
				}
				t = nt;
			}
			memcpy(t + n, v, vl);
			n += vl;
			t[n++] = '\n';
			t[n] = 0;
		}
	}
	sl_agent_close(s);
	*out = sl_daemon.host->alloc(n + 1);
	if (*out && t)
		memcpy(*out, t, n + 1);
	free(t);
	return *out ? SL_OK : sl_call_set_error(call, SL_ENOMEM, "out of memory");
}

/* A number field of a stats reply (0 when absent). */
static uint64_t reply_u64(struct sl_agent_sess *s, const char *key)
{
	const char *v = sl_agent_reply(s, key);

	return v ? strtoull(v, NULL, 10) : 0;
}

/*
 * One sample from the agent (agent/stats.c says where its figures come
 * from).  An agent that predates the kind answers "unsupported": then the
 * backend's hook, if it has one, as without an agent.
 */
static int ag_stats(void *st, sl_call *call, sl_container *c,
	struct sl_stats_v1 *out)
{
	struct sl_agent_fields f = {0};
	struct sl_agent_sess *s;
	int rc;

	if (sl_agent_state(c) != SL_AGENT_STATE_LIVE) {
		if (orig.monitor.stats)
			return orig.monitor.stats(st, call, c, out);
		return no_hook(call, "container stats");
	}
	if (sl_agent_fields_add(&f, "kind", "stats"))
		return fields_fail(&f, call, SL_ENOMEM, "out of memory");
	rc = session(c, &f, NULL, "container stats", call, &s);
	if (rc == SL_ENOTSUP && orig.monitor.stats) {
		call->status = 0;
		call->message[0] = '\0';
		return orig.monitor.stats(st, call, c, out);
	}
	if (rc)
		return rc;
	out->read_ns = (int64_t)reply_u64(s, "read");
	out->cpu_total_ns = reply_u64(s, "cpu");
	out->cpu_system_ns = reply_u64(s, "system");
	out->online_cpus = (uint32_t)reply_u64(s, "cpus");
	out->pids = (uint32_t)reply_u64(s, "pids");
	out->mem_usage = reply_u64(s, "mem");
	out->mem_limit = reply_u64(s, "memlimit");
	out->net_rx_bytes = reply_u64(s, "rx");
	out->net_tx_bytes = reply_u64(s, "tx");
	out->blk_read_bytes = reply_u64(s, "blkread");
	out->blk_write_bytes = reply_u64(s, "blkwrite");
	sl_agent_close(s);
	return SL_OK;
}

/* The container operations a signal to the agent's process does. */
enum sig_op { OP_KILL, OP_PAUSE, OP_UNPAUSE };

/*
 * Sends `signo` to the container's process through its agent (a one-shot
 * session: the REPLY is all); with no agent connected, the backend's hook
 * for `op` (given `hook_signo`), or the 501 naming it.
 */
static int signal_op(void *st, sl_call *call, sl_container *c,
	enum sig_op op, int signo, int hook_signo)
{
	static const char *const what[] = {
		[OP_KILL] = "container kill",
		[OP_PAUSE] = "container pause",
		[OP_UNPAUSE] = "container unpause",
	};
	struct sl_agent_fields f = {0};
	struct sl_agent_sess *s;
	int rc;

	if (sl_agent_fields_add(&f, "kind", "signal") ||
	    sl_agent_fields_addf(&f, "signal", "%d", signo))
		return fields_fail(&f, call, SL_ENOMEM, "out of memory");
	rc = session(c, &f, NULL, NULL, call, &s);
	if (rc == SL_OK)
		sl_agent_close(s);
	if (rc != 1)
		return rc;
	switch (op) {
	case OP_KILL:
		if (orig.containers.kill)
			return orig.containers.kill(st, call, c, hook_signo);
		break;
	case OP_PAUSE:
		if (orig.containers.pause)
			return orig.containers.pause(st, call, c);
		break;
	case OP_UNPAUSE:
		if (orig.containers.unpause)
			return orig.containers.unpause(st, call, c);
		break;
	}
	return no_hook(call, what[op]);
}

static int ag_kill(void *st, sl_call *call, sl_container *c, int signo)
{
	return signal_op(st, call, c, OP_KILL, signo ? signo : SIGKILL, signo);
}

static int ag_pause(void *st, sl_call *call, sl_container *c)
{
	return signal_op(st, call, c, OP_PAUSE, SIGSTOP, 0);
}

static int ag_unpause(void *st, sl_call *call, sl_container *c)
{
	return signal_op(st, call, c, OP_UNPAUSE, SIGCONT, 0);
}

const struct sl_backend *sl_agent_hooks(struct sl_container *c)
{
	if (orig.path[0] && sl_agent_state(c) != SL_AGENT_STATE_LIVE)
		return &orig;
	return &sl_daemon.backend;
}

void sl_agent_route(struct sl_backend *b)
{
	orig = *b;
	b->exec.create = ag_exec_create;
	b->exec.start = ag_exec_start;
	b->exec.resize = ag_exec_resize;
	b->exec.inspect = ag_exec_inspect;
	b->streams.attach = ag_attach;
	b->streams.resize = ag_resize;
	b->archive.stat = ag_archive_stat;
	b->archive.get = ag_archive_get;
	b->archive.put = ag_archive_put;
	b->monitor.top = ag_top;
	b->monitor.stats = ag_stats;
	b->containers.kill = ag_kill;
	b->containers.pause = ag_pause;
	b->containers.unpause = ag_unpause;
}
