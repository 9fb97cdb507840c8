/* auth_form: application/x-www-form-urlencoded and URL query-string parsing
 * for the token endpoints (form bodies). Percent-decoding is
 * sim_url_decode_len (server/sim_util.h), percent-encoding sim_url_encode.
 * No HTTP, no global state; thread-safe per object.
 */
#ifndef SL_AZSIM_AUTH_FORM_H
#define SL_AZSIM_AUTH_FORM_H

#include <stddef.h>

/* One decoded name=value pair. Both strings are heap copies owned by the
 * struct auth_form that holds them. A pair without '=' ("flag") has value "". */
struct auth_form_pair {
	char *name;
	char *value;
};

/* Ordered list of pairs, in input order, duplicates kept.
 * Zero-initialise (or use AUTH_FORM_INIT) before the first parse;
 * release with auth_form_free(). */
struct auth_form {
	struct auth_form_pair *pairs;
	size_t n;
	size_t cap;
};

#define AUTH_FORM_INIT { NULL, 0, 0 }

/* Percent-decode in[0..len).  '+' becomes a space when plus_is_space is
 * non-zero (form bodies and query strings both use that convention).
 * Returns 0 and stores a NUL-terminated heap string in *out (caller frees
 * with free()); *out_len (optional) gets its length. A '%' not followed by
 * two hex digits is kept as it is, as everywhere in the simulator (and in
 * .NET's UrlDecode, README "Known choices").
 * Returns -EINVAL on a NUL (%00), which a C string cannot carry; -ENOMEM
 * on allocation failure. *out is NULL on error. */
int auth_form_decode(const char *in, size_t len, int plus_is_space, char **out,
		     size_t *out_len);

/* Parse an application/x-www-form-urlencoded body of len bytes (need not be
 * NUL-terminated): pairs separated by '&', name and value percent-decoded,
 * '+' = space, empty segments ("a=1&&b=2") skipped.  Appends to *form, so
 * call auth_form_free() first to reuse one.  Returns 0, -EINVAL (a %00;
 * *form is left with the pairs parsed before the bad one, still to be
 * freed by the caller) or -ENOMEM. */
int auth_form_parse(const char *body, size_t len, struct auth_form *form);

/* Parse a URL query string.  Accepts either the bare query ("a=1&b=2") or a
 * whole request target ("/path?a=1&b=2"; everything up to and including the
 * first '?' is skipped, and a target without '?' yields no pairs).  A '#'
 * fragment ends the query.  Same decoding and return values as
 * auth_form_parse().  qs may be NULL (no pairs). */
int auth_form_parse_query(const char *qs, struct auth_form *form);

/* First value for name (exact, case-sensitive match, as Entra and ARM treat
 * parameter names), or NULL.  The pointer lives as long as *form. */
const char *auth_form_get(const struct auth_form *form, const char *name);

/* Number of pairs whose name is exactly name (to refuse duplicated
 * parameters, as Entra does for some). */
size_t auth_form_count(const struct auth_form *form, const char *name);

/* Adapter with the auth_lookup_fn signature (see auth_http.h): ctx is a
 * const struct auth_form *; returns auth_form_get(ctx, name). */
const char *auth_form_lookup(void *ctx, const char *name);

/* Release every pair and reset *form to empty (reusable). NULL is a no-op. */
void auth_form_free(struct auth_form *form);

#endif
