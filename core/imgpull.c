/*
 * imgpull.c - an image's record from its registry (see imgpull.h), with
 * dockerd's progress messages and error wording (moby's
 * distribution/pull_v2.go and errors.go).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "core/call.h"
#include "core/credstore.h"
#include "core/daemon.h"
#include "core/events.h"
#include "core/image.h"
#include "core/imgpull.h"
#include "oci_manifest.h"
#include "oci_registry.h"
#include "oci_types.h"
#include "oci_util.h"

/* A config bigger than this is not an image config. */
#define CONFIG_MAX (8 * 1024 * 1024)

static const char *const *mirrors, *const *insecure;
static size_t n_mirrors, n_insecure;

int sl_imgpull_configure(const char *const *m, size_t nm, const char *const *ins, size_t ni,
			 char *err, size_t errlen)
{
	for (size_t i = 0; i < nm; i++)
		if (strncmp(m[i], "http://", 7) && strncmp(m[i], "https://", 8)) {
			snprintf(err, errlen,
				 "invalid mirror: unsupported scheme \"%s\" in \"%s\": must use either 'https://' or 'http://'",
				 m[i], m[i]);
			return -1;
		}
	mirrors = m;
	n_mirrors = nm;
	insecure = ins;
	n_insecure = ni;
	return 0;
}

/* Where a registry is reached: *host (borrowed from registry or a mirror)
 * and whether over plain HTTP. */
static void endpoint(const char *registry, const char **host, int *plain)
{
	*plain = 0;
	if (!strcmp(registry, "docker.io") && n_mirrors) {
		const char *u = mirrors[0];

		*plain = !strncmp(u, "http://", 7);
		*host = u + (*plain ? 7 : 8);
		return;
	}
	*host = strcmp(registry, "docker.io") ? registry : "registry-1.docker.io";
	if (oci_host_is_loopback(*host))
		*plain = 1;
	for (size_t i = 0; i < n_insecure; i++)
		if (!strcasecmp(insecure[i], *host))
			*plain = 1;
}

/* A mirror URL may end in '/': "host/" is not a host. */
static char *host_of(const char *h)
{
	return strndup(h, strcspn(h, "/"));
}

void sl_imgpull_reg_opts(struct oci_reg_opts *ro, const char *host, int plain,
			 const char *repository, const char *display_ref,
			 const struct oci_credentials *creds)
{
	memset(ro, 0, sizeof(*ro));
	ro->host = host;
	ro->plain_http = plain;
	ro->repository = repository;
	ro->display_ref = display_ref;
	ro->creds = creds;
	ro->connect_timeout_s = 10;
	ro->request_timeout_s = 60;
	ro->stall_timeout_s = SL_IMGPULL_STALL_S;
	ro->user_agent = "sockerless/" PACKAGE_VERSION;
}

int sl_imgpull_endpoint(const char *registry, char **host, int *plain)
{
	const char *h;

	endpoint(registry, &h, plain);
	*host = host_of(h);
	return *host ? 0 : -1;
}

/* The reference actually pulled: the backend's resolve hook may rewrite
 * the normalised one (a private mirror).  Fills *src; 0 or -1 with err. */
static int resolve_src(const char *canon, struct oci_ref *src, char *err, size_t errlen,
		       unsigned int *status)
{
	struct oci_err oe = { { 0 } };
	char out[1024];
	const char *use = canon;

	if (sl_daemon.backend.images.resolve) {
		struct sl_call call;
		int rc;

		sl_call_begin(&call);
		out[0] = '\0';
		rc = sl_daemon.backend.images.resolve(sl_daemon.backend.state, &call, canon, out,
						      sizeof(out));
		if (rc == SL_OK && memchr(out, '\0', sizeof(out)) && *out) {
			use = out;
		} else if (rc != SL_OK && rc != SL_ENOTFOUND) {
			snprintf(err, errlen, "resolving %s: %s", canon, sl_call_message(&call, rc));
			sl_call_end(&call);
			return -1;
		}
		sl_call_end(&call);
	}
	if (oci_ref_parse(use, src, &oe) < 0) {
		*status = 500;
		snprintf(err, errlen, "the backend resolved %s to \"%s\": %s", canon, use, oe.msg);
		return -1;
	}
	return 0;
}

/* Credentials the backend supplies for `registry` when the client sent
 * none (its credentials hook): copied into *own (sl_cred_clear it) and
 * pointed to by *creds.  A failing hook means anonymous. */
static void backend_creds(const char *registry, struct sl_cred *own,
			  struct oci_credentials *creds)
{
	struct sl_credentials_v1 c;
	struct sl_call call;

	memset(own, 0, sizeof(*own));
	memset(creds, 0, sizeof(*creds));
	if (!sl_daemon.backend.images.credentials)
		return;
	memset(&c, 0, sizeof(c));
	c.struct_size = sizeof(c);
	sl_call_begin(&call);
	if (sl_daemon.backend.images.credentials(sl_daemon.backend.state, &call, registry, &c) ==
	    SL_OK && c.username && *c.username) {
		own->username = strdup(c.username);
		own->password = strdup(c.password ? c.password : "");
		if (own->username && own->password) {
			creds->username = own->username;
			creds->password = own->password;
		}
	}
	sl_call_end(&call);
}

static void say(sl_imgpull_out_fn out, void *ud, const char *status, const char *id,
		int detail)
{
	struct json_object *m = json_object_new_object();

	if (!m)
		return;
	json_object_object_add(m, "status", json_object_new_string(status));
	if (detail)
		json_object_object_add(m, "progressDetail", json_object_new_object());
	if (id)
		json_object_object_add(m, "id", json_object_new_string(id));
	out(ud, m);
	json_object_put(m);
}

/* errcode's wording: "MANIFEST_UNKNOWN" -> "manifest unknown". */
static void code_words(const char *code, char *buf, size_t n)
{
	size_t i;

	for (i = 0; code[i] && i + 1 < n; i++)
		buf[i] = code[i] == '_' ? ' ' :
			(code[i] >= 'A' && code[i] <= 'Z') ? (char)(code[i] - 'A' + 'a') : code[i];
	buf[i] = '\0';
}

/* dockerd's translatePullError for what the registry answered. */
static int registry_error(const struct oci_reg *reg, const struct oci_err *oe, int rc,
			  const char *familiar, const char *fname, char *err, size_t errlen,
			  unsigned int *status)
{
	const struct oci_reg_answer *a = oci_reg_answer(reg);
	char words[64];

	code_words(a->code, words, sizeof(words));
	*status = 500;
	if (!strcmp(a->code, "MANIFEST_UNKNOWN")) {
		*status = 404;
		snprintf(err, errlen, "manifest for %s not found: %s: %s", familiar, words,
			 a->message);
	} else if (!strcmp(a->code, "NAME_UNKNOWN")) {
		*status = 404;
		snprintf(err, errlen, "repository %s not found: %s: %s", fname, words, a->message);
	} else if (!strcmp(a->code, "DENIED") || !strcmp(a->code, "UNAUTHORIZED") ||
		   rc == OCI_E_UNAUTHORIZED) {
		*status = 404;
		snprintf(err, errlen,
			 "pull access denied for %s, repository does not exist or may require 'docker login': %s: %s",
			 fname, *words ? words : "denied",
			 *a->message ? a->message : "requested access to the resource is denied");
	} else if (rc == OCI_E_NOT_FOUND) {
		*status = 404;
		/* A bare 404, without the registry's error document. */
		snprintf(err, errlen, "manifest for %s not found: %s", familiar, oe->msg);
	} else {
		snprintf(err, errlen, "%s", oe->msg);
	}
	return -1;
}

/* Whether every byte of s[0, len) is in set (a strspn over a bounded run). */
static int all_in(const char *s, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(set, s[i]))
			return 0;
	return len > 0;
}

#define PLATFORM_PART_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

/*
 * "os/arch[/variant]" into parts; 0, or -1 with containerd's message in
 * err (dockerd answers it with 400).  containerd's grammar: at most three
 * parts, the OS a word with an optional "(version)", the others words that
 * may hold dots.  A lone OS or architecture is not inferred here.
 */
static int parse_platform(const char *p, char *os, char *arch, char *variant, size_t n,
			  char *err, size_t errlen)
{
	char buf[128], *a, *v;
	const char *paren;
	size_t oslen;

	strcpy(os, "linux");
	strcpy(arch, "amd64");
	variant[0] = '\0';
	if (!p || !*p)
		return 0;
	if (strlen(p) >= sizeof(buf))
		goto unknown;
	strcpy(buf, p);
	a = strchr(buf, '/');
	if (!a)
		goto unknown;
	*a++ = '\0';
	v = strchr(a, '/');
	if (v)
		*v++ = '\0';
	if (v && strchr(v, '/')) {
		snprintf(err, errlen, "\"%s\": cannot parse platform specifier: invalid argument", p);
		return -1;
	}
	paren = strchr(buf, '(');
	oslen = paren ? (size_t)(paren - buf) : strlen(buf);
	if (!all_in(buf, oslen, PLATFORM_PART_CHARS) ||
	    (paren && buf[strlen(buf) - 1] != ')')) {
		snprintf(err, errlen, "\"%s\" is an invalid OS component of \"%s\": OSAndVersion "
			 "specifier component must match \"^([A-Za-z0-9_-]+)(?:\\(([A-Za-z0-9_.%%-]*)"
			 "((?:\\+[A-Za-z0-9_.%%-]+)*)\\))?$\": invalid argument", buf, p);
		return -1;
	}
	for (const char *part = a; part; part = part == a ? v : NULL)
		if (!all_in(part, strlen(part), PLATFORM_PART_CHARS ".")) {
			snprintf(err, errlen, "\"%s\" is an invalid component of \"%s\": platform "
				 "specifier component must match \"^[A-Za-z0-9_.-]+$\": invalid argument",
				 part, p);
			return -1;
		}
	if (strlen(buf) >= n || strlen(a) >= n || (v && strlen(v) >= n))
		goto unknown;
	for (char *c = buf; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	strcpy(os, buf);
	strcpy(arch, a);
	if (v)
		strcpy(variant, v);
	return 0;
unknown:
	snprintf(err, errlen, "\"%s\": unknown operating system or architecture: invalid argument", p);
	return -1;
}

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		json_object_get_string(v) : "";
}

static void copy_key(struct json_object *to, const char *tkey, struct json_object *from,
		     const char *fkey, struct json_object *dflt)
{
	struct json_object *v, *c = NULL;

	if (json_object_object_get_ex(from, fkey, &v) && v &&
	    json_object_deep_copy(v, &c, NULL) == 0) {
		json_object_put(dflt);
		json_object_object_add(to, tkey, c);
	} else {
		json_object_object_add(to, tkey, dflt);
	}
}

/* The record of an image from its config; NULL when the config is not a
 * JSON object. */
static struct json_object *make_record(const char *cdigest, const char *cfg, size_t len,
				       const struct oci_manifest *m)
{
	struct json_object *c = json_tokener_parse(cfg), *rec, *rootfs;
	long long size = 0;

	(void)len;
	if (!c || !json_object_is_type(c, json_type_object)) {
		json_object_put(c);
		return NULL;
	}
	for (size_t i = 0; i < m->n_layers; i++)
		size += m->layers[i].size;
	rec = json_object_new_object();
	json_object_object_add(rec, "Id", json_object_new_string(cdigest));
	json_object_object_add(rec, "RepoTags", json_object_new_array());
	json_object_object_add(rec, "RepoDigests", json_object_new_array());
	json_object_object_add(rec, "Created", json_object_new_string(str_of(c, "created")));
	json_object_object_add(rec, "Author", json_object_new_string(str_of(c, "author")));
	json_object_object_add(rec, "Comment", json_object_new_string(str_of(c, "comment")));
	json_object_object_add(rec, "DockerVersion",
			       json_object_new_string(str_of(c, "docker_version")));
	json_object_object_add(rec, "Architecture",
			       json_object_new_string(str_of(c, "architecture")));
	json_object_object_add(rec, "Os", json_object_new_string(str_of(c, "os")));
	json_object_object_add(rec, "Variant", json_object_new_string(str_of(c, "variant")));
	json_object_object_add(rec, "Size", json_object_new_int64(size));
	copy_key(rec, "Config", c, "config", json_object_new_object());
	/* The legacy builder's fields, still shown to API clients before 1.45. */
	json_object_object_add(rec, "Container", json_object_new_string(str_of(c, "container")));
	copy_key(rec, "ContainerConfig", c, "container_config", NULL);
	rootfs = json_object_new_object();
	json_object_object_add(rootfs, "Type", json_object_new_string("layers"));
	{
		struct json_object *r;

		if (json_object_object_get_ex(c, "rootfs", &r))
			copy_key(rootfs, "Layers", r, "diff_ids", json_object_new_array());
		else
			json_object_object_add(rootfs, "Layers", json_object_new_array());
	}
	json_object_object_add(rec, "RootFS", rootfs);
	copy_key(rec, "History", c, "history", json_object_new_array());
	json_object_put(c);
	return rec;
}

int sl_imgpull(const char *text, const char *platform, const struct oci_credentials *creds,
	       sl_imgpull_out_fn out, void *ud, char *err, size_t errlen,
	       unsigned int *status)
{
	struct oci_ref ref = { 0 }, src = { 0 };
	struct oci_credentials hookcreds;
	struct sl_cred owncreds = { 0 };
	struct oci_err oe = { { 0 } };
	struct oci_reg_opts ro;
	struct oci_reg *reg = NULL;
	struct oci_manifest m = { 0 };
	struct json_object *rec = NULL, *have = NULL;
	char *canon = NULL, *familiar = NULL, *fname = NULL, *host = NULL, *body = NULL;
	char *ct = NULL, *top_digest = NULL, *mdigest = NULL, *pick = NULL, *cfg = NULL;
	char *tag_ref = NULL, *digest_ref = NULL, os[32], arch[32], variant[32], line[512];
	const char *h;
	size_t len = 0, cfglen = 0;
	int rc = -1, orc, plain, current = 0;

	*status = 500;
	if (parse_platform(platform, os, arch, variant, sizeof(os), err, errlen) < 0) {
		*status = 400;
		return -1;
	}
	if (oci_ref_parse(text, &ref, &oe) < 0) {
		*status = 400;
		snprintf(err, errlen, "%s", oe.msg);
		return -1;
	}
	if (!(canon = oci_ref_format(&ref)) || !(familiar = sl_image_familiar(canon)) ||
	    !(fname = strndup(familiar, strcspn(familiar, "@"))))
		goto nomem;
	if (ref.tag) /* the familiar name: no ":tag" */
		fname[strlen(fname) - strlen(ref.tag) - 1] = '\0';
	if (resolve_src(canon, &src, err, errlen, status) < 0)
		goto out;
	if (!creds) {
		backend_creds(src.registry, &owncreds, &hookcreds);
		if (hookcreds.username)
			creds = &hookcreds;
	}
	endpoint(src.registry, &h, &plain);
	if (!(host = host_of(h)))
		goto nomem;
	sl_imgpull_reg_opts(&ro, host, plain, src.repository, canon, creds);
	if (oci_reg_open(&ro, &reg, &oe) < 0)
		goto fail;
	orc = oci_reg_manifest(reg, src.digest ? src.digest : src.tag, &body, &len, &ct,
			       &top_digest, &oe);
	if (orc < 0) {
		rc = registry_error(reg, &oe, orc, familiar, fname, err, errlen, status);
		goto out;
	}
	mdigest = strdup(top_digest);
	if (!mdigest)
		goto nomem;
	switch (oci_doc_kind(ct, body, len)) {
	case OCI_DOC_INDEX:
		if (oci_index_pick(body, len, os, arch, &pick, &oe) < 0) {
			snprintf(err, errlen, "no matching manifest for %s/%s%s%s in the manifest list entries",
				 os, arch, *variant ? "/" : "", variant);
			*status = 404;
			goto out;
		}
		free(body);
		free(ct);
		free(mdigest);
		body = ct = mdigest = NULL;
		orc = oci_reg_manifest(reg, pick, &body, &len, &ct, &mdigest, &oe);
		if (orc < 0) {
			rc = registry_error(reg, &oe, orc, familiar, fname, err, errlen, status);
			goto out;
		}
		if (oci_doc_kind(ct, body, len) != OCI_DOC_MANIFEST) {
			snprintf(err, errlen, "image index entry %s of %s is not an image manifest",
				 pick, familiar);
			goto out;
		}
		break;
	case OCI_DOC_MANIFEST:
		break;
	default:
		snprintf(err, errlen, "unsupported manifest media type \"%s\" for %s",
			 ct ? ct : "(none)", familiar);
		goto out;
	}
	if (oci_manifest_parse(body, len, &m, &oe) < 0)
		goto fail;
	/* The first line goes out once the manifest is known, as dockerd's. */
	snprintf(line, sizeof(line), "Pulling from %s", ref.repository);
	say(out, ud, line, ref.digest ? ref.digest : ref.tag, 0);
	have = sl_image_find(m.config_digest);
	for (size_t i = 0; i < m.n_layers; i++) {
		char id[13];

		snprintf(id, sizeof(id), "%.12s", m.layers[i].digest + 7);
		say(out, ud, have ? "Already exists" : "Pulling fs layer", id, 1);
	}
	orc = oci_reg_blob_mem(reg, m.config_digest, CONFIG_MAX, &cfg, &cfglen, &oe);
	if (orc < 0) {
		/* A missing config blob is not a missing manifest: the
		 * registry's own words (digest mismatch, size, transport). */
		if (orc == OCI_E_UNAUTHORIZED)
			rc = registry_error(reg, &oe, orc, familiar, fname, err, errlen, status);
		else
			snprintf(err, errlen, "%s", oe.msg);
		goto out;
	}
	if (!(rec = make_record(m.config_digest, cfg, cfglen, &m))) {
		snprintf(err, errlen, "invalid image config %s of %s", m.config_digest, familiar);
		goto out;
	}
	if (platform && *platform &&
	    (strcmp(str_of(rec, "Os"), os) || strcmp(str_of(rec, "Architecture"), arch))) {
		snprintf(err, errlen,
			 "image with reference %s was found but does not match the specified platform: wanted %s/%s, actual: %s/%s",
			 familiar, os, arch, str_of(rec, "Os"), str_of(rec, "Architecture"));
		*status = 404;
		goto out;
	}
	if (!have) {
		say(out, ud, "Layers are not downloaded: the backend's cloud pulls them from the registry",
		    NULL, 0);
		for (size_t i = 0; i < m.n_layers; i++) {
			char id[13];

			snprintf(id, sizeof(id), "%.12s", m.layers[i].digest + 7);
			say(out, ud, "Pull complete", id, 1);
		}
	}
	if (ref.tag && !ref.digest && !(tag_ref = strdup(canon)))
		goto nomem;
	if (asprintf(&digest_ref, "%s/%s@%s", ref.registry, ref.repository, top_digest) < 0) {
		digest_ref = NULL;
		goto nomem;
	}
	if (sl_image_add(rec, tag_ref, digest_ref, &current) < 0) {
		rec = NULL;
		snprintf(err, errlen, "cannot store the record of %s", familiar);
		goto out;
	}
	rec = NULL;
	snprintf(line, sizeof(line), "Digest: %s", top_digest);
	say(out, ud, line, NULL, 0);
	snprintf(line, sizeof(line), "Status: %s for %s",
		 current ? "Image is up to date" : "Downloaded newer image", familiar);
	say(out, ud, line, NULL, 0);
	{
		const char *attrs[] = { "name", fname, NULL };

		(void)sl_events_publish(sl_daemon.events, "image", "pull", familiar, attrs);
	}
	/* The client's credentials worked: the backend may need them at
	 * start (host->registry_credentials).  Not the backend's own. */
	if (creds && creds != &hookcreds)
		(void)sl_credstore_set(src.registry, creds->username, creds->password, NULL);
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	goto out;
fail:
	snprintf(err, errlen, "%s", oe.msg);
out:
	json_object_put(rec);
	json_object_put(have);
	oci_manifest_clear(&m);
	oci_reg_close(reg);
	oci_ref_clear(&ref);
	oci_ref_clear(&src);
	sl_cred_clear(&owncreds);
	free(canon);
	free(familiar);
	free(fname);
	free(host);
	free(body);
	free(ct);
	free(top_digest);
	free(mdigest);
	free(pick);
	free(cfg);
	free(tag_ref);
	free(digest_ref);
	return rc;
}
