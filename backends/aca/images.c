/*
 * images.c - what of the image's config the Job template must repeat.
 * Container Apps runs the image's own ENTRYPOINT and CMD when the template
 * gives neither; `command` replaces ENTRYPOINT (and drops CMD, as in
 * Kubernetes) and `args` replaces CMD.  So the template names only what
 * the user changed.
 */
#include "aca.h"

#include <stdlib.h>
#include <string.h>

static size_t strv_len(const char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* NULL and an empty list are the same: nothing given. */
static int strv_equal(const char *const *a, const char *const *b)
{
	size_t n = strv_len(a);

	if (n != strv_len(b))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

/* A malloc'd copy (caller frees with aca_strv_free); NULL for an empty
 * list, *oom set when memory ran out. */
static char **strv_dup(const char *const *v, int *oom)
{
	size_t n = strv_len(v);
	char **out;

	if (n == 0)
		return NULL;
	out = calloc(n + 1, sizeof(*out));
	if (!out)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (!(out[i] = strdup(v[i])))
			goto fail;
	return out;
fail:
	aca_strv_free(out);
	*oom = 1;
	return NULL;
}

void aca_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int aca_images_command(const struct sl_host_v1 *host, sl_container *c,
	char ***command, char ***args)
{
	const char *const *ep = host->ctr_list(c, SL_CTR_ENTRYPOINT);
	const char *const *cmd = host->ctr_list(c, SL_CTR_CMD);
	int oom = 0;

	*command = NULL;
	*args = NULL;
	if (strv_len(ep) == 0 && strv_len(cmd) == 0)
		return SL_EINVAL;   /* nothing to run, as Docker says at start */
	if (!strv_equal(ep, host->ctr_list(c, SL_CTR_IMAGE_ENTRYPOINT))) {
		/* --entrypoint "" runs the Cmd itself. */
		if (strv_len(ep) == 0) {
			*command = strv_dup(cmd, &oom);
		} else {
			*command = strv_dup(ep, &oom);
			*args = strv_dup(cmd, &oom);
		}
	} else if (!strv_equal(cmd, host->ctr_list(c, SL_CTR_IMAGE_CMD))) {
		*args = strv_dup(cmd, &oom);
	}
	if (oom) {
		aca_strv_free(*command);
		aca_strv_free(*args);
		*command = *args = NULL;
		return SL_ENOMEM;
	}
	return SL_OK;
}

/* The host pulls on its own: the Job template carries the registry
 * credentials (registry.c), so the pull needs nothing from the backend. */
const struct sl_image_ops_v1 aca_image_ops = {
	SL_HEADER(struct sl_image_ops_v1),
};
