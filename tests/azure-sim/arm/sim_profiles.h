/* sim_profiles.h - workload profiles of a managed environment and the
 * CPU/memory a job may ask for on each ("Workload profiles in Azure
 * Container Apps", "Containers in Azure Container Apps": allocations).
 *
 *  - A Consumption-only environment (no workloadProfiles) gives a replica
 *    at most 2 vCPU / 4 GiB, in pairs of 0.25 vCPU : 0.5 GiB.
 *  - The Consumption profile of a workload-profiles environment gives up
 *    to 4 vCPU / 8 GiB in the same pairs.
 *  - A Dedicated profile (D4 ... E32) allows any total up to its node's
 *    cores and memory. */
#ifndef SIM_PROFILES_H
#define SIM_PROFILES_H

#include "sim_http.h"

struct json_object;
struct sim_env;

struct sim_profile_limits {
	const char *profile;    /* the profile's name; NULL = Consumption-only env */
	int consumption;        /* 1: fixed pairs up to max_cpu; 0: dedicated */
	double max_cpu;         /* vCPU */
	double max_gib;         /* GiB */
};

/* The environment's workloadProfiles array, or NULL for a Consumption-only
 * environment. Lock held; the array belongs to e. */
struct json_object *sim_profiles_of(const struct sim_env *e);

/* The limits for a job naming workload profile wp (NULL = none) in e. A
 * workload-profiles environment puts a job without a name on its
 * Consumption profile. 0, or -EINVAL with resp filled (400
 * WorkloadProfileNotFound). Lock held. */
int sim_profiles_resolve(const struct sim_env *e, const char *wp,
			 struct sim_profile_limits *out, struct sim_resp *resp);

/* Check an environment body's properties.workloadProfiles (NULL ok):
 * each needs a name and a known workloadProfileType, names unique. 0, or
 * -EINVAL with resp filled. */
int sim_profiles_check_env(struct json_object *profiles, struct sim_resp *resp);

#endif
