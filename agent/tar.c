/*
 * agent/tar.c - a POSIX ustar writer with PAX extended headers for what
 * ustar cannot hold (long names and link targets, large sizes and ids),
 * and a reader for ustar, PAX and GNU long names (what docker cp and Go's
 * archive/tar write).
 */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 512

/* ---- writer ---- */

static void
octal(char *field, size_t width, uint64_t v)
{
	/* width - 1 digits and a NUL, as tar readers everywhere accept. */
	snprintf(field, width, "%0*llo", (int)(width - 1), (unsigned long long)v);
}

static int
fits(uint64_t v, size_t width)
{
	return v < (1ULL << (3 * (width - 1)));
}

/* Appends one "LEN key=value\n" record; LEN counts the whole record. */
static int
pax_add(char **buf, size_t *len, const char *key, const char *val)
{
	size_t body = strlen(key) + strlen(val) + 3, n = body + 1, digits;
	char *nb;

	/* The length includes its own digits: settle the fixed point. */
	for (;;) {
		char tmp[32];

		digits = (size_t)snprintf(tmp, sizeof(tmp), "%zu", n);
		if (body + digits == n)
			break;
		n = body + digits;
	}
	if ((nb = realloc(*buf, *len + n + 1)) == NULL)
		return -1;
	snprintf(nb + *len, n + 1, "%zu %s=%s\n", n, key, val);
	*buf = nb;
	*len += n;
	return 0;
}

static void
header_block(char *b, const char *name, const char *link, int type,
    mode_t mode, uid_t uid, gid_t gid, uint64_t size, int64_t mtime)
{
	unsigned sum = 0;

	memset(b, 0, BLOCK);
	strncpy(b, name, 100);
	octal(b + 100, 8, mode & 07777);
	octal(b + 108, 8, fits(uid, 8) ? uid : 0);
	octal(b + 116, 8, fits(gid, 8) ? gid : 0);
	octal(b + 124, 12, fits(size, 12) ? size : 0);
	octal(b + 136, 12, mtime > 0 && fits((uint64_t)mtime, 12) ?
	    (uint64_t)mtime : 0);
	b[156] = (char)type;
	if (link != NULL)
		strncpy(b + 157, link, 100);
	memcpy(b + 257, "ustar", 6);
	memcpy(b + 263, "00", 2);
	memset(b + 148, ' ', 8);
	for (int i = 0; i < BLOCK; i++)
		sum += (unsigned char)b[i];
	snprintf(b + 148, 8, "%06o", sum);
}

int
ag_tar_put_header(const struct ag_tar_hdr *h, ag_tar_write_fn w, void *ctx)
{
	char b[BLOCK], num[32], *pax = NULL;
	size_t plen = 0;
	int rc = -1;

	if (strlen(h->name) > 100 && pax_add(&pax, &plen, "path", h->name) < 0)
		goto out;
	if (h->linkname && strlen(h->linkname) > 100 &&
	    pax_add(&pax, &plen, "linkpath", h->linkname) < 0)
		goto out;
	if (!fits(h->size, 12)) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)h->size);
		if (pax_add(&pax, &plen, "size", num) < 0)
			goto out;
	}
	if (!fits(h->uid, 8)) {
		snprintf(num, sizeof(num), "%lu", (unsigned long)h->uid);
		if (pax_add(&pax, &plen, "uid", num) < 0)
			goto out;
	}
	if (!fits(h->gid, 8)) {
		snprintf(num, sizeof(num), "%lu", (unsigned long)h->gid);
		if (pax_add(&pax, &plen, "gid", num) < 0)
			goto out;
	}
	if (pax != NULL) {
		char pname[101];

		snprintf(pname, sizeof(pname), "PaxHeaders/%.88s", h->name);
		header_block(b, pname, NULL, 'x', 0644, 0, 0, plen, h->mtime);
		if (w(ctx, b, BLOCK) < 0 || w(ctx, pax, plen) < 0 ||
		    ag_tar_put_pad(plen, w, ctx) < 0)
			goto out;
	}
	header_block(b, h->name, h->linkname, h->type, h->mode, h->uid, h->gid,
	    h->size, h->mtime);
	rc = w(ctx, b, BLOCK);
out:
	free(pax);
	return rc;
}

int
ag_tar_put_pad(uint64_t size, ag_tar_write_fn w, void *ctx)
{
	static const char zero[BLOCK];
	size_t pad = (BLOCK - size % BLOCK) % BLOCK;

	return pad ? w(ctx, zero, pad) : 0;
}

int
ag_tar_put_end(ag_tar_write_fn w, void *ctx)
{
	static const char zero[2 * BLOCK];

	return w(ctx, zero, sizeof(zero));
}

/* ---- reader ---- */

/* Reads exactly LEN bytes: 1, 0 at a clean end, -1 truncated/error. */
static int
read_exact(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return got == 0 && r == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

static int
skip(int fd, uint64_t n)
{
	char buf[8192];

	while (n > 0) {
		size_t k = n > sizeof(buf) ? sizeof(buf) : (size_t)n;

		if (read_exact(fd, buf, k) != 1)
			return -1;
		n -= k;
	}
	return 0;
}

/* An octal field, or GNU's base-256 form (high bit of the first byte). */
static uint64_t
number(const char *f, size_t width)
{
	uint64_t v = 0;
	size_t i = 0;

	if ((unsigned char)f[0] & 0x80) {
		v = (unsigned char)f[0] & 0x7f;
		for (i = 1; i < width; i++)
			v = v << 8 | (unsigned char)f[i];
		return v;
	}
	while (i < width && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(f[i] - '0');
	return v;
}

static int
checksum_ok(const unsigned char *b)
{
	unsigned long want = (unsigned long)number((const char *)b + 148, 8);
	unsigned long u = 0;
	long s = 0;

	for (int i = 0; i < BLOCK; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : b[i];

		u += c;
		s += (signed char)c;
	}
	return want == u || (long)want == s;
}

/* Reads the data of a metadata entry (PAX, GNU long name): caller frees. */
static char *
read_meta(struct ag_tar_in *t, uint64_t size)
{
	char *d;

	if (size > SL_AGENT_MAX_PAYLOAD)
		return NULL;
	if ((d = malloc((size_t)size + 1)) == NULL)
		return NULL;
	if (read_exact(t->fd, d, (size_t)size) != 1 ||
	    skip(t->fd, (BLOCK - size % BLOCK) % BLOCK) < 0) {
		free(d);
		return NULL;
	}
	d[size] = '\0';
	return d;
}

struct pax {
	char *path, *linkpath;
	int has_size, has_uid, has_gid, has_mtime;
	uint64_t size;
	unsigned long uid, gid;
	int64_t mtime;
};

static int
pax_parse(struct pax *p, char *d, size_t len)
{
	char *s = d, *end = d + len;

	while (s < end) {
		char *sp, *eq, *rec_end;
		unsigned long n = strtoul(s, &sp, 10);

		if (sp == s || *sp != ' ' || n == 0 || n > (size_t)(end - s))
			return -1;
		rec_end = s + n;
		if (rec_end[-1] != '\n' || (eq = memchr(sp, '=', (size_t)(rec_end - sp))) == NULL)
			return -1;
		*eq = '\0';
		rec_end[-1] = '\0';
		const char *key = sp + 1, *val = eq + 1;

		if (strcmp(key, "path") == 0) {
			free(p->path);
			p->path = strdup(val);
		} else if (strcmp(key, "linkpath") == 0) {
			free(p->linkpath);
			p->linkpath = strdup(val);
		} else if (strcmp(key, "size") == 0) {
			p->has_size = 1;
			p->size = strtoull(val, NULL, 10);
		} else if (strcmp(key, "uid") == 0) {
			p->has_uid = 1;
			p->uid = strtoul(val, NULL, 10);
		} else if (strcmp(key, "gid") == 0) {
			p->has_gid = 1;
			p->gid = strtoul(val, NULL, 10);
		} else if (strcmp(key, "mtime") == 0) {
			p->has_mtime = 1;
			p->mtime = strtoll(val, NULL, 10);
		}
		s = rec_end;
	}
	return 0;
}

void
ag_tar_hdr_free(struct ag_tar_hdr *h)
{
	free(h->name);
	free(h->linkname);
	h->name = h->linkname = NULL;
}

int
ag_tar_next(struct ag_tar_in *t, struct ag_tar_hdr *h)
{
	unsigned char b[BLOCK];
	struct pax p = { 0 };
	char *gnu_name = NULL, *gnu_link = NULL;
	int rc = -1;

	memset(h, 0, sizeof(*h));
	if (skip(t->fd, t->left + t->pad) < 0)
		return -1;
	t->left = t->pad = 0;
	for (;;) {
		int r = read_exact(t->fd, b, BLOCK);

		if (r == 0) {
			rc = 0;	/* no end blocks: accept, as GNU tar does */
			goto out;
		}
		if (r < 0)
			goto out;
		int zero = 1;

		for (int i = 0; i < BLOCK && zero; i++)
			zero = b[i] == 0;
		if (zero) {
			rc = 0;
			goto out;
		}
		if (!checksum_ok(b))
			goto out;
		uint64_t size = number((char *)b + 124, 12);
		int type = b[156];
		char *d;

		if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
			if ((d = read_meta(t, size)) == NULL)
				goto out;
			if (type == 'x' && pax_parse(&p, d, (size_t)size) < 0) {
				free(d);
				goto out;
			}
			if (type == 'L') {
				free(gnu_name);
				gnu_name = d;
			} else if (type == 'K') {
				free(gnu_link);
				gnu_link = d;
			} else {
				free(d);
			}
			continue;
		}
		char name[257];

		if (memcmp(b + 257, "ustar", 5) == 0 && b[345] != '\0')
			snprintf(name, sizeof(name), "%.155s/%.100s",
			    (char *)b + 345, (char *)b);
		else
			snprintf(name, sizeof(name), "%.100s", (char *)b);
		h->name = strdup(p.path ? p.path : gnu_name ? gnu_name : name);
		snprintf(name, sizeof(name), "%.100s", (char *)b + 157);
		h->linkname = strdup(p.linkpath ? p.linkpath :
		    gnu_link ? gnu_link : name);
		if (h->name == NULL || h->linkname == NULL) {
			ag_tar_hdr_free(h);
			goto out;
		}
		h->type = type ? type : '0';
		h->mode = (mode_t)number((char *)b + 100, 8);
		h->uid = (uid_t)(p.has_uid ? p.uid : number((char *)b + 108, 8));
		h->gid = (gid_t)(p.has_gid ? p.gid : number((char *)b + 116, 8));
		h->size = p.has_size ? p.size : size;
		h->mtime = p.has_mtime ? p.mtime :
		    (int64_t)number((char *)b + 136, 12);
		/* Only regular files carry data we read; others' is skipped. */
		t->left = h->size;
		if (h->type != '0' && h->type != '7') {
			if (h->type == '1' || h->type == '2' || h->type == '5')
				t->left = 0;
		}
		t->pad = (BLOCK - t->left % BLOCK) % BLOCK;
		rc = 1;
		goto out;
	}
out:
	free(p.path);
	free(p.linkpath);
	free(gnu_name);
	free(gnu_link);
	return rc;
}

ssize_t
ag_tar_read(struct ag_tar_in *t, void *buf, size_t len)
{
	ssize_t r;

	if (t->left == 0)
		return 0;
	if (len > t->left)
		len = (size_t)t->left;
	do
		r = read(t->fd, buf, len);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;	/* the archive ended inside the entry */
	t->left -= (uint64_t)r;
	return r;
}
