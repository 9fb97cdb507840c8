/* errors.c - STUB: replaced by its owner. */
#include "aca.h"

int aca_err_set(struct aca_err *e, int status, const char *fmt, ...) { (void)fmt; e->status = status; e->msg[0] = 0; return status; }
int aca_err_from_resp(struct aca_err *e, const struct aca_resp *r, const char *what) { (void)r; (void)what; return aca_err_set(e, SL_EINTERNAL, "stub"); }
void aca_err_code(const struct aca_resp *r, char *buf, size_t len) { (void)r; if (len) buf[0] = 0; }
int aca_err_report(const struct sl_host_v1 *host, sl_call *call, const struct aca_err *e) { return host->set_error(call, e->status, "%s", e->msg); }
