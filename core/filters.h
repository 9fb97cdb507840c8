/* core/filters.h - Docker's `filters` query parameter.
 *
 * Docker clients send filters as JSON in one of two forms:
 *   modern (API >= 1.22): {"label":{"a=b":true},"status":{"running":true}}
 *   legacy:               {"label":["a=b"],"status":["running"]}
 * A parsed set maps each key to a set of string values (duplicates collapse, insertion order
 * kept). A key may be present with no values ({"label":{}}), which Docker treats as "no
 * constraint" for matching but still as "present" for sl_filters_has_key and validation.
 *
 * Matching helpers follow moby's api/types/filters semantics: a key that is absent (or has no
 * values) matches everything. Every function accepts f == NULL as the empty set.
 *
 * Thread safety: a parsed set is immutable after parse; concurrent readers are fine. Building
 * with sl_filters_add is not synchronized.
 */
#ifndef SL_FILTERS_H
#define SL_FILTERS_H

#include <stdbool.h>
#include <stddef.h>

struct sl_filters;

/* Parses `json` (the raw, already URL-decoded value of ?filters=). NULL or "" gives an empty set;
 * JSON null gives an empty set too, as in dockerd. Anything else that is neither form (bad JSON,
 * trailing data, a non-bool inner value, a non-string list element) fails with -EINVAL and the
 * message dockerd gives, "invalid filter" (Docker answers it with 400).
 * On success *out is owned by the caller: free with sl_filters_free. On error *out is NULL.
 * Returns 0, -EINVAL or -ENOMEM. */
int sl_filters_parse(const char *json, struct sl_filters **out, char *err, size_t errlen);

/* Returns a new empty set (owned by the caller: sl_filters_free), NULL on OOM. */
struct sl_filters *sl_filters_new(void);

/* Adds value to key's set (creating the key). value NULL only creates the key.
 * Returns 0 or -ENOMEM / -EINVAL. */
int sl_filters_add(struct sl_filters *f, const char *key, const char *value);

/* Deep copy, owned by the caller (sl_filters_free). f NULL gives an empty set. NULL on OOM. */
struct sl_filters *sl_filters_dup(const struct sl_filters *f);

void sl_filters_free(struct sl_filters *f);

/* Number of keys. */
size_t sl_filters_len(const struct sl_filters *f);

/* i-th key in insertion order, NULL past the end. Borrowed: valid until sl_filters_free. */
const char *sl_filters_key_at(const struct sl_filters *f, size_t i);

/* NULL-terminated values of key, in insertion order; an empty list (never NULL) when the key is
 * absent. Borrowed: valid until sl_filters_free or the next sl_filters_add on f. */
const char *const *sl_filters_get(const struct sl_filters *f, const char *key);

bool sl_filters_has_key(const struct sl_filters *f, const char *key);

/* True when key has no values or one value equals source exactly (moby ExactMatch).
 * source NULL is treated as "". */
bool sl_filters_exact_match(const struct sl_filters *f, const char *key, const char *source);

/* ExactMatch, or source starts with one of the values (moby FuzzyMatch: ID prefixes). */
bool sl_filters_fuzzy_match(const struct sl_filters *f, const char *key, const char *source);

/* ExactMatch, or one of the values, as an unanchored regular expression, matches source (moby
 * Match: container and network names and ids, volume names, so "^web$" picks exactly "web").
 * POSIX extended expressions stand in for Go's RE2; an invalid one matches nothing, as in
 * dockerd. */
bool sl_filters_regex_match(const struct sl_filters *f, const char *key, const char *source);

/* moby MatchKVList: true when key has no values; otherwise every value "k" must be a key of
 * kv and every "k=v" must be present with that exact value (AND across values). kv is a
 * NULL-terminated flat list k1, v1, k2, v2, ..., NULL (NULL kv = no pairs). */
bool sl_filters_match_kv(const struct sl_filters *f, const char *key, const char *const *kv);

/* sl_filters_match_kv on the "label" key: label=k (key present) / label=k=v (exact value). */
bool sl_filters_match_label(const struct sl_filters *f, const char *const *labels_kv);

/* moby GetBoolOrDefault: absent key -> *out = def, 0. Values must be exactly one truthiness
 * ("1"/"true" or "0"/"false"); none, or both, or neither is -EINVAL with dockerd's message
 * ("invalid filter 'dangling'" / "invalid filter 'dangling=[a b]'"). */
int sl_filters_get_bool(const struct sl_filters *f, const char *key, bool def, bool *out,
                        char *err, size_t errlen);

/* Checks every key against the NULL-terminated list `accepted`. The first unknown key (in
 * insertion order) fails with -EINVAL and "invalid filter '<key>'" (dockerd answers 400). */
int sl_filters_validate_keys(const struct sl_filters *f, const char *const *accepted,
                             char *err, size_t errlen);

/* Checks the values of key as dockerd checks the publish and expose filters: each is
 * "port[/proto]" or "start-end[/proto]" (proto tcp when absent) with no ':'.  -EINVAL with
 * dockerd's message ("error while looking up for publish 90-80: invalid port range: 90-80"). */
int sl_filters_check_ports(const struct sl_filters *f, const char *key, char *err,
                           size_t errlen);

/* True when one of key's port ranges (as checked above) holds port with protocol proto (NULL
 * or "" is tcp; compared without case).  False when key has no values. */
bool sl_filters_port_in(const struct sl_filters *f, const char *key, unsigned port,
                        const char *proto);

#endif /* SL_FILTERS_H */
