/* oci_manifest.h - parse OCI / Docker schema 2 manifests, indexes and
 * image configs (json-c). Internal to the puller; exposed for tests. */
#ifndef SL_OCI_MANIFEST_H
#define SL_OCI_MANIFEST_H

#include <stddef.h>

#include "oci_image.h"

#define OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define OCI_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* The Accept header value sent for manifests. */
#define OCI_MANIFEST_ACCEPT \
	OCI_MT_INDEX ", " OCI_MT_MANIFEST ", " OCI_MT_DOCKER_LIST ", " \
	OCI_MT_DOCKER_MANIFEST

enum oci_doc_kind { OCI_DOC_UNKNOWN, OCI_DOC_INDEX, OCI_DOC_MANIFEST };

/* Kind of a manifest document, from the Content-Type header (may be NULL)
 * or else the body's mediaType / shape. Docker schema 1 and anything
 * unrecognised give OCI_DOC_UNKNOWN. */
enum oci_doc_kind oci_doc_kind(const char *content_type, const char *body,
			       size_t len);

/* From an index / manifest list, pick the entry for os/arch (variant is
 * ignored for amd64). *digest is a heap string the caller frees. Returns
 * 0, OCI_E_NOT_FOUND ("no matching manifest for linux/amd64 in the
 * manifest list entries") or OCI_E_PROTOCOL. */
int oci_index_pick(const char *body, size_t len, const char *os,
		   const char *arch, char **digest, struct oci_err *err);

struct oci_layer_desc {
	char *media_type;
	char *digest;
	long long size;
};

struct oci_manifest {
	char *config_digest;
	long long config_size;
	struct oci_layer_desc *layers;
	size_t n_layers;
};

/* Parse an image manifest. Refuses unknown layer media types (zstd,
 * foreign/non-distributable layers are reported as unsupported). Release
 * with oci_manifest_clear(). */
int oci_manifest_parse(const char *body, size_t len, struct oci_manifest *m,
		       struct oci_err *err);
void oci_manifest_clear(struct oci_manifest *m);

/* Parse an image config: fills entrypoint, cmd, env, working_dir, user of
 * img (other fields untouched) and returns rootfs.diff_ids as a heap
 * NULL-terminated array in *diff_ids (caller frees with oci_strv_free).
 * Returns 0 or a negative enum oci_status. */
int oci_config_parse(const char *body, size_t len, struct oci_image *img,
		     char ***diff_ids, struct oci_err *err);

#endif
