/*
 * worker.c - streaming answers driven by a worker thread.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/worker.h"

/* ---- detached background tasks ---------------------------------------- */

static pthread_mutex_t bg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bg_cond = PTHREAD_COND_INITIALIZER;
static int bg_running;

struct bg {
	void (*fn)(void *);
	void *arg;
};

static void *bg_main(void *p)
{
	struct bg *b = p;

	b->fn(b->arg);
	free(b);
	pthread_mutex_lock(&bg_lock);
	bg_running--;
	pthread_cond_broadcast(&bg_cond);
	pthread_mutex_unlock(&bg_lock);
	return NULL;
}

int sl_work_spawn(void (*fn)(void *arg), void *arg)
{
	struct bg *b = malloc(sizeof(*b));
	pthread_attr_t at;
	pthread_t t;
	int rc;

	if (!b)
		return -1;
	b->fn = fn;
	b->arg = arg;
	pthread_mutex_lock(&bg_lock);
	bg_running++;
	pthread_mutex_unlock(&bg_lock);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &at, bg_main, b);
	pthread_attr_destroy(&at);
	if (rc) {
		free(b);
		pthread_mutex_lock(&bg_lock);
		bg_running--;
		pthread_cond_broadcast(&bg_cond);
		pthread_mutex_unlock(&bg_lock);
		errno = rc;
		return -1;
	}
	return 0;
}

void sl_work_spawn_detached(void (*fn)(void *arg), void *arg)
{
	/* No thread: do it here, synchronously, rather than lose it. */
	if (sl_work_spawn(fn, arg) < 0)
		fn(arg);
}

void sl_work_drain(void)
{
	pthread_mutex_lock(&bg_lock);
	while (bg_running)
		pthread_cond_wait(&bg_cond, &bg_lock);
	pthread_mutex_unlock(&bg_lock);
}

/*
 * Stream workers are counted from their creation to their end: one alive
 * may still be inside a backend hook, or hold an upgraded socket that
 * libmicrohttpd must not tear down under it.
 */
static int workers_alive;

static void workers_add(int d)
{
	pthread_mutex_lock(&bg_lock);
	workers_alive += d;
	if (!workers_alive)
		pthread_cond_broadcast(&bg_cond);
	pthread_mutex_unlock(&bg_lock);
}

/* Jobs not yet freed: the shutdown reports any left behind (a leak). */
static int jobs_alive;

int sl_work_jobs_alive(void)
{
	return __atomic_load_n(&jobs_alive, __ATOMIC_SEQ_CST);
}

void sl_work_drain_streams(void)
{
	pthread_mutex_lock(&bg_lock);
	while (workers_alive)
		pthread_cond_wait(&bg_cond, &bg_lock);
	pthread_mutex_unlock(&bg_lock);
}

/* ---- shared job state -------------------------------------------------- */

struct job {
	struct sl_work w;
	struct sl_stream s;
	struct sl_call call;
	pthread_mutex_t lock;
	int refs;
	int fd_out;      /* pipe write end, or the upgraded socket */
	int fd_in;       /* pipe read end (chunked) */
	int sock;        /* the client's socket, watched for a hang-up */
	/* upgrade */
	struct MHD_UpgradeResponseHandle *urh;
	int upgraded;        /* on_upgrade ran: the worker owns the job */
	char *extra_buf;     /* bytes MHD read past the headers */
	const char *extra_in;
	size_t extra_len;
	int eof_in;
	int wake[2];         /* tells the hang-up watcher the hook is over */
	/* stdin after the detach filter, not yet handed to the hook */
	int detached;
	size_t pend_off, pend_len;
	char pend[16384 + SL_DETACH_MAX];
};

static void job_unref(struct job *j)
{
	int left;

	pthread_mutex_lock(&j->lock);
	left = --j->refs;
	pthread_mutex_unlock(&j->lock);
	if (left)
		return;
	if (j->w.arg_free)
		j->w.arg_free(j->w.arg);
	sl_call_end(&j->call);
	free(j->extra_buf);
	pthread_mutex_destroy(&j->lock);
	free(j);
	__atomic_sub_fetch(&jobs_alive, 1, __ATOMIC_SEQ_CST);
}

static struct job *job_new(const struct sl_work *w)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	__atomic_add_fetch(&jobs_alive, 1, __ATOMIC_SEQ_CST);
	j->w = *w;
	j->refs = 2;     /* the worker and the connection side */
	j->fd_in = j->fd_out = j->sock = -1;
	j->wake[0] = j->wake[1] = -1;
	pthread_mutex_init(&j->lock, NULL);
	sl_call_begin(&j->call);
	j->s.multiplexed = w->multiplexed;
	j->s.timestamps = w->timestamps;
	j->s.want_stdout = w->want_stdout;
	j->s.want_stderr = w->want_stderr;
	j->s.ctx = j;
	return j;
}

/* Starts a detached worker thread, already counted; returns 0, or -1
 * after uncounting it. */
static int worker_start(void *(*fn)(void *), struct job *j)
{
	pthread_attr_t at;
	pthread_t t;
	int rc;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &at, fn, j);
	pthread_attr_destroy(&at);
	if (rc) {
		workers_add(-1);
		return -1;
	}
	return 0;
}

/* Writes everything, waiting on a non-blocking socket; gives up once the
 * call is cancelled or the peer is gone. */
static ssize_t write_fd(struct job *j, int fd, const void *buf, size_t n)
{
	const char *p = buf;
	size_t done = 0;

	while (done < n) {
		ssize_t w = send(fd, p + done, n - done, MSG_NOSIGNAL);

		if (w < 0 && errno == ENOTSOCK)
			w = write(fd, p + done, n - done);
		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};

			if (sl_call_is_cancelled(&j->call))
				return SL_ECANCELED;
			poll(&pf, 1, 200);
			continue;
		}
		return SL_ECANCELED;
	}
	return (ssize_t)n;
}

static ssize_t job_send(struct sl_stream *s, const void *buf, size_t n)
{
	struct job *j = s->ctx;

	if (sl_call_is_cancelled(&j->call))
		return SL_ECANCELED;
	return write_fd(j, j->fd_out, buf, n);
}

/* ---- chunked: worker -> pipe -> MHD reader ------------------------------ */

static void *chunked_main(void *p)
{
	struct job *j = p;
	int rc = j->w.fn(&j->s, &j->call, j->w.arg);

	if (rc && rc != SL_ECANCELED)
		sl_debug("stream work ended with %d: %s", rc,
			sl_call_message(&j->call, rc));
	close(j->fd_out);
	j->fd_out = -1;
	job_unref(j);
	workers_add(-1);
	return NULL;
}

static ssize_t chunked_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct job *j = cls;
	ssize_t n;

	(void)pos;
	for (;;) {
		/* A quiet stream (logs -f of a silent container) must still
		 * notice a client that went away. */
		struct pollfd pf[2] = {{.fd = j->fd_in, .events = POLLIN},
			{.fd = j->sock, .events = POLLRDHUP}};

		if (poll(pf, j->sock >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR)))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (!pf[0].revents)
			continue;
		n = read(j->fd_in, buf, max);
		if (n > 0)
			return n;
		if (n == 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (errno != EINTR && errno != EAGAIN)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void chunked_free(void *cls)
{
	struct job *j = cls;

	/* The client is gone or the body is complete: stop the work. */
	sl_call_cancel(&j->call);
	close(j->fd_in);
	j->fd_in = -1;
	job_unref(j);
}

static int client_socket(struct sl_req *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn,
		MHD_CONNECTION_INFO_CONNECTION_FD);

	return ci ? ci->connect_fd : -1;
}

enum MHD_Result sl_work_respond_chunked(struct sl_req *r,
	const struct sl_work *w)
{
	struct MHD_Response *resp;
	struct job *j = job_new(w);
	int fds[2];

	if (!j || pipe2(fds, O_CLOEXEC) < 0) {
		if (j) {
			j->refs = 1;
			job_unref(j);
		} else if (w->arg_free) {
			w->arg_free(w->arg);
		}
		return sl_http_error(r, 500, "cannot start the stream: %s",
			strerror(errno));
	}
	j->fd_in = fds[0];
	j->fd_out = fds[1];
	j->sock = client_socket(r);
	j->s.send = job_send;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
		chunked_read, j, chunked_free);
	if (!resp) {
		close(fds[0]);
		close(fds[1]);
		j->refs = 1;
		job_unref(j);
		return MHD_NO;
	}
	workers_add(1);
	if (worker_start(chunked_main, j) < 0) {
		close(j->fd_out);
		j->fd_out = -1;
		job_unref(j);    /* the worker's reference */
	}
	MHD_add_response_header(resp, "Content-Type", w->content_type);
	if (w->header_name)
		MHD_add_response_header(resp, w->header_name, w->header_value);
	return sl_http_queue(r, 200, resp);
}

/* ---- upgrade: worker <-> socket ----------------------------------------- */

/*
 * libmicrohttpd before 0.9.77 races in MHD_upgrade_action(CLOSE): it sets
 * urh->was_closed, then locks to mark the connection resuming.  In between,
 * MHD's own thread may find the connection done on both sides and free it;
 * the late write then lands in freed (often reused) heap memory, and glibc
 * aborts later in an unrelated malloc ("mismatching next->prev_size").
 * Upstream fix: libmicrohttpd commit 3eb2fb6d, "Fixed very rare data races
 * when closing upgraded connection" (0.9.77).  MHD notifies the connection
 * closed (MHD_CONNECTION_NOTIFY_CLOSED) just before that free; the server's
 * notifier passes through sl_work_upgrade_fence, which waits for any close
 * in progress, so the connection outlives every MHD_upgrade_action call.
 * MHD holds none of its locks while it notifies, so the wait cannot
 * deadlock with the close, which takes MHD's cleanup lock.
 */
static pthread_mutex_t upgrade_close_lock = PTHREAD_MUTEX_INITIALIZER;

static void upgrade_close(struct MHD_UpgradeResponseHandle *urh)
{
	pthread_mutex_lock(&upgrade_close_lock);
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
	pthread_mutex_unlock(&upgrade_close_lock);
}

void sl_work_upgrade_fence(void)
{
	pthread_mutex_lock(&upgrade_close_lock);
	pthread_mutex_unlock(&upgrade_close_lock);
}

/* The client's raw bytes: first what MHD read past the headers. */
static ssize_t recv_raw(struct job *j, void *buf, size_t n, int timeout_ms)
{
	int waited = 0;

	if (j->extra_len) {
		size_t k = j->extra_len < n ? j->extra_len : n;

		memcpy(buf, j->extra_in, k);
		j->extra_in += k;
		j->extra_len -= k;
		return (ssize_t)k;
	}
	if (j->eof_in)
		return 0;
	for (;;) {
		struct pollfd pf = {.fd = j->fd_out, .events = POLLIN};
		ssize_t got;

		int slice = 200;

		if (sl_call_is_cancelled(&j->call))
			return SL_ECANCELED;
		if (timeout_ms >= 0) {
			if (waited >= timeout_ms)
				return SL_ETIMEDOUT;
			if (timeout_ms - waited < slice)
				slice = timeout_ms - waited;
		}
		if (poll(&pf, 1, slice) <= 0) {
			waited += slice;
			continue;
		}
		got = recv(j->fd_out, buf, n, 0);
		if (got > 0)
			return got;
		if (got == 0) {
			/* A half-close: the client's stdin ended (docker CLI
			 * CloseWrite); output keeps flowing. */
			j->eof_in = 1;
			return 0;
		}
		if (errno != EAGAIN && errno != EINTR)
			return SL_ECANCELED;
	}
}

/* The client's stdin, through the detach filter. */
static ssize_t job_recv(struct sl_stream *s, void *buf, size_t n,
	int timeout_ms)
{
	struct job *j = s->ctx;

	if (!j->w.detach.n)
		return recv_raw(j, buf, n, timeout_ms);
	while (!j->pend_len) {
		char raw[sizeof(j->pend) - SL_DETACH_MAX];
		ssize_t got;

		if (j->detached) {
			/* Docker's detach: the attach ends, the process goes
			 * on. */
			sl_call_cancel(&j->call);
			return SL_ECANCELED;
		}
		got = recv_raw(j, raw, sizeof(raw), timeout_ms);
		if (got < 0)
			return got;
		j->pend_off = 0;
		if (got == 0) {
			/* End of input: a partial sequence was input after all. */
			j->pend_len = sl_detach_release(&j->w.detach, j->pend);
			if (!j->pend_len)
				return 0;
			break;
		}
		j->pend_len = sl_detach_feed(&j->w.detach, raw, (size_t)got,
			j->pend, &j->detached);
	}
	if (n > j->pend_len)
		n = j->pend_len;
	memcpy(buf, j->pend + j->pend_off, n);
	j->pend_off += n;
	j->pend_len -= n;
	return (ssize_t)n;
}

/*
 * Cancels the hook as soon as the client hangs up, so a quiet attach
 * (no stdin, no output for a while) does not wait for its next write to
 * notice.  Only a full hang-up counts (POLLHUP, POLLERR): the docker CLI
 * half-closes a hijacked stream as soon as it has no more stdin to send,
 * with or without stdin attached, and still reads the output.  A unix
 * socket reports the peer's close as a hang-up; TCP only after a reset.
 */
static void *watch_main(void *p)
{
	struct job *j = p;
	struct pollfd pf[2] = {{.fd = j->wake[0], .events = POLLIN},
		{.fd = j->fd_out, .events = 0}};

	for (;;) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (pf[0].revents)
			return NULL;
		if (pf[1].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			sl_call_cancel(&j->call);
			return NULL;
		}
	}
}

static void *upgrade_main(void *p)
{
	struct job *j = p;
	pthread_t watcher;
	int watching = 0, rc;

	if (pipe2(j->wake, O_CLOEXEC) == 0)
		watching = pthread_create(&watcher, NULL, watch_main, j) == 0;
	rc = j->w.fn(&j->s, &j->call, j->w.arg);
	if (rc && rc != SL_ECANCELED)
		sl_debug("hijacked stream ended with %d: %s", rc,
			sl_call_message(&j->call, rc));
	if (watching) {
		if (write(j->wake[1], "", 1) < 0) {
			/* A pipe with room: cannot fail. */
		}
		pthread_join(watcher, NULL);
	}
	if (j->wake[0] >= 0) {
		close(j->wake[0]);
		close(j->wake[1]);
	}
	/* The socket is libmicrohttpd's: this is its one and only close. */
	upgrade_close(j->urh);
	job_unref(j);
	workers_add(-1);
	return NULL;
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *con_cls,
	const char *extra_in, size_t extra_in_size, MHD_socket sock,
	struct MHD_UpgradeResponseHandle *urh)
{
	struct job *j = cls;

	(void)conn;
	(void)con_cls;
	pthread_mutex_lock(&j->lock);
	j->upgraded = 1;
	pthread_mutex_unlock(&j->lock);
	j->urh = urh;
	j->fd_out = sock;
	/* Copy: MHD's buffer is only valid during this callback. */
	if (extra_in_size) {
		char *copy = malloc(extra_in_size);

		if (copy) {
			memcpy(copy, extra_in, extra_in_size);
			j->extra_buf = copy;
			j->extra_in = copy;
			j->extra_len = extra_in_size;
		}
	}
	j->s.send = job_send;
	j->s.recv = job_recv;
	/* MHD must not be blocked here (with TLS it forwards after return). */
	if (worker_start(upgrade_main, j) < 0) {
		upgrade_close(urh);
		job_unref(j);
	}
}

/*
 * The request is over.  Without an upgrade (the client left before the
 * 101 went out, or queuing failed) no worker ever got the job: drop its
 * share too.
 */
static void upgrade_req_done(void *arg)
{
	struct job *j = arg;
	int upgraded;

	pthread_mutex_lock(&j->lock);
	upgraded = j->upgraded;
	pthread_mutex_unlock(&j->lock);
	if (!upgraded) {
		job_unref(j);
		workers_add(-1);
	}
	job_unref(j);
}

enum MHD_Result sl_work_respond_upgrade(struct sl_req *r,
	const struct sl_work *w)
{
	struct MHD_Response *resp;
	struct job *j = job_new(w);

	if (!j) {
		if (w->arg_free)
			w->arg_free(w->arg);
		return MHD_NO;
	}
	/* One share for the worker, one for the request (upgrade_req_done). */
	resp = MHD_create_response_for_upgrade(on_upgrade, j);
	if (!resp) {
		j->refs = 1;
		job_unref(j);
		return MHD_NO;
	}
	/* Counted from now: the worker starts only once the 101 is out,
	 * possibly after the request returned, and shutdown must wait for it
	 * as well. */
	workers_add(1);
	r->on_done = upgrade_req_done;
	r->on_done_arg = j;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "Upgrade");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "tcp");
	MHD_add_response_header(resp, "Content-Type", w->content_type);
	return sl_http_queue(r, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
}

const char *sl_work_content_type(struct sl_req *r, int tty)
{
	if (!tty && sl_http_api_at_least(r, 1, 42))
		return "application/vnd.docker.multiplexed-stream";
	return "application/vnd.docker.raw-stream";
}
