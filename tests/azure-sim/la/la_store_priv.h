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

/* Under the read lock: table tid of the workspaces ws[0..nws) as the
 * engine sees it at now_ns.  *cols and *ncols are the columns that exist (all of
 * the schema's, less the custom _CL columns no visible row has carried in
 * any of the workspaces yet); *rows are the rows (in workspace order, then
 * append order) visible at now_ns whose TimeGenerated t satisfies
 * lo <= t < hi (ticks), each pointing at *ncols cells.  *rows is one
 * malloc'ed block that also holds *cols when those are not the schema's;
 * the caller frees it with free() (it may be non-NULL when *n == 0).
 * *exists says whether the table resolves in at least one of the workspaces
 * (it has had a visible row, or tables_exist_initially).  Returns 0, -ENOENT
 * (a workspace is unknown) or -ENOMEM. */
int la_store_collect(struct la_store *st, const char *const *ws, size_t nws,
		     enum la_table_id tid, int64_t now_ns, int64_t lo,
		     int64_t hi, const struct kql_column **cols, size_t *ncols,
		     const struct kql_value ***rows, size_t *n, bool *exists);

#endif
