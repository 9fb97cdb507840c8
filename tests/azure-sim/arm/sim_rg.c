/* sim_rg.c - resource groups (Microsoft.Resources) and managed
 * environments (Microsoft.App), just enough for tests to create the scope
 * a job lives in. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "la_store.h"
#include "sim_arm.h"
#include "sim_ctx.h"
#include "sim_lro.h"
#include "sim_profiles.h"
#include "sim_region.h"
#include "sim_routes.h"
#include "sim_state.h"
#include "sim_util.h"

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* Resource group body; the caller puts it. */
static struct json_object *render_rg(struct sim_rg *r)
{
	struct json_object *o = json_object_new_object(), *p = json_object_new_object();
	char *id = sim_strdupf("/subscriptions/%s/resourceGroups/%s", r->sub, r->name);

	json_object_object_add(o, "id", json_object_new_string(id ? id : ""));
	free(id);
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "type", json_object_new_string("Microsoft.Resources/resourceGroups"));
	json_object_object_add(o, "location", json_object_new_string(r->location));
	if (r->tags)
		json_object_object_add(o, "tags", json_object_get(r->tags));
	json_object_object_add(p, "provisioningState", json_object_new_string("Succeeded"));
	json_object_object_add(o, "properties", p);
	return o;
}

void sim_h_rg_put(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[0], *name = req->params[1];
	struct json_object *body = NULL, *tags = NULL, *out;
	struct sim_rg *r;
	const char *loc;
	int created = 0;

	if (sim_arm_check_scope(resp, sub, NULL))
		return;
	if (sim_arm_parse_body(req, resp, 0, &body))
		return;
	loc = jstr(body, "location");
	if (sim_arm_check_location(loc, NULL, resp))
		goto out;
	if (json_object_object_get_ex(body, "tags", &tags) && tags &&
	    !json_object_is_type(tags, json_type_object)) {
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Cannot deserialize the current JSON value into type "
			      "'IDictionary`2'. Path 'tags'.'.");
		goto out;
	}
	sim_state_lock();
	r = sim_state_rg(ctx->state, sub, name);
	if (!r) {
		r = sim_state_add_rg(ctx->state, sub, name, loc);
		created = 1;
	}
	if (r && tags) {
		json_object_put(r->tags);
		r->tags = json_object_get(tags);
	}
	out = r ? render_rg(r) : NULL;
	sim_state_unlock();
	if (!out) {
		sim_arm_error(resp, 500, "InternalServerError", NULL, "Out of memory.");
		goto out;
	}
	sim_resp_json(resp, created ? 201 : 200, out);
	json_object_put(out);
out:
	json_object_put(body);
}

void sim_h_rg_get(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	struct json_object *out;
	struct sim_rg *r;

	if (sim_arm_check_scope(resp, req->params[0], req->params[1]))
		return;
	sim_state_lock();
	r = sim_state_rg(ctx->state, req->params[0], req->params[1]);
	out = r ? render_rg(r) : NULL;
	sim_state_unlock();
	if (!out) {
		sim_arm_error(resp, 404, "ResourceGroupNotFound", NULL,
			      "Resource group '%s' could not be found.", req->params[1]);
		return;
	}
	sim_resp_json(resp, 200, out);
	json_object_put(out);
}

void sim_h_rg_head(struct sim_req *req, struct sim_resp *resp)
{
	int found;

	sim_state_lock();
	found = sim_state_rg(sim_ctx()->state, req->params[0], req->params[1]) != NULL;
	sim_state_unlock();
	sim_resp_empty(resp, found ? 204 : 404);
}

/* Managed environment body; the caller puts it. */
static struct json_object *render_env(struct sim_env *e)
{
	struct json_object *o = json_object_new_object(), *p = NULL, *alc, *lac;
	char *id = sim_strdupf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.App/"
			       "managedEnvironments/%s", e->sub, e->rg, e->name);
	struct json_object *src = NULL;

	json_object_object_add(o, "id", json_object_new_string(id ? id : ""));
	free(id);
	json_object_object_add(o, "name", json_object_new_string(e->name));
	json_object_object_add(o, "type", json_object_new_string("Microsoft.App/managedEnvironments"));
	/* Microsoft.App shows the display name; resource groups the short one. */
	json_object_object_add(o, "location", json_object_new_string(
		sim_region_display(e->location) ? sim_region_display(e->location) : e->location));
	if (e->doc && json_object_object_get_ex(e->doc, "properties", &src) && src)
		json_object_deep_copy(src, &p, NULL);
	if (!p)
		p = json_object_new_object();
	json_object_object_add(p, "provisioningState",
			       json_object_new_string(sim_mono_ms() < e->ready_at_ms ? "InProgress"
										  : "Succeeded"));
	{
		char *dom = sim_strdupf("%s.%s.azurecontainerapps.io", e->name, e->location);
		json_object_object_add(p, "defaultDomain", json_object_new_string(dom ? dom : ""));
		free(dom);
	}
	json_object_object_add(p, "staticIp", json_object_new_string("20.42.0.20"));
	/* "none" keeps what the client sent (if anything) */
	if (e->log_dest != LA_DEST_NONE) {
		alc = json_object_new_object();
		json_object_object_add(alc, "destination",
				       json_object_new_string(la_dest_name(e->log_dest)));
		if (e->log_dest == LA_DEST_LOG_ANALYTICS) {
			lac = json_object_new_object();
			json_object_object_add(lac, "customerId",
					       json_object_new_string(e->workspace ? e->workspace : ""));
			json_object_object_add(alc, "logAnalyticsConfiguration", lac);
		}
		json_object_object_add(p, "appLogsConfiguration", alc);
	}
	json_object_object_add(o, "properties", p);
	return o;
}

void sim_h_env_put(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[0], *rg = req->params[1], *name = req->params[2];
	struct json_object *body = NULL, *out, *p, *alc = NULL, *lac, *wps;
	const char *loc, *ws = NULL;
	enum la_dest dest = LA_DEST_NONE;
	struct sim_env *e;
	struct sim_op *op;
	int created = 0;

	if (sim_arm_check_scope(resp, sub, rg))
		return;
	if (sim_arm_parse_body(req, resp, 0, &body))
		return;
	loc = jstr(body, "location");
	if (sim_arm_check_location(loc, "Microsoft.App/managedEnvironments", resp))
		goto out;
	if (json_object_object_get_ex(body, "properties", &p) &&
	    json_object_object_get_ex(p, "workloadProfiles", &wps) &&
	    sim_profiles_check_env(wps, resp))
		goto out;
	if (json_object_object_get_ex(body, "properties", &p) &&
	    json_object_object_get_ex(p, "appLogsConfiguration", &alc) &&
	    json_object_object_get_ex(alc, "logAnalyticsConfiguration", &lac))
		ws = jstr(lac, "customerId");
	/* No appLogsConfiguration: logs go nowhere (README, Known choices).
	 * azure-monitor stands for a diagnostic setting to the workspace
	 * customerId names, or to the first workspace. */
	if (alc && la_dest_parse(jstr(alc, "destination"), &dest)) {
		sim_arm_error(resp, 400, "InvalidParameterValue",
			      "properties.appLogsConfiguration.destination",
			      "Invalid value for appLogsConfiguration.destination: expected "
			      "'log-analytics', 'azure-monitor' or 'none'.");
		goto out;
	}
	if (ws && ctx->la && !la_store_has_workspace(ctx->la, ws)) {
		sim_arm_error(resp, 400, "ManagedEnvironmentInvalidLogAnalyticsCustomerId",
			      "properties.appLogsConfiguration.logAnalyticsConfiguration.customerId",
			      "The Log Analytics workspace with customer id '%s' was not found.", ws);
		goto out;
	}
	/* The shared key is write-only. */
	if (ws && lac)
		json_object_object_del(lac, "sharedKey");
	sim_state_lock();
	e = sim_state_env(ctx->state, sub, rg, name);
	if (!e) {
		e = sim_state_add_env(ctx->state, sub, rg, name, loc,
				      ws ? ws : ctx->cfg->nworkspaces ? ctx->cfg->workspaces[0] : NULL);
		created = 1;
	} else if (ws) {
		char *w = strdup(ws);
		if (w) {
			free(e->workspace);
			e->workspace = w;
		}
	}
	if (!e) {
		sim_state_unlock();
		sim_arm_error(resp, 500, "InternalServerError", NULL, "Out of memory.");
		goto out;
	}
	e->log_dest = dest;
	json_object_put(e->doc);
	e->doc = body;
	body = NULL;
	op = sim_lro_new(ctx->state, SIM_OP_ENV_PUT, name, sub, loc, -1);
	if (op)
		e->ready_at_ms = op->done_at_ms;
	out = render_env(e);
	if (op)
		sim_lro_headers(resp, op, sub, loc, sim_req_query(req, "api-version"), 1, 0);
	sim_state_unlock();
	sim_resp_json(resp, created ? 201 : 200, out);
	json_object_put(out);
out:
	json_object_put(body);
}

void sim_h_env_get(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	struct json_object *out;
	struct sim_env *e;

	if (sim_arm_check_scope(resp, req->params[0], req->params[1]))
		return;
	sim_state_lock();
	e = sim_state_env(ctx->state, req->params[0], req->params[1], req->params[2]);
	out = e ? render_env(e) : NULL;
	sim_state_unlock();
	if (!out) {
		sim_arm_error(resp, 404, "ResourceNotFound", NULL,
			      "The Resource 'Microsoft.App/managedEnvironments/%s' under resource group "
			      "'%s' was not found. For more details please go to "
			      "https://aka.ms/ARMResourceNotFoundFix",
			      req->params[2], req->params[1]);
		return;
	}
	sim_resp_json(resp, 200, out);
	json_object_put(out);
}
