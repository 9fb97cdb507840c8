/*
 * api_rename.c - POST /containers/{id}/rename: only the core's name table
 * changes, so no backend hook is involved.  Messages and their order are
 * dockerd's (daemon/rename.go).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/api.h"
#include "core/api_ctr.h"
#include "core/ctrtab.h"
#include "core/names.h"

enum MHD_Result sl_api_ctr_rename(struct sl_req *r)
{
	const char *q = sl_http_query(r, "name"), *old;
	struct sl_container *c;
	enum MHD_Result ret;
	char name[SL_NAMES_MAX + 2], err[512], oldname[SL_NAMES_MAX + 2];
	size_t len;
	int rc;

	/* dockerd trims white space and one leading '/'. */
	while (q && isspace((unsigned char)*q))
		q++;
	len = q ? strlen(q) : 0;
	while (len && isspace((unsigned char)q[len - 1]))
		len--;
	if (len && *q == '/')
		q++, len--;
	if (!len)
		return sl_http_error(r, 400, "Neither old nor new names may be empty");
	c = sl_api_ctr_get(r, &ret);
	if (!c)
		return ret;
	if (len <= SL_NAMES_MAX) {
		memcpy(name, q, len);
		name[len] = '\0';
	}
	if (len > SL_NAMES_MAX || !sl_names_valid(name)) {
		ret = sl_http_error(r, 400,
			"Error when allocating new name: Invalid container name (/%.*s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			(int)len, q);
		goto out;
	}
	rc = sl_ctrtab_rename(c, name, &old, err, sizeof(err));
	if (rc) {
		ret = sl_http_error(r, sl_http_status_of(rc), "%s%s",
			rc == SL_ECONFLICT ? "Error when allocating new name: " : "",
			err);
		goto out;
	}
	snprintf(oldname, sizeof(oldname), "/%s", old);
	{
		const char *extra[] = {"oldName", oldname, NULL};

		sl_ctrtab_event(c, "rename", extra);
	}
	ret = sl_http_empty(r, 204);
out:
	sl_ctr_unref(c);
	return ret;
}
