/* sim_jobspec.c - Job body schema, validation, merge patch and rendering. */
#include "config.h"

#include "sim_jobspec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "sim_json.h"
#include <openssl/sha.h>

#include "sim_arm.h"
#include "sim_ctx.h"
#include "sim_profiles.h"
#include "sim_region.h"
#include "sim_state.h"
#include "sim_storage.h"
#include "sim_util.h"

/* --- schema -------------------------------------------------------------
 * A small table-driven description of the parts of the Job schema whose
 * types matter. Anything not described is accepted as is. */

enum st { T_ANY, T_STR, T_INT, T_NUM, T_BOOL, T_OBJ, T_ARR, T_MAP };

struct fld;
struct node {
	enum st t;
	const struct fld *fields;   /* T_OBJ */
	const struct node *elem;    /* T_ARR elements, T_MAP values */
	const char *cls;            /* .NET type name for messages */
};
struct fld {
	const char *name;
	const struct node *node;
};

static const struct node n_str = { T_STR, NULL, NULL, "System.String" };
static const struct node n_int = { T_INT, NULL, NULL, "System.Int32" };
static const struct node n_num = { T_NUM, NULL, NULL, "System.Double" };
static const struct node n_anyobj = { T_OBJ, NULL, NULL, "System.Object" };
static const struct node n_strarr = { T_ARR, NULL, &n_str, "System.String[]" };

static const struct fld f_envvar[] = { { "name", &n_str }, { "value", &n_str },
				       { "secretRef", &n_str }, { NULL, NULL } };
static const struct node n_envvar = { T_OBJ, f_envvar, NULL, "EnvironmentVar" };
static const struct node n_envarr = { T_ARR, NULL, &n_envvar, "EnvironmentVar[]" };
static const struct fld f_res[] = { { "cpu", &n_num }, { "memory", &n_str },
				    { "ephemeralStorage", &n_str }, { NULL, NULL } };
static const struct node n_res = { T_OBJ, f_res, NULL, "ContainerResources" };
static const struct fld f_vm[] = { { "volumeName", &n_str }, { "mountPath", &n_str },
				   { "subPath", &n_str }, { NULL, NULL } };
static const struct node n_vm = { T_OBJ, f_vm, NULL, "VolumeMount" };
static const struct node n_vmarr = { T_ARR, NULL, &n_vm, "VolumeMount[]" };
static const struct fld f_hdr[] = { { "name", &n_str }, { "value", &n_str }, { NULL, NULL } };
static const struct node n_hdr = { T_OBJ, f_hdr, NULL, "HttpHeader" };
static const struct node n_hdrarr = { T_ARR, NULL, &n_hdr, "HttpHeader[]" };
static const struct fld f_httpget[] = { { "path", &n_str }, { "port", &n_int }, { "host", &n_str },
					{ "scheme", &n_str }, { "httpHeaders", &n_hdrarr },
					{ NULL, NULL } };
static const struct node n_httpget = { T_OBJ, f_httpget, NULL, "ContainerAppProbeHttpGet" };
static const struct fld f_tcp[] = { { "host", &n_str }, { "port", &n_int }, { NULL, NULL } };
static const struct node n_tcp = { T_OBJ, f_tcp, NULL, "ContainerAppProbeTcpSocket" };
static const struct fld f_probe[] = {
	{ "type", &n_str },           { "httpGet", &n_httpget },        { "tcpSocket", &n_tcp },
	{ "initialDelaySeconds", &n_int }, { "periodSeconds", &n_int }, { "timeoutSeconds", &n_int },
	{ "failureThreshold", &n_int }, { "successThreshold", &n_int },
	{ "terminationGracePeriodSeconds", &n_int }, { NULL, NULL },
};
static const struct node n_probe = { T_OBJ, f_probe, NULL, "ContainerAppProbe" };
static const struct node n_probearr = { T_ARR, NULL, &n_probe, "ContainerAppProbe[]" };
static const struct fld f_ctr[] = {
	{ "image", &n_str },  { "name", &n_str },       { "command", &n_strarr },
	{ "args", &n_strarr }, { "env", &n_envarr },     { "resources", &n_res },
	{ "volumeMounts", &n_vmarr }, { "probes", &n_probearr }, { NULL, NULL },
};
static const struct node n_ctr = { T_OBJ, f_ctr, NULL, "Container" };
static const struct node n_ctrarr = { T_ARR, NULL, &n_ctr, "Container[]" };
static const struct fld f_volsec[] = { { "secretRef", &n_str }, { "path", &n_str }, { NULL, NULL } };
static const struct node n_volsec = { T_OBJ, f_volsec, NULL, "SecretVolumeItem" };
static const struct node n_volsecarr = { T_ARR, NULL, &n_volsec, "SecretVolumeItem[]" };
static const struct fld f_vol[] = { { "name", &n_str }, { "storageType", &n_str },
				    { "storageName", &n_str }, { "secrets", &n_volsecarr },
				    { "mountOptions", &n_str }, { NULL, NULL } };
static const struct node n_vol = { T_OBJ, f_vol, NULL, "Volume" };
static const struct node n_volarr = { T_ARR, NULL, &n_vol, "Volume[]" };
static const struct fld f_tmpl[] = { { "containers", &n_ctrarr }, { "initContainers", &n_ctrarr },
				     { "volumes", &n_volarr }, { NULL, NULL } };
static const struct node n_tmpl = { T_OBJ, f_tmpl, NULL, "JobTemplate" };
static const struct fld f_secret[] = { { "name", &n_str }, { "value", &n_str },
				       { "identity", &n_str }, { "keyVaultUrl", &n_str },
				       { NULL, NULL } };
static const struct node n_secret = { T_OBJ, f_secret, NULL, "Secret" };
static const struct node n_secretarr = { T_ARR, NULL, &n_secret, "Secret[]" };
static const struct fld f_reg[] = { { "server", &n_str }, { "username", &n_str },
				    { "passwordSecretRef", &n_str }, { "identity", &n_str },
				    { NULL, NULL } };
static const struct node n_reg = { T_OBJ, f_reg, NULL, "RegistryCredentials" };
static const struct node n_regarr = { T_ARR, NULL, &n_reg, "RegistryCredentials[]" };
static const struct fld f_idset[] = { { "identity", &n_str }, { "lifecycle", &n_str }, { NULL, NULL } };
static const struct node n_idset = { T_OBJ, f_idset, NULL, "IdentitySettings" };
static const struct node n_idsetarr = { T_ARR, NULL, &n_idset, "IdentitySettings[]" };
static const struct fld f_manual[] = { { "replicaCompletionCount", &n_int },
				       { "parallelism", &n_int }, { NULL, NULL } };
static const struct node n_manual = { T_OBJ, f_manual, NULL, "JobConfigurationManualTriggerConfig" };
static const struct fld f_sched[] = { { "cronExpression", &n_str },
				      { "replicaCompletionCount", &n_int },
				      { "parallelism", &n_int }, { NULL, NULL } };
static const struct node n_sched = { T_OBJ, f_sched, NULL, "JobConfigurationScheduleTriggerConfig" };
static const struct fld f_config[] = {
	{ "triggerType", &n_str },        { "replicaTimeout", &n_int },
	{ "replicaRetryLimit", &n_int },  { "manualTriggerConfig", &n_manual },
	{ "scheduleTriggerConfig", &n_sched }, { "eventTriggerConfig", &n_anyobj },
	{ "secrets", &n_secretarr },      { "registries", &n_regarr },
	{ "identitySettings", &n_idsetarr }, { NULL, NULL },
};
static const struct node n_config = { T_OBJ, f_config, NULL, "JobConfiguration" };
static const struct fld f_props[] = { { "environmentId", &n_str }, { "workloadProfileName", &n_str },
				      { "configuration", &n_config }, { "template", &n_tmpl },
				      { NULL, NULL } };
static const struct node n_props = { T_OBJ, f_props, NULL, "JobProperties" };
static const struct node n_uai_map = { T_MAP, NULL, &n_anyobj, "IDictionary`2" };
static const struct fld f_ident[] = { { "type", &n_str }, { "userAssignedIdentities", &n_uai_map },
				      { NULL, NULL } };
static const struct node n_ident = { T_OBJ, f_ident, NULL, "ManagedServiceIdentity" };
static const struct node n_tags = { T_MAP, NULL, &n_str, "IDictionary`2" };
static const struct fld f_job[] = { { "location", &n_str }, { "tags", &n_tags },
				    { "identity", &n_ident }, { "properties", &n_props },
				    { NULL, NULL } };
static const struct node n_job = { T_OBJ, f_job, NULL, "Job" };

static const struct fld f_xctr[] = {
	{ "image", &n_str }, { "name", &n_str }, { "command", &n_strarr }, { "args", &n_strarr },
	{ "env", &n_envarr }, { "resources", &n_res }, { NULL, NULL },
};
static const struct node n_xctr = { T_OBJ, f_xctr, NULL, "JobExecutionContainer" };
static const struct node n_xctrarr = { T_ARR, NULL, &n_xctr, "JobExecutionContainer[]" };
static const struct fld f_xtmpl[] = { { "containers", &n_xctrarr }, { "initContainers", &n_xctrarr },
				      { NULL, NULL } };
static const struct node n_xtmpl = { T_OBJ, f_xtmpl, NULL, "JobExecutionTemplate" };

static void type_error(struct sim_resp *resp, const char *path, struct json_object *v,
		       const struct node *want)
{
	const char *shown = json_object_to_json_string_ext(
		v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (want->t == T_OBJ || want->t == T_MAP)
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Cannot deserialize the current JSON value %s into type '%s' because "
			      "the type requires a JSON object (e.g. {\"name\":\"value\"}) to "
			      "deserialize correctly. Path '%s'.'.",
			      shown, want->cls, path);
	else if (want->t == T_ARR)
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Cannot deserialize the current JSON value %s into type '%s' because "
			      "the type requires a JSON array (e.g. [1,2,3]) to deserialize "
			      "correctly. Path '%s'.'.",
			      shown, want->cls, path);
	else
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Error converting value %s to type '%s'. Path '%s'.'.",
			      shown, want->cls, path);
}

/* Check v against n; may return a replacement (coerced primitive) in *repl. */
static int check_node(struct json_object *v, const struct node *n, const char *path,
		      struct json_object **repl, struct sim_resp *resp);

static int check_children(struct json_object *o, const struct node *n, const char *path,
			  struct sim_resp *resp)
{
	char sub[512];

	if (n->t == T_OBJ) {
		if (!n->fields)
			return 0;
		for (const struct fld *f = n->fields; f->name; f++) {
			struct json_object *v, *repl = NULL;
			if (!json_object_object_get_ex(o, f->name, &v) || !v)
				continue;
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", f->name);
			if (check_node(v, f->node, sub, &repl, resp))
				return -EINVAL;
			if (repl)
				json_object_object_add(o, f->name, repl);
		}
		return 0;
	}
	if (n->t == T_MAP) {
		json_object_object_foreach(o, key, val) {
			struct json_object *repl = NULL;
			if (!val)
				continue;
			snprintf(sub, sizeof(sub), "%s['%s']", path, key);
			if (check_node(val, n->elem, sub, &repl, resp))
				return -EINVAL;
			if (repl)
				json_object_object_add(o, key, repl);
		}
		return 0;
	}
	if (n->t == T_ARR) {
		size_t len = sim_alen(o);
		for (size_t i = 0; i < len; i++) {
			struct json_object *v = json_object_array_get_idx(o, i), *repl = NULL;
			if (!v)
				continue;
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (check_node(v, n->elem, sub, &repl, resp))
				return -EINVAL;
			if (repl)
				json_object_array_put_idx(o, i, repl);
		}
	}
	return 0;
}

static int parse_number(const char *s, double *d)
{
	char *end;

	if (!*s)
		return -1;
	*d = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -1 : 0;
}

static int check_node(struct json_object *v, const struct node *n, const char *path,
		      struct json_object **repl, struct sim_resp *resp)
{
	enum json_type jt = json_object_get_type(v);
	double d;

	*repl = NULL;
	switch (n->t) {
	case T_ANY:
		return 0;
	case T_STR:
		if (jt == json_type_string)
			return 0;
		if (jt == json_type_int || jt == json_type_double || jt == json_type_boolean) {
			*repl = json_object_new_string(json_object_to_json_string_ext(
				v, JSON_C_TO_STRING_PLAIN));
			return 0;
		}
		break;
	case T_INT:
		if (jt == json_type_int)
			return 0;
		if (jt == json_type_double) {
			d = json_object_get_double(v);
			if (d == floor(d) && fabs(d) < 2147483648.0) {
				*repl = json_object_new_int((int32_t)d);
				return 0;
			}
		}
		if (jt == json_type_string && parse_number(json_object_get_string(v), &d) == 0 &&
		    d == floor(d) && fabs(d) < 2147483648.0) {
			*repl = json_object_new_int((int32_t)d);
			return 0;
		}
		break;
	case T_NUM:
		if (jt == json_type_int || jt == json_type_double)
			return 0;
		if (jt == json_type_string && parse_number(json_object_get_string(v), &d) == 0) {
			*repl = json_object_new_double(d);
			return 0;
		}
		break;
	case T_BOOL:
		if (jt == json_type_boolean)
			return 0;
		if (jt == json_type_string) {
			const char *s = json_object_get_string(v);
			if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
				*repl = json_object_new_boolean(strcasecmp(s, "true") == 0);
				return 0;
			}
		}
		break;
	case T_OBJ:
	case T_MAP:
		if (jt == json_type_object)
			return check_children(v, n, path, resp);
		break;
	case T_ARR:
		if (jt == json_type_array)
			return check_children(v, n, path, resp);
		break;
	}
	type_error(resp, path, v, n);
	return -EINVAL;
}

int sim_jobspec_check_types(struct json_object *job, struct sim_resp *resp)
{
	return check_children(job, &n_job, "", resp);
}

int sim_jobspec_check_start_types(struct json_object *tmpl, struct sim_resp *resp)
{
	return check_children(tmpl, &n_xtmpl, "", resp);
}

/* --- validation -------------------------------------------------------- */

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	json_object_object_get_ex(o, k, &v);
	return v;
}

static const char *gets(struct json_object *o, const char *k)
{
	struct json_object *v = get(o, k);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int sim_jobspec_check_name(const char *name, struct sim_resp *resp)
{
	size_t n = strlen(name);
	int ok = n >= 2 && n <= 32 && islower((unsigned char)name[0]) &&
		 (islower((unsigned char)name[n - 1]) || isdigit((unsigned char)name[n - 1])) &&
		 !strstr(name, "--");

	for (size_t i = 0; ok && i < n; i++)
		if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
		    name[i] != '-')
			ok = 0;
	if (ok)
		return 0;
	sim_arm_error(resp, 400, "ContainerAppInvalidName", NULL,
		      "Invalid ContainerApp name '%s'. A name must consist of lower case alphanumeric "
		      "characters or '-', start with an alphabetic character, and end with an "
		      "alphanumeric character and cannot have '--'. The length must be between 2 and "
		      "32 characters inclusive.",
		      name);
	return -EINVAL;
}

double sim_jobspec_parse_gib(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "Gi") == 0)
		return v;
	if (strcmp(end, "Mi") == 0)
		return v / 1024.0;
	if (strcmp(end, "G") == 0)
		return v * 1e9 / 1073741824.0;
	return -1;
}

static void fmt_num(double v, char *out, size_t outsz)
{
	/* 0.5 -> "0.5", 1 -> "1.0" (ACA writes totals like this). */
	if (v == floor(v))
		snprintf(out, outsz, "%.1f", v);
	else
		snprintf(out, outsz, "%g", v);
}

/* The allowed pairs up to max_cpu, as ACA lists them in its message. */
static void list_pairs(double max_cpu, char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	for (int q = 1; q * 0.25 <= max_cpu + 1e-9 && o < outsz; q++) {
		char cc[16], mm[16];
		int w;
		fmt_num(q * 0.25, cc, sizeof(cc));
		fmt_num(q * 0.5, mm, sizeof(mm));
		w = snprintf(out + o, outsz - o, "%s[cpu: %s, memory: %sGi]", q > 1 ? ", " : "",
			     cc, mm);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

int sim_jobspec_check_totals(struct json_object *containers,
			     const struct sim_profile_limits *lim, struct sim_resp *resp)
{
	double cpu = 0, mem = 0;
	size_t n = containers ? sim_alen(containers) : 0;
	char c[32], m[32], combos[2048];
	int ok;

	for (size_t i = 0; i < n; i++) {
		struct json_object *res = get(json_object_array_get_idx(containers, i), "resources");
		struct json_object *cv = get(res, "cpu");
		const char *ms = gets(res, "memory");
		double gib;

		cpu += cv ? json_object_get_double(cv) : 0.5;
		gib = ms ? sim_jobspec_parse_gib(ms) : 1.0;
		if (gib < 0) {
			sim_arm_error(resp, 400, "ContainerAppInvalidMemoryFormat", NULL,
				      "The memory value '%s' of container '%s' is invalid. Memory "
				      "must be specified in Gi, for example '0.5Gi'.",
				      ms, gets(json_object_array_get_idx(containers, i), "name")
						  ? gets(json_object_array_get_idx(containers, i), "name")
						  : "");
			return -EINVAL;
		}
		mem += gib;
	}
	fmt_num(cpu, c, sizeof(c));
	fmt_num(mem, m, sizeof(m));
	if (!lim->consumption) {
		/* Dedicated: anything that fits the node (choice: no pairing). */
		if (cpu > 0 && mem > 0 && cpu <= lim->max_cpu + 1e-9 && mem <= lim->max_gib + 1e-9)
			return 0;
		sim_arm_error(resp, 400, "ContainerAppInvalidResourceTotal", NULL,
			      "The total requested CPU and memory resources for this application "
			      "(CPU: %s, memory: %sGi) is invalid. Total CPU and memory for all "
			      "containers defined in a Container App must not exceed the limits of "
			      "workload profile '%s' (CPU: %g, memory: %gGi).",
			      c, m, lim->profile ? lim->profile : "", lim->max_cpu, lim->max_gib);
		return -EINVAL;
	}
	/* Consumption: cpu in {0.25 .. max} step 0.25 and memory = 2 x cpu. */
	ok = cpu >= 0.25 - 1e-9 && cpu <= lim->max_cpu + 1e-9 &&
	     fabs(cpu * 4 - floor(cpu * 4 + 0.5)) < 1e-6 && fabs(mem - 2 * cpu) < 1e-6;
	if (ok)
		return 0;
	list_pairs(lim->max_cpu, combos, sizeof(combos));
	sim_arm_error(resp, 400, "ContainerAppInvalidResourceTotal", NULL,
		      "The total requested CPU and memory resources for this application (CPU: %s, "
		      "memory: %sGi) is invalid. Total CPU and memory for all containers defined in "
		      "a Container App must add up to one of the following CPU - Memory "
		      "combinations: %s",
		      c, m, combos);
	return -EINVAL;
}

int sim_jobspec_check_resources(struct json_object *containers, struct sim_resp *resp)
{
	static const struct sim_profile_limits consumption_profile = { "Consumption", 1, 4, 8 };

	return sim_jobspec_check_totals(containers, &consumption_profile, resp);
}

/* RFC 1123 label, as Kubernetes checks container names: 1-63 of [a-z0-9-],
 * starting and ending with [a-z0-9]. */
static int rfc1123_label(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

/* 400 for a container name Kubernetes would refuse; 0 when it is fine. */
static int check_container_name(const char *name, const char *what, struct sim_resp *resp)
{
	if (!name || rfc1123_label(name))
		return 0;
	sim_arm_error(resp, 400, "InvalidParameterValueInContainerTemplate", NULL,
		      "The following field(s) are either invalid or missing. Field '%s' is "
		      "invalid with details: 'Invalid value: \"%s\": Invalid Name: Per RFC "
		      "1123 name must consist of lower case alphanumeric characters or '-', "
		      "and must start and end with an alphanumeric character (e.g. "
		      "'my-name',  or '123-abc', regex used for validation is "
		      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')';.",
		      what, name);
	return -EINVAL;
}

int sim_jobspec_check_container_names(struct json_object *arr, const char *what,
				       struct sim_resp *resp)
{
	for (size_t i = 0; i < sim_alen(arr); i++)
		if (check_container_name(gets(json_object_array_get_idx(arr, i), "name"), what,
					 resp))
			return -EINVAL;
	return 0;
}

static int valid_secret_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

static int has_secret(struct json_object *secrets, const char *name)
{
	size_t n = secrets ? sim_alen(secrets) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = gets(json_object_array_get_idx(secrets, i), "name");
		if (s && strcmp(s, name) == 0)
			return 1;
	}
	return 0;
}

static int check_containers(struct json_object *arr, const char *what,
			    struct json_object *secrets, struct json_object *volumes,
			    struct sim_resp *resp)
{
	size_t n = arr ? sim_alen(arr) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(arr, i);
		const char *name = gets(c, "name");
		const char *image = gets(c, "image");
		struct json_object *env = get(c, "env"), *mounts = get(c, "volumeMounts");

		if (!c || !json_object_is_type(c, json_type_object)) {
			sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
				      "The request content was invalid and could not be deserialized: "
				      "'Null container in %s[%zu].'.", what, i);
			return -EINVAL;
		}
		if (!name || !*name) {
			sim_arm_error(resp, 400, "ContainerAppInvalidContainerName", NULL,
				      "Property '%s[%zu].name' is required.", what, i);
			return -EINVAL;
		}
		if (check_container_name(name, what, resp))
			return -EINVAL;
		if (!image || !*image) {
			sim_arm_error(resp, 400, "ContainerAppImageRequired", NULL,
				      "Container with name '%s' must have an image.", name);
			return -EINVAL;
		}
		for (size_t k = 0; k < i; k++) {
			const char *other = gets(json_object_array_get_idx(arr, k), "name");
			if (other && strcmp(other, name) == 0) {
				sim_arm_error(resp, 400, "ContainerAppDuplicateContainerName", NULL,
					      "Container name '%s' is used more than once in %s.",
					      name, what);
				return -EINVAL;
			}
		}
		for (size_t k = 0; env && k < sim_alen(env); k++) {
			struct json_object *e = json_object_array_get_idx(env, k);
			const char *en = gets(e, "name"), *ref = gets(e, "secretRef");
			if (!en || !*en) {
				sim_arm_error(resp, 400, "ContainerAppInvalidEnvVarName", NULL,
					      "Environment variable name is required for container '%s'.",
					      name);
				return -EINVAL;
			}
			if (ref && !has_secret(secrets, ref)) {
				sim_arm_error(resp, 400, "ContainerAppSecretRefNotFound", NULL,
					      "SecretRef '%s' defined for container '%s' not found.",
					      ref, name);
				return -EINVAL;
			}
		}
		for (size_t k = 0; mounts && k < sim_alen(mounts); k++) {
			const char *vn = gets(json_object_array_get_idx(mounts, k), "volumeName");
			int found = 0;
			for (size_t v = 0; vn && volumes && v < sim_alen(volumes); v++) {
				const char *nm = gets(json_object_array_get_idx(volumes, v), "name");
				if (nm && strcmp(nm, vn) == 0)
					found = 1;
			}
			if (!found) {
				sim_arm_error(resp, 400, "ContainerAppVolumeMountInvalid", NULL,
					      "Volume mount '%s' of container '%s' does not refer to a "
					      "volume defined in the template.",
					      vn ? vn : "", name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Where a job at location loc in environment env_id with workload profile
 * wp runs: the environment must exist and be in the same region (choice:
 * Azure's code for a mismatch is not documented) and wp must name one of
 * its profiles. Fills lim (its profile name copied into profile). Takes
 * the state lock. 0 or a negative code with resp filled. */
static int place(const char *loc, const char *env_id, const char *wp,
		 struct sim_profile_limits *lim, char *profile, size_t profilesz,
		 struct sim_resp *resp)
{
	struct sim_env *e;
	int rc = 0;

	sim_state_lock();
	e = sim_state_env_by_id(sim_ctx()->state, env_id);
	if (!e) {
		sim_arm_error(resp, 404, "ManagedEnvironmentNotFound", "properties.environmentId",
			      "The managed environment '%s' was not found.", env_id);
		rc = -ENOENT;
	} else if (sim_region_name(e->location) &&
		   strcmp(sim_region_name(e->location), sim_region_name(loc)) != 0) {
		sim_arm_error(resp, 400, "ManagedEnvironmentLocationMismatch", "location",
			      "The location '%s' of the container apps job does not match the "
			      "location '%s' of its managed environment '%s'. A job must be in its "
			      "environment's region.",
			      sim_region_display(loc), sim_region_display(e->location), e->name);
		rc = -EINVAL;
	} else if (sim_profiles_resolve(e, wp, lim, resp)) {
		rc = -EINVAL;
	} else if (lim->profile) {
		snprintf(profile, profilesz, "%s", lim->profile);
		lim->profile = profile;
	}
	sim_state_unlock();
	return rc;
}

/* AzureFile volumes name a storage of the job's environment
 * (ManagedEnvironmentStorageNotFound otherwise). Takes the state lock. */
static int check_storages(const char *env_id, struct json_object *volumes,
			  struct sim_resp *resp)
{
	struct sim_env *e;
	int rc = 0;

	if (!volumes)
		return 0;
	sim_state_lock();
	e = sim_state_env_by_id(sim_ctx()->state, env_id);
	if (e)
		rc = sim_storage_check_volumes(e, volumes, resp);
	sim_state_unlock();
	return rc;
}

static int check_tags(struct json_object *tags, struct sim_resp *resp)
{
	int count = 0;

	if (!tags)
		return 0;
	json_object_object_foreach(tags, key, val) {
		const char *v = val ? json_object_get_string(val) : "";
		count++;
		if (strlen(key) > 512) {
			sim_arm_error(resp, 400, "InvalidTagNameLength", NULL,
				      "The tag name '%.40s...' exceeds the maximum length of '512' "
				      "characters.", key);
			return -EINVAL;
		}
		if (strpbrk(key, "<>%&\\?/")) {
			sim_arm_error(resp, 400, "InvalidTagNameCharacters", NULL,
				      "The tag names '%s' have reserved characters '<,>,%%,&,\\,?,/' "
				      "or control characters.", key);
			return -EINVAL;
		}
		if (strlen(v) > 256) {
			sim_arm_error(resp, 400, "InvalidTagValueLength", NULL,
				      "The tag value '%.40s...' of tag '%s' exceeds the maximum length "
				      "of '256' characters.", v, key);
			return -EINVAL;
		}
	}
	if (count > 50) {
		sim_arm_error(resp, 400, "InvalidTagCount", NULL,
			      "The number of tags '%d' exceeds the maximum allowed number of tags "
			      "'50' per resource.", count);
		return -EINVAL;
	}
	return 0;
}

int sim_jobspec_validate(struct json_object *doc, const char *sub, const char *rg,
			 struct sim_resp *resp)
{
	struct json_object *props = get(doc, "properties");
	struct json_object *cfg = get(props, "configuration");
	struct json_object *tmpl = get(props, "template");
	struct json_object *secrets = get(cfg, "secrets");
	struct json_object *containers = get(tmpl, "containers");
	struct json_object *volumes = get(tmpl, "volumes");
	const char *env_id = gets(props, "environmentId");
	const char *trig = gets(cfg, "triggerType");
	const char *loc = gets(doc, "location");
	struct sim_profile_limits lim;
	char profile[128];

	(void)sub;
	(void)rg;
	if (sim_arm_check_location(loc, "Microsoft.App/jobs", resp))
		return -EINVAL;
	if (check_tags(get(doc, "tags"), resp))
		return -EINVAL;
	if (!props) {
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Required property 'properties' not found in JSON.'.");
		return -EINVAL;
	}
	if (!env_id || !*env_id) {
		sim_arm_error(resp, 400, "ManagedEnvironmentRequired", "properties.environmentId",
			      "The property 'environmentId' is required to create a Container Apps "
			      "job.");
		return -EINVAL;
	}
	if (place(loc, env_id, gets(props, "workloadProfileName"), &lim, profile,
		  sizeof(profile), resp))
		return -EINVAL;
	if (!cfg) {
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Required property 'configuration' not found in JSON. Path "
			      "'properties'.'.");
		return -EINVAL;
	}
	if (!trig) {
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Required property 'triggerType' not found in JSON. Path "
			      "'properties.configuration'.'.");
		return -EINVAL;
	}
	if (!get(cfg, "replicaTimeout")) {
		sim_arm_error(resp, 400, "InvalidRequestContent", NULL,
			      "The request content was invalid and could not be deserialized: "
			      "'Required property 'replicaTimeout' not found in JSON. Path "
			      "'properties.configuration'.'.");
		return -EINVAL;
	}
	if (json_object_get_int(get(cfg, "replicaTimeout")) < 1) {
		sim_arm_error(resp, 400, "ContainerAppJobInvalidReplicaTimeout",
			      "properties.configuration.replicaTimeout",
			      "ReplicaTimeout must be a positive number of seconds.");
		return -EINVAL;
	}
	if (get(cfg, "replicaRetryLimit") && json_object_get_int(get(cfg, "replicaRetryLimit")) < 0) {
		sim_arm_error(resp, 400, "ContainerAppJobInvalidReplicaRetryLimit",
			      "properties.configuration.replicaRetryLimit",
			      "ReplicaRetryLimit must not be negative.");
		return -EINVAL;
	}
	if (strcasecmp(trig, "Manual") == 0) {
		struct json_object *m = get(cfg, "manualTriggerConfig");
		if ((get(m, "parallelism") && json_object_get_int(get(m, "parallelism")) < 1) ||
		    (get(m, "replicaCompletionCount") &&
		     json_object_get_int(get(m, "replicaCompletionCount")) < 1)) {
			sim_arm_error(resp, 400, "ContainerAppJobInvalidTriggerConfig",
				      "properties.configuration.manualTriggerConfig",
				      "Parallelism and replicaCompletionCount must be at least 1.");
			return -EINVAL;
		}
	} else if (strcasecmp(trig, "Schedule") == 0) {
		if (!gets(get(cfg, "scheduleTriggerConfig"), "cronExpression")) {
			sim_arm_error(resp, 400, "ContainerAppJobInvalidTriggerConfig",
				      "properties.configuration.scheduleTriggerConfig",
				      "A job with trigger type 'Schedule' requires "
				      "scheduleTriggerConfig.cronExpression.");
			return -EINVAL;
		}
	} else if (strcasecmp(trig, "Event") == 0) {
		if (!get(cfg, "eventTriggerConfig")) {
			sim_arm_error(resp, 400, "ContainerAppJobInvalidTriggerConfig",
				      "properties.configuration.eventTriggerConfig",
				      "A job with trigger type 'Event' requires eventTriggerConfig.");
			return -EINVAL;
		}
	} else {
		sim_arm_error(resp, 400, "ContainerAppJobInvalidTriggerType",
			      "properties.configuration.triggerType",
			      "Trigger type '%s' is invalid. Supported values: Manual, Schedule, Event.",
			      trig);
		return -EINVAL;
	}
	for (size_t i = 0; secrets && i < sim_alen(secrets); i++) {
		const char *sn = gets(json_object_array_get_idx(secrets, i), "name");
		if (!sn || !valid_secret_name(sn)) {
			sim_arm_error(resp, 400, "ContainerAppInvalidSecretName", NULL,
				      "Secret name has an invalid value '%s'. A value must consist of "
				      "lower case alphanumeric characters, '-', and must start and end "
				      "with an alphanumeric character. The length must not be more than "
				      "253 characters.",
				      sn ? sn : "");
			return -EINVAL;
		}
		for (size_t k = 0; k < i; k++) {
			const char *o = gets(json_object_array_get_idx(secrets, k), "name");
			if (o && strcmp(o, sn) == 0) {
				sim_arm_error(resp, 400, "ContainerAppDuplicateSecretName", NULL,
					      "Secret name '%s' is defined more than once.", sn);
				return -EINVAL;
			}
		}
	}
	for (size_t i = 0; i < sim_alen(get(cfg, "registries")); i++) {
		const char *ref = gets(json_object_array_get_idx(get(cfg, "registries"), i),
				       "passwordSecretRef");
		if (ref && !has_secret(secrets, ref)) {
			sim_arm_error(resp, 400, "ContainerAppSecretRefNotFound", NULL,
				      "PasswordSecretRef '%s' of a registry not found.", ref);
			return -EINVAL;
		}
	}
	if (!containers || sim_alen(containers) == 0) {
		sim_arm_error(resp, 400, "ContainerAppCreateMustContainContainer", NULL,
			      "A container app job must contain at least one container in "
			      "'properties.template.containers'.");
		return -EINVAL;
	}
	if (check_containers(containers, "template.containers", secrets, volumes, resp) ||
	    check_containers(get(tmpl, "initContainers"), "template.initContainers", secrets,
			     volumes, resp))
		return -EINVAL;
	if (check_storages(env_id, volumes, resp))
		return -EINVAL;
	return sim_jobspec_check_totals(containers, &lim, resp);
}

int sim_jobspec_check_exec_template(struct sim_job *job, struct json_object *tmpl,
				     struct sim_resp *resp)
{
	struct json_object *props = get(job->doc, "properties");
	struct sim_env *e = sim_state_env_by_id(sim_ctx()->state, gets(props, "environmentId"));
	struct sim_profile_limits lim;

	if (sim_jobspec_check_container_names(get(tmpl, "containers"), "template.containers",
					      resp) ||
	    sim_jobspec_check_container_names(get(tmpl, "initContainers"),
					      "template.initContainers", resp))
		return -EINVAL;
	if (!e)
		return sim_jobspec_check_resources(get(tmpl, "containers"), resp);
	if (sim_profiles_resolve(e, gets(props, "workloadProfileName"), &lim, resp))
		return -EINVAL;
	return sim_jobspec_check_totals(get(tmpl, "containers"), &lim, resp);
}

/* --- defaults, merge, render ------------------------------------------- */

/* A stable GUID-shaped id from text (principal ids for identities). */
static void derived_guid(const char *text, char out[37])
{
	unsigned char h[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)text, strlen(text), h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11],
		 h[12], h[13], h[14], h[15]);
}

static void fill_container_defaults(struct json_object *arr)
{
	size_t n = arr ? sim_alen(arr) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(arr, i), *res;
		double cpu;
		char eph[32];

		if (!c || !json_object_is_type(c, json_type_object))
			continue;
		res = get(c, "resources");
		if (!res) {
			res = json_object_new_object();
			json_object_object_add(c, "resources", res);
		}
		if (!get(res, "cpu"))
			json_object_object_add(res, "cpu", json_object_new_double(0.5));
		if (!get(res, "memory"))
			json_object_object_add(res, "memory", json_object_new_string("1Gi"));
		cpu = json_object_get_double(get(res, "cpu"));
		/* ACA grants 4 GiB of ephemeral storage per vCPU, capped at 8 GiB... */
		snprintf(eph, sizeof(eph), "%gGi", cpu * 4 > 8 ? 8 : cpu * 4);
		json_object_object_add(res, "ephemeralStorage", json_object_new_string(eph));
	}
}

void sim_jobspec_fill_defaults(struct json_object *doc, const char *tenant)
{
	struct json_object *props = get(doc, "properties");
	struct json_object *cfg = get(props, "configuration");
	struct json_object *tmpl = get(props, "template");
	struct json_object *ident = get(doc, "identity");
	const char *trig = gets(cfg, "triggerType");

	if (cfg && trig && strcasecmp(trig, "Manual") == 0) {
		struct json_object *m = get(cfg, "manualTriggerConfig");
		if (!m) {
			m = json_object_new_object();
			json_object_object_add(cfg, "manualTriggerConfig", m);
		}
		if (!get(m, "replicaCompletionCount"))
			json_object_object_add(m, "replicaCompletionCount", json_object_new_int(1));
		if (!get(m, "parallelism"))
			json_object_object_add(m, "parallelism", json_object_new_int(1));
	}
	if (cfg && !get(cfg, "replicaRetryLimit"))
		json_object_object_add(cfg, "replicaRetryLimit", json_object_new_int(0));
	if (tmpl) {
		fill_container_defaults(get(tmpl, "containers"));
		fill_container_defaults(get(tmpl, "initContainers"));
	}
	if (ident && gets(ident, "type")) {
		const char *t = gets(ident, "type");
		struct json_object *uais = get(ident, "userAssignedIdentities");
		char g[37];

		if (strstr(t, "SystemAssigned")) {
			const char *doc_id = gets(doc, "id");
			derived_guid(doc_id ? doc_id : json_object_to_json_string(props), g);
			if (!get(ident, "principalId"))
				json_object_object_add(ident, "principalId", json_object_new_string(g));
			json_object_object_add(ident, "tenantId", json_object_new_string(tenant));
		}
		if (uais && json_object_is_type(uais, json_type_object)) {
			json_object_object_foreach(uais, key, val) {
				struct json_object *o = val;
				char *k2;
				if (!o || !json_object_is_type(o, json_type_object)) {
					o = json_object_new_object();
					json_object_object_add(uais, key, o);
				}
				derived_guid(key, g);
				json_object_object_add(o, "principalId", json_object_new_string(g));
				k2 = sim_strdupf("client:%s", key);
				derived_guid(k2 ? k2 : key, g);
				free(k2);
				json_object_object_add(o, "clientId", json_object_new_string(g));
			}
		}
	}
}

void sim_jobspec_merge_patch(struct json_object *target, struct json_object *patch)
{
	json_object_object_foreach(patch, key, val) {
		struct json_object *cur = get(target, key);

		if (!val) {
			json_object_object_del(target, key);
		} else if (json_object_is_type(val, json_type_object) && cur &&
			   json_object_is_type(cur, json_type_object)) {
			sim_jobspec_merge_patch(cur, val);
		} else {
			struct json_object *copy = NULL;
			if (json_object_deep_copy(val, &copy, NULL) == 0)
				json_object_object_add(target, key, copy);
		}
	}
}

/* Deep copy (caller puts), NULL for NULL. */
static struct json_object *copy_of(struct json_object *o)
{
	struct json_object *c = NULL;

	if (o && json_object_deep_copy(o, &c, NULL) != 0)
		return NULL;
	return c;
}

static void add_copy(struct json_object *dst, const char *key, struct json_object *src)
{
	struct json_object *c = copy_of(src);

	if (c)
		json_object_object_add(dst, key, c);
}

struct json_object *sim_jobspec_render(struct sim_job *job, const char *api)
{
	struct sim_ctx *ctx = sim_ctx();
	struct json_object *out = json_object_new_object();
	struct json_object *props = json_object_new_object();
	struct json_object *sd = json_object_new_object();
	struct json_object *src = get(job->doc, "properties");
	struct json_object *cfg, *secrets;
	const char *state;
	char *ese;

	json_object_object_add(out, "id", json_object_new_string(job->id));
	json_object_object_add(out, "name", json_object_new_string(job->name));
	json_object_object_add(out, "type", json_object_new_string("Microsoft.App/jobs"));
	json_object_object_add(out, "location",
			       json_object_new_string(gets(job->doc, "location") ? gets(job->doc, "location") : ""));
	if (get(job->doc, "tags"))
		add_copy(out, "tags", get(job->doc, "tags"));
	if (get(job->doc, "identity"))
		add_copy(out, "identity", get(job->doc, "identity"));
	json_object_object_add(sd, "createdBy", json_object_new_string("sockerless-azure-sim"));
	json_object_object_add(sd, "createdByType", json_object_new_string("Application"));
	json_object_object_add(sd, "createdAt", json_object_new_string(job->created_at));
	json_object_object_add(sd, "lastModifiedBy", json_object_new_string("sockerless-azure-sim"));
	json_object_object_add(sd, "lastModifiedByType", json_object_new_string("Application"));
	json_object_object_add(sd, "lastModifiedAt", json_object_new_string(job->modified_at));
	json_object_object_add(out, "systemData", sd);

	if (job->deleting)
		state = "Deleting";
	else if (sim_mono_ms() < job->ready_at_ms)
		state = "InProgress";
	else
		state = "Succeeded";
	json_object_object_add(props, "provisioningState", json_object_new_string(state));
	if (api && strstr(api, "preview"))
		json_object_object_add(props, "runningState", json_object_new_string(
			strcmp(state, "InProgress") == 0 ? "Progressing" : "Ready"));
	if (gets(src, "environmentId"))
		add_copy(props, "environmentId", get(src, "environmentId"));
	if (gets(src, "workloadProfileName"))
		add_copy(props, "workloadProfileName", get(src, "workloadProfileName"));
	cfg = copy_of(get(src, "configuration"));
	secrets = get(cfg, "secrets");
	for (size_t i = 0; secrets && i < sim_alen(secrets); i++)
		json_object_object_del(json_object_array_get_idx(secrets, i), "value");
	if (cfg)
		json_object_object_add(props, "configuration", cfg);
	add_copy(props, "template", get(src, "template"));
	{
		struct json_object *ips = json_object_new_array();
		json_object_array_add(ips, json_object_new_string("20.42.0.10"));
		json_object_object_add(props, "outboundIpAddresses", ips);
	}
	ese = sim_strdupf("%s/subscriptions/%s/resourceGroups/%s/containerApps/%s/eventstream",
			  ctx->base_url, job->sub, job->rg, job->name);
	json_object_object_add(props, "eventStreamEndpoint", json_object_new_string(ese ? ese : ""));
	free(ese);
	json_object_object_add(out, "properties", props);
	return out;
}
