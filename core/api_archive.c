/*
 * api_archive.c - docker cp, routed to the backend's archive hooks.
 *
 * The core checks what it can without the backend (a path, the container,
 * the hooks) and frames the answers as dockerd does; the backend reads
 * and writes the tar.  An upload streams from the socket to the put hook
 * through a pipe, so no archive is ever held in memory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/agent.h"
#include "core/api_archive.h"
#include "core/api_ctr.h"
#include "core/archive.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/worker.h"

#define STAT_HEADER "X-Docker-Container-Path-Stat"

/* The path parameter, cleaned (core/archive.h), or NULL with *why set.
 * Taken with its length: a %00 in it must not cut it short unseen. */
static char *path_of(struct sl_req *r, const char **why)
{
	const char *raw = NULL;
	size_t len = 0;

	if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND,
	    "path", 4, &raw, &len) != MHD_YES)
		raw = NULL;
	return sl_archive_path_clean(raw, raw ? len : 0, why);
}

/* The path parameter, cleaned, or NULL after a 400. */
static char *path_param(struct sl_req *r, enum MHD_Result *ret)
{
	const char *why = NULL;
	char *clean = path_of(r, &why);

	if (!clean)
		*ret = sl_http_error(r, strcmp(why, "out of memory") ? 400 : 500,
			"%s", why);
	return clean;
}

/*
 * A failed hook, as dockerd words it: a missing path names the file as the
 * client wrote it and the container as the client named it.
 */
static enum MHD_Result hook_error(struct sl_req *r, struct sl_call *call,
	int rc)
{
	if (rc == SL_ENOTFOUND)
		return sl_http_error(r, 404,
			"Could not find the file %s in container %s",
			sl_http_query(r, "path"), r->params[0]);
	return sl_api_hook_error(r, call, rc, NULL);
}

/* The stat hook's strings are the backend's allocations (host->alloc). */
static void stat_release(struct sl_path_stat_v1 *st)
{
	sl_daemon.host->free((void *)st->name);
	sl_daemon.host->free((void *)st->link_target);
	st->name = st->link_target = NULL;
}

/* Stats path and encodes the header: NULL after answering. */
static char *stat_header(struct sl_req *r, struct sl_container *c,
	const char *path, enum MHD_Result *ret)
{
	struct sl_path_stat_v1 st = {SL_HEADER(struct sl_path_stat_v1)};
	struct sl_call call;
	char *hdr = NULL;
	int rc;

	sl_call_begin(&call);
	rc = sl_daemon.backend.archive.stat(sl_daemon.backend.state, &call, c,
		path, &st);
	if (rc) {
		*ret = hook_error(r, &call, rc);
	} else {
		hdr = sl_archive_stat_header(&st);
		if (!hdr)
			*ret = sl_http_error(r, 500, "out of memory");
	}
	stat_release(&st);
	sl_call_end(&call);
	return hdr;
}

/* The checks every archive request starts with, in dockerd's order (path,
 * then container), then the hook.  Fills *path and returns the container
 * (referenced), or NULL after answering. */
static struct sl_container *begin(struct sl_req *r, char **path, int need_get,
	int need_put, const char *operation, enum MHD_Result *ret)
{
	const struct sl_archive_ops_v1 *a;
	struct sl_container *c;

	*path = path_param(r, ret);
	if (!*path)
		return NULL;
	c = sl_api_ctr_get(r, ret);
	if (!c)
		goto fail;
	a = &sl_agent_hooks(c)->archive;
	if (!a->stat || (need_get && !a->get) || (need_put && !a->put)) {
		sl_ctr_unref(c);
		*ret = sl_api_no_hook(r, operation);
		goto fail;
	}
	return c;
fail:
	free(*path);
	*path = NULL;
	return NULL;
}

enum MHD_Result sl_api_archive_stat(struct sl_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	struct sl_container *c;
	char *path, *hdr;

	c = begin(r, &path, 0, 0, "container archive stat (docker cp)", &ret);
	if (!c)
		return ret;
	hdr = stat_header(r, c, path, &ret);
	sl_ctr_unref(c);
	free(path);
	if (!hdr)
		return ret;
	resp = MHD_create_response_from_buffer(0, (void *)"",
		MHD_RESPMEM_PERSISTENT);
	if (resp)
		MHD_add_response_header(resp, STAT_HEADER, hdr);
	free(hdr);
	return sl_http_queue(r, 200, resp);
}

/* ---- GET: the tar streams from the get hook ------------------------------ */

struct get_job {
	struct sl_container *c;
	char *path;
	char *hdr;
};

static void get_job_free(void *arg)
{
	struct get_job *j = arg;

	sl_ctr_unref(j->c);
	free(j->path);
	free(j->hdr);
	free(j);
}

static int get_work(struct sl_stream *s, struct sl_call *call, void *arg)
{
	struct get_job *j = arg;

	/* Errors after the 200 can only cut the tar short, which docker cp
	 * reports ("unexpected EOF"), as with dockerd. */
	return sl_daemon.backend.archive.get(sl_daemon.backend.state, call,
		j->c, j->path, s);
}

enum MHD_Result sl_api_archive_get(struct sl_req *r)
{
	struct sl_work w = {0};
	enum MHD_Result ret;
	struct get_job *j;

	j = calloc(1, sizeof(*j));
	if (!j)
		return sl_http_error(r, 500, "out of memory");
	j->c = begin(r, &j->path, 1, 0, "container archive get (docker cp)",
		&ret);
	if (!j->c) {
		free(j);
		return ret;
	}
	/* dockerd stats first: the header, and a 404 before any byte. */
	j->hdr = stat_header(r, j->c, j->path, &ret);
	if (!j->hdr) {
		get_job_free(j);
		return ret;
	}
	/* dockerd's event, sent as the tar starts. */
	sl_ctrtab_event(j->c, "archive-path", NULL);
	w.fn = get_work;
	w.arg = j;
	w.arg_free = get_job_free;
	w.content_type = "application/x-tar";
	w.header_name = STAT_HEADER;
	w.header_value = j->hdr;
	return sl_work_respond_chunked(r, &w);
}

/* ---- PUT: the request body streams to the put hook ----------------------- */

/*
 * Shared by the connection thread, which writes the body into the pipe,
 * and the worker, which runs the hook reading from it.  Two references;
 * the last one out frees it.
 */
struct put_job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs, done, rc;
	int rd, wr;                /* the pipe; -1 once closed */
	struct sl_call call;
	struct sl_stream s;
	struct sl_container *c;
	char *path;
	struct sl_archive_put_opts_v1 opts;
};

static void put_unref(struct put_job *j)
{
	int left;

	pthread_mutex_lock(&j->lock);
	left = --j->refs;
	pthread_mutex_unlock(&j->lock);
	if (left)
		return;
	if (j->rd >= 0)
		close(j->rd);
	if (j->wr >= 0)
		close(j->wr);
	sl_call_end(&j->call);
	sl_ctr_unref(j->c);
	free(j->path);
	pthread_cond_destroy(&j->cond);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

/* The hook's stream_read: the body as it arrives; 0 once it is complete. */
static ssize_t put_recv(struct sl_stream *s, void *buf, size_t n,
	int timeout_ms)
{
	struct put_job *j = s->ctx;
	struct pollfd pf[2] = {{.fd = j->rd, .events = POLLIN},
		{.fd = sl_call_get_cancel_fd(&j->call), .events = POLLIN}};

	for (;;) {
		ssize_t got;
		int k;

		if (sl_call_is_cancelled(&j->call))
			return SL_ECANCELED;
		k = poll(pf, pf[1].fd >= 0 ? 2 : 1, timeout_ms);
		if (k == 0)
			return SL_ETIMEDOUT;
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return SL_ECANCELED;
		}
		if (!pf[0].revents)
			continue;
		got = read(j->rd, buf, n);
		/* A client that left is cancelled before its pipe closes: that
		 * end of input is not the end of the body. */
		if (got == 0 && sl_call_is_cancelled(&j->call))
			return SL_ECANCELED;
		if (got >= 0)
			return got;
		if (errno != EINTR && errno != EAGAIN)
			return SL_ECANCELED;
	}
}

static ssize_t put_send(struct sl_stream *s, const void *buf, size_t n)
{
	(void)s;
	(void)buf;
	(void)n;
	return SL_EINVAL;    /* nothing goes back during an upload */
}

static void put_work(void *arg)
{
	struct put_job *j = arg;
	int rc;

	rc = sl_daemon.backend.archive.put(sl_daemon.backend.state, &j->call,
		j->c, j->path, &j->opts, &j->s);
	pthread_mutex_lock(&j->lock);
	j->rc = rc;
	j->done = 1;
	/* Whatever the client still sends now meets a closed pipe and is
	 * dropped (body_chunk). */
	close(j->rd);
	j->rd = -1;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	put_unref(j);
}

static void put_chunk(struct sl_req *r, const char *data, size_t n)
{
	struct put_job *j = r->route_data;

	while (n && j->wr >= 0) {
		ssize_t w = write(j->wr, data, n);

		if (w > 0) {
			data += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EINTR) {
			/* EPIPE: the hook is over; drop the rest. */
			close(j->wr);
			j->wr = -1;
		}
	}
}

static enum MHD_Result put_end(struct sl_req *r)
{
	struct put_job *j = r->route_data;
	int rc;

	/* End of input for the hook, then its verdict. */
	if (j->wr >= 0) {
		close(j->wr);
		j->wr = -1;
	}
	pthread_mutex_lock(&j->lock);
	while (!j->done)
		pthread_cond_wait(&j->cond, &j->lock);
	rc = j->rc;
	pthread_mutex_unlock(&j->lock);
	if (rc)
		return hook_error(r, &j->call, rc);
	sl_ctrtab_event(j->c, "extract-to-dir", NULL);
	return sl_http_empty(r, 200);
}

/* The request is over, answered or not (the client may have left
 * mid-upload): a hook still reading must not take a cut body for a whole
 * one, so it is cancelled before its pipe closes. */
static void put_done(void *arg)
{
	struct put_job *j = arg;
	int done;

	pthread_mutex_lock(&j->lock);
	done = j->done;
	pthread_mutex_unlock(&j->lock);
	if (!done)
		sl_call_cancel(&j->call);
	if (j->wr >= 0) {
		close(j->wr);
		j->wr = -1;
	}
	put_unref(j);
}

/* A refused upload's body is read and dropped: answering before it is
 * in would make the server close on unread bytes, and the reset can
 * destroy the answer before the client reads it ("broken pipe"). */
static void put_drop(struct sl_req *r, const char *data, size_t n)
{
	(void)r;
	(void)data;
	(void)n;
}

/* begin()'s checks without an answer: may the upload go to the hook? */
static int put_acceptable(struct sl_req *r)
{
	const struct sl_archive_ops_v1 *a;
	const char *why;
	struct sl_container *c;
	char *clean = path_of(r, &why);
	int amb = 0;

	if (!clean)
		return 0;
	free(clean);
	c = sl_ctrtab_find(r->params[0], &amb);
	if (!c)
		return 0;
	a = &sl_agent_hooks(c)->archive;
	sl_ctr_unref(c);
	return a->stat && a->put;
}

static enum MHD_Result put_refuse(struct sl_req *r)
{
	enum MHD_Result ret;
	struct sl_container *c;
	char *path;

	/* The same checks again, now answering. */
	c = begin(r, &path, 0, 1, "container archive put (docker cp)", &ret);
	if (!c)
		return ret;
	sl_ctr_unref(c);
	free(path);
	return sl_http_error(r, 409,
		"the container changed during the upload; try again");
}

enum MHD_Result sl_api_archive_put(struct sl_req *r)
{
	enum MHD_Result ret;
	struct put_job *j;
	int fds[2];

	if (!put_acceptable(r)) {
		r->body_chunk = put_drop;
		r->body_end = put_refuse;
		return MHD_YES;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return sl_http_error(r, 500, "out of memory");
	j->c = begin(r, &j->path, 0, 1, "container archive put (docker cp)",
		&ret);
	if (!j->c) {
		free(j);
		return ret;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		ret = sl_http_error(r, 500, "cannot stream the upload: %s",
			strerror(errno));
		sl_ctr_unref(j->c);
		free(j->path);
		free(j);
		return ret;
	}
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	j->rd = fds[0];
	j->wr = fds[1];
	j->refs = 2;
	sl_call_begin(&j->call);
	j->s.send = put_send;
	j->s.recv = put_recv;
	j->s.ctx = j;
	j->opts = (struct sl_archive_put_opts_v1){
		SL_HEADER(struct sl_archive_put_opts_v1)};
	/* dockerd: the overwrite guard holds only when asked for. */
	j->opts.no_overwrite_dir_non_dir =
		sl_http_query_bool(r, "noOverwriteDirNonDir", 0);
	j->opts.copy_uid_gid = sl_http_query_bool(r, "copyUIDGID", 0);
	if (sl_work_spawn(put_work, j) < 0) {
		ret = sl_http_error(r, 500, "cannot stream the upload: %s",
			strerror(errno));
		j->refs = 1;
		put_unref(j);
		return ret;
	}
	r->route_data = j;
	r->on_done = put_done;
	r->on_done_arg = j;
	r->body_chunk = put_chunk;
	r->body_end = put_end;
	return MHD_YES;
}
