/* auth_http: the transport-neutral request/response types used by the auth
 * module.  the HTTP front end fills a struct auth_request from libmicrohttpd, calls an
 * auth_* function, and sends the struct auth_response back (status,
 * Content-Type, extra headers, body).  The auth module never touches HTTP.
 */
#ifndef SL_AZSIM_AUTH_HTTP_H
#define SL_AZSIM_AUTH_HTTP_H

#include <stddef.h>

/* Look up one value by name; returns NULL when absent.  For headers the
 * lookup must be case-insensitive (MHD_lookup_connection_value with
 * MHD_HEADER_KIND is); for query arguments exact (MHD_GET_ARGUMENT_KIND,
 * values already percent-decoded).  The returned pointer must stay valid for
 * the duration of the auth_* call.  auth_form_lookup() (auth_form.h) has this
 * signature for a parsed struct auth_form. */
typedef const char *(*auth_lookup_fn)(void *ctx, const char *name);

/* The parts of an HTTP request the auth functions look at.  Every pointer
 * is borrowed; nothing is freed by the auth module. */
struct auth_request {
	const char *method;   /* "GET", "POST", ... (required) */
	const char *path;     /* URL path without the query, e.g.
	                       * "/{tenant}/oauth2/v2.0/token" (required) */
	auth_lookup_fn query; /* decoded query arguments; NULL = none */
	void *query_ctx;
	auth_lookup_fn header; /* request headers, case-insensitive; NULL = none */
	void *header_ctx;
	const char *body;     /* raw body bytes (need not be NUL-terminated);
	                       * NULL with body_len 0 = no body */
	size_t body_len;
};

/* A request header (NULL when absent or when req has no header lookup). */
const char *auth_request_header(const struct auth_request *req, const char *name);

/* A query argument, NULL when absent or empty (an empty value counts as
 * missing at the token endpoints, as Azure answers it). */
const char *auth_request_query(const struct auth_request *req, const char *name);

#define AUTH_RESPONSE_MAX_HEADERS 8

struct auth_response_header {
	char *name;  /* heap, owned by the response */
	char *value; /* heap, owned by the response */
};

/* What to send back.  Initialise with auth_response_init() (or
 * AUTH_RESPONSE_INIT) before passing it to an auth_* function; release
 * with auth_response_clear().  The auth functions fill status, body,
 * content_type and any extra headers (e.g. WWW-Authenticate,
 * Cache-Control, x-ms-request-id).  Content-Type is NOT among headers[]:
 * send content_type as the Content-Type header when it is non-NULL. */
struct auth_response {
	int status;                 /* HTTP status code; 0 = not filled */
	char *body;                 /* heap, NUL-terminated, may be NULL */
	size_t body_len;            /* bytes in body, without the NUL */
	const char *content_type;   /* static string or NULL */
	size_t n_headers;
	struct auth_response_header headers[AUTH_RESPONSE_MAX_HEADERS];
};

#define AUTH_RESPONSE_INIT { 0, NULL, 0, NULL, 0, { { NULL, NULL } } }

/* Zero *r. */
void auth_response_init(struct auth_response *r);

/* Free body and headers and re-initialise *r.  NULL is a no-op. */
void auth_response_clear(struct auth_response *r);

/* Append a header (both strings copied).  Returns 0, -ENOSPC when
 * AUTH_RESPONSE_MAX_HEADERS are already set, or -ENOMEM. */
int auth_response_add_header(struct auth_response *r, const char *name,
			     const char *value);

/* Value of the first header named name (case-insensitive) or NULL. */
const char *auth_response_header(const struct auth_response *r,
				 const char *name);

/* Set status, content_type and take ownership of body (heap, NUL-
 * terminated; may be NULL).  Any previous body is freed. */
void auth_response_set(struct auth_response *r, int status,
		       const char *content_type, char *body);

#endif
