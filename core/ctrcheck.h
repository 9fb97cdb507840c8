/*
 * ctrcheck.h - what dockerd refuses in a container create body.
 */
#ifndef SL_CTRCHECK_H
#define SL_CTRCHECK_H

#include <stddef.h>
#include <json-c/json.h>

/*
 * Checks the HostConfig of a create body (borrowed) as dockerd's
 * verifyContainerSettings and mergeAndVerifyLogConfig do: restart
 * policy, AutoRemove with a restart policy, log driver and its options.
 * Returns 0, or -1 with dockerd's message in err (answered with 400).
 */
int sl_ctrcheck_hostconfig(struct json_object *body, char *err, size_t errlen);

/* The restart policy part of that check, on a HostConfig (borrowed);
 * docker update's body has the same RestartPolicy member. */
int sl_ctrcheck_restart(struct json_object *hc, char *err, size_t errlen);

#endif
