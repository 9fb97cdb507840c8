/* sim_authz.h - glue between the HTTP front end and the auth module: bearer
 * checks for ARM, Log Analytics and the data plane, and the token
 * endpoints. */
#ifndef SIM_AUTHZ_H
#define SIM_AUTHZ_H

#include "sim_http.h"

enum sim_authz_api {
	SIM_AUTHZ_ARM = 0,
	SIM_AUTHZ_LA,
};

/* Verify the Authorization header for api. Returns 0 when good; otherwise
 * fills resp with the service's 401 and returns -EACCES. */
int sim_authz_bearer(const struct sim_req *req, struct sim_resp *resp,
		     enum sim_authz_api api);

/* Verify a getAuthToken data-plane token bound to job_id (ARM id). */
int sim_authz_dataplane(const struct sim_req *req, struct sim_resp *resp,
			const char *job_id);

/* True when path is one of the token endpoints. */
int sim_authz_is_token_path(const char *path);

#endif
