/*
 * ex_agent.c - the example backend's agent option: with `agent=PATH` each
 * container runs as `PATH --listen 127.0.0.1:0 -- ENTRYPOINT CMD` (forward
 * mode: the announce line is read from the child's stderr and the host
 * dials it) or, with `agent-mode=reverse`, as `PATH -- ...` with
 * SOCKERLESS_CALLBACK_URL set (the agent dials the host).  The host's
 * agent client then answers exec, attach, cp, top, pause and kill for the
 * container (ABI 1.2), and its exit code is the agent's.
 *
 * This is how a cloud backend injects the agent, minus the cloud: the
 * token goes in the child's environment where ACA would use a secret.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex.h"

#define ANNOUNCE "SOCKERLESS_AGENT listen="
#define ANNOUNCE_WAIT_MS 10000
#define SLICE_MS 200

int ex_agent_init(struct ex_backend *be, sl_call *call)
{
	const struct sl_host_v1 *host = be->host;
	const char *path = host->config_get(host->hctx, "agent");
	const char *mode = host->config_get(host->hctx, "agent-mode");

	if (!path)
		return SL_OK;
	if (!SL_HAS_FIELD(host, struct sl_host_v1, agent_state))
		return host->set_error(call, SL_EINVAL,
			"backend option agent needs a host with plugin ABI 1.2");
	if (mode && strcmp(mode, "forward") && strcmp(mode, "reverse"))
		return host->set_error(call, SL_EINVAL,
			"backend option agent-mode=%s: expected forward or reverse",
			mode);
	be->agent_path = path;
	be->agent_reverse = mode && !strcmp(mode, "reverse");
	return SL_OK;
}

/* Frees what ex_agent_argv/ex_agent_env built. */
static void free_strs(char **v)
{
	for (size_t i = 0; v && v[i]; i++) {
		explicit_bzero(v[i], strlen(v[i]));
		free(v[i]);
	}
	free(v);
}

int ex_agent_expect(struct ex_backend *be, sl_call *call, sl_container *c)
{
	const struct sl_host_v1 *host = be->host;
	char *tok;

	if (!be->agent_path)
		return SL_OK;
	tok = host->agent_token(c);
	if (!tok)
		return host->set_error(call, SL_ENOMEM, "out of memory");
	explicit_bzero(tok, strlen(tok));
	host->free(tok);
	return SL_OK;
}

int ex_agent_wrap(struct ex_backend *be, sl_call *call, sl_container *c,
	const char **argv, struct ex_agent_run *run)
{
	const struct sl_host_v1 *host = be->host;
	size_t n = 0, k = 0;
	char *tok = NULL, *url = NULL;
	int rc = SL_ENOMEM;

	memset(run, 0, sizeof(*run));
	if (!be->agent_path)
		return SL_OK;
	while (argv[n])
		n++;
	run->argv = calloc(n + 8, sizeof(*run->argv));
	run->env = calloc(4, sizeof(*run->env));
	tok = host->agent_token(c);
	if (!run->argv || !run->env || !tok)
		goto fail;
	if (be->agent_reverse) {
		url = host->agent_callback_url(c);
		if (!url) {
			rc = host->set_error(call, SL_EINVAL, "agent-mode=reverse "
				"needs the daemon's --agent-listen");
			goto fail;
		}
	}
	run->argv[k++] = strdup(be->agent_path);
	if (!be->agent_reverse) {
		run->argv[k++] = strdup("--listen");
		run->argv[k++] = strdup("127.0.0.1:0");
	}
	if (host->ctr_int(c, SL_CTR_TTY))
		run->argv[k++] = strdup("--tty");
	if (host->ctr_int(c, SL_CTR_OPEN_STDIN))
		run->argv[k++] = strdup("--stdin");
	run->argv[k++] = strdup("--");
	for (size_t i = 0; i < n; i++)
		run->argv[k++] = strdup(argv[i]);
	for (size_t i = 0; i < k; i++)
		if (!run->argv[i])
			goto fail;
	if (asprintf(&run->env[0], "SOCKERLESS_AGENT_TOKEN=%s", tok) < 0 ||
	    asprintf(&run->env[1], "SOCKERLESS_CONTAINER_ID=%s",
		host->ctr_str(c, SL_CTR_ID)) < 0 ||
	    (url && asprintf(&run->env[2], "SOCKERLESS_CALLBACK_URL=%s", url) < 0))
		goto fail;
	explicit_bzero(tok, strlen(tok));
	host->free(tok);
	host->free(url);
	run->active = 1;
	return SL_OK;
fail:
	if (tok) {
		explicit_bzero(tok, strlen(tok));
		host->free(tok);
	}
	host->free(url);
	ex_agent_run_free(run);
	return rc == SL_ENOMEM ? host->set_error(call, SL_ENOMEM,
		"out of memory") : rc;
}

void ex_agent_run_free(struct ex_agent_run *run)
{
	free_strs(run->argv);
	free_strs(run->env);
	run->argv = run->env = NULL;
}

int ex_agent_announce(struct ex_ctr *x, int fd, const char **buf, size_t *n)
{
	const char *p = *buf, *nl;
	size_t len;

	if (!x->agent_wait || fd != 2 || *n < sizeof(ANNOUNCE) - 1 ||
	    memcmp(p, ANNOUNCE, sizeof(ANNOUNCE) - 1))
		return 0;
	nl = memchr(p, '\n', *n);
	if (!nl)
		return 0;
	len = strcspn(p + sizeof(ANNOUNCE) - 1, " \n");
	if (len < sizeof(x->agent_addr))
		snprintf(x->agent_addr, sizeof(x->agent_addr), "%.*s", (int)len,
			p + sizeof(ANNOUNCE) - 1);
	x->agent_wait = 0;
	/* The line is the agent's, not the container's output. */
	*n -= (size_t)(nl + 1 - p);
	*buf = nl + 1;
	return 1;
}

int ex_agent_connect(struct ex_backend *be, sl_call *call, sl_container *c,
	struct ex_ctr *x)
{
	const struct sl_host_v1 *host = be->host;
	int64_t end = ex_now_ns() + (int64_t)ANNOUNCE_WAIT_MS * 1000000;
	char addr[sizeof(x->agent_addr)];
	int rc;

	pthread_mutex_lock(&x->lock);
	while (!x->agent_addr[0] && x->running && ex_now_ns() < end &&
	       !host->cancelled(call)) {
		struct timespec ts;

		ex_deadline(&ts, SLICE_MS);
		pthread_cond_timedwait(&x->cond, &x->lock, &ts);
	}
	snprintf(addr, sizeof(addr), "%s", x->agent_addr);
	pthread_mutex_unlock(&x->lock);
	if (!addr[0]) {
		sl_host_log(host, SL_LOG_WARN, "container %.12s: the agent did "
			"not announce itself; running without it",
			host->ctr_str(c, SL_CTR_ID));
		return SL_OK;
	}
	rc = host->agent_connect(call, c, addr);
	if (rc)
		sl_host_log(host, SL_LOG_WARN, "container %.12s: cannot connect "
			"to its agent; exec and cp will answer 501",
			host->ctr_str(c, SL_CTR_ID));
	return SL_OK;
}
