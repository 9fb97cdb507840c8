/* run_probe.c - can this process run replicas? Tries, in a throw-away
 * child, what run_spawn does: namespaces, private mounts, tmpfs, proc,
 * mknod, pivot_root. The network namespace, bridge and veths are tried by
 * run_engine_new (unless the host network is chosen), which reports its
 * own errors. */
#include "config.h"

#include "run_replica.h"
#include "oci_fs.h"
#include "oci_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_STACK (64 * 1024)

struct probe_arg {
	const char *dir;
	int rep_w;
};

static int probe_fail(const struct probe_arg *a, int step, int e)
{
	int msg[2] = { step, e };

	(void)!write(a->rep_w, msg, sizeof(msg));
	_exit(1);
}

static const char *const steps[] = {
	"", "make mounts private", "mount tmpfs", "mount proc", "mknod",
	"sethostname", "pivot_root"
};

static int probe_child(void *argp)
{
	const struct probe_arg *a = argp;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		probe_fail(a, 1, errno);
	if (mount("tmpfs", a->dir, "tmpfs", 0, "mode=755,size=1m") < 0)
		probe_fail(a, 2, errno);
	if (chdir(a->dir) < 0 || mkdir("proc", 0555) < 0)
		probe_fail(a, 3, errno);
	if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		probe_fail(a, 3, errno);
	if (mknod("null", S_IFCHR | 0666, makedev(1, 3)) < 0)
		probe_fail(a, 4, errno);
	if (sethostname("probe", 5) < 0)
		probe_fail(a, 5, errno);
	if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
	    chdir("/") < 0)
		probe_fail(a, 6, errno);
	_exit(0);
}

int run_probe(struct run_err *err)
{
	char tmpl[] = "/tmp/sl-run-probe-XXXXXX";
	struct probe_arg a;
	char *stack = NULL;
	int rep[2] = { -1, -1 }, msg[2] = { 0, 0 }, st = 0, rc = -1;
	pid_t pid;
	ssize_t got;

	if (geteuid() != 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "running workloads needs root (namespaces, mounts, pivot_root); effective uid is %u",
			 (unsigned)geteuid());
		return -1;
	}
	if (!oci_fs_have_openat2()) {
		snprintf(err->msg, sizeof(err->msg),
			 "openat2(RESOLVE_IN_ROOT) is not available (Linux >= 5.6 needed)");
		return -1;
	}
	if (!mkdtemp(tmpl)) {
		snprintf(err->msg, sizeof(err->msg), "mkdtemp: %s", strerror(errno));
		return -1;
	}
	stack = malloc(PROBE_STACK);
	if (!stack || pipe2(rep, O_CLOEXEC) < 0) {
		snprintf(err->msg, sizeof(err->msg), "probe setup: %s", strerror(errno));
		goto out;
	}
	a.dir = tmpl;
	a.rep_w = rep[1];
	pid = clone(probe_child, stack + PROBE_STACK,
		    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD, &a);
	if (pid < 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "cannot create mount/PID/UTS/IPC namespaces: clone: %s", strerror(errno));
		goto out;
	}
	close(rep[1]);
	rep[1] = -1;
	do {
		got = read(rep[0], msg, sizeof(msg));
	} while (got < 0 && errno == EINTR);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got == (ssize_t)sizeof(msg)) {
		snprintf(err->msg, sizeof(err->msg),
			 "workload isolation unavailable: cannot %s: %s",
			 msg[0] > 0 && msg[0] < 7 ? steps[msg[0]] : "?", strerror(msg[1]));
		goto out;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err->msg, sizeof(err->msg), "workload isolation probe failed");
		goto out;
	}
	rc = 0;
out:
	if (rep[0] >= 0)
		close(rep[0]);
	if (rep[1] >= 0)
		close(rep[1]);
	free(stack);
	rmdir(tmpl);
	return rc;
}

int run_probe_overlay(const char *state_dir)
{
	char *base = oci_path_join(state_dir, "overlay-probe");
	char *l = NULL, *u = NULL, *w = NULL, *m = NULL, *opts = NULL;
	int ok = 0, st;
	pid_t pid;

	if (!base || oci_fs_mkdir_p(state_dir, 0700) < 0)
		goto out;
	(void)oci_fs_rm_rf(base);
	l = oci_path_join(base, "l");
	u = oci_path_join(base, "u");
	w = oci_path_join(base, "w");
	m = oci_path_join(base, "m");
	if (!l || !u || !w || !m || strpbrk(base, ",:\\"))
		goto out;
	opts = malloc(strlen(l) + strlen(u) + strlen(w) + 40);
	if (!opts || mkdir(base, 0700) < 0 || mkdir(l, 0755) < 0 || mkdir(u, 0755) < 0 ||
	    mkdir(w, 0700) < 0 || mkdir(m, 0755) < 0)
		goto out;
	sprintf(opts, "lowerdir=%s,upperdir=%s,workdir=%s", l, u, w);
	/* fork is fine here: the child only makes system calls. */
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("overlay", m, "overlay", 0, opts) < 0)
			_exit(1);
		_exit(0);
	}
	if (pid > 0) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
out:
	if (base)
		(void)oci_fs_rm_rf(base);
	free(base);
	free(l);
	free(u);
	free(w);
	free(m);
	free(opts);
	return ok;
}
