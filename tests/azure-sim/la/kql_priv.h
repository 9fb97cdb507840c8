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
	bool min_mag;       /* TK_LONG 9223372036854775808: only valid
	                     * right after a unary minus (.l = INT64_MIN) */
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
	BO_HASPREFIX, BO_NHASPREFIX, BO_HASPREFIX_CS, BO_NHASPREFIX_CS,
	BO_HASSUFFIX, BO_NHASSUFFIX, BO_HASSUFFIX_CS, BO_NHASSUFFIX_CS,
	BO_ADD, BO_SUB, BO_MUL, BO_DIV, BO_MOD,
};

enum kql_fn {
	FN_AGO, FN_NOW, FN_NOT, FN_ISEMPTY, FN_ISNOTEMPTY, FN_ISNULL,
	FN_ISNOTNULL, FN_TOSTRING, FN_TOLOWER, FN_TOUPPER, FN_STRLEN,
	FN_STRCAT, FN_TODATETIME,
};

/* Aggregation functions of summarize. */
enum kql_agg {
	AG_COUNT, AG_MIN, AG_MAX, AG_ARG_MAX, AG_ARG_MIN,
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
	int depth;     /* height of the subtree (a leaf is 1) */
	/* set by the binder */
	enum kql_type type;
	int col;
	enum kql_fn fn;
};

enum kql_op_kind {
	OP_WHERE, OP_SORT, OP_TAKE, OP_TOP, OP_PROJECT, OP_PROJECT_AWAY,
	OP_EXTEND, OP_COUNT, OP_SUMMARIZE, OP_DISTINCT, OP_UNION,
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

/* One aggregate of summarize: [name =] fn(args).  arg_max/arg_min have
 * args[0] the expression to maximise and args[1..] the columns to return
 * (star: all of them). */
struct kql_aggr {
	const char *name;
	enum kql_agg fn;
	struct kql_loc loc;
	struct kql_expr **args;
	size_t nargs;
	bool star;
	/* bound: the output columns it fills, from out_col on (arg_max: 1 +
	 * the returned columns, whose input columns are ret[]) */
	int out_col;
	int *ret;
	size_t nret;
};

/* The tables of a union (and, for "union A, B", of the query's source). */
struct kql_union {
	const char **names;
	struct kql_loc *locs;
	size_t n;
	bool inner;             /* kind=inner: only the common columns */
	bool fuzzy;             /* isfuzzy=true: tables that do not exist are
	                         * left out (not all of them) */
	const char *withsource; /* column naming each row's table, or NULL */
	/* bound: the resolved tables (present[i] false: left out) and, per
	 * input (for the operator: 0 is the piped input, then the tables),
	 * per output column, the input column or -1 */
	struct kql_table *tabs;
	bool *present;
	int **map;              /* KQL_UNION_SOURCE: the withsource column */
	bool *same;             /* input i passes through unchanged */
	size_t ninputs;
	struct kql_column *cols;
	size_t ncols;
};
#define KQL_UNION_SOURCE (-2)

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
	/* summarize: aggregates, then by items (in items/nitems); distinct:
	 * items are the columns (star: all) */
	struct kql_aggr *aggs;
	size_t naggs;
	bool star;
	struct kql_union *un;   /* union */
};

/* let Name = scalar; the value is computed once, before the query runs
 * (the scalars the subset has do not change within a query). */
struct kql_let {
	const char *name;
	struct kql_loc loc;
	struct kql_expr *e;
	struct kql_value v;     /* bound */
};

/* Limits that keep the recursive parser, binder and evaluator far from the
 * end of a 512 KiB thread stack (a choice; Kusto has limits of its own):
 * parentheses/calls nested KQL_MAX_NEST deep, expression trees
 * KQL_MAX_DEPTH high (a chain "a or b or ..." is as high as it is long). */
#define KQL_MAX_NEST 64
#define KQL_MAX_DEPTH 256

struct kql_query {
	const char *text;       /* the query source (for error locations) */
	const char *table;      /* NULL for an empty query */
	struct kql_loc table_loc;
	struct kql_union *src;  /* "union A, B ...": the source (table unset) */
	struct kql_let *lets;
	size_t nlets;
	struct kql_op *ops;
	size_t nops;
};

/* Names Kusto knows that the subset does not (NULL-terminated). */
extern const char *const kql_kusto_operators[];
extern const char *const kql_kusto_statements[];
extern const char *const kql_kusto_aggregates[];
extern const char *const kql_kusto_functions[];
bool kql_in_list(const char *word, const char *const *list);

/* Canonical operator name used in error messages ("where", "sort", ...). */
const char *kql_op_name(enum kql_op_kind k);

/* Parse src into *q (arena memory).  Returns 0, -EINVAL with *err set
 * (syntax), or -ENOMEM. */
int kql_parse(const char *src, struct kql_arena *a, struct kql_query *q,
	      struct kql_error *err);

/* Fill err for a syntax error at loc (token text taken from src). */
void kql_err_syntax(struct kql_error *err, const char *src,
		    const struct kql_loc *loc);
/* Fill err for valid KQL that the simulator does not implement: what is
 * it ("'join' operator", ...) and where. */
void kql_err_unsupported(struct kql_error *err, const char *src,
			 const struct kql_loc *loc, const char *what);
/* Fill err for a semantic error. */
void kql_err_semantic(struct kql_error *err, const char *code,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- binder: resolve names and types against the schema flowing through
 * the pipeline; computes each operator's output schema ---- */
struct kql_bound {
	struct kql_table table;       /* from the resolver (no union source) */
	const struct kql_column *cols; /* final schema */
	size_t ncols;
};

int kql_bind(struct kql_query *q, const struct kql_env *env,
	     struct kql_arena *a, struct kql_bound *b, struct kql_error *err);

/* The binder's state, shared with the operators bound in their own files
 * (kql_agg.c, kql_union.c). */
struct kql_binder {
	struct kql_arena *a;
	const struct kql_env *env;
	struct kql_error *err;
	const struct kql_query *q;
	size_t nlets;              /* lets visible (those defined so far) */
	bool in_let;               /* binding a let's value */
	enum kql_op_kind op;       /* the operator being bound */
	const struct kql_column *cols; /* its input schema */
	size_t ncols;
	int rc;
};

/* Bind e against b->cols; 0 or b->rc. */
int kql_bind_expr(struct kql_binder *b, struct kql_expr *e);
/* Record a semantic error (first one wins); returns b->rc. */
int kql_bind_error(struct kql_binder *b, const char *code, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
/* Record a not-supported error at loc; returns b->rc. */
int kql_bind_unsupported(struct kql_binder *b, const struct kql_loc *loc,
			 const char *what);
/* Index of the column called name, or -1. */
int kql_find_col(const struct kql_column *cols, size_t n, const char *name);

/* summarize and distinct, in kql_agg.c */
int kql_bind_summarize(struct kql_binder *b, struct kql_op *op);
int kql_bind_distinct(struct kql_binder *b, struct kql_op *op);
/* union, in kql_union.c: resolves u's tables and computes the output schema
 * into *cols and *ncols.  piped: the operator form, whose first input is the
 * schema in b->cols. */
int kql_bind_union(struct kql_binder *b, struct kql_union *u, bool piped,
		   struct kql_column **cols, size_t *ncols);


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
bool kql_str_hasprefix(const char *h, size_t hn, const char *n, size_t nn,
		       bool cs);
bool kql_str_hassuffix(const char *h, size_t hn, const char *n, size_t nn,
		       bool cs);
bool kql_str_eq(const char *a, size_t an, const char *b, size_t bn, bool cs);

/* ---- execution of whole row sets ---- */
struct kql_rows {
	const struct kql_value **r;
	size_t n;
	size_t ncols;
};

/* summarize and distinct (a summarize by its columns without aggregates) */
int kql_exec_summarize(struct kql_eval_ctx *cx, const struct kql_op *op,
		       struct kql_rows *rs);
/* The rows of u's inputs mapped onto its schema (u->cols); rs holds
 * the piped input (ignored when !piped) and receives the result. */
int kql_exec_union(struct kql_arena *a, const struct kql_union *u, bool piped,
		   struct kql_rows *rs);

#endif
