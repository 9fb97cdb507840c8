/*
 * agent/supervise.c - the main process and the agent's PID-1 duties:
 * start it, tee its output, reap every child, forward signals to its
 * process group, and when it exits tell every connection and wait
 * (bounded) for the daemon's ACK (PROTOCOL.md section 5).
 */
#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct ag_main ag_main = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.room = PTHREAD_COND_INITIALIZER,
	.pty_fd = -1,
	.in = { .mu = PTHREAD_MUTEX_INITIALIZER, .fd = -1 },
};

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
	SIGUSR2 };

static int pumps;	/* output pumps still reading, under ag_main.mu */
static int pumps_held;	/* of those, waiting for a reader, under ag_main.mu */

/* An attached reader that has read nothing for this long no longer holds
 * the main process's output back; it overflows instead (PROTOCOL.md).
 * The same bound applies to the wait for the first attach. */
#define READER_STALL_MS 30000

struct pump {
	int fd, stream, out;
};

static void *
pump_run(void *arg)
{
	struct pump *p = arg;
	char *buf = malloc(64 * 1024);

	while (buf != NULL) {
		ssize_t r = read(p->fd, buf, 64 * 1024);
		int64_t ts = ag_now_ns();	/* the line's time, as dockerd's */

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;	/* EIO: every slave of the TTY closed */
		/* The replay buffer first: whoever saw the bytes on the
		 * console and attaches then must find them there.  It
		 * waits for attached readers that are behind but reading. */
		pthread_mutex_lock(&ag_main.mu);
		if (ag_outbuf_held(&ag_main.out, (size_t)r, sl_agent_now_ms(),
		    READER_STALL_MS)) {
			pumps_held++;
			do {
				/* Timed: a reader stalls without a signal. */
				int64_t t = ag_now_ns() + 200000000;
				struct timespec dl = { t / 1000000000,
				    t % 1000000000 };

				pthread_cond_timedwait(&ag_main.room,
				    &ag_main.mu, &dl);
			} while (ag_outbuf_held(&ag_main.out, (size_t)r,
			    sl_agent_now_ms(), READER_STALL_MS));
			pumps_held--;
		}
		(void)ag_outbuf_append(&ag_main.out, p->stream, ts, buf,
		    (size_t)r);
		pthread_cond_broadcast(&ag_main.cv);
		pthread_mutex_unlock(&ag_main.mu);
		/* Unchanged on the agent's own stream, for the platform's
		 * console log. */
		if (p->out == 2)
			ag_server_stderr(buf, (size_t)r);
		else
			(void)ag_write_all(p->out, buf, (size_t)r);
	}
	free(buf);
	pthread_mutex_lock(&ag_main.mu);
	pumps--;
	pthread_cond_broadcast(&ag_main.cv);
	pthread_mutex_unlock(&ag_main.mu);
	free(p);
	return NULL;
}

static int
pump_start(int fd, int stream, int out)
{
	struct pump *p = malloc(sizeof(*p));
	pthread_t t;

	if (p == NULL)
		return -1;
	p->fd = fd;
	p->stream = stream;
	p->out = out;
	pthread_mutex_lock(&ag_main.mu);
	pumps++;
	pthread_mutex_unlock(&ag_main.mu);
	if (pthread_create(&t, NULL, pump_run, p) != 0) {
		pthread_mutex_lock(&ag_main.mu);
		pumps--;
		pthread_mutex_unlock(&ag_main.mu);
		free(p);
		return -1;
	}
	pthread_detach(t);
	return 0;
}

static void
signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
}

void
ag_signals_block(void)
{
	sigset_t set;

	signal_set(&set);
	/* Before any thread starts: they all inherit the mask, so only
	 * the supervisor's sigtimedwait sees these signals. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Orphans come to us even when we are not PID 1 (a platform that
	 * runs its own init, or the tests), so zombies never pile up. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* The main process failed to start: its "output" is the reason, so
 * attachers and the console both see it. */
static void
start_failed(const char *msg, int code)
{
	char line[600];
	int n = snprintf(line, sizeof(line), "sockerless-agent: %s\n", msg);

	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	ag_server_stderr(line, (size_t)n);
	pthread_mutex_lock(&ag_main.mu);
	(void)ag_outbuf_append(&ag_main.out, SL_AGENT_STDERR, ag_now_ns(), line,
	    (size_t)n);
	ag_main.code = code;
	pthread_mutex_unlock(&ag_main.mu);
}

static int
start_main(void)
{
	struct ag_cred cred;
	struct ag_spawn sp = { 0 };
	char err[512];
	int notfound;

	if (ag_user_resolve(ag_opts.user, &cred, err, sizeof(err)) < 0) {
		start_failed(err, 126);
		return -1;
	}
	sp.argv = ag_opts.argv;
	sp.env = environ;
	/* Docker gives the user's HOME when the image sets none; only the
	 * main process gets it, exec sessions add their own user's. */
	char **env = NULL, *home = NULL;
	if (getenv("HOME") == NULL) {
		size_t n = 0;

		while (environ[n])
			n++;
		if ((env = calloc(n + 2, sizeof(*env))) != NULL &&
		    asprintf(&home, "HOME=%s", cred.home) >= 0) {
			memcpy(env, environ, n * sizeof(*env));
			env[n] = home;
			sp.env = env;
		}
	}
	sp.workdir = ag_opts.workdir;
	sp.cred = ag_opts.user ? &cred : NULL;
	sp.tty = ag_opts.tty;
	sp.stdin_pipe = ag_opts.stdin_open;
	/* As PID 1 of a container: when the agent dies, its main process
	 * goes too (where no PID namespace does that, e.g. the example
	 * backend's host processes, it would otherwise loop on orphaned). */
	sp.die_with_agent = 1;
	pthread_mutex_lock(&ag_main.mu);
	int rc = ag_spawn(&sp, err, sizeof(err), &notfound);

	free(env);
	free(home);
	if (rc < 0) {
		pthread_mutex_unlock(&ag_main.mu);
		ag_cred_free(&cred);
		start_failed(err, notfound ? 127 : 126);
		return -1;
	}
	ag_main.pid = sp.pid;
	ag_main.started_ns = ag_now_ns();
	/* The daemon attaches after the start (forward mode dials once it
	 * has read the announcement): the first output waits for it as
	 * for a reader at byte 0, within READER_STALL_MS. */
	ag_main.first.cursor = 0;
	ag_outbuf_reader_add(&ag_main.out, &ag_main.first);
	ag_main.tty = sp.tty;
	ag_main.in.fd = sp.in_fd;
	ag_main.in.tty = sp.tty;
	if (sp.tty)
		ag_main.pty_fd = sp.out_fd;
	pthread_mutex_unlock(&ag_main.mu);
	ag_cred_free(&cred);
	if (pump_start(sp.out_fd, SL_AGENT_STDOUT, 1) < 0 ||
	    (!sp.tty && pump_start(sp.err_fd, SL_AGENT_STDERR, 2) < 0)) {
		kill(-sp.pid, SIGKILL);
		start_failed("cannot start a thread", 126);
	}
	return 0;
}

/* How long output may still arrive after the main process exited: a
 * background child that keeps the pipe open must not hold the exit. */
#define DRAIN_MS 2000

/* How often the forward announcement is repeated until a client comes. */
#define REANNOUNCE_MS 2000

int
ag_supervise(void)
{
	sigset_t set;
	struct timespec tick = { 0, 100 * 1000000L };
	int64_t main_done_at = -1, deadline = -1;
	int64_t reannounce_at = sl_agent_now_ms() + REANNOUNCE_MS;
	int running = start_main() == 0, announced = 0, status = 0;

	signal_set(&set);
	/* The server answers before the start: hello, attach and signal
	 * wait for this, or they saw pid 0 and lost early stdin. */
	pthread_mutex_lock(&ag_main.mu);
	ag_main.launched = 1;
	pthread_cond_broadcast(&ag_main.cv);
	pthread_mutex_unlock(&ag_main.mu);
	if (!running)
		main_done_at = sl_agent_now_ms() - DRAIN_MS;
	for (;;) {
		siginfo_t si;
		int sig = sigtimedwait(&set, &si, &tick);

		if (sig == SIGCHLD || sig < 0) {
			pid_t pid;

			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				ag_proc_reaped(pid, status);
				if (running && pid == ag_main.pid) {
					running = 0;
					main_done_at = sl_agent_now_ms();
					pthread_mutex_lock(&ag_main.mu);
					ag_main.code = ag_status_code(status);
					pthread_mutex_unlock(&ag_main.mu);
				}
			}
		} else if (sig > 0) {
			if (running)
				(void)kill(-ag_main.pid, sig);
			else if (announced && (sig == SIGTERM || sig == SIGINT))
				break;	/* the platform stops us: no more wait */
		}
		if (ag_opts.listen && sl_agent_now_ms() >= reannounce_at &&
		    ag_server_reannounce())
			reannounce_at = sl_agent_now_ms() + REANNOUNCE_MS;
		if (main_done_at < 0)
			continue;
		pthread_mutex_lock(&ag_main.mu);
		/* Output held for a reader is not a child keeping the pipe
		 * open: the drain time counts from the last hold. */
		if (pumps_held > 0)
			main_done_at = sl_agent_now_ms();
		if (!announced && (pumps == 0 || sl_agent_now_ms() - main_done_at >= DRAIN_MS)) {
			unsigned char b[4];

			ag_main.exited = 1;
			pthread_cond_broadcast(&ag_main.cv);
			sl_agent_u32_put(b, (uint32_t)ag_main.code);
			pthread_mutex_unlock(&ag_main.mu);
			ag_conn_broadcast(SL_AGENT_EXIT, b, sizeof(b));
			announced = 1;
			deadline = sl_agent_now_ms() + (int64_t)ag_opts.exit_wait * 1000;
			pthread_mutex_lock(&ag_main.mu);
		}
		int done = announced && (ag_main.acked || sl_agent_now_ms() >= deadline);

		pthread_mutex_unlock(&ag_main.mu);
		if (done)
			break;
	}
	return ag_main.code;
}
