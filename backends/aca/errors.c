/*
 * errors.c - the messages the Docker client sees, and the mapping of
 * Azure's error answers onto them.
 *
 * Azure answers errors in three envelopes: ARM's {"error":{"code",
 * "message","details"}}, Log Analytics' {"error":{"code","message",
 * "innererror":{...}}} whose useful text is in the innermost innererror,
 * and Entra's OAuth pair {"error":"invalid_client","error_description"}.
 * Anything else (a proxy's HTML page, an empty body) keeps only the
 * HTTP status.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "aca.h"

/* Cuts s to at most max bytes and drops a UTF-8 sequence left
 * incomplete at the end (by this cut or an earlier snprintf's). */
static void utf8_cut(char *s, size_t max)
{
	size_t n = strlen(s), i, need;
	unsigned char c;

	if (n > max)
		s[n = max] = '\0';
	/* Find the start of the last sequence. */
	for (i = n; i > 0 && n - i < 4 &&
		((unsigned char)s[i - 1] & 0xC0) == 0x80; i--)
		;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 :
		(c & 0xF8) == 0xF0 ? 4 : 0;
	if (need != n - i + 1)
		s[i - 1] = '\0';
}

/* Control characters (newlines in Entra's descriptions) would break the
 * one-line messages Docker prints. */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

int aca_err_set(struct aca_err *e, int status, const char *fmt, ...)
{
	va_list ap;
	int n;

	e->status = status;
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		e->msg[0] = '\0';
	else if ((size_t)n >= sizeof(e->msg))
		utf8_cut(e->msg, sizeof(e->msg) - 1);
	return status;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * Reads the code and message of an error body into code/msg ("" when
 * absent).  For Log Analytics the innermost innererror's message is
 * appended: the top one is only "The request had some invalid
 * properties".
 */
static void parse_body(const struct aca_resp *r, char *code, size_t clen,
	char *msg, size_t mlen)
{
	struct json_object *root = NULL, *err, *inner;
	const char *c = NULL, *m = NULL, *deep = NULL;
	size_t n;

	if (clen)
		code[0] = '\0';
	if (mlen)
		msg[0] = '\0';
	if (!r || !r->body || !r->len)
		return;
	root = json_tokener_parse(r->body);
	if (!root || !json_object_is_type(root, json_type_object))
		goto out;
	if (json_object_object_get_ex(root, "error", &err) &&
	    json_object_is_type(err, json_type_object)) {
		c = jstr(err, "code");
		m = jstr(err, "message");
		for (inner = err; json_object_object_get_ex(inner, "innererror",
			&inner) && json_object_is_type(inner, json_type_object);) {
			if (jstr(inner, "message"))
				deep = jstr(inner, "message");
		}
	} else if (jstr(root, "error")) {
		/* Entra and IMDS: an OAuth error pair. */
		c = jstr(root, "error");
		m = jstr(root, "error_description");
	} else {
		/* App Service's token service: {"statusCode","message"}. */
		m = jstr(root, "message");
		if (!m)
			m = jstr(root, "Message");
	}
	if (c && clen)
		snprintf(code, clen, "%s", c);
	if (m && mlen) {
		snprintf(msg, mlen, "%s", m);
		n = strlen(msg);
		if (deep && strcmp(deep, m) != 0 && n + 2 < mlen)
			snprintf(msg + n, mlen - n, ": %s", deep);
		one_line(msg);
		utf8_cut(msg, mlen - 1);
	}
out:
	json_object_put(root);
}

void aca_err_code(const struct aca_resp *r, char *buf, size_t len)
{
	parse_body(r, buf, len, NULL, 0);
}

void aca_err_message(const struct aca_resp *r, char *buf, size_t len)
{
	parse_body(r, NULL, 0, buf, len);
}

/* Quota refusals are not the user's request being wrong nor a passing
 * state: Docker shows them as a server error (500). */
static int is_quota(const char *code)
{
	const char *p;

	for (p = code; *p; p++)
		if (strncasecmp(p, "quota", 5) == 0)
			return 1;
	return 0;
}

int aca_err_from_resp(struct aca_err *e, const struct aca_resp *r,
	const char *what)
{
	char code[128], amsg[768], tail[160];
	const char *kind;
	long st = r ? r->status : 0;
	int status;
	size_t room;

	parse_body(r, code, sizeof(code), amsg, sizeof(amsg));
	if (!what || !*what)
		what = "Azure request";
	if (code[0] && is_quota(code)) {
		status = SL_EINTERNAL;
		kind = "Azure quota reached";
	} else if (st == 404) {
		status = SL_ENOTFOUND;
		kind = "not found";
	} else if (st == 409) {
		status = SL_ECONFLICT;
		kind = "conflict";
	} else if (st == 401) {
		status = SL_EPERM;
		kind = "Azure refused the credentials";
	} else if (st == 403) {
		status = SL_EPERM;
		kind = "not authorized";
	} else if (st == 408 || st == 429 || st >= 500) {
		status = SL_EUNAVAIL;
		kind = st == 429 ? "Azure is throttling requests, try again later"
			: "Azure is unavailable, try again later";
	} else if (st >= 400) {
		status = SL_EINVAL;
		kind = "refused by Azure";
	} else {
		status = SL_EINTERNAL;
		kind = "unexpected answer from Azure";
	}

	/* The request id goes last and must survive the cut: Azure's
	 * support asks for it. */
	tail[0] = '\0';
	if (r && r->request_id && *r->request_id)
		snprintf(tail, sizeof(tail), " (Azure request id %.100s)",
			r->request_id);
	room = sizeof(e->msg) - 1 - strlen(tail);
	if (code[0] && amsg[0])
		aca_err_set(e, status, "%s: %s: %s (%s, HTTP %ld)", what, kind,
			amsg, code, st);
	else if (amsg[0])
		aca_err_set(e, status, "%s: %s: %s (HTTP %ld)", what, kind,
			amsg, st);
	else if (code[0])
		aca_err_set(e, status, "%s: %s (%s, HTTP %ld)", what, kind,
			code, st);
	else
		aca_err_set(e, status, "%s: %s (HTTP %ld)", what, kind, st);
	utf8_cut(e->msg, room);
	strcat(e->msg, tail);
	return status;
}

int aca_err_report(const struct sl_host_v1 *host, sl_call *call,
	const struct aca_err *e)
{
	if (e->status == SL_OK)
		return SL_OK;
	return host->set_error(call, e->status, "%s", e->msg[0] ? e->msg :
		"Azure backend error");
}
