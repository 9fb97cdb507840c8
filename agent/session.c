/*
 * agent/session.c - the session kinds served by the main state: hello,
 * health, signal and attach; and the dispatch of every OPEN by kind.
 */
#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define ATTACH_CHUNK (64 * 1024)

static void
reply(struct ag_session *s, struct sl_agent_fields *f, int ok, int done)
{
	if (!ok)
		ag_sess_error(s, "internal", "out of memory");
	else {
		ag_sess_fields(s, SL_AGENT_REPLY, f);
		if (done)
			ag_sess_done(s);
	}
	sl_agent_fields_free(f);
}

/*
 * The protocol version this agent speaks: SL_AGENT_PROTO, or 1 when
 * SOCKERLESS_AGENT_PROTO=1 asks it to behave as a version 1 agent (no
 * stamps), so daemons can be tested against one (PROTOCOL.md, "Stamps").
 * Read once the environment is settled (main.c is done with it).
 */
static int
proto(void)
{
	const char *v = getenv("SOCKERLESS_AGENT_PROTO");

	return v != NULL && strcmp(v, "1") == 0 ? 1 : SL_AGENT_PROTO;
}

/* Clients may come before the main process is started (the listener
 * and the callback run first); the caller holds ag_main.mu. */
static void
wait_launched(void)
{
	while (!ag_main.launched)
		pthread_cond_wait(&ag_main.cv, &ag_main.mu);
}

static void
hello(struct ag_session *s)
{
	struct sl_agent_fields f = { 0 };
	int ok;

	pthread_mutex_lock(&ag_main.mu);
	wait_launched();
	ok = sl_agent_fields_addf(&f, "proto", "%d", proto()) == 0 &&
	    sl_agent_fields_addf(&f, "pid", "%ld", (long)ag_main.pid) == 0 &&
	    sl_agent_fields_addf(&f, "started", "%lld",
		(long long)ag_main.started_ns) == 0 &&
	    sl_agent_fields_add(&f, "state",
		ag_main.exited ? "exited" : "running") == 0 &&
	    (!ag_main.exited ||
		sl_agent_fields_addf(&f, "exit", "%d", ag_main.code) == 0) &&
	    sl_agent_fields_add(&f, "tty", ag_main.tty ? "1" : "0") == 0 &&
	    sl_agent_fields_add(&f, "agent", AG_VERSION) == 0;
	pthread_mutex_unlock(&ag_main.mu);
	reply(s, &f, ok, 1);
}

static void
signal_main(struct ag_session *s)
{
	const char *v = ag_sess_get(s, "signal");
	struct sl_agent_fields f = { 0 };
	char *end;
	long sig;
	pid_t pid;

	if (v == NULL || (sig = strtol(v, &end, 10), *end != '\0') ||
	    sig <= 0 || sig >= NSIG) {
		ag_sess_error(s, "invalid", "invalid signal: %s", v ? v : "");
		return;
	}
	pthread_mutex_lock(&ag_main.mu);
	wait_launched();
	pid = ag_main.exited ? 0 : ag_main.pid;
	pthread_mutex_unlock(&ag_main.mu);
	if (pid <= 0) {
		ag_sess_error(s, "conflict", "the main process is not running");
		return;
	}
	/* The whole group: pause must stop the shell's children too. */
	if (kill(-pid, (int)sig) < 0 && kill(pid, (int)sig) < 0) {
		ag_sess_error(s, "internal", "kill: %s", strerror(errno));
		return;
	}
	reply(s, &f, 1, 1);
}

struct attach {
	struct ag_outreader rd;	/* in ag_main.out's readers while it runs */
	int stamps;	/* v2: output as STDOUT_AT/STDERR_AT */
};

/* The attach no longer reads: the output need not wait for it. */
static void
reader_leave(struct attach *a)
{
	pthread_mutex_lock(&ag_main.mu);
	ag_outbuf_reader_del(&ag_main.out, &a->rd);
	pthread_cond_broadcast(&ag_main.room);
	pthread_mutex_unlock(&ag_main.mu);
}

static void *
attach_run(void *arg)
{
	struct ag_session *s = arg;
	struct attach *a = s->priv;
	/* Room for the stamp before the bytes: one frame, one copy. */
	char *buf = malloc(SL_AGENT_STAMP_SIZE + ATTACH_CHUNK);
	char *data = buf + SL_AGENT_STAMP_SIZE;

	if (buf == NULL) {
		ag_sess_error(s, "internal", "out of memory");
		goto out;
	}
	for (;;) {
		int stream, closed = 0;
		int64_t ts;
		size_t n;

		pthread_mutex_lock(&ag_main.mu);
		while (!(closed = ag_sess_closed(s)) &&
		    a->rd.cursor >= ag_main.out.end && !ag_main.exited)
			pthread_cond_wait(&ag_main.cv, &ag_main.mu);
		if (closed) {
			pthread_mutex_unlock(&ag_main.mu);
			break;
		}
		if (a->rd.cursor < ag_main.out.start) {
			pthread_mutex_unlock(&ag_main.mu);
			ag_sess_error(s, "internal", "output queue overflow");
			break;
		}
		if (a->rd.cursor < ag_main.out.end) {
			n = ag_outbuf_read(&ag_main.out, a->rd.cursor, data,
			    ATTACH_CHUNK, &stream, &ts);
			a->rd.cursor += n;
			a->rd.moved_ms = sl_agent_now_ms();
			pthread_cond_broadcast(&ag_main.room);
			pthread_mutex_unlock(&ag_main.mu);
			if (!a->stamps) {
				if (ag_sess_send(s, stream, data, n) < 0)
					break;
				continue;
			}
			sl_agent_i64_put((unsigned char *)buf, ts);
			if (ag_sess_send(s, stream == SL_AGENT_STDOUT ?
			    SL_AGENT_STDOUT_AT : SL_AGENT_STDERR_AT, buf,
			    SL_AGENT_STAMP_SIZE + n) < 0)
				break;
			continue;
		}
		int code = ag_main.code;

		pthread_mutex_unlock(&ag_main.mu);
		ag_sess_exit(s, code);
		break;
	}
	free(buf);
out:
	reader_leave(a);
	return NULL;
}

static void
attach(struct ag_session *s)
{
	const char *from = ag_sess_get(s, "from");
	const char *in = ag_sess_get(s, "stdin");
	const char *stamps = ag_sess_get(s, "stamps");
	const char *keep = ag_sess_get(s, "keep");
	struct sl_agent_fields f = { 0 };
	struct attach *a = calloc(1, sizeof(*a));
	int ok;

	if (a == NULL) {
		ag_sess_error(s, "internal", "out of memory");
		return;
	}
	s->priv = a;
	s->free_priv = free;
	a->stamps = stamps != NULL && strcmp(stamps, "1") == 0 && proto() >= 2;
	pthread_mutex_lock(&ag_main.mu);
	wait_launched();
	if (in != NULL && strcmp(in, "1") == 0) {
		if (ag_main.stdin_taken) {
			pthread_mutex_unlock(&ag_main.mu);
			ag_sess_error(s, "conflict", "another session is "
			    "attached to the container's stdin");
			return;
		}
		ag_main.stdin_taken = 1;
		s->main_stdin = 1;
		s->can_write = 1;
	}
	s->in = &ag_main.in;
	a->rd.cursor = ag_main.out.end;
	if (from != NULL) {
		unsigned long long off = strtoull(from, NULL, 10);

		if (off < a->rd.cursor)
			a->rd.cursor = off < ag_main.out.start ?
			    ag_main.out.start : off;
	}
	ok = sl_agent_fields_addf(&f, "from", "%llu",
	    (unsigned long long)a->rd.cursor) == 0 &&
	    sl_agent_fields_add(&f, "tty", ag_main.tty ? "1" : "0") == 0 &&
	    (!a->stamps || sl_agent_fields_add(&f, "stamps", "1") == 0);
	/* From here the output keeps this reader's place, and no longer
	 * the place held for the first attach unless the daemon says
	 * another attach is on its way ("keep"). */
	if (ok) {
		ag_outbuf_reader_add(&ag_main.out, &a->rd);
		if (keep == NULL || strcmp(keep, "1") != 0) {
			ag_outbuf_reader_del(&ag_main.out, &ag_main.first);
			pthread_cond_broadcast(&ag_main.room);
		}
	}
	pthread_mutex_unlock(&ag_main.mu);
	reply(s, &f, ok, 0);
	if (ok && ag_sess_thread(s, attach_run) < 0) {
		reader_leave(a);
		ag_sess_error(s, "internal", "cannot start a thread");
	}
}

static void
stream_kind(struct ag_session *s, int (*open)(struct ag_session *),
    void *(*run)(void *))
{
	if (open != NULL && open(s) < 0)
		return;
	if (ag_sess_thread(s, run) < 0)
		ag_sess_error(s, "internal", "cannot start a thread");
}

void
ag_session_start(struct ag_session *s)
{
	const char *kind = ag_sess_get(s, "kind");
	struct sl_agent_fields f = { 0 };

	if (strcmp(kind, "hello") == 0)
		hello(s);
	else if (strcmp(kind, "health") == 0)
		reply(s, &f, sl_agent_fields_add(&f, "status", "ok") == 0, 1);
	else if (strcmp(kind, "attach") == 0)
		attach(s);
	else if (strcmp(kind, "exec") == 0)
		stream_kind(s, ag_exec_open, ag_exec_run);
	else if (strcmp(kind, "signal") == 0)
		signal_main(s);
	else if (strcmp(kind, "top") == 0)
		ag_top(s);
	else if (strcmp(kind, "stats") == 0)
		ag_stats(s);
	else if (strcmp(kind, "archive-stat") == 0)
		ag_archive_stat(s);
	else if (strcmp(kind, "archive-get") == 0)
		stream_kind(s, NULL, ag_archive_get_run);
	else if (strcmp(kind, "archive-put") == 0)
		stream_kind(s, ag_archive_put_open, ag_archive_put_run);
	else
		ag_sess_error(s, "unsupported", "unknown session kind: %s",
		    kind);
}
