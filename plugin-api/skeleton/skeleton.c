/*
 * skeleton.c - a small but complete Sockerless backend to start from.
 *
 * It runs each container's command (entrypoint + cmd) as a child process
 * of the daemon, in its own process group.  A supervisor thread per run
 * reads the child's stdout and stderr, hands every line to the host's log
 * store (so `docker logs` needs no hook here) and keeps the newest bytes
 * for `docker run`'s attach, then reports the exit code.  stop, kill and
 * remove signal the process group.  Every hook left NULL in the tables at
 * the bottom makes the daemon answer 501 naming the operation.
 *
 * To build a cloud backend from it, replace what the "CLOUD:" comments
 * mark: posix_spawnp() becomes "create and start a job", kill() becomes
 * "signal or cancel the job", and the supervisor thread becomes a poller
 * that fetches the job's output and state.
 */
#define _GNU_SOURCE 1 /* pipe2(), in POSIX 2024 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sockerless/plugin.h>

#define SK_KEEP_BYTES (256 * 1024) /* output kept for a late attach */
#define SK_LINE_MAX 16384          /* longer lines are split */
#define SK_STOP_TIMEOUT 10         /* seconds, Docker's default */

struct sk_chunk {                  /* a piece of output, for attach */
	struct sk_chunk *next;
	unsigned long seq;
	int fd;
	int64_t ts_ns;
	size_t len;
	char data[];
};

struct sk_ctr {                    /* our view of one container */
	struct sk_ctr *next;
	struct sk *sk;
	char id[65];
	int refs;                  /* the list's, the thread's, each hook's */
	int removed;
	int running;               /* a run was started and has not ended */
	int live;                  /* pid is ours and not reaped: it may be signalled */
	pid_t pid;
	unsigned long run;         /* counts starts */
	int64_t started_ns;
	pthread_t thread;
	int has_thread;
	struct sk_chunk *head, *tail;
	unsigned long next_seq;
	size_t kept;
};

struct sk {
	const struct sl_host_v1 *host;
	pthread_mutex_t lock;      /* guards every sk_ctr; never held over a host call */
	pthread_cond_t changed;    /* broadcast on any change of any sk_ctr */
	struct sk_ctr *ctrs;
};

struct sk_run {                    /* what the supervisor thread gets */
	struct sk_ctr *k;
	sl_container *c;
	int out, err;
};

struct sk_part {                   /* a line being reassembled */
	char buf[SK_LINE_MAX];
	size_t len;
};

static int64_t sk_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Waits for a change, at most 200 ms, so callers can check cancellation. */
static void sk_wait(struct sk *sk)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 200000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&sk->changed, &sk->lock, &ts);
}

static void sk_drop_chunks(struct sk_ctr *k)
{
	while (k->head) {
		struct sk_chunk *ch = k->head;

		k->head = ch->next;
		free(ch);
	}
	k->tail = NULL;
	k->kept = 0;
}

/* The record for container `id`, created on first use; NULL when out of
 * memory.  Takes a reference: drop it with sk_put.  Called with sk->lock. */
static struct sk_ctr *sk_get(struct sk *sk, const char *id, int create)
{
	struct sk_ctr *k;

	for (k = sk->ctrs; k; k = k->next)
		if (!strcmp(k->id, id))
			break;
	if (!k && create && (k = calloc(1, sizeof(*k)))) {
		k->sk = sk;
		strncpy(k->id, id, sizeof(k->id) - 1);
		k->refs = 1;
		k->next = sk->ctrs;
		sk->ctrs = k;
	}
	if (k)
		k->refs++;
	return k;
}

/* Drops a reference.  Called with sk->lock. */
static void sk_put(struct sk_ctr *k)
{
	if (--k->refs == 0) {
		sk_drop_chunks(k);
		free(k);
	}
}

/* Keeps a piece of output for attach, dropping the oldest beyond
 * SK_KEEP_BYTES.  Called with sk->lock. */
static void sk_keep(struct sk_ctr *k, int fd, int64_t ts, const char *buf,
	size_t n)
{
	struct sk_chunk *ch = malloc(sizeof(*ch) + n);

	if (!ch)
		return;  /* an attached client misses this piece; logs do not */
	*ch = (struct sk_chunk){.seq = k->next_seq++, .fd = fd, .ts_ns = ts, .len = n};
	memcpy(ch->data, buf, n);
	if (k->tail)
		k->tail->next = ch;
	else
		k->head = ch;
	k->tail = ch;
	k->kept += n;
	while (k->kept > SK_KEEP_BYTES && k->head != k->tail) {
		struct sk_chunk *old = k->head;

		k->head = old->next;
		k->kept -= old->len;
		free(old);
	}
}

/* Appends to the host's log store.  A partial line (a long one cut at the
 * buffer's size, or the last one without a newline) is flagged so that
 * `docker logs` adds no newline; a host older than 1.3 adds one. */
static void sk_append(const struct sl_host_v1 *host, sl_container *c, int fd,
	int64_t ts, const char *buf, size_t len)
{
	if (len && buf[len - 1] != '\n' &&
	    SL_HAS_FIELD(host, struct sl_host_v1, log_append_ex))
		host->log_append_ex(c, fd, ts, buf, len, SL_LINE_PARTIAL);
	else
		host->log_append(c, fd, ts, buf, len);
}

/* Splits output into lines for the host's log store. */
static void sk_lines(const struct sl_host_v1 *host, sl_container *c, int fd,
	int64_t ts, struct sk_part *p, const char *buf, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl ? (size_t)(nl - buf) + 1 : n;

		if (take > sizeof(p->buf) - p->len)
			take = sizeof(p->buf) - p->len;
		memcpy(p->buf + p->len, buf, take);
		p->len += take;
		buf += take;
		n -= take;
		if (p->buf[p->len - 1] == '\n' || p->len == sizeof(p->buf)) {
			sk_append(host, c, fd, ts, p->buf, p->len);
			p->len = 0;
		}
	}
}

/* CLOUD: this thread becomes your poller: fetch the job's output and its
 * state, append the lines, and report the exit when the job ends. */
static void *sk_supervise(void *arg)
{
	struct sk_run *r = arg;
	struct sk_ctr *k = r->k;
	struct sk *sk = k->sk;
	const struct sl_host_v1 *host = sk->host;
	struct pollfd pf[2] = {{.fd = r->out, .events = POLLIN},
		{.fd = r->err, .events = POLLIN}};
	struct sk_part *part = calloc(2, sizeof(*part));
	struct sl_state_v1 st = {SL_HEADER(struct sl_state_v1)};
	int wstatus = 0, exited = 0, i;
	char buf[8192];
	siginfo_t si;

	st.status = SL_STATUS_RUNNING;
	st.pid = k->pid;
	st.started_ns = k->started_ns;
	/* Reported here, not in start, so it can never follow the EXITED. */
	host->state_changed(r->c, &st);
	/* Until the output ends and the process exits (it may close both). */
	while (pf[0].fd >= 0 || pf[1].fd >= 0 || !exited) {
		(void)poll(pf, 2, 200);
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			n = read(pf[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				continue;
			}
			if (part)
				sk_lines(host, r->c, i + 1, sk_now(CLOCK_REALTIME),
					&part[i], buf, (size_t)n);
			pthread_mutex_lock(&sk->lock);
			sk_keep(k, i + 1, sk_now(CLOCK_REALTIME), buf, (size_t)n);
			pthread_cond_broadcast(&sk->changed);
			pthread_mutex_unlock(&sk->lock);
		}
		/* When the main process ends, so does the container: kill what
		 * is left of its group (WNOWAIT: the zombie keeps the pid and
		 * group id from being reused until we reap it). */
		si.si_pid = 0;
		if (!exited && waitid(P_PID, (id_t)k->pid, &si,
		    WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == k->pid) {
			kill(-k->pid, SIGKILL);
			exited = 1;
		}
	}
	pthread_mutex_lock(&sk->lock);
	k->live = 0;
	pthread_mutex_unlock(&sk->lock);
	while (waitpid(k->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	for (i = 0; part && i < 2; i++)
		if (part[i].len)
			sk_append(host, r->c, i + 1, sk_now(CLOCK_REALTIME),
				part[i].buf, part[i].len);
	free(part);
	/* Every line is in: the host now serves `docker logs` on its own. */
	host->log_complete(r->c);
	st.status = SL_STATUS_EXITED;
	st.exit_code = WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) :
		WEXITSTATUS(wstatus);
	st.finished_ns = sk_now(CLOCK_REALTIME);
	st.pid = 0;
	host->state_changed(r->c, &st);
	host->ctr_unref(r->c);
	pthread_mutex_lock(&sk->lock);
	k->running = 0;  /* after the report: stop returns once it is recorded */
	pthread_cond_broadcast(&sk->changed);
	sk_put(k);
	pthread_mutex_unlock(&sk->lock);
	free(r);
	return NULL;
}

/* Waits until run `run` of k has ended, or until `deadline` (monotonic ns,
 * 0 = none) or cancellation.  Returns 1 when it ended.  With sk->lock
 * (the one host call made under it, cancelled(), only reads a flag). */
static int sk_wait_end(struct sk_ctr *k, unsigned long run, int64_t deadline,
	sl_call *call)
{
	const struct sl_host_v1 *host = k->sk->host;

	while (k->running && k->run == run) {
		if ((deadline && sk_now(CLOCK_MONOTONIC) >= deadline) ||
		    (call && host->cancelled(call)))
			return 0;
		sk_wait(k->sk);
	}
	return 1;
}

static int sk_spawn_error(const struct sl_host_v1 *host, sl_call *call,
	const char *argv0, int err)
{
	/* runc's wording: the docker CLI turns it into exit code 127 / 126. */
	if (err == ENOENT && !strchr(argv0, '/'))
		return host->set_error(call, SL_EINVAL,
			"exec: \"%s\": executable file not found in $PATH", argv0);
	if (err == ENOENT)
		return host->set_error(call, SL_EINVAL,
			"stat %s: no such file or directory", argv0);
	if (err == EACCES)
		return host->set_error(call, SL_EINVAL,
			"exec: \"%s\": permission denied", argv0);
	return host->set_error(call, SL_EINTERNAL,
		"cannot start \"%s\" (errno %d)", argv0, err);
}

/* CLOUD: replace this with "create the job from the image, command and
 * environment, and start it"; keep the job's name with ctr_data_set. */
static int sk_spawn(struct sk *sk, sl_call *call, sl_container *c,
	pid_t *pid, int *out, int *err)
{
	const struct sl_host_v1 *host = sk->host;
	const char *const *ep = host->ctr_list(c, SL_CTR_ENTRYPOINT);
	const char *const *cmd = host->ctr_list(c, SL_CTR_CMD);
	const char *const *env = host->ctr_list(c, SL_CTR_ENV);
	static char *const no_env[] = {NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, rc;
	size_t n = 0, i;
	char **argv;
	sigset_t none, dfl;

	for (i = 0; ep && ep[i]; i++)
		n++;
	for (i = 0; cmd && cmd[i]; i++)
		n++;
	if (n == 0)
		return host->set_error(call, SL_EINVAL, "no command specified");
	argv = calloc(n + 1, sizeof(*argv));
	if (!argv)
		return host->set_error(call, SL_ENOMEM, "out of memory");
	n = 0;
	for (i = 0; ep && ep[i]; i++)
		argv[n++] = (char *)ep[i];
	for (i = 0; cmd && cmd[i]; i++)
		argv[n++] = (char *)cmd[i];
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		rc = host->set_error(call, SL_EINTERNAL, "pipe: errno %d", errno);
		goto out;
	}
	/* A clean child: its own process group (stop signals all of it), an
	 * empty signal mask and every signal at its default, stdin from
	 * /dev/null, stdout and stderr to our pipes.  The
	 * working directory and user are not applied in this skeleton. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&dfl);  /* the daemon ignores SIGPIPE, its shell maybe SIGINT */
	sigdelset(&dfl, SIGKILL);
	sigdelset(&dfl, SIGSTOP);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
		POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	/* Exactly the container's environment: the daemon's may hold secrets.
	 * (posix_spawnp searches the daemon's PATH, not the container's.) */
	rc = posix_spawnp(pid, argv[0], &fa, &attr, argv,
		env ? (char *const *)env : no_env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc) {
		rc = sk_spawn_error(host, call, argv[0], rc);
		goto out;
	}
	*out = po[0];
	*err = pe[0];
	po[0] = pe[0] = -1;
	rc = SL_OK;
out:
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	free(argv);
	return rc;
}

/* CLOUD: refuse here, at create, what your platform cannot honour (a
 * CPU/memory pair, bind mounts...): the client gets the message at once. */
static int sk_create(void *state, sl_call *call, sl_container *c)
{
	const struct sl_host_v1 *host = ((struct sk *)state)->host;

	if (host->ctr_int(c, SL_CTR_OPEN_STDIN))
		return host->set_error(call, SL_ENOTSUP,
			"stdin (docker run -i) is not supported by the skeleton backend");
	if (host->ctr_int(c, SL_CTR_TTY))
		return host->set_error(call, SL_ENOTSUP,
			"a TTY (docker run -t) is not supported by the skeleton backend");
	return SL_OK;
}

static int sk_start(void *state, sl_call *call, sl_container *c)
{
	struct sk *sk = state;
	const char *id = sk->host->ctr_str(c, SL_CTR_ID);
	struct sk_run *r = calloc(1, sizeof(*r));
	struct sk_ctr *k;
	pthread_t old = 0;
	int had = 0, rc;
	pid_t pid = 0;

	pthread_mutex_lock(&sk->lock);
	k = r ? sk_get(sk, id, 1) : NULL;
	/* A run that has exited but not finished reporting, or a concurrent
	 * start, is settled first. */
	while (k && k->running && !k->live && !sk->host->cancelled(call))
		sk_wait(sk);
	if (k && k->running) {
		sk_put(k);
		pthread_mutex_unlock(&sk->lock);
		free(r);
		return sk->host->set_error(call, SL_ENOTMODIFIED,
			"container %s is already running", id);
	}
	if (k) {
		k->running = 1;  /* reserved: a concurrent start waits */
		had = k->has_thread;
		old = k->thread;
		k->has_thread = 0;
	}
	pthread_mutex_unlock(&sk->lock);
	if (!k) {
		free(r);
		return sk->host->set_error(call, SL_ENOMEM, "out of memory");
	}
	if (had)
		pthread_join(old, NULL);  /* the last run's thread is finishing */
	rc = sk_spawn(sk, call, c, &pid, &r->out, &r->err);
	if (rc == SL_OK)
		r->c = sk->host->ctr_ref(c);  /* the thread's handle */
	pthread_mutex_lock(&sk->lock);
	if (rc == SL_OK) {
		k->pid = pid;
		k->live = 1;
		k->run++;
		k->started_ns = sk_now(CLOCK_REALTIME);
		sk_drop_chunks(k);
		r->k = k;
		k->refs++;  /* the thread's */
		if (pthread_create(&k->thread, NULL, sk_supervise, r) == 0) {
			k->has_thread = 1;
			r = NULL;
		} else {
			k->refs--;
			k->live = 0;
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			rc = SL_ENOMEM;
		}
	}
	if (rc)
		k->running = 0;
	pthread_cond_broadcast(&sk->changed);
	sk_put(k);
	pthread_mutex_unlock(&sk->lock);
	if (r && r->c) {  /* no thread: undo what was meant for it */
		close(r->out);
		close(r->err);
		sk->host->ctr_unref(r->c);
		rc = sk->host->set_error(call, SL_ENOMEM, "cannot start a thread");
	}
	free(r);
	return rc;
}

static int sk_signal_number(const char *name)
{
	static const struct { const char *name; int no; } sigs[] = {
		{"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT},
		{"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
		{"TERM", SIGTERM},
	};
	size_t i;

	if (!name || !*name)
		return SIGTERM;
	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(name, sigs[i].name))
			return sigs[i].no;
	return atoi(name) > 0 ? atoi(name) : SIGTERM;
}

/* CLOUD: "ask the job to stop" and, after the timeout, "cancel it". */
static int sk_stop(void *state, sl_call *call, sl_container *c, int signo,
	int timeout_s)
{
	struct sk *sk = state;
	const struct sl_host_v1 *host = sk->host;
	const char *id = host->ctr_str(c, SL_CTR_ID);
	struct sk_ctr *k;
	unsigned long run;
	int64_t t = timeout_s;

	if (!signo)
		signo = sk_signal_number(host->ctr_str(c, SL_CTR_STOP_SIGNAL));
	if (t < 0)
		t = host->ctr_int(c, SL_CTR_STOP_TIMEOUT);
	if (t < 0)
		t = SK_STOP_TIMEOUT;
	pthread_mutex_lock(&sk->lock);
	k = sk_get(sk, id, 0);
	if (!k || !k->running) {
		if (k)
			sk_put(k);
		pthread_mutex_unlock(&sk->lock);
		return host->set_error(call, SL_ENOTMODIFIED,
			"container %s is not running", id);
	}
	run = k->run;
	if (k->live)
		kill(-k->pid, signo);
	if (!sk_wait_end(k, run, sk_now(CLOCK_MONOTONIC) + t * 1000000000, call) &&
	    !host->cancelled(call)) {
		if (k->live)
			kill(-k->pid, SIGKILL);
		(void)sk_wait_end(k, run, 0, call);
	}
	sk_put(k);
	pthread_mutex_unlock(&sk->lock);
	return host->cancelled(call) ? SL_ECANCELED : SL_OK;
}

/* CLOUD: "send the signal to the job", if your cloud can. */
static int sk_kill(void *state, sl_call *call, sl_container *c, int signo)
{
	struct sk *sk = state;
	const char *id = sk->host->ctr_str(c, SL_CTR_ID);
	struct sk_ctr *k;
	int rc = SL_OK;

	pthread_mutex_lock(&sk->lock);
	k = sk_get(sk, id, 0);
	if (k && k->live)
		kill(-k->pid, signo);
	else
		rc = SL_ECONFLICT;
	if (k)
		sk_put(k);
	pthread_mutex_unlock(&sk->lock);
	if (rc)
		return sk->host->set_error(call, rc, "container %s is not running", id);
	return SL_OK;
}

/* CLOUD: "delete the job and everything it left behind". */
static int sk_remove(void *state, sl_call *call, sl_container *c, int force)
{
	struct sk *sk = state;
	const char *id = sk->host->ctr_str(c, SL_CTR_ID);
	struct sk_ctr *k, **pp;
	pthread_t t;
	int had;

	pthread_mutex_lock(&sk->lock);
	k = sk_get(sk, id, 0);
	if (!k) {
		pthread_mutex_unlock(&sk->lock);
		return SL_OK;  /* never started: nothing of ours */
	}
	if (k->live && !force) {
		sk_put(k);
		pthread_mutex_unlock(&sk->lock);
		return sk->host->set_error(call, SL_ECONFLICT,
			"container %s is running: stop it first or use force", id);
	}
	if (k->running && k->live)
		kill(-k->pid, SIGKILL);
	for (pp = &sk->ctrs; *pp != k; pp = &(*pp)->next)
		;
	*pp = k->next;
	k->removed = 1;
	had = k->has_thread;
	t = k->thread;
	k->has_thread = 0;
	sk_put(k);  /* the list's */
	pthread_cond_broadcast(&sk->changed);
	pthread_mutex_unlock(&sk->lock);
	if (had)
		pthread_join(t, NULL);
	pthread_mutex_lock(&sk->lock);
	sk_put(k);
	pthread_mutex_unlock(&sk->lock);
	return SL_OK;
}

/*
 * Copies the output to an attached client (`docker run`, `docker start
 * -a`, `docker attach`) until the run ends.  The client may attach before
 * the start (docker run) or just after it: what came since opts->requested_ns
 * is kept in the chunk list.  CLOUD: most clouds cannot attach; leave the
 * hook NULL (501) or stream the job's live output here.
 */
static int sk_attach(void *state, sl_call *call, sl_container *c,
	const struct sl_attach_opts_v1 *opts, sl_stream *io)
{
	struct sk *sk = state;
	const struct sl_host_v1 *host = sk->host;
	const char *id = host->ctr_str(c, SL_CTR_ID);
	int64_t finished = host->ctr_int(c, SL_CTR_FINISHED_NS);
	int64_t since = opts->logs ? 0 : opts->requested_ns;
	unsigned long follow, want = 0;
	struct sk_ctr *k;
	int rc = SL_OK;

	pthread_mutex_lock(&sk->lock);
	k = sk_get(sk, id, 0);
	/* No record, but the host saw a run end since the request: it came
	 * and went (a --rm container removed) before this hook ran. */
	if (!k && finished >= opts->requested_ns) {
		pthread_mutex_unlock(&sk->lock);
		return SL_OK;
	}
	if (!k && !(k = sk_get(sk, id, 1))) {
		pthread_mutex_unlock(&sk->lock);
		return host->set_error(call, SL_ENOMEM, "out of memory");
	}
	/* The run going on at the request, or one started since; else the next. */
	follow = k->running || k->started_ns >= opts->requested_ns ? k->run : k->run + 1;
	while (!k->removed && k->run <= follow && !host->cancelled(call)) {
		struct sk_chunk *ch = k->head, *copy;

		while (k->run == follow && ch && (ch->seq < want || ch->ts_ns < since))
			ch = ch->next;
		if (k->run == follow && ch) {
			want = ch->seq + 1;
			if (!(ch->fd == 1 ? opts->stdout_wanted : opts->stderr_wanted))
				continue;
			copy = malloc(sizeof(*copy) + ch->len);
			if (!copy)
				break;
			memcpy(copy, ch, sizeof(*copy) + ch->len);
			pthread_mutex_unlock(&sk->lock);
			if (host->stream_write(io, copy->fd, copy->data, copy->len) < 0)
				rc = SL_ECANCELED;
			free(copy);
			pthread_mutex_lock(&sk->lock);
			if (rc)
				break;
			continue;
		}
		if (k->run == follow && !k->running)
			break;  /* ended, and everything was sent */
		sk_wait(sk);
	}
	sk_put(k);
	pthread_mutex_unlock(&sk->lock);
	return rc;
}

/*
 * After a daemon restart: our children died with the old daemon's pipes
 * (or linger unreachable), so a container recorded as running has ended
 * unseen.  CLOUD: ask the cloud for each job's real state here instead.
 */
static int sk_recover_one(sl_container *c, void *arg)
{
	const struct sl_host_v1 *host = arg;
	int64_t status = host->ctr_int(c, SL_CTR_STATUS);
	struct sl_state_v1 st = {SL_HEADER(struct sl_state_v1),
		.status = SL_STATUS_EXITED, .exit_code = 255,
		.error = "the skeleton backend lost the process when the daemon restarted"};

	if (status == SL_STATUS_RUNNING || status == SL_STATUS_PAUSED ||
	    status == SL_STATUS_RESTARTING) {
		st.finished_ns = sk_now(CLOCK_REALTIME);
		host->state_changed(c, &st);
	}
	return 0;
}

static int sk_recover(void *state, sl_call *call)
{
	struct sk *sk = state;

	(void)call;
	return sk->host->ctr_foreach(sk->host->hctx, sk_recover_one,
		(void *)sk->host);
}

/* CLOUD: read your configuration (host->config_get) and create your
 * client here; refuse a bad value with SL_EINVAL naming the key. */
static int sk_init(const struct sl_host_v1 *host, sl_call *call, void **state)
{
	struct sk *sk = calloc(1, sizeof(*sk));
	pthread_condattr_t ca;

	if (!sk)
		return host->set_error(call, SL_ENOMEM, "out of memory");
	sk->host = host;
	pthread_mutex_init(&sk->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sk->changed, &ca);
	pthread_condattr_destroy(&ca);
	*state = sk;
	return SL_OK;
}

/* Stops what still runs (TERM, then KILL after the default timeout) and
 * joins every thread: nothing of ours may outlive fini. */
static void sk_fini(void *state)
{
	struct sk *sk = state;
	int64_t deadline = sk_now(CLOCK_MONOTONIC) +
		(int64_t)SK_STOP_TIMEOUT * 1000000000;
	struct sk_ctr *k;

	pthread_mutex_lock(&sk->lock);
	for (k = sk->ctrs; k; k = k->next)
		if (k->running && k->live)
			kill(-k->pid, SIGTERM);
	for (k = sk->ctrs; k; k = k->next)
		if (!sk_wait_end(k, k->run, deadline, NULL) && k->live)
			kill(-k->pid, SIGKILL);
	while ((k = sk->ctrs)) {
		sk->ctrs = k->next;
		if (k->has_thread) {
			pthread_mutex_unlock(&sk->lock);
			pthread_join(k->thread, NULL);
			pthread_mutex_lock(&sk->lock);
		}
		sk_put(k);
	}
	pthread_mutex_unlock(&sk->lock);
	pthread_cond_destroy(&sk->changed);
	pthread_mutex_destroy(&sk->lock);
	free(sk);
}

/* Everything not set here is NULL: the daemon answers 501 for it
 * (pause, unpause, exec, docker cp, volumes, top, stats), and serves
 * `docker logs` from the lines the supervisor appended. */
static const struct sl_container_ops_v1 sk_containers = {
	SL_HEADER(struct sl_container_ops_v1),
	.create = sk_create,
	.start = sk_start,
	.stop = sk_stop,
	.kill = sk_kill,
	.remove = sk_remove,
};

static const struct sl_stream_ops_v1 sk_streams = {
	SL_HEADER(struct sl_stream_ops_v1),
	.attach = sk_attach,
};

static const struct sl_backend_v1 sk_backend = {
	SL_HEADER(struct sl_backend_v1),
	.name = "skeleton",
	.version = "0.1",
	.description = "runs each container's command as a local process",
	.init = sk_init,
	.fini = sk_fini,
	.recover = sk_recover,
	.containers = &sk_containers,
	.streams = &sk_streams,
};

SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out)
{
	if (host->abi_major != SL_ABI_MAJOR)
		return SL_EABI;
	/* The newest host service we call (ABI 1.1). */
	if (!SL_HAS_FIELD(host, struct sl_host_v1, log_complete))
		return SL_EABI;
	*out = &sk_backend;
	return SL_OK;
}
