/* oci_types.h - what every part of the registry client shares: error
 * classes and text, parsed image references, credentials, cancellation.
 *
 * core/registry/ is the Docker Registry HTTP API v2 / OCI distribution
 * client of sockerlessd (image pulls) and of the Azure simulator's
 * puller (tests/azure-sim/oci/), which adds layer unpacking on top.
 * Link $(CORE_REGISTRY_SOURCES) plus core/imageref.c (registry.am).
 */
#ifndef SL_OCI_TYPES_H
#define SL_OCI_TYPES_H

#include <stddef.h>

/* Error classes returned (negated) by the oci_* functions. The text in
 * struct oci_err says what happened in words fit for a log line. */
enum oci_status {
	OCI_OK = 0,
	OCI_E_INVALID = -1,      /* malformed image reference or argument */
	OCI_E_UNREACHABLE = -2,  /* registry connection failed / timed out */
	OCI_E_NOT_FOUND = -3,    /* repository, tag, digest or blob unknown */
	OCI_E_UNAUTHORIZED = -4, /* 401/403 after the auth dance */
	OCI_E_PROTOCOL = -5,     /* unexpected response, digest mismatch,
				  * no entry for the platform, bad layer */
	OCI_E_IO = -6,           /* local filesystem error */
	OCI_E_NOMEM = -7,
	OCI_E_CANCELLED = -8     /* the cancel callback asked to stop */
};

#define OCI_ERR_MAX 512

/* Human-readable detail for a failed call; always NUL terminated. (What
 * the registry itself answered is kept by the connection:
 * oci_reg_answer() in oci_registry.h.) */
struct oci_err {
	char msg[OCI_ERR_MAX];
};

/* A parsed image reference, normalised as Docker does (one parser:
 * core/imageref.c): "busybox" -> registry "docker.io", repository
 * "library/busybox", tag "latest"; "index.docker.io" is folded into
 * "docker.io"; "host:5000/x/y@sha256:..." keeps registry "host:5000" and
 * the digest. All fields are heap strings owned by the struct (tag is
 * NULL only when a digest was given without a tag; digest may be NULL). */
struct oci_ref {
	char *registry;
	char *repository;
	char *tag;
	char *digest;
};

/* Parse `text` into *out (zeroed first). Returns 0 or OCI_E_INVALID /
 * OCI_E_NOMEM with err holding dockerd's message ("invalid reference
 * format", ...). Only sha256 digests are accepted. Release with
 * oci_ref_clear(). */
int oci_ref_parse(const char *text, struct oci_ref *out, struct oci_err *err);

/* Free the strings of a reference and zero it; NULL-safe. */
void oci_ref_clear(struct oci_ref *ref);

/* The canonical form "registry/repository[:tag][@digest]".
 * Returns a heap string the caller frees, or NULL on allocation failure. */
char *oci_ref_format(const struct oci_ref *ref);

/* Registry credentials for one pull. Used for the Basic scheme and when
 * fetching a bearer token from the challenge realm. NULL for anonymous
 * pulls. */
struct oci_credentials {
	const char *username;
	const char *password;
};

/* Optional cancellation: called from libcurl's progress callback and
 * between steps; return non-zero to abort with OCI_E_CANCELLED. */
typedef int (*oci_cancel_fn)(void *ud);

#endif
