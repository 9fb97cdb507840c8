/* sim_storage.h - Azure Files for volumes: the Microsoft.Storage account
 * keys and file shares, and the managed environments' storages that name
 * them. A share is a host directory, <state-dir>/shares/<account>/<share>,
 * which replicas bind-mount. */
#ifndef SIM_STORAGE_H
#define SIM_STORAGE_H

#include "sim_http.h"
#include "sim_state.h"

struct json_object;

/* The host directory of a share (caller frees); NULL on ENOMEM. */
char *sim_storage_share_dir(const char *account, const char *share);

/* Check a job template's volumes (state lock held): every AzureFile
 * volume names a storage of env. Returns 0, or -EINVAL with resp filled
 * (400 ManagedEnvironmentStorageNotFound). */
int sim_storage_check_volumes(struct sim_env *env, struct json_object *volumes,
			      struct sim_resp *resp);

#endif
