/*
 * agent.c - the in-container agent on Container Apps Jobs.  A job
 * replica has no exec API, no stdin, no way to set the working directory
 * or the user and no exit code in the stable API; sockerless-agent,
 * copied into the replica by an init container (jobspec.c), gives all of
 * that to the core's agent client.  This file decides whether and how a
 * start uses it, connects to it in forward mode, and answers for it when
 * it is absent.
 */
#include "aca.h"

#include <stdio.h>
#include <string.h>

/* How long forward mode waits for the announcement once the replica runs:
 * the agent prints it before it starts the main process, but the log
 * stream may take a few reconnections to deliver it. */
#define ANNOUNCE_WAIT_MS 30000
/* The core's name for the token in the container's secret store. */
#define AGENT_TOKEN_SECRET "agent-token"

static const char *mode_name(enum aca_agent_mode m)
{
	return m == ACA_AGENT_FORWARD ? "forward" : "reverse";
}

/* The core expects an agent for a container that has a token (an
 * attach then waits for the agent): dropping the token says it will not
 * come after all. */
static void no_longer_expected(const struct sl_host_v1 *host, sl_container *c)
{
	if (SL_HAS_FIELD(host, struct sl_host_v1, agent_state))
		(void)host->secret_delete(c, AGENT_TOKEN_SECRET);
}

static int plan_off(const struct sl_host_v1 *host, sl_container *c,
	struct aca_agent_plan *p, const char *why)
{
	char data[200];

	no_longer_expected(host, c);
	p->mode = ACA_AGENT_OFF;
	snprintf(p->why_off, sizeof(p->why_off), "%s", why);
	snprintf(data, sizeof(data), "off: %s", why);
	return host->ctr_data_set(c, ACA_DATA_AGENT, data);
}

static int has_command(const struct sl_host_v1 *host, sl_container *c)
{
	const char *const *ep = host->ctr_list(c, SL_CTR_ENTRYPOINT);
	const char *const *cmd = host->ctr_list(c, SL_CTR_CMD);

	return (ep && ep[0]) || (cmd && cmd[0]);
}

/* Stores the container's token: the operator's default as is (the core's
 * agent_token keeps what the secret store holds), a per-container one
 * otherwise.  Returns it (host->alloc; the caller wipes and frees) or
 * NULL with err set. */
static char *token_fetch(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, struct aca_err *err)
{
	char *tok;

	if (cfg->agent_token && host->secret_set(c, AGENT_TOKEN_SECRET,
		    cfg->agent_token, strlen(cfg->agent_token))) {
		aca_err_set(err, SL_EINTERNAL, "aca: cannot store the agent token");
		return NULL;
	}
	tok = host->agent_token(c);
	if (!tok)
		aca_err_set(err, SL_ENOMEM, "aca: no agent token");
	return tok;
}

int aca_agent_will_run(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c)
{
	return cfg->agent_mode != ACA_AGENT_OFF &&
		SL_HAS_FIELD(host, struct sl_host_v1, agent_state) &&
		has_command(host, c);
}

int aca_agent_expect(const struct sl_host_v1 *host,
	const struct aca_config *cfg, sl_container *c, struct aca_err *err)
{
	char *tok;

	if (!aca_agent_will_run(host, cfg, c))
		return SL_OK;
	tok = token_fetch(host, cfg, c, err);
	if (!tok)
		return err->status;
	aca_config_wipe(tok);
	host->free(tok);
	return SL_OK;
}

int aca_agent_plan(const struct sl_host_v1 *host, const struct aca_config *cfg,
	sl_container *c, struct aca_agent_plan *p, struct aca_err *err)
{
	enum aca_agent_mode mode = cfg->agent_mode;

	memset(p, 0, sizeof(*p));
	p->port = cfg->agent_port;
	if (mode == ACA_AGENT_OFF)
		return plan_off(host, c, p,
			"the agent is disabled by configuration (agent=off)");
	if (!SL_HAS_FIELD(host, struct sl_host_v1, agent_state))
		return plan_off(host, c, p,
			"the daemon has no agent client (plugin ABI before 1.2)");
	if (!has_command(host, c))
		return plan_off(host, c, p,
			"the image's ENTRYPOINT and CMD are unknown, so the agent "
			"cannot start them");
	if (mode == ACA_AGENT_AUTO || mode == ACA_AGENT_REVERSE) {
		p->callback_url = host->agent_callback_url(c);
		if (!p->callback_url && mode == ACA_AGENT_REVERSE)
			return aca_err_set(err, SL_EINVAL,
				"agent=reverse needs the daemon's agent callback "
				"listener (sockerlessd --agent-listen, and "
				"--agent-advertise when the replicas reach it "
				"under another address)");
		mode = p->callback_url ? ACA_AGENT_REVERSE : ACA_AGENT_FORWARD;
	}
	p->mode = mode;
	p->token = token_fetch(host, cfg, c, err);
	if (!p->token)
		return err->status;
	if (host->ctr_data_set(c, ACA_DATA_AGENT, mode_name(mode)))
		return aca_err_set(err, SL_ENOMEM, "aca: out of memory");
	return SL_OK;
}

void aca_agent_plan_free(const struct sl_host_v1 *host, struct aca_agent_plan *p)
{
	if (p->token) {
		aca_config_wipe(p->token);
		host->free(p->token);
	}
	host->free(p->callback_url);
	p->token = p->callback_url = NULL;
}

int aca_agent_connect(struct aca_backend *b, sl_call *call, sl_container *c)
{
	const struct sl_host_v1 *h = b->host;
	struct aca_cancel cx = { h, call, &b->stopping };
	const char *id = h->ctr_str(c, SL_CTR_ID);
	char *mode = h->ctr_data_get(c, ACA_DATA_AGENT);
	char addr[300], why[220];
	int rc = SL_OK;

	if (!mode || strcmp(mode, "forward") != 0)
		goto out;
	h->start_progress(c, "waiting for the agent's address");
	rc = aca_logs_capture_agent_addr(b->logs, id, &cx, ANNOUNCE_WAIT_MS,
		addr, sizeof(addr));
	if (rc) {
		snprintf(why, sizeof(why), "the agent did not announce its "
			"address in the log stream (%s)",
			rc == SL_ETIMEDOUT ? "timed out" : "the stream ended");
		goto fail;
	}
	rc = h->agent_connect(call, c, addr);
	if (rc) {
		snprintf(why, sizeof(why), "the agent at %.64s could not be "
			"reached (forward mode needs the daemon inside the "
			"environment's network; use reverse mode otherwise)", addr);
		goto fail;
	}
	goto out;
fail:
	sl_host_log(h, SL_LOG_WARN, "aca: container %.12s runs without the "
		"agent: %s", id, why);
	/* An attach waiting for the agent falls back to the log stream. */
	no_longer_expected(h, c);
	{
		char data[240];

		snprintf(data, sizeof(data), "off: %s", why);
		h->ctr_data_set(c, ACA_DATA_AGENT, data);
	}
out:
	h->free(mode);
	return rc;
}

void aca_agent_why(const struct sl_host_v1 *h, sl_container *c,
	char *buf, size_t len)
{
	char *mode = h->ctr_data_get(c, ACA_DATA_AGENT);
	int st = SL_HAS_FIELD(h, struct sl_host_v1, agent_state) ?
		h->agent_state(c) : SL_AGENT_STATE_NONE;

	if (!mode)
		snprintf(buf, len, "the container has not run with the "
			"sockerless agent");
	else if (!strncmp(mode, "off: ", 5))
		snprintf(buf, len, "the container runs without the sockerless "
			"agent: %s", mode + 5);
	else if (st == SL_AGENT_STATE_EXITED)
		snprintf(buf, len, "the container's main process has exited");
	else
		snprintf(buf, len, "the container's agent (%s mode) is not "
			"connected", mode);
	h->free(mode);
}

/* ---- without the agent ------------------------------------------------ */

/* The 501 for `what` without a connected agent: `gap` says what Azure
 * lacks, then why this container has no agent. */
static int no_agent_gap(void *state, sl_call *call, sl_container *c,
	const char *what, const char *gap)
{
	struct aca_backend *b = state;
	char why[240];

	aca_agent_why(b->host, c, why, sizeof(why));
	return b->host->set_error(call, SL_ENOTSUP,
		"%s is not supported by the aca backend without the "
		"sockerless agent (%s): %s", what, gap, why);
}

static int no_agent(void *state, sl_call *call, sl_container *c,
	const char *what)
{
	return no_agent_gap(state, call, c, what,
		"Azure Container Apps Jobs have no such API");
}

static int ex_create(void *state, sl_call *call, sl_container *c, sl_exec *e)
{
	(void)e;
	return no_agent(state, call, c, "exec");
}

static int ex_start(void *state, sl_call *call, sl_container *c, sl_exec *e,
	sl_stream *io, int *exit_code)
{
	(void)e, (void)io, (void)exit_code;
	return no_agent(state, call, c, "exec");
}

static int ar_stat(void *state, sl_call *call, sl_container *c,
	const char *path, struct sl_path_stat_v1 *out)
{
	(void)path, (void)out;
	return no_agent(state, call, c, "docker cp");
}

static int ar_get(void *state, sl_call *call, sl_container *c,
	const char *path, sl_stream *out)
{
	(void)path, (void)out;
	return no_agent(state, call, c, "docker cp");
}

static int ar_put(void *state, sl_call *call, sl_container *c,
	const char *path, const struct sl_archive_put_opts_v1 *opts,
	sl_stream *in)
{
	(void)path, (void)opts, (void)in;
	return no_agent(state, call, c, "docker cp");
}

static int mon_top(void *state, sl_call *call, sl_container *c,
	const char *ps_args, char **out)
{
	(void)ps_args, (void)out;
	return no_agent(state, call, c, "top");
}

static int mon_stats(void *state, sl_call *call, sl_container *c,
	struct sl_stats_v1 *out)
{
	(void)out;
	return no_agent_gap(state, call, c, "stats", "Azure Monitor has a "
		"job's metrics only per minute and minutes late");
}

const struct sl_exec_ops_v1 aca_exec_ops = {
	SL_HEADER(struct sl_exec_ops_v1),
	.create = ex_create,
	.start = ex_start,
};

const struct sl_archive_ops_v1 aca_archive_ops = {
	SL_HEADER(struct sl_archive_ops_v1),
	.stat = ar_stat,
	.get = ar_get,
	.put = ar_put,
};

const struct sl_monitor_ops_v1 aca_monitor_ops = {
	SL_HEADER(struct sl_monitor_ops_v1),
	.top = mon_top,
	.stats = mon_stats,
};
