/*
 * agent/reverse.c - reverse mode: dial the daemon's callback listener
 * (http, or https through tls.c), upgrade, serve the connection, and
 * redial with backoff when it is lost (PROTOCOL.md sections 1 and 6).
 */
#include "agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char host[256];	/* host[:port] for the Host header */
static char name[256];	/* host alone, for the lookup */
static char port[8];
static char path[512];
static int tls;		/* https:// */

int
ag_reverse_check(const char *url)
{
	const char *h, *slash, *colon;
	size_t hl;

	if (strncasecmp(url, "https://", 8) == 0) {
		tls = 1;
		h = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		h = url + 7;
	} else {
		fprintf(stderr, "sockerless-agent: callback %s: expected an "
		    "http:// or https:// URL\n", url);
		return -1;
	}
	slash = strchr(h, '/');
	hl = slash ? (size_t)(slash - h) : strlen(h);
	if (hl == 0 || hl >= sizeof(host)) {
		fprintf(stderr, "sockerless-agent: callback %s: no host\n", url);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	colon = host[0] == '[' ? strstr(host, "]:") : strrchr(host, ':');
	if (colon != NULL && host[0] == '[')
		colon++;
	if (colon != NULL) {
		size_t nl = (size_t)(colon - host);

		if (strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof(port)) {
			fprintf(stderr, "sockerless-agent: callback %s: bad "
			    "port\n", url);
			return -1;
		}
		strcpy(port, colon + 1);
		memcpy(name, host, nl);
		name[nl] = '\0';
	} else {
		strcpy(port, tls ? "443" : "80");
		strcpy(name, host);
	}
	if (name[0] == '[') {
		memmove(name, name + 1, strlen(name));
		name[strcspn(name, "]")] = '\0';
	}
	snprintf(path, sizeof(path), "%.*s/v1/agent/%s",
	    slash ? (int)strcspn(slash, "?#") : 0, slash ? slash : "",
	    ag_opts.container);
	/* "http://h:p/" and "http://h:p" name the same root. */
	if (strncmp(path, "//", 2) == 0)
		memmove(path, path + 1, strlen(path));
	return tls ? ag_tls_init(ag_opts.callback_ca) : 0;
}

static int
dial(void)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int fd, one = 1;

	if (ag_resolve(name, atoi(port), &sa, &len) < 0) {
		ag_log("cannot resolve %s", name);
		return -1;
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	return fd;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *
dial_loop(void *arg)
{
	long backoff = 500;

	(void)arg;
	for (;;) {
		int fd = dial(), served = 0;

		/* The token is sent only once the daemon is proven. */
		if (fd >= 0 && tls)
			fd = ag_tls_connect(fd, name, 10000);

		if (fd >= 0) {
			struct timeval tv = { .tv_sec = 10 }, none = { 0 };

			(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			if (ag_http_dial(fd, host, path) == 0) {
				(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
				    &none, sizeof(none));
				ag_log("connected to %s", host);
				backoff = 500;
				ag_conn_serve(fd);
				served = 1;
				ag_tls_wait();
			} else {
				close(fd);
			}
		}
		/* The daemon resumes the output from its own offset (a
		 * restarted one from its resume record): the replay buffer
		 * covers what it missed meanwhile. */
		ag_log("callback %s %s; retrying in %ld ms", host,
		    served ? "connection lost" : "unreachable", backoff);
		sleep_ms(backoff);
		backoff = backoff * 2 > 10000 ? 10000 : backoff * 2;
	}
	return NULL;
}

static void *
ping_loop(void *arg)
{
	(void)arg;
	for (;;) {
		sleep_ms(ag_opts.ping_interval * 1000L);
		ag_conn_ping_all(3);
	}
	return NULL;
}

int
ag_reverse_start(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, dial_loop, NULL) != 0)
		return -1;
	pthread_detach(t);
	if (pthread_create(&t, NULL, ping_loop, NULL) != 0)
		return -1;
	pthread_detach(t);
	return 0;
}
