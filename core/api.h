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

/* api_containers.c */
enum MHD_Result sl_api_ctr_create(struct sl_req *r);
enum MHD_Result sl_api_ctr_list(struct sl_req *r);
/* Every container as docker ps -a --size lists it, newest first (a JSON
 * array, caller puts; NULL when out of memory), for GET /system/df. */
struct json_object *sl_api_ctr_summaries(void);
enum MHD_Result sl_api_ctr_inspect(struct sl_req *r);
enum MHD_Result sl_api_ctr_remove(struct sl_req *r);
enum MHD_Result sl_api_ctr_prune(struct sl_req *r);

/* api_lifecycle.c */
enum MHD_Result sl_api_ctr_start(struct sl_req *r);
enum MHD_Result sl_api_ctr_stop(struct sl_req *r);
enum MHD_Result sl_api_ctr_kill(struct sl_req *r);
enum MHD_Result sl_api_ctr_restart(struct sl_req *r);
enum MHD_Result sl_api_ctr_pause(struct sl_req *r);
enum MHD_Result sl_api_ctr_unpause(struct sl_req *r);
enum MHD_Result sl_api_ctr_wait(struct sl_req *r);

/* api_rename.c */
enum MHD_Result sl_api_ctr_rename(struct sl_req *r);
enum MHD_Result sl_api_ctr_update(struct sl_req *r);

/* api_streams.c */
enum MHD_Result sl_api_ctr_logs(struct sl_req *r);
enum MHD_Result sl_api_ctr_attach(struct sl_req *r);
enum MHD_Result sl_api_ctr_resize(struct sl_req *r);

/* api_exec.c */
enum MHD_Result sl_api_exec_create(struct sl_req *r);
enum MHD_Result sl_api_exec_start(struct sl_req *r);
enum MHD_Result sl_api_exec_resize(struct sl_req *r);
enum MHD_Result sl_api_exec_inspect(struct sl_req *r);

/* api_volumes.c */
enum MHD_Result sl_api_vol_create(struct sl_req *r);
enum MHD_Result sl_api_vol_list(struct sl_req *r);
enum MHD_Result sl_api_vol_inspect(struct sl_req *r);
enum MHD_Result sl_api_vol_remove(struct sl_req *r);
enum MHD_Result sl_api_vol_prune(struct sl_req *r);
/* Parses ?filters= and checks its keys against `keys`: 0 with *f set
 * (NULL when absent; sl_filters_free), or -1 after answering 400 into
 * *ret. */
struct sl_filters;
int sl_api_filters(struct sl_req *r, const char *const *keys,
	struct sl_filters **f, enum MHD_Result *ret);

/* api_networks.c */
enum MHD_Result sl_api_net_create(struct sl_req *r);
enum MHD_Result sl_api_net_list(struct sl_req *r);
enum MHD_Result sl_api_net_inspect(struct sl_req *r);
enum MHD_Result sl_api_net_remove(struct sl_req *r);
enum MHD_Result sl_api_net_prune(struct sl_req *r);
enum MHD_Result sl_api_net_connect(struct sl_req *r);
enum MHD_Result sl_api_net_disconnect(struct sl_req *r);

/* routes.c: 501 naming the operation, for what Sockerless does not do. */
enum MHD_Result sl_api_unsupported(struct sl_req *r);
enum MHD_Result sl_api_no_layers(struct sl_req *r);

/* api_system.c */
enum MHD_Result sl_api_system_df(struct sl_req *r);

/* api_auth.c */
enum MHD_Result sl_api_auth(struct sl_req *r);

/* api_images.c */
enum MHD_Result sl_api_image_create(struct sl_req *r);
enum MHD_Result sl_api_image_inspect(struct sl_req *r);
enum MHD_Result sl_api_distribution(struct sl_req *r);

/* api_imgmanage.c */
/* Every image as docker images lists it (a JSON array, caller puts; NULL
 * when out of memory), for GET /system/df. */
struct json_object *sl_api_image_summaries(struct sl_req *r);
enum MHD_Result sl_api_image_list(struct sl_req *r);
enum MHD_Result sl_api_image_history(struct sl_req *r);
enum MHD_Result sl_api_image_tag(struct sl_req *r);
enum MHD_Result sl_api_image_remove(struct sl_req *r);
enum MHD_Result sl_api_image_prune(struct sl_req *r);

/* Images known to the daemon (for /info). */
int sl_api_image_count(void);

#endif
