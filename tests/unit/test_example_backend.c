/*
 * test_example_backend.c - drives the example backend (example.so) through
 * its hook tables with a small fake host, the way the daemon would.
 *
 * The fake host implements struct sl_host_v1 over plain structs: container
 * and exec records with fixed fields (the recorded-state ints follow the
 * reported states, as in the daemon), streams that collect what is written
 * (and feed scripted stdin, optionally never closed), and a log of
 * reported states.  The backend is
 * loaded with dlopen() from the build tree, so this also checks that the
 * .so is self-contained.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sockerless/plugin.h>

/* ------------------------------------------------------------------ */
/* Fake host objects                                                    */
/* ------------------------------------------------------------------ */

#define MAX_STATES 32
#define MAX_DATA 8

struct sl_container {
	char id[65];
	const char *strs[16];
	const char *const *lists[16];
	int64_t ints[24];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sl_state_v1 states[MAX_STATES];
	char errors[MAX_STATES][128];
	int nstates;
	char *keys[MAX_DATA], *vals[MAX_DATA];
	int refs;
	struct sl_container *next;
};

struct sl_exec {
	const char *strs[8];
	const char *const *lists[4];
	int64_t ints[8];
};

struct sl_call {
	int cancelled;
	int pipe[2];
	int status;
	char msg[512];
	int polled;      /* the hook asked whether it was cancelled */
};

struct sl_stream {
	pthread_mutex_t lock;
	char out[3][16384];   /* by fd; [0] unused */
	size_t len[3];
	int lines;
	int64_t last_ts;
	int ts_in_order;
	/* scripted stdin: returned once, then EOF, or with keep_open
	 * nothing more (the client holds its stdin open) */
	const char *in;
	int in_done;
	int keep_open;
	int fail_writes;
	/* a client that keeps everything written to it, and reads nothing
	 * while `gated` (writes block until the test opens the gate) */
	int keep_all;
	int gated;
	pthread_cond_t gate;
	char *all;
	size_t all_len, all_cap;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sl_container *registry;
static const char *opt_stop_timeout = "2";
static const char *opt_shutdown_timeout = "1";

static void h_logv(void *hctx, int level, const char *fmt, va_list ap)
{
	(void)hctx;
	if (level > SL_LOG_WARN)
		return;
	fputs("# backend: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
}

static void *h_alloc(size_t n)
{
	return calloc(1, n);
}

static void h_free(void *p)
{
	free(p);
}

static const char *h_config_get(void *hctx, const char *key)
{
	(void)hctx;
	if (strcmp(key, "stop-timeout") == 0)
		return opt_stop_timeout;
	if (strcmp(key, "shutdown-timeout") == 0)
		return opt_shutdown_timeout;
	if (strcmp(key, "log-buffer-bytes") == 0)
		return "65536";
	return NULL;
}

/* A private directory (group_setup): the volume hooks write under it. */
static char state_dir_buf[64] = "/tmp";

static const char *h_state_dir(void *hctx)
{
	(void)hctx;
	return state_dir_buf;
}

static int h_set_error(sl_call *call, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->msg, sizeof(call->msg), fmt, ap);
	va_end(ap);
	call->status = status;
	return status;
}

/* Signalled whenever a hook polls for cancellation (see wait_polled). */
static pthread_mutex_t poll_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t poll_cond = PTHREAD_COND_INITIALIZER;

static int h_cancelled(sl_call *call)
{
	pthread_mutex_lock(&poll_lock);
	call->polled = 1;
	pthread_cond_broadcast(&poll_cond);
	pthread_mutex_unlock(&poll_lock);
	return __atomic_load_n(&call->cancelled, __ATOMIC_SEQ_CST);
}

static int h_cancel_fd(sl_call *call)
{
	return call->pipe[0];
}

static const char *h_ctr_str(const sl_container *c, int f)
{
	if (f == SL_CTR_ID)
		return c->id;
	return f > 0 && f < 16 ? c->strs[f] : NULL;
}

static const char *const *h_ctr_list(const sl_container *c, int f)
{
	return f > 0 && f < 16 ? c->lists[f] : NULL;
}

static int64_t h_ctr_int(const sl_container *cc, int f)
{
	sl_container *c = (sl_container *)cc;
	int64_t v;

	if (f <= 0 || f >= 24)
		return 0;
	/* The recorded state changes under state_changed. */
	pthread_mutex_lock(&c->lock);
	v = c->ints[f];
	pthread_mutex_unlock(&c->lock);
	return v;
}

static const void *h_ctr_raw(const sl_container *c, size_t *len)
{
	(void)c;
	*len = 2;
	return "{}";
}

static int h_data_set(sl_container *c, const char *k, const char *v)
{
	int i, rc = 0;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < MAX_DATA; i++)
		if (c->keys[i] && strcmp(c->keys[i], k) == 0)
			break;
	if (i < MAX_DATA) {
		free(c->vals[i]);
		c->vals[i] = v ? strdup(v) : NULL;
		if (!v) {
			free(c->keys[i]);
			c->keys[i] = NULL;
		}
	} else if (v) {
		for (i = 0; i < MAX_DATA && c->keys[i]; i++)
			;
		if (i == MAX_DATA) {
			rc = SL_ENOMEM;
		} else {
			c->keys[i] = strdup(k);
			c->vals[i] = strdup(v);
		}
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static char *h_data_get(const sl_container *cc, const char *k)
{
	sl_container *c = (sl_container *)cc;
	char *r = NULL;

	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < MAX_DATA; i++)
		if (c->keys[i] && strcmp(c->keys[i], k) == 0)
			r = strdup(c->vals[i]);
	pthread_mutex_unlock(&c->lock);
	return r;
}

static sl_container *h_ref(sl_container *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_SEQ_CST);
	return c;
}

static void h_unref(sl_container *c)
{
	__atomic_sub_fetch(&c->refs, 1, __ATOMIC_SEQ_CST);
}

static sl_container *h_lookup(void *hctx, const char *id)
{
	sl_container *c;

	(void)hctx;
	pthread_mutex_lock(&reg_lock);
	for (c = registry; c; c = c->next)
		if (strcmp(c->id, id) == 0)
			break;
	if (c)
		h_ref(c);
	pthread_mutex_unlock(&reg_lock);
	return c;
}

/* Over a snapshot, without the registry lock: fn may call anything. */
static int h_foreach(void *hctx, int (*fn)(sl_container *, void *), void *arg)
{
	sl_container *snap[64];
	int rc = 0, n = 0;

	(void)hctx;
	pthread_mutex_lock(&reg_lock);
	for (sl_container *c = registry; c && n < 64; c = c->next)
		snap[n++] = h_ref(c);
	pthread_mutex_unlock(&reg_lock);
	for (int i = 0; i < n; i++) {
		if (!rc)
			rc = fn(snap[i], arg);
		h_unref(snap[i]);
	}
	return rc;
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The CLOCK_REALTIME time `ms` from now, for pthread_cond_timedwait. */
static void deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Keeps the recorded-state ints the way the daemon does. */
static void record_state(sl_container *c, const struct sl_state_v1 *st)
{
	int changed = c->ints[SL_CTR_STATUS] != st->status;

	c->ints[SL_CTR_STATUS] = st->status;
	if (st->status == SL_STATUS_RUNNING && changed) {
		c->ints[SL_CTR_STARTED_NS] = st->started_ns ? st->started_ns
			: wall_ns();
		c->ints[SL_CTR_FINISHED_NS] = 0;
		c->ints[SL_CTR_EXIT_CODE] = 0;
	}
	if (st->status == SL_STATUS_EXITED || st->status == SL_STATUS_DEAD) {
		c->ints[SL_CTR_EXIT_CODE] = st->exit_code;
		c->ints[SL_CTR_FINISHED_NS] = st->finished_ns ? st->finished_ns
			: wall_ns();
		c->ints[SL_CTR_PID] = 0;
	} else if (st->pid) {
		c->ints[SL_CTR_PID] = st->pid;
	}
}

static void h_state_changed(sl_container *c, const struct sl_state_v1 *st)
{
	pthread_mutex_lock(&c->lock);
	record_state(c, st);
	if (c->nstates < MAX_STATES) {
		c->states[c->nstates] = *st;
		snprintf(c->errors[c->nstates], sizeof(c->errors[0]), "%s",
			st->error ? st->error : "");
		c->states[c->nstates].error = NULL;
		c->nstates++;
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static const char *h_exec_str(const sl_exec *e, int f)
{
	return f > 0 && f < 8 ? e->strs[f] : NULL;
}

static const char *const *h_exec_list(const sl_exec *e, int f)
{
	return f > 0 && f < 4 ? e->lists[f] : NULL;
}

static int64_t h_exec_int(const sl_exec *e, int f)
{
	return f > 0 && f < 8 ? e->ints[f] : 0;
}

static int h_exec_data_set(sl_exec *e, const char *k, const char *v)
{
	(void)e;
	(void)k;
	(void)v;
	return 0;
}

static char *h_exec_data_get(const sl_exec *e, const char *k)
{
	(void)e;
	(void)k;
	return NULL;
}

static void out_add(sl_stream *s, int fd, const void *buf, size_t n)
{
	fd = fd == 2 ? 2 : 1;
	if (s->len[fd] + n >= sizeof(s->out[fd]))
		n = sizeof(s->out[fd]) - 1 - s->len[fd];
	memcpy(s->out[fd] + s->len[fd], buf, n);
	s->len[fd] += n;
	s->out[fd][s->len[fd]] = '\0';
}

static void all_add(sl_stream *s, const void *buf, size_t n)
{
	while (s->gated)
		pthread_cond_wait(&s->gate, &s->lock);
	if (s->all_len + n > s->all_cap) {
		size_t cap = (s->all_len + n) * 2;
		char *p = realloc(s->all, cap);

		if (!p)
			abort();
		s->all = p;
		s->all_cap = cap;
	}
	memcpy(s->all + s->all_len, buf, n);
	s->all_len += n;
}

static ssize_t h_write(sl_stream *s, int fd, const void *buf, size_t n)
{
	pthread_mutex_lock(&s->lock);
	if (s->fail_writes) {
		pthread_mutex_unlock(&s->lock);
		return SL_ECANCELED;
	}
	if (s->keep_all)
		all_add(s, buf, n);
	else
		out_add(s, fd, buf, n);
	pthread_mutex_unlock(&s->lock);
	return (ssize_t)n;
}

static int h_write_line_ex(sl_stream *s, int fd, int64_t ts,
	const char *line, size_t n, unsigned flags)
{
	pthread_mutex_lock(&s->lock);
	out_add(s, fd, line, n);
	if (!(flags & SL_LINE_PARTIAL) && (n == 0 || line[n - 1] != '\n'))
		out_add(s, fd, "\n", 1);
	if (ts < s->last_ts || ts <= 0)
		s->ts_in_order = 0;
	s->last_ts = ts;
	s->lines++;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int h_write_line(sl_stream *s, int fd, int64_t ts, const char *line,
	size_t n)
{
	return h_write_line_ex(s, fd, ts, line, n, 0);
}

/*
 * Without a timeout a client that keeps stdin open blocks the reader for
 * KEEP_OPEN_MS (then EOF, so a broken backend fails by being slow rather
 * than hanging the test run).
 */
#define KEEP_OPEN_MS 20000

static ssize_t h_read_timeout(sl_stream *s, void *buf, size_t n,
	int timeout_ms)
{
	size_t len;

	pthread_mutex_lock(&s->lock);
	if (s->in_done || !s->in) {
		int keep = s->keep_open;

		pthread_mutex_unlock(&s->lock);
		if (!keep)
			return 0;
		if (timeout_ms < 0 || timeout_ms > KEEP_OPEN_MS) {
			usleep(KEEP_OPEN_MS * 1000);
			return 0;
		}
		usleep((useconds_t)timeout_ms * 1000);
		return SL_ETIMEDOUT;
	}
	len = strlen(s->in);
	if (len > n)
		len = n;
	memcpy(buf, s->in, len);
	s->in_done = 1;
	pthread_mutex_unlock(&s->lock);
	return (ssize_t)len;
}

static ssize_t h_read(sl_stream *s, void *buf, size_t n)
{
	return h_read_timeout(s, buf, n, -1);
}

static struct sl_host_v1 host = {
	SL_HEADER(struct sl_host_v1),
	.hctx = NULL,
	.logv = h_logv,
	.alloc = h_alloc,
	.free = h_free,
	.config_get = h_config_get,
	.state_dir = h_state_dir,
	.set_error = h_set_error,
	.cancelled = h_cancelled,
	.cancel_fd = h_cancel_fd,
	.ctr_str = h_ctr_str,
	.ctr_list = h_ctr_list,
	.ctr_int = h_ctr_int,
	.ctr_raw_config = h_ctr_raw,
	.ctr_data_set = h_data_set,
	.ctr_data_get = h_data_get,
	.ctr_ref = h_ref,
	.ctr_unref = h_unref,
	.ctr_lookup = h_lookup,
	.ctr_foreach = h_foreach,
	.state_changed = h_state_changed,
	.exec_str = h_exec_str,
	.exec_list = h_exec_list,
	.exec_int = h_exec_int,
	.exec_data_set = h_exec_data_set,
	.exec_data_get = h_exec_data_get,
	.stream_write = h_write,
	.stream_write_line = h_write_line,
	.stream_read = h_read,
	.stream_read_timeout = h_read_timeout,
	.stream_write_line_ex = h_write_line_ex,
};

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static void *dl;
static const struct sl_backend_v1 *be;
static void *state;
static int next_id;

static sl_call *call_new(void)
{
	sl_call *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(pipe2(c->pipe, O_CLOEXEC), 0);
	return c;
}

static void call_free(sl_call *c)
{
	close(c->pipe[0]);
	close(c->pipe[1]);
	free(c);
}

static sl_stream *stream_new(const char *in)
{
	sl_stream *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->gate, NULL);
	s->ts_in_order = 1;
	s->in = in;
	return s;
}

static void stream_free(sl_stream *s)
{
	pthread_cond_destroy(&s->gate);
	pthread_mutex_destroy(&s->lock);
	free(s->all);
	free(s);
}

static void stream_open_gate(sl_stream *s)
{
	pthread_mutex_lock(&s->lock);
	s->gated = 0;
	pthread_cond_broadcast(&s->gate);
	pthread_mutex_unlock(&s->lock);
}

/* Waits until a hook running with `call` has polled for cancellation,
 * which it does once it waits for output.  0 on timeout. */
static int wait_polled(sl_call *call, int ms)
{
	struct timespec ts;
	int polled;

	deadline_in(&ts, ms);
	pthread_mutex_lock(&poll_lock);
	while (!(polled = call->polled))
		if (pthread_cond_timedwait(&poll_cond, &poll_lock, &ts))
			break;
	polled = call->polled;
	pthread_mutex_unlock(&poll_lock);
	return polled;
}

/* A container running `sh -c script` (with no image). */
static sl_container *ctr_new(const char *script)
{
	sl_container *c = calloc(1, sizeof(*c));
	static const char *const ep[] = { "/bin/sh", "-c", NULL };
	const char **cmd = calloc(2, sizeof(*cmd));

	assert_non_null(c);
	assert_non_null(cmd);
	cmd[0] = script;
	snprintf(c->id, sizeof(c->id), "%064x", ++next_id);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->lists[SL_CTR_ENTRYPOINT] = ep;
	c->lists[SL_CTR_CMD] = cmd;
	c->ints[SL_CTR_STOP_TIMEOUT] = -1;
	pthread_mutex_lock(&reg_lock);
	c->next = registry;
	registry = c;
	pthread_mutex_unlock(&reg_lock);
	return c;
}

static void ctr_free(sl_container *c)
{
	pthread_mutex_lock(&reg_lock);
	for (sl_container **pp = &registry; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	for (int i = 0; i < MAX_DATA; i++) {
		free(c->keys[i]);
		free(c->vals[i]);
	}
	free((void *)c->lists[SL_CTR_CMD]);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Index of the first recorded state `status` at or after `from`; waits
 * up to ms.  -1 on timeout. */
static int wait_state(sl_container *c, int status, int from, int ms)
{
	struct timespec ts;
	int idx = -1;

	deadline_in(&ts, ms);
	pthread_mutex_lock(&c->lock);
	for (;;) {
		for (int i = from; i < c->nstates; i++) {
			if (c->states[i].status == status) {
				idx = i;
				break;
			}
		}
		if (idx >= 0 || pthread_cond_timedwait(&c->cond, &c->lock, &ts))
			break;
	}
	pthread_mutex_unlock(&c->lock);
	return idx;
}

static int start(sl_container *c)
{
	sl_call *call = call_new();
	int rc = be->containers->start(state, call, c);

	if (rc != SL_OK)
		printf("# start: %d %s\n", rc, call->msg);
	call_free(call);
	return rc;
}

/* Runs `script`, waits for its exit, returns the exit code. */
static int run_to_exit(sl_container *c)
{
	int i;

	assert_int_equal(start(c), SL_OK);
	i = wait_state(c, SL_STATUS_EXITED, 0, 5000);
	assert_true(i >= 0);
	return c->states[i].exit_code;
}

static void logs(sl_container *c, sl_stream *s, int out, int err,
	int64_t tail, int follow)
{
	struct sl_logs_opts_v1 o = {
		SL_HEADER(struct sl_logs_opts_v1),
		.follow = follow, .stdout_wanted = out, .stderr_wanted = err,
		.tail = tail,
	};
	sl_call *call = call_new();

	assert_int_equal(be->streams->logs(state, call, c, &o, s), SL_OK);
	call_free(call);
}

static int remove_ctr(sl_container *c, int force)
{
	sl_call *call = call_new();
	int rc = be->containers->remove(state, call, c, force);

	call_free(call);
	return rc;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Polls cond(arg) every 10 ms until it holds or `ms` have passed; for
 * conditions nothing signals (a process's state, another hook's view).
 * Returns whether it holds.
 */
static int poll_until(int (*cond)(void *), void *arg, int ms)
{
	int64_t end = now_ms() + ms;

	while (!cond(arg)) {
		if (now_ms() >= end)
			return cond(arg);
		usleep(10000);
	}
	return 1;
}

struct output_arg {
	sl_container *c;
	const char *needle;
};

static int has_output(void *p)
{
	struct output_arg *o = p;
	sl_stream *s = stream_new(NULL);
	int found;

	logs(o->c, s, 1, 1, -1, 0);
	found = strstr(s->out[1], o->needle) || strstr(s->out[2], o->needle);
	stream_free(s);
	return found;
}

/* Waits until the log contains `needle`. */
static int wait_output(sl_container *c, const char *needle, int ms)
{
	struct output_arg o = { c, needle };

	return poll_until(has_output, &o, ms);
}

static int gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

static int gone_cond(void *p)
{
	return gone(*(pid_t *)p);
}

/* The state letter of a process in /proc/PID/stat ('T' when stopped),
 * or 0 when there is no such process; *pgrp gets its process group. */
static char proc_state_pgrp(pid_t pid, int *pgrp)
{
	char path[64], buf[512], *rp, st;
	int ppid;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	rp = strrchr(buf, ')');   /* the name may contain anything */
	if (!rp || sscanf(rp + 1, " %c %d %d", &st, &ppid, pgrp) != 3)
		return 0;
	return st;
}

static char proc_state(pid_t pid)
{
	int pgrp;

	return proc_state_pgrp(pid, &pgrp);
}

/*
 * Whether the process group `*p` is frozen: each member stopped, or
 * (the shell vforks) waiting in vfork for a stopped child, and at least
 * one stopped.
 */
static int group_stopped(void *p)
{
	pid_t pgid = *(pid_t *)p;
	int n_stopped = 0, others = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc");

	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		int pgrp = 0;
		char st;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		st = proc_state_pgrp((pid_t)atoi(d->d_name), &pgrp);
		if (!st || pgrp != (int)pgid)
			continue;
		if (st == 'T')
			n_stopped++;
		else if (st != 'D')
			others++;
	}
	closedir(dir);
	return n_stopped > 0 && others == 0;
}

static int not_stopped(void *p)
{
	char st = proc_state(*(pid_t *)p);

	return st && st != 'T';
}

/* ------------------------------------------------------------------ */
/* Setup                                                                */
/* ------------------------------------------------------------------ */

static int group_setup(void **ts)
{
	const char *bd = getenv("top_builddir");
	const char *so = getenv("EXAMPLE_SO");
	char path[4096];
	sl_backend_entry_v1_fn entry;
	sl_call *call;
	int rc;

	(void)ts;
	signal(SIGPIPE, SIG_IGN);  /* as the daemon does */
	snprintf(state_dir_buf, sizeof(state_dir_buf), "/tmp/sl-exbe.XXXXXX");
	if (!mkdtemp(state_dir_buf))
		return -1;
	if (!so) {
		snprintf(path, sizeof(path), "%s/plugin-api/example/.libs/example.so",
			bd ? bd : ".");
		so = path;
	}
	dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		printf("# dlopen %s: %s\n", so, dlerror());
		return -1;
	}
	*(void **)&entry = dlsym(dl, SL_ENTRY_SYMBOL);
	if (!entry || entry(&host, &be) != SL_OK || !be)
		return -1;
	call = call_new();
	rc = be->init(&host, call, &state);
	if (rc != SL_OK)
		printf("# init: %s\n", call->msg);
	call_free(call);
	return rc == SL_OK ? 0 : -1;
}

static int group_teardown(void **ts)
{
	char cmd[128];

	(void)ts;
	if (be && state)
		be->fini(state);
	/* Never dlclose a backend after a successful init (the ABI rule). */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir_buf);
	return strcmp(state_dir_buf, "/tmp") && system(cmd) != 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

static void test_entry_checks_abi(void **ts)
{
	sl_backend_entry_v1_fn entry;
	const struct sl_backend_v1 *out = NULL;
	struct sl_host_v1 h = host;

	(void)ts;
	*(void **)&entry = dlsym(dl, SL_ENTRY_SYMBOL);
	assert_non_null(entry);
	h.abi_major = SL_ABI_MAJOR + 1;
	assert_int_equal(entry(&h, &out), SL_EABI);
	h = host;
	h.struct_size = 8;
	assert_int_equal(entry(&h, &out), SL_EABI);
	/* A host from before stream_read_timeout. */
	h.struct_size = offsetof(struct sl_host_v1, stream_read_timeout);
	assert_int_equal(entry(&h, &out), SL_EABI);
	assert_int_equal(entry(&host, &out), SL_OK);
	assert_int_equal(out->abi_major, SL_ABI_MAJOR);
	assert_true(out->abi_minor <= SL_ABI_MINOR);
	assert_int_equal(out->struct_size, sizeof(struct sl_backend_v1));
	assert_string_equal(out->name, "example");
	/* Only the entry is visible. */
	assert_null(dlsym(dl, "ex_spawn"));
	assert_null(dlsym(dl, "ex_container_ops"));
}

static void test_info(void **ts)
{
	struct sl_info_v1 info;
	sl_call *call = call_new();

	(void)ts;
	memset(&info, 0, sizeof(info));
	info.struct_size = sizeof(info);
	info.abi_major = SL_ABI_MAJOR;
	assert_int_equal(be->info(state, call, &info), SL_OK);
	assert_string_equal(info.driver, "process");
	assert_string_equal(info.os_type, "linux");
	assert_true(info.ncpu >= 1);
	assert_true(info.mem_total > 0);
	assert_non_null(info.kernel_version);
	assert_non_null(info.driver_status);
	assert_non_null(info.driver_status[0]);
	call_free(call);
}

static void test_output_and_logs(void **ts)
{
	sl_container *c = ctr_new(
		"echo out1; echo err1 >&2; echo out2; echo err2 >&2; printf tail");
	sl_stream *s;
	int i;

	(void)ts;
	assert_int_equal(run_to_exit(c), 0);
	i = wait_state(c, SL_STATUS_RUNNING, 0, 0);
	assert_true(i >= 0);
	assert_true(c->states[i].pid > 0);
	assert_true(c->states[i].started_ns > 0);
	i = wait_state(c, SL_STATUS_EXITED, 0, 0);
	assert_true(c->states[i].finished_ns >= c->states[0].started_ns);

	s = stream_new(NULL);
	logs(c, s, 1, 0, -1, 0);
	/* The last line had no newline and gets none (SL_LINE_PARTIAL). */
	assert_string_equal(s->out[1], "out1\nout2\ntail");
	assert_int_equal(s->len[2], 0);
	assert_true(s->ts_in_order);
	stream_free(s);

	s = stream_new(NULL);
	logs(c, s, 0, 1, -1, 0);
	assert_string_equal(s->out[2], "err1\nerr2\n");
	stream_free(s);

	s = stream_new(NULL);
	logs(c, s, 1, 1, 2, 0);   /* the last two lines of both streams */
	assert_int_equal(s->lines, 2);
	assert_string_equal(s->out[2], "err2\n");
	assert_string_equal(s->out[1], "tail");
	stream_free(s);

	s = stream_new(NULL);
	logs(c, s, 1, 1, 0, 0);
	assert_int_equal(s->lines, 0);
	stream_free(s);

	assert_int_equal(remove_ctr(c, 0), SL_OK);
	ctr_free(c);
}

static void test_exit_codes(void **ts)
{
	sl_container *a = ctr_new("exit 3");
	sl_container *b = ctr_new("kill -TERM $$");

	(void)ts;
	assert_int_equal(run_to_exit(a), 3);
	assert_int_equal(run_to_exit(b), 128 + SIGTERM);
	/* A second start is a new run with its own exit. */
	assert_int_equal(start(a), SL_OK);
	assert_true(wait_state(a, SL_STATUS_EXITED, 2, 5000) >= 0);
	assert_int_equal(remove_ctr(a, 0), SL_OK);
	assert_int_equal(remove_ctr(b, 0), SL_OK);
	ctr_free(a);
	ctr_free(b);
}

static void test_start_errors(void **ts)
{
	sl_container *a = ctr_new("true");
	static const char *const missing[] = { "no-such-command-xyz", NULL };
	static const char *const nofile[] = { "/no/such/file", NULL };
	static const char *const dir[] = { "/tmp", NULL };
	sl_call *call;

	(void)ts;
	a->lists[SL_CTR_ENTRYPOINT] = missing;
	call = call_new();
	assert_int_equal(be->containers->start(state, call, a), SL_EINVAL);
	assert_non_null(strstr(call->msg, "executable file not found"));
	call_free(call);

	a->lists[SL_CTR_ENTRYPOINT] = nofile;
	call = call_new();
	assert_int_equal(be->containers->start(state, call, a), SL_EINVAL);
	assert_non_null(strstr(call->msg, "no such file"));
	call_free(call);

	/* The wording the docker CLI maps to 126. */
	a->lists[SL_CTR_ENTRYPOINT] = dir;
	call = call_new();
	assert_int_equal(be->containers->start(state, call, a), SL_EINVAL);
	assert_string_equal(call->msg, "exec: \"/tmp\": is a directory");
	call_free(call);

	a->lists[SL_CTR_ENTRYPOINT] = NULL;
	a->strs[SL_CTR_WORKING_DIR] = "/no/such/dir";
	{
		static const char *const t[] = { "/bin/true", NULL };

		a->lists[SL_CTR_ENTRYPOINT] = t;
	}
	call = call_new();
	assert_int_equal(be->containers->start(state, call, a), SL_EINVAL);
	assert_non_null(strstr(call->msg, "working directory"));
	call_free(call);
	assert_int_equal(a->nstates, 0);   /* no RUNNING for a failed start */

	/* Binds cannot be honoured without a container filesystem. */
	{
		static const char *const binds[] = { "/a:/b", NULL };
		sl_container *b = ctr_new("true");

		b->lists[SL_CTR_BINDS] = binds;
		call = call_new();
		assert_int_equal(be->containers->create(state, call, b),
			SL_ENOTSUP);
		call_free(call);
		ctr_free(b);
	}
	assert_int_equal(remove_ctr(a, 0), SL_OK);
	ctr_free(a);
}

static void test_env_workdir(void **ts)
{
	sl_container *c = ctr_new("echo \"$FOO:$PWD:$HOSTNAME:${SECRET_OF_DAEMON:-none}\"");
	static const char *const env[] = { "FOO=bar", NULL };
	sl_stream *s = stream_new(NULL);

	(void)ts;
	setenv("SECRET_OF_DAEMON", "leak", 1);
	c->lists[SL_CTR_ENV] = env;
	c->strs[SL_CTR_WORKING_DIR] = "/tmp";
	c->strs[SL_CTR_HOSTNAME] = "box";
	assert_int_equal(run_to_exit(c), 0);
	logs(c, s, 1, 1, -1, 0);
	/* The daemon's own environment does not leak into containers. */
	assert_string_equal(s->out[1], "bar:/tmp:box:none\n");
	unsetenv("SECRET_OF_DAEMON");
	stream_free(s);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	ctr_free(c);
}

static void test_logs_follow(void **ts)
{
	sl_container *c = ctr_new("echo a; sleep 0.3; printf 'b'; sleep 0.1; echo c");
	sl_stream *s = stream_new(NULL);

	(void)ts;
	assert_int_equal(start(c), SL_OK);
	logs(c, s, 1, 1, -1, 1);     /* returns when the container exits */
	assert_true(wait_state(c, SL_STATUS_EXITED, 0, 0) >= 0);
	assert_string_equal(s->out[1], "a\nbc\n");
	assert_int_equal(s->lines, 2);
	stream_free(s);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	ctr_free(c);
}

static void test_stop_escalates(void **ts)
{
	sl_container *c = ctr_new(
		"trap '' TERM; echo ready; while :; do sleep 0.05; done");
	sl_call *call = call_new();
	int64_t t0;
	int i;

	(void)ts;
	assert_int_equal(start(c), SL_OK);
	assert_true(wait_output(c, "ready", 3000));
	t0 = now_ms();
	assert_int_equal(be->containers->stop(state, call, c, 0, 1), SL_OK);
	assert_true(now_ms() - t0 >= 900);      /* waited for the timeout */
	i = wait_state(c, SL_STATUS_EXITED, 0, 0);  /* reported before return */
	assert_true(i >= 0);
	assert_int_equal(c->states[i].exit_code, 128 + SIGKILL);
	/* Stopping a stopped container: 304. */
	assert_int_equal(be->containers->stop(state, call, c, 0, 1),
		SL_ENOTMODIFIED);
	call_free(call);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	ctr_free(c);
}

static void test_stop_signal(void **ts)
{
	sl_container *c = ctr_new("trap 'exit 42' USR1; echo ready; while :; do sleep 0.05; done");
	sl_call *call = call_new();
	int i;

	(void)ts;
	c->strs[SL_CTR_STOP_SIGNAL] = "SIGUSR1";
	assert_int_equal(start(c), SL_OK);
	assert_true(wait_output(c, "ready", 3000));
	assert_int_equal(be->containers->stop(state, call, c, 0, 5), SL_OK);
	i = wait_state(c, SL_STATUS_EXITED, 0, 0);
	assert_true(i >= 0);
	assert_int_equal(c->states[i].exit_code, 42);
	call_free(call);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	ctr_free(c);
}

static void test_kill(void **ts)
{
	sl_container *c = ctr_new("exec sleep 30");
	sl_call *call = call_new();
	int i;

	(void)ts;
	assert_int_equal(be->containers->kill(state, call, c, SIGKILL),
		SL_ECONFLICT);
	assert_int_equal(start(c), SL_OK);
	assert_int_equal(be->containers->kill(state, call, c, SIGUSR1), SL_OK);
	i = wait_state(c, SL_STATUS_EXITED, 0, 5000);
	assert_true(i >= 0);
	assert_int_equal(c->states[i].exit_code, 128 + SIGUSR1);
	call_free(call);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	ctr_free(c);
}

static int count_lines(sl_container *c)
{
	sl_stream *s = stream_new(NULL);
	int n;

	logs(c, s, 1, 1, -1, 0);
	n = s->lines;
	stream_free(s);
	return n;
}

struct lines_arg {
	sl_container *c;
	int n;
};

static int more_lines(void *p)
{
	struct lines_arg *l = p;

	return count_lines(l->c) > l->n;
}

static void test_pause_unpause(void **ts)
{
	sl_container *c = ctr_new("while :; do echo tick; sleep 0.02; done");
	sl_call *call = call_new();
	struct lines_arg more = { c, 0 };
	pid_t pid;

	(void)ts;
	assert_int_equal(start(c), SL_OK);
	assert_true(wait_output(c, "tick", 3000));
	pid = c->states[0].pid;
	assert_int_equal(be->containers->pause(state, call, c), SL_OK);
	assert_true(wait_state(c, SL_STATUS_PAUSED, 0, 0) >= 0);
	assert_int_equal(be->containers->pause(state, call, c), SL_ECONFLICT);
	assert_true(poll_until(group_stopped, &pid, 5000));   /* frozen */
	assert_int_equal(be->containers->unpause(state, call, c), SL_OK);
	assert_true(wait_state(c, SL_STATUS_RUNNING, 2, 0) >= 0);
	assert_true(poll_until(not_stopped, &pid, 5000));
	more.n = count_lines(c);
	assert_true(poll_until(more_lines, &more, 5000));   /* running again */
	/* A running container is not removed without force. */
	assert_int_equal(remove_ctr(c, 0), SL_ECONFLICT);
	assert_int_equal(remove_ctr(c, 1), SL_OK);
	assert_true(wait_state(c, SL_STATUS_EXITED, 0, 0) >= 0);
	call_free(call);
	ctr_free(c);
}

struct exec_arg {
	sl_container *c;
	sl_exec *e;
	int code;
};

/* Whether a detached exec has ended (its code in ->code). */
static int exec_ended(void *p)
{
	struct exec_arg *a = p;
	sl_call *call = call_new();
	int running = 1, rc;

	rc = be->exec->inspect(state, call, a->c, a->e, &running, &a->code);
	call_free(call);
	return rc == SL_OK && !running;
}

static void test_exec(void **ts)
{
	sl_container *c = ctr_new("exec sleep 30");
	static const char *const cenv[] = { "FOO=1", "BAR=x", NULL };
	static const char *const eenv[] = { "BAR=2", NULL };
	static const char *const cmd[] = { "sh", "-c",
		"echo \"$FOO$BAR $(pwd)\"; echo oops >&2; exit 7", NULL };
	sl_exec e;
	sl_stream *s = stream_new(NULL);
	sl_call *call = call_new();
	int code = -1, running = -1;

	(void)ts;
	c->lists[SL_CTR_ENV] = cenv;
	c->strs[SL_CTR_WORKING_DIR] = "/tmp";
	memset(&e, 0, sizeof(e));
	e.strs[SL_EXEC_ID] = "exec1";
	e.lists[SL_EXEC_CMD] = cmd;
	e.lists[SL_EXEC_ENV] = eenv;
	e.ints[SL_EXEC_ATTACH_STDOUT] = 1;
	e.ints[SL_EXEC_ATTACH_STDERR] = 1;
	/* Not running yet. */
	assert_int_equal(be->exec->start(state, call, c, &e, s, &code),
		SL_ECONFLICT);
	assert_int_equal(start(c), SL_OK);
	assert_int_equal(be->exec->start(state, call, c, &e, s, &code), SL_OK);
	assert_int_equal(code, 7);
	assert_string_equal(s->out[1], "12 /tmp\n");
	assert_string_equal(s->out[2], "oops\n");

	/* Detached: start returns at once, inspect follows it.  The exec
	 * runs until the test creates the file it waits for. */
	{
		char flag[] = "/tmp/sl-exec-flag.XXXXXX";
		char script[128];
		const char *sl[] = { "sh", "-c", script, NULL };
		struct exec_arg ea;
		sl_exec d;
		int fd = mkstemp(flag);

		assert_true(fd >= 0);
		close(fd);
		unlink(flag);
		snprintf(script, sizeof(script),
			"while [ ! -e %s ]; do sleep 0.01; done; exit 5", flag);
		memset(&d, 0, sizeof(d));
		d.strs[SL_EXEC_ID] = "exec2";
		d.lists[SL_EXEC_CMD] = sl;
		assert_int_equal(be->exec->start(state, call, c, &d, NULL, &code),
			SL_OK);
		assert_int_equal(be->exec->inspect(state, call, c, &d, &running,
			&code), SL_OK);
		assert_int_equal(running, 1);
		fd = open(flag, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		assert_true(fd >= 0);
		close(fd);
		ea = (struct exec_arg){ c, &d, -1 };
		assert_true(poll_until(exec_ended, &ea, 10000));
		assert_int_equal(ea.code, 5);
		unlink(flag);
	}
	stream_free(s);
	call_free(call);
	assert_int_equal(remove_ctr(c, 1), SL_OK);
	ctr_free(c);
}

/* Runs exec `cmd` attached; returns start's status, *code its exit code. */
static int exec_run(sl_container *c, const char *cmd, sl_stream *s,
	int *code)
{
	const char *argv[] = { cmd, NULL };
	sl_call *call = call_new();
	sl_exec e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.strs[SL_EXEC_ID] = "exec-not-run";
	e.lists[SL_EXEC_CMD] = argv;
	e.ints[SL_EXEC_ATTACH_STDOUT] = 1;
	e.ints[SL_EXEC_ATTACH_STDERR] = 1;
	*code = -1;
	rc = be->exec->start(state, call, c, &e, s, code);
	call_free(call);
	return rc;
}

static void test_exec_not_run(void **ts)
{
	/* As dockerd: 127 when the command is not there, 126 when it cannot
	 * be executed, the reason on stdout, and start itself succeeds. */
	static const struct {
		const char *cmd;
		int code;
		const char *msg;
	} cases[] = {
		{ "/no/such/cmd", 127,
		  "exec: \"/no/such/cmd\": stat /no/such/cmd: no such file or directory\r\n" },
		{ "no-such-cmd-xyz", 127,
		  "exec: \"no-such-cmd-xyz\": executable file not found in $PATH\r\n" },
		{ "/etc/passwd/x", 127,
		  "exec: \"/etc/passwd/x\": stat /etc/passwd/x: not a directory\r\n" },
		{ "/tmp", 126, "exec: \"/tmp\": is a directory\r\n" },
		{ NULL, 126, "permission denied\r\n" },  /* a file without +x */
	};
	sl_container *c = ctr_new("exec sleep 30");
	char plain[] = "/tmp/sl-noexec.XXXXXX";
	int fd = mkstemp(plain);   /* mode 0600 */
	sl_exec d;
	sl_call *call;
	int code;

	(void)ts;
	assert_true(fd >= 0);
	assert_true(write(fd, "echo hi\n", 8) == 8);
	close(fd);
	assert_int_equal(start(c), SL_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sl_stream *s = stream_new(NULL);
		const char *cmd = cases[i].cmd ? cases[i].cmd : plain;

		assert_int_equal(exec_run(c, cmd, s, &code), SL_OK);
		assert_int_equal(code, cases[i].code);
		assert_non_null(strstr(s->out[1], cases[i].msg));
		assert_int_equal(s->len[2], 0);
		stream_free(s);
	}
	/* Detached: the start fails with the reason, the code is kept. */
	{
		static const char *const argv[] = { "/no/such/cmd", NULL };

		memset(&d, 0, sizeof(d));
		d.strs[SL_EXEC_ID] = "exec-not-run-d";
		d.lists[SL_EXEC_CMD] = argv;
		call = call_new();
		assert_int_equal(be->exec->start(state, call, c, &d, NULL, &code),
			SL_EINVAL);
		assert_int_equal(code, 127);
		assert_non_null(strstr(call->msg, "no such file or directory"));
		call_free(call);
	}
	/* The container still runs, and a good exec still works. */
	{
		sl_stream *s = stream_new(NULL);

		assert_int_equal(exec_run(c, "true", s, &code), SL_OK);
		assert_int_equal(code, 0);
		stream_free(s);
	}
	unlink(plain);
	assert_int_equal(remove_ctr(c, 1), SL_OK);
	ctr_free(c);
}

struct attach_arg {
	sl_container *c;
	sl_stream *s;
	int rc;
	int opened_stdin;
	int64_t requested_ns;   /* when the "client" asked */
	sl_call *call;          /* set by attach_begin */
};

static void *attach_thread(void *p)
{
	struct attach_arg *a = p;
	struct sl_attach_opts_v1 o = {
		SL_HEADER(struct sl_attach_opts_v1),
		.stdin_wanted = 1, .stdout_wanted = 1, .stderr_wanted = 1,
		.stream = 1, .requested_ns = a->requested_ns,
	};
	sl_call *call = a->call ? a->call : calloc(1, sizeof(*call));

	if (!call || (!a->call && pipe2(call->pipe, O_CLOEXEC) < 0)) {
		a->rc = -100;
		free(call);
		return NULL;
	}
	a->rc = be->streams->attach(state, call, a->c, &o, a->s);
	if (!a->call) {
		close(call->pipe[0]);
		close(call->pipe[1]);
		free(call);
	}
	return NULL;
}

/*
 * Starts an attach on a thread and returns once the hook waits for
 * output (as docker run's attach does before the start); finish it with
 * attach_end.
 */
static void attach_begin(struct attach_arg *a, pthread_t *th)
{
	a->call = call_new();
	assert_int_equal(pthread_create(th, NULL, attach_thread, a), 0);
	assert_true(wait_polled(a->call, 10000));
}

static void attach_end(struct attach_arg *a, pthread_t th)
{
	pthread_join(th, NULL);
	call_free(a->call);
	a->call = NULL;
}

static void test_attach_stdin(void **ts)
{
	/* docker run -i: attach before start, stdin to cat, EOF ends it. */
	sl_container *c = ctr_new("cat; echo done >&2");
	struct attach_arg a = { c, stream_new("hello\n"), 0, 0, 0, NULL };
	pthread_t th;
	int i;

	(void)ts;
	c->ints[SL_CTR_OPEN_STDIN] = 1;
	c->ints[SL_CTR_STDIN_ONCE] = 1;
	a.requested_ns = wall_ns();
	attach_begin(&a, &th);
	assert_int_equal(start(c), SL_OK);
	attach_end(&a, th);
	assert_int_equal(a.rc, SL_OK);
	assert_string_equal(a.s->out[1], "hello\n");
	assert_string_equal(a.s->out[2], "done\n");
	i = wait_state(c, SL_STATUS_EXITED, 0, 5000);
	assert_true(i >= 0);
	assert_int_equal(c->states[i].exit_code, 0);
	stream_free(a.s);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	ctr_free(c);
}

static void test_attach_after_start(void **ts)
{
	/* The 101 is sent before the hook runs: output printed between
	 * start and the hook must not be lost. */
	sl_container *c = ctr_new("echo early; sleep 0.3; echo late");
	struct attach_arg a = { c, stream_new(NULL), 0, 0, 0, NULL };
	pthread_t th;

	(void)ts;
	a.requested_ns = wall_ns();
	assert_int_equal(start(c), SL_OK);
	assert_true(wait_output(c, "early", 5000));
	assert_int_equal(pthread_create(&th, NULL, attach_thread, &a), 0);
	pthread_join(th, NULL);
	assert_int_equal(a.rc, SL_OK);
	assert_string_equal(a.s->out[1], "early\nlate\n");
	stream_free(a.s);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	ctr_free(c);
}

static void test_attach_requested_ns(void **ts)
{
	/* Output read after the request but before the hook ran is
	 * delivered; output from before the request is not. */
	sl_container *c = ctr_new("echo before; sleep 0.4; echo after");
	sl_container *q = ctr_new("echo quick");
	struct attach_arg a = { c, stream_new(NULL), 0, 0, 0, NULL };
	struct attach_arg b = { q, stream_new(NULL), 0, 0, 0, NULL };
	pthread_t th;
	int64_t t0;

	(void)ts;
	assert_int_equal(start(c), SL_OK);
	assert_true(wait_output(c, "before", 3000));
	a.requested_ns = wall_ns();
	assert_true(wait_output(c, "after", 3000));
	attach_thread(&a);
	assert_int_equal(a.rc, SL_OK);
	assert_string_equal(a.s->out[1], "after\n");

	/* docker run of a command that exits before the hook runs: the
	 * hook still gets its output and returns at once. */
	b.requested_ns = wall_ns();
	assert_int_equal(start(q), SL_OK);
	assert_true(wait_state(q, SL_STATUS_EXITED, 0, 5000) >= 0);
	t0 = now_ms();
	attach_thread(&b);
	assert_true(now_ms() - t0 < 5000);   /* a broken one never returns */
	assert_int_equal(b.rc, SL_OK);
	assert_string_equal(b.s->out[1], "quick\n");
	stream_free(b.s);

	/* docker start -a of the exited container: the attach (asked
	 * before the start) is for the new run only. */
	b.s = stream_new(NULL);
	b.requested_ns = wall_ns();
	attach_begin(&b, &th);
	assert_int_equal(start(q), SL_OK);
	attach_end(&b, th);
	assert_int_equal(b.rc, SL_OK);
	assert_string_equal(b.s->out[1], "quick\n");

	stream_free(a.s);
	stream_free(b.s);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	assert_int_equal(remove_ctr(q, 0), SL_OK);
	ctr_free(c);
	ctr_free(q);
}

static void test_attach_after_removal(void **ts)
{
	/* docker run --rm of a quick command on a loaded machine: the
	 * attach hook runs only after the container started, exited and
	 * was removed.  It must end, not wait for a run that never comes. */
	sl_container *c = ctr_new("echo quick");
	struct attach_arg a = { c, stream_new(NULL), 0, 0, 0, NULL };
	int64_t t0;

	(void)ts;
	a.requested_ns = wall_ns();
	assert_int_equal(run_to_exit(c), 0);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	t0 = now_ms();
	attach_thread(&a);
	assert_true(now_ms() - t0 < 5000);   /* a broken one never returns */
	assert_int_equal(a.rc, SL_OK);
	stream_free(a.s);
	ctr_free(c);
}

static void test_attach_slow_client(void **ts)
{
	/*
	 * A client that reads slower than the process writes gets every
	 * byte.  This one reads nothing until the test opens its gate,
	 * while the process writes about ten times the 64 KiB log buffer
	 * (the fake host's log-buffer-bytes): the process must wait for
	 * it instead of running to its end while its output is dropped.
	 */
	sl_container *c = ctr_new("seq 1 100000");
	struct attach_arg a = { c, stream_new(NULL), 0, 0, 0, NULL };
	size_t cap = 700000, len = 0;
	char *want = malloc(cap);
	pthread_t th;
	int i;

	(void)ts;
	assert_non_null(want);
	for (i = 1; i <= 100000; i++)
		len += (size_t)snprintf(want + len, cap - len, "%d\n", i);
	a.s->keep_all = 1;
	a.s->gated = 1;
	a.requested_ns = wall_ns();
	attach_begin(&a, &th);
	assert_int_equal(start(c), SL_OK);
	/* Held back by the client; without back-pressure it would be done
	 * in a few milliseconds. */
	assert_int_equal(wait_state(c, SL_STATUS_EXITED, 0, 500), -1);
	stream_open_gate(a.s);
	attach_end(&a, th);
	assert_int_equal(a.rc, SL_OK);
	assert_int_equal(a.s->all_len, len);
	assert_memory_equal(a.s->all, want, len);
	i = wait_state(c, SL_STATUS_EXITED, 0, 5000);
	assert_true(i >= 0);
	assert_int_equal(c->states[i].exit_code, 0);
	free(want);
	stream_free(a.s);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	ctr_free(c);
}

static void test_stdin_kept_open(void **ts)
{
	/* sleep 4 | docker run -i ... echo hi: the process ends while the
	 * client still holds stdin open; attach must not wait for its EOF. */
	sl_container *c = ctr_new("echo hi");
	struct attach_arg a = { c, stream_new(NULL), 0, 0, 0, NULL };
	static const char *const cmd[] = { "echo", "exec-hi", NULL };
	sl_container *r = ctr_new("exec sleep 30");
	sl_stream *s = stream_new(NULL);
	sl_call *call = call_new();
	pthread_t th;
	sl_exec e;
	int64_t t0;
	int code = -1;

	(void)ts;
	c->ints[SL_CTR_OPEN_STDIN] = 1;
	c->ints[SL_CTR_STDIN_ONCE] = 1;
	a.s->keep_open = 1;
	a.requested_ns = wall_ns();
	attach_begin(&a, &th);
	t0 = now_ms();
	assert_int_equal(start(c), SL_OK);
	attach_end(&a, th);
	printf("# attach with stdin held open returned after %lld ms\n",
		(long long)(now_ms() - t0));
	/* Within a stdin slice or two; KEEP_OPEN_MS is 20000 (the bound
	 * is loose for a loaded machine under a sanitizer). */
	assert_true(now_ms() - t0 < 10000);
	assert_int_equal(a.rc, SL_OK);
	assert_string_equal(a.s->out[1], "hi\n");

	/* docker exec -i the same way. */
	memset(&e, 0, sizeof(e));
	e.strs[SL_EXEC_ID] = "exec-open";
	e.lists[SL_EXEC_CMD] = cmd;
	e.ints[SL_EXEC_ATTACH_STDIN] = 1;
	e.ints[SL_EXEC_ATTACH_STDOUT] = 1;
	s->keep_open = 1;
	assert_int_equal(start(r), SL_OK);
	t0 = now_ms();
	assert_int_equal(be->exec->start(state, call, r, &e, s, &code), SL_OK);
	printf("# exec with stdin held open returned after %lld ms\n",
		(long long)(now_ms() - t0));
	assert_true(now_ms() - t0 < 10000);
	assert_int_equal(code, 0);
	assert_string_equal(s->out[1], "exec-hi\n");

	stream_free(a.s);
	stream_free(s);
	call_free(call);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	assert_int_equal(remove_ctr(r, 1), SL_OK);
	ctr_free(c);
	ctr_free(r);
}

static void test_tty(void **ts)
{
	sl_container *c = ctr_new("test -t 0 && test -t 1 && echo \"tty $TERM\"; stty size");
	sl_stream *s = stream_new(NULL);

	(void)ts;
	c->ints[SL_CTR_TTY] = 1;
	c->ints[SL_CTR_CONSOLE_HEIGHT] = 33;
	c->ints[SL_CTR_CONSOLE_WIDTH] = 101;
	assert_int_equal(run_to_exit(c), 0);
	logs(c, s, 1, 1, -1, 0);
	assert_non_null(strstr(s->out[1], "tty xterm"));
	assert_non_null(strstr(s->out[1], "33 101"));
	stream_free(s);
	assert_int_equal(remove_ctr(c, 0), SL_OK);
	ctr_free(c);
}

/* A process group leader running `sleep 30`, as a dead daemon left it. */
static pid_t orphan(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

/* Records c as RUNNING with `pid`, as the host would have stored it. */
static void record_running(sl_container *c, pid_t pid, int64_t started)
{
	c->ints[SL_CTR_STATUS] = SL_STATUS_RUNNING;
	c->ints[SL_CTR_PID] = pid;
	c->ints[SL_CTR_STARTED_NS] = started;
}

/* Volumes are directories under the state dir; removing one removes what
 * is inside, never what a symlink inside points to. */
static void test_volumes(void **ts)
{
	const char *const none[] = {NULL};
	struct sl_volume_v1 v = {SL_HEADER(struct sl_volume_v1), .name = "data",
		.driver = "local", .driver_opts = none, .labels = none};
	sl_call *call = call_new();
	char dir[256], file[300], outside[300];
	FILE *f;

	(void)ts;
	assert_non_null(be->volumes);
	assert_int_equal(be->volumes->create(state, call, &v), SL_OK);
	snprintf(dir, sizeof(dir), "%s/volumes/data", state_dir_buf);
	assert_int_equal(access(dir, F_OK), 0);
	/* Creating it again is harmless (the host asks only once anyway). */
	assert_int_equal(be->volumes->create(state, call, &v), SL_OK);
	snprintf(file, sizeof(file), "%s/sub", dir);
	assert_int_equal(mkdir(file, 0755), 0);
	snprintf(file, sizeof(file), "%s/sub/f", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(outside, sizeof(outside), "%s/outside", state_dir_buf);
	f = fopen(outside, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(file, sizeof(file), "%s/link", dir);
	assert_int_equal(symlink(state_dir_buf, file), 0);
	assert_int_equal(be->volumes->remove(state, call, "data", 0), SL_OK);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(access(outside, F_OK), 0);
	/* A missing one is gone already. */
	assert_int_equal(be->volumes->remove(state, call, "data", 0), SL_OK);
	v.name = "../escape";
	assert_int_equal(be->volumes->create(state, call, &v), SL_EINVAL);
	v.name = "a/b";
	assert_int_equal(be->volumes->create(state, call, &v), SL_EINVAL);
	assert_int_equal(be->volumes->remove(state, call, "..", 0), SL_EINVAL);
	call_free(call);
}

static void test_recover(void **ts)
{
	sl_container *gone_c = ctr_new("true");
	sl_container *ours = ctr_new("true");
	sl_container *other = ctr_new("true");
	sl_container *done = ctr_new("true");
	sl_container *lost[] = { gone_c, ours, other };
	sl_call *call = call_new();
	pid_t p1 = orphan(), p2 = orphan();
	int i, st;

	(void)ts;
	/* As left by a daemon that died while the processes ran: one is
	 * gone, one still runs, and one pid now names another process
	 * (a different start time). */
	record_running(gone_c, 999999999, wall_ns());
	record_running(ours, p1, wall_ns());
	record_running(other, p2, wall_ns() - 3600LL * 1000000000);
	done->ints[SL_CTR_STATUS] = SL_STATUS_EXITED;
	assert_int_equal(be->recover(state, call), SL_OK);
	for (int k = 0; k < 3; k++) {
		i = wait_state(lost[k], SL_STATUS_EXITED, 0, 0);
		assert_true(i >= 0);
		assert_int_equal(lost[k]->states[i].exit_code, 255);
		assert_non_null(strstr(lost[k]->errors[i], "lost the process"));
		assert_int_equal(lost[k]->ints[SL_CTR_STATUS], SL_STATUS_EXITED);
	}
	assert_int_equal(done->nstates, 0);   /* not touched */
	/* Ours was killed, the stranger was not. */
	assert_int_equal(waitpid(p1, &st, 0), p1);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(waitpid(p2, &st, WNOHANG), 0);
	kill(p2, SIGKILL);
	assert_int_equal(waitpid(p2, &st, 0), p2);
	call_free(call);
	ctr_free(gone_c);
	ctr_free(ours);
	ctr_free(other);
	ctr_free(done);
}

static void test_fini_kills_everything(void **ts)
{
	sl_container *a = ctr_new("sleep 30 & echo $!; wait");
	sl_container *b = ctr_new("trap '' TERM; echo ready; while :; do sleep 0.05; done");
	void *st2 = NULL;
	void *saved = state;
	sl_stream *s = stream_new(NULL);
	sl_call *call = call_new();
	pid_t pa, pb, grandchild;
	int ia, ib;

	(void)ts;
	assert_int_equal(be->init(&host, call, &st2), SL_OK);
	state = st2;
	assert_int_equal(start(a), SL_OK);
	assert_int_equal(start(b), SL_OK);
	assert_true(wait_output(a, "\n", 3000));
	assert_true(wait_output(b, "ready", 3000));
	logs(a, s, 1, 0, -1, 0);
	grandchild = (pid_t)atoi(s->out[1]);
	assert_true(grandchild > 0);
	pa = a->states[0].pid;
	pb = b->states[0].pid;
	be->fini(st2);
	state = saved;
	/* Both reported, the TERM-ignoring one killed after the timeout. */
	ia = wait_state(a, SL_STATUS_EXITED, 0, 0);
	ib = wait_state(b, SL_STATUS_EXITED, 0, 0);
	assert_true(ia >= 0 && ib >= 0);
	assert_int_equal(b->states[ib].exit_code, 128 + SIGKILL);
	/* Reaped (no zombies of ours) and the grandchild is gone too. */
	assert_true(gone(pa));
	assert_true(gone(pb));
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_true(poll_until(gone_cond, &grandchild, 5000));
	stream_free(s);
	call_free(call);
	ctr_free(a);
	ctr_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_checks_abi),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_output_and_logs),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_start_errors),
		cmocka_unit_test(test_env_workdir),
		cmocka_unit_test(test_logs_follow),
		cmocka_unit_test(test_stop_escalates),
		cmocka_unit_test(test_stop_signal),
		cmocka_unit_test(test_kill),
		cmocka_unit_test(test_pause_unpause),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_exec_not_run),
		cmocka_unit_test(test_attach_stdin),
		cmocka_unit_test(test_attach_after_start),
		cmocka_unit_test(test_attach_requested_ns),
		cmocka_unit_test(test_attach_after_removal),
		cmocka_unit_test(test_attach_slow_client),
		cmocka_unit_test(test_stdin_kept_open),
		cmocka_unit_test(test_tty),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_recover),
		cmocka_unit_test(test_fini_kills_everything),
	};

	return cmocka_run_group_tests_name("example_backend", tests,
		group_setup, group_teardown);
}
