/* la_json: serialisation of a KQL result as the Log Analytics query API
 * body {"tables":[{"name":"PrimaryResult","columns":[...],"rows":[...]}]}
 * with typed cells (see la_query.h for the cell formats), plus the
 * PartialError member when the result was truncated at
 * LA_MAX_RESULT_ROWS. */
#ifndef SL_AZSIM_LA_JSON_H
#define SL_AZSIM_LA_JSON_H

#include "kql.h"

/* Azure's row cap per query (README.md, "Log Analytics query API"). */
#define LA_MAX_RESULT_ROWS 500000

/* The response body for r; heap, the caller frees it with free().  NULL on
 * ENOMEM. */
char *la_json_result(const struct kql_result *r);

#endif
