/* credentials.c - STUB: replaced by its owner. */
#include "aca.h"

int aca_cred_new(const struct aca_config *cfg, const struct sl_host_v1 *host, struct aca_cred **out, struct aca_err *err) { (void)cfg; (void)host; *out = NULL; return aca_err_set(err, SL_ENOTSUP, "stub"); }
void aca_cred_free(struct aca_cred *cr) { (void)cr; }
const char *aca_cred_source(const struct aca_cred *cr) { (void)cr; return "none"; }
int aca_cred_token(struct aca_cred *cr, const struct aca_cancel *cx, const char *scope, int force, char **token, struct aca_err *err) { (void)cr; (void)cx; (void)scope; (void)force; *token = NULL; return aca_err_set(err, SL_ENOTSUP, "stub"); }
