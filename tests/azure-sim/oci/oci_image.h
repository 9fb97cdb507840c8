/* oci_image.h - pull container images from an OCI distribution registry.
 *
 * The simulator pulls images the way Azure Container Apps does: over the OCI
 * distribution API (/v2/), with the registry's bearer-token challenge or
 * basic credentials, resolving a manifest list / OCI index to linux/amd64,
 * verifying every blob's sha256, and unpacking the layers in order (gzip,
 * zstd or plain tar, with whiteouts) into a root filesystem directory that
 * is cached per image config digest under a state directory.
 *
 * The registry client it uses (references, auth, manifests, blobs) is the
 * core's: core/registry/ (oci_types.h has the shared types).
 *
 * Thread safety: one struct oci_puller may be used by several threads at
 * once (the runner pulls from one thread per replica). Two concurrent pulls
 * of the same image unpack into private temporary directories and the first
 * to finish publishes its rootfs with rename(2); the loser discards its copy.
 */
#ifndef SL_OCI_IMAGE_H
#define SL_OCI_IMAGE_H

#include <stddef.h>

#include "oci_types.h"

/* Puller configuration; everything is copied by oci_puller_new(). */
struct oci_registry_map {
	const char *from;   /* registry as written in references, e.g. "docker.io" */
	const char *to;     /* host[:port] actually contacted, e.g. "127.0.0.1:5000" */
};

struct oci_puller_config {
	/* Root of the cache: blobs under STATE/blobs/sha256/, unpacked image
	 * rootfs under STATE/rootfs/sha256-<config hex>/. Created if missing. */
	const char *state_dir;
	const struct oci_registry_map *maps;
	size_t n_maps;
	/* Registries (after mapping) contacted over plain HTTP in addition to
	 * the loopback ones (127.0.0.0/8, localhost, [::1]), which always use
	 * plain HTTP as Docker does for loopback registries. May be NULL. */
	const char *const *plain_http;
	size_t n_plain_http;
	/* Connect timeout and overall per-request timeout in seconds;
	 * 0 selects the defaults (10 s connect, 300 s request). */
	long connect_timeout_s;
	long request_timeout_s;
};

struct oci_puller;

/* Create a puller. Returns NULL with err filled on failure; free with
 * oci_puller_free(). Calls curl_global_init() once per process (the
 * caller need not); curl_global_cleanup() is left to process exit. */
struct oci_puller *oci_puller_new(const struct oci_puller_config *cfg,
				  struct oci_err *err);
void oci_puller_free(struct oci_puller *p);

/* A pulled image. All strings are heap strings owned by the struct;
 * the string arrays are NULL terminated and NULL when absent from the
 * image config (an empty JSON array gives a one-element {NULL} array). */
struct oci_image {
	char *reference;       /* canonical reference as requested */
	char *manifest_digest; /* digest of the platform manifest */
	char *config_digest;   /* image id, "sha256:<hex>" */
	char *rootfs;          /* absolute path of the cached, unpacked rootfs;
				* shared and read-only by convention: copy or
				* overlay it, never write into it */
	char **entrypoint;     /* config.Entrypoint */
	char **cmd;            /* config.Cmd */
	char **env;            /* config.Env, "NAME=value" */
	char *working_dir;     /* config.WorkingDir or NULL */
	char *user;            /* config.User or NULL */
};

/* Pull `image` (any reference text accepted by oci_ref_parse) and make
 * sure its rootfs is unpacked in the cache. The manifest is always fetched
 * (as ACA does with tags); layers are downloaded only if the rootfs for
 * that config digest is not cached yet.
 *
 * creds and cancel may be NULL. On success *out is a new image the caller
 * frees with oci_image_free(). On failure returns a negative enum
 * oci_status and err holds a message such as
 *   failed to resolve reference "127.0.0.1:5000/library/nope:latest": not found
 * which the runner reports with reason ImagePullFailure (or
 * ImagePullUnauthorized for OCI_E_UNAUTHORIZED). */
int oci_pull(struct oci_puller *p, const char *image,
	     const struct oci_credentials *creds,
	     oci_cancel_fn cancel, void *cancel_ud,
	     struct oci_image **out, struct oci_err *err);

/* Free an image returned by oci_pull(); NULL-safe. Does not touch the
 * cached rootfs on disk. */
void oci_image_free(struct oci_image *img);

#endif
