/*
 * aca.c - the entry point of aca.so: Docker containers as Azure Container
 * Apps Jobs.  init wires the modules together (configuration, the ARM
 * client, the log module, the poller); fini takes them apart in reverse.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aca.h"

#define ACA_VERSION "0.1.0"

static void info_fill(struct aca_backend *b);

static void be_fini(void *state)
{
	struct aca_backend *b = state;

	if (!b)
		return;
	atomic_store(&b->stopping, 1);
	/* The poller reports into the log module and the captures kick the
	 * poller: stop its thread first, free it once the captures are
	 * joined.  The log module owns b->workspace. */
	aca_poller_stop(b->poller);
	aca_logs_free(b->logs);
	aca_poller_free(b->poller);
	aca_azure_free(b->az);
	aca_config_free(&b->cfg);
	free(b);
}

/*
 * The environment must exist: a name mistyped in the configuration is
 * said at start, not at the first docker run.  A network failure is not
 * fatal (the daemon serves what it can and tries again at each call).
 */
static int check_environment(struct aca_backend *b, sl_call *call,
	struct aca_err *err)
{
	struct aca_cancel cx = { b->host, call, &b->stopping };
	struct aca_resp r = {0};
	char *id = aca_config_env_id(&b->cfg), *url = NULL;
	int rc;

	if (!id || asprintf(&url, "%s?api-version=%s", id, ACA_API_JOBS) < 0) {
		rc = aca_err_set(err, SL_ENOMEM, "aca: out of memory");
		goto out;
	}
	rc = aca_arm(b->az, &cx, "GET", url, NULL, 0, &r, err);
	if (rc == SL_EUNAVAIL || rc == SL_ETIMEDOUT) {
		sl_host_log(b->host, SL_LOG_WARN, "aca: cannot reach Azure at start: %s", err->msg);
		rc = SL_OK;
		goto out;
	}
	if (rc)
		goto out;
	if (r.status == 404)
		rc = aca_err_set(err, SL_EINVAL,
			"aca: the Container Apps environment '%s' does not exist in resource "
			"group '%s' of subscription %s (SOCKERLESS_ACA_ENVIRONMENT, "
			"SOCKERLESS_ACA_RESOURCE_GROUP, SOCKERLESS_ACA_SUBSCRIPTION_ID)",
			b->cfg.environment, b->cfg.resource_group, b->cfg.subscription);
	else if (r.status != 200)
		rc = aca_err_from_resp(err, &r, "aca: read the Container Apps environment");
out:
	aca_resp_free(&r);
	free(url);
	free(id);
	return rc;
}

static int be_init(const struct sl_host_v1 *host, sl_call *call, void **state)
{
	struct aca_backend *b = calloc(1, sizeof(*b));
	struct aca_err err = {0};
	int rc;

	*state = NULL;
	if (!b)
		return host->set_error(call, SL_ENOMEM, "aca: out of memory");
	b->host = host;
	atomic_init(&b->stopping, 0);
	rc = aca_config_load(host, &b->cfg, &err);
	if (rc) {
		free(b);
		return aca_err_report(host, call, &err);
	}
	rc = aca_azure_new(&b->cfg, host, &b->az, &err);
	if (rc)
		goto fail;
	rc = check_environment(b, call, &err);
	if (rc)
		goto fail;
	rc = aca_logs_new(b, &b->logs);
	if (rc) {
		aca_err_set(&err, rc, "aca: cannot set up logs for environment %s",
			b->cfg.environment);
		goto fail;
	}
	rc = aca_poller_new(b, &b->poller);
	if (rc) {
		aca_err_set(&err, rc, "aca: cannot start the execution poller");
		goto fail;
	}
	info_fill(b);
	sl_host_log(host, SL_LOG_INFO,
		"aca: subscription %s, resource group %s, environment %s (%s), instance %s, credentials: %s",
		b->cfg.subscription, b->cfg.resource_group, b->cfg.environment, b->cfg.location,
		b->cfg.instance_id, aca_cred_source(aca_azure_cred(b->az)));
	*state = b;
	return SL_OK;
fail:
	be_fini(b);
	return aca_err_report(host, call, &err);
}

/* Fills what info() shows, once at init: the host reads the strings
 * after the hook returned, possibly while another request asks again. */
static void info_fill(struct aca_backend *b)
{
	const struct aca_config *cfg = &b->cfg;
	const char *family = b->family == ACA_LOGS_RESOURCE ? "ContainerAppConsoleLogs (azure-monitor)"
			     : b->family == ACA_LOGS_CL ? "ContainerAppConsoleLogs_CL (log-analytics)"
							: "none";
	int n = 0;

	snprintf(b->info_os, sizeof(b->info_os), "Azure Container Apps Jobs (environment %s, %s)",
		cfg->environment, cfg->location);
#define STATUS(...) snprintf(b->info_status[n], sizeof(b->info_status[n]), __VA_ARGS__), \
	b->info_status_v[n] = b->info_status[n], n++
	STATUS("Subscription=%s", cfg->subscription);
	STATUS("Resource Group=%s", cfg->resource_group);
	STATUS("Environment=%s", cfg->environment);
	STATUS("Location=%s", cfg->location);
	STATUS("Workload Profile=%s", cfg->workload_profile ? cfg->workload_profile : "Consumption");
	STATUS("Logs=%s", family);
	STATUS("Credentials=%s", aca_cred_source(aca_azure_cred(b->az)));
	STATUS("Instance=%s", cfg->instance_id);
#undef STATUS
	b->info_status_v[n] = NULL;
}

static int be_info(void *state, sl_call *call, struct sl_info_v1 *out)
{
	struct aca_backend *b = state;
	const struct aca_config *cfg = &b->cfg;

	(void)call;
	out->driver = "aca-jobs";
	out->operating_system = b->info_os;
	out->os_type = "linux";
	out->architecture = "x86_64";
	out->kernel_version = "";
	/* What one container may use: Consumption's largest pair, or the
	 * workload-profiles Consumption's. */
	out->ncpu = cfg->workload_profile ? 4 : 2;
	out->mem_total = (int64_t)(cfg->workload_profile ? 8 : 4) << 30;
	out->driver_status = b->info_status_v;
	return SL_OK;
}

static const struct sl_backend_v1 aca_backend = {
	SL_HEADER(struct sl_backend_v1),
	.name = "aca",
	.version = ACA_VERSION,
	.description = "Azure Container Apps Jobs: each container is a job, each start an execution",
	.init = be_init,
	.fini = be_fini,
	.info = be_info,
	.recover = aca_store_recover,
	.containers = &aca_container_ops,
	.streams = &aca_stream_ops,
	/* exec, cp and top need the agent: the core routes them through a
	 * live one; these say why when there is none. */
	.exec = &aca_exec_ops,
	.archive = &aca_archive_ops,
	.images = NULL,    /* the host's registry client reads image configs */
	.volumes = &aca_volume_ops,
	.monitor = &aca_monitor_ops,
};

SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out)
{
	if (!host || !out)
		return SL_EINVAL;
	if (host->abi_major != SL_ABI_MAJOR)
		return SL_EABI;
	/* The newest service it calls: the local log store and start progress. */
	if (!SL_HAS_FIELD(host, struct sl_host_v1, start_progress))
		return SL_EABI;
	*out = &aca_backend;
	return SL_OK;
}
