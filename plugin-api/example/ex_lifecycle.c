/*
 * ex_lifecycle.c - create, start, stop, kill, pause, unpause, remove.
 *
 * Each run of a container has one supervisor thread: it pumps the
 * process's output into the log buffer, notices the exit, and reports
 * EXITED.  Reports go through x->report_lock so that start's RUNNING can
 * never arrive after the EXITED of the same run; x->lock is never held
 * while calling into the host, because the host may call another hook of
 * ours from inside its own locks.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ex.h"

/* Time slice for waits that must notice a cancelled call. */
#define SLICE_MS 200

struct sup_arg {
	struct ex_ctr *x;
	struct ex_child ch;
};

static void report(struct ex_ctr *x, sl_container *c, int status,
	int exit_code, int64_t started, int64_t finished, pid_t pid)
{
	struct sl_state_v1 st = {
		SL_HEADER(struct sl_state_v1),
		.status = status,
		.exit_code = exit_code,
		.started_ns = started,
		.finished_ns = finished,
		.pid = (int32_t)pid,
	};

	x->be->host->state_changed(c, &st);
}

/* Whether appending n bytes would push the buffer past its limit with
 * output a pinned reader still needs (it must have caught up first). */
static int must_wait(const struct ex_logbuf *lb, size_t n)
{
	uint64_t backlog = ex_logbuf_backlog(lb);

	return backlog > 0 && backlog + n > lb->limit;
}

/*
 * Appends a chunk of the run's output to the log buffer.  An attached
 * client must get every byte, so while the chunk would put one more than
 * the whole buffer behind, the supervisor stops reading (the caller is
 * ex_pump, between two reads): the pipe fills and the process blocks in
 * write(), as under dockerd's blocking log mode.  A slow `logs -f` does
 * not hold the process back (as with dockerd); it may miss what the
 * limit pushed out.  Once the main process has exited nothing waits: the
 * rest of the pipe goes into the buffer, above the limit if a reader
 * needs it, and the exit is reported without delay.
 */
static int ctr_sink(void *arg, int fd, const char *buf, size_t n)
{
	struct ex_ctr *x = arg;
	int64_t ts;

	pthread_mutex_lock(&x->lock);
	if (ex_agent_announce(x, fd, &buf, &n))
		pthread_cond_broadcast(&x->cond);
	if (!n) {
		pthread_mutex_unlock(&x->lock);
		return 0;
	}
	while (must_wait(&x->log, n) && x->pid > 0 &&
	       !ex_pid_exited(x->pid, 0)) {
		struct timespec dl;

		/* The slice notices the exit (a stop, a kill) while waiting. */
		ex_deadline(&dl, SLICE_MS);
		pthread_cond_timedwait(&x->room, &x->lock, &dl);
	}
	/* Stamped when appended: attach matches times against requested_ns. */
	ts = ex_now_ns();
	/* On ENOMEM the chunk is lost but the process keeps running. */
	(void)ex_logbuf_append(&x->log, fd, ts, buf, n);
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	return 0;
}

static void *supervise(void *arg)
{
	struct sup_arg *sa = arg;
	struct ex_ctr *x = sa->x;
	const struct sl_host_v1 *host = x->be->host;
	sl_container *h;
	int cancelled, status, code;
	int64_t finished;

	status = ex_pump(&sa->ch, -1, ctr_sink, x, &x->lock, &x->pid,
		&cancelled);
	if (!sa->ch.pty) {
		/* The pty master belongs to x (stdin, resize). */
		ex_child_close(&sa->ch);
	}
	code = ex_exit_code(status);

	pthread_mutex_lock(&x->lock);
	/* Docker kills every process of the container when its main
	 * process dies; the execs are ours to kill. */
	ex_ctr_signal(x, SIGKILL, 1);
	h = x->handle;
	pthread_mutex_unlock(&x->lock);

	pthread_mutex_lock(&x->report_lock);
	/* Not running before the host hears of it: a `docker rm` right
	 * after `docker wait` must not get "container is running". */
	finished = ex_now_ns();
	pthread_mutex_lock(&x->lock);
	x->running = 0;
	x->paused = 0;
	x->exit_code = code;
	x->finished_ns = finished;
	pthread_mutex_unlock(&x->lock);
	report(x, h, SL_STATUS_EXITED, code, 0, finished, 0);
	/* stop() returns once this is set: after the report. */
	pthread_mutex_lock(&x->lock);
	x->exited_gen = x->gen;
	x->handle = NULL;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	pthread_mutex_unlock(&x->report_lock);

	host->ctr_unref(h);
	free(sa);
	return NULL;
}

static size_t strv_count(const char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* Entrypoint followed by Cmd; a malloc'd array of borrowed strings. */
static const char **ctr_argv(const struct sl_host_v1 *host,
	const sl_container *c)
{
	const char *const *ep = host->ctr_list(c, SL_CTR_ENTRYPOINT);
	const char *const *cmd = host->ctr_list(c, SL_CTR_CMD);
	size_t ne = strv_count(ep), nc = strv_count(cmd);
	const char **argv = calloc(ne + nc + 1, sizeof(*argv));

	if (!argv)
		return NULL;
	for (size_t i = 0; i < ne; i++)
		argv[i] = ep[i];
	for (size_t i = 0; i < nc; i++)
		argv[ne + i] = cmd[i];
	return argv;
}

static int ctr_create(void *state, sl_call *call, sl_container *c)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	const char *const *binds = host->ctr_list(c, SL_CTR_BINDS);
	const char *const *ep = host->ctr_list(c, SL_CTR_ENTRYPOINT);
	const char *const *cmd = host->ctr_list(c, SL_CTR_CMD);
	struct ex_ctr *x;

	/* Volumes are accepted (ex_volume.c: their directories exist, nothing
	 * is mounted); a host path cannot be put anywhere for a process. */
	if (binds && binds[0])
		return host->set_error(call, SL_ENOTSUP,
			"the example backend runs containers as host processes and cannot mount %s",
			binds[0]);
	if (!(ep && ep[0]) && !(cmd && cmd[0]))
		return host->set_error(call, SL_EINVAL, "no command specified");
	if (ex_agent_expect(be, call, c))
		return SL_ENOMEM;
	x = ex_ctr_get(be, c, 1);
	if (!x)
		return host->set_error(call, SL_ENOMEM, "out of memory");
	ex_ctr_put(x);
	return SL_OK;
}

/* Spawns the process of a new run; x->report_lock held. */
static int spawn_run(struct ex_backend *be, sl_call *call, sl_container *c,
	struct ex_child *ch)
{
	const struct sl_host_v1 *host = be->host;
	const char *cwd = host->ctr_str(c, SL_CTR_WORKING_DIR);
	struct ex_spawn_req req;
	struct ex_agent_run ag = {0};
	const char **argv = ctr_argv(host, c);
	char **envp = NULL;
	int rc;

	memset(&req, 0, sizeof(req));
	if (argv) {
		rc = ex_agent_wrap(be, call, c, argv, &ag);
		if (rc < 0)
			goto out;
	}
	envp = ex_env_build(host->ctr_list(c, SL_CTR_ENV),
		(const char *const *)ag.env, host->ctr_str(c, SL_CTR_HOSTNAME),
		(int)host->ctr_int(c, SL_CTR_TTY));
	if (!argv || !envp) {
		rc = host->set_error(call, SL_ENOMEM, "out of memory");
		goto out;
	}
	req.argv = ag.active ? (const char *const *)ag.argv : argv;
	req.envp = envp;
	req.cwd = cwd && *cwd ? cwd : "/";
	req.user = host->ctr_str(c, SL_CTR_USER);
	/* With the agent, it allocates the main process's TTY itself. */
	req.tty = !ag.active && host->ctr_int(c, SL_CTR_TTY) != 0;
	req.want_stdin = host->ctr_int(c, SL_CTR_OPEN_STDIN) != 0;
	req.rows = (unsigned short)host->ctr_int(c, SL_CTR_CONSOLE_HEIGHT);
	req.cols = (unsigned short)host->ctr_int(c, SL_CTR_CONSOLE_WIDTH);
	rc = ex_spawn(host, call, &req, ch);
out:
	free(argv);
	ex_agent_run_free(&ag);
	if (envp)
		for (size_t i = 0; envp[i]; i++)
			explicit_bzero(envp[i], strlen(envp[i]));
	ex_strv_free(envp);
	return rc;
}

static int ctr_start(void *state, sl_call *call, sl_container *c)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct sup_arg *sa = NULL;
	struct ex_ctr *x;
	int64_t started;
	pid_t pid;
	int rc;

	x = ex_ctr_get(be, c, 1);
	sa = calloc(1, sizeof(*sa));
	if (!x || !sa) {
		free(sa);
		ex_ctr_put(x);
		return host->set_error(call, SL_ENOMEM, "out of memory");
	}
	pthread_mutex_lock(&x->report_lock);
	pthread_mutex_lock(&x->lock);
	rc = x->running ? SL_ENOTMODIFIED : SL_OK;
	pthread_mutex_unlock(&x->lock);
	if (rc < 0) {
		host->set_error(call, rc, "container %s is already running",
			x->id);
		goto out;
	}
	/* The previous run's supervisor has reported; reap its thread. */
	ex_ctr_join(x);
	rc = spawn_run(be, call, c, &sa->ch);
	if (rc < 0)
		goto out;

	started = ex_now_ns();
	pthread_mutex_lock(&x->lock);
	if (x->in_fd >= 0 && x->in_fd != x->pty_fd)
		close(x->in_fd);
	if (x->pty_fd >= 0)
		close(x->pty_fd);
	x->pid = pid = sa->ch.pid;
	x->in_fd = sa->ch.in_fd;
	/* x owns stdin now (an attach may close it on EOF): the supervisor
	 * must not close the same descriptor again, or it closes whatever
	 * reused the number, an upgraded client socket say. */
	if (!sa->ch.pty)
		sa->ch.in_fd = -1;
	x->pty = sa->ch.pty;
	x->pty_fd = sa->ch.pty ? sa->ch.out_fd : -1;
	x->gen++;
	x->finished_ns = 0;
	x->running = 1;
	x->paused = 0;
	x->agent_wait = be->agent_path && !be->agent_reverse;
	x->agent_addr[0] = 0;
	x->handle = host->ctr_ref(c);
	sa->x = x;
	if (pthread_create(&x->sup, NULL, supervise, sa) != 0) {
		/* Without a supervisor nobody would reap it: undo the run. */
		(void)kill(-pid, SIGKILL);
		x->pid = 0;
		x->running = 0;
		x->finished_ns = started;
		x->exited_gen = x->gen;
		host->ctr_unref(x->handle);
		x->handle = NULL;
		pthread_mutex_unlock(&x->lock);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (!sa->ch.pty)
			ex_child_close(&sa->ch);
		rc = host->set_error(call, SL_EINTERNAL,
			"cannot start the supervisor thread");
		goto out;
	}
	x->sup_joinable = 1;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	sa = NULL;

	/* recover() finds the process again by this pid and start time. */
	report(x, c, SL_STATUS_RUNNING, 0, started, 0, pid);
	rc = SL_OK;
out:
	pthread_mutex_unlock(&x->report_lock);
	/* Outside report_lock: the agent may report the exit meanwhile. */
	if (rc == SL_OK && be->agent_path && !be->agent_reverse)
		(void)ex_agent_connect(be, call, c, x);
	free(sa);
	ex_ctr_put(x);
	return rc;
}

/* Waits until run `gen` has been reported EXITED, up to `ms` (-1 = no
 * limit).  x->lock held.  0, SL_ETIMEDOUT or SL_ECANCELED. */
static int wait_exit(struct ex_ctr *x, const struct sl_host_v1 *host,
	sl_call *call, uint64_t gen, long ms)
{
	int64_t end = ms < 0 ? 0 : ex_now_ns() + (int64_t)ms * 1000000;

	while (x->exited_gen < gen) {
		struct timespec ts;

		if (call && host->cancelled(call))
			return SL_ECANCELED;
		if (ms >= 0 && ex_now_ns() >= end)
			return SL_ETIMEDOUT;
		ex_deadline(&ts, SLICE_MS);
		pthread_cond_timedwait(&x->cond, &x->lock, &ts);
	}
	return 0;
}

static int not_running(const struct sl_host_v1 *host, sl_call *call,
	int status, const sl_container *c)
{
	return host->set_error(call, status, "container %s is not running",
		host->ctr_str(c, SL_CTR_ID));
}

static int ctr_stop(void *state, sl_call *call, sl_container *c, int signo,
	int timeout_s)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct ex_ctr *x = ex_ctr_get(be, c, 0);
	int64_t t;
	uint64_t gen;
	int rc, was_paused;

	if (!x)
		return not_running(host, call, SL_ENOTMODIFIED, c);
	if (signo <= 0)
		signo = ex_parse_signal(host->ctr_str(c, SL_CTR_STOP_SIGNAL));
	if (signo <= 0)
		signo = SIGTERM;
	if (timeout_s < 0) {
		t = host->ctr_int(c, SL_CTR_STOP_TIMEOUT);
		timeout_s = t >= 0 ? (int)t : be->stop_timeout;
	}

	pthread_mutex_lock(&x->report_lock);
	pthread_mutex_lock(&x->lock);
	if (!x->running || x->pid <= 0) {
		pthread_mutex_unlock(&x->lock);
		pthread_mutex_unlock(&x->report_lock);
		ex_ctr_put(x);
		return not_running(host, call, SL_ENOTMODIFIED, c);
	}
	gen = x->gen;
	was_paused = x->paused;
	ex_ctr_signal(x, signo, 0);
	if (was_paused) {
		/* A stopped process cannot act on the signal. */
		ex_ctr_signal(x, SIGCONT, 1);
		x->paused = 0;
	}
	pthread_mutex_unlock(&x->lock);
	if (was_paused)
		report(x, c, SL_STATUS_RUNNING, 0, 0, 0, 0);
	pthread_mutex_unlock(&x->report_lock);

	pthread_mutex_lock(&x->lock);
	rc = wait_exit(x, host, call, gen, (long)timeout_s * 1000);
	if (rc == SL_ETIMEDOUT) {
		if (x->exited_gen < gen)
			ex_ctr_signal(x, SIGKILL, 1);
		rc = wait_exit(x, host, call, gen, -1);
	}
	pthread_mutex_unlock(&x->lock);
	ex_ctr_put(x);
	if (rc == SL_ECANCELED)
		return host->set_error(call, rc, "stop cancelled");
	return SL_OK;
}

static int ctr_kill(void *state, sl_call *call, sl_container *c, int signo)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct ex_ctr *x = ex_ctr_get(be, c, 0);
	int rc = SL_OK;

	if (signo <= 0 || signo >= NSIG)
		rc = host->set_error(call, SL_EINVAL, "invalid signal %d",
			signo);
	else if (!x)
		rc = not_running(host, call, SL_ECONFLICT, c);
	if (rc < 0)
		goto out;
	pthread_mutex_lock(&x->lock);
	if (x->running && x->pid > 0)
		ex_ctr_signal(x, signo, 0);
	else
		rc = not_running(host, call, SL_ECONFLICT, c);
	pthread_mutex_unlock(&x->lock);
out:
	ex_ctr_put(x);
	return rc;
}

static int pause_common(void *state, sl_call *call, sl_container *c,
	int pause)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct ex_ctr *x = ex_ctr_get(be, c, 0);
	int rc = SL_OK;

	if (!x)
		return not_running(host, call, SL_ECONFLICT, c);
	pthread_mutex_lock(&x->report_lock);
	pthread_mutex_lock(&x->lock);
	if (!x->running || x->pid <= 0)
		rc = not_running(host, call, SL_ECONFLICT, c);
	else if (pause && x->paused)
		rc = host->set_error(call, SL_ECONFLICT,
			"container %s is already paused", x->id);
	else if (!pause && !x->paused)
		rc = host->set_error(call, SL_ECONFLICT,
			"container %s is not paused", x->id);
	if (rc == SL_OK) {
		/* The whole group, execs included, like the cgroup freezer. */
		ex_ctr_signal(x, pause ? SIGSTOP : SIGCONT, 1);
		x->paused = pause;
	}
	pthread_mutex_unlock(&x->lock);
	if (rc == SL_OK)
		report(x, c, pause ? SL_STATUS_PAUSED : SL_STATUS_RUNNING, 0,
			0, 0, 0);
	pthread_mutex_unlock(&x->report_lock);
	ex_ctr_put(x);
	return rc;
}

static int ctr_pause(void *state, sl_call *call, sl_container *c)
{
	return pause_common(state, call, c, 1);
}

static int ctr_unpause(void *state, sl_call *call, sl_container *c)
{
	return pause_common(state, call, c, 0);
}

static int ctr_remove(void *state, sl_call *call, sl_container *c, int force)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct ex_ctr *x = ex_ctr_get(be, c, 0);

	if (!x)
		return SL_OK;  /* never started: nothing of ours to release */
	pthread_mutex_lock(&x->lock);
	if (x->running && !force) {
		pthread_mutex_unlock(&x->lock);
		ex_ctr_put(x);
		return host->set_error(call, SL_ECONFLICT,
			"cannot remove container %s: container is running: stop the container before removing or force remove",
			host->ctr_str(c, SL_CTR_ID));
	}
	if (x->running) {
		ex_ctr_signal(x, SIGKILL, 1);
		(void)wait_exit(x, host, NULL, x->gen, -1);
	}
	x->removed = 1;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	ex_ctr_join(x);
	ex_ctr_unlist(x);
	ex_ctr_put(x);
	return SL_OK;
}

void ex_lifecycle_shutdown(struct ex_backend *be)
{
	struct ex_ctr **v = NULL, *x;
	size_t n = 0, i;
	int64_t end;

	pthread_mutex_lock(&be->lock);
	for (x = be->ctrs; x; x = x->next)
		n++;
	v = calloc(n ? n : 1, sizeof(*v));
	n = 0;
	for (x = be->ctrs; v && x; x = x->next) {
		x->refs++;
		v[n++] = x;
	}
	pthread_mutex_unlock(&be->lock);
	if (!v)
		return;  /* cannot happen in practice; leaks rather than hangs */

	/* Docker's shutdown: the stop signal to all, then SIGKILL. */
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&v[i]->lock);
		ex_ctr_signal(v[i], SIGTERM, 1);
		ex_ctr_signal(v[i], SIGCONT, 1);
		pthread_mutex_unlock(&v[i]->lock);
	}
	end = ex_now_ns() + (int64_t)be->shutdown_timeout * 1000000000;
	for (i = 0; i < n; i++) {
		long left = (long)((end - ex_now_ns()) / 1000000);

		pthread_mutex_lock(&v[i]->lock);
		if (v[i]->running &&
		    wait_exit(v[i], be->host, NULL, v[i]->gen,
			left > 0 ? left : 0) < 0) {
			ex_ctr_signal(v[i], SIGKILL, 1);
			(void)wait_exit(v[i], be->host, NULL, v[i]->gen, -1);
		}
		v[i]->removed = 1;
		pthread_cond_broadcast(&v[i]->cond);
		pthread_mutex_unlock(&v[i]->lock);
		ex_ctr_join(v[i]);
		ex_ctr_unlist(v[i]);
		ex_ctr_put(v[i]);
	}
	free(v);
}

const struct sl_container_ops_v1 ex_container_ops = {
	SL_HEADER(struct sl_container_ops_v1),
	.create = ctr_create,
	.start = ctr_start,
	.stop = ctr_stop,
	.kill = ctr_kill,
	.remove = ctr_remove,
	.restart = NULL,   /* the host runs stop, then start */
	.pause = ctr_pause,
	.unpause = ctr_unpause,
	.refresh = NULL,   /* the supervisor reports every change itself */
};
