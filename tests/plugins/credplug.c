/*
 * credplug.c - a test backend for registry credentials and the images
 * hooks, driven by tests/registry_auth.sh.  Nothing runs.
 *
 *  - start reads the host's credential store for $CREDPLUG_REGISTRY and
 *    fails with what it found, so the test sees it in `docker start`'s
 *    error: "credstore: REG has user U, password matches|differs" (compared
 *    with $CREDPLUG_PASS, never shown) or "credstore: nothing for REG";
 *  - images.resolve rewrites docker.io/library/alias:latest to
 *    $CREDPLUG_RESOLVE_TO (when set);
 *  - images.credentials supplies $CREDPLUG_HOOK_USER / $CREDPLUG_PASS for
 *    $CREDPLUG_REGISTRY (when CREDPLUG_HOOK_USER is set).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockerless/plugin.h"

static const struct sl_host_v1 *H;

static const char *env(const char *k)
{
	const char *v = getenv(k);

	return v ? v : "";
}

static int c_init(const struct sl_host_v1 *host, sl_call *call, void **state)
{
	(void)call;
	*state = NULL;
	H = host;
	return SL_OK;
}

static void c_fini(void *state)
{
	(void)state;
}

static int c_start(void *state, sl_call *call, sl_container *c)
{
	struct sl_credentials_v1 cr = {SL_HEADER(struct sl_credentials_v1)};
	const char *reg = env("CREDPLUG_REGISTRY");
	int rc;

	(void)state;
	(void)c;
	rc = H->registry_credentials(H->hctx, reg, &cr);
	if (rc == SL_OK)
		rc = H->set_error(call, SL_EINTERNAL,
			"credstore: %s has user %s, password %s", reg,
			cr.username ? cr.username : "(none)",
			cr.password && !strcmp(cr.password, env("CREDPLUG_PASS")) ?
			"matches" : "differs");
	else
		rc = H->set_error(call, SL_EINTERNAL, "credstore: nothing for %s", reg);
	sl_host_credentials_free(H, &cr);
	return rc;
}

static int c_stop(void *state, sl_call *call, sl_container *c, int signo, int timeout_s)
{
	(void)state;
	(void)call;
	(void)c;
	(void)signo;
	(void)timeout_s;
	return SL_OK;
}

static int c_kill(void *state, sl_call *call, sl_container *c, int signo)
{
	return c_stop(state, call, c, signo, 0);
}

static int c_remove(void *state, sl_call *call, sl_container *c, int force)
{
	(void)state;
	(void)call;
	(void)c;
	(void)force;
	return SL_OK;
}

static int c_resolve(void *state, sl_call *call, const char *ref, char *out, size_t outlen)
{
	const char *to = env("CREDPLUG_RESOLVE_TO");

	(void)state;
	(void)call;
	if (!*to || strcmp(ref, "docker.io/library/alias:latest"))
		return SL_ENOTFOUND;
	if ((size_t)snprintf(out, outlen, "%s", to) >= outlen)
		return H->set_error(call, SL_EINVAL, "resolved reference too long");
	return SL_OK;
}

static int c_credentials(void *state, sl_call *call, const char *registry,
	struct sl_credentials_v1 *out)
{
	(void)state;
	(void)call;
	if (!*env("CREDPLUG_HOOK_USER") || strcmp(registry, env("CREDPLUG_REGISTRY")))
		return SL_ENOTFOUND;
	out->username = env("CREDPLUG_HOOK_USER");
	out->password = env("CREDPLUG_PASS");
	return SL_OK;
}

static const struct sl_container_ops_v1 c_containers = {
	SL_HEADER(struct sl_container_ops_v1),
	.start = c_start,
	.stop = c_stop,
	.kill = c_kill,
	.remove = c_remove,
};

static const struct sl_image_ops_v1 c_images = {
	SL_HEADER(struct sl_image_ops_v1),
	.resolve = c_resolve,
	.credentials = c_credentials,
};

static const struct sl_backend_v1 c_backend = {
	SL_HEADER(struct sl_backend_v1),
	.name = "credplug",
	.version = "0.0.1",
	.description = "registry credentials and images hooks test backend",
	.init = c_init,
	.fini = c_fini,
	.containers = &c_containers,
	.images = &c_images,
};

SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out)
{
	if (host->abi_major != SL_ABI_MAJOR)
		return SL_EABI;
	*out = &c_backend;
	return SL_OK;
}
