/*
 * containers.c - the lifecycle hooks: a Docker container is a Container
 * Apps job (created at start, so a restart is clean) and each start is one
 * execution of it.
 */
#define _GNU_SOURCE 1
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aca.h"

/* How long stop waits beyond the container's own timeout: Azure's
 * termination grace, the poll that sees the end, a slow ARM. */
#define STOP_MARGIN_S 90

static int create_hook(void *state, sl_call *call, sl_container *c)
{
	struct aca_backend *b = state;
	struct aca_err err = {0};

	if (aca_jobspec_validate(b->host, &b->cfg, c, &err) ||
	    aca_agent_expect(b->host, &b->cfg, c, &err))
		return aca_err_report(b->host, call, &err);
	return SL_OK;
}

/* The job's name: chosen at the first start and kept, so a renamed
 * container keeps its job. */
static int job_name(struct aca_backend *b, sl_container *c, char *job, size_t len)
{
	const struct sl_host_v1 *h = b->host;
	char *kept = h->ctr_data_get(c, ACA_DATA_JOB);

	if (kept) {
		snprintf(job, len, "%s", kept);
		h->free(kept);
		return SL_OK;
	}
	aca_jobspec_job_name(h->ctr_str(c, SL_CTR_NAME), h->ctr_str(c, SL_CTR_ID), job);
	return h->ctr_data_set(c, ACA_DATA_JOB, job);
}

/*
 * PUT the job and wait until it is provisioned, or DELETE it: one
 * already gone is fine, and the deletion finishes in Azure's own time
 * (nothing waits for it; the job's name is never reused).
 */
static int job_write(struct aca_backend *b, const struct aca_cancel *cx,
	const char *method, const char *job, const char *body, struct aca_err *err)
{
	int put = strcmp(method, "PUT") == 0;
	struct aca_resp r = {0};
	char url[640], what[96];
	int rc;

	rc = aca_job_url(b, job, "", ACA_API_JOBS, url, sizeof(url), err);
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "%s job %s", put ? "create" : "delete", job);
	rc = aca_arm(b->az, cx, method, url, body, ACA_ARM_WAIT_CONFLICT, &r, err);
	if (rc)
		return rc;
	if (put && (r.status == 200 || r.status == 201 || r.status == 202))
		rc = aca_arm_lro_wait(b->az, cx, &r, 600, what, err);
	else if (!put && (r.status == 200 || r.status == 202 || r.status == 204 ||
			  r.status == 404))
		rc = SL_OK;
	else
		rc = aca_err_from_resp(err, &r, what);
	aca_resp_free(&r);
	return rc;
}

/*
 * Waits while the execution is Processing (a replica being scheduled, its
 * image pulled).  An image Azure cannot pull is reported at once rather
 * than after replicaTimeout.  *v gets the last view.
 */
static int wait_running(struct aca_backend *b, const struct aca_cancel *cx,
	sl_container *c, const char *job, const char *exec,
	struct aca_exec_view *v, struct aca_err *err)
{
	const struct sl_host_v1 *h = b->host;
	long interval = b->cfg.poll_ms;
	char said[48] = "";
	int rc;

	for (;;) {
		rc = aca_exec_get(b, cx, job, exec, v, err);
		if (rc)
			return rc;
		if (strcmp(v->status, "Processing") != 0)
			return SL_OK;
		if (strcmp(v->waiting, "ImagePullBackOff") == 0 ||
		    strcmp(v->waiting, "ErrImagePull") == 0)
			return aca_err_set(err, SL_EINTERNAL,
				"Azure cannot pull the image %s for execution %s (%s)",
				h->ctr_str(c, SL_CTR_IMAGE_REF), exec, v->waiting);
		if (v->waiting[0] && strcmp(said, v->waiting) != 0) {
			char msg[160];

			snprintf(said, sizeof(said), "%s", v->waiting);
			snprintf(msg, sizeof(msg), "execution %s: %s", exec, v->waiting);
			h->start_progress(c, msg);
		}
		if (aca_sleep_ms(cx, interval))
			return aca_err_set(err, SL_ECANCELED, "start of %s cancelled", exec);
		if (interval < 2000)
			interval = interval * 3 / 2;
	}
}

static int start_hook(void *state, sl_call *call, sl_container *c)
{
	struct aca_backend *b = state;
	const struct sl_host_v1 *h = b->host;
	struct aca_cancel cx = { h, call, &b->stopping };
	struct sl_state_v1 st = { SL_HEADER(struct sl_state_v1) };
	struct aca_exec_view v;
	struct aca_err err = {0};
	struct aca_agent_plan agent;
	char job[40], exec[80] = "", msg[160];
	char *body = NULL, *prev = NULL;
	int rc;

	rc = job_name(b, c, job, sizeof(job));
	if (rc)
		return h->set_error(call, rc, "cannot record the job name");
	h->ctr_data_set(c, ACA_DATA_SIGNAL, NULL);
	if (aca_agent_plan(h, &b->cfg, c, &agent, &err))
		goto fail;
	body = aca_jobspec_build_agent(h, &b->cfg, c, job, &agent, &err);
	if (!body)
		goto fail;
	snprintf(msg, sizeof(msg), "creating Container Apps job %s", job);
	h->start_progress(c, msg);
	rc = job_write(b, &cx, "PUT", job, body, &err);
	if (rc)
		goto fail;
	h->start_progress(c, "starting an execution");
	prev = h->ctr_data_get(c, ACA_DATA_EXECUTION);
	rc = aca_exec_start(b, &cx, job, prev, exec, sizeof(exec), &err);
	if (rc == SL_ECANCELED || rc == SL_EUNAVAIL) {
		/* The start may have happened after all: stop what Docker
		 * will not know about. */
		struct aca_cancel bg = { h, NULL, &b->stopping };
		struct aca_err ignored = {0};

		if (aca_exec_start_lost(b, &bg, job, prev, exec, sizeof(exec), &ignored) == SL_OK)
			aca_exec_stop(b, &bg, job, exec, &ignored);
	}
	h->free(prev);
	if (rc)
		goto fail;
	h->ctr_data_set(c, ACA_DATA_EXECUTION, exec);
	/* Capture from the start, so docker run's attach misses nothing. */
	aca_logs_capture_start(b->logs, c, job, exec);
	snprintf(msg, sizeof(msg), "execution %s: waiting for a replica", exec);
	h->start_progress(c, msg);
	rc = wait_running(b, &cx, c, job, exec, &v, &err);
	if (rc) {
		struct aca_cancel bg = { h, NULL, &b->stopping };
		struct aca_err ignored = {0};

		/* Leave nothing running that Docker thinks never started. */
		aca_exec_stop(b, &bg, job, exec, &ignored);
		aca_logs_capture_ended(b->logs, h->ctr_str(c, SL_CTR_ID));
		goto fail;
	}
	aca_logs_capture_running(b->logs, h->ctr_str(c, SL_CTR_ID));
	st.status = SL_STATUS_RUNNING;
	st.started_ns = v.start_ns;
	h->state_changed(c, &st);
	aca_poller_watch(b->poller, c, job, exec);
	/* After the state says running, so the agent's exit code (which
	 * may come at once) is not overwritten by it. */
	aca_agent_connect(b, call, c);
	rc = SL_OK;
	goto out;
fail:
	rc = aca_err_report(h, call, &err);
out:
	aca_agent_plan_free(h, &agent);
	if (body) {
		/* It holds the secret env values and registry passwords. */
		aca_config_wipe(body);
		free(body);
	}
	return rc;
}

/* Signals Azure can deliver: its stop is SIGTERM, then SIGKILL after the
 * termination grace. */
static int deliverable(int signo)
{
	return signo == 0 || signo == SIGTERM || signo == SIGKILL;
}

static int not_deliverable(const struct sl_host_v1 *h, sl_call *call, int signo)
{
	return h->set_error(call, SL_ENOTSUP,
		"Azure Container Apps can only stop an execution (SIGTERM, then SIGKILL "
		"after the termination grace); signal %d needs the sockerless agent in the "
		"container", signo);
}

/*
 * Asks Azure to stop c's execution and makes sure the poller watches it
 * (after a recovery that could not list the jobs, it may not).  The
 * signal is recorded first, so the poller that sees the end knows a stop
 * was asked (SIGKILL: Docker's 137); a refused stop forgets it again.
 * SL_ECONFLICT when nothing runs.
 */
static int stop_execution(struct aca_backend *b, const struct aca_cancel *cx,
	sl_container *c, int signo, struct aca_err *err)
{
	const struct sl_host_v1 *h = b->host;
	const char *id = h->ctr_str(c, SL_CTR_ID);
	char *job = h->ctr_data_get(c, ACA_DATA_JOB);
	char *exec = h->ctr_data_get(c, ACA_DATA_EXECUTION);
	char status[24];
	long age;
	int rc;

	if (!job || !exec) {
		rc = aca_err_set(err, SL_ECONFLICT, "the container has no execution in Azure");
		goto out;
	}
	h->ctr_data_set(c, ACA_DATA_SIGNAL, signo == SIGKILL ? "9" : "15");
	rc = aca_exec_stop(b, cx, job, exec, err);
	if (rc == SL_ENOTFOUND)
		rc = SL_OK;  /* gone: the poller reports it */
	if (rc) {
		h->ctr_data_set(c, ACA_DATA_SIGNAL, NULL);
		goto out;
	}
	if (aca_poller_last(b->poller, id, status, sizeof(status), &age) == SL_ENOTFOUND)
		aca_poller_watch(b->poller, c, job, exec);
	else
		aca_poller_kick(b->poller, id);
out:
	h->free(job);
	h->free(exec);
	return rc;
}

static int stop_hook(void *state, sl_call *call, sl_container *c, int signo,
	int timeout_s)
{
	struct aca_backend *b = state;
	const struct sl_host_v1 *h = b->host;
	struct aca_cancel cx = { h, call, &b->stopping };
	struct aca_err err = {0};
	int rc;

	if (!deliverable(signo))
		return not_deliverable(h, call, signo);
	rc = stop_execution(b, &cx, c, signo, &err);
	if (rc)
		return aca_err_report(h, call, &err);
	if (timeout_s < 0)
		timeout_s = 10;
	rc = aca_poller_wait_exit(b->poller, &cx, h->ctr_str(c, SL_CTR_ID),
		(long)(timeout_s + STOP_MARGIN_S) * 1000);
	if (rc == SL_ETIMEDOUT)
		return h->set_error(call, rc, "Azure did not end the execution within %d s",
			timeout_s + STOP_MARGIN_S);
	if (rc)
		return h->set_error(call, rc, "stop cancelled");
	return SL_OK;
}

static int kill_hook(void *state, sl_call *call, sl_container *c, int signo)
{
	struct aca_backend *b = state;
	struct aca_cancel cx = { b->host, call, &b->stopping };
	struct aca_err err = {0};

	if (signo == 0)
		signo = SIGKILL;
	if (!deliverable(signo))
		return not_deliverable(b->host, call, signo);
	if (stop_execution(b, &cx, c, signo, &err))
		return aca_err_report(b->host, call, &err);
	return SL_OK;
}

static int remove_hook(void *state, sl_call *call, sl_container *c, int force)
{
	struct aca_backend *b = state;
	const struct sl_host_v1 *h = b->host;
	struct aca_cancel cx = { h, call, &b->stopping };
	struct aca_err err = {0};
	const char *id = h->ctr_str(c, SL_CTR_ID);
	char *job = h->ctr_data_get(c, ACA_DATA_JOB);
	int rc = SL_OK;

	if (!job)
		return SL_OK;  /* never started: nothing in Azure */
	if (force && h->ctr_int(c, SL_CTR_STATUS) == SL_STATUS_RUNNING) {
		rc = stop_execution(b, &cx, c, SIGKILL, &err);
		if (rc && rc != SL_ECONFLICT)
			goto out;
	}
	/* docker run --rm removes the container as soon as it exited: let
	 * the capture drain the stream first, since deleting the job ends
	 * it (and with it the output docker run's attach still waits for). */
	if (!force)
		aca_logs_capture_drain(b->logs, id, 15000);
	/* Deleting the job stops a running execution too. */
	rc = job_write(b, &cx, "DELETE", job, NULL, &err);
	if (rc)
		goto out;
	aca_poller_forget(b->poller, id);
	aca_logs_capture_forget(b->logs, id);
out:
	h->free(job);
	return rc ? aca_err_report(h, call, &err) : SL_OK;
}

const struct sl_container_ops_v1 aca_container_ops = {
	SL_HEADER(struct sl_container_ops_v1),
	.create = create_hook,
	.start = start_hook,
	.stop = stop_hook,
	.kill = kill_hook,
	.remove = remove_hook,
	.restart = NULL,   /* the host stops, then starts a new execution */
	.pause = aca_ext_pause,
	.unpause = aca_ext_unpause,
	.refresh = NULL,   /* the poller reports every change itself */
};
