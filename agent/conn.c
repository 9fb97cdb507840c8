/*
 * agent/conn.c - one upgraded connection: the reader loop that routes
 * frames to sessions, the write lock that keeps frames whole, and the
 * list of live connections the exit is announced on.
 */
#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_mutex_t conns_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ag_conn *conns;

static void
conn_put(struct ag_conn *c)
{
	int last;

	pthread_mutex_lock(&c->mu);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->mu);
	if (!last)
		return;
	close(c->fd);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->wmu);
	free(c);
}

static void
conn_kill(struct ag_conn *c)
{
	pthread_mutex_lock(&c->mu);
	if (!c->dead) {
		c->dead = 1;
		shutdown(c->fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&c->mu);
}

int
ag_conn_send(struct ag_conn *c, int type, uint32_t ch, const void *p,
    size_t len)
{
	int rc;

	pthread_mutex_lock(&c->wmu);
	rc = sl_agent_frame_write(c->fd, type, ch, p, len);
	pthread_mutex_unlock(&c->wmu);
	if (rc < 0)
		conn_kill(c);
	return rc;
}

/* Takes a reference on every live connection, so sends happen without
 * holding the list lock (a send may block on a slow peer). */
static size_t
conns_snapshot(struct ag_conn ***out)
{
	struct ag_conn **v = NULL;
	size_t n = 0;

	pthread_mutex_lock(&conns_mu);
	for (struct ag_conn *c = conns; c; c = c->next)
		n++;
	if (n > 0 && (v = calloc(n, sizeof(*v))) != NULL) {
		n = 0;
		for (struct ag_conn *c = conns; c; c = c->next) {
			pthread_mutex_lock(&c->mu);
			c->refs++;
			pthread_mutex_unlock(&c->mu);
			v[n++] = c;
		}
	} else {
		n = 0;
	}
	pthread_mutex_unlock(&conns_mu);
	*out = v;
	return n;
}

void
ag_conn_broadcast(int type, const void *p, size_t len)
{
	struct ag_conn **v;
	size_t n = conns_snapshot(&v);

	for (size_t i = 0; i < n; i++) {
		(void)ag_conn_send(v[i], type, 0, p, len);
		conn_put(v[i]);
	}
	free(v);
}

void
ag_conn_ping_all(int max_missed)
{
	struct ag_conn **v;
	size_t n = conns_snapshot(&v);

	for (size_t i = 0; i < n; i++) {
		int missed;

		pthread_mutex_lock(&v[i]->mu);
		missed = v[i]->pings_out++;
		pthread_mutex_unlock(&v[i]->mu);
		if (missed >= max_missed)
			conn_kill(v[i]);
		else
			(void)ag_conn_send(v[i], SL_AGENT_PING, 0, "ka", 2);
		conn_put(v[i]);
	}
	free(v);
}

int
ag_conn_count(void)
{
	int n = 0;

	pthread_mutex_lock(&conns_mu);
	for (struct ag_conn *c = conns; c; c = c->next)
		n++;
	pthread_mutex_unlock(&conns_mu);
	return n;
}

/* ---- sessions ---- */

static struct ag_session *
sess_find(struct ag_conn *c, uint32_t ch)
{
	struct ag_session *s;

	pthread_mutex_lock(&c->mu);
	for (s = c->sessions; s; s = s->next)
		if (s->ch == ch)
			break;
	if (s != NULL)
		s->refs++;
	pthread_mutex_unlock(&c->mu);
	return s;
}

void
ag_sess_put(struct ag_session *s)
{
	struct ag_conn *c = s->c;
	int last;

	pthread_mutex_lock(&c->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&c->mu);
	if (!last)
		return;
	if (s->main_stdin) {
		pthread_mutex_lock(&ag_main.mu);
		ag_main.stdin_taken = 0;
		pthread_mutex_unlock(&ag_main.mu);
	}
	if (s->free_priv != NULL)
		s->free_priv(s->priv);
	free(s->open);
	free(s);
	conn_put(c);
}

/* Takes S out of its connection's table (the channel is free again) and
 * stops its output; drops the table's reference.  EOF_IN: the session's
 * own stdin is closed too (exec, archive-put), as when a client leaves. */
static void
sess_end(struct ag_session *s, int eof_in)
{
	struct ag_conn *c = s->c;
	int was_open = 0;

	pthread_mutex_lock(&c->mu);
	for (struct ag_session **pp = &c->sessions; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			was_open = 1;
			break;
		}
	s->closed = 1;
	pthread_mutex_unlock(&c->mu);
	if (!was_open)
		return;
	if (eof_in && s->in != NULL && s->in != &ag_main.in)
		ag_stdin_eof(s->in);
	/* Wake attach threads waiting for output. */
	pthread_mutex_lock(&ag_main.mu);
	pthread_cond_broadcast(&ag_main.cv);
	pthread_mutex_unlock(&ag_main.mu);
	ag_sess_put(s);
}

void
ag_sess_done(struct ag_session *s)
{
	sess_end(s, 0);
}

int
ag_sess_closed(struct ag_session *s)
{
	int closed;

	pthread_mutex_lock(&s->c->mu);
	closed = s->closed || s->c->dead;
	pthread_mutex_unlock(&s->c->mu);
	return closed;
}

int
ag_sess_send(struct ag_session *s, int type, const void *p, size_t len)
{
	int rc = 0;

	if (!ag_sess_closed(s))
		rc = ag_conn_send(s->c, type, s->ch, p, len);
	if (type == SL_AGENT_EXIT || type == SL_AGENT_ERROR)
		sess_end(s, 0);
	return rc;
}

int
ag_sess_fields(struct ag_session *s, int type, const struct sl_agent_fields *f)
{
	return ag_sess_send(s, type, f->buf, f->len);
}

int
ag_sess_error(struct ag_session *s, const char *code, const char *fmt, ...)
{
	struct sl_agent_fields f = { 0 };
	char msg[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	msg[strcspn(msg, "\r\n")] = '\0';
	if (sl_agent_fields_add(&f, "code", code) < 0 ||
	    sl_agent_fields_add(&f, "message", msg) < 0) {
		sl_agent_fields_free(&f);
		sess_end(s, 0);
		return -1;
	}
	rc = ag_sess_fields(s, SL_AGENT_ERROR, &f);
	sl_agent_fields_free(&f);
	return rc;
}

int
ag_sess_exit(struct ag_session *s, int code)
{
	unsigned char b[4];

	sl_agent_u32_put(b, (uint32_t)code);
	return ag_sess_send(s, SL_AGENT_EXIT, b, sizeof(b));
}

const char *
ag_sess_get(struct ag_session *s, const char *key)
{
	return sl_agent_fields_get(s->open, s->openlen, key);
}

static void *
thread_main(void *arg)
{
	void **a = arg;
	void *(*fn)(void *) = (void *(*)(void *))a[0];
	struct ag_session *s = a[1];

	free(a);
	fn(s);
	ag_sess_put(s);
	return NULL;
}

int
ag_sess_thread(struct ag_session *s, void *(*fn)(void *))
{
	void **a = malloc(2 * sizeof(*a));
	pthread_attr_t at;
	pthread_t t;
	int rc;

	if (a == NULL)
		return -1;
	a[0] = (void *)fn;
	a[1] = s;
	pthread_mutex_lock(&s->c->mu);
	s->refs++;
	pthread_mutex_unlock(&s->c->mu);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &at, thread_main, a);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		free(a);
		ag_sess_put(s);
		return -1;
	}
	return 0;
}

static void
on_open(struct ag_conn *c, uint32_t ch, const unsigned char *p, size_t len)
{
	struct ag_session *s, *old;

	if ((old = sess_find(c, ch)) != NULL) {
		static const char busy[] = "code\0conflict\0message\0"
		    "channel in use\0";

		ag_sess_put(old);
		(void)ag_conn_send(c, SL_AGENT_ERROR, ch, busy,
		    sizeof(busy) - 1);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->open = malloc(len + 1)) == NULL) {
		free(s);
		conn_kill(c);
		return;
	}
	memcpy(s->open, p, len);
	s->open[len] = '\0';
	s->openlen = len;
	s->c = c;
	s->ch = ch;
	s->refs = 1;
	pthread_mutex_lock(&c->mu);
	c->refs++;
	s->next = c->sessions;
	c->sessions = s;
	pthread_mutex_unlock(&c->mu);
	if (sl_agent_fields_valid(s->open, len) < 0 || ag_sess_get(s, "kind") == NULL)
		ag_sess_error(s, "invalid", "malformed OPEN: no kind");
	else
		ag_session_start(s);
}

static void
on_frame(struct ag_conn *c, const struct sl_agent_hdr *h,
    const unsigned char *p)
{
	struct ag_session *s;

	/* Any frame shows the daemon is there: a PONG may wait behind a
	 * long run of stdin frames. */
	pthread_mutex_lock(&c->mu);
	c->pings_out = 0;
	pthread_mutex_unlock(&c->mu);
	if (h->channel == 0) {
		switch (h->type) {
		case SL_AGENT_PING:
			(void)ag_conn_send(c, SL_AGENT_PONG, 0, p,
			    h->length > 64 ? 64 : h->length);
			break;
		case SL_AGENT_ACK:
			pthread_mutex_lock(&ag_main.mu);
			ag_main.acked = 1;
			pthread_cond_broadcast(&ag_main.cv);
			pthread_mutex_unlock(&ag_main.mu);
			break;
		default:
			break;
		}
		return;
	}
	if (h->type == SL_AGENT_OPEN) {
		on_open(c, h->channel, p, h->length);
		return;
	}
	if ((s = sess_find(c, h->channel)) == NULL)
		return;
	switch (h->type) {
	case SL_AGENT_STDIN:
		if (s->in != NULL && s->can_write)
			(void)ag_stdin_write(s->in, p, h->length);
		break;
	case SL_AGENT_EOF:
		if (s->in != NULL && s->can_write)
			ag_stdin_eof(s->in);
		break;
	case SL_AGENT_RESIZE:
		if (s->in != NULL && s->in->tty && h->length == 4) {
			pthread_mutex_lock(&s->in->mu);
			ag_pty_resize(s->in->fd, (unsigned)p[0] << 8 | p[1],
			    (unsigned)p[2] << 8 | p[3]);
			pthread_mutex_unlock(&s->in->mu);
		}
		break;
	case SL_AGENT_SIGNAL:
		if (s->pgid > 0 && h->length == 4)
			(void)kill(-s->pgid, (int)sl_agent_u32_get(p));
		break;
	case SL_AGENT_CLOSE:
		sess_end(s, 1);
		break;
	default:
		break;
	}
	ag_sess_put(s);
}

void
ag_conn_serve(int fd)
{
	struct ag_conn *c = calloc(1, sizeof(*c));
	unsigned char *buf = NULL;
	size_t cap = 0;
	struct sl_agent_hdr h;
	struct timeval tv = { .tv_sec = 60 };

	if (c == NULL) {
		close(fd);
		return;
	}
	/* A peer that stops reading for a minute is gone: its sessions
	 * end instead of holding the write lock forever. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->fd = fd;
	c->refs = 1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->wmu, NULL);
	pthread_mutex_lock(&conns_mu);
	c->next = conns;
	conns = c;
	pthread_mutex_unlock(&conns_mu);

	pthread_mutex_lock(&ag_main.mu);
	int exited = ag_main.exited, code = ag_main.code;
	pthread_mutex_unlock(&ag_main.mu);
	if (exited) {
		unsigned char b[4];

		sl_agent_u32_put(b, (uint32_t)code);
		(void)ag_conn_send(c, SL_AGENT_EXIT, 0, b, 4);
	}
	while (sl_agent_frame_read(fd, &h, &buf, &cap) == 0)
		on_frame(c, &h, buf);
	ag_log("connection closed: %s", errno ? strerror(errno) : "end");
	free(buf);
	conn_kill(c);

	pthread_mutex_lock(&conns_mu);
	for (struct ag_conn **pp = &conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	pthread_mutex_unlock(&conns_mu);
	for (;;) {
		struct ag_session *s;

		pthread_mutex_lock(&c->mu);
		s = c->sessions;
		if (s != NULL)
			s->refs++;
		pthread_mutex_unlock(&c->mu);
		if (s == NULL)
			break;
		sess_end(s, 1);
		ag_sess_put(s);
	}
	conn_put(c);
}
