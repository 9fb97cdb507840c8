/* sim_stats.c - per-operation call counters. */
#include "config.h"

#include "sim_stats.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sim_util.h"

#define MAX_STATUS 8

struct op_count {
	char *op;
	unsigned long total;
	/* status 0 is a connection dropped without an answer, so a slot in
	 * use is told by its count, not by its status. */
	unsigned int status[MAX_STATUS];
	unsigned long status_n[MAX_STATUS];
	struct op_count *next;
};

struct sim_stats {
	pthread_mutex_t mu;
	struct op_count *ops;
	unsigned long total;
	struct timespec since;
};

struct sim_stats *sim_stats_new(void)
{
	struct sim_stats *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	pthread_mutex_init(&s->mu, NULL);
	s->since = sim_now();
	return s;
}

static void clear_ops(struct sim_stats *s)
{
	while (s->ops) {
		struct op_count *n = s->ops->next;
		free(s->ops->op);
		free(s->ops);
		s->ops = n;
	}
	s->total = 0;
}

void sim_stats_free(struct sim_stats *s)
{
	if (!s)
		return;
	clear_ops(s);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

void sim_stats_count(struct sim_stats *s, const char *op, unsigned int status)
{
	struct op_count *c, **tail;

	if (!s || !op)
		return;
	pthread_mutex_lock(&s->mu);
	s->total++;
	for (tail = &s->ops; (c = *tail); tail = &c->next)
		if (strcmp(c->op, op) == 0)
			break;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c || !(c->op = strdup(op))) {
			free(c);
			pthread_mutex_unlock(&s->mu);
			return;
		}
		*tail = c;
	}
	c->total++;
	for (int i = 0; i < MAX_STATUS; i++) {
		if (c->status[i] == status || c->status_n[i] == 0) {
			c->status[i] = status;
			c->status_n[i]++;
			break;
		}
	}
	pthread_mutex_unlock(&s->mu);
}

struct json_object *sim_stats_json(struct sim_stats *s)
{
	struct json_object *root = json_object_new_object();
	struct json_object *ops = json_object_new_object();
	struct json_object *st = json_object_new_object();
	char ts[48];

	pthread_mutex_lock(&s->mu);
	sim_time_z(&s->since, ts, sizeof(ts));
	json_object_object_add(root, "since", json_object_new_string(ts));
	json_object_object_add(root, "total", json_object_new_int64((int64_t)s->total));
	for (struct op_count *c = s->ops; c; c = c->next) {
		struct json_object *by = json_object_new_object();
		json_object_object_add(ops, c->op, json_object_new_int64((int64_t)c->total));
		for (int i = 0; i < MAX_STATUS && c->status_n[i]; i++) {
			char k[16];
			snprintf(k, sizeof(k), "%u", c->status[i]);
			json_object_object_add(by, k, json_object_new_int64((int64_t)c->status_n[i]));
		}
		json_object_object_add(st, c->op, by);
	}
	pthread_mutex_unlock(&s->mu);
	json_object_object_add(root, "operations", ops);
	json_object_object_add(root, "statuses", st);
	return root;
}

void sim_stats_reset(struct sim_stats *s)
{
	pthread_mutex_lock(&s->mu);
	clear_ops(s);
	s->since = sim_now();
	pthread_mutex_unlock(&s->mu);
}
