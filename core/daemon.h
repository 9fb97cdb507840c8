/*
 * daemon.h - the daemon-wide objects the API handlers share.  Set up once
 * in main() before the first request and torn down after the last.
 */
#ifndef SL_DAEMON_H
#define SL_DAEMON_H

#include <stdint.h>

#include "core/loader.h"

struct sl_store;
struct sl_events;

struct sl_daemon {
	struct sl_backend backend;
	const struct sl_host_v1 *host;
	struct sl_store *store;
	struct sl_events *events;
	char data_root[1024];
	char hostname[256];
	char id[65];            /* stable daemon id, kept in the data root */
	int64_t start_ns;
	int debug;
};

extern struct sl_daemon sl_daemon;

#endif
