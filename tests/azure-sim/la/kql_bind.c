/* kql_bind.c - name resolution and type checking.  Done before any row is
 * read, so an unknown table, column or function, or a type error, is
 * reported even when the table is empty, as Kusto does. */
#include "config.h"

#include "kql_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Semantic error codes.  SEM0100 is Azure's documented code for names that
 * do not resolve; the others are UNVERIFIED choices (Kusto does not
 * document its codes). */
#define SEM_RESOLVE "SEM0100"
#define SEM_TYPE "SEM0025"
#define SEM_ARGS "SEM0219"
#define SEM_OTHER "SEM0001"


static int semantic(struct kql_binder *b, const char *code, const char *msg)
{
	if (!b->rc) {
		kql_err_semantic(b->err, code, "%s", msg);
		b->rc = -EINVAL;
	}
	return b->rc;
}

int kql_bind_error(struct kql_binder *b, const char *code, const char *fmt,
		   ...)
{
	va_list ap;
	char msg[sizeof(b->err->message)];

	if (b->rc)
		return b->rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return semantic(b, code, msg);
}

int kql_bind_unsupported(struct kql_binder *b, const struct kql_loc *loc,
			 const char *what)
{
	if (!b->rc) {
		kql_err_unsupported(b->err, b->q->text, loc, what);
		b->rc = -EINVAL;
	}
	return b->rc;
}

static bool is_num(enum kql_type t)
{
	return t == KQL_T_INT || t == KQL_T_LONG || t == KQL_T_REAL;
}

static bool is_strlike(enum kql_type t)
{
	return t == KQL_T_STRING || t == KQL_T_GUID;
}

int kql_find_col(const struct kql_column *cols, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool comparable(enum kql_type l, enum kql_type r, bool ordering)
{
	if (is_num(l) && is_num(r))
		return true;
	if (l == KQL_T_DYNAMIC || r == KQL_T_DYNAMIC)
		return false;
	if (is_strlike(l) && is_strlike(r))
		return !(ordering && l != r);
	return l == r;
}

static int mismatch_cmp(struct kql_binder *b, enum kql_type l, enum kql_type r)
{
	char msg[256];
	if (l == KQL_T_DYNAMIC || r == KQL_T_DYNAMIC)
		snprintf(msg, sizeof(msg),
			 "Cannot compare dynamic values without explicit cast");
	else
		snprintf(msg, sizeof(msg),
			 "Cannot compare values of types %s and %s. Try adding "
			 "explicit casts",
			 kql_type_name(l), kql_type_name(r));
	return semantic(b, SEM_TYPE, msg);
}

static int mismatch_op(struct kql_binder *b, const char *opname, enum kql_type l,
		       enum kql_type r)
{
	char msg[256];
	snprintf(msg, sizeof(msg),
		 "'%s' operator: The operator '%s' is not defined for the "
		 "operand types %s and %s",
		 kql_op_name(b->op), opname, kql_type_name(l),
		 kql_type_name(r));
	return semantic(b, SEM_TYPE, msg);
}

static const char *binop_text(enum kql_binop op)
{
	static const char *const t[] = {
		[BO_OR] = "or", [BO_AND] = "and", [BO_EQ] = "==", [BO_NE] = "!=",
		[BO_LT] = "<", [BO_LE] = "<=", [BO_GT] = ">", [BO_GE] = ">=",
		[BO_EQ_CI] = "=~", [BO_NE_CI] = "!~", [BO_ADD] = "+",
		[BO_SUB] = "-", [BO_MUL] = "*", [BO_DIV] = "/", [BO_MOD] = "%",
	};
	if ((size_t)op < sizeof(t) / sizeof(t[0]) && t[op])
		return t[op];
	return "string operator";
}

static const struct {
	const char *name;
	enum kql_fn fn;
	int min, max;
} functions[] = {
	{ "ago", FN_AGO, 1, 1 },
	{ "now", FN_NOW, 0, 1 },
	{ "not", FN_NOT, 1, 1 },
	{ "isempty", FN_ISEMPTY, 1, 1 },
	{ "isnotempty", FN_ISNOTEMPTY, 1, 1 },
	{ "isnull", FN_ISNULL, 1, 1 },
	{ "isnotnull", FN_ISNOTNULL, 1, 1 },
	{ "tostring", FN_TOSTRING, 1, 1 },
	{ "tolower", FN_TOLOWER, 1, 1 },
	{ "toupper", FN_TOUPPER, 1, 1 },
	{ "strlen", FN_STRLEN, 1, 1 },
	{ "strcat", FN_STRCAT, 1, 64 },
	{ "todatetime", FN_TODATETIME, 1, 1 },
};

/* Aggregation functions, valid in summarize only. */
static bool is_aggregate(const char *name)
{
	static const char *const ours[] = { "count", "min", "max", "arg_max",
					    "arg_min", NULL };
	return kql_in_list(name, ours) || kql_in_list(name, kql_kusto_aggregates);
}


static int bind_call(struct kql_binder *b, struct kql_expr *e)
{
	char msg[256];
	size_t i;

	for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (strcmp(functions[i].name, e->name) == 0)
			break;
	if (i == sizeof(functions) / sizeof(functions[0])) {
		if (is_aggregate(e->name))
			return kql_bind_error(
				b, SEM_OTHER,
				"'%s' operator: Function '%s' cannot be invoked "
				"in current context (aggregation functions "
				"belong in summarize)",
				kql_op_name(b->op), e->name);
		if (kql_in_list(e->name, kql_kusto_functions)) {
			snprintf(msg, sizeof(msg), "The function '%s'",
				 e->name);
			return kql_bind_unsupported(b, &e->loc, msg);
		}
		snprintf(msg, sizeof(msg),
			 "'%s' operator: Failed to resolve scalar expression "
			 "named '%s'",
			 kql_op_name(b->op), e->name);
		return semantic(b, SEM_RESOLVE, msg);
	}
	e->fn = functions[i].fn;
	if ((int)e->nargs < functions[i].min ||
	    (int)e->nargs > functions[i].max) {
		snprintf(msg, sizeof(msg),
			 "'%s' operator: function '%s' got %zu argument(s), "
			 "expected %d%s",
			 kql_op_name(b->op), e->name, e->nargs, functions[i].min,
			 functions[i].max > functions[i].min ? " or more" : "");
		return semantic(b, SEM_ARGS, msg);
	}
	for (i = 0; i < e->nargs; i++)
		if (kql_bind_expr(b, e->args[i]))
			return b->rc;
	switch (e->fn) {
	case FN_AGO:
	case FN_NOW:
		if (e->nargs && e->args[0]->type != KQL_T_TIMESPAN)
			goto badarg;
		e->type = KQL_T_DATETIME;
		break;
	case FN_NOT:
		if (e->args[0]->type != KQL_T_BOOL)
			goto badarg;
		e->type = KQL_T_BOOL;
		break;
	case FN_ISEMPTY:
	case FN_ISNOTEMPTY:
	case FN_ISNULL:
	case FN_ISNOTNULL:
		e->type = KQL_T_BOOL;
		break;
	case FN_TOSTRING:
	case FN_TOLOWER:
	case FN_TOUPPER:
	case FN_STRCAT:
		e->type = KQL_T_STRING;
		break;
	case FN_STRLEN:
		e->type = KQL_T_LONG;
		break;
	case FN_TODATETIME:
		if (e->args[0]->type != KQL_T_STRING &&
		    e->args[0]->type != KQL_T_DATETIME) {
			snprintf(msg, sizeof(msg),
				 "The function 'todatetime' of a %s",
				 kql_type_name(e->args[0]->type));
			return kql_bind_unsupported(b, &e->loc, msg);
		}
		e->type = KQL_T_DATETIME;
		break;
	}
	return 0;
badarg:
	snprintf(msg, sizeof(msg),
		 "'%s' operator: function '%s' does not accept an argument of "
		 "type %s",
		 kql_op_name(b->op), e->name, kql_type_name(e->args[0]->type));
	return semantic(b, SEM_ARGS, msg);
}

static int bind_bin(struct kql_binder *b, struct kql_expr *e)
{
	enum kql_type l, r;

	if (kql_bind_expr(b, e->l) || kql_bind_expr(b, e->r))
		return b->rc;
	l = e->l->type;
	r = e->r->type;
	switch (e->op) {
	case BO_OR:
	case BO_AND:
		if (l != KQL_T_BOOL || r != KQL_T_BOOL)
			return mismatch_op(b, binop_text(e->op), l, r);
		e->type = KQL_T_BOOL;
		return 0;
	case BO_EQ:
	case BO_NE:
		if (!comparable(l, r, false))
			return mismatch_cmp(b, l, r);
		e->type = KQL_T_BOOL;
		return 0;
	case BO_LT:
	case BO_LE:
	case BO_GT:
	case BO_GE:
		if (!comparable(l, r, true) || l == KQL_T_BOOL)
			return mismatch_cmp(b, l, r);
		e->type = KQL_T_BOOL;
		return 0;
	case BO_EQ_CI:
	case BO_NE_CI:
		if (!is_strlike(l) || !is_strlike(r))
			return mismatch_op(b, binop_text(e->op), l, r);
		e->type = KQL_T_BOOL;
		return 0;
	case BO_ADD:
		if (is_num(l) && is_num(r))
			e->type = (l == KQL_T_REAL || r == KQL_T_REAL) ? KQL_T_REAL
								       : KQL_T_LONG;
		else if ((l == KQL_T_DATETIME && r == KQL_T_TIMESPAN) ||
			 (l == KQL_T_TIMESPAN && r == KQL_T_DATETIME))
			e->type = KQL_T_DATETIME;
		else if (l == KQL_T_TIMESPAN && r == KQL_T_TIMESPAN)
			e->type = KQL_T_TIMESPAN;
		else
			return mismatch_op(b, "+", l, r);
		return 0;
	case BO_SUB:
		if (is_num(l) && is_num(r))
			e->type = (l == KQL_T_REAL || r == KQL_T_REAL) ? KQL_T_REAL
								       : KQL_T_LONG;
		else if (l == KQL_T_DATETIME && r == KQL_T_TIMESPAN)
			e->type = KQL_T_DATETIME;
		else if ((l == KQL_T_DATETIME && r == KQL_T_DATETIME) ||
			 (l == KQL_T_TIMESPAN && r == KQL_T_TIMESPAN))
			e->type = KQL_T_TIMESPAN;
		else
			return mismatch_op(b, "-", l, r);
		return 0;
	case BO_MUL:
		if (is_num(l) && is_num(r))
			e->type = (l == KQL_T_REAL || r == KQL_T_REAL) ? KQL_T_REAL
								       : KQL_T_LONG;
		else if ((l == KQL_T_TIMESPAN && is_num(r)) ||
			 (is_num(l) && r == KQL_T_TIMESPAN))
			e->type = KQL_T_TIMESPAN;
		else
			return mismatch_op(b, "*", l, r);
		return 0;
	case BO_DIV:
		if (is_num(l) && is_num(r))
			e->type = (l == KQL_T_REAL || r == KQL_T_REAL) ? KQL_T_REAL
								       : KQL_T_LONG;
		else if (l == KQL_T_TIMESPAN && is_num(r))
			e->type = KQL_T_TIMESPAN;
		else if (l == KQL_T_TIMESPAN && r == KQL_T_TIMESPAN)
			e->type = KQL_T_REAL;
		else
			return mismatch_op(b, "/", l, r);
		return 0;
	case BO_MOD:
		if ((l == KQL_T_LONG || l == KQL_T_INT) &&
		    (r == KQL_T_LONG || r == KQL_T_INT))
			e->type = KQL_T_LONG;
		else
			return mismatch_op(b, "%", l, r);
		return 0;
	default:
		/* has/contains/startswith/endswith and their variants: the
		 * left side may be any scalar (compared as text), the pattern
		 * must be a string */
		if (!is_strlike(r) || l == KQL_T_DYNAMIC)
			return mismatch_op(b, binop_text(e->op), l, r);
		e->type = KQL_T_BOOL;
		return 0;
	}
}

int kql_bind_expr(struct kql_binder *b, struct kql_expr *e)
{
	char msg[320];

	if (b->rc)
		return b->rc;
	switch (e->kind) {
	case EX_LIT:
		e->type = e->lit.type;
		return 0;
	case EX_COL:
		e->col = kql_find_col(b->cols, b->ncols, e->name);
		if (e->col < 0) {
			/* a let name, unless a column of the input has the
			 * same name (a choice); the latest let wins */
			for (size_t i = b->nlets; i-- > 0;) {
				const struct kql_let *l = &b->q->lets[i];
				if (strcmp(l->name, e->name) == 0) {
					e->kind = EX_LIT;
					e->lit = l->v;
					e->type = l->v.type;
					return 0;
				}
			}
			if (b->in_let)
				snprintf(msg, sizeof(msg),
					 "'let' statement: Failed to resolve "
					 "scalar expression named '%s'",
					 e->name);
			else if (b->op == OP_WHERE)
				snprintf(msg, sizeof(msg),
					 "'where' operator: Failed to resolve "
					 "column or scalar expression named '%s'",
					 e->name);
			else
				snprintf(msg, sizeof(msg),
					 "'%s' operator: Failed to resolve scalar "
					 "expression named '%s'",
					 kql_op_name(b->op), e->name);
			return semantic(b, SEM_RESOLVE, msg);
		}
		e->type = b->cols[e->col].type;
		return 0;
	case EX_CALL:
		return bind_call(b, e);
	case EX_BIN:
		return bind_bin(b, e);
	case EX_NEG:
		if (kql_bind_expr(b, e->l))
			return b->rc;
		if (!is_num(e->l->type) && e->l->type != KQL_T_TIMESPAN)
			return mismatch_op(b, "-", e->l->type, e->l->type);
		e->type = e->l->type == KQL_T_INT ? KQL_T_LONG : e->l->type;
		return 0;
	case EX_IN:
		if (kql_bind_expr(b, e->l))
			return b->rc;
		for (size_t i = 0; i < e->nargs; i++) {
			if (kql_bind_expr(b, e->args[i]))
				return b->rc;
			if (e->in_ci ? !(is_strlike(e->l->type) &&
					 is_strlike(e->args[i]->type))
				     : !comparable(e->l->type, e->args[i]->type,
						   false))
				return mismatch_cmp(b, e->l->type,
						    e->args[i]->type);
		}
		e->type = KQL_T_BOOL;
		return 0;
	}
	return 0;
}

/* A constant row count for take/top: no columns in scope. */
static int bind_count(struct kql_binder *b, struct kql_op *op)
{
	const struct kql_column *save = b->cols;
	size_t nsave = b->ncols;
	struct kql_eval_ctx cx;
	struct kql_value v;
	char msg[128];

	b->cols = NULL;
	b->ncols = 0;
	kql_bind_expr(b, op->count);
	b->cols = save;
	b->ncols = nsave;
	if (b->rc)
		return b->rc;
	if (op->count->type != KQL_T_LONG && op->count->type != KQL_T_INT) {
		snprintf(msg, sizeof(msg),
			 "'%s' operator: the number of rows must be of type "
			 "long, not %s",
			 kql_op_name(op->kind), kql_type_name(op->count->type));
		return semantic(b, SEM_TYPE, msg);
	}
	memset(&cx, 0, sizeof(cx));
	cx.now_ticks = b->env->now_ticks;
	cx.arena = b->a;
	v = kql_eval(&cx, op->count);
	op->n = v.null || v.u.l < 0 ? 0 : v.u.l;
	return 0;
}

static int bind_sortkeys(struct kql_binder *b, struct kql_op *op)
{
	for (size_t i = 0; i < op->nkeys; i++) {
		if (kql_bind_expr(b, op->keys[i].e))
			return b->rc;
		if (op->keys[i].e->type == KQL_T_DYNAMIC) {
			char msg[128];
			snprintf(msg, sizeof(msg),
				 "'%s' operator: cannot sort by a value of type "
				 "dynamic",
				 kql_op_name(op->kind));
			return semantic(b, SEM_TYPE, msg);
		}
	}
	return 0;
}

/* Output name of a project/extend item: its name, the column it copies,
 * or Column1, Column2, ... */
static const char *item_name(struct kql_binder *b, struct kql_item *it,
			     int *anon)
{
	char buf[32];
	if (it->name)
		return it->name;
	if (it->e->kind == EX_COL)
		return it->e->name;
	snprintf(buf, sizeof(buf), "Column%d", ++*anon);
	return kql_arena_strndup(b->a, buf, strlen(buf));
}

static int bind_project(struct kql_binder *b, struct kql_op *op)
{
	int anon = 0;

	op->cols = kql_arena_alloc(b->a, (op->nitems + 1) * sizeof(*op->cols));
	op->src = kql_arena_alloc(b->a, (op->nitems + 1) * sizeof(*op->src));
	op->calc = kql_arena_alloc(b->a, (op->nitems + 1) * sizeof(*op->calc));
	if (!op->cols || !op->src || !op->calc)
		return b->rc = -ENOMEM;
	for (size_t i = 0; i < op->nitems; i++) {
		struct kql_item *it = &op->items[i];
		if (kql_bind_expr(b, it->e))
			return b->rc;
		it->out_name = item_name(b, it, &anon);
		if (!it->out_name)
			return b->rc = -ENOMEM;
		if (kql_find_col(op->cols, op->ncols, it->out_name) >= 0) {
			char msg[256];
			snprintf(msg, sizeof(msg),
				 "'project' operator: A column named '%s' is "
				 "specified more than once",
				 it->out_name);
			return semantic(b, SEM_OTHER, msg);
		}
		op->cols[op->ncols].name = it->out_name;
		op->cols[op->ncols].type = it->e->type;
		op->cols[op->ncols].hidden = false;
		if (it->e->kind == EX_COL) {
			op->src[op->ncols] = it->e->col;
			op->calc[op->ncols] = NULL;
		} else {
			op->src[op->ncols] = -1;
			op->calc[op->ncols] = it->e;
		}
		op->ncols++;
	}
	return 0;
}

static int bind_project_away(struct kql_binder *b, struct kql_op *op)
{
	bool *drop = kql_arena_alloc(b->a, (b->ncols + 1) * sizeof(bool));

	op->cols = kql_arena_alloc(b->a, (b->ncols + 1) * sizeof(*op->cols));
	op->src = kql_arena_alloc(b->a, (b->ncols + 1) * sizeof(*op->src));
	op->calc = kql_arena_alloc(b->a, (b->ncols + 1) * sizeof(*op->calc));
	if (!drop || !op->cols || !op->src || !op->calc)
		return b->rc = -ENOMEM;
	for (size_t i = 0; i < op->nitems; i++) {
		if (kql_bind_expr(b, op->items[i].e))
			return b->rc;
		drop[op->items[i].e->col] = true;
	}
	for (size_t i = 0; i < b->ncols; i++) {
		if (drop[i])
			continue;
		op->cols[op->ncols] = b->cols[i];
		op->src[op->ncols] = (int)i;
		op->ncols++;
	}
	return 0;
}

static int bind_extend(struct kql_binder *b, struct kql_op *op)
{
	int anon = 0;
	size_t cap = b->ncols + op->nitems + 1;

	op->cols = kql_arena_alloc(b->a, cap * sizeof(*op->cols));
	if (!op->cols)
		return b->rc = -ENOMEM;
	memcpy(op->cols, b->cols, b->ncols * sizeof(*op->cols));
	op->ncols = b->ncols;
	/* items see the columns added by earlier items of the same extend */
	b->cols = op->cols;
	for (size_t i = 0; i < op->nitems; i++) {
		struct kql_item *it = &op->items[i];
		int at;
		b->ncols = op->ncols;
		if (kql_bind_expr(b, it->e))
			return b->rc;
		it->out_name = item_name(b, it, &anon);
		if (!it->out_name)
			return b->rc = -ENOMEM;
		at = kql_find_col(op->cols, op->ncols, it->out_name);
		if (at < 0)
			at = (int)op->ncols++;
		op->cols[at].name = it->out_name;
		op->cols[at].type = it->e->type;
		op->cols[at].hidden = false;
		it->target = at;
	}
	return 0;
}

static int bind_op(struct kql_binder *b, struct kql_op *op)
{
	char msg[256];

	b->op = op->kind;
	switch (op->kind) {
	case OP_WHERE:
		if (kql_bind_expr(b, op->pred))
			return b->rc;
		if (op->pred->type != KQL_T_BOOL) {
			snprintf(msg, sizeof(msg),
				 "'where' operator: The predicate must be a "
				 "Boolean expression, not %s",
				 kql_type_name(op->pred->type));
			return semantic(b, SEM_TYPE, msg);
		}
		break;
	case OP_SORT:
		return bind_sortkeys(b, op);
	case OP_TAKE:
		return bind_count(b, op);
	case OP_TOP:
		if (bind_count(b, op))
			return b->rc;
		return bind_sortkeys(b, op);
	case OP_PROJECT:
		return bind_project(b, op);
	case OP_PROJECT_AWAY:
		return bind_project_away(b, op);
	case OP_EXTEND:
		return bind_extend(b, op);
	case OP_COUNT:
		op->cols = kql_arena_alloc(b->a, sizeof(*op->cols));
		if (!op->cols)
			return b->rc = -ENOMEM;
		op->cols[0].name = "Count";
		op->cols[0].type = KQL_T_LONG;
		op->ncols = 1;
		break;
	case OP_SUMMARIZE:
		return kql_bind_summarize(b, op);
	case OP_DISTINCT:
		return kql_bind_distinct(b, op);
	case OP_UNION:
		return kql_bind_union(b, op->un, true, &op->cols, &op->ncols);
	}
	return 0;
}

static bool changes_schema(enum kql_op_kind k)
{
	return k == OP_PROJECT || k == OP_PROJECT_AWAY || k == OP_EXTEND ||
	       k == OP_COUNT || k == OP_SUMMARIZE || k == OP_DISTINCT ||
	       k == OP_UNION;
}

/* Compute each let's value, in order, with no row in scope: the scalars of
 * the subset are constant within a query.  A let whose value is a bare
 * name that is a table is a tabular let. */
static int bind_lets(struct kql_binder *b, struct kql_query *q)
{
	for (size_t i = 0; i < q->nlets; i++) {
		struct kql_let *l = &q->lets[i];
		struct kql_eval_ctx cx;
		b->nlets = i;
		b->cols = NULL;
		b->ncols = 0;
		b->op = OP_EXTEND;
		b->in_let = true;
		if (l->e->kind == EX_COL) {
			bool is_let = false;
			struct kql_table t;
			for (size_t k = 0; k < i; k++)
				is_let = is_let ||
					 strcmp(q->lets[k].name, l->e->name) == 0;
			if (!is_let &&
			    b->env->resolve(b->env->resolve_ctx, l->e->name,
					    &t) == 0)
				return kql_bind_unsupported(
					b, &l->e->loc,
					"A 'let' of a tabular expression");
		}
		if (kql_bind_expr(b, l->e))
			return b->rc;
		memset(&cx, 0, sizeof(cx));
		cx.now_ticks = b->env->now_ticks;
		cx.arena = b->a;
		l->v = kql_eval(&cx, l->e);
		if (cx.oom)
			return b->rc = -ENOMEM;
	}
	b->nlets = q->nlets;
	b->in_let = false;
	return 0;
}

int kql_bind(struct kql_query *q, const struct kql_env *env,
	     struct kql_arena *a, struct kql_bound *bd, struct kql_error *err)
{
	struct kql_binder b;
	int rc;

	memset(&b, 0, sizeof(b));
	memset(bd, 0, sizeof(*bd));
	b.a = a;
	b.env = env;
	b.err = err;
	b.q = q;
	if (bind_lets(&b, q))
		return b.rc;
	if (q->src) {
		struct kql_column *cols;
		b.op = q->nops ? q->ops[0].kind : OP_UNION;
		if (kql_bind_union(&b, q->src, false, &cols, &b.ncols))
			return b.rc;
		b.cols = cols;
	} else {
		rc = env->resolve(env->resolve_ctx, q->table, &bd->table);
		if (rc == -ENOENT) {
			char msg[320];
			if (q->nops)
				snprintf(msg, sizeof(msg),
					 "'%s' operator: Failed to resolve table "
					 "or column expression named '%s'",
					 kql_op_name(q->ops[0].kind), q->table);
			else
				snprintf(msg, sizeof(msg),
					 "Failed to resolve table or column "
					 "expression named '%s'",
					 q->table);
			kql_err_semantic(err, SEM_RESOLVE, "%s", msg);
			return -EINVAL;
		}
		if (rc)
			return rc;
		b.cols = bd->table.cols;
		b.ncols = bd->table.ncols;
	}
	for (size_t i = 0; i < q->nops; i++) {
		struct kql_op *op = &q->ops[i];
		if (bind_op(&b, op))
			return b.rc;
		if (changes_schema(op->kind)) {
			b.cols = op->cols;
			b.ncols = op->ncols;
		}
	}
	bd->cols = b.cols;
	bd->ncols = b.ncols;
	return 0;
}
