/*
 * credcli.c - a token from the Azure CLI, DefaultAzureCredential's last
 * resort: `az account get-access-token --scope S -o json`.
 *
 * Run with posix_spawnp and an argv (no shell: the scope and tenant are
 * never parsed as shell text), SIGPIPE back to default in the child (the
 * daemon ignores it), stdin from /dev/null, and killed when it outlives
 * its time or the call is cancelled.  Only this child is ever reaped.
 */
#define _GNU_SOURCE 1   /* pipe2, strptime */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "aca.h"

#define OUT_MAX (1u << 20)
#define SLICE_MS 100

extern char **environ;

struct pipebuf {
	int fd;
	char *p;
	size_t len;
};

/* Reads what is there; 0 at EOF, 1 for more, -1 on error or too much. */
static int drain(struct pipebuf *b)
{
	char tmp[4096], *np;
	ssize_t n = read(b->fd, tmp, sizeof(tmp));

	if (n == 0)
		return 0;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (b->len + (size_t)n + 1 > OUT_MAX)
		return -1;
	np = realloc(b->p, b->len + (size_t)n + 1);
	if (!np)
		return -1;
	b->p = np;
	memcpy(b->p + b->len, tmp, (size_t)n);
	b->len += (size_t)n;
	b->p[b->len] = '\0';
	return 1;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The scope reaches az as one argv element, but a scope that is not a
 * plain URL is refused anyway, as azidentity does. */
static int scope_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("-.:/_", *s)))
			return 0;
	return 1;
}

/* expires_on (epoch, newer CLIs), else expiresOn (local time). */
static long long cli_expiry(struct json_object *o)
{
	struct json_object *v;
	struct tm tm;
	const char *s;

	if (json_object_object_get_ex(o, "expires_on", &v)) {
		if (json_object_is_type(v, json_type_int))
			return json_object_get_int64(v);
		if (json_object_is_type(v, json_type_string))
			return strtoll(json_object_get_string(v), NULL, 10);
	}
	if (json_object_object_get_ex(o, "expiresOn", &v) &&
	    json_object_is_type(v, json_type_string)) {
		memset(&tm, 0, sizeof(tm));
		s = strptime(json_object_get_string(v), "%Y-%m-%d %H:%M:%S",
			&tm);
		if (s) {
			tm.tm_isdst = -1;
			return (long long)mktime(&tm);
		}
	}
	return -1;
}

/* The first line of az's stderr, for the error message. */
static void first_line(const char *s, char *out, size_t len)
{
	size_t n;

	while (s && (*s == '\n' || *s == ' '))
		s++;
	if (!s || !*s) {
		snprintf(out, len, "no message");
		return;
	}
	n = strcspn(s, "\r\n");
	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), s);
}

int aca_cred_cli_fetch(const char *scope, const char *tenant, int timeout_s,
	const struct aca_cancel *cx, char **token, long long *expires_on,
	struct aca_err *err)
{
	struct pipebuf out = { -1, NULL, 0 }, errb = { -1, NULL, 0 };
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	struct json_object *o = NULL, *v;
	const char *argv[12];
	char line[300];
	long long deadline;
	pid_t pid = -1;
	int rc, st = 0, n = 0, open_fds, killed = 0;

	*token = NULL;
	if (!scope_ok(scope) || (tenant && !scope_ok(tenant)))
		return aca_err_set(err, SL_EINVAL, "Azure credentials (Azure "
			"CLI): invalid scope or tenant");
	argv[n++] = "az";
	argv[n++] = "account";
	argv[n++] = "get-access-token";
	argv[n++] = "--scope";
	argv[n++] = scope;
	argv[n++] = "-o";
	argv[n++] = "json";
	if (tenant) {
		argv[n++] = "--tenant";
		argv[n++] = tenant;
	}
	argv[n] = NULL;

	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		rc = aca_err_set(err, SL_EINTERNAL, "Azure credentials (Azure "
			"CLI): pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawnattr_init(&at);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
		POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(&pid, "az", &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	if (rc != 0) {
		pid = -1;
		rc = aca_err_set(err, SL_EPERM, "Azure credentials (Azure "
			"CLI): cannot run az: %s", strerror(rc));
		goto out;
	}

	out.fd = po[0];
	errb.fd = pe[0];
	deadline = mono_ms() + (timeout_s > 0 ? timeout_s : 30) * 1000LL;
	for (open_fds = 2; open_fds > 0;) {
		struct pollfd p[2] = {
			{ .fd = out.fd, .events = POLLIN },
			{ .fd = errb.fd, .events = POLLIN },
		};

		if (aca_cancelled(cx) || mono_ms() > deadline) {
			kill(pid, SIGKILL);
			killed = aca_cancelled(cx) ? 2 : 1;
			break;
		}
		if (poll(p, 2, SLICE_MS) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			struct pipebuf *b = i ? &errb : &out;

			if (b->fd < 0 || !(p[i].revents & (POLLIN | POLLHUP |
				POLLERR)))
				continue;
			if (drain(b) <= 0) {
				b->fd = -1;   /* closed below via po/pe */
				open_fds--;
			}
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (killed) {
		rc = aca_err_set(err, killed == 2 ? SL_ECANCELED : SL_EUNAVAIL,
			"Azure credentials (Azure CLI): az %s", killed == 2 ?
			"was cancelled" : "did not answer in time");
		goto out;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		first_line(errb.p, line, sizeof(line));
		rc = aca_err_set(err, SL_EPERM, "Azure credentials (Azure "
			"CLI): `az account get-access-token` failed: %s", line);
		goto out;
	}
	o = json_tokener_parse(out.p ? out.p : "");
	if (!o || !json_object_object_get_ex(o, "accessToken", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !*json_object_get_string(v)) {
		rc = aca_err_set(err, SL_EINTERNAL, "Azure credentials (Azure "
			"CLI): az printed no accessToken");
		goto out;
	}
	*token = strdup(json_object_get_string(v));
	if (!*token) {
		rc = aca_err_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	*expires_on = cli_expiry(o);
	if (*expires_on <= 0)
		*expires_on = time(NULL) + 300;
	rc = SL_OK;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	if (o) {
		if (json_object_object_get_ex(o, "accessToken", &v) &&
		    json_object_is_type(v, json_type_string))
			OPENSSL_cleanse((char *)json_object_get_string(v),
				(size_t)json_object_get_string_len(v));
		json_object_put(o);
	}
	if (out.p) {
		OPENSSL_cleanse(out.p, out.len);
		free(out.p);
	}
	free(errb.p);
	return rc;
}
