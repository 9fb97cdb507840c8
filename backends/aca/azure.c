/* azure.c - STUB: replaced by its owner. */
#include "aca.h"

int aca_cancelled(const struct aca_cancel *cx) { (void)cx; return 0; }
int aca_sleep_ms(const struct aca_cancel *cx, long ms) { (void)cx; (void)ms; return 0; }
void aca_resp_free(struct aca_resp *r) { (void)r; }
int aca_azure_new(const struct aca_config *cfg, const struct sl_host_v1 *host, struct aca_azure **out, struct aca_err *err) { (void)cfg; (void)host; *out = NULL; return aca_err_set(err, SL_ENOTSUP, "stub"); }
void aca_azure_free(struct aca_azure *az) { (void)az; }
struct aca_cred *aca_azure_cred(struct aca_azure *az) { (void)az; return NULL; }
int aca_arm(struct aca_azure *az, const struct aca_cancel *cx, const char *method, const char *url, const char *body, int flags, struct aca_resp *resp, struct aca_err *err) { (void)az; (void)cx; (void)method; (void)url; (void)body; (void)flags; (void)resp; return aca_err_set(err, SL_ENOTSUP, "stub"); }
int aca_arm_lro_wait(struct aca_azure *az, const struct aca_cancel *cx, const struct aca_resp *first, int timeout_s, const char *what, struct aca_err *err) { (void)az; (void)cx; (void)first; (void)timeout_s; (void)what; return aca_err_set(err, SL_ENOTSUP, "stub"); }
int aca_la_query(struct aca_azure *az, const struct aca_cancel *cx, const char *workspace, const char *kql, const char *timespan, struct aca_resp *resp, struct aca_err *err) { (void)az; (void)cx; (void)workspace; (void)kql; (void)timespan; (void)resp; return aca_err_set(err, SL_ENOTSUP, "stub"); }
int aca_http_stream(struct aca_azure *az, const struct aca_cancel *cx, const char *url, const char *bearer, int (*on_data)(void *arg, const char *buf, size_t n), void *arg, long *status, struct aca_err *err) { (void)az; (void)cx; (void)url; (void)bearer; (void)on_data; (void)arg; (void)status; return aca_err_set(err, SL_ENOTSUP, "stub"); }
