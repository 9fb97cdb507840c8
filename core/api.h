/*
 * api.h - the Docker API handlers, one family per api_*.c file.
 */
#ifndef SL_API_H
#define SL_API_H

#include "core/http.h"

/* api_system.c */
enum MHD_Result sl_api_ping(struct sl_req *r);
enum MHD_Result sl_api_version(struct sl_req *r);
enum MHD_Result sl_api_info(struct sl_req *r);
enum MHD_Result sl_api_events(struct sl_req *r);

/* routes.c: 501 naming the operation, for what Sockerless does not do. */
enum MHD_Result sl_api_unsupported(struct sl_req *r);

/* Images known to the daemon (for /info). */
int sl_api_image_count(void);

#endif
