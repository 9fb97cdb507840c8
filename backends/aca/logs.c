/* logs.c - STUB: replaced by its owner. */
#include "aca.h"

int aca_logs_new(struct aca_backend *b, struct aca_logs **out) { (void)b; *out = NULL; return SL_OK; }
void aca_logs_free(struct aca_logs *l) { (void)l; }
int aca_logs_capture_start(struct aca_logs *l, sl_container *c, const char *job, const char *execution) { (void)l; (void)c; (void)job; (void)execution; return SL_OK; }
void aca_logs_capture_ended(struct aca_logs *l, const char *ctr_id) { (void)l; (void)ctr_id; }
int aca_logs_exit_code(struct aca_logs *l, const struct aca_cancel *cx, const char *job, const char *execution, int *code, struct aca_err *err) { (void)l; (void)cx; (void)job; (void)execution; (void)code; (void)err; return SL_ENOTFOUND; }
const struct sl_stream_ops_v1 aca_stream_ops = { SL_HEADER(struct sl_stream_ops_v1) };
