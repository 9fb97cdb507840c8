/* sim_authz.c - adapts struct sim_req/sim_resp to the auth module's
 * transport-neutral auth_request/auth_response. */
#include "config.h"

#include "sim_authz.h"

#include <errno.h>
#include <string.h>

#include "auth_bearer.h"
#include "auth_issue.h"
#include "sim_ctx.h"
#include "sim_routes.h"

static const char *lookup_query(void *ctx, const char *name)
{
	return sim_req_query(ctx, name);
}

static const char *lookup_header(void *ctx, const char *name)
{
	return sim_req_header(ctx, name);
}

/* Move an auth_response into a sim_resp (the auth one is cleared). */
static void to_resp(struct auth_response *ar, struct sim_resp *resp)
{
	for (size_t i = 0; i < ar->n_headers; i++)
		sim_resp_header(resp, ar->headers[i].name, ar->headers[i].value);
	sim_resp_take(resp, ar->status > 0 ? (unsigned int)ar->status : 500,
		      ar->content_type, ar->body, ar->body ? ar->body_len : 0);
	ar->body = NULL;
	auth_response_clear(ar);
}

/* The end of a bearer check: 0 when it passed, else the service's
 * refusal in resp (a 500 when the check could not even answer). */
static int check_done(int rc, struct auth_response *ar, struct sim_resp *resp)
{
	if (rc == 0) {
		auth_response_clear(ar);
		return 0;
	}
	if (ar->status) {
		to_resp(ar, resp);
	} else {
		auth_response_clear(ar);
		sim_resp_empty(resp, 500);
	}
	return -EACCES;
}

int sim_authz_bearer(const struct sim_req *req, struct sim_resp *resp,
		     enum sim_authz_api api)
{
	struct auth_response ar;
	int rc;

	auth_response_init(&ar);
	rc = auth_check_bearer(sim_ctx()->auth,
			       api == SIM_AUTHZ_LA ? AUTH_API_LOG_ANALYTICS : AUTH_API_ARM,
			       sim_req_header(req, "Authorization"), NULL, &ar);
	return check_done(rc, &ar, resp);
}

int sim_authz_dataplane(const struct sim_req *req, struct sim_resp *resp,
			const char *job_id)
{
	struct auth_response ar;
	int rc;

	auth_response_init(&ar);
	rc = auth_check_dataplane(sim_ctx()->auth, sim_req_header(req, "Authorization"),
				  job_id, &ar);
	return check_done(rc, &ar, resp);
}

int sim_authz_is_token_path(const char *path)
{
	return auth_classify(path) != AUTH_EP_NONE;
}

void sim_h_token(struct sim_req *req, struct sim_resp *resp)
{
	struct auth_request ar;
	struct auth_response out;
	int rc;

	memset(&ar, 0, sizeof(ar));
	ar.method = req->method;
	ar.path = req->url;
	ar.query = lookup_query;
	ar.query_ctx = req;
	ar.header = lookup_header;
	ar.header_ctx = req;
	ar.body = req->body_len ? req->body : NULL;
	ar.body_len = req->body_len;
	auth_response_init(&out);
	rc = auth_handle(sim_ctx()->auth, &ar, &out);
	if (rc == 0 && out.status) {
		to_resp(&out, resp);
		return;
	}
	auth_response_clear(&out);
	if (rc == -ENOENT)
		sim_resp_bytes(resp, 404, "application/json; charset=utf-8",
			       "{\"error\":\"not_found\"}", 21);
	else
		sim_resp_empty(resp, 500);
}
