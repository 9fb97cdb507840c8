/*
 * volume_ctr.c - the volumes of containers: which ones a create body asks
 * for, creating the missing ones, inspect's Mounts, and dropping the
 * anonymous ones with the container.
 *
 * The mounts are kept as "name:dst[:mode]" strings (SL_CTR_VOLUMES), in
 * the create body under SL_VOL_CTR_KEY, so the names chosen for anonymous
 * volumes survive a restart with the record.  mode is what dockerd shows
 * as Mode: a -v bind's mode ("z" when none was given), "" or "ro" for the
 * Mounts API and Config.Volumes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api_ctr.h"
#include "core/call.h"
#include "core/daemon.h"
#include "core/events.h"
#include "core/log.h"
#include "core/store.h"
#include "core/volspec.h"
#include "core/volume.h"

struct spec {
	char name[SL_STORE_MAX_ID + 2];   /* "" for an anonymous volume */
	const char *dst;
	char mode[32];
};

#define MAX_SPECS 64

struct specs {
	struct spec v[MAX_SPECS];
	size_t n;
	char dst_buf[MAX_SPECS][1024];
};

static int dst_taken(const struct specs *s, const char *dst)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].dst, dst))
			return 1;
	return 0;
}

static int add_spec(struct specs *s, const char *name, size_t name_len,
	const char *dst, size_t dst_len, const char *mode, struct sl_call *call)
{
	struct spec *p;
	char err[512], nm[SL_STORE_MAX_ID + 2];

	if (s->n == MAX_SPECS)
		return sl_call_set_error(call, SL_EINVAL, "too many volumes (at most %d)", MAX_SPECS);
	if (!dst_len || dst[0] != '/')
		return sl_call_set_error(call, SL_EINVAL,
			"invalid mount config: mount path must be absolute: %.*s", (int)dst_len, dst);
	snprintf(nm, sizeof(nm), "%.*s", (int)(name_len > SL_STORE_MAX_ID + 1 ?
		SL_STORE_MAX_ID + 1 : name_len), name);
	if (name_len && sl_volspec_valid_name(nm, err, sizeof(err)) < 0)
		return sl_call_set_error(call, SL_EINVAL, "create %s: %s", nm, err);
	p = &s->v[s->n];
	snprintf(s->dst_buf[s->n], sizeof(s->dst_buf[s->n]), "%.*s", (int)dst_len, dst);
	if (dst_taken(s, s->dst_buf[s->n]))
		return sl_call_set_error(call, SL_EINVAL,
			"Duplicate mount point: %s", s->dst_buf[s->n]);
	snprintf(p->name, sizeof(p->name), "%s", nm);
	p->dst = s->dst_buf[s->n];
	snprintf(p->mode, sizeof(p->mode), "%s", mode);
	s->n++;
	return SL_OK;
}

/* HostConfig.Binds: "src:dst[:mode]"; a src that is not a path names a
 * volume, and a lone path is an anonymous volume (volspec.h). */
static int read_binds(struct json_object *hc, struct specs *s, struct json_object *bind_dsts,
	struct sl_call *call)
{
	struct json_object *binds;
	struct sl_volspec vs;
	char err[1200];

	if (!json_object_object_get_ex(hc, "Binds", &binds) ||
	    !json_object_is_type(binds, json_type_array))
		return SL_OK;
	for (size_t i = 0; i < json_object_array_length(binds); i++) {
		const char *b = json_object_get_string(json_object_array_get_idx(binds, i));
		int kind, rc;

		if (!b || !*b)
			continue;
		kind = sl_volspec_bind(b, &vs, err, sizeof(err));
		if (kind < 0)
			return sl_call_set_error(call, SL_EINVAL, "%s", err);
		if (kind == SL_VOLSPEC_BIND) {
			/* A host path: the backend's business; its target is taken. */
			json_object_array_add(bind_dsts, json_object_new_string(vs.dst));
			continue;
		}
		rc = add_spec(s, vs.name, strlen(vs.name), vs.dst, strlen(vs.dst),
			kind == SL_VOLSPEC_NAMED && !vs.mode[0] ? "z" : vs.mode, call);
		if (rc)
			return rc;
	}
	return SL_OK;
}

/* HostConfig.Mounts of type volume. */
static int read_mounts(struct json_object *hc, struct specs *s, struct sl_call *call)
{
	struct json_object *mounts;

	if (!json_object_object_get_ex(hc, "Mounts", &mounts) ||
	    !json_object_is_type(mounts, json_type_array))
		return SL_OK;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i), *v;
		const char *type = "", *src = "", *dst = "";
		int ro = 0, rc;

		if (json_object_object_get_ex(m, "Type", &v))
			type = json_object_get_string(v);
		if (strcmp(type, "volume"))
			continue;
		if (json_object_object_get_ex(m, "Source", &v) && json_object_get_string(v))
			src = json_object_get_string(v);
		if (json_object_object_get_ex(m, "Target", &v) && json_object_get_string(v))
			dst = json_object_get_string(v);
		if (json_object_object_get_ex(m, "ReadOnly", &v))
			ro = json_object_get_boolean(v);
		rc = add_spec(s, src, strlen(src), dst, strlen(dst), ro ? "ro" : "", call);
		if (rc)
			return rc;
	}
	return SL_OK;
}

int sl_vol_ctr_prepare(struct json_object *body, struct sl_call *call,
	struct json_object **created)
{
	struct json_object *hc = NULL, *cv, *out, *bind_dsts = json_object_new_array();
	struct specs *s = calloc(1, sizeof(*s));
	int rc;

	*created = json_object_new_array();
	if (!s || !bind_dsts || !*created) {
		rc = sl_call_set_error(call, SL_ENOMEM, "out of memory");
		goto out;
	}
	json_object_object_get_ex(body, "HostConfig", &hc);
	rc = read_binds(hc, s, bind_dsts, call);
	if (!rc)
		rc = read_mounts(hc, s, call);
	/* Config.Volumes: anonymous, unless something else is mounted there.
	 * A backend without volume hooks keeps the image's path as it is
	 * (images declare VOLUMEs; refusing them would refuse the image). */
	if (!rc && sl_daemon.backend.volumes.create &&
	    json_object_object_get_ex(body, "Volumes", &cv) &&
	    json_object_is_type(cv, json_type_object)) {
		json_object_object_foreach(cv, dst, val) {
			int bound = 0;

			(void)val;
			for (size_t i = 0; i < json_object_array_length(bind_dsts); i++)
				bound |= !strcmp(dst, json_object_get_string(
					json_object_array_get_idx(bind_dsts, i)));
			if (bound || dst_taken(s, dst))
				continue;
			rc = add_spec(s, "", 0, dst, strlen(dst), "", call);
			if (rc)
				break;
		}
	}
	if (rc || !s->n)
		goto out;
	out = json_object_new_array();
	json_object_object_add(body, SL_VOL_CTR_KEY, out);
	for (size_t i = 0; i < s->n; i++) {
		struct spec *p = &s->v[i];
		struct json_object *existing = NULL;
		char gen[65], entry[1400];
		int anon = !p->name[0];

		if (anon) {
			sl_random_hex(gen, 32);
			snprintf(p->name, sizeof(p->name), "%s", gen);
		} else {
			existing = sl_vol_get(p->name);
		}
		if (!existing) {
			rc = sl_vol_create(p->name, NULL, NULL, NULL, anon, call, NULL);
			if (rc)
				goto out;
			json_object_array_add(*created, json_object_new_string(p->name));
		}
		json_object_put(existing);
		snprintf(entry, sizeof(entry), "%s:%s%s%s", p->name, p->dst,
			p->mode[0] ? ":" : "", p->mode);
		json_object_array_add(out, json_object_new_string(entry));
	}
out:
	json_object_put(bind_dsts);
	free(s);
	return rc;
}

void sl_vol_ctr_undo(struct json_object *created)
{
	for (size_t i = 0; created && i < json_object_array_length(created); i++) {
		struct sl_call call;

		sl_call_begin(&call);
		sl_vol_remove(json_object_get_string(json_object_array_get_idx(created, i)), 1, &call);
		sl_call_end(&call);
	}
}

void sl_vol_ctr_removed(struct sl_container *c, int remove_anon)
{
	if (!remove_anon)
		return;
	for (char **v = c->list[SL_CTR_VOLUMES]; v && *v; v++) {
		struct sl_volspec vs;
		const char *name = vs.name;
		struct json_object *doc, *labels;

		sl_volspec_split(*v, &vs);
		doc = sl_vol_get(name);
		if (doc && json_object_object_get_ex(doc, "Labels", &labels) &&
		    json_object_object_get_ex(labels, SL_VOL_ANON_LABEL, NULL)) {
			struct sl_call call;
			int rc;

			/* In use by another container: kept, as dockerd does. */
			sl_call_begin(&call);
			rc = sl_vol_remove(name, 0, &call);
			if (rc && rc != SL_ECONFLICT)
				sl_warn("remove volume %s: %s", name, sl_call_message(&call, rc));
			sl_call_end(&call);
		}
		json_object_put(doc);
	}
}

struct json_object *sl_vol_ctr_mounts(struct sl_container *c)
{
	struct json_object *a = json_object_new_array();

	for (char **v = c->list[SL_CTR_VOLUMES]; v && *v; v++) {
		struct json_object *m = json_object_new_object(), *doc;
		struct sl_volspec vs;
		const char *name = vs.name, *dst = vs.dst, *mode = vs.mode;

		sl_volspec_split(*v, &vs);
		doc = sl_vol_get(name);
		json_object_object_add(m, "Type", json_object_new_string("volume"));
		json_object_object_add(m, "Name", json_object_new_string(name));
		json_object_object_add(m, "Source", json_object_new_string(doc ?
			json_object_get_string(json_object_object_get(doc, "Mountpoint")) : ""));
		json_object_object_add(m, "Destination", json_object_new_string(dst));
		json_object_object_add(m, "Driver", json_object_new_string("local"));
		json_object_object_add(m, "Mode", json_object_new_string(mode));
		json_object_object_add(m, "RW", json_object_new_boolean(!sl_volspec_read_only(mode)));
		json_object_object_add(m, "Propagation", json_object_new_string(""));
		json_object_array_add(a, m);
		json_object_put(doc);
	}
	for (char **v = c->list[SL_CTR_BINDS]; v && *v; v++) {
		struct json_object *m = json_object_new_object();
		struct sl_volspec vs;
		const char *src = vs.name, *dst = vs.dst, *mode = vs.mode;

		sl_volspec_split(*v, &vs);
		json_object_object_add(m, "Type", json_object_new_string("bind"));
		json_object_object_add(m, "Source", json_object_new_string(src));
		json_object_object_add(m, "Destination", json_object_new_string(dst));
		json_object_object_add(m, "Mode", json_object_new_string(mode));
		json_object_object_add(m, "RW", json_object_new_boolean(!sl_volspec_read_only(mode)));
		json_object_object_add(m, "Propagation", json_object_new_string("rprivate"));
		json_object_array_add(a, m);
	}
	return a;
}

void sl_vol_ctr_event(struct sl_container *c, const char *action)
{
	for (char **v = c->list[SL_CTR_VOLUMES]; v && *v; v++) {
		struct sl_volspec vs;
		const char *name = vs.name, *dst = vs.dst, *mode = vs.mode;
		const char *attrs[12];

		sl_volspec_split(*v, &vs);
		attrs[0] = "container";
		attrs[1] = c->str[SL_CTR_ID];
		attrs[2] = "driver";
		attrs[3] = "local";
		attrs[4] = NULL;
		if (!strcmp(action, "mount")) {
			attrs[4] = "destination";
			attrs[5] = dst;
			attrs[6] = "propagation";
			attrs[7] = "";
			attrs[8] = "read/write";
			attrs[9] = sl_volspec_read_only(mode) ? "false" : "true";
			attrs[10] = NULL;
		}
		sl_events_publish(sl_daemon.events, "volume", action, name, attrs);
	}
}
