/* core/filters.c - parse and match Docker's `filters` query parameter (see filters.h). */
#include "config.h"

#include "filters.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

/* Bounds a hostile query string: real filters are a few hundred bytes. */
#define SL_FILTERS_MAX_JSON (1024 * 1024)
#define SL_FILTERS_MAX_DEPTH 8

struct sl_filter_key {
	char *key;
	char **values; /* always NULL-terminated (room for n + 1) */
	size_t n, cap;
};

struct sl_filters {
	struct sl_filter_key *keys;
	size_t n, cap;
};

static const char *const sl_filters_empty_list[] = { NULL };

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

struct sl_filters *sl_filters_new(void)
{
	return calloc(1, sizeof(struct sl_filters));
}

void sl_filters_free(struct sl_filters *f)
{
	size_t i, j;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		for (j = 0; j < f->keys[i].n; j++)
			free(f->keys[i].values[j]);
		free(f->keys[i].values);
		free(f->keys[i].key);
	}
	free(f->keys);
	free(f);
}

static struct sl_filter_key *find_key(const struct sl_filters *f, const char *key)
{
	size_t i;

	if (f == NULL || key == NULL)
		return NULL;
	for (i = 0; i < f->n; i++)
		if (strcmp(f->keys[i].key, key) == 0)
			return &f->keys[i];
	return NULL;
}

static struct sl_filter_key *get_or_add_key(struct sl_filters *f, const char *key)
{
	struct sl_filter_key *k = find_key(f, key);

	if (k != NULL)
		return k;
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 4;
		struct sl_filter_key *nk = realloc(f->keys, ncap * sizeof(*nk));

		if (nk == NULL)
			return NULL;
		f->keys = nk;
		f->cap = ncap;
	}
	k = &f->keys[f->n];
	memset(k, 0, sizeof(*k));
	k->key = strdup(key);
	k->values = calloc(1, sizeof(char *));
	if (k->key == NULL || k->values == NULL) {
		free(k->key);
		free(k->values);
		return NULL;
	}
	f->n++;
	return k;
}

static int key_add_value(struct sl_filter_key *k, const char *value)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->values[i], value) == 0)
			return 0; /* a set, as in moby's map[string]bool */
	/* values holds cap + 1 slots: the entries plus the NULL terminator. */
	if (k->n >= k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 4;
		char **nv = realloc(k->values, (ncap + 1) * sizeof(char *));

		if (nv == NULL)
			return -ENOMEM;
		k->values = nv;
		k->cap = ncap;
	}
	k->values[k->n] = strdup(value);
	if (k->values[k->n] == NULL)
		return -ENOMEM;
	k->n++;
	k->values[k->n] = NULL;
	return 0;
}

int sl_filters_add(struct sl_filters *f, const char *key, const char *value)
{
	struct sl_filter_key *k;

	if (f == NULL || key == NULL)
		return -EINVAL;
	k = get_or_add_key(f, key);
	if (k == NULL)
		return -ENOMEM;
	if (value == NULL)
		return 0;
	return key_add_value(k, value);
}

struct sl_filters *sl_filters_dup(const struct sl_filters *f)
{
	struct sl_filters *d = sl_filters_new();
	size_t i, j;

	if (d == NULL || f == NULL)
		return d;
	for (i = 0; i < f->n; i++) {
		if (sl_filters_add(d, f->keys[i].key, NULL) < 0)
			goto fail;
		for (j = 0; j < f->keys[i].n; j++)
			if (sl_filters_add(d, f->keys[i].key, f->keys[i].values[j]) < 0)
				goto fail;
	}
	return d;
fail:
	sl_filters_free(d);
	return NULL;
}

size_t sl_filters_len(const struct sl_filters *f)
{
	return f == NULL ? 0 : f->n;
}

const char *sl_filters_key_at(const struct sl_filters *f, size_t i)
{
	if (f == NULL || i >= f->n)
		return NULL;
	return f->keys[i].key;
}

const char *const *sl_filters_get(const struct sl_filters *f, const char *key)
{
	const struct sl_filter_key *k = find_key(f, key);

	if (k == NULL)
		return sl_filters_empty_list;
	return (const char *const *)k->values;
}

bool sl_filters_has_key(const struct sl_filters *f, const char *key)
{
	return find_key(f, key) != NULL;
}

/* ---- parsing ---------------------------------------------------------------------------- */

/* Modern form: every member is an object (or null) whose members are booleans. Values mapped to
 * false are dropped: moby keeps them in its map but they can never match, and no client sends
 * them. Returns 0, -EINVAL (not this form) or -ENOMEM. */
static int parse_modern(struct json_object *root, struct sl_filters *f)
{
	struct json_object_iterator it = json_object_iter_begin(root);
	struct json_object_iterator end = json_object_iter_end(root);

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		struct json_object *set = json_object_iter_peek_value(&it);
		int rc = sl_filters_add(f, key, NULL);

		if (rc < 0)
			return rc;
		if (set == NULL)
			continue;
		if (!json_object_is_type(set, json_type_object))
			return -EINVAL;
		json_object_object_foreach(set, value, flag) {
			if (flag == NULL || !json_object_is_type(flag, json_type_boolean))
				return -EINVAL;
			if (!json_object_get_boolean(flag))
				continue;
			rc = sl_filters_add(f, key, value);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Legacy form: every member is a list (or null) of strings; a null element reads as "", as Go's
 * decoder leaves a zero string. Returns 0, -EINVAL or -ENOMEM. */
static int parse_legacy(struct json_object *root, struct sl_filters *f)
{
	struct json_object_iterator it = json_object_iter_begin(root);
	struct json_object_iterator end = json_object_iter_end(root);

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		struct json_object *list = json_object_iter_peek_value(&it);
		int rc = sl_filters_add(f, key, NULL);
		size_t i, n;

		if (rc < 0)
			return rc;
		if (list == NULL)
			continue;
		if (!json_object_is_type(list, json_type_array))
			return -EINVAL;
		n = json_object_array_length(list);
		for (i = 0; i < n; i++) {
			struct json_object *v = json_object_array_get_idx(list, i);
			const char *s = "";

			if (v != NULL) {
				if (!json_object_is_type(v, json_type_string))
					return -EINVAL;
				s = json_object_get_string(v);
			}
			rc = sl_filters_add(f, key, s);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Parses exactly one JSON value spanning the whole string (whitespace aside), like Go's
 * json.Unmarshal. *out owned by the caller (json_object_put); JSON null gives *out NULL.
 * Returns 0 or -EINVAL. */
static int parse_json_whole(const char *s, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;
	int rc = -EINVAL;

	*out = NULL;
	tok = json_tokener_new_ex(SL_FILTERS_MAX_DEPTH);
	if (tok == NULL)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	/* Length includes the terminating NUL so a bare scalar completes. */
	obj = json_tokener_parse_ex(tok, s, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	if (jerr != json_tokener_success)
		goto out;
	end = json_tokener_get_parse_end(tok);
	for (; end < len; end++)
		if (strchr(" \t\r\n", s[end]) == NULL)
			goto out;
	*out = obj;
	obj = NULL;
	rc = 0;
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return rc;
}

int sl_filters_parse(const char *json, struct sl_filters **out, char *err, size_t errlen)
{
	struct json_object *root = NULL;
	struct sl_filters *f = NULL;
	size_t len;
	int rc;

	*out = NULL;
	f = sl_filters_new();
	if (f == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (json == NULL || json[0] == '\0') {
		rc = 0;
		goto out;
	}
	len = strlen(json);
	rc = -EINVAL;
	if (len > SL_FILTERS_MAX_JSON)
		goto out;
	rc = parse_json_whole(json, len, &root);
	if (rc < 0)
		goto out;
	if (root == NULL) /* JSON null: Go leaves the map empty */
		goto out;
	if (!json_object_is_type(root, json_type_object)) {
		rc = -EINVAL;
		goto out;
	}
	rc = parse_modern(root, f);
	if (rc == -EINVAL) {
		/* moby falls back to the legacy list form only when the modern form fails. */
		sl_filters_free(f);
		f = sl_filters_new();
		rc = f == NULL ? -ENOMEM : parse_legacy(root, f);
	}
out:
	json_object_put(root);
	if (rc < 0) {
		sl_filters_free(f);
		set_err(err, errlen, rc == -ENOMEM ? "out of memory" : "invalid filter");
		return rc;
	}
	*out = f;
	return 0;
}

/* ---- matching ---------------------------------------------------------------------------- */

enum match_mode { MATCH_EXACT, MATCH_PREFIX, MATCH_REGEX };

/* One value against source: in full, as a leading part (moby's ExactMatch
 * and FuzzyMatch), or as an extended regular expression that matches
 * anywhere (moby's Match; an exact value matches even when it is not a
 * valid expression). */
static bool match_one(const char *value, const char *source, enum match_mode mode)
{
	regex_t re;
	bool hit;

	if (mode == MATCH_PREFIX)
		return strncmp(source, value, strlen(value)) == 0;
	if (strcmp(value, source) == 0)
		return true;
	if (mode == MATCH_EXACT || regcomp(&re, value, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	hit = regexec(&re, source, 0, NULL, 0) == 0;
	regfree(&re);
	return hit;
}

/* True when the key is absent or one of its values matches source. */
static bool match_values(const struct sl_filters *f, const char *key, const char *source,
                         enum match_mode mode)
{
	const struct sl_filter_key *k = find_key(f, key);
	size_t i;

	if (k == NULL || k->n == 0)
		return true;
	if (source == NULL)
		source = "";
	for (i = 0; i < k->n; i++)
		if (match_one(k->values[i], source, mode))
			return true;
	return false;
}

bool sl_filters_exact_match(const struct sl_filters *f, const char *key, const char *source)
{
	return match_values(f, key, source, MATCH_EXACT);
}

bool sl_filters_fuzzy_match(const struct sl_filters *f, const char *key, const char *source)
{
	return match_values(f, key, source, MATCH_PREFIX);
}

bool sl_filters_regex_match(const struct sl_filters *f, const char *key, const char *source)
{
	return match_values(f, key, source, MATCH_REGEX);
}

/* Last value for name in a flat k,v list (later pairs override, like a Go map built in order). */
static const char *kv_lookup(const char *const *kv, const char *name, size_t name_len)
{
	const char *found = NULL;
	size_t i;

	for (i = 0; kv[i] != NULL && kv[i + 1] != NULL; i += 2)
		if (strlen(kv[i]) == name_len && memcmp(kv[i], name, name_len) == 0)
			found = kv[i + 1];
	return found;
}

bool sl_filters_match_kv(const struct sl_filters *f, const char *key, const char *const *kv)
{
	const struct sl_filter_key *k = find_key(f, key);
	size_t i;

	if (k == NULL || k->n == 0)
		return true;
	if (kv == NULL || kv[0] == NULL || kv[1] == NULL)
		return false;
	for (i = 0; i < k->n; i++) {
		const char *want = k->values[i];
		const char *eq = strchr(want, '=');
		size_t name_len = eq ? (size_t)(eq - want) : strlen(want);
		const char *have = kv_lookup(kv, want, name_len);

		if (have == NULL)
			return false;
		if (eq != NULL && strcmp(have, eq + 1) != 0)
			return false;
	}
	return true;
}

bool sl_filters_match_label(const struct sl_filters *f, const char *const *labels_kv)
{
	return sl_filters_match_kv(f, "label", labels_kv);
}

/* dockerd's invalidFilter text: "invalid filter 'key'" or "invalid filter 'key=[v1 v2]'". */
static void invalid_filter_msg(char *err, size_t errlen, const struct sl_filter_key *k,
                               bool with_values)
{
	size_t used, i;

	if (err == NULL || errlen == 0)
		return;
	snprintf(err, errlen, "invalid filter '%s", k->key);
	if (with_values) {
		used = strlen(err);
		snprintf(err + used, errlen - used, "=[");
		for (i = 0; i < k->n; i++) {
			used = strlen(err);
			snprintf(err + used, errlen - used, "%s%s", i ? " " : "", k->values[i]);
		}
		used = strlen(err);
		snprintf(err + used, errlen - used, "]");
	}
	used = strlen(err);
	snprintf(err + used, errlen - used, "'");
}

int sl_filters_get_bool(const struct sl_filters *f, const char *key, bool def, bool *out,
                        char *err, size_t errlen)
{
	const struct sl_filter_key *k = find_key(f, key);
	bool is_true = false, is_false = false;
	size_t i;

	*out = def;
	if (k == NULL)
		return 0;
	if (k->n == 0) {
		invalid_filter_msg(err, errlen, k, false);
		return -EINVAL;
	}
	for (i = 0; i < k->n; i++) {
		if (strcmp(k->values[i], "1") == 0 || strcmp(k->values[i], "true") == 0)
			is_true = true;
		else if (strcmp(k->values[i], "0") == 0 || strcmp(k->values[i], "false") == 0)
			is_false = true;
	}
	if (is_true == is_false) {
		invalid_filter_msg(err, errlen, k, true);
		return -EINVAL;
	}
	*out = is_true;
	return 0;
}

int sl_filters_validate_keys(const struct sl_filters *f, const char *const *accepted,
                             char *err, size_t errlen)
{
	size_t i, j;

	if (f == NULL)
		return 0;
	for (i = 0; i < f->n; i++) {
		bool ok = false;

		for (j = 0; accepted != NULL && accepted[j] != NULL; j++)
			if (strcmp(accepted[j], f->keys[i].key) == 0) {
				ok = true;
				break;
			}
		if (!ok) {
			invalid_filter_msg(err, errlen, &f->keys[i], false);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- publish / expose: port ranges ------------------------------------ */

/* strconv.ParseUint(s, 10, 16) over n bytes: the first error while
 * scanning left to right, as Go reports it. */
static const char *port_number(const char *s, size_t n, unsigned *out)
{
	unsigned long v = 0;

	if (n == 0)
		return "value is empty";
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return "invalid syntax";
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return "value out of range";
	}
	*out = (unsigned)v;
	return NULL;
}

/* moby's network.ParsePortRange: "port[/proto]" or "start-end[/proto]",
 * proto tcp when absent.  Returns 0, or -1 with the reason in err. */
static int port_range(const char *v, unsigned *start, unsigned *end,
                      const char **proto, char *err, size_t errlen)
{
	size_t rlen = strcspn(v, "/"), slen = strcspn(v, "-/");
	const char *why;

	*proto = v[rlen] ? v + rlen + 1 : "";
	if (*v == '\0') {
		set_err(err, errlen, "invalid port range: value is empty");
		return -1;
	}
	if ((why = port_number(v, slen, start)) != NULL) {
		snprintf(err, errlen, "invalid start port '%.*s': %s", (int)slen, v, why);
		return -1;
	}
	*end = *start;
	if (slen == rlen)
		return 0;
	/* "80-80" is one port; the end is not read again. */
	if (rlen - slen - 1 == slen && memcmp(v, v + slen + 1, slen) == 0)
		return 0;
	if ((why = port_number(v + slen + 1, rlen - slen - 1, end)) != NULL) {
		snprintf(err, errlen, "invalid end port '%.*s': %s", (int)(rlen - slen - 1),
			 v + slen + 1, why);
		return -1;
	}
	if (*end < *start) {
		snprintf(err, errlen, "invalid port range: %s", v);
		return -1;
	}
	return 0;
}

static bool proto_eq(const char *filter_proto, const char *proto)
{
	if (*filter_proto == '\0')
		filter_proto = "tcp";
	if (proto == NULL || *proto == '\0')
		proto = "tcp";
	return strcasecmp(filter_proto, proto) == 0;
}

int sl_filters_check_ports(const struct sl_filters *f, const char *key, char *err,
                           size_t errlen)
{
	for (const char *const *v = sl_filters_get(f, key); *v != NULL; v++) {
		char why[160];
		unsigned s, e;
		const char *proto;

		if (strchr(*v, ':') != NULL) {
			snprintf(err, errlen, "filter for '%s' should not contain ':': %s", key, *v);
			return -EINVAL;
		}
		if (port_range(*v, &s, &e, &proto, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "error while looking up for %s %s: %s", key, *v, why);
			return -EINVAL;
		}
	}
	return 0;
}

bool sl_filters_port_in(const struct sl_filters *f, const char *key, unsigned port,
                        const char *proto)
{
	for (const char *const *v = sl_filters_get(f, key); *v != NULL; v++) {
		unsigned s, e;
		const char *fp;

		if (strchr(*v, ':') == NULL && port_range(*v, &s, &e, &fp, NULL, 0) == 0 &&
		    port >= s && port <= e && proto_eq(fp, proto))
			return true;
	}
	return false;
}
