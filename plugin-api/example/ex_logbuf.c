/*
 * ex_logbuf.c - the bounded, in-memory output buffer of a container.
 *
 * Output is kept as records split at newlines, each with the time it was
 * read, so logs() can filter by time and stream and count lines for
 * --tail, while attach() can replay the bytes exactly.  When the byte
 * limit is exceeded the oldest records go first, as with a rotating log,
 * except those a pinned reader has not copied yet: the writer waits for
 * such readers (ex_logbuf_backlog) instead of dropping their output.
 */
#include <stdlib.h>
#include <string.h>

#include "ex.h"

void ex_logbuf_init(struct ex_logbuf *lb, size_t limit)
{
	memset(lb, 0, sizeof(*lb));
	lb->limit = limit;
}

void ex_logbuf_fini(struct ex_logbuf *lb)
{
	for (size_t i = 0; i < lb->count; i++)
		free(lb->ring[(lb->head + i) % lb->cap]);
	free(lb->ring);
	memset(lb, 0, sizeof(*lb));
}

static void drop_oldest(struct ex_logbuf *lb)
{
	struct ex_rec *r = lb->ring[lb->head];

	lb->bytes -= r->len;
	free(r);
	lb->ring[lb->head] = NULL;
	lb->head = (lb->head + 1) % lb->cap;
	lb->count--;
	lb->first_seq++;
}

/* Drops the oldest records beyond the limit, but never the newest one
 * (even when it alone is too big) nor any from `keep` on. */
static void trim(struct ex_logbuf *lb, uint64_t keep)
{
	while (lb->bytes > lb->limit && lb->count > 1 && lb->first_seq < keep)
		drop_oldest(lb);
}

static int grow(struct ex_logbuf *lb)
{
	size_t ncap = lb->cap ? lb->cap * 2 : 64;
	struct ex_rec **n = calloc(ncap, sizeof(*n));

	if (!n)
		return SL_ENOMEM;
	/* Unwrap the ring so head becomes 0. */
	for (size_t i = 0; i < lb->count; i++)
		n[i] = lb->ring[(lb->head + i) % lb->cap];
	free(lb->ring);
	lb->ring = n;
	lb->cap = ncap;
	lb->head = 0;
	return 0;
}

/* The oldest record some pin still needs (UINT64_MAX without pins). */
static uint64_t pinned_from(const struct ex_logbuf *lb)
{
	uint64_t min = UINT64_MAX;

	for (const struct ex_logpin *p = lb->pins; p; p = p->next)
		if (p->seq < min)
			min = p->seq;
	return min;
}

static int push(struct ex_logbuf *lb, uint64_t keep, int fd, int64_t ts_ns,
	const char *data, size_t len)
{
	struct ex_rec *r;

	if (lb->count == lb->cap && grow(lb) < 0)
		return SL_ENOMEM;
	r = malloc(sizeof(*r) + len);
	if (!r)
		return SL_ENOMEM;
	r->ts_ns = ts_ns;
	r->off = lb->total;
	r->fd = fd;
	r->len = len;
	memcpy(r->data, data, len);
	lb->ring[(lb->head + lb->count) % lb->cap] = r;
	lb->count++;
	lb->bytes += len;
	lb->total += len;
	trim(lb, keep);
	return 0;
}

int ex_logbuf_append(struct ex_logbuf *lb, int fd, int64_t ts_ns,
	const char *data, size_t len)
{
	uint64_t keep = pinned_from(lb);

	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t piece = nl ? (size_t)(nl - data) + 1 : len;
		int rc = push(lb, keep, fd, ts_ns, data, piece);

		if (rc < 0)
			return rc;
		data += piece;
		len -= piece;
	}
	return 0;
}

int ex_logbuf_copy(const struct ex_logbuf *lb, uint64_t from,
	struct ex_rec ***out, size_t *n, uint64_t *next)
{
	uint64_t end = ex_logbuf_end(lb);
	struct ex_rec **v = NULL;
	size_t cnt, i;

	*out = NULL;
	*n = 0;
	if (from < lb->first_seq)
		from = lb->first_seq;
	*next = end > from ? end : from;
	if (from >= end)
		return 0;
	cnt = (size_t)(end - from);
	v = calloc(cnt, sizeof(*v));
	if (!v)
		return SL_ENOMEM;
	for (i = 0; i < cnt; i++) {
		const struct ex_rec *r =
			lb->ring[(lb->head + (size_t)(from - lb->first_seq) + i) % lb->cap];

		v[i] = malloc(sizeof(*r) + r->len);
		if (!v[i]) {
			ex_recs_free(v, i);
			return SL_ENOMEM;
		}
		memcpy(v[i], r, sizeof(*r) + r->len);
	}
	*out = v;
	*n = cnt;
	return 0;
}

void ex_recs_free(struct ex_rec **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

uint64_t ex_logbuf_since(const struct ex_logbuf *lb, int64_t ts_ns)
{
	size_t i = lb->count;

	/* Records are appended in time order: walk back from the newest. */
	while (i > 0 && lb->ring[(lb->head + i - 1) % lb->cap]->ts_ns >= ts_ns)
		i--;
	return lb->first_seq + i;
}

void ex_logbuf_pin(struct ex_logbuf *lb, struct ex_logpin *p, uint64_t seq)
{
	p->seq = seq;
	p->next = lb->pins;
	lb->pins = p;
}

void ex_logbuf_unpin(struct ex_logbuf *lb, struct ex_logpin *p)
{
	for (struct ex_logpin **pp = &lb->pins; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	/* What the pin held beyond the limit goes now, not at the next
	 * output (there may be none). */
	trim(lb, pinned_from(lb));
}

uint64_t ex_logbuf_backlog(const struct ex_logbuf *lb)
{
	uint64_t from = pinned_from(lb);

	if (from >= ex_logbuf_end(lb))
		return 0;
	if (from < lb->first_seq)
		from = lb->first_seq;
	return lb->total -
		lb->ring[(lb->head + (size_t)(from - lb->first_seq)) % lb->cap]->off;
}
