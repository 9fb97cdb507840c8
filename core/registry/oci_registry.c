/* oci_registry.c - OCI distribution client over libcurl. */
#include "config.h"

#include "oci_registry.h"
#include "oci_digest.h"
#include "oci_manifest.h"
#include "oci_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#define ERRBODY_MAX 65536
#define TOKEN_MAX (1024 * 1024)

struct oci_reg {
	CURL *curl;
	char *base;      /* scheme://host */
	char *repo;
	char *display;
	char *auth;      /* full "Authorization: ..." header or NULL */
	const struct oci_credentials *creds;
	oci_cancel_fn cancel;
	void *cancel_ud;
	long connect_timeout_s, request_timeout_s, stall_timeout_s;
	char *user_agent;
	struct oci_reg_answer last; /* the registry's last error answer */
};

/* Where a response body goes. */
struct sink {
	/* memory */
	char *buf;
	size_t len, cap, max;
	int overflow;
	/* file */
	int fd;
	int write_failed;
	struct oci_sha256 sha;
	/* per-response state, reset at each status line */
	long status;
	char *content_type;
	char *digest_hdr;
	char *challenge;
	char errbody[1024];
	size_t errlen;
};

static void sink_reset_headers(struct sink *s)
{
	free(s->content_type);
	free(s->digest_hdr);
	free(s->challenge);
	s->content_type = s->digest_hdr = s->challenge = NULL;
	s->errlen = 0;
	s->errbody[0] = '\0';
}

static char *trim_dup(const char *p, size_t n)
{
	char *s;

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' '))
		n--;
	s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;
	const char *colon;

	if (n >= 5 && !strncmp(p, "HTTP/", 5)) {
		const char *sp = memchr(p, ' ', n);

		sink_reset_headers(s);
		s->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return n;
	}
	colon = memchr(p, ':', n);
	if (!colon)
		return n;
#define HDR(name) ((size_t)(colon - p) == strlen(name) && !strncasecmp(p, name, strlen(name)))
	if (HDR("content-type")) {
		free(s->content_type);
		s->content_type = trim_dup(colon + 1, n - (size_t)(colon + 1 - p));
	} else if (HDR("docker-content-digest")) {
		free(s->digest_hdr);
		s->digest_hdr = trim_dup(colon + 1, n - (size_t)(colon + 1 - p));
	} else if (HDR("www-authenticate")) {
		char *v = trim_dup(colon + 1, n - (size_t)(colon + 1 - p));

		/* Prefer a Bearer challenge if several are offered. */
		if (v && (!s->challenge || !strncasecmp(v, "bearer", 6))) {
			free(s->challenge);
			s->challenge = v;
		} else {
			free(v);
		}
	}
#undef HDR
	return n;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	if (s->status < 200 || s->status >= 300) {
		size_t room = sizeof(s->errbody) - 1 - s->errlen;
		size_t take = n < room ? n : room;

		memcpy(s->errbody + s->errlen, p, take);
		s->errlen += take;
		s->errbody[s->errlen] = '\0';
		return n;
	}
	if (s->fd >= 0) {
		size_t off = 0;

		while (off < n) {
			ssize_t w = write(s->fd, p + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				s->write_failed = errno;
				return 0;
			}
			off += (size_t)w;
		}
		oci_sha256_update(&s->sha, p, n);
		return n;
	}
	if (s->len + n > s->max) {
		s->overflow = 1;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;
		char *b;

		while (cap < s->len + n + 1)
			cap *= 2;
		b = realloc(s->buf, cap);
		if (!b)
			return 0;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	struct oci_reg *r = ud;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return r->cancel && r->cancel(r->cancel_ud) ? 1 : 0;
}

static void sink_free(struct sink *s)
{
	sink_reset_headers(s);
	free(s->buf);
	oci_sha256_free(&s->sha);
}

/* Registry error bodies: {"errors":[{"code":"...","message":"..."}]}.
 * Writes ": code: message" (or "") into out and the two parts into
 * code/msg (empty when the body is not such a document). */
static void describe_errbody(const struct sink *s, char *out, size_t outsz,
			     char *code_out, size_t codesz, char *msg_out, size_t msgsz)
{
	json_object *o, *errs, *e0, *v;

	out[0] = code_out[0] = msg_out[0] = '\0';
	o = json_tokener_parse(s->errbody);
	if (o && json_object_object_get_ex(o, "errors", &errs) &&
	    json_object_is_type(errs, json_type_array) &&
	    (e0 = json_object_array_get_idx(errs, 0)) != NULL) {
		const char *code = "", *msg = "";

		if (json_object_object_get_ex(e0, "code", &v))
			code = json_object_get_string(v);
		if (json_object_object_get_ex(e0, "message", &v))
			msg = json_object_get_string(v);
		snprintf(out, outsz, ": %s: %s", code, msg);
		snprintf(code_out, codesz, "%s", code);
		snprintf(msg_out, msgsz, "%s", msg);
	}
	json_object_put(o);
}

int oci_host_is_loopback(const char *host)
{
	char name[64];
	struct in_addr a4;
	const char *colon;
	size_t n;

	if (host[0] == '[')
		return !strncmp(host, "[::1]", 5) && (!host[5] || host[5] == ':');
	colon = strrchr(host, ':');
	n = colon ? (size_t)(colon - host) : strlen(host);
	if (n == 9 && !strncasecmp(host, "localhost", 9))
		return 1;
	/* 127.0.0.0/8, as an address: "127.example.com" is a name. */
	if (n >= sizeof(name))
		return 0;
	memcpy(name, host, n);
	name[n] = '\0';
	return inet_pton(AF_INET, name, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

/* Perform one GET of url into s. Returns the curl code. */
static CURLcode do_get(struct oci_reg *r, const char *url, const char *accept,
		       struct sink *s, int basic_token)
{
	struct curl_slist *h = NULL;
	char *acc = NULL;
	CURLcode cc;

	curl_easy_reset(r->curl);
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(r->curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->curl, CURLOPT_USERAGENT, r->user_agent);
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, r->connect_timeout_s);
	curl_easy_setopt(r->curl, CURLOPT_TIMEOUT, r->request_timeout_s);
	if (r->stall_timeout_s > 0) {
		/* A registry that accepts and never answers: below 1 byte/s
		 * for that long is a hang, however long the request may be. */
		curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_TIME, r->stall_timeout_s);
	}
	curl_easy_setopt(r->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->curl, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(r->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(r->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(r->curl, CURLOPT_XFERINFODATA, r);
	if (accept) {
		acc = malloc(strlen(accept) + 9);
		if (acc) {
			strcpy(acc, "Accept: ");
			strcat(acc, accept);
			h = curl_slist_append(h, acc);
		}
	}
	if (basic_token && r->creds && r->creds->username) {
		curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(r->curl, CURLOPT_USERNAME, r->creds->username);
		curl_easy_setopt(r->curl, CURLOPT_PASSWORD,
				 r->creds->password ? r->creds->password : "");
	} else if (!basic_token && r->auth) {
		/* curl does not forward custom Authorization headers to
		 * another host on redirect (blob storage redirects). */
		h = curl_slist_append(h, r->auth);
	}
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, h);
	cc = curl_easy_perform(r->curl);
	curl_slist_free_all(h);
	free(acc);
	return cc;
}

/* Parse `Scheme k="v",k2="v2"` into scheme and the params we need. */
static int parse_challenge(const char *c, char **scheme, char **realm,
			   char **service, char **scope)
{
	const char *p = c, *sp;

	*scheme = *realm = *service = *scope = NULL;
	sp = strchr(p, ' ');
	*scheme = sp ? trim_dup(p, (size_t)(sp - p)) : strdup(p);
	if (!*scheme)
		return -1;
	p = sp ? sp + 1 : p + strlen(p);
	while (*p) {
		const char *eq, *ks;
		char *val;
		size_t vl = 0, cap;

		while (*p == ' ' || *p == ',')
			p++;
		ks = p;
		eq = strchr(p, '=');
		if (!eq)
			break;
		p = eq + 1;
		cap = strlen(p) + 1;
		val = malloc(cap);
		if (!val)
			return -1;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				val[vl++] = *p++;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ',')
				val[vl++] = *p++;
		}
		val[vl] = '\0';
#define KEY(k) ((size_t)(eq - ks) == strlen(k) && !strncasecmp(ks, k, strlen(k)))
		if (KEY("realm") && !*realm)
			*realm = val;
		else if (KEY("service") && !*service)
			*service = val;
		else if (KEY("scope") && !*scope)
			*scope = val;
		else
			free(val);
#undef KEY
	}
	return 0;
}

static char *url_escape(CURL *c, const char *s)
{
	char *e = curl_easy_escape(c, s, 0), *out;

	if (!e)
		return NULL;
	out = strdup(e);
	curl_free(e);
	return out;
}

static int curl_fail(struct oci_reg *r, CURLcode cc, const char *what,
		     const char *url, struct oci_err *err)
{
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		return oci_err_set(err, OCI_E_CANCELLED, "pull of \"%s\" cancelled",
				   r->display);
	return oci_err_set(err, OCI_E_UNREACHABLE,
			   "%s: failed to do request: GET \"%s\": %s", what, url,
			   curl_easy_strerror(cc));
}

/* Fetch a bearer token as the challenge asks. */
static int fetch_token(struct oci_reg *r, const char *realm, const char *service,
		       const char *scope, const char *what, struct oci_err *err)
{
	struct sink s = { 0 };
	char *esc_service = NULL, *esc_scope = NULL, *url = NULL, *def_scope = NULL;
	json_object *o = NULL, *v;
	const char *tok = NULL;
	CURLcode cc;
	int rc = 0;
	size_t n;

	s.fd = -1;
	s.max = TOKEN_MAX;
	if (strncmp(realm, "http://", 7) && strncmp(realm, "https://", 8)) {
		return oci_err_set(err, OCI_E_UNAUTHORIZED,
				   "%s: failed to authorize: invalid token realm \"%s\"",
				   what, realm);
	}
	if (!scope) {
		def_scope = malloc(strlen(r->repo) + 20);
		if (!def_scope)
			return oci_err_set(err, OCI_E_NOMEM, "out of memory");
		sprintf(def_scope, "repository:%s:pull", r->repo);
		scope = def_scope;
	}
	esc_service = service ? url_escape(r->curl, service) : strdup("");
	/* A login (no repository) asks for a token without a scope, as
	 * dockerd's loginV2 does. */
	esc_scope = *r->repo ? url_escape(r->curl, scope) : NULL;
	n = strlen(realm) + (esc_service ? strlen(esc_service) : 0) +
	    (esc_scope ? strlen(esc_scope) : 0) + 32;
	url = malloc(n);
	if (!esc_service || (*r->repo && !esc_scope) || !url) {
		rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
		goto out;
	}
	snprintf(url, n, "%s%cservice=%s%s%s", realm, strchr(realm, '?') ? '&' : '?',
		 esc_service, esc_scope ? "&scope=" : "", esc_scope ? esc_scope : "");
	cc = do_get(r, url, "application/json", &s, 1);
	if (cc != CURLE_OK) {
		rc = curl_fail(r, cc, what, url, err);
		goto out;
	}
	if (s.status != 200) {
		rc = oci_err_set(err, OCI_E_UNAUTHORIZED,
				 "%s: failed to authorize: failed to fetch anonymous token: unexpected status from GET request to %s: %ld",
				 what, url, s.status);
		goto out;
	}
	o = s.buf ? json_tokener_parse(s.buf) : NULL;
	if (o && json_object_object_get_ex(o, "token", &v) &&
	    json_object_is_type(v, json_type_string))
		tok = json_object_get_string(v);
	else if (o && json_object_object_get_ex(o, "access_token", &v) &&
		 json_object_is_type(v, json_type_string))
		tok = json_object_get_string(v);
	if (!tok || !*tok) {
		rc = oci_err_set(err, OCI_E_UNAUTHORIZED,
				 "%s: failed to authorize: token response without a token",
				 what);
		goto out;
	}
	free(r->auth);
	r->auth = malloc(strlen(tok) + 23);
	if (!r->auth) {
		rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
		goto out;
	}
	strcpy(r->auth, "Authorization: Bearer ");
	strcat(r->auth, tok);
out:
	json_object_put(o);
	sink_free(&s);
	free(esc_service);
	free(esc_scope);
	free(url);
	free(def_scope);
	return rc;
}

static int set_basic(struct oci_reg *r)
{
	const char *u = r->creds->username, *p = r->creds->password ? r->creds->password : "";
	size_t n = strlen(u) + strlen(p) + 1;
	unsigned char *plain = malloc(n + 1);
	char *hdr = malloc(4 * ((n + 2) / 3) + 32);

	if (!plain || !hdr) {
		free(plain);
		free(hdr);
		return -1;
	}
	sprintf((char *)plain, "%s:%s", u, p);
	strcpy(hdr, "Authorization: Basic ");
	EVP_EncodeBlock((unsigned char *)hdr + strlen(hdr), plain, (int)n);
	free(plain);
	free(r->auth);
	r->auth = hdr;
	return 0;
}

/* GET with auth dance. `what` prefixes error messages. On return s holds
 * the final response; returns 0 only for a 200. */
static int reg_get(struct oci_reg *r, const char *url, const char *accept,
		   struct sink *s, const char *what, struct oci_err *err)
{
	char detail[600], code[64], msg[256];
	CURLcode cc;
	int attempt, rc;

	memset(&r->last, 0, sizeof(r->last));
	for (attempt = 0; attempt < 2; attempt++) {
		char *scheme = NULL, *realm = NULL, *service = NULL, *scope = NULL;

		if (s->fd >= 0 && attempt > 0) {
			/* A retried file download starts over. */
			if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
				return oci_err_set(err, OCI_E_IO, "%s: %s", what, strerror(errno));
			oci_sha256_free(&s->sha);
			if (oci_sha256_init(&s->sha) < 0)
				return oci_err_set(err, OCI_E_NOMEM, "out of memory");
		}
		s->len = 0;
		cc = do_get(r, url, accept, s, 0);
		if (cc == CURLE_WRITE_ERROR && s->overflow)
			return oci_err_set(err, OCI_E_PROTOCOL, "%s: response too large", what);
		if (cc == CURLE_WRITE_ERROR && s->write_failed)
			return oci_err_set(err, OCI_E_IO, "%s: %s", what,
					   strerror(s->write_failed));
		if (cc != CURLE_OK)
			return curl_fail(r, cc, what, url, err);
		if (s->status != 401 || attempt > 0 || !s->challenge)
			break;
		if (parse_challenge(s->challenge, &scheme, &realm, &service, &scope) < 0) {
			rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
		} else if (!strcasecmp(scheme, "bearer") && realm) {
			rc = fetch_token(r, realm, service, scope, what, err);
		} else if (!strcasecmp(scheme, "basic") && r->creds && r->creds->username) {
			rc = set_basic(r) < 0 ? oci_err_set(err, OCI_E_NOMEM, "out of memory") : 0;
		} else {
			rc = 1; /* no way to authenticate: report the 401 */
		}
		free(scheme);
		free(realm);
		free(service);
		free(scope);
		if (rc < 0)
			return rc;
		if (rc > 0)
			break;
	}
	if (s->status == 200)
		return 0;
	describe_errbody(s, detail, sizeof(detail), code, sizeof(code), msg, sizeof(msg));
	if (s->status == 404)
		rc = oci_err_set(err, OCI_E_NOT_FOUND, "%s: not found%s", what, detail);
	else if (s->status == 401 || s->status == 403)
		rc = oci_err_set(err, OCI_E_UNAUTHORIZED,
				 "%s: pull access denied, repository does not exist or may require authorization: %ld%s",
				 what, s->status, detail);
	else
		rc = oci_err_set(err, OCI_E_PROTOCOL, "%s: unexpected status code %ld%s",
				 what, s->status, detail);
	r->last.status = s->status;
	snprintf(r->last.code, sizeof(r->last.code), "%s", code);
	snprintf(r->last.message, sizeof(r->last.message), "%s", msg);
	return rc;
}

int oci_reg_open(const struct oci_reg_opts *o, struct oci_reg **out,
		 struct oci_err *err)
{
	struct oci_reg *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	r->curl = curl_easy_init();
	r->base = malloc(strlen(o->host) + 9);
	r->repo = strdup(o->repository);
	r->display = strdup(o->display_ref ? o->display_ref : o->repository);
	r->user_agent = strdup(o->user_agent ? o->user_agent : "sockerless");
	if (!r->curl || !r->base || !r->repo || !r->display || !r->user_agent) {
		oci_reg_close(r);
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	}
	strcpy(r->base, o->plain_http ? "http://" : "https://");
	strcat(r->base, o->host);
	r->creds = o->creds;
	r->cancel = o->cancel;
	r->cancel_ud = o->cancel_ud;
	r->connect_timeout_s = o->connect_timeout_s > 0 ? o->connect_timeout_s : 10;
	r->request_timeout_s = o->request_timeout_s > 0 ? o->request_timeout_s : 300;
	r->stall_timeout_s = o->stall_timeout_s;
	*out = r;
	return 0;
}

const struct oci_reg_answer *oci_reg_answer(const struct oci_reg *r)
{
	return &r->last;
}

void oci_reg_close(struct oci_reg *r)
{
	if (!r)
		return;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	free(r->base);
	free(r->repo);
	free(r->display);
	free(r->user_agent);
	free(r->auth);
	free(r);
}

static char *make_url(struct oci_reg *r, const char *kind, const char *ref)
{
	size_t n = strlen(r->base) + strlen(r->repo) + strlen(kind) + strlen(ref) + 8;
	char *u = malloc(n);

	if (u)
		snprintf(u, n, "%s/v2/%s/%s/%s", r->base, r->repo, kind, ref);
	return u;
}

int oci_reg_ping(struct oci_reg *r, struct oci_err *err)
{
	struct sink s = { 0 };
	char *url = malloc(strlen(r->base) + 8);
	int rc;

	if (!url)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	sprintf(url, "%s/v2/", r->base);
	s.fd = -1;
	s.max = 64 * 1024;
	rc = reg_get(r, url, "application/json", &s, url, err);
	sink_free(&s);
	free(url);
	return rc;
}

int oci_reg_manifest(struct oci_reg *r, const char *ref, char **body,
		     size_t *len, char **content_type, char **digest,
		     struct oci_err *err)
{
	struct sink s = { 0 };
	char what[700], got[72];
	char *url;
	int rc;

	*body = *content_type = *digest = NULL;
	*len = 0;
	snprintf(what, sizeof(what), "failed to resolve reference \"%s\"", r->display);
	url = make_url(r, "manifests", ref);
	if (!url)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	s.fd = -1;
	s.max = OCI_MANIFEST_MAX;
	rc = reg_get(r, url, OCI_MANIFEST_ACCEPT, &s, what, err);
	if (rc < 0)
		goto out;
	if (!s.buf || oci_sha256_digest(s.buf, s.len, got) < 0) {
		rc = oci_err_set(err, OCI_E_PROTOCOL, "%s: empty manifest", what);
		goto out;
	}
	if (!strncmp(ref, "sha256:", 7) && strcmp(ref, got)) {
		rc = oci_err_set(err, OCI_E_PROTOCOL,
				 "%s: manifest digest %s does not match %s", what, got, ref);
		goto out;
	}
	*digest = strdup(got);
	if (!*digest) {
		rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
		goto out;
	}
	*content_type = s.content_type;
	s.content_type = NULL;
	*body = s.buf;
	*len = s.len;
	s.buf = NULL;
out:
	sink_free(&s);
	free(url);
	return rc;
}

int oci_reg_blob_mem(struct oci_reg *r, const char *digest, size_t max,
		     char **body, size_t *len, struct oci_err *err)
{
	struct sink s = { 0 };
	char what[700], got[72];
	char *url;
	int rc;

	*body = NULL;
	*len = 0;
	snprintf(what, sizeof(what), "failed to fetch blob %s of \"%s\"", digest, r->display);
	url = make_url(r, "blobs", digest);
	if (!url)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	s.fd = -1;
	s.max = max;
	rc = reg_get(r, url, NULL, &s, what, err);
	if (rc < 0)
		goto out;
	if (oci_sha256_digest(s.buf ? s.buf : "", s.len, got) < 0 || strcmp(got, digest)) {
		rc = oci_err_set(err, OCI_E_PROTOCOL, "%s: digest mismatch (got %s)", what, got);
		goto out;
	}
	if (!s.buf) {
		s.buf = strdup("");
		if (!s.buf) {
			rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
			goto out;
		}
	}
	*body = s.buf;
	*len = s.len;
	s.buf = NULL;
out:
	sink_free(&s);
	free(url);
	return rc;
}

int oci_reg_blob_fd(struct oci_reg *r, const char *digest, int fd,
		    struct oci_err *err)
{
	struct sink s = { 0 };
	char what[700], got[72];
	char *url;
	int rc;

	snprintf(what, sizeof(what), "failed to fetch blob %s of \"%s\"", digest, r->display);
	url = make_url(r, "blobs", digest);
	if (!url)
		return oci_err_set(err, OCI_E_NOMEM, "out of memory");
	s.fd = fd;
	if (oci_sha256_init(&s.sha) < 0) {
		rc = oci_err_set(err, OCI_E_NOMEM, "out of memory");
		goto out;
	}
	rc = reg_get(r, url, NULL, &s, what, err);
	if (rc < 0)
		goto out;
	if (oci_sha256_final(&s.sha, got) < 0 || strcmp(got, digest)) {
		rc = oci_err_set(err, OCI_E_PROTOCOL, "%s: digest mismatch (got %s)", what, got);
		goto out;
	}
out:
	sink_free(&s);
	free(url);
	return rc;
}
