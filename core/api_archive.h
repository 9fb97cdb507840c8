/*
 * api_archive.h - docker cp: HEAD, GET and PUT /containers/{id}/archive.
 */
#ifndef SL_API_ARCHIVE_H
#define SL_API_ARCHIVE_H

#include "core/http.h"

enum MHD_Result sl_api_archive_stat(struct sl_req *r);
enum MHD_Result sl_api_archive_get(struct sl_req *r);
/* Route flag SL_ROUTE_STREAM_BODY: runs before the tar arrives and streams
 * it to the backend's put hook. */
enum MHD_Result sl_api_archive_put(struct sl_req *r);

#endif
