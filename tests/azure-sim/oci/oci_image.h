/* oci_image.h - pull container images from an OCI distribution registry.
 *
 * The simulator pulls images the way Azure Container Apps does: over the OCI
 * distribution API (/v2/), with the registry's bearer-token challenge or
 * basic credentials, resolving a manifest list / OCI index to linux/amd64,
 * verifying every blob's sha256, and unpacking the layers in order (gzip,
 * zstd or plain tar, with whiteouts) into a root filesystem directory that
 * is cached per image config digest under a state directory.
 *
 * Thread safety: one struct oci_puller may be used by several threads at
 * once (the runner pulls from one thread per replica). Two concurrent pulls
 * of the same image unpack into private temporary directories and the first
 * to finish publishes its rootfs with rename(2); the loser discards its copy.
 */
#ifndef SL_OCI_IMAGE_H
#define SL_OCI_IMAGE_H

#include <stddef.h>

/* Error classes returned (negated) by the functions below. The text in
 * struct oci_err says what happened in words fit for a system log line. */
enum oci_status {
	OCI_OK = 0,
	OCI_E_INVALID = -1,      /* malformed image reference or argument */
	OCI_E_UNREACHABLE = -2,  /* registry connection failed / timed out */
	OCI_E_NOT_FOUND = -3,    /* repository, tag, digest or blob unknown */
	OCI_E_UNAUTHORIZED = -4, /* 401/403 after the auth dance */
	OCI_E_PROTOCOL = -5,     /* unexpected response, digest mismatch,
				  * no linux/amd64 entry, bad layer */
	OCI_E_IO = -6,           /* local filesystem error */
	OCI_E_NOMEM = -7,
	OCI_E_CANCELLED = -8     /* the cancel callback asked to stop */
};

#define OCI_ERR_MAX 512

/* Human-readable detail for a failed call; always NUL terminated. */
struct oci_err {
	char msg[OCI_ERR_MAX];
};

/* A parsed image reference, normalised as Docker does:
 * "busybox" -> registry "docker.io", repository "library/busybox",
 * tag "latest"; "index.docker.io" is folded into "docker.io";
 * "host:5000/x/y@sha256:..." keeps registry "host:5000" and the digest.
 * All fields are heap strings owned by the struct (tag and digest may be
 * NULL: tag is NULL only when a digest was given without a tag). */
struct oci_ref {
	char *registry;
	char *repository;
	char *tag;
	char *digest;
};

/* Parse `text` into *out (zeroed first). Returns 0 or OCI_E_INVALID /
 * OCI_E_NOMEM with err filled. Release with oci_ref_clear(). */
int oci_ref_parse(const char *text, struct oci_ref *out, struct oci_err *err);

/* Free the strings of a reference and zero it; NULL-safe. */
void oci_ref_clear(struct oci_ref *ref);

/* The canonical form "registry/repository[:tag][@digest]".
 * Returns a heap string the caller frees, or NULL on allocation failure. */
char *oci_ref_format(const struct oci_ref *ref);

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

/* Registry credentials for one pull (from the job's
 * configuration.registries with passwordSecretRef resolved). Used for the
 * Basic scheme and when fetching a bearer token from the challenge realm.
 * Matched by the caller; pass NULL for anonymous pulls. */
struct oci_credentials {
	const char *username;
	const char *password;
};

/* Optional cancellation: called from libcurl's progress callback and
 * between layers; return non-zero to abort the pull with OCI_E_CANCELLED. */
typedef int (*oci_cancel_fn)(void *ud);

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
