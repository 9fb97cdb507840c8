/*
 * agent_resume.c - what a restarted daemon needs to find a running
 * container's agent again: the resume record
 * <data_root>/ctrfiles/<id>/agent-resume.
 *
 * The record names the agent (forward: where it listens; reverse: that it
 * calls back), the agent's own start time (so a replay offset is never
 * applied to another agent), and how much of the main output is already
 * in the local log copy.  Replaying from that offset after a restart is
 * what keeps `docker logs` free of gaps and duplicates.
 *
 * The offset is saved only where no partial line is held in memory (the
 * local copy stores whole lines), so everything before it is in the copy
 * and nothing after it is.  It is rewritten in place (one pwrite of a
 * record whose length never changes): it survives a killed daemon, which
 * is the case it exists for, without an fsync per frame.  A daemon killed
 * between storing a frame's lines and saving the offset repeats those
 * lines after its restart; a host crash may lose the last offsets (the
 * copy is not fsync'd either).
 *
 * Once the agent's exit code has arrived it is kept in the record as well:
 * a daemon restarted between that and the backend's report of the end
 * still has the exact code.
 *
 * Format (one line): "SLAR1 <agent started ns> <offset> <gap 0|1> <exit
 * code, 999 = none> <addr>", the numbers zero-padded, addr "-" for a
 * reverse agent.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/agent_int.h"
#include "core/ctrfiles.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/log.h"

#define RESUME_FILE "agent-resume"

static int record_path(const char *id, char *buf, size_t len)
{
	return sl_ctrfiles_path(sl_daemon.data_root, id, RESUME_FILE, buf, len);
}

void sl_agent_resume_open(struct sl_agent *a)
{
	char p[4096];

	if (record_path(a->id, p, sizeof(p)) ||
	    sl_ctrfiles_mkdir(sl_daemon.data_root, a->id, NULL))
		return;
	a->resume_fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (a->resume_fd < 0)
		sl_debug("agent %.12s: no resume record: %s", a->id,
			strerror(errno));
	sl_agent_resume_save(a);
}

void sl_agent_resume_save(struct sl_agent *a)
{
	char rec[400];
	int n;

	if (a->resume_fd < 0)
		return;
	n = snprintf(rec, sizeof(rec), "SLAR1 %020" PRId64 " %020" PRIu64
		" %d %03d %s\n", a->agent_started, a->store_off,
		a->log_failed ? 1 : 0, a->rec_exit >= 0 ? a->rec_exit & 255 : 999,
		a->reverse ? "-" : a->addr);
	if (n < 0 || (size_t)n >= sizeof(rec) ||
	    pwrite(a->resume_fd, rec, (size_t)n, 0) != n) {
		/* Without a record a restart replays from 0 or not at all:
		 * say so once and stop trying. */
		sl_warn("agent %.12s: cannot write the resume record; a daemon "
			"restart will not find this agent", a->id);
		close(a->resume_fd);
		a->resume_fd = -1;
	}
}

void sl_agent_resume_drop(struct sl_agent *a)
{
	char p[4096];

	if (a->resume_fd >= 0)
		close(a->resume_fd);
	a->resume_fd = -1;
	if (!record_path(a->id, p, sizeof(p)))
		(void)unlink(p);
}

/* Reads c's record into r; 0, or -1 when there is none (or it is not
 * one this version wrote). */
static int resume_load(struct sl_container *c, struct sl_agent_resume *r)
{
	char p[4096], buf[400];
	long long started;
	unsigned long long off;
	int fd, gap, code, n;
	ssize_t got;

	if (record_path(c->str[SL_CTR_ID], p, sizeof(p)))
		return -1;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = 0;
	n = 0;
	if (sscanf(buf, "SLAR1 %lld %llu %d %d %255s%n", &started, &off, &gap,
		    &code, r->addr, &n) != 5 || !n || started < 0 || code < 0 ||
	    (code > 255 && code != 999))
		return -1;
	r->exit = code == 999 ? -1 : code;
	r->started = (int64_t)started;
	r->off = (uint64_t)off;
	r->gap = gap != 0;
	r->reverse = !strcmp(r->addr, "-");
	return 0;
}

static int recover_one(struct sl_container *c, void *arg)
{
	struct sl_agent_resume r;
	int status;

	(void)arg;
	pthread_mutex_lock(&c->lock);
	status = c->state.status;
	pthread_mutex_unlock(&c->lock);
	/* A stopped container's agent has exited (or will without us). */
	if (status != SL_STATUS_RUNNING && status != SL_STATUS_PAUSED)
		return 0;
	if (resume_load(c, &r))
		return 0;
	if (r.reverse && !sl_agent_has_callback())
		sl_warn("agent %.12s: the container's agent calls back, but "
			"this daemon has no --agent-listen: it stays "
			"unreachable", c->str[SL_CTR_ID]);
	else
		sl_agent_resume_start(c, &r);
	return 0;
}

void sl_agent_recover(void)
{
	sl_ctrtab_foreach(recover_one, NULL);
}
