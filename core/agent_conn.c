/*
 * agent_conn.c - connections to container agents: the table (one agent
 * per container), the handshake, the reader thread, sessions and the main
 * output kept in the local log store.
 *
 * Locks: tab_lock guards the table and the reference counts; a->lock the
 * agent's state and sessions; a->wlock orders frames written to the
 * socket.  Neither is held while calling into ctrtab or the log store, and
 * no container lock is held while taking them.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "core/agent.h"
#include "core/agent_int.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/host.h"
#include "core/log.h"
#include "core/logstore.h"
#include "core/secrets.h"
#include "core/timeparse.h"

/* A session may queue this much output before the reader waits for it:
 * a slow client slows its own connection, never the daemon's memory. */
#define SESS_QUEUE_MAX (4u << 20)
/* How long the reader waits for room in one session's queue before it
 * ends that session: its client stopped reading, and every other session
 * of the connection (exec, signals, the log copy) waits behind it.  Below
 * the agent's 60 s send timeout, which would drop the whole connection. */
#define SESS_STALL_MS 20000
/* A log line longer than this is stored in pieces. */
#define LOG_LINE_MAX 16384
/* Output may wait this much for the log store before the local copy is
 * given up (docker logs then asks the backend). */
#define LOGQ_MAX (64u << 20)
/* The log writer stores its batch once it holds this much (at a frame's
 * end), or LOG_BATCH_HARD within a frame. */
#define LOG_BATCH (256u << 10)
#define LOG_BATCH_HARD (8u << 20)

static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sl_agent *tab;
static char *callback_base;

static int64_t now_ns(void)
{
	return sl_time_now_ns();
}

void sl_agent_set_callback_base(const char *url)
{
	free(callback_base);
	callback_base = url ? strdup(url) : NULL;
}

/* ---- the table ---- */

static struct sl_agent *find_locked(const char *id)
{
	for (struct sl_agent *a = tab; a; a = a->next)
		if (!strcmp(a->id, id))
			return a;
	return NULL;
}

void sl_agent_put(struct sl_agent *a)
{
	int last;

	if (!a)
		return;
	pthread_mutex_lock(&tab_lock);
	last = --a->refs == 0;
	pthread_mutex_unlock(&tab_lock);
	if (!last)
		return;
	for (int i = 0; i < 2; i++)
		free(a->line[i].buf);
	sl_logstore_batch_free(&a->logb);
	while (a->logq_head) {
		struct sl_agent_frame *fr = a->logq_head;

		a->logq_head = fr->next;
		free(fr);
	}
	free(a->reply_buf);
	if (a->resume_fd >= 0)
		close(a->resume_fd);
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->wlock);
	pthread_mutex_destroy(&a->ctl_lock);
	pthread_cond_destroy(&a->cond);
	sl_ctr_unref(a->c);
	free(a);
}

struct sl_agent *sl_agent_get(struct sl_container *c)
{
	struct sl_agent *a;
	int live = 0;

	pthread_mutex_lock(&tab_lock);
	a = find_locked(c->str[SL_CTR_ID]);
	if (a) {
		pthread_mutex_lock(&a->lock);
		live = a->state == SL_AGENT_STATE_LIVE && a->fd >= 0;
		pthread_mutex_unlock(&a->lock);
		if (live)
			a->refs++;
	}
	pthread_mutex_unlock(&tab_lock);
	return live ? a : NULL;
}

int sl_agent_state(struct sl_container *c)
{
	struct sl_agent *a;
	int s = SL_AGENT_STATE_NONE;

	pthread_mutex_lock(&tab_lock);
	a = find_locked(c->str[SL_CTR_ID]);
	if (a) {
		pthread_mutex_lock(&a->lock);
		s = a->has_exit ? SL_AGENT_STATE_EXITED : a->state;
		pthread_mutex_unlock(&a->lock);
	}
	pthread_mutex_unlock(&tab_lock);
	return s;
}

int sl_agent_exit_code(struct sl_container *c, int *code)
{
	struct sl_agent *a;
	int have = 0, exits0 = 0, exits;

	pthread_mutex_lock(&tab_lock);
	a = find_locked(c->str[SL_CTR_ID]);
	if (a) {
		pthread_mutex_lock(&a->lock);
		have = a->has_exit;
		*code = a->exit_code;
		exits0 = a->exits0;
		pthread_mutex_unlock(&a->lock);
	}
	pthread_mutex_unlock(&tab_lock);
	if (!have)
		return 0;
	/* Only for the run the agent belonged to: its exit is the one that
	 * takes the count from exits0 to exits0 + 1. */
	pthread_mutex_lock(&c->lock);
	exits = c->state.exits;
	pthread_mutex_unlock(&c->lock);
	return exits == exits0 || exits == exits0 + 1;
}

int sl_agent_log_whole(struct sl_container *c)
{
	struct sl_agent *a;
	int done = 0, live = 0, exits0 = 0, exits, st;

	pthread_mutex_lock(&tab_lock);
	a = find_locked(c->str[SL_CTR_ID]);
	if (a) {
		pthread_mutex_lock(&a->lock);
		done = !a->log_failed && a->log_done;
		/* Before its first answer the agent may never come (a
		 * callback URL the replica cannot reach): the backend's logs
		 * know more. */
		live = !a->log_failed && a->copying && a->contacted &&
			!a->stopping;
		exits0 = a->exits0;
		pthread_mutex_unlock(&a->lock);
	}
	pthread_mutex_unlock(&tab_lock);
	if (!done && !live)
		return 0;
	pthread_mutex_lock(&c->lock);
	exits = c->state.exits;
	st = c->state.status;
	pthread_mutex_unlock(&c->lock);
	/* The agent belongs to one run; a later run without one has only
	 * the backend's logs. */
	if (exits != exits0 && exits != exits0 + 1)
		return 0;
	/* Stopped without the agent's exit (killed with its replica): the
	 * last output may never have left it. */
	return done || st == SL_STATUS_RUNNING || st == SL_STATUS_PAUSED ||
		st == SL_STATUS_RESTARTING;
}

/* Stops the agent's reader and drops it from the table.  The caller
 * holds no lock. */
static void agent_stop(struct sl_agent *a)
{
	pthread_mutex_lock(&a->lock);
	a->stopping = 1;
	if (a->fd >= 0)
		shutdown(a->fd, SHUT_RDWR);
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	/* The reader may be the caller (an exit it reported removed an
	 * AutoRemove container): it then ends on its own. */
	if (a->reader_started && pthread_equal(a->reader, pthread_self()))
		pthread_detach(a->reader);
	else if (a->reader_started)
		pthread_join(a->reader, NULL);
	a->reader_started = 0;
	if (a->logw_started)
		pthread_join(a->logw, NULL);
	a->logw_started = 0;
}

static void unlink_and_stop(struct sl_agent *a)
{
	pthread_mutex_lock(&tab_lock);
	for (struct sl_agent **p = &tab; *p; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			break;
		}
	pthread_mutex_unlock(&tab_lock);
	agent_stop(a);
	sl_agent_put(a);
}

void sl_agent_forget(struct sl_container *c)
{
	struct sl_agent *a;

	pthread_mutex_lock(&tab_lock);
	a = find_locked(c->str[SL_CTR_ID]);
	pthread_mutex_unlock(&tab_lock);
	if (a)
		unlink_and_stop(a);
}

void sl_agent_shutdown(void)
{
	for (;;) {
		struct sl_agent *a;

		pthread_mutex_lock(&tab_lock);
		a = tab;
		pthread_mutex_unlock(&tab_lock);
		if (!a)
			break;
		unlink_and_stop(a);
	}
	free(callback_base);
	callback_base = NULL;
}

/* A new entry for c, replacing any earlier one (an agent belongs to one
 * run), from c's resume record `r` after a daemon restart, fresh when r is
 * NULL.  Returned with a reference for the caller besides the table's. */
static struct sl_agent *agent_new(struct sl_container *c, const char *addr,
	const struct sl_agent_resume *r)
{
	struct sl_agent *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->refs = 2;
	a->c = sl_ctr_ref(c);
	snprintf(a->id, sizeof(a->id), "%s", c->str[SL_CTR_ID]);
	snprintf(a->addr, sizeof(a->addr), "%s", addr ? addr : "");
	a->reverse = !addr;
	a->fd = -1;
	a->resume_fd = -1;
	a->rec_exit = -1;
	a->next_ch = 1;
	a->state = SL_AGENT_STATE_WAITING;
	if (r) {
		a->log_off = a->store_off = r->off;
		a->log_failed = r->gap;
		a->agent_started = r->started;
		if (r->exit >= 0) {
			a->has_exit = a->exit_reported = 1;
			a->exit_code = a->rec_exit = r->exit;
		}
	}
	pthread_mutex_lock(&c->lock);
	a->exits0 = c->state.exits;
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->wlock, NULL);
	pthread_mutex_init(&a->ctl_lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	sl_agent_forget(c);
	/* After the old entry's reader is gone: it wrote the same record. */
	sl_agent_resume_open(a);
	pthread_mutex_lock(&tab_lock);
	a->next = tab;
	tab = a;
	pthread_mutex_unlock(&tab_lock);
	return a;
}

/* ---- the token ---- */

char *sl_agent_token(struct sl_container *c)
{
	const char *id = c->str[SL_CTR_ID];
	void *buf = NULL;
	size_t n = 0;
	char *tok;

	if (!sl_secrets_get(sl_daemon.data_root, id, SL_AGENT_TOKEN_SECRET,
			&buf, &n) && n > 0) {
		tok = malloc(n + 1);
		if (tok) {
			memcpy(tok, buf, n);
			tok[n] = 0;
		}
		explicit_bzero(buf, n);
		free(buf);
		return tok;
	}
	free(buf);
	tok = malloc(65);
	if (!tok)
		return NULL;
	if (sl_random_token(tok) || sl_secrets_set(sl_daemon.data_root, id, SL_AGENT_TOKEN_SECRET, tok,
			64)) {
		explicit_bzero(tok, 65);
		free(tok);
		return NULL;
	}
	return tok;
}

static int wait_cond(struct sl_agent *a, int timeout_ms);

/* ---- frames on the socket ---- */

/*
 * Lets go of a->wlock (held), first sending the control frames the reader
 * left for its holder.  `ok`: the stream is still in step; after a failed
 * write nothing more is sent.
 */
static void wlock_release(struct sl_agent *a, int fd, int ok)
{
	for (;;) {
		unsigned char p[SL_AGENT_PONG_MAX];
		size_t len = 0;
		int type = 0;

		pthread_mutex_lock(&a->ctl_lock);
		if (a->pong_due) {
			type = SL_AGENT_PONG;
			len = a->pong_len;
			memcpy(p, a->pong, len);
			a->pong_due = 0;
		} else if (a->ack_due) {
			type = SL_AGENT_ACK;
			a->ack_due = 0;
		}
		if (!type) {
			/* Under ctl_lock, so the reader either sees wlock
			 * taken and leaves its frame, or takes it itself. */
			pthread_mutex_unlock(&a->wlock);
			pthread_mutex_unlock(&a->ctl_lock);
			return;
		}
		pthread_mutex_unlock(&a->ctl_lock);
		if (ok && sl_agent_frame_write(fd, type, 0, p, len)) {
			shutdown(fd, SHUT_RDWR);
			ok = 0;
		}
	}
}

static int agent_write(struct sl_agent *a, int fd, int type, uint32_t ch,
	const void *buf, size_t len)
{
	int rc;

	pthread_mutex_lock(&a->wlock);
	rc = sl_agent_frame_write(fd, type, ch, buf, len);
	/* Part of a frame may have gone: the stream is out of step, so end
	 * it (the reader sees that and reconnects) rather than send on. */
	if (rc)
		shutdown(fd, SHUT_RDWR);
	wlock_release(a, fd, rc == 0);
	return rc;
}

/*
 * A control frame (PONG, ACK) from the reader thread.  The reader must
 * never wait for wlock: its holder may be blocked sending stdin to an
 * agent that is itself blocked sending output this reader has yet to
 * read (docker run -i of a large input), and the two would wait on each
 * other until a send timeout cut the connection.  So when wlock is
 * taken, the frame is left for its holder (wlock_release).
 */
static void reader_send(struct sl_agent *a, int fd, int type,
	const void *buf, size_t len)
{
	int rc;

	pthread_mutex_lock(&a->ctl_lock);
	if (pthread_mutex_trylock(&a->wlock)) {
		if (type == SL_AGENT_PONG) {
			a->pong_len = len < sizeof(a->pong) ? len : sizeof(a->pong);
			memcpy(a->pong, buf, a->pong_len);
			a->pong_due = 1;
		} else {
			a->ack_due = 1;
		}
		pthread_mutex_unlock(&a->ctl_lock);
		return;
	}
	pthread_mutex_unlock(&a->ctl_lock);
	rc = sl_agent_frame_write(fd, type, 0, buf, len);
	if (rc)
		shutdown(fd, SHUT_RDWR);
	wlock_release(a, fd, rc == 0);
}

static int agent_write_cur(struct sl_agent *a, int type, uint32_t ch,
	const void *buf, size_t len)
{
	int fd;

	pthread_mutex_lock(&a->lock);
	fd = a->fd;
	pthread_mutex_unlock(&a->lock);
	if (fd < 0) {
		errno = ENOTCONN;
		return -1;
	}
	return agent_write(a, fd, type, ch, buf, len);
}

/* ---- attaches holding the exit ---- */

/* Attaches of one container waiting for its agent or running over it,
 * and a resize that came before their session opened. */
struct hold {
	char id[65];
	int n;
	int h, w, has_size;
	struct hold *next;
};

static struct hold *holds;      /* under tab_lock */

static struct hold **hold_find_locked(const char *id)
{
	struct hold **p;

	for (p = &holds; *p; p = &(*p)->next)
		if (!strcmp((*p)->id, id))
			break;
	return p;
}

int sl_agent_expecting(struct sl_container *c)
{
	void *buf = NULL;
	size_t n = 0;
	int yes = !sl_secrets_get(sl_daemon.data_root, c->str[SL_CTR_ID],
		SL_AGENT_TOKEN_SECRET, &buf, &n) && n > 0;

	if (buf)
		explicit_bzero(buf, n);
	free(buf);
	return yes;
}

/*
 * Acknowledges the main process's exit once nothing holds the ACK back.
 * The agent exits soon after it, so two things hold it: an attach still
 * reading (sl_agent_hold lets go when the last one ends) and the output
 * session, whose EXIT comes after the rest of the output.  The agent
 * sends the exit on channel 0 as soon as the process ends; answered at
 * once, it could exit before its session sent that rest, and the local
 * copy would never be complete.  `owe`: the agent reported its exit now.
 * `fd` >= 0: called by the reader, which must not wait for wlock.
 */
static void exit_ack(struct sl_agent *a, int fd, int owe)
{
	int send;

	pthread_mutex_lock(&tab_lock);
	pthread_mutex_lock(&a->lock);
	if (owe)
		a->ack_owed = 1;
	send = a->ack_owed && !*hold_find_locked(a->id) &&
		!(a->log_live && !a->log_failed);
	if (send)
		a->ack_owed = 0;
	pthread_mutex_unlock(&a->lock);
	pthread_mutex_unlock(&tab_lock);
	if (!send)
		return;
	if (fd >= 0)
		reader_send(a, fd, SL_AGENT_ACK, NULL, 0);
	else
		(void)agent_write_cur(a, SL_AGENT_ACK, 0, NULL, 0);
}

void sl_agent_hold(struct sl_container *c, int delta)
{
	const char *id = c->str[SL_CTR_ID];
	struct sl_agent *a = NULL;
	struct hold **p, *h;

	pthread_mutex_lock(&tab_lock);
	p = hold_find_locked(id);
	h = *p;
	if (!h && delta > 0 && (h = calloc(1, sizeof(*h)))) {
		snprintf(h->id, sizeof(h->id), "%s", id);
		*p = h;
	}
	if (h)
		h->n += delta;
	if (h && h->n <= 0) {
		*p = h->next;
		free(h);
		if ((a = find_locked(id)))
			a->refs++;
	}
	pthread_mutex_unlock(&tab_lock);
	if (!a)
		return;
	exit_ack(a, -1, 0);
	sl_agent_put(a);
}

int sl_agent_hold_size(struct sl_container *c, int h, int w)
{
	struct hold *k;

	pthread_mutex_lock(&tab_lock);
	k = *hold_find_locked(c->str[SL_CTR_ID]);
	if (k) {
		k->h = h;
		k->w = w;
		k->has_size = 1;
	}
	pthread_mutex_unlock(&tab_lock);
	return k ? 0 : -1;
}

int sl_agent_hold_take_size(struct sl_container *c, int *h, int *w)
{
	struct hold *k;
	int have = 0;

	pthread_mutex_lock(&tab_lock);
	k = *hold_find_locked(c->str[SL_CTR_ID]);
	if (k && k->has_size) {
		*h = k->h;
		*w = k->w;
		k->has_size = 0;
		have = 1;
	}
	pthread_mutex_unlock(&tab_lock);
	return have;
}

/*
 * The hello on a fresh connection, before the reader runs: records the
 * exit when the agent already has one.  Returns an SL_* status.
 */
static int agent_hello(struct sl_agent *a, int fd, char *err, size_t errlen)
{
	struct sl_agent_fields f = {0};
	struct sl_agent_hdr h;
	unsigned char *buf = NULL;
	size_t cap = 0;
	const char *st, *ex, *started;
	int rc = SL_EUNAVAIL;
	uint32_t ch;

	struct timeval tv = {.tv_sec = 5};

	pthread_mutex_lock(&a->lock);
	ch = a->next_ch++;
	pthread_mutex_unlock(&a->lock);
	/* A peer that never answers must not hold the caller for ever. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sl_agent_fields_add(&f, "kind", "hello") ||
	    agent_write(a, fd, SL_AGENT_OPEN, ch, f.buf, f.len)) {
		snprintf(err, errlen, "agent hello: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		if (sl_agent_frame_read(fd, &h, &buf, &cap)) {
			snprintf(err, errlen, "agent hello: connection lost");
			goto out;
		}
		if (h.channel == ch)
			break;
	}
	if (h.type != SL_AGENT_REPLY ||
	    sl_agent_fields_valid((char *)buf, h.length)) {
		snprintf(err, errlen, "agent refused hello");
		rc = SL_EINTERNAL;
		goto out;
	}
	st = sl_agent_fields_get((char *)buf, h.length, "state");
	ex = sl_agent_fields_get((char *)buf, h.length, "exit");
	started = sl_agent_fields_get((char *)buf, h.length, "started");
	pthread_mutex_lock(&a->lock);
	a->hello_started = started ? strtoll(started, NULL, 10) : 0;
	if (st && !strcmp(st, "exited") && ex) {
		a->exit_code = atoi(ex);
		a->has_exit = 1;
	}
	pthread_mutex_unlock(&a->lock);
	tv.tv_sec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rc = SL_OK;
out:
	sl_agent_fields_free(&f);
	free(buf);
	return rc;
}

/* Opens the main output session from the offset kept so far (a resumed
 * copy after a reconnect).  Its frames are handled by the reader. */
static int log_open(struct sl_agent *a, int fd)
{
	struct sl_agent_fields f = {0};
	int rc, keep;

	pthread_mutex_lock(&tab_lock);
	keep = *hold_find_locked(a->id) != NULL;
	pthread_mutex_unlock(&tab_lock);
	pthread_mutex_lock(&a->lock);
	a->log_ch = a->next_ch++;
	a->log_live = 1;
	pthread_mutex_unlock(&a->lock);
	/* "stamps": a version 2 agent stamps the output where it reads it
	 * (a v1 agent ignores the field and sends plain output).  "keep":
	 * an attach waits for this agent (docker run), so the output keeps
	 * its first byte for that attach as well as for this session. */
	rc = sl_agent_fields_add(&f, "kind", "attach") ||
		sl_agent_fields_add(&f, "stdin", "0") ||
		sl_agent_fields_add(&f, "stamps", "1") ||
		(keep && sl_agent_fields_add(&f, "keep", "1")) ||
		sl_agent_fields_addf(&f, "from", "%llu",
			(unsigned long long)a->log_off) ||
		agent_write(a, fd, SL_AGENT_OPEN, a->log_ch, f.buf, f.len);
	sl_agent_fields_free(&f);
	return rc ? -1 : 0;
}

/* Gives the local log copy up; returns whether it already was. */
static int log_fail(struct sl_agent *a)
{
	int was;

	pthread_mutex_lock(&a->lock);
	was = a->log_failed;
	a->log_failed = 1;
	pthread_mutex_unlock(&a->lock);
	if (!was)
		sl_logstore_notify(a->id);
	return was;
}

static int log_failed(struct sl_agent *a)
{
	int f;

	pthread_mutex_lock(&a->lock);
	f = a->log_failed;
	pthread_mutex_unlock(&a->lock);
	return f;
}

/* Appends complete lines of stream i (0 stdout, 1 stderr), read at ts;
 * `flush` also stores an unterminated tail.  A line takes the stamp of
 * the bytes that end it, as dockerd's copier stamps a line when it reads
 * its newline. */
static void log_feed(struct sl_agent *a, int i, int64_t ts,
	const unsigned char *p, size_t n, int flush)
{
	struct sl_agent_line *l = &a->line[i];

	if (n)
		l->ts = ts;

	for (size_t k = 0; k < n; k++) {
		if (l->len == l->cap) {
			size_t nc = l->cap ? l->cap * 2 : 256;
			char *nb = nc <= LOG_LINE_MAX ? realloc(l->buf, nc) : NULL;

			if (!nb) {
				/* Too long (or no memory): store what we have,
				 * as a part of the line that goes on. */
				sl_agent_log_line(a, i + 1, l->ts, l->buf, l->len,
					SL_LINE_PARTIAL);
				l->len = 0;
				if (!l->cap)
					return;
			} else {
				l->buf = nb;
				l->cap = nc;
			}
		}
		l->buf[l->len++] = (char)p[k];
		if (p[k] == '\n') {
			sl_agent_log_line(a, i + 1, l->ts, l->buf, l->len, 0);
			l->len = 0;
		}
	}
	/* The output ended without a newline: kept so (docker logs adds
	 * none, as dockerd). */
	if (flush && l->len) {
		sl_agent_log_line(a, i + 1, l->ts, l->buf, l->len, SL_LINE_PARTIAL);
		l->len = 0;
	}
}

/* Stores the lines batched so far. */
static void log_flush(struct sl_agent *a)
{
	int rc;

	if (!a->logb.len)
		return;
	rc = sl_host_log_append_batch(a->c, &a->logb);
	if (rc && !log_fail(a))
		sl_debug("agent %.12s: local log copy stopped (%d)", a->id, rc);
}

/* Stores the batch and, where no partial line is held, saves the offset
 * (only then does the copy hold everything before it). */
static void log_flush_save(struct sl_agent *a)
{
	log_flush(a);
	if (!a->line[0].len && !a->line[1].len && !log_failed(a))
		sl_agent_resume_save(a);
}

void sl_agent_log_line(struct sl_agent *a, int fd, int64_t ts,
	const char *line, size_t len, unsigned flags)
{
	int rc = sl_logstore_batch_add(&a->logb, fd, ts, line, len, flags);

	if (rc && !log_fail(a))
		sl_debug("agent %.12s: local log copy stopped (%d)", a->id, rc);
	/* A frame of one-byte lines makes a batch 20 times its size. */
	if (a->logb.len >= LOG_BATCH_HARD)
		log_flush(a);
}

/*
 * The agent reported the main process's exit.  The code is kept as the
 * run's exact one; the state itself is still the backend's to report (it
 * sees the container end once the agent, acknowledged, exits): reporting
 * it here first would race the backend's own removal and restart logic.
 */
static void report_exit(struct sl_agent *a, int code)
{
	int first;

	pthread_mutex_lock(&a->lock);
	first = !a->exit_reported;
	a->exit_reported = 1;
	if (!a->has_exit) {
		a->exit_code = code;
		a->has_exit = 1;
	}
	code = a->exit_code;
	pthread_mutex_unlock(&a->lock);
	if (!first)
		return;
	sl_info("agent %.12s: main process exited with %d", a->id, code);
}

/* The reader's: keeps the exit code in the resume record. */
static void exit_saved(struct sl_agent *a)
{
	int code;

	pthread_mutex_lock(&a->lock);
	code = a->exit_code;
	pthread_mutex_unlock(&a->lock);
	if (a->rec_exit == code)
		return;
	a->rec_exit = code;
	sl_agent_resume_save(a);
}

/* Stores output (or, for EXIT, ends the copy: the partial lines and the
 * complete mark). */
static void log_store(struct sl_agent *a, int type, int64_t ts,
	const unsigned char *p, size_t n)
{
	if (log_failed(a))
		return;
	if (type != SL_AGENT_EXIT) {
		log_feed(a, type == SL_AGENT_STDERR, ts, p, n, 0);
		pthread_mutex_lock(&a->lock);
		a->store_off += n;
		pthread_mutex_unlock(&a->lock);
		return;
	}
	log_feed(a, 0, ts, NULL, 0, 1);
	log_feed(a, 1, ts, NULL, 0, 1);
	log_flush_save(a);
	if (!log_failed(a))
		sl_daemon.host->log_complete(a->c);
}

/*
 * Storing output costs a lock, a state check and an open per batch:
 * slower than a burst of output (10 MiB through cat).  Done on the
 * reader, it would hold every session of the connection back until the
 * agent's buffer overflows, so a thread of its own writes what the reader
 * queues, a batch at a time: what is queued when it looks, up to
 * LOG_BATCH bytes of records.
 */
static void *log_writer(void *arg)
{
	struct sl_agent *a = arg;

	for (;;) {
		struct sl_agent_frame *fr;
		int more;

		pthread_mutex_lock(&a->lock);
		while (!a->logq_head && !a->stopping)
			pthread_cond_wait(&a->cond, &a->lock);
		fr = a->stopping ? NULL : a->logq_head;
		if (fr) {
			a->logq_head = fr->next;
			if (!a->logq_head)
				a->logq_tail = NULL;
			a->logq_bytes -= fr->len;
		}
		more = a->logq_head != NULL;
		pthread_mutex_unlock(&a->lock);
		if (!fr)
			break;
		log_store(a, fr->type, fr->ts, fr->data, fr->len);
		free(fr);
		/* Written when the queue is drained or the batch is full, so a
		 * follower sees lines as soon as nothing more is waiting. */
		if (!more || a->logb.len >= LOG_BATCH)
			log_flush_save(a);
	}
	return NULL;
}

/* Hands output to the writer (or stores it here without one). */
static void log_out(struct sl_agent *a, int type, int64_t ts,
	const unsigned char *p, size_t n)
{
	struct sl_agent_frame *fr;
	int over;

	if (!a->logw_started) {
		log_store(a, type, ts, p, n);
		log_flush_save(a);
		return;
	}
	fr = malloc(sizeof(*fr) + n);
	pthread_mutex_lock(&a->lock);
	over = !fr || a->logq_bytes + n > LOGQ_MAX;
	if (!over && !a->log_failed) {
		fr->next = NULL;
		fr->type = type;
		fr->ts = ts;
		fr->len = n;
		if (n)
			memcpy(fr->data, p, n);
		if (a->logq_tail)
			a->logq_tail->next = fr;
		else
			a->logq_head = fr;
		a->logq_tail = fr;
		a->logq_bytes += n;
		fr = NULL;
		pthread_cond_broadcast(&a->cond);
	}
	pthread_mutex_unlock(&a->lock);
	free(fr);
	if (over && !log_fail(a))
		sl_warn("agent %.12s: output came faster than the local log copy "
			"could store it; docker logs asks the backend", a->id);
}

/*
 * The stamp a version 2 agent put on output when it read it.  One from
 * the future (the agent's clock ahead of ours) is clamped to its arrival:
 * a line never shows after `--until` it was written before, nor sorts
 * after lines stamped here later (agent/PROTOCOL.md, "Clock skew").
 */
static int64_t source_stamp(const unsigned char *p)
{
	return sl_agent_stamp_clamp(sl_agent_i64_get(p), now_ns());
}

/* A frame for the main output session. */
static void log_frame(struct sl_agent *a, int fd, const struct sl_agent_hdr *h,
	const unsigned char *buf)
{
	switch (h->type) {
	case SL_AGENT_REPLY: {
		const char *from = sl_agent_fields_get((const char *)buf,
			h->length, "from");
		unsigned long long f = from ? strtoull(from, NULL, 10) : 0;

		if (f > a->log_off) {
			sl_warn("agent %.12s: %llu bytes of output left the agent's "
				"buffer before they were copied", a->id,
				f - (unsigned long long)a->log_off);
			(void)log_fail(a);
			a->log_off = f;
			pthread_mutex_lock(&a->lock);
			a->store_off = f;
			pthread_mutex_unlock(&a->lock);
			sl_agent_resume_save(a);
		}
		break;
	}
	case SL_AGENT_STDOUT:
	case SL_AGENT_STDERR:
		/* A version 1 agent: stamped on arrival. */
		a->log_off += h->length;
		log_out(a, h->type, now_ns(), buf, h->length);
		break;
	case SL_AGENT_STDOUT_AT:
	case SL_AGENT_STDERR_AT:
		if (h->length < SL_AGENT_STAMP_SIZE)
			break;
		a->log_off += h->length - SL_AGENT_STAMP_SIZE;
		log_out(a, h->type == SL_AGENT_STDOUT_AT ? SL_AGENT_STDOUT :
			SL_AGENT_STDERR, source_stamp(buf),
			buf + SL_AGENT_STAMP_SIZE, h->length - SL_AGENT_STAMP_SIZE);
		break;
	case SL_AGENT_EXIT:
		/* The copy is complete once what came before is stored. */
		log_out(a, SL_AGENT_EXIT, now_ns(), NULL, 0);
		pthread_mutex_lock(&a->lock);
		a->log_live = 0;
		a->log_done = 1;
		pthread_mutex_unlock(&a->lock);
		if (h->length == 4) {
			report_exit(a, (int)sl_agent_u32_get(buf));
			exit_saved(a);
		}
		exit_ack(a, fd, 1);
		break;
	case SL_AGENT_ERROR:
		sl_warn("agent %.12s: output session ended: %s", a->id,
			sl_agent_fields_get((const char *)buf, h->length,
				"message") ?: "?");
		pthread_mutex_lock(&a->lock);
		a->log_live = 0;
		pthread_mutex_unlock(&a->lock);
		(void)log_fail(a);
		sl_agent_resume_save(a);
		exit_ack(a, fd, 0);	/* it no longer holds the ACK */
		break;
	default:
		break;
	}
}

static struct sl_agent_sess *sess_find_locked(struct sl_agent *a, uint32_t ch)
{
	for (struct sl_agent_sess *s = a->sessions; s; s = s->next)
		if (s->ch == ch)
			return s;
	return NULL;
}

/* Queues a frame for its session; waits while the session's queue is
 * full.  Frames for channels not open are dropped (PROTOCOL §2). */
static void sess_frame(struct sl_agent *a, const struct sl_agent_hdr *h,
	const unsigned char *buf)
{
	struct sl_agent_sess *s;
	struct sl_agent_frame *fr;
	int64_t deadline = 0;
	char overrun[80] = "";

	pthread_mutex_lock(&a->lock);
	for (;;) {
		s = sess_find_locked(a, h->channel);
		if (!s || s->ended || a->stopping)
			goto out;
		if (s->queued < SESS_QUEUE_MAX || h->type == SL_AGENT_EXIT ||
		    h->type == SL_AGENT_ERROR)
			break;
		if (!deadline)
			deadline = now_ns() + SESS_STALL_MS * 1000000LL;
		if (now_ns() >= deadline) {
			/* Its frames from now on are dropped (s->ended). */
			s->ended = s->overrun = 1;
			snprintf(overrun, sizeof(overrun), "%s", s->tag);
			goto out;
		}
		wait_cond(a, 200);
	}
	if (!s->replied) {
		free(s->reply);
		s->reply = malloc(h->length + 1);
		if (s->reply) {
			memcpy(s->reply, buf, h->length);
			s->reply[h->length] = 0;
		}
		s->reply_len = h->length;
		s->reply_type = h->type;
		s->replied = 1;
		if (h->type != SL_AGENT_REPLY)
			s->ended = 1;
		goto out;
	}
	fr = malloc(sizeof(*fr) + h->length + 1);
	if (!fr)
		goto out;
	fr->next = NULL;
	fr->type = h->type;
	fr->len = h->length;
	memcpy(fr->data, buf, h->length);
	fr->data[h->length] = 0;
	if (s->tail)
		s->tail->next = fr;
	else
		s->head = fr;
	s->tail = fr;
	s->queued += h->length;
	if (h->type == SL_AGENT_EXIT || h->type == SL_AGENT_ERROR)
		s->ended = 1;
out:
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	if (*overrun)
		sl_info("agent %.12s: %s: the client read nothing for %d s; "
			"its stream ends so the connection's other sessions go on",
			a->id, overrun, SESS_STALL_MS / 1000);
}

/* The connection is gone: every session ends. */
static void conn_lost(struct sl_agent *a)
{
	pthread_mutex_lock(&a->lock);
	for (struct sl_agent_sess *s = a->sessions; s; s = s->next)
		if (!s->ended) {
			s->ended = s->lost = 1;
			if (!s->replied)
				s->replied = 1;
		}
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	a->log_live = 0;
	if (!a->has_exit)
		a->state = SL_AGENT_STATE_WAITING;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

/* Forward mode: dials again with backoff for a while; returns the new
 * fd after its hello, or -1 (stopping, or gave up). */
static int redial(struct sl_agent *a)
{
	int64_t deadline = now_ns() + 60LL * 1000000000;
	int delay_ms = 250;
	char err[256];

	while (now_ns() < deadline) {
		struct timespec ts;
		int fd, stop;

		pthread_mutex_lock(&a->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)delay_ms * 1000000;
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		if (!a->stopping)
			pthread_cond_timedwait(&a->cond, &a->lock, &ts);
		stop = a->stopping;
		pthread_mutex_unlock(&a->lock);
		if (stop)
			return -1;
		fd = sl_agent_dial(a, NULL, err, sizeof(err));
		if (fd >= 0) {
			if (agent_hello(a, fd, err, sizeof(err)) == SL_OK)
				return fd;
			close(fd);
		}
		sl_debug("agent %.12s: redial: %s", a->id, err);
		delay_ms = delay_ms * 2 > 5000 ? 5000 : delay_ms * 2;
	}
	return -1;
}

/* Marks a greeted connection live and opens the output session. */
static void conn_up(struct sl_agent *a, int fd)
{
	int exited, other = 0;

	pthread_mutex_lock(&a->lock);
	if (a->hello_started) {
		/* A resume offset belongs to the agent that produced it. */
		other = a->agent_started && a->agent_started != a->hello_started;
		a->agent_started = a->hello_started;
	}
	/* Before the fd is published: until then the reader is not reading
	 * (it waits for this connection, or is the caller), so the output
	 * fields and the record are ours. */
	if (other) {
		sl_info("agent %.12s: another agent answered (its replica "
			"started again): its output is copied from the start", a->id);
		a->log_off = a->store_off = 0;
		a->log_failed = a->log_done = 0;
		a->line[0].len = a->line[1].len = 0;
	}
	sl_agent_resume_save(a);
	a->fd = fd;
	a->state = SL_AGENT_STATE_LIVE;
	a->contacted = 1;
	exited = a->has_exit;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	if (exited) {
		/* It exited while we were away: the code is exact, the rest of
		 * its output is in the agent's buffer (the session gets it). */
		report_exit(a, 0);
	}
	if (log_open(a, fd))
		sl_debug("agent %.12s: cannot open the output session", a->id);
}

static void *reader(void *arg)
{
	struct sl_agent *a = arg;
	struct sl_agent_hdr h;
	unsigned char *buf = NULL;
	size_t cap = 0;

	for (;;) {
		int fd, stop;

		pthread_mutex_lock(&a->lock);
		/* Reverse: wait for the agent to call back (sl_agent_adopt). */
		while (a->reverse && a->fd < 0 && !a->stopping)
			pthread_cond_wait(&a->cond, &a->lock);
		fd = a->fd;
		stop = a->stopping;
		pthread_mutex_unlock(&a->lock);
		if (stop)
			break;
		if (fd < 0) {
			fd = redial(a);
			if (fd < 0)
				break;
			sl_info("agent %.12s: reconnected", a->id);
			conn_up(a, fd);
		}
		if (sl_agent_frame_read(fd, &h, &buf, &cap)) {
			pthread_mutex_lock(&a->lock);
			stop = a->stopping || (a->has_exit && a->exit_reported &&
				!a->log_live);
			pthread_mutex_unlock(&a->lock);
			if (!stop)
				sl_info("agent %.12s: connection lost", a->id);
			conn_lost(a);
			if (stop)
				break;
			continue;
		}
		if (h.channel == 0) {
			if (h.type == SL_AGENT_PING)
				reader_send(a, fd, SL_AGENT_PONG, buf,
					h.length < SL_AGENT_PONG_MAX ?
					h.length : SL_AGENT_PONG_MAX);
			else if (h.type == SL_AGENT_EXIT && h.length == 4) {
				report_exit(a, (int)sl_agent_u32_get(buf));
				exit_saved(a);
				exit_ack(a, fd, 1);
			}
			continue;
		}
		if (h.channel == a->log_ch) {
			log_frame(a, fd, &h, buf);
			continue;
		}
		sess_frame(a, &h, buf);
	}
	free(buf);
	pthread_mutex_lock(&a->lock);
	a->copying = 0;
	if (!a->has_exit && a->state != SL_AGENT_STATE_EXITED)
		a->state = SL_AGENT_STATE_NONE;
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	sl_agent_put(a);
	return NULL;
}

/* The reader holds its own reference, dropped when it ends. */
static int start_reader(struct sl_agent *a)
{
	pthread_mutex_lock(&tab_lock);
	a->refs++;
	pthread_mutex_unlock(&tab_lock);
	/* Without the writer the reader stores the output itself. */
	a->logw_started = pthread_create(&a->logw, NULL, log_writer, a) == 0;
	pthread_mutex_lock(&a->lock);
	a->copying = 1;
	pthread_mutex_unlock(&a->lock);
	if (pthread_create(&a->reader, NULL, reader, a)) {
		pthread_mutex_lock(&a->lock);
		a->copying = 0;
		pthread_mutex_unlock(&a->lock);
		sl_agent_put(a);
		return -1;
	}
	a->reader_started = 1;
	return 0;
}

/* ---- forward and reverse ---- */

int sl_agent_connect(struct sl_call *call, struct sl_container *c,
	const char *addr)
{
	struct sl_agent *a;
	char err[512];
	int fd, rc;

	if (!addr || !*addr || strlen(addr) >= 256 || strpbrk(addr, " \t\n"))
		return sl_call_set_error(call, SL_EINVAL,
			"agent address missing, too long or not host:port");
	a = agent_new(c, addr, NULL);
	if (!a)
		return sl_call_set_error(call, SL_ENOMEM, "out of memory");
	fd = sl_agent_dial(a, &rc, err, sizeof(err));
	if (fd < 0) {
		rc = sl_call_set_error(call, rc, "%s", err);
		goto fail;
	}
	rc = agent_hello(a, fd, err, sizeof(err));
	if (rc) {
		close(fd);
		rc = sl_call_set_error(call, rc, "%s", err);
		goto fail;
	}
	conn_up(a, fd);
	if (start_reader(a)) {
		rc = sl_call_set_error(call, SL_EINTERNAL, "cannot start the "
			"agent reader");
		goto fail;
	}
	sl_info("agent %.12s: connected to %s", a->id, addr);
	sl_agent_put(a);
	return SL_OK;
fail:
	sl_info("agent %.12s: %s", a->id, sl_call_message(call, rc));
	sl_agent_resume_drop(a);
	sl_agent_put(a);
	unlink_and_stop(a);
	return rc;
}

char *sl_agent_callback_url(struct sl_container *c)
{
	struct sl_agent *a;
	char *url;
	size_t n;

	if (!callback_base)
		return NULL;
	/* The agent appends /v1/agent/<id> itself (PROTOCOL §1). */
	n = strlen(callback_base) + 1;
	url = malloc(n);
	if (!url)
		return NULL;
	memcpy(url, callback_base, n);
	a = agent_new(c, NULL, NULL);
	if (!a || start_reader(a)) {
		if (a) {
			sl_agent_resume_drop(a);
			sl_agent_put(a);
			unlink_and_stop(a);
		}
		free(url);
		return NULL;
	}
	sl_agent_put(a);
	return url;
}

int sl_agent_has_callback(void)
{
	return callback_base != NULL;
}

void sl_agent_resume_start(struct sl_container *c,
	const struct sl_agent_resume *r)
{
	struct sl_agent *a = agent_new(c, r->reverse ? NULL : r->addr, r);

	if (!a)
		return;
	if (r->exit >= 0) {
		/* Nothing to reach: the agent is gone or going; its code
		 * waits for the backend's report of the end. */
		sl_info("agent %.12s: exited with %d before the restart", a->id,
			r->exit);
		sl_agent_put(a);
		return;
	}
	if (start_reader(a)) {
		sl_agent_put(a);
		unlink_and_stop(a);
		return;
	}
	/* A forward reader dials at once (redial); a reverse one waits for
	 * the agent, which redials on its own. */
	if (r->reverse)
		sl_info("agent %.12s: awaiting the agent's call back, output "
			"from byte %llu", a->id, (unsigned long long)r->off);
	else
		sl_info("agent %.12s: dialling %s again, output from byte %llu",
			a->id, a->addr, (unsigned long long)r->off);
	sl_agent_put(a);
}

int sl_agent_expected(const char *id)
{
	struct sl_agent *a;
	int yes;

	pthread_mutex_lock(&tab_lock);
	a = find_locked(id);
	yes = a && a->reverse;
	pthread_mutex_unlock(&tab_lock);
	return yes;
}

void sl_agent_adopt(struct sl_container *c, int fd)
{
	struct sl_agent *a;
	char err[256];

	pthread_mutex_lock(&tab_lock);
	a = find_locked(c->str[SL_CTR_ID]);
	if (a)
		a->refs++;
	pthread_mutex_unlock(&tab_lock);
	if (!a || !a->reverse) {
		close(fd);
		goto out;
	}
	if (agent_hello(a, fd, err, sizeof(err))) {
		sl_info("agent %.12s: callback: %s", a->id, err);
		close(fd);
		goto out;
	}
	pthread_mutex_lock(&a->lock);
	/* A newer connection replaces the old one: the reader sees the old
	 * socket end and then picks up the new one. */
	if (a->fd >= 0)
		shutdown(a->fd, SHUT_RDWR);
	while (a->fd >= 0 && !a->stopping)
		pthread_cond_wait(&a->cond, &a->lock);
	pthread_mutex_unlock(&a->lock);
	sl_info("agent %.12s: called back", a->id);
	conn_up(a, fd);
out:
	sl_agent_put(a);
}

/* ---- sessions ---- */

int sl_agent_error_status(const char *code)
{
	if (!code)
		return SL_EINTERNAL;
	if (!strcmp(code, "notfound"))
		return SL_ENOTFOUND;
	if (!strcmp(code, "invalid"))
		return SL_EINVAL;
	if (!strcmp(code, "conflict"))
		return SL_ECONFLICT;
	if (!strcmp(code, "permission"))
		return SL_EPERM;
	if (!strcmp(code, "unsupported"))
		return SL_ENOTSUP;
	return SL_EINTERNAL;
}

static void sess_unlink(struct sl_agent_sess *s)
{
	struct sl_agent *a = s->a;

	pthread_mutex_lock(&a->lock);
	for (struct sl_agent_sess **p = &a->sessions; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

static void sess_free(struct sl_agent_sess *s)
{
	struct sl_agent_frame *fr = s->head, *n;

	for (; fr; fr = n) {
		n = fr->next;
		free(fr);
	}
	free(s->reply);
	sl_agent_put(s->a);
	free(s);
}

static int wait_cond(struct sl_agent *a, int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)timeout_ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return pthread_cond_timedwait(&a->cond, &a->lock, &ts);
}

struct sl_agent_sess *sl_agent_open(struct sl_agent *a,
	const struct sl_agent_fields *f, const char *tag, struct sl_call *call,
	int *status, char *err, size_t errlen)
{
	struct sl_agent_sess *s = calloc(1, sizeof(*s));
	int fd;

	if (!s) {
		*status = SL_ENOMEM;
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_lock(&tab_lock);
	a->refs++;
	pthread_mutex_unlock(&tab_lock);
	s->a = a;
	snprintf(s->tag, sizeof(s->tag), "%s", tag ? tag : "");
	pthread_mutex_lock(&a->lock);
	fd = a->fd;
	do
		s->ch = a->next_ch++;
	while (!s->ch || s->ch == a->log_ch || sess_find_locked(a, s->ch));
	s->next = a->sessions;
	a->sessions = s;
	pthread_mutex_unlock(&a->lock);
	if (fd < 0 || agent_write(a, fd, SL_AGENT_OPEN, s->ch, f->buf, f->len)) {
		*status = SL_EUNAVAIL;
		snprintf(err, errlen, "the container's agent is not connected");
		goto fail;
	}
	pthread_mutex_lock(&a->lock);
	while (!s->replied) {
		if (call && sl_call_is_cancelled(call))
			break;
		wait_cond(a, 200);
	}
	pthread_mutex_unlock(&a->lock);
	if (!s->replied) {
		*status = SL_ECANCELED;
		snprintf(err, errlen, "cancelled");
		(void)agent_write_cur(a, SL_AGENT_CLOSE, s->ch, NULL, 0);
		goto fail;
	}
	if (s->lost) {
		*status = SL_EUNAVAIL;
		snprintf(err, errlen, "connection to the container's agent lost");
		goto fail;
	}
	if (s->reply_type != SL_AGENT_REPLY) {
		const char *m = s->reply ? sl_agent_fields_get((char *)s->reply,
			s->reply_len, "message") : NULL;

		*status = sl_agent_error_status(s->reply ? sl_agent_fields_get(
			(char *)s->reply, s->reply_len, "code") : NULL);
		snprintf(err, errlen, "%s", m ? m : "the agent refused the request");
		goto fail;
	}
	*status = SL_OK;
	return s;
fail:
	sess_unlink(s);
	sess_free(s);
	return NULL;
}

const char *sl_agent_reply(struct sl_agent_sess *s, const char *key)
{
	return s->reply ? sl_agent_fields_get((char *)s->reply, s->reply_len,
		key) : NULL;
}

const char *sl_agent_reply_fields(struct sl_agent_sess *s, size_t *len)
{
	*len = s->reply_len;
	return (const char *)s->reply;
}

int sl_agent_send(struct sl_agent_sess *s, int type, const void *buf,
	size_t len)
{
	return agent_write_cur(s->a, type, s->ch, buf, len);
}

int sl_agent_next(struct sl_agent_sess *s, int timeout_ms, int *type,
	unsigned char **buf, size_t *len, char *err, size_t errlen)
{
	struct sl_agent *a = s->a;
	struct sl_agent_frame *fr;

	pthread_mutex_lock(&a->lock);
	if (!s->head && !s->ended)
		wait_cond(a, timeout_ms);
	fr = s->head;
	if (fr) {
		s->head = fr->next;
		if (!s->head)
			s->tail = NULL;
		s->queued -= fr->len;
		pthread_cond_broadcast(&a->cond);
	}
	if (!fr && s->ended) {
		int overrun = s->overrun;

		pthread_mutex_unlock(&a->lock);
		if (overrun)
			snprintf(err, errlen, "the client read nothing for %d s: "
				"its stream was ended", SESS_STALL_MS / 1000);
		else
			snprintf(err, errlen, "connection to the container's agent lost");
		return -1;
	}
	pthread_mutex_unlock(&a->lock);
	if (!fr)
		return 0;
	*type = fr->type;
	*len = fr->len;
	/* Hand out the payload in its own block: move it to the front. */
	memmove(fr, fr->data, fr->len + 1);
	*buf = (unsigned char *)fr;
	return 1;
}

void sl_agent_close(struct sl_agent_sess *s)
{
	int ended;

	if (!s)
		return;
	pthread_mutex_lock(&s->a->lock);
	ended = s->ended;
	pthread_mutex_unlock(&s->a->lock);
	if (!ended)
		(void)agent_write_cur(s->a, SL_AGENT_CLOSE, s->ch, NULL, 0);
	sess_unlink(s);
	sess_free(s);
}

int sl_agent_send_tagged(struct sl_container *c, const char *tag, int type,
	const void *buf, size_t len)
{
	struct sl_agent *a = sl_agent_get(c);
	uint32_t ch = 0;
	int rc = -1;

	if (!a)
		return -1;
	pthread_mutex_lock(&a->lock);
	for (struct sl_agent_sess *s = a->sessions; s; s = s->next)
		if (!s->ended && !strcmp(s->tag, tag)) {
			ch = s->ch;
			break;
		}
	pthread_mutex_unlock(&a->lock);
	if (ch)
		rc = agent_write_cur(a, type, ch, buf, len);
	sl_agent_put(a);
	return rc;
}
