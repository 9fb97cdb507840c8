/*
 * server.c - libmicrohttpd daemons and the access handler.
 *
 * Thread per connection: Docker requests block for long (wait, logs -f,
 * events, attach) and backend hooks block on cloud calls, and keeping that
 * simple for third-party backends is worth a thread each.
 */
#include "config.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gate.h"
#include "core/http.h"
#include "core/log.h"
#include "core/router.h"
#include "core/server.h"
#include "core/worker.h"

#define MAX_DAEMONS 16
#define JSON_BODY_LIMIT (16u << 20)
#define RAW_BODY_LIMIT (256u << 20)
/* The gate keeps the connection limit; MHD's own, a little higher, only
 * catches a gate that miscounted. */
#define MHD_LIMIT_SLACK 64

static struct MHD_Daemon *daemons[MAX_DAEMONS];
static struct sl_gate *gates[MAX_DAEMONS];
static size_t n_daemons;
static int tls_verify;
static unsigned int idle_timeout;

/* Requests that may call the backend, counted so that fini never runs
 * while one is inside a hook. */
static pthread_mutex_t hooks_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hooks_cond = PTHREAD_COND_INITIALIZER;
static int hooks_closed, hooks_inflight;
static int closing;    /* atomic */

static int hooks_enter(const struct sl_route *rt)
{
	int ok = 1;

	if (rt->flags & SL_ROUTE_NO_HOOK)
		return 1;
	pthread_mutex_lock(&hooks_lock);
	if (hooks_closed)
		ok = 0;
	else
		hooks_inflight++;
	pthread_mutex_unlock(&hooks_lock);
	return ok;
}

static void hooks_leave(const struct sl_route *rt)
{
	if (rt->flags & SL_ROUTE_NO_HOOK)
		return;
	pthread_mutex_lock(&hooks_lock);
	if (!--hooks_inflight)
		pthread_cond_broadcast(&hooks_cond);
	pthread_mutex_unlock(&hooks_lock);
}

void sl_server_close_hooks(void)
{
	pthread_mutex_lock(&hooks_lock);
	hooks_closed = 1;
	while (hooks_inflight)
		pthread_cond_wait(&hooks_cond, &hooks_lock);
	pthread_mutex_unlock(&hooks_lock);
}

int sl_server_hooks_closed(void)
{
	int closed;

	pthread_mutex_lock(&hooks_lock);
	closed = hooks_closed;
	pthread_mutex_unlock(&hooks_lock);
	return closed;
}

void sl_server_begin_close(void)
{
	__atomic_store_n(&closing, 1, __ATOMIC_SEQ_CST);
}

int sl_server_closing(void)
{
	return __atomic_load_n(&closing, __ATOMIC_SEQ_CST);
}

void sl_server_wait_idle(int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 20) {
		unsigned int open = 0;

		for (size_t i = 0; i < n_daemons; i++) {
			const union MHD_DaemonInfo *di = MHD_get_daemon_info(
				daemons[i], MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

			if (di)
				open += di->num_connections;
		}
		if (!open)
			return;
		poll(NULL, 0, 20);
	}
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	sl_debug("http: %s", buf);
}

/* With --tlsverify the client must present a certificate that chains to
 * --tlscacert; GnuTLS only requested it during the handshake. */
static int client_cert_ok(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	unsigned int status = 0;
	gnutls_session_t s;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return 1;    /* a plain (unix) listener */
	s = (gnutls_session_t)ci->tls_session;
	if (gnutls_certificate_get_peers(s, &(unsigned int){0}) == NULL)
		return 0;
	if (gnutls_certificate_verify_peers2(s, &status) < 0 || status)
		return 0;
	return 1;
}

static enum MHD_Result dispatch(struct sl_req *r)
{
	enum MHD_Result ret;
	int known;

	if (sl_router_version(r, &ret) < 0)
		return ret;
	r->route = sl_router_match(r, &known);
	if (!r->route) {
		if (known)
			return sl_http_error(r, 405, "method %s not allowed on %s",
				r->method, r->path);
		return sl_http_error(r, 404, "page not found");
	}
	if (r->body_too_large)
		return sl_http_error(r, 413,
			"request body too large: the limit is %u MiB",
			(r->route->flags & SL_ROUTE_RAW_BODY ? RAW_BODY_LIMIT :
			 JSON_BODY_LIMIT) >> 20);
	if (!hooks_enter(r->route))
		return sl_http_error(r, 503, "the daemon is shutting down");
	ret = r->route->fn(r);
	hooks_leave(r->route);
	return ret;
}

/*
 * A route that takes its body as a stream (an archive upload) is
 * dispatched as soon as the headers are in: an error (no such container)
 * goes out before the body is read, and the body then flows to the
 * handler's sink instead of into memory.  Other requests wait for their
 * body as before.
 */
static enum MHD_Result dispatch_early(struct sl_req *r)
{
	enum MHD_Result ret;
	int known;

	if (strcmp(r->method, "PUT"))
		return MHD_YES;
	if (sl_router_version(r, &ret) < 0)
		return ret;
	r->route = sl_router_match(r, &known);
	if (!r->route || !(r->route->flags & SL_ROUTE_STREAM_BODY)) {
		sl_router_clear(r);
		r->route = NULL;
		return MHD_YES;
	}
	sl_debug("%s %s (streamed body)", r->method, r->url);
	/* The upload may pause while the hook works: see on_request. */
	if (idle_timeout)
		MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT,
			0u);
	if (!hooks_enter(r->route))
		return sl_http_error(r, 503, "the daemon is shutting down");
	ret = r->route->fn(r);
	hooks_leave(r->route);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
	const char *url, const char *method, const char *version,
	const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct sl_req *r = *con_cls;
	size_t limit;

	(void)cls;
	(void)version;
	if (!r) {
		if (tls_verify && !client_cert_ok(conn)) {
			sl_warn("http: refused a TLS client without a valid certificate");
			return MHD_NO;
		}
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->conn = conn;
		r->method = method;
		r->url = url;
		*con_cls = r;
		return dispatch_early(r);
	}
	if (*upload_data_size && (r->body_chunk || r->answered)) {
		/* A streamed body goes to its sink; after an early answer
		 * the rest of a body is dropped. */
		if (r->body_chunk && !r->answered)
			r->body_chunk(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* Raw bodies (archives) may be big; JSON never is. */
		limit = JSON_BODY_LIMIT;
		if (!strncmp(url, "/", 1) && strstr(url, "/archive"))
			limit = RAW_BODY_LIMIT;
		if (!r->body_too_large && r->body_len + *upload_data_size > limit) {
			r->body_too_large = 1;
			free(r->body);
			r->body = NULL;
			r->body_len = r->body_cap = 0;
		}
		if (!r->body_too_large) {
			if (r->body_len + *upload_data_size + 1 > r->body_cap) {
				size_t ncap = r->body_cap ? r->body_cap : 4096;
				char *nb;

				while (ncap < r->body_len + *upload_data_size + 1)
					ncap *= 2;
				nb = realloc(r->body, ncap);
				if (!nb)
					return MHD_NO;
				r->body = nb;
				r->body_cap = ncap;
			}
			memcpy(r->body + r->body_len, upload_data, *upload_data_size);
			r->body_len += *upload_data_size;
			r->body[r->body_len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->answered)
		return MHD_YES;
	if (r->body_end)
		return r->body_end(r);
	sl_debug("%s %s", method, url);
	/* The idle timeout is for connections with no request in flight.
	 * Answers may rightly stay silent for hours (wait, logs -f, events),
	 * and MHD checks the timeout when a content reader that blocked that
	 * long returns, so it would cut the stream just as data comes.
	 * on_completed arms it again. */
	if (idle_timeout)
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
			0u);
	return dispatch(r);
}

/* Runs in MHD's thread just before it frees a closed connection. */
static void on_connection(void *cls, struct MHD_Connection *conn,
	void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		sl_work_upgrade_fence();
	sl_gate_notify(cls, conn, socket_context, toe);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
	void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct sl_req *r = *con_cls;

	(void)cls;
	/* The answer is complete and the connection waits for the next
	 * request (or is upgraded, which MHD never times out). */
	if (idle_timeout && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
			idle_timeout);
	if (!r)
		return;
	if (r->on_done)
		r->on_done(r->on_done_arg);
	sl_router_clear(r);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

int sl_server_start(struct sl_listener *ls, size_t n, const struct sl_tls *tls,
	const struct sl_server_limits *lim, char *err, size_t errlen)
{
	tls_verify = tls && tls->verify;
	idle_timeout = lim->idle_timeout;
	for (size_t i = 0; i < n; i++) {
		unsigned int flags = MHD_USE_THREAD_PER_CONNECTION |
			MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG |
			MHD_USE_NO_LISTEN_SOCKET;
		int use_tls = ls[i].is_tcp && tls && tls->cert_pem;
		struct MHD_OptionItem opts[12];
		size_t k = 0;

		if (n_daemons == MAX_DAEMONS) {
			snprintf(err, errlen, "too many listeners (max %d)", MAX_DAEMONS);
			return -1;
		}
		gates[n_daemons] = sl_gate_new(ls[i].fd, lim->max_connections);
		if (!gates[n_daemons]) {
			snprintf(err, errlen, "cannot serve %s: %s", ls[i].spec,
				strerror(errno));
			return -1;
		}
		opts[k++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER,
			(intptr_t)log_mhd, NULL};
		opts[k++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
			(intptr_t)on_connection, gates[n_daemons]};
		opts[k++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
			(intptr_t)on_completed, NULL};
		/* Room for Docker's X-Registry-Auth headers (a few KiB).  No
		 * more: libmicrohttpd zeroes the whole pool between requests
		 * (MHD_pool_reset), so every keep-alive request pays for its
		 * size, and all of it stays resident per open connection. */
		opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
			64 * 1024, NULL};
		opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
			lim->max_connections + MHD_LIMIT_SLACK, NULL};
		opts[k++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_STACK_SIZE,
			512 * 1024, NULL};
		opts[k++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
			lim->idle_timeout, NULL};
		if (use_tls) {
			flags |= MHD_USE_TLS;
			opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY,
				0, tls->key_pem};
			opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT,
				0, tls->cert_pem};
			if (tls->ca_pem)
				opts[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST,
					0, tls->ca_pem};
		}
		opts[k++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
		daemons[n_daemons] = MHD_start_daemon(flags, 0, NULL, NULL,
			on_request, NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
		if (!daemons[n_daemons]) {
			snprintf(err, errlen, "cannot serve %s (libmicrohttpd refused%s)",
				ls[i].spec, use_tls ? "; check the TLS certificate and key" : "");
			sl_gate_free(gates[n_daemons]);
			gates[n_daemons] = NULL;
			return -1;
		}
		/* The listening socket stays ours (sl_listen_close). */
		if (sl_gate_start(gates[n_daemons], daemons[n_daemons]) < 0) {
			snprintf(err, errlen, "cannot serve %s: %s", ls[i].spec,
				strerror(errno));
			MHD_stop_daemon(daemons[n_daemons]);
			daemons[n_daemons] = NULL;
			sl_gate_free(gates[n_daemons]);
			gates[n_daemons] = NULL;
			return -1;
		}
		n_daemons++;
		sl_info("API listening on %s%s", ls[i].spec, use_tls ? " (TLS)" : "");
	}
	return 0;
}

void sl_server_stop(void)
{
	for (size_t i = 0; i < n_daemons; i++)
		sl_gate_stop(gates[i]);
	for (size_t i = 0; i < n_daemons; i++) {
		MHD_stop_daemon(daemons[i]);
		daemons[i] = NULL;
		sl_gate_free(gates[i]);
		gates[i] = NULL;
	}
	n_daemons = 0;
}
