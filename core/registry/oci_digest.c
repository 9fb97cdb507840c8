/* oci_digest.c - sha256 through OpenSSL's EVP interface. */
#include "config.h"

#include "oci_digest.h"

#include <string.h>

#include <openssl/evp.h>

int oci_sha256_init(struct oci_sha256 *s)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!c)
		return -1;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return -1;
	}
	s->ctx = c;
	return 0;
}

int oci_sha256_update(struct oci_sha256 *s, const void *p, size_t n)
{
	if (!s->ctx)
		return -1;
	return EVP_DigestUpdate(s->ctx, p, n) == 1 ? 0 : -1;
}

int oci_sha256_final(struct oci_sha256 *s, char out[72])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	unsigned int i;

	if (!s->ctx || EVP_DigestFinal_ex(s->ctx, md, &len) != 1 || len != 32)
		return -1;
	memcpy(out, "sha256:", 7);
	for (i = 0; i < len; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
	return 0;
}

void oci_sha256_free(struct oci_sha256 *s)
{
	if (s->ctx)
		EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}

int oci_sha256_digest(const void *p, size_t n, char out[72])
{
	struct oci_sha256 s = { 0 };
	int rc = -1;

	if (oci_sha256_init(&s) == 0 && oci_sha256_update(&s, p, n) == 0 &&
	    oci_sha256_final(&s, out) == 0)
		rc = 0;
	oci_sha256_free(&s);
	return rc;
}

int oci_digest_is_sha256(const char *d)
{
	size_t i;

	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return 0;
	for (i = 7; i < 71; i++) {
		char c = d[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return 1;
}
