/* jwt_hs256: compact JWS (RFC 7515/7519) with HMAC-SHA256, the signature the
 * simulator uses for every token it issues, and structure-only decoding for
 * JWTs it cannot verify (client assertions signed with a certificate key,
 * federated OIDC tokens).
 *
 * Only structure and signature are checked here; time and audience claims
 * are policy and live in auth_bearer.c / auth_issue.c with Azure's messages.
 * Thread-safe: no shared state.
 */
#ifndef SL_AZSIM_JWT_HS256_H
#define SL_AZSIM_JWT_HS256_H

#include <stddef.h>

struct json_object;

/* Sign claims (a JSON object; not consumed, the caller still owns it;
 * json-c caches its printed text inside the object, so keep the object in
 * one thread) with key.
 * Header is {"typ":"JWT","alg":"HS256"} plus "kid":kid when kid != NULL.
 * Returns 0 and "<b64url(header)>.<b64url(claims)>.<b64url(mac)>" as a heap
 * string in *token (caller frees with free()); -EINVAL if claims is not an
 * object or key_len is 0; -ENOMEM; -EIO if OpenSSL fails. */
int jwt_hs256_sign(const unsigned char *key, size_t key_len, const char *kid,
		   struct json_object *claims, char **token);

/* Split and decode a compact JWT without checking any signature:
 * exactly three dot-separated segments, the first two base64url JSON
 * objects (the signature segment must be valid base64url, possibly empty).
 * On success returns 0 and, for each non-NULL out pointer, a new json-c
 * object the caller releases with json_object_put().
 * Returns -EINVAL for anything malformed (outputs untouched), -ENOMEM. */
int jwt_decode(const char *token, struct json_object **header,
	       struct json_object **claims);

/* Verify a compact JWT signed by jwt_hs256_sign() with key.
 * Returns:
 *   0        well-formed, header alg is "HS256", signature matches
 *            (constant-time compare); *claims (if non-NULL) gets the claims
 *            object, released by the caller with json_object_put();
 *   -EINVAL  malformed (segments, base64url, JSON, header not an object);
 *   -ENOTSUP header alg is not HS256 (including "none");
 *   -EBADMSG signature does not match;
 *   -ENOMEM / -EIO on resource or OpenSSL failure.
 * Time claims (exp, nbf) are NOT checked here. */
int jwt_hs256_verify(const unsigned char *key, size_t key_len,
		     const char *token, struct json_object **claims);

#endif
