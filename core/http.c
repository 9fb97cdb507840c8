/*
 * http.c - answering Docker API requests.
 */
#include "config.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockerless/plugin.h"
#include "core/http.h"
#include "core/log.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void sl_http_add_common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Api-Version", SL_API_VERSION);
	MHD_add_response_header(resp, "Docker-Experimental", "false");
	MHD_add_response_header(resp, "Ostype", "linux");
	MHD_add_response_header(resp, "Server",
		"Sockerless/" PACKAGE_VERSION " (linux)");
}

enum MHD_Result sl_http_queue(struct sl_req *r, unsigned int status,
	struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	sl_http_add_common_headers(resp);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->answered = 1;
	sl_debug("%s %s -> %u", r->method, r->url, status);
	return ret;
}

enum MHD_Result sl_http_bytes(struct sl_req *r, unsigned int status,
	const char *content_type, const void *buf, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len,
		(void *)buf, MHD_RESPMEM_MUST_COPY);

	if (!resp)
		return MHD_NO;
	if (content_type)
		MHD_add_response_header(resp, "Content-Type", content_type);
	return sl_http_queue(r, status, resp);
}

/* Answers with a malloc'd buffer, which it takes (frees) in every case. */
static enum MHD_Result take(struct sl_req *r, unsigned int status,
	const char *content_type, char *buf, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf,
		MHD_RESPMEM_MUST_FREE);

	if (!resp) {
		free(buf);
		return MHD_NO;
	}
	if (content_type)
		MHD_add_response_header(resp, "Content-Type", content_type);
	return sl_http_queue(r, status, resp);
}

enum MHD_Result sl_http_empty(struct sl_req *r, unsigned int status)
{
	return sl_http_bytes(r, status, NULL, "", 0);
}

enum MHD_Result sl_http_json(struct sl_req *r, unsigned int status,
	struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_FLAGS);
	size_t n = strlen(s);
	char *buf = malloc(n + 2);

	if (!buf)
		return MHD_NO;
	memcpy(buf, s, n);
	buf[n] = '\n';    /* dockerd's encoder ends every document so */
	return take(r, status, "application/json", buf, n + 1);
}

enum MHD_Result sl_http_error(struct sl_req *r, unsigned int status,
	const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char msg[2048];
	enum MHD_Result ret;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (status >= 500)
		sl_info("%s %s -> %u: %s", r->method, r->url, status, msg);
	json_object_object_add(o, "message", json_object_new_string(msg));
	ret = sl_http_json(r, status, o);
	json_object_put(o);
	return ret;
}

unsigned int sl_http_status_of(int st)
{
	switch (st) {
	case SL_OK: return 200;
	case SL_ENOTFOUND: return 404;
	case SL_ECONFLICT: return 409;
	case SL_EINVAL: return 400;
	case SL_ENOTSUP: return 501;
	case SL_EUNAVAIL: return 503;
	case SL_ETIMEDOUT: return 504;
	case SL_EPERM: return 403;
	case SL_ENOTMODIFIED: return 304;
	default: return 500;
	}
}

const char *sl_http_query(struct sl_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

int sl_http_query_bool(struct sl_req *r, const char *key, int dflt)
{
	const char *v = sl_http_query(r, key);

	if (!v)
		return dflt;
	/* Docker's BoolValue: anything but "", "0", "no", "false", "none". */
	return !(!*v || !strcmp(v, "0") || !strcasecmp(v, "no") ||
		!strcasecmp(v, "false") || !strcasecmp(v, "none"));
}

const char *sl_http_header(struct sl_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, key);
}

struct json_object *sl_http_body_json(struct sl_req *r)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (!r->body_len)
		return json_object_new_object();
	tok = json_tokener_new();
	if (!tok) {
		sl_http_error(r, 500, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, r->body, (int)r->body_len + 1);
	if (!o || !json_object_is_type(o, json_type_object)) {
		sl_http_error(r, 400, "invalid JSON: %s", o ?
			"the body must be a JSON object" :
			json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int sl_http_api_at_least(struct sl_req *r, int major, int minor)
{
	return r->api_major > major ||
		(r->api_major == major && r->api_minor >= minor);
}

int sl_http_client_gone(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	struct pollfd p;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return 0;
	p.fd = ci->connect_fd;
	p.events = POLLRDHUP;
	p.revents = 0;
	return poll(&p, 1, 0) > 0 &&
		(p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}
