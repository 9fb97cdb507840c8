/* la_store_priv.h - the read side of la_store used by la_query (not for
 * other modules): a read lock and a row snapshot for the KQL engine. */
#ifndef SL_AZSIM_LA_STORE_PRIV_H
#define SL_AZSIM_LA_STORE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "kql.h"
#include "la_schema.h"
#include "la_store.h"

/* Hold the store's read lock while a query reads rows and while its result
 * (whose cells point into the rows) is serialised. */
void la_store_read_lock(struct la_store *st);
void la_store_read_unlock(struct la_store *st);

/* Under the read lock: the rows of table tid in the workspaces ws[0..nws)
 * (in workspace order, then append order) that are visible at now_ns and
 * whose TimeGenerated t satisfies lo <= t < hi (ticks).  *rows is a
 * malloc'ed array of row cell pointers (NULL when *n == 0) the caller frees
 * with free(); *exists says whether the table resolves in at least one of
 * the workspaces (it has had a visible row, or tables_exist_initially).
 * Returns 0, -ENOENT (a workspace is unknown) or -ENOMEM. */
int la_store_collect(struct la_store *st, const char *const *ws, size_t nws,
		     enum la_table_id tid, int64_t now_ns, int64_t lo,
		     int64_t hi, const struct kql_value ***rows, size_t *n,
		     bool *exists);

#endif
