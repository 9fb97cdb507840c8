/*
 * detach.c - parsing and matching Docker's detach keys.
 */
#include "config.h"

#include <string.h>

#include "core/detach.h"

/* ctrl-@ is 0, ctrl-a 1 ... ctrl-z 26, then these five. */
static const char ctrl_tail[] = "[\\]^_";

static int parse_key(const char *k, size_t len, unsigned char *out)
{
	if (len == 1) {
		*out = (unsigned char)k[0];
		return 0;
	}
	if (len == 3 && !memcmp(k, "DEL", 3)) {
		*out = 127;
		return 0;
	}
	if (len != 6 || memcmp(k, "ctrl-", 5))
		return -1;
	if (k[5] == '@') {
		*out = 0;
	} else if (k[5] >= 'a' && k[5] <= 'z') {
		*out = (unsigned char)(k[5] - 'a' + 1);
	} else {
		const char *p = k[5] ? strchr(ctrl_tail, k[5]) : NULL;

		if (!p)
			return -1;
		*out = (unsigned char)(27 + (p - ctrl_tail));
	}
	return 0;
}

int sl_detach_parse(struct sl_detach *d, const char *spec)
{
	const char *p;

	memset(d, 0, sizeof(*d));
	if (!spec || !*spec)
		spec = "ctrl-p,ctrl-q";
	for (p = spec;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (d->n == SL_DETACH_MAX || parse_key(p, len, &d->keys[d->n]) < 0) {
			memset(d, 0, sizeof(*d));
			return -1;
		}
		d->n++;
		if (!end)
			return 0;
		p = end + 1;
	}
}

size_t sl_detach_feed(struct sl_detach *d, const void *in, size_t n,
	void *out, int *hit)
{
	const unsigned char *src = in;
	unsigned char *dst = out;
	size_t w = 0;

	*hit = 0;
	if (!d->n) {
		memcpy(dst, src, n);
		return n;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = src[i];

		if (c != d->keys[d->matched] && d->matched) {
			/* The sequence broke: what was held was input after all. */
			memcpy(dst + w, d->keys, d->matched);
			w += d->matched;
			d->matched = 0;
		}
		if (c != d->keys[d->matched]) {
			dst[w++] = c;
			continue;
		}
		if (++d->matched == d->n) {
			d->matched = 0;
			*hit = 1;
			break;
		}
	}
	return w;
}

size_t sl_detach_release(struct sl_detach *d, void *out)
{
	size_t n = d->matched;

	memcpy(out, d->keys, n);
	d->matched = 0;
	return n;
}
