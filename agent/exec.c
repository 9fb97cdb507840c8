/*
 * agent/exec.c - exec sessions: a new process with its own argv, env,
 * user, working dir and optional TTY; output and exit code go back on the
 * session's channel.
 */
#include "agent.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

struct exec {
	struct ag_stdin in;
	int out_fd, err_fd;	/* the same master with a TTY */
	pid_t pid;
	int tty;
};

static void
exec_free(void *p)
{
	struct exec *x = p;

	if (x == NULL)
		return;
	pthread_mutex_lock(&x->in.mu);
	if (x->in.fd >= 0 && x->in.fd != x->out_fd)
		close(x->in.fd);
	pthread_mutex_unlock(&x->in.mu);
	if (x->out_fd >= 0)
		close(x->out_fd);
	if (x->err_fd >= 0 && x->err_fd != x->out_fd)
		close(x->err_fd);
	pthread_mutex_destroy(&x->in.mu);
	free(x);
}

/* Sets KV (K=V) in the vector *ENV of *N entries, replacing the same
 * key.  Takes KV. */
static int
env_set(char ***env, size_t *n, char *kv)
{
	size_t klen = strcspn(kv, "=");
	char **ne;

	for (size_t i = 0; i < *n; i++)
		if (strncmp((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = kv;
			return 0;
		}
	ne = realloc(*env, (*n + 2) * sizeof(*ne));
	if (ne == NULL) {
		free(kv);
		return -1;
	}
	ne[(*n)++] = kv;
	ne[*n] = NULL;
	*env = ne;
	return 0;
}

static int
env_has(char **env, size_t n, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], key, kl) == 0 && env[i][kl] == '=')
			return 1;
	return 0;
}

static void
strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The exec's environment: the container's (the agent's, without its
 * token) plus the session's env, HOME of the user and TERM with a TTY,
 * as Docker does.  Caller frees with strv_free. */
static char **
build_env(struct ag_session *s, const struct ag_cred *cred, int tty)
{
	char **env = calloc(1, sizeof(*env)), *kv;
	size_t n = 0, pos = 0;
	const char *k, *v;

	if (env == NULL)
		return NULL;
	for (char **e = environ; *e; e++)
		if ((kv = strdup(*e)) == NULL || env_set(&env, &n, kv) < 0)
			goto fail;
	while (sl_agent_fields_next(s->open, s->openlen, &pos, &k, &v) == 1) {
		if (strcmp(k, "env") != 0 || strchr(v, '=') == NULL)
			continue;
		if ((kv = strdup(v)) == NULL || env_set(&env, &n, kv) < 0)
			goto fail;
	}
	if (!env_has(env, n, "HOME") && cred->home != NULL &&
	    (asprintf(&kv, "HOME=%s", cred->home) < 0 ||
	    env_set(&env, &n, kv) < 0))
		goto fail;
	if (tty && !env_has(env, n, "TERM") &&
	    ((kv = strdup("TERM=xterm")) == NULL || env_set(&env, &n, kv) < 0))
		goto fail;
	return env;
fail:
	strv_free(env);
	return NULL;
}

static char **
build_argv(struct ag_session *s)
{
	size_t pos = 0, n = 0;
	const char *k, *v;
	char **argv = calloc(1, sizeof(*argv));

	while (argv != NULL &&
	    sl_agent_fields_next(s->open, s->openlen, &pos, &k, &v) == 1) {
		char **na;

		if (strcmp(k, "argv") != 0)
			continue;
		na = realloc(argv, (n + 2) * sizeof(*na));
		if (na == NULL || (na[n] = strdup(v)) == NULL) {
			strv_free(na ? na : argv);
			return NULL;
		}
		na[++n] = NULL;
		argv = na;
	}
	return argv;
}

static int
flag(struct ag_session *s, const char *key)
{
	const char *v = ag_sess_get(s, key);

	return v != NULL && strcmp(v, "1") == 0;
}

int
ag_exec_open(struct ag_session *s)
{
	const char *user = ag_sess_get(s, "user");
	const char *wd = ag_sess_get(s, "workdir");
	const char *rows = ag_sess_get(s, "rows"), *cols = ag_sess_get(s, "cols");
	struct ag_cred cred;
	struct ag_spawn sp = { 0 };
	struct sl_agent_fields f = { 0 };
	struct exec *x = NULL;
	char **argv = NULL, **env = NULL, err[512];
	int notfound, rc = -1;

	if (user == NULL || *user == '\0')
		user = ag_opts.user;
	if (wd == NULL || *wd == '\0')
		wd = ag_opts.workdir;
	if (ag_user_resolve(user, &cred, err, sizeof(err)) < 0) {
		ag_sess_error(s, "invalid", "%s", err);
		return -1;
	}
	argv = build_argv(s);
	if (argv == NULL || argv[0] == NULL) {
		ag_sess_error(s, "invalid", "exec needs a command (argv)");
		goto out;
	}
	sp.tty = flag(s, "tty");
	if ((env = build_env(s, &cred, sp.tty)) == NULL ||
	    (x = calloc(1, sizeof(*x))) == NULL) {
		ag_sess_error(s, "internal", "out of memory");
		goto out;
	}
	sp.argv = argv;
	sp.env = env;
	sp.workdir = wd;
	sp.cred = &cred;
	sp.stdin_pipe = flag(s, "stdin");
	sp.rows = (unsigned short)(rows ? atoi(rows) : 0);
	sp.cols = (unsigned short)(cols ? atoi(cols) : 0);
	if (ag_spawn(&sp, err, sizeof(err), &notfound) < 0) {
		ag_sess_error(s, notfound ? "notfound" : "invalid", "%s", err);
		goto out;
	}
	ag_stdin_init(&x->in, sp.in_fd, sp.tty);
	x->out_fd = sp.out_fd;
	x->err_fd = sp.err_fd;
	x->pid = sp.pid;
	x->tty = sp.tty;
	s->priv = x;
	s->free_priv = exec_free;
	s->in = &x->in;
	s->can_write = 1;
	s->pgid = sp.pid;
	x = NULL;
	if (sl_agent_fields_addf(&f, "pid", "%ld", (long)sp.pid) < 0) {
		ag_sess_error(s, "internal", "out of memory");
		goto out;
	}
	ag_sess_fields(s, SL_AGENT_REPLY, &f);
	rc = 0;
out:
	sl_agent_fields_free(&f);
	free(x);
	strv_free(argv);
	strv_free(env);
	ag_cred_free(&cred);
	return rc;
}

void *
ag_exec_run(void *arg)
{
	struct ag_session *s = arg;
	struct exec *x = s->priv;
	struct pollfd pf[2];
	char *buf = malloc(64 * 1024);
	int open = x->tty ? 1 : 2, code;

	pf[0].fd = x->out_fd;
	pf[1].fd = x->tty ? -1 : x->err_fd;
	pf[0].events = pf[1].events = POLLIN;
	while (buf != NULL && open > 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t r;

			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(pf[i].fd, buf, 64 * 1024);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				/* EIO: a TTY whose every slave is closed. */
				pf[i].fd = -1;
				open--;
				continue;
			}
			/* A closed session keeps draining so the process
			 * never blocks on a full pipe. */
			(void)ag_sess_send(s, i ? SL_AGENT_STDERR :
			    SL_AGENT_STDOUT, buf, (size_t)r);
		}
	}
	free(buf);
	code = ag_proc_wait(x->pid);
	pthread_mutex_lock(&x->in.mu);
	if (x->tty)
		x->in.fd = -1;	/* the master: closed by exec_free */
	pthread_mutex_unlock(&x->in.mu);
	ag_sess_exit(s, code);
	return NULL;
}
