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

void sl_work_spawn_detached(void (*fn)(void *arg), void *arg)
{
	struct bg *b = malloc(sizeof(*b));
	pthread_attr_t at;
	pthread_t t;

	if (!b) {
		fn(arg);
		return;
	}
	b->fn = fn;
	b->arg = arg;
	pthread_mutex_lock(&bg_lock);
	bg_running++;
	pthread_mutex_unlock(&bg_lock);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, bg_main, b)) {
		/* No thread: do it here, synchronously, rather than lose it. */
		pthread_attr_destroy(&at);
		bg_main(b);
		return;
	}
	pthread_attr_destroy(&at);
}

void sl_work_drain(void)
{
	pthread_mutex_lock(&bg_lock);
	while (bg_running)
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
	/* upgrade */
	struct MHD_UpgradeResponseHandle *urh;
	char *extra_buf;     /* bytes MHD read past the headers */
	const char *extra_in;
	size_t extra_len;
	int eof_in;
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
}

static struct job *job_new(const struct sl_work *w)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->w = *w;
	j->refs = 2;     /* the worker and the connection side */
	j->fd_in = j->fd_out = -1;
	pthread_mutex_init(&j->lock, NULL);
	sl_call_begin(&j->call);
	j->s.multiplexed = w->multiplexed;
	j->s.timestamps = w->timestamps;
	j->s.want_stdout = w->want_stdout;
	j->s.want_stderr = w->want_stderr;
	j->s.ctx = j;
	return j;
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
	return NULL;
}

static ssize_t chunked_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct job *j = cls;
	ssize_t n;

	(void)pos;
	for (;;) {
		n = read(j->fd_in, buf, max);
		if (n > 0)
			return n;
		if (n == 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (errno != EINTR)
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

enum MHD_Result sl_work_respond_chunked(struct sl_req *r,
	const struct sl_work *w)
{
	struct MHD_Response *resp;
	struct job *j = job_new(w);
	int fds[2];
	pthread_t t;

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
	if (pthread_create(&t, NULL, chunked_main, j)) {
		close(j->fd_out);
		j->fd_out = -1;
		job_unref(j);    /* the worker's reference */
	} else {
		pthread_detach(t);
	}
	MHD_add_response_header(resp, "Content-Type", w->content_type);
	return sl_http_queue(r, 200, resp);
}

/* ---- upgrade: worker <-> socket ----------------------------------------- */

static ssize_t job_recv(struct sl_stream *s, void *buf, size_t n,
	int timeout_ms)
{
	struct job *j = s->ctx;
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

static void *upgrade_main(void *p)
{
	struct job *j = p;
	int rc = j->w.fn(&j->s, &j->call, j->w.arg);

	if (rc && rc != SL_ECANCELED)
		sl_debug("hijacked stream ended with %d: %s", rc,
			sl_call_message(&j->call, rc));
	MHD_upgrade_action(j->urh, MHD_UPGRADE_ACTION_CLOSE);
	job_unref(j);
	return NULL;
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *con_cls,
	const char *extra_in, size_t extra_in_size, MHD_socket sock,
	struct MHD_UpgradeResponseHandle *urh)
{
	struct job *j = cls;
	pthread_t t;

	(void)conn;
	(void)con_cls;
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
	if (pthread_create(&t, NULL, upgrade_main, j)) {
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		job_unref(j);
		return;
	}
	pthread_detach(t);
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
	/* Only the worker holds the job once the upgrade happens. */
	j->refs = 1;
	resp = MHD_create_response_for_upgrade(on_upgrade, j);
	if (!resp) {
		job_unref(j);
		return MHD_NO;
	}
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
