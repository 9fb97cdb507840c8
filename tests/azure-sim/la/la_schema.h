/* la_schema: the column sets of the four Container Apps log tables
 * (README.md, "Container Apps log tables"), in the order a query without project
 * returns them.  Names and types follow the official table references and
 * captures; the order is an approximation (Azure's order is not documented,
 * clients must address columns by name). */
#ifndef SL_AZSIM_LA_SCHEMA_H
#define SL_AZSIM_LA_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "kql.h"

enum la_table_id {
	LA_TID_CONSOLE_CL = 0,
	LA_TID_CONSOLE,
	LA_TID_SYSTEM_CL,
	LA_TID_SYSTEM,
	LA_TID__COUNT
};

struct la_schema {
	const char *name;               /* table name */
	const struct kql_column *cols;  /* static storage */
	size_t ncols;
	size_t time_col;                /* index of TimeGenerated */
};

/* The schema of table id; static storage. */
const struct la_schema *la_schema_get(enum la_table_id id);

/* Find a table by exact name; returns 0 and *id, or -ENOENT. */
int la_schema_find(const char *name, enum la_table_id *id);

/* Index of column name in s, or -1. */
int la_schema_col(const struct la_schema *s, const char *name);

/* Is column col of s a custom column, one the HTTP Data Collector API
 * creates when a record first carries it?  True for the names with a type
 * suffix (_s, _g, _d, _t, _b) in the _CL tables; the standard columns
 * (TenantId, TimeGenerated, Type, _ResourceId, ...) and every column of the
 * resource-specific tables (fixed schema) exist with the table. */
bool la_schema_is_custom(const struct la_schema *s, size_t col);

#endif
