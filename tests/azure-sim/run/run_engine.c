/* run_engine.c - replica threads: pull, spawn, read output, stop, reap
 * (see run_replica.h). */
#include "config.h"

#include "run_replica.h"
#include "oci_fs.h"
#include "oci_util.h"
#include "run_lines.h"
#include "run_net.h"
#include "run_spawn.h"
#include "run_spec.h"
#include "run_user.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_GRACE_S 30
/* After a container's init exits, its namespace is torn down and the
 * pipes reach EOF at once; this only bounds a pathological case. */
#define DRAIN_MS 2000
#define READ_CHUNK 65536

enum cstate { C_PENDING, C_RUNNING, C_EXITED };

struct ctr {
	struct run_cspec *spec;
	struct oci_image *img;
	char *dir;
	struct run_proc proc;
	struct run_lines lines[2];
	enum cstate state;
	int reaped;
	int exit_code;
	int64_t exited_ms;
};

struct replica {
	struct run_engine *e;
	struct run_rspec *spec;
	struct run_callbacks cb;
	pthread_t thread;
	int evfd;
	char *dir;
	struct ctr *ctrs;
	size_t n_ctrs;
	atomic_int cancel;
	struct run_net_replica net; /* replica thread only */
	/* guarded by e->lock */
	char ip[16];          /* "" until its network is up and after */
	int stop_req;
	int stop_grace;
	int done;
	struct replica *next;
	/* replica thread only */
	int64_t deadline_ms;
	int stop_result; /* -1, or the enum run_replica_result being produced */
	int64_t kill_at_ms;
	int killed;
	int grace_s;
	int schedule_delay_ms;
	int pull_retry;
	int pull_backoff_ms;
	char done_msg[RUN_ERR_MAX];
};

struct run_engine {
	pthread_mutex_t lock;
	struct replica *list;
	struct oci_puller *puller;
	char *replicas_dir;
	int default_grace_s;
	int use_overlay;
	int shutting_down;
	struct run_net *net; /* NULL: replicas share the host's network */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void event(struct replica *r, const char *container, const char *reason,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void event(struct replica *r, const char *container, const char *reason,
		  const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!r->cb.on_event)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->cb.on_event(r->cb.ud, r->spec->name, container, reason, msg);
}

static void done_msg(struct replica *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void done_msg(struct replica *r, const char *fmt, ...)
{
	va_list ap;

	if (r->done_msg[0])
		return; /* the first cause is the one worth reporting */
	va_start(ap, fmt);
	vsnprintf(r->done_msg, sizeof(r->done_msg), fmt, ap);
	va_end(ap);
}

/* ---- output ---- */

struct emit_ctx {
	struct replica *r;
	struct ctr *c;
	enum run_stream stream;
};

static void emit_line(void *ud, const char *line, size_t len, int partial)
{
	struct emit_ctx *x = ud;
	struct timespec ts;

	if (!x->r->cb.on_output)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	x->r->cb.on_output(x->r->cb.ud, x->r->spec->name, x->c->spec->name, x->stream,
			   line, len, partial, &ts);
}

static int *stream_fd(struct ctr *c, int idx)
{
	return idx == 0 ? &c->proc.out_fd : &c->proc.err_fd;
}

static void close_stream(struct replica *r, struct ctr *c, int idx)
{
	struct emit_ctx x = { r, c, idx == 0 ? RUN_STDOUT : RUN_STDERR };
	int *fd = stream_fd(c, idx);

	if (*fd < 0)
		return;
	run_lines_flush(&c->lines[idx], emit_line, &x);
	close(*fd);
	*fd = -1;
}

/* Read what is available (up to 1 MiB); close the stream at EOF. */
static void read_stream(struct replica *r, struct ctr *c, int idx)
{
	struct emit_ctx x = { r, c, idx == 0 ? RUN_STDOUT : RUN_STDERR };
	char buf[READ_CHUNK];
	int *fd = stream_fd(c, idx), rounds = 0;

	/* Bounded, so one chatty container cannot starve the others (or
	 * the stop/timeout checks) of this loop. */
	while (*fd >= 0 && rounds++ < 16) {
		ssize_t n = read(*fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_stream(r, c, idx);
			return;
		}
		run_lines_feed(&c->lines[idx], buf, (size_t)n, emit_line, &x);
	}
}

/* ---- signals ---- */

static void signal_ctr(struct ctr *c, int sig)
{
	if (c->state != C_RUNNING || c->reaped || c->proc.pidfd < 0)
		return;
	(void)pidfd_send_signal(c->proc.pidfd, sig, NULL, 0);
}

/* Start stopping: SIGTERM to every running container (SIGKILL if the
 * grace period is 0), SIGKILL at the end of the grace period. A second
 * request may only shorten the grace period. */
static void begin_stop(struct replica *r, int result, int grace_s)
{
	int64_t kill_at = now_ms() + (int64_t)grace_s * 1000;
	size_t i;

	atomic_store(&r->cancel, 1);
	if (r->stop_result >= 0) {
		if (kill_at < r->kill_at_ms)
			r->kill_at_ms = kill_at;
		return;
	}
	r->stop_result = result;
	r->kill_at_ms = kill_at;
	for (i = 0; i < r->n_ctrs; i++) {
		struct ctr *c = &r->ctrs[i];

		if (c->state != C_RUNNING || c->reaped)
			continue;
		event(r, c->spec->name, RUN_REASON_STOPPING_CONTAINER,
		      "Stopping container '%s'", c->spec->name);
		signal_ctr(c, grace_s > 0 ? SIGTERM : SIGKILL);
	}
}

static void check_control(struct replica *r)
{
	uint64_t v;
	int req, grace;

	(void)!read(r->evfd, &v, sizeof(v));
	pthread_mutex_lock(&r->e->lock);
	req = r->stop_req;
	grace = r->stop_grace;
	pthread_mutex_unlock(&r->e->lock);
	if (req)
		begin_stop(r, RUN_REPLICA_STOPPED, grace);
}

static void check_deadlines(struct replica *r)
{
	int64_t now = now_ms();
	size_t i;

	if (r->stop_result < 0 && r->deadline_ms && now >= r->deadline_ms) {
		event(r, NULL, RUN_REASON_DEADLINE_EXCEEDED,
		      "Replica '%s' has been running longer than replicaTimeout of %d seconds",
		      r->spec->name, r->spec->timeout_s);
		done_msg(r, "Replica exceeded replicaTimeout of %d seconds", r->spec->timeout_s);
		begin_stop(r, RUN_REPLICA_TIMED_OUT, r->grace_s);
	}
	if (r->stop_result >= 0 && !r->killed && now >= r->kill_at_ms) {
		r->killed = 1;
		for (i = 0; i < r->n_ctrs; i++)
			signal_ctr(&r->ctrs[i], SIGKILL);
	}
}

/* ---- one container's life ---- */

static void finish_ctr(struct replica *r, struct ctr *c)
{
	close_stream(r, c, 0);
	close_stream(r, c, 1);
	c->state = C_EXITED;
	event(r, c->spec->name, RUN_REASON_CONTAINER_TERMINATED,
	      "Container '%s' was terminated with exit code '%d'", c->spec->name,
	      c->exit_code);
	if (r->cb.on_container_exit)
		r->cb.on_container_exit(r->cb.ud, r->spec->name, c->spec->name,
					c->spec->is_init, c->exit_code);
}

static void reap(struct ctr *c)
{
	int st;
	pid_t p;

	do {
		p = waitpid(c->proc.pid, &st, WNOHANG);
	} while (p < 0 && errno == EINTR);
	if (p != c->proc.pid)
		return;
	c->reaped = 1;
	c->exited_ms = now_ms();
	if (WIFEXITED(st))
		c->exit_code = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		c->exit_code = 128 + WTERMSIG(st);
	else
		c->exit_code = 255;
	close(c->proc.pidfd);
	c->proc.pidfd = -1;
}

/* Run the poll loop until every started container in [from, to) has
 * exited and its output is drained. */
static void wait_ctrs(struct replica *r, size_t from, size_t to)
{
	struct pollfd pf[1 + 3 * RUN_MAX_CONTAINERS];
	size_t owner[1 + 3 * RUN_MAX_CONTAINERS];
	int kind[1 + 3 * RUN_MAX_CONTAINERS];

	for (;;) {
		int64_t now = now_ms(), timeout = -1;
		size_t i, n = 0;
		int active = 0;

		for (i = from; i < to; i++) {
			struct ctr *c = &r->ctrs[i];

			if (c->state != C_RUNNING)
				continue;
			if (c->reaped && ((c->proc.out_fd < 0 && c->proc.err_fd < 0) ||
					  now >= c->exited_ms + DRAIN_MS)) {
				finish_ctr(r, c);
				continue;
			}
			active = 1;
		}
		if (!active)
			return;

		pf[n].fd = r->evfd;
		pf[n].events = POLLIN;
		owner[n] = 0;
		kind[n++] = -1;
		for (i = from; i < to; i++) {
			struct ctr *c = &r->ctrs[i];

			if (c->state != C_RUNNING)
				continue;
			if (!c->reaped) {
				pf[n].fd = c->proc.pidfd;
				pf[n].events = POLLIN;
				owner[n] = i;
				kind[n++] = 2;
			} else {
				int64_t left = c->exited_ms + DRAIN_MS - now;

				if (timeout < 0 || left < timeout)
					timeout = left < 0 ? 0 : left;
			}
			if (c->proc.out_fd >= 0) {
				pf[n].fd = c->proc.out_fd;
				pf[n].events = POLLIN;
				owner[n] = i;
				kind[n++] = 0;
			}
			if (c->proc.err_fd >= 0) {
				pf[n].fd = c->proc.err_fd;
				pf[n].events = POLLIN;
				owner[n] = i;
				kind[n++] = 1;
			}
		}
		if (r->stop_result < 0 && r->deadline_ms) {
			int64_t left = r->deadline_ms - now;

			if (timeout < 0 || left < timeout)
				timeout = left < 0 ? 0 : left;
		}
		if (r->stop_result >= 0 && !r->killed) {
			int64_t left = r->kill_at_ms - now;

			if (timeout < 0 || left < timeout)
				timeout = left < 0 ? 0 : left;
		}
		if (poll(pf, (nfds_t)n, timeout < 0 ? -1 : (int)(timeout > 60000 ? 60000 : timeout)) < 0 &&
		    errno != EINTR)
			continue;
		for (i = 0; i < n; i++) {
			struct ctr *c;

			if (!pf[i].revents)
				continue;
			if (kind[i] == -1) {
				check_control(r);
				continue;
			}
			c = &r->ctrs[owner[i]];
			if (kind[i] == 2)
				reap(c);
			else
				read_stream(r, c, kind[i]);
		}
		check_deadlines(r);
	}
}

/* ---- pulling ---- */

static int stopping(struct replica *r);

/* Sleep until until_ms, waking for stop requests (API, shutdown) and the
 * replica's deadline. Returns 1 once the replica is stopping, 0 when the
 * time has come. */
static int wait_until(struct replica *r, int64_t until_ms)
{
	for (;;) {
		struct pollfd pf = { .fd = r->evfd, .events = POLLIN };
		int64_t now = now_ms(), left;

		if (stopping(r))
			return 1;
		if (now >= until_ms)
			return 0;
		left = until_ms - now;
		if (r->deadline_ms && r->deadline_ms - now < left)
			left = r->deadline_ms - now;
		if (left < 0)
			left = 0;
		(void)poll(&pf, 1, left > 60000 ? 60000 : (int)left);
	}
}

static int pull_cancel(void *ud)
{
	struct replica *r = ud;

	if (atomic_load(&r->cancel))
		return 1;
	return r->deadline_ms && now_ms() >= r->deadline_ms;
}

/* One attempt: 0 pulled, else the puller's error code with err filled. */
static int pull_once(struct replica *r, struct ctr *c, struct oci_err *err)
{
	const struct run_cred *cred = run_spec_creds_for(r->spec, c->spec->image);
	struct oci_credentials oc = { 0 };
	struct timespec t0, t1;
	int rc;

	event(r, c->spec->name, RUN_REASON_PULLING_IMAGE, "Pulling image '%s'",
	      c->spec->image);
	if (cred) {
		oc.username = cred->username;
		oc.password = cred->password;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = oci_pull(r->e->puller, c->spec->image, cred ? &oc : NULL, pull_cancel, r,
		      &c->img, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == 0) {
		double s = (double)(t1.tv_sec - t0.tv_sec) +
			   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

		event(r, c->spec->name, RUN_REASON_PULLED_IMAGE,
		      "Successfully pulled image '%s' in %.7fs", c->spec->image, s);
	}
	return rc;
}

/* 0 pulled; -1 failed (reported); -2 cancelled by stop/timeout. With
 * pull_retry a failure only waits (kubelet's ImagePullBackOff: the
 * container stays waiting, the pod does not fail), so the replica ends by
 * a stop or its deadline unless a later attempt succeeds. */
static int pull(struct replica *r, struct ctr *c)
{
	int64_t backoff = r->pull_backoff_ms > 0 ? r->pull_backoff_ms : RUN_PULL_BACKOFF_MS;
	struct oci_err err;
	int rc;

	for (;;) {
		memset(&err, 0, sizeof(err));
		rc = pull_once(r, c, &err);
		if (rc == 0)
			return 0;
		if (rc == OCI_E_CANCELLED || atomic_load(&r->cancel))
			return -2;
		event(r, c->spec->name,
		      rc == OCI_E_UNAUTHORIZED ? RUN_REASON_IMAGE_PULL_UNAUTHORIZED
					       : RUN_REASON_IMAGE_PULL_FAILURE,
		      "Failed to pull image '%s': %s", c->spec->image, err.msg);
		if (!r->pull_retry)
			break;
		event(r, c->spec->name, RUN_REASON_IMAGE_PULL_BACKOFF,
		      "Back-off pulling image '%s'", c->spec->image);
		if (wait_until(r, now_ms() + backoff))
			return -2;
		backoff = backoff * 2 > RUN_PULL_BACKOFF_MAX_MS ? RUN_PULL_BACKOFF_MAX_MS
								 : backoff * 2;
	}
	event(r, c->spec->name, RUN_REASON_CONTAINER_TERMINATED,
	      "Container '%s' was terminated with exit code '' and reason 'ImagePullFailure'",
	      c->spec->name);
	done_msg(r, "Failed to pull image '%s': %s", c->spec->image, err.msg);
	c->state = C_EXITED;
	c->exit_code = RUN_EXIT_NONE;
	if (r->cb.on_container_exit)
		r->cb.on_container_exit(r->cb.ud, r->spec->name, c->spec->name,
					c->spec->is_init, RUN_EXIT_NONE);
	return -1;
}

/* ---- starting ---- */

static char *rpath(const char *dir, const char *name)
{
	return oci_path_join(dir, name);
}

static int write_small_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int rc = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

static int prepare_replica_dir(struct replica *r, char *msg, size_t n)
{
	char *p = NULL, *hosts = NULL;
	size_t i;
	int rc;

	rc = oci_fs_mkdir_p(r->dir, 0700);
	if (rc < 0)
		goto fail;
	for (i = 0; i < r->spec->n_volumes; i++) {
		size_t len = strlen(r->dir) + strlen(r->spec->volumes[i]) + 16;

		if (r->spec->vol_src[i])
			continue; /* AzureFile: the share's directory exists */

		p = malloc(len);
		if (!p) {
			rc = -ENOMEM;
			goto fail;
		}
		snprintf(p, len, "%s/volumes/%s", r->dir, r->spec->volumes[i]);
		rc = oci_fs_mkdir_p(p, 0755);
		if (rc == 0 && chmod(p, 0777) < 0)
			rc = -errno; /* EmptyDir is world-writable in Kubernetes */
		free(p);
		p = NULL;
		if (rc < 0)
			goto fail;
	}
	p = rpath(r->dir, "hostname");
	hosts = malloc(strlen(r->spec->name) * 2 + 128);
	if (!p || !hosts) {
		rc = -ENOMEM;
		goto fail;
	}
	sprintf(hosts, "%s\n", r->spec->name);
	rc = write_small_file(p, hosts);
	free(p);
	p = NULL;
	if (rc < 0)
		goto fail;
	/* As kubelet writes it: the pod's own address names the pod. */
	sprintf(hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n",
		r->net.ip[0] ? r->net.ip : "127.0.1.1", r->spec->name);
	p = rpath(r->dir, "hosts");
	if (!p) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = write_small_file(p, hosts);
	free(p);
	p = NULL;
	if (rc < 0)
		goto fail;
	free(hosts);
	return 0;
fail:
	snprintf(msg, n, "cannot prepare replica directory %s: %s", r->dir, strerror(-rc));
	free(p);
	free(hosts);
	return rc;
}

struct start_bufs {
	char **argv, **envp;
	char *dir_upper, *dir_work, *dir_merged, *dir_rootfs;
	char **bind_src;
	struct run_bind *binds;
	size_t n_binds;
};

static void start_bufs_free(struct start_bufs *b)
{
	size_t i;

	oci_strv_free(b->argv);
	oci_strv_free(b->envp);
	free(b->dir_upper);
	free(b->dir_work);
	free(b->dir_merged);
	free(b->dir_rootfs);
	for (i = 0; i < b->n_binds; i++)
		free(b->bind_src[i]);
	free(b->bind_src);
	free(b->binds);
}

static int build_binds(struct replica *r, struct ctr *c, struct start_bufs *b,
		       char *msg, size_t n)
{
	size_t i, k = 0, max = c->spec->n_mounts + 3;
	struct stat st;

	b->bind_src = calloc(max, sizeof(char *));
	b->binds = calloc(max, sizeof(*b->binds));
	if (!b->bind_src || !b->binds)
		goto nomem;
	/* Kubernetes gives every container the pod's hostname, hosts and
	 * resolv.conf files. */
	b->bind_src[k] = rpath(r->dir, "hostname");
	b->binds[k].dst = "/etc/hostname";
	b->binds[k].is_file = 1;
	if (!b->bind_src[k++])
		goto nomem;
	b->bind_src[k] = rpath(r->dir, "hosts");
	b->binds[k].dst = "/etc/hosts";
	b->binds[k].is_file = 1;
	if (!b->bind_src[k++])
		goto nomem;
	if (stat("/etc/resolv.conf", &st) == 0 && S_ISREG(st.st_mode)) {
		b->bind_src[k] = strdup("/etc/resolv.conf");
		b->binds[k].dst = "/etc/resolv.conf";
		b->binds[k].is_file = 1;
		if (!b->bind_src[k++])
			goto nomem;
	}
	for (i = 0; i < c->spec->n_mounts; i++) {
		const struct run_mnt *m = &c->spec->mounts[i];
		int v = run_spec_volume(r->spec, m->volume);
		const char *share = v >= 0 ? r->spec->vol_src[v] : NULL;
		size_t len = strlen(r->dir) + strlen(m->volume) + (share ? strlen(share) : 0) +
			     (m->sub ? strlen(m->sub) : 0) + 16;
		char *src = malloc(len);
		int rc;

		if (!src)
			goto nomem;
		if (share)
			snprintf(src, len, "%s%s%s", share, m->sub ? "/" : "", m->sub ? m->sub : "");
		else
			snprintf(src, len, "%s/volumes/%s%s%s", r->dir, m->volume, m->sub ? "/" : "",
				 m->sub ? m->sub : "");
		b->bind_src[k] = src;
		b->binds[k].dst = m->path;
		b->binds[k].is_file = 0;
		b->binds[k].read_only = share && r->spec->vol_ro[v];
		k++;
		if (m->sub && (rc = oci_fs_mkdir_p(src, 0777)) < 0) {
			snprintf(msg, n, "cannot create subPath %s: %s", m->sub, strerror(-rc));
			b->n_binds = k;
			return -1;
		}
	}
	for (i = 0; i < k; i++)
		b->binds[i].src = b->bind_src[i];
	b->n_binds = k;
	return 0;
nomem:
	b->n_binds = k;
	snprintf(msg, n, "out of memory");
	return -1;
}

static int prepare_rootfs(struct replica *r, struct ctr *c, struct start_bufs *b,
			  struct run_spawn_req *req, char *msg, size_t n)
{
	size_t len = strlen(r->dir) + strlen(c->spec->name) + 8;
	int rc;

	c->dir = malloc(len);
	if (!c->dir)
		goto nomem;
	snprintf(c->dir, len, "%s/c-%s", r->dir, c->spec->name);
	rc = oci_fs_mkdir_p(c->dir, 0700);
	if (rc < 0) {
		snprintf(msg, n, "cannot create %s: %s", c->dir, strerror(-rc));
		return -1;
	}
	if (r->e->use_overlay) {
		/* overlayfs splits its options on ',' and ':'. */
		if (strpbrk(c->img->rootfs, ",:\\") || strpbrk(c->dir, ",:\\")) {
			snprintf(msg, n, "state directory path unusable for overlayfs: %s", c->dir);
			return -1;
		}
		b->dir_upper = rpath(c->dir, "upper");
		b->dir_work = rpath(c->dir, "work");
		b->dir_merged = rpath(c->dir, "merged");
		if (!b->dir_upper || !b->dir_work || !b->dir_merged)
			goto nomem;
		if (mkdir(b->dir_upper, 0755) < 0 || mkdir(b->dir_work, 0700) < 0 ||
		    mkdir(b->dir_merged, 0755) < 0) {
			snprintf(msg, n, "cannot create overlay directories in %s: %s", c->dir,
				 strerror(errno));
			return -1;
		}
		req->lower = c->img->rootfs;
		req->upper = b->dir_upper;
		req->work = b->dir_work;
		req->merged = b->dir_merged;
		req->root = b->dir_merged;
	} else {
		b->dir_rootfs = rpath(c->dir, "rootfs");
		if (!b->dir_rootfs)
			goto nomem;
		rc = oci_fs_copy_tree(c->img->rootfs, b->dir_rootfs);
		if (rc < 0) {
			snprintf(msg, n, "cannot copy image rootfs: %s", strerror(-rc));
			return -1;
		}
		req->root = b->dir_rootfs;
	}
	return 0;
nomem:
	snprintf(msg, n, "out of memory");
	return -1;
}

static void create_failed(struct replica *r, struct ctr *c, const char *why)
{
	event(r, c->spec->name, RUN_REASON_CONTAINER_CREATE_FAILURE,
	      "Failed to create container '%s': %s", c->spec->name, why);
	done_msg(r, "Failed to create container '%s': %s", c->spec->name, why);
	/* Kubernetes reports StartError with exit code 128. */
	c->state = C_RUNNING;
	c->reaped = 1;
	c->exit_code = 128;
	c->proc.out_fd = c->proc.err_fd = c->proc.pidfd = -1;
	finish_ctr(r, c);
}

/* 0 running; -1 could not start (reported as exit code 128). */
static int start_ctr(struct replica *r, struct ctr *c)
{
	struct start_bufs b;
	struct run_spawn_req req;
	char msg[RUN_ERR_MAX] = "";
	int empty = 0, rc;
	uid_t uid = 0;
	gid_t gid = 0;

	memset(&b, 0, sizeof(b));
	memset(&req, 0, sizeof(req));
	b.argv = run_build_argv(c->img, c->spec, &empty);
	if (!b.argv) {
		snprintf(msg, sizeof(msg), "%s",
			 empty ? "no command specified" : "out of memory");
		goto fail;
	}
	b.envp = run_build_env(c->img, c->spec, r->spec->name);
	if (!b.envp) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto fail;
	}
	rc = run_user_resolve(c->img->rootfs, c->img->user, &uid, &gid, msg, sizeof(msg));
	if (rc < 0)
		goto fail;
	req.set_user = rc == 0;
	req.uid = uid;
	req.gid = gid;
	if (build_binds(r, c, &b, msg, sizeof(msg)) < 0 ||
	    prepare_rootfs(r, c, &b, &req, msg, sizeof(msg)) < 0)
		goto fail;
	req.hostname = r->spec->name;
	req.argv = b.argv;
	req.envp = b.envp;
	req.cwd = c->spec->working_dir ? c->spec->working_dir
		  : c->img->working_dir ? c->img->working_dir : "/";
	req.binds = b.binds;
	req.n_binds = b.n_binds;
	req.netns_fd = r->net.netns_fd;
	event(r, c->spec->name, RUN_REASON_CONTAINER_CREATED, "Created container '%s'",
	      c->spec->name);
	rc = run_spawn(&req, &c->proc, msg, sizeof(msg));
	if (rc != 0)
		goto fail;
	c->state = C_RUNNING;
	event(r, c->spec->name, RUN_REASON_CONTAINER_STARTED, "Started container '%s'",
	      c->spec->name);
	if (r->cb.on_container_start)
		r->cb.on_container_start(r->cb.ud, r->spec->name, c->spec->name,
					 c->spec->is_init);
	start_bufs_free(&b);
	return 0;
fail:
	start_bufs_free(&b);
	create_failed(r, c, msg);
	return -1;
}

/* ---- the replica's network ---- */

static int net_up(struct replica *r, char *msg, size_t n)
{
	if (run_net_replica_up(r->e->net, &r->net, msg, n) < 0)
		return -1;
	pthread_mutex_lock(&r->e->lock);
	memcpy(r->ip, r->net.ip, sizeof(r->ip));
	pthread_mutex_unlock(&r->e->lock);
	return 0;
}

/* Every process is gone by now, so the address is free for the next. */
static void net_down(struct replica *r)
{
	if (!r->e->net)
		return;
	pthread_mutex_lock(&r->e->lock);
	r->ip[0] = '\0';
	pthread_mutex_unlock(&r->e->lock);
	run_net_replica_down(r->e->net, &r->net);
}

/* ---- the replica thread ---- */

static int stopping(struct replica *r)
{
	check_control(r);
	check_deadlines(r);
	return r->stop_result >= 0;
}

static void *replica_main(void *arg)
{
	struct replica *r = arg;
	enum run_replica_result result = RUN_REPLICA_SUCCEEDED;
	char msg[RUN_ERR_MAX] = "";
	size_t i, first_main = r->spec->n_init;
	int failed = 0, cancelled = 0, rc;

	if (r->spec->timeout_s > 0)
		r->deadline_ms = now_ms() + (int64_t)r->spec->timeout_s * 1000;
	/* Waiting for a node counts against replicaTimeout, as a Kubernetes
	 * Job's activeDeadlineSeconds does. */
	if (r->schedule_delay_ms > 0 && wait_until(r, now_ms() + r->schedule_delay_ms))
		goto finish;
	event(r, NULL, RUN_REASON_ASSIGNING_REPLICA,
	      "Replica '%s' has been scheduled to run on a node.", r->spec->name);
	/* A pod's network comes once it is on a node. */
	if (r->e->net && net_up(r, msg, sizeof(msg)) < 0) {
		done_msg(r, "%s", msg);
		failed = 1;
		goto finish;
	}
	if (prepare_replica_dir(r, msg, sizeof(msg)) < 0) {
		done_msg(r, "%s", msg);
		failed = 1;
		goto finish;
	}

	for (i = 0; i < first_main && !failed; i++) {
		struct ctr *c = &r->ctrs[i];

		if (stopping(r))
			break;
		rc = pull(r, c);
		if (rc == -1)
			failed = 1;
		if (rc == -2)
			cancelled = 1;
		if (rc < 0)
			break;
		if (stopping(r))
			break;
		if (start_ctr(r, c) < 0) {
			failed = 1;
			break;
		}
		wait_ctrs(r, i, i + 1);
		if (r->stop_result >= 0)
			break;
		if (c->exit_code != 0) {
			done_msg(r, "Init container '%s' exited with code '%d'", c->spec->name,
				 c->exit_code);
			failed = 1;
		}
	}
	if (!failed && r->stop_result < 0) {
		/* Every image first: a container started while another
		 * image is still in back-off would have nobody reading its
		 * output. */
		for (i = first_main; i < r->n_ctrs && !failed && !cancelled; i++) {
			if (stopping(r))
				break;
			rc = pull(r, &r->ctrs[i]);
			if (rc == -2)
				cancelled = 1;
			if (rc == -1)
				failed = 1;
		}
		for (i = first_main; i < r->n_ctrs && !failed && !cancelled; i++) {
			struct ctr *c = &r->ctrs[i];

			if (stopping(r))
				break;
			if (start_ctr(r, c) < 0) {
				/* Do not leave sidecars running for nothing. */
				failed = 1;
				begin_stop(r, RUN_REPLICA_FAILED, r->grace_s);
				break;
			}
		}
		wait_ctrs(r, first_main, r->n_ctrs);
		for (i = first_main; i < r->n_ctrs && !failed; i++) {
			struct ctr *c = &r->ctrs[i];

			if (c->state == C_EXITED && c->exit_code != 0 &&
			    r->stop_result < 0) {
				done_msg(r, "Container '%s' exited with code '%d'",
					 c->spec->name, c->exit_code);
				failed = 1;
			}
		}
	}
finish:
	/* A cancelled pull means a stop or the deadline came first. */
	if (cancelled && !stopping(r))
		r->stop_result = RUN_REPLICA_STOPPED;
	if (r->stop_result == RUN_REPLICA_STOPPED || r->stop_result == RUN_REPLICA_TIMED_OUT)
		result = (enum run_replica_result)r->stop_result;
	else if (failed)
		result = RUN_REPLICA_FAILED;
	if (result == RUN_REPLICA_STOPPED)
		done_msg(r, "Replica stopped");
	else if (result == RUN_REPLICA_SUCCEEDED)
		done_msg(r, "All containers exited with code '0'");

	for (i = 0; i < r->n_ctrs; i++) {
		oci_image_free(r->ctrs[i].img);
		r->ctrs[i].img = NULL;
	}
	(void)oci_fs_rm_rf(r->dir);
	net_down(r);
	if (r->cb.on_replica_done)
		r->cb.on_replica_done(r->cb.ud, r->spec->name, result, r->done_msg);
	pthread_mutex_lock(&r->e->lock);
	r->done = 1;
	pthread_mutex_unlock(&r->e->lock);
	return NULL;
}

/* ---- engine ---- */

static void replica_free(struct replica *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_ctrs; i++) {
		oci_image_free(r->ctrs[i].img);
		free(r->ctrs[i].dir);
	}
	free(r->ctrs);
	if (r->evfd >= 0)
		close(r->evfd);
	free(r->dir);
	run_spec_free(r->spec);
	free(r);
}

/* Join and free finished replicas. Called with e->lock held; their
 * threads set done as their last locked action, so joins are short. */
static void reap_done_locked(struct run_engine *e)
{
	struct replica **pp = &e->list;

	while (*pp) {
		struct replica *r = *pp;

		if (r->done) {
			*pp = r->next;
			pthread_join(r->thread, NULL);
			replica_free(r);
		} else {
			pp = &r->next;
		}
	}
}

static struct replica *find_live_locked(struct run_engine *e, const char *name)
{
	struct replica *r;

	for (r = e->list; r; r = r->next)
		if (!r->done && !strcmp(r->spec->name, name))
			return r;
	return NULL;
}

struct run_engine *run_engine_new(const struct run_engine_config *cfg,
				  struct run_err *err)
{
	struct oci_puller_config pc;
	struct oci_err oerr = { { 0 } };
	struct run_engine *e;
	char *images = NULL;
	int rc;

	if (!cfg || !cfg->state_dir || cfg->state_dir[0] != '/') {
		run_err_set(err, RUN_E_INVALID, "state directory must be an absolute path");
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		run_err_set(err, RUN_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&e->lock, NULL);
	e->default_grace_s = cfg->default_grace_s > 0 ? cfg->default_grace_s : DEFAULT_GRACE_S;
	images = oci_path_join(cfg->state_dir, "images");
	e->replicas_dir = oci_path_join(cfg->state_dir, "replicas");
	if (!images || !e->replicas_dir) {
		run_err_set(err, RUN_E_NOMEM, "out of memory");
		goto fail;
	}
	rc = oci_fs_mkdir_p(e->replicas_dir, 0700);
	if (rc < 0) {
		run_err_set(err, RUN_E_SYSTEM, "cannot create %s: %s", e->replicas_dir,
			strerror(-rc));
		goto fail;
	}
	/* Leftovers of a previous run of this state directory. */
	{
		int fd = open(e->replicas_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			(void)oci_fs_rm_children_at(fd, NULL, NULL);
			close(fd);
		}
	}
	memset(&pc, 0, sizeof(pc));
	pc.state_dir = images;
	pc.maps = cfg->maps;
	pc.n_maps = cfg->n_maps;
	pc.plain_http = cfg->plain_http;
	pc.n_plain_http = cfg->n_plain_http;
	e->puller = oci_puller_new(&pc, &oerr);
	if (!e->puller) {
		run_err_set(err, RUN_E_SYSTEM, "%s", oerr.msg);
		goto fail;
	}
	if (!cfg->host_network) {
		char msg[RUN_ERR_MAX];

		if (run_net_new(cfg->net_pool, &e->net, msg, sizeof(msg)) < 0) {
			run_err_set(err, RUN_E_SYSTEM, "%s", msg);
			goto fail;
		}
	}
	switch (cfg->rootfs_mode) {
	case RUN_ROOTFS_OVERLAY:
		if (!run_probe_overlay(cfg->state_dir)) {
			run_err_set(err, RUN_E_SYSTEM, "overlayfs is not usable under %s",
				cfg->state_dir);
			goto fail;
		}
		e->use_overlay = 1;
		break;
	case RUN_ROOTFS_COPY:
		e->use_overlay = 0;
		break;
	default:
		e->use_overlay = run_probe_overlay(cfg->state_dir);
		break;
	}
	free(images);
	return e;
fail:
	free(images);
	run_net_free(e->net);
	oci_puller_free(e->puller);
	free(e->replicas_dir);
	pthread_mutex_destroy(&e->lock);
	free(e);
	return NULL;
}

int run_engine_start(struct run_engine *e, const struct run_replica_spec *spec,
		     const struct run_callbacks *cb, struct run_err *err)
{
	struct run_rspec *rs = NULL;
	struct replica *r = NULL;
	size_t i;
	int rc;

	pthread_mutex_lock(&e->lock);
	reap_done_locked(e);
	rc = e->shutting_down ? RUN_E_SHUTDOWN : 0;
	pthread_mutex_unlock(&e->lock);
	if (rc < 0)
		return run_err_set(err, rc, "runner is shutting down");

	rc = run_spec_copy(spec, cb, &rs, err);
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r) {
		run_spec_free(rs);
		return run_err_set(err, RUN_E_NOMEM, "out of memory");
	}
	r->e = e;
	r->spec = rs;
	r->evfd = -1;
	r->net.netns_fd = -1;
	if (cb)
		r->cb = *cb;
	r->stop_result = -1;
	atomic_init(&r->cancel, 0);
	r->grace_s = rs->grace_s >= 0 ? rs->grace_s : e->default_grace_s;
	r->schedule_delay_ms = spec->schedule_delay_ms;
	r->pull_retry = spec->pull_retry;
	r->pull_backoff_ms = spec->pull_backoff_ms;
	r->n_ctrs = rs->n_init + rs->n_main;
	r->ctrs = calloc(r->n_ctrs, sizeof(*r->ctrs));
	r->dir = oci_path_join(e->replicas_dir, rs->name);
	r->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!r->ctrs || !r->dir || r->evfd < 0) {
		rc = run_err_set(err, r->evfd < 0 ? RUN_E_SYSTEM : RUN_E_NOMEM,
			     "cannot allocate replica state");
		goto fail;
	}
	for (i = 0; i < r->n_ctrs; i++) {
		r->ctrs[i].spec = &rs->c[i];
		r->ctrs[i].proc.pid = -1;
		r->ctrs[i].proc.pidfd = r->ctrs[i].proc.out_fd = r->ctrs[i].proc.err_fd = -1;
	}

	pthread_mutex_lock(&e->lock);
	if (e->shutting_down) {
		pthread_mutex_unlock(&e->lock);
		rc = run_err_set(err, RUN_E_SHUTDOWN, "runner is shutting down");
		goto fail;
	}
	if (find_live_locked(e, rs->name)) {
		pthread_mutex_unlock(&e->lock);
		rc = run_err_set(err, RUN_E_EXISTS, "replica \"%s\" is already running", rs->name);
		goto fail;
	}
	rc = pthread_create(&r->thread, NULL, replica_main, r);
	if (rc != 0) {
		pthread_mutex_unlock(&e->lock);
		rc = run_err_set(err, RUN_E_SYSTEM, "pthread_create: %s", strerror(rc));
		goto fail;
	}
	r->next = e->list;
	e->list = r;
	pthread_mutex_unlock(&e->lock);
	return 0;
fail:
	replica_free(r);
	return rc;
}

static void request_stop_locked(struct replica *r, int grace_s)
{
	uint64_t one = 1;

	if (grace_s < 0)
		grace_s = r->grace_s;
	if (!r->stop_req || grace_s < r->stop_grace)
		r->stop_grace = grace_s;
	r->stop_req = 1;
	atomic_store(&r->cancel, 1);
	(void)!write(r->evfd, &one, sizeof(one));
}

int run_engine_stop(struct run_engine *e, const char *replica_name, int grace_s)
{
	struct replica *r;
	int rc = RUN_E_NOT_FOUND;

	pthread_mutex_lock(&e->lock);
	r = find_live_locked(e, replica_name);
	if (r) {
		request_stop_locked(r, grace_s);
		rc = 0;
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

size_t run_engine_live(struct run_engine *e)
{
	struct replica *r;
	size_t n = 0;

	pthread_mutex_lock(&e->lock);
	for (r = e->list; r; r = r->next)
		if (!r->done)
			n++;
	pthread_mutex_unlock(&e->lock);
	return n;
}

void run_engine_free(struct run_engine *e)
{
	struct replica *r, *next;

	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	e->shutting_down = 1;
	for (r = e->list; r; r = r->next)
		if (!r->done)
			request_stop_locked(r, 0);
	r = e->list;
	e->list = NULL;
	pthread_mutex_unlock(&e->lock);
	for (; r; r = next) {
		next = r->next;
		pthread_join(r->thread, NULL);
		replica_free(r);
	}
	run_net_free(e->net);
	oci_puller_free(e->puller);
	free(e->replicas_dir);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int run_engine_replica_ip(struct run_engine *e, const char *replica_name, char ip[16])
{
	struct replica *r;
	int rc = RUN_E_NOT_FOUND;

	ip[0] = '\0';
	pthread_mutex_lock(&e->lock);
	r = find_live_locked(e, replica_name);
	if (r && r->ip[0]) {
		memcpy(ip, r->ip, 16);
		rc = 0;
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

size_t run_engine_each_ip(struct run_engine *e,
			  void (*fn)(void *ud, const char *replica, const char *ip), void *ud)
{
	struct replica *r;
	size_t n = 0;

	pthread_mutex_lock(&e->lock);
	for (r = e->list; r; r = r->next)
		if (!r->done && r->ip[0]) {
			fn(ud, r->spec->name, r->ip);
			n++;
		}
	pthread_mutex_unlock(&e->lock);
	return n;
}

int run_engine_network(struct run_engine *e, struct run_network_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!e->net)
		return RUN_E_NOT_FOUND;
	snprintf(info->bridge, sizeof(info->bridge), "%s", run_net_bridge(e->net));
	snprintf(info->gateway, sizeof(info->gateway), "%s", run_net_gateway(e->net));
	info->prefix = run_net_prefix(e->net);
	info->in_use = run_net_in_use(e->net);
	return 0;
}
