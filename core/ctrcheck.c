/*
 * ctrcheck.c - what dockerd refuses in a container create body.
 *
 * The messages are dockerd's (api/types/container/hostconfig.go,
 * daemon/container.go, daemon/logger/factory.go and the json-file and
 * local drivers): clients and users search for them.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/ctrcheck.h"

/* Member `key` of o when it is a string; NULL otherwise. */
static const char *str_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * ValidateRestartPolicy, after dockerd's create turned an empty name
 * into "no".  Wrong types are left to the record parser's messages.
 */
int sl_ctrcheck_restart(struct json_object *hc, char *err, size_t errlen)
{
	struct json_object *rp = NULL, *mrc;
	const char *name;
	int64_t n = 0;
	int autoremove = 0;
	struct json_object *ar;

	if (json_object_object_get_ex(hc, "RestartPolicy", &rp) &&
	    !json_object_is_type(rp, json_type_object))
		return 0;
	name = str_member(rp, "Name");
	if (!name || !*name)
		name = "no";
	if (rp && json_object_object_get_ex(rp, "MaximumRetryCount", &mrc) &&
	    json_object_is_type(mrc, json_type_int))
		n = json_object_get_int64(mrc);
	if (json_object_object_get_ex(hc, "AutoRemove", &ar) &&
	    json_object_is_type(ar, json_type_boolean))
		autoremove = json_object_get_boolean(ar);
	if (autoremove && strcmp(name, "no")) {
		snprintf(err, errlen, "can't create 'AutoRemove' container with restart policy");
		return -1;
	}
	if (!strcmp(name, "always") || !strcmp(name, "unless-stopped") || !strcmp(name, "no")) {
		if (n != 0) {
			snprintf(err, errlen,
				"invalid restart policy: maximum retry count can only be used with 'on-failure'%s",
				n < 0 ? " and cannot be negative" : "");
			return -1;
		}
		return 0;
	}
	if (!strcmp(name, "on-failure")) {
		if (n < 0) {
			snprintf(err, errlen, "invalid restart policy: maximum retry count cannot be negative");
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen,
		"invalid restart policy: unknown policy '%s'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
		name);
	return -1;
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* strconv.ParseBool. */
static int go_bool(const char *s)
{
	static const char *const forms[] = {"1", "t", "T", "TRUE", "true", "True",
		"0", "f", "F", "FALSE", "false", "False", NULL};

	return in_list(s, forms);
}

/*
 * logger.ValidateLogOpts for the drivers Sockerless accepts: json-file
 * and local (the logs the backend keeps read the same either way) and
 * none.  The others dockerd builds in (syslog, journald, gelf, fluentd,
 * awslogs, splunk, gcplogs) ship logs elsewhere; Sockerless ships them
 * nowhere, so it answers as dockerd does for a driver it lacks rather
 * than drop them silently.
 */
static int check_log(struct json_object *hc, char *err, size_t errlen)
{
	/* Options every driver takes (factory.go builtInLogOpts and the
	 * log cache's), kept out of the driver's own check. */
	static const char *const common[] = {"mode", "max-buffer-size",
		"cache-disabled", "cache-max-file", "cache-max-size",
		"cache-compress", NULL};
	static const char *const json_file[] = {"max-file", "max-size",
		"compress", "labels", "labels-regex", "env", "env-regex", "tag", NULL};
	static const char *const local[] = {"max-file", "max-size", "compress", NULL};
	struct json_object *lc = NULL, *cfg = NULL;
	const char *type, *mode, *v;

	if (!json_object_object_get_ex(hc, "LogConfig", &lc) || !lc)
		return 0;
	if (!json_object_is_type(lc, json_type_object)) {
		snprintf(err, errlen, "invalid JSON: HostConfig.LogConfig must be an object");
		return -1;
	}
	type = str_member(lc, "Type");
	if (!type || !*type)
		type = "json-file";
	if (json_object_object_get_ex(lc, "Config", &cfg) && cfg) {
		if (!json_object_is_type(cfg, json_type_object)) {
			snprintf(err, errlen, "invalid JSON: HostConfig.LogConfig.Config must be an object");
			return -1;
		}
		json_object_object_foreach(cfg, k, val) {
			(void)k;
			if (!json_object_is_type(val, json_type_string)) {
				snprintf(err, errlen,
					"invalid JSON: HostConfig.LogConfig.Config values must be strings");
				return -1;
			}
		}
	}
	if (!strcmp(type, "none"))
		return 0;
	mode = str_member(cfg, "mode");
	if (mode && *mode && strcmp(mode, "blocking") && strcmp(mode, "non-blocking")) {
		snprintf(err, errlen, "logger: logging mode not supported: %s", mode);
		return -1;
	}
	if (str_member(cfg, "max-buffer-size") && (!mode || strcmp(mode, "non-blocking"))) {
		snprintf(err, errlen,
			"logger: max-buffer-size option is only supported with 'mode=non-blocking'");
		return -1;
	}
	v = str_member(cfg, "cache-disabled");
	if (v && *v && !go_bool(v)) {
		snprintf(err, errlen, "invalid value for option cache-disabled: %s", v);
		return -1;
	}
	if (strcmp(type, "json-file") && strcmp(type, "local")) {
		snprintf(err, errlen,
			"error looking up logging plugin %s: plugin \"%s\" not found", type, type);
		return -1;
	}
	if (!cfg)
		return 0;
	json_object_object_foreach(cfg, key, val2) {
		(void)val2;
		if (in_list(key, common))
			continue;
		if (!strcmp(type, "json-file") && !in_list(key, json_file)) {
			snprintf(err, errlen, "unknown log opt '%s' for json-file log driver", key);
			return -1;
		}
		if (!strcmp(type, "local") && !in_list(key, local)) {
			snprintf(err, errlen, "unknown log opt '%s' for log driver local", key);
			return -1;
		}
	}
	return 0;
}

int sl_ctrcheck_hostconfig(struct json_object *body, char *err, size_t errlen)
{
	struct json_object *hc;

	if (!json_object_object_get_ex(body, "HostConfig", &hc) ||
	    !json_object_is_type(hc, json_type_object))
		return 0;
	if (sl_ctrcheck_restart(hc, err, errlen) < 0 || check_log(hc, err, errlen) < 0)
		return -1;
	return 0;
}
