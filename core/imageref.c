/*
 * imageref.c - image references as dockerd parses them.
 *
 * A port of distribution/reference's ParseAnyReference (normalize.go,
 * reference.go, regexp.go) and go-digest's Parse, message for message:
 * clients match on these texts.  The pieces of the grammar are POSIX
 * extended regular expressions compiled once; the splitting around them
 * (domain, tag, digest) is done by hand, as reference.go does.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/imageref.h"

/* distribution/reference caps the path (the name without its domain). */
#define PATH_MAX_LEN 255

#define COMPONENT "[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*"
#define LABEL "([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"

enum { RE_DOMAIN, RE_REMOTE, RE_TAG, RE_DIGEST, RE_GODIGEST, RE_ID, RE_COUNT };

static const char *const patterns[RE_COUNT] = {
	[RE_DOMAIN] = "^(" LABEL "(\\." LABEL ")*|\\[[a-fA-F0-9:]+\\])(:[0-9]+)?$",
	[RE_REMOTE] = "^" COMPONENT "(/" COMPONENT ")*$",
	[RE_TAG] = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
	[RE_DIGEST] = "^[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[[:xdigit:]]{32,}$",
	/* go-digest's own, looser, test for a well-formed digest. */
	[RE_GODIGEST] = "^[a-z0-9]+([.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$",
	[RE_ID] = "^[a-f0-9]{64}$",
};

static regex_t res[RE_COUNT];
static int res_ok;
static pthread_once_t res_once = PTHREAD_ONCE_INIT;

static void compile_all(void)
{
	for (int i = 0; i < RE_COUNT; i++)
		if (regcomp(&res[i], patterns[i], REG_EXTENDED | REG_NOSUB))
			return;
	res_ok = 1;
}

/* Whether the n bytes at s match pattern `which` as a whole. */
static int matches(int which, const char *s, size_t n)
{
	char buf[512], *tmp = buf;
	int ok;

	if (n >= sizeof(buf) && !(tmp = malloc(n + 1)))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	ok = regexec(&res[which], tmp, 0, NULL, 0) == 0;
	if (tmp != buf)
		free(tmp);
	return ok;
}

/* go-digest's Digest.Validate; NULL when valid, else its message. */
static const char *digest_error(const char *d)
{
	static const struct { const char *algo; size_t hexlen; } algos[] = {
		{"sha256", 64}, {"sha384", 96}, {"sha512", 128},
	};
	const char *colon = strchr(d, ':');
	size_t alen;

	if (!colon || colon == d || !colon[1])
		return "invalid checksum digest format";
	alen = (size_t)(colon - d);
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		if (strlen(algos[i].algo) != alen || strncmp(d, algos[i].algo, alen))
			continue;
		if (strlen(colon + 1) != algos[i].hexlen)
			return "invalid checksum digest length";
		for (const char *p = colon + 1; *p; p++)
			if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
				return "invalid checksum digest format";
		return NULL;
	}
	return matches(RE_GODIGEST, d, strlen(d)) ? "unsupported digest algorithm" :
		"invalid checksum digest format";
}

struct parsed {
	size_t name_len;        /* name: s[0, name_len) */
	size_t path_len;        /* the name without its domain */
	int tagged;
	const char *digest;     /* after '@', or NULL */
};

/* reference.ReferenceRegexp on the whole of s; 0 when it matches. */
static int ref_match(const char *s, struct parsed *p)
{
	const char *at = strchr(s, '@'), *slash, *colon;
	size_t n = at ? (size_t)(at - s) : strlen(s), fs;

	memset(p, 0, sizeof(*p));
	if (at) {
		if (!matches(RE_DIGEST, at + 1, strlen(at + 1)))
			return -1;
		p->digest = at + 1;
	}
	/* Path components never hold ':', so one after the last '/' starts
	 * the tag; one before it belongs to the domain's port. */
	slash = memrchr(s, '/', n);
	colon = memrchr(s, ':', n);
	if (colon && (!slash || colon > slash)) {
		if (!matches(RE_TAG, colon + 1, n - (size_t)(colon + 1 - s)))
			return -1;
		p->tagged = 1;
		n = (size_t)(colon - s);
	}
	p->name_len = n;
	fs = strcspn(s, "/");
	if (fs < n && matches(RE_DOMAIN, s, fs) &&
	    matches(RE_REMOTE, s + fs + 1, n - fs - 1)) {
		p->path_len = n - fs - 1;
		return 0;
	}
	if (matches(RE_REMOTE, s, n)) {
		p->path_len = n;
		return 0;
	}
	return -1;
}

static int has_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return 1;
	return 0;
}

/* reference.Parse: 0, or -1 with its message. */
static int ref_parse(const char *s, struct parsed *p, char *err, size_t errlen)
{
	const char *msg = NULL;

	if (ref_match(s, p) < 0) {
		char *low = strdup(s);
		struct parsed ignored;

		if (!low) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (char *c = low; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		msg = ref_match(low, &ignored) == 0 ?
			"repository name must be lowercase" : "invalid reference format";
		free(low);
	} else if (p->path_len > PATH_MAX_LEN) {
		snprintf(err, errlen, "repository name must not be more than %d characters",
			PATH_MAX_LEN);
		return -1;
	} else if (p->digest) {
		msg = digest_error(p->digest);
	}
	if (msg) {
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	return 0;
}

/*
 * ParseNormalizedNamed: the name joined to its domain ("docker.io/
 * library/alpine:3"), malloc'd, with p filled; NULL with its message.
 */
static char *parse_named(const char *in, struct parsed *p, char *err, size_t errlen)
{
	const char *slash = strchr(in, '/'), *domain = "docker.io", *rest = in;
	const char *library = "";
	size_t dlen = 9, rlen;
	char *full;

	if (matches(RE_ID, in, strlen(in))) {
		snprintf(err, errlen,
			"invalid repository name (%s), cannot specify 64-byte hexadecimal strings", in);
		return NULL;
	}
	/* splitDockerDomain. */
	if (slash) {
		size_t n = (size_t)(slash - in);

		if ((n == 9 && !strncmp(in, "localhost", 9)) ||
		    memchr(in, '.', n) || memchr(in, ':', n) || has_upper(in, n)) {
			if (!(n == 15 && !strncmp(in, "index.docker.io", 15))) {
				domain = in;
				dlen = n;
			}
			rest = slash + 1;
		}
	}
	if (dlen == 9 && !strncmp(domain, "docker.io", 9) && !strchr(rest, '/'))
		library = "library/";
	/* The remote name (up to a ':') must be lowercase. */
	rlen = strcspn(rest, ":");
	if (has_upper(rest, rlen)) {
		snprintf(err, errlen,
			"invalid reference format: repository name (%s%.*s) must be lowercase",
			library, (int)rlen, rest);
		return NULL;
	}
	if (asprintf(&full, "%.*s/%s%s", (int)dlen, domain, library, rest) < 0) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ref_parse(full, p, err, errlen) < 0) {
		free(full);
		return NULL;
	}
	return full;
}

static int compiled(char *err, size_t errlen)
{
	pthread_once(&res_once, compile_all);
	if (!res_ok)
		snprintf(err, errlen, "cannot compile the reference grammar");
	return res_ok;
}

int sl_imageref_parse(const char *in, char **out, char *err, size_t errlen)
{
	struct parsed p;
	char *full;

	*out = NULL;
	if (!compiled(err, errlen))
		return -1;
	if (matches(RE_ID, in, strlen(in)) || !digest_error(in)) {
		if (!(*out = strdup(in))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return SL_IMAGEREF_ID;
	}
	if (!(full = parse_named(in, &p, err, errlen)))
		return -1;
	if (!p.tagged && !p.digest) {
		char *t;

		/* reference.TagNameOnly. */
		if (asprintf(&t, "%s:latest", full) < 0) {
			free(full);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(full);
		full = t;
	}
	*out = full;
	return SL_IMAGEREF_NAME;
}

char *sl_imageref_familiar_name(const char *in)
{
	char err[256], *full, *name;
	struct parsed p;

	if (!compiled(err, sizeof(err)) || !(full = parse_named(in, &p, err, sizeof(err))))
		return NULL;
	full[p.name_len] = '\0';
	name = full;
	/* reference.familiarizeName. */
	if (!strncmp(name, "docker.io/", 10)) {
		name += 10;
		if (!strncmp(name, "library/", 8) && !strchr(name + 8, '/'))
			name += 8;
	}
	memmove(full, name, strlen(name) + 1);
	return full;
}
