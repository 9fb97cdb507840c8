/*
 * volumes.c - named volumes as Azure Files shares: a share in the
 * configured storage account (Microsoft.Storage) and an environment
 * storage of the same name (Microsoft.App) that jobs mount by name.
 *
 * The environment storage holds the account key, so its PUT body is a
 * secret: built in a buffer that is wiped after the call, never logged.
 * The key itself is cached here (one storage account per daemon) and
 * dropped when Azure refuses it.
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "aca.h"

#define ACA_API_STORAGE "2023-05-01"
#define ANON_LABEL "com.docker.volume.anonymous="
#define URL_MAX 768

/* The account key and the account it belongs to (subscription/rg/name). */
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static char key_account[URL_MAX];
static char key_value[256];

static void key_forget(void)
{
	pthread_mutex_lock(&key_lock);
	aca_config_wipe(key_value);
	key_account[0] = 0;
	pthread_mutex_unlock(&key_lock);
}

/* "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Storage/
 * storageAccounts/A" + suffix + api-version into buf. */
static int account_url(const struct aca_config *cfg, const char *suffix,
	char *buf, size_t len, struct aca_err *err)
{
	int n = snprintf(buf, len, "/subscriptions/%s/resourceGroups/%s/providers/"
		"Microsoft.Storage/storageAccounts/%s%s?api-version=%s",
		cfg->subscription, cfg->resource_group, cfg->storage_account, suffix,
		ACA_API_STORAGE);

	if (n < 0 || (size_t)n >= len)
		return aca_err_set(err, SL_EINVAL, "aca: storage account path too long");
	return SL_OK;
}

static int storage_url(const struct aca_config *cfg, const char *name, char *buf,
	size_t len, struct aca_err *err)
{
	char *env = aca_config_env_id(cfg);
	int n;

	if (!env)
		return aca_err_set(err, SL_ENOMEM, "aca: out of memory");
	n = snprintf(buf, len, "%s/storages/%s?api-version=%s", env, name, ACA_API_JOBS);
	free(env);
	if (n < 0 || (size_t)n >= len)
		return aca_err_set(err, SL_EINVAL, "aca: storage path too long");
	return SL_OK;
}

/* The first key of listKeys' answer into out (>= 256). */
static int parse_key(const struct aca_resp *r, char *out, size_t len)
{
	struct json_object *root = json_tokener_parse(r->body ? r->body : "");
	struct json_object *keys = NULL, *k0, *v;
	const char *s;
	int rc = -1;

	if (json_object_object_get_ex(root, "keys", &keys) &&
	    json_object_is_type(keys, json_type_array) &&
	    (k0 = json_object_array_get_idx(keys, 0)) &&
	    json_object_object_get_ex(k0, "value", &v) &&
	    (s = json_object_get_string(v)) && *s && strlen(s) < len) {
		memcpy(out, s, strlen(s) + 1);
		rc = 0;
	}
	/* The answer and json-c's copies hold both keys. */
	for (size_t i = 0; keys && json_object_is_type(keys, json_type_array) &&
	     i < json_object_array_length(keys); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(keys, i),
			    "value", &v))
			aca_config_wipe((char *)json_object_get_string(v));
	aca_config_wipe(r->body);
	json_object_put(root);
	return rc;
}

/* The account key into key (>= 256), from the cache or listKeys. */
static int account_key(struct aca_backend *b, const struct aca_cancel *cx,
	char *key, struct aca_err *err)
{
	struct aca_resp r = {0};
	char url[URL_MAX];
	int rc;

	rc = account_url(&b->cfg, "/listKeys", url, sizeof(url), err);
	if (rc)
		return rc;
	pthread_mutex_lock(&key_lock);
	if (key_account[0] && !strcmp(key_account, url)) {
		memcpy(key, key_value, sizeof(key_value));
		pthread_mutex_unlock(&key_lock);
		return SL_OK;
	}
	pthread_mutex_unlock(&key_lock);
	/* A read despite the POST: retried like one. */
	rc = aca_arm(b->az, cx, "POST", url, NULL, 0, &r, err);
	if (rc)
		goto out;
	if (r.status != 200) {
		char what[160];

		snprintf(what, sizeof(what), "read the keys of storage account %s",
			b->cfg.storage_account);
		rc = aca_err_from_resp(err, &r, what);
		goto out;
	}
	if (parse_key(&r, key, 256)) {
		rc = aca_err_set(err, SL_EINTERNAL, "aca: storage account %s: listKeys "
			"gave no key", b->cfg.storage_account);
		goto out;
	}
	pthread_mutex_lock(&key_lock);
	memcpy(key_value, key, sizeof(key_value));
	snprintf(key_account, sizeof(key_account), "%s", url);
	pthread_mutex_unlock(&key_lock);
out:
	aca_resp_free(&r);
	return rc;
}

/* PUT the share; *created is set when Azure made it now (201). */
static int share_put(struct aca_backend *b, const struct aca_cancel *cx,
	const char *share, const char *volume, int *created, struct aca_err *err)
{
	struct aca_resp r = {0};
	char url[URL_MAX], suffix[128], what[160];
	int rc;

	snprintf(suffix, sizeof(suffix), "/fileServices/default/shares/%s", share);
	rc = account_url(&b->cfg, suffix, url, sizeof(url), err);
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "create file share %s for volume %.64s", share, volume);
	rc = aca_arm(b->az, cx, "PUT", url, "{\"properties\":{}}",
		ACA_ARM_WAIT_CONFLICT, &r, err);
	if (rc)
		return rc;
	*created = r.status == 201;
	if (r.status == 200 || r.status == 201 || r.status == 202)
		rc = aca_arm_lro_wait(b->az, cx, &r, 600, what, err);
	else
		rc = aca_err_from_resp(err, &r, what);
	aca_resp_free(&r);
	return rc;
}

static int share_delete(struct aca_backend *b, const struct aca_cancel *cx,
	const char *share, struct aca_err *err)
{
	struct aca_resp r = {0};
	char url[URL_MAX], suffix[128], what[128];
	int rc;

	snprintf(suffix, sizeof(suffix), "/fileServices/default/shares/%s", share);
	rc = account_url(&b->cfg, suffix, url, sizeof(url), err);
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "delete file share %s", share);
	rc = aca_arm(b->az, cx, "DELETE", url, NULL, ACA_ARM_WAIT_CONFLICT, &r, err);
	if (rc)
		return rc;
	if (r.status == 202)
		rc = aca_arm_lro_wait(b->az, cx, &r, 600, what, err);
	else if (r.status != 200 && r.status != 204 && r.status != 404)
		rc = aca_err_from_resp(err, &r, what);
	aca_resp_free(&r);
	return rc;
}

/* PUT the environment storage pointing at share, with the account key. */
static int storage_put(struct aca_backend *b, const struct aca_cancel *cx,
	const char *share, const char *key, struct aca_err *err)
{
	struct json_object *root = json_object_new_object();
	struct json_object *props = json_object_new_object();
	struct json_object *af = json_object_new_object();
	/* Our own references to each, so the end can wipe the key's copy
	 * whatever was added. */
	struct json_object *kobj = json_object_new_string(key);
	struct aca_resp r = {0};
	char url[URL_MAX], what[128];
	const char *body = NULL;
	int rc;

	rc = storage_url(&b->cfg, share, url, sizeof(url), err);
	if (rc)
		goto out;
	if (!root || !props || !af || !kobj ||
	    json_object_object_add(root, "properties", json_object_get(props)) ||
	    json_object_object_add(props, "azureFile", json_object_get(af)) ||
	    json_object_object_add(af, "accountName",
		    json_object_new_string(b->cfg.storage_account)) ||
	    json_object_object_add(af, "accountKey", json_object_get(kobj)) ||
	    json_object_object_add(af, "shareName", json_object_new_string(share)) ||
	    json_object_object_add(af, "accessMode", json_object_new_string("ReadWrite")) ||
	    !(body = json_object_to_json_string_ext(root,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))) {
		rc = aca_err_set(err, SL_ENOMEM, "aca: out of memory");
		goto out;
	}
	snprintf(what, sizeof(what), "register file share %s on environment %s",
		share, b->cfg.environment);
	rc = aca_arm(b->az, cx, "PUT", url, body, ACA_ARM_WAIT_CONFLICT, &r, err);
	if (rc)
		goto out;
	if (r.status == 200 || r.status == 201 || r.status == 202) {
		rc = aca_arm_lro_wait(b->az, cx, &r, 600, what, err);
	} else {
		/* A rotated key is refused: read it again next time. */
		key_forget();
		rc = aca_err_from_resp(err, &r, what);
	}
out:
	aca_resp_free(&r);
	/* json-c's copies of the key: the printed body and the string. */
	aca_config_wipe((char *)body);
	if (kobj)
		aca_config_wipe((char *)json_object_get_string(kobj));
	json_object_put(kobj);
	json_object_put(af);
	json_object_put(props);
	json_object_put(root);
	return rc;
}

static int storage_delete(struct aca_backend *b, const struct aca_cancel *cx,
	const char *share, const char *volume, struct aca_err *err)
{
	struct aca_resp r = {0};
	char url[URL_MAX], what[160], msg[512];
	int rc;

	rc = storage_url(&b->cfg, share, url, sizeof(url), err);
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "remove storage %s from environment %s", share,
		b->cfg.environment);
	rc = aca_arm(b->az, cx, "DELETE", url, NULL, ACA_ARM_WAIT_CONFLICT, &r, err);
	if (rc)
		return rc;
	if (r.status == 409) {
		aca_err_message(&r, msg, sizeof(msg));
		rc = aca_err_set(err, SL_ECONFLICT,
			"volume %.64s is still in use in Azure: a Container Apps job "
			"in environment %s mounts its storage %s; remove the containers "
			"using it first%s%s", volume, b->cfg.environment, share,
			msg[0] ? " (Azure: " : "", msg[0] ? msg : "");
		if (msg[0])
			strncat(err->msg, ")", sizeof(err->msg) - strlen(err->msg) - 1);
	} else if (r.status == 202) {
		rc = aca_arm_lro_wait(b->az, cx, &r, 600, what, err);
	} else if (r.status != 200 && r.status != 204 && r.status != 404) {
		rc = aca_err_from_resp(err, &r, what);
	}
	aca_resp_free(&r);
	return rc;
}

static int is_anonymous(const struct sl_volume_v1 *v)
{
	for (size_t i = 0; v->labels && v->labels[i]; i++)
		if (!strncmp(v->labels[i], ANON_LABEL, sizeof(ANON_LABEL) - 1))
			return 1;
	return 0;
}

static int vol_create(void *state, sl_call *call, const struct sl_volume_v1 *v)
{
	struct aca_backend *b = state;
	struct aca_cancel cx = { b->host, call, &b->stopping };
	struct aca_err e = {0};
	char share[64], key[256] = "";
	int created = 0, rc;

	/* An image's VOLUME or a lone -v /path: kept by the daemon only,
	 * never mounted (a share each would be costly and surprising). */
	if (is_anonymous(v))
		return SL_OK;
	if (!b->cfg.storage_account) {
		aca_err_set(&e, SL_ENOTSUP,
			"named volumes on the aca backend are Azure Files shares and need a "
			"storage account: set SOCKERLESS_ACA_STORAGE_ACCOUNT (or --backend-opt "
			"storage-account=NAME) to a storage account in resource group %s",
			b->cfg.resource_group);
		return aca_err_report(b->host, call, &e);
	}
	aca_jobspec_share_name(v->name, share);
	rc = account_key(b, &cx, key, &e);
	if (!rc)
		rc = share_put(b, &cx, share, v->name, &created, &e);
	if (!rc) {
		rc = storage_put(b, &cx, share, key, &e);
		/* Do not leave a share nothing can mount. */
		if (rc && created) {
			struct aca_err e2 = {0};

			if (share_delete(b, &cx, share, &e2))
				sl_host_log(b->host, SL_LOG_WARN, "aca: volume %s: %s",
					v->name, e2.msg);
		}
	}
	aca_config_wipe(key);
	if (rc)
		return aca_err_report(b->host, call, &e);
	sl_host_log(b->host, SL_LOG_INFO, "aca: volume %s is file share %s of %s",
		v->name, share, b->cfg.storage_account);
	return SL_OK;
}

static int vol_remove(void *state, sl_call *call, const char *name, int force)
{
	struct aca_backend *b = state;
	struct aca_cancel cx = { b->host, call, &b->stopping };
	struct aca_err e = {0};
	char share[64];
	int rc;

	(void)force;  /* the daemon checked its own containers */
	if (!b->cfg.storage_account)
		return SL_OK;   /* nothing of it can be in Azure */
	aca_jobspec_share_name(name, share);
	/* The storage first: while it exists a job may mount the share. */
	rc = storage_delete(b, &cx, share, name, &e);
	if (!rc)
		rc = share_delete(b, &cx, share, &e);
	if (rc)
		return aca_err_report(b->host, call, &e);
	return SL_OK;
}

const struct sl_volume_ops_v1 aca_volume_ops = {
	SL_HEADER(struct sl_volume_ops_v1),
	.create = vol_create,
	.remove = vol_remove,
	.prune = NULL,   /* remove already deleted each share */
};
