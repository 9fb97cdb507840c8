/*
 * router.h - maps "METHOD /path" to a handler, after the API version
 * prefix is checked and stripped.
 */
#ifndef SL_ROUTER_H
#define SL_ROUTER_H

#include "core/http.h"

typedef enum MHD_Result (*sl_handler_fn)(struct sl_req *r);

/* Route flags. */
#define SL_ROUTE_RAW_BODY 0x1   /* body is not JSON; bigger limit */
/* Never calls the backend, so it is still served while the backend shuts
 * down (fini may stop containers: their waits and events must go out). */
#define SL_ROUTE_NO_HOOK 0x2
/* Dispatched before the body arrives, which then streams to the handler
 * (struct sl_req's body_chunk): archive uploads of any size. */
#define SL_ROUTE_STREAM_BODY 0x4

struct sl_route {
	const char *method;      /* "GET", ...; HEAD also matches GET routes */
	const char *pattern;     /* "/containers/{id}/json" */
	sl_handler_fn fn;
	unsigned flags;
	const char *operation;   /* for 501 messages, e.g. "container pause" */
};

/*
 * Strips and checks the version prefix of r->url, filling r->path and
 * r->api_*.  Returns 0, or answers 400 (version out of range) / 404 and
 * returns -1.
 */
int sl_router_version(struct sl_req *r, enum MHD_Result *ret);

/* Finds the route for r->method and r->path, filling r->params.  NULL when
 * none; *path_known tells a wrong method from an unknown path. */
const struct sl_route *sl_router_match(struct sl_req *r, int *path_known);

/* Frees r->params. */
void sl_router_clear(struct sl_req *r);

/* The table, defined in routes.c. */
extern const struct sl_route sl_routes[];

#endif
