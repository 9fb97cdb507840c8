/* oci_registry.h - a libcurl client for one repository of an OCI
 * distribution registry: manifests and blobs, with the registry's auth
 * challenge (Bearer token from the realm, or Basic) handled on a 401.
 * Used by the daemon's pulls and the simulator's puller. Not thread-safe:
 * one per pull. */
#ifndef SL_OCI_REGISTRY_H
#define SL_OCI_REGISTRY_H

#include <stddef.h>

#include "oci_types.h"

struct oci_reg_opts {
	const char *host;         /* host[:port] contacted */
	int plain_http;           /* http:// instead of https:// */
	const char *repository;   /* e.g. "library/busybox" */
	const char *display_ref;  /* reference used in error messages */
	const struct oci_credentials *creds; /* may be NULL */
	oci_cancel_fn cancel;     /* may be NULL */
	void *cancel_ud;
	long connect_timeout_s;   /* 0: 10 s */
	long request_timeout_s;   /* 0: 300 s */
	long stall_timeout_s;     /* a response silent this long fails; 0: none */
	const char *user_agent;   /* NULL: "sockerless" */
};

/* 1 if host ("name[:port]", "[v6]:port") is a loopback registry, which
 * Docker always contacts over plain HTTP; else 0. */
int oci_host_is_loopback(const char *host);

struct oci_reg;

/* What the registry answered to the last request that failed with an HTTP
 * error: status, and the first entry of its {"errors":[...]} body (e.g.
 * "MANIFEST_UNKNOWN" / "manifest unknown"), so a caller can word the error
 * as dockerd does. All zero / empty after a transport error or a success. */
struct oci_reg_answer {
	long status;
	char code[64];
	char message[256];
};
const struct oci_reg_answer *oci_reg_answer(const struct oci_reg *r);

/* Returns 0 and *out (free with oci_reg_close) or a negative status. */
int oci_reg_open(const struct oci_reg_opts *o, struct oci_reg **out,
		 struct oci_err *err);
void oci_reg_close(struct oci_reg *r);

/* GET /v2/ with the auth dance (a login check: open with repository ""
 * to ask for a token without a scope).  0 for a 200; otherwise a negative
 * status, with oci_reg_answer telling the final HTTP status. */
int oci_reg_ping(struct oci_reg *r, struct oci_err *err);

/* GET /v2/<repo>/manifests/<ref> (tag or digest). On success *body (heap,
 * NUL terminated, caller frees), *len, *content_type (heap or NULL) and
 * *digest (heap: sha256 of the body as received). If ref is a digest the
 * body must match it. */
int oci_reg_manifest(struct oci_reg *r, const char *ref, char **body,
		     size_t *len, char **content_type, char **digest,
		     struct oci_err *err);

/* GET a blob into memory (at most max bytes), verified against digest.
 * *body is a heap NUL-terminated buffer the caller frees. */
int oci_reg_blob_mem(struct oci_reg *r, const char *digest, size_t max,
		     char **body, size_t *len, struct oci_err *err);

/* GET a blob into the file descriptor fd (written from its current
 * offset), verified against digest. */
int oci_reg_blob_fd(struct oci_reg *r, const char *digest, int fd,
		    struct oci_err *err);

#endif
