/* kql_union.c - the union operator and "union A, B" sources: the output
 * schema Kusto gives (kind=outer: every column of any input, a column
 * whose name comes with several types split into Name_type; kind=inner:
 * the columns common to all), and the rows of every input mapped onto it,
 * with nulls where an input lacks a column. */
#include "config.h"

#include "kql_priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct input {
	const struct kql_column *cols;
	size_t ncols;
};

/* Index in out[0..n) of the column with this name and type, or -1. */
static int find_typed(const struct kql_column *out, size_t n,
		      const char *name, enum kql_type t)
{
	for (size_t i = 0; i < n; i++)
		if (out[i].type == t && strcmp(out[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool in_all(const struct input *in, size_t nin,
		   const struct kql_column *c)
{
	for (size_t i = 0; i < nin; i++)
		if (in[i].cols &&
		    find_typed(in[i].cols, in[i].ncols, c->name, c->type) < 0)
			return false;
	return true;
}

/* Resolve u's tables into u->tabs (fuzzy: missing ones left out). */
static int resolve_tables(struct kql_binder *b, struct kql_union *u,
			  bool piped)
{
	size_t found = 0;

	u->tabs = kql_arena_alloc(b->a, (u->n + 1) * sizeof(*u->tabs));
	u->present = kql_arena_alloc(b->a, (u->n + 1) * sizeof(*u->present));
	if (!u->tabs || !u->present)
		return b->rc = -ENOMEM;
	for (size_t i = 0; i < u->n; i++) {
		int rc = b->env->resolve(b->env->resolve_ctx, u->names[i],
					 &u->tabs[i]);
		if (rc == -ENOENT && u->fuzzy)
			continue;
		if (rc == -ENOENT)
			return kql_bind_error(b, "SEM0100",
					      "'union' operator: Failed to "
					      "resolve table or column expression "
					      "named '%s'",
					      u->names[i]);
		if (rc)
			return b->rc = rc;
		u->present[i] = true;
		found++;
	}
	if (!found && !piped) /* isfuzzy: at least one must resolve */
		return kql_bind_error(b, "SEM0100",
				      "'union' operator: Failed to resolve table "
				      "or column expression named '%s'",
				      u->names[0]);
	return 0;
}

int kql_bind_union(struct kql_binder *b, struct kql_union *u, bool piped,
		   struct kql_column **cols, size_t *ncols)
{
	struct input *in;
	struct kql_column *out;
	const char **orig; /* each output column's name in the inputs */
	size_t nin = 0, n = 0, cap = 1;

	if (piped && u->withsource)
		return kql_bind_unsupported(b, &u->locs[0],
					    "'withsource' in the union operator "
					    "form (T | union ...)");
	if (resolve_tables(b, u, piped))
		return b->rc;
	u->ninputs = u->n + (piped ? 1 : 0);
	in = kql_arena_alloc(b->a, u->ninputs * sizeof(*in));
	if (!in)
		return b->rc = -ENOMEM;
	if (piped) {
		in[nin].cols = b->cols;
		in[nin++].ncols = b->ncols;
	}
	for (size_t i = 0; i < u->n; i++) {
		if (u->present[i]) {
			in[nin].cols = u->tabs[i].cols;
			in[nin].ncols = u->tabs[i].ncols;
		}
		nin++; /* an absent table is an input without columns or rows */
	}
	for (size_t i = 0; i < nin; i++)
		cap += in[i].ncols;
	out = kql_arena_alloc(b->a, cap * sizeof(*out));
	orig = kql_arena_alloc(b->a, cap * sizeof(*orig));
	if (!out || !orig)
		return b->rc = -ENOMEM;
	if (u->withsource) {
		out[n].name = u->withsource;
		out[n++].type = KQL_T_STRING;
	}
	/* one column per name and type, in order of first appearance */
	for (size_t i = 0; i < nin; i++) {
		for (size_t c = 0; c < in[i].ncols; c++) {
			const struct kql_column *col = &in[i].cols[c];
			size_t off = u->withsource ? 1 : 0;
			int at = find_typed(out + off, n - off, col->name,
					    col->type);
			if (at >= 0) {
				at += (int)off;
				out[at].hidden = out[at].hidden && col->hidden;
				continue;
			}
			if (u->inner && !in_all(in, nin, col))
				continue;
			orig[n] = col->name;
			out[n++] = *col;
		}
	}
	/* a name with several types: Name_type, one column per type */
	for (size_t i = u->withsource ? 1 : 0; i < n; i++) {
		bool multi = false;
		for (size_t k = u->withsource ? 1 : 0; k < n && !multi; k++)
			multi = k != i && strcmp(orig[k], orig[i]) == 0 &&
				out[k].type != out[i].type;
		if (multi) {
			char buf[256];
			int len = snprintf(buf, sizeof(buf), "%s_%s", out[i].name,
					   kql_type_name(out[i].type));
			if (len < 0 || (size_t)len >= sizeof(buf))
				len = (int)sizeof(buf) - 1;
			out[i].name = kql_arena_strndup(b->a, buf, (size_t)len);
			if (!out[i].name)
				return b->rc = -ENOMEM;
		}
	}
	if (u->withsource) {
		for (size_t i = 1; i < n; i++)
			if (strcmp(out[i].name, u->withsource) == 0)
				return kql_bind_error(
					b, "SEM0001",
					"'union' operator: A column named '%s' "
					"is specified more than once",
					u->withsource);
	}
	/* per input, where each output column comes from */
	u->map = kql_arena_alloc(b->a, nin * sizeof(*u->map));
	u->same = kql_arena_alloc(b->a, nin * sizeof(*u->same));
	if (!u->map || !u->same)
		return b->rc = -ENOMEM;
	for (size_t i = 0; i < nin; i++) {
		int *m = kql_arena_alloc(b->a, (n + 1) * sizeof(*m));
		bool same = n == in[i].ncols;
		if (!m)
			return b->rc = -ENOMEM;
		for (size_t c = 0; c < n; c++) {
			m[c] = -1;
			if (u->withsource && c == 0) {
				m[c] = KQL_UNION_SOURCE;
			} else {
				m[c] = find_typed(in[i].cols, in[i].ncols,
						  orig[c], out[c].type);
			}
			same = same && m[c] == (int)c;
		}
		u->map[i] = m;
		u->same[i] = same;
	}
	u->cols = out;
	u->ncols = n;
	*cols = out;
	*ncols = n;
	return 0;
}

/* Append the rows of one input, mapped through m. */
static int add_input(struct kql_arena *a, const struct kql_union *u,
		     size_t input, const char *name,
		     const struct kql_value *const *rows, size_t nrows,
		     const struct kql_value **out, size_t *o)
{
	const int *m = u->map[input];
	struct kql_value src;

	if (u->same[input]) {
		for (size_t i = 0; i < nrows; i++)
			out[(*o)++] = rows[i];
		return 0;
	}
	src = kql_str(name);
	for (size_t i = 0; i < nrows; i++) {
		struct kql_value *r = kql_arena_alloc(a, (u->ncols + 1) *
							      sizeof(*r));
		if (!r)
			return -ENOMEM;
		for (size_t c = 0; c < u->ncols; c++) {
			if (m[c] == KQL_UNION_SOURCE)
				r[c] = src;
			else if (m[c] < 0)
				r[c] = kql_null(u->cols[c].type);
			else
				r[c] = rows[i][m[c]];
		}
		out[(*o)++] = r;
	}
	return 0;
}

int kql_exec_union(struct kql_arena *a, const struct kql_union *u, bool piped,
		   struct kql_rows *rs)
{
	const struct kql_value **out;
	size_t total = piped ? rs->n : 0, o = 0, input = 0;
	int rc;

	for (size_t i = 0; i < u->n; i++)
		if (u->present[i])
			total += u->tabs[i].nrows;
	out = kql_arena_alloc(a, (total + 1) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	/* rows in input order (Kusto does not promise any order: a choice) */
	if (piped) {
		rc = add_input(a, u, input++, NULL,
			       (const struct kql_value *const *)rs->r, rs->n,
			       out, &o);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < u->n; i++, input++) {
		if (!u->present[i])
			continue;
		rc = add_input(a, u, input, u->names[i], u->tabs[i].rows,
			       u->tabs[i].nrows, out, &o);
		if (rc)
			return rc;
	}
	rs->r = out;
	rs->n = o;
	rs->ncols = u->ncols;
	return 0;
}
