/* sim_lro.c - operation status/result resources. */
#include "config.h"

#include "sim_lro.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "sim_arm.h"
#include "sim_jobspec.h"
#include "sim_ctx.h"
#include "sim_routes.h"
#include "sim_util.h"

/* Operations are forgotten an hour after they complete. */
#define OP_KEEP_MS (3600LL * 1000)

void sim_lro_norm_location(const char *loc, char *out, size_t outsz)
{
	size_t o = 0;

	for (; loc && *loc && o + 1 < outsz; loc++)
		if (!isspace((unsigned char)*loc))
			out[o++] = (char)tolower((unsigned char)*loc);
	out[o] = '\0';
	if (!o)
		snprintf(out, outsz, "eastus");
}

struct sim_op *sim_lro_new(struct sim_state *st, enum sim_op_kind kind,
			   const char *resource_id, const char *sub,
			   const char *location, long delay_ms)
{
	long d = delay_ms >= 0 ? delay_ms : sim_ctx()->cfg->lro_delay_ms;
	struct sim_op *op = sim_state_add_op(st, kind, resource_id, d);

	(void)location;
	if (op) {
		op->sub = strdup(sub);
	}
	return op;
}

int sim_lro_done(const struct sim_op *op)
{
	return sim_mono_ms() >= op->done_at_ms;
}

void sim_lro_headers(struct sim_resp *resp, const struct sim_op *op,
		     const char *sub, const char *location, const char *api,
		     int async, int loc)
{
	const char *base = sim_ctx()->base_url;
	char l[64];

	sim_lro_norm_location(location, l, sizeof(l));
	if (async)
		sim_resp_headerf(resp, "Azure-AsyncOperation",
				 "%s/subscriptions/%s/providers/Microsoft.App/locations/%s/"
				 "containerappsjobOperationStatuses/%s?api-version=%s&azureAsyncOperation=true",
				 base, sub, l, op->id, api ? api : "2025-07-01");
	if (loc)
		sim_resp_headerf(resp, "Location",
				 "%s/subscriptions/%s/providers/Microsoft.App/locations/%s/"
				 "containerappsjobOperationResults/%s?api-version=%s",
				 base, sub, l, op->id, api ? api : "2025-07-01");
	sim_resp_header(resp, "Retry-After", "1");
}

void sim_lro_tick(struct sim_state *st)
{
	int64_t now = sim_mono_ms();

	for (struct sim_op **p = &st->ops; *p;) {
		struct sim_op *op = *p;

		if (op->kind == SIM_OP_JOB_DELETE && now >= op->done_at_ms && op->job) {
			struct sim_job *j = sim_state_job(st, op->sub, op->rg, op->job);
			if (j && j->deleting)
				sim_state_remove_job(st, j);
			free(op->job);
			op->job = NULL;
		}
		if (now >= op->done_at_ms + OP_KEEP_MS) {
			*p = op->next;
			free(op->resource_id);
			free(op->sub);
			free(op->rg);
			free(op->job);
			free(op->result);
			free(op);
			continue;
		}
		p = &op->next;
	}
}

static void op_path(const struct sim_req *req, char *out, size_t outsz, const char *kind)
{
	snprintf(out, outsz, "/subscriptions/%s/providers/Microsoft.App/locations/%s/%s/%s",
		 req->params[0], req->params[1], kind, req->params[2]);
}

void sim_h_op_status(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_state *st = sim_ctx()->state;
	struct sim_op *op;
	struct json_object *o;
	char ts[48], path[512];

	sim_state_lock();
	sim_lro_tick(st);
	op = sim_state_op(st, req->params[2]);
	if (!op || strcasecmp(op->sub ? op->sub : "", req->params[0]) != 0) {
		sim_state_unlock();
		sim_arm_error(resp, 404, "OperationNotFound", NULL,
			      "The operation '%s' could not be found.", req->params[2]);
		return;
	}
	o = json_object_new_object();
	op_path(req, path, sizeof(path), "containerappsjobOperationStatuses");
	json_object_object_add(o, "id", json_object_new_string(path));
	json_object_object_add(o, "name", json_object_new_string(op->id));
	sim_time_arm(&op->start, ts, sizeof(ts));
	if (sim_lro_done(op)) {
		struct timespec end;
		json_object_object_add(o, "status", json_object_new_string("Succeeded"));
		json_object_object_add(o, "startTime", json_object_new_string(ts));
		end = sim_now();
		sim_time_arm(&end, ts, sizeof(ts));
		json_object_object_add(o, "endTime", json_object_new_string(ts));
		json_object_object_add(o, "percentComplete", json_object_new_int(100));
	} else {
		json_object_object_add(o, "status", json_object_new_string("InProgress"));
		json_object_object_add(o, "startTime", json_object_new_string(ts));
		sim_resp_header(resp, "Retry-After", "1");
	}
	sim_state_unlock();
	sim_resp_json(resp, 200, o);
	json_object_put(o);
}

void sim_h_op_result(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	struct sim_op *op;

	sim_state_lock();
	sim_lro_tick(ctx->state);
	op = sim_state_op(ctx->state, req->params[2]);
	if (!op || strcasecmp(op->sub ? op->sub : "", req->params[0]) != 0) {
		sim_state_unlock();
		sim_arm_error(resp, 404, "OperationNotFound", NULL,
			      "The operation '%s' could not be found.", req->params[2]);
		return;
	}
	if (!sim_lro_done(op)) {
		char url[1024];
		snprintf(url, sizeof(url), "%s%s?api-version=%s", ctx->base_url, req->url,
			 sim_req_query(req, "api-version") ? sim_req_query(req, "api-version")
							   : "2025-07-01");
		sim_state_unlock();
		sim_resp_empty(resp, 202);
		sim_resp_header(resp, "Location", url);
		sim_resp_header(resp, "Retry-After", "1");
		return;
	}
	switch (op->kind) {
	case SIM_OP_JOB_PUT:
	case SIM_OP_JOB_PATCH: {
		struct sim_job *j = NULL;
		for (struct sim_job *x = ctx->state->jobs; x; x = x->next)
			if (strcasecmp(x->id, op->resource_id) == 0)
				j = x;
		if (j) {
			struct json_object *o = sim_jobspec_render(j, sim_req_query(req, "api-version"));
			sim_state_unlock();
			sim_resp_json(resp, 200, o);
			json_object_put(o);
			return;
		}
		sim_state_unlock();
		sim_resp_empty(resp, 204);
		return;
	}
	case SIM_OP_JOB_START:
		if (op->result) {
			char *body = strdup(op->result);
			sim_state_unlock();
			if (body)
				sim_resp_take(resp, 200, "application/json; charset=utf-8", body,
					      strlen(body));
			else
				sim_resp_empty(resp, 500);
			return;
		}
		break;
	default:
		break;
	}
	sim_state_unlock();
	sim_resp_empty(resp, 200);
}
