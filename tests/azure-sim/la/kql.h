/* kql: the simulator's KQL (Kusto Query Language) subset, implemented with
 * Kusto's semantics.  Valid KQL outside the subset is refused with its own
 * "not supported by this simulator" error; anything else that is wrong is
 * refused with the error Log Analytics would give for a query it cannot
 * parse or resolve; nothing is ever ignored silently.
 *
 * Supported:
 *   query      := { let Name = Expr ; } source { '|' operator } [';']
 *                 (let binds a scalar; comments: // to end of line)
 *   source     := TableName
 *               | union [kind=inner|outer] [withsource=Col]
 *                       [isfuzzy=true|false] TableName {, TableName}
 *   operator   := where|filter Predicate
 *               | order by|sort by Expr [asc|desc] [nulls first|last] {, ...}
 *                   (default desc; nulls last for desc, first for asc;
 *                    ties keep the input order - the sort is stable)
 *               | take|limit N       (N a constant long expression)
 *               | top N by Expr [asc|desc] [nulls first|last]   (one key)
 *               | project Item {, Item}      Item := Column | Name = Expr | Expr
 *               | project-away Column {, Column}
 *               | extend Item {, Item}       (bare expressions get Column1..)
 *               | count                      (one column "Count", long)
 *               | summarize [Agg {, Agg}] [by Item {, Item}]
 *                   Agg := [Name =] count() | min(Expr) | max(Expr)
 *                        | arg_max(Expr, * | Col {, Col}) | arg_min(...)
 *                   (output: the by columns, then count_, min_X, max_X;
 *                    arg_max(X, *) adds X and the other input columns)
 *               | distinct Column {, Column} | distinct *
 *               | union [options] TableName {, TableName}
 *                   (kind=outer: every column of any input, a name with
 *                    several types split into Name_type; inner: the common
 *                    columns; a column an input lacks is null in its rows)
 *   Expr       := or/and (lowest), comparison, + -, * / %, unary -, primary
 *   comparison := == != (or <>) < <= > >= =~ !~
 *               | has !has has_cs !has_cs contains !contains contains_cs
 *                 !contains_cs startswith !startswith startswith_cs
 *                 !startswith_cs endswith !endswith endswith_cs !endswith_cs
 *                 hasprefix !hasprefix hasprefix_cs !hasprefix_cs
 *                 hassuffix !hassuffix hassuffix_cs !hassuffix_cs
 *               | in (expr, ...) | !in (...) | in~ (...) | !in~ (...)
 *               | between (a .. b) | !between (a .. b)
 *   primary    := Column | ['Column'] | LetName | literal | ( Expr )
 *               | Function(args)
 *   literal    := 'str' | "str" (escapes \\ \' \" \n \r \t \uXXXX; adjacent
 *                 literals concatenate) | @'verbatim' | @"verbatim" | h'..'
 *               | 123 | 0x1F | 1.5 | 1e3 | true | false
 *               | 1d 2h 30m 10s 100ms 1.5h 5min ... (timespan)
 *               | datetime(2024-01-01T00:00:00Z) | datetime("...")
 *               | datetime(null) | timespan(1h) | time(1h) | dynamic(null)
 *               | long(5) int(5) real(1.5) bool(true) and their (null)
 *   Function   := ago(ts) now() not(b) isempty(x) isnotempty(x) isnull(x)
 *                 isnotnull(x) tostring(x) tolower(s) toupper(s) strlen(s)
 *                 strcat(a, ...) todatetime(s)
 * Semantics: == != on strings are case-sensitive, =~ !~ case-insensitive
 * (ASCII folding, as for every case-insensitive operator here); has =
 * whole term, case-insensitive (a term is a maximal run of alphanumeric
 * characters); hasprefix/hassuffix = the start/end of a term; contains =
 * substring, case-insensitive; startswith/endswith case-insensitive; the
 * _cs variants are case-sensitive.  String operators accept any scalar and
 * compare its tostring() form.  Comparisons with null are null, and where
 * keeps only rows whose predicate is true.  Comparing unrelated types
 * (string with datetime, ...) is a semantic error, as in Kusto.  long
 * arithmetic wraps around (INT64_MIN / -1 is null); datetime and timespan
 * arithmetic that leaves the 64-bit tick range is null.
 *
 * Errors (kql_error) carry what Log Analytics puts in the innermost
 * innererror:
 *   syntax:   SYN0002 "Query could not be parsed at '<token>' on line [L,P]"
 *             with line (1-based) and pos (0-based column), as Azure prints
 *             for "My Not So Valid Query" ('Not', line 1, pos 3).
 *   semantic: SEM0100 "'<op>' operator: Failed to resolve table or column
 *             expression named '<T>'" (unknown table),
 *             SEM0100 "'where' operator: Failed to resolve column or scalar
 *             expression named '<C>'" (unknown column in where),
 *             SEM0100 "'<op>' operator: Failed to resolve scalar expression
 *             named '<C>'" (unknown column or function elsewhere);
 *             type errors as Kusto words them ("Cannot compare values of
 *             types string and datetime. Try adding explicit casts").
 *   <op> is the canonical operator name: where, sort, take, top, project,
 *   project-away, extend, count, summarize, distinct, union (order -> sort,
 *   limit -> take, filter -> where).
 *   not supported (a choice, not Azure's): "SimulatorNotSupported" "<what>
 *             at '<token>' on line [L,P] is valid KQL but not supported by
 *             this simulator", for operators, statements, functions and
 *             forms Kusto has and the subset does not (kql_known.c lists
 *             the names), and for expressions nested deeper than
 *             KQL_MAX_NEST / KQL_MAX_DEPTH (kql_priv.h).
 */
#ifndef SL_AZSIM_KQL_H
#define SL_AZSIM_KQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kql_value.h"

enum kql_error_kind {
	KQL_ERR_NONE = 0,
	KQL_ERR_SYNTAX,   /* innererror.code "SyntaxError" */
	KQL_ERR_SEMANTIC, /* innererror.code "SemanticError" */
	KQL_ERR_UNSUPPORTED, /* valid KQL outside the simulator's subset:
	                      * code "SimulatorNotSupported" */
};

/* What went wrong, in Azure's words.  Fixed buffers: no frees. */
struct kql_error {
	enum kql_error_kind kind;
	char code[32];      /* "SYN0002", "SEM0100", "SimulatorNotSupported" */
	char message[512];  /* innermost innererror.message */
	bool has_location;  /* syntax and unsupported errors: line/pos/token
	                     * are set */
	int line;           /* 1-based */
	int pos;            /* 0-based column in that line */
	char token[128];    /* offending token text, "<EOF>" at the end */
};

/* A column of a table or of a result. */
struct kql_column {
	const char *name;
	enum kql_type type;
	bool hidden; /* not part of the default (un-projected) output, but can
	              * be referenced and projected, like _BilledSize */
};

/* A table as the engine sees it: a schema and a read-only snapshot of rows.
 * rows[i] points at ncols cells in schema order.  All memory is owned by the
 * resolver and must stay valid and unchanged until kql_result_free() of the
 * result of the kql_run() call that resolved it. */
struct kql_table {
	const struct kql_column *cols;
	size_t ncols;
	const struct kql_value *const *rows;
	size_t nrows;
};

/* Look up the table called name (exact, case-sensitive: Kusto table names
 * are).  Return 0 and fill *out, -ENOENT when no such table exists (the
 * engine then reports SEM0100), or another negative errno which kql_run()
 * passes on. */
typedef int (*kql_resolve_fn)(void *ctx, const char *name,
			      struct kql_table *out);

struct kql_env {
	kql_resolve_fn resolve;
	void *resolve_ctx;
	int64_t now_ticks;  /* the value of now() for the whole query */
	size_t max_rows;    /* result row cap (0 = no cap); see truncated */
};

/* A query result.  Cells may point into the resolver's rows, so use the
 * result before releasing them. */
struct kql_result {
	struct kql_column *cols;     /* ncols; names owned by the result */
	size_t ncols;
	const struct kql_value **rows; /* nrows arrays of ncols cells */
	size_t nrows;
	bool truncated;              /* more rows than env->max_rows */
	void *priv;                  /* arena; opaque */
};

/* Parse, bind (resolve tables and columns, type-check) and run query.
 * Returns 0 and sets *out (free with kql_result_free), or:
 *   -EINVAL  the query is not accepted: *err is filled (kind, code, ...);
 *   -ENOMEM, or a negative errno from the resolver.
 * err may not be NULL; it is cleared on success. */
int kql_run(const char *query, const struct kql_env *env,
	    struct kql_result **out, struct kql_error *err);

/* Release a result (NULL is fine). */
void kql_result_free(struct kql_result *r);

#endif
