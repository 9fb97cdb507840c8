/* run_spawn.c - the container process itself (see run_spawn.h).
 *
 * The child is created with clone() from a multi-threaded process, so
 * between clone and execve it may only make plain system calls: no heap,
 * no stdio, no glibc functions that take locks or talk to other threads
 * (set*id go through syscall() because glibc's wrappers would try to
 * signal threads that do not exist in the child). Everything it needs is
 * prepared by the parent beforehand. */
#include "config.h"

#include "run_spawn.h"
#include "run_confine.h"
#include "oci_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/close_range.h>

#define CHILD_STACK (256 * 1024)

/* Code that runs in the cloned child, on its own stack: AddressSanitizer's
 * no-return hook would warn about the stack switch into the container's
 * stderr, so these functions are not instrumented. */
#define CHILD_FN __attribute__((no_sanitize_address))

enum stage {
	ST_SETUP = 1,
	ST_NETNS,
	ST_MOUNT_PRIVATE,
	ST_OVERLAY,
	ST_ROOT,
	ST_PROC,
	ST_DEV,
	ST_BIND,
	ST_CONFINE,
	ST_HOSTNAME,
	ST_PIVOT,
	ST_CAPS,
	ST_CWD,
	ST_USER,
	ST_EXEC,
	ST_EXEC_NOTFOUND
};

struct report {
	int stage;
	int err;
	char detail[480];
};

struct child_arg {
	const struct run_spawn_req *req;
	const char *ovl_opts;
	const char *path; /* PATH for the command lookup */
	int out_w, err_w, rep_w, devnull;
};

CHILD_FN static void copy_str(char *dst, size_t n, const char *src)
{
	size_t i = 0;

	if (src)
		for (; i + 1 < n && src[i]; i++)
			dst[i] = src[i];
	dst[i] = '\0';
}

CHILD_FN static void die(const struct child_arg *a, int stage, int err, const char *detail)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	r.stage = stage;
	r.err = err;
	copy_str(r.detail, sizeof(r.detail), detail);
	(void)!write(a->rep_w, &r, sizeof(r));
	_exit(127);
}

CHILD_FN static void mount_at(const struct child_arg *a, int stage, int fd, const char *src,
		     const char *type, unsigned long flags, const char *data,
		     const char *what)
{
	char p[32];

	run_confine_fd_path(fd, p);
	if (mount(src, p, type, flags, data) < 0)
		die(a, stage, errno, what);
}

/* Mount over the directory rel of the root (which must exist). */
CHILD_FN static void mount_dir(const struct child_arg *a, int stage, int rootfd, const char *rel,
			       const char *src, const char *type, unsigned long flags,
			       const char *data, const char *what)
{
	int fd = oci_fs_open_in_root(rootfd, rel, O_PATH | O_DIRECTORY, 0);

	if (fd < 0)
		die(a, stage, -fd, what);
	mount_at(a, stage, fd, src, type, flags, data, what);
	close(fd);
}

CHILD_FN static void make_dev(const struct child_arg *a, int rootfd)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} nodes[] = {
		{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
		{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
	};
	static const struct {
		const char *name, *target;
	} links[] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" }, { "core", "/proc/kcore" },
	};
	size_t i;
	int fd, devfd;

	fd = oci_fs_mkdir_in_root(rootfd, "dev", 0755);
	if (fd < 0)
		die(a, ST_DEV, -fd, "/dev");
	mount_at(a, ST_DEV, fd, "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		 "mode=755,size=65536k", "/dev");
	close(fd);
	/* Reopen: the old fd still names the directory under the mount. */
	devfd = oci_fs_open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY, 0);
	if (devfd < 0)
		die(a, ST_DEV, -devfd, "/dev");
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (mknodat(devfd, nodes[i].name, S_IFCHR | 0666,
			    makedev(nodes[i].maj, nodes[i].min)) < 0 ||
		    fchmodat(devfd, nodes[i].name, 0666, 0) < 0)
			die(a, ST_DEV, errno, nodes[i].name);
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i].target, devfd, links[i].name) < 0)
			die(a, ST_DEV, errno, links[i].name);
	if (mkdirat(devfd, "pts", 0755) < 0 || mkdirat(devfd, "shm", 01777) < 0 ||
	    mkdirat(devfd, "mqueue", 0755) < 0)
		die(a, ST_DEV, errno, "/dev/shm");
	/* A private devpts instance: the host's terminals stay out of reach. */
	mount_dir(a, ST_DEV, rootfd, "dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620", "/dev/pts");
	mount_dir(a, ST_DEV, rootfd, "dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=1777,size=65536k", "/dev/shm");
	/* mqueue belongs to the new IPC namespace; not fatal if missing. */
	fd = oci_fs_open_in_root(rootfd, "dev/mqueue", O_PATH | O_DIRECTORY, 0);
	if (fd >= 0) {
		char p[32];

		run_confine_fd_path(fd, p);
		(void)mount("mqueue", p, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		close(fd);
	}
	close(devfd);
}

CHILD_FN static void do_binds(const struct child_arg *a, int rootfd)
{
	const struct run_spawn_req *r = a->req;
	size_t i;

	for (i = 0; i < r->n_binds; i++) {
		const struct run_bind *b = &r->binds[i];
		int fd;

		if (b->is_file) {
			char parent[PATH_MAX];
			char *slash;

			copy_str(parent, sizeof(parent), b->dst);
			slash = strrchr(parent, '/');
			if (slash && slash != parent) {
				*slash = '\0';
				fd = oci_fs_mkdir_in_root(rootfd, parent, 0755);
				if (fd < 0)
					die(a, ST_BIND, -fd, b->dst);
				close(fd);
			}
			fd = oci_fs_open_in_root(rootfd, b->dst, O_WRONLY | O_CREAT, 0644);
			if (fd < 0)
				die(a, ST_BIND, -fd, b->dst);
			close(fd);
			fd = oci_fs_open_in_root(rootfd, b->dst, O_PATH, 0);
		} else {
			fd = oci_fs_mkdir_in_root(rootfd, b->dst, 0755);
		}
		if (fd < 0)
			die(a, ST_BIND, -fd, b->dst);
		mount_at(a, ST_BIND, fd, b->src, NULL, MS_BIND | MS_REC, NULL, b->dst);
		close(fd);
		/* A bind takes its flags only from a remount of the new mount
		 * (mount(2)); reopen: the old fd names what is under it. */
		if (b->read_only) {
			fd = oci_fs_open_in_root(rootfd, b->dst, O_PATH, 0);
			if (fd < 0)
				die(a, ST_BIND, -fd, b->dst);
			mount_at(a, ST_BIND, fd, NULL, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL,
				 b->dst);
			close(fd);
		}
	}
}

CHILD_FN static void do_exec(const struct child_arg *a)
{
	const struct run_spawn_req *r = a->req;
	const char *a0 = r->argv[0], *p = a->path;
	char buf[PATH_MAX];
	size_t alen = strlen(a0);
	int saw_eacces = 0;

	if (strchr(a0, '/')) {
		execve(a0, r->argv, r->envp);
		die(a, ST_EXEC, errno, a0);
	}
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t dlen = colon ? (size_t)(colon - p) : strlen(p);

		if (dlen == 0) {
			buf[0] = '.';
			dlen = 1;
		} else if (dlen < sizeof(buf)) {
			memcpy(buf, p, dlen);
		}
		if (dlen + alen + 2 <= sizeof(buf)) {
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, a0, alen + 1);
			execve(buf, r->argv, r->envp);
			if (errno == EACCES)
				saw_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				die(a, ST_EXEC, errno, a0);
		}
		if (!colon)
			break;
		p = colon + 1;
	}
	if (saw_eacces)
		die(a, ST_EXEC, EACCES, a0);
	die(a, ST_EXEC_NOTFOUND, ENOENT, a0);
}

CHILD_FN static int child_main(void *argp)
{
	const struct child_arg *a = argp;
	const struct run_spawn_req *r = a->req;
	struct sigaction sa;
	sigset_t none;
	int rootfd, fd, i;

	/* If the simulator dies, its containers die with it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		(void)sigaction(i, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)setsid();
	if (dup2(a->devnull, 0) < 0 || dup2(a->out_w, 1) < 0 || dup2(a->err_w, 2) < 0)
		die(a, ST_SETUP, errno, "stdio");
	/* Whatever else the simulator has open must not leak into the
	 * container, even fds another library forgot to mark. */
	(void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

	if (r->netns_fd >= 0 && setns(r->netns_fd, CLONE_NEWNET) < 0)
		die(a, ST_NETNS, errno, "network namespace");
	/* Nothing mounted from here on may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die(a, ST_MOUNT_PRIVATE, errno, "/");
	if (r->lower && mount("overlay", r->merged, "overlay", 0, a->ovl_opts) < 0)
		die(a, ST_OVERLAY, errno, r->merged);
	/* pivot_root wants the new root to be a mount point. */
	if (!r->lower && mount(r->root, r->root, NULL, MS_BIND | MS_REC, NULL) < 0)
		die(a, ST_ROOT, errno, r->root);
	rootfd = open(r->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		die(a, ST_ROOT, errno, r->root);

	fd = oci_fs_mkdir_in_root(rootfd, "proc", 0555);
	if (fd < 0)
		die(a, ST_PROC, -fd, "/proc");
	mount_at(a, ST_PROC, fd, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
		 "/proc");
	close(fd);
	make_dev(a, rootfd);
	{
		const char *what = "";
		int e = run_confine_paths(rootfd, &what);

		if (e < 0)
			die(a, ST_CONFINE, -e, what);
	}
	do_binds(a, rootfd);

	if (sethostname(r->hostname, strnlen(r->hostname, 63)) < 0)
		die(a, ST_HOSTNAME, errno, r->hostname);
	/* Unlike chroot, pivot_root plus a detached old root leaves nothing
	 * of the host's tree to climb back into. */
	if (fchdir(rootfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		die(a, ST_PIVOT, errno, r->root);
	close(rootfd);

	/* runc creates a missing working directory. */
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		die(a, ST_CWD, errno, r->cwd);
	fd = oci_fs_mkdir_in_root(rootfd, r->cwd, 0755);
	if (fd < 0)
		die(a, ST_CWD, -fd, r->cwd);
	close(fd);
	close(rootfd);
	if (chdir(r->cwd) < 0)
		die(a, ST_CWD, errno, r->cwd);

	{
		const char *what = "";
		int e = run_confine_caps(&what);

		if (e < 0)
			die(a, ST_CAPS, -e, what);
	}
	if (r->set_user) {
		if (syscall(SYS_setgroups, 0, NULL) < 0 ||
		    syscall(SYS_setresgid, r->gid, r->gid, r->gid) < 0 ||
		    syscall(SYS_setresuid, r->uid, r->uid, r->uid) < 0)
			die(a, ST_USER, errno, "user");
	}
	{
		const char *what = "";
		int e = run_confine_no_new_privs(&what);

		if (e < 0)
			die(a, ST_CAPS, -e, what);
	}
	do_exec(a);
	return 127;
}

static const char *env_path(char *const *envp)
{
	size_t i;

	for (i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], "PATH=", 5))
			return envp[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static void describe(const struct report *r, char *msg, size_t n)
{
	const char *e = strerror(r->err);

	switch (r->stage) {
	case ST_EXEC_NOTFOUND:
		snprintf(msg, n,
			 "unable to start container process: exec: \"%s\": executable file not found in $PATH",
			 r->detail);
		break;
	case ST_EXEC:
		snprintf(msg, n, "unable to start container process: exec: \"%s\": %s",
			 r->detail, e);
		break;
	case ST_CWD:
		snprintf(msg, n,
			 "unable to start container process: chdir to cwd (\"%s\") set in config.json failed: %s",
			 r->detail, e);
		break;
	case ST_OVERLAY:
		snprintf(msg, n, "failed to mount rootfs overlay on %s: %s", r->detail, e);
		break;
	case ST_PROC:
	case ST_DEV:
	case ST_BIND:
	case ST_CONFINE:
		snprintf(msg, n, "error mounting \"%s\" to rootfs: %s", r->detail, e);
		break;
	default:
		snprintf(msg, n, "container init failed at %s: %s", r->detail, e);
		break;
	}
}

int run_spawn(const struct run_spawn_req *req, struct run_proc *p,
	      char *msg, size_t msglen)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int devnull = -1, pidfd = -1, rc = 0;
	char *stack = NULL, *ovl = NULL;
	struct child_arg a;
	struct report r;
	ssize_t got = 0;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->pidfd = p->out_fd = p->err_fd = -1;
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    pipe2(rep, O_CLOEXEC) < 0 ||
	    (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		snprintf(msg, msglen, "pipe: %s", strerror(errno));
		goto out;
	}
	if (req->lower) {
		size_t n = strlen(req->lower) + strlen(req->upper) + strlen(req->work) + 64;

		ovl = malloc(n);
		if (!ovl) {
			rc = -ENOMEM;
			snprintf(msg, msglen, "out of memory");
			goto out;
		}
		snprintf(ovl, n, "lowerdir=%s,upperdir=%s,workdir=%s", req->lower,
			 req->upper, req->work);
	}
	stack = malloc(CHILD_STACK);
	if (!stack) {
		rc = -ENOMEM;
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	memset(&a, 0, sizeof(a));
	a.req = req;
	a.ovl_opts = ovl;
	a.path = env_path(req->envp);
	a.out_w = outp[1];
	a.err_w = errp[1];
	a.rep_w = rep[1];
	a.devnull = devnull;
	pid = clone(child_main, stack + CHILD_STACK,
		    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
			    CLONE_PIDFD | SIGCHLD,
		    &a, &pidfd);
	if (pid < 0) {
		rc = -errno;
		snprintf(msg, msglen, "clone: %s", strerror(errno));
		goto out;
	}
	close(outp[1]);
	close(errp[1]);
	close(rep[1]);
	outp[1] = errp[1] = rep[1] = -1;

	/* EOF means execve succeeded (the close-on-exec pipe closed). */
	do {
		got = read(rep[0], &r, sizeof(r));
	} while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(r)) {
		int st;

		r.detail[sizeof(r.detail) - 1] = '\0';
		describe(&r, msg, msglen);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		close(pidfd);
		rc = 1;
		goto out;
	}
	if (got != 0) {
		/* Should not happen; treat as a start failure but reap. */
		int st;

		snprintf(msg, msglen, "container init failed: short report");
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		close(pidfd);
		rc = 1;
		goto out;
	}
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	p->pid = pid;
	p->pidfd = pidfd;
	p->out_fd = outp[0];
	p->err_fd = errp[0];
	outp[0] = errp[0] = -1;
out:
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (errp[0] >= 0)
		close(errp[0]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (rep[0] >= 0)
		close(rep[0]);
	if (rep[1] >= 0)
		close(rep[1]);
	if (devnull >= 0)
		close(devnull);
	free(stack);
	free(ovl);
	return rc;
}
