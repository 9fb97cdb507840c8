/*
 * ex_exec.c - docker exec: another host process beside the container's.
 *
 * The exec gets the container's environment (overridden by its own), the
 * container's working directory and user unless the exec names others,
 * and its own session.  It is recorded in the container so that pause,
 * stop and the container's exit reach it too, as they would inside a real
 * container.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "ex.h"

struct exec_sink {
	const struct sl_host_v1 *host;
	sl_stream *io;
	int want[3];
};

static int exec_sink_fn(void *arg, int fd, const char *buf, size_t n)
{
	struct exec_sink *s = arg;

	if (!s->want[fd == 2 ? 2 : 1])
		return 0;
	return s->host->stream_write(s->io, fd, buf, n) < 0 ? -1 : 0;
}

static int discard_sink(void *arg, int fd, const char *buf, size_t n)
{
	(void)arg;
	(void)fd;
	(void)buf;
	(void)n;
	return 0;
}

struct reaper_arg {
	struct ex_ctr *x;
	struct ex_exec *rec;
	struct ex_child ch;
};

/* Waits for a detached exec; its output goes to /dev/null. */
static void *reap_detached(void *arg)
{
	struct reaper_arg *ra = arg;
	struct ex_ctr *x = ra->x;
	int cancelled;
	int status = ex_pump(&ra->ch, -1, discard_sink, NULL, &x->lock,
		&ra->rec->pid, &cancelled);

	ex_child_close(&ra->ch);
	pthread_mutex_lock(&x->lock);
	ra->rec->running = 0;
	ra->rec->exit_code = ex_exit_code(status);
	ra->rec->pty_fd = -1;
	pthread_mutex_unlock(&x->lock);
	free(ra);
	return NULL;
}

static void unlink_exec(struct ex_ctr *x, struct ex_exec *rec)
{
	for (struct ex_exec **pp = &x->execs; *pp; pp = &(*pp)->next) {
		if (*pp == rec) {
			*pp = rec->next;
			return;
		}
	}
}

/* Spawns the exec's process; x->lock held (so the container cannot end
 * between the check and the registration). */
static int spawn_exec(struct ex_backend *be, sl_call *call, sl_container *c,
	sl_exec *e, int attached, struct ex_child *ch)
{
	const struct sl_host_v1 *host = be->host;
	const char *cwd = host->exec_str(e, SL_EXEC_WORKING_DIR);
	const char *user = host->exec_str(e, SL_EXEC_USER);
	int tty = host->exec_int(e, SL_EXEC_TTY) != 0;
	struct ex_spawn_req req;
	char **envp;
	int rc;

	if (!cwd || !*cwd)
		cwd = host->ctr_str(c, SL_CTR_WORKING_DIR);
	if (!user || !*user)
		user = host->ctr_str(c, SL_CTR_USER);
	envp = ex_env_build(host->ctr_list(c, SL_CTR_ENV),
		host->exec_list(e, SL_EXEC_ENV),
		host->ctr_str(c, SL_CTR_HOSTNAME), tty);
	if (!envp)
		return host->set_error(call, SL_ENOMEM, "out of memory");
	memset(&req, 0, sizeof(req));
	req.argv = host->exec_list(e, SL_EXEC_CMD);
	req.envp = envp;
	req.cwd = cwd && *cwd ? cwd : "/";
	req.user = user;
	req.tty = tty;
	req.want_stdin = attached && host->exec_int(e, SL_EXEC_ATTACH_STDIN);
	req.discard_output = !attached;
	req.rows = (unsigned short)host->exec_int(e, SL_EXEC_CONSOLE_HEIGHT);
	req.cols = (unsigned short)host->exec_int(e, SL_EXEC_CONSOLE_WIDTH);
	rc = ex_spawn(host, call, &req, ch);
	ex_strv_free(envp);
	return rc;
}

/*
 * A command that cannot be run ends the exec with 127 (not found) or 126
 * (not executable).  Attached, this is what dockerd does: it writes the
 * reason on the exec's stdout and answers success, and the docker CLI
 * reads the exit code back and exits with it.  A detached start fails
 * with the reason (as dockerd's does), *exit_code set all the same.
 */
static int exec_not_run(const struct sl_host_v1 *host, sl_stream *io,
	const struct ex_child *ch, int rc, int *exit_code)
{
	char msg[sizeof(ch->why) + 2];
	int n;

	*exit_code = ch->not_run;
	if (!io)
		return rc;
	n = snprintf(msg, sizeof(msg), "%s\r\n", ch->why);
	(void)host->stream_write(io, 1, msg, (size_t)n);
	return SL_OK;
}

/* Moves the attached exec's stdio over io until it exits. */
static int run_attached(struct ex_backend *be, sl_call *call, sl_exec *e,
	struct ex_ctr *x, struct ex_exec *rec, struct ex_child *ch,
	sl_stream *io, int *exit_code)
{
	const struct sl_host_v1 *host = be->host;
	struct exec_sink sink = { host, io, { 0, 0, 0 } };
	struct ex_stdin in;
	int cancelled = 0, status, cfd = host->cancel_fd(call);

	sink.want[1] = host->exec_int(e, SL_EXEC_ATTACH_STDOUT) != 0;
	sink.want[2] = host->exec_int(e, SL_EXEC_ATTACH_STDERR) != 0;
	memset(&in, 0, sizeof(in));
	in.fd = -1;
	if (ch->in_fd >= 0) {
		in.host = host;
		in.s = io;
		in.fd = ch->in_fd;
		/* A pipe is the exec's alone; a pty master also reads output. */
		in.close_on_eof = !ch->pty;
		if (!ch->pty)
			ch->in_fd = -1;
		if (ex_stdin_start(&in) < 0)
			(void)kill(-ch->pid, SIGKILL);
	}
	status = ex_pump(ch, cfd, exec_sink_fn, &sink, &x->lock, &rec->pid,
		&cancelled);
	ex_stdin_join(&in);
	if (!ch->pty && in.fd >= 0)
		close(in.fd);
	pthread_mutex_lock(&x->lock);
	rec->pty_fd = -1;
	unlink_exec(x, rec);
	pthread_mutex_unlock(&x->lock);
	ex_child_close(ch);
	free(rec);
	*exit_code = ex_exit_code(status);
	if (cancelled)
		return host->set_error(call, SL_ECANCELED, "exec cancelled");
	return SL_OK;
}

static int x_start(void *state, sl_call *call, sl_container *c, sl_exec *e,
	sl_stream *io, int *exit_code)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct ex_ctr *x = ex_ctr_get(be, c, 0);
	const char *id = host->exec_str(e, SL_EXEC_ID);
	struct ex_exec *rec = calloc(1, sizeof(*rec));
	struct reaper_arg *ra = NULL;
	struct ex_child ch;
	int rc;

	*exit_code = 0;
	memset(&ch, 0, sizeof(ch));   /* spawn_exec may fail before ex_spawn */
	if (!rec) {
		rc = host->set_error(call, SL_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(rec->id, sizeof(rec->id), "%s", id ? id : "");
	rec->pty_fd = -1;
	if (!x) {
		rc = host->set_error(call, SL_ECONFLICT,
			"container %s is not running", host->ctr_str(c, SL_CTR_ID));
		goto out;
	}
	if (!io && !(ra = calloc(1, sizeof(*ra)))) {
		rc = host->set_error(call, SL_ENOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_lock(&x->lock);
	if (x->pid <= 0) {
		pthread_mutex_unlock(&x->lock);
		rc = host->set_error(call, SL_ECONFLICT,
			"container %s is not running", x->id);
		goto out;
	}
	if (x->paused) {
		pthread_mutex_unlock(&x->lock);
		rc = host->set_error(call, SL_ECONFLICT,
			"container %s is paused, unpause the container before exec",
			x->id);
		goto out;
	}
	rc = spawn_exec(be, call, c, e, io != NULL, &ch);
	if (rc < 0) {
		pthread_mutex_unlock(&x->lock);
		if (ch.not_run)
			rc = exec_not_run(host, io, &ch, rc, exit_code);
		goto out;
	}
	rec->pid = ch.pid;
	rec->running = 1;
	rec->pty_fd = ch.pty ? ch.out_fd : -1;
	rec->next = x->execs;
	x->execs = rec;
	if (!io) {
		ra->x = x;
		ra->rec = rec;
		ra->ch = ch;
		if (pthread_create(&rec->thread, NULL, reap_detached, ra) == 0) {
			rec->reaper = 1;
			ra = NULL;
		} else {
			(void)kill(-ch.pid, SIGKILL);
			rc = host->set_error(call, SL_EINTERNAL,
				"cannot start the exec's reaper thread");
		}
		pthread_mutex_unlock(&x->lock);
		if (ra) {
			/* Reap here instead. */
			int cancelled;

			(void)ex_pump(&ra->ch, -1, discard_sink, NULL, &x->lock,
				&rec->pid, &cancelled);
			ex_child_close(&ra->ch);
			pthread_mutex_lock(&x->lock);
			rec->running = 0;
			rec->exit_code = 137;
			pthread_mutex_unlock(&x->lock);
		}
		rec = NULL;  /* kept in x->execs for inspect */
		goto out;
	}
	pthread_mutex_unlock(&x->lock);
	rc = run_attached(be, call, e, x, rec, &ch, io, exit_code);
	rec = NULL;
out:
	free(ra);
	free(rec);
	ex_ctr_put(x);
	return rc;
}

/* The record of exec `e`; x->lock held. */
static struct ex_exec *find_exec(struct ex_ctr *x, const struct sl_host_v1 *host,
	const sl_exec *e)
{
	const char *id = host->exec_str(e, SL_EXEC_ID);

	for (struct ex_exec *r = x->execs; id && r; r = r->next)
		if (strcmp(r->id, id) == 0)
			return r;
	return NULL;
}

static int x_resize(void *state, sl_call *call, sl_container *c, sl_exec *e,
	int height, int width)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct ex_ctr *x = ex_ctr_get(be, c, 0);
	struct ex_exec *r;
	struct winsize ws;
	int rc = SL_OK;

	if (height <= 0 || width <= 0 || height > 65535 || width > 65535) {
		rc = host->set_error(call, SL_EINVAL, "invalid size %dx%d",
			height, width);
		goto out;
	}
	if (!x) {
		rc = host->set_error(call, SL_ENOTFOUND, "no such exec");
		goto out;
	}
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = (unsigned short)height;
	ws.ws_col = (unsigned short)width;
	pthread_mutex_lock(&x->lock);
	r = find_exec(x, host, e);
	if (!r || !r->running)
		rc = host->set_error(call, SL_ECONFLICT,
			"exec %s is not running", host->exec_str(e, SL_EXEC_ID));
	else if (r->pty_fd >= 0)
		(void)ioctl(r->pty_fd, TIOCSWINSZ, &ws);
	pthread_mutex_unlock(&x->lock);
out:
	ex_ctr_put(x);
	return rc;
}

static int x_inspect(void *state, sl_call *call, sl_container *c, sl_exec *e,
	int *running, int *exit_code)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct ex_ctr *x = ex_ctr_get(be, c, 0);
	struct ex_exec *r = NULL;
	int rc = SL_OK;

	if (x) {
		pthread_mutex_lock(&x->lock);
		r = find_exec(x, host, e);
		if (r) {
			*running = r->running;
			*exit_code = r->exit_code;
		}
		pthread_mutex_unlock(&x->lock);
	}
	if (!r)
		rc = host->set_error(call, SL_ENOTFOUND,
			"the example backend has no record of exec %s",
			host->exec_str(e, SL_EXEC_ID));
	ex_ctr_put(x);
	return rc;
}

const struct sl_exec_ops_v1 ex_exec_ops = {
	SL_HEADER(struct sl_exec_ops_v1),
	.create = NULL,    /* every exec of a running container is fine */
	.start = x_start,
	.resize = x_resize,
	.inspect = x_inspect,
};
