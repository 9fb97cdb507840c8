/*
 * agent/outbuf.c - the main process's output as a bounded list of chunks
 * addressed by byte offset (PROTOCOL.md section 4, attach "from").
 * Attach sessions read it at their own pace.  The process's output waits
 * for a reader that is behind but reading (ag_outbuf_held), as dockerd's
 * does for an attached client; a reader that stopped reading does not
 * hold it, and once it falls behind the oldest byte held it has
 * overflowed.  The caller locks (ag_main.mu).
 *
 * Each chunk carries the time its first byte was read (protocol v2's
 * stamps); a later read joins it only within MERGE_NS, so no byte's
 * stamp is older than its reading by more than that.
 */
#include "agent.h"

#include <stdlib.h>
#include <string.h>

/* Consecutive writes of one stream merge up to this size, so a chatty
 * process does not make one chunk per line. */
#define MERGE_MAX (64 * 1024)
#define MERGE_NS 1000000

void
ag_outbuf_init(struct ag_outbuf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void
ag_outbuf_free(struct ag_outbuf *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->c[(b->head + i) % b->cap].data);
	free(b->c);
	memset(b, 0, sizeof(*b));
}

static struct ag_chunk *
at(const struct ag_outbuf *b, size_t i)
{
	return &b->c[(b->head + i) % b->cap];
}

/* Drops up to EXCESS bytes from the front: whole chunks, or the front of
 * the oldest one, so the bound is exact in bytes. */
static void
trim(struct ag_outbuf *b, size_t excess)
{
	struct ag_chunk *c = at(b, 0);

	if (c->len > excess) {
		c->skip += excess;
		c->off += excess;
		c->len -= excess;
		b->bytes -= excess;
		b->start = c->off;
		return;
	}
	b->bytes -= c->len;
	b->start = c->off + c->len;
	free(c->data);
	b->head = (b->head + 1) % b->cap;
	b->n--;
}

static int
grow(struct ag_outbuf *b)
{
	size_t ncap = b->cap ? b->cap * 2 : 64;
	struct ag_chunk *nc = malloc(ncap * sizeof(*nc));

	if (nc == NULL)
		return -1;
	for (size_t i = 0; i < b->n; i++)
		nc[i] = *at(b, i);
	free(b->c);
	b->c = nc;
	b->cap = ncap;
	b->head = 0;
	return 0;
}

int
ag_outbuf_append(struct ag_outbuf *b, int stream, int64_t ts, const char *p,
    size_t len)
{
	struct ag_chunk *t = b->n ? at(b, b->n - 1) : NULL;

	if (len == 0)
		return 0;
	if (t != NULL && t->stream == stream && t->len + len <= MERGE_MAX &&
	    ts >= t->ts && ts - t->ts <= MERGE_NS) {
		char *nd = realloc(t->data, t->skip + t->len + len);

		if (nd == NULL)
			return -1;
		memcpy(nd + t->skip + t->len, p, len);
		t->data = nd;
		t->len += len;
	} else {
		char *d = malloc(len);

		if (d == NULL)
			return -1;
		if (b->n == b->cap && grow(b) < 0) {
			free(d);
			return -1;
		}
		memcpy(d, p, len);
		t = at(b, b->n);
		t->off = b->end;
		t->ts = ts;
		t->stream = stream;
		t->len = len;
		t->skip = 0;
		t->data = d;
		b->n++;
	}
	b->bytes += len;
	b->end += len;
	while (b->bytes > b->limit)
		trim(b, b->bytes - b->limit);
	return 0;
}

size_t
ag_outbuf_read(const struct ag_outbuf *b, uint64_t off, char *out, size_t max,
    int *stream, int64_t *ts)
{
	size_t lo = 0, hi = b->n;

	if (off < b->start || off >= b->end)
		return 0;
	/* Chunks are in offset order: binary search for the one holding OFF. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (at(b, mid)->off <= off)
			lo = mid;
		else
			hi = mid;
	}
	const struct ag_chunk *c = at(b, lo);
	size_t skip = (size_t)(off - c->off);
	size_t n = c->len - skip;

	if (n > max)
		n = max;
	memcpy(out, c->data + c->skip + skip, n);
	*stream = c->stream;
	*ts = c->ts;
	return n;
}

void
ag_outbuf_reader_add(struct ag_outbuf *b, struct ag_outreader *r)
{
	r->moved_ms = sl_agent_now_ms();
	r->next = b->readers;
	b->readers = r;
}

void
ag_outbuf_reader_del(struct ag_outbuf *b, struct ag_outreader *r)
{
	for (struct ag_outreader **p = &b->readers; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
}

int
ag_outbuf_held(const struct ag_outbuf *b, size_t len, int64_t now_ms,
    int64_t stall_ms)
{
	uint64_t keep;

	/* The oldest offset the buffer would keep after the append; a
	 * single write larger than the bound needs every reader caught up. */
	if (len >= b->limit)
		keep = b->end;
	else if (b->bytes + len > b->limit)
		keep = b->start + (b->bytes + len - b->limit);
	else
		return 0;
	for (const struct ag_outreader *r = b->readers; r; r = r->next)
		if (r->cursor >= b->start && r->cursor < keep &&
		    now_ms - r->moved_ms < stall_ms)
			return 1;
	return 0;
}
