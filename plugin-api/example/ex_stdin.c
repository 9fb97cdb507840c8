/*
 * ex_stdin.c - copies what the client sends to a process's stdin.
 *
 * Reading the client blocks, so the copy runs on its own thread while the
 * hook's thread writes output.  It reads in slices (stream_read_timeout)
 * so that the hook can stop it when the process has ended although the
 * client still holds its stdin open; otherwise the hook, and with it the
 * client's output stream, would wait for the user's Ctrl-D.  For a
 * container the target is whatever stdin the current run has (an attach
 * may come before start, as `docker run -i` does), so every chunk looks
 * the fd up under the lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "ex.h"

#define CHUNK 32768
#define SLICE_MS 200

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;  /* EPIPE: the process closed its stdin */
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A dup of the container's stdin, waiting for a run to start; -1 when
 * the container is gone. */
static int ctr_stdin_fd(struct ex_stdin *p)
{
	struct ex_ctr *x = p->ctr;
	int fd = -1;

	pthread_mutex_lock(&x->lock);
	while (!x->removed && !atomic_load(&p->stop) &&
	       !(x->running && x->in_fd >= 0)) {
		struct timespec ts;

		if (x->running && x->in_fd < 0)
			break;  /* stdin closed (StdinOnce) */
		ex_deadline(&ts, SLICE_MS);
		pthread_cond_timedwait(&x->cond, &x->lock, &ts);
	}
	if (!x->removed && x->running && x->in_fd >= 0)
		fd = dup(x->in_fd);
	pthread_mutex_unlock(&x->lock);
	return fd;
}

static void close_target(struct ex_stdin *p)
{
	struct ex_ctr *x = p->ctr;

	if (!x) {
		if (p->fd >= 0)
			close(p->fd);
		p->fd = -1;
		return;
	}
	pthread_mutex_lock(&x->lock);
	/* A pty master also carries the output: keep it. */
	if (x->in_fd >= 0 && !x->pty) {
		close(x->in_fd);
		x->in_fd = -1;
	}
	pthread_mutex_unlock(&x->lock);
}

static void *stdin_main(void *arg)
{
	struct ex_stdin *p = arg;
	char *buf = malloc(CHUNK);
	int broken = 0;
	ssize_t n = -1;

	while (buf && !atomic_load(&p->stop)) {
		n = p->host->stream_read_timeout(p->s, buf, CHUNK, SLICE_MS);
		if (n == SL_ETIMEDOUT)
			continue;
		if (n <= 0)
			break;
		if (broken)
			continue;  /* keep reading so the client never blocks */
		if (p->ctr) {
			int fd = ctr_stdin_fd(p);

			broken = fd < 0 || write_all(fd, buf, (size_t)n) < 0;
			if (fd >= 0)
				close(fd);
		} else {
			broken = p->fd < 0 || write_all(p->fd, buf, (size_t)n) < 0;
		}
	}
	if (n == 0 && p->close_on_eof)
		close_target(p);
	free(buf);
	return NULL;
}

int ex_stdin_start(struct ex_stdin *p)
{
	atomic_init(&p->stop, 0);
	p->started = pthread_create(&p->thread, NULL, stdin_main, p) == 0;
	return p->started ? 0 : SL_ENOMEM;
}

void ex_stdin_join(struct ex_stdin *p)
{
	if (!p->started)
		return;
	if (p->ctr) {
		/* Under the lock, so a waiter in ctr_stdin_fd sees it. */
		pthread_mutex_lock(&p->ctr->lock);
		atomic_store(&p->stop, 1);
		pthread_cond_broadcast(&p->ctr->cond);
		pthread_mutex_unlock(&p->ctr->lock);
	} else {
		atomic_store(&p->stop, 1);
	}
	pthread_join(p->thread, NULL);
	p->started = 0;
}
