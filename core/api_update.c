/*
 * api_update.c - POST /containers/{id}/update (docker update).
 *
 * The restart policy is the core's (restart.c), so it can change at any
 * time, as dockerd's does: it applies from the next exit.  Resources
 * (--cpus, --memory, ...) are fixed at create on the backends Sockerless
 * drives, so a body that sets any is refused, naming the field, and
 * nothing is changed.  Messages and codes are dockerd's (daemon/update.go,
 * container_unix.go UpdateContainer).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "core/api.h"
#include "core/api_ctr.h"
#include "core/ctrcheck.h"
#include "core/ctrtab.h"
#include "core/daemon.h"

/* Whether a member of the body sets something: the CLI sends every
 * resource field, zero when its flag was not given. */
static int is_set(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return 0;
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_int:
		return json_object_get_int64(v) != 0;
	case json_type_double:
		return json_object_get_double(v) != 0;
	case json_type_string:
		return json_object_get_string_len(v) != 0;
	case json_type_array:
		return json_object_array_length(v) != 0;
	case json_type_object:
		return json_object_object_length(v) != 0;
	}
	return 1;
}

enum MHD_Result sl_api_ctr_update(struct sl_req *r)
{
	struct json_object *body, *rp = NULL, *name, *max, *resp;
	struct sl_container *c;
	enum MHD_Result ret;
	char err[512];
	const char *pn = "";
	int64_t pmax = 0;

	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	body = sl_http_body_json(r);
	if (!body) {
		sl_ctr_unref(c);
		return MHD_YES;
	}
	json_object_object_foreach(body, k, v) {
		if (strcmp(k, "RestartPolicy") && is_set(v)) {
			ret = sl_http_error(r, 501,
				"Cannot update container %s: %s cannot be changed after create here (the %s backend fixes a container's resources when it starts): remove the container and create it again",
				c->str[SL_CTR_ID], k, sl_daemon.backend.name);
			goto out;
		}
	}
	if (json_object_object_get_ex(body, "RestartPolicy", &rp) &&
	    json_object_is_type(rp, json_type_object)) {
		if (json_object_object_get_ex(rp, "Name", &name) &&
		    json_object_is_type(name, json_type_string))
			pn = json_object_get_string(name);
		if (json_object_object_get_ex(rp, "MaximumRetryCount", &max) &&
		    json_object_is_type(max, json_type_int))
			pmax = json_object_get_int64(max);
	} else if (rp && !json_object_is_type(rp, json_type_null)) {
		ret = sl_http_error(r, 400, "invalid JSON: RestartPolicy must be an object");
		goto out;
	}
	/* An empty name leaves the policy as it is. */
	if (*pn) {
		if (sl_ctrcheck_restart(body, err, sizeof(err)) < 0) {
			ret = sl_http_error(r, 400, "%s", err);
			goto out;
		}
		if (c->ints[SL_CTR_AUTO_REMOVE] && strcmp(pn, "no")) {
			ret = sl_http_error(r, 409,
				"Cannot update container %s: Restart policy cannot be updated because AutoRemove is enabled for the container",
				c->str[SL_CTR_ID]);
			goto out;
		}
		if (strlen(pn) >= sizeof(c->state.restart_policy)) {
			/* sl_ctrcheck_restart knows every valid name: not here. */
			ret = sl_http_error(r, 400, "invalid restart policy: %s", pn);
			goto out;
		}
		pthread_mutex_lock(&c->lock);
		snprintf(c->state.restart_policy, sizeof(c->state.restart_policy), "%s", pn);
		c->state.restart_max = pmax;
		c->cfg_gen++;
		pthread_mutex_unlock(&c->lock);
		sl_ctrtab_persist(c);
	}
	sl_ctrtab_event(c, "update", NULL);
	resp = json_object_new_object();
	json_object_object_add(resp, "Warnings", NULL);
	ret = sl_http_json(r, 200, resp);
	json_object_put(resp);
out:
	json_object_put(body);
	sl_ctr_unref(c);
	return ret;
}
