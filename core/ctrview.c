/*
 * ctrview.c - the parts of inspect and list that dockerd fills with
 * defaults.
 *
 * What Sockerless cannot know it leaves empty, as dockerd does for a
 * container that is not connected: no address, no endpoint, and no port
 * bound on the host.  A backend has no way yet to report a binding, so
 * every published port shows unbound (null) rather than claim one.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctrview.h"
#include "core/network.h"

enum dflt { D_NULL, D_STR, D_INT, D_BOOL, D_OBJ };

/* dockerd's HostConfig members with the zero values it shows. */
static const struct { const char *key; enum dflt type; } hc_defaults[] = {
	{"Binds", D_NULL}, {"ContainerIDFile", D_STR}, {"PortBindings", D_OBJ},
	{"VolumeDriver", D_STR}, {"VolumesFrom", D_NULL}, {"CapAdd", D_NULL},
	{"CapDrop", D_NULL}, {"CgroupnsMode", D_STR}, {"Dns", D_NULL},
	{"DnsOptions", D_NULL}, {"DnsSearch", D_NULL}, {"ExtraHosts", D_NULL},
	{"GroupAdd", D_NULL}, {"IpcMode", D_STR}, {"Cgroup", D_STR},
	{"Links", D_NULL}, {"OomScoreAdj", D_INT}, {"PidMode", D_STR},
	{"Privileged", D_BOOL}, {"PublishAllPorts", D_BOOL},
	{"ReadonlyRootfs", D_BOOL}, {"SecurityOpt", D_NULL}, {"UTSMode", D_STR},
	{"UsernsMode", D_STR}, {"ShmSize", D_INT}, {"Isolation", D_STR},
	{"CpuShares", D_INT}, {"Memory", D_INT}, {"NanoCpus", D_INT},
	{"CgroupParent", D_STR}, {"BlkioWeight", D_INT},
	{"BlkioWeightDevice", D_NULL}, {"BlkioDeviceReadBps", D_NULL},
	{"BlkioDeviceWriteBps", D_NULL}, {"BlkioDeviceReadIOps", D_NULL},
	{"BlkioDeviceWriteIOps", D_NULL}, {"CpuPeriod", D_INT}, {"CpuQuota", D_INT},
	{"CpuRealtimePeriod", D_INT}, {"CpuRealtimeRuntime", D_INT},
	{"CpusetCpus", D_STR}, {"CpusetMems", D_STR}, {"Devices", D_NULL},
	{"DeviceCgroupRules", D_NULL}, {"DeviceRequests", D_NULL},
	{"MemoryReservation", D_INT}, {"MemorySwap", D_INT},
	{"MemorySwappiness", D_NULL}, {"OomKillDisable", D_NULL},
	{"PidsLimit", D_NULL}, {"Ulimits", D_NULL}, {"CpuCount", D_INT},
	{"CpuPercent", D_INT}, {"IOMaximumIOps", D_INT},
	{"IOMaximumBandwidth", D_INT},
};

static struct json_object *dflt_value(enum dflt t)
{
	switch (t) {
	case D_STR: return json_object_new_string("");
	case D_INT: return json_object_new_int(0);
	case D_BOOL: return json_object_new_boolean(0);
	case D_OBJ: return json_object_new_object();
	default: return NULL;
	}
}

/* The member key of o when it is a non-empty string, else NULL. */
static const char *nonempty(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return *s ? s : NULL;
}

/* o[key] = {} unless it is an object already; returns it (borrowed). */
static struct json_object *object_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object))
		return v;
	v = json_object_new_object();
	json_object_object_add(o, key, v);
	return v;
}

const char *sl_ctrview_network(struct sl_container *c)
{
	const char *m = c->str[SL_CTR_NETWORK_MODE];

	if (!m || !*m || !strcmp(m, "default"))
		return "bridge";
	if (!strncmp(m, "container:", 10))
		return NULL;
	return m;
}

struct json_object *sl_ctrview_hostconfig(struct sl_container *c,
	struct json_object *raw)
{
	struct json_object *hc = NULL, *o = NULL, *lc, *rp, *cs;
	const char *net = sl_ctrview_network(c);

	/* deep_copy wants *dst NULL and leaves it so on failure. */
	if (!json_object_object_get_ex(raw, "HostConfig", &hc) ||
	    !json_object_is_type(hc, json_type_object) ||
	    json_object_deep_copy(hc, &o, NULL) < 0 || !o)
		o = json_object_new_object();
	for (size_t i = 0; i < sizeof(hc_defaults) / sizeof(hc_defaults[0]); i++)
		if (!json_object_object_get_ex(o, hc_defaults[i].key, NULL))
			json_object_object_add(o, hc_defaults[i].key,
				dflt_value(hc_defaults[i].type));
	/* dockerd turns "default" into the platform's network at create. */
	json_object_object_add(o, "NetworkMode", json_object_new_string(net ? net :
		c->str[SL_CTR_NETWORK_MODE]));
	lc = object_member(o, "LogConfig");
	if (!nonempty(lc, "Type"))
		json_object_object_add(lc, "Type", json_object_new_string("json-file"));
	object_member(lc, "Config");
	/* The policy in force: the create's, or docker update's. */
	rp = object_member(o, "RestartPolicy");
	pthread_mutex_lock(&c->lock);
	json_object_object_add(rp, "Name", json_object_new_string(c->state.restart_policy));
	json_object_object_add(rp, "MaximumRetryCount", json_object_new_int64(c->state.restart_max));
	pthread_mutex_unlock(&c->lock);
	/* The runtime /info names as the default one. */
	if (!nonempty(o, "Runtime"))
		json_object_object_add(o, "Runtime", json_object_new_string("sockerless"));
	if (!json_object_object_get_ex(o, "ConsoleSize", &cs) ||
	    !json_object_is_type(cs, json_type_array)) {
		cs = json_object_new_array();
		json_object_array_add(cs, json_object_new_int((int)c->ints[SL_CTR_CONSOLE_HEIGHT]));
		json_object_array_add(cs, json_object_new_int((int)c->ints[SL_CTR_CONSOLE_WIDTH]));
		json_object_object_add(o, "ConsoleSize", cs);
	}
	json_object_object_add(o, "AutoRemove", json_object_new_boolean(c->ints[SL_CTR_AUTO_REMOVE]));
	return o;
}

/* An endpoint as dockerd shows one it has not connected. */
static struct json_object *endpoint_json(void)
{
	static const struct { const char *key; enum dflt type; } fields[] = {
		{"IPAMConfig", D_NULL}, {"Links", D_NULL}, {"Aliases", D_NULL},
		{"MacAddress", D_STR}, {"DriverOpts", D_NULL}, {"GwPriority", D_INT},
		{"NetworkID", D_STR}, {"EndpointID", D_STR}, {"Gateway", D_STR},
		{"IPAddress", D_STR}, {"IPPrefixLen", D_INT}, {"IPv6Gateway", D_STR},
		{"GlobalIPv6Address", D_STR}, {"GlobalIPv6PrefixLen", D_INT},
		{"DNSNames", D_NULL},
	};
	struct json_object *e = json_object_new_object();

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		json_object_object_add(e, fields[i].key, dflt_value(fields[i].type));
	return e;
}

static int is_up(const struct sl_ctr_state *st)
{
	return st->status == SL_STATUS_RUNNING || st->status == SL_STATUS_PAUSED ||
		st->status == SL_STATUS_RESTARTING;
}

/* "80" -> "80/tcp", "53/udp" unchanged: the first n bytes of s. */
static void port_key(const char *s, size_t n, char *out, size_t len)
{
	snprintf(out, len, "%.*s%s", (int)n, s, memchr(s, '/', n) ? "" : "/tcp");
}

/*
 * Calls fn once per port the container exposes, as "port/proto":
 * ExposedPorts, then PortBindings keys not seen before.
 */
static void foreach_port(struct sl_container *c,
	void (*fn)(const char *port, void *arg), void *arg)
{
	char **ex = c->list[SL_CTR_EXPOSED_PORTS], **pb = c->list[SL_CTR_PORT_BINDINGS];
	char key[64], other[64];

	for (char **p = ex; p && *p; p++) {
		port_key(*p, strlen(*p), key, sizeof(key));
		fn(key, arg);
	}
	for (char **b = pb; b && *b; b++) {
		int seen = 0;

		port_key(*b, strcspn(*b, "="), key, sizeof(key));
		for (char **p = ex; p && *p && !seen; p++) {
			port_key(*p, strlen(*p), other, sizeof(other));
			seen = !strcmp(key, other);
		}
		/* A port bound to two host ports is one port. */
		for (char **q = pb; q < b && !seen; q++) {
			port_key(*q, strcspn(*q, "="), other, sizeof(other));
			seen = !strcmp(key, other);
		}
		if (!seen)
			fn(key, arg);
	}
}

static void add_unbound(const char *port, void *arg)
{
	json_object_object_add(arg, port, NULL);
}

static void add_list_port(const char *port, void *arg)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "PrivatePort", json_object_new_int(atoi(port)));
	json_object_object_add(p, "Type", json_object_new_string(strchr(port, '/') + 1));
	json_object_array_add(arg, p);
}

struct json_object *sl_ctrview_list_ports(struct sl_container *c,
	const struct sl_ctr_state *st)
{
	struct json_object *a = json_object_new_array();

	if (is_up(st))
		foreach_port(c, add_list_port, a);
	return a;
}

struct json_object *sl_ctrview_network_settings(struct sl_container *c,
	const struct sl_ctr_state *st, int for_list)
{
	static const struct { const char *key; enum dflt type; } fields[] = {
		{"Bridge", D_STR}, {"SandboxID", D_STR}, {"SandboxKey", D_STR},
		{"HairpinMode", D_BOOL}, {"LinkLocalIPv6Address", D_STR},
		{"LinkLocalIPv6PrefixLen", D_INT}, {"SecondaryIPAddresses", D_NULL},
		{"SecondaryIPv6Addresses", D_NULL}, {"EndpointID", D_STR},
		{"Gateway", D_STR}, {"GlobalIPv6Address", D_STR},
		{"GlobalIPv6PrefixLen", D_INT}, {"IPAddress", D_STR},
		{"IPPrefixLen", D_INT}, {"IPv6Gateway", D_STR}, {"MacAddress", D_STR},
	};
	struct json_object *ns = json_object_new_object(), *nets, *ports;
	const char *net = sl_ctrview_network(c);

	if (!for_list) {
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			json_object_object_add(ns, fields[i].key, dflt_value(fields[i].type));
		/* Ports exist while the container runs; none is bound. */
		ports = json_object_new_object();
		if (is_up(st))
			foreach_port(c, add_unbound, ports);
		json_object_object_add(ns, "Ports", ports);
	}
	/* Inspect shows the attachments (connect, aliases); a list entry is
	 * cached on the state (ctrcache.h), so it shows NetworkMode's. */
	nets = for_list ? NULL : sl_net_ctr_networks(c);
	if (!nets) {
		nets = json_object_new_object();
		if (net)
			json_object_object_add(nets, net, endpoint_json());
	}
	json_object_object_add(ns, "Networks", nets);
	return ns;
}

struct json_object *sl_ctrview_health(struct sl_container *c,
	const struct sl_ctr_state *st)
{
	struct json_object *h;

	if (!c->healthcheck || !st->started_ns)
		return NULL;
	/* Sockerless runs no probes: the check stays where dockerd starts it. */
	h = json_object_new_object();
	json_object_object_add(h, "Status", json_object_new_string("starting"));
	json_object_object_add(h, "FailingStreak", json_object_new_int(0));
	json_object_object_add(h, "Log", json_object_new_array());
	return h;
}

int sl_ctrview_logs_readable(struct sl_container *c)
{
	struct json_object *raw = json_tokener_parse(c->raw), *hc, *lc, *t;
	int readable = 1;

	if (json_object_object_get_ex(raw, "HostConfig", &hc) &&
	    json_object_object_get_ex(hc, "LogConfig", &lc) &&
	    json_object_object_get_ex(lc, "Type", &t) &&
	    json_object_is_type(t, json_type_string) &&
	    !strcmp(json_object_get_string(t), "none"))
		readable = 0;
	json_object_put(raw);
	return readable;
}
