/* la_schema.c - column sets of the Container Apps log tables.
 * Resource-specific tables: MicrosoftDocs/azure-reference-other
 * azure-monitor-ref/tables/includes/containerapp{console,system}logs-include.md
 * (ContainerAppSystemLogs.Type is the event severity there, not the table
 * name).  _TimeReceived is Azure Monitor's standard column (hidden here,
 * like _BilledSize): when the row reached the workspace.  _CL tables: the official compat function and captures
 * (README.md, "Container Apps log tables"). */
#include "config.h"

#include "la_schema.h"

#include <errno.h>
#include <string.h>

#define S KQL_T_STRING
#define D KQL_T_DATETIME
#define G KQL_T_GUID
#define R KQL_T_REAL
#define I KQL_T_INT

static const struct kql_column console_cl[] = {
	{ "TenantId", S, false },
	{ "SourceSystem", S, false },
	{ "MG", S, false },
	{ "ManagementGroupName", S, false },
	{ "TimeGenerated", D, false },
	{ "Computer", S, false },
	{ "RawData", S, false },
	{ "ContainerAppName_s", S, false },
	{ "ContainerGroupId_g", G, false },
	{ "ContainerGroupName_s", S, false },
	{ "ContainerId_s", S, false },
	{ "ContainerImage_s", S, false },
	{ "ContainerJobName_s", S, false },
	{ "ContainerName_s", S, false },
	{ "EnvironmentName_s", S, false },
	{ "Log_s", S, false },
	{ "RevisionName_s", S, false },
	{ "Stream_s", S, false },
	{ "time_t", D, false },
	{ "_timestamp_d", R, false },
	{ "Category", S, false },
	{ "Type", S, false },
	{ "_ResourceId", S, false },
	{ "_TimeReceived", D, true },
};

static const struct kql_column console_rs[] = {
	{ "TenantId", S, false },
	{ "TimeGenerated", D, false },
	{ "ContainerAppName", S, false },
	{ "ContainerGroupId", S, false },
	{ "ContainerGroupName", S, false },
	{ "ContainerId", S, false },
	{ "ContainerImage", S, false },
	{ "ContainerName", S, false },
	{ "EnvironmentName", S, false },
	{ "JobName", S, false },
	{ "Location", S, false },
	{ "Log", S, false },
	{ "OperationName", S, false },
	{ "RevisionName", S, false },
	{ "SourceSystem", S, false },
	{ "Stream", S, false },
	{ "Type", S, false },
	{ "_ResourceId", S, false },
	{ "_SubscriptionId", S, false },
	{ "_BilledSize", R, true },
	{ "_IsBillable", S, true },
	{ "_TimeReceived", D, true },
};

static const struct kql_column system_cl[] = {
	{ "TenantId", S, false },
	{ "SourceSystem", S, false },
	{ "MG", S, false },
	{ "ManagementGroupName", S, false },
	{ "TimeGenerated", D, false },
	{ "Computer", S, false },
	{ "RawData", S, false },
	{ "ContainerAppName_s", S, false },
	{ "EnvironmentName_s", S, false },
	{ "RevisionName_s", S, false },
	{ "ReplicaName_s", S, false },
	{ "JobName_s", S, false },
	{ "Log_s", S, false },
	{ "Reason_s", S, false },
	{ "EventSource_s", S, false },
	{ "Type_s", S, false },
	{ "Count_d", R, false },
	{ "time_t", D, false },
	{ "_timestamp_d", R, false },
	{ "Category", S, false },
	{ "Type", S, false },
	{ "_ResourceId", S, false },
	{ "_TimeReceived", D, true },
};

static const struct kql_column system_rs[] = {
	{ "TenantId", S, false },
	{ "TimeGenerated", D, false },
	{ "ComponentName", S, false },
	{ "ComponentType", S, false },
	{ "ContainerAppName", S, false },
	{ "ContainerName", S, false },
	{ "Count", I, false },
	{ "EnvironmentName", S, false },
	{ "EventSource", S, false },
	{ "JobName", S, false },
	{ "Location", S, false },
	{ "Log", S, false },
	{ "OperationName", S, false },
	{ "Reason", S, false },
	{ "ReplicaName", S, false },
	{ "RevisionName", S, false },
	{ "SourceSystem", S, false },
	{ "Type", S, false },
	{ "_ResourceId", S, false },
	{ "_SubscriptionId", S, false },
	{ "_BilledSize", R, true },
	{ "_IsBillable", S, true },
	{ "_TimeReceived", D, true },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct la_schema schemas[LA_TID__COUNT] = {
	[LA_TID_CONSOLE_CL] = { "ContainerAppConsoleLogs_CL", console_cl,
				N(console_cl), 4 },
	[LA_TID_CONSOLE] = { "ContainerAppConsoleLogs", console_rs,
			     N(console_rs), 1 },
	[LA_TID_SYSTEM_CL] = { "ContainerAppSystemLogs_CL", system_cl,
			       N(system_cl), 4 },
	[LA_TID_SYSTEM] = { "ContainerAppSystemLogs", system_rs, N(system_rs),
			    1 },
};

const struct la_schema *la_schema_get(enum la_table_id id)
{
	if ((unsigned)id >= LA_TID__COUNT)
		return NULL;
	return &schemas[id];
}

int la_schema_find(const char *name, enum la_table_id *id)
{
	for (int i = 0; i < LA_TID__COUNT; i++) {
		if (strcmp(schemas[i].name, name) == 0) {
			*id = (enum la_table_id)i;
			return 0;
		}
	}
	return -ENOENT;
}

int la_schema_col(const struct la_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ncols; i++)
		if (strcmp(s->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool la_schema_is_custom(const struct la_schema *s, size_t col)
{
	static const char suffixes[] = "sgdtb";
	size_t tn, n;
	const char *name;

	if (col >= s->ncols)
		return false;
	tn = strlen(s->name);
	if (tn < 3 || strcmp(s->name + tn - 3, "_CL") != 0)
		return false;
	name = s->cols[col].name;
	n = strlen(name);
	return n > 2 && name[n - 2] == '_' && strchr(suffixes, name[n - 1]);
}
