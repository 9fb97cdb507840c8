/* kql_parse.c - recursive-descent parser for the KQL subset (grammar in
 * kql.h).  Valid KQL outside the subset (operators, statements, functions
 * Kusto knows) is refused as "not supported by this simulator"; anything
 * else that does not fit is a syntax error at the first token that does
 * not, as Kusto reports an unparsable query (SYN0002). */
#include "config.h"

#include "kql_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KQL_STR_(x) #x
#define KQL_STR(x) KQL_STR_(x)

struct parser {
	struct kql_lexer lx;
	struct kql_token cur;
	struct kql_arena *a;
	const char *src;
	struct kql_error *err;
	int rc;    /* first failure: -EINVAL (syntax) or -ENOMEM */
	int nest;  /* parse_expr calls in progress */
};

static const char *const op_names[] = {
	[OP_WHERE] = "where",     [OP_SORT] = "sort",
	[OP_TAKE] = "take",       [OP_TOP] = "top",
	[OP_PROJECT] = "project", [OP_PROJECT_AWAY] = "project-away",
	[OP_EXTEND] = "extend",   [OP_COUNT] = "count",
	[OP_SUMMARIZE] = "summarize", [OP_DISTINCT] = "distinct",
	[OP_UNION] = "union",
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

void kql_err_unsupported(struct kql_error *err, const char *src,
			 const struct kql_loc *loc, const char *what)
{
	kql_err_syntax(err, src, loc);
	err->kind = KQL_ERR_UNSUPPORTED;
	snprintf(err->code, sizeof(err->code), "SimulatorNotSupported");
	snprintf(err->message, sizeof(err->message),
		 "%s at '%s' on line [%d,%d] is valid KQL but not supported by "
		 "this simulator",
		 what, err->token, err->line, err->pos);
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

/* Valid KQL the subset does not have, at loc (first error wins). */
static void *unsupported(struct parser *p, const struct kql_loc *loc,
			 const char *what)
{
	if (!p->rc) {
		kql_err_unsupported(p->err, p->src, loc, what);
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
	e->depth = 1;
	return e;
}

/* Set e's height from its children; refuse trees too high to walk. */
static struct kql_expr *height(struct parser *p, struct kql_expr *e)
{
	int d = 0;
	if (!e)
		return NULL;
	if (e->l && e->l->depth > d)
		d = e->l->depth;
	if (e->r && e->r->depth > d)
		d = e->r->depth;
	for (size_t i = 0; i < e->nargs; i++)
		if (e->args[i]->depth > d)
			d = e->args[i]->depth;
	e->depth = d + 1;
	if (e->depth > KQL_MAX_DEPTH)
		return unsupported(p, &e->loc,
				   "An expression nested more than "
				   KQL_STR(KQL_MAX_DEPTH) " levels deep");
	return e;
}

static struct kql_expr *parse_expr(struct parser *p);


/* The lexer state is a plain value: look at the token after the current
 * one without consuming anything. */
static struct kql_token peek(struct parser *p)
{
	struct kql_lexer save = p->lx;
	struct kql_token t = kql_lex_next(&p->lx);
	p->lx = save;
	return t;
}

/* Words that cannot be column names because they are operators. */
static bool reserved(const char *s)
{
	static const char *const words[] = {
		"and", "or", "by", "asc", "desc", "in", "between", "has",
		"contains", "startswith", "endswith", "has_cs", "contains_cs",
		"startswith_cs", "endswith_cs", "nulls", "hasprefix",
		"hasprefix_cs", "hassuffix", "hassuffix_cs", "matches",
		"has_any", "has_all",
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
		if (t.min_mag)
			return fail(p); /* 9223372036854775808 without '-' */
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
	case TK_STAR:
		if (peek(p).kind == TK_IDENT)
			return unsupported(p, &t.loc,
					   "A search over all columns (*)");
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
		if (strcmp(t.str, "toscalar") == 0)
			/* its argument is a tabular expression */
			return unsupported(p, &t.loc, "The function 'toscalar'");
		e = new_expr(p, EX_CALL, &t.loc);
		if (!e)
			return NULL;
		e->name = t.str;
		e->args = parse_args(p, &e->nargs, true);
		return e->args ? height(p, e) : NULL;
	}
	if (p->cur.kind == TK_OTHER && p->cur.text[0] == '.')
		return unsupported(p, &p->cur.loc, "Dynamic property access");
	if (p->cur.kind == TK_OTHER && p->cur.text[0] == '[')
		return unsupported(p, &p->cur.loc, "Dynamic index access");
	e = new_expr(p, EX_COL, &t.loc);
	if (!e)
		return NULL;
	e->name = t.str;
	return e;
}

/* Signs are read in a loop, not by recursion, so "------1" costs no
 * stack.  A minus on a numeric literal folds into it ("-5", "-1d"), with
 * two's complement wrap-around (no undefined negation of INT64_MIN). */
static struct kql_expr *parse_unary(struct parser *p)
{
	struct kql_loc first = p->cur.loc;
	size_t nminus = 0;
	bool last_minus = false, any = false;
	struct kql_expr *x;

	while (p->cur.kind == TK_MINUS || p->cur.kind == TK_PLUS) {
		last_minus = p->cur.kind == TK_MINUS;
		nminus += last_minus;
		any = true;
		advance(p);
	}
	if (p->cur.kind == TK_LONG && p->cur.min_mag && last_minus) {
		/* -9223372036854775808 is INT64_MIN */
		x = new_expr(p, EX_LIT, &p->cur.loc);
		if (!x)
			return NULL;
		x->lit = kql_long(INT64_MIN);
		nminus--;
		advance(p);
	} else {
		x = parse_primary(p);
	}
	if (!x || !any)
		return x;
	for (; nminus; nminus--) {
		struct kql_expr *e;
		if (x->kind == EX_LIT && !x->lit.null &&
		    (x->lit.type == KQL_T_LONG || x->lit.type == KQL_T_INT)) {
			x->lit.u.l = (int64_t)(0 - (uint64_t)x->lit.u.l);
			continue;
		}
		if (x->kind == EX_LIT && !x->lit.null &&
		    x->lit.type == KQL_T_REAL) {
			x->lit.u.r = -x->lit.u.r;
			continue;
		}
		if (x->kind == EX_LIT && !x->lit.null &&
		    x->lit.type == KQL_T_TIMESPAN) {
			x->lit.u.ticks = (int64_t)(0 - (uint64_t)x->lit.u.ticks);
			continue;
		}
		e = new_expr(p, EX_NEG, &first);
		if (!e)
			return NULL;
		e->l = x;
		x = height(p, e);
		if (!x)
			return NULL;
	}
	if (x->kind == EX_LIT && x->loc.off > first.off) {
		x->loc.len += x->loc.off - first.off;
		x->loc.off = first.off;
		x->loc.col = first.col;
	}
	return x;
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
	return height(p, e);
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
		{ "hasprefix", BO_HASPREFIX },
		{ "!hasprefix", BO_NHASPREFIX },
		{ "hasprefix_cs", BO_HASPREFIX_CS },
		{ "!hasprefix_cs", BO_NHASPREFIX_CS },
		{ "hassuffix", BO_HASSUFFIX },
		{ "!hassuffix", BO_NHASSUFFIX },
		{ "hassuffix_cs", BO_HASSUFFIX_CS },
		{ "!hassuffix_cs", BO_NHASSUFFIX_CS },
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
				l = height(p, e);
				continue;
			}
			if (kql_in_list(t.str, (const char *const[]){
					   "matches", "has_any", "has_all",
					   NULL })) {
				char what[96];
				snprintf(what, sizeof(what), "The '%s%s' operator",
					 t.str,
					 strcmp(t.str, "matches") ? "" : " regex");
				return unsupported(p, &t.loc, what);
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
	struct kql_expr *l;

	if (p->nest >= KQL_MAX_NEST)
		return unsupported(p, &p->cur.loc,
				   "Parentheses or calls nested more than "
				   KQL_STR(KQL_MAX_NEST) " levels deep");
	p->nest++;
	l = parse_and(p);
	while (l && is_ident(p, "or")) {
		struct kql_token t = p->cur;
		advance(p);
		l = binary(p, BO_OR, l, parse_and(p), &t.loc);
	}
	p->nest--;
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

/* One aggregate of summarize: [Name =] fn(args), fn a bare call. */
static bool parse_aggregate(struct parser *p, struct kql_aggr *ag)
{
	static const struct {
		const char *n;
		enum kql_agg fn;
	} aggs[] = {
		{ "count", AG_COUNT },     { "min", AG_MIN },
		{ "max", AG_MAX },         { "arg_max", AG_ARG_MAX },
		{ "arg_min", AG_ARG_MIN },
	};
	struct kql_token t = p->cur;
	size_t i, cap = 0;

	memset(ag, 0, sizeof(*ag));
	if (t.kind != TK_IDENT || reserved(t.str)) {
		fail(p);
		return false;
	}
	advance(p);
	if (p->cur.kind == TK_ASSIGN) {
		ag->name = t.str;
		advance(p);
		t = p->cur;
		if (t.kind != TK_IDENT || reserved(t.str)) {
			fail(p);
			return false;
		}
		advance(p);
	}
	ag->loc = t.loc;
	if (p->cur.kind != TK_LPAREN) {
		/* "summarize x = N": not an aggregate */
		if (!p->rc) {
			kql_err_semantic(p->err, "SEM0001",
					 "'summarize' operator: '%s' is not an "
					 "aggregation function call",
					 t.str);
			p->rc = -EINVAL;
		}
		return false;
	}
	for (i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++)
		if (strcmp(aggs[i].n, t.str) == 0)
			break;
	if (i == sizeof(aggs) / sizeof(aggs[0])) {
		char what[96];
		if (!kql_in_list(t.str, kql_kusto_aggregates)) {
			if (!p->rc) {
				kql_err_semantic(p->err, "SEM0100",
						 "'summarize' operator: Failed to "
						 "resolve scalar expression named "
						 "'%s'",
						 t.str);
				p->rc = -EINVAL;
			}
			return false;
		}
		snprintf(what, sizeof(what), "The aggregation function '%s'",
			 t.str);
		unsupported(p, &t.loc, what);
		return false;
	}
	ag->fn = aggs[i].fn;
	advance(p);
	if (p->cur.kind == TK_RPAREN) {
		advance(p);
	} else {
		for (;;) {
			struct kql_expr *e = NULL;
			if (p->cur.kind == TK_STAR && ag->nargs > 0 &&
			    (ag->fn == AG_ARG_MAX || ag->fn == AG_ARG_MIN)) {
				ag->star = true;
				advance(p);
			} else {
				e = parse_expr(p);
				if (!e)
					return false;
				ag->args = grow(p, ag->args, ag->nargs, &cap,
						sizeof(*ag->args));
				if (!ag->args)
					return false;
				ag->args[ag->nargs++] = e;
			}
			if (p->cur.kind == TK_COMMA) {
				advance(p);
				continue;
			}
			if (!expect(p, TK_RPAREN))
				return false;
			break;
		}
	}
	if (p->cur.kind != TK_COMMA && p->cur.kind != TK_PIPE &&
	    p->cur.kind != TK_EOF && p->cur.kind != TK_SEMI &&
	    !is_ident(p, "by")) {
		unsupported(p, &p->cur.loc,
			    "An expression around an aggregation function");
		return false;
	}
	return true;
}

static bool parse_summarize(struct parser *p, struct kql_op *op)
{
	size_t cap = 0;

	if (p->cur.kind == TK_IDENT && strncmp(p->cur.str, "hint", 4) == 0 &&
	    peek(p).kind == TK_OTHER) {
		unsupported(p, &p->cur.loc, "A summarize hint");
		return false;
	}
	while (!is_ident(p, "by")) {
		op->aggs = grow(p, op->aggs, op->naggs, &cap, sizeof(*op->aggs));
		if (!op->aggs || !parse_aggregate(p, &op->aggs[op->naggs]))
			return false;
		op->naggs++;
		if (p->cur.kind != TK_COMMA)
			break;
		advance(p);
	}
	if (!is_ident(p, "by"))
		return true;
	advance(p);
	return parse_items(p, op, false);
}

/* union [kind=inner|outer] [withsource=Col] [isfuzzy=true|false] T, ... */
static struct kql_union *parse_union(struct parser *p)
{
	struct kql_union *u = kql_arena_alloc(p->a, sizeof(*u));
	size_t cap = 0, lcap = 0;

	if (!u)
		return oom(p);
	for (;;) {
		struct kql_token t = p->cur;
		if (t.kind != TK_IDENT || peek(p).kind != TK_ASSIGN)
			break;
		if (strcmp(t.str, "kind") && strcmp(t.str, "withsource") &&
		    strcmp(t.str, "isfuzzy"))
			return unsupported(p, &t.loc, "A union parameter");
		advance(p);
		advance(p);
		if (p->cur.kind != TK_IDENT)
			return fail(p);
		if (strcmp(t.str, "kind") == 0) {
			if (strcmp(p->cur.str, "inner") == 0)
				u->inner = true;
			else if (strcmp(p->cur.str, "outer") != 0)
				return fail(p);
		} else if (strcmp(t.str, "isfuzzy") == 0) {
			if (strcmp(p->cur.str, "true") == 0)
				u->fuzzy = true;
			else if (strcmp(p->cur.str, "false") != 0)
				return fail(p);
		} else {
			if (reserved(p->cur.str))
				return fail(p);
			u->withsource = p->cur.str;
		}
		advance(p);
	}
	for (;;) {
		struct kql_token t = p->cur, nx;
		if (t.kind == TK_LPAREN)
			return unsupported(p, &t.loc,
					   "A union of a subquery");
		if (t.kind != TK_IDENT || reserved(t.str))
			return fail(p);
		nx = peek(p);
		if (nx.kind == TK_STAR ||
		    (nx.kind == TK_OTHER && nx.text[0] == '.') ||
		    nx.kind == TK_LPAREN)
			return unsupported(p, &t.loc,
					   nx.kind == TK_STAR
						   ? "A table name wildcard"
						   : "A qualified or computed "
						     "table reference");
		u->names = grow(p, u->names, u->n, &cap, sizeof(*u->names));
		u->locs = grow(p, u->locs, u->n, &lcap, sizeof(*u->locs));
		if (!u->names || !u->locs)
			return NULL;
		u->names[u->n] = t.str;
		u->locs[u->n] = t.loc;
		u->n++;
		advance(p);
		if (p->cur.kind != TK_COMMA)
			break;
		advance(p);
	}
	return u;
}


static bool parse_operator(struct parser *p, struct kql_op *op)
{
	struct kql_token t = p->cur;
	const char *w = t.kind == TK_IDENT ? t.str : "";

	memset(op, 0, sizeof(*op));
	op->loc = t.loc;
	if (strcmp(w, "summarize") == 0) {
		op->kind = OP_SUMMARIZE;
		advance(p);
		return parse_summarize(p, op);
	}
	if (strcmp(w, "distinct") == 0) {
		op->kind = OP_DISTINCT;
		advance(p);
		if (p->cur.kind == TK_STAR) {
			op->star = true;
			advance(p);
			return true;
		}
		return parse_items(p, op, true);
	}
	if (strcmp(w, "union") == 0) {
		op->kind = OP_UNION;
		advance(p);
		op->un = parse_union(p);
		return op->un != NULL;
	}
	if (kql_in_list(w, kql_kusto_operators)) {
		char what[96];
		snprintf(what, sizeof(what), "The '%s' operator", w);
		unsupported(p, &t.loc, what);
		return false;
	}
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


/* let Name = ScalarExpression ;  Tabular lets and functions are valid KQL
 * the subset does not have. */
static bool parse_let(struct parser *p, struct kql_query *q, size_t *cap)
{
	struct kql_token kw = p->cur, name, nx;
	struct kql_let *l;

	advance(p);
	name = p->cur;
	if (name.kind == TK_OTHER && name.text[0] == '[')
		return unsupported(p, &name.loc, "A bracketed 'let' name") != NULL;
	if (name.kind != TK_IDENT || reserved(name.str) ||
	    peek(p).kind != TK_ASSIGN) {
		if (name.kind == TK_IDENT && !reserved(name.str))
			advance(p);
		fail(p);
		return false;
	}
	advance(p);
	advance(p);
	nx = peek(p);
	if (p->cur.kind == TK_LPAREN &&
	    (nx.kind == TK_RPAREN ||
	     (nx.kind == TK_IDENT && !reserved(nx.str)))) {
		/* (x: long) { ... } or () { ... }, unless "(a + b)" */
		struct kql_lexer save = p->lx;
		struct kql_token t2;
		bool fn = nx.kind == TK_RPAREN;
		if (!fn) {
			kql_lex_next(&p->lx);
			t2 = kql_lex_next(&p->lx);
			fn = t2.kind == TK_OTHER && t2.text[0] == ':';
		}
		p->lx = save;
		if (fn)
			return unsupported(p, &kw.loc,
					   "A 'let' function definition") != NULL;
	}
	if (p->cur.kind == TK_IDENT &&
	    (kql_in_list(p->cur.str, kql_kusto_statements) ||
	     strcmp(p->cur.str, "union") == 0))
		return unsupported(p, &kw.loc,
				   "A 'let' of a tabular expression") != NULL;
	q->lets = grow(p, q->lets, q->nlets, cap, sizeof(*q->lets));
	if (!q->lets)
		return false;
	l = &q->lets[q->nlets];
	memset(l, 0, sizeof(*l));
	l->name = name.str;
	l->loc = name.loc;
	l->e = parse_expr(p);
	if (!l->e)
		return false;
	if (p->cur.kind == TK_PIPE)
		return unsupported(p, &kw.loc,
				   "A 'let' of a tabular expression") != NULL;
	if (!expect(p, TK_SEMI))
		return false;
	q->nlets++;
	return true;
}

int kql_parse(const char *src, struct kql_arena *a, struct kql_query *q,
	      struct kql_error *err)
{
	struct parser p;
	size_t cap = 0, lcap = 0;
	bool semi = false;

	memset(&p, 0, sizeof(p));
	memset(q, 0, sizeof(*q));
	q->text = src;
	p.a = a;
	p.src = src;
	p.err = err;
	kql_lex_init(&p.lx, src, a);
	advance(&p);
	while (!p.rc && is_ident(&p, "let"))
		if (!parse_let(&p, q, &lcap))
			goto out;
	if (p.cur.kind == TK_LPAREN) {
		unsupported(&p, &p.cur.loc, "A parenthesised tabular expression");
		goto out;
	}
	if (p.cur.kind != TK_IDENT || reserved(p.cur.str)) {
		fail(&p);
		goto out;
	}
	if (kql_in_list(p.cur.str, kql_kusto_statements)) {
		char what[96];
		snprintf(what, sizeof(what), "The '%s' statement", p.cur.str);
		unsupported(&p, &p.cur.loc, what);
		goto out;
	}
	if (strcmp(p.cur.str, "union") == 0) {
		advance(&p);
		q->src = parse_union(&p);
		if (!q->src)
			goto out;
		q->table = q->src->names[0];
		q->table_loc = q->src->locs[0];
	} else {
		struct kql_token nx = peek(&p);
		if (nx.kind == TK_LPAREN ||
		    (nx.kind == TK_OTHER && nx.text[0] == '.')) {
			unsupported(&p, &p.cur.loc,
				    "A qualified or computed table reference");
			goto out;
		}
		q->table = p.cur.str;
		q->table_loc = p.cur.loc;
		advance(&p);
	}
	while (!p.rc && p.cur.kind == TK_PIPE) {
		advance(&p);
		q->ops = grow(&p, q->ops, q->nops, &cap, sizeof(*q->ops));
		if (!q->ops || !parse_operator(&p, &q->ops[q->nops]))
			break;
		q->nops++;
	}
	while (!p.rc && p.cur.kind == TK_SEMI) {
		semi = true;
		advance(&p);
	}
	if (!p.rc && semi && p.cur.kind == TK_IDENT && !reserved(p.cur.str) &&
	    (peek(&p).kind == TK_PIPE || peek(&p).kind == TK_EOF ||
	     peek(&p).kind == TK_SEMI))
		unsupported(&p, &p.cur.loc,
			    "A second tabular statement (a query batch)");
	if (!p.rc && p.cur.kind != TK_EOF)
		fail(&p);
out:
	return p.rc;
}
