/* auth_form: form-urlencoded / query-string parsing. The percent-decoding
 * is the simulator's one decoder (sim_url_decode_len); what is the form's
 * own is '+' as a space and the splitting into pairs. */
#include "config.h"
#include "auth_form.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_util.h"

int auth_form_decode(const char *in, size_t len, int plus_is_space, char **out,
		     size_t *out_len)
{
	size_t n = 0;

	*out = sim_url_decode_len(in, len, plus_is_space, &n);
	if (!*out)
		return -ENOMEM;
	if (strlen(*out) != n) {
		/* a %00 (or a raw NUL) cannot survive as a C string */
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
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
