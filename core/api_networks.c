/*
 * api_networks.c - /networks: create, list, inspect, remove, prune,
 * connect and disconnect (records: see network.h).
 */
#include "config.h"

#include <string.h>

#include "core/api.h"
#include "core/api_ctr.h"
#include "core/call.h"
#include "core/ctrtab.h"
#include "core/filters.h"
#include "core/network.h"

/* Answers a failed sl_net_* call. */
static enum MHD_Result fail(struct sl_req *r, struct sl_call *call, int rc)
{
	enum MHD_Result ret = sl_api_hook_error(r, call, rc, NULL);

	sl_call_end(call);
	return ret;
}

enum MHD_Result sl_api_net_create(struct sl_req *r)
{
	struct json_object *body = sl_http_body_json(r), *o;
	struct sl_call call;
	enum MHD_Result ret;
	char id[65];
	int rc;

	if (!body)
		return MHD_YES;
	sl_call_begin(&call);
	rc = sl_net_create(body, &call, id);
	json_object_put(body);
	if (rc)
		return fail(r, &call, rc);
	sl_call_end(&call);
	o = json_object_new_object();
	json_object_object_add(o, "Id", json_object_new_string(id));
	json_object_object_add(o, "Warning", json_object_new_string(""));
	ret = sl_http_json(r, 201, o);
	json_object_put(o);
	return ret;
}

enum MHD_Result sl_api_net_list(struct sl_req *r)
{
	static const char *const keys[] = {"name", "id", "driver", "label", "type",
		"scope", "dangling", NULL};
	struct sl_filters *f;
	struct json_object *a = NULL;
	enum MHD_Result ret;
	char err[256];

	if (sl_api_filters(r, keys, &f, &ret) < 0)
		return ret;
	if (sl_net_list(f, &a, err, sizeof(err)) < 0)
		ret = sl_http_error(r, 400, "%s", err);
	else
		ret = sl_http_json(r, 200, a);
	json_object_put(a);
	sl_filters_free(f);
	return ret;
}

enum MHD_Result sl_api_net_inspect(struct sl_req *r)
{
	struct json_object *doc = sl_net_get(r->params[0]);
	enum MHD_Result ret;

	if (!doc)
		return sl_http_error(r, 404, "network %s not found", r->params[0]);
	ret = sl_http_json(r, 200, doc);
	json_object_put(doc);
	return ret;
}

enum MHD_Result sl_api_net_remove(struct sl_req *r)
{
	struct sl_call call;
	int rc;

	sl_call_begin(&call);
	rc = sl_net_remove(r->params[0], &call);
	if (rc)
		return fail(r, &call, rc);
	sl_call_end(&call);
	return sl_http_empty(r, 204);
}

enum MHD_Result sl_api_net_prune(struct sl_req *r)
{
	static const char *const keys[] = {"label", "label!", "until", NULL};
	struct json_object *o, *deleted = json_object_new_array();
	struct sl_filters *f;
	enum MHD_Result ret;

	if (sl_api_filters(r, keys, &f, &ret) < 0) {
		json_object_put(deleted);
		return ret;
	}
	sl_net_prune(f, deleted);
	o = json_object_new_object();
	json_object_object_add(o, "NetworksDeleted", deleted);
	ret = sl_http_json(r, 200, o);
	json_object_put(o);
	sl_filters_free(f);
	return ret;
}

/* connect and disconnect: the body names the container. */
static enum MHD_Result attach(struct sl_req *r, int connect)
{
	struct json_object *body = sl_http_body_json(r), *v, *ec;
	struct sl_container *c = NULL;
	struct sl_call call;
	const char *ref;
	enum MHD_Result ret;
	int ambiguous = 0, rc;

	if (!body)
		return MHD_YES;
	ref = json_object_object_get_ex(body, "Container", &v) ?
		json_object_get_string(v) : NULL;
	if (ref && *ref)
		c = sl_ctrtab_find(ref, &ambiguous);
	if (!c) {
		ret = sl_http_error(r, ambiguous ? 400 : 404, ambiguous ?
			"multiple IDs found with provided prefix: %s" : "No such container: %s",
			ref ? ref : "");
		json_object_put(body);
		return ret;
	}
	sl_call_begin(&call);
	if (connect) {
		ec = json_object_object_get(body, "EndpointConfig");
		rc = sl_net_connect(r->params[0], c, json_object_object_get(ec, "Aliases"), &call);
	} else {
		rc = sl_net_disconnect(r->params[0], c, &call);
	}
	json_object_put(body);
	sl_ctr_unref(c);
	if (rc)
		return fail(r, &call, rc);
	sl_call_end(&call);
	return sl_http_empty(r, 200);
}

enum MHD_Result sl_api_net_connect(struct sl_req *r)
{
	return attach(r, 1);
}

enum MHD_Result sl_api_net_disconnect(struct sl_req *r)
{
	return attach(r, 0);
}
