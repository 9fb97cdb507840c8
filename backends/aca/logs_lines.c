/*
 * logs_lines.c - output lines in memory, the reader's filter (streams,
 * since/until, tail) and the multiset that keeps a line from being shown
 * twice when the log stream or Log Analytics repeats it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "logs_priv.h"

int aca_lines_push(struct aca_lines *ls, int64_t ts, int fd,
	const char *text, size_t len)
{
	struct aca_line *ln;
	char *copy;

	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 64;
		struct aca_line *v = realloc(ls->v, cap * sizeof(*v));

		if (!v)
			return SL_ENOMEM;
		ls->v = v;
		ls->cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return SL_ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	ln = &ls->v[ls->n++];
	ln->ts = ts;
	ln->fd = fd == 2 ? 2 : 1;
	ln->len = len;
	ln->text = copy;
	ls->bytes += len;
	return SL_OK;
}

void aca_lines_drop_head(struct aca_lines *ls, size_t k)
{
	if (k > ls->n)
		k = ls->n;
	for (size_t i = 0; i < k; i++) {
		ls->bytes -= ls->v[i].len;
		free(ls->v[i].text);
	}
	memmove(ls->v, ls->v + k, (ls->n - k) * sizeof(*ls->v));
	ls->n -= k;
}

void aca_lines_clear(struct aca_lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->v[i].text);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

/* Insertion sort: the input is nearly sorted (rows of one answer, a
 * capture merged with a query), and it is stable. */
void aca_lines_sort(struct aca_lines *ls)
{
	for (size_t i = 1; i < ls->n; i++) {
		struct aca_line t = ls->v[i];
		size_t j = i;

		while (j > 0 && ls->v[j - 1].ts > t.ts) {
			ls->v[j] = ls->v[j - 1];
			j--;
		}
		ls->v[j] = t;
	}
}

/* Docker keeps lines with since <= ts <= until. */
int aca_logs_filter_pass(const struct aca_logs_filter *f,
	const struct aca_line *ln)
{
	if (ln->fd == 2 ? !f->err : !f->out)
		return 0;
	if (f->since > 0 && ln->ts < f->since)
		return 0;
	if (f->until > 0 && ln->ts > f->until)
		return 0;
	return 1;
}

size_t aca_logs_tail_start(const struct aca_lines *ls, size_t from,
	const struct aca_logs_filter *f)
{
	size_t i = ls->n;
	int64_t kept = 0;

	if (f->tail < 0)
		return from;
	while (i > from && kept < f->tail) {
		i--;
		if (aca_logs_filter_pass(f, &ls->v[i]))
			kept++;
	}
	if (kept < f->tail)
		return from;
	return i;
}

/* ---- the multiset ------------------------------------------------- */

struct seen_ent {
	uint64_t h;               /* hash of the text; 0 = free slot */
	int64_t ts;
	int fd;
	unsigned pass;            /* the last pass that met the key */
	unsigned in_pass;         /* occurrences in that pass */
	unsigned count;           /* most occurrences any pass held */
};

struct aca_seen {
	struct seen_ent *v;
	size_t cap, n;            /* cap is a power of two */
};

static uint64_t text_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	/* fmix64: spread FNV's low bits before they pick a slot */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h ? h : 1;
}

static size_t slot_of(const struct aca_seen *s, uint64_t h, int64_t ts)
{
	uint64_t k = h ^ ((uint64_t)ts * 0x9e3779b97f4a7c15ULL);

	return (size_t)(k ^ (k >> 29)) & (s->cap - 1);
}

struct aca_seen *aca_seen_new(void)
{
	return calloc(1, sizeof(struct aca_seen));
}

void aca_seen_free(struct aca_seen *s)
{
	if (!s)
		return;
	free(s->v);
	free(s);
}

static struct seen_ent *find_slot(struct aca_seen *s, uint64_t h, int64_t ts,
	int fd)
{
	size_t i = slot_of(s, h, ts);

	for (;;) {
		struct seen_ent *e = &s->v[i];

		if (!e->h || (e->h == h && e->ts == ts && e->fd == fd))
			return e;
		i = (i + 1) & (s->cap - 1);
	}
}

static int rehash(struct aca_seen *s, size_t cap)
{
	struct seen_ent *old = s->v;
	size_t ocap = s->cap;

	s->v = calloc(cap, sizeof(*s->v));
	if (!s->v) {
		s->v = old;
		return SL_ENOMEM;
	}
	s->cap = cap;
	s->n = 0;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].h) {
			*find_slot(s, old[i].h, old[i].ts, old[i].fd) = old[i];
			s->n++;
		}
	}
	free(old);
	return SL_OK;
}

int aca_seen_add(struct aca_seen *s, unsigned pass, int64_t ts, int fd,
	const char *text, size_t len)
{
	uint64_t h = text_hash(text, len);
	struct seen_ent *e;

	fd = fd == 2 ? 2 : 1;
	if ((s->n + 1) * 4 > s->cap * 3 &&
	    rehash(s, s->cap ? s->cap * 2 : 256) != SL_OK)
		return SL_ENOMEM;
	e = find_slot(s, h, ts, fd);
	if (!e->h) {
		e->h = h;
		e->ts = ts;
		e->fd = fd;
		e->pass = pass;
		e->in_pass = 1;
		e->count = 1;
		s->n++;
		return 1;
	}
	if (e->pass != pass) {
		e->pass = pass;
		e->in_pass = 0;
	}
	if (++e->in_pass > e->count) {
		e->count = e->in_pass;
		return 1;
	}
	return 0;
}

void aca_seen_prune(struct aca_seen *s, int64_t before_ts)
{
	struct seen_ent *old = s->v;
	size_t ocap = s->cap, kept = 0;

	for (size_t i = 0; i < ocap; i++)
		if (old[i].h && old[i].ts >= before_ts)
			kept++;
	if (kept == s->n)
		return;
	/* Open addressing cannot clear slots in place: rebuild with the
	 * survivors.  Without memory the table just stays larger. */
	s->v = calloc(ocap, sizeof(*s->v));
	if (!s->v) {
		s->v = old;
		return;
	}
	s->n = 0;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].h && old[i].ts >= before_ts) {
			*find_slot(s, old[i].h, old[i].ts, old[i].fd) = old[i];
			s->n++;
		}
	}
	free(old);
}

size_t aca_seen_count(const struct aca_seen *s)
{
	return s->n;
}
