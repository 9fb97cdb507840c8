/* sim_jobspec.h - the Microsoft.App/jobs request body: JSON type checks
 * (with the coercions ARM's Newtonsoft deserializer applies), Container
 * Apps validation rules, JSON merge patch, and the resource as GET shows
 * it (secret values removed, defaults filled). */
#ifndef SIM_JOBSPEC_H
#define SIM_JOBSPEC_H

#include "sim_http.h"

struct json_object;
struct sim_job;

/* Check the JSON types of a Job body against the 2025-07-01 schema and
 * coerce primitives the way ARM does (numeric strings to numbers,
 * numbers/bools to strings). Unknown properties are ignored. On a type
 * error fills resp (400 InvalidRequestContent) and returns -EINVAL. */
int sim_jobspec_check_types(struct json_object *job, struct sim_resp *resp);

/* Same for a start override (JobExecutionTemplate). */
int sim_jobspec_check_start_types(struct json_object *tmpl, struct sim_resp *resp);

/* Validate the job name (Azure's rule). 0 or -EINVAL with resp filled. */
int sim_jobspec_check_name(const char *name, struct sim_resp *resp);

/* Validate a complete job document (after a PUT or a merged PATCH) for
 * sub/rg: location, environment, configuration, containers, CPU/memory
 * totals, tags, secrets and secretRefs. Takes the state lock itself.
 * 0 or a negative code with resp filled (400/404). */
int sim_jobspec_validate(struct json_object *doc, const char *sub, const char *rg,
			 struct sim_resp *resp);

/* Check CPU/memory totals of a list of containers (JSON array; NULL ok)
 * against the Consumption profile (up to 4 vCPU / 8 GiB); callers that
 * know the job use sim_jobspec_check_exec_template. 0 or -EINVAL with
 * resp filled (ContainerAppInvalidResourceTotal). */
int sim_jobspec_check_resources(struct json_object *containers, struct sim_resp *resp);

struct sim_profile_limits;

/* Check CPU/memory totals of containers against what a workload profile
 * (or a Consumption-only environment) allows. 0 or -EINVAL with resp
 * filled (ContainerAppInvalidResourceTotal). */
int sim_jobspec_check_totals(struct json_object *containers,
			     const struct sim_profile_limits *lim, struct sim_resp *resp);

/* Check that every name in a containers array (NULL ok) is an RFC 1123
 * label, as Kubernetes (and so Container Apps) requires. what is the
 * field named in the message ("template.containers"). 0 or -EINVAL with
 * resp filled (400 InvalidParameterValueInContainerTemplate). */
int sim_jobspec_check_container_names(struct json_object *arr, const char *what,
				       struct sim_resp *resp);

/* Check an execution's template (a start override merged over the job's:
 * {containers, initContainers}) of job: container names and the CPU/memory
 * totals the job's environment and workload profile allow. State lock
 * held. 0 or -EINVAL with resp filled. */
int sim_jobspec_check_exec_template(struct sim_job *job, struct json_object *tmpl,
				    struct sim_resp *resp);

/* Fill the defaults Azure adds (manualTriggerConfig, container resources,
 * identity principal ids) into doc, in place. */
void sim_jobspec_fill_defaults(struct json_object *doc, const char *tenant);

/* RFC 7396 merge patch: apply patch onto target in place. */
void sim_jobspec_merge_patch(struct json_object *target, struct json_object *patch);

/* The job as ARM returns it (caller puts): id, name, type, location, tags,
 * identity, systemData, properties with provisioningState (computed from
 * the job's LRO), eventStreamEndpoint; secret values removed. api is the
 * request's api-version (preview versions add runningState). Lock held. */
struct json_object *sim_jobspec_render(struct sim_job *job, const char *api);

/* Parse a memory quantity ("1Gi", "0.5Gi", "512Mi", "1.5") in GiB;
 * returns -1 when malformed. */
double sim_jobspec_parse_gib(const char *s);

#endif
