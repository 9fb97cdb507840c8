/*
 * api_monitor.h - GET /containers/{id}/top and /stats, served by the
 * backend's monitor hooks (ABI 1.1).
 */
#ifndef SL_API_MONITOR_H
#define SL_API_MONITOR_H

#include "core/http.h"

enum MHD_Result sl_api_ctr_top(struct sl_req *r);
enum MHD_Result sl_api_ctr_stats(struct sl_req *r);

#endif
