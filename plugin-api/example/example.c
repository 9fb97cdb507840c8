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

/* Collecting ids first keeps host calls out of the foreach callback. */
struct recover_ctx {
	const struct sl_host_v1 *host;
	char **ids;
	size_t n, cap;
	int nomem;
};

static int collect(sl_container *c, void *arg)
{
	struct recover_ctx *r = arg;
	const char *id = r->host->ctr_str(c, SL_CTR_ID);

	if (!id)
		return 0;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		char **nv = realloc(r->ids, ncap * sizeof(*nv));

		if (!nv) {
			r->nomem = 1;
			return 1;
		}
		r->ids = nv;
		r->cap = ncap;
	}
	r->ids[r->n] = strdup(id);
	if (!r->ids[r->n]) {
		r->nomem = 1;
		return 1;
	}
	r->n++;
	return 0;
}

/*
 * A container whose process we started before the daemon restarted: its
 * pipes died with the old daemon, so nobody can read its output or reap
 * it.  Kill what is left (if the pid still names the same process) and
 * report the container as exited with 255, the code dockerd uses when it
 * lost track of a container, saying why in State.Error.
 */
static void recover_one(struct ex_backend *be, const char *id)
{
	const struct sl_host_v1 *host = be->host;
	sl_container *c = host->ctr_lookup(host->hctx, id);
	char *tag, now[64];
	int pid = 0;
	struct sl_state_v1 st = {
		SL_HEADER(struct sl_state_v1),
		.status = SL_STATUS_EXITED,
		.exit_code = 255,
		.error = "the example backend lost the process when the daemon restarted",
	};

	if (!c)
		return;
	tag = host->ctr_data_get(c, "process");
	if (tag) {
		if (sscanf(tag, "%d", &pid) == 1 && pid > 1) {
			ex_process_tag(pid, now, sizeof(now));
			/* "PID 0" means the start time was unknown. */
			if (strcmp(now, tag) == 0 && strstr(tag, " 0") == NULL)
				(void)kill(-pid, SIGKILL);
		}
		(void)host->ctr_data_set(c, "process", NULL);
		st.finished_ns = ex_now_ns();
		host->state_changed(c, &st);
		sl_host_log(host, SL_LOG_WARN,
			"example backend: container %.12s lost its process (pid %d) in the restart",
			id, pid);
		host->free(tag);
	}
	host->ctr_unref(c);
}

static int be_recover(void *state, sl_call *call)
{
	struct ex_backend *be = state;
	const struct sl_host_v1 *host = be->host;
	struct recover_ctx r = { .host = host };
	int rc = SL_OK;

	(void)host->ctr_foreach(host->hctx, collect, &r);
	if (r.nomem)
		rc = host->set_error(call, SL_ENOMEM, "out of memory");
	for (size_t i = 0; i < r.n; i++) {
		if (rc == SL_OK)
			recover_one(be, r.ids[i]);
		free(r.ids[i]);
	}
	free(r.ids);
	return rc;
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
	.volumes = NULL,   /* nothing to mount volumes into */
};

SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host,
	const struct sl_backend_v1 **out)
{
	if (!host || !out)
		return SL_EINVAL;
	if (host->abi_major != SL_ABI_MAJOR)
		return SL_EABI;
	/* Every service this backend calls is a v1.0 one. */
	if (!SL_HAS_FIELD(host, struct sl_host_v1, stream_read))
		return SL_EABI;
	*out = &example_backend;
	return SL_OK;
}
