/* sim_main.c - sockerless-azure-sim: command line, start-up, the signal
 * loop with periodic housekeeping, and an orderly shutdown. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "auth_ctx.h"
#include "la_store.h"
#include "run_replica.h"
#include "sim_arm.h"
#include "sim_config.h"
#include "sim_ctx.h"
#include "sim_exec.h"
#include "sim_faults.h"
#include "sim_http.h"
#include "sim_logs.h"
#include "sim_region.h"
#include "sim_state.h"
#include "sim_stats.h"
#include "sim_util.h"

static struct sim_ctx *g_ctx;

struct sim_ctx *sim_ctx(void)
{
	return g_ctx;
}

void sim_ctx_set(struct sim_ctx *ctx)
{
	g_ctx = ctx;
}

static const char usage[] =
	"Usage: sockerless-azure-sim --listen HOST:PORT [--config FILE] [options]\n"
	"\n"
	"A local stand-in for Azure: ARM Microsoft.App jobs (api-version 2025-07-01 and\n"
	"previews), Entra ID / managed-identity tokens, Log Analytics queries and the\n"
	"Container Apps log stream, all on one HTTP listener. Executions really run\n"
	"(images pulled from an OCI registry, started in namespaces); that needs root.\n"
	"\n"
	"Isolation of a replica, as Docker's defaults: mount, PID, UTS, IPC and network\n"
	"namespaces; root entered with pivot_root (old root detached); Docker's default\n"
	"capabilities less CAP_MKNOD; no_new_privs; runc's masked and read-only /proc\n"
	"and /sys paths, /sys read-only; a private /dev (block and character device\n"
	"nodes in image layers are not created); its own address on bridge slsimN\n"
	"(reachable from the host; replicas reach the host at the bridge address,\n"
	"no egress; --host-network turns this off).\n"
	"NOT isolated: no user namespace (root inside is root outside, less the dropped\n"
	"capabilities), no seccomp filter, no cgroup limits (cpu/memory ignored), no\n"
	"AppArmor/SELinux profile. Run only images you would run with docker as root.\n"
	"\n"
	"Options (flags override the config file):\n"
	"  --listen HOST:PORT        address to listen on (default 127.0.0.1:0 = any port)\n"
	"  --port-file FILE          write the bound port to FILE once listening\n"
	"  --config FILE             JSON config file (see tests/azure-sim/README.md)\n"
	"  --base-url URL            public URL of this listener used in Location,\n"
	"                            Azure-AsyncOperation, nextLink and log stream URLs\n"
	"                            (default http://HOST:PORT)\n"
	"  --tenant GUID             tenant id (default 00000000-0000-0000-0000-0000000000aa)\n"
	"  --subscription GUID       add a subscription (besides those seeded/configured)\n"
	"  --resource-group SUB/NAME add a resource group (location eastus)\n"
	"  --workspace GUID          add a Log Analytics workspace customer id\n"
	"  --storage-account SUB/RG/NAME  add a storage account (Azure Files shares;\n"
	"                            default seed: sockerlessstore in sockerless-rg)\n"
	"  --client ID[:SECRET]      register a client; once any is registered, only\n"
	"                            registered clients get tokens (default: any)\n"
	"  --registry-map FROM=TO    pull images of registry FROM from TO, e.g.\n"
	"                            docker.io=127.0.0.1:5000 (repeatable)\n"
	"  --insecure-registry HOST  use plain HTTP for HOST (loopback always is)\n"
	"  --ingestion-delay-ms N    Log Analytics rows become visible a median of\n"
	"                            N ms after they are written (default 30000;\n"
	"                            0 = at once, no jitter)\n"
	"  --ingestion-jitter-ms N   each row's delay varies uniformly by up to\n"
	"                            +/- N ms around the median (default 10000)\n"
	"  --token-lifetime S        lifetime of issued tokens in seconds (default 3599)\n"
	"  --lro-delay-ms N          provisioning/LRO duration (default 1000)\n"
	"  --log-retention S         keep a finished replica's output for the log\n"
	"                            stream S seconds (default 150)\n"
	"  --replica-cleanup S       list finished replicas for S seconds (default 150)\n"
	"  --stop-grace S            SIGTERM -> SIGKILL grace on stop and replicaTimeout\n"
	"                            (default 30, Kubernetes' terminationGracePeriodSeconds)\n"
	"  --schedule-delay-ms N     a replica waits N ms (+-25%) to be placed on a node\n"
	"                            before its images are pulled; the execution is\n"
	"                            Processing until a main container starts (default 4000)\n"
	"  --image-pull-fail-fast    a failed image pull fails the replica at once; by\n"
	"                            default it is retried with kubelet's back-off (10 s\n"
	"                            doubling to 5 min) until replicaTimeout ends it\n"
	"  --page-size N             items per list page before nextLink (default 100)\n"
	"  --state-dir DIR           image cache and replica root filesystems\n"
	"                            (default /var/tmp/sockerless-azure-sim)\n"
	"  --fault JSON              add a fault rule (see README; repeatable)\n"
	"  --arm-throttle            enforce ARM's token buckets: 429 + Retry-After\n"
	"                            when empty (default: on)\n"
	"  --no-arm-throttle         never answer 429 for ARM's buckets (the\n"
	"                            x-ms-ratelimit-remaining-* headers stay)\n"
	"  --no-workloads            do not run executions (they fail at once); no\n"
	"                            root or namespaces needed\n"
	"  --replica-subnet CIDR     IPv4 pool for replica addresses; the simulator\n"
	"                            takes a free /24 of it (default 10.213.0.0/16)\n"
	"  --host-network            no network namespace: replicas share the host's\n"
	"                            network (no bridge; less isolation)\n"
	"  -v, --verbose             log every request to stderr\n"
	"  -h, --help                this text\n"
	"  --version                 print the version\n"
	"\n"
	"Paths (point each Azure base URL at http://HOST:PORT):\n"
	"  ARM                /subscriptions/...                 (management.azure.com):\n"
	"                     Microsoft.App jobs, managedEnvironments(/storages),\n"
	"                     Microsoft.Storage listKeys and fileServices/default/shares\n"
	"  Entra ID           /{tenant}/oauth2/v2.0/token        (login.microsoftonline.com)\n"
	"  IMDS               /metadata/identity/oauth2/token    (169.254.169.254)\n"
	"  IDENTITY_ENDPOINT  /msi/token\n"
	"  Log Analytics      /v1/workspaces/{id}/query          (api.loganalytics.io)\n"
	"  Log stream         /subscriptions/{s}/resourceGroups/{rg}/jobs/{j}/executions/\n"
	"                     {e}/replicas/{r}/containers/{c}/logstream\n"
	"  Admin              /_sim/health, /_sim/stats, /_sim/faults, /_sim/settings,\n"
	"                     /_sim/replicas (live replicas' addresses)\n";

enum {
	O_LISTEN = 1000, O_PORT_FILE, O_CONFIG, O_BASE_URL, O_TENANT, O_SUB, O_RG, O_WS, O_CLIENT,
	O_REGMAP, O_INSECURE, O_INGEST, O_TOKEN, O_LRO, O_RETENTION, O_CLEANUP, O_GRACE, O_PAGE,
	O_STATE, O_FAULT, O_THROTTLE, O_NO_WORK, O_VERSION,
	O_NO_THROTTLE,
	O_JITTER,
	O_SCHED, O_PULL_FAST, O_SUBNET, O_HOSTNET, O_STACCT,
};

static const struct option opts[] = {
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "port-file", required_argument, NULL, O_PORT_FILE },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "base-url", required_argument, NULL, O_BASE_URL },
	{ "tenant", required_argument, NULL, O_TENANT },
	{ "subscription", required_argument, NULL, O_SUB },
	{ "resource-group", required_argument, NULL, O_RG },
	{ "workspace", required_argument, NULL, O_WS },
	{ "client", required_argument, NULL, O_CLIENT },
	{ "registry-map", required_argument, NULL, O_REGMAP },
	{ "storage-account", required_argument, NULL, O_STACCT },
	{ "insecure-registry", required_argument, NULL, O_INSECURE },
	{ "ingestion-delay-ms", required_argument, NULL, O_INGEST },
	{ "ingestion-jitter-ms", required_argument, NULL, O_JITTER },
	{ "token-lifetime", required_argument, NULL, O_TOKEN },
	{ "lro-delay-ms", required_argument, NULL, O_LRO },
	{ "log-retention", required_argument, NULL, O_RETENTION },
	{ "replica-cleanup", required_argument, NULL, O_CLEANUP },
	{ "stop-grace", required_argument, NULL, O_GRACE },
	{ "schedule-delay-ms", required_argument, NULL, O_SCHED },
	{ "image-pull-fail-fast", no_argument, NULL, O_PULL_FAST },
	{ "page-size", required_argument, NULL, O_PAGE },
	{ "state-dir", required_argument, NULL, O_STATE },
	{ "fault", required_argument, NULL, O_FAULT },
	{ "arm-throttle", no_argument, NULL, O_THROTTLE },
	{ "no-arm-throttle", no_argument, NULL, O_NO_THROTTLE },
	{ "no-workloads", no_argument, NULL, O_NO_WORK },
	{ "replica-subnet", required_argument, NULL, O_SUBNET },
	{ "host-network", no_argument, NULL, O_HOSTNET },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || !*s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int push_str(char ***arr, size_t *n, const char *s)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	*arr = a;
	if (!(a[*n] = strdup(s)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

struct cli_extra {
	char **faults;
	size_t nfaults;
};

/* Apply one command line option; returns 0, 1 to exit 0, or -1 on error. */
static int apply_opt(struct sim_config *cfg, struct cli_extra *ex, int c, const char *arg)
{
	long v;

	switch (c) {
	case O_LISTEN:
		if (sim_config_set_listen(cfg, arg)) {
			fprintf(stderr, "sockerless-azure-sim: --listen wants HOST:PORT, got '%s'\n", arg);
			return -1;
		}
		return 0;
	case O_PORT_FILE:
		free(cfg->port_file);
		cfg->port_file = strdup(arg);
		return 0;
	case O_BASE_URL:
		free(cfg->base_url);
		cfg->base_url = strdup(arg);
		return 0;
	case O_TENANT:
		free(cfg->tenant);
		cfg->tenant = strdup(arg);
		return 0;
	case O_SUB:
		return push_str(&cfg->subscriptions, &cfg->nsubscriptions, arg) ? -1 : 0;
	case O_RG: {
		const char *slash = strchr(arg, '/');
		struct sim_cfg_rg *r;
		if (!slash || slash == arg || !slash[1]) {
			fprintf(stderr, "sockerless-azure-sim: --resource-group wants SUB/NAME\n");
			return -1;
		}
		r = realloc(cfg->rgs, (cfg->nrgs + 1) * sizeof(*r));
		if (!r)
			return -1;
		cfg->rgs = r;
		r += cfg->nrgs++;
		r->subscription = strndup(arg, (size_t)(slash - arg));
		r->name = strdup(slash + 1);
		r->location = strdup(SIM_DEFAULT_LOCATION);
		return 0;
	}
	case O_WS:
		return push_str(&cfg->workspaces, &cfg->nworkspaces, arg) ? -1 : 0;
	case O_CLIENT: {
		const char *colon = strchr(arg, ':');
		struct sim_cfg_client *cl = realloc(cfg->clients, (cfg->nclients + 1) * sizeof(*cl));
		if (!cl)
			return -1;
		cfg->clients = cl;
		cl += cfg->nclients++;
		cl->id = colon ? strndup(arg, (size_t)(colon - arg)) : strdup(arg);
		cl->secret = colon ? strdup(colon + 1) : NULL;
		return 0;
	}
	case O_REGMAP:
		if (sim_config_add_regmap(cfg, arg)) {
			fprintf(stderr, "sockerless-azure-sim: --registry-map wants FROM=TO\n");
			return -1;
		}
		return 0;
	case O_STACCT:
		if (sim_config_add_account(cfg, arg)) {
			fprintf(stderr, "sockerless-azure-sim: --storage-account wants SUB/RG/NAME "
				"(NAME: 3-24 lowercase letters and digits)\n");
			return -1;
		}
		return 0;
	case O_INSECURE:
		return push_str(&cfg->insecure_registries, &cfg->ninsecure, arg) ? -1 : 0;
	case O_INGEST:
	case O_JITTER:
	case O_TOKEN:
	case O_LRO:
	case O_RETENTION:
	case O_CLEANUP:
	case O_GRACE:
	case O_PAGE:
		if (parse_long(arg, c == O_PAGE ? 1 : 0, c == O_PAGE ? 1000 : 100000000, &v)) {
			fprintf(stderr, "sockerless-azure-sim: bad number '%s'\n", arg);
			return -1;
		}
		if (c == O_INGEST)
			cfg->ingestion_delay_ms = v;
		else if (c == O_JITTER)
			cfg->ingestion_jitter_ms = v;
		else if (c == O_TOKEN)
			cfg->token_lifetime_s = v;
		else if (c == O_LRO)
			cfg->lro_delay_ms = v;
		else if (c == O_RETENTION)
			cfg->logstream_retention_s = v;
		else if (c == O_CLEANUP)
			cfg->replica_cleanup_s = v;
		else if (c == O_GRACE)
			cfg->stop_grace_s = v;
		else
			cfg->page_size = (int)v;
		return 0;
	case O_SCHED:
		if (parse_long(arg, 0, 600000, &v)) {
			fprintf(stderr, "sockerless-azure-sim: --schedule-delay-ms wants 0..600000, got '%s'\n",
				arg);
			return -1;
		}
		cfg->schedule_delay_ms = v;
		return 0;
	case O_PULL_FAST:
		cfg->image_pull_fail_fast = 1;
		return 0;
	case O_STATE:
		free(cfg->state_dir);
		cfg->state_dir = strdup(arg);
		return 0;
	case O_FAULT:
		return push_str(&ex->faults, &ex->nfaults, arg) ? -1 : 0;
	case O_THROTTLE:
	case O_NO_THROTTLE:
		cfg->arm_throttle = c == O_THROTTLE;
		return 0;
	case O_NO_WORK:
		cfg->workloads = 0;
		return 0;
	case O_SUBNET:
		free(cfg->replica_subnet);
		cfg->replica_subnet = strdup(arg);
		return 0;
	case O_HOSTNET:
		cfg->host_network = 1;
		return 0;
	case 'v':
		cfg->verbose = 1;
		return 0;
	case 'h':
		fputs(usage, stdout);
		return 1;
	case O_VERSION:
		printf("sockerless-azure-sim %s\n", PACKAGE_VERSION);
		return 1;
	default:
		fputs(usage, stderr);
		return -1;
	}
}

/* Seeded resource groups and environments must be in a region ARM knows
 * (either form, "eastus" or "East US"). 0, or -1 with a message. */
static int check_locations(const struct sim_config *cfg)
{
	for (size_t i = 0; i < cfg->nrgs; i++)
		if (!sim_region_name(cfg->rgs[i].location)) {
			fprintf(stderr, "sockerless-azure-sim: resource group '%s': '%s' is not an "
				"Azure region\n", cfg->rgs[i].name, cfg->rgs[i].location);
			return -1;
		}
	for (size_t i = 0; i < cfg->nenvs; i++)
		if (!sim_region_name(cfg->envs[i].location)) {
			fprintf(stderr, "sockerless-azure-sim: managed environment '%s': '%s' is not "
				"an Azure region\n", cfg->envs[i].name, cfg->envs[i].location);
			return -1;
		}
	return 0;
}

static int add_faults(struct sim_faults *f, const char *json, const char *where)
{
	struct json_object *o = json_tokener_parse(json);
	char *err = NULL;
	int rc;

	if (!o) {
		fprintf(stderr, "sockerless-azure-sim: %s: fault rules are not valid JSON\n", where);
		return -1;
	}
	rc = sim_faults_add(f, o, NULL, &err);
	if (rc)
		fprintf(stderr, "sockerless-azure-sim: %s: %s\n", where, err ? err : "bad fault rule");
	free(err);
	json_object_put(o);
	return rc ? -1 : 0;
}

static int write_port_file(const char *path, unsigned int port)
{
	char *tmp = sim_strdupf("%s.tmp.%d", path, (int)getpid());
	FILE *f;
	int rc = -1;

	if (!tmp)
		return -1;
	f = fopen(tmp, "w");
	if (f) {
		fprintf(f, "%u\n", port);
		if (fclose(f) == 0 && rename(tmp, path) == 0)
			rc = 0;
	}
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

static struct run_engine *start_engine(const struct sim_config *cfg)
{
	struct run_engine_config ec;
	struct oci_registry_map *maps = NULL;
	struct run_err err;
	struct run_engine *e;

	memset(&err, 0, sizeof(err));
	if (run_probe(&err) != 0) {
		fprintf(stderr,
			"sockerless-azure-sim: cannot run workloads here: %s\n"
			"  (executions need root with mount/PID/UTS/IPC/network namespaces and "
			"pivot_root; use --no-workloads to serve the APIs only)\n",
			err.msg);
		return NULL;
	}
	if (cfg->nregmap) {
		maps = calloc(cfg->nregmap, sizeof(*maps));
		if (!maps)
			return NULL;
		for (size_t i = 0; i < cfg->nregmap; i++) {
			maps[i].from = cfg->regmap[i].from;
			maps[i].to = cfg->regmap[i].to;
		}
	}
	memset(&ec, 0, sizeof(ec));
	ec.state_dir = cfg->state_dir ? cfg->state_dir : SIM_DEFAULT_STATE_DIR;
	ec.maps = maps;
	ec.n_maps = cfg->nregmap;
	ec.plain_http = (const char *const *)cfg->insecure_registries;
	ec.n_plain_http = cfg->ninsecure;
	ec.default_grace_s = (int)cfg->stop_grace_s;
	ec.rootfs_mode = RUN_ROOTFS_AUTO;
	ec.net_pool = cfg->replica_subnet;
	ec.host_network = cfg->host_network;
	e = run_engine_new(&ec, &err);
	free(maps);
	if (!e)
		fprintf(stderr, "sockerless-azure-sim: cannot start the workload engine: %s\n", err.msg);
	return e;
}

static int init_auth(struct sim_ctx *ctx)
{
	struct auth_settings as;

	memset(&as, 0, sizeof(as));
	as.tenant = ctx->cfg->tenant;
	as.token_lifetime = ctx->cfg->token_lifetime_s;
	as.clock_skew = 0;
	if (auth_new(&as, &ctx->auth) != 0) {
		fprintf(stderr, "sockerless-azure-sim: cannot set up the token issuer (tenant '%s')\n",
			ctx->cfg->tenant);
		return -1;
	}
	for (size_t i = 0; i < ctx->cfg->nclients; i++)
		if (auth_add_client(ctx->auth, ctx->cfg->clients[i].id, ctx->cfg->clients[i].secret)) {
			fprintf(stderr, "sockerless-azure-sim: bad client '%s'\n", ctx->cfg->clients[i].id);
			return -1;
		}
	return 0;
}

static int init_la(struct sim_ctx *ctx)
{
	struct la_store_config lc;

	memset(&lc, 0, sizeof(lc));
	lc.ingestion_delay_ms = ctx->cfg->ingestion_delay_ms;
	lc.ingestion_jitter_ms = ctx->cfg->ingestion_jitter_ms;
	if (la_store_new(&lc, &ctx->la) != 0)
		return -1;
	for (size_t i = 0; i < ctx->cfg->nworkspaces; i++)
		if (la_store_add_workspace(ctx->la, ctx->cfg->workspaces[i])) {
			fprintf(stderr, "sockerless-azure-sim: workspace customer id '%s' is not a GUID\n",
				ctx->cfg->workspaces[i]);
			return -1;
		}
	for (size_t i = 0; i < ctx->cfg->nenvs; i++)
		if (ctx->cfg->envs[i].workspace &&
		    la_store_add_workspace(ctx->la, ctx->cfg->envs[i].workspace)) {
			fprintf(stderr, "sockerless-azure-sim: workspace customer id '%s' is not a GUID\n",
				ctx->cfg->envs[i].workspace);
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	struct sim_config cfg;
	struct sim_ctx ctx;
	struct cli_extra ex = { NULL, 0 };
	struct sim_server *srv = NULL;
	const char *config_path = NULL;
	sigset_t sigs;
	int c, rc = 1;

	memset(&ctx, 0, sizeof(ctx));
	if (sim_config_defaults(&cfg)) {
		fprintf(stderr, "sockerless-azure-sim: out of memory\n");
		return 1;
	}
	/* First pass: the config file, so flags override it. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1)
		if (c == O_CONFIG)
			config_path = optarg;
	if (config_path) {
		char *err = NULL;
		if (sim_config_load(&cfg, config_path, &err)) {
			fprintf(stderr, "sockerless-azure-sim: %s\n", err ? err : "bad config");
			free(err);
			goto out;
		}
	}
	opterr = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		int r;
		if (c == O_CONFIG)
			continue;
		r = apply_opt(&cfg, &ex, c, optarg);
		if (r) {
			rc = r > 0 ? 0 : 2;
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sockerless-azure-sim: unexpected argument '%s'\n", argv[optind]);
		rc = 2;
		goto out;
	}

	if (check_locations(&cfg)) {
		rc = 2;
		goto out;
	}
	ctx.cfg = &cfg;
	sim_ctx_set(&ctx);
	ctx.stats = sim_stats_new();
	ctx.faults = sim_faults_new();
	ctx.state = sim_state_new(&cfg);
	ctx.logs = sim_logs_new();
	if (!ctx.stats || !ctx.faults || !ctx.state || !ctx.logs) {
		fprintf(stderr, "sockerless-azure-sim: out of memory\n");
		goto out;
	}
	if (cfg.faults_json && add_faults(ctx.faults, cfg.faults_json, "config"))
		goto out;
	for (size_t i = 0; i < ex.nfaults; i++)
		if (add_faults(ctx.faults, ex.faults[i], "--fault"))
			goto out;
	if (init_auth(&ctx) || init_la(&ctx))
		goto out;
	if (cfg.workloads && !(ctx.engine = start_engine(&cfg)))
		goto out;

	/* Signals are taken synchronously by the main thread only. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	srv = sim_server_start(cfg.listen_host, cfg.listen_port);
	if (!srv)
		goto out;
	ctx.base_url = cfg.base_url ? strdup(cfg.base_url)
				    : sim_strdupf("http://%s:%u", cfg.listen_host, sim_server_port(srv));
	if (!ctx.base_url)
		goto out;
	{
		size_t n = strlen(ctx.base_url);
		while (n && ctx.base_url[n - 1] == '/')
			ctx.base_url[--n] = '\0';
	}
	if (cfg.port_file && write_port_file(cfg.port_file, sim_server_port(srv))) {
		fprintf(stderr, "sockerless-azure-sim: cannot write %s\n", cfg.port_file);
		goto out;
	}
	fprintf(stderr, "sockerless-azure-sim: listening on %s (workloads %s)\n", ctx.base_url,
		ctx.engine ? "on" : "off");

	for (;;) {
		struct timespec t = { 1, 0 };
		int s = sigtimedwait(&sigs, NULL, &t);
		if (s == SIGTERM || s == SIGINT || s == SIGHUP)
			break;
		sim_exec_janitor();
	}
	fprintf(stderr, "sockerless-azure-sim: shutting down\n");
	rc = 0;
out:
	ctx.stopping = 1;
	if (ctx.logs)
		sim_logs_shutdown(ctx.logs);
	/* Listener first (joins connection threads), then the replicas (their
	 * callbacks still update state, Log Analytics and the buffers). */
	sim_server_stop(srv);
	run_engine_free(ctx.engine);
	ctx.engine = NULL;
	sim_exec_shutdown();
	la_store_free(ctx.la);
	sim_logs_free(ctx.logs);
	sim_state_free(ctx.state);
	sim_faults_free(ctx.faults);
	sim_stats_free(ctx.stats);
	auth_free(ctx.auth);
	sim_arm_buckets_free();
	free(ctx.base_url);
	for (size_t i = 0; i < ex.nfaults; i++)
		free(ex.faults[i]);
	free(ex.faults);
	sim_config_free(&cfg);
	sim_ctx_set(NULL);
	return rc;
}
