/* sim_state.c - in-memory ARM resources. */
#include "config.h"

#include "sim_state.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sim_region.h"
#include "sim_util.h"

static pthread_mutex_t state_mu = PTHREAD_MUTEX_INITIALIZER;

void sim_state_lock(void)
{
	pthread_mutex_lock(&state_mu);
}

void sim_state_unlock(void)
{
	pthread_mutex_unlock(&state_mu);
}

static void rg_free(struct sim_rg *r)
{
	free(r->sub);
	free(r->name);
	free(r->location);
	json_object_put(r->tags);
	free(r);
}

void sim_envstore_free(struct sim_envstore *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->account);
	free(s->key);
	free(s->share);
	free(s);
}

static void account_free(struct sim_stacct *a)
{
	free(a->sub);
	free(a->rg);
	free(a->name);
	free(a->location);
	json_object_put(a->shares);
	free(a);
}

static void env_free(struct sim_env *e)
{
	while (e->stores) {
		struct sim_envstore *n = e->stores->next;
		sim_envstore_free(e->stores);
		e->stores = n;
	}
	free(e->sub);
	free(e->rg);
	free(e->name);
	free(e->location);
	free(e->workspace);
	json_object_put(e->doc);
	free(e);
}

void sim_replica_free(struct sim_replica *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nctrs; i++) {
		free(r->ctrs[i].name);
		free(r->ctrs[i].image);
	}
	free(r->ctrs);
	free(r->name);
	free(r);
}

void sim_exec_free(struct sim_exec *ex)
{
	if (!ex)
		return;
	while (ex->replicas) {
		struct sim_replica *n = ex->replicas->next;
		sim_replica_free(ex->replicas);
		ex->replicas = n;
	}
	json_object_put(ex->template);
	free(ex->name);
	free(ex->reason);
	free(ex->message);
	free(ex);
}

static void job_free(struct sim_job *j)
{
	while (j->execs) {
		struct sim_exec *n = j->execs->next;
		sim_exec_free(j->execs);
		j->execs = n;
	}
	json_object_put(j->doc);
	free(j->sub);
	free(j->rg);
	free(j->name);
	free(j->id);
	free(j);
}

static void op_free(struct sim_op *o)
{
	free(o->resource_id);
	free(o->sub);
	free(o->rg);
	free(o->job);
	free(o->result);
	free(o);
}

struct sim_state *sim_state_new(const struct sim_config *cfg)
{
	struct sim_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->subs = calloc(cfg->nsubscriptions ? cfg->nsubscriptions : 1, sizeof(char *));
	if (!st->subs)
		goto fail;
	for (size_t i = 0; i < cfg->nsubscriptions; i++) {
		st->subs[i] = strdup(cfg->subscriptions[i]);
		if (!st->subs[i])
			goto fail;
		st->nsubs++;
	}
	for (size_t i = 0; i < cfg->nrgs; i++)
		if (!sim_state_add_rg(st, cfg->rgs[i].subscription, cfg->rgs[i].name,
				      cfg->rgs[i].location))
			goto fail;
	for (size_t i = 0; i < cfg->nenvs; i++) {
		const struct sim_cfg_env *e = &cfg->envs[i];
		struct sim_env *env;
		if (!sim_state_rg(st, e->subscription, e->rg) &&
		    !sim_state_add_rg(st, e->subscription, e->rg, e->location))
			goto fail;
		env = sim_state_add_env(st, e->subscription, e->rg, e->name, e->location,
					e->workspace);
		if (!env)
			goto fail;
		if (e->log_destination)
			la_dest_parse(e->log_destination, &env->log_dest); /* checked at load */
		/* Seeded workload profiles live where a PUT would put them. */
		if (e->workload_profiles) {
			struct json_object *props, *wp = json_tokener_parse(e->workload_profiles);
			if (!wp)
				goto fail;
			env->doc = json_object_new_object();
			props = json_object_new_object();
			json_object_object_add(props, "workloadProfiles", wp);
			json_object_object_add(env->doc, "properties", props);
		}
	}
	for (size_t i = 0; i < cfg->naccounts; i++) {
		const struct sim_cfg_account *a = &cfg->accounts[i];
		if (!sim_state_add_account(st, a->subscription, a->rg, a->name, a->location))
			goto fail;
	}
	return st;
fail:
	sim_state_free(st);
	return NULL;
}

void sim_state_free(struct sim_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nsubs; i++)
		free(st->subs[i]);
	free(st->subs);
	while (st->rgs) {
		struct sim_rg *n = st->rgs->next;
		rg_free(st->rgs);
		st->rgs = n;
	}
	while (st->envs) {
		struct sim_env *n = st->envs->next;
		env_free(st->envs);
		st->envs = n;
	}
	while (st->accounts) {
		struct sim_stacct *n = st->accounts->next;
		account_free(st->accounts);
		st->accounts = n;
	}
	while (st->jobs) {
		struct sim_job *n = st->jobs->next;
		job_free(st->jobs);
		st->jobs = n;
	}
	while (st->ops) {
		struct sim_op *n = st->ops->next;
		op_free(st->ops);
		st->ops = n;
	}
	free(st);
}

int sim_state_has_sub(struct sim_state *st, const char *sub)
{
	for (size_t i = 0; i < st->nsubs; i++)
		if (strcasecmp(st->subs[i], sub) == 0)
			return 1;
	return 0;
}

struct sim_rg *sim_state_rg(struct sim_state *st, const char *sub, const char *rg)
{
	for (struct sim_rg *r = st->rgs; r; r = r->next)
		if (strcasecmp(r->sub, sub) == 0 && strcasecmp(r->name, rg) == 0)
			return r;
	return NULL;
}

struct sim_stacct *sim_state_account(struct sim_state *st, const char *sub,
				     const char *rg, const char *name)
{
	for (struct sim_stacct *a = st->accounts; a; a = a->next)
		if (strcasecmp(a->sub, sub) == 0 && strcasecmp(a->rg, rg) == 0 &&
		    strcasecmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* Storage names are matched exactly: Azure keeps them lowercase. */
struct sim_envstore *sim_env_store(struct sim_env *e, const char *name)
{
	for (struct sim_envstore *s = e ? e->stores : NULL; s; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/* A storage account key: 64 random bytes in base64 (88 characters), the
 * shape of the keys listKeys returns on Azure. */
static int new_key(char out[96])
{
	unsigned char raw[64];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw));
	return 0;
}

struct sim_stacct *sim_state_add_account(struct sim_state *st, const char *sub,
					 const char *rg, const char *name,
					 const char *location)
{
	struct sim_stacct *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->sub = strdup(sub);
	a->rg = strdup(rg);
	a->name = strdup(name);
	a->location = strdup(location ? location : SIM_DEFAULT_LOCATION);
	if (!a->sub || !a->rg || !a->name || !a->location || new_key(a->key1) ||
	    new_key(a->key2)) {
		account_free(a);
		return NULL;
	}
	a->next = st->accounts;
	st->accounts = a;
	return a;
}

struct sim_env *sim_state_env(struct sim_state *st, const char *sub,
			      const char *rg, const char *name)
{
	for (struct sim_env *e = st->envs; e; e = e->next)
		if (strcasecmp(e->sub, sub) == 0 && strcasecmp(e->rg, rg) == 0 &&
		    strcasecmp(e->name, name) == 0)
			return e;
	return NULL;
}

struct sim_env *sim_state_env_by_id(struct sim_state *st, const char *id)
{
	/* /subscriptions/S/resourceGroups/R/providers/Microsoft.App/managedEnvironments/N */
	char *copy, *save = NULL, *seg[9];
	int n = 0;
	struct sim_env *e = NULL;

	if (!id || !(copy = strdup(id)))
		return NULL;
	for (char *t = strtok_r(copy, "/", &save); t && n < 9; t = strtok_r(NULL, "/", &save))
		seg[n++] = t;
	if (n == 8 && !strtok_r(NULL, "/", &save) &&
	    strcasecmp(seg[0], "subscriptions") == 0 &&
	    strcasecmp(seg[2], "resourceGroups") == 0 &&
	    strcasecmp(seg[4], "providers") == 0 &&
	    strcasecmp(seg[5], "Microsoft.App") == 0 &&
	    strcasecmp(seg[6], "managedEnvironments") == 0)
		e = sim_state_env(st, seg[1], seg[3], seg[7]);
	free(copy);
	return e;
}

struct sim_job *sim_state_job(struct sim_state *st, const char *sub,
			      const char *rg, const char *name)
{
	for (struct sim_job *j = st->jobs; j; j = j->next)
		if (strcasecmp(j->sub, sub) == 0 && strcasecmp(j->rg, rg) == 0 &&
		    strcasecmp(j->name, name) == 0)
			return j;
	return NULL;
}

struct sim_exec *sim_job_exec(struct sim_job *job, const char *name)
{
	for (struct sim_exec *e = job->execs; e; e = e->next)
		if (strcasecmp(e->name, name) == 0)
			return e;
	return NULL;
}

struct sim_replica *sim_exec_replica(struct sim_exec *ex, const char *name)
{
	for (struct sim_replica *r = ex->replicas; r; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

struct sim_ctr *sim_replica_ctr(struct sim_replica *r, const char *name)
{
	for (size_t i = 0; i < r->nctrs; i++)
		if (strcmp(r->ctrs[i].name, name) == 0)
			return &r->ctrs[i];
	return NULL;
}

struct sim_rg *sim_state_add_rg(struct sim_state *st, const char *sub,
				const char *name, const char *location)
{
	struct sim_rg *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->sub = strdup(sub);
	r->name = strdup(name);
	/* Kept as ARM's short name ("eastus"); unknown names as given. */
	r->location = strdup(sim_region_name(location) ? sim_region_name(location)
			     : location ? location : SIM_DEFAULT_LOCATION);
	if (!r->sub || !r->name || !r->location) {
		rg_free(r);
		return NULL;
	}
	r->next = st->rgs;
	st->rgs = r;
	return r;
}

struct sim_env *sim_state_add_env(struct sim_state *st, const char *sub,
				  const char *rg, const char *name,
				  const char *location, const char *workspace)
{
	struct sim_env *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->sub = strdup(sub);
	e->rg = strdup(rg);
	e->name = strdup(name);
	e->location = strdup(sim_region_name(location) ? sim_region_name(location)
			     : location ? location : SIM_DEFAULT_LOCATION);
	e->workspace = workspace ? strdup(workspace) : NULL;
	e->log_dest = LA_DEST_LOG_ANALYTICS;
	if (!e->sub || !e->rg || !e->name || !e->location || (workspace && !e->workspace)) {
		env_free(e);
		return NULL;
	}
	e->next = st->envs;
	st->envs = e;
	return e;
}

struct sim_job *sim_state_add_job(struct sim_state *st, const char *sub,
				  const char *rg, const char *name)
{
	struct sim_job *j = calloc(1, sizeof(*j));
	struct sim_job **tail;

	if (!j)
		return NULL;
	j->sub = strdup(sub);
	j->rg = strdup(rg);
	j->name = strdup(name);
	j->id = sim_strdupf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.App/jobs/%s",
			    sub, rg, name);
	if (!j->sub || !j->rg || !j->name || !j->id) {
		job_free(j);
		return NULL;
	}
	/* Keep creation order so lists and pages are stable. */
	for (tail = &st->jobs; *tail; tail = &(*tail)->next)
		;
	*tail = j;
	return j;
}

void sim_state_remove_job(struct sim_state *st, struct sim_job *job)
{
	for (struct sim_job **p = &st->jobs; *p; p = &(*p)->next) {
		if (*p == job) {
			*p = job->next;
			job_free(job);
			return;
		}
	}
}

struct sim_exec *sim_job_add_exec(struct sim_state *st, struct sim_job *job,
				  const char *name)
{
	struct sim_exec *ex = calloc(1, sizeof(*ex));

	if (!ex)
		return NULL;
	ex->name = strdup(name);
	if (!ex->name) {
		free(ex);
		return NULL;
	}
	/* Kubernetes' pod phase Pending: waiting for a node and the images. */
	snprintf(ex->status, sizeof(ex->status), "Processing");
	ex->start = sim_now();
	ex->seq = ++st->exec_seq;
	ex->next = job->execs;
	job->execs = ex;
	return ex;
}

struct sim_replica *sim_exec_add_replica(struct sim_exec *ex, const char *name)
{
	struct sim_replica *r = calloc(1, sizeof(*r));
	struct sim_replica **tail;

	if (!r)
		return NULL;
	r->name = strdup(name);
	if (!r->name) {
		free(r);
		return NULL;
	}
	r->created = sim_now();
	for (tail = &ex->replicas; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	return r;
}

struct sim_op *sim_state_add_op(struct sim_state *st, enum sim_op_kind kind,
				const char *resource_id, int64_t done_in_ms)
{
	struct sim_op *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	sim_uuid(o->id);
	o->kind = kind;
	o->resource_id = strdup(resource_id ? resource_id : "");
	if (!o->resource_id) {
		free(o);
		return NULL;
	}
	o->start = sim_now();
	o->done_at_ms = sim_mono_ms() + (done_in_ms > 0 ? done_in_ms : 0);
	o->next = st->ops;
	st->ops = o;
	return o;
}

struct sim_op *sim_state_op(struct sim_state *st, const char *id)
{
	for (struct sim_op *o = st->ops; o; o = o->next)
		if (strcasecmp(o->id, id) == 0)
			return o;
	return NULL;
}
