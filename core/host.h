/*
 * host.h - the host services table handed to the backend (struct
 * sl_host_v1), backed by the core's logger, container table and streams.
 */
#ifndef SL_HOST_H
#define SL_HOST_H

#include "sockerless/plugin.h"

/*
 * Builds the table.  `backend_name` selects SOCKERLESS_<NAME>_* variables;
 * `opts` are the --backend-opt KEY=VALUE strings (borrowed, must outlive
 * the host); `state_dir` is the backend's private directory.
 */
const struct sl_host_v1 *sl_host_get(const char *backend_name,
	const char *const *opts, const char *state_dir);

struct sl_logstore_batch;

/* Appends a batch of log records to the container's local copy, as
 * host->log_append_ex does one line (the core's agent client stores the
 * agent's output so); empties the batch.  Returns an SL_* status. */
int sl_host_log_append_batch(sl_container *c, struct sl_logstore_batch *b);

/* Frees the configuration strings cached by config_get. */
void sl_host_release(void);

#endif
