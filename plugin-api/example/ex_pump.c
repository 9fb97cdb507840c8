/*
 * ex_pump.c - moves a child's output to a sink until the child exits.
 *
 * The child's exit, not the end of its output, ends the run: a daemonised
 * grandchild may keep the pipes open forever.  So the pump polls the
 * output and checks for the exit (without reaping, so the process group id
 * stays reserved) every round.  When the main process has exited it kills
 * the rest of its process group, as Docker does when a container's init
 * process dies, drains what is still buffered, and only then reaps.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ex.h"

#define POLL_MS 100
#define CHUNK 65536
/* Bounds the final drain when an escaped process keeps writing. */
#define DRAIN_MAX_READS 256

int ex_pid_exited(pid_t pid, int block)
{
	siginfo_t si;
	int rc;

	memset(&si, 0, sizeof(si));
	do
		rc = waitid(P_PID, (id_t)pid, &si,
			WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
	while (rc < 0 && errno == EINTR);
	/* ECHILD: somebody else reaped it (a host bug); treat as gone. */
	return rc < 0 || si.si_pid == pid;
}

static void kill_group(pid_t pid, pthread_mutex_t *lock, int signo)
{
	if (lock)
		pthread_mutex_lock(lock);
	(void)kill(-pid, signo);
	if (lock)
		pthread_mutex_unlock(lock);
}

struct out {
	int fd;       /* -1 once finished */
	int stream;   /* 1 or 2 */
};

/* Reads once from o: 1 after data, 2 when nothing is ready, 0 at the end. */
static int read_once(struct out *o, char *buf, ex_sink_fn sink, void *arg,
	int *forward)
{
	ssize_t n;

	do
		n = read(o->fd, buf, CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 2;
	if (n <= 0) {
		/* EOF, or EIO from a pty master once the slave is closed. */
		o->fd = -1;
		return 0;
	}
	if (*forward && sink(arg, o->stream, buf, (size_t)n) < 0)
		*forward = 0;
	return 1;
}

static void drain(struct out *o, int nout, char *buf, ex_sink_fn sink,
	void *arg, int *forward)
{
	for (int i = 0; i < nout; i++) {
		if (o[i].fd < 0)
			continue;
		(void)fcntl(o[i].fd, F_SETFL,
			fcntl(o[i].fd, F_GETFL) | O_NONBLOCK);
		for (int k = 0; k < DRAIN_MAX_READS; k++)
			if (read_once(&o[i], buf, sink, arg, forward) != 1)
				break;
	}
}

int ex_pump(struct ex_child *ch, int cancel_fd, ex_sink_fn sink, void *arg,
	pthread_mutex_t *lock, pid_t *pid_slot, int *cancelled)
{
	struct out o[2];
	char buf[CHUNK];
	int nout = 0, forward = 1, status = 0;
	pid_t pid = ch->pid;

	*cancelled = 0;
	if (ch->out_fd >= 0)
		o[nout++] = (struct out){ ch->out_fd, 1 };
	if (!ch->pty && ch->err_fd >= 0)
		o[nout++] = (struct out){ ch->err_fd, 2 };

	for (;;) {
		struct pollfd pfd[3];
		int map[3], np = 0;

		for (int i = 0; i < nout; i++) {
			if (o[i].fd < 0)
				continue;
			pfd[np] = (struct pollfd){ .fd = o[i].fd, .events = POLLIN };
			map[np++] = i;
		}
		if (np == 0 && cancel_fd < 0) {
			(void)ex_pid_exited(pid, 1);
			break;
		}
		if (cancel_fd >= 0) {
			pfd[np] = (struct pollfd){ .fd = cancel_fd, .events = POLLIN };
			map[np++] = -1;
		}
		if (poll(pfd, (nfds_t)np, POLL_MS) < 0 && errno != EINTR)
			break;
		for (int k = 0; k < np; k++) {
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (map[k] < 0) {
				kill_group(pid, lock, SIGKILL);
				*cancelled = 1;
				cancel_fd = -1;
				continue;
			}
			(void)read_once(&o[map[k]], buf, sink, arg, &forward);
		}
		if (ex_pid_exited(pid, 0))
			break;
	}
	kill_group(pid, lock, SIGKILL);
	drain(o, nout, buf, sink, arg, &forward);
	if (lock)
		pthread_mutex_lock(lock);
	if (pid_slot)
		*pid_slot = 0;
	if (lock)
		pthread_mutex_unlock(lock);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}
