/*
 * agent/proc.c - starting the main process and exec processes, and
 * handing exit statuses from the reaper (supervise.c, the only caller of
 * waitpid) to the threads waiting for them.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct waiter {
	pid_t pid;
	int done, status;
	struct waiter *next;
};

/* Fork and registration happen under this lock, so the reaper, which
 * looks a pid up under it, never sees a child before it is registered. */
static pthread_mutex_t procs_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t procs_cv = PTHREAD_COND_INITIALIZER;
static struct waiter *procs;

int
ag_status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

void
ag_proc_reaped(pid_t pid, int status)
{
	pthread_mutex_lock(&procs_mu);
	for (struct waiter *w = procs; w; w = w->next)
		if (w->pid == pid) {
			w->done = 1;
			w->status = status;
			pthread_cond_broadcast(&procs_cv);
			break;
		}
	pthread_mutex_unlock(&procs_mu);
}

int
ag_proc_wait(pid_t pid)
{
	struct waiter **pp, *w = NULL;
	int status = 0;

	pthread_mutex_lock(&procs_mu);
	for (;;) {
		for (pp = &procs; *pp; pp = &(*pp)->next)
			if ((*pp)->pid == pid)
				break;
		w = *pp;
		if (w == NULL || w->done)
			break;
		pthread_cond_wait(&procs_cv, &procs_mu);
	}
	if (w != NULL) {
		status = w->status;
		*pp = w->next;
		free(w);
	}
	pthread_mutex_unlock(&procs_mu);
	return ag_status_code(status);
}

static const char *
env_get(char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

char *
ag_which(const char *argv0, char *const *env)
{
	const char *path = env_get(env, "PATH");
	struct stat st;

	if (strchr(argv0, '/') != NULL)
		return strdup(argv0);
	if (path == NULL)
		path = DEFAULT_PATH;
	while (*path) {
		size_t n = strcspn(path, ":");
		char *cand;

		if (asprintf(&cand, "%.*s/%s", (int)n, n ? path : ".", argv0) < 0)
			return NULL;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return cand;
		free(cand);
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

/* A child whose exec failed exits at once.  The caller may be the
 * reaper itself (the main process starts before the supervisor loop),
 * so it cannot wait for the reaper: it reaps the child here unless the
 * reaper already did. */
static void
reap_failed(pid_t pid)
{
	struct waiter **pp;
	int st;

	if (waitpid(pid, &st, 0) != pid) {
		(void)ag_proc_wait(pid);
		return;
	}
	pthread_mutex_lock(&procs_mu);
	for (pp = &procs; *pp; pp = &(*pp)->next)
		if ((*pp)->pid == pid) {
			struct waiter *w = *pp;

			*pp = w->next;
			free(w);
			break;
		}
	pthread_mutex_unlock(&procs_mu);
}

/* In the child after fork: async-signal-safe calls only.  Reports errno
 * on EP (close-on-exec) when the exec fails. */
static void
child(const struct ag_spawn *sp, pid_t agent, const char *file,
    const char *slave, int in, int out, int err, int ep)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (slave != NULL) {
		int fd;

		setsid();
		if ((fd = open(slave, O_RDWR)) < 0)
			goto fail;
		(void)ioctl(fd, TIOCSCTTY, 0);
		in = out = err = fd;
	} else {
		setpgid(0, 0);
	}
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		goto fail;
	if (sp->cred != NULL) {
		if (setgroups(sp->cred->ngroups, sp->cred->groups) < 0 ||
		    setgid(sp->cred->gid) < 0 || setuid(sp->cred->uid) < 0)
			goto fail;
	}
	if (sp->workdir != NULL && *sp->workdir && chdir(sp->workdir) < 0)
		goto fail;
	/* After the credentials change, which clears it; then the agent
	 * may already be gone. */
	if (sp->die_with_agent &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != agent))
		_exit(128 + SIGKILL);
	execve(file, sp->argv, sp->env);
fail:
	e = errno;
	(void)!write(ep, &e, sizeof(e));
	_exit(127);
}

int
ag_spawn(struct ag_spawn *sp, char *err, size_t errlen, int *notfound)
{
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 }, xp[2] = { -1, -1 };
	int ep[2] = { -1, -1 }, master = -1, e = 0, rc = -1;
	char slave[128], *file;
	struct waiter *w = NULL;
	pid_t pid, self;
	ssize_t r;

	*notfound = 0;
	file = ag_which(sp->argv[0], sp->env);
	if (file == NULL) {
		*notfound = 1;
		snprintf(err, errlen, "exec: \"%s\": executable file not found "
		    "in $PATH", sp->argv[0]);
		return -1;
	}
	if (pipe2(ep, O_CLOEXEC) < 0 || (w = calloc(1, sizeof(*w))) == NULL)
		goto sys;
	if (sp->tty) {
		if (ag_pty_open(&master, slave, sizeof(slave)) < 0)
			goto sys;
		ag_pty_resize(master, sp->rows, sp->cols);
	} else {
		if (pipe2(op, O_CLOEXEC) < 0 || pipe2(xp, O_CLOEXEC) < 0)
			goto sys;
		if (sp->stdin_pipe ? pipe2(ip, O_CLOEXEC) < 0 :
		    (ip[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
			/* A root without /dev/null (scratch images): a pipe
			 * closed at once reads as end of file just the same. */
			if (sp->stdin_pipe || pipe2(ip, O_CLOEXEC) < 0)
				goto sys;
			close(ip[1]);
			ip[1] = -1;
		}
	}
	pthread_mutex_lock(&procs_mu);
	self = getpid();
	pid = fork();
	if (pid == 0)
		child(sp, self, file, sp->tty ? slave : NULL, ip[0], op[1],
		    xp[1], ep[1]);
	if (pid > 0) {
		w->pid = pid;
		w->next = procs;
		procs = w;
		w = NULL;
	}
	pthread_mutex_unlock(&procs_mu);
	if (pid < 0)
		goto sys;
	close(ep[1]);
	ep[1] = -1;
	do
		r = read(ep[0], &e, sizeof(e));
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)sizeof(e)) {
		reap_failed(pid);
		*notfound = e == ENOENT;
		if (e == ENOENT && sp->workdir && access(sp->workdir, F_OK) < 0)
			snprintf(err, errlen, "chdir to cwd (\"%s\") set in "
			    "config.json failed: no such file or directory",
			    sp->workdir);
		else
			snprintf(err, errlen, "exec: \"%s\": %s", file,
			    strerror(e));
		if (e == ENOENT && sp->workdir && access(sp->workdir, F_OK) < 0)
			*notfound = 0;
		goto out;
	}
	sp->pid = pid;
	if (sp->tty) {
		sp->in_fd = sp->out_fd = sp->err_fd = master;
		master = -1;
	} else {
		sp->in_fd = ip[1];
		sp->out_fd = op[0];
		sp->err_fd = xp[0];
		ip[1] = op[0] = xp[0] = -1;
	}
	rc = 0;
	goto out;
sys:
	snprintf(err, errlen, "cannot start %s: %s", sp->argv[0],
	    strerror(errno));
out:
	free(w);
	free(file);
	for (int i = 0; i < 2; i++) {
		if (ip[i] >= 0) close(ip[i]);
		if (op[i] >= 0) close(op[i]);
		if (xp[i] >= 0) close(xp[i]);
		if (ep[i] >= 0) close(ep[i]);
	}
	if (master >= 0)
		close(master);
	return rc;
}
