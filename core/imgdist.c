/*
 * imgdist.c - GET /distribution/{name}/json's document (see imgpull.h):
 * the descriptor of the manifest or index the registry serves for a
 * reference, and the platforms it offers, as moby's distribution router
 * answers (docker manifest inspect, buildx imagetools, docker-py's
 * get_registry_data).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/imgpull.h"
#include "oci_manifest.h"
#include "oci_registry.h"
#include "oci_types.h"

static void add_platform(struct json_object *to, struct json_object *p)
{
	struct json_object *o = json_object_new_object(), *v;

	json_object_object_add(o, "architecture", json_object_new_string(
		json_object_object_get_ex(p, "architecture", &v) ? json_object_get_string(v) : ""));
	json_object_object_add(o, "os", json_object_new_string(
		json_object_object_get_ex(p, "os", &v) ? json_object_get_string(v) : ""));
	if (json_object_object_get_ex(p, "variant", &v) && json_object_get_string_len(v))
		json_object_object_add(o, "variant", json_object_new_string(json_object_get_string(v)));
	json_object_array_add(to, o);
}

/* The platforms of a manifest (from its config) or an index (its entries). */
static int platforms(struct oci_reg *reg, enum oci_doc_kind kind, const char *body, size_t len,
		     struct json_object *out, struct oci_err *oe)
{
	struct json_object *doc = json_tokener_parse(body), *ms, *p, *cfg = NULL;
	struct oci_manifest m = { 0 };
	char *cbody = NULL;
	size_t clen;
	int rc = 0;

	(void)len;
	if (kind == OCI_DOC_INDEX) {
		if (doc && json_object_object_get_ex(doc, "manifests", &ms) &&
		    json_object_is_type(ms, json_type_array))
			for (size_t i = 0; i < json_object_array_length(ms); i++)
				if (json_object_object_get_ex(json_object_array_get_idx(ms, i),
							      "platform", &p))
					add_platform(out, p);
		goto out;
	}
	if ((rc = oci_manifest_parse(body, len, &m, oe)) < 0 ||
	    (rc = oci_reg_blob_mem(reg, m.config_digest, 8 * 1024 * 1024, &cbody, &clen, oe)) < 0)
		goto out;
	cfg = json_tokener_parse(cbody);
	if (cfg && json_object_is_type(cfg, json_type_object))
		add_platform(out, cfg);
out:
	json_object_put(doc);
	json_object_put(cfg);
	oci_manifest_clear(&m);
	free(cbody);
	return rc;
}

int sl_imgpull_distribution(const char *text, const struct oci_credentials *creds,
			    struct json_object **out, char *err, size_t errlen, unsigned int *status)
{
	struct oci_ref ref = { 0 };
	struct oci_err oe = { { 0 } };
	struct oci_reg_opts ro;
	struct oci_reg *reg = NULL;
	struct json_object *doc = NULL, *desc, *plats;
	char *canon = NULL, *host = NULL, *body = NULL, *ct = NULL, *digest = NULL;
	enum oci_doc_kind kind;
	size_t len = 0;
	int rc, plain;

	*out = NULL;
	*status = 500;
	if (oci_ref_parse(text, &ref, &oe) < 0) {
		*status = 400;
		snprintf(err, errlen, "%s", oe.msg);
		return -1;
	}
	if (!(canon = oci_ref_format(&ref)) || sl_imgpull_endpoint(ref.registry, &host, &plain) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	sl_imgpull_reg_opts(&ro, host, plain, ref.repository, canon, creds);
	if ((rc = oci_reg_open(&ro, &reg, &oe)) < 0 ||
	    (rc = oci_reg_manifest(reg, ref.digest ? ref.digest : ref.tag, &body, &len, &ct,
				   &digest, &oe)) < 0)
		goto fail;
	kind = oci_doc_kind(ct, body, len);
	if (kind == OCI_DOC_UNKNOWN) {
		snprintf(err, errlen, "unsupported manifest media type \"%s\" for %s",
			 ct ? ct : "(none)", canon);
		rc = -1;
		goto out;
	}
	doc = json_object_new_object();
	desc = json_object_new_object();
	plats = json_object_new_array();
	json_object_object_add(desc, "mediaType", json_object_new_string(ct && *ct ? ct :
		kind == OCI_DOC_INDEX ? OCI_MT_INDEX : OCI_MT_MANIFEST));
	json_object_object_add(desc, "digest", json_object_new_string(digest));
	json_object_object_add(desc, "size", json_object_new_int64((int64_t)len));
	json_object_object_add(doc, "Descriptor", desc);
	json_object_object_add(doc, "Platforms", plats);
	if ((rc = platforms(reg, kind, body, len, plats, &oe)) < 0)
		goto fail;
	*out = doc;
	doc = NULL;
	rc = 0;
	goto out;
fail:
	*status = rc == OCI_E_NOT_FOUND ? 404 : rc == OCI_E_UNAUTHORIZED ? 401 : 500;
	snprintf(err, errlen, "%s", oe.msg);
	rc = -1;
out:
	json_object_put(doc);
	oci_reg_close(reg);
	oci_ref_clear(&ref);
	free(canon);
	free(host);
	free(body);
	free(ct);
	free(digest);
	return rc;
}
