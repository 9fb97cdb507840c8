/* sim_lro.h - ARM long-running operations: the Azure-AsyncOperation status
 * resource and the Location result resource, both served by the
 * simulator itself. */
#ifndef SIM_LRO_H
#define SIM_LRO_H

#include "sim_http.h"
#include "sim_state.h"

/* Create an operation (state lock held) of subscription sub that
 * completes after the configured LRO delay (or delay_ms when >= 0). The
 * state owns it. NULL on ENOMEM. location is kept for future use (the
 * URLs are built by sim_lro_headers). */
struct sim_op *sim_lro_new(struct sim_state *st, enum sim_op_kind kind,
			   const char *resource_id, const char *sub,
			   const char *location, long delay_ms);

/* Add Azure-AsyncOperation (when async) and/or Location (when loc) headers
 * pointing at op, plus Retry-After. api is echoed into the URLs. */
void sim_lro_headers(struct sim_resp *resp, const struct sim_op *op,
		     const char *sub, const char *location, const char *api,
		     int async, int loc);

/* True when op has completed. */
int sim_lro_done(const struct sim_op *op);

/* Complete due operations (job deletions) and forget old ones; state lock
 * held. Called by handlers and by the janitor. */
void sim_lro_tick(struct sim_state *st);

/* "East US" -> "eastus" into out. */
void sim_lro_norm_location(const char *loc, char *out, size_t outsz);

#endif
