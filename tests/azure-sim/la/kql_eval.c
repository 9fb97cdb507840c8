/* kql_eval.c - evaluation of bound scalar expressions over one row, with
 * Kusto's semantics for nulls, string operators and arithmetic. */
#include "config.h"

#include "kql_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char fold(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool kql_str_eq(const char *a, size_t an, const char *b, size_t bn, bool cs)
{
	if (an != bn)
		return false;
	if (cs)
		return an == 0 || memcmp(a, b, an) == 0;
	for (size_t i = 0; i < an; i++)
		if (fold(a[i]) != fold(b[i]))
			return false;
	return true;
}

/* Kusto terms are runs of letters and digits; bytes of multi-byte UTF-8
 * characters count as letters. */
static bool term_char(char c)
{
	unsigned char u = (unsigned char)c;
	return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') ||
	       (u >= 'A' && u <= 'Z') || u >= 0x80;
}

static bool match_at(const char *h, const char *n, size_t nn, bool cs)
{
	return kql_str_eq(h, nn, n, nn, cs);
}

bool kql_str_contains(const char *h, size_t hn, const char *n, size_t nn,
		      bool cs)
{
	if (nn == 0)
		return true;
	for (size_t i = 0; i + nn <= hn; i++)
		if (match_at(h + i, n, nn, cs))
			return true;
	return false;
}

bool kql_str_has(const char *h, size_t hn, const char *n, size_t nn, bool cs)
{
	if (nn == 0)
		return true;
	for (size_t i = 0; i + nn <= hn; i++) {
		if (!match_at(h + i, n, nn, cs))
			continue;
		/* a match must not cut a term: where the pattern starts or ends
		 * with a term character, the neighbour must not be one */
		if (term_char(n[0]) && i > 0 && term_char(h[i - 1]))
			continue;
		if (term_char(n[nn - 1]) && i + nn < hn && term_char(h[i + nn]))
			continue;
		return true;
	}
	return false;
}

/* hasprefix: n starts a term of h (where n begins with a term character,
 * the character before the match must not be one); hassuffix: n ends a
 * term.  Terms as for has. */
bool kql_str_hasprefix(const char *h, size_t hn, const char *n, size_t nn,
		       bool cs)
{
	if (nn == 0)
		return true;
	for (size_t i = 0; i + nn <= hn; i++)
		if (match_at(h + i, n, nn, cs) &&
		    !(term_char(n[0]) && i > 0 && term_char(h[i - 1])))
			return true;
	return false;
}

bool kql_str_hassuffix(const char *h, size_t hn, const char *n, size_t nn,
		       bool cs)
{
	if (nn == 0)
		return true;
	for (size_t i = 0; i + nn <= hn; i++)
		if (match_at(h + i, n, nn, cs) &&
		    !(term_char(n[nn - 1]) && i + nn < hn &&
		      term_char(h[i + nn])))
			return true;
	return false;
}

bool kql_str_starts(const char *h, size_t hn, const char *n, size_t nn,
		    bool cs)
{
	return nn <= hn && match_at(h, n, nn, cs);
}

bool kql_str_ends(const char *h, size_t hn, const char *n, size_t nn, bool cs)
{
	return nn <= hn && match_at(h + hn - nn, n, nn, cs);
}

static double as_real(const struct kql_value *v)
{
	return v->type == KQL_T_REAL ? v->u.r : (double)v->u.l;
}

static bool is_num(enum kql_type t)
{
	return t == KQL_T_INT || t == KQL_T_LONG || t == KQL_T_REAL;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn,
		     bool cs)
{
	size_t n = an < bn ? an : bn;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)(cs ? a[i] : fold(a[i]));
		unsigned char y = (unsigned char)(cs ? b[i] : fold(b[i]));
		if (x != y)
			return x < y ? -1 : 1;
	}
	return an < bn ? -1 : an > bn ? 1 : 0;
}

int kql_value_cmp(const struct kql_value *a, const struct kql_value *b)
{
	if (is_num(a->type) && is_num(b->type)) {
		if (a->type != KQL_T_REAL && b->type != KQL_T_REAL)
			return a->u.l < b->u.l ? -1 : a->u.l > b->u.l;
		double x = as_real(a), y = as_real(b);
		return x < y ? -1 : x > y;
	}
	switch (a->type) {
	case KQL_T_BOOL:
		return (int)a->u.b - (int)b->u.b;
	case KQL_T_DATETIME:
	case KQL_T_TIMESPAN:
		return a->u.ticks < b->u.ticks ? -1 : a->u.ticks > b->u.ticks;
	default:
		/* guids are values: their text compares without case */
		return cmp_bytes(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n,
				 !(a->type == KQL_T_GUID || b->type == KQL_T_GUID));
	}
}

struct kql_value kql_value_tostring(struct kql_arena *a,
				    const struct kql_value *v, bool *oom)
{
	char buf[64];
	size_t n;
	char *s;

	if (v->type == KQL_T_STRING || v->type == KQL_T_GUID ||
	    v->type == KQL_T_DYNAMIC) {
		if (v->null)
			return kql_str("");
		return kql_string(v->u.s.p, v->u.s.n);
	}
	if (v->null)
		return kql_str("");
	switch (v->type) {
	case KQL_T_BOOL:
		return kql_str(v->u.b ? "true" : "false");
	case KQL_T_INT:
	case KQL_T_LONG:
		n = (size_t)snprintf(buf, sizeof(buf), "%lld", (long long)v->u.l);
		break;
	case KQL_T_REAL:
		kql_format_real(v->u.r, buf, sizeof(buf));
		n = strlen(buf);
		break;
	case KQL_T_DATETIME:
		n = kql_format_datetime(v->u.ticks, buf, sizeof(buf));
		break;
	case KQL_T_TIMESPAN:
		n = kql_format_timespan(v->u.ticks, buf, sizeof(buf));
		break;
	default:
		return kql_str("");
	}
	s = kql_arena_strndup(a, buf, n);
	if (!s) {
		*oom = true;
		return kql_str("");
	}
	return kql_string(s, n);
}

static struct kql_value eval_strop(struct kql_eval_ctx *cx,
				   const struct kql_expr *e,
				   const struct kql_value *l,
				   const struct kql_value *r)
{
	struct kql_value ls = kql_value_tostring(cx->arena, l, &cx->oom);
	struct kql_value rs = kql_value_tostring(cx->arena, r, &cx->oom);
	const char *h = ls.u.s.p, *n = rs.u.s.p;
	size_t hn = ls.u.s.n, nn = rs.u.s.n;
	bool res;

	switch (e->op) {
	case BO_HAS: res = kql_str_has(h, hn, n, nn, false); break;
	case BO_NHAS: res = !kql_str_has(h, hn, n, nn, false); break;
	case BO_HAS_CS: res = kql_str_has(h, hn, n, nn, true); break;
	case BO_NHAS_CS: res = !kql_str_has(h, hn, n, nn, true); break;
	case BO_CONTAINS: res = kql_str_contains(h, hn, n, nn, false); break;
	case BO_NCONTAINS: res = !kql_str_contains(h, hn, n, nn, false); break;
	case BO_CONTAINS_CS: res = kql_str_contains(h, hn, n, nn, true); break;
	case BO_NCONTAINS_CS:
		res = !kql_str_contains(h, hn, n, nn, true);
		break;
	case BO_STARTS: res = kql_str_starts(h, hn, n, nn, false); break;
	case BO_NSTARTS: res = !kql_str_starts(h, hn, n, nn, false); break;
	case BO_STARTS_CS: res = kql_str_starts(h, hn, n, nn, true); break;
	case BO_NSTARTS_CS: res = !kql_str_starts(h, hn, n, nn, true); break;
	case BO_ENDS: res = kql_str_ends(h, hn, n, nn, false); break;
	case BO_NENDS: res = !kql_str_ends(h, hn, n, nn, false); break;
	case BO_ENDS_CS: res = kql_str_ends(h, hn, n, nn, true); break;
	case BO_NENDS_CS: res = !kql_str_ends(h, hn, n, nn, true); break;
	case BO_HASPREFIX: res = kql_str_hasprefix(h, hn, n, nn, false); break;
	case BO_NHASPREFIX: res = !kql_str_hasprefix(h, hn, n, nn, false); break;
	case BO_HASPREFIX_CS: res = kql_str_hasprefix(h, hn, n, nn, true); break;
	case BO_NHASPREFIX_CS:
		res = !kql_str_hasprefix(h, hn, n, nn, true);
		break;
	case BO_HASSUFFIX: res = kql_str_hassuffix(h, hn, n, nn, false); break;
	case BO_NHASSUFFIX: res = !kql_str_hassuffix(h, hn, n, nn, false); break;
	case BO_HASSUFFIX_CS: res = kql_str_hassuffix(h, hn, n, nn, true); break;
	case BO_NHASSUFFIX_CS:
		res = !kql_str_hassuffix(h, hn, n, nn, true);
		break;
	default: res = false; break;
	}
	return kql_bool(res);
}

static bool equal(const struct kql_value *l, const struct kql_value *r,
		  bool cs)
{
	if ((l->type == KQL_T_STRING || l->type == KQL_T_GUID) &&
	    (r->type == KQL_T_STRING || r->type == KQL_T_GUID)) {
		if (l->type == KQL_T_GUID || r->type == KQL_T_GUID)
			cs = false;
		return kql_str_eq(l->u.s.p, l->u.s.n, r->u.s.p, r->u.s.n, cs);
	}
	return kql_value_cmp(l, r) == 0;
}

/* Checked tick arithmetic: a result outside the 64-bit range is null (a
 * choice: Kusto's datetime range, years 1 to 9999, is far inside it). */
static struct kql_value ticks_of(enum kql_type t, bool ovf, int64_t v)
{
	if (ovf)
		return kql_null(t);
	return t == KQL_T_DATETIME ? kql_datetime(v) : kql_timespan(v);
}

static struct kql_value ticks_add(enum kql_type t, int64_t a, int64_t b)
{
	int64_t r;
	bool ovf = __builtin_add_overflow(a, b, &r);
	return ticks_of(t, ovf, r);
}

static struct kql_value ticks_sub(enum kql_type t, int64_t a, int64_t b)
{
	int64_t r;
	bool ovf = __builtin_sub_overflow(a, b, &r);
	return ticks_of(t, ovf, r);
}

/* A real number of ticks, null when NaN or out of range (converting
 * those to an integer is undefined). */
static struct kql_value ticks_real(double d)
{
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
		return kql_null(KQL_T_TIMESPAN);
	return kql_timespan((int64_t)d);
}

static struct kql_value eval_arith(const struct kql_expr *e,
				   const struct kql_value *l,
				   const struct kql_value *r)
{
	enum kql_type t = e->type;

	if (l->null || r->null)
		return kql_null(t);
	if (t == KQL_T_REAL && is_num(l->type) && is_num(r->type)) {
		double x = as_real(l), y = as_real(r);
		switch (e->op) {
		case BO_ADD: return kql_real(x + y);
		case BO_SUB: return kql_real(x - y);
		case BO_MUL: return kql_real(x * y);
		case BO_DIV: return kql_real(x / y);
		default: return kql_null(t);
		}
	}
	if (t == KQL_T_LONG) {
		/* wrap-around like .NET unchecked arithmetic, without UB */
		uint64_t x = (uint64_t)l->u.l, y = (uint64_t)r->u.l;
		switch (e->op) {
		case BO_ADD: return kql_long((int64_t)(x + y));
		case BO_SUB: return kql_long((int64_t)(x - y));
		case BO_MUL: return kql_long((int64_t)(x * y));
		case BO_DIV:
			if (r->u.l == 0 || (l->u.l == INT64_MIN && r->u.l == -1))
				return kql_null(t);
			return kql_long(l->u.l / r->u.l);
		case BO_MOD:
			if (r->u.l == 0 || r->u.l == -1)
				return r->u.l ? kql_long(0) : kql_null(t);
			return kql_long(l->u.l % r->u.l);
		default: return kql_null(t);
		}
	}
	if (t == KQL_T_DATETIME) {
		if (e->op == BO_SUB)
			return ticks_sub(t, l->u.ticks, r->u.ticks);
		return ticks_add(t, l->u.ticks, r->u.ticks);
	}
	if (t == KQL_T_TIMESPAN) {
		switch (e->op) {
		case BO_ADD: return ticks_add(t, l->u.ticks, r->u.ticks);
		case BO_SUB: return ticks_sub(t, l->u.ticks, r->u.ticks);
		case BO_MUL: {
			const struct kql_value *ts = l->type == KQL_T_TIMESPAN ? l : r;
			const struct kql_value *k = l->type == KQL_T_TIMESPAN ? r : l;
			return ticks_real((double)ts->u.ticks * as_real(k));
		}
		case BO_DIV: {
			double d = as_real(r);
			if (d == 0)
				return kql_null(t);
			return ticks_real((double)l->u.ticks / d);
		}
		default: return kql_null(t);
		}
	}
	if (t == KQL_T_REAL && e->op == BO_DIV) /* timespan / timespan */
		return kql_real((double)l->u.ticks / (double)r->u.ticks);
	return kql_null(t);
}

static struct kql_value eval_bin(struct kql_eval_ctx *cx,
				 const struct kql_expr *e)
{
	struct kql_value l, r;

	if (e->op == BO_AND || e->op == BO_OR) {
		bool want = e->op == BO_OR; /* the value that decides */
		l = kql_eval(cx, e->l);
		if (!l.null && l.u.b == want)
			return kql_bool(want);
		r = kql_eval(cx, e->r);
		if (!r.null && r.u.b == want)
			return kql_bool(want);
		if (l.null || r.null)
			return kql_null(KQL_T_BOOL);
		return kql_bool(!want);
	}
	l = kql_eval(cx, e->l);
	r = kql_eval(cx, e->r);
	switch (e->op) {
	case BO_EQ:
	case BO_NE:
	case BO_EQ_CI:
	case BO_NE_CI: {
		bool eq;
		if (l.null || r.null)
			return kql_null(KQL_T_BOOL);
		eq = equal(&l, &r, e->op == BO_EQ || e->op == BO_NE);
		return kql_bool((e->op == BO_EQ || e->op == BO_EQ_CI) ? eq : !eq);
	}
	case BO_LT:
	case BO_LE:
	case BO_GT:
	case BO_GE: {
		int c;
		if (l.null || r.null)
			return kql_null(KQL_T_BOOL);
		c = kql_value_cmp(&l, &r);
		switch (e->op) {
		case BO_LT: return kql_bool(c < 0);
		case BO_LE: return kql_bool(c <= 0);
		case BO_GT: return kql_bool(c > 0);
		default: return kql_bool(c >= 0);
		}
	}
	case BO_ADD:
	case BO_SUB:
	case BO_MUL:
	case BO_DIV:
	case BO_MOD:
		return eval_arith(e, &l, &r);
	default:
		return eval_strop(cx, e, &l, &r);
	}
}

static struct kql_value case_map(struct kql_eval_ctx *cx,
				 const struct kql_value *v, bool upper)
{
	struct kql_value s = kql_value_tostring(cx->arena, v, &cx->oom);
	char *o = kql_arena_alloc(cx->arena, s.u.s.n + 1);
	if (!o) {
		cx->oom = true;
		return kql_str("");
	}
	for (size_t i = 0; i < s.u.s.n; i++) {
		char c = s.u.s.p[i];
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!upper && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		o[i] = c;
	}
	return kql_string(o, s.u.s.n);
}

/* Characters, not bytes: Kusto counts UTF-16 code units; counting code
 * points agrees outside the astral planes. */
static int64_t utf8_len(const char *s, size_t n)
{
	int64_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static struct kql_value eval_call(struct kql_eval_ctx *cx,
				  const struct kql_expr *e)
{
	struct kql_value a;

	switch (e->fn) {
	case FN_AGO:
		a = kql_eval(cx, e->args[0]);
		if (a.null)
			return kql_null(KQL_T_DATETIME);
		return ticks_sub(KQL_T_DATETIME, cx->now_ticks, a.u.ticks);
	case FN_NOW:
		if (e->nargs == 0)
			return kql_datetime(cx->now_ticks);
		a = kql_eval(cx, e->args[0]);
		if (a.null)
			return kql_null(KQL_T_DATETIME);
		return ticks_add(KQL_T_DATETIME, cx->now_ticks, a.u.ticks);
	case FN_NOT:
		a = kql_eval(cx, e->args[0]);
		if (a.null)
			return a;
		return kql_bool(!a.u.b);
	case FN_ISEMPTY:
	case FN_ISNOTEMPTY: {
		bool empty;
		a = kql_eval(cx, e->args[0]);
		empty = a.null || ((a.type == KQL_T_STRING ||
				    a.type == KQL_T_GUID) && a.u.s.n == 0);
		return kql_bool(e->fn == FN_ISEMPTY ? empty : !empty);
	}
	case FN_ISNULL:
		a = kql_eval(cx, e->args[0]);
		return kql_bool(a.null);
	case FN_ISNOTNULL:
		a = kql_eval(cx, e->args[0]);
		return kql_bool(!a.null);
	case FN_TOSTRING:
		a = kql_eval(cx, e->args[0]);
		return kql_value_tostring(cx->arena, &a, &cx->oom);
	case FN_TOLOWER:
	case FN_TOUPPER:
		a = kql_eval(cx, e->args[0]);
		return case_map(cx, &a, e->fn == FN_TOUPPER);
	case FN_STRLEN:
		a = kql_eval(cx, e->args[0]);
		a = kql_value_tostring(cx->arena, &a, &cx->oom);
		return kql_long(utf8_len(a.u.s.p, a.u.s.n));
	case FN_STRCAT: {
		struct kql_value *parts;
		size_t total = 0, o = 0;
		char *out;
		parts = kql_arena_alloc(cx->arena, e->nargs * sizeof(*parts));
		if (!parts) {
			cx->oom = true;
			return kql_str("");
		}
		for (size_t i = 0; i < e->nargs; i++) {
			a = kql_eval(cx, e->args[i]);
			parts[i] = kql_value_tostring(cx->arena, &a, &cx->oom);
			total += parts[i].u.s.n;
		}
		out = kql_arena_alloc(cx->arena, total + 1);
		if (!out) {
			cx->oom = true;
			return kql_str("");
		}
		for (size_t i = 0; i < e->nargs; i++) {
			memcpy(out + o, parts[i].u.s.p, parts[i].u.s.n);
			o += parts[i].u.s.n;
		}
		return kql_string(out, total);
	}
	case FN_TODATETIME: {
		int64_t t;
		a = kql_eval(cx, e->args[0]);
		if (a.type == KQL_T_DATETIME)
			return a;
		/* ISO 8601 forms only (Kusto also reads RFC 822 and others:
		 * those are null here) */
		if (kql_parse_datetime(a.u.s.p, a.u.s.n, &t))
			return kql_null(KQL_T_DATETIME);
		return kql_datetime(t);
	}
	}
	return kql_null(e->type);
}

struct kql_value kql_eval(struct kql_eval_ctx *cx, const struct kql_expr *e)
{
	struct kql_value v;

	switch (e->kind) {
	case EX_LIT:
		return e->lit;
	case EX_COL:
		return cx->row[e->col];
	case EX_NEG:
		v = kql_eval(cx, e->l);
		if (v.null)
			return kql_null(e->type);
		if (v.type == KQL_T_REAL)
			return kql_real(-v.u.r);
		if (v.type == KQL_T_TIMESPAN)
			return kql_timespan((int64_t)(0 - (uint64_t)v.u.ticks));
		return kql_long((int64_t)(0 - (uint64_t)v.u.l));
	case EX_BIN:
		return eval_bin(cx, e);
	case EX_CALL:
		return eval_call(cx, e);
	case EX_IN: {
		bool found = false;
		v = kql_eval(cx, e->l);
		if (v.null)
			return kql_null(KQL_T_BOOL);
		for (size_t i = 0; i < e->nargs && !found; i++) {
			struct kql_value x = kql_eval(cx, e->args[i]);
			if (!x.null && equal(&v, &x, !e->in_ci))
				found = true;
		}
		return kql_bool(e->in_neg ? !found : found);
	}
	}
	return kql_null(e->type);
}
