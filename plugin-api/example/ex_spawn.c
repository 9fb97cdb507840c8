/*
 * ex_spawn.c - starts a container or exec command as a host process.
 *
 * fork() in a threaded daemon: between fork and execve the child may only
 * make async-signal-safe calls, so everything that allocates or looks
 * something up (PATH search, user names, the pty) happens in the parent
 * first.  A close-on-exec "error pipe" tells the parent whether execve
 * succeeded (the child writes its errno there before it would run
 * anything), so start() can fail with a clear message and Docker's exit
 * code for it (127 not found, 126 not executable) instead of reporting a
 * container that exits at once.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "ex.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum stage { ST_CHDIR = 1, ST_USER = 2, ST_EXEC = 3, ST_STDIO = 4 };

struct child_err {
	int stage;
	int err;
};

struct ids {
	int change;
	uid_t uid;
	gid_t gid;
};

static const char *env_path(char *const *envp)
{
	for (; envp && *envp; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			return *envp + 5;
	return DEFAULT_PATH;
}

/*
 * Resolves argv0 like execvp, but with the container's PATH rather than
 * the daemon's.  Writes the path into buf.  0 or -1 (not found).
 */
static int resolve(const char *argv0, char *const *envp, char *buf,
	size_t len)
{
	const char *p = env_path(envp);
	struct stat st;

	if (strchr(argv0, '/')) {
		/* Relative names are resolved by execve after chdir. */
		if ((size_t)snprintf(buf, len, "%s", argv0) >= len)
			return -1;
		return 0;
	}
	while (*p) {
		const char *colon = strchr(p, ':');
		size_t dl = colon ? (size_t)(colon - p) : strlen(p);
		int n = snprintf(buf, len, "%.*s/%s", (int)dl,
			dl ? p : ".", argv0);

		if (n > 0 && (size_t)n < len && stat(buf, &st) == 0 &&
		    S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 0;
		if (!colon)
			break;
		p = colon + 1;
	}
	return -1;
}

static int parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || *end) ? -1 : 0;
}

/* Docker's User: "name", "uid", "name:group", "uid:gid". */
static int resolve_user(const struct sl_host_v1 *host, sl_call *call,
	const char *user, struct ids *ids)
{
	char name[256], grp[256] = "";
	const char *colon;
	char buf[4096];
	unsigned long v;
	int rc = SL_OK;

	memset(ids, 0, sizeof(*ids));
	if (!user || !*user)
		return SL_OK;
	colon = strchr(user, ':');
	snprintf(name, sizeof(name), "%.*s",
		(int)(colon ? (size_t)(colon - user) : strlen(user)), user);
	if (colon)
		snprintf(grp, sizeof(grp), "%s", colon + 1);
	ids->uid = geteuid();
	ids->gid = getegid();
	if (parse_id(name, &v) == 0) {
		ids->uid = (uid_t)v;
	} else {
		struct passwd pw, *pwp = NULL;

		if (getpwnam_r(name, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp)
			return host->set_error(call, SL_EINVAL,
				"unable to find user %s: no matching entries in the host's passwd file",
				name);
		ids->uid = pw.pw_uid;
		ids->gid = pw.pw_gid;
	}
	if (grp[0] && parse_id(grp, &v) == 0) {
		ids->gid = (gid_t)v;
	} else if (grp[0]) {
		struct group gr, *grpp = NULL;

		if (getgrnam_r(grp, &gr, buf, sizeof(buf), &grpp) != 0 || !grpp)
			return host->set_error(call, SL_EINVAL,
				"unable to find group %s: no matching entries in the host's group file",
				grp);
		ids->gid = gr.gr_gid;
	}
	if (ids->uid == geteuid() && ids->gid == getegid())
		return SL_OK;
	if (geteuid() != 0)
		rc = host->set_error(call, SL_EINVAL,
			"the example backend runs as uid %u and cannot run a process as user \"%s\"",
			(unsigned)geteuid(), user);
	ids->change = 1;
	return rc;
}

/* Moves fd to 10 or above (the child's 0-2 must not be clobbered). */
static int high_fd(int fd)
{
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD, 10);
}

/* Runs in the child: async-signal-safe calls only. */
static void child(const struct ex_spawn_req *req, const char *path,
	int in, int out, int err, int errw, const struct ids *ids)
{
	struct child_err ce = { 0, 0 };
	struct sigaction sa;
	struct stat st;
	sigset_t all;
	int i;

	/* The daemon ignores SIGPIPE, and ignored signals survive execve. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		(void)sigaction(i, &sa, NULL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);

	/* Its own session and process group: signals reach the whole tree. */
	if (setsid() < 0)
		goto fail_stdio;
	in = high_fd(in);
	out = high_fd(out);
	err = high_fd(err);
	if (in < 0 || out < 0 || err < 0)
		goto fail_stdio;
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		goto fail_stdio;
	if (req->tty) {
		struct winsize ws;

		if (ioctl(0, TIOCSCTTY, 0) < 0)
			goto fail_stdio;
		if (req->rows && req->cols) {
			memset(&ws, 0, sizeof(ws));
			ws.ws_row = req->rows;
			ws.ws_col = req->cols;
			(void)ioctl(0, TIOCSWINSZ, &ws);
		}
	}
	if (chdir(req->cwd) < 0) {
		ce.stage = ST_CHDIR;
		goto fail;
	}
	if (ids->change) {
		gid_t g = ids->gid;

		if (setgroups(1, &g) < 0 || setgid(ids->gid) < 0 ||
		    setuid(ids->uid) < 0) {
			ce.stage = ST_USER;
			goto fail;
		}
	}
	/* Whatever the daemon forgot to mark close-on-exec stays out. */
	(void)close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(path, (char *const *)req->argv, req->envp);
	ce.stage = ST_EXEC;
	ce.err = errno;
	/* execve says EACCES for a directory; runc says which. */
	if (ce.err == EACCES && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		ce.err = EISDIR;
	goto report;
fail_stdio:
	ce.stage = ST_STDIO;
fail:
	ce.err = errno;
report:
	(void)!write(errw, &ce, sizeof(ce));
	_exit(127);
}

static int open_null(int flags)
{
	return open("/dev/null", flags | O_CLOEXEC);
}

/* Opens a pty pair: *master for the parent, *slave for the child. */
static int open_pty(int *master, int *slave)
{
	char name[128];
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0)
		return -1;
	if (grantpt(m) < 0 || unlockpt(m) < 0 ||
	    ptsname_r(m, name, sizeof(name)) != 0)
		goto fail;
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		goto fail;
	*master = m;
	return 0;
fail:
	close(m);
	return -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void ex_child_close(struct ex_child *ch)
{
	/* With a pty, in_fd and out_fd are the same master. */
	if (ch->pty && ch->in_fd == ch->out_fd)
		ch->in_fd = -1;
	close_fd(&ch->in_fd);
	close_fd(&ch->out_fd);
	close_fd(&ch->err_fd);
}

/* Fails the spawn: the message goes on the call and into ch->why. */
static int fail(const struct sl_host_v1 *host, sl_call *call,
	struct ex_child *ch, int status, int not_run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ch->why, sizeof(ch->why), fmt, ap);
	va_end(ap);
	ch->not_run = not_run;
	return host->set_error(call, status, "%s", ch->why);
}

/*
 * The errno texts runc prints (Go's, in lower case): the docker CLI looks
 * for "no such file or directory", "permission denied" and "is a
 * directory" in the message to choose its exit code.
 */
static const char *exec_strerror(int err)
{
	switch (err) {
	case ENOENT: return "no such file or directory";
	case ENOTDIR: return "not a directory";
	case ELOOP: return "too many levels of symbolic links";
	case ENAMETOOLONG: return "file name too long";
	case EACCES: return "permission denied";
	case EISDIR: return "is a directory";
	case ENOEXEC: return "exec format error";
	default: return strerror(err);
	}
}

static int spawn_error(const struct sl_host_v1 *host, sl_call *call,
	const struct ex_spawn_req *req, const struct child_err *ce,
	struct ex_child *ch)
{
	const char *cmd = req->argv[0];

	switch (ce->stage) {
	case ST_CHDIR:
		return fail(host, call, ch, SL_EINVAL, 0,
			"working directory %s: %s (the example backend runs processes on the host and does not create it)",
			req->cwd, strerror(ce->err));
	case ST_USER:
		return fail(host, call, ch, SL_EPERM, 0,
			"cannot switch to user \"%s\": %s", req->user,
			strerror(ce->err));
	case ST_EXEC:
		/*
		 * Wording as runc's, which the docker CLI maps to its exit
		 * codes; the codes as a shell's and dockerd's: 127 when there
		 * is no such file, 126 when it cannot be executed.
		 */
		switch (ce->err) {
		case ENOENT:
		case ENOTDIR:
		case ELOOP:
		case ENAMETOOLONG:
			return fail(host, call, ch, SL_EINVAL, 127,
				"exec: \"%s\": stat %s: %s", cmd, cmd,
				exec_strerror(ce->err));
		default:
			return fail(host, call, ch, SL_EINVAL, 126,
				"exec: \"%s\": %s", cmd, exec_strerror(ce->err));
		}
	default:
		return fail(host, call, ch, SL_EINTERNAL, 0,
			"setting up the process's stdio: %s", strerror(ce->err));
	}
}

int ex_spawn(const struct sl_host_v1 *host, sl_call *call,
	const struct ex_spawn_req *req, struct ex_child *ch)
{
	int cin = -1, cout = -1, cerr = -1, ep[2] = { -1, -1 };
	int p[2];
	struct child_err ce;
	struct ids ids;
	char path[4096];
	ssize_t n;
	pid_t pid;
	int rc;

	ch->pid = 0;
	ch->in_fd = ch->out_fd = ch->err_fd = -1;
	ch->pty = 0;
	ch->not_run = 0;
	ch->why[0] = '\0';
	if (!req->argv || !req->argv[0] || !req->argv[0][0])
		return fail(host, call, ch, SL_EINVAL, 0, "no command specified");
	if (resolve(req->argv[0], req->envp, path, sizeof(path)) < 0)
		return fail(host, call, ch, SL_EINVAL, 127,
			"exec: \"%s\": executable file not found in $PATH",
			req->argv[0]);
	rc = resolve_user(host, call, req->user, &ids);
	if (rc < 0)
		return rc;

	if (req->tty) {
		int slave;

		if (open_pty(&ch->out_fd, &slave) < 0)
			goto sys_fail;
		ch->in_fd = ch->out_fd;
		ch->pty = 1;
		cin = slave;
		cout = dup(slave);
		cerr = dup(slave);
		if (cout < 0 || cerr < 0)
			goto sys_fail;
	} else {
		if (req->want_stdin) {
			if (pipe2(p, O_CLOEXEC) < 0)
				goto sys_fail;
			cin = p[0];
			ch->in_fd = p[1];
		} else if ((cin = open_null(O_RDONLY)) < 0) {
			goto sys_fail;
		}
		if (req->discard_output) {
			cout = open_null(O_WRONLY);
			cerr = open_null(O_WRONLY);
			if (cout < 0 || cerr < 0)
				goto sys_fail;
		} else {
			if (pipe2(p, O_CLOEXEC) < 0)
				goto sys_fail;
			ch->out_fd = p[0];
			cout = p[1];
			if (pipe2(p, O_CLOEXEC) < 0)
				goto sys_fail;
			ch->err_fd = p[0];
			cerr = p[1];
		}
	}
	if (pipe2(ep, O_CLOEXEC) < 0)
		goto sys_fail;

	pid = fork();
	if (pid < 0)
		goto sys_fail;
	if (pid == 0)
		child(req, path, cin, cout, cerr, ep[1], &ids);

	close_fd(&ep[1]);
	close_fd(&cin);
	close_fd(&cout);
	close_fd(&cerr);
	do
		n = read(ep[0], &ce, sizeof(ce));
	while (n < 0 && errno == EINTR);
	close_fd(&ep[0]);
	if (n == (ssize_t)sizeof(ce)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		ex_child_close(ch);
		return spawn_error(host, call, req, &ce, ch);
	}
	ch->pid = pid;
	return SL_OK;

sys_fail:
	rc = fail(host, call, ch, SL_EINTERNAL, 0, "starting the process: %s",
		strerror(errno));
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	close_fd(&cin);
	close_fd(&cout);
	close_fd(&cerr);
	ex_child_close(ch);
	return rc;
}
