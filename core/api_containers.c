/*
 * api_containers.c - create, list, inspect, remove and prune.
 */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/api.h"
#include "core/api_ctr.h"
#include "core/ctrcache.h"
#include "core/ctrcheck.h"
#include "core/ctrtab.h"
#include "core/ctrview.h"
#include "core/daemon.h"
#include "core/exec.h"
#include "core/filters.h"
#include "core/image.h"
#include "core/imageref.h"
#include "core/log.h"
#include "core/restart.h"
#include "core/names.h"
#include "core/network.h"
#include "core/volume.h"
#include "core/volspec.h"
#include "core/timeparse.h"

#define JSON_STR(s) json_object_new_string((s) ? (s) : "")

void sl_random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	if (fd < 0 || read(fd, raw, nbytes) != (ssize_t)nbytes) {
		/* Should not happen; still give distinct ids. */
		for (size_t i = 0; i < nbytes; i++)
			raw[i] = (unsigned char)(rand() ^ (int)time(NULL) ^ (int)i);
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

enum MHD_Result sl_api_ctr_create(struct sl_req *r)
{
	const char *qname = sl_http_query(r, "name");
	struct json_object *body, *img, *resp, *irec = NULL;
	struct json_object *vols_made = NULL;
	struct sl_container *c = NULL;
	char id[65], name[SL_CTR_NAME_MAX + 1], err[1024];
	char *ref = NULL;
	enum MHD_Result ret;
	int rc;

	if (qname && *qname) {
		const char *n = qname[0] == '/' ? qname + 1 : qname;

		/* dockerd has no limit; ours keeps names whole, never cut. */
		if (strlen(n) > SL_CTR_NAME_MAX)
			return sl_http_error(r, 400,
				"Invalid container name (%s), at most %d characters are allowed",
				qname, SL_CTR_NAME_MAX);
		if (!sl_names_valid(qname))
			return sl_http_error(r, 400,
				"Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
				qname);
		snprintf(name, sizeof(name), "%s", n);
	} else {
		sl_names_random(name, sizeof(name), 0);
	}
	body = sl_http_body_json(r);
	if (!body)
		return MHD_YES;
	if (!json_object_object_get_ex(body, "Image", &img) ||
	    !json_object_is_type(img, json_type_string) ||
	    !*json_object_get_string(img)) {
		json_object_put(body);
		return sl_http_error(r, 400, "Config.Image is required: no image specified");
	}
	if (sl_ctrcheck_hostconfig(body, err, sizeof(err)) < 0) {
		json_object_put(body);
		return sl_http_error(r, 400, "%s", err);
	}
	rc = sl_imageref_parse(json_object_get_string(img), &ref, err, sizeof(err));
	/* A pulled image lends its ID and config (core/image.h). */
	irec = rc >= 0 ? sl_image_find(json_object_get_string(img)) : NULL;
	if (irec && rc == SL_IMAGEREF_ID)
		rc = SL_IMAGEREF_NAME; /* the ID names a known image */
	if (rc != SL_IMAGEREF_NAME) {
		/* An ID names a pulled image; this one is not. */
		ret = rc == SL_IMAGEREF_ID ?
			sl_http_error(r, 404, "No such image: %s", json_object_get_string(img)) :
			sl_http_error(r, 400, "%s", err);
		json_object_put(body);
		free(ref);
		return ret;
	}
	if (!irec) {
		/* dockerd's ErrImageDoesNotExist: the familiar form with its
		 * tag ("No such image: busybox:latest"); the CLI pulls on
		 * this 404 and retries the create. */
		char *fam = sl_image_familiar(ref);

		ret = sl_http_error(r, 404, "No such image: %s", fam ? fam : ref);
		free(fam);
		json_object_put(body);
		free(ref);
		return ret;
	}
	/* Networks must exist; volumes are made when missing (dockerd).
	 * The body then carries the volume mounts (volume_ctr.c). */
	{
		struct json_object *iid = NULL, *icfg = NULL;
		struct sl_call call;
		const char *txt;
		size_t txt_len;

		/* The image's ports and volumes join the body's before the
		 * volumes are made (dockerd merges them at create). */
		json_object_object_get_ex(irec, "Config", &icfg);
		if (sl_image_merge_create(body, icfg)) {
			ret = sl_http_error(r, 500, "out of memory");
			goto refused;
		}
		sl_call_begin(&call);
		rc = sl_net_ctr_check(body, &call);
		if (!rc)
			rc = sl_vol_ctr_prepare(body, &call, &vols_made);
		if (rc) {
			ret = sl_api_hook_error(r, &call, rc, NULL);
			sl_call_end(&call);
			goto refused;
		}
		sl_call_end(&call);
		txt = json_object_to_json_string_length(body, JSON_C_TO_STRING_PLAIN, &txt_len);
		sl_random_hex(id, 32);
		/* The image lends its ID and config (core/image.h). */
		json_object_object_get_ex(irec, "Id", &iid);
		c = sl_ctr_from_create(id, name, txt, txt_len, ref,
			iid ? json_object_get_string(iid) : NULL, icfg,
			sl_time_now_ns(), err, sizeof(err));
	}
	if (!c) {
		ret = sl_http_error(r, 400, "%s", err);
		goto refused;
	}
	if (!c->list[SL_CTR_ENTRYPOINT] && !c->list[SL_CTR_CMD]) {
		/* Neither the body nor the image gives one (dockerd's words). */
		ret = sl_http_error(r, 400, "no command specified");
		goto refused;
	}
	rc = sl_ctrtab_add(c, !(qname && *qname), err, sizeof(err));
	if (rc) {
		ret = sl_http_error(r, sl_http_status_of(rc), "%s", err);
		goto refused;
	}
	if (sl_daemon.backend.containers.create) {
		struct sl_call call;

		sl_call_begin(&call);
		rc = sl_daemon.backend.containers.create(sl_daemon.backend.state, &call, c);
		if (rc) {
			ret = sl_api_hook_error(r, &call, rc, NULL);
			sl_call_end(&call);
			/* Refused: the record must not stay behind. */
			pthread_mutex_lock(&c->lock);
			c->state.removing = 1;
			pthread_mutex_unlock(&c->lock);
			sl_ctrtab_remove(c);
			goto refused;
		}
		sl_call_end(&call);
	}
	sl_net_ctr_attach(c, body);
	sl_ctrtab_event(c, "create", NULL);
	resp = json_object_new_object();
	json_object_object_add(resp, "Id", json_object_new_string(id));
	json_object_object_add(resp, "Warnings", json_object_new_array());
	ret = sl_http_json(r, 201, resp);
	json_object_put(resp);
	sl_ctr_unref(c);
	json_object_put(vols_made);
	json_object_put(irec);
	json_object_put(body);
	free(ref);
	return ret;

refused:
	/* Nothing of a refused create stays behind. */
	sl_vol_ctr_undo(vols_made);
	json_object_put(vols_made);
	if (c)
		sl_ctr_unref(c);
	json_object_put(irec);
	json_object_put(body);
	free(ref);
	return ret;
}

static struct json_object *strv_json(char **v)
{
	struct json_object *a;

	if (!v)
		return NULL;
	a = json_object_new_array();
	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static struct json_object *kv_object(char **v)
{
	struct json_object *o = json_object_new_object();

	for (; v && *v; v++) {
		size_t kl = strcspn(*v, "=");
		char *k = strndup(*v, kl);

		if (!k)
			continue;
		json_object_object_add(o, k, json_object_new_string((*v)[kl] ? *v + kl + 1 : ""));
		free(k);
	}
	return o;
}

/* "Up 5 minutes", "Exited (0) 2 seconds ago", as docker ps prints. */
static void human_duration(int64_t ns, char *buf, size_t len)
{
	int64_t s = ns / 1000000000;

	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s < 60)
		snprintf(buf, len, "%lld seconds", (long long)s);
	else if (s < 120)
		snprintf(buf, len, "About a minute");
	else if (s < 3600)
		snprintf(buf, len, "%lld minutes", (long long)(s / 60));
	else if (s < 7200)
		snprintf(buf, len, "About an hour");
	else if (s < 172800)
		snprintf(buf, len, "%lld hours", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lld days", (long long)(s / 86400));
}

static void status_text(struct sl_container *c, const struct sl_ctr_state *st,
	char *buf, size_t len)
{
	char d[64];
	int64_t now = sl_time_now_ns();

	switch (st->status) {
	case SL_STATUS_RUNNING:
	case SL_STATUS_PAUSED:
		human_duration(now - st->started_ns, d, sizeof(d));
		/* dockerd's State.String(): the health of a running one. */
		snprintf(buf, len, "Up %s%s", d,
			st->status == SL_STATUS_PAUSED ? " (Paused)" :
			c->healthcheck ? " (health: starting)" : "");
		break;
	case SL_STATUS_EXITED:
	case SL_STATUS_DEAD:
	case SL_STATUS_RESTARTING:
		human_duration(now - st->finished_ns, d, sizeof(d));
		snprintf(buf, len, "%s (%d) %s ago", st->status == SL_STATUS_RESTARTING ?
			"Restarting" : "Exited", st->exit_code, d);
		break;
	default:
		snprintf(buf, len, "Created");
	}
}

static char *command_line(struct sl_container *c)
{
	size_t n = 1;
	char *s;

	for (int f = SL_CTR_ENTRYPOINT; f <= SL_CTR_CMD; f++)
		for (char **v = c->list[f]; v && *v; v++)
			n += strlen(*v) + 1;
	s = calloc(1, n);
	if (!s)
		return NULL;
	for (int f = SL_CTR_ENTRYPOINT; f <= SL_CTR_CMD; f++)
		for (char **v = c->list[f]; v && *v; v++) {
			if (*s)
				strcat(s, " ");
			strcat(s, *v);
		}
	return s;
}

/* Rendered through ctrcache, which keys the text on st, the name, the
 * status text and flags: read nothing else that can change (see
 * ctrcache.h). */
static struct json_object *list_entry(struct sl_container *c,
	const struct sl_ctr_state *st, const char *status, int size)
{
	struct json_object *o = json_object_new_object(), *names, *hc;
	const char *net;
	char name[300];
	char *cmd = command_line(c);

	snprintf(name, sizeof(name), "/%s", c->str[SL_CTR_NAME]);
	json_object_object_add(o, "Id", JSON_STR(c->str[SL_CTR_ID]));
	names = json_object_new_array();
	json_object_array_add(names, json_object_new_string(name));
	json_object_object_add(o, "Names", names);
	json_object_object_add(o, "Image", JSON_STR(c->str[SL_CTR_IMAGE]));
	json_object_object_add(o, "ImageID", JSON_STR(c->str[SL_CTR_IMAGE_ID]));
	json_object_object_add(o, "Command", JSON_STR(cmd));
	json_object_object_add(o, "Created", json_object_new_int64(c->ints[SL_CTR_CREATED_NS] / 1000000000));
	json_object_object_add(o, "Ports", sl_ctrview_list_ports(c, st));
	json_object_object_add(o, "Labels", kv_object(c->list[SL_CTR_LABELS]));
	json_object_object_add(o, "State", json_object_new_string(sl_ctr_status_name(st->status)));
	json_object_object_add(o, "Status", json_object_new_string(status));
	if (size) {
		/* Sockerless cannot measure a container's filesystem. */
		json_object_object_add(o, "SizeRw", json_object_new_int(0));
		json_object_object_add(o, "SizeRootFs", json_object_new_int(0));
	}
	hc = json_object_new_object();
	net = sl_ctrview_network(c);
	json_object_object_add(hc, "NetworkMode", json_object_new_string(net ? net :
		c->str[SL_CTR_NETWORK_MODE]));
	json_object_object_add(o, "HostConfig", hc);
	json_object_object_add(o, "NetworkSettings", sl_ctrview_network_settings(c, st, 1));
	json_object_object_add(o, "Mounts", sl_vol_ctr_mounts(c));
	free(cmd);
	return o;
}

/*
 * Label filters: the filters module matches flat key, value pairs; the
 * record keeps "key=value" strings.  Returns whether c's labels match.
 */
static int labels_match(const struct sl_filters *f, struct sl_container *c)
{
	char **labels = c->list[SL_CTR_LABELS];
	size_t n = 0;
	char **flat;
	int ok;

	if (!f || !sl_filters_has_key(f, "label"))
		return 1;
	while (labels && labels[n])
		n++;
	flat = calloc(2 * n + 1, sizeof(char *));
	if (!flat)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t kl = strcspn(labels[i], "=");

		flat[2 * i] = strndup(labels[i], kl);
		flat[2 * i + 1] = labels[i][kl] ? labels[i] + kl + 1 : "";
	}
	ok = sl_filters_match_label(f, (const char *const *)flat);
	for (size_t i = 0; i < n; i++)
		free(flat[2 * i]);
	free(flat);
	return ok;
}

struct list_ctx {
	struct sl_filters *f;
	struct sl_filters *ancestors; /* "id": the IDs the ancestor values name */
	struct sl_filters *on_nets;   /* "id": containers on the network values */
	int64_t before_ns, since_ns;  /* creation bounds, 0 when not asked */
	int all, size;
	bool task_filter, is_task;    /* is-task given, and its value */
	long limit;
	struct sl_container **picked;
	size_t n, cap;
};

static int status_matches(const struct sl_filters *f, int status)
{
	const char *const *v = sl_filters_get(f, "status");

	if (!sl_filters_has_key(f, "status") || !v)
		return 1;
	for (; *v; v++)
		if (!strcmp(*v, sl_ctr_status_name(status)))
			return 1;
	return 0;
}

/* dockerd's volume filter: a named volume, a bind's host path, or a
 * mount destination. */
static bool volume_matches(const struct sl_filters *f, struct sl_container *c)
{
	char **lists[] = {c->list[SL_CTR_VOLUMES], c->list[SL_CTR_BINDS]};

	if (!sl_filters_has_key(f, "volume"))
		return true;
	for (size_t i = 0; i < 2; i++)
		for (char **v = lists[i]; v && *v; v++) {
			struct sl_volspec vs;

			sl_volspec_split(*v, &vs);
			if (sl_filters_get(f, "volume")[0] &&
			    (sl_filters_exact_match(f, "volume", vs.name) ||
			     sl_filters_exact_match(f, "volume", vs.dst)))
				return true;
		}
	return false;
}

/* dockerd matches the name filter's expressions against the name with its
 * leading "/" and without ("^/web$" and "^web$" both pick web); the record
 * keeps it without. */
static bool name_matches(const struct sl_filters *f, const char *name)
{
	size_t n = strlen(name);
	char *slashed;
	bool hit;

	if (sl_filters_regex_match(f, "name", name))
		return true;
	slashed = malloc(n + 2);
	if (!slashed)
		return false;
	slashed[0] = '/';
	memcpy(slashed + 1, name, n + 1);
	hit = sl_filters_regex_match(f, "name", slashed);
	free(slashed);
	return hit;
}

/* "80/tcp" or "80" (tcp) at s: the port, and the protocol in proto. */
static unsigned port_split(const char *s, char *proto, size_t len)
{
	size_t n = strcspn(s, "/=");

	snprintf(proto, len, "%.*s", s[n] == '/' ? (int)strcspn(s + n + 1, "=") : 0,
		s[n] == '/' ? s + n + 1 : "");
	return (unsigned)strtoul(s, NULL, 10);
}

/*
 * dockerd's publish and expose filters look at the ports of a running
 * container: expose at its ports (ExposedPorts and the PortBindings
 * keys), publish at the host ports its bindings ask for (the first of a
 * range; one that asks for none would get a port Sockerless cannot know).
 * A port matching either filter keeps the container.
 */
static bool ports_match(const struct sl_filters *f, struct sl_container *c, int status)
{
	int pub = sl_filters_get(f, "publish")[0] != NULL;
	int exp = sl_filters_get(f, "expose")[0] != NULL;
	char proto[32];
	unsigned port;

	if (!pub && !exp)
		return true;
	if (status != SL_STATUS_RUNNING && status != SL_STATUS_PAUSED &&
	    status != SL_STATUS_RESTARTING)
		return false;
	for (char **p = c->list[SL_CTR_EXPOSED_PORTS]; exp && p && *p; p++) {
		port = port_split(*p, proto, sizeof(proto));
		if (sl_filters_port_in(f, "expose", port, proto))
			return true;
	}
	for (char **b = c->list[SL_CTR_PORT_BINDINGS]; b && *b; b++) {
		const char *host = strrchr(*b, ':');

		port = port_split(*b, proto, sizeof(proto));
		if (exp && sl_filters_port_in(f, "expose", port, proto))
			return true;
		if (pub && host && host[1] >= '0' && host[1] <= '9' &&
		    sl_filters_port_in(f, "publish", (unsigned)strtoul(host + 1, NULL, 10), proto))
			return true;
	}
	return false;
}

/* is-task: dockerd's swarm-managed containers, which carry the task's
 * label; Sockerless is no swarm node, so only a label can say so. */
static bool task_matches(const struct list_ctx *lc, struct sl_container *c)
{
	bool task = false;

	if (!lc->task_filter)
		return true;
	for (char **l = c->list[SL_CTR_LABELS]; l && *l && !task; l++)
		task = !strncmp(*l, "com.docker.swarm.task.id=", 25);
	return task == lc->is_task;
}

/* isolation: HostConfig.Isolation without case, "default" when unset
 * (as dockerd where isolation means something: Linux has only that one). */
static bool isolation_matches(const struct sl_filters *f, struct sl_container *c)
{
	struct json_object *raw, *hc, *iso;
	char val[32] = "default";

	if (!sl_filters_get(f, "isolation")[0])
		return true;
	raw = json_tokener_parse(c->raw);
	if (json_object_object_get_ex(raw, "HostConfig", &hc) &&
	    json_object_object_get_ex(hc, "Isolation", &iso) &&
	    json_object_is_type(iso, json_type_string) && json_object_get_string_len(iso)) {
		snprintf(val, sizeof(val), "%s", json_object_get_string(iso));
		for (char *p = val; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	json_object_put(raw);
	return sl_filters_exact_match(f, "isolation", val);
}

static int list_pick(struct sl_container *c, void *arg)
{
	struct list_ctx *lc = arg;
	struct sl_ctr_state st;
	int keep = 1;

	sl_ctr_get_state(c, &st);
	free(st.error);
	if (!lc->all && st.status != SL_STATUS_RUNNING && st.status != SL_STATUS_PAUSED &&
	    st.status != SL_STATUS_RESTARTING && !sl_filters_has_key(lc->f, "status"))
		keep = 0;
	if (keep && lc->f) {
		char exit_s[16];

		snprintf(exit_s, sizeof(exit_s), "%d", st.exit_code);
		keep = status_matches(lc->f, st.status) &&
			sl_filters_regex_match(lc->f, "id", c->str[SL_CTR_ID]) &&
			name_matches(lc->f, c->str[SL_CTR_NAME]) &&
			(!sl_filters_has_key(lc->f, "ancestor") ||
			 (sl_filters_get(lc->ancestors, "id")[0] &&
			  sl_filters_exact_match(lc->ancestors, "id", c->str[SL_CTR_IMAGE_ID])) ||
			 sl_filters_exact_match(lc->f, "ancestor", c->str[SL_CTR_IMAGE]) ||
			 sl_filters_exact_match(lc->f, "ancestor", c->str[SL_CTR_IMAGE_REF])) &&
			(!sl_filters_has_key(lc->f, "exited") ||
			 (st.status == SL_STATUS_EXITED &&
			  sl_filters_exact_match(lc->f, "exited", exit_s))) &&
			labels_match(lc->f, c) &&
			/* Sockerless runs no probes: a checked container stays
			 * "starting" once started (as inspect shows). */
			sl_filters_exact_match(lc->f, "health",
				c->healthcheck && st.started_ns ? "starting" : "none") &&
			(!lc->before_ns || c->ints[SL_CTR_CREATED_NS] < lc->before_ns) &&
			(!lc->since_ns || c->ints[SL_CTR_CREATED_NS] > lc->since_ns) &&
			(!sl_filters_has_key(lc->f, "network") ||
			 (sl_filters_get(lc->on_nets, "id")[0] &&
			  sl_filters_exact_match(lc->on_nets, "id", c->str[SL_CTR_ID]))) &&
			volume_matches(lc->f, c) &&
			task_matches(lc, c) &&
			isolation_matches(lc->f, c) &&
			ports_match(lc->f, c, st.status);
	}
	if (!keep)
		return 0;
	if (lc->n == lc->cap) {
		size_t ncap = lc->cap ? lc->cap * 2 : 32;
		struct sl_container **np = realloc(lc->picked, ncap * sizeof(*np));

		if (!np)
			return SL_ENOMEM;
		lc->picked = np;
		lc->cap = ncap;
	}
	lc->picked[lc->n++] = sl_ctr_ref(c);
	return 0;
}

/*
 * dockerd resolves each ancestor value as an image (a name in any form, an
 * ID or a prefix) and keeps containers of those images: "busybox:latest"
 * finds the containers created from "busybox".  A value naming no image
 * matches by the create-time name only.  Returns 0 or SL_ENOMEM.
 */
static int resolve_ancestors(struct list_ctx *lc)
{
	const char *const *v = sl_filters_get(lc->f, "ancestor");
	int rc = 0;

	if (!sl_filters_has_key(lc->f, "ancestor"))
		return 0;
	lc->ancestors = sl_filters_new();
	if (!lc->ancestors)
		return SL_ENOMEM;
	for (; *v && rc == 0; v++) {
		struct json_object *img = sl_image_find(*v), *id;

		if (img && json_object_object_get_ex(img, "Id", &id) &&
		    sl_filters_add(lc->ancestors, "id", json_object_get_string(id)) < 0)
			rc = SL_ENOMEM;
		json_object_put(img);
	}
	return rc;
}

/*
 * The bounds and sets a list needs from other tables, read before the
 * container table is walked: before/since name containers (404 when
 * missing, as dockerd), network values name networks (by name, ID or
 * prefix; one naming none matches nothing).  Returns 0, SL_ENOMEM, or
 * SL_ENOTFOUND with the missing reference in err.
 */
static int resolve_refs(struct list_ctx *lc, char *err, size_t errlen)
{
	static const char *const bounds[] = {"before", "since"};
	int rc = 0;

	for (size_t i = 0; i < 2; i++) {
		const char *const *v = sl_filters_get(lc->f, bounds[i]);
		struct sl_container *ref;
		int ambiguous;

		if (!v[0])
			continue;
		ref = sl_ctrtab_find(v[0], &ambiguous);
		if (!ref) {
			snprintf(err, errlen, "No such container: %s", v[0]);
			return SL_ENOTFOUND;
		}
		*(i ? &lc->since_ns : &lc->before_ns) = ref->ints[SL_CTR_CREATED_NS];
		sl_ctr_unref(ref);
	}
	if (!sl_filters_has_key(lc->f, "network"))
		return 0;
	lc->on_nets = sl_filters_new();
	if (!lc->on_nets)
		return SL_ENOMEM;
	for (const char *const *v = sl_filters_get(lc->f, "network"); *v && !rc; v++) {
		struct json_object *doc = sl_net_get(*v), *ctrs;

		if (doc && json_object_object_get_ex(doc, "Containers", &ctrs) &&
		    json_object_is_type(ctrs, json_type_object)) {
			json_object_object_foreach(ctrs, id, ep) {
				(void)ep;
				if (sl_filters_add(lc->on_nets, "id", id) < 0)
					rc = SL_ENOMEM;
			}
		}
		json_object_put(doc);
	}
	return rc;
}

static int newest_first(const void *a, const void *b)
{
	const struct sl_container *x = *(struct sl_container *const *)a;
	const struct sl_container *y = *(struct sl_container *const *)b;

	return x->ints[SL_CTR_CREATED_NS] < y->ints[SL_CTR_CREATED_NS] ? 1 :
		x->ints[SL_CTR_CREATED_NS] > y->ints[SL_CTR_CREATED_NS] ? -1 : 0;
}

/* dockerd refuses a status or health filter value it does not know; -1
 * with its message. */
static int check_values(const struct sl_filters *f, const char *key, const char *noun,
			const char *const *valid, char *err, size_t errlen)
{
	for (const char *const *v = sl_filters_get(f, key); *v; v++) {
		const char *const *s = valid;
		size_t n;

		while (*s && strcmp(*s, *v))
			s++;
		if (*s)
			continue;
		n = (size_t)snprintf(err, errlen, "invalid filter '%s=%s': invalid value for "
				     "%s (%s): must be one of ", key, *v, noun, *v);
		for (s = valid; *s && n < errlen; s++)
			n += (size_t)snprintf(err + n, errlen - n, "%s%s", *s, s[1] ? ", " : "");
		return -1;
	}
	return 0;
}

static int check_enums(const struct sl_filters *f, char *err, size_t errlen)
{
	static const char *const states[] = {"created", "running", "paused",
		"restarting", "removing", "exited", "dead", NULL};
	static const char *const healths[] = {"none", "starting", "healthy",
		"unhealthy", NULL};

	return check_values(f, "status", "state", states, err, errlen) < 0 ||
		check_values(f, "health", "health", healths, err, errlen) < 0 ? -1 : 0;
}

enum MHD_Result sl_api_ctr_list(struct sl_req *r)
{
	static const char *const keys[] = {"id", "name", "label", "status",
		"ancestor", "exited", "before", "since", "volume", "network",
		"health", "isolation", "is-task", "publish", "expose", NULL};
	struct list_ctx lc = {0};
	const char *fs = sl_http_query(r, "filters"), *lim = sl_http_query(r, "limit");
	char err[256];
	int rc;

	lc.all = sl_http_query_bool(r, "all", 0);
	lc.size = sl_http_query_bool(r, "size", 0);
	lc.limit = lim ? strtol(lim, NULL, 10) : -1;
	if (lc.limit > 0)
		lc.all = 1;
	if (fs && *fs) {
		if (sl_filters_parse(fs, &lc.f, err, sizeof(err)) < 0 ||
		    sl_filters_validate_keys(lc.f, keys, err, sizeof(err)) < 0 ||
		    check_enums(lc.f, err, sizeof(err)) < 0 ||
		    sl_filters_get_bool(lc.f, "is-task", false, &lc.is_task, err,
			    sizeof(err)) < 0 ||
		    sl_filters_check_ports(lc.f, "publish", err, sizeof(err)) < 0 ||
		    sl_filters_check_ports(lc.f, "expose", err, sizeof(err)) < 0) {
			sl_filters_free(lc.f);
			return sl_http_error(r, 400, "%s", err);
		}
	}
	lc.task_filter = sl_filters_has_key(lc.f, "is-task");
	rc = resolve_ancestors(&lc);
	if (rc == 0)
		rc = resolve_refs(&lc, err, sizeof(err));
	if (rc < 0) {
		sl_filters_free(lc.on_nets);
		sl_filters_free(lc.ancestors);
		sl_filters_free(lc.f);
		return rc == SL_ENOTFOUND ? sl_http_error(r, 404, "%s", err) :
			sl_http_error(r, 500, "out of memory");
	}
	sl_ctrtab_foreach(list_pick, &lc);
	if (lc.n)
		qsort(lc.picked, lc.n, sizeof(*lc.picked), newest_first);
	sl_filters_free(lc.on_nets);
	sl_filters_free(lc.ancestors);
	sl_filters_free(lc.f);
	if (lc.limit > 0)
		while (lc.n > (size_t)lc.limit)
			sl_ctr_unref(lc.picked[--lc.n]);
	return sl_ctrcache_respond_list(r, lc.picked, lc.n, lc.size, list_entry,
		status_text);
}

static struct json_object *time_json(int64_t ns)
{
	char buf[SL_TIME_BUFLEN];

	if (!ns)
		return json_object_new_string("0001-01-01T00:00:00Z");
	sl_time_format_rfc3339nano_trim(ns, buf);
	return json_object_new_string(buf);
}

/* The create body's Config part, with the effective values.  Rendered once
 * per record (ctrcache): read only the configuration and raw. */
static struct json_object *config_json(struct sl_container *c,
	struct json_object *raw)
{
	struct json_object *o = json_object_new_object(), *v;
	static const char *const pass[] = {"Domainname", "Volumes",
		"OnBuild", "Healthcheck", "StopTimeout", "Shell", NULL};

	json_object_object_add(o, "Hostname", JSON_STR(c->str[SL_CTR_HOSTNAME] ? c->str[SL_CTR_HOSTNAME] : ""));
	json_object_object_add(o, "User", JSON_STR(c->str[SL_CTR_USER]));
	json_object_object_add(o, "AttachStdin", json_object_new_boolean(c->ints[SL_CTR_ATTACH_STDIN]));
	json_object_object_add(o, "AttachStdout", json_object_new_boolean(c->ints[SL_CTR_ATTACH_STDOUT]));
	json_object_object_add(o, "AttachStderr", json_object_new_boolean(c->ints[SL_CTR_ATTACH_STDERR]));
	if (c->list[SL_CTR_EXPOSED_PORTS]) {
		struct json_object *ep = json_object_new_object();

		for (char **p = c->list[SL_CTR_EXPOSED_PORTS]; *p; p++)
			json_object_object_add(ep, *p, json_object_new_object());
		json_object_object_add(o, "ExposedPorts", ep);
	}
	json_object_object_add(o, "Tty", json_object_new_boolean(c->ints[SL_CTR_TTY]));
	json_object_object_add(o, "OpenStdin", json_object_new_boolean(c->ints[SL_CTR_OPEN_STDIN]));
	json_object_object_add(o, "StdinOnce", json_object_new_boolean(c->ints[SL_CTR_STDIN_ONCE]));
	json_object_object_add(o, "Env", strv_json(c->list[SL_CTR_ENV]));
	json_object_object_add(o, "Cmd", strv_json(c->list[SL_CTR_CMD]));
	json_object_object_add(o, "Image", JSON_STR(c->str[SL_CTR_IMAGE]));
	json_object_object_add(o, "WorkingDir", JSON_STR(c->str[SL_CTR_WORKING_DIR]));
	json_object_object_add(o, "Entrypoint", strv_json(c->list[SL_CTR_ENTRYPOINT]));
	json_object_object_add(o, "Labels", kv_object(c->list[SL_CTR_LABELS]));
	if (c->str[SL_CTR_STOP_SIGNAL])
		json_object_object_add(o, "StopSignal", JSON_STR(c->str[SL_CTR_STOP_SIGNAL]));
	for (size_t i = 0; pass[i]; i++)
		if (json_object_object_get_ex(raw, pass[i], &v))
			json_object_object_add(o, pass[i], json_object_get(v));
	/* Members dockerd always shows. */
	if (!json_object_object_get_ex(o, "Domainname", NULL))
		json_object_object_add(o, "Domainname", json_object_new_string(""));
	if (!json_object_object_get_ex(o, "Volumes", NULL))
		json_object_object_add(o, "Volumes", NULL);
	if (!json_object_object_get_ex(o, "OnBuild", NULL))
		json_object_object_add(o, "OnBuild", NULL);
	return o;
}

/* Before API 1.45 dockerd lists the short ID and the hostname among the
 * aliases on user-defined networks (compose 1.29 looks for the short ID
 * there to skip reconnecting on start).  The arrays may be shared with
 * the network records: each is replaced, not changed. */
static void legacy_aliases(struct sl_container *c, struct json_object *ns)
{
	const char *h = c->str[SL_CTR_HOSTNAME];
	struct json_object *nets;

	if (!json_object_object_get_ex(ns, "Networks", &nets))
		return;
	json_object_object_foreach(nets, name, ep) {
		struct json_object *old = json_object_object_get(ep, "Aliases"), *al;

		if (sl_net_predefined(name))
			continue;
		al = json_object_new_array();
		for (size_t i = 0; old && i < json_object_array_length(old); i++) {
			struct json_object *v = json_object_array_get_idx(old, i);

			sl_net_name_add(al, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		}
		sl_net_name_add(al, c->str[SL_CTR_ID], 12);
		if (h && *h)
			sl_net_name_add(al, h, strlen(h));
		json_object_object_add(ep, "Aliases", al);
	}
}

enum MHD_Result sl_api_ctr_inspect(struct sl_req *r)
{
	struct json_object *o, *st, *sk, *bd, *health, *gd, *ns;
	struct sl_container *c;
	struct sl_ctr_state s;
	enum MHD_Result ret;
	char name[300];
	char **argv0;

	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	/* A cheap refresh keeps inspect truthful when the cloud moved on. */
	if (sl_daemon.backend.containers.refresh && sl_api_ctr_status(c) == SL_STATUS_RUNNING) {
		struct sl_call call;
		int rc;

		sl_call_begin(&call);
		rc = sl_daemon.backend.containers.refresh(sl_daemon.backend.state, &call, c);
		if (rc)
			sl_debug("refresh %.12s: %s", c->str[SL_CTR_ID], sl_call_message(&call, rc));
		sl_call_end(&call);
	}
	sl_ctr_get_state(c, &s);
	o = json_object_new_object();
	json_object_object_add(o, "Id", JSON_STR(c->str[SL_CTR_ID]));
	json_object_object_add(o, "Created", time_json(c->ints[SL_CTR_CREATED_NS]));
	argv0 = c->list[SL_CTR_ENTRYPOINT] && c->list[SL_CTR_ENTRYPOINT][0] ?
		c->list[SL_CTR_ENTRYPOINT] : c->list[SL_CTR_CMD];
	json_object_object_add(o, "Path", JSON_STR(argv0 ? argv0[0] : ""));
	{
		struct json_object *args = json_object_new_array();
		int first = 1;

		for (int f = SL_CTR_ENTRYPOINT; f <= SL_CTR_CMD; f++)
			for (char **v = c->list[f]; v && *v; v++) {
				if (first && argv0 && *v == argv0[0]) {
					first = 0;
					continue;
				}
				first = 0;
				json_object_array_add(args, json_object_new_string(*v));
			}
		json_object_object_add(o, "Args", args);
	}
	st = json_object_new_object();
	json_object_object_add(st, "Status", json_object_new_string(sl_ctr_status_name(s.status)));
	/* dockerd counts a restarting container as running. */
	json_object_object_add(st, "Running", json_object_new_boolean(s.status == SL_STATUS_RUNNING ||
		s.status == SL_STATUS_PAUSED || s.status == SL_STATUS_RESTARTING));
	json_object_object_add(st, "Paused", json_object_new_boolean(s.status == SL_STATUS_PAUSED));
	json_object_object_add(st, "Restarting", json_object_new_boolean(s.status == SL_STATUS_RESTARTING));
	json_object_object_add(st, "OOMKilled", json_object_new_boolean(s.oom_killed));
	json_object_object_add(st, "Dead", json_object_new_boolean(s.status == SL_STATUS_DEAD));
	json_object_object_add(st, "Pid", json_object_new_int(s.pid));
	json_object_object_add(st, "ExitCode", json_object_new_int(s.exit_code));
	json_object_object_add(st, "Error", JSON_STR(s.error));
	json_object_object_add(st, "StartedAt", time_json(s.started_ns));
	json_object_object_add(st, "FinishedAt", time_json(s.finished_ns));
	health = sl_ctrview_health(c, &s);
	if (health)
		json_object_object_add(st, "Health", health);
	json_object_object_add(o, "State", st);
	json_object_object_add(o, "Image", JSON_STR(c->str[SL_CTR_IMAGE_ID] ? c->str[SL_CTR_IMAGE_ID] : c->str[SL_CTR_IMAGE_REF]));
	json_object_object_add(o, "ResolvConfPath", json_object_new_string(""));
	json_object_object_add(o, "HostnamePath", json_object_new_string(""));
	json_object_object_add(o, "HostsPath", json_object_new_string(""));
	json_object_object_add(o, "LogPath", json_object_new_string(""));
	snprintf(name, sizeof(name), "/%s", c->str[SL_CTR_NAME]);
	json_object_object_add(o, "Name", json_object_new_string(name));
	json_object_object_add(o, "RestartCount", json_object_new_int(s.restart_count));
	json_object_object_add(o, "Driver", json_object_new_string(sl_daemon.backend.name));
	json_object_object_add(o, "Platform", json_object_new_string("linux"));
	json_object_object_add(o, "MountLabel", json_object_new_string(""));
	json_object_object_add(o, "ProcessLabel", json_object_new_string(""));
	json_object_object_add(o, "AppArmorProfile", json_object_new_string(""));
	json_object_object_add(o, "ExecIDs", NULL);
	json_object_object_add(o, "HostConfig",
		sl_ctrcache_part(c, SL_CTRCACHE_HOSTCONFIG, sl_ctrview_hostconfig));
	gd = json_object_new_object();
	json_object_object_add(gd, "Data", NULL);
	json_object_object_add(gd, "Name", json_object_new_string(""));
	json_object_object_add(o, "GraphDriver", gd);
	json_object_object_add(o, "Mounts", sl_vol_ctr_mounts(c));
	json_object_object_add(o, "Config",
		sl_ctrcache_part(c, SL_CTRCACHE_CONFIG, config_json));
	ns = sl_ctrview_network_settings(c, &s, 0);
	if (!sl_http_api_at_least(r, 1, 45))
		legacy_aliases(c, ns);
	json_object_object_add(o, "NetworkSettings", ns);
	/* What the backend keeps for this container; never secrets (ABI). */
	sk = json_object_new_object();
	json_object_object_add(sk, "Backend", json_object_new_string(sl_daemon.backend.name));
	bd = json_object_new_object();
	pthread_mutex_lock(&c->lock);
	for (struct sl_kv *kv = c->data; kv; kv = kv->next)
		json_object_object_add(bd, kv->key, json_object_new_string(kv->value));
	pthread_mutex_unlock(&c->lock);
	json_object_object_add(sk, "BackendData", bd);
	json_object_object_add(o, "Sockerless", sk);
	ret = sl_http_json(r, 200, o);
	json_object_put(o);
	free(s.error);
	sl_ctr_unref(c);
	return ret;
}

/* Calls the backend's remove and drops the record; 0 or a status. */
int sl_api_ctr_destroy(struct sl_container *c, int force, struct sl_call *call)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	if (c->state.removing) {
		pthread_mutex_unlock(&c->lock);
		return sl_call_set_error(call, SL_ECONFLICT,
			"removal of container %s is already in progress", c->str[SL_CTR_NAME]);
	}
	c->state.removing = 1;
	pthread_mutex_unlock(&c->lock);
	/* rm -f of a restarting container: nothing runs, nothing will. */
	sl_restart_cancel(c);
	rc = sl_daemon.backend.containers.remove(sl_daemon.backend.state, call, c, force);
	if (rc) {
		pthread_mutex_lock(&c->lock);
		c->state.removing = 0;
		pthread_mutex_unlock(&c->lock);
		return rc;
	}
	sl_exec_table_forget(c);
	sl_ctrtab_remove(c);
	sl_net_ctr_removed(c);
	/* --rm drops the anonymous volumes too, as dockerd. */
	sl_vol_ctr_removed(c, (int)c->ints[SL_CTR_AUTO_REMOVE]);
	return SL_OK;
}

enum MHD_Result sl_api_ctr_remove(struct sl_req *r)
{
	int force = sl_http_query_bool(r, "force", 0);
	struct sl_container *c;
	enum MHD_Result ret;
	struct sl_call call;
	int status, rc;

	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	if (!sl_daemon.backend.containers.remove) {
		sl_ctr_unref(c);
		return sl_api_no_hook(r, "container remove");
	}
	status = sl_api_ctr_status(c);
	if (!force && (status == SL_STATUS_RUNNING || status == SL_STATUS_PAUSED ||
		       status == SL_STATUS_RESTARTING)) {
		ret = sl_http_error(r, 409,
			"cannot remove container \"/%s\": container is %s: stop the container before removing or force remove",
			c->str[SL_CTR_NAME], sl_ctr_status_name(status));
		sl_ctr_unref(c);
		return ret;
	}
	sl_call_begin(&call);
	rc = sl_api_ctr_destroy(c, force, &call);
	if (!rc && !c->ints[SL_CTR_AUTO_REMOVE])
		sl_vol_ctr_removed(c, sl_http_query_bool(r, "v", 0));
	ret = rc ? sl_api_hook_error(r, &call, rc, NULL) : sl_http_empty(r, 204);
	sl_call_end(&call);
	sl_ctr_unref(c);
	return ret;
}

struct prune_ctx {
	struct json_object *deleted;
	struct sl_filters *f;
};

static int prune_one(struct sl_container *c, void *arg)
{
	struct prune_ctx *pc = arg;
	int s = sl_api_ctr_status(c);
	struct sl_call call;
	int rc;

	if (s != SL_STATUS_EXITED && s != SL_STATUS_DEAD && s != SL_STATUS_CREATED)
		return 0;
	if (!labels_match(pc->f, c))
		return 0;
	sl_call_begin(&call);
	rc = sl_api_ctr_destroy(c, 0, &call);
	if (rc == SL_OK)
		json_object_array_add(pc->deleted, json_object_new_string(c->str[SL_CTR_ID]));
	else
		sl_warn("prune: %s: %s", c->str[SL_CTR_ID], sl_call_message(&call, rc));
	sl_call_end(&call);
	return 0;
}

enum MHD_Result sl_api_ctr_prune(struct sl_req *r)
{
	static const char *const keys[] = {"label", "label!", "until", NULL};
	struct prune_ctx pc = {0};
	const char *fs = sl_http_query(r, "filters");
	struct json_object *o;
	enum MHD_Result ret;
	char err[256];

	/* Bad input first, as dockerd checks the filters before anything. */
	if (fs && *fs && (sl_filters_parse(fs, &pc.f, err, sizeof(err)) < 0 ||
			  sl_filters_validate_keys(pc.f, keys, err, sizeof(err)) < 0)) {
		sl_filters_free(pc.f);
		return sl_http_error(r, 400, "%s", err);
	}
	if (!sl_daemon.backend.containers.remove) {
		sl_filters_free(pc.f);
		return sl_api_no_hook(r, "container prune");
	}
	pc.deleted = json_object_new_array();
	sl_ctrtab_foreach(prune_one, &pc);
	o = json_object_new_object();
	json_object_object_add(o, "ContainersDeleted", pc.deleted);
	json_object_object_add(o, "SpaceReclaimed", json_object_new_int(0));
	ret = sl_http_json(r, 200, o);
	json_object_put(o);
	sl_filters_free(pc.f);
	return ret;
}

struct json_object *sl_api_ctr_summaries(void)
{
	struct list_ctx lc = {0};
	struct json_object *out = json_object_new_array();

	if (!out)
		return NULL;
	lc.all = 1;
	lc.size = 1;
	sl_ctrtab_foreach(list_pick, &lc);
	if (lc.n)
		qsort(lc.picked, lc.n, sizeof(*lc.picked), newest_first);
	for (size_t i = 0; i < lc.n; i++) {
		struct sl_ctr_state st;
		char status[128];

		sl_ctr_get_state(lc.picked[i], &st);
		status_text(lc.picked[i], &st, status, sizeof(status));
		json_object_array_add(out, list_entry(lc.picked[i], &st, status, 1));
		free(st.error);
		sl_ctr_unref(lc.picked[i]);
	}
	free(lc.picked);
	return out;
}
