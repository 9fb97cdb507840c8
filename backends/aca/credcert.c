/*
 * credcert.c - the client assertion of Entra's certificate credential:
 * a JWT signed RS256 with the application's private key, which Entra
 * matches to the uploaded certificate by its SHA-1 thumbprint (x5t).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "aca.h"

#define ASSERTION_LIFETIME_S 600   /* Entra accepts at most 10 minutes */

/* base64url without padding of n bytes, malloc'd. */
static char *b64url(const unsigned char *p, size_t n)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-_";
	char *o = malloc((n + 2) / 3 * 4 + 1), *q = o;
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		*q++ = a[p[i] >> 2];
		*q++ = a[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*q++ = a[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*q++ = a[p[i + 2] & 63];
	}
	if (n - i == 1) {
		*q++ = a[p[i] >> 2];
		*q++ = a[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		*q++ = a[p[i] >> 2];
		*q++ = a[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*q++ = a[(p[i + 1] & 15) << 2];
	}
	*q = '\0';
	return o;
}

static char *b64url_json(struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	return s ? b64url((const unsigned char *)s, strlen(s)) : NULL;
}

/* The key and the first certificate of a PEM file. */
static int load_pem(const char *path, EVP_PKEY **key, X509 **cert,
	struct aca_err *err)
{
	BIO *b = BIO_new_file(path, "r");

	*key = NULL;
	*cert = NULL;
	if (!b)
		return aca_err_set(err, SL_EINVAL, "Azure credentials (client "
			"certificate): cannot read AZURE_CLIENT_CERTIFICATE_PATH "
			"%s: %s", path, strerror(errno));
	*key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	/* The key and the certificate may come in either order: read the
	 * file again for the certificate. */
	b = BIO_new_file(path, "r");
	if (b) {
		*cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	ERR_clear_error();
	if (!*key || !*cert) {
		EVP_PKEY_free(*key);
		X509_free(*cert);
		*key = NULL;
		*cert = NULL;
		return aca_err_set(err, SL_EINVAL, "Azure credentials (client "
			"certificate): %s must hold an unencrypted private key "
			"and its certificate in PEM", path);
	}
	if (EVP_PKEY_get_base_id(*key) != EVP_PKEY_RSA) {
		EVP_PKEY_free(*key);
		X509_free(*cert);
		*key = NULL;
		*cert = NULL;
		return aca_err_set(err, SL_EINVAL, "Azure credentials (client "
			"certificate): the key in %s is not an RSA key (Entra "
			"signs assertions with RS256)", path);
	}
	return SL_OK;
}

int aca_cred_cert_assertion(const char *pem_path, const char *client_id,
	const char *token_url, char **jwt, struct aca_err *err)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	EVP_MD_CTX *md = NULL;
	struct json_object *h = NULL, *c = NULL;
	unsigned char thumb[20], *sig = NULL;
	unsigned int tlen = 0;
	size_t slen = 0, n;
	char *hb = NULL, *cb = NULL, *sb = NULL, *x5t = NULL, *input = NULL;
	char jti[37];
	long long now = time(NULL);
	int rc;

	*jwt = NULL;
	rc = load_pem(pem_path, &key, &cert, err);
	if (rc)
		return rc;
	if (X509_digest(cert, EVP_sha1(), thumb, &tlen) != 1 ||
	    !(x5t = b64url(thumb, tlen)))
		goto crypto;
	aca_http_uuid(jti);
	h = json_object_new_object();
	c = json_object_new_object();
	if (!h || !c)
		goto nomem;
	json_object_object_add(h, "alg", json_object_new_string("RS256"));
	json_object_object_add(h, "typ", json_object_new_string("JWT"));
	json_object_object_add(h, "x5t", json_object_new_string(x5t));
	json_object_object_add(c, "aud", json_object_new_string(token_url));
	json_object_object_add(c, "iss", json_object_new_string(client_id));
	json_object_object_add(c, "sub", json_object_new_string(client_id));
	json_object_object_add(c, "jti", json_object_new_string(jti));
	json_object_object_add(c, "nbf", json_object_new_int64(now));
	json_object_object_add(c, "iat", json_object_new_int64(now));
	json_object_object_add(c, "exp",
		json_object_new_int64(now + ASSERTION_LIFETIME_S));
	hb = b64url_json(h);
	cb = b64url_json(c);
	if (!hb || !cb)
		goto nomem;
	n = strlen(hb) + strlen(cb) + 2;
	input = malloc(n);
	if (!input)
		goto nomem;
	snprintf(input, n, "%s.%s", hb, cb);
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &slen, (const unsigned char *)input,
		strlen(input)) != 1)
		goto crypto;
	sig = malloc(slen);
	if (!sig)
		goto nomem;
	if (EVP_DigestSign(md, sig, &slen, (const unsigned char *)input,
		strlen(input)) != 1 || !(sb = b64url(sig, slen)))
		goto crypto;
	n = strlen(input) + strlen(sb) + 2;
	*jwt = malloc(n);
	if (!*jwt)
		goto nomem;
	snprintf(*jwt, n, "%s.%s", input, sb);
	rc = SL_OK;
	goto out;
nomem:
	rc = aca_err_set(err, SL_ENOMEM, "out of memory");
	goto out;
crypto:
	ERR_clear_error();
	rc = aca_err_set(err, SL_EINTERNAL, "Azure credentials (client "
		"certificate): signing the assertion with the key of %s failed",
		pem_path);
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	X509_free(cert);
	json_object_put(h);
	json_object_put(c);
	free(hb);
	free(cb);
	free(sb);
	free(x5t);
	free(sig);
	free(input);
	return rc;
}
