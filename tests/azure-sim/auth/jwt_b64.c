/* jwt_b64: unpadded base64url. */
#include "config.h"
#include "jwt_b64.h"

#include <errno.h>
#include <stdlib.h>

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int jwt_b64_encode(const void *data, size_t len, char **out)
{
	const unsigned char *p = data;
	size_t i, n = 0;
	char *buf;

	*out = NULL;
	buf = malloc((len + 2) / 3 * 4 + 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned long v = ((unsigned long)p[i] << 16) |
				  ((unsigned long)p[i + 1] << 8) | p[i + 2];

		buf[n++] = b64url[(v >> 18) & 63];
		buf[n++] = b64url[(v >> 12) & 63];
		buf[n++] = b64url[(v >> 6) & 63];
		buf[n++] = b64url[v & 63];
	}
	if (len - i == 1) {
		unsigned long v = (unsigned long)p[i] << 16;

		buf[n++] = b64url[(v >> 18) & 63];
		buf[n++] = b64url[(v >> 12) & 63];
	} else if (len - i == 2) {
		unsigned long v = ((unsigned long)p[i] << 16) |
				  ((unsigned long)p[i + 1] << 8);

		buf[n++] = b64url[(v >> 18) & 63];
		buf[n++] = b64url[(v >> 12) & 63];
		buf[n++] = b64url[(v >> 6) & 63];
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int jwt_b64_decode(const char *in, size_t len, unsigned char **out,
		   size_t *out_len)
{
	unsigned char *buf;
	unsigned long acc = 0;
	size_t i, n = 0;
	int bits = 0;

	*out = NULL;
	while (len > 0 && in[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -EINVAL;
	buf = malloc(len / 4 * 3 + 3);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		int v = b64val((unsigned char)in[i]);

		if (v < 0)
			goto bad;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	/* Canonical encodings leave zero bits behind; anything else is a
	 * second spelling of the same bytes (signature malleability). */
	if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0)
		goto bad;
	buf[n] = '\0';
	*out = buf;
	if (out_len)
		*out_len = n;
	return 0;
bad:
	free(buf);
	return -EINVAL;
}
