/* sim_json.h - null-safe json-c helpers for the front end. */
#ifndef SIM_JSON_H
#define SIM_JSON_H

#include <stddef.h>

#include <json-c/json.h>

/* Length of an array; 0 for NULL or anything that is not an array
 * (json_object_array_length asserts on those). */
static inline size_t sim_alen(struct json_object *o)
{
	return o && json_object_is_type(o, json_type_array) ? json_object_array_length(o) : 0;
}

/* Member k of object o; NULL when o is not an object or has no k. */
static inline struct json_object *sim_jget(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	json_object_object_get_ex(o, k, &v);
	return v;
}

/* Member k of o when it is a string (borrowed from o); NULL otherwise. */
static inline const char *sim_jstr(struct json_object *o, const char *k)
{
	struct json_object *v = sim_jget(o, k);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

#endif
