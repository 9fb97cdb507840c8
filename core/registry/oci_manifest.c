/* oci_manifest.c - manifest, index and config documents. */
#include "config.h"

#include "oci_manifest.h"
#include "oci_digest.h"
#include "oci_util.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static json_object *parse_json(const char *body, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (o && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int media_is(const char *ct, const char *mt)
{
	size_t n = strlen(mt);

	/* Content-Type may carry parameters ("; charset=..."). */
	return ct && !strncmp(ct, mt, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

enum oci_doc_kind oci_doc_kind(const char *content_type, const char *body,
			       size_t len)
{
	enum oci_doc_kind k = OCI_DOC_UNKNOWN;
	json_object *o, *v;
	const char *mt;

	if (media_is(content_type, OCI_MT_INDEX) || media_is(content_type, OCI_MT_DOCKER_LIST))
		return OCI_DOC_INDEX;
	if (media_is(content_type, OCI_MT_MANIFEST) ||
	    media_is(content_type, OCI_MT_DOCKER_MANIFEST))
		return OCI_DOC_MANIFEST;
	/* Registries may answer application/json or
	 * application/octet-stream: look at the document. */
	o = parse_json(body, len);
	if (!o || !json_object_is_type(o, json_type_object))
		goto out;
	mt = get_str(o, "mediaType");
	if (mt && (!strcmp(mt, OCI_MT_INDEX) || !strcmp(mt, OCI_MT_DOCKER_LIST)))
		k = OCI_DOC_INDEX;
	else if (mt && (!strcmp(mt, OCI_MT_MANIFEST) || !strcmp(mt, OCI_MT_DOCKER_MANIFEST)))
		k = OCI_DOC_MANIFEST;
	else if (!mt && json_object_object_get_ex(o, "manifests", &v))
		k = OCI_DOC_INDEX;
	else if (!mt && json_object_object_get_ex(o, "config", &v) &&
		 json_object_object_get_ex(o, "layers", &v))
		k = OCI_DOC_MANIFEST;
out:
	json_object_put(o);
	return k;
}

int oci_index_pick(const char *body, size_t len, const char *os,
		   const char *arch, char **digest, struct oci_err *err)
{
	json_object *o = parse_json(body, len), *list, *plat;
	size_t i, n;
	int rc;

	*digest = NULL;
	if (!o || !json_object_object_get_ex(o, "manifests", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		rc = oci_err_set(err, OCI_E_PROTOCOL, "invalid image index");
		goto out;
	}
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(list, i);
		const char *d = get_str(m, "digest");
		const char *pos, *parch;

		if (!json_object_object_get_ex(m, "platform", &plat))
			continue;
		pos = get_str(plat, "os");
		parch = get_str(plat, "architecture");
		if (!pos || !parch || strcmp(pos, os) || strcmp(parch, arch))
			continue;
		if (!oci_digest_is_sha256(d)) {
			rc = oci_err_set(err, OCI_E_PROTOCOL,
					 "image index entry for %s/%s has an unsupported digest",
					 os, arch);
			goto out;
		}
		*digest = strdup(d);
		rc = *digest ? 0 : oci_err_set(err, OCI_E_NOMEM, "out of memory");
		goto out;
	}
	rc = oci_err_set(err, OCI_E_NOT_FOUND,
			 "no matching manifest for %s/%s in the manifest list entries",
			 os, arch);
out:
	json_object_put(o);
	return rc;
}

void oci_manifest_clear(struct oci_manifest *m)
{
	size_t i;

	if (!m)
		return;
	free(m->config_digest);
	for (i = 0; i < m->n_layers; i++) {
		free(m->layers[i].media_type);
		free(m->layers[i].digest);
	}
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

/* The layer types of the OCI image spec (media-types.md) and Docker's
 * (image manifest v2 schema 2, plus the .tar.zstd that containerd and
 * BuildKit write). The compression itself is told from the data. */
static int layer_type_ok(const char *mt)
{
	static const char *const ok[] = {
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd",
		"application/vnd.docker.image.rootfs.diff.tar",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.diff.tar.zstd",
		NULL
	};
	size_t i;

	for (i = 0; ok[i]; i++)
		if (!strcmp(mt, ok[i]))
			return 1;
	return 0;
}

int oci_manifest_parse(const char *body, size_t len, struct oci_manifest *m,
		       struct oci_err *err)
{
	json_object *o = parse_json(body, len), *cfg, *layers, *v;
	size_t i, n;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	if (!o || !json_object_object_get_ex(o, "config", &cfg) ||
	    !json_object_object_get_ex(o, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		rc = oci_err_set(err, OCI_E_PROTOCOL, "invalid image manifest");
		goto out;
	}
	if (!oci_digest_is_sha256(get_str(cfg, "digest"))) {
		rc = oci_err_set(err, OCI_E_PROTOCOL,
				 "image manifest has an unsupported config digest");
		goto out;
	}
	m->config_digest = strdup(get_str(cfg, "digest"));
	if (json_object_object_get_ex(cfg, "size", &v))
		m->config_size = json_object_get_int64(v);
	n = json_object_array_length(layers);
	m->layers = calloc(n ? n : 1, sizeof(*m->layers));
	if (!m->config_digest || !m->layers) {
		rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(layers, i);
		const char *mt = get_str(l, "mediaType");
		const char *d = get_str(l, "digest");

		if (!mt || !layer_type_ok(mt)) {
			rc = oci_err_set(err, OCI_E_PROTOCOL,
					 "unsupported layer media type \"%s\"",
					 mt ? mt : "(none)");
			goto out;
		}
		if (!oci_digest_is_sha256(d)) {
			rc = oci_err_set(err, OCI_E_PROTOCOL,
					 "image manifest has an unsupported layer digest");
			goto out;
		}
		m->layers[i].media_type = strdup(mt);
		m->layers[i].digest = strdup(d);
		m->n_layers = i + 1;
		if (!m->layers[i].media_type || !m->layers[i].digest) {
			rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
			goto out;
		}
		if (json_object_object_get_ex(l, "size", &v))
			m->layers[i].size = json_object_get_int64(v);
	}
out:
	json_object_put(o);
	if (rc < 0)
		oci_manifest_clear(m);
	return rc;
}

/* A JSON array of strings as a NULL-terminated heap array; absent or null
 * gives NULL. Returns 0, or -1 if the value has the wrong type / on OOM. */
static int str_array(json_object *parent, const char *key, char ***out)
{
	json_object *a;
	size_t i, n;

	*out = NULL;
	if (!json_object_object_get_ex(parent, key, &a) || !a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -1;
	n = json_object_array_length(a);
	*out = calloc(n + 1, sizeof(char *));
	if (!*out)
		return -1;
	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(a, i);

		if (!json_object_is_type(s, json_type_string) ||
		    !((*out)[i] = strdup(json_object_get_string(s)))) {
			oci_strv_free(*out);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

void oci_config_clear(struct oci_config *cfg)
{
	if (!cfg)
		return;
	oci_strv_free(cfg->entrypoint);
	oci_strv_free(cfg->cmd);
	oci_strv_free(cfg->env);
	free(cfg->working_dir);
	free(cfg->user);
	oci_strv_free(cfg->diff_ids);
	memset(cfg, 0, sizeof(*cfg));
}

int oci_config_parse(const char *body, size_t len, struct oci_config *cfg,
		     struct oci_err *err)
{
	json_object *o = parse_json(body, len), *c = NULL, *rootfs;
	const char *s;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (!o || !json_object_is_type(o, json_type_object)) {
		rc = oci_err_set(err, OCI_E_PROTOCOL, "invalid image config");
		goto out;
	}
	if (!json_object_object_get_ex(o, "rootfs", &rootfs) ||
	    str_array(rootfs, "diff_ids", &cfg->diff_ids) < 0 || !cfg->diff_ids) {
		rc = oci_err_set(err, OCI_E_PROTOCOL, "image config has no rootfs.diff_ids");
		goto out;
	}
	/* "config" may be absent or null for images with no settings. */
	json_object_object_get_ex(o, "config", &c);
	if (c && json_object_is_type(c, json_type_object)) {
		if (str_array(c, "Entrypoint", &cfg->entrypoint) < 0 ||
		    str_array(c, "Cmd", &cfg->cmd) < 0 ||
		    str_array(c, "Env", &cfg->env) < 0) {
			rc = oci_err_set(err, OCI_E_PROTOCOL, "invalid image config");
			goto out;
		}
		s = get_str(c, "WorkingDir");
		if (s && *s && !(cfg->working_dir = strdup(s)))
			goto nomem;
		s = get_str(c, "User");
		if (s && *s && !(cfg->user = strdup(s)))
			goto nomem;
	}
	goto out;
nomem:
	rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
out:
	json_object_put(o);
	if (rc < 0)
		oci_config_clear(cfg);
	return rc;
}
