/* oci_ref.c - image references split for the registry client. The
 * grammar, normalisation and messages are dockerd's and live in one place,
 * core/imageref.c; this file only cuts its canonical form
 * ("registry/repository[:tag][@digest]") into the parts a pull needs. */
#include "config.h"

#include "oci_types.h"
#include "oci_digest.h"
#include "oci_util.h"

#include "core/imageref.h"

#include <stdlib.h>
#include <string.h>

void oci_ref_clear(struct oci_ref *ref)
{
	if (!ref)
		return;
	free(ref->registry);
	free(ref->repository);
	free(ref->tag);
	free(ref->digest);
	memset(ref, 0, sizeof(*ref));
}

/* Heap copy of s[0, n); NULL on allocation failure. */
static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

int oci_ref_parse(const char *text, struct oci_ref *out, struct oci_err *err)
{
	char msg[256], *canon = NULL, *at, *slash, *colon;
	int kind, rc;

	memset(out, 0, sizeof(*out));
	if (!text || !*text)
		return oci_err_set(err, OCI_E_INVALID, "invalid reference format");
	kind = sl_imageref_parse(text, &canon, msg, sizeof(msg));
	if (kind < 0)
		return oci_err_set(err, strcmp(msg, "out of memory") ? OCI_E_INVALID : OCI_E_NOMEM,
				   "%s", msg);
	if (kind == SL_IMAGEREF_ID) {
		rc = oci_err_set(err, OCI_E_INVALID,
				 "invalid reference format: \"%s\" is an image ID, not a name", text);
		goto fail;
	}
	/* The canonical form always has a domain before the first '/'. */
	at = strchr(canon, '@');
	if (at) {
		*at = '\0';
		if (!oci_digest_is_sha256(at + 1)) {
			rc = oci_err_set(err, OCI_E_INVALID,
					 "invalid reference format: unsupported digest algorithm in \"%s\"",
					 text);
			goto fail;
		}
		if (!(out->digest = strdup(at + 1)))
			goto nomem;
	}
	slash = strchr(canon, '/');
	colon = strrchr(slash, ':');
	if (colon) {
		*colon = '\0';
		if (!(out->tag = strdup(colon + 1)))
			goto nomem;
	}
	if (!(out->registry = dup_n(canon, (size_t)(slash - canon))) ||
	    !(out->repository = strdup(slash + 1)))
		goto nomem;
	free(canon);
	return 0;
nomem:
	rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
fail:
	free(canon);
	oci_ref_clear(out);
	return rc;
}

char *oci_ref_format(const struct oci_ref *ref)
{
	size_t n = strlen(ref->registry) + strlen(ref->repository) + 3;
	char *s;

	if (ref->tag)
		n += strlen(ref->tag) + 1;
	if (ref->digest)
		n += strlen(ref->digest) + 1;
	s = malloc(n);
	if (!s)
		return NULL;
	strcpy(s, ref->registry);
	strcat(s, "/");
	strcat(s, ref->repository);
	if (ref->tag) {
		strcat(s, ":");
		strcat(s, ref->tag);
	}
	if (ref->digest) {
		strcat(s, "@");
		strcat(s, ref->digest);
	}
	return s;
}
