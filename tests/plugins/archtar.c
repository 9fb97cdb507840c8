/*
 * archtar.c - see archtar.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockerless/plugin.h"
#include "archtar.h"

#define BLOCK 512

void at_entry_clear(struct at_entry *e)
{
	free(e->name);
	free(e->link);
	memset(e, 0, sizeof(*e));
}

/* ---- writing --------------------------------------------------------- */

static void octal(char *field, size_t len, int64_t v)
{
	/* len - 1 digits and a NUL, as GNU tar and Go write them. */
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%0*" PRIo64, (int)len - 1, (uint64_t)v);
	memcpy(field, tmp, len - 1);
	field[len - 1] = '\0';
}

static int needs_pax(const char *s, size_t max)
{
	if (!s)
		return 0;
	if (strlen(s) >= max)
		return 1;
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static void checksum(unsigned char *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

static void fill(unsigned char *h, const char *name, const char *link,
	char type, uint32_t mode, int64_t uid, int64_t gid, int64_t size,
	int64_t mtime)
{
	memset(h, 0, BLOCK);
	strncpy((char *)h, name, 100);
	octal((char *)h + 100, 8, mode);
	octal((char *)h + 108, 8, uid);
	octal((char *)h + 116, 8, gid);
	octal((char *)h + 124, 12, size);
	octal((char *)h + 136, 12, mtime);
	h[156] = (unsigned char)type;
	if (link)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, "ustar\0" "00", 8);
	checksum(h);
}

/* One PAX record: "LEN key=value\n", LEN counting itself. */
static size_t pax_record(char *out, size_t room, const char *key,
	const char *val)
{
	size_t body = strlen(key) + strlen(val) + 3, len = body + 1, digits;

	for (;;) {
		digits = (size_t)snprintf(NULL, 0, "%zu", len);
		if (body + digits == len)
			break;
		len = body + digits;
	}
	if (out && len <= room)
		snprintf(out, room, "%zu %s=%s\n", len, key, val);
	return len;
}

int at_write_header(at_write_fn w, void *ctx, const struct at_entry *e)
{
	unsigned char h[BLOCK];
	int rc;

	if (needs_pax(e->name, 100) || needs_pax(e->link, 100)) {
		size_t len = 0, off = 0;
		char *pax;

		if (needs_pax(e->name, 100))
			len += pax_record(NULL, 0, "path", e->name);
		if (needs_pax(e->link, 100))
			len += pax_record(NULL, 0, "linkpath", e->link);
		pax = malloc(len + 1);
		if (!pax)
			return SL_ENOMEM;
		if (needs_pax(e->name, 100))
			off += pax_record(pax + off, len + 1 - off, "path", e->name);
		if (needs_pax(e->link, 100))
			off += pax_record(pax + off, len + 1 - off, "linkpath", e->link);
		fill(h, "PaxHeaders/entry", NULL, 'x', 0644, 0, 0, (int64_t)len,
			e->mtime);
		rc = w(ctx, h, BLOCK);
		if (!rc)
			rc = w(ctx, pax, len);
		free(pax);
		if (!rc)
			rc = at_write_pad(w, ctx, (int64_t)len);
		if (rc)
			return rc;
	}
	fill(h, e->name, e->link, e->type, e->mode, e->uid, e->gid,
		e->type == '0' ? e->size : 0, e->mtime);
	return w(ctx, h, BLOCK);
}

int at_write_pad(at_write_fn w, void *ctx, int64_t size)
{
	static const unsigned char zero[BLOCK];
	size_t pad = (size_t)((BLOCK - size % BLOCK) % BLOCK);

	return pad ? w(ctx, zero, pad) : 0;
}

int at_write_end(at_write_fn w, void *ctx)
{
	static const unsigned char zero[2 * BLOCK];

	return w(ctx, zero, sizeof(zero));
}

/* ---- reading --------------------------------------------------------- */

/* Exactly n bytes, or an error: a short source is a truncated archive. */
static int read_full(struct at_reader *r, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t got = r->read(r->ctx, p, n);

		if (got < 0) {
			r->error = got == SL_ECANCELED ? "the upload was cancelled" :
				"cannot read the upload";
			return (int)got;
		}
		if (got == 0) {
			r->error = "unexpected EOF: the archive is truncated";
			return SL_EINVAL;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static int skip(struct at_reader *r, int64_t n)
{
	char buf[4096];

	while (n > 0) {
		size_t k = n > (int64_t)sizeof(buf) ? sizeof(buf) : (size_t)n;
		int rc = read_full(r, buf, k);

		if (rc)
			return rc;
		n -= (int64_t)k;
	}
	return 0;
}

static int64_t parse_num(const unsigned char *f, size_t len)
{
	int64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {   /* GNU base-256 */
		v = f[0] & 0x3f;
		for (i = 1; i < len; i++)
			v = v << 8 | f[i];
		return v;
	}
	while (i < len && (f[i] == ' ' || f[i] == 0))
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (f[i] - '0');
	return v;
}

static char *field(const unsigned char *f, size_t len)
{
	size_t n = strnlen((const char *)f, len);
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, f, n);
		s[n] = '\0';
	}
	return s;
}

/* Reads a record body (PAX or GNU long name) of `size` bytes. */
static char *read_body(struct at_reader *r, int64_t size)
{
	char *buf;

	if (size < 0 || size > (1 << 20)) {
		r->error = "an extended header is too large";
		return NULL;
	}
	buf = malloc((size_t)size + 1);
	if (!buf) {
		r->error = "out of memory";
		return NULL;
	}
	if (read_full(r, buf, (size_t)size) ||
	    skip(r, (BLOCK - size % BLOCK) % BLOCK)) {
		free(buf);
		return NULL;
	}
	buf[size] = '\0';
	return buf;
}

/* Applies the PAX records we use: path, linkpath, size. */
static void pax_apply(char *p, char **path, char **link, int64_t *size)
{
	while (*p) {
		char *end, *key, *eq;
		long len = strtol(p, &end, 10);

		if (len <= 0 || *end != ' ' || (size_t)len > strlen(p))
			return;
		key = end + 1;
		eq = memchr(key, '=', (size_t)(p + len - key));
		if (eq && p[len - 1] == '\n') {
			size_t vl = (size_t)(p + len - 1 - eq - 1);
			char *v = malloc(vl + 1);

			if (v) {
				memcpy(v, eq + 1, vl);
				v[vl] = '\0';
				if (!strncmp(key, "path=", 5)) {
					free(*path);
					*path = v;
				} else if (!strncmp(key, "linkpath=", 9)) {
					free(*link);
					*link = v;
				} else {
					if (!strncmp(key, "size=", 5))
						*size = strtoll(v, NULL, 10);
					free(v);
				}
			}
		}
		p += len;
	}
}

int at_next(struct at_reader *r, struct at_entry *e)
{
	unsigned char h[BLOCK];
	char *path = NULL, *link = NULL;
	int64_t pax_size = -1;
	int rc;

	memset(e, 0, sizeof(*e));
	/* What the caller left of the last entry. */
	rc = skip(r, r->left + r->pad);
	r->left = r->pad = 0;
	if (rc)
		return rc;
	for (;;) {
		unsigned sum = 0;
		int64_t size;
		char type;

		if ((rc = read_full(r, h, BLOCK)))
			goto fail;
		for (int i = 0; i < BLOCK; i++)
			sum += i >= 148 && i < 156 ? ' ' : h[i];
		if (sum == 8 * ' ') {
			/* A zero block: the end marker (the second one is not
			 * required). */
			free(path);
			free(link);
			return 0;
		}
		if (sum != (unsigned)parse_num(h + 148, 8)) {
			r->error = "invalid tar header (bad checksum)";
			rc = SL_EINVAL;
			goto fail;
		}
		size = parse_num(h + 124, 12);
		type = (char)h[156];
		if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
			char *body = read_body(r, size);

			if (!body) {
				rc = SL_EINVAL;
				goto fail;
			}
			if (type == 'x') {
				pax_apply(body, &path, &link, &pax_size);
				free(body);
			} else if (type == 'L') {
				free(path);
				path = body;
			} else if (type == 'K') {
				free(link);
				link = body;
			} else {
				free(body);   /* global records: nothing we use */
			}
			continue;
		}
		if (!path) {
			char *name = field(h, 100);

			if (name && !memcmp(h + 257, "ustar", 5) && h[345]) {
				char *prefix = field(h + 345, 155);
				size_t n = prefix ? strlen(prefix) + strlen(name) + 2 : 0;

				path = prefix ? malloc(n) : NULL;
				if (path)
					snprintf(path, n, "%s/%s", prefix, name);
				free(prefix);
				free(name);
			} else {
				path = name;
			}
		}
		if (!link && h[157])
			link = field(h + 157, 100);
		if (!path) {
			r->error = "out of memory";
			rc = SL_ENOMEM;
			goto fail;
		}
		if (pax_size >= 0)
			size = pax_size;
		e->type = type == '\0' || type == '7' ? '0' : type;
		e->name = path;
		e->link = link;
		e->mode = (uint32_t)parse_num(h + 100, 8) & 07777;
		e->uid = parse_num(h + 108, 8);
		e->gid = parse_num(h + 116, 8);
		e->mtime = parse_num(h + 136, 12);
		/* Links and directories carry no content whatever the size
		 * field says; other entries' content is the caller's to read
		 * or skip. */
		e->size = e->type == '1' || e->type == '2' || e->type == '5' ? 0 : size;
		r->left = e->size;
		r->pad = (BLOCK - e->size % BLOCK) % BLOCK;
		return 1;
	}
fail:
	free(path);
	free(link);
	return rc;
}

ssize_t at_read_data(struct at_reader *r, void *buf, size_t n)
{
	int rc;

	if (!r->left)
		return 0;
	if ((int64_t)n > r->left)
		n = (size_t)r->left;
	rc = read_full(r, buf, n);
	if (rc)
		return rc;
	r->left -= (int64_t)n;
	return (ssize_t)n;
}
