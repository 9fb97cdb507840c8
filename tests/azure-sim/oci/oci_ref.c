/* oci_ref.c - image reference parsing with Docker's normalisation rules
 * (github.com/distribution/reference): a first path component is a
 * registry host only if it contains '.' or ':' or is "localhost";
 * otherwise the registry is docker.io and one-component names live
 * under "library/". */
#include "config.h"

#include "oci_image.h"
#include "oci_digest.h"
#include "oci_util.h"

#include <stdlib.h>
#include <string.h>

#define REF_NAME_MAX 255

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One repository path component: [a-z0-9]+ joined by '.', '_', '__' or
 * runs of '-'. */
static int component_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return 0;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return 0;
		}
		if (i >= n || !is_lower_alnum(s[i]))
			return 0;
	}
	return 1;
}

static int repository_ok(const char *r)
{
	const char *p = r;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!component_ok(p, n))
			return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

static int host_ok(const char *h)
{
	const char *p;

	if (!*h)
		return 0;
	for (p = h; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == ':' || c == '[' || c == ']'))
			return 0;
	}
	return 1;
}

static int tag_ok(const char *t)
{
	size_t n = strlen(t), i;

	if (n == 0 || n > 128)
		return 0;
	for (i = 0; i < n; i++) {
		char c = t[i];
		int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '_';

		if (!word && (i == 0 || (c != '.' && c != '-')))
			return 0;
	}
	return 1;
}

static int has_upper(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return 1;
	return 0;
}

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

int oci_ref_parse(const char *text, struct oci_ref *out, struct oci_err *err)
{
	char *work = NULL, *name, *at, *colon, *slash, *lastslash;
	int rc = OCI_E_NOMEM;

	memset(out, 0, sizeof(*out));
	if (!text || !*text || strlen(text) > 4096)
		return oci_err_set(err, OCI_E_INVALID,
				   "invalid reference format: empty or too long");
	work = strdup(text);
	if (!work)
		goto nomem;
	name = work;

	at = strchr(name, '@');
	if (at) {
		*at = '\0';
		if (!oci_digest_is_sha256(at + 1)) {
			rc = oci_err_set(err, OCI_E_INVALID,
					 "invalid reference format \"%s\": unsupported digest", text);
			goto fail;
		}
		out->digest = strdup(at + 1);
		if (!out->digest)
			goto nomem;
	}
	/* A tag is a ':' after the last '/', so "host:5000/x" is not a tag. */
	lastslash = strrchr(name, '/');
	colon = strrchr(lastslash ? lastslash : name, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_ok(colon + 1)) {
			rc = oci_err_set(err, OCI_E_INVALID,
					 "invalid reference format \"%s\": bad tag", text);
			goto fail;
		}
		out->tag = strdup(colon + 1);
		if (!out->tag)
			goto nomem;
	}

	slash = strchr(name, '/');
	if (slash && (memchr(name, '.', (size_t)(slash - name)) ||
		      memchr(name, ':', (size_t)(slash - name)) ||
		      ((size_t)(slash - name) == 9 && !strncmp(name, "localhost", 9)) ||
		      has_upper(name, (size_t)(slash - name)))) {
		*slash = '\0';
		if (!host_ok(name)) {
			rc = oci_err_set(err, OCI_E_INVALID,
					 "invalid reference format \"%s\": bad registry host", text);
			goto fail;
		}
		if (!strcmp(name, "index.docker.io") ||
		    !strcmp(name, "registry-1.docker.io"))
			out->registry = strdup("docker.io");
		else
			out->registry = strdup(name);
		name = slash + 1;
	} else {
		out->registry = strdup("docker.io");
	}
	if (!out->registry)
		goto nomem;

	if (!strcmp(out->registry, "docker.io") && !strchr(name, '/')) {
		out->repository = malloc(strlen(name) + 9);
		if (!out->repository)
			goto nomem;
		memcpy(out->repository, "library/", 8);
		strcpy(out->repository + 8, name);
	} else {
		out->repository = strdup(name);
		if (!out->repository)
			goto nomem;
	}
	if (has_upper(out->repository, strlen(out->repository))) {
		rc = oci_err_set(err, OCI_E_INVALID,
				 "invalid reference format \"%s\": repository name must be lowercase",
				 text);
		goto fail;
	}
	if (!repository_ok(out->repository) ||
	    strlen(out->repository) > REF_NAME_MAX) {
		rc = oci_err_set(err, OCI_E_INVALID,
				 "invalid reference format \"%s\"", text);
		goto fail;
	}
	if (!out->tag && !out->digest) {
		out->tag = strdup("latest");
		if (!out->tag)
			goto nomem;
	}
	free(work);
	return 0;
nomem:
	rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
fail:
	free(work);
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
