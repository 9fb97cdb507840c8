/* aca.c - STUB: replaced by its owner. */
#include "aca.h"

static int be_init(const struct sl_host_v1 *host, sl_call *call, void **state) { (void)state; return host->set_error(call, SL_ENOTSUP, "stub"); }
static void be_fini(void *state) { (void)state; }
static const struct sl_backend_v1 aca_backend = { SL_HEADER(struct sl_backend_v1), .name = "aca", .version = "0.1.0", .description = "Azure Container Apps Jobs", .init = be_init, .fini = be_fini };
SL_EXPORT int sockerless_backend_entry_v1(const struct sl_host_v1 *host, const struct sl_backend_v1 **out) { (void)host; *out = &aca_backend; return SL_OK; }
