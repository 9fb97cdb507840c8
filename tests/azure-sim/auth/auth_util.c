/* auth_util: the id, time formats and JSON output only the auth files use
 * (random GUIDs, ISO times and string helpers are server/sim_util's). */
#include "config.h"
#include "auth_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>

static void fmt_uuid(const unsigned char b[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

void auth_i_derived_uuid(const char *tenant, const char *name, char out[37])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(md, 0, sizeof(md));
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		EVP_DigestUpdate(ctx, tenant, strlen(tenant) + 1);
		EVP_DigestUpdate(ctx, name, strlen(name));
		EVP_DigestFinal_ex(ctx, md, &md_len);
	}
	EVP_MD_CTX_free(ctx);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	fmt_uuid(md, out);
}

static void utc(long long t, struct tm *tm)
{
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, tm))
		memset(tm, 0, sizeof(*tm));
}

void auth_i_fmt_entra_ts(long long t, char *out, size_t n)
{
	struct tm tm;

	utc(t, &tm);
	snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void auth_i_fmt_arm_time(long long t, char *out, size_t n)
{
	struct tm tm;
	int h12;

	/* .NET's invariant "G" pattern, as ARM prints it:
	 * month/day without padding, 12-hour clock. */
	utc(t, &tm);
	h12 = tm.tm_hour % 12;
	if (h12 == 0)
		h12 = 12;
	snprintf(out, n, "%d/%d/%04d %d:%02d:%02d %s", tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_year + 1900, h12, tm.tm_min, tm.tm_sec,
		 tm.tm_hour < 12 ? "AM" : "PM");
}

int auth_i_send_json(struct auth_response *resp, int status,
		     struct json_object *obj)
{
	const char *txt;
	char *body;

	if (!obj)
		return -ENOMEM;
	txt = json_object_to_json_string_ext(obj, AUTH_JSON_FLAGS);
	body = txt ? strdup(txt) : NULL;
	json_object_put(obj);
	if (!body)
		return -ENOMEM;
	auth_response_set(resp, status, AUTH_JSON_CT, body);
	return 0;
}
