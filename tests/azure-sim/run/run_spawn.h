/* run_spawn.h - start one container process: clone into new mount, PID,
 * UTS and IPC namespaces, join the replica's network namespace, mount the
 * overlay (if any), /proc, read-only /sys, masked and read-only /proc and
 * /sys paths, a tmpfs /dev with the usual nodes and devpts, the bind
 * mounts, pivot_root (the old root detached), chdir, Docker's default
 * capabilities, the image user, no_new_privs, exec. Internal to the
 * runner. */
#ifndef SL_RUN_SPAWN_H
#define SL_RUN_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

struct run_bind {
	const char *src;  /* host path */
	const char *dst;  /* absolute path inside the container */
	int is_file;      /* bind a file (target created as an empty file) */
	int read_only;    /* remount the bind read-only */
};

struct run_spawn_req {
	/* Overlay: lowerdir/upperdir/workdir mounted on merged, which is the
	 * root. Without overlay (lower NULL), root is used as is. */
	const char *lower, *upper, *work, *merged;
	const char *root;
	const char *hostname;
	char *const *argv;
	char *const *envp;
	const char *cwd;
	int set_user;
	uid_t uid;
	gid_t gid;
	const struct run_bind *binds;
	size_t n_binds;
	int netns_fd; /* network namespace to join; -1 = stay in the host's */
};

struct run_proc {
	pid_t pid;
	int pidfd;
	int out_fd; /* read ends, non-blocking, close-on-exec */
	int err_fd;
};

/* Start the process. Blocks only until the child has exec'd (or failed
 * to). Returns:
 *   0  running; *p filled (caller closes the fds and reaps the pid)
 *   1  the container could not be started: msg holds the reason in runc's
 *      words (e.g. `exec: "x": executable file not found in $PATH`);
 *      the child has been reaped
 *  <0  -errno of a local failure (pipe, clone), msg filled. */
int run_spawn(const struct run_spawn_req *req, struct run_proc *p,
	      char *msg, size_t msglen);

#endif
