/*
 * api_monitor.c - docker top and docker stats.
 *
 * top turns the backend's tab-separated table into Docker's
 * {"Titles": [...], "Processes": [[...]]}.  stats asks the backend for
 * cumulative samples and renders Docker's Linux stats document, with the
 * previous sample as precpu_stats so the CLI can compute CPU %: a one-shot
 * answer (stream=false) takes two samples a second apart, as dockerd does,
 * unless one-shot=true asks for one.
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/agent.h"
#include "core/api_ctr.h"
#include "core/api_monitor.h"
#include "core/daemon.h"
#include "core/log.h"
#include "core/timeparse.h"
#include "core/worker.h"

/* Splits one line on tabs into a JSON array of strings. */
static struct json_object *split_row(const char *line, size_t len)
{
	struct json_object *a = json_object_new_array();
	const char *end = line + len;

	while (a) {
		const char *tab = memchr(line, '\t', (size_t)(end - line));
		const char *stop = tab ? tab : end;

		json_object_array_add(a, json_object_new_string_len(line,
			(int)(stop - line)));
		if (!tab)
			break;
		line = tab + 1;
	}
	return a;
}

/* Docker's top document from the backend's table; NULL when it is empty. */
static struct json_object *top_json(const char *table)
{
	struct json_object *o = json_object_new_object();
	struct json_object *procs = json_object_new_array();
	const char *p = table;
	int first = 1;

	if (!o || !procs) {
		json_object_put(o);
		json_object_put(procs);
		return NULL;
	}
	while (*p) {
		size_t len = strcspn(p, "\n");

		if (len) {
			struct json_object *row = split_row(p, len);

			if (first)
				json_object_object_add(o, "Titles", row);
			else
				json_object_array_add(procs, row);
			first = 0;
		}
		p += len + (p[len] == '\n');
	}
	if (first) {
		json_object_put(o);
		json_object_put(procs);
		return NULL;
	}
	json_object_object_add(o, "Processes", procs);
	return o;
}

enum MHD_Result sl_api_ctr_top(struct sl_req *r)
{
	const char *ps_args = sl_http_query(r, "ps_args");
	struct json_object *doc = NULL;
	struct sl_container *c;
	enum MHD_Result ret;
	struct sl_call call;
	char *table = NULL;
	int rc;

	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	if (!sl_agent_hooks(c)->monitor.top) {
		sl_ctr_unref(c);
		return sl_api_no_hook(r, "container top");
	}
	if (sl_api_ctr_status(c) != SL_STATUS_RUNNING &&
	    sl_api_ctr_status(c) != SL_STATUS_PAUSED) {
		ret = sl_http_error(r, 409, "Container %s is not running",
			c->str[SL_CTR_ID]);
		sl_ctr_unref(c);
		return ret;
	}
	sl_call_begin(&call);
	rc = sl_daemon.backend.monitor.top(sl_daemon.backend.state, &call, c,
		ps_args, &table);
	if (rc) {
		ret = sl_api_hook_error(r, &call, rc, NULL);
		goto out;
	}
	doc = table ? top_json(table) : NULL;
	if (!doc) {
		ret = sl_http_error(r, 500, "backend %s answered top without a title line",
			sl_daemon.backend.name);
		goto out;
	}
	ret = sl_http_json(r, 200, doc);
out:
	json_object_put(doc);
	sl_daemon.host->free(table);
	sl_call_end(&call);
	sl_ctr_unref(c);
	return ret;
}

/* ---- stats ---- */

struct stats_job {
	struct sl_container *c;
	int stream, one_shot;
};

static void stats_job_free(void *arg)
{
	struct stats_job *j = arg;

	sl_ctr_unref(j->c);
	free(j);
}

/* One sample; zeros for a container that does not run (as dockerd). */
static int sample(struct sl_call *call, struct sl_container *c,
	struct sl_stats_v1 *s)
{
	int rc = SL_OK, st = sl_api_ctr_status(c);

	*s = (struct sl_stats_v1){SL_HEADER(struct sl_stats_v1)};
	if (st == SL_STATUS_RUNNING || st == SL_STATUS_PAUSED)
		rc = sl_daemon.backend.monitor.stats(sl_daemon.backend.state, call,
			c, s);
	if (!s->read_ns)
		s->read_ns = sl_time_now_ns();
	if (!s->online_cpus)
		s->online_cpus = 1;
	/* A cloud rarely knows the machine's CPU time: the wall clock times
	 * the CPUs the container may use gives the CLI the same ratio. */
	if (!s->cpu_system_ns)
		s->cpu_system_ns = (uint64_t)s->read_ns * s->online_cpus;
	if (!s->mem_limit && c->ints[SL_CTR_MEMORY] > 0)
		s->mem_limit = (uint64_t)c->ints[SL_CTR_MEMORY];
	return rc;
}

#define U64(v) json_object_new_int64((int64_t)(v))

static struct json_object *cpu_json(const struct sl_stats_v1 *s)
{
	struct json_object *cpu = json_object_new_object();
	struct json_object *use = json_object_new_object();
	struct json_object *thr = json_object_new_object();

	json_object_object_add(use, "total_usage", U64(s ? s->cpu_total_ns : 0));
	json_object_object_add(use, "usage_in_kernelmode", U64(0));
	json_object_object_add(use, "usage_in_usermode", U64(0));
	json_object_object_add(cpu, "cpu_usage", use);
	if (s) {
		json_object_object_add(cpu, "system_cpu_usage", U64(s->cpu_system_ns));
		json_object_object_add(cpu, "online_cpus", U64(s->online_cpus));
	}
	json_object_object_add(thr, "periods", U64(0));
	json_object_object_add(thr, "throttled_periods", U64(0));
	json_object_object_add(thr, "throttled_time", U64(0));
	json_object_object_add(cpu, "throttling_data", thr);
	return cpu;
}

static struct json_object *blkio_entry(const char *op, uint64_t v)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "major", U64(0));
	json_object_object_add(e, "minor", U64(0));
	json_object_object_add(e, "op", json_object_new_string(op));
	json_object_object_add(e, "value", U64(v));
	return e;
}

/* Docker's stats document (types.StatsJSON, Linux). */
static struct json_object *stats_json(struct sl_container *c,
	const struct sl_stats_v1 *cur, const struct sl_stats_v1 *pre)
{
	struct json_object *o = json_object_new_object();
	struct json_object *pids = json_object_new_object();
	struct json_object *blk = json_object_new_object();
	struct json_object *bytes = json_object_new_array();
	struct json_object *mem = json_object_new_object();
	struct json_object *nets = json_object_new_object();
	struct json_object *eth = json_object_new_object();
	char t[SL_TIME_BUFLEN], name[300];

	sl_time_format_rfc3339nano(cur->read_ns, t);
	json_object_object_add(o, "read", json_object_new_string(t));
	/* Go's zero time when there is no previous sample, as dockerd. */
	if (pre)
		sl_time_format_rfc3339nano(pre->read_ns, t);
	json_object_object_add(o, "preread",
		json_object_new_string(pre ? t : "0001-01-01T00:00:00Z"));
	json_object_object_add(pids, "current", U64(cur->pids));
	json_object_object_add(o, "pids_stats", pids);
	json_object_array_add(bytes, blkio_entry("read", cur->blk_read_bytes));
	json_object_array_add(bytes, blkio_entry("write", cur->blk_write_bytes));
	json_object_object_add(blk, "io_service_bytes_recursive", bytes);
	json_object_object_add(o, "blkio_stats", blk);
	json_object_object_add(o, "num_procs", U64(0));
	json_object_object_add(o, "storage_stats", json_object_new_object());
	json_object_object_add(o, "cpu_stats", cpu_json(cur));
	json_object_object_add(o, "precpu_stats", cpu_json(pre));
	json_object_object_add(mem, "usage", U64(cur->mem_usage));
	json_object_object_add(mem, "limit", U64(cur->mem_limit));
	json_object_object_add(mem, "stats", json_object_new_object());
	json_object_object_add(o, "memory_stats", mem);
	snprintf(name, sizeof(name), "/%s", c->str[SL_CTR_NAME]);
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "id", json_object_new_string(c->str[SL_CTR_ID]));
	json_object_object_add(eth, "rx_bytes", U64(cur->net_rx_bytes));
	json_object_object_add(eth, "tx_bytes", U64(cur->net_tx_bytes));
	json_object_object_add(eth, "rx_packets", U64(0));
	json_object_object_add(eth, "tx_packets", U64(0));
	json_object_object_add(eth, "rx_errors", U64(0));
	json_object_object_add(eth, "tx_errors", U64(0));
	json_object_object_add(eth, "rx_dropped", U64(0));
	json_object_object_add(eth, "tx_dropped", U64(0));
	json_object_object_add(nets, "eth0", eth);
	json_object_object_add(o, "networks", nets);
	return o;
}

static int send_doc(struct sl_stream *s, struct json_object *o)
{
	size_t len;
	const char *txt = json_object_to_json_string_length(o,
		JSON_C_TO_STRING_PLAIN, &len);
	int rc = 0;

	if (sl_stream_write(s, 1, txt, len) < 0 || sl_stream_write(s, 1, "\n", 1) < 0)
		rc = SL_ECANCELED;
	json_object_put(o);
	return rc;
}

/* Sleeps about a second, or less when the call is cancelled. */
static void tick(struct sl_call *call)
{
	struct pollfd pf = {.fd = sl_call_get_cancel_fd(call), .events = POLLIN};

	(void)poll(&pf, pf.fd >= 0 ? 1 : 0, 1000);
}

static int stats_work(struct sl_stream *s, struct sl_call *call, void *arg)
{
	struct stats_job *j = arg;
	struct sl_stats_v1 pre, cur;
	int have_pre = 0, rc;

	if ((rc = sample(call, j->c, &cur)))
		return rc;
	if (!j->stream && j->one_shot)
		return send_doc(s, stats_json(j->c, &cur, NULL));
	for (;;) {
		pre = cur;
		have_pre = 1;
		tick(call);
		if (sl_call_is_cancelled(call))
			return SL_ECANCELED;
		if ((rc = sample(call, j->c, &cur)))
			return rc;
		if ((rc = send_doc(s, stats_json(j->c, &cur, have_pre ? &pre : NULL))))
			return rc;
		if (!j->stream)
			return SL_OK;
	}
}

enum MHD_Result sl_api_ctr_stats(struct sl_req *r)
{
	struct sl_work w = {0};
	struct stats_job *j;
	struct sl_container *c;
	enum MHD_Result ret;
	struct sl_call call;
	struct sl_stats_v1 probe;
	int rc;

	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	if (!sl_agent_hooks(c)->monitor.stats) {
		sl_ctr_unref(c);
		return sl_api_no_hook(r, "container stats");
	}
	/* A first sample before the 200, so a backend's refusal is a real
	 * HTTP error and not a stream that ends at once. */
	sl_call_begin(&call);
	rc = sample(&call, c, &probe);
	if (rc) {
		ret = sl_api_hook_error(r, &call, rc, NULL);
		sl_call_end(&call);
		sl_ctr_unref(c);
		return ret;
	}
	sl_call_end(&call);
	j = calloc(1, sizeof(*j));
	if (!j) {
		sl_ctr_unref(c);
		return MHD_NO;
	}
	j->c = c;
	j->stream = sl_http_query_bool(r, "stream", 1);
	j->one_shot = sl_http_query_bool(r, "one-shot", 0);
	w.fn = stats_work;
	w.arg = j;
	w.arg_free = stats_job_free;
	w.content_type = "application/json";
	w.want_stdout = 1;
	return sl_work_respond_chunked(r, &w);
}
