/* sim_profiles.c - workload profiles and the allocations they allow. */
#include "config.h"

#include "sim_profiles.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "sim_arm.h"
#include "sim_json.h"
#include "sim_state.h"

/* Dedicated profile types: the node size a replica may fill (Microsoft
 * Learn, "Workload profiles in Azure Container Apps", profile types). */
struct wp_type {
	const char *type;
	double cpu, gib;
};

static const struct wp_type wp_types[] = {
	{ "Consumption", 4, 8 },
	{ "D4", 4, 16 },   { "D8", 8, 32 },   { "D16", 16, 64 },  { "D32", 32, 128 },
	{ "E4", 4, 32 },   { "E8", 8, 64 },   { "E16", 16, 128 }, { "E32", 32, 256 },
	{ "NC24-A100", 24, 220 }, { "NC48-A100", 48, 440 }, { "NC96-A100", 96, 880 },
};

static const struct wp_type *type_of(const char *t)
{
	for (size_t i = 0; t && i < sizeof(wp_types) / sizeof(wp_types[0]); i++)
		if (strcasecmp(wp_types[i].type, t) == 0)
			return &wp_types[i];
	return NULL;
}

static const char *str_of(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

struct json_object *sim_profiles_of(const struct sim_env *e)
{
	struct json_object *p, *w;

	if (!e->doc || !json_object_object_get_ex(e->doc, "properties", &p) ||
	    !json_object_object_get_ex(p, "workloadProfiles", &w) ||
	    !json_object_is_type(w, json_type_array) || sim_alen(w) == 0)
		return NULL;
	return w;
}

static void names_of(struct json_object *profiles, char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sim_alen(profiles); i++) {
		const char *n = str_of(json_object_array_get_idx(profiles, i), "name");
		int w = snprintf(out + o, outsz - o, "%s%s", o ? ", " : "", n ? n : "");
		if (w < 0 || (size_t)w >= outsz - o)
			break;
		o += (size_t)w;
	}
}

int sim_profiles_resolve(const struct sim_env *e, const char *wp,
			 struct sim_profile_limits *out, struct sim_resp *resp)
{
	struct json_object *profiles = sim_profiles_of(e);
	char names[512];

	memset(out, 0, sizeof(*out));
	if (!profiles) {
		if (wp && *wp) {
			/* choice: a Consumption-only environment has no profile
			 * a job could name. */
			sim_arm_error(resp, 400, "WorkloadProfileNotFound",
				      "properties.workloadProfileName",
				      "Workload profile '%s' was not found in managed environment '%s'. "
				      "The environment has no workload profiles.",
				      wp, e->name);
			return -EINVAL;
		}
		out->consumption = 1;
		out->max_cpu = 2;
		out->max_gib = 4;
		return 0;
	}
	for (size_t i = 0; i < sim_alen(profiles); i++) {
		struct json_object *p = json_object_array_get_idx(profiles, i);
		const char *name = str_of(p, "name");
		const char *type = str_of(p, "workloadProfileType");
		const struct wp_type *t = type_of(type);
		int want = wp && *wp ? name && strcasecmp(name, wp) == 0
				     : type && strcasecmp(type, "Consumption") == 0;

		if (!want || !t)
			continue;
		out->profile = name;
		out->consumption = strcasecmp(t->type, "Consumption") == 0;
		out->max_cpu = t->cpu;
		out->max_gib = t->gib;
		return 0;
	}
	names_of(profiles, names, sizeof(names));
	sim_arm_error(resp, 400, "WorkloadProfileNotFound", "properties.workloadProfileName",
		      "Workload profile '%s' was not found in managed environment '%s'. "
		      "Available workload profiles: %s.",
		      wp && *wp ? wp : "Consumption", e->name, names);
	return -EINVAL;
}

int sim_profiles_check_env(struct json_object *profiles, struct sim_resp *resp)
{
	if (!profiles)
		return 0;
	if (!json_object_is_type(profiles, json_type_array)) {
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Cannot deserialize the current JSON value into type "
			      "'WorkloadProfile[]'. Path 'properties.workloadProfiles'.'.");
		return -EINVAL;
	}
	for (size_t i = 0; i < sim_alen(profiles); i++) {
		struct json_object *p = json_object_array_get_idx(profiles, i);
		const char *name = str_of(p, "name");
		const char *type = str_of(p, "workloadProfileType");

		if (!name || !*name || !type_of(type)) {
			sim_arm_error(resp, 400, "ManagedEnvironmentInvalidWorkloadProfile",
				      "properties.workloadProfiles",
				      "Workload profile %zu needs a name and a workloadProfileType "
				      "of Consumption, D4, D8, D16, D32, E4, E8, E16, E32, "
				      "NC24-A100, NC48-A100 or NC96-A100.", i);
			return -EINVAL;
		}
		for (size_t k = 0; k < i; k++) {
			const char *o = str_of(json_object_array_get_idx(profiles, k), "name");
			if (o && strcasecmp(o, name) == 0) {
				sim_arm_error(resp, 400, "ManagedEnvironmentInvalidWorkloadProfile",
					      "properties.workloadProfiles",
					      "Workload profile name '%s' is used more than once.", name);
				return -EINVAL;
			}
		}
	}
	return 0;
}
