/* oci_manifest.h - parse OCI / Docker schema 2 manifests, indexes and
 * image configs (json-c). Shared by the daemon and the simulator. */
#ifndef SL_OCI_MANIFEST_H
#define SL_OCI_MANIFEST_H

#include <stddef.h>

#include "oci_types.h"

#define OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define OCI_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* The Accept header value sent for manifests. */
/* The distribution spec's manifest size limit, enforced on reads. */
#define OCI_MANIFEST_MAX (4 * 1024 * 1024)

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

/* What a runtime needs from an image config. The string arrays are NULL
 * terminated heap arrays, NULL when absent from the config (an empty JSON
 * array gives a one-element {NULL} array); strings are NULL when absent or
 * empty. */
struct oci_config {
	char **entrypoint;     /* config.Entrypoint */
	char **cmd;            /* config.Cmd */
	char **env;            /* config.Env, "NAME=value" */
	char *working_dir;     /* config.WorkingDir */
	char *user;            /* config.User */
	char **diff_ids;       /* rootfs.diff_ids, never NULL after a parse */
};

/* Parse an image config into *cfg (zeroed first). Returns 0 or a negative
 * enum oci_status; release with oci_config_clear(). */
int oci_config_parse(const char *body, size_t len, struct oci_config *cfg,
		     struct oci_err *err);
/* Free what a parse filled and zero *cfg; NULL-safe. */
void oci_config_clear(struct oci_config *cfg);

#endif
