/*
 * api_exec.c - docker exec: create, start (hijacked or detached), resize,
 * inspect.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/api.h"
#include "core/api_ctr.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/exec.h"
#include "core/worker.h"

enum MHD_Result sl_api_exec_create(struct sl_req *r)
{
	struct json_object *body, *resp, *keys;
	struct sl_detach dk;
	struct sl_container *c;
	enum MHD_Result ret;
	char id[65], err[512];
	struct sl_call call;
	sl_exec *e;
	int rc, status;

	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	if (!sl_agent_hooks(c)->exec.start) {
		sl_ctr_unref(c);
		return sl_api_no_hook(r, "exec");
	}
	status = sl_api_ctr_status(c);
	if (status != SL_STATUS_RUNNING) {
		ret = sl_http_error(r, 409, status == SL_STATUS_PAUSED ?
			"Container %s is paused, unpause the container before exec" :
			status == SL_STATUS_RESTARTING ?
			"Container %s is restarting, wait until the container is running" :
			"container %s is not running", c->str[SL_CTR_ID]);
		sl_ctr_unref(c);
		return ret;
	}
	body = sl_http_body_json(r);
	if (!body) {
		sl_ctr_unref(c);
		return MHD_YES;
	}
	if (json_object_object_get_ex(body, "DetachKeys", &keys) &&
	    json_object_is_type(keys, json_type_string) &&
	    sl_detach_parse(&dk, json_object_get_string(keys)) < 0) {
		ret = sl_http_error(r, 400, "Invalid escape keys (%s) provided",
			json_object_get_string(keys));
		json_object_put(body);
		sl_ctr_unref(c);
		return ret;
	}
	sl_random_hex(id, 32);
	e = sl_exec_new(c, id, body, err, sizeof(err));
	json_object_put(body);
	if (!e) {
		sl_ctr_unref(c);
		return sl_http_error(r, 400, "%s", err);
	}
	if (sl_daemon.backend.exec.create) {
		sl_call_begin(&call);
		rc = sl_daemon.backend.exec.create(sl_daemon.backend.state, &call, c, e);
		if (rc) {
			ret = sl_api_hook_error(r, &call, rc, NULL);
			sl_call_end(&call);
			sl_exec_unref(e);
			sl_ctr_unref(c);
			return ret;
		}
		sl_call_end(&call);
	}
	sl_exec_table_add(e);
	{
		const char *extra[] = {"execID", id, NULL};

		sl_ctrtab_event(c, "exec_create", extra);
	}
	resp = json_object_new_object();
	json_object_object_add(resp, "Id", json_object_new_string(id));
	ret = sl_http_json(r, 201, resp);
	json_object_put(resp);
	sl_exec_unref(e);
	sl_ctr_unref(c);
	return ret;
}

static sl_exec *exec_get(struct sl_req *r, enum MHD_Result *ret)
{
	sl_exec *e = sl_exec_table_find(r->params[0]);

	if (!e)
		*ret = sl_http_error(r, 404, "No such exec instance: %s", r->params[0]);
	return e;
}

/* msg: the hook's error message when rc is not SL_OK. */
static void exec_finished(sl_exec *e, int rc, int code, const char *msg)
{
	pthread_mutex_lock(&e->lock);
	e->running = 0;
	if (rc == SL_OK) {
		e->exit_code = code;
		e->has_exit = 1;
	} else if (!e->has_exit) {
		/* The backend's code when it knows one; else dockerd's for a
		 * command that could not run (126, 127 when not found). */
		e->exit_code = code ? code : sl_api_run_error_code(msg, 126);
		e->has_exit = 1;
	}
	pthread_mutex_unlock(&e->lock);
}

static int exec_work(struct sl_stream *s, struct sl_call *call, void *arg)
{
	sl_exec *e = arg;
	int code = 0, rc;

	rc = sl_daemon.backend.exec.start(sl_daemon.backend.state, call,
		e->ctr, e, s, &code);
	/* Record the exit code before the stream closes: the CLI asks for it
	 * as soon as it sees EOF. */
	exec_finished(e, rc, code, rc ? sl_call_message(call, rc) : NULL);
	if (rc && rc != SL_ECANCELED) {
		char msg[600];
		int n = snprintf(msg, sizeof(msg), "%s\r\n", sl_call_message(call, rc));

		/* An error after the upgrade can only go in-band.  dockerd puts
		 * it on stdout: the CLI prints it and exits with the exec's code
		 * (127, 126); on stream 3 the CLI would fail with 1 instead. */
		sl_stream_write(s, 1, msg, (size_t)n);
	}
	return rc;
}

static void exec_free(void *arg)
{
	sl_exec_unref(arg);
}

enum MHD_Result sl_api_exec_start(struct sl_req *r)
{
	struct json_object *body, *v;
	struct sl_work w = {0};
	enum MHD_Result ret;
	int detach = 0, tty;
	sl_exec *e;

	body = sl_http_body_json(r);
	if (!body)
		return MHD_YES;
	if (json_object_object_get_ex(body, "Detach", &v) && v)
		detach = json_object_get_boolean(v);
	json_object_put(body);
	e = exec_get(r, &ret);
	if (!e)
		return ret;
	pthread_mutex_lock(&e->lock);
	if (e->started) {
		pthread_mutex_unlock(&e->lock);
		sl_exec_unref(e);
		return sl_http_error(r, 409, "Exec %s has already run", r->params[0]);
	}
	e->started = e->running = 1;
	pthread_mutex_unlock(&e->lock);
	if (sl_api_ctr_status(e->ctr) != SL_STATUS_RUNNING) {
		exec_finished(e, SL_ECONFLICT, 0, NULL);
		ret = sl_http_error(r, 409, "container %s is not running",
			e->ctr->str[SL_CTR_ID]);
		sl_exec_unref(e);
		return ret;
	}
	if (detach) {
		struct sl_call call;
		int code = 0, rc;

		sl_call_begin(&call);
		rc = sl_daemon.backend.exec.start(sl_daemon.backend.state, &call,
			e->ctr, e, NULL, &code);
		if (rc) {
			exec_finished(e, rc, code, sl_call_message(&call, rc));
			ret = sl_api_hook_error(r, &call, rc, NULL);
		} else {
			ret = sl_http_empty(r, 200);
		}
		sl_call_end(&call);
		sl_exec_unref(e);
		return ret;
	}
	tty = (int)e->ints[SL_EXEC_TTY];
	w.fn = exec_work;
	w.arg = e;
	w.arg_free = exec_free;
	w.multiplexed = !tty;
	w.want_stdout = w.want_stderr = 1;
	w.content_type = sl_work_content_type(r, tty);
	if (!sl_http_header(r, "Upgrade"))
		return sl_work_respond_chunked(r, &w);
	/* Checked at create.  As dockerd (and attach), the sequence applies
	 * to a TTY only: without one, stdin is data that may hold it. */
	if (tty)
		(void)sl_detach_parse(&w.detach, e->str[SL_EXEC_DETACH_KEYS]);
	return sl_work_respond_upgrade(r, &w);
}

enum MHD_Result sl_api_exec_resize(struct sl_req *r)
{
	const char *hs = sl_http_query(r, "h"), *ws = sl_http_query(r, "w");
	enum MHD_Result ret;
	struct sl_call call;
	sl_exec *e;
	int rc;

	if (!hs || !ws)
		return sl_http_error(r, 400, "resize needs h and w");
	e = exec_get(r, &ret);
	if (!e)
		return ret;
	if (!sl_daemon.backend.exec.resize) {
		sl_exec_unref(e);
		return sl_api_no_hook(r, "exec resize");
	}
	sl_call_begin(&call);
	rc = sl_daemon.backend.exec.resize(sl_daemon.backend.state, &call, e->ctr,
		e, atoi(hs), atoi(ws));
	ret = rc ? sl_api_hook_error(r, &call, rc, NULL) : sl_http_empty(r, 200);
	sl_call_end(&call);
	sl_exec_unref(e);
	return ret;
}

static struct json_object *strv_array(char **v, int from)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; v && v[i]; i++)
		if (i >= from)
			json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

enum MHD_Result sl_api_exec_inspect(struct sl_req *r)
{
	struct json_object *o, *pc;
	enum MHD_Result ret;
	int running, code, has_exit;
	sl_exec *e;

	e = exec_get(r, &ret);
	if (!e)
		return ret;
	if (sl_daemon.backend.exec.inspect) {
		struct sl_call call;
		int rr = 0, rcode = 0;

		pthread_mutex_lock(&e->lock);
		running = e->running;
		pthread_mutex_unlock(&e->lock);
		sl_call_begin(&call);
		if (running && sl_daemon.backend.exec.inspect(sl_daemon.backend.state,
				&call, e->ctr, e, &rr, &rcode) == SL_OK && !rr)
			exec_finished(e, SL_OK, rcode, NULL);
		sl_call_end(&call);
	}
	pthread_mutex_lock(&e->lock);
	running = e->running;
	code = e->exit_code;
	has_exit = e->has_exit;
	pthread_mutex_unlock(&e->lock);
	o = json_object_new_object();
	json_object_object_add(o, "ID", json_object_new_string(e->str[SL_EXEC_ID]));
	json_object_object_add(o, "Running", json_object_new_boolean(running));
	json_object_object_add(o, "ExitCode", has_exit ? json_object_new_int(code) : NULL);
	pc = json_object_new_object();
	json_object_object_add(pc, "tty", json_object_new_boolean(e->ints[SL_EXEC_TTY]));
	json_object_object_add(pc, "entrypoint", json_object_new_string(e->list[SL_EXEC_CMD][0]));
	json_object_object_add(pc, "arguments", strv_array(e->list[SL_EXEC_CMD], 1));
	json_object_object_add(pc, "privileged", json_object_new_boolean(e->ints[SL_EXEC_PRIVILEGED]));
	json_object_object_add(pc, "user", json_object_new_string(e->str[SL_EXEC_USER] ? e->str[SL_EXEC_USER] : ""));
	json_object_object_add(o, "ProcessConfig", pc);
	json_object_object_add(o, "OpenStdin", json_object_new_boolean(e->ints[SL_EXEC_ATTACH_STDIN]));
	json_object_object_add(o, "OpenStderr", json_object_new_boolean(e->ints[SL_EXEC_ATTACH_STDERR]));
	json_object_object_add(o, "OpenStdout", json_object_new_boolean(e->ints[SL_EXEC_ATTACH_STDOUT]));
	json_object_object_add(o, "CanRemove", json_object_new_boolean(0));
	json_object_object_add(o, "ContainerID", json_object_new_string(e->ctr->str[SL_CTR_ID]));
	json_object_object_add(o, "DetachKeys", json_object_new_string(e->str[SL_EXEC_DETACH_KEYS] ? e->str[SL_EXEC_DETACH_KEYS] : ""));
	json_object_object_add(o, "Pid", json_object_new_int(0));
	ret = sl_http_json(r, 200, o);
	json_object_put(o);
	sl_exec_unref(e);
	return ret;
}
