/*
 * api_images.c - the image endpoints backed by the image records
 * (core/image.h) and the registry client (core/imgpull.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/api.h"
#include "core/image.h"
#include "core/imgpull.h"
#include "oci_types.h"

/* The progress lines of a pull, sent when it ends: a pull fetches only a
 * manifest and a config, so it is short and the lines arrive together. */
struct lines {
	char *buf;
	size_t len, cap;
	int n;
	int failed;
};

static void add_line(void *ud, struct json_object *msg)
{
	struct lines *l = ud;
	const char *s = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = s ? strlen(s) : 0;

	if (!s || l->failed)
		return;
	if (l->len + n + 2 > l->cap) {
		size_t nc = (l->len + n + 2) * 2;
		char *b = realloc(l->buf, nc);

		if (!b) {
			l->failed = 1;
			return;
		}
		l->buf = b;
		l->cap = nc;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len++] = '\n';
	l->n++;
}

/* base64url (or standard base64), padding optional; malloc'd, NUL
 * terminated, NULL when s is not base64. */
static char *b64_decode(const char *s)
{
	size_t n = strlen(s), o = 0;
	unsigned int acc = 0;
	int bits = 0;
	char *out = malloc(n * 3 / 4 + 4);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int v;

		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+' || c == '-')
			v = 62;
		else if (c == '/' || c == '_')
			v = 63;
		else if (c == '=')
			break;
		else {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

/* X-Registry-Auth: base64url JSON {username, password, serveraddress,
 * identitytoken}. *doc keeps the strings creds points into (put it).
 * Returns 0, or -1 when the header is there but unreadable. */
static int registry_auth(struct sl_req *r, struct oci_credentials *creds,
			 struct json_object **doc)
{
	const char *h = sl_http_header(r, "X-Registry-Auth");
	struct json_object *v;
	char *json;

	*doc = NULL;
	memset(creds, 0, sizeof(*creds));
	if (!h || !*h)
		return 0;
	if (!(json = b64_decode(h)))
		return -1;
	*doc = json_tokener_parse(json);
	free(json);
	if (!*doc || !json_object_is_type(*doc, json_type_object)) {
		/* The CLI sends "{}"-like placeholders; junk is an error. */
		json_object_put(*doc);
		*doc = NULL;
		return -1;
	}
	if (json_object_object_get_ex(*doc, "username", &v) && json_object_get_string_len(v))
		creds->username = json_object_get_string(v);
	if (json_object_object_get_ex(*doc, "password", &v))
		creds->password = json_object_get_string(v);
	/* identitytoken (an OAuth2 refresh token) is not used: the client
	 * speaks only the token GET flow, so such a pull is anonymous. */
	return 0;
}

enum MHD_Result sl_api_image_create(struct sl_req *r)
{
	const char *from = sl_http_query(r, "fromImage"), *tag = sl_http_query(r, "tag");
	const char *platform = sl_http_query(r, "platform");
	struct oci_credentials creds, *cp = NULL;
	struct json_object *authdoc = NULL;
	struct lines l = { 0 };
	char err[1024], *ref = NULL;
	unsigned int status;
	enum MHD_Result ret;

	if (sl_http_query(r, "fromSrc"))
		return sl_http_error(r, 501,
			"image import is not supported by Sockerless: it keeps no image layers (the "
			"backend's cloud pulls them from the registry)");
	if (!from || !*from)
		return sl_http_error(r, 400, "fromImage or fromSrc is required");
	if (registry_auth(r, &creds, &authdoc) < 0)
		return sl_http_error(r, 400, "invalid X-Registry-Auth header");
	if (creds.username)
		cp = &creds;
	/* The CLI splits "name:tag" / "name@digest" into fromImage and tag. */
	if (tag && *tag) {
		int digest = strchr(tag, ':') != NULL;

		if (asprintf(&ref, "%s%s%s", from, digest ? "@" : ":", tag) < 0)
			ref = NULL;
	} else {
		ref = strdup(from);
	}
	if (!ref) {
		json_object_put(authdoc);
		return sl_http_error(r, 500, "out of memory");
	}
	if (sl_imgpull(ref, platform, cp, add_line, &l, err, sizeof(err), &status) < 0) {
		if (l.n == 0) {
			/* Nothing sent yet: a plain error, as dockerd answers. */
			ret = sl_http_error(r, status, "%s", err);
			goto out;
		}
		struct json_object *e = json_object_new_object(), *d = json_object_new_object();

		json_object_object_add(d, "message", json_object_new_string(err));
		json_object_object_add(e, "errorDetail", d);
		json_object_object_add(e, "error", json_object_new_string(err));
		add_line(&l, e);
		json_object_put(e);
	}
	if (l.failed)
		ret = sl_http_error(r, 500, "out of memory");
	else
		ret = sl_http_bytes(r, 200, "application/json", l.buf, l.len);
out:
	free(l.buf);
	free(ref);
	json_object_put(authdoc);
	return ret;
}

/* GET /distribution/{name}/json: what the registry serves for name. */
enum MHD_Result sl_api_distribution(struct sl_req *r)
{
	struct oci_credentials creds;
	struct json_object *authdoc = NULL, *doc = NULL;
	unsigned int status;
	enum MHD_Result ret;
	char err[1024];

	if (registry_auth(r, &creds, &authdoc) < 0)
		return sl_http_error(r, 400, "invalid X-Registry-Auth header");
	if (sl_imgpull_distribution(r->params[0], creds.username ? &creds : NULL, &doc, err,
				    sizeof(err), &status) < 0)
		ret = sl_http_error(r, status, "%s", err);
	else
		ret = sl_http_json(r, 200, doc);
	json_object_put(doc);
	json_object_put(authdoc);
	return ret;
}

/* rec[key]'s canonical references, shown familiar. */
static struct json_object *familiar_array(struct json_object *rec, const char *key)
{
	struct json_object *a, *out = json_object_new_array();
	size_t n;

	if (!out || !json_object_object_get_ex(rec, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return out;
	n = json_object_array_length(a);
	for (size_t i = 0; i < n; i++) {
		char *f = sl_image_familiar(json_object_get_string(json_object_array_get_idx(a, i)));

		if (f)
			json_object_array_add(out, json_object_new_string(f));
		free(f);
	}
	return out;
}

static void take(struct json_object *to, struct json_object *rec, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(rec, key, &v))
		json_object_object_add(to, key, json_object_get(v));
}

/* The empty container.Config dockerd's classic image store shows as an
 * image's ContainerConfig when its config has no container_config (every
 * image not built by the legacy builder): an object with its fields, not
 * null.  docker-compose 1.29 reads ContainerConfig.Volumes when it
 * recreates a container and fails on a missing key. */
static struct json_object *empty_container_config(void)
{
	static const char *const strs[] = { "Hostname", "Domainname", "User" };
	static const char *const bools[] = { "AttachStdin", "AttachStdout", "AttachStderr",
					     "Tty", "OpenStdin", "StdinOnce" };
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		json_object_object_add(o, strs[i], json_object_new_string(""));
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		json_object_object_add(o, bools[i], json_object_new_boolean(0));
	json_object_object_add(o, "Env", NULL);
	json_object_object_add(o, "Cmd", NULL);
	json_object_object_add(o, "Image", json_object_new_string(""));
	json_object_object_add(o, "Volumes", NULL);
	json_object_object_add(o, "WorkingDir", json_object_new_string(""));
	json_object_object_add(o, "Entrypoint", NULL);
	json_object_object_add(o, "Labels", NULL);
	return o;
}

/* The fields dockerd still adds for older API versions: VirtualSize
 * before 1.44, Container and ContainerConfig before 1.45. */
static void add_legacy_fields(struct sl_req *r, struct json_object *o,
			      struct json_object *rec)
{
	struct json_object *v;

	if (!sl_http_api_at_least(r, 1, 44) && json_object_object_get_ex(rec, "Size", &v))
		json_object_object_add(o, "VirtualSize", json_object_get(v));
	if (sl_http_api_at_least(r, 1, 45))
		return;
	if (json_object_object_get_ex(rec, "Container", &v))
		take(o, rec, "Container");
	else
		json_object_object_add(o, "Container", json_object_new_string(""));
	if (json_object_object_get_ex(rec, "ContainerConfig", &v) &&
	    json_object_is_type(v, json_type_object))
		take(o, rec, "ContainerConfig");
	else
		json_object_object_add(o, "ContainerConfig", empty_container_config());
}

/* GET /images/{name}/json: the record as dockerd's image inspect shows it. */
enum MHD_Result sl_api_image_inspect(struct sl_req *r)
{
	struct json_object *rec = sl_image_find(r->params[0]), *o, *gd, *md, *v;
	enum MHD_Result ret;

	if (!rec)
		return sl_http_error(r, 404, "No such image: %s", r->params[0]);
	o = json_object_new_object();
	take(o, rec, "Id");
	json_object_object_add(o, "RepoTags", familiar_array(rec, "RepoTags"));
	json_object_object_add(o, "RepoDigests", familiar_array(rec, "RepoDigests"));
	json_object_object_add(o, "Parent", json_object_new_string(""));
	take(o, rec, "Comment");
	take(o, rec, "Created");
	take(o, rec, "DockerVersion");
	take(o, rec, "Author");
	take(o, rec, "Config");
	take(o, rec, "Architecture");
	if (json_object_object_get_ex(rec, "Variant", &v) && json_object_get_string_len(v))
		take(o, rec, "Variant");
	take(o, rec, "Os");
	take(o, rec, "Size");
	add_legacy_fields(r, o, rec);
	/* No layers are kept here: no graph driver data. */
	gd = json_object_new_object();
	json_object_object_add(gd, "Data", NULL);
	json_object_object_add(gd, "Name", json_object_new_string("sockerless"));
	json_object_object_add(o, "GraphDriver", gd);
	take(o, rec, "RootFS");
	md = json_object_new_object();
	json_object_object_add(md, "LastTagTime", json_object_new_string("0001-01-01T00:00:00Z"));
	json_object_object_add(o, "Metadata", md);
	ret = sl_http_json(r, 200, o);
	json_object_put(o);
	json_object_put(rec);
	return ret;
}

int sl_api_image_count(void)
{
	return sl_image_count();
}
