/*
 * network_ctr.c - containers on networks: the attachments made at create,
 * connect and disconnect, and what container inspect shows of them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api_ctr.h"
#include "core/call.h"
#include "core/log.h"
#include "core/network.h"
#include "core/network_int.h"

/* With net_lock held: adds c to doc with aliases; persists.  Returns
 * SL_OK or SL_EPERM when it is attached already. */
int sl_net_attach_locked(struct json_object *doc, struct sl_container *c,
	struct json_object *aliases, struct sl_call *call)
{
	struct json_object *ctrs = json_object_object_get(doc, "Containers"), *ep, *al;
	char epid[65];

	if (json_object_object_get_ex(ctrs, c->str[SL_CTR_ID], NULL))
		return call ? sl_call_set_error(call, SL_EPERM,
			"endpoint with name %s already exists in network %s",
			c->str[SL_CTR_NAME], sl_net_str(doc, "Name")) : SL_EPERM;
	sl_random_hex(epid, 32);
	ep = json_object_new_object();
	json_object_object_add(ep, "Name", json_object_new_string(c->str[SL_CTR_NAME]));
	json_object_object_add(ep, "EndpointID", json_object_new_string(epid));
	json_object_object_add(ep, "MacAddress", json_object_new_string(""));
	json_object_object_add(ep, "IPv4Address", json_object_new_string(""));
	json_object_object_add(ep, "IPv6Address", json_object_new_string(""));
	al = json_object_new_array();
	for (size_t i = 0; aliases && json_object_is_type(aliases, json_type_array) &&
	     i < json_object_array_length(aliases); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(aliases, i));

		if (a && *a)
			json_object_array_add(al, json_object_new_string(a));
	}
	json_object_object_add(ep, "Aliases", al);
	json_object_object_add(ctrs, c->str[SL_CTR_ID], ep);
	if (sl_net_persist(sl_net_str(doc, "Id"), doc) < 0) {
		json_object_object_del(ctrs, c->str[SL_CTR_ID]);
		return call ? sl_call_set_error(call, SL_EINTERNAL,
			"cannot write the network record") : SL_EINTERNAL;
	}
	sl_net_publish("connect", doc, c->str[SL_CTR_ID]);
	return SL_OK;
}

/* With net_lock held: removes c from doc; whether it was there. */
int sl_net_detach_locked(struct json_object *doc, const char *ctr_id)
{
	struct json_object *ctrs = json_object_object_get(doc, "Containers");

	if (!json_object_object_get_ex(ctrs, ctr_id, NULL))
		return 0;
	json_object_object_del(ctrs, ctr_id);
	if (sl_net_persist(sl_net_str(doc, "Id"), doc) < 0)
		sl_warn("network %s: cannot write the record", sl_net_str(doc, "Name"));
	sl_net_publish("disconnect", doc, ctr_id);
	return 1;
}

#define ERR_ALIAS "network-scoped alias is supported only for containers in user defined networks"

static int has_aliases(struct json_object *aliases)
{
	return aliases && json_object_is_type(aliases, json_type_array) &&
		json_object_array_length(aliases) > 0;
}

int sl_net_connect(const char *ref, struct sl_container *c,
	struct json_object *aliases, struct sl_call *call)
{
	struct json_object *doc;
	int rc;

	sl_net_lock();
	doc = sl_net_find_locked(ref);
	if (!doc)
		rc = sl_call_set_error(call, SL_ENOTFOUND, "network %s not found", ref);
	else if (!strcmp(sl_net_str(doc, "Driver"), "host") || !strcmp(sl_net_str(doc, "Driver"), "null"))
		rc = sl_call_set_error(call, SL_EPERM,
			"container cannot be disconnected from host network or connected to host network");
	else if (sl_net_predefined(sl_net_str(doc, "Name")) && has_aliases(aliases))
		rc = sl_call_set_error(call, SL_EINVAL, "%s", ERR_ALIAS);
	else
		rc = sl_net_attach_locked(doc, c, aliases, call);
	sl_net_unlock();
	return rc;
}

int sl_net_disconnect(const char *ref, struct sl_container *c, struct sl_call *call)
{
	struct json_object *doc;
	int rc = SL_OK;

	sl_net_lock();
	doc = sl_net_find_locked(ref);
	if (!doc)
		rc = sl_call_set_error(call, SL_ENOTFOUND, "network %s not found", ref);
	else if (!sl_net_detach_locked(doc, c->str[SL_CTR_ID]))
		rc = sl_call_set_error(call, SL_EPERM,
			"container %s is not connected to network %s", c->str[SL_CTR_ID],
			sl_net_str(doc, "Name"));
	sl_net_unlock();
	return rc;
}

/* ---- containers ---- */

/* The network HostConfig.NetworkMode names, NULL for container:<id>. */
static const char *mode_network(struct json_object *body)
{
	const char *m = sl_net_str(json_object_object_get(body, "HostConfig"), "NetworkMode");

	if (!m || !*m || !strcmp(m, "default"))
		return "bridge";
	if (!strncmp(m, "container:", 10))
		return NULL;
	return m;
}

static struct json_object *endpoints_config(struct json_object *body)
{
	struct json_object *nc, *ec;

	if (json_object_object_get_ex(body, "NetworkingConfig", &nc) &&
	    json_object_object_get_ex(nc, "EndpointsConfig", &ec) &&
	    json_object_is_type(ec, json_type_object))
		return ec;
	return NULL;
}

int sl_net_ctr_check(struct json_object *body, struct sl_call *call)
{
	const char *m = mode_network(body);
	struct json_object *ec = endpoints_config(body);
	int rc = SL_OK;

	sl_net_lock();
	if (m && !sl_net_find_locked(m))
		rc = sl_call_set_error(call, SL_ENOTFOUND, "network %s not found", m);
	if (!rc && ec) {
		json_object_object_foreach(ec, name, cfg) {
			struct json_object *doc = sl_net_find_locked(name);

			if (!doc) {
				rc = sl_call_set_error(call, SL_ENOTFOUND, "network %s not found", name);
				break;
			}
			if (sl_net_predefined(sl_net_str(doc, "Name")) &&
			    has_aliases(json_object_object_get(cfg, "Aliases"))) {
				rc = sl_call_set_error(call, SL_EINVAL, "%s", ERR_ALIAS);
				break;
			}
		}
	}
	sl_net_unlock();
	return rc;
}

void sl_net_ctr_attach(struct sl_container *c, struct json_object *body)
{
	const char *m = mode_network(body);
	struct json_object *ec = endpoints_config(body), *cfg, *doc;

	sl_net_lock();
	if (m && (doc = sl_net_find_locked(m))) {
		cfg = NULL;
		if (ec) {
			/* Aliases under the name, or "default" for the bridge. */
			json_object_object_foreach(ec, name, e) {
				if (sl_net_find_locked(name) == doc)
					cfg = e;
			}
		}
		sl_net_attach_locked(doc, c, json_object_object_get(cfg, "Aliases"), NULL);
	}
	if (ec) {
		json_object_object_foreach(ec, name, cfg2) {
			doc = sl_net_find_locked(name);
			/* The NetworkMode one is attached already (with its aliases). */
			if (doc && (!m || doc != sl_net_find_locked(m)))
				sl_net_attach_locked(doc, c, json_object_object_get(cfg2, "Aliases"), NULL);
		}
	}
	sl_net_unlock();
}

void sl_net_ctr_removed(struct sl_container *c)
{
	sl_net_lock();
	json_object_object_foreach(sl_net_table_locked(), id, doc) {
		(void)id;
		sl_net_detach_locked(doc, c->str[SL_CTR_ID]);
	}
	sl_net_unlock();
}

void sl_net_name_add(struct json_object *a, const char *s, size_t len)
{
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		if ((size_t)json_object_get_string_len(v) == len &&
		    !memcmp(json_object_get_string(v), s, len))
			return;
	}
	json_object_array_add(a, json_object_new_string_len(s, (int)len));
}

/* dockerd's order: the name, the aliases, the short ID, the hostname,
 * each once (compose passes the short ID as an alias too). */
static struct json_object *dns_names(struct sl_container *c, struct json_object *aliases)
{
	struct json_object *dns = json_object_new_array();
	const char *h = c->str[SL_CTR_HOSTNAME];

	sl_net_name_add(dns, c->str[SL_CTR_NAME], strlen(c->str[SL_CTR_NAME]));
	for (size_t i = 0; aliases && i < json_object_array_length(aliases); i++) {
		struct json_object *v = json_object_array_get_idx(aliases, i);

		sl_net_name_add(dns, json_object_get_string(v), (size_t)json_object_get_string_len(v));
	}
	sl_net_name_add(dns, c->str[SL_CTR_ID], 12);
	if (h && *h)
		sl_net_name_add(dns, h, strlen(h));
	return dns;
}

struct json_object *sl_net_ctr_networks(struct sl_container *c)
{
	static const char *const empty_str[] = {"MacAddress", "Gateway", "IPAddress",
		"IPv6Gateway", "GlobalIPv6Address", NULL};
	struct json_object *out = NULL;

	sl_net_lock();
	json_object_object_foreach(sl_net_table_locked(), id, doc) {
		struct json_object *ep, *e, *al, *dns;

		if (!json_object_object_get_ex(json_object_object_get(doc, "Containers"),
					       c->str[SL_CTR_ID], &ep))
			continue;
		if (!out)
			out = json_object_new_object();
		e = json_object_new_object();
		json_object_object_add(e, "IPAMConfig", NULL);
		json_object_object_add(e, "Links", NULL);
		al = json_object_object_get(ep, "Aliases");
		json_object_object_add(e, "Aliases", al && json_object_array_length(al) ?
			json_object_get(al) : NULL);
		json_object_object_add(e, "DriverOpts", NULL);
		json_object_object_add(e, "GwPriority", json_object_new_int(0));
		json_object_object_add(e, "NetworkID", json_object_new_string(id));
		json_object_object_add(e, "EndpointID",
			json_object_new_string(sl_net_str(ep, "EndpointID")));
		for (size_t i = 0; empty_str[i]; i++)
			json_object_object_add(e, empty_str[i], json_object_new_string(""));
		json_object_object_add(e, "IPPrefixLen", json_object_new_int(0));
		json_object_object_add(e, "GlobalIPv6PrefixLen", json_object_new_int(0));
		/* dockerd: the names the container answers to on user networks. */
		dns = NULL;
		if (!sl_net_predefined(sl_net_str(doc, "Name")))
			dns = dns_names(c, al);
		json_object_object_add(e, "DNSNames", dns);
		json_object_object_add(out, sl_net_str(doc, "Name"), e);
	}
	sl_net_unlock();
	return out;
}
