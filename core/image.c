/*
 * image.c - the image records (see image.h): a table in memory, written
 * through to the store.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/image.h"
#include "core/imageref.h"
#include "core/store.h"

#define KIND "images"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct sl_store *store;
static struct json_object **recs;
static size_t n_recs, cap_recs;

static const char *rec_id(struct json_object *rec)
{
	struct json_object *v;

	return json_object_object_get_ex(rec, "Id", &v) ? json_object_get_string(v) : "";
}

/* Appends (takes rec); -ENOMEM leaves the table as it was. */
static int table_push(struct json_object *rec)
{
	if (n_recs == cap_recs) {
		size_t nc = cap_recs ? cap_recs * 2 : 16;
		struct json_object **n = realloc(recs, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		recs = n;
		cap_recs = nc;
	}
	recs[n_recs++] = rec;
	return 0;
}

static int load_one(const char *id, struct json_object *doc, void *arg)
{
	(void)id;
	(void)arg;
	if (strncmp(rec_id(doc), "sha256:", 7))
		return 0; /* not a record of ours: skipped */
	json_object_get(doc);
	if (table_push(doc) < 0) {
		json_object_put(doc);
		return -ENOMEM;
	}
	return 0;
}

int sl_image_init(struct sl_store *st)
{
	int rc;

	pthread_mutex_lock(&mu);
	store = st;
	rc = sl_store_load(st, KIND, load_one, NULL, NULL);
	pthread_mutex_unlock(&mu);
	return rc;
}

int sl_image_count(void)
{
	int n;

	pthread_mutex_lock(&mu);
	n = (int)n_recs;
	pthread_mutex_unlock(&mu);
	return n;
}

/* The index of s in rec[key], or -1. */
static long array_find(struct json_object *rec, const char *key, const char *s)
{
	struct json_object *a;
	size_t i, n;

	if (!json_object_object_get_ex(rec, key, &a) || !json_object_is_type(a, json_type_array))
		return -1;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s))
			return (long)i;
	return -1;
}

static int array_has(struct json_object *rec, const char *key, const char *s)
{
	return array_find(rec, key, s) >= 0;
}

/* Removes s from rec[key]; returns 1 when it was there. */
static int array_drop(struct json_object *rec, const char *key, const char *s)
{
	long i = array_find(rec, key, s);

	if (i < 0)
		return 0;
	json_object_array_del_idx(json_object_object_get(rec, key), (size_t)i, 1);
	return 1;
}

static int array_add(struct json_object *rec, const char *key, const char *s)
{
	struct json_object *a;

	if (!json_object_object_get_ex(rec, key, &a) || !json_object_is_type(a, json_type_array)) {
		a = json_object_new_array();
		if (!a || json_object_object_add(rec, key, a) < 0) {
			json_object_put(a);
			return -ENOMEM;
		}
	}
	if (array_has(rec, key, s))
		return 0;
	return json_object_array_add(a, json_object_new_string(s)) < 0 ? -ENOMEM : 0;
}

static int persist(struct json_object *rec)
{
	const char *s = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s)
		return -ENOMEM;
	return sl_store_put(store, KIND, rec_id(rec) + 7, s, strlen(s));
}

/* The record for a lookup name, or NULL; mu held. */
static struct json_object *lookup(const char *name)
{
	char err[256], *canon = NULL, *hex;
	struct json_object *hit = NULL;
	size_t i, n;
	int kind;

	if (!strncmp(name, "sha256:", 7))
		name += 7;
	/* An ID or a unique ID prefix (dockerd accepts short IDs). */
	n = strspn(name, "0123456789abcdef");
	if (n == strlen(name) && n > 0) {
		for (i = 0; i < n_recs; i++) {
			hex = (char *)rec_id(recs[i]) + 7;
			if (!strncmp(hex, name, n)) {
				if (hit)
					return NULL; /* ambiguous */
				hit = recs[i];
			}
		}
		if (hit || n == 64)
			return hit;
	}
	kind = sl_imageref_parse(name, &canon, err, sizeof(err));
	if (kind == SL_IMAGEREF_NAME)
		for (i = 0; i < n_recs && !hit; i++)
			if (array_has(recs[i], "RepoTags", canon) ||
			    array_has(recs[i], "RepoDigests", canon))
				hit = recs[i];
	free(canon);
	return hit;
}

struct json_object *sl_image_find(const char *name)
{
	struct json_object *rec, *copy = NULL;

	pthread_mutex_lock(&mu);
	rec = lookup(name);
	if (rec && json_object_deep_copy(rec, &copy, NULL) < 0)
		copy = NULL;
	pthread_mutex_unlock(&mu);
	return copy;
}

int sl_image_add(struct json_object *rec, const char *tag_ref, const char *digest_ref,
		 int *was_current)
{
	struct json_object *old = NULL, *target;
	const char *id = rec_id(rec);
	size_t i;
	int rc = 0, current = 0;

	pthread_mutex_lock(&mu);
	for (i = 0; i < n_recs; i++)
		if (!strcmp(rec_id(recs[i]), id))
			old = recs[i];
	if (old) {
		current = (tag_ref && array_has(old, "RepoTags", tag_ref)) ||
			  (!tag_ref && digest_ref && array_has(old, "RepoDigests", digest_ref));
		target = old;
	} else {
		target = rec;
	}
	if ((tag_ref && (rc = array_add(target, "RepoTags", tag_ref)) < 0) ||
	    (digest_ref && (rc = array_add(target, "RepoDigests", digest_ref)) < 0))
		goto out;
	/* The tag and the digest ref move: whoever had them loses them
	 * (written first, so a crash leaves a ref nowhere rather than on two
	 * images). A digest ref names one image too: a manifest list's digest
	 * goes to the platform pulled last, as with dockerd. */
	for (i = 0; !current && i < n_recs; i++) {
		int moved = 0;

		if (recs[i] == target)
			continue;
		if (tag_ref)
			moved |= array_drop(recs[i], "RepoTags", tag_ref);
		if (digest_ref)
			moved |= array_drop(recs[i], "RepoDigests", digest_ref);
		if (moved)
			(void)persist(recs[i]);
	}
	if ((rc = persist(target)) < 0)
		goto out;
	if (!old && (rc = table_push(rec)) < 0) {
		(void)sl_store_delete(store, KIND, id + 7);
		goto out;
	}
	if (!old)
		rec = NULL; /* taken by the table */
out:
	pthread_mutex_unlock(&mu);
	json_object_put(rec);
	if (was_current)
		*was_current = current;
	return rc;
}

struct json_object *sl_image_all(void)
{
	struct json_object *a = json_object_new_array(), *c;
	size_t i;

	pthread_mutex_lock(&mu);
	for (i = 0; a && i < n_recs; i++) {
		c = NULL; /* json_object_deep_copy wants an empty destination */
		if (json_object_deep_copy(recs[i], &c, NULL) < 0 ||
		    json_object_array_add(a, c) < 0) {
			json_object_put(a);
			a = NULL;
		}
	}
	pthread_mutex_unlock(&mu);
	return a;
}

/* The index of record id, or -1; mu held. */
static long find_id(const char *id)
{
	for (size_t i = 0; i < n_recs; i++)
		if (!strcmp(rec_id(recs[i]), id))
			return (long)i;
	return -1;
}

int sl_image_tag(const char *id, const char *ref)
{
	long k;
	int rc;

	pthread_mutex_lock(&mu);
	k = find_id(id);
	if (k < 0) {
		rc = -ENOENT;
		goto out;
	}
	for (size_t i = 0; i < n_recs; i++)
		if ((long)i != k && array_drop(recs[i], "RepoTags", ref))
			(void)persist(recs[i]);
	rc = array_add(recs[k], "RepoTags", ref);
	if (rc == 0)
		rc = persist(recs[k]);
out:
	pthread_mutex_unlock(&mu);
	return rc;
}

int sl_image_untag(const char *id, const char *ref)
{
	long k;
	int rc = -ENOENT;

	pthread_mutex_lock(&mu);
	k = find_id(id);
	if (k >= 0 && (array_drop(recs[k], "RepoTags", ref) ||
		       array_drop(recs[k], "RepoDigests", ref)))
		rc = persist(recs[k]);
	pthread_mutex_unlock(&mu);
	return rc;
}

int sl_image_delete(const char *id)
{
	long k;
	int rc = -ENOENT;

	pthread_mutex_lock(&mu);
	k = find_id(id);
	if (k >= 0) {
		rc = sl_store_delete(store, KIND, id + 7);
		if (rc == 0) {
			json_object_put(recs[k]);
			recs[k] = recs[--n_recs];
		}
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

char *sl_image_familiar(const char *canon)
{
	char *name = sl_imageref_familiar_name(canon), *out;
	const char *at = strchr(canon, '@'), *slash, *colon, *rest;
	size_t nlen = at ? (size_t)(at - canon) : strlen(canon);

	if (!name)
		return strdup(canon);
	/* The tag (":t", after the last '/') and the digest follow the name. */
	slash = memrchr(canon, '/', nlen);
	slash = slash ? slash : canon;
	colon = memchr(slash, ':', nlen - (size_t)(slash - canon));
	rest = colon ? colon : at ? at : "";
	out = malloc(strlen(name) + strlen(rest) + 1);
	if (out) {
		strcpy(out, name);
		strcat(out, rest);
	}
	free(name);
	return out;
}

/* Adds to body's object member key every member of the image's that body
 * lacks (dockerd's merge: the image's ports and volumes are unioned with
 * the user's, the user's own entries kept as given). */
static int merge_set(struct json_object *body, struct json_object *icfg, const char *key)
{
	struct json_object *img, *mine;

	if (!json_object_object_get_ex(icfg, key, &img) ||
	    !json_object_is_type(img, json_type_object) || !json_object_object_length(img))
		return 0;
	if (!json_object_object_get_ex(body, key, &mine) ||
	    !json_object_is_type(mine, json_type_object)) {
		mine = json_object_new_object();
		if (!mine || json_object_object_add(body, key, mine)) {
			json_object_put(mine);
			return -ENOMEM;
		}
	}
	json_object_object_foreach(img, k, v) {
		struct json_object *e;

		(void)v;
		if (json_object_object_get_ex(mine, k, NULL))
			continue;
		e = json_object_new_object();
		if (!e || json_object_object_add(mine, k, e)) {
			json_object_put(e);
			return -ENOMEM;
		}
	}
	return 0;
}

int sl_image_merge_create(struct json_object *body, struct json_object *icfg)
{
	int rc;

	if (!icfg)
		return 0;
	rc = merge_set(body, icfg, "ExposedPorts");
	if (!rc)
		rc = merge_set(body, icfg, "Volumes");
	return rc;
}
