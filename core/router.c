/*
 * router.c - version prefixes and path matching.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/router.h"

static int parse_version(const char *s, int *maj, int *min, size_t *len)
{
	char *end;
	long a, b;

	a = strtol(s, &end, 10);
	if (end == s || *end != '.')
		return -1;
	s = end + 1;
	b = strtol(s, &end, 10);
	if (end == s || a < 0 || b < 0 || a > 99 || b > 999)
		return -1;
	*maj = (int)a;
	*min = (int)b;
	*len = (size_t)(end - (s - 1)) + 0;
	return 0;
}

int sl_router_version(struct sl_req *r, enum MHD_Result *ret)
{
	int smaj, smin, mmaj, mmin;
	size_t dummy;
	const char *u = r->url;

	parse_version(SL_API_VERSION, &smaj, &smin, &dummy);
	parse_version(SL_API_MIN_VERSION, &mmaj, &mmin, &dummy);
	r->api_major = smaj;
	r->api_minor = smin;
	r->path = u;
	if (u[0] == '/' && u[1] == 'v' && u[2] >= '0' && u[2] <= '9') {
		int maj, min;
		char *end;
		long a = strtol(u + 2, &end, 10), b;

		if (*end != '.') {
			*ret = sl_http_error(r, 404, "page not found");
			return -1;
		}
		b = strtol(end + 1, &end, 10);
		if ((*end != '/' && *end != '\0') || a > 99 || b > 999) {
			*ret = sl_http_error(r, 404, "page not found");
			return -1;
		}
		maj = (int)a;
		min = (int)b;
		if (maj > smaj || (maj == smaj && min > smin)) {
			*ret = sl_http_error(r, 400,
				"client version %d.%d is too new. Maximum supported API version is %s",
				maj, min, SL_API_VERSION);
			return -1;
		}
		if (maj < mmaj || (maj == mmaj && min < mmin)) {
			*ret = sl_http_error(r, 400,
				"client version %d.%d is too old. Minimum supported API version is %s, please upgrade your client to a newer version",
				maj, min, SL_API_MIN_VERSION);
			return -1;
		}
		r->api_major = maj;
		r->api_minor = min;
		r->path = *end ? end : "/";
	}
	return 0;
}

/*
 * The length of the text a {name*} capture takes from path: everything up
 * to the literal tail that ends the pattern (rest, which has no further
 * captures), so "/images/{name*}/json" captures "quay.io/libpod/alpine:3"
 * as gorilla/mux's {name:.*} does for dockerd.  0 when path does not end
 * with rest.
 */
static size_t span_capture(const char *rest, const char *path)
{
	size_t lp = strlen(path), lr = strlen(rest);

	/* A trailing slash is tolerated here too. */
	if (lp > 1 && path[lp - 1] == '/' && (lr == 0 || rest[lr - 1] != '/'))
		lp--;
	if (lp <= lr || strncmp(path + lp - lr, rest, lr) != 0)
		return 0;
	return lp - lr;
}

/* Matches one pattern; captures {name} segments into r->params. */
static int match(const char *pat, const char *path, struct sl_req *r)
{
	int np = 0;

	while (*pat && *path) {
		if (*pat == '{') {
			const char *pe = strchr(pat, '}');
			size_t n;

			if (pe && pe[-1] == '*')
				n = strchr(pe + 1, '{') ? 0 : span_capture(pe + 1, path);
			else
				n = strcspn(path, "/");
			if (!pe || n == 0 || np >= SL_MAX_PARAMS)
				goto no;
			free(r->params[np]);
			r->params[np++] = strndup(path, n);
			pat = pe + 1;
			path += n;
			continue;
		}
		if (*pat != *path)
			goto no;
		pat++;
		path++;
	}
	/* A trailing slash is tolerated, as gorilla/mux does for Docker. */
	if (*path == '/' && path[1] == '\0')
		path++;
	if (*pat == '\0' && *path == '\0')
		return 1;
no:
	sl_router_clear(r);
	return 0;
}

const struct sl_route *sl_router_match(struct sl_req *r, int *path_known)
{
	const char *m = r->method;

	*path_known = 0;
	if (!strcmp(m, "HEAD"))
		m = "GET";
	for (const struct sl_route *rt = sl_routes; rt->pattern; rt++) {
		if (!match(rt->pattern, r->path, r))
			continue;
		if (!strcmp(rt->method, r->method) || !strcmp(rt->method, m))
			return rt;
		*path_known = 1;
		sl_router_clear(r);
	}
	return NULL;
}

void sl_router_clear(struct sl_req *r)
{
	for (int i = 0; i < SL_MAX_PARAMS; i++) {
		free(r->params[i]);
		r->params[i] = NULL;
	}
}
