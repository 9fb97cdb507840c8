/* sim_admin.c - simulator-only admin paths under /_sim/ (outside Azure's
 * namespace): health, call statistics, fault rules, runtime settings. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth_ctx.h"
#include "la_store.h"
#include "run_replica.h"
#include "sim_ctx.h"
#include "sim_faults.h"
#include "sim_routes.h"
#include "sim_stats.h"
#include "sim_util.h"

static void admin_error(struct sim_resp *resp, unsigned int status, const char *msg)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "code", json_object_new_string("SimulatorAdminError"));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	sim_resp_json(resp, status, o);
	json_object_put(o);
}

/* The request body as JSON or NULL; the caller puts it. */
static struct json_object *parse(const struct sim_req *req)
{
	return req->body_len ? json_tokener_parse(req->body) : NULL;
}

void sim_h_health(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	struct json_object *o = json_object_new_object();

	(void)req;
	json_object_object_add(o, "status", json_object_new_string("ok"));
	json_object_object_add(o, "workloads", json_object_new_boolean(ctx->engine != NULL));
	json_object_object_add(o, "liveReplicas",
			       json_object_new_int64(ctx->engine ? (int64_t)run_engine_live(ctx->engine) : 0));
	json_object_object_add(o, "baseUrl", json_object_new_string(ctx->base_url));
	sim_resp_json(resp, 200, o);
	json_object_put(o);
}

static void add_replica(void *ud, const char *replica, const char *ip)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(replica));
	json_object_object_add(o, "ipAddress", json_object_new_string(ip));
	json_object_array_add(ud, o);
}

/* Live replicas and their addresses (not an Azure shape: Azure shows a
 * replica's address nowhere in the job APIs), for tests and the agent
 * that will be dialled there. */
void sim_h_replicas(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	struct json_object *o = json_object_new_object(), *v = json_object_new_array();
	struct run_network_info ni;

	(void)req;
	if (ctx->engine)
		run_engine_each_ip(ctx->engine, add_replica, v);
	json_object_object_add(o, "value", v);
	if (ctx->engine && run_engine_network(ctx->engine, &ni) == 0) {
		struct json_object *n = json_object_new_object();

		json_object_object_add(n, "bridge", json_object_new_string(ni.bridge));
		json_object_object_add(n, "gateway", json_object_new_string(ni.gateway));
		json_object_object_add(n, "prefixLength", json_object_new_int(ni.prefix));
		json_object_object_add(n, "addressesInUse", json_object_new_int64(ni.in_use));
		json_object_object_add(o, "network", n);
	}
	sim_resp_json(resp, 200, o);
	json_object_put(o);
}

void sim_h_stats_get(struct sim_req *req, struct sim_resp *resp)
{
	struct json_object *o = sim_stats_json(sim_ctx()->stats);

	(void)req;
	sim_resp_json(resp, 200, o);
	json_object_put(o);
}

void sim_h_stats_reset(struct sim_req *req, struct sim_resp *resp)
{
	(void)req;
	sim_stats_reset(sim_ctx()->stats);
	sim_resp_empty(resp, 204);
}

void sim_h_faults_get(struct sim_req *req, struct sim_resp *resp)
{
	struct json_object *o = json_object_new_object();

	(void)req;
	json_object_object_add(o, "value", sim_faults_json(sim_ctx()->faults));
	sim_resp_json(resp, 200, o);
	json_object_put(o);
}

void sim_h_faults_post(struct sim_req *req, struct sim_resp *resp)
{
	struct json_object *body = parse(req), *ids = NULL, *o;
	char *err = NULL;

	if (!body || (!json_object_is_type(body, json_type_object) &&
		      !json_object_is_type(body, json_type_array))) {
		json_object_put(body);
		admin_error(resp, 400, "the body must be a fault rule object or an array of them");
		return;
	}
	if (sim_faults_add(sim_ctx()->faults, body, &ids, &err)) {
		admin_error(resp, 400, err ? err : "invalid fault rule");
		free(err);
		json_object_put(body);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ids", ids);
	sim_resp_json(resp, 201, o);
	json_object_put(o);
	json_object_put(body);
}

void sim_h_faults_clear(struct sim_req *req, struct sim_resp *resp)
{
	(void)req;
	sim_faults_clear(sim_ctx()->faults);
	sim_resp_empty(resp, 204);
}

void sim_h_fault_delete(struct sim_req *req, struct sim_resp *resp)
{
	if (sim_faults_remove(sim_ctx()->faults, req->params[0]))
		admin_error(resp, 404, "no fault rule with that id");
	else
		sim_resp_empty(resp, 204);
}

/* Current settings; the caller puts them. */
static struct json_object *settings_json(void)
{
	struct sim_ctx *ctx = sim_ctx();
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ingestionDelayMs",
			       json_object_new_int64(ctx->la ? la_store_get_ingestion_delay_ms(ctx->la) : 0));
	json_object_object_add(o, "ingestionJitterMs",
			       json_object_new_int64(ctx->la ? la_store_get_ingestion_jitter_ms(ctx->la) : 0));
	json_object_object_add(o, "tokenLifetimeSeconds",
			       json_object_new_int64(auth_token_lifetime(ctx->auth)));
	json_object_object_add(o, "lroDelayMs", json_object_new_int64(ctx->cfg->lro_delay_ms));
	json_object_object_add(o, "logRetentionSeconds",
			       json_object_new_int64(ctx->cfg->logstream_retention_s));
	json_object_object_add(o, "replicaCleanupSeconds",
			       json_object_new_int64(ctx->cfg->replica_cleanup_s));
	json_object_object_add(o, "pageSize", json_object_new_int(ctx->cfg->page_size));
	json_object_object_add(o, "armThrottle", json_object_new_boolean(ctx->cfg->arm_throttle));
	json_object_object_add(o, "stopGraceSeconds", json_object_new_int64(ctx->cfg->stop_grace_s));
	json_object_object_add(o, "scheduleDelayMs",
			       json_object_new_int64(ctx->cfg->schedule_delay_ms));
	json_object_object_add(o, "imagePullFailFast",
			       json_object_new_boolean(ctx->cfg->image_pull_fail_fast));
	return o;
}

void sim_h_settings_get(struct sim_req *req, struct sim_resp *resp)
{
	struct json_object *o = settings_json();

	(void)req;
	sim_resp_json(resp, 200, o);
	json_object_put(o);
}

/* Each setting is a non-negative integer; absent ones stay. */
void sim_h_settings_put(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	struct json_object *body = parse(req), *v, *o;
	static const char *const keys[] = { "ingestionDelayMs", "tokenLifetimeSeconds", "lroDelayMs",
					    "logRetentionSeconds", "replicaCleanupSeconds", "pageSize",
					    "ingestionJitterMs", "stopGraceSeconds", "scheduleDelayMs", NULL };

	if (!body || !json_object_is_type(body, json_type_object)) {
		json_object_put(body);
		admin_error(resp, 400, "the body must be a JSON object of settings");
		return;
	}
	for (int i = 0; keys[i]; i++) {
		if (json_object_object_get_ex(body, keys[i], &v) &&
		    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)) {
			json_object_put(body);
			admin_error(resp, 400, "settings must be non-negative integers");
			return;
		}
	}
	if (json_object_object_get_ex(body, "ingestionDelayMs", &v) && ctx->la)
		la_store_set_ingestion_delay_ms(ctx->la, (long)json_object_get_int64(v));
	if (json_object_object_get_ex(body, "ingestionJitterMs", &v) && ctx->la)
		la_store_set_ingestion_jitter_ms(ctx->la, (long)json_object_get_int64(v));
	if (json_object_object_get_ex(body, "tokenLifetimeSeconds", &v))
		auth_set_token_lifetime(ctx->auth, (long)json_object_get_int64(v));
	if (json_object_object_get_ex(body, "lroDelayMs", &v))
		ctx->cfg->lro_delay_ms = (long)json_object_get_int64(v);
	if (json_object_object_get_ex(body, "logRetentionSeconds", &v))
		ctx->cfg->logstream_retention_s = (long)json_object_get_int64(v);
	if (json_object_object_get_ex(body, "replicaCleanupSeconds", &v))
		ctx->cfg->replica_cleanup_s = (long)json_object_get_int64(v);
	if (json_object_object_get_ex(body, "pageSize", &v) && json_object_get_int64(v) >= 1 &&
	    json_object_get_int64(v) <= 1000)
		ctx->cfg->page_size = (int)json_object_get_int64(v);
	if (json_object_object_get_ex(body, "armThrottle", &v))
		ctx->cfg->arm_throttle = json_object_get_boolean(v);
	/* Both apply to executions started from now on. */
	if (json_object_object_get_ex(body, "stopGraceSeconds", &v))
		ctx->cfg->stop_grace_s = (long)json_object_get_int64(v);
	if (json_object_object_get_ex(body, "scheduleDelayMs", &v) &&
	    json_object_get_int64(v) <= 600000)
		ctx->cfg->schedule_delay_ms = (long)json_object_get_int64(v);
	if (json_object_object_get_ex(body, "imagePullFailFast", &v))
		ctx->cfg->image_pull_fail_fast = json_object_get_boolean(v);
	json_object_put(body);
	o = settings_json();
	sim_resp_json(resp, 200, o);
	json_object_put(o);
}
