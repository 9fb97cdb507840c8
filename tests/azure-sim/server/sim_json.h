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

#endif
