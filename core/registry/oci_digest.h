/* oci_digest.h - sha256 digests as OCI writes them ("sha256:<64 hex>"). */
#ifndef SL_OCI_DIGEST_H
#define SL_OCI_DIGEST_H

#include <stddef.h>

/* Streaming sha256. Zero-initialise, then init/update/final; free always
 * (also after final). */
struct oci_sha256 {
	void *ctx; /* EVP_MD_CTX */
};

int oci_sha256_init(struct oci_sha256 *s);
int oci_sha256_update(struct oci_sha256 *s, const void *p, size_t n);
/* Writes "sha256:<hex>" (71 chars + NUL) into out. */
int oci_sha256_final(struct oci_sha256 *s, char out[72]);
void oci_sha256_free(struct oci_sha256 *s);

/* One-shot: "sha256:<hex>" of p[0..n). Returns 0 or -1. */
int oci_sha256_digest(const void *p, size_t n, char out[72]);

/* 1 if d is "sha256:" followed by 64 lowercase hex digits, else 0. Other
 * algorithms are not supported by the simulator. */
int oci_digest_is_sha256(const char *d);

#endif
