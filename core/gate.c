/*
 * gate.c - accepts connections only while under the limit (see gate.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/gate.h"
#include "core/log.h"

struct sl_gate {
	int fd;                 /* the listener; the caller's */
	int wake[2];            /* sl_gate_stop writes here to end the poll */
	unsigned int limit;
	unsigned int active;    /* handed to MHD, not yet closed */
	int stop;
	int running;
	pthread_mutex_t mu;
	pthread_cond_t room;    /* signalled when a connection closes */
	struct MHD_Daemon *d;
	pthread_t thread;
};

void sl_gate_notify(void *cls, struct MHD_Connection *conn,
	void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	struct sl_gate *g = cls;

	(void)conn;
	(void)socket_context;
	if (toe != MHD_CONNECTION_NOTIFY_CLOSED)
		return;
	pthread_mutex_lock(&g->mu);
	if (g->active)
		g->active--;
	pthread_cond_signal(&g->room);
	pthread_mutex_unlock(&g->mu);
}

/* Waits until a connection may be taken; returns -1 when stopping.  A
 * connection MHD dropped before it started (out of memory) is never
 * notified closed: after a second without room, believe MHD's own count,
 * which by then includes every connection handed over. */
static int wait_for_room(struct sl_gate *g)
{
	const union MHD_DaemonInfo *di;
	struct timespec ts;
	int stop;

	pthread_mutex_lock(&g->mu);
	while (!g->stop && g->active >= g->limit) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		if (pthread_cond_timedwait(&g->room, &g->mu, &ts) != ETIMEDOUT)
			continue;
		di = MHD_get_daemon_info(g->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (di && di->num_connections < g->active)
			g->active = di->num_connections;
	}
	stop = g->stop;
	pthread_mutex_unlock(&g->mu);
	return stop ? -1 : 0;
}

static void *gate_main(void *p)
{
	struct sl_gate *g = p;
	int warned = 0;

	while (wait_for_room(g) == 0) {
		struct pollfd pf[2] = {
			{.fd = g->fd, .events = POLLIN},
			{.fd = g->wake[0], .events = POLLIN},
		};
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd;

		if (poll(pf, 2, -1) < 0 || pf[1].revents)
			continue;    /* EINTR, or stopping: wait_for_room says */
		fd = accept4(g->fd, (struct sockaddr *)&ss, &len,
			SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			/* EAGAIN: the client gave up meanwhile.  Out of descriptors or memory: the client waits in
			 * the queue while we pause instead of spinning. */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				if (!warned++)
					sl_warn("http: cannot accept: %s",
						strerror(errno));
				poll(&pf[1], 1, 100);
			}
			continue;
		}
		pthread_mutex_lock(&g->mu);
		g->active++;
		pthread_mutex_unlock(&g->mu);
		/* MHD closes the socket itself when it refuses it. */
		if (MHD_add_connection(g->d, fd, (struct sockaddr *)&ss, len) !=
		    MHD_YES) {
			pthread_mutex_lock(&g->mu);
			g->active--;
			pthread_mutex_unlock(&g->mu);
		}
	}
	return NULL;
}

struct sl_gate *sl_gate_new(int listen_fd, unsigned int limit)
{
	struct sl_gate *g = calloc(1, sizeof(*g));
	pthread_condattr_t ca;

	if (!g)
		return NULL;
	g->fd = listen_fd;
	g->limit = limit;
	/* poll, then accept: a client gone in between must not block us. */
	if (fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    pipe2(g->wake, O_CLOEXEC) < 0) {
		free(g);
		return NULL;
	}
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->room, &ca);
	pthread_condattr_destroy(&ca);
	return g;
}

int sl_gate_start(struct sl_gate *g, struct MHD_Daemon *d)
{
	int rc;

	g->d = d;
	rc = pthread_create(&g->thread, NULL, gate_main, g);
	if (rc) {
		errno = rc;
		return -1;
	}
	g->running = 1;
	return 0;
}

void sl_gate_stop(struct sl_gate *g)
{
	if (!g || !g->running)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_signal(&g->room);
	pthread_mutex_unlock(&g->mu);
	if (write(g->wake[1], "", 1) < 0)
		sl_warn("http: cannot wake the accept thread: %s", strerror(errno));
	pthread_join(g->thread, NULL);
	g->running = 0;
}

void sl_gate_free(struct sl_gate *g)
{
	if (!g)
		return;
	sl_gate_stop(g);
	close(g->wake[0]);
	close(g->wake[1]);
	pthread_cond_destroy(&g->room);
	pthread_mutex_destroy(&g->mu);
	free(g);
}
