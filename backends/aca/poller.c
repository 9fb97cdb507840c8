/* poller.c - STUB: replaced by its owner. */
#include "aca.h"

int aca_poller_new(struct aca_backend *b, struct aca_poller **out) { (void)b; *out = NULL; return SL_OK; }
void aca_poller_free(struct aca_poller *p) { (void)p; }
int aca_poller_watch(struct aca_poller *p, sl_container *c, const char *job, const char *execution) { (void)p; (void)c; (void)job; (void)execution; return SL_OK; }
int aca_poller_wait_exit(struct aca_poller *p, const struct aca_cancel *cx, const char *ctr_id, long timeout_ms) { (void)p; (void)cx; (void)ctr_id; (void)timeout_ms; return SL_ETIMEDOUT; }
int aca_poller_last(struct aca_poller *p, const char *ctr_id, char *buf, size_t len, long *age_ms) { (void)p; (void)ctr_id; (void)buf; (void)len; (void)age_ms; return SL_ENOTFOUND; }
