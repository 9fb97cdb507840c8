/* kql_agg.c - summarize (count, min, max, arg_max, arg_min, by groups)
 * and distinct.  Output columns are the by columns then the aggregates, as
 * Kusto gives them; groups come out in order of first appearance (Kusto
 * does not promise an order: a choice). */
#include "config.h"

#include "kql_priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool orderable(enum kql_type t)
{
	return t == KQL_T_INT || t == KQL_T_LONG || t == KQL_T_REAL ||
	       t == KQL_T_DATETIME || t == KQL_T_TIMESPAN ||
	       t == KQL_T_STRING || t == KQL_T_GUID;
}

/* The first column an expression refers to, for default names. */
static const char *first_column(const struct kql_expr *e)
{
	const char *n = NULL;
	if (!e)
		return NULL;
	if (e->kind == EX_COL)
		return e->name;
	if ((n = first_column(e->l)) || (n = first_column(e->r)))
		return n;
	for (size_t i = 0; i < e->nargs && !n; i++)
		n = first_column(e->args[i]);
	return n;
}

/* prefix + name + (n ? n : ""), in the arena. */
static const char *make_name(struct kql_binder *b, const char *prefix,
			     const char *name, int n)
{
	char buf[256], num[16] = "";
	int len;
	if (n)
		snprintf(num, sizeof(num), "%d", n);
	len = snprintf(buf, sizeof(buf), "%s%s%s", prefix, name, num);
	if (len < 0 || (size_t)len >= sizeof(buf))
		len = (int)sizeof(buf) - 1;
	return kql_arena_strndup(b->a, buf, (size_t)len);
}

/* Add an output column; a name already taken is an error unless rename,
 * then Name1, Name2, ... (a choice for arg_max's returned columns). */
static int add_col(struct kql_binder *b, struct kql_op *op, const char *name,
		   enum kql_type t, bool hidden, bool rename)
{
	const char *n = name;
	for (int k = 1; kql_find_col(op->cols, op->ncols, n) >= 0; k++) {
		if (!rename)
			return kql_bind_error(b, "SEM0001",
					      "'%s' operator: A column named "
					      "'%s' is specified more than once",
					      kql_op_name(op->kind), name);
		n = make_name(b, "", name, k);
		if (!n)
			return b->rc = -ENOMEM;
	}
	op->cols[op->ncols].name = n;
	op->cols[op->ncols].type = t;
	op->cols[op->ncols].hidden = hidden;
	op->ncols++;
	return 0;
}

static int bind_by(struct kql_binder *b, struct kql_op *op)
{
	int anon = 0;
	for (size_t i = 0; i < op->nitems; i++) {
		struct kql_item *it = &op->items[i];
		const char *name;
		if (kql_bind_expr(b, it->e))
			return b->rc;
		if (it->e->type == KQL_T_DYNAMIC && op->kind == OP_SUMMARIZE)
			return kql_bind_error(
				b, "SEM0025",
				"'summarize' operator: Summarize group key is of "
				"a 'dynamic' type. Please use an explicit cast");
		if (it->name)
			name = it->name;
		else if (it->e->kind == EX_COL)
			name = it->e->name;
		else if (!(name = make_name(b, "", "Column", ++anon)))
			return b->rc = -ENOMEM;
		it->out_name = name;
		/* a hidden column named explicitly is shown, as by project;
		 * distinct * keeps it hidden */
		if (add_col(b, op, name, it->e->type,
			    op->star && it->e->kind == EX_COL &&
				    b->cols[it->e->col].hidden,
			    false))
			return b->rc;
	}
	return 0;
}

static int bind_aggr(struct kql_binder *b, struct kql_op *op,
		     struct kql_aggr *ag)
{
	static const char *const fname[] = {
		[AG_COUNT] = "count", [AG_MIN] = "min", [AG_MAX] = "max",
		[AG_ARG_MAX] = "arg_max", [AG_ARG_MIN] = "arg_min",
	};
	const char *fn = fname[ag->fn];
	size_t want_min = ag->fn == AG_COUNT ? 0 : 1;
	size_t want_max = ag->fn == AG_COUNT ? 0 : ag->fn <= AG_MAX ? 1 : 64;
	const char *name = ag->name;
	enum kql_type t = KQL_T_LONG;

	if (ag->nargs < want_min || ag->nargs > want_max ||
	    (ag->fn >= AG_ARG_MAX && ag->nargs < 2 && !ag->star))
		return kql_bind_error(b, "SEM0219",
				      "'summarize' operator: function '%s' got "
				      "%zu argument(s)",
				      fn, ag->nargs + (ag->star ? 1 : 0));
	for (size_t i = 0; i < ag->nargs; i++)
		if (kql_bind_expr(b, ag->args[i]))
			return b->rc;
	if (ag->fn != AG_COUNT) {
		t = ag->args[0]->type;
		if (!orderable(t))
			return kql_bind_error(
				b, "SEM0219",
				"'summarize' operator: function '%s' does not "
				"accept an argument of type %s",
				fn, kql_type_name(t));
	}
	if (!name) {
		const char *c = first_column(ag->args ? ag->args[0] : NULL);
		if (ag->fn == AG_COUNT)
			name = "count_";
		else if (ag->fn >= AG_ARG_MAX && ag->args[0]->kind == EX_COL)
			name = ag->args[0]->name;
		else
			name = make_name(b,
					 ag->fn == AG_MIN || ag->fn == AG_ARG_MIN
						 ? "min_"
						 : "max_",
					 c ? c : "", 0);
		if (!name)
			return b->rc = -ENOMEM;
	}
	ag->out_col = (int)op->ncols;
	if (add_col(b, op, name, t, false, false))
		return b->rc;
	if (ag->fn < AG_ARG_MAX)
		return 0;
	/* the columns returned from the row that maximises args[0] */
	ag->ret = kql_arena_alloc(b->a, (b->ncols + ag->nargs + 1) *
						sizeof(*ag->ret));
	if (!ag->ret)
		return b->rc = -ENOMEM;
	for (size_t i = 1; i < ag->nargs; i++) {
		const struct kql_expr *e = ag->args[i];
		if (e->kind != EX_COL)
			return kql_bind_unsupported(
				b, &e->loc,
				"An expression (not a column) returned by "
				"arg_max/arg_min");
		ag->ret[ag->nret++] = e->col;
		if (add_col(b, op, e->name, e->type, false, true))
			return b->rc;
	}
	if (ag->star) {
		for (size_t c = 0; c < b->ncols; c++) {
			bool skip = false;
			/* not the by columns, nor the maximised column */
			for (size_t k = 0; k < op->nitems && !skip; k++)
				skip = op->items[k].e->kind == EX_COL &&
				       op->items[k].e->col == (int)c;
			if (ag->args[0]->kind == EX_COL &&
			    ag->args[0]->col == (int)c && !ag->name)
				skip = true;
			if (skip)
				continue;
			ag->ret[ag->nret++] = (int)c;
			if (add_col(b, op, b->cols[c].name, b->cols[c].type,
				    b->cols[c].hidden, true))
				return b->rc;
		}
	}
	return 0;
}

static int alloc_cols(struct kql_binder *b, struct kql_op *op, size_t n)
{
	op->cols = kql_arena_alloc(b->a, (n + 1) * sizeof(*op->cols));
	return op->cols ? 0 : (b->rc = -ENOMEM);
}

int kql_bind_summarize(struct kql_binder *b, struct kql_op *op)
{
	size_t n = op->nitems;
	for (size_t i = 0; i < op->naggs; i++)
		n += 1 + op->aggs[i].nargs + (op->aggs[i].star ? b->ncols : 0);
	if (alloc_cols(b, op, n) || bind_by(b, op))
		return b->rc;
	for (size_t i = 0; i < op->naggs; i++)
		if (bind_aggr(b, op, &op->aggs[i]))
			return b->rc;
	return 0;
}

int kql_bind_distinct(struct kql_binder *b, struct kql_op *op)
{
	if (op->star) {
		/* distinct *: every column is part of the key */
		op->items = kql_arena_alloc(b->a, (b->ncols + 1) *
							  sizeof(*op->items));
		if (!op->items)
			return b->rc = -ENOMEM;
		for (size_t c = 0; c < b->ncols; c++) {
			struct kql_expr *e = kql_arena_alloc(b->a, sizeof(*e));
			if (!e)
				return b->rc = -ENOMEM;
			e->kind = EX_COL;
			e->name = b->cols[c].name;
			e->depth = 1;
			op->items[c].e = e;
		}
		op->nitems = b->ncols;
	}
	if (alloc_cols(b, op, op->nitems))
		return b->rc;
	return bind_by(b, op);
}

/* ---- execution ---- */

struct agg_state {
	struct kql_value v; /* min/max/arg_max: best so far */
	int64_t count;
	size_t row;         /* arg_max: the row of v */
	bool has;           /* v is set */
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t hash_value(uint64_t h, const struct kql_value *v)
{
	unsigned char tag = v->null ? 0 : 1;
	h = mix(h, &tag, 1);
	if (v->null)
		return h;
	switch (v->type) {
	case KQL_T_BOOL:
		tag = v->u.b;
		return mix(h, &tag, 1);
	case KQL_T_INT:
	case KQL_T_LONG:
		return mix(h, &v->u.l, sizeof(v->u.l));
	case KQL_T_REAL: {
		double d = v->u.r == 0 ? 0.0 : v->u.r; /* -0.0 == 0.0 */
		if (d != d)
			d = 0; /* NaN compares equal to anything here */
		return mix(h, &d, sizeof(d));
	}
	case KQL_T_DATETIME:
	case KQL_T_TIMESPAN:
		return mix(h, &v->u.ticks, sizeof(v->u.ticks));
	case KQL_T_GUID:
		for (size_t i = 0; i < v->u.s.n; i++) {
			char c = v->u.s.p[i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			h = mix(h, &c, 1);
		}
		return h;
	default:
		return mix(h, v->u.s.p, v->u.s.n);
	}
}

static bool same_value(const struct kql_value *a, const struct kql_value *b)
{
	if (a->null || b->null)
		return a->null && b->null;
	return kql_value_cmp(a, b) == 0;
}

/* Assign each row a group id (first appearance order); keys holds n * nk
 * evaluated keys.  Returns the number of groups via *ngroups. */
static int group_rows(struct kql_arena *a, const struct kql_value *keys,
		      size_t n, size_t nk, size_t *gid, size_t *first,
		      size_t *ngroups)
{
	size_t cap = 16, ng = 0;
	size_t *slot;

	while (cap < 2 * n)
		cap *= 2;
	slot = kql_arena_alloc(a, cap * sizeof(*slot)); /* group + 1 */
	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct kql_value *k = &keys[i * nk];
		uint64_t h = 0xcbf29ce484222325ULL;
		size_t at;
		for (size_t c = 0; c < nk; c++)
			h = hash_value(h, &k[c]);
		for (at = (size_t)h & (cap - 1);; at = (at + 1) & (cap - 1)) {
			const struct kql_value *o;
			bool eq = true;
			if (!slot[at]) {
				slot[at] = ++ng;
				first[ng - 1] = i;
				gid[i] = ng - 1;
				break;
			}
			o = &keys[first[slot[at] - 1] * nk];
			for (size_t c = 0; c < nk && eq; c++)
				eq = same_value(&k[c], &o[c]);
			if (eq) {
				gid[i] = slot[at] - 1;
				break;
			}
		}
	}
	*ngroups = ng;
	return 0;
}

static void accumulate(struct kql_eval_ctx *cx, const struct kql_aggr *ag,
		       struct agg_state *st, size_t row)
{
	struct kql_value v;
	int c;

	if (ag->fn == AG_COUNT) {
		st->count++;
		return;
	}
	v = kql_eval(cx, ag->args[0]);
	if (v.null) /* nulls are ignored */
		return;
	if (st->has) {
		c = kql_value_cmp(&v, &st->v);
		/* ties keep the first row (Kusto picks any: a choice) */
		if (ag->fn == AG_MIN || ag->fn == AG_ARG_MIN ? c >= 0 : c <= 0)
			return;
	}
	st->v = v;
	st->row = row;
	st->has = true;
}

int kql_exec_summarize(struct kql_eval_ctx *cx, const struct kql_op *op,
		       struct kql_rows *rs)
{
	struct kql_arena *a = cx->arena;
	size_t n = rs->n, nk = op->nitems, ng = 0;
	struct kql_value *keys;
	size_t *gid, *first;
	struct agg_state *st;
	const struct kql_value **out;
	int rc;

	keys = kql_arena_alloc(a, (n * nk + 1) * sizeof(*keys));
	gid = kql_arena_alloc(a, (n + 1) * sizeof(*gid));
	first = kql_arena_alloc(a, (n + 1) * sizeof(*first));
	if (!keys || !gid || !first)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cx->row = rs->r[i];
		for (size_t k = 0; k < nk; k++)
			keys[i * nk + k] = kql_eval(cx, op->items[k].e);
	}
	if (nk) {
		rc = group_rows(a, keys, n, nk, gid, first, &ng);
		if (rc)
			return rc;
	} else {
		ng = 1; /* no by: one row, even over no input */
		first[0] = 0;
	}
	st = kql_arena_alloc(a, (ng * op->naggs + 1) * sizeof(*st));
	out = kql_arena_alloc(a, (ng + 1) * sizeof(*out));
	if (!st || !out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct agg_state *g = &st[(nk ? gid[i] : 0) * op->naggs];
		cx->row = rs->r[i];
		for (size_t k = 0; k < op->naggs; k++)
			accumulate(cx, &op->aggs[k], &g[k], i);
	}
	for (size_t g = 0; g < ng; g++) {
		struct kql_value *r = kql_arena_alloc(a, (op->ncols + 1) *
							      sizeof(*r));
		if (!r)
			return -ENOMEM;
		for (size_t k = 0; k < nk; k++)
			r[k] = keys[first[g] * nk + k];
		for (size_t k = 0; k < op->naggs; k++) {
			const struct kql_aggr *ag = &op->aggs[k];
			const struct agg_state *s = &st[g * op->naggs + k];
			int oc = ag->out_col;
			const struct kql_value *src;
			if (ag->fn == AG_COUNT) {
				r[oc] = kql_long(s->count);
				continue;
			}
			r[oc] = s->has ? s->v : kql_null(op->cols[oc].type);
			if (ag->fn < AG_ARG_MAX)
				continue;
			/* no non-null value: the group's first row (a
			 * choice); no row at all: nulls */
			src = n ? rs->r[s->has ? s->row : first[g]] : NULL;
			for (size_t j = 0; j < ag->nret; j++)
				r[oc + 1 + (int)j] =
					src ? src[ag->ret[j]]
					    : kql_null(op->cols[oc + 1 + j].type);
		}
		out[g] = r;
	}
	rs->r = out;
	rs->n = ng;
	rs->ncols = op->ncols;
	return cx->oom ? -ENOMEM : 0;
}
