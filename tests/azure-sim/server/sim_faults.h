/* sim_faults.h - fault injection rules (429 with Retry-After, 5xx,
 * dropped connections, added latency), matched per route, by rate or by a
 * sequence. Set from the config file and at runtime via /_sim/faults.
 *
 * A rule is a JSON object:
 *   {"id": "x",                  optional; generated when absent
 *    "op": "Jobs_Get",           operation name (as in /_sim/stats), or
 *    "path": "/subscriptions/ ** /jobs/ *",  glob: '*' within a segment,
 *                                 '**' across segments; case-insensitive
 *    "method": "GET",            optional
 *    "status": 429|500|503|...,  answer with this error status
 *    "drop": true,               or close the connection without answering
 *    "latencyMs": 250,           delay before answering (alone = slow only)
 *    "retryAfter": 2,            seconds, for 429/503 (default 1)
 *    "rate": 0.5,                inject with this probability (default 1)
 *    "times": 3,                 inject at most this many times
 *    "skip": 1,                  let the first N matching calls through
 *    "sequence": [429, "ok", 500, "drop", {"status":503,"latencyMs":10}],
 *                                per matching call, in order; "ok" passes;
 *                                exhausted -> rule inactive unless
 *    "repeat": true}
 *
 * An execution rule changes what ARM reports about running executions
 * instead of answering a request:
 *   {"execution": "life-*",       glob over execution names (required)
 *    "job": "life",               optional glob over job names
 *    "executionStatus": "Degraded" | "Unknown",
 *    "rate", "times", "skip"      as above, counted per GET/list of a
 *                                 matching execution}
 * While it is active, a matching execution that has not ended reports
 * that status (GET, list, $filter); once it ends its real terminal status
 * shows again. Degraded stands for a replica crash-looping or its node
 * lost, Unknown for a status the platform stopped reporting.
 */
#ifndef SIM_FAULTS_H
#define SIM_FAULTS_H

#include <stddef.h>

struct json_object;
struct sim_faults;

/* What to do with one request. */
struct sim_fault_effect {
	int inject;            /* 0 = pass through (latency may still apply) */
	unsigned int status;   /* error status, 0 for none */
	int drop;
	long latency_ms;
	long retry_after;
	char rule_id[64];
};

struct sim_faults *sim_faults_new(void);
void sim_faults_free(struct sim_faults *f);

/* Add one rule (object) or several (array). On success returns 0 and, if
 * ids is non-NULL, a new JSON array of the ids added (caller puts). On a
 * malformed rule returns -EINVAL with a message in *err (heap, caller
 * frees) and adds nothing. */
int sim_faults_add(struct sim_faults *f, struct json_object *rules,
		   struct json_object **ids, char **err);

/* Remove one rule by id (0 or -ENOENT) or all of them. */
int sim_faults_remove(struct sim_faults *f, const char *id);
void sim_faults_clear(struct sim_faults *f);

/* The rules with their counters, as a JSON array (caller puts). */
struct json_object *sim_faults_json(struct sim_faults *f);

/* The status an active execution rule forces on execution exec of job:
 * copies it into out and returns 1 (counting the injection), or returns
 * 0. The first matching active rule wins. Thread-safe. */
int sim_faults_exec_status(struct sim_faults *f, const char *job, const char *exec,
			   char *out, size_t outsz);

/* Decide for a request; the first matching active rule wins (execution
 * rules never match a request). Thread-safe. */
void sim_faults_match(struct sim_faults *f, const char *method,
		      const char *path, const char *op,
		      struct sim_fault_effect *out);

#endif
