/* exec_plan.c - launch plans: everything needed to start (more) replicas of
 * one execution, taken from the job and the execution template. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "exec_priv.h"
#include "sim_ctx.h"
#include "sim_json.h"
#include "sim_lro.h"
#include "sim_storage.h"

static void *plan_keep(struct plan *p, void *mem)
{
	if (!mem)
		return NULL;
	if (p->nallocs == p->capallocs) {
		size_t cap = p->capallocs ? p->capallocs * 2 : 32;
		void **a = realloc(p->allocs, cap * sizeof(*a));
		if (!a) {
			free(mem);
			return NULL;
		}
		p->allocs = a;
		p->capallocs = cap;
	}
	p->allocs[p->nallocs++] = mem;
	return mem;
}

static char *plan_str(struct plan *p, const char *s)
{
	return s ? plan_keep(p, strdup(s)) : NULL;
}

void sim_plan_unref(struct plan *p)
{
	int last;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	last = --p->refs == 0;
	pthread_mutex_unlock(&p->mu);
	if (!last)
		return;
	for (size_t i = 0; i < p->nallocs; i++)
		free(p->allocs[i]);
	free(p->allocs);
	free(p->sub);
	free(p->rg);
	free(p->job);
	free(p->job_id);
	free(p->exec);
	free(p->env_name);
	free(p->workspace);
	free(p->location);
	free(p->env_id);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

void sim_plan_ref(struct plan *p)
{
	pthread_mutex_lock(&p->mu);
	p->refs++;
	pthread_mutex_unlock(&p->mu);
}

const char *sim_plan_secret(struct json_object *secrets, const char *name)
{
	for (size_t i = 0; secrets && i < sim_alen(secrets); i++) {
		struct json_object *s = json_object_array_get_idx(secrets, i);
		const char *n = sim_jstr(s, "name");
		if (n && strcmp(n, name) == 0)
			return sim_jstr(s, "value") ? sim_jstr(s, "value") : "";
	}
	return NULL;
}

static const char *const *plan_argv(struct plan *p, struct json_object *arr)
{
	size_t n = arr ? sim_alen(arr) : 0;
	const char **v;

	if (!n)
		return NULL;
	v = plan_keep(p, calloc(n + 1, sizeof(*v)));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
		v[i] = plan_str(p, s ? s : "");
	}
	return v;
}

/* Fill one container spec from a JobExecutionContainer-shaped object;
 * mounts come from the job template container of the same name. */
static int plan_container(struct plan *p, struct run_container_spec *c,
			  struct json_object *src, struct json_object *job_ctrs,
			  struct json_object *secrets)
{
	struct json_object *env = sim_jget(src, "env"), *res = sim_jget(src, "resources");
	struct json_object *mounts = NULL;
	size_t n;

	c->name = plan_str(p, sim_jstr(src, "name"));
	c->image = plan_str(p, sim_jstr(src, "image"));
	c->command = plan_argv(p, sim_jget(src, "command"));
	c->args = plan_argv(p, sim_jget(src, "args"));
	c->cpu = res && sim_jget(res, "cpu") ? json_object_get_double(sim_jget(res, "cpu")) : 0.5;
	c->memory = plan_str(p, sim_jstr(res, "memory") ? sim_jstr(res, "memory") : "1Gi");
	n = env ? sim_alen(env) : 0;
	if (n) {
		struct run_env_var *ev = plan_keep(p, calloc(n, sizeof(*ev)));
		if (!ev)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(env, i);
			const char *ref = sim_jstr(e, "secretRef");
			ev[i].name = plan_str(p, sim_jstr(e, "name"));
			if (ref) {
				/* secretRef resolved here, from the job's secrets. */
				const char *val = sim_plan_secret(secrets, ref);
				if (!val)
					return -ENOENT;
				ev[i].value = plan_str(p, val);
			} else {
				ev[i].value = plan_str(p, sim_jstr(e, "value") ? sim_jstr(e, "value") : "");
			}
		}
		c->env = ev;
		c->n_env = n;
	}
	for (size_t i = 0; job_ctrs && i < sim_alen(job_ctrs); i++) {
		struct json_object *jc = json_object_array_get_idx(job_ctrs, i);
		if (sim_jstr(jc, "name") && c->name && strcmp(sim_jstr(jc, "name"), c->name) == 0)
			mounts = sim_jget(jc, "volumeMounts");
	}
	n = mounts ? sim_alen(mounts) : 0;
	if (n) {
		struct run_volume_mount *m = plan_keep(p, calloc(n, sizeof(*m)));
		if (!m)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_array_get_idx(mounts, i);
			m[i].volume_name = plan_str(p, sim_jstr(o, "volumeName"));
			m[i].mount_path = plan_str(p, sim_jstr(o, "mountPath"));
			m[i].sub_path = plan_str(p, sim_jstr(o, "subPath"));
		}
		c->mounts = m;
		c->n_mounts = n;
	}
	return 0;
}

static int plan_containers(struct plan *p, struct json_object *arr, struct json_object *job_ctrs,
			   struct json_object *secrets, const struct run_container_spec **out,
			   size_t *nout)
{
	size_t n = arr ? sim_alen(arr) : 0;
	struct run_container_spec *c;

	*out = NULL;
	*nout = 0;
	if (!n)
		return 0;
	c = plan_keep(p, calloc(n, sizeof(*c)));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int rc = plan_container(p, &c[i], json_object_array_get_idx(arr, i), job_ctrs, secrets);
		if (rc)
			return rc;
	}
	*out = c;
	*nout = n;
	return 0;
}

/* Build a plan for executing tmpl (the effective JobExecutionTemplate) of
 * job; state lock held. Released with sim_plan_unref(); NULL on ENOMEM. */
struct plan *sim_plan_build(struct sim_job *job, const char *exec, struct json_object *tmpl)
{
	struct sim_ctx *ctx = sim_ctx();
	struct json_object *props = sim_jget(job->doc, "properties");
	struct json_object *cfg = sim_jget(props, "configuration");
	struct json_object *jt = sim_jget(props, "template");
	struct json_object *secrets = sim_jget(cfg, "secrets");
	struct json_object *vols = sim_jget(jt, "volumes"), *regs = sim_jget(cfg, "registries");
	struct sim_env *env = sim_state_env_by_id(ctx->state, sim_jstr(props, "environmentId"));
	struct plan *p = calloc(1, sizeof(*p));
	char loc[64];
	size_t n;

	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	p->refs = 1;
	sim_lro_norm_location(sim_jstr(job->doc, "location"), loc, sizeof(loc));
	p->sub = strdup(job->sub);
	p->rg = strdup(job->rg);
	p->job = strdup(job->name);
	p->job_id = strdup(job->id);
	p->exec = strdup(exec);
	p->env_name = strdup(env ? env->name : "");
	p->workspace = strdup(env && env->workspace ? env->workspace : "");
	p->location = strdup(loc);
	p->env_id = strdup(env ? sim_jstr(props, "environmentId") : "");
	p->log_dest = env ? env->log_dest : LA_DEST_NONE;
	if (!p->sub || !p->rg || !p->job || !p->job_id || !p->exec || !p->env_name ||
	    !p->workspace || !p->location || !p->env_id)
		goto fail;
	if (plan_containers(p, sim_jget(tmpl, "initContainers"), sim_jget(jt, "initContainers"), secrets,
			    &p->spec.init_containers, &p->spec.n_init_containers) ||
	    plan_containers(p, sim_jget(tmpl, "containers"), sim_jget(jt, "containers"), secrets,
			    &p->spec.containers, &p->spec.n_containers))
		goto fail;
	n = vols ? sim_alen(vols) : 0;
	if (n) {
		struct run_volume *v = plan_keep(p, calloc(n, sizeof(*v)));
		if (!v)
			goto fail;
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_array_get_idx(vols, i);
			const char *sn = sim_jstr(o, "storageName");
			struct sim_envstore *st = sn ? sim_env_store(env, sn) : NULL;

			v[i].name = plan_str(p, sim_jstr(o, "name"));
			v[i].storage_type = plan_str(p, sim_jstr(o, "storageType"));
			/* An AzureFile volume is its share's directory; a storage
			 * gone since the job was written fails the replica. */
			if (st && v[i].storage_type && !strcmp(v[i].storage_type, "AzureFile")) {
				char *dir = sim_storage_share_dir(st->account, st->share);
				v[i].host_path = plan_str(p, dir);
				v[i].read_only = st->read_only;
				free(dir);
				if (!v[i].host_path)
					goto fail;
			}
		}
		p->spec.volumes = v;
		p->spec.n_volumes = n;
	}
	n = regs ? sim_alen(regs) : 0;
	if (n) {
		struct run_registry_cred *r = plan_keep(p, calloc(n, sizeof(*r)));
		if (!r)
			goto fail;
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_array_get_idx(regs, i);
			const char *ref = sim_jstr(o, "passwordSecretRef");
			r[i].server = plan_str(p, sim_jstr(o, "server"));
			r[i].username = plan_str(p, sim_jstr(o, "username"));
			r[i].password = plan_str(p, ref ? sim_plan_secret(secrets, ref) : NULL);
		}
		p->spec.registries = r;
		p->spec.n_registries = n;
	}
	p->spec.replica_timeout_s = sim_jget(cfg, "replicaTimeout")
					    ? json_object_get_int(sim_jget(cfg, "replicaTimeout"))
					    : 1800;
	p->spec.stop_grace_s = (int)ctx->cfg->stop_grace_s;
	p->spec.pull_retry = !ctx->cfg->image_pull_fail_fast;
	return p;
fail:
	sim_plan_unref(p);
	return NULL;
}
