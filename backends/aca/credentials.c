/*
 * credentials.c - access tokens the way DefaultAzureCredential finds
 * them: client secret, client certificate, workload identity, managed
 * identity (IDENTITY_ENDPOINT, then IMDS), the Azure CLI.
 *
 * Tokens are cached per scope and fetched again ahead of expiry; one
 * fetch per scope runs at a time and the other callers wait for it.
 * Nothing here logs or reports a token, secret or assertion.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "aca.h"

#define REFRESH_AHEAD_S 300   /* DefaultAzureCredential's 5 minutes */
#define WAIT_SLICE_MS 100
#define FETCH_ATTEMPTS 3
#define IMDS_PROBE_S 2        /* an unreachable IMDS is not waited for */
#define CLI_TIMEOUT_S 30
#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

enum source {
	SRC_SECRET,
	SRC_CERT,
	SRC_WORKLOAD,
	SRC_APPSERVICE,
	SRC_IMDS,
	SRC_CLI
};

static const char *const source_names[] = {
	[SRC_SECRET] = "client secret",
	[SRC_CERT] = "client certificate",
	[SRC_WORKLOAD] = "workload identity",
	[SRC_APPSERVICE] = "managed identity (IDENTITY_ENDPOINT)",
	[SRC_IMDS] = "managed identity (IMDS)",
	[SRC_CLI] = "Azure CLI",
};

struct tok {
	struct tok *next;
	char *scope;
	char *value;          /* NULL when none */
	long long exp;        /* unix seconds */
	long long refresh_at;
	int fetching;
};

struct aca_cred {
	const struct sl_host_v1 *host;
	enum source src;
	int cli_allowed;           /* the CLI may follow IMDS */
	atomic_int cli_after_imds; /* IMDS unreachable: the CLI takes over */
	atomic_int imds_seen;      /* IMDS answered once: no more probing */
	char *authority;
	char *tenant;
	char *client_id;
	char *secret;
	char *cert_path;
	char *fed_file;
	char *id_endpoint;
	char *id_header;
	char *imds_url;
	int timeout_s;
	struct aca_http *http;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tok *toks;
};

static void wipe_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static int dup_opt(char **dst, const char *s)
{
	*dst = NULL;
	if (!s || !*s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -1;
}

static const char *src_name(const struct aca_cred *cr)
{
	if (cr->src == SRC_IMDS && cr->cli_after_imds)
		return source_names[SRC_CLI];
	return source_names[cr->src];
}

const char *aca_cred_source(const struct aca_cred *cr)
{
	return cr ? src_name(cr) : "none";
}

static void cred_log(const struct aca_cred *cr, int level, const char *fmt,
	...) SL_PRINTF(3, 4);
static void cred_log(const struct aca_cred *cr, int level, const char *fmt,
	...)
{
	va_list ap;

	if (!cr->host || !cr->host->logv)
		return;
	va_start(ap, fmt);
	cr->host->logv(cr->host->hctx, level, fmt, ap);
	va_end(ap);
}

void aca_cred_free(struct aca_cred *cr)
{
	struct tok *t;

	if (!cr)
		return;
	while ((t = cr->toks) != NULL) {
		cr->toks = t->next;
		free(t->scope);
		wipe_free(t->value);
		free(t);
	}
	free(cr->authority);
	free(cr->tenant);
	free(cr->client_id);
	wipe_free(cr->secret);
	free(cr->cert_path);
	free(cr->fed_file);
	free(cr->id_endpoint);
	wipe_free(cr->id_header);
	free(cr->imds_url);
	aca_http_free(cr->http);
	pthread_cond_destroy(&cr->cv);
	pthread_mutex_destroy(&cr->mu);
	free(cr);
}

/* {authority}/{tenant}/oauth2/v2.0/token, malloc'd. */
static char *token_url(const struct aca_cred *cr)
{
	size_t n = strlen(cr->authority) + strlen(cr->tenant) + 32;
	char *u = malloc(n);

	if (u)
		snprintf(u, n, "%s/%s/oauth2/v2.0/token", cr->authority,
			cr->tenant);
	return u;
}

int aca_cred_new(const struct aca_config *cfg, const struct sl_host_v1 *host,
	struct aca_cred **out, struct aca_err *err)
{
	struct aca_cred *cr;
	pthread_condattr_t ca;
	const char *need = NULL;
	size_t n;
	int rc;

	*out = NULL;
	cr = calloc(1, sizeof(*cr));
	if (!cr)
		return aca_err_set(err, SL_ENOMEM, "out of memory");
	pthread_mutex_init(&cr->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cr->cv, &ca);
	pthread_condattr_destroy(&ca);
	cr->host = host;
	cr->timeout_s = cfg->http_timeout_s > 0 ? cfg->http_timeout_s : 60;
	if (dup_opt(&cr->authority, cfg->authority_url ? cfg->authority_url :
		"https://login.microsoftonline.com") ||
	    dup_opt(&cr->tenant, cfg->tenant_id) ||
	    dup_opt(&cr->client_id, cfg->client_id) ||
	    dup_opt(&cr->secret, cfg->client_secret) ||
	    dup_opt(&cr->cert_path, cfg->client_cert_path) ||
	    dup_opt(&cr->fed_file, cfg->federated_token_file) ||
	    dup_opt(&cr->id_endpoint, cfg->identity_endpoint) ||
	    dup_opt(&cr->id_header, cfg->identity_header) ||
	    dup_opt(&cr->imds_url, cfg->imds_url)) {
		rc = aca_err_set(err, SL_ENOMEM, "out of memory");
		goto fail;
	}
	for (n = strlen(cr->authority); n > 0 && cr->authority[n - 1] == '/';)
		cr->authority[--n] = '\0';
	for (n = cr->imds_url ? strlen(cr->imds_url) : 0;
		n > 0 && cr->imds_url[n - 1] == '/';)
		cr->imds_url[--n] = '\0';

	/* DefaultAzureCredential's order. */
	if (cr->secret) {
		cr->src = SRC_SECRET;
		need = !cr->tenant ? "AZURE_TENANT_ID" :
			!cr->client_id ? "AZURE_CLIENT_ID" : NULL;
	} else if (cr->cert_path) {
		cr->src = SRC_CERT;
		need = !cr->tenant ? "AZURE_TENANT_ID" :
			!cr->client_id ? "AZURE_CLIENT_ID" : NULL;
	} else if (cr->fed_file) {
		cr->src = SRC_WORKLOAD;
		need = !cr->tenant ? "AZURE_TENANT_ID" :
			!cr->client_id ? "AZURE_CLIENT_ID" : NULL;
	} else if (cr->id_endpoint && cr->id_header) {
		cr->src = SRC_APPSERVICE;
	} else if (cr->imds_url) {
		cr->src = SRC_IMDS;
	} else if (cfg->use_cli) {
		cr->src = SRC_CLI;
	} else {
		rc = aca_err_set(err, SL_EINVAL, "Azure credentials: none "
			"configured; set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
			"AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH, "
			"or AZURE_FEDERATED_TOKEN_FILE), run where a managed "
			"identity is available, or allow the Azure CLI");
		goto fail;
	}
	if (need) {
		rc = aca_err_set(err, SL_EINVAL, "Azure credentials (%s): %s "
			"is not set", source_names[cr->src], need);
		goto fail;
	}
	rc = aca_http_new(&cr->http, err);
	if (rc)
		goto fail;
	if (cr->src == SRC_CERT) {
		/* A bad certificate file is a configuration error: say so
		 * at start, not at the first docker run. */
		char *url = token_url(cr), *jwt = NULL;

		if (!url) {
			rc = aca_err_set(err, SL_ENOMEM, "out of memory");
			goto fail;
		}
		rc = aca_cred_cert_assertion(cr->cert_path, cr->client_id, url,
			&jwt, err);
		free(url);
		wipe_free(jwt);
		if (rc)
			goto fail;
	}
	/* The CLI is DefaultAzureCredential's last resort when IMDS is not
	 * there. */
	cr->cli_allowed = cfg->use_cli;
	*out = cr;
	return SL_OK;
fail:
	aca_cred_free(cr);
	return rc;
}

/* ---- HTTP token sources ------------------------------------------- */

/* A growing string for URLs and form bodies; wiped when freed (a form
 * body holds the client secret). */
struct sbuf {
	char *p;
	size_t len, cap;
	int bad;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->bad)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		np = malloc(cap);
		if (!np) {
			b->bad = 1;
			return;
		}
		if (b->p) {
			memcpy(np, b->p, b->len);
			OPENSSL_cleanse(b->p, b->cap);
			free(b->p);
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Percent-encodes s (form and query values). */
static void sb_enc(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3] = { '%', 0, 0 };

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~') {
			sb_add(b, s, 1);
		} else {
			e[1] = hex[ch >> 4];
			e[2] = hex[ch & 15];
			sb_add(b, e, 3);
		}
	}
}

/* prefix, then "k=v" pairs (v percent-encoded; v NULL = skipped) after
 * '?' or '&' (no prefix: a form body).  Malloc'd; wipe and free. */
static char *build_query(const char *prefix, const char *const *kv)
{
	struct sbuf b = { 0 };
	const char *sep = NULL;

	if (prefix) {
		sb_add(&b, prefix, strlen(prefix));
		sep = strchr(prefix, '?') ? "&" : "?";
	}
	for (; kv[0]; kv += 2) {
		if (!kv[1])
			continue;
		if (sep)
			sb_add(&b, sep, 1);
		sep = "&";
		sb_add(&b, kv[0], strlen(kv[0]));
		sb_add(&b, "=", 1);
		sb_enc(&b, kv[1]);
	}
	if (b.bad || !b.p) {
		if (b.p) {
			OPENSSL_cleanse(b.p, b.cap);
			free(b.p);
		}
		return NULL;
	}
	return b.p;
}

/* A time field that may be a JSON number or a string of digits. */
static long long json_time(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;
	char *end;
	long long t;

	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double))
		return json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	errno = 0;
	t = strtoll(s, &end, 10);
	return errno || end == s ? -1 : t;
}

/* The token and its expiry out of a token answer. */
static int parse_token(const struct aca_cred *cr, const struct aca_resp *r,
	char **token, long long *exp, struct aca_err *err)
{
	struct json_object *o = json_tokener_parse(r->body ? r->body : "");
	struct json_object *v;
	long long in, on, now = time(NULL);
	int rc = SL_OK;

	if (!o || !json_object_object_get_ex(o, "access_token", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !*json_object_get_string(v)) {
		rc = aca_err_set(err, SL_EINTERNAL, "Azure credentials (%s): "
			"the token answer has no access_token", src_name(cr));
		goto out;
	}
	*token = strdup(json_object_get_string(v));
	if (!*token) {
		rc = aca_err_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	in = json_time(o, "expires_in");
	on = json_time(o, "expires_on");
	/* expires_in is relative, so immune to a skewed clock. */
	*exp = in > 0 ? now + in : on > 0 ? on : now + 300;
out:
	if (o) {
		/* The parsed copy holds the token too. */
		if (json_object_object_get_ex(o, "access_token", &v) &&
		    json_object_is_type(v, json_type_string))
			OPENSSL_cleanse((char *)json_object_get_string(v),
				(size_t)json_object_get_string_len(v));
		json_object_put(o);
	}
	return rc;
}

/* The message for a refused token request, without the secret. */
static int refused(const struct aca_cred *cr, const struct aca_resp *r,
	struct aca_err *err)
{
	char code[64], msg[512], *nl;
	int status;

	aca_err_code(r, code, sizeof(code));
	aca_err_message(r, msg, sizeof(msg));
	/* Entra's description carries Trace ID, Correlation ID and
	 * Timestamp after the first sentence block; keep what says why. */
	if ((nl = strstr(msg, " Trace ID:")) != NULL)
		*nl = '\0';
	for (nl = msg + strlen(msg); nl > msg && nl[-1] == ' ';)
		*--nl = '\0';
	status = r->status == 429 || r->status >= 500 ? SL_EUNAVAIL : SL_EPERM;
	switch (cr->src) {
	case SRC_SECRET:
	case SRC_CERT:
	case SRC_WORKLOAD:
		return aca_err_set(err, status, "Azure credentials (%s): the "
			"token endpoint refused client '%s' (%s%s%s; HTTP %ld)",
			src_name(cr), cr->client_id, code[0] ? code : "",
			code[0] && msg[0] ? ": " : "", msg, r->status);
	default:
		return aca_err_set(err, status, "Azure credentials (%s): the "
			"token service refused the request (%s%s%s; HTTP %ld)",
			src_name(cr), code[0] ? code : "",
			code[0] && msg[0] ? ": " : "", msg, r->status);
	}
}

/* Reads the federated token file (it rotates: read on every fetch). */
static char *read_fed_token(const struct aca_cred *cr, struct aca_err *err)
{
	FILE *f = fopen(cr->fed_file, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f) {
		aca_err_set(err, SL_EPERM, "Azure credentials (%s): cannot "
			"read AZURE_FEDERATED_TOKEN_FILE %s: %s", src_name(cr),
			cr->fed_file, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = n + 8192);

			if (!nb || cap > (1u << 20)) {
				free(nb ? nb : buf);
				buf = NULL;
				aca_err_set(err, SL_EPERM, "Azure credentials "
					"(%s): %s is too large", src_name(cr),
					cr->fed_file);
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got < 4096)
			break;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
		buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (n == 0) {
		free(buf);
		buf = NULL;
		aca_err_set(err, SL_EPERM, "Azure credentials (%s): %s is "
			"empty", src_name(cr), cr->fed_file);
	}
out:
	fclose(f);
	return buf;
}

/* The v1 resource of a scope: "https://management.azure.com/.default"
 * -> "https://management.azure.com" (malloc'd). */
static char *scope_resource(const char *scope)
{
	size_t n = strlen(scope);
	const char *sfx = "/.default";

	if (n > strlen(sfx) && strcmp(scope + n - strlen(sfx), sfx) == 0)
		n -= strlen(sfx);
	return strndup(scope, n);
}

/* Builds the request of an HTTP source: URL, headers, body. */
struct treq {
	char *url;
	char *body;
	char *hdr;            /* a secret header (X-IDENTITY-HEADER) */
	const char *hdrs[4];
	int timeout_s;
};

static void treq_free(struct treq *t)
{
	free(t->url);
	wipe_free(t->body);
	wipe_free(t->hdr);
	memset(t, 0, sizeof(*t));
}

static int treq_build(struct aca_cred *cr, const char *scope,
	struct treq *t, struct aca_err *err)
{
	char *res = NULL, *tu = NULL, *assertion = NULL;
	int rc = SL_OK, n = 0;

	memset(t, 0, sizeof(*t));
	t->timeout_s = cr->timeout_s;
	switch (cr->src) {
	case SRC_SECRET:
	case SRC_CERT:
	case SRC_WORKLOAD: {
		tu = token_url(cr);
		if (!tu)
			goto nomem;
		if (cr->src == SRC_CERT) {
			rc = aca_cred_cert_assertion(cr->cert_path,
				cr->client_id, tu, &assertion, err);
			if (rc)
				goto out;
		} else if (cr->src == SRC_WORKLOAD) {
			assertion = read_fed_token(cr, err);
			if (!assertion) {
				rc = err->status;
				goto out;
			}
		}
		const char *kv[] = {
			"grant_type", "client_credentials",
			"client_id", cr->client_id,
			"scope", scope,
			"client_secret", cr->src == SRC_SECRET ? cr->secret : NULL,
			"client_assertion_type", assertion ? JWT_BEARER : NULL,
			"client_assertion", assertion,
			NULL, NULL
		};
		t->body = build_query(NULL, kv);
		if (!t->body)
			goto nomem;
		t->url = tu;
		tu = NULL;
		t->hdrs[n++] = "Content-Type: application/x-www-form-urlencoded";
		break;
	}
	case SRC_APPSERVICE:
	case SRC_IMDS: {
		int app = cr->src == SRC_APPSERVICE;
		char prefix[1024];

		res = scope_resource(scope);
		if (!res)
			goto nomem;
		snprintf(prefix, sizeof(prefix), "%s%s", app ? cr->id_endpoint :
			cr->imds_url, app ? "" : "/metadata/identity/oauth2/token");
		/* AZURE_CLIENT_ID picks a user-assigned identity. */
		const char *kv[] = {
			"api-version", app ? "2019-08-01" : "2018-02-01",
			"resource", res,
			"client_id", cr->client_id,
			NULL, NULL
		};
		t->url = build_query(prefix, kv);
		if (!t->url)
			goto nomem;
		if (app) {
			size_t hl = strlen(cr->id_header) + 32;

			t->hdr = malloc(hl);
			if (!t->hdr)
				goto nomem;
			snprintf(t->hdr, hl, "X-IDENTITY-HEADER: %s",
				cr->id_header);
			t->hdrs[n++] = t->hdr;
		} else {
			t->hdrs[n++] = "Metadata: true";
			if (cr->cli_allowed && !cr->imds_seen &&
			    t->timeout_s > IMDS_PROBE_S)
				t->timeout_s = IMDS_PROBE_S;
		}
		break;
	}
	case SRC_CLI:
		break;
	}
	t->hdrs[n++] = "Accept: application/json";
	t->hdrs[n] = NULL;
	goto out;
nomem:
	rc = aca_err_set(err, SL_ENOMEM, "out of memory");
out:
	free(res);
	free(tu);
	wipe_free(assertion);
	if (rc)
		treq_free(t);
	return rc;
}

static int fetch_http(struct aca_cred *cr, const struct aca_cancel *cx,
	const char *scope, char **token, long long *exp, struct aca_err *err)
{
	struct aca_http_req rq = { 0 };
	struct aca_resp r = { 0 };
	struct treq t;
	int rc, attempt;

	for (attempt = 1;; attempt++) {
		rc = treq_build(cr, scope, &t, err);
		if (rc)
			return rc;
		rq.method = t.body ? "POST" : "GET";
		rq.url = t.url;
		rq.headers = t.hdrs;
		rq.body = t.body;
		rq.body_len = t.body ? strlen(t.body) : 0;
		rq.timeout_s = t.timeout_s;
		rc = aca_http_do(cr->http, cx, &rq, &r, NULL, err);
		treq_free(&t);
		if (rc == SL_OK && r.status == 200) {
			if (cr->src == SRC_IMDS)
				cr->imds_seen = 1;
			rc = parse_token(cr, &r, token, exp, err);
			break;
		}
		if (rc == SL_ECANCELED)
			break;
		if (cr->src == SRC_IMDS && !cr->imds_seen && cr->cli_allowed &&
		    (rc != SL_OK || r.status == 400)) {
			/* No IMDS here, or no identity assigned (400):
			 * DefaultAzureCredential moves on to the CLI. */
			cr->cli_after_imds = 1;
			cred_log(cr, SL_LOG_INFO, "Azure credentials: no managed "
				"identity (%s); using the Azure CLI", rc != SL_OK ?
				"IMDS did not answer" : "IMDS has none");
			aca_resp_free(&r);
			return aca_cred_cli_fetch(scope, cr->tenant,
				CLI_TIMEOUT_S, cx, token, exp, err);
		}
		if (rc != SL_OK) {
			char why[512];

			snprintf(why, sizeof(why), "%.*s",
					(int)sizeof(why) - 1, err->msg);
			rc = aca_err_set(err, SL_EUNAVAIL, "Azure credentials "
				"(%s): %s", src_name(cr), why);
		} else if (r.status != 429 && r.status < 500 &&
			!(cr->src == SRC_IMDS && (r.status == 404 ||
			r.status == 410))) {
			/* A refusal: asking again changes nothing. */
			rc = refused(cr, &r, err);
			break;
		} else {
			rc = refused(cr, &r, err);
		}
		aca_resp_free(&r);
		if (attempt >= FETCH_ATTEMPTS)
			break;
		if (aca_sleep_ms(cx, 500L * attempt)) {
			rc = aca_err_set(err, SL_ECANCELED, "Azure credentials: "
				"cancelled");
			break;
		}
	}
	if (r.body)
		OPENSSL_cleanse(r.body, r.len);
	aca_resp_free(&r);
	return rc;
}

static int fetch(struct aca_cred *cr, const struct aca_cancel *cx,
	const char *scope, char **token, long long *exp, struct aca_err *err)
{
	if (cr->src == SRC_CLI || (cr->src == SRC_IMDS && cr->cli_after_imds))
		return aca_cred_cli_fetch(scope, cr->tenant, CLI_TIMEOUT_S, cx,
			token, exp, err);
	return fetch_http(cr, cx, scope, token, exp, err);
}

/* ---- the cache -------------------------------------------------------- */

static struct tok *tok_find(struct aca_cred *cr, const char *scope)
{
	struct tok *t;

	for (t = cr->toks; t; t = t->next)
		if (strcmp(t->scope, scope) == 0)
			return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->scope = strdup(scope);
	if (!t->scope) {
		free(t);
		return NULL;
	}
	t->next = cr->toks;
	cr->toks = t;
	return t;
}

static void wait_slice(struct aca_cred *cr)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += WAIT_SLICE_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&cr->cv, &cr->mu, &ts);
}

int aca_cred_token(struct aca_cred *cr, const struct aca_cancel *cx,
	const char *scope, int force, char **token, struct aca_err *err)
{
	struct tok *t;
	char *fresh = NULL;
	long long exp = 0, now, life;
	int rc, waited = 0;

	*token = NULL;
	pthread_mutex_lock(&cr->mu);
	t = tok_find(cr, scope);
	if (!t) {
		pthread_mutex_unlock(&cr->mu);
		return aca_err_set(err, SL_ENOMEM, "out of memory");
	}
	while (t->fetching) {
		/* Someone fetches already: theirs is as fresh as a forced
		 * one would be. */
		waited = 1;
		if (aca_cancelled(cx)) {
			pthread_mutex_unlock(&cr->mu);
			return aca_err_set(err, SL_ECANCELED, "Azure credentials: "
				"cancelled");
		}
		wait_slice(cr);
	}
	now = time(NULL);
	if (t->value && (now < t->refresh_at || (waited && now < t->exp)) &&
	    !(force && !waited)) {
		*token = strdup(t->value);
		pthread_mutex_unlock(&cr->mu);
		return *token ? SL_OK : aca_err_set(err, SL_ENOMEM,
			"out of memory");
	}
	t->fetching = 1;
	pthread_mutex_unlock(&cr->mu);

	rc = fetch(cr, cx, scope, &fresh, &exp, err);

	pthread_mutex_lock(&cr->mu);
	t->fetching = 0;
	now = time(NULL);
	if (rc == SL_OK) {
		wipe_free(t->value);
		t->value = fresh;
		t->exp = exp;
		life = exp - now;
		t->refresh_at = exp - (life / 2 < REFRESH_AHEAD_S ? life / 2 :
			REFRESH_AHEAD_S);
		*token = strdup(fresh);
		if (!*token)
			rc = aca_err_set(err, SL_ENOMEM, "out of memory");
	} else if (!force && t->value && now < t->exp - 10) {
		/* The refresh ahead of time failed; the old token still
		 * works for a while. */
		cred_log(cr, SL_LOG_WARN, "%s (using the cached token until "
			"it expires)", err->msg);
		*token = strdup(t->value);
		rc = *token ? SL_OK : aca_err_set(err, SL_ENOMEM,
			"out of memory");
	}
	pthread_cond_broadcast(&cr->cv);
	pthread_mutex_unlock(&cr->mu);
	return rc;
}
