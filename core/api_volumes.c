/*
 * api_volumes.c - /volumes: create, list, inspect, remove, prune.
 */
#include "config.h"

#include <string.h>

#include "core/api.h"
#include "core/api_ctr.h"
#include "core/call.h"
#include "core/filters.h"
#include "core/volume.h"

/* A string member of o, or NULL. */
static const char *str_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

enum MHD_Result sl_api_vol_create(struct sl_req *r)
{
	struct json_object *body = sl_http_body_json(r), *doc = NULL, *labels, *opts;
	struct sl_call call;
	enum MHD_Result ret;
	int rc;

	if (!body)
		return MHD_YES;
	json_object_object_get_ex(body, "Labels", &labels);
	json_object_object_get_ex(body, "DriverOpts", &opts);
	sl_call_begin(&call);
	rc = sl_vol_create(str_member(body, "Name"), str_member(body, "Driver"),
		labels, opts, 0, &call, &doc);
	ret = rc ? sl_api_hook_error(r, &call, rc, NULL) : sl_http_json(r, 201, doc);
	sl_call_end(&call);
	json_object_put(doc);
	json_object_put(body);
	return ret;
}

int sl_api_filters(struct sl_req *r, const char *const *keys,
	struct sl_filters **f, enum MHD_Result *ret)
{
	const char *fs = sl_http_query(r, "filters");
	char err[256];

	*f = NULL;
	if (!fs || !*fs)
		return 0;
	if (sl_filters_parse(fs, f, err, sizeof(err)) < 0 ||
	    sl_filters_validate_keys(*f, keys, err, sizeof(err)) < 0) {
		sl_filters_free(*f);
		*f = NULL;
		*ret = sl_http_error(r, 400, "%s", err);
		return -1;
	}
	return 0;
}

/* sl_api_filters, then the boolean filters volumes take. */
static int parse_filters(struct sl_req *r, const char *const *keys,
	struct sl_filters **f, enum MHD_Result *ret)
{
	char err[256];
	bool b;

	if (sl_api_filters(r, keys, f, ret) < 0)
		return -1;
	if (sl_filters_get_bool(*f, "dangling", false, &b, err, sizeof(err)) < 0 ||
	    sl_filters_get_bool(*f, "all", false, &b, err, sizeof(err)) < 0) {
		sl_filters_free(*f);
		*f = NULL;
		*ret = sl_http_error(r, 400, "%s", err);
		return -1;
	}
	return 0;
}

enum MHD_Result sl_api_vol_list(struct sl_req *r)
{
	static const char *const keys[] = {"name", "driver", "label", "dangling", NULL};
	struct sl_filters *f;
	struct json_object *o;
	enum MHD_Result ret;

	if (parse_filters(r, keys, &f, &ret) < 0)
		return ret;
	o = json_object_new_object();
	json_object_object_add(o, "Volumes", sl_vol_list(f));
	json_object_object_add(o, "Warnings", NULL);
	ret = sl_http_json(r, 200, o);
	json_object_put(o);
	sl_filters_free(f);
	return ret;
}

enum MHD_Result sl_api_vol_inspect(struct sl_req *r)
{
	struct json_object *doc = sl_vol_get(r->params[0]);
	enum MHD_Result ret;

	if (!doc)
		return sl_http_error(r, 404, "get %s: no such volume", r->params[0]);
	ret = sl_http_json(r, 200, doc);
	json_object_put(doc);
	return ret;
}

enum MHD_Result sl_api_vol_remove(struct sl_req *r)
{
	struct sl_call call;
	enum MHD_Result ret;
	int rc;

	sl_call_begin(&call);
	rc = sl_vol_remove(r->params[0], sl_http_query_bool(r, "force", 0), &call);
	ret = rc ? sl_api_hook_error(r, &call, rc, NULL) : sl_http_empty(r, 204);
	sl_call_end(&call);
	return ret;
}

enum MHD_Result sl_api_vol_prune(struct sl_req *r)
{
	static const char *const keys[] = {"label", "label!", "all", NULL};
	struct json_object *o, *deleted = json_object_new_array();
	struct sl_filters *f;
	enum MHD_Result ret;
	bool all;
	char err[128];

	if (parse_filters(r, keys, &f, &ret) < 0) {
		json_object_put(deleted);
		return ret;
	}
	/* Before API 1.42 prune took named volumes too. */
	sl_filters_get_bool(f, "all", !sl_http_api_at_least(r, 1, 42), &all, err, sizeof(err));
	sl_vol_prune(f, all, deleted);
	o = json_object_new_object();
	json_object_object_add(o, "VolumesDeleted", deleted);
	json_object_object_add(o, "SpaceReclaimed", json_object_new_int(0));
	ret = sl_http_json(r, 200, o);
	json_object_put(o);
	sl_filters_free(f);
	return ret;
}
