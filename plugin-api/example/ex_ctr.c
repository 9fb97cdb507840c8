/*
 * ex_ctr.c - the backend's own records of containers, keyed by id.
 *
 * A record exists from the first hook that needs it (create, attach before
 * start, start) until remove().  Hooks hold a reference while they use it,
 * so remove() on one thread never frees a record that a logs() follower
 * on another thread still reads.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ex.h"

static struct ex_ctr *ctr_new(struct ex_backend *be, const char *id)
{
	struct ex_ctr *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->be = be;
	snprintf(x->id, sizeof(x->id), "%s", id);
	pthread_mutex_init(&x->report_lock, NULL);
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->cond, NULL);
	pthread_cond_init(&x->room, NULL);
	ex_logbuf_init(&x->log, be->log_limit);
	x->in_fd = -1;
	x->pty_fd = -1;
	return x;
}

static void ctr_free(struct ex_ctr *x)
{
	struct ex_exec *e, *next;

	ex_ctr_join(x);
	if (x->in_fd >= 0 && x->in_fd != x->pty_fd)
		close(x->in_fd);
	if (x->pty_fd >= 0)
		close(x->pty_fd);
	for (e = x->execs; e; e = next) {
		next = e->next;
		free(e);
	}
	ex_logbuf_fini(&x->log);
	pthread_cond_destroy(&x->cond);
	pthread_cond_destroy(&x->room);
	pthread_mutex_destroy(&x->lock);
	pthread_mutex_destroy(&x->report_lock);
	free(x);
}

struct ex_ctr *ex_ctr_get(struct ex_backend *be, const sl_container *c,
	int create)
{
	const char *id = be->host->ctr_str(c, SL_CTR_ID);
	struct ex_ctr *x;

	if (!id)
		return NULL;
	pthread_mutex_lock(&be->lock);
	for (x = be->ctrs; x; x = x->next)
		if (strcmp(x->id, id) == 0)
			break;
	if (x) {
		x->refs++;
	} else if (create && (x = ctr_new(be, id))) {
		x->refs = 2;  /* the list's and the caller's */
		x->listed = 1;
		x->next = be->ctrs;
		be->ctrs = x;
	}
	pthread_mutex_unlock(&be->lock);
	return x;
}

void ex_ctr_put(struct ex_ctr *x)
{
	struct ex_backend *be;
	int last;

	if (!x)
		return;
	be = x->be;
	pthread_mutex_lock(&be->lock);
	last = --x->refs == 0;
	pthread_mutex_unlock(&be->lock);
	if (last)
		ctr_free(x);
}

void ex_ctr_unlist(struct ex_ctr *x)
{
	struct ex_backend *be = x->be;
	struct ex_ctr **pp;
	int last = 0;

	pthread_mutex_lock(&be->lock);
	if (x->listed) {
		for (pp = &be->ctrs; *pp; pp = &(*pp)->next) {
			if (*pp == x) {
				*pp = x->next;
				break;
			}
		}
		x->listed = 0;
		last = --x->refs == 0;
	}
	pthread_mutex_unlock(&be->lock);
	if (last)
		ctr_free(x);
}

void ex_ctr_join(struct ex_ctr *x)
{
	struct ex_exec *e;
	pthread_t th;
	int join;

	pthread_mutex_lock(&x->lock);
	join = x->sup_joinable;
	th = x->sup;
	x->sup_joinable = 0;
	pthread_mutex_unlock(&x->lock);
	if (join)
		pthread_join(th, NULL);

	for (;;) {
		pthread_mutex_lock(&x->lock);
		for (e = x->execs; e; e = e->next)
			if (e->reaper)
				break;
		if (e) {
			e->reaper = 0;
			th = e->thread;
		}
		pthread_mutex_unlock(&x->lock);
		if (!e)
			break;
		pthread_join(th, NULL);
	}
}

void ex_ctr_signal(struct ex_ctr *x, int signo, int execs)
{
	if (x->pid > 0)
		(void)kill(-x->pid, signo);
	if (!execs)
		return;
	for (struct ex_exec *e = x->execs; e; e = e->next)
		if (e->pid > 0)
			(void)kill(-e->pid, signo);
}
