/*
 * config.c - the ACA backend's configuration: every key of the backend's
 * table through host->config_get (`--backend-opt key=value` or
 * SOCKERLESS_ACA_<KEY>), the Azure credential variables from the
 * environment, validation with messages that name both spellings, and the
 * daemon's instance id kept in the state dir.
 */
#include "aca.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define INSTANCE_FILE "instance-id"
#define INSTANCE_LEN 32

/* "SOCKERLESS_ACA_SUBSCRIPTION_ID (or --backend-opt subscription-id=)"
 * into buf: the host accepts both, so every message names both. */
static const char *key_names(const char *key, char *buf, size_t len)
{
	char var[128];
	size_t i;

	for (i = 0; key[i] && i < sizeof(var) - 1; i++)
		var[i] = key[i] == '-' ? '_' : (char)toupper((unsigned char)key[i]);
	var[i] = 0;
	snprintf(buf, len, "SOCKERLESS_ACA_%s (or --backend-opt %s=)", var, key);
	return buf;
}

static int missing(struct aca_err *err, const char *key, const char *what)
{
	char n[192];

	return aca_err_set(err, SL_EINVAL, "aca: %s is required: %s",
		key_names(key, n, sizeof(n)), what);
}

/* A malformed value; `shown` is the value when it may be echoed (never
 * for a secret), cut so a pasted blob does not flood the message. */
static int malformed(struct aca_err *err, const char *key, const char *shown,
	const char *what)
{
	char n[192];

	if (!shown)
		return aca_err_set(err, SL_EINVAL, "aca: %s must be %s",
			key_names(key, n, sizeof(n)), what);
	return aca_err_set(err, SL_EINVAL, "aca: %s must be %s, not '%.80s'",
		key_names(key, n, sizeof(n)), what, shown);
}

static int set_str(char **dst, const char *v, struct aca_err *err)
{
	if (!v) {
		*dst = NULL;
		return SL_OK;
	}
	*dst = strdup(v);
	if (!*dst)
		return aca_err_set(err, SL_ENOMEM, "aca: out of memory");
	return SL_OK;
}

/* A key's value, NULL when unset or empty (an empty variable is unset). */
static const char *opt(const struct sl_host_v1 *host, const char *key)
{
	const char *v = host->config_get(host->hctx, key);

	return v && *v ? v : NULL;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int is_guid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };

	for (size_t g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return 0;
		if (*s != (g < 4 ? '-' : '\0'))
			return 0;
		s++;
	}
	return 1;
}

/* ARM's resource group rule: 1-90 of letters, digits, '_', '(', ')', '-'
 * and '.', not ending with '.'. */
static int is_rg_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 90 || s[n - 1] == '.')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_()-.", *s))
			return 0;
	return 1;
}

/* Managed environment and workload profile names: a letter first,
 * letters, digits and '-', a letter or digit last. */
static int is_res_name(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max || !isalpha((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

static int is_http_url(const char *s)
{
	return (!strncmp(s, "http://", 7) && s[7]) ||
		(!strncmp(s, "https://", 8) && s[8]);
}

/* A URL without its trailing slashes, allocated into *dst. */
static int set_url(char **dst, const char *v, struct aca_err *err)
{
	size_t n = strlen(v);

	while (n > 0 && v[n - 1] == '/')
		n--;
	*dst = strndup(v, n);
	if (!*dst)
		return aca_err_set(err, SL_ENOMEM, "aca: out of memory");
	return SL_OK;
}

static int get_int(const struct sl_host_v1 *host, const char *key, int def,
	long lo, long hi, int *out, struct aca_err *err)
{
	const char *v = opt(host, key);
	char *end, what[96];
	long n;

	if (!v) {
		*out = def;
		return SL_OK;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) {
		snprintf(what, sizeof(what), "a whole number from %ld to %ld",
			lo, hi);
		return malformed(err, key, v, what);
	}
	*out = (int)n;
	return SL_OK;
}

static int get_bool(const struct sl_host_v1 *host, const char *key, int def,
	int *out, struct aca_err *err)
{
	static const char *const yes[] = { "1", "true", "yes", "on", NULL };
	static const char *const no[] = { "0", "false", "no", "off", NULL };
	const char *v = opt(host, key);

	*out = def;
	if (!v)
		return SL_OK;
	for (int i = 0; yes[i]; i++)
		if (!strcasecmp(v, yes[i]))
			return *out = 1, SL_OK;
	for (int i = 0; no[i]; i++)
		if (!strcasecmp(v, no[i]))
			return *out = 0, SL_OK;
	return malformed(err, key, v, "true or false");
}

/* ARM accepts "eastus" and "East US"; keep the short form. */
static int set_location(char **dst, const char *v, struct aca_err *err)
{
	char *p;

	if (set_str(dst, v, err))
		return err->status;
	p = *dst;
	for (const char *s = v; *s; s++)
		if (!isspace((unsigned char)*s))
			*p++ = (char)tolower((unsigned char)*s);
	*p = 0;
	if (!**dst)
		return malformed(err, "location", v, "an Azure region such as eastus");
	return SL_OK;
}

static int is_hex32(const char *s)
{
	for (int i = 0; i < INSTANCE_LEN; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s[INSTANCE_LEN] == 0;
}

/* Reads the instance id; SL_ENOTFOUND when the file does not exist. */
static int instance_read(const char *path, char *id, struct aca_err *err)
{
	char buf[INSTANCE_LEN + 8];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return SL_ENOTFOUND;
		return aca_err_set(err, SL_EINTERNAL, "aca: cannot read %s: %s",
			path, strerror(errno));
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return aca_err_set(err, SL_EINTERNAL, "aca: cannot read %s: %s",
			path, strerror(errno));
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	if (!is_hex32(buf))
		return aca_err_set(err, SL_EINVAL,
			"aca: %s does not hold an instance id (32 hex digits); "
			"remove it only if no job of this daemon is left in Azure",
			path);
	memcpy(id, buf, INSTANCE_LEN + 1);
	return SL_OK;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Creates the id once: written to a temporary file, synced, then linked
 * into place, so a crash leaves either no id or a whole one and two
 * daemons starting together on one state dir end up with the same id
 * (the loser of link() reads the winner's).  Filesystems without hard
 * links fall back to rename().
 */
static int instance_create(const char *dir, const char *path, char *id,
	struct aca_err *err)
{
	unsigned char rnd[INSTANCE_LEN / 2];
	char tmp[PATH_MAX], line[INSTANCE_LEN + 2];
	int fd, rc, dfd;
	size_t got = 0;

	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return aca_err_set(err, SL_EINTERNAL,
				"aca: getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	snprintf(line, sizeof(line), "%s\n", id);

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", dir, INSTANCE_FILE,
		    (long)getpid()) >= sizeof(tmp))
		return aca_err_set(err, SL_EINVAL, "aca: state dir path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return aca_err_set(err, SL_EINTERNAL, "aca: cannot create %s: %s",
			tmp, strerror(errno));
	rc = write_all(fd, line, strlen(line));
	if (rc == 0)
		rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	if (rc != 0) {
		rc = aca_err_set(err, SL_EINTERNAL, "aca: cannot write %s: %s",
			tmp, strerror(errno));
		goto out;
	}
	if (link(tmp, path) == 0) {
		rc = SL_OK;
	} else if (errno == EEXIST) {
		rc = instance_read(path, id, err);
		if (rc == SL_ENOTFOUND)
			rc = aca_err_set(err, SL_EINTERNAL,
				"aca: %s vanished while being created", path);
		goto out;
	} else if (rename(tmp, path) == 0) {
		rc = SL_OK;
	} else {
		rc = aca_err_set(err, SL_EINTERNAL, "aca: cannot create %s: %s",
			path, strerror(errno));
		goto out;
	}
	/* The new directory entry must survive a crash too. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
out:
	unlink(tmp);
	return rc;
}

static int instance_id(const struct sl_host_v1 *host, char **out,
	struct aca_err *err)
{
	char path[PATH_MAX], id[INSTANCE_LEN + 1];
	const char *dir = host->state_dir(host->hctx);
	int rc;

	if (!dir || !*dir)
		return aca_err_set(err, SL_EINTERNAL,
			"aca: the host gave no state directory for the instance id");
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, INSTANCE_FILE) >=
	    sizeof(path))
		return aca_err_set(err, SL_EINVAL, "aca: state dir path too long");
	rc = instance_read(path, id, err);
	if (rc == SL_ENOTFOUND)
		rc = instance_create(dir, path, id, err);
	if (rc)
		return rc;
	return set_str(out, id, err);
}

/* Plain string keys: key, field, default. */
struct str_key {
	const char *key;
	size_t off;
	const char *def;
};

static const struct str_key str_keys[] = {
	{ "log-analytics-workspace", offsetof(struct aca_config, workspace), NULL },
	{ "storage-account", offsetof(struct aca_config, storage_account), NULL },
	{ "agent-image", offsetof(struct aca_config, agent_image),
	  "sockerless/agent:latest" },
	{ "agent-token", offsetof(struct aca_config, agent_token), NULL },
	{ "workload-profile", offsetof(struct aca_config, workload_profile), NULL },
	{ "secret-env", offsetof(struct aca_config, secret_env), NULL },
	{ NULL, 0, NULL }
};

/* Credential variables straight from the environment. */
struct env_key {
	const char *var;
	size_t off;
};

static const struct env_key env_keys[] = {
	{ "AZURE_TENANT_ID", offsetof(struct aca_config, tenant_id) },
	{ "AZURE_CLIENT_ID", offsetof(struct aca_config, client_id) },
	{ "AZURE_CLIENT_SECRET", offsetof(struct aca_config, client_secret) },
	{ "AZURE_CLIENT_CERTIFICATE_PATH", offsetof(struct aca_config, client_cert_path) },
	{ "AZURE_FEDERATED_TOKEN_FILE", offsetof(struct aca_config, federated_token_file) },
	{ "IDENTITY_HEADER", offsetof(struct aca_config, identity_header) },
	{ NULL, 0 }
};

static char **field(struct aca_config *cfg, size_t off)
{
	return (char **)((char *)cfg + off);
}

static int load_required(const struct sl_host_v1 *host, struct aca_config *cfg,
	struct aca_err *err)
{
	const char *v;

	v = opt(host, "subscription-id");
	if (!v)
		return missing(err, "subscription-id",
			"the Azure subscription the jobs run in");
	if (!is_guid(v))
		return malformed(err, "subscription-id", v,
			"a subscription id (a GUID such as "
			"00000000-0000-0000-0000-000000000001)");
	if (set_str(&cfg->subscription, v, err))
		return err->status;

	v = opt(host, "resource-group");
	if (!v)
		return missing(err, "resource-group",
			"the resource group of the Container Apps environment");
	if (!is_rg_name(v))
		return malformed(err, "resource-group", v,
			"a resource group name (1-90 letters, digits, '_', '(', "
			"')', '-' or '.', not ending with '.')");
	if (set_str(&cfg->resource_group, v, err))
		return err->status;

	v = opt(host, "environment");
	if (!v)
		v = "sockerless";
	if (!is_res_name(v, 2, 60))
		return malformed(err, "environment", v,
			"a Container Apps environment name (2-60 letters, digits "
			"and '-', a letter first)");
	if (set_str(&cfg->environment, v, err))
		return err->status;

	v = opt(host, "location");
	return set_location(&cfg->location, v ? v : "eastus", err);
}

static int load_strings(const struct sl_host_v1 *host, struct aca_config *cfg,
	struct aca_err *err)
{
	const char *v;

	for (const struct str_key *k = str_keys; k->key; k++) {
		v = opt(host, k->key);
		if (set_str(field(cfg, k->off), v ? v : k->def, err))
			return err->status;
	}
	if (cfg->workspace && !is_guid(cfg->workspace))
		return malformed(err, "log-analytics-workspace", cfg->workspace,
			"the workspace's customer id (a GUID), or unset to read "
			"it from the environment");
	if (cfg->workload_profile && !is_res_name(cfg->workload_profile, 1, 64))
		return malformed(err, "workload-profile", cfg->workload_profile,
			"a workload profile name of the environment");
	for (const struct env_key *k = env_keys; k->var; k++)
		if (set_str(field(cfg, k->off), env(k->var), err))
			return err->status;
	return SL_OK;
}

static int load_enums(const struct sl_host_v1 *host, struct aca_config *cfg,
	struct aca_err *err)
{
	const char *v = opt(host, "log-family");

	if (!v || !strcmp(v, "auto"))
		cfg->log_family = ACA_LOGS_AUTO;
	else if (!strcmp(v, "log-analytics"))
		cfg->log_family = ACA_LOGS_CL;
	else if (!strcmp(v, "azure-monitor"))
		cfg->log_family = ACA_LOGS_RESOURCE;
	else
		return malformed(err, "log-family", v,
			"auto, log-analytics or azure-monitor");

	v = opt(host, "orphans");
	if (!v || !strcmp(v, "report"))
		cfg->orphans = ACA_ORPHANS_REPORT;
	else if (!strcmp(v, "delete"))
		cfg->orphans = ACA_ORPHANS_DELETE;
	else
		return malformed(err, "orphans", v, "report or delete");

	v = opt(host, "agent");
	if (!v || !strcmp(v, "auto"))
		cfg->agent_mode = ACA_AGENT_AUTO;
	else if (!strcmp(v, "forward"))
		cfg->agent_mode = ACA_AGENT_FORWARD;
	else if (!strcmp(v, "reverse"))
		cfg->agent_mode = ACA_AGENT_REVERSE;
	else if (!strcmp(v, "off"))
		cfg->agent_mode = ACA_AGENT_OFF;
	else
		return malformed(err, "agent", v, "auto, forward, reverse or off");
	return SL_OK;
}

static int env_url(const char *var, const char *v, char **dst,
	struct aca_err *err)
{
	if (!is_http_url(v))
		return aca_err_set(err, SL_EINVAL,
			"aca: %s must be an http:// or https:// URL, not '%.80s'",
			var, v);
	return set_url(dst, v, err);
}

static int load_urls(const struct sl_host_v1 *host, struct aca_config *cfg,
	struct aca_err *err)
{
	const char *base = env("SOCKERLESS_ENDPOINT_URL");
	const char *v;

	if (base) {
		if (env_url("SOCKERLESS_ENDPOINT_URL", base, &cfg->arm_url, err) ||
		    set_url(&cfg->la_url, base, err) ||
		    set_url(&cfg->authority_url, base, err) ||
		    set_url(&cfg->imds_url, base, err))
			return err->status;
	} else {
		v = env("AZURE_AUTHORITY_HOST");
		if (set_url(&cfg->arm_url, "https://management.azure.com", err) ||
		    set_url(&cfg->la_url, "https://api.loganalytics.io", err) ||
		    (v ? env_url("AZURE_AUTHORITY_HOST", v, &cfg->authority_url, err)
		       : set_url(&cfg->authority_url,
			       "https://login.microsoftonline.com", err)))
			return err->status;
		v = opt(host, "imds-url");
		if (v && !is_http_url(v))
			return malformed(err, "imds-url", v,
				"an http:// or https:// URL");
		if (set_url(&cfg->imds_url, v ? v : "http://169.254.169.254", err))
			return err->status;
	}
	v = env("SOCKERLESS_CALLBACK_URL");
	if (v && env_url("SOCKERLESS_CALLBACK_URL", v, &cfg->callback_url, err))
		return err->status;
	v = env("IDENTITY_ENDPOINT");
	if (v && env_url("IDENTITY_ENDPOINT", v, &cfg->identity_endpoint, err))
		return err->status;
	return SL_OK;
}

/* The most PEM text callback-ca may hold: a CA chain, not a bundle. */
#define CALLBACK_CA_MAX (64 * 1024)

/*
 * callback-ca=FILE: the CA (PEM) reverse agents verify an https callback
 * listener against.  Read here, once, so a bad path stops the daemon at
 * start rather than failing every container.
 */
static int load_callback_ca(const struct sl_host_v1 *host,
	struct aca_config *cfg, struct aca_err *err)
{
	const char *path = opt(host, "callback-ca");
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	int rc = SL_OK;

	if (!path)
		return SL_OK;
	if (!(f = fopen(path, "re")))
		return aca_err_set(err, SL_EINVAL, "aca: callback-ca %.200s: %s",
			path, strerror(errno));
	if (!(buf = malloc(CALLBACK_CA_MAX + 1))) {
		fclose(f);
		return aca_err_set(err, SL_ENOMEM, "aca: out of memory");
	}
	n = fread(buf, 1, CALLBACK_CA_MAX + 1, f);
	if (ferror(f))
		rc = aca_err_set(err, SL_EINVAL, "aca: callback-ca %.200s: "
			"cannot read it", path);
	else if (n > CALLBACK_CA_MAX)
		rc = aca_err_set(err, SL_EINVAL, "aca: callback-ca %.200s: more "
			"than %d bytes; give the CA that signed the daemon's "
			"--agent-tlscert, not a bundle", path, CALLBACK_CA_MAX);
	fclose(f);
	if (!rc) {
		buf[n] = 0;
		if (strlen(buf) != n ||
		    !strstr(buf, "-----BEGIN CERTIFICATE-----"))
			rc = aca_err_set(err, SL_EINVAL, "aca: callback-ca %.200s: "
				"not a PEM certificate", path);
	}
	if (rc) {
		free(buf);
		return rc;
	}
	cfg->callback_ca = buf;
	return SL_OK;
}

static int load_numbers(const struct sl_host_v1 *host, struct aca_config *cfg,
	struct aca_err *err)
{
	if (get_bool(host, "use-azure-cli", 1, &cfg->use_cli, err) ||
	    get_int(host, "poll-interval-ms", 1000, 100, 60000, &cfg->poll_ms, err) ||
	    get_int(host, "poll-max-ms", 10000, 100, 300000, &cfg->poll_max_ms, err) ||
	    get_int(host, "job-timeout", 86400, 1, 30L * 86400,
		    &cfg->job_timeout_s, err) ||
	    get_int(host, "http-timeout", 60, 1, 3600, &cfg->http_timeout_s, err) ||
	    get_int(host, "agent-port", 7777, 1, 65535, &cfg->agent_port, err))
		return err->status;
	if (cfg->poll_max_ms < cfg->poll_ms) {
		char n1[192], n2[192];

		return aca_err_set(err, SL_EINVAL,
			"aca: %s is %d, below %s, %d: the cap of the poll "
			"interval must be at least its first value",
			key_names("poll-max-ms", n1, sizeof(n1)), cfg->poll_max_ms,
			key_names("poll-interval-ms", n2, sizeof(n2)), cfg->poll_ms);
	}
	return SL_OK;
}

int aca_config_load(const struct sl_host_v1 *host, struct aca_config *cfg,
	struct aca_err *err)
{
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	rc = load_required(host, cfg, err);
	if (!rc)
		rc = load_strings(host, cfg, err);
	if (!rc)
		rc = load_enums(host, cfg, err);
	if (!rc)
		rc = load_urls(host, cfg, err);
	if (!rc)
		rc = load_numbers(host, cfg, err);
	if (!rc)
		rc = load_callback_ca(host, cfg, err);
	if (!rc)
		rc = instance_id(host, &cfg->instance_id, err);
	if (rc)
		aca_config_free(cfg);
	return rc;
}

/* memset() of memory about to be freed may be optimised away. */
void aca_config_wipe(char *s)
{
	volatile char *p = s;

	while (p && *p)
		*p++ = 0;
}

static void wipe_free(char *s)
{
	aca_config_wipe(s);
	free(s);
}

void aca_config_free(struct aca_config *cfg)
{
	char **strs[] = {
		&cfg->subscription, &cfg->resource_group, &cfg->environment,
		&cfg->location, &cfg->workspace, &cfg->storage_account,
		&cfg->agent_image, &cfg->callback_url, &cfg->callback_ca,
		&cfg->workload_profile,
		&cfg->secret_env, &cfg->arm_url, &cfg->la_url,
		&cfg->authority_url, &cfg->tenant_id, &cfg->client_id,
		&cfg->client_cert_path, &cfg->federated_token_file,
		&cfg->identity_endpoint, &cfg->imds_url, &cfg->instance_id,
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	wipe_free(cfg->agent_token);
	wipe_free(cfg->client_secret);
	wipe_free(cfg->identity_header);
	cfg->agent_token = cfg->client_secret = cfg->identity_header = NULL;
}

char *aca_config_env_id(const struct aca_config *cfg)
{
	static const char fmt[] = "/subscriptions/%s/resourceGroups/%s/"
		"providers/Microsoft.App/managedEnvironments/%s";
	int n = snprintf(NULL, 0, fmt, cfg->subscription, cfg->resource_group,
		cfg->environment);
	char *s;

	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	snprintf(s, (size_t)n + 1, fmt, cfg->subscription, cfg->resource_group,
		cfg->environment);
	return s;
}

int aca_config_job_path(const struct aca_config *cfg, const char *job,
	char *buf, size_t len)
{
	int n = snprintf(buf, len, "/subscriptions/%s/resourceGroups/%s/"
		"providers/Microsoft.App/jobs/%s", cfg->subscription,
		cfg->resource_group, job);

	if (n < 0 || (size_t)n >= len)
		return SL_EINVAL;
	return SL_OK;
}
