/*
 * agent_listen.c - the callback listener (--agent-listen): reverse-mode
 * agents dial it, present their container's token and are handed to the
 * agent client (PROTOCOL §1).
 *
 * Not served through libmicrohttpd: the only request it takes is one
 * upgrade, after which the socket belongs to the agent's reader, so a
 * small head parser with a deadline is all it needs.  Each connection
 * is served by its own short-lived thread, so a peer that stalls its TLS
 * handshake or its head (each bounded by HEAD_TIMEOUT_S) delays no other
 * agent; at most MAX_PENDING are in that state at once.
 *
 * With TLS (agent_tls.c) the accepted socket is swapped for the plain end
 * of a relay before the head is read: everything below it is unchanged.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/agent_int.h"
#include "core/agent_listen.h"
#include "core/agent_tls.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/listen.h"
#include "core/log.h"
#include "core/secrets.h"

#define HEAD_MAX 8192
#define HEAD_TIMEOUT_S 5
#define MAX_PENDING 64

static struct sl_listener lst = {.fd = -1};
static int stop_pipe[2] = {-1, -1};
static pthread_t thread;
static int running;
/* Connections being served (handshake, head, hello), under pend_lock. */
static pthread_mutex_t pend_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pend_cond = PTHREAD_COND_INITIALIZER;
static int pending;
static pthread_mutex_t adopt_lock = PTHREAD_MUTEX_INITIALIZER;

static void answer(int fd, const char *status, const char *extra)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "HTTP/1.1 %s\r\n%sContent-Length: 0"
		"\r\nConnection: close\r\n\r\n", status, extra ? extra : "");

	(void)send(fd, buf, (size_t)n, MSG_NOSIGNAL);
}

static void set_timeout(int fd, int seconds)
{
	struct timeval tv = {.tv_sec = seconds};

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Reads the request head byte by byte: frames may follow it. */
static int read_head(int fd, char *head, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(fd, head + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		/* A TLS ClientHello: an https:// agent on a plain listener.
		 * Refused at once instead of after the head's deadline. */
		if (n == 0 && head[0] == 22) {
			sl_info("agent callback refused: TLS on the plain http listener");
			return -1;
		}
		head[++n] = 0;
		if (n >= 4 && !memcmp(head + n - 4, "\r\n\r\n", 4))
			return 0;
	}
	return -1;
}

/* The value of header `name` (case-insensitive) copied into out. */
static int header(const char *head, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);

	for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
		const char *h = p + 2, *end;

		if (strncasecmp(h, name, nl) || h[nl] != ':')
			continue;
		h += nl + 1;
		while (*h == ' ' || *h == '\t')
			h++;
		end = strstr(h, "\r\n");
		if (!end || (size_t)(end - h) >= len)
			return -1;
		memcpy(out, h, (size_t)(end - h));
		out[end - h] = 0;
		return 0;
	}
	return -1;
}

/* Checks the Bearer token against the container's; 1 when it matches. */
static int token_ok(struct sl_container *c, const char *auth)
{
	void *want = NULL;
	size_t wl = 0;
	int ok;

	if (strncmp(auth, "Bearer ", 7) ||
	    sl_secrets_get(sl_daemon.data_root, c->str[SL_CTR_ID],
		SL_AGENT_TOKEN_SECRET, &want, &wl) || !wl) {
		free(want);
		return 0;
	}
	ok = sl_agent_token_equal(auth + 7, strlen(auth + 7), want, wl);
	explicit_bzero(want, wl);
	free(want);
	return ok;
}

static void serve(int fd)
{
	char head[HEAD_MAX], auth[512], up[128], id[65];
	struct sl_container *c = NULL;
	int amb = 0;

	if (sl_agent_tls_on() &&
	    (fd = sl_agent_tls_accept(fd, HEAD_TIMEOUT_S * 1000)) < 0)
		return;
	head[0] = 0;
	auth[0] = 0;
	set_timeout(fd, HEAD_TIMEOUT_S);
	if (read_head(fd, head, sizeof(head))) {
		close(fd);
		return;
	}
	/* Unknown containers and bad tokens look the same from outside.
	 * The path may carry the advertised URL's prefix. */
	if (!strncmp(head, "GET /", 5)) {
		const char *sp = strchr(head + 4, ' ');
		const char *p = sp ? memmem(head + 4, (size_t)(sp - head - 4),
			"/v1/agent/", 10) : NULL;

		if (p && sp - (p + 10) == 64 &&
		    strspn(p + 10, "0123456789abcdef") == 64) {
			memcpy(id, p + 10, 64);
			id[64] = 0;
			c = sl_ctrtab_find(id, &amb);
		}
	}
	if (header(head, "Authorization", auth, sizeof(auth)) || !c ||
	    !token_ok(c, auth)) {
		answer(fd, "401 Unauthorized", "WWW-Authenticate: Bearer\r\n");
		sl_info("agent callback refused: no valid token");
		goto out;
	}
	if (!sl_agent_expected(id)) {
		answer(fd, "401 Unauthorized", "WWW-Authenticate: Bearer\r\n");
		goto out;
	}
	if (header(head, "Upgrade", up, sizeof(up)) ||
	    strcasecmp(up, SL_AGENT_UPGRADE)) {
		answer(fd, "400 Bad Request", NULL);
		goto out;
	}
	{
		static const char ok[] = "HTTP/1.1 101 Switching Protocols\r\n"
			"Connection: Upgrade\r\nUpgrade: " SL_AGENT_UPGRADE "\r\n\r\n";

		if (send(fd, ok, sizeof(ok) - 1, MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(ok) - 1)
			goto out;
	}
	/* The head's bounds end here: on the agent connection a send that
	 * waits longer than 5 s for a stalled reader (exec -i into a
	 * process that reads late) failed half-way through a frame, and
	 * the desynchronised stream dropped the connection. */
	set_timeout(fd, 0);
	/* Handshakes and heads run in parallel; hand-overs one at a time,
	 * as when connections were served in turn (a connection replacing
	 * another for the same container waits for the old one to end). */
	pthread_mutex_lock(&adopt_lock);
	sl_agent_adopt(c, fd);
	pthread_mutex_unlock(&adopt_lock);
	fd = -1;
out:
	explicit_bzero(auth, sizeof(auth));
	explicit_bzero(head, sizeof(head));
	if (fd >= 0)
		close(fd);
	if (c)
		sl_ctr_unref(c);
}

static void *serve_main(void *arg)
{
	serve((int)(intptr_t)arg);
	pthread_mutex_lock(&pend_lock);
	if (--pending == 0)
		pthread_cond_broadcast(&pend_cond);
	pthread_mutex_unlock(&pend_lock);
	return NULL;
}

/* Serves fd on its own detached thread; closes it when at the limit. */
static void serve_async(int fd)
{
	pthread_attr_t at;
	pthread_t t;
	int rc = -1;

	pthread_mutex_lock(&pend_lock);
	if (pending < MAX_PENDING) {
		pending++;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&t, &at, serve_main, (void *)(intptr_t)fd);
		pthread_attr_destroy(&at);
		if (rc)
			pending--;
	}
	pthread_mutex_unlock(&pend_lock);
	if (rc) {
		sl_warn("agent callback: too many connections waiting, one dropped");
		close(fd);
	}
}

static void *accept_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = lst.fd, .events = POLLIN},
			{.fd = stop_pipe[0], .events = POLLIN}};
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		fd = accept4(lst.fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			serve_async(fd);
	}
	return NULL;
}

int sl_agent_listen_start(const char *addr, const char *advertise,
	char *err, size_t errlen)
{
	char spec[600], base[600];

	if (!strncmp(addr, "tcp://", 6))
		addr += 6;
	snprintf(spec, sizeof(spec), "tcp://%s", addr);
	/* Agents authenticate with their token: a non-loopback address is
	 * the point of this listener. */
	/* An agent told http:// would be refused by a TLS listener: catch
	 * the mistake at start, not in every container.  (https:// in front
	 * of a plain listener is a TLS-terminating proxy.) */
	if (advertise && strncasecmp(advertise, "https://", 8) &&
	    (sl_agent_tls_on() || strncasecmp(advertise, "http://", 7))) {
		snprintf(err, errlen, "--agent-advertise %s: expected %s",
			advertise, sl_agent_tls_on() ? "an https:// URL: the "
			"listener speaks TLS" : "an http:// or https:// URL");
		return -1;
	}
	if (sl_listen_open(spec, 0, 1, &lst, err, errlen) < 0)
		return -1;
	if (advertise) {
		snprintf(base, sizeof(base), "%s", advertise);
		while (*base && base[strlen(base) - 1] == '/')
			base[strlen(base) - 1] = 0;
	} else {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char host[256];
		int port = 0;

		/* The real port when ":0" asked for any. */
		if (getsockname(lst.fd, (struct sockaddr *)&ss, &sl) == 0)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		snprintf(host, sizeof(host), "%.*s", (int)strcspn(addr, ":"), addr);
		snprintf(base, sizeof(base), "%s://%s:%d",
			sl_agent_tls_on() ? "https" : "http", host, port);
	}
	if (pipe2(stop_pipe, O_CLOEXEC) < 0 ||
	    pthread_create(&thread, NULL, accept_main, NULL)) {
		snprintf(err, errlen, "agent listener: %s", strerror(errno));
		sl_listen_close(&lst);
		return -1;
	}
	running = 1;
	sl_agent_set_callback_base(base);
	sl_info("agent callback listener on %s%s (agents dial %s)", spec,
		sl_agent_tls_on() ? " (TLS)" : "", base);
	return 0;
}

void sl_agent_listen_stop(void)
{
	if (!running)
		return;
	(void)write(stop_pipe[1], "x", 1);
	pthread_join(thread, NULL);
	/* Each ends within its deadlines. */
	pthread_mutex_lock(&pend_lock);
	while (pending)
		pthread_cond_wait(&pend_cond, &pend_lock);
	pthread_mutex_unlock(&pend_lock);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	sl_listen_close(&lst);
	running = 0;
}
