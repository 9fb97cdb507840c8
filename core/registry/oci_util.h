/* oci_util.h - helpers shared by the oci_* files: error text, string
 * arrays, paths. Used by the registry client, the daemon's image code and
 * the simulator's puller and replica runner. */
#ifndef SL_OCI_UTIL_H
#define SL_OCI_UTIL_H

#include <stddef.h>

#include "oci_types.h"

/* printf into err->msg (truncating); err may be NULL. Returns code so
 * callers can `return oci_err_set(err, OCI_E_IO, ...)`. */
int oci_err_set(struct oci_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Number of entries of a NULL-terminated array (0 for NULL). */
size_t oci_strv_len(char *const *v);

/* Deep copy of a NULL-terminated array; NULL stays NULL. Returns a heap
 * array of heap strings the caller frees with oci_strv_free(), or NULL
 * with *failed set on allocation failure. */
char **oci_strv_dup(const char *const *v, int *failed);

/* Free a NULL-terminated array of heap strings; NULL-safe. */
void oci_strv_free(char **v);

/* Join a directory and a name with one '/'. Heap string, caller frees;
 * NULL on allocation failure. */
char *oci_path_join(const char *dir, const char *name);

#endif
