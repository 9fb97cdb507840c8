/*
 * api_ctr.h - helpers shared by the container and exec handlers.
 */
#ifndef SL_API_CTR_H
#define SL_API_CTR_H

#include "core/call.h"
#include "core/container.h"
#include "core/http.h"

/*
 * The container named by the route's first parameter, referenced
 * (sl_ctr_unref), or NULL after answering 404 / 400 into *ret.
 */
struct sl_container *sl_api_ctr_get(struct sl_req *r, enum MHD_Result *ret);

/* Answers a failed hook: the status mapped to HTTP, the backend's text. */
enum MHD_Result sl_api_hook_error(struct sl_req *r, struct sl_call *call,
	int rc, const char *what);

/* 501 for a hook the backend lacks. */
enum MHD_Result sl_api_no_hook(struct sl_req *r, const char *operation);

/* The container's current status (enum sl_ctr_status). */
int sl_api_ctr_status(struct sl_container *c);

/* Parses a signal given by name ("SIGKILL", "KILL") or number; -1 if
 * unknown. */
int sl_api_parse_signal(const char *s);

/*
 * The exit code dockerd records when a container or exec command could not
 * be run (translateContainerdStartErr), read from the error message: 127
 * when it was not found, 126 when it could not be executed, else dflt.
 * `docker run` and `docker exec` exit with it.
 */
int sl_api_run_error_code(const char *msg, int dflt);

/* Fills out with 2*nbytes random hex digits and a NUL. */
void sl_random_hex(char *out, size_t nbytes);

/* Calls the backend's remove and drops the record (and its execs). */
int sl_api_ctr_destroy(struct sl_container *c, int force, struct sl_call *call);

/*
 * Starts a created or exited container through the backend's start hook
 * (waiting first for attaches asked for before it): running once the hook
 * returns, or the hook's error recorded on the container.  Returns the
 * hook's status.  The API's start and the restart policy both use it.
 */
int sl_api_ctr_start_run(struct sl_container *c, struct sl_call *call);

/* Registers the exit hook that implements AutoRemove. */
void sl_api_lifecycle_init(void);
/* At start, once the backend is up: finishes the auto-removals a shutdown
 * left. */
void sl_api_lifecycle_resume(void);

#endif
