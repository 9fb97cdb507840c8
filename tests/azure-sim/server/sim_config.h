/* sim_config.h - the simulator's settings: defaults (the seeds the issue
 * documents), the JSON config file and the command line. */
#ifndef SIM_CONFIG_H
#define SIM_CONFIG_H

#include <stddef.h>

#define SIM_DEFAULT_SUBSCRIPTION "00000000-0000-0000-0000-000000000001"
#define SIM_DEFAULT_TENANT "00000000-0000-0000-0000-0000000000aa"
#define SIM_DEFAULT_RG "sockerless-rg"
#define SIM_DEFAULT_ENV "sockerless"
#define SIM_DEFAULT_LOCATION "eastus"
#define SIM_DEFAULT_WORKSPACE "00000000-0000-0000-0000-0000000000ee"
/* A second seeded environment with workload profiles (Consumption and a
 * Dedicated D4) for the allocations a Consumption-only one refuses. */
#define SIM_DEFAULT_WP_ENV "sockerless-wp"
#define SIM_DEFAULT_WP_PROFILES                                                    \
	"[{\"name\":\"Consumption\",\"workloadProfileType\":\"Consumption\"},"        \
	"{\"name\":\"d4\",\"workloadProfileType\":\"D4\",\"minimumCount\":1,"         \
	"\"maximumCount\":3}]"
/* The second seeded environment: azure-monitor destination. */
#define SIM_DEFAULT_ENV_AM "sockerless-am"
/* Kubernetes' terminationGracePeriodSeconds default, which Container Apps
 * documents for its template (ContainerAppTemplate.TerminationGracePeriodSeconds). */
#define SIM_DEFAULT_STOP_GRACE_S 30
/* Time from start to the replica being placed on a node (choice; see
 * README "Known choices"). */
#define SIM_DEFAULT_SCHEDULE_DELAY_MS 4000

struct sim_cfg_rg {
	char *subscription;
	char *name;
	char *location;
};

struct sim_cfg_env {
	char *subscription;
	char *rg;
	char *name;
	char *location;
	char *workspace;        /* Log Analytics customer id its logs go to */
	char *workload_profiles; /* JSON array text; NULL = Consumption-only */
	char *log_destination;  /* appLogsConfiguration.destination:
	                         * "log-analytics" (also NULL) |
	                         * "azure-monitor" (its diagnostic setting
	                         * targets workspace) | "none" */
};

/* A seeded Microsoft.Storage account (Azure Files shares for volumes). */
#define SIM_DEFAULT_STORAGE_ACCOUNT "sockerlessstore"
/* Image cache, replica roots and file shares (--state-dir). */
#define SIM_DEFAULT_STATE_DIR "/var/tmp/sockerless-azure-sim"

struct sim_cfg_account {
	char *subscription;
	char *rg;
	char *name;
	char *location;
};

struct sim_cfg_client {
	char *id;
	char *secret;           /* may be NULL */
};

struct sim_cfg_regmap {
	char *from;             /* e.g. "docker.io" */
	char *to;               /* e.g. "127.0.0.1:5000" */
};

struct sim_config {
	char *listen_host;          /* "127.0.0.1" */
	unsigned int listen_port;   /* 0 = any */
	char *port_file;            /* write the bound port here */
	char *base_url;             /* public URL of this listener; NULL = derived */
	char *tenant;
	char **subscriptions;
	size_t nsubscriptions;
	struct sim_cfg_rg *rgs;
	size_t nrgs;
	struct sim_cfg_env *envs;
	size_t nenvs;
	struct sim_cfg_account *accounts;
	size_t naccounts;
	char **workspaces;          /* customer ids */
	size_t nworkspaces;
	struct sim_cfg_client *clients; /* empty = any client id/secret */
	size_t nclients;
	struct sim_cfg_regmap *regmap;
	size_t nregmap;
	char **insecure_registries; /* plain-HTTP registries besides loopback */
	size_t ninsecure;
	long ingestion_delay_ms;    /* median */
	long ingestion_jitter_ms;   /* +/- around the median */
	long token_lifetime_s;      /* 0 = the auth module default */
	long lro_delay_ms;          /* InProgress -> Succeeded */
	long logstream_retention_s; /* replica output kept after it ends */
	long replica_cleanup_s;     /* replicas listed after the run */
	long stop_grace_s;          /* SIGTERM -> SIGKILL */
	long schedule_delay_ms;     /* replica waits for a node (+-25% jitter) */
	int image_pull_fail_fast;   /* 1 = a failed pull fails the replica at
				     * once instead of backing off */
	int page_size;              /* list pages (nextLink) */
	char *state_dir;            /* runner's image cache / rootfs area */
	char *replica_subnet;       /* replica address pool; NULL = runner default */
	int host_network;           /* 1 = replicas share the host's network */
	char *faults_json;          /* initial fault rules (JSON array text) */
	int workloads;              /* 1 = run executions (needs namespaces) */
	int arm_throttle;           /* 1 = enforce ARM token buckets (429) */
	int verbose;
};

/* Fill cfg with the documented defaults (all seeds). Returns 0/-ENOMEM. */
int sim_config_defaults(struct sim_config *cfg);

/* Merge a JSON config file into cfg (see README.md for the format). Lists in
 * the file replace the seeded lists. On error returns a negative code and
 * writes a message (heap, caller frees) to *err. */
int sim_config_load(struct sim_config *cfg, const char *path, char **err);

/* Parse "HOST:PORT" into cfg. Returns 0 or -EINVAL. */
int sim_config_set_listen(struct sim_config *cfg, const char *hostport);

/* Add a registry mapping "from=to". Returns 0 or -EINVAL/-ENOMEM. */
int sim_config_add_regmap(struct sim_config *cfg, const char *spec);

/* Add a storage account seed "SUB/RG/NAME". Returns 0 or -EINVAL/-ENOMEM. */
int sim_config_add_account(struct sim_config *cfg, const char *spec);

/* Free everything cfg holds (not cfg itself). */
void sim_config_free(struct sim_config *cfg);

#endif
