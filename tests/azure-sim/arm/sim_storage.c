/* sim_storage.c - the Microsoft.Storage side of Azure Files (account keys,
 * file shares) and Microsoft.App managedEnvironments/{env}/storages, so a
 * job's AzureFile volume can be created and mounted. Wire shapes follow
 * azure-rest-api-specs: Microsoft.Storage 2023-05-01 storage.json and
 * file.json, Microsoft.App 2025-07-01 ManagedEnvironmentsStorages.json. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "oci_fs.h"
#include "sim_arm.h"
#include "sim_ctx.h"
#include "sim_json.h"
#include "sim_routes.h"
#include "sim_state.h"
#include "sim_storage.h"
#include "sim_util.h"

/* Azure's default quota of a standard file share, GiB (file.json). */
#define SHARE_DEFAULT_QUOTA 5120
#define SHARE_MAX_QUOTA 102400

char *sim_storage_share_dir(const char *account, const char *share)
{
	const char *base = sim_ctx()->cfg->state_dir ? sim_ctx()->cfg->state_dir
						      : SIM_DEFAULT_STATE_DIR;

	return sim_strdupf("%s/shares/%s/%s", base, account, share);
}

/* Share names (file.json, Azure Files naming rules): 3-63 characters,
 * lowercase letters, digits and single dashes, starting and ending with a
 * letter or digit. */
static int share_name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len < 3 || len > 63 || n[0] == '-' || n[len - 1] == '-')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];
		if (c == '-' ? n[i + 1] == '-' : !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

/* Look up the account of the request (params 0-2), answering ARM's 404
 * when it is missing. Lock held. */
static struct sim_stacct *account_or_404(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_stacct *a = sim_state_account(sim_ctx()->state, req->params[0], req->params[1],
						 req->params[2]);

	if (!a)
		sim_arm_error(resp, 404, "ResourceNotFound", NULL,
			      "The Resource 'Microsoft.Storage/storageAccounts/%s' under resource "
			      "group '%s' was not found. For more details please go to "
			      "https://aka.ms/ARMResourceNotFoundFix",
			      req->params[2], req->params[1]);
	return a;
}

void sim_h_st_list_keys(struct sim_req *req, struct sim_resp *resp)
{
	struct json_object *out = NULL, *keys;
	struct sim_stacct *a;

	if (sim_arm_check_scope(resp, req->params[0], req->params[1]))
		return;
	sim_state_lock();
	a = account_or_404(req, resp);
	if (a) {
		out = json_object_new_object();
		keys = json_object_new_array();
		for (int i = 0; i < 2; i++) {
			struct json_object *k = json_object_new_object();
			json_object_object_add(k, "keyName", json_object_new_string(i ? "key2" : "key1"));
			json_object_object_add(k, "value", json_object_new_string(i ? a->key2 : a->key1));
			json_object_object_add(k, "permissions", json_object_new_string("FULL"));
			json_object_array_add(keys, k);
		}
		json_object_object_add(out, "keys", keys);
	}
	sim_state_unlock();
	if (out) {
		sim_resp_json(resp, 200, out);
		json_object_put(out);
	}
}

/* FileShare body; the caller puts it. */
static struct json_object *render_share(struct sim_stacct *a, const char *share,
					struct json_object *props)
{
	struct json_object *o = json_object_new_object(), *p = NULL;
	char *id = sim_strdupf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/"
			       "storageAccounts/%s/fileServices/default/shares/%s",
			       a->sub, a->rg, a->name, share);

	json_object_object_add(o, "id", json_object_new_string(id ? id : ""));
	free(id);
	json_object_object_add(o, "name", json_object_new_string(share));
	json_object_object_add(o, "type",
			       json_object_new_string("Microsoft.Storage/storageAccounts/fileServices/shares"));
	json_object_deep_copy(props, &p, NULL);
	json_object_object_add(o, "properties", p ? p : json_object_new_object());
	return o;
}

void sim_h_share_put(struct sim_req *req, struct sim_resp *resp)
{
	const char *share = req->params[3];
	struct json_object *body = NULL, *bp, *q, *md, *props = NULL, *out = NULL, *old;
	struct sim_stacct *a;
	int64_t quota = SHARE_DEFAULT_QUOTA;
	char ts[48], *dir = NULL;
	struct timespec now;
	int created = 0, rc;

	if (sim_arm_check_scope(resp, req->params[0], req->params[1]))
		return;
	if (!share_name_ok(share)) {
		/* choice: the storage RP's wording for a bad share name */
		sim_arm_error(resp, 400, "InvalidResourceName", NULL,
			      "The specifed resource name contains invalid characters.");
		return;
	}
	if (sim_arm_parse_body(req, resp, 1, &body))
		return;
	bp = sim_jget(body, "properties");
	if ((q = sim_jget(bp, "shareQuota"))) {
		quota = json_object_get_int64(q);
		if (!json_object_is_type(q, json_type_int) || quota < 1 || quota > SHARE_MAX_QUOTA) {
			sim_arm_error(resp, 400, "InvalidHeaderValue", NULL,
				      "The value for one of the HTTP headers is not in the correct "
				      "format.");
			goto out;
		}
	}
	md = sim_jget(bp, "metadata");
	if (md && !json_object_is_type(md, json_type_object)) {
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'properties.metadata' must be an object.");
		goto out;
	}
	sim_state_lock();
	a = account_or_404(req, resp);
	if (!a)
		goto unlock;
	if (!a->shares)
		a->shares = json_object_new_object();
	created = !json_object_object_get_ex(a->shares, share, &old);
	dir = sim_storage_share_dir(a->name, share);
	/* World-writable so non-root images can write (choice, README). */
	rc = dir ? oci_fs_mkdir_p(dir, 0777) : -ENOMEM;
	if (rc == 0 && chmod(dir, 0777) < 0)
		rc = -errno;
	if (rc < 0) {
		sim_arm_error(resp, 500, "InternalServerError", NULL, "Cannot create the share: %s.",
			      strerror(-rc));
		goto unlock;
	}
	now = sim_now();
	sim_time_arm(&now, ts, sizeof(ts));
	props = json_object_new_object();
	json_object_object_add(props, "shareQuota", json_object_new_int64(quota));
	json_object_object_add(props, "enabledProtocols", json_object_new_string("SMB"));
	json_object_object_add(props, "accessTier", json_object_new_string("TransactionOptimized"));
	json_object_object_add(props, "lastModifiedTime", json_object_new_string(ts));
	if (md)
		json_object_object_add(props, "metadata", json_object_get(md));
	json_object_object_add(a->shares, share, props);
	out = render_share(a, share, props);
unlock:
	sim_state_unlock();
	if (out) {
		sim_resp_json(resp, created ? 201 : 200, out);
		json_object_put(out);
	}
out:
	free(dir);
	json_object_put(body);
}

void sim_h_share_get(struct sim_req *req, struct sim_resp *resp)
{
	struct json_object *props, *out = NULL;
	struct sim_stacct *a;

	if (sim_arm_check_scope(resp, req->params[0], req->params[1]))
		return;
	sim_state_lock();
	a = account_or_404(req, resp);
	if (a && a->shares && json_object_object_get_ex(a->shares, req->params[3], &props))
		out = render_share(a, req->params[3], props);
	else if (a)
		sim_arm_error(resp, 404, "ShareNotFound", NULL, "The specified share does not exist.");
	sim_state_unlock();
	if (out) {
		sim_resp_json(resp, 200, out);
		json_object_put(out);
	}
}

void sim_h_share_delete(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_stacct *a;
	struct json_object *props;
	char *dir = NULL;
	int found = 0;

	if (sim_arm_check_scope(resp, req->params[0], req->params[1]))
		return;
	sim_state_lock();
	a = account_or_404(req, resp);
	if (a && a->shares && json_object_object_get_ex(a->shares, req->params[3], &props)) {
		found = 1;
		json_object_object_del(a->shares, req->params[3]);
		dir = sim_storage_share_dir(a->name, req->params[3]);
		if (dir)
			(void)oci_fs_rm_rf(dir); /* replicas still mounting it keep their view */
	}
	sim_state_unlock();
	free(dir);
	if (a)
		sim_resp_empty(resp, found ? 200 : 204);
}

/* --- managedEnvironments/{env}/storages -------------------------------- */

static struct sim_env *env_or_404(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_env *e = sim_state_env(sim_ctx()->state, req->params[0], req->params[1],
					  req->params[2]);

	if (!e)
		sim_arm_error(resp, 404, "ResourceNotFound", NULL,
			      "The Resource 'Microsoft.App/managedEnvironments/%s' under resource group "
			      "'%s' was not found. For more details please go to "
			      "https://aka.ms/ARMResourceNotFoundFix",
			      req->params[2], req->params[1]);
	return e;
}

/* ManagedEnvironmentStorage body without the key; the caller puts it. */
static struct json_object *render_store(struct sim_env *e, struct sim_envstore *s)
{
	struct json_object *o = json_object_new_object(), *p = json_object_new_object();
	struct json_object *af = json_object_new_object();
	char *id = sim_strdupf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.App/"
			       "managedEnvironments/%s/storages/%s", e->sub, e->rg, e->name, s->name);

	json_object_object_add(o, "id", json_object_new_string(id ? id : ""));
	free(id);
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "type",
			       json_object_new_string("Microsoft.App/managedEnvironments/storages"));
	json_object_object_add(af, "accountName", json_object_new_string(s->account));
	json_object_object_add(af, "shareName", json_object_new_string(s->share));
	json_object_object_add(af, "accessMode",
			       json_object_new_string(s->read_only ? "ReadOnly" : "ReadWrite"));
	json_object_object_add(p, "azureFile", af);
	json_object_object_add(o, "properties", p);
	return o;
}

/* The account an environment storage names: in the environment's
 * subscription (any resource group), as Azure resolves
 * <account>.file.core.windows.net. Lock held. */
static struct sim_stacct *account_by_name(struct sim_env *e, const char *name)
{
	for (struct sim_stacct *a = sim_ctx()->state->accounts; a; a = a->next)
		if (strcasecmp(a->sub, e->sub) == 0 && strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* Validate azureFile of a storage PUT against the simulated accounts
 * (lock held). 0, or -EINVAL with resp filled. */
static int check_azure_file(struct sim_env *e, struct json_object *af, struct sim_resp *resp)
{
	const char *acct = sim_jstr(af, "accountName"), *key = sim_jstr(af, "accountKey");
	const char *share = sim_jstr(af, "shareName"), *mode = sim_jstr(af, "accessMode");
	struct sim_stacct *a;
	struct json_object *props;

	if (!af || !acct || !*acct || !key || !*key || !share || !*share) {
		sim_arm_error(resp, 400, "InvalidRequestContent", "properties.azureFile",
			      "properties.azureFile needs accountName, accountKey and shareName.");
		return -EINVAL;
	}
	if (mode && strcmp(mode, "ReadWrite") && strcmp(mode, "ReadOnly")) {
		sim_arm_error(resp, 400, "InvalidParameterValue", "properties.azureFile.accessMode",
			      "Invalid value '%s' for accessMode: expected 'ReadWrite' or 'ReadOnly'.",
			      mode);
		return -EINVAL;
	}
	/* choice (README): Azure stores the storage unchecked and fails the
	 * replica's mount later; the simulator refuses what cannot mount. */
	a = account_by_name(e, acct);
	if (!a || (strcmp(key, a->key1) && strcmp(key, a->key2))) {
		sim_arm_error(resp, 400, "ManagedEnvironmentStorageInvalid", "properties.azureFile",
			      "Failed to access storage account '%s' with the given account key.",
			      acct);
		return -EINVAL;
	}
	if (!a->shares || !json_object_object_get_ex(a->shares, share, &props)) {
		sim_arm_error(resp, 400, "ManagedEnvironmentStorageInvalid", "properties.azureFile.shareName",
			      "The file share '%s' does not exist in storage account '%s'.", share,
			      acct);
		return -EINVAL;
	}
	return 0;
}

void sim_h_envstore_put(struct sim_req *req, struct sim_resp *resp)
{
	struct json_object *body = NULL, *af, *out = NULL;
	struct sim_envstore *s, *n = NULL;
	struct sim_env *e;

	if (sim_arm_check_scope(resp, req->params[0], req->params[1]))
		return;
	if (sim_arm_parse_body(req, resp, 0, &body))
		return;
	af = sim_jget(sim_jget(body, "properties"), "azureFile");
	sim_state_lock();
	if (!(e = env_or_404(req, resp)) || check_azure_file(e, af, resp))
		goto unlock;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->name = strdup(req->params[3])) ||
	    !(n->account = strdup(sim_jstr(af, "accountName"))) ||
	    !(n->key = strdup(sim_jstr(af, "accountKey"))) ||
	    !(n->share = strdup(sim_jstr(af, "shareName")))) {
		sim_arm_error(resp, 500, "InternalServerError", NULL, "Out of memory.");
		goto unlock;
	}
	n->read_only = sim_jstr(af, "accessMode") && !strcmp(sim_jstr(af, "accessMode"), "ReadOnly");
	s = sim_env_store(e, n->name);
	if (s) {
		/* Replace the definition in place: the list keeps its order. */
		free(s->account);
		free(s->key);
		free(s->share);
		s->account = n->account;
		s->key = n->key;
		s->share = n->share;
		s->read_only = n->read_only;
		n->account = n->key = n->share = NULL;
		sim_envstore_free(n);
		n = s;
	} else {
		struct sim_envstore **tail = &e->stores;
		while (*tail)
			tail = &(*tail)->next;
		*tail = n;
	}
	out = render_store(e, n);
	n = NULL;
unlock:
	sim_state_unlock();
	sim_envstore_free(n);
	/* ManagedEnvironmentsStorages_CreateOrUpdate answers 200 for both
	 * (its only success response in the spec). */
	if (out) {
		sim_resp_json(resp, 200, out);
		json_object_put(out);
	}
	json_object_put(body);
}

void sim_h_envstore_get(struct sim_req *req, struct sim_resp *resp)
{
	struct json_object *out = NULL;
	struct sim_envstore *s;
	struct sim_env *e;

	if (sim_arm_check_scope(resp, req->params[0], req->params[1]))
		return;
	sim_state_lock();
	if ((e = env_or_404(req, resp))) {
		if ((s = sim_env_store(e, req->params[3])))
			out = render_store(e, s);
		else
			sim_arm_error(resp, 404, "ResourceNotFound", NULL,
				      "The Resource 'Microsoft.App/managedEnvironments/%s/storages/%s' "
				      "under resource group '%s' was not found. For more details please "
				      "go to https://aka.ms/ARMResourceNotFoundFix",
				      req->params[2], req->params[3], req->params[1]);
	}
	sim_state_unlock();
	if (out) {
		sim_resp_json(resp, 200, out);
		json_object_put(out);
	}
}

void sim_h_envstore_list(struct sim_req *req, struct sim_resp *resp)
{
	struct json_object *out = NULL, *arr;
	struct sim_env *e;

	if (sim_arm_check_scope(resp, req->params[0], req->params[1]))
		return;
	sim_state_lock();
	if ((e = env_or_404(req, resp))) {
		out = json_object_new_object();
		arr = json_object_new_array();
		for (struct sim_envstore *s = e->stores; s; s = s->next)
			json_object_array_add(arr, render_store(e, s));
		json_object_object_add(out, "value", arr);
	}
	sim_state_unlock();
	if (out) {
		sim_resp_json(resp, 200, out);
		json_object_put(out);
	}
}

/* True when a job of env mounts storage name (lock held). */
static int store_in_use(struct sim_env *e, const char *name)
{
	char *eid = sim_strdupf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.App/"
				"managedEnvironments/%s", e->sub, e->rg, e->name);
	int used = 0;

	for (struct sim_job *j = sim_ctx()->state->jobs; eid && j && !used; j = j->next) {
		struct json_object *p = sim_jget(j->doc, "properties");
		struct json_object *vols = sim_jget(sim_jget(p, "template"), "volumes");
		const char *jeid = sim_jstr(p, "environmentId");

		if (j->deleting || !jeid || strcasecmp(jeid, eid))
			continue;
		for (size_t i = 0; i < sim_alen(vols); i++) {
			const char *sn = sim_jstr(json_object_array_get_idx(vols, i), "storageName");
			if (sn && !strcmp(sn, name))
				used = 1;
		}
	}
	free(eid);
	return used;
}

void sim_h_envstore_delete(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_envstore **pp;
	struct sim_env *e;
	int found = 0;

	if (sim_arm_check_scope(resp, req->params[0], req->params[1]))
		return;
	sim_state_lock();
	if (!(e = env_or_404(req, resp)))
		goto unlock;
	/* choice (README): a storage a job still mounts is kept, as for an
	 * environment that still holds apps. */
	if (store_in_use(e, req->params[3])) {
		sim_arm_error(resp, 409, "ManagedEnvironmentStorageInUse", NULL,
			      "Storage '%s' is in use by a container app or job of managed "
			      "environment '%s'.",
			      req->params[3], e->name);
		goto unlock;
	}
	for (pp = &e->stores; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, req->params[3]) == 0) {
			struct sim_envstore *s = *pp;
			*pp = s->next;
			s->next = NULL;
			sim_envstore_free(s);
			found = 1;
			break;
		}
	}
	sim_resp_empty(resp, found ? 200 : 204);
unlock:
	sim_state_unlock();
}

int sim_storage_check_volumes(struct sim_env *env, struct json_object *volumes,
			      struct sim_resp *resp)
{
	for (size_t i = 0; i < sim_alen(volumes); i++) {
		struct json_object *v = json_object_array_get_idx(volumes, i);
		const char *type = sim_jstr(v, "storageType"), *sn = sim_jstr(v, "storageName");

		if (!type || strcmp(type, "AzureFile"))
			continue;
		if (!sn || !*sn || !sim_env_store(env, sn)) {
			sim_arm_error(resp, 400, "ManagedEnvironmentStorageNotFound", NULL,
				      "Storage %s not found under managed environment",
				      sn ? sn : "");
			return -EINVAL;
		}
	}
	return 0;
}
