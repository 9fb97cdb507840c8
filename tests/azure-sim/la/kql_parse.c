/* kql_parse.c - recursive-descent parser for the KQL subset (grammar in
 * kql.h).  Anything outside the subset is a syntax error at the first token
 * that does not fit, as Kusto reports an unparsable query (SYN0002). */
#include "config.h"

#include "kql_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	struct kql_lexer lx;
	struct kql_token cur;
	struct kql_arena *a;
	const char *src;
	struct kql_error *err;
	int rc; /* first failure: -EINVAL (syntax) or -ENOMEM */
};

static const char *const op_names[] = {
	[OP_WHERE] = "where",     [OP_SORT] = "sort",
	[OP_TAKE] = "take",       [OP_TOP] = "top",
	[OP_PROJECT] = "project", [OP_PROJECT_AWAY] = "project-away",
	[OP_EXTEND] = "extend",   [OP_COUNT] = "count",
};

const char *kql_op_name(enum kql_op_kind k)
{
	return op_names[k];
}

void kql_err_syntax(struct kql_error *err, const char *src,
		    const struct kql_loc *loc)
{
	size_t n = loc->len;

	memset(err, 0, sizeof(*err));
	err->kind = KQL_ERR_SYNTAX;
	snprintf(err->code, sizeof(err->code), "SYN0002");
	err->has_location = true;
	err->line = loc->line;
	err->pos = loc->col;
	if (n == 0) {
		snprintf(err->token, sizeof(err->token), "<EOF>");
	} else {
		if (n >= sizeof(err->token))
			n = sizeof(err->token) - 1;
		memcpy(err->token, src + loc->off, n);
		err->token[n] = '\0';
	}
	snprintf(err->message, sizeof(err->message),
		 "Query could not be parsed at '%s' on line [%d,%d]",
		 err->token, err->line, err->pos);
}

void kql_err_semantic(struct kql_error *err, const char *code,
		      const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	err->kind = KQL_ERR_SEMANTIC;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void advance(struct parser *p)
{
	p->cur = kql_lex_next(&p->lx);
	if (p->lx.oom && !p->rc)
		p->rc = -ENOMEM;
}

/* Record a syntax error at the current token (first error wins). */
static void *fail(struct parser *p)
{
	if (!p->rc) {
		kql_err_syntax(p->err, p->src, &p->cur.loc);
		p->rc = -EINVAL;
	}
	return NULL;
}

static void *oom(struct parser *p)
{
	if (!p->rc)
		p->rc = -ENOMEM;
	return NULL;
}

static bool is_ident(const struct parser *p, const char *word)
{
	return p->cur.kind == TK_IDENT && strcmp(p->cur.str, word) == 0;
}

static bool expect(struct parser *p, enum kql_tok k)
{
	if (p->cur.kind != k) {
		fail(p);
		return false;
	}
	advance(p);
	return true;
}

static struct kql_expr *new_expr(struct parser *p, enum kql_expr_kind k,
				 const struct kql_loc *loc)
{
	struct kql_expr *e = kql_arena_alloc(p->a, sizeof(*e));
	if (!e)
		return oom(p);
	e->kind = k;
	e->loc = *loc;
	e->col = -1;
	return e;
}

static struct kql_expr *parse_expr(struct parser *p);

/* Words that cannot be column names because they are operators. */
static bool reserved(const char *s)
{
	static const char *const words[] = {
		"and", "or", "by", "asc", "desc", "in", "between", "has",
		"contains", "startswith", "endswith", "has_cs", "contains_cs",
		"startswith_cs", "endswith_cs", "nulls",
	};
	if (s[0] == '!')
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

/* datetime(...), timespan(...), long(...) and friends: the raw text inside
 * the parentheses is the literal. */
static struct kql_expr *parse_typed_literal(struct parser *p, enum kql_type t,
					    const struct kql_loc *start)
{
	struct kql_loc raw;
	struct kql_expr *e;
	const char *s;
	size_t n;
	char buf[128];

	/* cur is '(' and the lexer stands right after it */
	if (kql_lex_raw_paren(&p->lx, &raw)) {
		p->cur.loc.len = 1;
		return fail(p);
	}
	s = p->src + raw.off;
	n = raw.len;
	while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
		     s[n - 1] == '\r'))
		n--;
	e = new_expr(p, EX_LIT, start);
	if (!e)
		return NULL;
	e->loc.len = raw.off + raw.len + 1 - start->off;
	if (n == 4 && memcmp(s, "null", 4) == 0) {
		e->lit = kql_null(t);
		goto ok;
	}
	if (t != KQL_T_DYNAMIC && n >= 2 && (s[0] == '"' || s[0] == '\'') &&
	    s[n - 1] == s[0]) {
		s++;
		n -= 2;
	}
	switch (t) {
	case KQL_T_DATETIME:
		e->lit = kql_datetime(0);
		if (kql_parse_datetime(s, n, &e->lit.u.ticks))
			goto bad;
		break;
	case KQL_T_TIMESPAN:
		e->lit = kql_timespan(0);
		if (kql_parse_timespan_literal(s, n, &e->lit.u.ticks))
			goto bad;
		break;
	case KQL_T_GUID: {
		char *g;
		if (!kql_is_guid(s, n))
			goto bad;
		g = kql_arena_strndup(p->a, s, n);
		if (!g)
			return oom(p);
		e->lit = kql_string(g, n);
		e->lit.type = KQL_T_GUID;
		break;
	}
	case KQL_T_DYNAMIC: {
		char *j = kql_arena_strndup(p->a, s, n);
		if (!j)
			return oom(p);
		e->lit = kql_string(j, n);
		e->lit.type = KQL_T_DYNAMIC;
		break;
	}
	case KQL_T_BOOL:
		if (n == 4 && memcmp(s, "true", 4) == 0)
			e->lit = kql_bool(true);
		else if (n == 5 && memcmp(s, "false", 5) == 0)
			e->lit = kql_bool(false);
		else
			goto bad;
		break;
	case KQL_T_INT:
	case KQL_T_LONG:
	case KQL_T_REAL: {
		char *endp;
		if (n == 0 || n >= sizeof(buf))
			goto bad;
		memcpy(buf, s, n);
		buf[n] = '\0';
		errno = 0;
		if (t == KQL_T_REAL) {
			e->lit = kql_real(strtod(buf, &endp));
		} else {
			long long v = strtoll(buf, &endp, 0);
			if (t == KQL_T_INT && (v > INT32_MAX || v < INT32_MIN))
				goto bad;
			e->lit = t == KQL_T_INT ? kql_int((int32_t)v)
						: kql_long(v);
		}
		if (errno || *endp)
			goto bad;
		break;
	}
	default:
		goto bad;
	}
ok:
	advance(p);
	return e;
bad:
	{
		struct kql_loc l = raw;
		l.off = (size_t)(s - p->src);
		l.len = n ? n : 1;
		if (!p->rc) {
			kql_err_syntax(p->err, p->src, &l);
			p->rc = -EINVAL;
		}
	}
	return NULL;
}

static bool literal_type(const char *s, enum kql_type *t)
{
	static const struct {
		const char *n;
		enum kql_type t;
	} lits[] = {
		{ "datetime", KQL_T_DATETIME }, { "date", KQL_T_DATETIME },
		{ "timespan", KQL_T_TIMESPAN }, { "time", KQL_T_TIMESPAN },
		{ "dynamic", KQL_T_DYNAMIC },   { "long", KQL_T_LONG },
		{ "int", KQL_T_INT },           { "real", KQL_T_REAL },
		{ "double", KQL_T_REAL },       { "bool", KQL_T_BOOL },
		{ "boolean", KQL_T_BOOL },      { "guid", KQL_T_GUID },
	};
	for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		if (strcmp(s, lits[i].n) == 0) {
			*t = lits[i].t;
			return true;
		}
	}
	return false;
}

static struct kql_expr **parse_args(struct parser *p, size_t *nargs,
				    bool allow_empty)
{
	struct kql_expr **args = NULL, **grown;
	size_t n = 0, cap = 0;

	/* cur is '(' */
	advance(p);
	if (p->cur.kind == TK_RPAREN) {
		if (!allow_empty)
			return fail(p);
		advance(p);
		*nargs = 0;
		return kql_arena_alloc(p->a, sizeof(*args));
	}
	for (;;) {
		struct kql_expr *e = parse_expr(p);
		if (!e)
			return NULL;
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			grown = kql_arena_alloc(p->a, cap * sizeof(*args));
			if (!grown)
				return oom(p);
			if (n)
				memcpy(grown, args, n * sizeof(*args));
			args = grown;
		}
		args[n++] = e;
		if (p->cur.kind == TK_COMMA) {
			advance(p);
			continue;
		}
		if (!expect(p, TK_RPAREN))
			return NULL;
		break;
	}
	*nargs = n;
	return args;
}

static struct kql_expr *parse_primary(struct parser *p)
{
	struct kql_token t = p->cur;
	struct kql_expr *e;
	enum kql_type lt;

	switch (t.kind) {
	case TK_LONG:
	case TK_REAL:
	case TK_TIMESPAN:
		e = new_expr(p, EX_LIT, &t.loc);
		if (!e)
			return NULL;
		if (t.kind == TK_LONG)
			e->lit = kql_long(t.l);
		else if (t.kind == TK_REAL)
			e->lit = kql_real(t.r);
		else
			e->lit = kql_timespan(t.l);
		advance(p);
		return e;
	case TK_STRING: {
		/* adjacent literals concatenate: "a" 'b' == "ab" */
		const char *s = t.str;
		size_t n = t.slen;
		advance(p);
		while (p->cur.kind == TK_STRING) {
			char *c = kql_arena_alloc(p->a, n + p->cur.slen + 1);
			if (!c)
				return oom(p);
			memcpy(c, s, n);
			memcpy(c + n, p->cur.str, p->cur.slen);
			n += p->cur.slen;
			s = c;
			advance(p);
		}
		e = new_expr(p, EX_LIT, &t.loc);
		if (!e)
			return NULL;
		e->lit = kql_string(s, n);
		return e;
	}
	case TK_LPAREN:
		advance(p);
		e = parse_expr(p);
		if (!e || !expect(p, TK_RPAREN))
			return NULL;
		return e;
	case TK_IDENT:
		break;
	case TK_OTHER:
		if (t.text[0] == '[') {
			/* ['column name'] */
			advance(p);
			if (p->cur.kind != TK_STRING)
				return fail(p);
			e = new_expr(p, EX_COL, &t.loc);
			if (!e)
				return NULL;
			e->name = p->cur.str;
			advance(p);
			if (p->cur.kind != TK_OTHER || p->cur.text[0] != ']')
				return fail(p);
			advance(p);
			return e;
		}
		return fail(p);
	default:
		return fail(p);
	}
	if (strcmp(t.str, "true") == 0 || strcmp(t.str, "false") == 0) {
		e = new_expr(p, EX_LIT, &t.loc);
		if (!e)
			return NULL;
		e->lit = kql_bool(t.str[0] == 't');
		advance(p);
		return e;
	}
	if (reserved(t.str))
		return fail(p);
	advance(p);
	if (p->cur.kind == TK_LPAREN) {
		if (literal_type(t.str, &lt))
			return parse_typed_literal(p, lt, &t.loc);
		e = new_expr(p, EX_CALL, &t.loc);
		if (!e)
			return NULL;
		e->name = t.str;
		e->args = parse_args(p, &e->nargs, true);
		return e->args ? e : NULL;
	}
	if (p->cur.kind == TK_OTHER && p->cur.text[0] == '.')
		return fail(p); /* dynamic member access: not in the subset */
	e = new_expr(p, EX_COL, &t.loc);
	if (!e)
		return NULL;
	e->name = t.str;
	return e;
}

static struct kql_expr *parse_unary(struct parser *p)
{
	if (p->cur.kind == TK_MINUS || p->cur.kind == TK_PLUS) {
		struct kql_token t = p->cur;
		struct kql_expr *x, *e;
		advance(p);
		x = parse_unary(p);
		if (!x)
			return NULL;
		if (t.kind == TK_PLUS)
			return x;
		if (x->kind == EX_LIT && !x->lit.null) {
			/* fold, so "-5" and "-1d" are plain literals */
			if (x->lit.type == KQL_T_LONG || x->lit.type == KQL_T_INT)
				x->lit.u.l = -x->lit.u.l;
			else if (x->lit.type == KQL_T_REAL)
				x->lit.u.r = -x->lit.u.r;
			else if (x->lit.type == KQL_T_TIMESPAN)
				x->lit.u.ticks = -x->lit.u.ticks;
			else
				goto node;
			x->loc.off = t.loc.off;
			x->loc.len += t.loc.len;
			x->loc.col = t.loc.col;
			return x;
		}
node:
		e = new_expr(p, EX_NEG, &t.loc);
		if (!e)
			return NULL;
		e->l = x;
		return e;
	}
	return parse_primary(p);
}

static struct kql_expr *binary(struct parser *p, enum kql_binop op,
			       struct kql_expr *l, struct kql_expr *r,
			       const struct kql_loc *loc)
{
	struct kql_expr *e;
	if (!l || !r)
		return NULL;
	e = new_expr(p, EX_BIN, loc);
	if (!e)
		return NULL;
	e->op = op;
	e->l = l;
	e->r = r;
	return e;
}

static struct kql_expr *parse_mul(struct parser *p)
{
	struct kql_expr *l = parse_unary(p);
	while (l && (p->cur.kind == TK_STAR || p->cur.kind == TK_SLASH ||
		     p->cur.kind == TK_PERCENT)) {
		struct kql_token t = p->cur;
		enum kql_binop op = t.kind == TK_STAR	 ? BO_MUL
				    : t.kind == TK_SLASH ? BO_DIV
							 : BO_MOD;
		advance(p);
		l = binary(p, op, l, parse_unary(p), &t.loc);
	}
	return l;
}

static struct kql_expr *parse_add(struct parser *p)
{
	struct kql_expr *l = parse_mul(p);
	while (l && (p->cur.kind == TK_PLUS || p->cur.kind == TK_MINUS)) {
		struct kql_token t = p->cur;
		advance(p);
		l = binary(p, t.kind == TK_PLUS ? BO_ADD : BO_SUB, l,
			   parse_mul(p), &t.loc);
	}
	return l;
}

static bool string_op(const char *s, enum kql_binop *op)
{
	static const struct {
		const char *n;
		enum kql_binop op;
	} ops[] = {
		{ "has", BO_HAS },
		{ "!has", BO_NHAS },
		{ "has_cs", BO_HAS_CS },
		{ "!has_cs", BO_NHAS_CS },
		{ "contains", BO_CONTAINS },
		{ "!contains", BO_NCONTAINS },
		{ "contains_cs", BO_CONTAINS_CS },
		{ "!contains_cs", BO_NCONTAINS_CS },
		{ "startswith", BO_STARTS },
		{ "!startswith", BO_NSTARTS },
		{ "startswith_cs", BO_STARTS_CS },
		{ "!startswith_cs", BO_NSTARTS_CS },
		{ "endswith", BO_ENDS },
		{ "!endswith", BO_NENDS },
		{ "endswith_cs", BO_ENDS_CS },
		{ "!endswith_cs", BO_NENDS_CS },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(s, ops[i].n) == 0) {
			*op = ops[i].op;
			return true;
		}
	}
	return false;
}

/* between (a .. b) / !between (a .. b) become range comparisons. */
static struct kql_expr *parse_between(struct parser *p, struct kql_expr *l,
				      bool neg)
{
	struct kql_token t = p->cur;
	struct kql_expr *lo, *hi, *a, *b;

	advance(p);
	if (!expect(p, TK_LPAREN))
		return NULL;
	lo = parse_expr(p);
	if (!lo || !expect(p, TK_DOTDOT))
		return NULL;
	hi = parse_expr(p);
	if (!hi || !expect(p, TK_RPAREN))
		return NULL;
	a = binary(p, neg ? BO_LT : BO_GE, l, lo, &t.loc);
	b = binary(p, neg ? BO_GT : BO_LE, l, hi, &t.loc);
	return binary(p, neg ? BO_OR : BO_AND, a, b, &t.loc);
}

static struct kql_expr *parse_cmp(struct parser *p)
{
	struct kql_expr *l = parse_add(p);

	while (l) {
		struct kql_token t = p->cur;
		enum kql_binop op;

		switch (t.kind) {
		case TK_EQ: op = BO_EQ; break;
		case TK_NE: op = BO_NE; break;
		case TK_LT: op = BO_LT; break;
		case TK_LE: op = BO_LE; break;
		case TK_GT: op = BO_GT; break;
		case TK_GE: op = BO_GE; break;
		case TK_EQ_CI: op = BO_EQ_CI; break;
		case TK_NE_CI: op = BO_NE_CI; break;
		case TK_IDENT:
			if (string_op(t.str, &op))
				break;
			if (strcmp(t.str, "in") == 0 || strcmp(t.str, "!in") == 0 ||
			    strcmp(t.str, "in~") == 0 ||
			    strcmp(t.str, "!in~") == 0) {
				struct kql_expr *e = new_expr(p, EX_IN, &t.loc);
				if (!e)
					return NULL;
				e->l = l;
				e->in_neg = t.str[0] == '!';
				e->in_ci = t.str[t.slen - 1] == '~';
				advance(p);
				if (p->cur.kind != TK_LPAREN)
					return fail(p);
				e->args = parse_args(p, &e->nargs, false);
				if (!e->args)
					return NULL;
				l = e;
				continue;
			}
			if (strcmp(t.str, "between") == 0 ||
			    strcmp(t.str, "!between") == 0) {
				l = parse_between(p, l, t.str[0] == '!');
				continue;
			}
			return l;
		default:
			return l;
		}
		advance(p);
		l = binary(p, op, l, parse_add(p), &t.loc);
	}
	return l;
}

static struct kql_expr *parse_and(struct parser *p)
{
	struct kql_expr *l = parse_cmp(p);
	while (l && is_ident(p, "and")) {
		struct kql_token t = p->cur;
		advance(p);
		l = binary(p, BO_AND, l, parse_cmp(p), &t.loc);
	}
	return l;
}

static struct kql_expr *parse_expr(struct parser *p)
{
	struct kql_expr *l = parse_and(p);
	while (l && is_ident(p, "or")) {
		struct kql_token t = p->cur;
		advance(p);
		l = binary(p, BO_OR, l, parse_and(p), &t.loc);
	}
	return l;
}

/* Grow-by-doubling helper for arena arrays. */
static void *grow(struct parser *p, void *arr, size_t n, size_t *cap,
		  size_t elem)
{
	void *g;
	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 4;
	g = kql_arena_alloc(p->a, *cap * elem);
	if (!g)
		return oom(p);
	if (n)
		memcpy(g, arr, n * elem);
	return g;
}

static bool parse_sortkey(struct parser *p, struct kql_sortkey *k)
{
	k->e = parse_expr(p);
	if (!k->e)
		return false;
	k->asc = false; /* Kusto's default order is descending */
	if (is_ident(p, "asc")) {
		k->asc = true;
		advance(p);
	} else if (is_ident(p, "desc")) {
		advance(p);
	}
	k->nulls_first = k->asc;
	if (is_ident(p, "nulls")) {
		advance(p);
		if (is_ident(p, "first")) {
			k->nulls_first = true;
		} else if (is_ident(p, "last")) {
			k->nulls_first = false;
		} else {
			fail(p);
			return false;
		}
		advance(p);
	}
	return true;
}

static bool parse_sortkeys(struct parser *p, struct kql_op *op, bool one)
{
	size_t cap = 0;
	for (;;) {
		op->keys = grow(p, op->keys, op->nkeys, &cap, sizeof(*op->keys));
		if (!op->keys || !parse_sortkey(p, &op->keys[op->nkeys]))
			return false;
		op->nkeys++;
		if (one || p->cur.kind != TK_COMMA)
			return true;
		advance(p);
	}
}

static bool parse_items(struct parser *p, struct kql_op *op, bool names_only)
{
	size_t cap = 0;
	for (;;) {
		struct kql_item *it;
		op->items = grow(p, op->items, op->nitems, &cap,
				 sizeof(*op->items));
		if (!op->items)
			return false;
		it = &op->items[op->nitems];
		memset(it, 0, sizeof(*it));
		if (names_only) {
			if (p->cur.kind != TK_IDENT || reserved(p->cur.str)) {
				fail(p);
				return false;
			}
			it->e = new_expr(p, EX_COL, &p->cur.loc);
			if (!it->e)
				return false;
			it->e->name = p->cur.str;
			advance(p);
		} else {
			it->e = parse_expr(p);
			if (!it->e)
				return false;
			if (p->cur.kind == TK_ASSIGN) {
				if (it->e->kind != EX_COL) {
					fail(p);
					return false;
				}
				it->name = it->e->name;
				advance(p);
				it->e = parse_expr(p);
				if (!it->e)
					return false;
			}
		}
		op->nitems++;
		if (p->cur.kind != TK_COMMA)
			return true;
		advance(p);
	}
}

static bool parse_operator(struct parser *p, struct kql_op *op)
{
	struct kql_token t = p->cur;
	const char *w = t.kind == TK_IDENT ? t.str : "";

	memset(op, 0, sizeof(*op));
	op->loc = t.loc;
	if (strcmp(w, "where") == 0 || strcmp(w, "filter") == 0) {
		op->kind = OP_WHERE;
		advance(p);
		op->pred = parse_expr(p);
		return op->pred != NULL;
	}
	if (strcmp(w, "order") == 0 || strcmp(w, "sort") == 0) {
		op->kind = OP_SORT;
		advance(p);
		if (!is_ident(p, "by")) {
			fail(p);
			return false;
		}
		advance(p);
		return parse_sortkeys(p, op, false);
	}
	if (strcmp(w, "take") == 0 || strcmp(w, "limit") == 0) {
		op->kind = OP_TAKE;
		advance(p);
		op->count = parse_expr(p);
		return op->count != NULL;
	}
	if (strcmp(w, "top") == 0) {
		op->kind = OP_TOP;
		advance(p);
		op->count = parse_expr(p);
		if (!op->count)
			return false;
		if (!is_ident(p, "by")) {
			fail(p);
			return false;
		}
		advance(p);
		return parse_sortkeys(p, op, true);
	}
	if (strcmp(w, "project") == 0) {
		op->kind = OP_PROJECT;
		advance(p);
		return parse_items(p, op, false);
	}
	if (strcmp(w, "project-away") == 0) {
		op->kind = OP_PROJECT_AWAY;
		advance(p);
		return parse_items(p, op, true);
	}
	if (strcmp(w, "extend") == 0) {
		op->kind = OP_EXTEND;
		advance(p);
		return parse_items(p, op, false);
	}
	if (strcmp(w, "count") == 0) {
		op->kind = OP_COUNT;
		advance(p);
		return true;
	}
	fail(p);
	return false;
}

int kql_parse(const char *src, struct kql_arena *a, struct kql_query *q,
	      struct kql_error *err)
{
	struct parser p;
	size_t cap = 0;
	static const char *const not_tables[] = {
		"let", "union", "print", "search", "range", "datatable", "find",
		"evaluate", "set", "declare", "alias", "restrict", "pattern",
		"externaldata", "materialize", "view", "table", "database",
		"cluster", "workspace", "app", "resource",
	};

	memset(&p, 0, sizeof(p));
	memset(q, 0, sizeof(*q));
	p.a = a;
	p.src = src;
	p.err = err;
	kql_lex_init(&p.lx, src, a);
	advance(&p);
	if (p.cur.kind != TK_IDENT || reserved(p.cur.str)) {
		fail(&p);
		goto out;
	}
	for (size_t i = 0; i < sizeof(not_tables) / sizeof(not_tables[0]); i++) {
		if (strcmp(p.cur.str, not_tables[i]) == 0) {
			fail(&p);
			goto out;
		}
	}
	q->table = p.cur.str;
	q->table_loc = p.cur.loc;
	advance(&p);
	while (!p.rc && p.cur.kind == TK_PIPE) {
		advance(&p);
		q->ops = grow(&p, q->ops, q->nops, &cap, sizeof(*q->ops));
		if (!q->ops || !parse_operator(&p, &q->ops[q->nops]))
			break;
		q->nops++;
	}
	while (!p.rc && p.cur.kind == TK_SEMI)
		advance(&p);
	if (!p.rc && p.cur.kind != TK_EOF)
		fail(&p);
out:
	return p.rc;
}
