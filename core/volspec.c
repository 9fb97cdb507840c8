/*
 * volspec.c - the text forms of volume mounts (see volspec.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/volspec.h"

/* dockerd's RestrictedNameChars: [a-zA-Z0-9][a-zA-Z0-9_.-]. */
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

int sl_volspec_valid_name(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);

	if (n == 1) {
		snprintf(err, errlen,
			"volume name is too short, names should be at least two alphanumeric characters");
		return -1;
	}
	/* The store caps ids at 200 bytes; a longer name would be cut. */
	if (n == 0 || n > 200 || strspn(name, NAME_CHARS) != n || strchr("_.-", name[0])) {
		snprintf(err, errlen,
			"\"%s\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path",
			name);
		return -1;
	}
	return 0;
}

/* Copies s[0..n) into dst (size len); -1 when it does not fit. */
static int put(char *dst, size_t len, const char *s, size_t n)
{
	if (n >= len)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int sl_volspec_bind(const char *bind, struct sl_volspec *out, char *err,
	size_t errlen)
{
	const char *c1 = strchr(bind, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	int kind;

	memset(out, 0, sizeof(*out));
	if (!c1) {
		kind = SL_VOLSPEC_ANON;
		if (put(out->dst, sizeof(out->dst), bind, strlen(bind)) < 0)
			goto bad;
	} else {
		const char *dst = c1 + 1;
		size_t dn = c2 ? (size_t)(c2 - dst) : strlen(dst);

		kind = bind[0] == '/' ? SL_VOLSPEC_BIND : SL_VOLSPEC_NAMED;
		if (c1 == bind || put(out->name, sizeof(out->name), bind, (size_t)(c1 - bind)) < 0 ||
		    put(out->dst, sizeof(out->dst), dst, dn) < 0 ||
		    (c2 && (!c2[1] || strchr(c2 + 1, ':') ||
			    put(out->mode, sizeof(out->mode), c2 + 1, strlen(c2 + 1)) < 0)))
			goto bad;
	}
	if (out->dst[0] != '/')
		goto bad;
	return kind;
bad:
	snprintf(err, errlen, "invalid volume specification: '%s'", bind);
	return -1;
}

void sl_volspec_split(const char *entry, struct sl_volspec *out)
{
	const char *c1 = strchr(entry, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	memset(out, 0, sizeof(*out));
	if (!c1) {
		snprintf(out->name, sizeof(out->name), "%s", entry);
		return;
	}
	snprintf(out->name, sizeof(out->name), "%.*s", (int)(c1 - entry), entry);
	snprintf(out->dst, sizeof(out->dst), "%.*s",
		(int)(c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)), c1 + 1);
	if (c2)
		snprintf(out->mode, sizeof(out->mode), "%s", c2 + 1);
}

int sl_volspec_read_only(const char *mode)
{
	size_t n;

	for (const char *p = mode; *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == 2 && !strncmp(p, "ro", 2))
			return 1;
	}
	return 0;
}
