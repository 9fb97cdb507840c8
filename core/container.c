/*
 * container.c - parsing, serialising and sharing container records.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/container.h"
#include "core/ctrcache.h"

void sl_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static char **strv_new(size_t n)
{
	return calloc(n + 1, sizeof(char *));
}

/*
 * Reads a string array member.  Docker also accepts a single string for
 * Cmd and Entrypoint.  Returns 0 and *out = NULL when absent or null,
 * -1 on a wrong type.
 */
static int get_strv(struct json_object *obj, const char *key, char ***out,
	int allow_string, char *err, size_t errlen, const char *where)
{
	struct json_object *v;
	char **res;
	size_t n;

	*out = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (allow_string && json_object_is_type(v, json_type_string)) {
		res = strv_new(1);
		if (!res || !(res[0] = strdup(json_object_get_string(v)))) {
			free(res);
			return -1;
		}
		*out = res;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array))
		goto bad;
	n = json_object_array_length(v);
	res = strv_new(n);
	if (!res)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string)) {
			sl_strv_free(res);
			goto bad;
		}
		res[i] = strdup(json_object_get_string(e));
	}
	*out = res;
	return 0;
bad:
	snprintf(err, errlen, "invalid JSON: %s.%s must be an array of strings",
		where, key);
	return -1;
}

static int get_str(struct json_object *obj, const char *key, char **out,
	char *err, size_t errlen, const char *where)
{
	struct json_object *v;

	*out = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "invalid JSON: %s.%s must be a string",
			where, key);
		return -1;
	}
	*out = strdup(json_object_get_string(v));
	return 0;
}

static int get_int(struct json_object *obj, const char *key, int64_t *out,
	int64_t dflt, char *err, size_t errlen, const char *where)
{
	struct json_object *v;

	*out = dflt;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_boolean)) {
		*out = json_object_get_boolean(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "invalid JSON: %s.%s must be a number",
			where, key);
		return -1;
	}
	*out = json_object_get_int64(v);
	return 0;
}

/* Object {"k":"v"} or {"k":{}} -> "k=v" / "k" list. */
static int get_map(struct json_object *obj, const char *key, char ***out,
	int keys_only, char *err, size_t errlen, const char *where)
{
	struct json_object *v;
	size_t n, i = 0;
	char **res;

	*out = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_object)) {
		snprintf(err, errlen, "invalid JSON: %s.%s must be an object",
			where, key);
		return -1;
	}
	n = (size_t)json_object_object_length(v);
	res = strv_new(n);
	if (!res)
		return -1;
	json_object_object_foreach(v, k, val) {
		if (keys_only) {
			res[i++] = strdup(k);
			continue;
		}
		if (!json_object_is_type(val, json_type_string)) {
			snprintf(err, errlen,
				"invalid JSON: %s.%s values must be strings",
				where, key);
			sl_strv_free(res);
			return -1;
		}
		size_t len = strlen(k) + strlen(json_object_get_string(val)) + 2;
		res[i] = malloc(len);
		if (res[i])
			snprintf(res[i], len, "%s=%s", k,
				json_object_get_string(val));
		i++;
	}
	*out = res;
	return 0;
}

static size_t strv_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static char **strv_dup(char **v)
{
	size_t n = strv_len(v);
	char **r;

	if (!v)
		return NULL;
	r = strv_new(n);
	for (size_t i = 0; r && i < n; i++)
		r[i] = strdup(v[i]);
	return r;
}

/*
 * "KEY=value" lists merged by key, `over` winning, order kept: base
 * entries first (replaced in place), then new ones.  Takes neither list.
 */
static char **kv_merge(char **base, char **over)
{
	size_t nb = strv_len(base), no = strv_len(over), n = 0;
	char **r = strv_new(nb + no);

	if (!r)
		return NULL;
	for (size_t i = 0; i < nb; i++) {
		size_t kl = strcspn(base[i], "=");
		const char *pick = base[i];

		for (size_t j = 0; j < no; j++)
			if (!strncmp(over[j], base[i], kl) &&
			    (over[j][kl] == '=' || over[j][kl] == '\0'))
				pick = over[j];
		r[n++] = strdup(pick);
	}
	for (size_t j = 0; j < no; j++) {
		size_t kl = strcspn(over[j], "=");
		int seen = 0;

		for (size_t i = 0; i < nb && !seen; i++)
			seen = !strncmp(over[j], base[i], kl) &&
				(base[i][kl] == '=' || base[i][kl] == '\0');
		if (!seen)
			r[n++] = strdup(over[j]);
	}
	return r;
}

static struct sl_container *ctr_alloc(void)
{
	struct sl_container *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->refs = 1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->persist_lock, NULL);
	c->state.status = SL_STATUS_CREATED;
	c->ints[SL_CTR_STOP_TIMEOUT] = -1;
	return c;
}

/* PortBindings {"80/tcp":[{"HostIp":"","HostPort":"8080"}]} -> list. */
static int get_port_bindings(struct json_object *hc, char ***out, char *err,
	size_t errlen)
{
	struct json_object *pb;
	size_t n = 0, i = 0;
	char **res;

	*out = NULL;
	if (!hc || !json_object_object_get_ex(hc, "PortBindings", &pb) || !pb)
		return 0;
	if (!json_object_is_type(pb, json_type_object))
		goto bad;
	json_object_object_foreach(pb, k0, v0) {
		(void)k0;
		if (v0 && !json_object_is_type(v0, json_type_array))
			goto bad;
		n += v0 ? json_object_array_length(v0) : 0;
	}
	res = strv_new(n);
	if (!res)
		return -1;
	json_object_object_foreach(pb, port, arr) {
		for (size_t j = 0; arr && j < json_object_array_length(arr); j++) {
			struct json_object *b = json_object_array_get_idx(arr, j), *ip, *hp;
			const char *sip = "", *shp = "";
			char buf[256];

			if (json_object_object_get_ex(b, "HostIp", &ip) && ip)
				sip = json_object_get_string(ip);
			if (json_object_object_get_ex(b, "HostPort", &hp) && hp)
				shp = json_object_get_string(hp);
			snprintf(buf, sizeof(buf), "%s=%s:%s", port, sip, shp);
			res[i++] = strdup(buf);
		}
	}
	*out = res;
	return 0;
bad:
	snprintf(err, errlen, "invalid JSON: HostConfig.PortBindings must be an object of arrays");
	return -1;
}

struct sl_container *sl_ctr_from_create(const char *id, const char *name,
	const char *body, size_t len, const char *image_ref,
	const char *image_id, struct json_object *image_config,
	int64_t created_ns, char *err, size_t errlen)
{
	struct json_object *root = NULL, *hc = NULL, *rp = NULL, *cs, *hck;
	struct json_tokener *tok = NULL;
	struct sl_container *c = ctr_alloc();
	char **body_ep = NULL, **body_cmd = NULL, **body_env = NULL;
	char **img_labels = NULL, **body_labels = NULL;
	int ep_overridden = 0;
	int64_t v;

	if (!c)
		goto oom;
	c->raw = malloc(len + 1);
	if (!c->raw)
		goto oom;
	memcpy(c->raw, body, len);
	c->raw[len] = '\0';
	c->raw_len = len;

	tok = json_tokener_new();
	if (!tok)
		goto oom;
	root = json_tokener_parse_ex(tok, c->raw, (int)len + 1);
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "invalid JSON: %s", root ? "body must be an object" :
			json_tokener_error_desc(json_tokener_get_error(tok)));
		goto fail;
	}
	if (json_object_object_get_ex(root, "HostConfig", &hc) && hc &&
	    !json_object_is_type(hc, json_type_object)) {
		snprintf(err, errlen, "invalid JSON: HostConfig must be an object");
		goto fail;
	}

	c->str[SL_CTR_ID] = strdup(id);
	c->str[SL_CTR_NAME] = strdup(name);
	if (get_str(root, "Image", &c->str[SL_CTR_IMAGE], err, errlen, "Config") ||
	    get_str(root, "User", &c->str[SL_CTR_USER], err, errlen, "Config") ||
	    get_str(root, "WorkingDir", &c->str[SL_CTR_WORKING_DIR], err, errlen, "Config") ||
	    get_str(root, "Hostname", &c->str[SL_CTR_HOSTNAME], err, errlen, "Config") ||
	    get_str(root, "StopSignal", &c->str[SL_CTR_STOP_SIGNAL], err, errlen, "Config") ||
	    get_str(hc, "NetworkMode", &c->str[SL_CTR_NETWORK_MODE], err, errlen, "HostConfig"))
		goto fail;
	/* dockerd's default hostname: the short ID, or the host's own on the
	 * host network. */
	if (!c->str[SL_CTR_HOSTNAME] || !*c->str[SL_CTR_HOSTNAME]) {
		const char *nm = c->str[SL_CTR_NETWORK_MODE];
		char hn[256] = "";

		if (!nm || strcmp(nm, "host") || gethostname(hn, sizeof(hn) - 1) < 0 || !*hn)
			snprintf(hn, sizeof(hn), "%.12s", id);
		free(c->str[SL_CTR_HOSTNAME]);
		c->str[SL_CTR_HOSTNAME] = strdup(hn);
		if (!c->str[SL_CTR_HOSTNAME])
			goto oom;
	}
	if (image_ref)
		c->str[SL_CTR_IMAGE_REF] = strdup(image_ref);
	if (image_id)
		c->str[SL_CTR_IMAGE_ID] = strdup(image_id);

	if (get_strv(root, "Entrypoint", &body_ep, 1, err, errlen, "Config") ||
	    get_strv(root, "Cmd", &body_cmd, 1, err, errlen, "Config") ||
	    get_strv(root, "Env", &body_env, 0, err, errlen, "Config") ||
	    get_map(root, "Labels", &body_labels, 0, err, errlen, "Config") ||
	    get_map(root, "ExposedPorts", &c->list[SL_CTR_EXPOSED_PORTS], 1, err, errlen, "Config") ||
	    get_strv(hc, "Binds", &c->list[SL_CTR_BINDS], 0, err, errlen, "HostConfig") ||
	    get_strv(root, "SockerlessVolumeMounts", &c->list[SL_CTR_VOLUMES], 0, err, errlen, "Config") ||
	    get_port_bindings(hc, &c->list[SL_CTR_PORT_BINDINGS], err, errlen))
		goto fail;
	/* A bind whose source is not a path names a volume: SL_CTR_VOLUMES
	 * has it (core/volume_ctr.c), SL_CTR_BINDS keeps host paths only. */
	if (c->list[SL_CTR_BINDS]) {
		size_t k = 0;

		for (size_t i = 0; c->list[SL_CTR_BINDS][i]; i++) {
			char *b = c->list[SL_CTR_BINDS][i];

			if (b[0] == '/' && strchr(b, ':'))
				c->list[SL_CTR_BINDS][k++] = b;
			else
				free(b);
		}
		c->list[SL_CTR_BINDS][k] = NULL;
		if (!k) {
			free(c->list[SL_CTR_BINDS]);
			c->list[SL_CTR_BINDS] = NULL;
		}
	}
	if (image_config &&
	    (get_strv(image_config, "Entrypoint", &c->list[SL_CTR_IMAGE_ENTRYPOINT], 1, err, errlen, "image") ||
	     get_strv(image_config, "Cmd", &c->list[SL_CTR_IMAGE_CMD], 1, err, errlen, "image") ||
	     get_strv(image_config, "Env", &c->list[SL_CTR_IMAGE_ENV], 0, err, errlen, "image") ||
	     get_map(image_config, "Labels", &img_labels, 0, err, errlen, "image")))
		goto fail;

	/* Docker: a create-time Entrypoint also drops the image's Cmd. */
	ep_overridden = body_ep != NULL;
	c->list[SL_CTR_ENTRYPOINT] = ep_overridden ? body_ep :
		strv_dup(c->list[SL_CTR_IMAGE_ENTRYPOINT]);
	body_ep = NULL;
	if (body_cmd && body_cmd[0])
		c->list[SL_CTR_CMD] = body_cmd, body_cmd = NULL;
	else if (!ep_overridden)
		c->list[SL_CTR_CMD] = strv_dup(c->list[SL_CTR_IMAGE_CMD]);
	c->list[SL_CTR_ENV] = kv_merge(c->list[SL_CTR_IMAGE_ENV], body_env);
	c->list[SL_CTR_LABELS] = kv_merge(img_labels, body_labels);
	if (!c->str[SL_CTR_WORKING_DIR] || !*c->str[SL_CTR_WORKING_DIR]) {
		free(c->str[SL_CTR_WORKING_DIR]);
		c->str[SL_CTR_WORKING_DIR] = NULL;
		if (get_str(image_config, "WorkingDir", &c->str[SL_CTR_WORKING_DIR], err, errlen, "image"))
			goto fail;
	}
	if (!c->str[SL_CTR_USER] || !*c->str[SL_CTR_USER]) {
		free(c->str[SL_CTR_USER]);
		c->str[SL_CTR_USER] = NULL;
		if (get_str(image_config, "User", &c->str[SL_CTR_USER], err, errlen, "image"))
			goto fail;
	}

	static const struct { const char *key; int field; int in_hc; } ints[] = {
		{"Tty", SL_CTR_TTY, 0},
		{"OpenStdin", SL_CTR_OPEN_STDIN, 0},
		{"StdinOnce", SL_CTR_STDIN_ONCE, 0},
		{"AttachStdin", SL_CTR_ATTACH_STDIN, 0},
		{"AttachStdout", SL_CTR_ATTACH_STDOUT, 0},
		{"AttachStderr", SL_CTR_ATTACH_STDERR, 0},
		{"NanoCpus", SL_CTR_NANO_CPUS, 1},
		{"Memory", SL_CTR_MEMORY, 1},
		{"MemoryReservation", SL_CTR_MEMORY_RESERVATION, 1},
		{"CpuShares", SL_CTR_CPU_SHARES, 1},
		{"AutoRemove", SL_CTR_AUTO_REMOVE, 1},
		{"Privileged", SL_CTR_PRIVILEGED, 1},
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (get_int(ints[i].in_hc ? hc : root, ints[i].key,
			    &c->ints[ints[i].field], 0, err, errlen,
			    ints[i].in_hc ? "HostConfig" : "Config"))
			goto fail;
	if (get_int(root, "StopTimeout", &c->ints[SL_CTR_STOP_TIMEOUT], -1, err, errlen, "Config"))
		goto fail;
	if (hc && json_object_object_get_ex(hc, "RestartPolicy", &rp) && rp) {
		if (!json_object_is_type(rp, json_type_object)) {
			snprintf(err, errlen, "invalid JSON: HostConfig.RestartPolicy must be an object");
			goto fail;
		}
		if (get_str(rp, "Name", &c->str[SL_CTR_RESTART_POLICY], err, errlen, "RestartPolicy") ||
		    get_int(rp, "MaximumRetryCount", &v, 0, err, errlen, "RestartPolicy"))
			goto fail;
		c->ints[SL_CTR_RESTART_MAX] = v;
	}
	snprintf(c->state.restart_policy, sizeof(c->state.restart_policy), "%s",
		c->str[SL_CTR_RESTART_POLICY] && *c->str[SL_CTR_RESTART_POLICY] ?
		c->str[SL_CTR_RESTART_POLICY] : "no");
	c->state.restart_max = c->ints[SL_CTR_RESTART_MAX];
	/* Docker: no Test inherits the image's (none here); ["NONE"] disables. */
	if (json_object_object_get_ex(root, "Healthcheck", &hck) &&
	    json_object_is_type(hck, json_type_object) &&
	    json_object_object_get_ex(hck, "Test", &hck) &&
	    json_object_is_type(hck, json_type_array) && json_object_array_length(hck) > 0) {
		struct json_object *t0 = json_object_array_get_idx(hck, 0);

		c->healthcheck = !json_object_is_type(t0, json_type_string) ||
			strcmp(json_object_get_string(t0), "NONE") != 0;
	}
	if (hc && json_object_object_get_ex(hc, "ConsoleSize", &cs) && cs &&
	    json_object_is_type(cs, json_type_array) &&
	    json_object_array_length(cs) == 2) {
		c->ints[SL_CTR_CONSOLE_HEIGHT] = json_object_get_int64(json_object_array_get_idx(cs, 0));
		c->ints[SL_CTR_CONSOLE_WIDTH] = json_object_get_int64(json_object_array_get_idx(cs, 1));
	}
	c->ints[SL_CTR_CREATED_NS] = created_ns;
	if (c->ints[SL_CTR_NANO_CPUS] < 0 || c->ints[SL_CTR_MEMORY] < 0) {
		snprintf(err, errlen, "invalid resources: NanoCpus and Memory must not be negative");
		goto fail;
	}
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	sl_ctr_unref(c);
	c = NULL;
out:
	sl_strv_free(body_ep);
	sl_strv_free(body_cmd);
	sl_strv_free(body_env);
	sl_strv_free(body_labels);
	sl_strv_free(img_labels);
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	return c;
}

struct sl_container *sl_ctr_ref(struct sl_container *c)
{
	if (c)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_SEQ_CST);
	return c;
}

void sl_ctr_unref(struct sl_container *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_SEQ_CST) > 0)
		return;
	for (int i = 0; i < SL_CTR_NSTR; i++)
		free(c->str[i]);
	for (int i = 0; i < SL_CTR_NLIST; i++)
		sl_strv_free(c->list[i]);
	sl_strv_free(c->retired);
	free(c->raw);
	free(c->state.error);
	sl_kv_free(c->data);
	sl_ctrcache_free(c->cache);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->persist_lock);
	free(c);
}

int sl_ctr_data_set(struct sl_container *c, const char *key, const char *value)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = sl_kv_set(&c->data, key, value);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

char *sl_ctr_data_get(struct sl_container *c, const char *key)
{
	char *v;

	pthread_mutex_lock(&c->lock);
	v = sl_kv_get(c->data, key);
	pthread_mutex_unlock(&c->lock);
	return v;
}

void sl_ctr_get_state(struct sl_container *c, struct sl_ctr_state *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->state;
	out->error = c->state.error ? strdup(c->state.error) : NULL;
	pthread_mutex_unlock(&c->lock);
}

const char *sl_ctr_status_name(int status)
{
	switch (status) {
	case SL_STATUS_CREATED: return "created";
	case SL_STATUS_RUNNING: return "running";
	case SL_STATUS_PAUSED: return "paused";
	case SL_STATUS_RESTARTING: return "restarting";
	case SL_STATUS_EXITED: return "exited";
	case SL_STATUS_DEAD: return "dead";
	case SL_STATUS_REMOVED: return "removing";
	default: return "unknown";
	}
}

struct json_object *sl_ctr_to_json(struct sl_container *c)
{
	struct json_object *o = json_object_new_object(), *st, *bd;

	if (!o)
		return NULL;
	json_object_object_add(o, "Id", json_object_new_string(c->str[SL_CTR_ID]));
	json_object_object_add(o, "Name", json_object_new_string(c->str[SL_CTR_NAME]));
	json_object_object_add(o, "CreatedNs", json_object_new_int64(c->ints[SL_CTR_CREATED_NS]));
	if (c->str[SL_CTR_IMAGE_REF])
		json_object_object_add(o, "ImageRef", json_object_new_string(c->str[SL_CTR_IMAGE_REF]));
	if (c->str[SL_CTR_IMAGE_ID])
		json_object_object_add(o, "ImageID", json_object_new_string(c->str[SL_CTR_IMAGE_ID]));
	/* The image config as it was at create, so a restart rebuilds the
	 * same effective values even if the image record changes. */
	struct json_object *ic = json_object_new_object();
	static const struct { const char *k; int f; } il[] = {
		{"Entrypoint", SL_CTR_IMAGE_ENTRYPOINT}, {"Cmd", SL_CTR_IMAGE_CMD},
		{"Env", SL_CTR_IMAGE_ENV},
	};
	for (size_t i = 0; i < sizeof(il) / sizeof(il[0]); i++) {
		char **v = c->list[il[i].f];

		if (!v)
			continue;
		struct json_object *a = json_object_new_array();
		for (; *v; v++)
			json_object_array_add(a, json_object_new_string(*v));
		json_object_object_add(ic, il[i].k, a);
	}
	json_object_object_add(o, "ImageConfig", ic);
	json_object_object_add(o, "Create", json_object_new_string_len(c->raw, (int)c->raw_len));

	pthread_mutex_lock(&c->lock);
	st = json_object_new_object();
	json_object_object_add(st, "Status", json_object_new_int(c->state.status));
	json_object_object_add(st, "ExitCode", json_object_new_int(c->state.exit_code));
	json_object_object_add(st, "Pid", json_object_new_int(c->state.pid));
	json_object_object_add(st, "OOMKilled", json_object_new_boolean(c->state.oom_killed));
	json_object_object_add(st, "StartedNs", json_object_new_int64(c->state.started_ns));
	json_object_object_add(st, "FinishedNs", json_object_new_int64(c->state.finished_ns));
	json_object_object_add(st, "RestartCount", json_object_new_int(c->state.restart_count));
	json_object_object_add(st, "ManualStop", json_object_new_boolean(c->state.manual_stop));
	json_object_object_add(st, "RestartPolicy", json_object_new_string(c->state.restart_policy));
	json_object_object_add(st, "RestartMax", json_object_new_int64(c->state.restart_max));
	if (c->state.error)
		json_object_object_add(st, "Error", json_object_new_string(c->state.error));
	bd = json_object_new_object();
	for (struct sl_kv *kv = c->data; kv; kv = kv->next)
		json_object_object_add(bd, kv->key, json_object_new_string(kv->value));
	pthread_mutex_unlock(&c->lock);
	json_object_object_add(o, "State", st);
	json_object_object_add(o, "BackendData", bd);
	return o;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t jint(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	return json_object_get_int64(v);
}

struct sl_container *sl_ctr_from_json(struct json_object *doc, char *err,
	size_t errlen)
{
	const char *id = jstr(doc, "Id"), *name = jstr(doc, "Name");
	const char *create = jstr(doc, "Create");
	struct json_object *ic = NULL, *st, *bd;
	struct sl_container *c;

	if (!id || !name || !create) {
		snprintf(err, errlen, "record lacks Id, Name or Create");
		return NULL;
	}
	json_object_object_get_ex(doc, "ImageConfig", &ic);
	c = sl_ctr_from_create(id, name, create, strlen(create),
		jstr(doc, "ImageRef"), jstr(doc, "ImageID"), ic,
		jint(doc, "CreatedNs"), err, errlen);
	if (!c)
		return NULL;
	if (json_object_object_get_ex(doc, "State", &st) &&
	    json_object_is_type(st, json_type_object)) {
		const char *e = jstr(st, "Error");

		c->state.status = (int)jint(st, "Status");
		if (c->state.status < SL_STATUS_CREATED || c->state.status > SL_STATUS_REMOVED)
			c->state.status = SL_STATUS_CREATED;
		/* The daemon stopped with a restart pending: its exit was
		 * reported; the policy decides again at start. */
		if (c->state.status == SL_STATUS_RESTARTING)
			c->state.status = SL_STATUS_EXITED;
		c->state.exit_code = (int)jint(st, "ExitCode");
		c->state.pid = (int)jint(st, "Pid");
		c->state.oom_killed = (int)jint(st, "OOMKilled");
		c->state.started_ns = jint(st, "StartedNs");
		c->state.finished_ns = jint(st, "FinishedNs");
		c->state.restart_count = (int)jint(st, "RestartCount");
		c->state.manual_stop = (int)jint(st, "ManualStop");
		/* docker update's, if any (records before it have none). */
		if (jstr(st, "RestartPolicy")) {
			snprintf(c->state.restart_policy, sizeof(c->state.restart_policy),
				"%s", jstr(st, "RestartPolicy"));
			c->state.restart_max = jint(st, "RestartMax");
		}
		c->state.last_exit_code = c->state.exit_code;
		c->state.error = e ? strdup(e) : NULL;
	}
	if (json_object_object_get_ex(doc, "BackendData", &bd) &&
	    json_object_is_type(bd, json_type_object)) {
		json_object_object_foreach(bd, k, v)
			if (json_object_is_type(v, json_type_string))
				sl_ctr_data_set(c, k, json_object_get_string(v));
	}
	return c;
}
