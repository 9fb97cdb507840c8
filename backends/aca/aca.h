/*
 * aca.h - the ACA backend's internal interfaces.  Nothing here crosses
 * the plugin ABI: the daemon sees only sockerless_backend_entry_v1() in
 * aca.c.  Each module below lives in the file named beside it and owns
 * what it allocates unless a comment hands ownership over.
 *
 * Conventions: functions return SL_OK or a negative enum sl_status and
 * fill a struct aca_err with the message the Docker client will see.
 * Messages never hold a secret (token, client secret, password).
 */
#ifndef ACA_H
#define ACA_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <sockerless/plugin.h>

/* Pinned api-versions.  Jobs and executions on the stable version; the
 * preview one only where it gives what users need (detailedStatus with
 * per-container exit codes; the replicas list). */
#define ACA_API_JOBS "2025-07-01"
#define ACA_API_PREVIEW "2025-10-02-preview"
#define ACA_API_REPLICAS "2023-11-02-preview"
#define ACA_API_LA "v1"

/* Scopes; ARM and Log Analytics tokens are kept apart. */
#define ACA_SCOPE_ARM "https://management.azure.com/.default"
#define ACA_SCOPE_LA "https://api.loganalytics.io/.default"

/* ------------------------------------------------------------------ */
/* errors.c: messages and ARM error mapping                             */
/* ------------------------------------------------------------------ */

struct aca_err {
	int status;          /* enum sl_status, SL_OK when unset */
	char msg[1024];
};

struct aca_resp;

/* Sets e and returns status (so `return aca_err_set(e, SL_EINVAL, ...)`). */
int aca_err_set(struct aca_err *e, int status, const char *fmt, ...)
	SL_PRINTF(3, 4);

/*
 * Maps a failed ARM or Log Analytics answer onto a Docker error, by HTTP
 * status and error.code: 404 -> SL_ENOTFOUND, 409 -> SL_ECONFLICT,
 * 400 -> SL_EINVAL with Azure's message, 401/403 -> SL_EPERM naming the
 * scope, 429 and 5xx -> SL_EUNAVAIL, quota codes -> SL_EINTERNAL.  `what`
 * says what was being done ("create job sl-web-1a2b3c").  The message
 * ends with Azure's request id when the answer carried one.  Returns the
 * status it set.
 */
int aca_err_from_resp(struct aca_err *e, const struct aca_resp *r,
	const char *what);

/* The ARM error.code of an answer's body into buf ("" when none). */
void aca_err_code(const struct aca_resp *r, char *buf, size_t len);
/* Azure's error message of an answer's body into buf ("" when none):
 * error.message (with Log Analytics' innermost innererror message),
 * Entra's error_description or a token service's message; one line. */
void aca_err_message(const struct aca_resp *r, char *buf, size_t len);

/* Hands e to the daemon for this call; returns e->status. */
int aca_err_report(const struct sl_host_v1 *host, sl_call *call,
	const struct aca_err *e);

/* ------------------------------------------------------------------ */
/* config.c: configuration                                              */
/* ------------------------------------------------------------------ */

enum aca_log_family {
	ACA_LOGS_AUTO = 0,        /* from the environment's destination */
	ACA_LOGS_CL = 1,          /* log-analytics: ContainerAppConsoleLogs_CL */
	ACA_LOGS_RESOURCE = 2     /* azure-monitor: ContainerAppConsoleLogs */
};

/* How the container's agent reaches the daemon (agent). */
enum aca_agent_mode {
	ACA_AGENT_AUTO = 0,       /* reverse when the daemon has a callback
	                             listener, else forward */
	ACA_AGENT_FORWARD = 1,    /* the daemon dials the agent */
	ACA_AGENT_REVERSE = 2,    /* the agent dials the daemon */
	ACA_AGENT_OFF = 3         /* no agent: the image's command as is */
};

enum aca_orphans {
	ACA_ORPHANS_REPORT = 0,   /* log tagged jobs the store does not know */
	ACA_ORPHANS_DELETE = 1    /* delete them */
};

/*
 * Everything the backend reads at init.  Keys come from host->config_get
 * (`--backend-opt key=value` or SOCKERLESS_ACA_<KEY>); the Azure
 * credential variables (AZURE_*, IDENTITY_*) and SOCKERLESS_CALLBACK_URL /
 * SOCKERLESS_ENDPOINT_URL from the environment.  Every string is owned by
 * the struct (aca_config_free).  Secrets (client_secret) are never logged.
 */
struct aca_config {
	char *subscription;       /* subscription_id, required */
	char *resource_group;     /* resource_group, required */
	char *environment;        /* environment, default "sockerless" */
	char *location;           /* location, default "eastus" */
	char *workspace;          /* log_analytics_workspace (customer id);
	                             NULL = read from the environment */
	char *storage_account;    /* storage_account (named volumes) */
	char *agent_image;        /* agent_image, default sockerless/agent:latest */
	char *agent_token;        /* agent_token (secret) */
	char *callback_url;       /* SOCKERLESS_CALLBACK_URL */
	char *callback_ca;        /* callback-ca: the PEM text of the file,
	                             the CA https reverse agents trust */
	char *workload_profile;   /* workload_profile; NULL = Consumption */
	char *secret_env;         /* secret_env: comma-separated fnmatch
	                             patterns of env names sent as secrets */
	enum aca_log_family log_family;  /* log_family auto|log-analytics|azure-monitor */
	enum aca_orphans orphans; /* orphans report|delete */
	enum aca_agent_mode agent_mode; /* agent auto|forward|reverse|off */
	int agent_port;           /* agent-port, default 7777: forward listen */

	/* Endpoints, without a trailing slash.  SOCKERLESS_ENDPOINT_URL sets
	 * all three (the simulator); otherwise Azure's public cloud, and
	 * AZURE_AUTHORITY_HOST for Entra. */
	char *arm_url;            /* https://management.azure.com */
	char *la_url;             /* https://api.loganalytics.io */
	char *authority_url;      /* https://login.microsoftonline.com */

	/* Credentials (DefaultAzureCredential's variables). */
	char *tenant_id;          /* AZURE_TENANT_ID */
	char *client_id;          /* AZURE_CLIENT_ID */
	char *client_secret;      /* AZURE_CLIENT_SECRET (secret) */
	char *client_cert_path;   /* AZURE_CLIENT_CERTIFICATE_PATH (PEM key+cert) */
	char *federated_token_file; /* AZURE_FEDERATED_TOKEN_FILE */
	char *identity_endpoint;  /* IDENTITY_ENDPOINT */
	char *identity_header;    /* IDENTITY_HEADER (secret) */
	char *imds_url;           /* imds_url, default http://169.254.169.254;
	                             SOCKERLESS_ENDPOINT_URL sets it too */
	int use_cli;              /* use_azure_cli (default 1): `az` last */

	int poll_ms;              /* poll_interval_ms, default 1000: first
	                             execution poll interval */
	int poll_max_ms;          /* poll_max_ms, default 10000: the cap */
	int job_timeout_s;        /* job_timeout, default 86400: replicaTimeout */
	int http_timeout_s;       /* http_timeout, default 60: one HTTP call */

	char *instance_id;        /* this daemon's id: 32 hex, created once
	                             and kept in the state dir (instance-id) */
};

/*
 * Fills cfg from the host's configuration.  A required value that is
 * missing or a malformed one is SL_EINVAL with a message naming the
 * variable (SOCKERLESS_ACA_SUBSCRIPTION_ID ...).  On failure cfg holds
 * nothing to free.
 */
int aca_config_load(const struct sl_host_v1 *host, struct aca_config *cfg,
	struct aca_err *err);
void aca_config_free(struct aca_config *cfg);
/* Overwrites a NUL-terminated secret in place (NULL is fine), in a way
 * the compiler cannot drop, before it is freed. */
void aca_config_wipe(char *s);

/* The ARM id of the environment / resource group, allocated (caller frees). */
char *aca_config_env_id(const struct aca_config *cfg);
/* "/subscriptions/S/resourceGroups/RG/providers/Microsoft.App/jobs/NAME"
 * into buf; SL_EINVAL when it does not fit. */
int aca_config_job_path(const struct aca_config *cfg, const char *job,
	char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* cancellation (azure.c)                                               */
/* ------------------------------------------------------------------ */

/*
 * What may end a wait early: the Docker call (client gone, daemon
 * stopping) and/or the backend's own stop flag (its threads).  Either may
 * be NULL.
 */
struct aca_cancel {
	const struct sl_host_v1 *host;
	sl_call *call;
	const atomic_int *stop;
};

int aca_cancelled(const struct aca_cancel *cx);
/* Sleeps up to ms, returning early (non-zero) when cancelled. */
int aca_sleep_ms(const struct aca_cancel *cx, long ms);

/* ------------------------------------------------------------------ */
/* credentials.c: tokens like DefaultAzureCredential                    */
/* ------------------------------------------------------------------ */

struct aca_cred;

/*
 * Chooses the first source the configuration allows, in
 * DefaultAzureCredential's order: client secret, client certificate,
 * workload identity, managed identity (IDENTITY_ENDPOINT, then IMDS),
 * `az account get-access-token`.  Does not fetch a token yet.
 */
int aca_cred_new(const struct aca_config *cfg, const struct sl_host_v1 *host,
	struct aca_cred **out, struct aca_err *err);
void aca_cred_free(struct aca_cred *cr);
/* "client secret", "managed identity (IMDS)", ...: for info and errors. */
const char *aca_cred_source(const struct aca_cred *cr);

/*
 * A bearer token for scope (ACA_SCOPE_ARM or ACA_SCOPE_LA), from the
 * cache while it has more than 5 minutes left (or half its lifetime,
 * when that is shorter), else fetched; one fetch per scope at a time.  `force`
 * drops the cached one first (after ExpiredAuthenticationToken).  The
 * token is copied into a malloc'd string the caller frees (and should
 * wipe).  Thread-safe.
 */
int aca_cred_token(struct aca_cred *cr, const struct aca_cancel *cx,
	const char *scope, int force, char **token, struct aca_err *err);

/*
 * credcert.c: the client assertion of the certificate credential, an
 * RS256 JWT signed with the key of the PEM file at pem_path (which holds
 * the private key and the certificate): header x5t = base64url SHA-1
 * thumbprint of the certificate; claims aud = token_url, iss = sub =
 * client_id, jti (a GUID), nbf = iat = now, exp = now + 10 min.  The file
 * is read on every call (certificates rotate).  *jwt is malloc'd; the
 * caller frees it.
 */
int aca_cred_cert_assertion(const char *pem_path, const char *client_id,
	const char *token_url, char **jwt, struct aca_err *err);

/*
 * credcli.c: `az account get-access-token --scope SCOPE -o json
 * [--tenant T]`, run without a shell and killed after timeout_s or on
 * cancellation.  *token is malloc'd (caller frees and wipes); *expires_on
 * is a unix time.
 */
int aca_cred_cli_fetch(const char *scope, const char *tenant, int timeout_s,
	const struct aca_cancel *cx, char **token, long long *expires_on,
	struct aca_err *err);

/* ------------------------------------------------------------------ */
/* azure.c: the HTTP client for ARM, Log Analytics and the log stream   */
/* ------------------------------------------------------------------ */

/* One HTTP answer.  Strings are malloc'd, NUL-terminated, NULL if absent;
 * aca_resp_free releases them. */
struct aca_resp {
	long status;
	char *body;
	size_t len;
	char *request_id;         /* x-ms-request-id */
	char *async_url;          /* Azure-AsyncOperation */
	char *location;           /* Location */
	int retry_after_s;        /* Retry-After in seconds, -1 when absent */
};
void aca_resp_free(struct aca_resp *r);

/*
 * http.c: the transport under aca_arm and the credentials.  A struct
 * aca_http is a pool of curl handles: connections are kept and reused
 * across calls and threads.  Thread-safe.
 */
struct aca_http;

int aca_http_new(struct aca_http **out, struct aca_err *err);
void aca_http_free(struct aca_http *h);

struct aca_http_req {
	const char *method;            /* "GET", "POST", ... */
	const char *url;               /* absolute */
	const char *const *headers;    /* "Name: value", NULL-terminated, or NULL */
	const char *body;              /* NULL = none */
	size_t body_len;
	int timeout_s;                 /* the whole call; 0 = no limit (streams),
	                                  then only connecting is bounded */
	int fresh;                     /* on a new connection: curl then never
	                                  resends the request by itself */
	/* Streaming: a 2xx body goes here chunk by chunk instead of into
	 * resp->body; a non-zero return ends the transfer (SL_OK). */
	int (*on_data)(void *arg, const char *buf, size_t n);
	void *arg;
};

/*
 * One HTTP exchange.  SL_OK when an answer came (any status; *resp
 * filled, aca_resp_free it) or on_data ended it; SL_ECANCELED when cx was
 * cancelled; SL_EUNAVAIL for a transport failure, with *unsent (may be
 * NULL) set to 1 when the request certainly never left (no connection),
 * 0 when it may have reached the server.  err names the URL's host, never
 * its query or a header.
 */
int aca_http_do(struct aca_http *h, const struct aca_cancel *cx,
	const struct aca_http_req *rq, struct aca_resp *resp, int *unsent,
	struct aca_err *err);

/* A random GUID (x-ms-client-request-id, jti) into out[37]. */
void aca_http_uuid(char out[37]);

/* Retry-After's value (delay-seconds or an HTTP-date) as seconds from
 * now, at most a day; -1 when unreadable. */
int aca_http_retry_after(const char *value);

/* "scheme://host[:port]" of url into out (for messages, and to keep a
 * token to the host it is meant for). */
void aca_http_origin(const char *url, char *out, size_t len);

struct aca_azure;

int aca_azure_new(const struct aca_config *cfg, const struct sl_host_v1 *host,
	struct aca_azure **out, struct aca_err *err);
void aca_azure_free(struct aca_azure *az);
struct aca_cred *aca_azure_cred(struct aca_azure *az);

/* Flags for aca_arm(). */
enum {
	/* Never resend the request after it may have reached Azure (POST
	 * start): a lost answer is reported as SL_EUNAVAIL and the caller
	 * checks the executions before trying again.  Only a request that
	 * never left (connection refused) or that Azure refused before
	 * acting on it (429, a 401 token refusal) is sent again; a 5xx is
	 * returned as the answer.  Without the flag 408, 429, 5xx and
	 * connection errors are retried with jittered exponential backoff
	 * honouring Retry-After: at most 6 attempts within 120 s. */
	ACA_ARM_NO_RETRY = 1 << 0,
	/* Also wait out a 409 ...OperationInProgress (an earlier write of
	 * the same resource) and send again. */
	ACA_ARM_WAIT_CONFLICT = 1 << 1
};

/*
 * One ARM request.  `url` is a path starting with "/subscriptions/" (the
 * ARM base is prepended) including the api-version query, or an absolute
 * URL (LRO status, nextLink) on the ARM endpoint's host: the ARM token
 * is never sent elsewhere (SL_EINTERNAL).  `body` is JSON or NULL.  Sends the ARM
 * token; an ExpiredAuthenticationToken / InvalidAuthenticationToken 401
 * refreshes it once and sends again.  Returns SL_OK with *resp filled for
 * any final HTTP answer (the caller reads resp->status: 2xx, 404, 409...);
 * an error (transport failure after retries, cancellation) leaves resp
 * empty and fills err.
 */
int aca_arm(struct aca_azure *az, const struct aca_cancel *cx,
	const char *method, const char *url, const char *body, int flags,
	struct aca_resp *resp, struct aca_err *err);

/*
 * Waits for the long-running operation a PUT/PATCH/DELETE answer started
 * (201/202 with Azure-AsyncOperation, or Location).  Polls at the
 * Retry-After the service gives (default 1 s) until Succeeded, or
 * Failed/Canceled (mapped to an error with the operation's error:
 * Failed -> SL_EINTERNAL, Canceled -> SL_ECONFLICT), or timeout_s
 * (SL_ETIMEDOUT).  A 200/204 first answer returns SL_OK at once.
 */
int aca_arm_lro_wait(struct aca_azure *az, const struct aca_cancel *cx,
	const struct aca_resp *first, int timeout_s, const char *what,
	struct aca_err *err);

/*
 * A Log Analytics query (POST {la_url}/v1/workspaces/{ws}/query) with the
 * Log Analytics token, retried like ARM reads.  `timespan` is ISO 8601
 * ("PT1H", "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z") or NULL.  On SL_OK
 * *resp holds the 200 answer; other statuses are errors.
 */
int aca_la_query(struct aca_azure *az, const struct aca_cancel *cx,
	const char *workspace, const char *kql, const char *timespan,
	struct aca_resp *resp, struct aca_err *err);

/*
 * A streaming GET (the replica log stream): `bearer` is sent as the
 * Authorization token; on_data is called with each chunk as it arrives
 * and ends the transfer by returning non-zero.  Returns SL_OK when the
 * server ended the stream or on_data stopped it, an error otherwise.
 * *status receives the HTTP status.  No retries.
 */
int aca_http_stream(struct aca_azure *az, const struct aca_cancel *cx,
	const char *url, const char *bearer,
	int (*on_data)(void *arg, const char *buf, size_t n), void *arg,
	long *status, struct aca_err *err);

/* ------------------------------------------------------------------ */
/* jobspec.c, images.c, registry.c: the Job body                        */
/* ------------------------------------------------------------------ */

/*
 * The job name for a container: from its name (lower-cased, anything
 * outside [a-z0-9-] as '-', runs of '-' folded, a letter first) cut so
 * that "-" + 6 hex of the container id fits 32 characters, matching
 * ^(?=.{1,32}$)[a-z]((?!.*--)[-a-z0-9]*[a-z0-9])?$.  out holds >= 33.
 */
void aca_jobspec_job_name(const char *ctr_name, const char *ctr_id,
	char *out);

/* An RFC 1123 label (<= 63) for the container inside the template, from
 * the Docker name; "main" when nothing is left.  out holds >= 64. */
void aca_jobspec_container_name(const char *ctr_name, char *out);

/*
 * --cpus / --memory (NanoCpus, Memory bytes; 0 = unset) onto a valid
 * Container Apps pair: memory = 2 x cpu in 0.25 steps, capped at 2 / 4Gi
 * on Consumption (4 / 8Gi with a workload profile configured); default
 * 0.5 / 1Gi.  A request that maps onto no valid pair is SL_EINVAL naming
 * the valid pairs.  *cpu gets the cores, mem the "1Gi"-style string
 * (>= 16 bytes).
 */
int aca_jobspec_resources(const struct aca_config *cfg, int64_t nano_cpus,
	int64_t memory, double *cpu, char *mem, struct aca_err *err);

/* What create checks: everything Azure would refuse at start (resources,
 * names, binds, options ACA cannot honour).  SL_OK or SL_EINVAL. */
int aca_jobspec_validate(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, struct aca_err *err);

/*
 * The PUT body of the container's job (a JSON string the caller frees;
 * it holds secret values, so wipe it with aca_config_wipe and never log
 * it):
 * Manual trigger, parallelism 1, completion 1, retry 0, replicaTimeout,
 * the environment, the template with one container (image ref, command /
 * args only when the user gave them, env with secretRefs, resources),
 * configuration.secrets and .registries, tags.  `job` is the job name.
 * Reads registry credentials through host->registry_credentials.
 */
char *aca_jobspec_build(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, const char *job,
	struct aca_err *err);

struct aca_agent_plan;
/*
 * aca_jobspec_build with the agent when `agent` plans it (NULL or OFF:
 * exactly aca_jobspec_build): an EmptyDir volume "sl-agent", an init
 * container from cfg->agent_image running `/sockerless-agent install
 * /sl-agent`, the main container's command the agent in that volume and
 * its args the agent's flags, "--" and the merged ENTRYPOINT + CMD, the
 * token as the secret "sl-agent-token" (SOCKERLESS_AGENT_TOKEN by
 * secretRef) and SOCKERLESS_CONTAINER_ID.
 */
char *aca_jobspec_build_agent(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, const char *job,
	const struct aca_agent_plan *agent, struct aca_err *err);

/*
 * images.c: command and args for the template from the container's
 * effective Entrypoint/Cmd against the image's (NULL-terminated lists
 * the caller frees with aca_strv_free; NULL = omit the field so the
 * image's own applies).
 */
int aca_images_command(const struct sl_host_v1 *host, sl_container *c,
	char ***command, char ***args);
void aca_strv_free(char **v);

/* The backend's images hooks (credentials for a pull from the
 * configured registries). */
extern const struct sl_image_ops_v1 aca_image_ops;

/*
 * jobspec.c: `in` lower-cased, every run of characters outside [a-z0-9]
 * as one '-', without a leading or trailing '-', cut to at most max
 * characters (out holds max + 1).  Returns the length (0 = nothing left).
 * The shape every Azure name the plugin derives starts from.
 */
size_t aca_jobspec_sanitize(const char *in, char *out, size_t max);

/*
 * jobspec.c: the Azure Files share (and environment storage, and template
 * volume) name of a Docker volume, into out (>= 64): the name itself when
 * it is already a valid share name of at most 32 characters (3-32 of
 * [a-z0-9], single '-', alnum at both ends; 32 so that it fits the
 * storage and volume names too); otherwise its sanitized form cut to fit, then "-" and 8
 * hex of a hash of the Docker name, so two Docker names that fold onto
 * the same text still get two shares.
 */
void aca_jobspec_share_name(const char *volume, char *out);

/* registry.c: the registry host of an image reference ("docker.io",
 * "myacr.azurecr.io", "127.0.0.1:5000") into buf; SL_EINVAL when it does
 * not fit. */
int aca_registry_host(const char *ref, char *buf, size_t len);

struct json_object;
/*
 * registry.c: when the host holds credentials for the registry of
 * image_ref (host->registry_credentials, ABI 1.1), appends
 * {server, username, passwordSecretRef} to the `registries` array and
 * {name, value} with the password to the `secrets` array.  No
 * credentials (or an older host) adds nothing: the image is public.
 */
int aca_registry_add(const struct sl_host_v1 *host, const char *image_ref,
	struct json_object *registries, struct json_object *secrets,
	struct aca_err *err);

/* ------------------------------------------------------------------ */
/* volumes.c: named volumes as Azure Files shares                       */
/* ------------------------------------------------------------------ */

/*
 * create: the share (aca_jobspec_share_name) in the storage account
 * `storage-account` and an environment storage of the same name holding
 * the account key; remove: both (already gone is fine).  Anonymous
 * volumes stay local (never mounted).  Without storage-account, create
 * of a named volume answers SL_ENOTSUP saying what to set.
 */
extern const struct sl_volume_ops_v1 aca_volume_ops;

/* ------------------------------------------------------------------ */
/* aca.c: the backend's state                                           */
/* ------------------------------------------------------------------ */

struct aca_poller;
struct aca_logs;

struct aca_backend {
	const struct sl_host_v1 *host;
	struct aca_config cfg;
	struct aca_azure *az;
	struct aca_poller *poller;
	struct aca_logs *logs;
	enum aca_log_family family;  /* resolved at init */
	char *workspace;             /* resolved at init (customer id) */
	atomic_int stopping;         /* set by fini before joining threads */
	/* What info() shows; kept here because the host reads it after
	 * the hook returned. */
	char info_os[160];
	char info_status[8][160];
	const char *info_status_v[9];
};

/* Backend data keys (host->ctr_data_set). */
#define ACA_DATA_JOB "job"             /* the job's name */
#define ACA_DATA_EXECUTION "execution" /* the current execution's name */
#define ACA_DATA_SIGNAL "signal"       /* the signal a stop/kill asked */
#define ACA_DATA_AGENT "agent"         /* "forward", "reverse" or "off: why" */

/* The start of a forward agent's announcement (agent/PROTOCOL.md). */
#define ACA_AGENT_ANNOUNCE "SOCKERLESS_AGENT listen="
/* 1 when a console line (fd 2, as read from the log stream or Log
 * Analytics) is a forward agent's announcement, not the container's. */
int aca_agent_is_announce(int fd, const char *text, size_t len);

/* ------------------------------------------------------------------ */
/* agent.c: the in-container agent (agent/PROTOCOL.md)                  */
/* ------------------------------------------------------------------ */

/* What one start does about the agent. */
struct aca_agent_plan {
	enum aca_agent_mode mode;  /* FORWARD, REVERSE or OFF once planned */
	char *token;               /* host->alloc; secret (wiped by _free) */
	char *callback_url;        /* reverse: host->alloc */
	char why_off[160];         /* OFF: the reason, for errors and inspect */
	int port;                  /* forward: the agent's listen port */
};

/*
 * Decides for c's next start: off (configuration, an old daemon, no
 * command), forward or reverse (auto: reverse when the daemon hands out
 * a callback URL), and fetches the token (the operator's agent-token is
 * stored as the container's secret first).  Records the outcome under
 * ACA_DATA_AGENT.  SL_OK (also for OFF), SL_EINVAL when reverse was asked
 * and the daemon has no callback listener, SL_ENOMEM.  Free p with
 * aca_agent_plan_free, also after a failure.
 */
int aca_agent_plan(const struct sl_host_v1 *host, const struct aca_config *cfg,
	sl_container *c, struct aca_agent_plan *p, struct aca_err *err);
void aca_agent_plan_free(const struct sl_host_v1 *host, struct aca_agent_plan *p);

/* Whether c's starts will run the agent as far as create can tell (not
 * off, a 1.2 daemon, a command to hand it). */
int aca_agent_will_run(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c);
/* At create, for a container that will run the agent: stores its token,
 * which tells the core to expect the agent (docker run's attach, sent
 * before the start, then waits for it).  SL_OK or an SL_* status. */
int aca_agent_expect(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, struct aca_err *err);

/*
 * Forward mode, after the replica runs: waits (bounded) for the agent's
 * announcement in the log stream capture and has the host dial it.  A
 * failure is logged and the container runs on without the agent; the
 * return value says whether it connected (SL_OK) for the caller's logs.
 */
int aca_agent_connect(struct aca_backend *b, sl_call *call, sl_container *c);

/* Why the agent cannot serve c now, for 501 messages (buf >= 200). */
void aca_agent_why(const struct sl_host_v1 *host, sl_container *c,
	char *buf, size_t len);

/* The backend's hooks for exec, cp and top without a live agent: 501
 * naming the reason (the core routes through a live agent itself). */
extern const struct sl_exec_ops_v1 aca_exec_ops;
extern const struct sl_archive_ops_v1 aca_archive_ops;
extern const struct sl_monitor_ops_v1 aca_monitor_ops;

/* ------------------------------------------------------------------ */
/* execution.c: one execution, as ARM shows it                         */
/* ------------------------------------------------------------------ */

/* What GET of an execution (preview api-version) says. */
struct aca_exec_view {
	char status[24];        /* Processing, Running, Succeeded, Failed,
	                           Stopped, Degraded, Unknown */
	int64_t start_ns;       /* 0 when absent */
	int64_t end_ns;
	int code;               /* the main container's exit code from
	                           detailedStatus; -1 when not given */
	char waiting[48];       /* a container's waiting reason, e.g.
	                           ImagePullBackOff ("" when none) */
	int main_running;       /* detailedStatus shows a container still
	                           Running (after a stop: not yet ended) */
	char reason[64];        /* properties.reason (DeadlineExceeded...) */
	char message[256];      /* properties.message */
};

/* The ARM path of job + suffix ("", "/start", "/executions/x") +
 * "?api-version=" + api into buf; SL_EINVAL when it does not fit. */
int aca_job_url(struct aca_backend *b, const char *job, const char *suffix,
	const char *api, char *buf, size_t len, struct aca_err *err);

/* Non-zero for Succeeded, Failed and Stopped. */
int aca_exec_ended(const char *status);

/* GET the execution; SL_ENOTFOUND when it (or its job) is gone. */
int aca_exec_get(struct aca_backend *b, const struct aca_cancel *cx,
	const char *job, const char *exec, struct aca_exec_view *v,
	struct aca_err *err);

/*
 * Starts a new execution of job and writes its name into name (len >=
 * 64).  POST start is never resent blindly: when its answer is lost the
 * executions are listed, and one that started since and is not `prev`
 * (the container's previous execution, or NULL) is taken as ours.
 */
int aca_exec_start(struct aca_backend *b, const struct aca_cancel *cx,
	const char *job, const char *prev, char *name, size_t len,
	struct aca_err *err);

/* After a start given up (cancelled, no answer): the execution of job
 * that may have started anyway (running, not `prev`), into name;
 * SL_ENOTFOUND when there is none. */
int aca_exec_start_lost(struct aca_backend *b, const struct aca_cancel *cx,
	const char *job, const char *prev, char *name, size_t len,
	struct aca_err *err);

/* POST stop of the execution; SL_ENOTFOUND when it is gone. */
int aca_exec_stop(struct aca_backend *b, const struct aca_cancel *cx,
	const char *job, const char *exec, struct aca_err *err);

/* Times (logs_text.c), for ARM and the log stream alike. */
/*
 * ISO 8601 / RFC 3339 as Azure writes it: "2025-12-15T08:33:59.0671054Z",
 * "...439303+00:00", " +0000", or no zone at all (the stream's synthetic
 * records; read as UTC).  *has_zone (may be NULL) tells which.  SL_OK or
 * SL_EINVAL.
 */
int aca_time_parse(const char *s, size_t n, int64_t *ns, int *has_zone);
/* "2026-12-04T14:38:53.1234567Z" (Kusto's 100 ns precision, rounded
 * down) into buf (>= 32). */
void aca_time_format(int64_t ns, char *buf, size_t len);
int64_t aca_time_now(void);

/* ------------------------------------------------------------------ */
/* poller.c: the one thread that watches running executions             */
/* ------------------------------------------------------------------ */

int aca_poller_new(struct aca_backend *b, struct aca_poller **out);
/* Stops and joins the thread; the handles stay, so aca_poller_kick from
 * a capture thread still being joined is harmless. */
void aca_poller_stop(struct aca_poller *p);
/* Stops the thread if still running, drops every handle. */
void aca_poller_free(struct aca_poller *p);
/* Watches the execution of c (takes a reference on c) until it ends. */
int aca_poller_watch(struct aca_poller *p, sl_container *c, const char *job,
	const char *execution);
/* Waits until the poller reported c's execution ended, or timeout_ms. */
int aca_poller_wait_exit(struct aca_poller *p, const struct aca_cancel *cx,
	const char *ctr_id, long timeout_ms);
/* Polls c's execution soon again, at the first interval (after stop, or
 * when the capture saw the log stream end).  p may be NULL. */
void aca_poller_kick(struct aca_poller *p, const char *ctr_id);
/* Stops watching c (it is being removed). */
void aca_poller_forget(struct aca_poller *p, const char *ctr_id);
/* The last execution status seen for c ("Running", ...) into buf, with
 * its age in ms; SL_ENOTFOUND when not watched. */
int aca_poller_last(struct aca_poller *p, const char *ctr_id, char *buf,
	size_t len, long *age_ms);

/* ------------------------------------------------------------------ */
/* logs.c: Log Analytics, the replica log stream and the capture        */
/* ------------------------------------------------------------------ */

int aca_logs_new(struct aca_backend *b, struct aca_logs **out);
void aca_logs_free(struct aca_logs *l);

/*
 * Starts capturing the output of c's execution (a thread following the
 * replica log stream once the replica's container exists): every line
 * goes to the host's local log store (log_append) and to the live
 * readers of logs -f and attach.  Takes a reference on c.
 */
int aca_logs_capture_start(struct aca_logs *l, sl_container *c,
	const char *job, const char *execution);
/*
 * After a daemon restart (recover), for an execution still running:
 * like aca_logs_capture_start, but the host's local copy may already
 * hold part of what the stream replays, so this capture only feeds the
 * live readers and `docker logs` (merged with Log Analytics); it never
 * appends to nor completes the local copy.
 */
int aca_logs_capture_resume(struct aca_logs *l, sl_container *c,
	const char *job, const char *execution);
/* The poller saw the execution Running (a container started): the
 * capture asks for the replica's log stream now rather than at its next
 * backoff step.  Optional; saves ARM calls and start-up latency. */
void aca_logs_capture_running(struct aca_logs *l, const char *ctr_id);
/* The poller saw the execution end: the capture drains what the stream
 * still holds, calls log_complete when nothing is missing, and ends. */
void aca_logs_capture_ended(struct aca_logs *l, const char *ctr_id);

/* Waits up to timeout_ms until c's capture has drained its stream (the
 * execution ended): a removal must not cut the stream before the last
 * lines reached docker run's attach. */
void aca_logs_capture_drain(struct aca_logs *l, const char *ctr_id,
	long timeout_ms);
/* Drops c's capture (the container is removed); readers holding it keep
 * their own reference. */
void aca_logs_capture_forget(struct aca_logs *l, const char *ctr_id);
/*
 * Forward agent (agent.c): waits up to timeout_ms (or until cx is
 * cancelled or the capture ends) for the agent's announcement line, which
 * the capture of a container started with ACA_DATA_AGENT "forward" keeps
 * out of the output; writes "host:port" into addr.  SL_OK, SL_ENOTFOUND
 * (no capture, or it ended without one), SL_ETIMEDOUT, SL_ECANCELED.
 */
int aca_logs_capture_agent_addr(struct aca_logs *l, const char *ctr_id,
	const struct aca_cancel *cx, long timeout_ms, char *addr, size_t len);

/* The exit code from the system log's "exit code 'N'" text (Log
 * Analytics); SL_ENOTFOUND when no such row is visible yet, SL_ENOTSUP
 * when the environment keeps no readable system log (none will come). */
int aca_logs_exit_code(struct aca_logs *l, const struct aca_cancel *cx,
	const char *job, const char *execution, int *code, struct aca_err *err);

/* The streams hooks (logs, attach). */
extern const struct sl_stream_ops_v1 aca_stream_ops;

/* ------------------------------------------------------------------ */
/* containers.c, extended.c, store.c                                    */
/* ------------------------------------------------------------------ */

extern const struct sl_container_ops_v1 aca_container_ops;

/* extended.c: pause/unpause (not possible on Jobs), volume prune. */
int aca_ext_pause(void *state, sl_call *call, sl_container *c);
int aca_ext_unpause(void *state, sl_call *call, sl_container *c);

/* store.c: recover() — reconcile the store with the jobs in Azure. */
int aca_store_recover(void *state, sl_call *call);

#endif
