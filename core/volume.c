/*
 * volume.c - volume records, their hooks, and the volumes of containers.
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
#include "core/daemon.h"
#include "core/events.h"
#include "core/filters.h"
#include "core/log.h"
#include "core/store.h"
#include "core/timeparse.h"
#include "core/volspec.h"
#include "core/volume.h"

#define KIND "volumes"

static pthread_mutex_t vol_lock = PTHREAD_MUTEX_INITIALIZER;
static struct json_object *vols;   /* name -> record; guarded by vol_lock */
static struct sl_store *vol_store;
static struct sl_events *vol_events;
static char vol_dir[1200];         /* where Mountpoints point */

static int load_one(const char *id, struct json_object *doc, void *arg)
{
	(void)arg;
	json_object_object_add(vols, id, json_object_get(doc));
	return 0;
}

int sl_vol_init(struct sl_store *store, struct sl_events *events,
	const char *backend_state_dir)
{
	vol_store = store;
	vol_events = events;
	snprintf(vol_dir, sizeof(vol_dir), "%s/volumes",
		backend_state_dir ? backend_state_dir : "");
	vols = json_object_new_object();
	if (!vols)
		return -ENOMEM;
	return sl_store_load(store, KIND, load_one, NULL, NULL);
}

void sl_vol_fini(void)
{
	json_object_put(vols);
	vols = NULL;
}

static void publish(const char *action, const char *name, const char *const *extra)
{
	const char *attrs[16] = {"driver", "local"};
	size_t n = 2;

	for (; extra && *extra && n < 14; extra += 2) {
		attrs[n++] = extra[0];
		attrs[n++] = extra[1];
	}
	attrs[n] = NULL;
	sl_events_publish(vol_events, "volume", action, name, attrs);
}

/* A JSON object of strings copied from o (NULL stays NULL). */
static struct json_object *str_map(struct json_object *o)
{
	struct json_object *m;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	m = json_object_new_object();
	json_object_object_foreach(o, k, v)
		json_object_object_add(m, k, json_object_new_string(
			json_object_is_type(v, json_type_string) ? json_object_get_string(v) : ""));
	return m;
}

/* "k=v" strings of a map, NULL-terminated; pointers into one malloc. */
static char **map_strv(struct json_object *m)
{
	size_t n = 0, bytes = 0;
	char **v, *p;

	if (m) {
		json_object_object_foreach(m, k, val) {
			n++;
			bytes += strlen(k) + strlen(json_object_get_string(val)) + 2;
		}
	}
	v = malloc((n + 1) * sizeof(*v) + bytes);
	if (!v)
		return NULL;
	p = (char *)(v + n + 1);
	n = 0;
	if (m) {
		json_object_object_foreach(m, k, val) {
			v[n++] = p;
			p += sprintf(p, "%s=%s", k, json_object_get_string(val)) + 1;
		}
	}
	v[n] = NULL;
	return v;
}

static int persist(const char *name, struct json_object *doc)
{
	size_t len;
	const char *s = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, &len);

	return sl_store_put(vol_store, KIND, name, s, len);
}

/* The record as answered: a deep copy (the table's stays private). */
static struct json_object *copy(struct json_object *doc)
{
	struct json_object *out = NULL;

	if (json_object_deep_copy(doc, &out, NULL) < 0)
		return NULL;
	return out;
}

int sl_vol_create(const char *name, const char *driver,
	struct json_object *labels, struct json_object *opts, int anonymous,
	struct sl_call *call, struct json_object **out)
{
	struct sl_volume_v1 v = {SL_HEADER(struct sl_volume_v1)};
	struct json_object *doc, *lab;
	char gen[65], err[512], mp[1500], when[SL_TIME_BUFLEN];
	char **lv = NULL, **ov = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!driver || !*driver)
		driver = "local";
	if (strcmp(driver, "local"))
		return sl_call_set_error(call, SL_ENOTFOUND,
			"error looking up volume plugin %s: plugin \"%s\" not found",
			driver, driver);
	if (!name || !*name) {
		sl_random_hex(gen, 32);
		name = gen;
		anonymous = 1;
	} else if (sl_volspec_valid_name(name, err, sizeof(err)) < 0) {
		return sl_call_set_error(call, SL_EINVAL, "create %s: %s", name, err);
	}
	pthread_mutex_lock(&vol_lock);
	if (json_object_object_get_ex(vols, name, &doc)) {
		/* dockerd answers the volume that exists. */
		if (out)
			*out = copy(doc);
		rc = SL_OK;
		goto out;
	}
	if (!sl_daemon.backend.volumes.create) {
		rc = sl_call_set_error(call, SL_ENOTSUP,
			"volume create is not supported by the %s backend",
			sl_daemon.backend.name);
		goto out;
	}
	lab = str_map(labels);
	if (anonymous) {
		if (!lab)
			lab = json_object_new_object();
		json_object_object_add(lab, SL_VOL_ANON_LABEL, json_object_new_string(""));
	}
	doc = json_object_new_object();
	sl_time_format_rfc3339nano(sl_time_now_ns() / 1000000000 * 1000000000, when);
	/* Seconds only, as dockerd's RFC 3339 CreatedAt. */
	when[19] = '\0';
	strcat(when, "Z");
	snprintf(mp, sizeof(mp), "%s/%s", vol_dir, name);
	json_object_object_add(doc, "CreatedAt", json_object_new_string(when));
	json_object_object_add(doc, "Driver", json_object_new_string(driver));
	json_object_object_add(doc, "Labels", lab);
	json_object_object_add(doc, "Mountpoint", json_object_new_string(mp));
	json_object_object_add(doc, "Name", json_object_new_string(name));
	json_object_object_add(doc, "Options", str_map(opts));
	json_object_object_add(doc, "Scope", json_object_new_string("local"));
	lv = map_strv(lab);
	ov = map_strv(json_object_object_get(doc, "Options"));
	if (!lv || !ov) {
		json_object_put(doc);
		rc = sl_call_set_error(call, SL_ENOMEM, "out of memory");
		goto out;
	}
	v.name = name;
	v.driver = driver;
	v.labels = (const char *const *)lv;
	v.driver_opts = (const char *const *)ov;
	rc = sl_daemon.backend.volumes.create(sl_daemon.backend.state, call, &v);
	if (rc == SL_OK && persist(name, doc) < 0) {
		if (sl_daemon.backend.volumes.remove)
			sl_daemon.backend.volumes.remove(sl_daemon.backend.state, call, name, 1);
		rc = sl_call_set_error(call, SL_EINTERNAL, "create %s: cannot write the record", name);
	}
	if (rc) {
		json_object_put(doc);
		goto out;
	}
	json_object_object_add(vols, name, doc);
	if (out)
		*out = copy(doc);
	publish("create", name, NULL);
out:
	pthread_mutex_unlock(&vol_lock);
	free(lv);
	free(ov);
	return rc;
}

struct json_object *sl_vol_get(const char *name)
{
	struct json_object *doc, *out = NULL;

	pthread_mutex_lock(&vol_lock);
	if (json_object_object_get_ex(vols, name, &doc))
		out = copy(doc);
	pthread_mutex_unlock(&vol_lock);
	return out;
}

/* ---- who uses what ---- */

/* The volume name of a "name:dst[:mode]" entry equals name. */
static int names_volume(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(entry, name, n) && entry[n] == ':';
}

struct users {
	const char *name;
	const char *except;       /* a container id to ignore, or NULL */
	struct json_object *ids;  /* array of container ids */
};

static int collect_user(struct sl_container *c, void *arg)
{
	struct users *u = arg;

	if (u->except && !strcmp(u->except, c->str[SL_CTR_ID]))
		return 0;
	for (char **v = c->list[SL_CTR_VOLUMES]; v && *v; v++)
		if (names_volume(*v, u->name)) {
			json_object_array_add(u->ids, json_object_new_string(c->str[SL_CTR_ID]));
			break;
		}
	return 0;
}

/* The ids of the containers using name (except one); owned by the caller. */
static struct json_object *users_of(const char *name, const char *except)
{
	struct users u = {name, except, json_object_new_array()};

	sl_ctrtab_foreach(collect_user, &u);
	return u.ids;
}

/* Removes with vol_lock held; the record must exist. */
static int remove_locked(const char *name, int force, struct sl_call *call)
{
	int rc = SL_OK;

	if (sl_daemon.backend.volumes.remove)
		rc = sl_daemon.backend.volumes.remove(sl_daemon.backend.state, call, name, force);
	if (rc)
		return rc;
	if (sl_store_delete(vol_store, KIND, name) < 0)
		return sl_call_set_error(call, SL_EINTERNAL, "remove %s: cannot delete the record", name);
	json_object_object_del(vols, name);
	publish("destroy", name, NULL);
	return SL_OK;
}

int sl_vol_remove(const char *name, int force, struct sl_call *call)
{
	struct json_object *ids;
	int rc;

	pthread_mutex_lock(&vol_lock);
	if (!json_object_object_get_ex(vols, name, NULL)) {
		pthread_mutex_unlock(&vol_lock);
		/* dockerd: a forced remove of a missing volume succeeds. */
		return force ? SL_OK : sl_call_set_error(call, SL_ENOTFOUND,
			"get %s: no such volume", name);
	}
	ids = users_of(name, NULL);
	if (json_object_array_length(ids)) {
		char refs[2048] = "";

		for (size_t i = 0; i < json_object_array_length(ids); i++) {
			if (i)
				strncat(refs, ", ", sizeof(refs) - strlen(refs) - 1);
			strncat(refs, json_object_get_string(json_object_array_get_idx(ids, i)),
				sizeof(refs) - strlen(refs) - 1);
		}
		rc = sl_call_set_error(call, SL_ECONFLICT,
			"remove %s: volume is in use - [%s]", name, refs);
	} else {
		rc = remove_locked(name, force, call);
	}
	pthread_mutex_unlock(&vol_lock);
	json_object_put(ids);
	return rc;
}

/* ---- list and prune ---- */

static int label_match(const struct sl_filters *f, const char *key, struct json_object *labels)
{
	const char *kv[64];
	size_t n = 0;
	struct sl_filters *one;
	int ok;

	if (labels && json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, k, v) {
			if (n + 2 >= sizeof(kv) / sizeof(kv[0]))
				break;
			kv[n++] = k;
			kv[n++] = json_object_get_string(v);
		}
	}
	kv[n] = NULL;
	if (!strcmp(key, "label"))
		return sl_filters_match_label(f, kv);
	/* label!: none of the given labels may match (dockerd's prune). */
	ok = 1;
	for (const char *const *v = sl_filters_get(f, key); *v && ok; v++) {
		one = sl_filters_new();
		if (!one)
			return 0;
		sl_filters_add(one, "label", *v);
		ok = !sl_filters_match_label(one, kv);
		sl_filters_free(one);
	}
	return ok;
}

/* Whether doc passes f; dangling is tri-state (-1: not asked). */
static int matches(const struct sl_filters *f, struct json_object *doc, int dangling)
{
	const char *name = json_object_get_string(json_object_object_get(doc, "Name"));
	struct json_object *labels = json_object_object_get(doc, "Labels");

	if (!sl_filters_regex_match(f, "name", name))
		return 0;
	if (!sl_filters_exact_match(f, "driver",
		    json_object_get_string(json_object_object_get(doc, "Driver"))))
		return 0;
	if (!label_match(f, "label", labels) || !label_match(f, "label!", labels))
		return 0;
	if (dangling >= 0) {
		struct json_object *ids = users_of(name, NULL);
		int unused = json_object_array_length(ids) == 0;

		json_object_put(ids);
		if (unused != dangling)
			return 0;
	}
	return 1;
}

static int dangling_of(const struct sl_filters *f, int *out)
{
	bool b;
	char err[128];

	*out = -1;
	if (!sl_filters_has_key(f, "dangling"))
		return 0;
	if (sl_filters_get_bool(f, "dangling", false, &b, err, sizeof(err)) < 0)
		return -1;
	*out = b;
	return 0;
}

struct json_object *sl_vol_list(const struct sl_filters *f)
{
	struct json_object *a = json_object_new_array();
	int dangling;

	if (dangling_of(f, &dangling) < 0)
		dangling = -1;
	pthread_mutex_lock(&vol_lock);
	json_object_object_foreach(vols, name, doc) {
		(void)name;
		if (matches(f, doc, dangling))
			json_object_array_add(a, copy(doc));
	}
	pthread_mutex_unlock(&vol_lock);
	return a;
}

int sl_vol_prune(const struct sl_filters *f, int all, struct json_object *deleted)
{
	struct json_object *names = json_object_new_array();

	pthread_mutex_lock(&vol_lock);
	json_object_object_foreach(vols, name, doc) {
		struct json_object *labels = json_object_object_get(doc, "Labels");

		if (!all && !json_object_object_get_ex(labels, SL_VOL_ANON_LABEL, NULL))
			continue;
		if (matches(f, doc, 1))
			json_object_array_add(names, json_object_new_string(name));
	}
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *nm = json_object_get_string(json_object_array_get_idx(names, i));
		struct sl_call call;

		sl_call_begin(&call);
		if (remove_locked(nm, 0, &call) == SL_OK)
			json_object_array_add(deleted, json_object_new_string(nm));
		else
			sl_warn("volume prune: %s: %s", nm, sl_call_message(&call, call.status));
		sl_call_end(&call);
	}
	pthread_mutex_unlock(&vol_lock);
	json_object_put(names);
	if (sl_daemon.backend.volumes.prune) {
		struct sl_call call;
		int rc;

		sl_call_begin(&call);
		rc = sl_daemon.backend.volumes.prune(sl_daemon.backend.state, &call);
		if (rc)
			sl_warn("volume prune: backend: %s", sl_call_message(&call, rc));
		sl_call_end(&call);
	}
	return SL_OK;
}
