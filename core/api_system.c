/*
 * api_system.c - /_ping, /version, /info, /events and /system/df.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/api.h"
#include "core/call.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/events.h"
#include "core/filters.h"
#include "core/server.h"
#include "core/timeparse.h"
#include "core/volume.h"

/* Live /events streams, for /info. */
static int n_listeners;

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_bool(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

static const char *machine_arch(void)
{
	static struct utsname u;

	if (!u.machine[0] && uname(&u) < 0)
		return "x86_64";
	return u.machine;
}

/* Go's GOARCH names, which /version reports. */
static const char *go_arch(void)
{
	const char *m = machine_arch();

	if (!strcmp(m, "x86_64"))
		return "amd64";
	if (!strcmp(m, "aarch64"))
		return "arm64";
	return m;
}

enum MHD_Result sl_api_ping(struct sl_req *r)
{
	struct MHD_Response *resp;
	int head = !strcmp(r->method, "HEAD");

	resp = MHD_create_response_from_buffer(head ? 0 : 2, (void *)"OK",
		MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control",
		"no-cache, no-store, must-revalidate");
	MHD_add_response_header(resp, "Pragma", "no-cache");
	MHD_add_response_header(resp, "Builder-Version", "1");
	MHD_add_response_header(resp, "Swarm", "inactive");
	return sl_http_queue(r, 200, resp);
}

enum MHD_Result sl_api_version(struct sl_req *r)
{
	struct json_object *o = json_object_new_object();
	struct json_object *plat = json_object_new_object();
	struct json_object *comps = json_object_new_array();
	struct json_object *eng = json_object_new_object();
	struct json_object *det = json_object_new_object();
	struct utsname u;
	enum MHD_Result ret;

	uname(&u);
	add_str(plat, "Name", "Sockerless");
	json_object_object_add(o, "Platform", plat);
	add_str(det, "ApiVersion", SL_API_VERSION);
	add_str(det, "MinAPIVersion", SL_API_MIN_VERSION);
	add_str(det, "Backend", sl_daemon.backend.name);
	add_str(det, "BackendVersion", sl_daemon.backend.version);
	add_str(det, "Os", "linux");
	add_str(det, "Arch", go_arch());
	add_str(det, "KernelVersion", u.release);
	add_str(det, "GitCommit", "sockerless");
	add_str(det, "GoVersion", "n/a (C11)");
	add_str(det, "BuildTime", __DATE__ " " __TIME__);
	add_str(det, "Experimental", "false");
	add_str(eng, "Name", "Engine");
	add_str(eng, "Version", PACKAGE_VERSION);
	json_object_object_add(eng, "Details", det);
	json_object_array_add(comps, eng);
	json_object_object_add(o, "Components", comps);
	add_str(o, "Version", PACKAGE_VERSION);
	add_str(o, "ApiVersion", SL_API_VERSION);
	add_str(o, "MinAPIVersion", SL_API_MIN_VERSION);
	add_str(o, "GitCommit", "sockerless");
	add_str(o, "GoVersion", "n/a (C11)");
	add_str(o, "Os", "linux");
	add_str(o, "Arch", go_arch());
	add_str(o, "KernelVersion", u.release);
	add_str(o, "BuildTime", __DATE__ " " __TIME__);
	ret = sl_http_json(r, 200, o);
	json_object_put(o);
	return ret;
}

static struct json_object *str_array(const char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

enum MHD_Result sl_api_info(struct sl_req *r)
{
	struct sl_info_v1 bi = {SL_HEADER(struct sl_info_v1)};
	struct json_object *o, *ds, *plugins, *swarm, *reg, *rt, *rtn;
	struct sl_backend *b = &sl_daemon.backend;
	int total, running, paused, stopped;
	char now[SL_TIME_BUFLEN];
	struct utsname u;
	enum MHD_Result ret;
	struct sl_call call;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int64_t mem = (int64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);

	uname(&u);
	if (b->info) {
		int rc;

		sl_call_begin(&call);
		rc = b->info(b->state, &call, &bi);
		if (rc) {
			ret = sl_http_error(r, sl_http_status_of(rc), "backend info: %s",
				sl_call_message(&call, rc));
			sl_call_end(&call);
			return ret;
		}
		sl_call_end(&call);
	}
	sl_ctrtab_counts(&total, &running, &paused, &stopped);
	sl_time_format_rfc3339nano_trim(sl_time_now_ns(), now);

	o = json_object_new_object();
	add_str(o, "ID", sl_daemon.id);
	add_int(o, "Containers", total);
	add_int(o, "ContainersRunning", running);
	add_int(o, "ContainersPaused", paused);
	add_int(o, "ContainersStopped", stopped);
	add_int(o, "Images", sl_api_image_count());
	add_str(o, "Driver", bi.driver ? bi.driver : b->name);
	ds = json_object_new_array();
	{
		struct json_object *p = json_object_new_array();

		json_object_array_add(p, json_object_new_string("Backend"));
		json_object_array_add(p, json_object_new_string(b->name));
		json_object_array_add(ds, p);
	}
	for (size_t i = 0; bi.driver_status && bi.driver_status[i]; i++) {
		const char *kv = bi.driver_status[i];
		size_t kl = strcspn(kv, "=");
		struct json_object *p = json_object_new_array();

		json_object_array_add(p, json_object_new_string_len(kv, (int)kl));
		json_object_array_add(p, json_object_new_string(kv[kl] ? kv + kl + 1 : ""));
		json_object_array_add(ds, p);
	}
	json_object_object_add(o, "DriverStatus", ds);
	plugins = json_object_new_object();
	{
		const char *vol[] = {"local", NULL}, *net[] = {"bridge", "host", "none", NULL};
		const char *logd[] = {"json-file", NULL};

		json_object_object_add(plugins, "Volume", str_array(vol));
		json_object_object_add(plugins, "Network", str_array(net));
		json_object_object_add(plugins, "Authorization", NULL);
		json_object_object_add(plugins, "Log", str_array(logd));
	}
	json_object_object_add(o, "Plugins", plugins);
	add_bool(o, "MemoryLimit", 1);
	add_bool(o, "SwapLimit", 0);
	add_bool(o, "CpuCfsPeriod", 0);
	add_bool(o, "CpuCfsQuota", 0);
	add_bool(o, "CPUShares", 0);
	add_bool(o, "CPUSet", 0);
	add_bool(o, "PidsLimit", 0);
	add_bool(o, "OomKillDisable", 0);
	add_bool(o, "IPv4Forwarding", 1);
	add_bool(o, "Debug", sl_daemon.debug);
	add_int(o, "NFd", 0);
	add_int(o, "NGoroutines", 0);
	add_str(o, "SystemTime", now);
	add_str(o, "LoggingDriver", "json-file");
	add_str(o, "CgroupDriver", "none");
	add_str(o, "CgroupVersion", "2");
	add_int(o, "NEventsListener", __atomic_load_n(&n_listeners, __ATOMIC_RELAXED));
	add_str(o, "KernelVersion", bi.kernel_version ? bi.kernel_version : u.release);
	add_str(o, "OperatingSystem", bi.operating_system ? bi.operating_system :
		"Sockerless");
	add_str(o, "OSVersion", "");
	add_str(o, "OSType", bi.os_type ? bi.os_type : "linux");
	add_str(o, "Architecture", bi.architecture ? bi.architecture : machine_arch());
	add_str(o, "IndexServerAddress", "https://index.docker.io/v1/");
	reg = json_object_new_object();
	add_bool(reg, "AllowNondistributableArtifacts", 0);
	json_object_object_add(reg, "InsecureRegistryCIDRs", str_array((const char *[]){"127.0.0.0/8", NULL}));
	json_object_object_add(reg, "IndexConfigs", json_object_new_object());
	json_object_object_add(reg, "Mirrors", json_object_new_array());
	json_object_object_add(o, "RegistryConfig", reg);
	add_int(o, "NCPU", bi.ncpu > 0 ? bi.ncpu : ncpu);
	add_int(o, "MemTotal", bi.mem_total > 0 ? bi.mem_total : mem);
	add_str(o, "DockerRootDir", sl_daemon.data_root);
	add_str(o, "HttpProxy", "");
	add_str(o, "HttpsProxy", "");
	add_str(o, "NoProxy", "");
	add_str(o, "Name", sl_daemon.hostname);
	json_object_object_add(o, "Labels", json_object_new_array());
	add_bool(o, "ExperimentalBuild", 0);
	add_str(o, "ServerVersion", PACKAGE_VERSION);
	rt = json_object_new_object();
	rtn = json_object_new_object();
	add_str(rtn, "path", b->path);
	json_object_object_add(rt, "sockerless", rtn);
	json_object_object_add(o, "Runtimes", rt);
	add_str(o, "DefaultRuntime", "sockerless");
	swarm = json_object_new_object();
	add_str(swarm, "NodeID", "");
	add_str(swarm, "NodeAddr", "");
	add_str(swarm, "LocalNodeState", "inactive");
	add_bool(swarm, "ControlAvailable", 0);
	add_str(swarm, "Error", "");
	json_object_object_add(swarm, "RemoteManagers", NULL);
	json_object_object_add(o, "Swarm", swarm);
	add_bool(o, "LiveRestoreEnabled", 1);
	add_str(o, "Isolation", "");
	add_str(o, "InitBinary", "");
	json_object_object_add(o, "SecurityOptions", json_object_new_array());
	{
		/* Networks are records (core/network.h): said here, so compose
		 * projects with networks still come up. */
		struct json_object *w = json_object_new_array();
		char msg[512];

		snprintf(msg, sizeof(msg),
			"WARNING: networks are records only: the %s backend does not isolate containers by network or assign them addresses; aliases are kept but not resolved",
			sl_daemon.backend.name);
		json_object_array_add(w, json_object_new_string(msg));
		json_object_object_add(o, "Warnings", w);
	}
	ret = sl_http_json(r, 200, o);
	json_object_put(o);
	return ret;
}

/* ---- /events ---------------------------------------------------------- */

struct events_stream {
	struct sl_events_sub *sub;
	struct MHD_Connection *conn;
	char *pending;
	size_t pending_len, pending_off;
};

static ssize_t events_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct events_stream *es = cls;
	size_t n;

	(void)pos;
	while (!es->pending) {
		int rc;

		if (sl_server_closing() || sl_http_client_gone(es->conn))
			return MHD_CONTENT_READER_END_OF_STREAM;
		rc = sl_events_next(es->sub, 500, &es->pending);
		if (rc < 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (rc == 1) {
			es->pending_len = strlen(es->pending);
			es->pending_off = 0;
		}
	}
	n = es->pending_len - es->pending_off;
	if (n > max)
		n = max;
	memcpy(buf, es->pending + es->pending_off, n);
	es->pending_off += n;
	if (es->pending_off == es->pending_len) {
		free(es->pending);
		es->pending = NULL;
	}
	return (ssize_t)n;
}

static void events_free(void *cls)
{
	struct events_stream *es = cls;

	sl_events_unsubscribe(es->sub);
	__atomic_sub_fetch(&n_listeners, 1, __ATOMIC_RELAXED);
	free(es->pending);
	free(es);
}

static int parse_time_param(struct sl_req *r, const char *key, int64_t *out,
	enum MHD_Result *ret)
{
	const char *v = sl_http_query(r, key);

	*out = 0;
	if (!v || !*v)
		return 0;
	if (sl_time_parse_docker(v, sl_time_now_ns(), out) < 0) {
		*ret = sl_http_error(r, 400, "invalid value for %s: %s", key, v);
		return -1;
	}
	return 0;
}

enum MHD_Result sl_api_events(struct sl_req *r)
{
	static const char *const keys[] = {"type", "event", "container",
		"image", "label", "volume", "network", "daemon", "scope",
		"plugin", "node", "service", "secret", "config", NULL};
	struct sl_filters *f = NULL;
	struct events_stream *es;
	struct MHD_Response *resp;
	int64_t since, until;
	enum MHD_Result ret;
	const char *fs = sl_http_query(r, "filters");
	char err[256];

	if (parse_time_param(r, "since", &since, &ret) ||
	    parse_time_param(r, "until", &until, &ret))
		return ret;
	if (fs && *fs) {
		if (sl_filters_parse(fs, &f, err, sizeof(err)) < 0)
			return sl_http_error(r, 400, "%s", err);
		if (sl_filters_validate_keys(f, keys, err, sizeof(err)) < 0) {
			sl_filters_free(f);
			return sl_http_error(r, 400, "%s", err);
		}
	}
	es = calloc(1, sizeof(*es));
	if (!es) {
		sl_filters_free(f);
		return MHD_NO;
	}
	es->conn = r->conn;
	es->sub = sl_events_subscribe(sl_daemon.events, since, until, f);
	sl_filters_free(f);
	if (!es->sub) {
		free(es);
		return sl_http_error(r, 500, "cannot subscribe to events");
	}
	__atomic_add_fetch(&n_listeners, 1, __ATOMIC_RELAXED);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
		events_read, es, events_free);
	if (!resp) {
		events_free(es);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	return sl_http_queue(r, 200, resp);
}

/* How many containers (their list entries) use image id, or volume name. */
static int users_of_image(struct json_object *ctrs, const char *id)
{
	size_t n = json_object_array_length(ctrs);
	struct json_object *v;
	int count = 0;

	for (size_t i = 0; i < n; i++)
		if (json_object_object_get_ex(json_object_array_get_idx(ctrs, i), "ImageID", &v) &&
		    !strcmp(json_object_get_string(v), id))
			count++;
	return count;
}

static int users_of_volume(struct json_object *ctrs, const char *name)
{
	size_t n = json_object_array_length(ctrs);
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *mounts, *v;

		if (!json_object_object_get_ex(json_object_array_get_idx(ctrs, i), "Mounts", &mounts))
			continue;
		for (size_t j = 0; j < json_object_array_length(mounts); j++)
			if (json_object_object_get_ex(json_object_array_get_idx(mounts, j), "Name", &v) &&
			    !strcmp(json_object_get_string(v), name)) {
				count++;
				break;
			}
	}
	return count;
}

/*
 * GET /system/df: moby's types.DiskUsage.  Sizes are what Sockerless
 * knows: images from their manifests' layers (no layer is kept here, so
 * nothing is shared), containers 0 (their filesystems live in the
 * backend's cloud), volumes -1 (unknown, as dockerd says when it did not
 * measure).  No build cache.
 */
enum MHD_Result sl_api_system_df(struct sl_req *r)
{
	struct json_object *imgs = sl_api_image_summaries(r), *ctrs = sl_api_ctr_summaries();
	struct json_object *vols = sl_vol_list(NULL), *o = NULL, *v;
	enum MHD_Result ret;
	int64_t layers = 0;

	if (!imgs || !ctrs || !vols || !(o = json_object_new_object())) {
		ret = sl_http_error(r, 500, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(imgs); i++) {
		struct json_object *e = json_object_array_get_idx(imgs, i);

		if (json_object_object_get_ex(e, "Size", &v))
			layers += json_object_get_int64(v);
		json_object_object_get_ex(e, "Id", &v);
		json_object_object_add(e, "Containers",
				       json_object_new_int(users_of_image(ctrs, json_object_get_string(v))));
	}
	for (size_t i = 0; i < json_object_array_length(vols); i++) {
		struct json_object *e = json_object_array_get_idx(vols, i), *u = json_object_new_object();

		json_object_object_get_ex(e, "Name", &v);
		json_object_object_add(u, "Size", json_object_new_int(-1));
		json_object_object_add(u, "RefCount",
				       json_object_new_int(users_of_volume(ctrs, json_object_get_string(v))));
		json_object_object_add(e, "UsageData", u);
	}
	add_int(o, "LayersSize", layers);
	json_object_object_add(o, "Images", json_object_get(imgs));
	json_object_object_add(o, "Containers", json_object_get(ctrs));
	json_object_object_add(o, "Volumes", json_object_get(vols));
	json_object_object_add(o, "BuildCache", json_object_new_array());
	ret = sl_http_json(r, 200, o);
out:
	json_object_put(o);
	json_object_put(imgs);
	json_object_put(ctrs);
	json_object_put(vols);
	return ret;
}
