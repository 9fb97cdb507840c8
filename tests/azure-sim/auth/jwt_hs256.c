/* jwt_hs256: compact JWS with HMAC-SHA256 (OpenSSL). */
#include "config.h"
#include "jwt_hs256.h"
#include "jwt_b64.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define JWT_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Parse exactly one JSON object from buf[0..len); trailing bytes or a
 * NUL inside the text make it malformed. Caller puts the result. */
static int parse_object(const char *buf, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	int rc = -EINVAL;

	*out = NULL;
	if (len == 0 || strlen(buf) != len || len > (size_t)INT32_MAX)
		return -EINVAL;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		goto out;
	}
	*out = obj;
	rc = 0;
out:
	json_tokener_free(tok);
	return rc;
}

static int decode_segment(const char *seg, size_t len, struct json_object **out)
{
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	int rc;

	rc = jwt_b64_decode(seg, len, &raw, &raw_len);
	if (rc)
		return rc;
	rc = parse_object((const char *)raw, raw_len, out);
	free(raw);
	return rc;
}

/* Locate the two dots; returns -EINVAL unless there are exactly two. */
static int split3(const char *token, size_t *d1, size_t *d2)
{
	const char *a, *b;

	if (!token)
		return -EINVAL;
	a = strchr(token, '.');
	if (!a)
		return -EINVAL;
	b = strchr(a + 1, '.');
	if (!b || strchr(b + 1, '.'))
		return -EINVAL;
	*d1 = (size_t)(a - token);
	*d2 = (size_t)(b - token);
	return 0;
}

/* A token taken apart: header and claims parsed, signature decoded,
 * signed_len the length of "header.claims" (what the MAC covers). */
struct jwt_parts {
	struct json_object *h, *c;
	unsigned char *sig;
	size_t sig_len, signed_len;
};

static void parts_free(struct jwt_parts *p)
{
	free(p->sig);
	json_object_put(p->h);
	json_object_put(p->c);
}

/* Fill *p (zeroed first; parts_free() it whatever the result). */
static int parts_parse(const char *token, struct jwt_parts *p)
{
	size_t d1, d2;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = split3(token, &d1, &d2);
	if (rc)
		return rc;
	p->signed_len = d2;
	rc = decode_segment(token, d1, &p->h);
	if (rc == 0)
		rc = decode_segment(token + d1 + 1, d2 - d1 - 1, &p->c);
	if (rc == 0)
		rc = jwt_b64_decode(token + d2 + 1, strlen(token + d2 + 1), &p->sig,
				    &p->sig_len);
	return rc;
}

int jwt_decode(const char *token, struct json_object **header,
	       struct json_object **claims)
{
	struct jwt_parts p;
	int rc;

	rc = parts_parse(token, &p);
	if (rc == 0 && header) {
		*header = p.h;
		p.h = NULL;
	}
	if (rc == 0 && claims) {
		*claims = p.c;
		p.c = NULL;
	}
	parts_free(&p);
	return rc;
}

static int hmac256(const unsigned char *key, size_t key_len, const char *msg,
		   size_t msg_len, unsigned char mac[EVP_MAX_MD_SIZE],
		   unsigned int *mac_len)
{
	if (key_len > (size_t)INT32_MAX)
		return -EINVAL;
	if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg,
		  msg_len, mac, mac_len))
		return -EIO;
	return 0;
}

int jwt_hs256_sign(const unsigned char *key, size_t key_len, const char *kid,
		   struct json_object *claims, char **token)
{
	struct json_object *hdr = NULL;
	char *h64 = NULL, *c64 = NULL, *s64 = NULL, *input = NULL, *tok = NULL;
	const char *txt;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	size_t in_len;
	int rc = -ENOMEM;

	*token = NULL;
	if (!key || key_len == 0 || !claims ||
	    !json_object_is_type(claims, json_type_object))
		return -EINVAL;
	hdr = json_object_new_object();
	if (!hdr)
		goto out;
	if (json_object_object_add(hdr, "typ", json_object_new_string("JWT")) ||
	    json_object_object_add(hdr, "alg", json_object_new_string("HS256")))
		goto out;
	if (kid && json_object_object_add(hdr, "kid",
					  json_object_new_string(kid)))
		goto out;
	txt = json_object_to_json_string_ext(hdr, JWT_JSON_FLAGS);
	if (!txt || (rc = jwt_b64_encode(txt, strlen(txt), &h64)))
		goto out_nomem;
	txt = json_object_to_json_string_ext(claims, JWT_JSON_FLAGS);
	if (!txt || (rc = jwt_b64_encode(txt, strlen(txt), &c64)))
		goto out_nomem;
	in_len = strlen(h64) + 1 + strlen(c64);
	input = malloc(in_len + 1);
	if (!input) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(input, h64, strlen(h64));
	input[strlen(h64)] = '.';
	memcpy(input + strlen(h64) + 1, c64, strlen(c64) + 1);
	rc = hmac256(key, key_len, input, in_len, mac, &mac_len);
	if (rc)
		goto out;
	rc = jwt_b64_encode(mac, mac_len, &s64);
	if (rc)
		goto out;
	tok = malloc(in_len + 1 + strlen(s64) + 1);
	if (!tok) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(tok, input, in_len);
	tok[in_len] = '.';
	memcpy(tok + in_len + 1, s64, strlen(s64) + 1);
	*token = tok;
	rc = 0;
	goto out;
out_nomem:
	if (rc == 0)
		rc = -ENOMEM;
out:
	json_object_put(hdr);
	free(h64);
	free(c64);
	free(s64);
	free(input);
	return rc;
}

int jwt_hs256_verify(const unsigned char *key, size_t key_len,
		     const char *token, struct json_object **claims)
{
	struct json_object *alg;
	struct jwt_parts p;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	int rc;

	if (claims)
		*claims = NULL;
	if (!key || key_len == 0)
		return -EINVAL;
	rc = parts_parse(token, &p);
	if (rc)
		goto out;
	/* The header names the algorithm, so "none" or RS256 must never
	 * reach the MAC comparison. */
	if (!json_object_object_get_ex(p.h, "alg", &alg) ||
	    !json_object_is_type(alg, json_type_string) ||
	    strcmp(json_object_get_string(alg), "HS256") != 0) {
		rc = -ENOTSUP;
		goto out;
	}
	rc = hmac256(key, key_len, token, p.signed_len, mac, &mac_len);
	if (rc)
		goto out;
	if (p.sig_len != mac_len || CRYPTO_memcmp(p.sig, mac, mac_len) != 0) {
		rc = -EBADMSG;
		goto out;
	}
	if (claims) {
		*claims = p.c;
		p.c = NULL;
	}
out:
	parts_free(&p);
	return rc;
}
