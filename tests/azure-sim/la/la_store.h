/* la_store: the simulated Log Analytics workspaces and their Container Apps
 * tables (README.md, "Container Apps log tables"):
 *
 *   ContainerAppConsoleLogs_CL   legacy "log-analytics" destination, typed
 *   ContainerAppSystemLogs_CL    suffix columns (_s string, _g guid,
 *                                _d real, _t datetime)
 *   ContainerAppConsoleLogs      "azure-monitor" destination, resource-
 *   ContainerAppSystemLogs       specific tables (no suffixes)
 *
 * The exact column lists and types are in la_schema.c (la_schema_get()).
 * Rows are appended by the workload runner while queries run (thread-safe),
 * and become visible to queries only after an ingestion delay drawn for each
 * row when it is appended (the median delay plus or minus a uniform jitter),
 * as Azure's 20 s - 3 min ingestion latency, which varies per record, does.
 * A row's visibility time is fixed when it is appended, so a row a query has
 * seen never disappears.  As in Azure, a table that has never received a
 * visible row does not exist yet: querying it is a 400 SEM0100 (unless
 * tables_exist_initially), and in a _CL table a column with a type suffix
 * (_s, _g, _d, _t, _b) exists only once a visible row carried a value for it,
 * as the HTTP Data Collector API creates custom columns; the resource-specific
 * tables have a fixed schema.  Each table keeps at most max_rows_per_table
 * rows; appending beyond drops the oldest.
 *
 * The convenience appenders write each console line / system event to the
 * one table family the environment's appLogsConfiguration.destination
 * selects (enum la_dest), as Azure does.
 *
 * Lock order: the store has one rwlock; callbacks never run under it.
 */
#ifndef SL_AZSIM_LA_STORE_H
#define SL_AZSIM_LA_STORE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

struct la_store;

/* Table names. */
#define LA_TABLE_CONSOLE_CL "ContainerAppConsoleLogs_CL"
#define LA_TABLE_SYSTEM_CL "ContainerAppSystemLogs_CL"
#define LA_TABLE_CONSOLE "ContainerAppConsoleLogs"
#define LA_TABLE_SYSTEM "ContainerAppSystemLogs"

#define LA_STORE_DEFAULT_MAX_ROWS 100000

/* An environment's appLogsConfiguration.destination: which table family
 * its logs go to. */
enum la_dest {
	LA_DEST_NONE = 0,       /* "none" or absent: no rows at all */
	LA_DEST_LOG_ANALYTICS,  /* "log-analytics": the _CL tables */
	LA_DEST_AZURE_MONITOR,  /* "azure-monitor" + a diagnostic setting:
	                         * the resource-specific tables */
};

/* "log-analytics" | "azure-monitor" | "none" (ASCII case-insensitive; NULL
 * and "" are none) -> *out.  Returns 0 or -EINVAL.  Inline so that the
 * config module can use it without linking the store. */
static inline int la_dest_parse(const char *s, enum la_dest *out)
{
	if (!s || !*s || strcasecmp(s, "none") == 0)
		*out = LA_DEST_NONE;
	else if (strcasecmp(s, "log-analytics") == 0)
		*out = LA_DEST_LOG_ANALYTICS;
	else if (strcasecmp(s, "azure-monitor") == 0)
		*out = LA_DEST_AZURE_MONITOR;
	else
		return -EINVAL;
	return 0;
}

/* The wire name of d ("none" for LA_DEST_NONE). */
static inline const char *la_dest_name(enum la_dest d)
{
	return d == LA_DEST_LOG_ANALYTICS   ? "log-analytics"
	       : d == LA_DEST_AZURE_MONITOR ? "azure-monitor"
					    : "none";
}

/* Wall clock in ns since the Unix epoch. */
typedef int64_t (*la_clock_fn)(void *ctx);

struct la_store_config {
	long ingestion_delay_ms;     /* median delay, >= 0; default 0 */
	long ingestion_jitter_ms;    /* >= 0: each row's delay is uniform in
	                              * [median - jitter, median + jitter],
	                              * never below 0; no jitter when the
	                              * median is 0 */
	uint64_t seed;               /* jitter PRNG seed; 0 = from the clock */
	size_t max_rows_per_table;   /* 0 = LA_STORE_DEFAULT_MAX_ROWS */
	bool tables_exist_initially; /* true: every table resolves (empty)
	                              * before its first row, unlike Azure */
	la_clock_fn clock;           /* NULL = clock_gettime(CLOCK_REALTIME);
	                              * tests inject a fake clock */
	void *clock_ctx;
};

/* Create a store with no workspaces.  cfg may be NULL (all defaults).
 * Returns 0 and *out (free with la_store_free), -EINVAL or -ENOMEM. */
int la_store_new(const struct la_store_config *cfg, struct la_store **out);

/* Free the store and every row (NULL is fine).  No other thread may use it
 * any more. */
void la_store_free(struct la_store *st);

/* Change the ingestion delay for rows appended from now on (rows already
 * appended keep the visibility time they were given).  Returns 0 or
 * -EINVAL (ms < 0). */
int la_store_set_ingestion_delay_ms(struct la_store *st, long ms);
long la_store_get_ingestion_delay_ms(struct la_store *st);

/* Same for the jitter. */
int la_store_set_ingestion_jitter_ms(struct la_store *st, long ms);
long la_store_get_ingestion_jitter_ms(struct la_store *st);

/* The store's clock, in ns since the epoch. */
int64_t la_store_now_ns(struct la_store *st);

/* Add a workspace by its customer id (a GUID, the "Workspace ID" used in
 * /v1/workspaces/{id}/query; compared case-insensitively).  Adding an
 * existing one is a no-op.  Returns 0, -EINVAL (not a GUID) or -ENOMEM. */
int la_store_add_workspace(struct la_store *st, const char *customer_id);

/* Is customer_id a known workspace? */
bool la_store_has_workspace(struct la_store *st, const char *customer_id);

/* One line of container output.  NULL strings are stored as "" except
 * where noted. */
struct la_console_record {
	int64_t time_ns;                  /* TimeGenerated; 0 = now */
	const char *job_name;             /* ARM job name: ContainerJobName_s;
	                                   * NULL = not carried (app rows) */
	const char *execution_name;       /* execution (= the k8s job):
	                                   * JobName in ContainerAppConsoleLogs;
	                                   * NULL = job_name */
	const char *container_group_name; /* replica "<exec>-<5 alnum>":
	                                   * ContainerGroupName(_s) */
	const char *container_group_id;   /* GUID: ContainerGroupId(_g);
	                                   * NULL = derived from the replica
	                                   * name (stable per replica) */
	const char *container_name;       /* ContainerName(_s) */
	const char *container_id;         /* ContainerId(_s); NULL = derived
	                                   * from replica + container name */
	const char *container_image;      /* ContainerImage(_s) */
	const char *stream;               /* "stdout" | "stderr" (Stream(_s)) */
	const char *log;                  /* the line, no trailing newline */
	size_t log_len;                   /* 0 = strlen(log) */
	const char *environment_name;     /* EnvironmentName(_s) */
	const char *container_app_name;   /* apps only; "" for jobs */
	const char *revision_name;        /* apps only; "" for jobs */
	const char *resource_id;          /* _ResourceId (stored lower-case, as
	                                   * Azure does): the job's ARM id in the
	                                   * _CL tables, the environment's in the
	                                   * resource-specific ones */
	const char *subscription_id;      /* _SubscriptionId; NULL = taken from
	                                   * resource_id */
	const char *location;             /* Location, e.g. "eastus" */
};

/* A system (lifecycle) event. */
struct la_system_record {
	int64_t time_ns;              /* TimeGenerated; 0 = now */
	const char *job_name;         /* ARM job name (only the fallback for
	                               * execution_name: these tables have no
	                               * ARM-job-name column; ComponentName and
	                               * ComponentType stay "", they name Spring
	                               * components) */
	const char *execution_name;   /* JobName(_s) (the k8s job); NULL =
	                               * job_name */
	const char *replica_name;     /* ReplicaName(_s), "" when the event is
	                               * not about a replica */
	const char *container_name;   /* ContainerName (resource-specific) */
	const char *reason;           /* Reason(_s): "PullingImage",
	                               * "PulledImage", "ContainerCreated",
	                               * "ContainerStarted",
	                               * "ContainerTerminated", "ImagePullFailure",
	                               * "ContainerBackOff", ... */
	const char *message;          /* Log(_s), e.g. "Container 'app' was
	                               * terminated with exit code '137'" */
	const char *type;             /* severity Type_s: "Normal" | "Warning";
	                               * NULL = "Normal" */
	const char *event_source;     /* EventSource(_s); NULL =
	                               * "ContainerAppController" */
	int count;                    /* Count / Count_d; 0 = 1 */
	const char *environment_name; /* EnvironmentName(_s) */
	const char *container_app_name; /* apps only */
	const char *revision_name;    /* apps only */
	const char *resource_id;      /* _ResourceId (lower-cased) */
	const char *subscription_id;  /* NULL = taken from resource_id */
	const char *location;
};

/* Append a console line to the console table of family dest
 * (ContainerAppConsoleLogs_CL or ContainerAppConsoleLogs) of workspace
 * customer_id; LA_DEST_NONE appends nothing and returns 0.  Returns 0,
 * -ENOENT (unknown workspace), -EINVAL or -ENOMEM.  Thread-safe. */
int la_store_append_console(struct la_store *st, const char *customer_id,
			    enum la_dest dest,
			    const struct la_console_record *rec);

/* Append a system event to ContainerAppSystemLogs_CL or
 * ContainerAppSystemLogs.  Same returns.  Thread-safe. */
int la_store_append_system(struct la_store *st, const char *customer_id,
			   enum la_dest dest,
			   const struct la_system_record *rec);

/* A named value for la_store_append(); value is text parsed according to
 * the column type (datetime ISO-8601, "true"/"false", numbers, GUIDs,
 * JSON text for dynamic).  NULL value = null ("" for strings). */
struct la_field {
	const char *name;
	const char *value;
};

/* Generic append of one row to one table (tests and seeding).  TimeGenerated
 * is time_ns (0 = now) unless a TimeGenerated field is given; TenantId and
 * Type default to the workspace id and the table name.  Returns 0, -ENOENT
 * (unknown workspace or table), -EINVAL (unknown column, or a value that
 * does not parse as the column's type) or -ENOMEM.  Thread-safe. */
int la_store_append(struct la_store *st, const char *customer_id,
		    const char *table, int64_t time_ns,
		    const struct la_field *fields, size_t nfields);

/* Rows held by a table (visible or not yet visible), for tests and stats.
 * 0 for unknown workspaces or tables. */
size_t la_store_row_count(struct la_store *st, const char *customer_id,
			  const char *table);

#endif
