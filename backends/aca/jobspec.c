/* jobspec.c - STUB: replaced by its owner. */
#include "aca.h"

void aca_jobspec_job_name(const char *ctr_name, const char *ctr_id, char *out) { (void)ctr_name; (void)ctr_id; out[0] = 0; }
void aca_jobspec_container_name(const char *ctr_name, char *out) { (void)ctr_name; out[0] = 0; }
int aca_jobspec_resources(const struct aca_config *cfg, int64_t nano_cpus, int64_t memory, double *cpu, char *mem, struct aca_err *err) { (void)cfg; (void)nano_cpus; (void)memory; (void)cpu; (void)mem; return aca_err_set(err, SL_ENOTSUP, "stub"); }
int aca_jobspec_validate(const struct sl_host_v1 *host, const struct aca_config *cfg, sl_container *c, struct aca_err *err) { (void)host; (void)cfg; (void)c; (void)err; return SL_OK; }
char *aca_jobspec_build(const struct sl_host_v1 *host, const struct aca_config *cfg, sl_container *c, const char *job, struct aca_err *err) { (void)host; (void)cfg; (void)c; (void)job; aca_err_set(err, SL_ENOTSUP, "stub"); return NULL; }
