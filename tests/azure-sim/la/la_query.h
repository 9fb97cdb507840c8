/* la_query: one Log Analytics query request in, Azure's exact response out
 * (README.md, "Log Analytics query API").  No HTTP and no auth here: the HTTP front end
 * routes GET/POST /v1/workspaces/{id}/query, checks the bearer token, then
 * calls la_query_run() (GET: query and timespan from the query string) or
 * la_query_run_post() (POST: the raw JSON body), and sends *status, *body
 * (Content-Type: application/json; charset=utf-8) and its usual
 * x-ms-request-id / x-ms-correlation-request-id headers.
 *
 * Success, 200:
 *   {"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated",
 *    "type":"datetime"},...],"rows":[["2024-01-15T10:30:00.1234567Z",...]]}]}
 *   Cells are typed JSON as the live API sends them: datetime as
 *   "yyyy-mm-ddThh:mm:ss[.fffffff]Z" (trailing zeros trimmed), long/int/real
 *   as numbers (real NaN/Infinity as the strings "NaN", "Infinity",
 *   "-Infinity"), bool as true/false, string/guid as strings, dynamic as its
 *   JSON text in a string, timespan as "hh:mm:ss[.fffffff]", nulls as null.
 *   More than 500000 result rows: the first 500000 and, still 200, a
 *   PartialError:
 *   "error":{"code":"PartialError","message":"There were some errors when
 *   processing your query.","details":[{"code":"EngineError",...}]}.
 *
 * Errors (all {"error":{"message","code","correlationId"[,"innererror"]}}):
 *   400 BadArgumentError "The request had some invalid properties" with
 *       innererror {"code":"SyntaxError","message":"A recognition error
 *       occurred in the query.","innererror":{"code":"SYN0002","message":
 *       "Query could not be parsed at 'x' on line [1,3]","line":1,"pos":3,
 *       "token":"x"}} or {"code":"SemanticError","message":"A semantic error
 *       occurred.","innererror":{"code":"SEM0100","message":"'where'
 *       operator: Failed to resolve table or column expression named 'T'"}};
 *   400 BadArgumentError with innererror code "InvalidTimespan" for a
 *       timespan that is not ISO-8601 (wording UNVERIFIED);
 *   400 BadArgumentError with innererror code "InvalidBody" /
 *       "MissingQuery" for a POST body that is not JSON or has no "query"
 *       string (wording UNVERIFIED);
 *   404 PathNotFoundError "The requested path does not exist" when the
 *       workspace id is not a GUID (what Azure answers for a workspace name);
 *   404 WorkspaceNotFoundError "The workspace could not be found" for an
 *       unknown GUID, in "workspace" or in "workspaces" (wording
 *       UNVERIFIED).
 *
 * Timespan: ISO-8601 "PT1H" (the last hour up to now), "start/end",
 * "start/PT1H", "PT1H/end".  It filters TimeGenerated of every table before
 * the query runs (Azure intersects it with any time filter in the query).
 * "workspaces": extra workspace customer ids; the tables of all listed
 * workspaces are queried as one (rows in workspace order).
 */
#ifndef SL_AZSIM_LA_QUERY_H
#define SL_AZSIM_LA_QUERY_H

#include <stddef.h>

#include "la_store.h"

struct la_query_request {
	const char *workspace_id;   /* {workspaceId} path segment */
	const char *query;          /* KQL; NULL = missing */
	const char *timespan;       /* NULL or "" = none */
	const char *const *workspaces; /* extra workspaces, may be NULL */
	size_t nworkspaces;
	const char *correlation_id; /* echoed in error bodies; NULL = a new
	                             * random GUID */
};

/* Run the request against st.  Returns 0 with *status (200/400/404) and
 * *body (heap, NUL-terminated JSON; the caller frees it with free()), or
 * -EINVAL (NULL arguments) / -ENOMEM with *body NULL. */
int la_query_run(struct la_store *st, const struct la_query_request *req,
		 int *status, char **body);

/* Same for a POST body {"query": "...", "timespan": "...",
 * "workspaces": ["...", ...]} of len bytes (need not be NUL-terminated).
 * Unknown members are ignored, as Azure does.  Same returns. */
int la_query_run_post(struct la_store *st, const char *workspace_id,
		      const char *json, size_t len, const char *correlation_id,
		      int *status, char **body);

/* Build a plain OneAPI error body {"error":{"message":...,"code":...,
 * "correlationId":...}} (correlation_id NULL = random GUID).  Returns a heap
 * string the caller frees, or NULL on ENOMEM.  For the simulator's own Log
 * Analytics errors (e.g. 404 PathNotFoundError for an unknown path under
 * /v1). */
char *la_query_error_body(const char *code, const char *message,
			  const char *correlation_id);

#endif
