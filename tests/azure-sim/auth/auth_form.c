/* auth_form: form-urlencoded / query-string parsing and percent-encoding. */
#include "config.h"
#include "auth_form.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int auth_form_decode(const char *in, size_t len, int plus_is_space, char **out,
		     size_t *out_len)
{
	char *buf;
	size_t i, n = 0;

	*out = NULL;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3) {
				/* fewer than two characters follow */
				free(buf);
				return -EINVAL;
			}
			hi = hexval((unsigned char)in[i + 1]);
			lo = hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(buf);
				return -EINVAL;
			}
			buf[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			buf[n++] = ' ';
		} else if (c == '\0') {
			/* an embedded NUL cannot survive as a C string */
			free(buf);
			return -EINVAL;
		} else {
			buf[n++] = (char)c;
		}
	}
	buf[n] = '\0';
	*out = buf;
	if (out_len)
		*out_len = n;
	return 0;
}

static int form_push(struct auth_form *form, char *name, char *value)
{
	if (form->n == form->cap) {
		size_t ncap = form->cap ? form->cap * 2 : 8;
		struct auth_form_pair *np;

		np = realloc(form->pairs, ncap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		form->pairs = np;
		form->cap = ncap;
	}
	form->pairs[form->n].name = name;
	form->pairs[form->n].value = value;
	form->n++;
	return 0;
}

/* One "name[=value]" segment. */
static int parse_segment(const char *seg, size_t len, struct auth_form *form)
{
	const char *eq = memchr(seg, '=', len);
	size_t nlen = eq ? (size_t)(eq - seg) : len;
	char *name = NULL, *value = NULL;
	int rc;

	rc = auth_form_decode(seg, nlen, 1, &name, NULL);
	if (rc)
		goto out;
	if (eq)
		rc = auth_form_decode(eq + 1, len - nlen - 1, 1, &value, NULL);
	else
		rc = (value = strdup("")) ? 0 : -ENOMEM;
	if (rc)
		goto out;
	rc = form_push(form, name, value);
	if (rc == 0)
		return 0;
out:
	free(name);
	free(value);
	return rc;
}

int auth_form_parse(const char *body, size_t len, struct auth_form *form)
{
	size_t start = 0, i;
	int rc;

	if (!body)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || body[i] == '&') {
			if (i > start) {
				rc = parse_segment(body + start, i - start, form);
				if (rc)
					return rc;
			}
			start = i + 1;
		}
	}
	return 0;
}

int auth_form_parse_query(const char *qs, struct auth_form *form)
{
	const char *q, *end;

	if (!qs)
		return 0;
	q = strchr(qs, '?');
	if (q)
		q++;
	else if (qs[0] == '/')
		return 0; /* a target without a query */
	else
		q = qs;
	end = strchr(q, '#');
	return auth_form_parse(q, end ? (size_t)(end - q) : strlen(q), form);
}

const char *auth_form_get(const struct auth_form *form, const char *name)
{
	size_t i;

	if (!form || !name)
		return NULL;
	for (i = 0; i < form->n; i++)
		if (strcmp(form->pairs[i].name, name) == 0)
			return form->pairs[i].value;
	return NULL;
}

size_t auth_form_count(const struct auth_form *form, const char *name)
{
	size_t i, n = 0;

	if (!form || !name)
		return 0;
	for (i = 0; i < form->n; i++)
		if (strcmp(form->pairs[i].name, name) == 0)
			n++;
	return n;
}

const char *auth_form_lookup(void *ctx, const char *name)
{
	return auth_form_get(ctx, name);
}

void auth_form_free(struct auth_form *form)
{
	size_t i;

	if (!form)
		return;
	for (i = 0; i < form->n; i++) {
		free(form->pairs[i].name);
		free(form->pairs[i].value);
	}
	free(form->pairs);
	form->pairs = NULL;
	form->n = form->cap = 0;
}

int auth_form_encode(const char *s, char **out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(s), i, n = 0;
	char *buf;

	*out = NULL;
	buf = malloc(len * 3 + 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf[n++] = (char)c;
		} else {
			buf[n++] = '%';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}
