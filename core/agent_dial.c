/*
 * agent_dial.c - forward mode: dials an agent and upgrades the connection
 * to frames (PROTOCOL §1); tokens.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/agent_int.h"
#include "core/daemon.h"
#include "core/secrets.h"

#define DIAL_TIMEOUT_MS 5000

int sl_random_token(char out[65])
{
	unsigned char raw[32];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

int sl_agent_token_equal(const char *a, size_t alen, const char *b,
	size_t blen)
{
	unsigned char d = alen != blen;

	/* Time depends on the expected length only. */
	for (size_t i = 0; i < blen; i++)
		d |= (unsigned char)((i < alen ? a[i] : 0) ^ b[i]);
	return d == 0;
}

/* Splits "host:port" or "[v6]:port"; 0 or -1. */
static int split_addr(const char *addr, char *host, size_t hl, char *port,
	size_t pl)
{
	const char *colon;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || end[1] != ':' || (size_t)(end - addr - 1) >= hl)
			return -1;
		memcpy(host, addr + 1, (size_t)(end - addr - 1));
		host[end - addr - 1] = 0;
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || (size_t)(colon - addr) >= hl || colon == addr)
			return -1;
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = 0;
	}
	if (!colon[1] || strlen(colon + 1) >= pl)
		return -1;
	snprintf(port, pl, "%s", colon + 1);
	return 0;
}

static int wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = {.fd = fd, .events = ev};
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : -1;
}

static int connect_timeout(const char *host, const char *port, char *err,
	size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *ai;
	int fd = -1, rc, one = 1;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "agent address %s: %s", host, gai_strerror(rc));
		return -1;
	}
	snprintf(err, errlen, "cannot reach the agent at %s:%s", host, port);
	for (ai = res; ai; ai = ai->ai_next) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
			SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && !wait_fd(fd, POLLOUT, DIAL_TIMEOUT_MS) &&
		     !getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) && !soerr))
			break;
		if (soerr)
			snprintf(err, errlen, "cannot reach the agent at %s:%s: %s",
				host, port, strerror(soerr));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd;
}

/* Reads the answer's head byte by byte (frames may follow it at once);
 * returns the status code, or -1. */
static int read_head(int fd, char *head, size_t cap)
{
	size_t n = 0;
	int code;

	while (n + 1 < cap) {
		ssize_t r;

		if (wait_fd(fd, POLLIN, DIAL_TIMEOUT_MS))
			return -1;
		r = read(fd, head + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n++;
		head[n] = 0;
		if (n >= 4 && !memcmp(head + n - 4, "\r\n\r\n", 4))
			break;
	}
	if (sscanf(head, "HTTP/1.%*d %d", &code) != 1)
		return -1;
	return code;
}

int sl_agent_dial(struct sl_agent *a, int *status, char *err, size_t errlen)
{
	char host[256], port[32], head[2048], *req = NULL, *tok = NULL;
	int fd = -1, code, st = SL_EUNAVAIL, len;

	if (split_addr(a->addr, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "agent address '%s' is not host:port", a->addr);
		st = SL_EINVAL;
		goto out;
	}
	tok = sl_agent_token(a->c);
	if (!tok) {
		snprintf(err, errlen, "no agent token for the container");
		st = SL_EINTERNAL;
		goto out;
	}
	fd = connect_timeout(host, port, err, errlen);
	if (fd < 0)
		goto out;
	len = asprintf(&req, "GET /v1/agent HTTP/1.1\r\nHost: %s\r\n"
		"Authorization: Bearer %s\r\nConnection: Upgrade\r\n"
		"Upgrade: " SL_AGENT_UPGRADE "\r\n\r\n", a->addr, tok);
	if (len < 0) {
		req = NULL;
		snprintf(err, errlen, "out of memory");
		st = SL_ENOMEM;
		goto fail;
	}
	if (wait_fd(fd, POLLOUT, DIAL_TIMEOUT_MS) ||
	    send(fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
		snprintf(err, errlen, "agent at %s: cannot send the upgrade",
			a->addr);
		goto fail;
	}
	code = read_head(fd, head, sizeof(head));
	if (code == 101)
		goto out;
	if (code == 401) {
		snprintf(err, errlen, "agent at %s refused the container's token",
			a->addr);
		st = SL_EPERM;
	} else if (code < 0) {
		snprintf(err, errlen, "agent at %s: no HTTP answer to the upgrade",
			a->addr);
	} else {
		snprintf(err, errlen, "agent at %s answered %d to the upgrade",
			a->addr, code);
		st = SL_EINTERNAL;
	}
fail:
	close(fd);
	fd = -1;
out:
	if (req) {
		explicit_bzero(req, strlen(req));
		free(req);
	}
	if (tok) {
		explicit_bzero(tok, strlen(tok));
		free(tok);
	}
	if (status)
		*status = fd >= 0 ? SL_OK : st;
	return fd;
}
