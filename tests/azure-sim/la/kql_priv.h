/* kql_priv.h - internals of the KQL engine shared by its files (not for
 * users of kql.h): the arena, tokens, the syntax tree, and the entry points
 * of the lexer, parser, binder and evaluator. */
#ifndef SL_AZSIM_KQL_PRIV_H
#define SL_AZSIM_KQL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kql.h"

/* ---- arena: every allocation of one query lives until the query's result
 * is freed, so nothing in the tree or the rows is freed one by one ---- */
struct kql_arena;
struct kql_arena *kql_arena_new(void);
void kql_arena_free(struct kql_arena *a);
/* Zeroed memory, 16-byte aligned; NULL on ENOMEM. */
void *kql_arena_alloc(struct kql_arena *a, size_t n);
/* Copy of s[0..n) plus a NUL; NULL on ENOMEM. */
char *kql_arena_strndup(struct kql_arena *a, const char *s, size_t n);

/* ---- tokens ---- */
enum kql_tok {
	TK_EOF = 0,
	TK_IDENT,    /* also keywords and !has-style operators, in-place */
	TK_STRING,   /* decoded into .str/.slen (arena) */
	TK_LONG,     /* .l */
	TK_REAL,     /* .r */
	TK_TIMESPAN, /* .l = ticks */
	TK_PIPE, TK_COMMA, TK_LPAREN, TK_RPAREN, TK_SEMI,
	TK_ASSIGN,   /* = */
	TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_EQ_CI, TK_NE_CI,
	TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT,
	TK_DOTDOT,   /* .. (between) */
	TK_OTHER,    /* anything else: always a syntax error where it is */
	TK_BAD,      /* a malformed literal (unterminated string, 1x, ...) */
};

struct kql_loc {
	size_t off;  /* byte offset in the query */
	size_t len;  /* bytes of the token text */
	int line;    /* 1-based */
	int col;     /* 0-based */
};

struct kql_token {
	enum kql_tok kind;
	struct kql_loc loc;
	const char *text;   /* start of the token in the query */
	const char *str;    /* TK_STRING value (arena), TK_IDENT NUL copy */
	size_t slen;
	int64_t l;
	double r;
};

struct kql_lexer {
	const char *src;
	size_t len;
	size_t pos;
	int line;
	size_t line_start;
	struct kql_arena *arena;
	bool oom;
};

void kql_lex_init(struct kql_lexer *lx, const char *src,
		  struct kql_arena *arena);
/* Next token (TK_EOF at the end, again and again). */
struct kql_token kql_lex_next(struct kql_lexer *lx);
/* Raw text up to the ')' that closes an already consumed '(' (nested
 * parentheses and quoted strings are skipped over); the ')' is consumed.
 * Returns 0 with *loc covering the raw text, or -1 if unbalanced. */
int kql_lex_raw_paren(struct kql_lexer *lx, struct kql_loc *loc);

/* ---- syntax tree ---- */
enum kql_binop {
	BO_OR, BO_AND,
	BO_EQ, BO_NE, BO_LT, BO_LE, BO_GT, BO_GE, BO_EQ_CI, BO_NE_CI,
	BO_HAS, BO_NHAS, BO_HAS_CS, BO_NHAS_CS,
	BO_CONTAINS, BO_NCONTAINS, BO_CONTAINS_CS, BO_NCONTAINS_CS,
	BO_STARTS, BO_NSTARTS, BO_STARTS_CS, BO_NSTARTS_CS,
	BO_ENDS, BO_NENDS, BO_ENDS_CS, BO_NENDS_CS,
	BO_ADD, BO_SUB, BO_MUL, BO_DIV, BO_MOD,
};

enum kql_fn {
	FN_AGO, FN_NOW, FN_NOT, FN_ISEMPTY, FN_ISNOTEMPTY, FN_ISNULL,
	FN_ISNOTNULL, FN_TOSTRING, FN_TOLOWER, FN_TOUPPER, FN_STRLEN,
	FN_STRCAT,
};

enum kql_expr_kind {
	EX_LIT,    /* .lit */
	EX_COL,    /* .name; bound: .col */
	EX_CALL,   /* .name, .args; bound: .fn */
	EX_BIN,    /* .op, .l, .r */
	EX_NEG,    /* .l */
	EX_IN,     /* .l, .args (the list), .in_neg, .in_ci */
};

struct kql_expr {
	enum kql_expr_kind kind;
	struct kql_loc loc;
	enum kql_binop op;
	struct kql_value lit;
	const char *name;
	struct kql_expr *l, *r;
	struct kql_expr **args;
	size_t nargs;
	bool in_neg, in_ci;
	/* set by the binder */
	enum kql_type type;
	int col;
	enum kql_fn fn;
};

enum kql_op_kind {
	OP_WHERE, OP_SORT, OP_TAKE, OP_TOP, OP_PROJECT, OP_PROJECT_AWAY,
	OP_EXTEND, OP_COUNT,
};

struct kql_sortkey {
	struct kql_expr *e;
	bool asc;
	bool nulls_first;
};

struct kql_item {
	const char *name;      /* "Name = Expr"; NULL for a bare expression */
	struct kql_expr *e;    /* project-away: EX_COL */
	/* bound */
	const char *out_name;
	int target;            /* extend: the output column it writes */
};

struct kql_op {
	enum kql_op_kind kind;
	struct kql_loc loc;     /* the operator keyword */
	struct kql_expr *pred;  /* where */
	struct kql_expr *count; /* take, top: the row count expression */
	int64_t n;              /* bound: evaluated count */
	struct kql_sortkey *keys;
	size_t nkeys;
	struct kql_item *items;
	size_t nitems;
	/* bound: the output schema of this operator */
	struct kql_column *cols;
	size_t ncols;
	int *src;               /* project/project-away/extend: per output
	                         * column, the input column it copies or -1 */
	struct kql_expr **calc; /* per output column, the expression or NULL */
};

struct kql_query {
	const char *table;      /* NULL for an empty query */
	struct kql_loc table_loc;
	struct kql_op *ops;
	size_t nops;
};

/* Canonical operator name used in error messages ("where", "sort", ...). */
const char *kql_op_name(enum kql_op_kind k);

/* Parse src into *q (arena memory).  Returns 0, -EINVAL with *err set
 * (syntax), or -ENOMEM. */
int kql_parse(const char *src, struct kql_arena *a, struct kql_query *q,
	      struct kql_error *err);

/* Fill err for a syntax error at loc (token text taken from src). */
void kql_err_syntax(struct kql_error *err, const char *src,
		    const struct kql_loc *loc);
/* Fill err for a semantic error. */
void kql_err_semantic(struct kql_error *err, const char *code,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- binder: resolve names and types against the schema flowing through
 * the pipeline; computes each operator's output schema ---- */
struct kql_bound {
	struct kql_table table;       /* from the resolver */
	const struct kql_column *cols; /* final schema */
	size_t ncols;
};

int kql_bind(struct kql_query *q, const struct kql_env *env,
	     struct kql_arena *a, struct kql_bound *b, struct kql_error *err);

/* ---- evaluation ---- */
struct kql_eval_ctx {
	const struct kql_value *row;
	int64_t now_ticks;
	struct kql_arena *arena;
	bool oom;
};

struct kql_value kql_eval(struct kql_eval_ctx *cx, const struct kql_expr *e);

/* Three-way compare of two non-null values of comparable (bound) types;
 * strings compare ordinally. */
int kql_value_cmp(const struct kql_value *a, const struct kql_value *b);

/* tostring() of v, into the arena (or v's own bytes for strings). */
struct kql_value kql_value_tostring(struct kql_arena *a,
				    const struct kql_value *v, bool *oom);

/* String operators (ASCII case folding), exposed for tests. */
bool kql_str_has(const char *h, size_t hn, const char *n, size_t nn, bool cs);
bool kql_str_contains(const char *h, size_t hn, const char *n, size_t nn,
		      bool cs);
bool kql_str_starts(const char *h, size_t hn, const char *n, size_t nn,
		    bool cs);
bool kql_str_ends(const char *h, size_t hn, const char *n, size_t nn, bool cs);
bool kql_str_eq(const char *a, size_t an, const char *b, size_t bn, bool cs);

#endif
