/*
 * example.c - the entry point, init/fini, info and recover of the example
 * backend, which runs every container as a host process.
 *
 * It is the template for third-party backends (see plugin-api/README.md)
 * and the daemon's own test backend.  It uses nothing but the public
 * header <sockerless/plugin.h> and libc.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ex.h"

#define EX_VERSION "1.0.0"
#define DEFAULT_LOG_BYTES (1024 * 1024)

/* Reads a non-negative integer option; 0 or SL_EINVAL. */
static int opt_long(const struct sl_host_v1 *host, sl_call *call,
	const char *key, long min, long max, long def, long *out)
{
	const char *v = host->config_get(host->hctx, key);
	char *end;
	long n;

	*out = def;
	if (!v)
		return SL_OK;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max)
		return host->set_error(call, SL_EINVAL,
			"backend option %s=%s: expected a number from %ld to %ld",
			key, v, min, max);
	*out = n;
	return SL_OK;
}

/* PRETTY_NAME from os-release, like dockerd's OperatingSystem. */
static void os_name(char *buf, size_t len, const char *fallback)
{
	char line[512];
	FILE *f = fopen("/etc/os-release", "re");

	snprintf(buf, len, "%s", fallback);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v;
		size_t n;

		if (strncmp(line, "PRETTY_NAME=", 12) != 0)
			continue;
		v = line + 12;
		n = strcspn(v, "\n");
		v[n] = '\0';
		if (n >= 2 && (*v == '"' || *v == '\'') && v[n - 1] == *v) {
			v[n - 1] = '\0';
			v++;
		}
		snprintf(buf, len, "%s", v);
		break;
	}
	fclose(f);
}

static int be_init(const struct sl_host_v1 *host, sl_call *call,
	void **state)
{
	struct ex_backend *be;
	struct utsname u;
	long logb, stop_t, shut_t;
	int rc;

	rc = opt_long(host, call, "log-buffer-bytes", 4096, 1L << 30,
		DEFAULT_LOG_BYTES, &logb);
	if (rc == 0)
		rc = opt_long(host, call, "stop-timeout", 0, 3600, 10, &stop_t);
	if (rc == 0)
		rc = opt_long(host, call, "shutdown-timeout", 0, 3600, 10,
			&shut_t);
	if (rc < 0)
		return rc;
	be = calloc(1, sizeof(*be));
	if (!be)
		return host->set_error(call, SL_ENOMEM, "out of memory");
	be->host = host;
	pthread_mutex_init(&be->lock, NULL);
	be->log_limit = (size_t)logb;
	be->stop_timeout = (int)stop_t;
	be->shutdown_timeout = (int)shut_t;
	if (uname(&u) == 0) {
		snprintf(be->arch, sizeof(be->arch), "%s", u.machine);
		snprintf(be->kernel, sizeof(be->kernel), "%s", u.release);
		os_name(be->os_name, sizeof(be->os_name), u.sysname);
	}
	rc = ex_agent_init(be, call);
	if (rc < 0) {
		pthread_mutex_destroy(&be->lock);
		free(be);
		return rc;
	}
	snprintf(be->status_buf, sizeof(be->status_buf),
		"Log buffer bytes=%ld", logb);
	be->driver_status[0] = "Containers run as=host processes";
	be->driver_status[1] = be->status_buf;
	be->driver_status[2] = NULL;
	sl_host_log(host, SL_LOG_INFO,
		"example backend: log buffer %ld bytes per container, stop timeout %lds",
		logb, stop_t);
	*state = be;
	return SL_OK;
}

static void be_fini(void *state)
{
	struct ex_backend *be = state;

	ex_lifecycle_shutdown(be);
	pthread_mutex_destroy(&be->lock);
	free(be);
}

static int be_info(void *state, sl_call *call, struct sl_info_v1 *out)
{
	struct ex_backend *be = state;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	(void)call;
	/* The host reads these after we return: they live in `be`. */
	out->driver = "process";
	out->operating_system = be->os_name;
	out->os_type = "linux";
	out->architecture = be->arch;
	out->kernel_version = be->kernel;
	out->ncpu = cpus > 0 ? cpus : 1;
	out->mem_total = pages > 0 && psz > 0 ? (int64_t)pages * psz : 0;
	out->driver_status = (const char *const *)be->driver_status;
	return SL_OK;
}

/*
 * How far the start time read back from /proc may be from the one the
 * host recorded (taken just after execve) for the pid to still name our
 * process.  A recycled pid would have to have started within this window
 * of the original; a wall clock stepped by more than this since the start
 * makes recover leave the process alone rather than risk a stranger.
 */
#define SAME_PROCESS_NS (2LL * 1000000000)

/*
 * A container the host recorded as running: its process was started by
 * the daemon that died, and its pipes went with it, so nobody can read
 * its output or reap it.  Kill what is left (if the pid still names the
 * same process) and report the container as exited with 255, the code
 * dockerd uses when it lost track of a container, saying why in
 * State.Error.  ctr_foreach iterates over a snapshot, so state_changed
 * may be called from here.
 */
static int recover_one(sl_container *c, void *arg)
{
	struct ex_backend *be = arg;
	const struct sl_host_v1 *host = be->host;
	int64_t status = host->ctr_int(c, SL_CTR_STATUS);
	int64_t pid = host->ctr_int(c, SL_CTR_PID);
	int64_t started = host->ctr_int(c, SL_CTR_STARTED_NS);
	int64_t now_started, diff;
	int killed = 0;
	struct sl_state_v1 st = {
		SL_HEADER(struct sl_state_v1),
		.status = SL_STATUS_EXITED,
		.exit_code = 255,
		.error = "the example backend lost the process when the daemon restarted",
	};

	if (status != SL_STATUS_RUNNING && status != SL_STATUS_PAUSED &&
	    status != SL_STATUS_RESTARTING)
		return 0;
	if (pid > 1 && pid <= INT32_MAX && started > 0) {
		now_started = ex_process_start_ns((pid_t)pid);
		diff = now_started - started;
		if (now_started > 0 && diff < SAME_PROCESS_NS &&
		    diff > -SAME_PROCESS_NS)
			killed = kill(-(pid_t)pid, SIGKILL) == 0;
	}
	st.finished_ns = ex_now_ns();
	host->state_changed(c, &st);
	sl_host_log(host, SL_LOG_WARN,
		"example backend: container %.12s lost its process (pid %lld%s) in the restart",
		host->ctr_str(c, SL_CTR_ID), (long long)pid,
		killed ? ", killed" : ", not found");
	return 0;
}

static int be_recover(void *state, sl_call *call)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;

	(void)call;
	(void)host->ctr_foreach(host->hctx, recover_one, be);
	return SL_OK;
}

static const struct sl_backend_v1 example_backend = {
	SL_HEADER(struct sl_backend_v1),
	.name = "example",
	.version = EX_VERSION,
	.description = "runs each container's command as a host process (example backend)",
	.init = be_init,
	.fini = be_fini,
	.info = be_info,
	.recover = be_recover,
	.containers = &ex_container_ops,
	.streams = &ex_stream_ops,
	.exec = &ex_exec_ops,
	.archive = NULL,   /* no container filesystem: docker cp answers 501 */
	.images = NULL,    /* the host's registry client is enough */
	.volumes = &ex_volume_ops, /* directories under the state dir */
	.monitor = &ex_monitor_ops,
};

SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out)
{
	if (!host || !out)
		return SL_EINVAL;
	if (host->abi_major != SL_ABI_MAJOR)
		return SL_EABI;
	/* The newest service it calls (the stdin pumps). */
	if (!SL_HAS_FIELD(host, struct sl_host_v1, stream_read_timeout))
		return SL_EABI;
	*out = &example_backend;
	return SL_OK;
}
