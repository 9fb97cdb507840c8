/*
 * agent/util.c - small helpers: full writes, the clock, debug logging,
 * and the stdin targets sessions write to.
 */
#include "agent.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
ag_write_all(int fd, const void *p, size_t len)
{
	const char *s = p;

	while (len > 0) {
		ssize_t w = write(fd, s, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

int64_t
ag_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The agent's own output streams belong to the main process (PROTOCOL.md
 * section 1), so diagnostics go to stderr only when asked for. */
void
ag_log(const char *fmt, ...)
{
	static int on = -1;
	va_list ap;

	if (on < 0)
		on = getenv("SOCKERLESS_AGENT_DEBUG") != NULL;
	if (!on)
		return;
	va_start(ap, fmt);
	fputs("sockerless-agent: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void
ag_stdin_init(struct ag_stdin *in, int fd, int tty)
{
	pthread_mutex_init(&in->mu, NULL);
	in->fd = fd;
	in->tty = tty;
}

int
ag_stdin_write(struct ag_stdin *in, const void *p, size_t len)
{
	int rc = 0;

	pthread_mutex_lock(&in->mu);
	/* A process that stopped reading (EPIPE) just loses the bytes. */
	if (in->fd >= 0 && ag_write_all(in->fd, p, len) < 0 && errno != EPIPE)
		rc = -1;
	pthread_mutex_unlock(&in->mu);
	return rc;
}

void
ag_stdin_eof(struct ag_stdin *in)
{
	pthread_mutex_lock(&in->mu);
	if (in->fd >= 0) {
		if (in->tty) {
			/* The line discipline turns ^D into end of file. */
			(void)ag_write_all(in->fd, "\004", 1);
		} else {
			close(in->fd);
			in->fd = -1;
		}
	}
	pthread_mutex_unlock(&in->mu);
}
