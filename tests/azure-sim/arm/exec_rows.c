/* exec_rows.c - the Log Analytics rows of a replica: console output and
 * system events, in the one table family the environment's
 * appLogsConfiguration.destination selects. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "exec_priv.h"
#include "la_store.h"
#include "sim_ctx.h"

/* ---- Log Analytics --------------------------------------------------- */

/* The resource-specific tables carry the environment's id (the resource of
 * the diagnostic setting), the _CL tables the job's. */
static const char *resource_of(struct plan *p)
{
	return p->log_dest == LA_DEST_AZURE_MONITOR ? p->env_id : p->job_id;
}

/* Did this ContainerTerminated message report a non-zero exit code?  An
 * image that was never pulled reports exit code '' (not a process exit). */
static int nonzero_exit(const char *message)
{
	const char *c = message ? strstr(message, "exit code '") : NULL;
	int code;

	if (!c || sscanf(c + 11, "%d'", &code) != 1)
		return 0;
	return code != 0;
}

void sim_exec_row_event(struct plan *p, const char *replica, const char *container,
		     const char *reason, const char *message, int warning)
{
	struct sim_ctx *ctx = sim_ctx();
	struct la_system_record rec;

	if (!ctx->la || !*p->workspace || p->log_dest == LA_DEST_NONE)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.job_name = p->job;
	rec.execution_name = p->exec;
	rec.replica_name = replica ? replica : "";
	rec.container_name = container ? container : "";
	rec.reason = reason;
	rec.message = message;
	rec.type = warning ? "Warning" : "Normal";
	rec.environment_name = p->env_name;
	rec.container_app_name = ""; /* a job's rows carry them empty */
	rec.revision_name = "";
	rec.resource_id = resource_of(p);
	rec.subscription_id = p->sub;
	rec.location = p->location;
	la_store_append_system(ctx->la, p->workspace, p->log_dest, &rec);
	/* Azure reports a failed container's exit twice: ContainerTerminated
	 * and Kubernetes' termination reason Error, with the same text
	 * (README, Known choices). */
	if (strcmp(reason, RUN_REASON_CONTAINER_TERMINATED) == 0 && nonzero_exit(message)) {
		rec.reason = RUN_REASON_ERROR;
		rec.type = "Warning";
		la_store_append_system(ctx->la, p->workspace, p->log_dest, &rec);
	}
}

static const char *image_of(struct plan *p, const char *container)
{
	for (size_t i = 0; i < p->spec.n_containers; i++)
		if (strcmp(p->spec.containers[i].name, container) == 0)
			return p->spec.containers[i].image;
	for (size_t i = 0; i < p->spec.n_init_containers; i++)
		if (strcmp(p->spec.init_containers[i].name, container) == 0)
			return p->spec.init_containers[i].image;
	return "";
}

int sim_exec_row_is_warning(const char *reason, const char *message)
{
	if (strcmp(reason, RUN_REASON_CONTAINER_TERMINATED) == 0)
		return !message || !strstr(message, "exit code '0'");
	return strcmp(reason, RUN_REASON_IMAGE_PULL_FAILURE) == 0 ||
	       strcmp(reason, RUN_REASON_IMAGE_PULL_UNAUTHORIZED) == 0 ||
	       strcmp(reason, RUN_REASON_CONTAINER_CREATE_FAILURE) == 0;
}

void sim_exec_row_console(struct plan *p, const char *replica, const char *container,
			  enum run_stream stream, const char *line, size_t len,
			  const struct timespec *ts)
{
	struct sim_ctx *ctx = sim_ctx();
	struct la_console_record rec;

	if (!ctx->la || !*p->workspace || p->log_dest == LA_DEST_NONE)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.time_ns = ts ? (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec : 0;
	rec.job_name = p->job;
	rec.execution_name = p->exec;
	rec.container_group_name = replica;
	rec.container_name = container;
	rec.container_image = image_of(p, container);
	rec.stream = stream == RUN_STDERR ? "stderr" : "stdout";
	rec.log = line;
	rec.log_len = len;
	rec.environment_name = p->env_name;
	rec.container_app_name = "";
	rec.revision_name = "";
	rec.resource_id = resource_of(p);
	rec.subscription_id = p->sub;
	rec.location = p->location;
	if (len == 0)
		rec.log = "";
	la_store_append_console(ctx->la, p->workspace, p->log_dest, &rec);
}
