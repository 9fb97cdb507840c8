/* test_run_helpers.h - shared by the runner's integration tests: start
 * and stop the local test registry (testenv/registry-up.sh), temp dirs. */
#ifndef SL_TEST_RUN_HELPERS_H
#define SL_TEST_RUN_HELPERS_H

#include <stddef.h>

/* Run registry-up.sh in dir (its output goes to dir/up.log). On success
 * returns 0 and writes "127.0.0.1:PORT" into host; -1 otherwise with a
 * reason in why. */
int trh_registry_up(const char *dir, char *host, size_t n, char *why, size_t whylen);

/* Stop the registry of dir (registry-down.sh). */
void trh_registry_down(const char *dir);

/* mkdtemp("/tmp/<prefix>-XXXXXX"); heap string the caller frees. */
char *trh_mkdtemp(const char *prefix);

#endif
