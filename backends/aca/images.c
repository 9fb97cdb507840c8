/* images.c - STUB: replaced by its owner. */
#include "aca.h"

int aca_images_command(const struct sl_host_v1 *host, sl_container *c, char ***command, char ***args) { (void)host; (void)c; *command = NULL; *args = NULL; return SL_OK; }
void aca_strv_free(char **v) { (void)v; }
const struct sl_image_ops_v1 aca_image_ops = { SL_HEADER(struct sl_image_ops_v1) };
