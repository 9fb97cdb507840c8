/* sim_logstream.c - the ACA data plane: the replica container log stream
 * (GET .../jobs/{job}/executions/{exec}/replicas/{replica}/containers/{c}/
 * logstream) and a minimal job event stream, served chunked from the
 * in-memory output buffers (sim_logs). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "sim_authz.h"
#include "sim_ctx.h"
#include "sim_logs.h"
#include "sim_routes.h"
#include "sim_state.h"
#include "sim_util.h"

/* Azure ends a follow stream after about ten minutes, and writes a
 * heartbeat record after 60 s without output. */
#define STREAM_MAX_MS (10LL * 60 * 1000)
#define HEARTBEAT_MS (60LL * 1000)
#define POLL_MS 250

struct stream {
	struct sim_logs_reader *reader;
	struct sim_req probe;      /* only .conn, to notice a gone client */
	enum sim_logs_format fmt;
	int phase;                 /* 0, 1: synthetic records; 2: lines */
	char *container, *exec, *replica;
	int64_t started_ms, last_data_ms;
	char pending[512];         /* a formatted synthetic record */
	size_t pending_len, pending_off;
};

static void stream_free(void *cls)
{
	struct stream *s = cls;

	sim_logs_close(s->reader);
	free(s->container);
	free(s->exec);
	free(s->replica);
	free(s);
}

static void synthetic(struct stream *s, const char *text)
{
	struct timespec now = sim_now();

	s->pending_len = sim_logs_format_record(s->fmt, &now, 1, 1, 0, text, strlen(text),
						s->pending, sizeof(s->pending));
	s->pending_off = 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;

	(void)pos;
	for (;;) {
		ssize_t n;

		if (s->pending_off < s->pending_len) {
			size_t k = s->pending_len - s->pending_off;
			if (k > max)
				k = max;
			memcpy(buf, s->pending + s->pending_off, k);
			s->pending_off += k;
			return (ssize_t)k;
		}
		if (s->phase == 0) {
			char t[256];
			snprintf(t, sizeof(t), "Connecting to the container '%s'...", s->container);
			synthetic(s, t);
			s->phase = 1;
			continue;
		}
		if (s->phase == 1) {
			char t[384];
			snprintf(t, sizeof(t),
				 "Successfully Connected to container: '%s' [Execution: '%s', Replica: '%s']",
				 s->container, s->exec, s->replica);
			synthetic(s, t);
			s->phase = 2;
			continue;
		}
		if (sim_ctx()->stopping)
			return MHD_CONTENT_READER_END_OF_STREAM;
		n = sim_logs_read(s->reader, buf, max, POLL_MS);
		if (n > 0) {
			s->last_data_ms = sim_mono_ms();
			return n;
		}
		if (n < 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (sim_req_client_gone(&s->probe))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (sim_mono_ms() - s->started_ms >= STREAM_MAX_MS)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (sim_mono_ms() - s->last_data_ms >= HEARTBEAT_MS) {
			s->last_data_ms = sim_mono_ms();
			synthetic(s, "No logs since last 60 seconds");
		}
	}
}

static void bad_request(struct sim_resp *resp, const char *msg)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "{\"error\":{\"code\":\"BadRequest\",\"message\":\"%s\"}}", msg);

	sim_resp_bytes(resp, 400, "application/json; charset=utf-8", buf, (size_t)n);
}

void sim_h_logstream(struct sim_req *req, struct sim_resp *resp)
{
	struct sim_ctx *ctx = sim_ctx();
	const char *sub = req->params[0], *rg = req->params[1], *job = req->params[2];
	const char *exec = req->params[3], *replica = req->params[4], *ctr = req->params[5];
	const char *follow = sim_req_query(req, "follow");
	const char *output = sim_req_query(req, "output");
	const char *tail = sim_req_query(req, "tailLines");
	char *job_id = NULL, *end = NULL;
	long tail_n = 20;
	struct stream *s;
	struct sim_job *j;
	int exists;

	job_id = sim_strdupf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.App/jobs/%s",
			     sub, rg, job);
	if (!job_id) {
		sim_resp_empty(resp, 500);
		return;
	}
	if (sim_authz_dataplane(req, resp, job_id))
		goto out;
	if (tail) {
		tail_n = strtol(tail, &end, 10);
		if (!*tail || *end || tail_n < 0 || tail_n > 300) {
			bad_request(resp, "tailLines must be between 0 and 300.");
			goto out;
		}
	}
	if (output && strcasecmp(output, "json") != 0 && strcasecmp(output, "text") != 0) {
		bad_request(resp, "output must be 'json' or 'text'.");
		goto out;
	}
	if (follow && strcasecmp(follow, "true") != 0 && strcasecmp(follow, "false") != 0) {
		bad_request(resp, "follow must be 'true' or 'false'.");
		goto out;
	}
	sim_state_lock();
	j = sim_state_job(ctx->state, sub, rg, job);
	exists = j != NULL;
	if (j) {
		free(job_id);
		job_id = strdup(j->id);
	}
	sim_state_unlock();
	s = calloc(1, sizeof(*s));
	if (!s || !job_id) {
		free(s);
		sim_resp_empty(resp, 500);
		goto out;
	}
	s->fmt = output && strcasecmp(output, "text") == 0 ? SIM_LOGS_TEXT : SIM_LOGS_JSON;
	s->reader = exists ? sim_logs_open(ctx->logs, job_id, exec, replica, ctr, (int)tail_n,
					   follow && strcasecmp(follow, "true") == 0, s->fmt)
			   : NULL;
	if (!s->reader) {
		char buf[768];
		int n = snprintf(buf, sizeof(buf),
				 "{\"error\":{\"code\":\"NotFound\",\"message\":\"Container '%s' of "
				 "replica '%s' was not found. The replica may have been cleaned "
				 "up.\"}}", ctr, replica);
		free(s);
		sim_resp_bytes(resp, 404, "application/json; charset=utf-8", buf, (size_t)n);
		goto out;
	}
	s->probe.conn = req->conn;
	s->container = strdup(ctr);
	s->exec = strdup(exec);
	s->replica = strdup(replica);
	s->started_ms = s->last_data_ms = sim_mono_ms();
	if (!s->container || !s->exec || !s->replica) {
		stream_free(s);
		sim_resp_empty(resp, 500);
		goto out;
	}
	resp->status = 200;
	resp->stream = stream_read;
	resp->stream_cls = s;
	resp->stream_free = stream_free;
	/* As the live service: no Content-Type, IIS headers. */
	resp->content_type = NULL;
	sim_resp_header(resp, "Server", "Microsoft-IIS/10.0");
	sim_resp_header(resp, "X-Powered-By", "ASP.NET");
out:
	free(job_id);
}

/* Job event stream: the documented synthetic opening records, then the
 * stream ends (Azure's job event stream content is not documented). */
void sim_h_eventstream(struct sim_req *req, struct sim_resp *resp)
{
	const char *sub = req->params[0], *rg = req->params[1], *job = req->params[2];
	char *job_id = sim_strdupf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.App/jobs/%s",
				   sub, rg, job);
	struct sim_buf b = { 0 };
	char ts[48];
	struct timespec now = sim_now();

	if (!job_id) {
		sim_resp_empty(resp, 500);
		return;
	}
	if (sim_authz_dataplane(req, resp, job_id)) {
		free(job_id);
		return;
	}
	free(job_id);
	sim_time_z(&now, ts, sizeof(ts));
	sim_buf_addf(&b, "{\"TimeStamp\":\"%s\",\"Type\":\"Normal\",\"ContainerAppName\":null,"
			 "\"RevisionName\":null,\"ReplicaName\":null,\"Msg\":\"Connecting to the events "
			 "collector...\",\"Reason\":\"StartingGettingEvents\",\"EventSource\":"
			 "\"ContainerAppController\",\"Count\":1}\n", ts);
	sim_buf_addf(&b, "{\"TimeStamp\":\"%s\",\"Type\":\"Normal\",\"ContainerAppName\":null,"
			 "\"RevisionName\":null,\"ReplicaName\":null,\"Msg\":\"Successfully connected "
			 "to events server\",\"Reason\":\"ConnectedToEventsServer\",\"EventSource\":"
			 "\"ContainerAppController\",\"Count\":1}\n", ts);
	sim_resp_take(resp, 200, NULL, b.data, b.len);
}
