/*
 * agent/http.c - the HTTP/1.1 upgrade that starts every connection
 * (PROTOCOL.md section 1): the accepting side for forward mode and the
 * dialling side for reverse mode.  Only what the handshake needs.
 */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define HEAD_MAX 8192

int
ag_token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	/* Constant time in the secret's contents: every byte of the
	 * expected token is compared whatever the first mismatch. */
	for (size_t i = 0; i < lb; i++)
		d |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
	return d == 0;
}

/* Reads a request or response head byte by byte (nothing after it is
 * consumed: frames follow).  Caller frees. */
static char *
read_head(int fd)
{
	char *h = malloc(HEAD_MAX + 1);
	size_t n = 0;

	if (h == NULL)
		return NULL;
	while (n < HEAD_MAX) {
		ssize_t r = read(fd, h + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n++;
		if (n >= 4 && memcmp(h + n - 4, "\r\n\r\n", 4) == 0) {
			h[n] = '\0';
			return h;
		}
	}
	free(h);
	return NULL;
}

/* The value of header NAME in HEAD (after the first line), trimmed,
 * into OUT; 0, or -1 when absent. */
static int
header(const char *head, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);

	for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
		const char *l = p + 2, *e = strstr(l, "\r\n"), *v;
		size_t vl;

		if (e == NULL || strncasecmp(l, name, nl) != 0 || l[nl] != ':')
			continue;
		for (v = l + nl + 1; *v == ' ' || *v == '\t'; v++)
			;
		vl = (size_t)(e - v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		if (vl >= outlen)
			vl = outlen - 1;
		memcpy(out, v, vl);
		out[vl] = '\0';
		return 0;
	}
	return -1;
}

static void
answer(int fd, const char *status, const char *extra, const char *body)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "HTTP/1.1 %s\r\n%sContent-Type: "
	    "text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    status, extra, strlen(body), body);

	if (n > 0 && (size_t)n < sizeof(buf))
		(void)ag_write_all(fd, buf, (size_t)n);
}

static int
has_token(const char *v, const char *tok)
{
	size_t tl = strlen(tok);

	for (const char *p = v; (p = strstr(p, tok)) != NULL; p += tl)
		if ((p == v || p[-1] == ',' || p[-1] == ' ') &&
		    (p[tl] == '\0' || p[tl] == ',' || p[tl] == ' '))
			return 1;
	return 0;
}

int
ag_http_accept(int fd)
{
	char *head = read_head(fd), auth[512], up[128], conn[128];
	char method[16] = "", path[256] = "";
	int rc = 0;

	auth[0] = '\0';
	if (head == NULL)
		return 0;
	int parsed = sscanf(head, "%15s %255s HTTP/1.", method, path) == 2;

	/* Authentication comes first: without the token nothing but 401. */
	if (header(head, "Authorization", auth, sizeof(auth)) < 0 ||
	    strncasecmp(auth, "Bearer ", 7) != 0 ||
	    !ag_token_equal(auth + 7, ag_opts.token)) {
		answer(fd, "401 Unauthorized", "WWW-Authenticate: Bearer\r\n",
		    "unauthorized\n");
		goto out;
	}
	if (!parsed) {
		answer(fd, "400 Bad Request", "", "bad request\n");
		goto out;
	}
	if (strcmp(method, "GET") == 0 && strcmp(path, "/v1/health") == 0) {
		answer(fd, "200 OK", "", "ok\n");
		goto out;
	}
	if (strcmp(method, "GET") != 0 || strcmp(path, "/v1/agent") != 0) {
		answer(fd, "404 Not Found", "", "not found\n");
		goto out;
	}
	if (header(head, "Upgrade", up, sizeof(up)) < 0 ||
	    strcasecmp(up, SL_AGENT_UPGRADE) != 0 ||
	    header(head, "Connection", conn, sizeof(conn)) < 0 ||
	    (!has_token(conn, "Upgrade") && !has_token(conn, "upgrade"))) {
		answer(fd, "400 Bad Request", "", "expected Upgrade: "
		    SL_AGENT_UPGRADE "\n");
		goto out;
	}
	static const char ok[] = "HTTP/1.1 101 Switching Protocols\r\n"
	    "Connection: Upgrade\r\nUpgrade: " SL_AGENT_UPGRADE "\r\n\r\n";
	rc = ag_write_all(fd, ok, sizeof(ok) - 1) == 0;
out:
	explicit_bzero(auth, sizeof(auth));
	explicit_bzero(head, strlen(head));
	free(head);
	return rc;
}

int
ag_http_dial(int fd, const char *host, const char *path)
{
	char *req = NULL, *head = NULL, up[128];
	int n, code, rc = -1;

	n = asprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: "
	    "Bearer %s\r\nConnection: Upgrade\r\nUpgrade: %s\r\n"
	    "X-Sockerless-Container: %s\r\n\r\n", path, host, ag_opts.token,
	    SL_AGENT_UPGRADE, ag_opts.container);
	if (n < 0)
		return -1;
	if (ag_write_all(fd, req, (size_t)n) < 0)
		goto out;
	if ((head = read_head(fd)) == NULL)
		goto out;
	if (sscanf(head, "HTTP/1.%*d %d", &code) != 1) {
		ag_log("callback: not an HTTP answer");
		goto out;
	}
	if (code != 101 || header(head, "Upgrade", up, sizeof(up)) < 0 ||
	    strcasecmp(up, SL_AGENT_UPGRADE) != 0) {
		ag_log("callback answered %d", code);
		goto out;
	}
	rc = 0;
out:
	/* The request holds the token: do not leave it in freed memory. */
	if (req != NULL)
		explicit_bzero(req, (size_t)n);
	free(req);
	free(head);
	return rc;
}
