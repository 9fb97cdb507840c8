/* sim_la_http.c - the Log Analytics query API over HTTP: GET/POST
 * /v1/workspaces/{id}/query, answered by the Log Analytics module's la_query. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "la_query.h"
#include "sim_ctx.h"
#include "sim_routes.h"
#include "sim_util.h"

void sim_h_la_query(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *ws = req->params[0];
	char corr[37], rid[37];
	const char *given = sim_req_header(req, "x-ms-correlation-request-id");
	int status = 500, rc;
	char *body = NULL;

	sim_uuid(rid);
	if (given && strlen(given) < sizeof(corr))
		strcpy(corr, given);
	else
		sim_uuid(corr);
	if (strcmp(req->method, "POST") == 0) {
		rc = la_query_run_post(ctx->la, ws, req->body, req->body_len, corr, &status, &body);
	} else {
		struct la_query_request q;

		memset(&q, 0, sizeof(q));
		q.workspace_id = ws;
		q.query = sim_req_query(req, "query");
		q.timespan = sim_req_query(req, "timespan");
		q.correlation_id = corr;
		rc = la_query_run(ctx->la, &q, &status, &body);
	}
	if (rc != 0 || !body) {
		free(body);
		body = la_query_error_body("InternalServerError", "An internal error occurred.", corr);
		status = 500;
	}
	sim_resp_take(resp, (unsigned int)status, "application/json; charset=utf-8", body,
		      body ? strlen(body) : 0);
	sim_resp_header(resp, "x-ms-request-id", rid);
	sim_resp_header(resp, "x-ms-correlation-request-id", corr);
	sim_resp_header(resp, "Cache-Control", "no-cache");
}
