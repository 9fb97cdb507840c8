/*
 * agent/server.c - forward mode: listen, announce the address on stderr
 * (PROTOCOL.md section 1), and serve each accepted connection on its own
 * thread.
 */
#include "agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_fd = -1;

/*
 * The announcement, kept to be repeated.  A backend reads it from the
 * console log stream, which replays only a tail of the output (Azure: the
 * last 300 lines): a main process that prints more before the backend's
 * stream connects would push a single announcement out of reach.  So
 * until a client has authenticated the line is repeated now and then,
 * always at the start of a line of the agent's stderr (err_mu, err_bol).
 */
static char announce_line[128];
static int announce_len;
static int served;		/* a client authenticated; atomic */
static pthread_mutex_t err_mu = PTHREAD_MUTEX_INITIALIZER;
static int err_bol = 1;		/* stderr is at the start of a line */

void
ag_server_stderr(const void *p, size_t n)
{
	pthread_mutex_lock(&err_mu);
	(void)ag_write_all(2, p, n);
	if (n > 0)
		err_bol = ((const char *)p)[n - 1] == '\n';
	pthread_mutex_unlock(&err_mu);
}

int
ag_server_reannounce(void)
{
	int done = 0;

	if (announce_len == 0 || __atomic_load_n(&served, __ATOMIC_SEQ_CST))
		return 0;
	pthread_mutex_lock(&err_mu);
	if (err_bol) {
		(void)ag_write_all(2, announce_line, (size_t)announce_len);
		done = 1;
	}
	pthread_mutex_unlock(&err_mu);
	return done;
}

/* ADDR:PORT, [V6]:PORT or :PORT into SA.  -1 when malformed. */
static int
parse_addr(const char *spec, struct sockaddr_storage *sa, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(spec, ':');
	char *end;
	long port;
	size_t hl;

	if (colon == NULL)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
		return -1;
	hl = (size_t)(colon - spec);
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memset(sa, 0, sizeof(*sa));
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	if (hl > 0 && inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return -1;
	*len = sizeof(*s4);
	return 0;
}

/* The address to announce for a wildcard listener: the first IPv4
 * address of an interface that is up and not loopback. */
static int
first_ipv4(char *out, size_t outlen)
{
	struct ifaddrs *ifs, *i;
	int rc = -1;

	if (getifaddrs(&ifs) < 0)
		return -1;
	for (i = ifs; i && rc < 0; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		if (inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
		    out, (socklen_t)outlen) != NULL)
			rc = 0;
	}
	freeifaddrs(ifs);
	return rc;
}

static void *
serve_one(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct timeval tv = { .tv_sec = 10 }, none = { 0 };

	/* A peer that never finishes its request does not keep a thread. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (ag_http_accept(fd) != 1) {
		close(fd);
		return NULL;
	}
	__atomic_store_n(&served, 1, __ATOMIC_SEQ_CST);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	ag_conn_serve(fd);
	return NULL;
}

static void *
accept_loop(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC), one = 1;
		pthread_attr_t at;
		pthread_t t;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			return NULL;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &at, serve_one, (void *)(intptr_t)fd) != 0)
			close(fd);
		pthread_attr_destroy(&at);
	}
}

int
ag_server_start(void)
{
	struct sockaddr_storage sa, got;
	socklen_t len, glen = sizeof(got);
	char ip[INET6_ADDRSTRLEN + 2] = "", port[8];
	pthread_t t;
	int one = 1;

	if (parse_addr(ag_opts.listen, &sa, &len) < 0) {
		fprintf(stderr, "sockerless-agent: --listen %s: expected "
		    "ADDR:PORT\n", ag_opts.listen);
		return -1;
	}
	listen_fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 ||
	    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(listen_fd, (struct sockaddr *)&sa, len) < 0 ||
	    listen(listen_fd, 16) < 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&got, &glen) < 0) {
		fprintf(stderr, "sockerless-agent: listen on %s: %s\n",
		    ag_opts.listen, strerror(errno));
		return -1;
	}
	if (got.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&got;

		ip[0] = '[';
		inet_ntop(AF_INET6, &s6->sin6_addr, ip + 1, sizeof(ip) - 2);
		strcat(ip, "]");
		snprintf(port, sizeof(port), "%u", ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&got;

		if (s4->sin_addr.s_addr != htonl(INADDR_ANY))
			inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		else if (first_ipv4(ip, sizeof(ip)) < 0)
			strcpy(ip, "127.0.0.1");
		snprintf(port, sizeof(port), "%u", ntohs(s4->sin_port));
	}
	announce_len = snprintf(announce_line, sizeof(announce_line),
	    SL_AGENT_ANNOUNCE " listen=%s:%s proto=1\n", ip, port);
	if (announce_len < 0 || announce_len >= (int)sizeof(announce_line))
		announce_len = 0;
	fflush(stderr);
	ag_server_stderr(announce_line, (size_t)announce_len);
	if (pthread_create(&t, NULL, accept_loop, NULL) != 0) {
		fprintf(stderr, "sockerless-agent: cannot start a thread\n");
		return -1;
	}
	pthread_detach(t);
	return 0;
}
