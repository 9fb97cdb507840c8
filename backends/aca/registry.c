/*
 * registry.c - configuration.registries for the Job: Container Apps pulls
 * the image itself, so the credentials the user gave the daemon (docker
 * login, the daemon's registry configuration) travel in the Job body, the
 * password as a Job secret.
 */
#include "aca.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

int aca_registry_host(const char *ref, char *buf, size_t len)
{
	const char *slash = strchr(ref, '/');
	size_t n = slash ? (size_t)(slash - ref) : 0;

	/* Like Docker: the first component names a registry only when it
	 * looks like a host (a dot, a port, or localhost). */
	if (!slash || (!memchr(ref, '.', n) && !memchr(ref, ':', n) &&
		       !(n == 9 && !strncmp(ref, "localhost", 9)))) {
		ref = "docker.io";
		n = 9;
	}
	if (n + 1 > len)
		return SL_EINVAL;
	memcpy(buf, ref, n);
	buf[n] = 0;
	return SL_OK;
}

static int add_string(struct json_object *o, const char *key, const char *v)
{
	struct json_object *s = json_object_new_string(v);

	if (!s)
		return -1;
	if (json_object_object_add(o, key, s)) {
		json_object_put(s);
		return -1;
	}
	return 0;
}

static int add_entries(const char *server, const struct sl_credentials_v1 *cr,
	struct json_object *registries, struct json_object *secrets)
{
	char name[64 + 16];
	struct json_object *reg = json_object_new_object();
	struct json_object *sec = json_object_new_object();
	int rc = -1;

	/* One registry per job, so the host alone keeps the name unique. */
	memcpy(name, "registry-", 9);
	if (!aca_jobspec_sanitize(server, name + 9, 64))
		memcpy(name + 9, "image", 6);
	if (!reg || !sec || add_string(reg, "server", server) ||
	    add_string(reg, "username", cr->username) ||
	    add_string(reg, "passwordSecretRef", name) ||
	    add_string(sec, "name", name) ||
	    add_string(sec, "value", cr->password))
		goto out;
	if (json_object_array_add(secrets, sec))
		goto out;
	sec = NULL;
	if (json_object_array_add(registries, reg))
		goto out;
	reg = NULL;
	rc = 0;
out:
	json_object_put(reg);
	json_object_put(sec);
	return rc;
}

int aca_registry_add(const struct sl_host_v1 *host, const char *image_ref,
	struct json_object *registries, struct json_object *secrets,
	struct aca_err *err)
{
	struct sl_credentials_v1 cr = { SL_HEADER(struct sl_credentials_v1) };
	char server[256];
	int rc;

	if (!SL_HAS_FIELD(host, struct sl_host_v1, registry_credentials) ||
	    !host->registry_credentials)
		return SL_OK;
	if (aca_registry_host(image_ref, server, sizeof(server)))
		return aca_err_set(err, SL_EINVAL,
			"aca: the registry of image '%.200s' is too long a name",
			image_ref);
	rc = host->registry_credentials(host->hctx, server, &cr);
	if (rc == SL_ENOTFOUND)
		return SL_OK;
	if (rc)
		return aca_err_set(err, rc,
			"aca: cannot read the credentials for registry %s", server);
	rc = SL_OK;
	if (!cr.username || !*cr.username || !cr.password || !*cr.password) {
		/* A bearer token alone cannot be given to Container Apps. */
		sl_host_log(host, SL_LOG_WARN,
			"aca: the credentials for %s hold no username and "
			"password; Container Apps will pull anonymously", server);
	} else if (add_entries(server, &cr, registries, secrets)) {
		rc = aca_err_set(err, SL_ENOMEM, "aca: out of memory");
	}
	aca_config_wipe((char *)cr.password);
	aca_config_wipe((char *)cr.registry_token);
	sl_host_credentials_free(host, &cr);
	return rc;
}
