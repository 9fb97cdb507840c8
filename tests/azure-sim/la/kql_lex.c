/* kql_lex.c - KQL tokens: identifiers (with Kusto's hyphenated operator
 * names and !has-style negations), string literals with their escapes,
 * numbers, timespan literals (1d, 30m, 100ms) and punctuation. */
#include "config.h"

#include "kql_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void kql_lex_init(struct kql_lexer *lx, const char *src,
		  struct kql_arena *arena)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->len = strlen(src);
	lx->line = 1;
	lx->arena = arena;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '$';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

static char peekc(const struct kql_lexer *lx, size_t ahead)
{
	return lx->pos + ahead < lx->len ? lx->src[lx->pos + ahead] : '\0';
}

/* Advance over n bytes, keeping line bookkeeping. */
static void adv(struct kql_lexer *lx, size_t n)
{
	while (n-- && lx->pos < lx->len) {
		if (lx->src[lx->pos] == '\n') {
			lx->line++;
			lx->line_start = lx->pos + 1;
		}
		lx->pos++;
	}
}

static void skip_blank(struct kql_lexer *lx)
{
	for (;;) {
		char c = peekc(lx, 0);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			adv(lx, 1);
		} else if (c == '/' && peekc(lx, 1) == '/') {
			while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
				adv(lx, 1);
		} else {
			return;
		}
	}
}

static void put_utf8(char *out, size_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*o)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*o)++] = (char)(0xC0 | (cp >> 6));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*o)++] = (char)(0xE0 | (cp >> 12));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*o)++] = (char)(0xF0 | (cp >> 18));
		out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	}
}

static int hex4(const char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* A quoted literal starting at the quote at lx->pos.  verbatim: no escapes,
 * a doubled quote stands for one quote.  Sets tok->kind to TK_STRING or
 * TK_BAD. */
static void lex_string(struct kql_lexer *lx, struct kql_token *tok,
		       bool verbatim)
{
	char q = peekc(lx, 0);
	size_t i = lx->pos + 1;
	char *out = kql_arena_alloc(lx->arena, lx->len - lx->pos + 1);
	size_t o = 0;

	if (!out) {
		lx->oom = true;
		tok->kind = TK_BAD;
		return;
	}
	tok->kind = TK_BAD;
	while (i < lx->len) {
		char c = lx->src[i];
		if (c == '\n' && !verbatim)
			break; /* plain literals end at the line */
		if (c == q) {
			if (verbatim && i + 1 < lx->len && lx->src[i + 1] == q) {
				out[o++] = q;
				i += 2;
				continue;
			}
			tok->kind = TK_STRING;
			i++;
			break;
		}
		if (c == '\\' && !verbatim) {
			char e = i + 1 < lx->len ? lx->src[i + 1] : '\0';
			uint32_t cp;
			switch (e) {
			case '\\': out[o++] = '\\'; i += 2; continue;
			case '\'': out[o++] = '\''; i += 2; continue;
			case '"': out[o++] = '"'; i += 2; continue;
			case 'n': out[o++] = '\n'; i += 2; continue;
			case 'r': out[o++] = '\r'; i += 2; continue;
			case 't': out[o++] = '\t'; i += 2; continue;
			case 'u':
				if (i + 6 > lx->len || hex4(lx->src + i + 2, &cp))
					goto bad;
				i += 6;
				if (cp >= 0xD800 && cp < 0xDC00 &&
				    i + 6 <= lx->len && lx->src[i] == '\\' &&
				    lx->src[i + 1] == 'u') {
					uint32_t lo;
					if (!hex4(lx->src + i + 2, &lo) &&
					    lo >= 0xDC00 && lo < 0xE000) {
						cp = 0x10000 + ((cp - 0xD800) << 10) +
						     (lo - 0xDC00);
						i += 6;
					}
				}
				if (cp >= 0xD800 && cp < 0xE000)
					cp = 0xFFFD;
				put_utf8(out, &o, cp);
				continue;
			default:
				goto bad;
			}
		}
		out[o++] = c;
		i++;
	}
	if (tok->kind != TK_STRING)
		goto bad;
	out[o] = '\0';
	tok->str = out;
	tok->slen = o;
	adv(lx, i - lx->pos);
	return;
bad:
	tok->kind = TK_BAD;
	/* the bad token runs to the end of the line, which is what gets
	 * quoted in the error */
	while (i < lx->len && lx->src[i] != '\n')
		i++;
	adv(lx, i - lx->pos);
}

/* ```multi-line``` literal */
static void lex_backticks(struct kql_lexer *lx, struct kql_token *tok)
{
	const char *start = lx->src + lx->pos + 3;
	const char *end = NULL;
	for (const char *p = start; p + 3 <= lx->src + lx->len; p++) {
		if (p[0] == '`' && p[1] == '`' && p[2] == '`') {
			end = p;
			break;
		}
	}
	if (!end) {
		tok->kind = TK_BAD;
		adv(lx, lx->len - lx->pos);
		return;
	}
	tok->kind = TK_STRING;
	tok->str = kql_arena_strndup(lx->arena, start, (size_t)(end - start));
	if (!tok->str)
		lx->oom = true;
	tok->slen = (size_t)(end - start);
	adv(lx, (size_t)(end + 3 - (lx->src + lx->pos)));
}

static void lex_number(struct kql_lexer *lx, struct kql_token *tok)
{
	size_t i = lx->pos;
	bool real = false;

	if (lx->src[i] == '0' && i + 1 < lx->len &&
	    (lx->src[i + 1] == 'x' || lx->src[i + 1] == 'X')) {
		size_t j = i + 2;
		uint64_t v = 0;
		while (j < lx->len && strchr("0123456789abcdefABCDEF", lx->src[j]) &&
		       lx->src[j]) {
			char c = lx->src[j];
			int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
			if (v >> 60)
				goto bad;
			v = v << 4 | (uint64_t)d;
			j++;
		}
		if (j == i + 2 || (j < lx->len && is_alnum(lx->src[j])))
			goto bad_at;
		tok->kind = TK_LONG;
		tok->l = (int64_t)v;
		adv(lx, j - i);
		return;
	}
	while (i < lx->len && is_digit(lx->src[i]))
		i++;
	if (i + 1 < lx->len && lx->src[i] == '.' && is_digit(lx->src[i + 1])) {
		real = true;
		i++;
		while (i < lx->len && is_digit(lx->src[i]))
			i++;
	}
	if (i < lx->len && (lx->src[i] == 'e' || lx->src[i] == 'E')) {
		size_t j = i + 1;
		if (j < lx->len && (lx->src[j] == '+' || lx->src[j] == '-'))
			j++;
		if (j < lx->len && is_digit(lx->src[j])) {
			real = true;
			i = j;
			while (i < lx->len && is_digit(lx->src[i]))
				i++;
		}
	}
	if (i < lx->len && is_alpha(lx->src[i])) {
		/* a timespan literal: the unit follows the number directly */
		size_t j = i;
		int64_t ticks;
		while (j < lx->len && is_alpha(lx->src[j]))
			j++;
		if (kql_parse_timespan_literal(lx->src + lx->pos, j - lx->pos,
					       &ticks))
			goto bad_len;
		tok->kind = TK_TIMESPAN;
		tok->l = ticks;
		adv(lx, j - lx->pos);
		return;
	}
	{
		char buf[64];
		size_t n = i - lx->pos;
		char *endp;
		if (n >= sizeof(buf))
			goto bad_len;
		memcpy(buf, lx->src + lx->pos, n);
		buf[n] = '\0';
		errno = 0;
		if (real) {
			tok->kind = TK_REAL;
			tok->r = strtod(buf, &endp);
		} else {
			tok->kind = TK_LONG;
			tok->l = strtoll(buf, &endp, 10);
			if (errno == ERANGE &&
			    strcmp(buf, "9223372036854775808") == 0) {
				/* the magnitude of INT64_MIN: the parser
				 * accepts it after a unary minus only */
				errno = 0;
				tok->l = INT64_MIN;
				tok->min_mag = true;
			}
		}
		if (errno || *endp)
			goto bad_len;
		adv(lx, n);
		return;
	}
bad_len:
	while (i < lx->len && is_alnum(lx->src[i]))
		i++;
	tok->kind = TK_BAD;
	adv(lx, i - lx->pos);
	return;
bad:
bad_at:
	i = lx->pos;
	while (i < lx->len && is_alnum(lx->src[i]))
		i++;
	tok->kind = TK_BAD;
	adv(lx, i - lx->pos);
}

/* Identifiers that Kusto continues with "-word" into one operator name. */
static bool hyphen_prefix(const char *s, size_t n)
{
	static const char *const pre[] = { "project", "mv", "make", "top",
					   "parse", "partition", "as", "sample",
					   "macro", "graph", "execute" };
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (strlen(pre[i]) == n && memcmp(pre[i], s, n) == 0)
			return true;
	return false;
}

static void lex_ident(struct kql_lexer *lx, struct kql_token *tok)
{
	size_t i = lx->pos;
	if (lx->src[i] == '!')
		i++;
	while (i < lx->len && is_alnum(lx->src[i]))
		i++;
	if (i + 1 < lx->len && lx->src[i] == '-' && is_alpha(lx->src[i + 1]) &&
	    hyphen_prefix(lx->src + lx->pos, i - lx->pos)) {
		i++;
		while (i < lx->len && is_alnum(lx->src[i]))
			i++;
	}
	/* in~ and !in~ */
	if (i < lx->len && lx->src[i] == '~') {
		size_t n = i - lx->pos;
		const char *s = lx->src + lx->pos;
		if ((n == 2 && memcmp(s, "in", 2) == 0) ||
		    (n == 3 && memcmp(s, "!in", 3) == 0))
			i++;
	}
	tok->kind = TK_IDENT;
	tok->str = kql_arena_strndup(lx->arena, lx->src + lx->pos, i - lx->pos);
	if (!tok->str)
		lx->oom = true;
	tok->slen = i - lx->pos;
	adv(lx, i - lx->pos);
}

struct kql_token kql_lex_next(struct kql_lexer *lx)
{
	struct kql_token tok;
	char c, c1;

	memset(&tok, 0, sizeof(tok));
	skip_blank(lx);
	tok.loc.off = lx->pos;
	tok.loc.line = lx->line;
	tok.loc.col = (int)(lx->pos - lx->line_start);
	tok.text = lx->src + lx->pos;
	if (lx->pos >= lx->len) {
		tok.kind = TK_EOF;
		return tok;
	}
	c = peekc(lx, 0);
	c1 = peekc(lx, 1);

	if (c == '\'' || c == '"') {
		lex_string(lx, &tok, false);
	} else if (c == '@' && (c1 == '\'' || c1 == '"')) {
		adv(lx, 1);
		lex_string(lx, &tok, true);
	} else if ((c == 'h' || c == 'H') && (c1 == '\'' || c1 == '"')) {
		adv(lx, 1); /* obfuscated literal: same value */
		lex_string(lx, &tok, false);
	} else if ((c == 'h' || c == 'H') && c1 == '@' &&
		   (peekc(lx, 2) == '\'' || peekc(lx, 2) == '"')) {
		adv(lx, 2);
		lex_string(lx, &tok, true);
	} else if (c == '`' && c1 == '`' && peekc(lx, 2) == '`') {
		lex_backticks(lx, &tok);
	} else if (is_digit(c)) {
		lex_number(lx, &tok);
	} else if (is_alpha(c) || (c == '!' && is_alpha(c1))) {
		lex_ident(lx, &tok);
	} else {
		size_t n = 1;
		switch (c) {
		case '|': tok.kind = TK_PIPE; break;
		case ',': tok.kind = TK_COMMA; break;
		case '(': tok.kind = TK_LPAREN; break;
		case ')': tok.kind = TK_RPAREN; break;
		case ';': tok.kind = TK_SEMI; break;
		case '+': tok.kind = TK_PLUS; break;
		case '-': tok.kind = TK_MINUS; break;
		case '*': tok.kind = TK_STAR; break;
		case '/': tok.kind = TK_SLASH; break;
		case '%': tok.kind = TK_PERCENT; break;
		case '=':
			if (c1 == '=') {
				tok.kind = TK_EQ;
				n = 2;
			} else if (c1 == '~') {
				tok.kind = TK_EQ_CI;
				n = 2;
			} else {
				tok.kind = TK_ASSIGN;
			}
			break;
		case '!':
			if (c1 == '=') {
				tok.kind = TK_NE;
				n = 2;
			} else if (c1 == '~') {
				tok.kind = TK_NE_CI;
				n = 2;
			} else {
				tok.kind = TK_OTHER;
			}
			break;
		case '<':
			if (c1 == '=') {
				tok.kind = TK_LE;
				n = 2;
			} else if (c1 == '>') {
				tok.kind = TK_NE;
				n = 2;
			} else {
				tok.kind = TK_LT;
			}
			break;
		case '>':
			if (c1 == '=') {
				tok.kind = TK_GE;
				n = 2;
			} else {
				tok.kind = TK_GT;
			}
			break;
		case '.':
			if (c1 == '.') {
				tok.kind = TK_DOTDOT;
				n = 2;
			} else {
				tok.kind = TK_OTHER;
			}
			break;
		default:
			tok.kind = TK_OTHER;
			/* quote a whole UTF-8 sequence, not half of it */
			if ((unsigned char)c >= 0xC0)
				while (lx->pos + n < lx->len &&
				       ((unsigned char)lx->src[lx->pos + n] & 0xC0) ==
					       0x80)
					n++;
			break;
		}
		adv(lx, n);
	}
	tok.loc.len = lx->pos - tok.loc.off;
	return tok;
}

int kql_lex_raw_paren(struct kql_lexer *lx, struct kql_loc *loc)
{
	int depth = 1;
	size_t i = lx->pos;

	loc->off = lx->pos;
	loc->line = lx->line;
	loc->col = (int)(lx->pos - lx->line_start);
	while (i < lx->len) {
		char c = lx->src[i];
		if (c == '\'' || c == '"') {
			size_t j = i + 1;
			while (j < lx->len && lx->src[j] != c) {
				if (lx->src[j] == '\\')
					j++;
				j++;
			}
			if (j >= lx->len)
				return -1;
			i = j + 1;
			continue;
		}
		if (c == '(')
			depth++;
		if (c == ')' && --depth == 0) {
			loc->len = i - lx->pos;
			adv(lx, i + 1 - lx->pos);
			return 0;
		}
		i++;
	}
	return -1;
}
