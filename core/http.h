/*
 * http.h - one Docker API request and the ways to answer it.
 *
 * Handlers run on the connection's own thread (libmicrohttpd's thread per
 * connection), so they may block.  Each handler answers exactly once with
 * one of the sl_http_* functions and returns its result.
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <microhttpd.h>
#include <json-c/json.h>

#define SL_API_VERSION "1.47"
#define SL_API_MIN_VERSION "1.24"
#define SL_MAX_PARAMS 3

struct sl_route;

struct sl_req {
	struct MHD_Connection *conn;
	const char *method;
	const char *url;            /* as received, with any /vX.Y prefix */
	const char *path;           /* without the version prefix */
	int api_major, api_minor;   /* requested, or the server's own */
	char *body;
	size_t body_len, body_cap;
	int body_too_large;
	const struct sl_route *route;
	char *params[SL_MAX_PARAMS];  /* {name} captures, decoded */
	int answered;
	void *route_data;           /* per-route scratch */
	/* Called once when the request ends, before r is freed. */
	void (*on_done)(void *arg);
	void *on_done_arg;
	/* SL_ROUTE_STREAM_BODY routes: the handler runs as soon as the
	 * headers are in; to take the body it sets body_chunk, called with
	 * each piece as it arrives (nothing is buffered), and body_end, called
	 * once the body is complete to answer. */
	void (*body_chunk)(struct sl_req *r, const char *data, size_t n);
	enum MHD_Result (*body_end)(struct sl_req *r);
};

/* Docker error body {"message": ...} with Content-Type application/json. */
enum MHD_Result sl_http_error(struct sl_req *r, unsigned int status,
	const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Maps a plugin status to an HTTP status (SL_ENOTFOUND -> 404, ...). */
unsigned int sl_http_status_of(int sl_status);

/* Answers with a JSON document (does not take `o`). */
enum MHD_Result sl_http_json(struct sl_req *r, unsigned int status,
	struct json_object *o);

/* Answers with bytes (copied) and a content type (may be NULL). */
enum MHD_Result sl_http_bytes(struct sl_req *r, unsigned int status,
	const char *content_type, const void *buf, size_t len);

/* Answers with an empty body (204, 304, HEAD). */
enum MHD_Result sl_http_empty(struct sl_req *r, unsigned int status);

/* Queues any response after adding the headers every answer carries. */
enum MHD_Result sl_http_queue(struct sl_req *r, unsigned int status,
	struct MHD_Response *resp);

/* Adds Api-Version, Ostype, Docker-Experimental and Server. */
void sl_http_add_common_headers(struct MHD_Response *resp);

/* Query parameter lookup; NULL when absent. */
const char *sl_http_query(struct sl_req *r, const char *key);
/* Docker's boolean query parameters: "1", "true", "True" (and empty = 0). */
int sl_http_query_bool(struct sl_req *r, const char *key, int dflt);
const char *sl_http_header(struct sl_req *r, const char *key);

/* Parses the request body as a JSON object; on failure answers 400 and
 * returns NULL.  An empty body yields an empty object.  Caller puts. */
struct json_object *sl_http_body_json(struct sl_req *r);

/* True once the client hung up (checked without blocking), so a long
 * poll can stop waiting for nobody. */
int sl_http_client_gone(struct MHD_Connection *conn);

/* True when the request's API version is at least major.minor. */
int sl_http_api_at_least(struct sl_req *r, int major, int minor);

#endif
