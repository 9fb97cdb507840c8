/*
 * api_imgmanage.c - the image endpoints over the records: list, history,
 * tag, remove, prune (dockerd's daemon/images: image_list.go,
 * image_history.go, image_tag.go, image_delete.go, image_prune.go).
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/api.h"
#include "core/container.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/events.h"
#include "core/filters.h"
#include "core/image.h"
#include "core/imageref.h"
#include "core/timeparse.h"

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		json_object_get_string(v) : "";
}

static struct json_object *arr_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array) ?
		v : NULL;
}

static size_t arr_len(struct json_object *o, const char *key)
{
	struct json_object *a = arr_of(o, key);

	return a ? json_object_array_length(a) : 0;
}

static int64_t created_s(struct json_object *rec)
{
	int64_t ns = 0;

	if (sl_time_parse_docker(str_of(rec, "Created"), 0, &ns) < 0)
		return 0;
	return ns / 1000000000;
}

/* rec's config labels as a flat k, v, ..., NULL list (malloc'd). */
static const char **labels_kv(struct json_object *rec)
{
	struct json_object *cfg, *l;
	const char **kv;
	size_t n = 0;

	if (!json_object_object_get_ex(rec, "Config", &cfg) ||
	    !json_object_object_get_ex(cfg, "Labels", &l) || !json_object_is_type(l, json_type_object))
		return calloc(1, sizeof(char *));
	kv = calloc(2 * (size_t)json_object_object_length(l) + 1, sizeof(char *));
	if (!kv)
		return NULL;
	json_object_object_foreach(l, k, v) {
		kv[n++] = k;
		kv[n++] = json_object_get_string(v);
	}
	return kv;
}

/* Whether canonical ref canon matches one of the reference filter's
 * patterns (dockerd: reference.FamiliarMatch on the familiar string or
 * the familiar name). */
static int ref_matches(const char *canon, const char *const *pats)
{
	char *fam = sl_image_familiar(canon), *name = sl_imageref_familiar_name(canon);
	int hit = 0;

	for (size_t p = 0; pats[p] && !hit; p++)
		hit = (fam && !fnmatch(pats[p], fam, FNM_PATHNAME)) ||
		      (name && !fnmatch(pats[p], name, FNM_PATHNAME));
	free(fam);
	free(name);
	return hit;
}

/* rec[key] shown familiar; with pats, only the refs that match them. */
static struct json_object *familiar_list_matching(struct json_object *rec, const char *key,
						  const char *const *pats)
{
	struct json_object *a = arr_of(rec, key), *out = json_object_new_array();
	size_t n = a ? json_object_array_length(a) : 0;

	for (size_t i = 0; out && i < n; i++) {
		const char *canon = json_object_get_string(json_object_array_get_idx(a, i));
		char *f;

		if (pats && !ref_matches(canon, pats))
			continue;
		if ((f = sl_image_familiar(canon)))
			json_object_array_add(out, json_object_new_string(f));
		free(f);
	}
	return out;
}

static struct json_object *familiar_list(struct json_object *rec, const char *key)
{
	return familiar_list_matching(rec, key, NULL);
}

/* The created time bound given by a before/since filter's image. */
static int bound_of(struct sl_req *r, const struct sl_filters *f, const char *key,
		    int64_t *out, enum MHD_Result *ret)
{
	const char *const *v = sl_filters_get(f, key);
	struct json_object *img;

	*out = -1;
	if (!v || !v[0])
		return 0;
	img = sl_image_find(v[0]);
	if (!img) {
		*ret = sl_http_error(r, 404, "No such image: %s", v[0]);
		return -1;
	}
	*out = created_s(img);
	json_object_put(img);
	return 0;
}

/* GET /images/json */
/* The list's entry for rec (docker images), taking tags and digests. */
static struct json_object *summary(struct sl_req *r, struct json_object *rec,
				   struct json_object *tags, struct json_object *digests)
{
	struct json_object *e = json_object_new_object(), *cfg, *l, *sz;

	json_object_object_add(e, "Containers", json_object_new_int(-1));
	json_object_object_add(e, "Created", json_object_new_int64(created_s(rec)));
	json_object_object_add(e, "Id", json_object_new_string(str_of(rec, "Id")));
	if (json_object_object_get_ex(rec, "Config", &cfg) &&
	    json_object_object_get_ex(cfg, "Labels", &l) && l)
		json_object_object_add(e, "Labels", json_object_get(l));
	else
		json_object_object_add(e, "Labels", json_object_new_object());
	json_object_object_add(e, "ParentId", json_object_new_string(""));
	json_object_object_add(e, "RepoDigests", digests);
	json_object_object_add(e, "RepoTags", tags);
	json_object_object_add(e, "SharedSize", json_object_new_int(-1));
	json_object_object_get_ex(rec, "Size", &sz);
	json_object_object_add(e, "Size", json_object_get(sz));
	if (!sl_http_api_at_least(r, 1, 44))
		json_object_object_add(e, "VirtualSize", json_object_get(sz));
	return e;
}

struct json_object *sl_api_image_summaries(struct sl_req *r)
{
	struct json_object *all = sl_image_all(), *out = json_object_new_array();
	size_t n;

	if (!all || !out) {
		json_object_put(all);
		json_object_put(out);
		return NULL;
	}
	n = json_object_array_length(all);
	for (size_t i = 0; i < n; i++) {
		struct json_object *rec = json_object_array_get_idx(all, i);

		json_object_array_add(out, summary(r, rec, familiar_list(rec, "RepoTags"),
						   familiar_list(rec, "RepoDigests")));
	}
	json_object_put(all);
	return out;
}

enum MHD_Result sl_api_image_list(struct sl_req *r)
{
	static const char *const keys[] = {"reference", "dangling", "label", "before", "since",
		"until", NULL};
	const char *fs = sl_http_query(r, "filters");
	struct sl_filters *f = NULL;
	struct json_object *all = NULL, *out = NULL;
	enum MHD_Result ret;
	int64_t before, since;
	bool dangling = false;
	const char *const *refs;
	char err[256];
	size_t n;

	if (fs && *fs && (sl_filters_parse(fs, &f, err, sizeof(err)) < 0 ||
			  sl_filters_validate_keys(f, keys, err, sizeof(err)) < 0)) {
		sl_filters_free(f);
		return sl_http_error(r, 400, "%s", err);
	}
	/* With a reference filter, only the matching tags are listed. */
	refs = sl_filters_get(f, "reference");
	if (refs && !refs[0])
		refs = NULL;
	if (sl_filters_get_bool(f, "dangling", false, &dangling, err, sizeof(err)) < 0) {
		ret = sl_http_error(r, 400, "%s", err);
		goto out;
	}
	if (bound_of(r, f, "before", &before, &ret) < 0 || bound_of(r, f, "since", &since, &ret) < 0)
		goto out;
	all = sl_image_all();
	out = json_object_new_array();
	if (!all || !out) {
		ret = sl_http_error(r, 500, "out of memory");
		goto out;
	}
	n = json_object_array_length(all);
	for (size_t i = 0; i < n; i++) {
		struct json_object *rec = json_object_array_get_idx(all, i), *e, *tags;
		const char **kv;
		int64_t c = created_s(rec);
		int ok;

		if (sl_filters_has_key(f, "dangling") && (arr_len(rec, "RepoTags") == 0) != dangling)
			continue;
		if ((before >= 0 && c >= before) || (since >= 0 && c <= since))
			continue;
		kv = labels_kv(rec);
		ok = kv && sl_filters_match_label(f, kv);
		free(kv);
		if (!ok)
			continue;
		tags = familiar_list_matching(rec, "RepoTags", refs);
		if (refs && json_object_array_length(tags) == 0) {
			json_object_put(tags);
			continue;
		}
		e = summary(r, rec, tags, familiar_list_matching(rec, "RepoDigests", refs));
		json_object_array_add(out, e);
	}
	ret = sl_http_json(r, 200, out);
out:
	json_object_put(all);
	json_object_put(out);
	sl_filters_free(f);
	return ret;
}

/* GET /images/{name}/history: the config's history, newest first. */
enum MHD_Result sl_api_image_history(struct sl_req *r)
{
	struct json_object *rec = sl_image_find(r->params[0]), *h, *out;
	enum MHD_Result ret;
	size_t n;

	if (!rec)
		return sl_http_error(r, 404, "No such image: %s", r->params[0]);
	h = arr_of(rec, "History");
	n = h ? json_object_array_length(h) : 0;
	out = json_object_new_array();
	for (size_t i = n; i-- > 0;) {
		struct json_object *x = json_object_array_get_idx(h, i), *e = json_object_new_object();
		int64_t ns = 0;

		(void)sl_time_parse_docker(str_of(x, "created"), 0, &ns);
		json_object_object_add(e, "Comment", json_object_new_string(str_of(x, "comment")));
		json_object_object_add(e, "Created", json_object_new_int64(ns / 1000000000));
		json_object_object_add(e, "CreatedBy", json_object_new_string(str_of(x, "created_by")));
		json_object_object_add(e, "Id", json_object_new_string(i + 1 == n ?
			str_of(rec, "Id") : "<missing>"));
		/* Layer sizes are not known here (no layers are kept). */
		json_object_object_add(e, "Size", json_object_new_int(0));
		json_object_object_add(e, "Tags", i + 1 == n ? familiar_list(rec, "RepoTags") : NULL);
		json_object_array_add(out, e);
	}
	ret = sl_http_json(r, 200, out);
	json_object_put(out);
	json_object_put(rec);
	return ret;
}

static void image_event(const char *action, const char *id, const char *canon)
{
	char *fam = canon ? sl_image_familiar(canon) : NULL;
	const char *attrs[] = { "name", fam ? fam : "", NULL };

	(void)sl_events_publish(sl_daemon.events, "image", action, id, fam ? attrs : NULL);
	free(fam);
}

/* POST /images/{name}/tag?repo=&tag= */
enum MHD_Result sl_api_image_tag(struct sl_req *r)
{
	const char *repo = sl_http_query(r, "repo"), *tag = sl_http_query(r, "tag");
	struct json_object *rec = sl_image_find(r->params[0]);
	char err[256], *text = NULL, *canon = NULL;
	enum MHD_Result ret;
	int kind;

	if (!rec)
		return sl_http_error(r, 404, "No such image: %s", r->params[0]);
	if (!repo || !*repo) {
		ret = sl_http_error(r, 400, "repository name must have at least one component");
		goto out;
	}
	if (asprintf(&text, "%s%s%s", repo, tag && *tag ? ":" : "", tag ? tag : "") < 0) {
		text = NULL;
		ret = sl_http_error(r, 500, "out of memory");
		goto out;
	}
	kind = sl_imageref_parse(text, &canon, err, sizeof(err));
	if (kind != SL_IMAGEREF_NAME || strchr(canon, '@')) {
		ret = sl_http_error(r, 400, "%s", kind == SL_IMAGEREF_NAME ?
			"refusing to create a tag with a digest reference" :
			kind < 0 ? err : "invalid reference format");
		goto out;
	}
	if (sl_image_tag(str_of(rec, "Id"), canon) < 0) {
		ret = sl_http_error(r, 500, "cannot store the tag");
		goto out;
	}
	image_event("tag", str_of(rec, "Id"), canon);
	ret = sl_http_bytes(r, 201, NULL, "", 0);
out:
	free(text);
	free(canon);
	json_object_put(rec);
	return ret;
}

/* A container that uses image rec: its short ID in cid, and whether it
 * is running. */
struct user_scan {
	const char *id;
	struct json_object *rec;
	char cid[13];
	int found, running;
};

static int scan_user(struct sl_container *c, void *arg)
{
	struct user_scan *u = arg;
	const char *iid = c->str[SL_CTR_IMAGE_ID], *ref = c->str[SL_CTR_IMAGE_REF];
	struct json_object *a = arr_of(u->rec, "RepoTags");
	size_t n = a ? json_object_array_length(a) : 0;
	int uses = iid && !strcmp(iid, u->id);
	int st;

	for (size_t i = 0; !uses && !iid && ref && i < n; i++)
		uses = !strcmp(ref, json_object_get_string(json_object_array_get_idx(a, i)));
	if (!uses)
		return 0;
	pthread_mutex_lock(&c->lock);
	st = c->state.status;
	pthread_mutex_unlock(&c->lock);
	if (!u->found || (st == SL_STATUS_RUNNING || st == SL_STATUS_PAUSED ||
			  st == SL_STATUS_RESTARTING)) {
		snprintf(u->cid, sizeof(u->cid), "%.12s", c->str[SL_CTR_ID]);
		u->running = st == SL_STATUS_RUNNING || st == SL_STATUS_PAUSED ||
			     st == SL_STATUS_RESTARTING;
	}
	u->found = 1;
	return 0;
}

/* Untags every ref of rec and deletes it, appending dockerd's items. */
static int delete_all(struct json_object *rec, struct json_object *items, int64_t *freed)
{
	const char *id = str_of(rec, "Id");
	static const char *const keys[] = {"RepoTags", "RepoDigests"};

	for (size_t k = 0; k < 2; k++) {
		struct json_object *a = arr_of(rec, keys[k]);
		size_t n = a ? json_object_array_length(a) : 0;

		for (size_t i = 0; i < n; i++) {
			const char *canon = json_object_get_string(json_object_array_get_idx(a, i));
			char *fam = sl_image_familiar(canon);
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "Untagged", json_object_new_string(fam ? fam : canon));
			json_object_array_add(items, e);
			image_event("untag", id, canon);
			free(fam);
		}
	}
	if (sl_image_delete(id) < 0)
		return -1;
	{
		struct json_object *e = json_object_new_object(), *sz;

		json_object_object_add(e, "Deleted", json_object_new_string(id));
		json_object_array_add(items, e);
		if (freed && json_object_object_get_ex(rec, "Size", &sz))
			*freed += json_object_get_int64(sz);
	}
	image_event("delete", id, NULL);
	return 0;
}

/* DELETE /images/{name}?force= */
enum MHD_Result sl_api_image_remove(struct sl_req *r)
{
	const char *name = r->params[0];
	int force = sl_http_query_bool(r, "force", 0);
	struct json_object *rec = sl_image_find(name), *items = NULL;
	struct user_scan u = { 0 };
	char err[256], *canon = NULL, shortid[13];
	enum MHD_Result ret;
	int by_ref;

	if (!rec)
		return sl_http_error(r, 404, "No such image: %s", name);
	items = json_object_new_array();
	snprintf(shortid, sizeof(shortid), "%.12s", str_of(rec, "Id") + 7);
	by_ref = sl_imageref_parse(name, &canon, err, sizeof(err)) == SL_IMAGEREF_NAME &&
		 strncmp(str_of(rec, "Id") + 7, name, strlen(name));
	/* A name with other names left: only the name goes (dockerd's untag). */
	if (by_ref && (arr_len(rec, "RepoTags") > 1 ||
		       (strchr(canon, '@') && arr_len(rec, "RepoTags") > 0))) {
		char *fam = sl_image_familiar(canon);
		struct json_object *e = json_object_new_object();

		if (sl_image_untag(str_of(rec, "Id"), canon) < 0) {
			free(fam);
			json_object_put(e);
			ret = sl_http_error(r, 500, "cannot remove the tag");
			goto out;
		}
		json_object_object_add(e, "Untagged", json_object_new_string(fam ? fam : canon));
		json_object_array_add(items, e);
		image_event("untag", str_of(rec, "Id"), canon);
		free(fam);
		ret = sl_http_json(r, 200, items);
		goto out;
	}
	if (!by_ref && arr_len(rec, "RepoTags") > 1 && !force) {
		ret = sl_http_error(r, 409,
			"conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories",
			shortid);
		goto out;
	}
	u.id = str_of(rec, "Id");
	u.rec = rec;
	sl_ctrtab_foreach(scan_user, &u);
	if (u.found && u.running) {
		ret = sl_http_error(r, 409,
			"conflict: unable to delete %s (cannot be forced) - image is being used by running container %s",
			shortid, u.cid);
		goto out;
	}
	if (u.found && !force) {
		if (by_ref)
			ret = sl_http_error(r, 409,
				"conflict: unable to remove repository reference \"%s\" (must force) - container %s is using its referenced image %s",
				name, u.cid, shortid);
		else
			ret = sl_http_error(r, 409,
				"conflict: unable to delete %s (must be forced) - image is being used by stopped container %s",
				shortid, u.cid);
		goto out;
	}
	if (delete_all(rec, items, NULL) < 0) {
		ret = sl_http_error(r, 500, "cannot delete the image record");
		goto out;
	}
	ret = sl_http_json(r, 200, items);
out:
	free(canon);
	json_object_put(items);
	json_object_put(rec);
	return ret;
}

/* POST /images/prune: dangling images (all unused with dangling=false)
 * that no container uses. */
enum MHD_Result sl_api_image_prune(struct sl_req *r)
{
	static const char *const keys[] = {"dangling", "label", "until", NULL};
	const char *fs = sl_http_query(r, "filters");
	struct sl_filters *f = NULL;
	struct json_object *all, *items = json_object_new_array(), *out;
	enum MHD_Result ret;
	bool dangling = true;
	int64_t freed = 0;
	char err[256];
	size_t n;

	if (fs && *fs && (sl_filters_parse(fs, &f, err, sizeof(err)) < 0 ||
			  sl_filters_validate_keys(f, keys, err, sizeof(err)) < 0 ||
			  sl_filters_get_bool(f, "dangling", true, &dangling, err, sizeof(err)) < 0)) {
		sl_filters_free(f);
		json_object_put(items);
		return sl_http_error(r, 400, "%s", err);
	}
	all = sl_image_all();
	n = all ? json_object_array_length(all) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *rec = json_object_array_get_idx(all, i);
		struct user_scan u = { 0 };
		const char **kv;
		int ok;

		if (dangling && arr_len(rec, "RepoTags") > 0)
			continue;
		kv = labels_kv(rec);
		ok = kv && sl_filters_match_label(f, kv);
		free(kv);
		if (!ok)
			continue;
		u.id = str_of(rec, "Id");
		u.rec = rec;
		sl_ctrtab_foreach(scan_user, &u);
		if (!u.found)
			(void)delete_all(rec, items, &freed);
	}
	out = json_object_new_object();
	json_object_object_add(out, "ImagesDeleted", json_object_array_length(items) ?
		json_object_get(items) : NULL);
	json_object_object_add(out, "SpaceReclaimed", json_object_new_int64(freed));
	ret = sl_http_json(r, 200, out);
	json_object_put(out);
	json_object_put(items);
	json_object_put(all);
	sl_filters_free(f);
	return ret;
}
