/* auth_http: struct auth_request and auth_response helpers. */
#include "config.h"
#include "auth_http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *auth_request_header(const struct auth_request *req, const char *name)
{
	return req->header ? req->header(req->header_ctx, name) : NULL;
}

const char *auth_request_query(const struct auth_request *req, const char *name)
{
	const char *v = req->query ? req->query(req->query_ctx, name) : NULL;

	return v && *v ? v : NULL;
}

void auth_response_init(struct auth_response *r)
{
	memset(r, 0, sizeof(*r));
}

void auth_response_clear(struct auth_response *r)
{
	size_t i;

	if (!r)
		return;
	free(r->body);
	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	auth_response_init(r);
}

int auth_response_add_header(struct auth_response *r, const char *name,
			     const char *value)
{
	char *n, *v;

	if (r->n_headers >= AUTH_RESPONSE_MAX_HEADERS)
		return -ENOSPC;
	n = strdup(name);
	v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return -ENOMEM;
	}
	r->headers[r->n_headers].name = n;
	r->headers[r->n_headers].value = v;
	r->n_headers++;
	return 0;
}

const char *auth_response_header(const struct auth_response *r,
				 const char *name)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

void auth_response_set(struct auth_response *r, int status,
		       const char *content_type, char *body)
{
	free(r->body);
	r->status = status;
	r->content_type = content_type;
	r->body = body;
	r->body_len = body ? strlen(body) : 0;
}
