/*
 * listen.c - listening sockets for the API.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/listen.h"

void sl_listen_default(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, len, "unix:///run/sockerless.sock");
	else if (xdg && *xdg)
		snprintf(buf, len, "unix://%s/sockerless.sock", xdg);
	else
		snprintf(buf, len, "unix:///tmp/sockerless-%u.sock",
			(unsigned)geteuid());
}

/* Whether something accepts connections on the socket at sa: 1 yes, 0 no
 * (a stale socket left by a crash), -1 cannot tell (errno set).  The
 * connect does not block: a full backlog (EAGAIN) still means a listener. */
static int unix_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc, e;

	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(fd);
	if (rc == 0 || e == EAGAIN || e == EINPROGRESS)
		return 1;
	if (e == ECONNREFUSED || e == ENOENT)
		return 0;
	errno = e;
	return -1;
}

static int open_unix(const char *path, struct sl_listener *out, char *err,
	size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, live;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* A stale socket from a crash would make bind fail, so it goes; a live
	 * one belongs to a daemon that would be left running unreachable, and
	 * anything that is not a socket is not ours to remove. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			return -1;
		}
		live = unix_live(&sa);
		if (live > 0) {
			snprintf(err, errlen, "another daemon is listening on unix://%s",
				path);
			return -1;
		}
		if (live < 0) {
			snprintf(err, errlen, "cannot tell whether unix://%s is in use: %s",
				path, strerror(errno));
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* Create it with 0660 from the start: no window where others can
	 * connect. */
	mode_t old = umask(0117);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));

	umask(old);
	if (rc < 0 || chmod(path, 0660) < 0 || lstat(path, &st) < 0 ||
	    listen(fd, 128) < 0)
		goto fail;
	out->fd = fd;
	out->is_unix = 1;
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	snprintf(out->path, sizeof(out->path), "%s", path);
	return 0;
fail:
	snprintf(err, errlen, "cannot listen on unix://%s: %s", path,
		strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return 0;
}

static int open_tcp(const char *hostport, int tls, int insecure,
	struct sl_listener *out, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char host[256], port[16];
	const char *colon = strrchr(hostport, ':');
	int fd = -1, one = 1, rc;

	if (!colon || colon == hostport || !colon[1] ||
	    (size_t)(colon - hostport) >= sizeof(host) || strlen(colon + 1) >= sizeof(port)) {
		snprintf(err, errlen, "invalid tcp address '%s': want tcp://HOST:PORT", hostport);
		return -1;
	}
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	strcpy(port, colon + 1);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "cannot resolve %s: %s", hostport, gai_strerror(rc));
		return -1;
	}
	if (!tls && !insecure && !is_loopback(ai->ai_addr)) {
		snprintf(err, errlen,
			"refusing plain TCP on non-loopback address %s: anyone who reaches it controls the daemon; use --tlsverify, or pass --insecure-tcp if you really mean it",
			hostport);
		freeaddrinfo(ai);
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		snprintf(err, errlen, "cannot listen on tcp://%s: %s", hostport,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	out->fd = fd;
	out->is_tcp = 1;
	/* Port 0: the kernel chose one; the spec (logged, "API listening
	 * on ...") names it, so a caller can read where to connect. */
	if (!strcmp(port, "0")) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			snprintf(out->spec, sizeof(out->spec), "tcp://%s%s%s:%u",
				ss.ss_family == AF_INET6 ? "[" : "", host,
				ss.ss_family == AF_INET6 ? "]" : "",
				ntohs(ss.ss_family == AF_INET6 ?
					((struct sockaddr_in6 *)&ss)->sin6_port :
					((struct sockaddr_in *)&ss)->sin_port));
	}
	return 0;
}

int sl_listen_open(const char *spec, int tls, int allow_insecure_tcp,
	struct sl_listener *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	snprintf(out->spec, sizeof(out->spec), "%s", spec);
	if (!strncmp(spec, "unix://", 7))
		return open_unix(spec + 7, out, err, errlen);
	if (spec[0] == '/')
		return open_unix(spec, out, err, errlen);
	if (!strncmp(spec, "tcp://", 6))
		return open_tcp(spec + 6, tls, allow_insecure_tcp, out, err, errlen);
	if (!strncmp(spec, "fd://", 5) && spec[5]) {
		char *end;
		long fd = strtol(spec + 5, &end, 10);

		if (*end || fd < 0) {
			snprintf(err, errlen, "invalid fd listener '%s'", spec);
			return -1;
		}
		out->fd = (int)fd;
		return 0;
	}
	snprintf(err, errlen,
		"invalid -H '%s': use unix:///path, tcp://host:port or fd://N", spec);
	return -1;
}

void sl_listen_close(struct sl_listener *l)
{
	struct stat st;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	/* Only the socket we made: if the path was removed and another
	 * daemon bound it meanwhile, that one is not ours. */
	if (l->is_unix && l->path[0] && lstat(l->path, &st) == 0 &&
	    st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
}
