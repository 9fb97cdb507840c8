/*
 * worker.h - answers that stream while a backend hook runs.
 *
 * libmicrohttpd sends a response from its own connection thread, pulling
 * bytes from a reader callback, while a backend hook (logs, attach, exec)
 * wants to push bytes from the thread that calls it.  These helpers run
 * the hook on a worker thread and connect the two: through a pipe for a
 * plain chunked response, or straight to the socket after an HTTP upgrade
 * (the Docker hijack).
 */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include "core/call.h"
#include "core/detach.h"
#include "core/http.h"
#include "core/stream.h"

/*
 * The work: runs on the worker thread, writes with sl_stream_* on `s`,
 * watches `call` for cancellation (client gone, shutdown).  Its return
 * value is only logged: once bytes flowed, errors can only be in-band.
 */
typedef int (*sl_work_fn)(struct sl_stream *s, struct sl_call *call,
	void *arg);

struct sl_work {
	sl_work_fn fn;
	void *arg;
	void (*arg_free)(void *arg);   /* called once the work is over */
	const char *content_type;
	/* One more response header, or NULL (docker cp's path stat). */
	const char *header_name, *header_value;
	int multiplexed, timestamps, want_stdout, want_stderr;
	struct sl_detach detach;     /* on stdin; n = 0: none */
};

/* Docker's content type for a stdio stream: multiplexed (stdcopy) for a
 * non-TTY stream from API 1.42 on, raw otherwise. */
const char *sl_work_content_type(struct sl_req *r, int tty);

/* 200 with a chunked body the work writes. Takes ownership of w->arg. */
enum MHD_Result sl_work_respond_chunked(struct sl_req *r,
	const struct sl_work *w);

/*
 * 101 UPGRADED, then the work gets the raw socket: writes go to the
 * client, reads return what the client sends (0 once it half-closes).
 * Takes ownership of w->arg.
 */
enum MHD_Result sl_work_respond_upgrade(struct sl_req *r,
	const struct sl_work *w);

/* Returns once no upgraded connection is being closed: the server calls
 * it when libmicrohttpd reports a connection closed, before MHD frees it
 * (see worker.c). */
void sl_work_upgrade_fence(void);

/* Background tasks (auto-remove, say) are counted so shutdown can wait. */
void sl_work_spawn_detached(void (*fn)(void *arg), void *arg);
/* Like sl_work_spawn_detached, but returns -1 (errno set) instead of
 * running fn here when no thread can be had: for work that must not run
 * on the caller's thread (it waits for what the caller feeds it). */
int sl_work_spawn(void (*fn)(void *arg), void *arg);
void sl_work_drain(void);

/* Waits until every stream worker has left its hook and closed its
 * upgraded socket: call it after cancelling the calls, before the server
 * stops and before the backend's fini. */
void sl_work_drain_streams(void);
/* Stream jobs not yet released; 0 once the server has stopped. */
int sl_work_jobs_alive(void);

#endif
