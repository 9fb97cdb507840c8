/* kql_exec.c - runs a bound query: the tabular operators over row arrays,
 * and the result handed back to the caller. */
#include "config.h"

#include "kql_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct exec {
	struct kql_arena *a;
	const struct kql_env *env;
	struct kql_eval_ctx cx;
};

static void setrow(struct exec *x, const struct kql_value *row)
{
	x->cx.row = row;
}

static int op_where(struct exec *x, const struct kql_op *op, struct kql_rows *rs)
{
	size_t o = 0;
	for (size_t i = 0; i < rs->n; i++) {
		struct kql_value v;
		setrow(x, rs->r[i]);
		v = kql_eval(&x->cx, op->pred);
		if (!v.null && v.u.b)
			rs->r[o++] = rs->r[i];
	}
	rs->n = o;
	return x->cx.oom ? -ENOMEM : 0;
}

struct sortctx {
	const struct kql_sortkey *keys;
	size_t nkeys;
	const struct kql_value *kv; /* n * nkeys precomputed key values */
};

static int cmp_idx(const struct sortctx *s, size_t a, size_t b)
{
	for (size_t k = 0; k < s->nkeys; k++) {
		const struct kql_value *va = &s->kv[a * s->nkeys + k];
		const struct kql_value *vb = &s->kv[b * s->nkeys + k];
		int c;
		if (va->null || vb->null) {
			if (va->null && vb->null)
				continue;
			c = va->null ? -1 : 1;
			if (!s->keys[k].nulls_first)
				c = -c;
			return c;
		}
		c = kql_value_cmp(va, vb);
		if (c)
			return s->keys[k].asc ? c : -c;
	}
	return 0;
}

/* Stable bottom-up merge sort of idx[0..n) (ties keep input order). */
static void merge_sort(const struct sortctx *s, size_t *idx, size_t *tmp,
		       size_t n)
{
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi)
				tmp[o++] = cmp_idx(s, idx[j], idx[i]) < 0 ? idx[j++]
									   : idx[i++];
			while (i < mid)
				tmp[o++] = idx[i++];
			while (j < hi)
				tmp[o++] = idx[j++];
		}
		memcpy(idx, tmp, n * sizeof(*idx));
	}
}

static int op_sort(struct exec *x, const struct kql_op *op, struct kql_rows *rs)
{
	struct sortctx s;
	struct kql_value *kv;
	size_t *idx, *tmp;
	const struct kql_value **sorted;

	if (rs->n < 2)
		return 0;
	kv = kql_arena_alloc(x->a, rs->n * op->nkeys * sizeof(*kv));
	idx = kql_arena_alloc(x->a, rs->n * sizeof(*idx));
	tmp = kql_arena_alloc(x->a, rs->n * sizeof(*tmp));
	sorted = kql_arena_alloc(x->a, rs->n * sizeof(*sorted));
	if (!kv || !idx || !tmp || !sorted)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n; i++) {
		setrow(x, rs->r[i]);
		idx[i] = i;
		for (size_t k = 0; k < op->nkeys; k++)
			kv[i * op->nkeys + k] = kql_eval(&x->cx, op->keys[k].e);
	}
	s.keys = op->keys;
	s.nkeys = op->nkeys;
	s.kv = kv;
	merge_sort(&s, idx, tmp, rs->n);
	for (size_t i = 0; i < rs->n; i++)
		sorted[i] = rs->r[idx[i]];
	rs->r = sorted;
	return x->cx.oom ? -ENOMEM : 0;
}

static int op_project(struct exec *x, const struct kql_op *op,
		      struct kql_rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct kql_value *out;
		out = kql_arena_alloc(x->a, (op->ncols + 1) * sizeof(*out));
		if (!out)
			return -ENOMEM;
		setrow(x, rs->r[i]);
		for (size_t c = 0; c < op->ncols; c++)
			out[c] = op->src[c] >= 0 ? rs->r[i][op->src[c]]
						 : kql_eval(&x->cx, op->calc[c]);
		rs->r[i] = out;
	}
	rs->ncols = op->ncols;
	return x->cx.oom ? -ENOMEM : 0;
}

static int op_extend(struct exec *x, const struct kql_op *op,
		     struct kql_rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct kql_value *out;
		out = kql_arena_alloc(x->a, (op->ncols + 1) * sizeof(*out));
		if (!out)
			return -ENOMEM;
		memcpy(out, rs->r[i], rs->ncols * sizeof(*out));
		/* later items see earlier ones: evaluate over the new row */
		setrow(x, out);
		for (size_t k = 0; k < op->nitems; k++)
			out[op->items[k].target] = kql_eval(&x->cx,
							    op->items[k].e);
		rs->r[i] = out;
	}
	rs->ncols = op->ncols;
	return x->cx.oom ? -ENOMEM : 0;
}

static int op_count(struct exec *x, const struct kql_op *op, struct kql_rows *rs)
{
	struct kql_value *out = kql_arena_alloc(x->a, sizeof(*out));
	const struct kql_value **r = kql_arena_alloc(x->a, sizeof(*r));

	(void)op;
	if (!out || !r)
		return -ENOMEM;
	*out = kql_long((int64_t)rs->n);
	r[0] = out;
	rs->r = r;
	rs->n = 1;
	rs->ncols = 1;
	return 0;
}

static int run_op(struct exec *x, const struct kql_op *op, struct kql_rows *rs)
{
	switch (op->kind) {
	case OP_WHERE:
		return op_where(x, op, rs);
	case OP_SORT:
		return op_sort(x, op, rs);
	case OP_TAKE:
		if ((uint64_t)op->n < rs->n)
			rs->n = (size_t)op->n;
		return 0;
	case OP_TOP: {
		/* sorting only what survives would be faster; tables are small */
		int rc = op_sort(x, op, rs);
		if (!rc && (uint64_t)op->n < rs->n)
			rs->n = (size_t)op->n;
		return rc;
	}
	case OP_PROJECT:
	case OP_PROJECT_AWAY:
		return op_project(x, op, rs);
	case OP_EXTEND:
		return op_extend(x, op, rs);
	case OP_COUNT:
		return op_count(x, op, rs);
	case OP_SUMMARIZE:
	case OP_DISTINCT:
		return kql_exec_summarize(&x->cx, op, rs);
	case OP_UNION:
		return kql_exec_union(x->a, op->un, true, rs);
	}
	return 0;
}

/* Drop hidden columns from the output and copy the names into the arena,
 * so the result outlives the resolver's schema memory. */
static int finish(struct exec *x, const struct kql_bound *b, struct kql_rows *rs,
		  struct kql_result *res)
{
	size_t nvis = 0;
	int *map;

	map = kql_arena_alloc(x->a, (b->ncols + 1) * sizeof(*map));
	res->cols = kql_arena_alloc(x->a, (b->ncols + 1) * sizeof(*res->cols));
	if (!map || !res->cols)
		return -ENOMEM;
	for (size_t c = 0; c < b->ncols; c++) {
		if (b->cols[c].hidden)
			continue;
		map[nvis] = (int)c;
		res->cols[nvis] = b->cols[c];
		res->cols[nvis].name = kql_arena_strndup(
			x->a, b->cols[c].name, strlen(b->cols[c].name));
		if (!res->cols[nvis].name)
			return -ENOMEM;
		nvis++;
	}
	res->ncols = nvis;
	if (x->env->max_rows && rs->n > x->env->max_rows) {
		rs->n = x->env->max_rows;
		res->truncated = true;
	}
	if (nvis != b->ncols) {
		for (size_t i = 0; i < rs->n; i++) {
			struct kql_value *out;
			out = kql_arena_alloc(x->a, (nvis + 1) * sizeof(*out));
			if (!out)
				return -ENOMEM;
			for (size_t c = 0; c < nvis; c++)
				out[c] = rs->r[i][map[c]];
			rs->r[i] = out;
		}
	}
	res->rows = rs->r;
	res->nrows = rs->n;
	return 0;
}

int kql_run(const char *query, const struct kql_env *env,
	    struct kql_result **out, struct kql_error *err)
{
	struct exec x;
	struct kql_query q;
	struct kql_bound b;
	struct kql_result *res = NULL;
	struct kql_rows rs;
	int rc;

	if (!query || !env || !env->resolve || !out || !err)
		return -EINVAL;
	*out = NULL;
	memset(err, 0, sizeof(*err));
	memset(&x, 0, sizeof(x));
	x.env = env;
	x.a = kql_arena_new();
	if (!x.a)
		return -ENOMEM;
	x.cx.arena = x.a;
	x.cx.now_ticks = env->now_ticks;

	rc = kql_parse(query, x.a, &q, err);
	if (rc)
		goto out;
	rc = kql_bind(&q, env, x.a, &b, err);
	if (rc)
		goto out;

	memset(&rs, 0, sizeof(rs));
	if (q.src) {
		rc = kql_exec_union(x.a, q.src, false, &rs);
		if (rc)
			goto out;
	} else {
		rs.n = b.table.nrows;
		rs.ncols = b.table.ncols;
		rs.r = kql_arena_alloc(x.a, (rs.n + 1) * sizeof(*rs.r));
		if (!rs.r) {
			rc = -ENOMEM;
			goto out;
		}
		if (rs.n)
			memcpy(rs.r, b.table.rows, rs.n * sizeof(*rs.r));
	}
	for (size_t i = 0; i < q.nops; i++) {
		rc = run_op(&x, &q.ops[i], &rs);
		if (rc)
			goto out;
	}
	res = kql_arena_alloc(x.a, sizeof(*res));
	if (!res) {
		rc = -ENOMEM;
		goto out;
	}
	rc = finish(&x, &b, &rs, res);
	if (rc)
		goto out;
	res->priv = x.a;
	*out = res;
	return 0;
out:
	kql_arena_free(x.a);
	return rc;
}

void kql_result_free(struct kql_result *r)
{
	if (r)
		kql_arena_free(r->priv); /* r itself lives in the arena */
}
