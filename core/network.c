/*
 * network.c - network records and the attachments of containers.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api_ctr.h"
#include "core/call.h"
#include "core/ctrtab.h"
#include "core/events.h"
#include "core/filters.h"
#include "core/log.h"
#include "core/network.h"
#include "core/network_int.h"
#include "core/store.h"
#include "core/timeparse.h"

#define KIND "networks"

static pthread_mutex_t net_lock = PTHREAD_MUTEX_INITIALIZER;
static struct json_object *nets;   /* id -> record; guarded by net_lock */
static struct sl_store *net_store;
static struct sl_events *net_events;

const char *sl_net_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int sl_net_predefined(const char *name)
{
	return !strcmp(name, "bridge") || !strcmp(name, "host") ||
		!strcmp(name, "none") || !strcmp(name, "default");
}

int sl_net_persist(const char *id, struct json_object *doc)
{
	size_t len;
	const char *s = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, &len);

	return sl_store_put(net_store, KIND, id, s, len);
}

void sl_net_publish(const char *action, struct json_object *doc, const char *ctr_id)
{
	const char *attrs[] = {"name", sl_net_str(doc, "Name"), "type", sl_net_str(doc, "Driver"),
		ctr_id ? "container" : NULL, ctr_id, NULL};

	sl_events_publish(net_events, "network", action, sl_net_str(doc, "Id"), attrs);
}

/* With net_lock held: the record for ref (id, name, unique id prefix;
 * "default" is the bridge, as for dockerd on Linux), borrowed, or NULL. */
struct json_object *sl_net_find_locked(const char *ref)
{
	struct json_object *doc, *hit = NULL;
	size_t n = strlen(ref), hits = 0;

	if (!*ref)
		return NULL;
	if (!strcmp(ref, "default"))
		ref = "bridge";
	if (json_object_object_get_ex(nets, ref, &doc))
		return doc;
	json_object_object_foreach(nets, id, d) {
		if (!strcmp(sl_net_str(d, "Name"), ref))
			return d;
		if (!strncmp(id, ref, n)) {
			hit = d;
			hits++;
		}
	}
	return hits == 1 ? hit : NULL;
}

/* A fresh record with dockerd's members. */
static struct json_object *new_record(const char *name, const char *driver,
	int internal, int attachable, int ipv6, struct json_object *labels,
	struct json_object *options, struct json_object *ipam)
{
	struct json_object *doc = json_object_new_object(), *cf, *ip = NULL;
	char id[65], when[SL_TIME_BUFLEN];

	sl_random_hex(id, 32);
	sl_time_format_rfc3339nano(sl_time_now_ns(), when);
	json_object_object_add(doc, "Name", json_object_new_string(name));
	json_object_object_add(doc, "Id", json_object_new_string(id));
	json_object_object_add(doc, "Created", json_object_new_string(when));
	json_object_object_add(doc, "Scope", json_object_new_string("local"));
	json_object_object_add(doc, "Driver", json_object_new_string(driver));
	json_object_object_add(doc, "EnableIPv4", json_object_new_boolean(1));
	json_object_object_add(doc, "EnableIPv6", json_object_new_boolean(ipv6));
	if (ipam && json_object_is_type(ipam, json_type_object))
		json_object_deep_copy(ipam, &ip, NULL);
	if (!ip) {
		ip = json_object_new_object();
		json_object_object_add(ip, "Driver", json_object_new_string("default"));
		json_object_object_add(ip, "Options", NULL);
		json_object_object_add(ip, "Config", json_object_new_array());
	}
	if (!json_object_object_get_ex(ip, "Driver", NULL) || !sl_net_str(ip, "Driver") ||
	    !*sl_net_str(ip, "Driver"))
		json_object_object_add(ip, "Driver", json_object_new_string("default"));
	json_object_object_add(doc, "IPAM", ip);
	json_object_object_add(doc, "Internal", json_object_new_boolean(internal));
	json_object_object_add(doc, "Attachable", json_object_new_boolean(attachable));
	json_object_object_add(doc, "Ingress", json_object_new_boolean(0));
	cf = json_object_new_object();
	json_object_object_add(cf, "Network", json_object_new_string(""));
	json_object_object_add(doc, "ConfigFrom", cf);
	json_object_object_add(doc, "ConfigOnly", json_object_new_boolean(0));
	json_object_object_add(doc, "Containers", json_object_new_object());
	json_object_object_add(doc, "Options", options && json_object_is_type(options, json_type_object) ?
		json_object_get(options) : json_object_new_object());
	json_object_object_add(doc, "Labels", labels && json_object_is_type(labels, json_type_object) ?
		json_object_get(labels) : json_object_new_object());
	return doc;
}

/* With net_lock held: forgets attachments of containers that are gone
 * without the core removing them (a backend's own AutoRemove, a crash
 * between the two writes), so they block nothing.  Persists a change. */
static void drop_ghosts_locked(struct json_object *doc)
{
	struct json_object *ctrs = json_object_object_get(doc, "Containers"), *gone;

	if (!ctrs || !json_object_is_type(ctrs, json_type_object))
		return;
	gone = json_object_new_array();
	json_object_object_foreach(ctrs, cid, ep) {
		int ambiguous;
		struct sl_container *c = sl_ctrtab_find(cid, &ambiguous);

		(void)ep;
		if (c)
			sl_ctr_unref(c);
		else
			json_object_array_add(gone, json_object_new_string(cid));
	}
	for (size_t i = 0; i < json_object_array_length(gone); i++)
		json_object_object_del(ctrs, json_object_get_string(json_object_array_get_idx(gone, i)));
	if (json_object_array_length(gone) && sl_net_persist(sl_net_str(doc, "Id"), doc) < 0)
		sl_warn("network %s: cannot write the record", sl_net_str(doc, "Name"));
	json_object_put(gone);
}

static int load_one(const char *id, struct json_object *doc, void *arg)
{
	(void)arg;
	json_object_object_add(nets, id, json_object_get(doc));
	return 0;
}

int sl_net_init(struct sl_store *store, struct sl_events *events)
{
	static const char *const predefined[][2] = {
		{"bridge", "bridge"}, {"host", "host"}, {"none", "null"},
	};
	int rc;

	net_store = store;
	net_events = events;
	nets = json_object_new_object();
	if (!nets)
		return -ENOMEM;
	rc = sl_store_load(store, KIND, load_one, NULL, NULL);
	if (rc < 0)
		return rc;
	{
		json_object_object_foreach(nets, id, doc) {
			(void)id;
			drop_ghosts_locked(doc);
		}
	}
	for (size_t i = 0; i < 3; i++) {
		struct json_object *doc, *opts = NULL;

		if (sl_net_find_locked(predefined[i][0]))
			continue;
		if (!strcmp(predefined[i][0], "bridge")) {
			/* What dockerd's default bridge carries. */
			opts = json_object_new_object();
			json_object_object_add(opts, "com.docker.network.bridge.default_bridge",
				json_object_new_string("true"));
			json_object_object_add(opts, "com.docker.network.bridge.name",
				json_object_new_string("docker0"));
		}
		doc = new_record(predefined[i][0], predefined[i][1], 0, 0, 0, NULL, opts, NULL);
		json_object_put(opts);
		rc = sl_net_persist(sl_net_str(doc, "Id"), doc);
		if (rc < 0) {
			json_object_put(doc);
			return rc;
		}
		json_object_object_add(nets, sl_net_str(doc, "Id"), doc);
	}
	return 0;
}

void sl_net_fini(void)
{
	json_object_put(nets);
	nets = NULL;
}

static int get_bool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

int sl_net_create(struct json_object *body, struct sl_call *call, char *id)
{
	const char *name = sl_net_str(body, "Name"), *driver = sl_net_str(body, "Driver");
	struct json_object *doc;
	int rc;

	if (!name || !*name)
		return sl_call_set_error(call, SL_EINVAL, "network name must not be empty");
	if (!driver || !*driver)
		driver = "bridge";
	if (!strcmp(driver, "host") || !strcmp(driver, "null"))
		return sl_call_set_error(call, SL_EPERM,
			"only one instance of \"%s\" network is allowed", driver);
	if (strcmp(driver, "bridge") && strcmp(driver, "macvlan") && strcmp(driver, "ipvlan"))
		return sl_call_set_error(call, SL_ENOTFOUND,
			"plugin \"%s\" not found", driver);
	sl_net_lock();
	json_object_object_foreach(nets, k, d) {
		(void)k;
		if (!strcmp(sl_net_str(d, "Name"), name)) {
			sl_net_unlock();
			return sl_call_set_error(call, SL_ECONFLICT,
				"network with name %s already exists", name);
		}
	}
	doc = new_record(name, driver, get_bool(body, "Internal"), get_bool(body, "Attachable"),
		get_bool(body, "EnableIPv6"), json_object_object_get(body, "Labels"),
		json_object_object_get(body, "Options"), json_object_object_get(body, "IPAM"));
	rc = sl_net_persist(sl_net_str(doc, "Id"), doc);
	if (rc < 0) {
		json_object_put(doc);
		sl_net_unlock();
		return sl_call_set_error(call, SL_EINTERNAL, "cannot write the network record");
	}
	snprintf(id, 65, "%s", sl_net_str(doc, "Id"));
	json_object_object_add(nets, id, doc);
	sl_net_publish("create", doc, NULL);
	sl_net_unlock();
	return SL_OK;
}

/* The record as the API shows it: Containers without the aliases. */
static struct json_object *render(struct json_object *doc)
{
	struct json_object *out = NULL, *ctrs;

	if (json_object_deep_copy(doc, &out, NULL) < 0)
		return NULL;
	if (json_object_object_get_ex(out, "Containers", &ctrs)) {
		json_object_object_foreach(ctrs, cid, ep) {
			int ambiguous;
			struct sl_container *c = sl_ctrtab_find(cid, &ambiguous);

			json_object_object_del(ep, "Aliases");
			/* The name of now (rename). */
			if (c) {
				json_object_object_add(ep, "Name",
					json_object_new_string(c->str[SL_CTR_NAME]));
				sl_ctr_unref(c);
			}
		}
	}
	return out;
}

struct json_object *sl_net_get(const char *ref)
{
	struct json_object *doc, *out = NULL;

	sl_net_lock();
	doc = sl_net_find_locked(ref);
	if (doc)
		out = render(doc);
	sl_net_unlock();
	return out;
}

int sl_net_remove(const char *ref, struct sl_call *call)
{
	struct json_object *doc, *ctrs;
	char eps[2048] = "", id[65];
	int rc = SL_OK;

	sl_net_lock();
	doc = sl_net_find_locked(ref);
	if (!doc) {
		rc = sl_call_set_error(call, SL_ENOTFOUND, "network %s not found", ref);
		goto out;
	}
	if (sl_net_predefined(sl_net_str(doc, "Name"))) {
		rc = sl_call_set_error(call, SL_EPERM,
			"%s is a pre-defined network and cannot be removed", sl_net_str(doc, "Name"));
		goto out;
	}
	drop_ghosts_locked(doc);
	if (json_object_object_get_ex(doc, "Containers", &ctrs) &&
	    json_object_object_length(ctrs)) {
		json_object_object_foreach(ctrs, cid, ep) {
			(void)cid;
			snprintf(eps + strlen(eps), sizeof(eps) - strlen(eps),
				"%sname:\"%s\" id:\"%.12s\"", eps[0] ? ", " : "",
				sl_net_str(ep, "Name"), sl_net_str(ep, "EndpointID"));
		}
		/* dockerd's ActiveEndpointsError is a Forbidden (403). */
		rc = sl_call_set_error(call, SL_EPERM,
			"error while removing network: network %s has active endpoints (%s)",
			sl_net_str(doc, "Name"), eps);
		goto out;
	}
	snprintf(id, sizeof(id), "%s", sl_net_str(doc, "Id"));
	if (sl_store_delete(net_store, KIND, id) < 0) {
		rc = sl_call_set_error(call, SL_EINTERNAL, "cannot delete the network record");
		goto out;
	}
	sl_net_publish("destroy", doc, NULL);
	json_object_object_del(nets, id);
out:
	sl_net_unlock();
	return rc;
}

/* Label pairs of a record, for the filters module; kv has room for 64. */
static void label_pairs(struct json_object *doc, const char **kv)
{
	struct json_object *labels;
	size_t n = 0;

	if (json_object_object_get_ex(doc, "Labels", &labels) &&
	    json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, k, v) {
			if (n + 2 >= 64)
				break;
			kv[n++] = k;
			kv[n++] = json_object_get_string(v);
		}
	}
	kv[n] = NULL;
}

int sl_net_list(const struct sl_filters *f, struct json_object **out,
	char *err, size_t errlen)
{
	bool dangling = false;
	int want_dangling = sl_filters_has_key(f, "dangling");

	if (want_dangling && sl_filters_get_bool(f, "dangling", false, &dangling, err, errlen) < 0)
		return -EINVAL;
	for (const char *const *t = sl_filters_get(f, "type"); *t; t++)
		if (strcmp(*t, "custom") && strcmp(*t, "builtin")) {
			snprintf(err, errlen, "invalid filter: 'type'='%s'", *t);
			return -EINVAL;
		}
	*out = json_object_new_array();
	sl_net_lock();
	json_object_object_foreach(nets, id, doc) {
		const char *name = sl_net_str(doc, "Name"), *kv[64];
		int builtin = sl_net_predefined(name);
		int unused = !json_object_object_length(json_object_object_get(doc, "Containers"));

		label_pairs(doc, kv);
		if (!sl_filters_regex_match(f, "name", name) ||
		    !sl_filters_regex_match(f, "id", id) ||
		    !sl_filters_exact_match(f, "driver", sl_net_str(doc, "Driver")) ||
		    !sl_filters_exact_match(f, "scope", "local") ||
		    !sl_filters_exact_match(f, "type", builtin ? "builtin" : "custom") ||
		    !sl_filters_match_label(f, kv) ||
		    (want_dangling && (builtin || !unused) == dangling))
			continue;
		json_object_array_add(*out, render(doc));
	}
	sl_net_unlock();
	return 0;
}

int sl_net_prune(const struct sl_filters *f, struct json_object *deleted)
{
	struct json_object *ids = json_object_new_array();
	int64_t until = 0, now = sl_time_now_ns();
	const char *const *u = sl_filters_get(f, "until");

	if (*u)
		sl_time_parse_docker(*u, now, &until);
	sl_net_lock();
	json_object_object_foreach(nets, id, doc) {
		const char *kv[64];
		int64_t created = 0;
		int excluded = 0;

		drop_ghosts_locked(doc);
		if (sl_net_predefined(sl_net_str(doc, "Name")) ||
		    json_object_object_length(json_object_object_get(doc, "Containers")))
			continue;
		label_pairs(doc, kv);
		if (!sl_filters_match_label(f, kv))
			continue;
		for (const char *const *v = sl_filters_get(f, "label!"); *v && !excluded; v++) {
			struct sl_filters *one = sl_filters_new();

			if (!one)
				break;
			sl_filters_add(one, "label", *v);
			excluded = sl_filters_match_label(one, kv);
			sl_filters_free(one);
		}
		if (excluded)
			continue;
		if (until) {
			sl_time_parse_docker(sl_net_str(doc, "Created"), now, &created);
			if (created > until)
				continue;
		}
		json_object_array_add(ids, json_object_new_string(id));
	}
	for (size_t i = 0; i < json_object_array_length(ids); i++) {
		const char *nid = json_object_get_string(json_object_array_get_idx(ids, i));
		struct json_object *nd = json_object_object_get(nets, nid);

		if (sl_store_delete(net_store, KIND, nid) < 0)
			continue;
		json_object_array_add(deleted, json_object_new_string(sl_net_str(nd, "Name")));
		sl_net_publish("destroy", nd, NULL);
		json_object_object_del(nets, nid);
	}
	sl_net_unlock();
	json_object_put(ids);
	return SL_OK;
}

void sl_net_lock(void)
{
	pthread_mutex_lock(&net_lock);
}

void sl_net_unlock(void)
{
	pthread_mutex_unlock(&net_lock);
}

struct json_object *sl_net_table_locked(void)
{
	return nets;
}
