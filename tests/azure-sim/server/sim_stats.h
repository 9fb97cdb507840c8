/* sim_stats.h - calls per operation since start (or the last reset), for
 * call-budget tests and benchmarks; served at /_sim/stats. */
#ifndef SIM_STATS_H
#define SIM_STATS_H

struct json_object;
struct sim_stats;

/* New, empty counters; NULL on ENOMEM. Free with sim_stats_free. */
struct sim_stats *sim_stats_new(void);
void sim_stats_free(struct sim_stats *s);

/* Count one call of op that was answered with status (thread-safe). */
void sim_stats_count(struct sim_stats *s, const char *op, unsigned int status);

/* Snapshot as {"since":..., "total":N, "operations":{op:N,...},
 * "statuses":{op:{"200":N,...}}}; the caller puts the object. */
struct json_object *sim_stats_json(struct sim_stats *s);

/* Zero every counter. */
void sim_stats_reset(struct sim_stats *s);

#endif
