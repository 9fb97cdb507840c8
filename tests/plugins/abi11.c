/*
 * abi11.c - a test backend for the ABI 1.1 host services, driven through
 * the real docker CLI by tests/abi11.sh.  Nothing runs: a container is
 * "running" between start and stop.
 *
 *  - start reports progress twice, keeps the agent token in the secret
 *    store (or, when one is already there after a daemon restart, checks
 *    it and says "secret restored" in its progress), appends two log
 *    lines and reports RUNNING with restart_count 2;
 *  - stop appends a last line, marks the local log copy complete and
 *    reports EXITED 0;
 *  - the logs hook stands for the cloud's log service: one line "from
 *    cloud", so the test can tell which copy answered;
 *  - top and stats answer fixed figures (stats' CPU time grows by 0.5 s a
 *    sample, a 50% CPU with the wall clock system time the host adds).
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "sockerless/plugin.h"

#define TOKEN "tok-5ecret-AbI11-do-not-show"

static const struct sl_host_v1 *H;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int a_init(const struct sl_host_v1 *host, sl_call *call, void **state)
{
	(void)call;
	*state = NULL;
	H = host;
	return SL_OK;
}

static void a_fini(void *state)
{
	(void)state;
}

static void report(sl_container *c, int status)
{
	struct sl_state_v1 st = {SL_HEADER(struct sl_state_v1)};

	st.status = status;
	st.restart_count = status == SL_STATUS_RUNNING ? 2 : 0;
	H->state_changed(c, &st);
}

static int a_start(void *state, sl_call *call, sl_container *c)
{
	size_t len = 0;
	char *old;
	int rc;

	(void)state;
	H->start_progress(c, "creating job (test)");
	old = H->secret_get(c, "agent-token", &len);
	if (old && len == strlen(TOKEN) && !memcmp(old, TOKEN, len) &&
	    old[len] == '\0') {
		H->start_progress(c, "secret restored");
	} else {
		rc = H->secret_set(c, "agent-token", TOKEN, strlen(TOKEN));
		if (rc) {
			H->free(old);
			return H->set_error(call, rc, "cannot keep the agent token");
		}
	}
	H->free(old);
	/* A name the store must refuse. */
	if (H->secret_set(c, "../escape", "x", 1) != SL_EINVAL)
		return H->set_error(call, SL_EINTERNAL, "bad secret name accepted");
	/* Nothing filled the credential store yet (no pull): anonymous. */
	{
		struct sl_credentials_v1 cr = {SL_HEADER(struct sl_credentials_v1)};

		rc = H->registry_credentials(H->hctx, "docker.io", &cr);
		sl_host_credentials_free(H, &cr);
		if (rc != SL_ENOTFOUND)
			return H->set_error(call, SL_EINTERNAL,
				"registry_credentials: want SL_ENOTFOUND, got %d", rc);
	}
	H->start_progress(c, "waiting for a replica (test)");
	H->log_append(c, 1, now_ns(), "hello from abi11\n", 17);
	H->log_append(c, 2, now_ns(), "a warning", 9);
	report(c, SL_STATUS_RUNNING);
	return SL_OK;
}

static int a_stop(void *state, sl_call *call, sl_container *c, int signo,
	int timeout_s)
{
	(void)state;
	(void)call;
	(void)signo;
	(void)timeout_s;
	H->log_append(c, 1, now_ns(), "bye", 3);
	H->log_complete(c);
	report(c, SL_STATUS_EXITED);
	return SL_OK;
}

static int a_kill(void *state, sl_call *call, sl_container *c, int signo)
{
	return a_stop(state, call, c, signo, 0);
}

static int a_remove(void *state, sl_call *call, sl_container *c, int force)
{
	(void)state;
	(void)call;
	(void)c;
	(void)force;
	return SL_OK;
}

static int a_logs(void *state, sl_call *call, sl_container *c,
	const struct sl_logs_opts_v1 *opts, sl_stream *out)
{
	(void)state;
	(void)call;
	(void)c;
	(void)opts;
	H->stream_write_line(out, 1, now_ns(), "from cloud", 10);
	return SL_OK;
}

static int a_top(void *state, sl_call *call, sl_container *c,
	const char *ps_args, char **out)
{
	static const char t[] = "PID\tCMD\n1\tagent --serve\n7\tmy app\n";

	(void)state;
	(void)c;
	if (ps_args && *ps_args && strcmp(ps_args, "-ef"))
		return H->set_error(call, SL_EINVAL, "ps_args '%s' not supported",
			ps_args);
	*out = H->alloc(sizeof(t));
	if (!*out)
		return H->set_error(call, SL_ENOMEM, "out of memory");
	memcpy(*out, t, sizeof(t));
	return SL_OK;
}

static int a_stats(void *state, sl_call *call, sl_container *c,
	struct sl_stats_v1 *out)
{
	static uint64_t cpu;  /* test only: one container at a time */

	(void)state;
	(void)call;
	(void)c;
	cpu += 500000000;
	out->cpu_total_ns = cpu;
	out->online_cpus = 1;
	out->pids = 2;
	out->mem_usage = 100 << 20;
	out->mem_limit = 400 << 20;
	out->net_rx_bytes = 2000;
	out->net_tx_bytes = 1000;
	return SL_OK;
}

static const struct sl_container_ops_v1 a_containers = {
	SL_HEADER(struct sl_container_ops_v1),
	.start = a_start,
	.stop = a_stop,
	.kill = a_kill,
	.remove = a_remove,
};

static const struct sl_stream_ops_v1 a_streams = {
	SL_HEADER(struct sl_stream_ops_v1),
	.logs = a_logs,
};

static const struct sl_monitor_ops_v1 a_monitor = {
	SL_HEADER(struct sl_monitor_ops_v1),
	.top = a_top,
	.stats = a_stats,
};

static const struct sl_backend_v1 a_backend = {
	SL_HEADER(struct sl_backend_v1),
	.name = "abi11",
	.version = "0.0.1",
	.description = "ABI 1.1 host services test backend",
	.init = a_init,
	.fini = a_fini,
	.containers = &a_containers,
	.streams = &a_streams,
	.monitor = &a_monitor,
};

SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out)
{
	if (host->abi_major != SL_ABI_MAJOR ||
	    !SL_HAS_FIELD(host, struct sl_host_v1, start_progress))
		return SL_EABI;
	*out = &a_backend;
	return SL_OK;
}
