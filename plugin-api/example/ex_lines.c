/*
 * ex_lines.c - joins output records back into lines for logs().
 *
 * The reader stores a fragment as soon as it arrives (attach must show a
 * prompt that has no newline yet), so a line may span several records of
 * the same stream, interleaved with records of the other stream.  A line
 * carries the time of its first fragment, as Docker's log drivers do.
 */
#include <stdlib.h>
#include <string.h>

#include "ex.h"

void ex_lines_init(struct ex_lines *l)
{
	memset(l, 0, sizeof(*l));
}

static int add_line(struct ex_lines *l, int fd, int64_t ts, char *data,
	size_t len, int partial)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		struct ex_line *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return SL_ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].ts_ns = ts;
	l->v[l->n].fd = fd;
	l->v[l->n].partial = partial;
	l->v[l->n].len = len;
	l->v[l->n].data = data;
	l->n++;
	return 0;
}

static int pend_add(struct ex_pending *p, const struct ex_rec *r)
{
	if (p->len == 0)
		p->ts_ns = r->ts_ns;
	if (p->len + r->len + 1 > p->cap) {
		size_t ncap = (p->len + r->len + 1) * 2;
		char *nb = realloc(p->buf, ncap);

		if (!nb)
			return SL_ENOMEM;
		p->buf = nb;
		p->cap = ncap;
	}
	memcpy(p->buf + p->len, r->data, r->len);
	p->len += r->len;
	return 0;
}

/* Hands the pending buffer over as a line. */
static int pend_take(struct ex_lines *l, int fd, int partial)
{
	struct ex_pending *p = &l->pend[fd];
	int rc;

	if (p->len == 0)
		return 0;
	rc = add_line(l, fd, p->ts_ns, p->buf, p->len, partial);
	if (rc < 0)
		return rc;
	memset(p, 0, sizeof(*p));
	return 0;
}

int ex_lines_feed(struct ex_lines *l, const struct ex_rec *r)
{
	int fd = r->fd == 2 ? 2 : 1;
	int rc;

	if (r->len == 0)
		return 0;
	rc = pend_add(&l->pend[fd], r);
	if (rc < 0)
		return rc;
	if (r->data[r->len - 1] == '\n')
		return pend_take(l, fd, 0);
	return 0;
}

int ex_lines_flush(struct ex_lines *l)
{
	int rc = pend_take(l, 1, 1);

	if (rc == 0)
		rc = pend_take(l, 2, 1);
	return rc;
}

void ex_lines_clear(struct ex_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].data);
	l->n = 0;
}

void ex_lines_fini(struct ex_lines *l)
{
	ex_lines_clear(l);
	free(l->v);
	for (int i = 0; i < 3; i++)
		free(l->pend[i].buf);
	memset(l, 0, sizeof(*l));
}
