/* fakehost.c - the fake host of the ACA unit tests (see fakehost.h). */
#include "fakehost.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct fake_host *cur;   /* set_error has no hctx */

static const struct fake_ctr *fc_of(const sl_container *c)
{
	return (const struct fake_ctr *)(const void *)c;
}

static void f_logv(void *hctx, int level, const char *fmt, va_list ap)
{
	struct fake_host *fh = hctx;

	(void)level;
	vsnprintf(fh->last_log, sizeof(fh->last_log), fmt, ap);
	fh->logs++;
}

static void *f_alloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

static void f_free(void *p)
{
	free(p);
}

static const char *f_config_get(void *hctx, const char *key)
{
	struct fake_host *fh = hctx;
	size_t kl = strlen(key);

	for (size_t i = 0; fh->config && fh->config[i]; i++)
		if (!strncmp(fh->config[i], key, kl) && fh->config[i][kl] == '=')
			return fh->config[i] + kl + 1;
	return NULL;
}

static const char *f_state_dir(void *hctx)
{
	return ((struct fake_host *)hctx)->state_dir;
}

static int f_set_error(sl_call *call, int status, const char *fmt, ...)
{
	va_list ap;

	(void)call;
	va_start(ap, fmt);
	vsnprintf(cur->error, sizeof(cur->error), fmt, ap);
	va_end(ap);
	cur->error_status = status;
	return status;
}

static const char *f_ctr_str(const sl_container *c, int field)
{
	return field > 0 && field < FAKE_FIELDS ? fc_of(c)->str[field] : NULL;
}

static const char *const *f_ctr_list(const sl_container *c, int field)
{
	return field > 0 && field < FAKE_FIELDS ? fc_of(c)->list[field] : NULL;
}

static int64_t f_ctr_int(const sl_container *c, int field)
{
	return field > 0 && field < FAKE_FIELDS ? fc_of(c)->ints[field] : 0;
}

static const void *f_ctr_raw_config(const sl_container *c, size_t *len)
{
	const char *raw = fc_of(c)->raw;

	*len = raw ? strlen(raw) : 0;
	return raw;
}

static char *dup_host(const char *s)
{
	char *p = f_alloc(strlen(s) + 1);

	if (p)
		strcpy(p, s);
	return p;
}

static int f_registry_credentials(void *hctx, const char *registry,
	struct sl_credentials_v1 *out)
{
	struct fake_host *fh = hctx;

	fh->cred_calls++;
	if (!fh->cred_registry || strcmp(fh->cred_registry, registry))
		return SL_ENOTFOUND;
	out->username = fh->cred_user ? dup_host(fh->cred_user) : NULL;
	out->password = fh->cred_pass ? dup_host(fh->cred_pass) : NULL;
	out->registry_token = NULL;
	return SL_OK;
}

int fakehost_init(struct fake_host *fh)
{
	memset(fh, 0, sizeof(*fh));
	fh->host = (struct sl_host_v1){
		SL_HEADER(struct sl_host_v1),
		.hctx = fh,
		.logv = f_logv,
		.alloc = f_alloc,
		.free = f_free,
		.config_get = f_config_get,
		.state_dir = f_state_dir,
		.set_error = f_set_error,
		.ctr_str = f_ctr_str,
		.ctr_list = f_ctr_list,
		.ctr_int = f_ctr_int,
		.ctr_raw_config = f_ctr_raw_config,
		.registry_credentials = f_registry_credentials,
	};
	cur = fh;
	snprintf(fh->state_dir, sizeof(fh->state_dir), "%s/aca-test-XXXXXX",
		getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(fh->state_dir) ? 0 : -1;
}

void fakehost_fini(struct fake_host *fh)
{
	DIR *d = opendir(fh->state_dir);
	struct dirent *de;
	char path[512];

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", fh->state_dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(fh->state_dir);
	if (cur == fh)
		cur = NULL;
}

void fakehost_ctr(struct fake_ctr *fc, const char *id, const char *name)
{
	static const char *const sh[] = { "sh", NULL };
	static const char *const path[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		NULL
	};

	memset(fc, 0, sizeof(*fc));
	fc->str[SL_CTR_ID] = id;
	fc->str[SL_CTR_NAME] = name;
	fc->str[SL_CTR_IMAGE] = "busybox";
	fc->str[SL_CTR_IMAGE_REF] = "docker.io/library/busybox:latest";
	fc->list[SL_CTR_CMD] = sh;
	fc->list[SL_CTR_IMAGE_CMD] = sh;
	fc->list[SL_CTR_ENV] = path;
	fc->list[SL_CTR_IMAGE_ENV] = path;
	fc->ints[SL_CTR_STOP_TIMEOUT] = -1;
}
