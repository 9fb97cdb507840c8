/* sim_config.c - defaults and the JSON config file. */
#include "config.h"

#include "sim_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "la_store.h"
#include "sim_json.h"

#include "sim_util.h"

static int add_str(char ***arr, size_t *n, const char *s)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!a)
		return -ENOMEM;
	*arr = a;
	a[*n] = strdup(s);
	if (!a[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

static void free_strs(char ***arr, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*arr)[i]);
	free(*arr);
	*arr = NULL;
	*n = 0;
}

static void free_rgs(struct sim_config *cfg)
{
	for (size_t i = 0; i < cfg->nrgs; i++) {
		free(cfg->rgs[i].subscription);
		free(cfg->rgs[i].name);
		free(cfg->rgs[i].location);
	}
	free(cfg->rgs);
	cfg->rgs = NULL;
	cfg->nrgs = 0;
}

static void free_envs(struct sim_config *cfg)
{
	for (size_t i = 0; i < cfg->nenvs; i++) {
		free(cfg->envs[i].subscription);
		free(cfg->envs[i].rg);
		free(cfg->envs[i].name);
		free(cfg->envs[i].location);
		free(cfg->envs[i].workspace);
		free(cfg->envs[i].workload_profiles);
		free(cfg->envs[i].log_destination);
	}
	free(cfg->envs);
	cfg->envs = NULL;
	cfg->nenvs = 0;
}

static void free_clients(struct sim_config *cfg)
{
	for (size_t i = 0; i < cfg->nclients; i++) {
		free(cfg->clients[i].id);
		free(cfg->clients[i].secret);
	}
	free(cfg->clients);
	cfg->clients = NULL;
	cfg->nclients = 0;
}

static void free_regmap(struct sim_config *cfg)
{
	for (size_t i = 0; i < cfg->nregmap; i++) {
		free(cfg->regmap[i].from);
		free(cfg->regmap[i].to);
	}
	free(cfg->regmap);
	cfg->regmap = NULL;
	cfg->nregmap = 0;
}

static int add_rg(struct sim_config *cfg, const char *sub, const char *name,
		  const char *loc)
{
	struct sim_cfg_rg *r = realloc(cfg->rgs, (cfg->nrgs + 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	cfg->rgs = r;
	r += cfg->nrgs;
	r->subscription = strdup(sub);
	r->name = strdup(name);
	r->location = strdup(loc);
	cfg->nrgs++;
	return r->subscription && r->name && r->location ? 0 : -ENOMEM;
}

static void free_accounts(struct sim_config *cfg)
{
	for (size_t i = 0; i < cfg->naccounts; i++) {
		free(cfg->accounts[i].subscription);
		free(cfg->accounts[i].rg);
		free(cfg->accounts[i].name);
		free(cfg->accounts[i].location);
	}
	free(cfg->accounts);
	cfg->accounts = NULL;
	cfg->naccounts = 0;
}

static int add_account(struct sim_config *cfg, const char *sub, const char *rg,
		       const char *name, const char *loc)
{
	struct sim_cfg_account *a = realloc(cfg->accounts, (cfg->naccounts + 1) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	cfg->accounts = a;
	a += cfg->naccounts;
	a->subscription = strdup(sub);
	a->rg = strdup(rg);
	a->name = strdup(name);
	a->location = strdup(loc);
	cfg->naccounts++;
	return a->subscription && a->rg && a->name && a->location ? 0 : -ENOMEM;
}

/* Azure's storage account names: 3-24 lowercase letters and digits. */
static int account_name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len < 3 || len > 24)
		return 0;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9')))
			return 0;
	return 1;
}

int sim_config_add_account(struct sim_config *cfg, const char *spec)
{
	const char *s1 = strchr(spec, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	char *sub, *rg;
	int rc;

	if (!s1 || !s2 || s1 == spec || s2 == s1 + 1 || !account_name_ok(s2 + 1))
		return -EINVAL;
	sub = strndup(spec, (size_t)(s1 - spec));
	rg = strndup(s1 + 1, (size_t)(s2 - s1 - 1));
	rc = sub && rg ? add_account(cfg, sub, rg, s2 + 1, SIM_DEFAULT_LOCATION) : -ENOMEM;
	free(sub);
	free(rg);
	return rc;
}

static int add_env(struct sim_config *cfg, const char *sub, const char *rg,
		   const char *name, const char *loc, const char *ws)
{
	struct sim_cfg_env *e = realloc(cfg->envs, (cfg->nenvs + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	cfg->envs = e;
	e += cfg->nenvs;
	e->subscription = strdup(sub);
	e->rg = strdup(rg);
	e->name = strdup(name);
	e->location = strdup(loc);
	e->workspace = strdup(ws);
	e->workload_profiles = NULL;
	e->log_destination = NULL;
	cfg->nenvs++;
	return e->subscription && e->rg && e->name && e->location && e->workspace
		       ? 0
		       : -ENOMEM;
}

/* The destination of the environment added last (NULL = log-analytics). */
static int set_env_dest(struct sim_config *cfg, const char *dest)
{
	struct sim_cfg_env *e = &cfg->envs[cfg->nenvs - 1];

	free(e->log_destination);
	e->log_destination = strdup(dest);
	return e->log_destination ? 0 : -ENOMEM;
}

int sim_config_defaults(struct sim_config *cfg)
{
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->listen_host = strdup("127.0.0.1");
	cfg->tenant = strdup(SIM_DEFAULT_TENANT);
	/* Azure: typically 20 s - 3 min, varying per record (README,
	 * "Defaults"). */
	cfg->ingestion_delay_ms = 30000;
	cfg->ingestion_jitter_ms = 10000;
	cfg->token_lifetime_s = 0;
	cfg->lro_delay_ms = 1000;
	cfg->logstream_retention_s = 150;
	cfg->replica_cleanup_s = 150;
	cfg->stop_grace_s = SIM_DEFAULT_STOP_GRACE_S;
	cfg->schedule_delay_ms = SIM_DEFAULT_SCHEDULE_DELAY_MS;
	cfg->page_size = 100;
	cfg->workloads = 1;
	/* ARM throttles every subscription; tight polling must fail here too. */
	cfg->arm_throttle = 1;
	if (!cfg->listen_host || !cfg->tenant)
		return -ENOMEM;
	rc |= add_str(&cfg->subscriptions, &cfg->nsubscriptions, SIM_DEFAULT_SUBSCRIPTION);
	rc |= add_rg(cfg, SIM_DEFAULT_SUBSCRIPTION, SIM_DEFAULT_RG, SIM_DEFAULT_LOCATION);
	rc |= add_env(cfg, SIM_DEFAULT_SUBSCRIPTION, SIM_DEFAULT_RG, SIM_DEFAULT_ENV,
		      SIM_DEFAULT_LOCATION, SIM_DEFAULT_WORKSPACE);
	rc |= add_env(cfg, SIM_DEFAULT_SUBSCRIPTION, SIM_DEFAULT_RG, SIM_DEFAULT_WP_ENV,
		      SIM_DEFAULT_LOCATION, SIM_DEFAULT_WORKSPACE);
	if (!rc && !(cfg->envs[cfg->nenvs - 1].workload_profiles = strdup(SIM_DEFAULT_WP_PROFILES)))
		rc = -ENOMEM;
	/* Azure Monitor destination, its diagnostic setting sending to the
	 * same workspace (README, "Seeds"). */
	if (!rc && !(rc = add_env(cfg, SIM_DEFAULT_SUBSCRIPTION, SIM_DEFAULT_RG, SIM_DEFAULT_ENV_AM,
				  SIM_DEFAULT_LOCATION, SIM_DEFAULT_WORKSPACE)))
		rc = set_env_dest(cfg, "azure-monitor");
	rc |= add_str(&cfg->workspaces, &cfg->nworkspaces, SIM_DEFAULT_WORKSPACE);
	rc |= add_account(cfg, SIM_DEFAULT_SUBSCRIPTION, SIM_DEFAULT_RG, SIM_DEFAULT_STORAGE_ACCOUNT,
			  SIM_DEFAULT_LOCATION);
	return rc ? -ENOMEM : 0;
}

int sim_config_set_listen(struct sim_config *cfg, const char *hostport)
{
	const char *colon = strrchr(hostport, ':');
	char *end;
	long port;
	char *host;

	if (!colon || colon == hostport)
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 0 || port > 65535)
		return -EINVAL;
	host = strndup(hostport, (size_t)(colon - hostport));
	if (!host)
		return -ENOMEM;
	free(cfg->listen_host);
	cfg->listen_host = host;
	cfg->listen_port = (unsigned int)port;
	return 0;
}

int sim_config_add_regmap(struct sim_config *cfg, const char *spec)
{
	const char *eq = strchr(spec, '=');
	struct sim_cfg_regmap *m;

	if (!eq || eq == spec || !eq[1])
		return -EINVAL;
	m = realloc(cfg->regmap, (cfg->nregmap + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	cfg->regmap = m;
	m += cfg->nregmap;
	m->from = strndup(spec, (size_t)(eq - spec));
	m->to = strdup(eq + 1);
	cfg->nregmap++;
	return m->from && m->to ? 0 : -ENOMEM;
}

void sim_config_free(struct sim_config *cfg)
{
	free(cfg->listen_host);
	free(cfg->port_file);
	free(cfg->base_url);
	free(cfg->tenant);
	free_strs(&cfg->subscriptions, &cfg->nsubscriptions);
	free_rgs(cfg);
	free_envs(cfg);
	free_accounts(cfg);
	free_strs(&cfg->workspaces, &cfg->nworkspaces);
	free_clients(cfg);
	free_regmap(cfg);
	free_strs(&cfg->insecure_registries, &cfg->ninsecure);
	free(cfg->state_dir);
	free(cfg->replica_subnet);
	free(cfg->faults_json);
	memset(cfg, 0, sizeof(*cfg));
}

/* --- file loading ------------------------------------------------------ */

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int set_str(char **dst, struct json_object *root, const char *key)
{
	const char *s = jstr(root, key);

	if (!s)
		return 0;
	free(*dst);
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

static int set_long(long *dst, struct json_object *root, const char *key, char **err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		*err = sim_strdupf("config: '%s' must be an integer", key);
		return -EINVAL;
	}
	*dst = (long)json_object_get_int64(v);
	return 0;
}

static int set_bool(int *dst, struct json_object *root, const char *key, char **err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		*err = sim_strdupf("config: '%s' must be true or false", key);
		return -EINVAL;
	}
	*dst = json_object_get_boolean(v);
	return 0;
}

static struct json_object *arr(struct json_object *root, const char *key, char **err,
			       int *bad)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, key, &v))
		return NULL;
	if (!json_object_is_type(v, json_type_array)) {
		*err = sim_strdupf("config: '%s' must be an array", key);
		*bad = 1;
		return NULL;
	}
	return v;
}

static int load_lists(struct sim_config *cfg, struct json_object *root, char **err)
{
	struct json_object *a;
	int bad = 0;
	size_t n;

	if ((a = arr(root, "subscriptions", err, &bad))) {
		free_strs(&cfg->subscriptions, &cfg->nsubscriptions);
		n = sim_alen(a);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			const char *s = json_object_is_type(e, json_type_string)
						? json_object_get_string(e)
						: jstr(e, "id");
			if (!s) {
				*err = sim_strdupf("config: subscriptions[%zu] needs a string id", i);
				return -EINVAL;
			}
			if (add_str(&cfg->subscriptions, &cfg->nsubscriptions, s))
				return -ENOMEM;
		}
	}
	if (bad)
		return -EINVAL;
	if ((a = arr(root, "resourceGroups", err, &bad))) {
		free_rgs(cfg);
		n = sim_alen(a);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			const char *sub = jstr(e, "subscription");
			const char *name = jstr(e, "name");
			const char *loc = jstr(e, "location");
			if (!name) {
				*err = sim_strdupf("config: resourceGroups[%zu] needs a name", i);
				return -EINVAL;
			}
			if (add_rg(cfg, sub ? sub : cfg->nsubscriptions ? cfg->subscriptions[0]
								  : SIM_DEFAULT_SUBSCRIPTION,
				   name, loc ? loc : SIM_DEFAULT_LOCATION))
				return -ENOMEM;
		}
	}
	if (bad)
		return -EINVAL;
	if ((a = arr(root, "workspaces", err, &bad))) {
		free_strs(&cfg->workspaces, &cfg->nworkspaces);
		n = sim_alen(a);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			const char *s = json_object_is_type(e, json_type_string)
						? json_object_get_string(e)
						: jstr(e, "customerId");
			if (!s) {
				*err = sim_strdupf("config: workspaces[%zu] needs a customerId", i);
				return -EINVAL;
			}
			if (add_str(&cfg->workspaces, &cfg->nworkspaces, s))
				return -ENOMEM;
		}
	}
	if (bad)
		return -EINVAL;
	if ((a = arr(root, "managedEnvironments", err, &bad))) {
		free_envs(cfg);
		n = sim_alen(a);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			const char *sub = jstr(e, "subscription");
			const char *rg = jstr(e, "resourceGroup");
			const char *name = jstr(e, "name");
			const char *loc = jstr(e, "location");
			const char *ws = jstr(e, "workspaceCustomerId");
			struct json_object *wp;
			const char *dest = jstr(e, "logDestination");
			enum la_dest d;
			if (!name || !rg) {
				*err = sim_strdupf("config: managedEnvironments[%zu] needs name and resourceGroup", i);
				return -EINVAL;
			}
			if (la_dest_parse(dest, &d)) {
				*err = sim_strdupf("config: managedEnvironments[%zu].logDestination must be "
						   "log-analytics, azure-monitor or none", i);
				return -EINVAL;
			}
			if (add_env(cfg, sub ? sub : cfg->nsubscriptions ? cfg->subscriptions[0]
								  : SIM_DEFAULT_SUBSCRIPTION,
				    rg, name, loc ? loc : SIM_DEFAULT_LOCATION,
				    ws ? ws : cfg->nworkspaces ? cfg->workspaces[0]
							       : SIM_DEFAULT_WORKSPACE) ||
			    (dest && set_env_dest(cfg, la_dest_name(d))))
				return -ENOMEM;
			if (json_object_object_get_ex(e, "workloadProfiles", &wp) && wp) {
				if (!json_object_is_type(wp, json_type_array)) {
					*err = sim_strdupf("config: managedEnvironments[%zu].workloadProfiles must be an array", i);
					return -EINVAL;
				}
				cfg->envs[cfg->nenvs - 1].workload_profiles =
					strdup(json_object_to_json_string_ext(wp, JSON_C_TO_STRING_PLAIN));
				if (!cfg->envs[cfg->nenvs - 1].workload_profiles)
					return -ENOMEM;
			}
		}
	}
	if (bad)
		return -EINVAL;
	if ((a = arr(root, "storageAccounts", err, &bad))) {
		free_accounts(cfg);
		n = sim_alen(a);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			const char *sub = jstr(e, "subscription");
			const char *rg = jstr(e, "resourceGroup");
			const char *name = jstr(e, "name");
			const char *loc = jstr(e, "location");
			if (!name || !rg || !account_name_ok(name)) {
				*err = sim_strdupf("config: storageAccounts[%zu] needs resourceGroup and a "
						   "name of 3-24 lowercase letters and digits", i);
				return -EINVAL;
			}
			if (add_account(cfg, sub ? sub : cfg->nsubscriptions ? cfg->subscriptions[0]
									      : SIM_DEFAULT_SUBSCRIPTION,
					rg, name, loc ? loc : SIM_DEFAULT_LOCATION))
				return -ENOMEM;
		}
	}
	if (bad)
		return -EINVAL;
	if ((a = arr(root, "clients", err, &bad))) {
		free_clients(cfg);
		n = sim_alen(a);
		cfg->clients = calloc(n ? n : 1, sizeof(*cfg->clients));
		if (!cfg->clients)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			const char *id = jstr(e, "clientId");
			const char *sec = jstr(e, "clientSecret");
			if (!id) {
				*err = sim_strdupf("config: clients[%zu] needs clientId", i);
				return -EINVAL;
			}
			cfg->clients[i].id = strdup(id);
			cfg->clients[i].secret = sec ? strdup(sec) : NULL;
			cfg->nclients++;
		}
	}
	if (bad)
		return -EINVAL;
	{
		struct json_object *m;
		if (json_object_object_get_ex(root, "registryMap", &m)) {
			if (!json_object_is_type(m, json_type_object)) {
				*err = strdup("config: 'registryMap' must be an object");
				return -EINVAL;
			}
			free_regmap(cfg);
			json_object_object_foreach(m, key, val) {
				char *spec;
				int rc;
				if (!json_object_is_type(val, json_type_string)) {
					*err = sim_strdupf("config: registryMap['%s'] must be a string", key);
					return -EINVAL;
				}
				spec = sim_strdupf("%s=%s", key, json_object_get_string(val));
				rc = spec ? sim_config_add_regmap(cfg, spec) : -ENOMEM;
				free(spec);
				if (rc)
					return rc;
			}
		}
	}
	if ((a = arr(root, "insecureRegistries", err, &bad))) {
		free_strs(&cfg->insecure_registries, &cfg->ninsecure);
		n = sim_alen(a);
		for (size_t i = 0; i < n; i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(a, i));
			if (s && add_str(&cfg->insecure_registries, &cfg->ninsecure, s))
				return -ENOMEM;
		}
	}
	if (bad)
		return -EINVAL;
	if ((a = arr(root, "faults", err, &bad))) {
		free(cfg->faults_json);
		cfg->faults_json = strdup(json_object_to_json_string_ext(
			a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		if (!cfg->faults_json)
			return -ENOMEM;
	}
	return bad ? -EINVAL : 0;
}

int sim_config_load(struct sim_config *cfg, const char *path, char **err)
{
	struct json_object *root;
	int rc = 0;

	*err = NULL;
	root = json_object_from_file(path);
	if (!root) {
		*err = sim_strdupf("config: cannot read JSON from '%s': %s", path,
				   json_util_get_last_err() ? json_util_get_last_err() : "?");
		return -EINVAL;
	}
	if (!json_object_is_type(root, json_type_object)) {
		*err = sim_strdupf("config: '%s' must hold a JSON object", path);
		rc = -EINVAL;
		goto out;
	}
	if ((rc = set_str(&cfg->tenant, root, "tenant")) ||
	    (rc = set_str(&cfg->base_url, root, "baseUrl")) ||
	    (rc = set_str(&cfg->state_dir, root, "stateDir")) ||
	    (rc = set_str(&cfg->replica_subnet, root, "replicaSubnet")))
		goto out;
	{
		const char *listen = jstr(root, "listen");
		if (listen && sim_config_set_listen(cfg, listen)) {
			*err = sim_strdupf("config: bad 'listen' value '%s' (HOST:PORT)", listen);
			rc = -EINVAL;
			goto out;
		}
	}
	if ((rc = set_long(&cfg->ingestion_delay_ms, root, "ingestionDelayMs", err)) ||
	    (rc = set_long(&cfg->ingestion_jitter_ms, root, "ingestionJitterMs", err)) ||
	    (rc = set_long(&cfg->token_lifetime_s, root, "tokenLifetimeSeconds", err)) ||
	    (rc = set_long(&cfg->lro_delay_ms, root, "lroDelayMs", err)) ||
	    (rc = set_long(&cfg->logstream_retention_s, root, "logRetentionSeconds", err)) ||
	    (rc = set_long(&cfg->replica_cleanup_s, root, "replicaCleanupSeconds", err)) ||
	    (rc = set_long(&cfg->stop_grace_s, root, "stopGraceSeconds", err)) ||
	    (rc = set_long(&cfg->schedule_delay_ms, root, "scheduleDelayMs", err)))
		goto out;
	if (cfg->stop_grace_s < 0 || cfg->schedule_delay_ms < 0 ||
	    cfg->schedule_delay_ms > 600000) {
		*err = strdup("config: 'stopGraceSeconds' must be >= 0 and 'scheduleDelayMs' 0..600000");
		rc = -EINVAL;
		goto out;
	}
	{
		long ps = cfg->page_size;
		if ((rc = set_long(&ps, root, "pageSize", err)))
			goto out;
		if (ps < 1 || ps > 1000) {
			*err = strdup("config: 'pageSize' must be 1..1000");
			rc = -EINVAL;
			goto out;
		}
		cfg->page_size = (int)ps;
	}
	if ((rc = set_bool(&cfg->workloads, root, "workloads", err)) ||
	    (rc = set_bool(&cfg->arm_throttle, root, "armThrottle", err)) ||
	    (rc = set_bool(&cfg->image_pull_fail_fast, root, "imagePullFailFast", err)) ||
	    (rc = set_bool(&cfg->host_network, root, "hostNetwork", err)))
		goto out;
	rc = load_lists(cfg, root, err);
out:
	json_object_put(root);
	if (rc && !*err)
		*err = sim_strdupf("config: error %d", rc);
	return rc;
}
