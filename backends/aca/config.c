/* config.c - STUB: replaced by its owner. */
#include "aca.h"

int aca_config_load(const struct sl_host_v1 *host, struct aca_config *cfg, struct aca_err *err) { (void)host; (void)cfg; return aca_err_set(err, SL_ENOTSUP, "stub"); }
void aca_config_free(struct aca_config *cfg) { (void)cfg; }
char *aca_config_env_id(const struct aca_config *cfg) { (void)cfg; return NULL; }
int aca_config_job_path(const struct aca_config *cfg, const char *job, char *buf, size_t len) { (void)cfg; (void)job; (void)buf; (void)len; return SL_EINVAL; }
