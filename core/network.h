/*
 * network.h - the core's network records (docker network ...).
 *
 * Networks are records only: Sockerless assigns no addresses and
 * isolates nothing; what a container can reach is the backend's matter
 * (GET /info says so).  A record is a JSON document shaped as dockerd's
 * `docker network inspect` entry, kept in memory and in the store under
 * kind "networks", id = the 64-hex network id.  The predefined bridge,
 * host and none are made on the first start and kept like the others, so
 * their ids are stable.
 *
 * Attachments live in the network's Containers member (with the aliases,
 * which inspect of the network does not show): set at container create
 * from NetworkMode and NetworkingConfig, changed by connect / disconnect,
 * dropped when the container is removed.  Unlike dockerd, a stopped
 * container stays attached (and listed): the records have no endpoints
 * that come and go with the process.
 *
 * Thread safety: every function may be called from any thread; one mutex
 * guards the table.
 */
#ifndef SL_NETWORK_H
#define SL_NETWORK_H

#include <stddef.h>
#include <json-c/json.h>

#include "core/container.h"

struct sl_store;
struct sl_events;
struct sl_call;
struct sl_filters;

/* Loads the records and makes the predefined ones.  0 or a negative
 * errno. */
int sl_net_init(struct sl_store *store, struct sl_events *events);
void sl_net_fini(void);

/* Whether name is bridge, host or none (dockerd's IsPredefined also
 * counts "default"). */
int sl_net_predefined(const char *name);

/*
 * Creates a network from a POST /networks/create body.  On success *id
 * (65 bytes) holds the new id.  Returns SL_OK or a status with the
 * message in call (409 for a duplicate name).
 */
int sl_net_create(struct json_object *body, struct sl_call *call, char *id);

/* The network by id, name or unique id prefix, as inspect shows it (a
 * copy owned by the caller), or NULL. */
struct json_object *sl_net_get(const char *ref);

/* Removes a network: 404, 403 (predefined), 409 (containers attached). */
int sl_net_remove(const char *ref, struct sl_call *call);

/* The networks matching f (name, id, driver, label, type, scope,
 * dangling), a new array owned by the caller.  -EINVAL with err set for
 * a bad filter value. */
int sl_net_list(const struct sl_filters *f, struct json_object **out,
	char *err, size_t errlen);

/* Removes the unused user-defined networks matching f (label, label!,
 * until); appends their names to deleted. */
int sl_net_prune(const struct sl_filters *f, struct json_object *deleted);

/* Attaches / detaches a container (the API's connect and disconnect).
 * aliases is a JSON array of strings or NULL (borrowed). */
int sl_net_connect(const char *ref, struct sl_container *c,
	struct json_object *aliases, struct sl_call *call);
int sl_net_disconnect(const char *ref, struct sl_container *c,
	struct sl_call *call);

/* ---- containers ---- */

/* Checks the networks a create body names (HostConfig.NetworkMode and
 * NetworkingConfig.EndpointsConfig): SL_ENOTFOUND "network X not found". */
int sl_net_ctr_check(struct json_object *body, struct sl_call *call);

/* Attaches a new container to the networks its create body names. */
void sl_net_ctr_attach(struct sl_container *c, struct json_object *body);

/* Drops every attachment of a removed container. */
void sl_net_ctr_removed(struct sl_container *c);

/* NetworkSettings.Networks of c from the records, owned by the caller;
 * NULL when c is attached nowhere. */
struct json_object *sl_net_ctr_networks(struct sl_container *c);

/* Appends the name s (len bytes) to the array a unless it is there:
 * DNS names and aliases list each name once. */
void sl_net_name_add(struct json_object *a, const char *s, size_t len);

#endif
