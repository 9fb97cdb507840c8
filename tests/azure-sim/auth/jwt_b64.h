/* jwt_b64: base64url without padding (RFC 4648 section 5, RFC 7515 section 2),
 * the encoding of the three JWT segments. */
#ifndef SL_AZSIM_JWT_B64_H
#define SL_AZSIM_JWT_B64_H

#include <stddef.h>

/* Encode len bytes of data as unpadded base64url.  Returns 0 and a
 * NUL-terminated heap string in *out (caller frees with free()), or -ENOMEM. */
int jwt_b64_encode(const void *data, size_t len, char **out);

/* Decode in[0..len) from base64url.  Trailing '=' padding is tolerated;
 * characters outside the base64url alphabet ('+', '/', spaces, ...), a
 * length of 1 mod 4, or non-zero leftover bits are rejected with -EINVAL.
 * Returns 0 and a heap buffer in *out (caller frees with free()), NUL-
 * terminated for convenience (the NUL is not counted in *out_len), or
 * -EINVAL / -ENOMEM with *out = NULL. */
int jwt_b64_decode(const char *in, size_t len, unsigned char **out,
		   size_t *out_len);

#endif
