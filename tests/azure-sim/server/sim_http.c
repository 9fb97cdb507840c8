/* sim_http.c - the libmicrohttpd listener: collects each request's body,
 * hands the complete request to the router and sends what it answers. */
#include "config.h"

#include "sim_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "sim_util.h"

/* Larger bodies are refused: ARM's own request limit is 4 MB. */
#define SIM_MAX_BODY (8u * 1024u * 1024u)

struct sim_server {
	struct MHD_Daemon *daemon;
	unsigned int port;
};

/* Per-request state between MHD callbacks. */
struct req_ctx {
	struct sim_buf body;
	int too_big;
};

const char *sim_req_header(const struct sim_req *req, const char *name)
{
	if (!req->conn)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *sim_req_query(const struct sim_req *req, const char *name)
{
	if (!req->conn)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

int sim_req_client_gone(const struct sim_req *req)
{
	const union MHD_ConnectionInfo *ci;
	struct pollfd pfd;

	if (!req->conn)
		return 0;
	ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return 0;
	pfd.fd = ci->connect_fd;
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) > 0 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))
		return 1;
	return 0;
}

void sim_resp_header(struct sim_resp *resp, const char *name, const char *value)
{
	for (int i = 0; i < resp->nheaders; i++) {
		if (strcasecmp(resp->hname[i], name) == 0) {
			char *v = strdup(value);
			if (v) {
				free(resp->hvalue[i]);
				resp->hvalue[i] = v;
			}
			return;
		}
	}
	if (resp->nheaders >= SIM_MAX_RESP_HEADERS)
		return;
	resp->hname[resp->nheaders] = strdup(name);
	resp->hvalue[resp->nheaders] = strdup(value);
	if (!resp->hname[resp->nheaders] || !resp->hvalue[resp->nheaders]) {
		free(resp->hname[resp->nheaders]);
		free(resp->hvalue[resp->nheaders]);
		return;
	}
	resp->nheaders++;
}

void sim_resp_headerf(struct sim_resp *resp, const char *name, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sim_resp_header(resp, name, buf);
}

const char *sim_resp_get_header(const struct sim_resp *resp, const char *name)
{
	for (int i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->hname[i], name) == 0)
			return resp->hvalue[i];
	return NULL;
}

void sim_resp_take(struct sim_resp *resp, unsigned int status,
		   const char *ctype, char *data, size_t len)
{
	free(resp->body);
	resp->status = status;
	resp->body = data;
	resp->body_len = len;
	resp->content_type = ctype;
}

void sim_resp_bytes(struct sim_resp *resp, unsigned int status,
		    const char *ctype, const char *data, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy) {
		sim_resp_take(resp, 500, NULL, NULL, 0);
		return;
	}
	memcpy(copy, data, len);
	copy[len] = '\0';
	sim_resp_take(resp, status, ctype, copy, len);
}

void sim_resp_json(struct sim_resp *resp, unsigned int status,
		   struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(
		obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	sim_resp_bytes(resp, status, "application/json; charset=utf-8", s, strlen(s));
}

void sim_resp_empty(struct sim_resp *resp, unsigned int status)
{
	sim_resp_take(resp, status, NULL, NULL, 0);
}

void sim_resp_clear(struct sim_resp *resp)
{
	free(resp->body);
	for (int i = 0; i < resp->nheaders; i++) {
		free(resp->hname[i]);
		free(resp->hvalue[i]);
	}
	if (resp->stream_free && resp->stream_cls)
		resp->stream_free(resp->stream_cls);
	memset(resp, 0, sizeof(*resp));
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct sim_resp *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (resp->stream) {
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
						      resp->stream, resp->stream_cls,
						      resp->stream_free);
		if (!r)
			return MHD_NO;
		/* MHD owns the stream state now. */
		resp->stream_cls = NULL;
		resp->stream_free = NULL;
	} else {
		r = MHD_create_response_from_buffer(resp->body_len,
						    resp->body ? resp->body : (void *)"",
						    resp->body ? MHD_RESPMEM_MUST_FREE
							       : MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		resp->body = NULL;
	}
	if (resp->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	for (int i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->hname[i], resp->hvalue[i]);
	ret = MHD_queue_response(conn, resp->status ? resp->status : 500, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct req_ctx *ctx = *con_cls;
	struct sim_req req;
	struct sim_resp resp;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (!ctx) {
		ctx = calloc(1, sizeof(*ctx));
		if (!ctx)
			return MHD_NO;
		*con_cls = ctx;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (ctx->body.len + *upload_data_size > SIM_MAX_BODY)
			ctx->too_big = 1;
		else if (sim_buf_add(&ctx->body, upload_data, *upload_data_size) != 0)
			ctx->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = method;
	req.url = url;
	req.conn = conn;
	if (!ctx->body.data)
		sim_buf_add(&ctx->body, "", 0);
	req.body = ctx->body.data;
	req.body_len = ctx->body.len;
	if (ctx->too_big) {
		static const char msg[] =
			"{\"error\":{\"code\":\"RequestEntityTooLarge\",\"message\":"
			"\"The request content was too large.\"}}";
		sim_resp_bytes(&resp, 413, "application/json; charset=utf-8", msg,
			       sizeof(msg) - 1);
	} else {
		sim_router_dispatch(&req, &resp);
	}
	if (resp.drop) {
		sim_resp_clear(&resp);
		return MHD_NO;
	}
	ret = send_resp(conn, &resp);
	sim_resp_clear(&resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req_ctx *ctx = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (ctx) {
		sim_buf_free(&ctx->body);
		free(ctx);
		*con_cls = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("sockerless-azure-sim: mhd: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static int resolve(const char *host, unsigned int port, struct sockaddr_in *sa)
{
	struct addrinfo hints, *res = NULL;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) == 1)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
		return -EINVAL;
	sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

struct sim_server *sim_server_start(const char *host, unsigned int port)
{
	struct sim_server *srv;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;

	if (resolve(host, port, &sa) != 0) {
		fprintf(stderr, "sockerless-azure-sim: cannot resolve listen host '%s'\n", host);
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			MHD_USE_POLL | MHD_USE_ERROR_LOG,
		(uint16_t)port, NULL, NULL, on_request, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)0,
		MHD_OPTION_END);
	if (!srv->daemon) {
		fprintf(stderr, "sockerless-azure-sim: cannot listen on %s:%u: %s\n",
			host, port, strerror(errno));
		free(srv);
		return NULL;
	}
	di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di && di->port ? di->port : port;
	return srv;
}

unsigned int sim_server_port(const struct sim_server *srv)
{
	return srv->port;
}

void sim_server_stop(struct sim_server *srv)
{
	if (!srv)
		return;
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	free(srv);
}
