/*
 * ctrview.h - the parts of inspect and list that dockerd fills with
 * defaults: clients index into them without checking (docker-py reads
 * HostConfig.LogConfig.Type after every run).
 */
#ifndef SL_CTRVIEW_H
#define SL_CTRVIEW_H

#include <json-c/json.h>

#include "core/container.h"

/*
 * Inspect's HostConfig: the create body's (raw is the parsed body,
 * borrowed, or NULL) with dockerd's defaults for what it lacks and the
 * restart policy in force (docker update's).  Takes c->lock.  The caller
 * owns the result.
 */
struct json_object *sl_ctrview_hostconfig(struct sl_container *c,
	struct json_object *raw);

/*
 * NetworkSettings: for inspect the whole object, for a list entry
 * (for_list) only Networks.  The caller owns the result.
 */
struct json_object *sl_ctrview_network_settings(struct sl_container *c,
	const struct sl_ctr_state *st, int for_list);

/* A list entry's Ports.  The caller owns the result. */
struct json_object *sl_ctrview_list_ports(struct sl_container *c,
	const struct sl_ctr_state *st);

/* The network HostConfig.NetworkMode puts the container on: "bridge"
 * for "default" and unset, NULL for "container:<id>" (none of its own). */
const char *sl_ctrview_network(struct sl_container *c);

/* State.Health, or NULL when the container has no healthcheck or never
 * started (as dockerd, which creates it at the first start). */
struct json_object *sl_ctrview_health(struct sl_container *c,
	const struct sl_ctr_state *st);

/* Whether the container's log driver keeps what `docker logs` reads:
 * dockerd's "none" keeps nothing and refuses to read. */
int sl_ctrview_logs_readable(struct sl_container *c);

#endif
