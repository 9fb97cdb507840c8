/* oci_util.c - error text and string-array helpers. */
#include "config.h"

#include "oci_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int oci_err_set(struct oci_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

size_t oci_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

char **oci_strv_dup(const char *const *v, int *failed)
{
	size_t n = 0, i;
	char **out;

	*failed = 0;
	if (!v)
		return NULL;
	while (v[n])
		n++;
	out = calloc(n + 1, sizeof(*out));
	if (!out)
		goto fail;
	for (i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i])
			goto fail;
	}
	return out;
fail:
	oci_strv_free(out);
	*failed = 1;
	return NULL;
}

void oci_strv_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

char *oci_path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	while (*name == '/') {
		name++;
		nl--;
	}
	p = malloc(dl + nl + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return p;
}
