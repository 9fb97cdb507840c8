/*
 * host.c - the services the daemon offers a backend.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/call.h"
#include "core/container.h"
#include "core/credstore.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/exec.h"
#include "core/host.h"
#include "core/log.h"
#include "core/logstore.h"
#include "core/secrets.h"
#include "core/stream.h"

struct hostctx {
	char name[64];
	const char *const *opts;
	const char *state_dir;
	/* Values found in the environment, kept so the pointers we hand out
	 * live until the daemon exits. */
	pthread_mutex_t lock;
	char **env_cache;
	size_t env_len;
};

static struct hostctx hctx = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void h_logv(void *ctx, int level, const char *fmt, va_list ap)
{
	char buf[2048];

	(void)ctx;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	sl_log(level, "[%s] %s", hctx.name, buf);
}

static void *h_alloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

static void h_free(void *p)
{
	free(p);
}

static const char *h_config_get(void *ctx, const char *key)
{
	char var[256];
	size_t kl = strlen(key), n;
	const char *v;

	(void)ctx;
	for (size_t i = 0; hctx.opts && hctx.opts[i]; i++)
		if (!strncmp(hctx.opts[i], key, kl) && hctx.opts[i][kl] == '=')
			return hctx.opts[i] + kl + 1;
	n = (size_t)snprintf(var, sizeof(var), "SOCKERLESS_%s_%s", hctx.name, key);
	if (n >= sizeof(var))
		return NULL;
	for (char *p = var; *p; p++)
		*p = (*p == '-' || *p == '.') ? '_' : (char)toupper((unsigned char)*p);
	v = getenv(var);
	if (!v)
		return NULL;
	/* getenv's pointer may go stale if anyone calls setenv; copy it. */
	pthread_mutex_lock(&hctx.lock);
	char **nc = realloc(hctx.env_cache, (hctx.env_len + 1) * sizeof(char *));
	char *copy = strdup(v);

	if (nc)
		hctx.env_cache = nc;
	if (!nc || !copy) {
		free(copy);
		copy = NULL;
	} else {
		hctx.env_cache[hctx.env_len++] = copy;
	}
	pthread_mutex_unlock(&hctx.lock);
	return copy;
}

static const char *h_state_dir(void *ctx)
{
	(void)ctx;
	return hctx.state_dir;
}

static int h_cancelled(sl_call *call)
{
	return sl_call_is_cancelled(call);
}

static int h_cancel_fd(sl_call *call)
{
	return sl_call_get_cancel_fd(call);
}

static const char *h_ctr_str(const sl_container *c, int f)
{
	return f > 0 && f < SL_CTR_NSTR ? c->str[f] : NULL;
}

static const char *const *h_ctr_list(const sl_container *c, int f)
{
	return f > 0 && f < SL_CTR_NLIST ? (const char *const *)c->list[f] : NULL;
}

static int64_t h_ctr_int(const sl_container *c, int f)
{
	struct sl_container *m = (struct sl_container *)c;
	int64_t v = 0;

	if (f > 0 && f < SL_CTR_STATUS)
		return c->ints[f];
	/* The recorded state changes, so it is read under the lock. */
	pthread_mutex_lock(&m->lock);
	switch (f) {
	case SL_CTR_STATUS: v = m->state.status; break;
	case SL_CTR_PID: v = m->state.pid; break;
	case SL_CTR_STARTED_NS: v = m->state.started_ns; break;
	case SL_CTR_FINISHED_NS: v = m->state.finished_ns; break;
	case SL_CTR_EXIT_CODE: v = m->state.exit_code; break;
	default: break;
	}
	pthread_mutex_unlock(&m->lock);
	return v;
}

static const void *h_ctr_raw(const sl_container *c, size_t *len)
{
	*len = c->raw_len;
	return c->raw;
}

static int h_ctr_data_set(sl_container *c, const char *k, const char *v)
{
	int rc = sl_ctr_data_set(c, k, v);

	return rc ? rc : sl_ctrtab_persist(c);
}

static char *h_ctr_data_get(const sl_container *c, const char *k)
{
	return sl_ctr_data_get((sl_container *)c, k);
}

static sl_container *h_ctr_ref(sl_container *c)
{
	return sl_ctr_ref(c);
}

static void h_ctr_unref(sl_container *c)
{
	sl_ctr_unref(c);
}

static sl_container *h_ctr_lookup(void *ctx, const char *id)
{
	int amb;
	sl_container *c;

	(void)ctx;
	c = sl_ctrtab_find(id, &amb);
	/* The ABI promises full-id lookup only. */
	if (c && strcmp(c->str[SL_CTR_ID], id)) {
		sl_ctr_unref(c);
		c = NULL;
	}
	return c;
}

static int h_ctr_foreach(void *ctx, int (*fn)(sl_container *, void *),
	void *arg)
{
	(void)ctx;
	return sl_ctrtab_foreach(fn, arg);
}

static void h_state_changed(sl_container *c, const struct sl_state_v1 *st)
{
	sl_ctrtab_state_changed(c, st);
}

static ssize_t h_stream_write(sl_stream *s, int fd, const void *b, size_t n)
{
	return sl_stream_write(s, fd, b, n);
}

static int h_stream_write_line(sl_stream *s, int fd, int64_t ts,
	const char *line, size_t n)
{
	return sl_stream_write_line(s, fd, ts, line, n, 0);
}

static int h_stream_write_line_ex(sl_stream *s, int fd, int64_t ts,
	const char *line, size_t n, unsigned flags)
{
	return sl_stream_write_line(s, fd, ts, line, n, flags);
}

static ssize_t h_stream_read(sl_stream *s, void *b, size_t n)
{
	return sl_stream_read(s, b, n, -1);
}

static ssize_t h_stream_read_timeout(sl_stream *s, void *b, size_t n,
	int timeout_ms)
{
	return sl_stream_read(s, b, n, timeout_ms);
}

/*
 * Writes to the container's files happen under its persist_lock, which
 * sl_ctrtab_remove holds while it marks the record removed and deletes
 * the files: so a late call from a backend thread either lands before the
 * removal (and is deleted with the rest) or sees `removed` and writes
 * nothing, never re-creating a removed container's directory.  Returns
 * with the lock held unless the container is gone (then SL_ENOTFOUND).
 */
static int files_lock(sl_container *c)
{
	int gone;

	pthread_mutex_lock(&c->persist_lock);
	pthread_mutex_lock(&c->lock);
	gone = c->state.removed;
	pthread_mutex_unlock(&c->lock);
	if (gone) {
		pthread_mutex_unlock(&c->persist_lock);
		return SL_ENOTFOUND;
	}
	return SL_OK;
}

static void files_unlock(sl_container *c)
{
	pthread_mutex_unlock(&c->persist_lock);
}

/* Maps the modules' -errno to the ABI's status codes. */
static int errno_status(int rc)
{
	switch (rc) {
	case 0: return SL_OK;
	case -EINVAL: case -EFBIG: return SL_EINVAL;
	case -ENOENT: return SL_ENOTFOUND;
	case -ENOMEM: return SL_ENOMEM;
	case -EPIPE: return SL_ECONFLICT;
	default: return SL_EINTERNAL;
	}
}

static int h_secret_set(sl_container *c, const char *name, const void *v,
	size_t len)
{
	int rc;

	if (files_lock(c))
		return SL_ENOTFOUND;
	rc = sl_secrets_set(sl_daemon.data_root, c->str[SL_CTR_ID], name, v, len);
	files_unlock(c);
	/* The name is not secret; the value never reaches a log. */
	if (rc && rc != -EINVAL)
		sl_error("cannot store secret %s of %.12s: %s", name,
			c->str[SL_CTR_ID], strerror(-rc));
	return errno_status(rc);
}

static void *h_secret_get(const sl_container *c, const char *name,
	size_t *len)
{
	void *buf = NULL, *copy;
	size_t n = 0;

	*len = 0;
	if (sl_secrets_get(sl_daemon.data_root, c->str[SL_CTR_ID], name, &buf,
			&n))
		return NULL;
	/* The plugin frees with host->free: copy into host->alloc memory. */
	copy = h_alloc(n + 1);
	if (copy) {
		memcpy(copy, buf, n);
		*len = n;
	}
	explicit_bzero(buf, n);
	free(buf);
	return copy;
}

static int h_secret_delete(sl_container *c, const char *name)
{
	return errno_status(sl_secrets_delete(sl_daemon.data_root,
		c->str[SL_CTR_ID], name));
}

static char *dup_alloc(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = h_alloc(strlen(s) + 1);
	if (d)
		strcpy(d, s);
	return d;
}

static int h_registry_credentials(void *ctx, const char *registry,
	struct sl_credentials_v1 *out)
{
	struct sl_cred cr;
	char *u, *p, *t;

	(void)ctx;
	if (!SL_HAS_FIELD(out, struct sl_credentials_v1, registry_token))
		return SL_EINVAL;
	out->username = out->password = out->registry_token = NULL;
	if (sl_credstore_get(registry, &cr))
		return SL_ENOTFOUND;
	u = dup_alloc(cr.username);
	p = dup_alloc(cr.password);
	t = dup_alloc(cr.registry_token);
	if ((cr.username && !u) || (cr.password && !p) || (cr.registry_token && !t)) {
		free(u);
		free(p);
		free(t);
		sl_cred_clear(&cr);
		return SL_ENOMEM;
	}
	sl_cred_clear(&cr);
	out->username = u;
	out->password = p;
	out->registry_token = t;
	return SL_OK;
}

int sl_host_log_append_batch(sl_container *c, struct sl_logstore_batch *b)
{
	int rc;

	if (files_lock(c))
		return SL_ENOTFOUND;
	rc = sl_logstore_batch_append(sl_daemon.data_root, c->str[SL_CTR_ID], b);
	files_unlock(c);
	if (rc && rc != -EPIPE)
		sl_warn("local log copy of %.12s given up: %s",
			c->str[SL_CTR_ID], strerror(-rc));
	return errno_status(rc);
}

static int h_log_append_ex(sl_container *c, int fd, int64_t ts,
	const char *line, size_t len, unsigned flags)
{
	struct sl_logstore_batch b = {0};
	int rc = sl_logstore_batch_add(&b, fd, ts, line, len, flags);

	rc = rc ? errno_status(rc) : sl_host_log_append_batch(c, &b);
	sl_logstore_batch_free(&b);
	return rc;
}

static int h_log_append(sl_container *c, int fd, int64_t ts, const char *line,
	size_t len)
{
	return h_log_append_ex(c, fd, ts, line, len, 0);
}

static int h_log_complete(sl_container *c)
{
	int rc;

	if (files_lock(c))
		return SL_ENOTFOUND;
	rc = sl_logstore_complete(sl_daemon.data_root, c->str[SL_CTR_ID]);
	files_unlock(c);
	return errno_status(rc);
}

static void h_start_progress(sl_container *c, const char *text)
{
	const char *extra[] = {"message", text ? text : "", NULL};

	sl_info("start %.12s: %s", c->str[SL_CTR_ID],
		text ? text : "");
	sl_ctrtab_event(c, "progress", extra);
}

/* Agent services (1.2): copies into host->alloc memory for the plugin. */
static char *alloc_copy_wipe(char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = dup_alloc(s);
	explicit_bzero(s, strlen(s));
	free(s);
	return d;
}

static char *h_agent_token(sl_container *c)
{
	return alloc_copy_wipe(sl_agent_token(c));
}

static int h_agent_connect(sl_call *call, sl_container *c, const char *addr)
{
	return sl_agent_connect(call, c, addr);
}

static char *h_agent_callback_url(sl_container *c)
{
	return alloc_copy_wipe(sl_agent_callback_url(c));
}

static int h_agent_state(sl_container *c)
{
	return sl_agent_state(c);
}

static const struct sl_host_v1 host_table = {
	SL_HEADER(struct sl_host_v1),
	.hctx = &hctx,
	.logv = h_logv,
	.alloc = h_alloc,
	.free = h_free,
	.config_get = h_config_get,
	.state_dir = h_state_dir,
	.set_error = sl_call_set_error,
	.cancelled = h_cancelled,
	.cancel_fd = h_cancel_fd,
	.ctr_str = h_ctr_str,
	.ctr_list = h_ctr_list,
	.ctr_int = h_ctr_int,
	.ctr_raw_config = h_ctr_raw,
	.ctr_data_set = h_ctr_data_set,
	.ctr_data_get = h_ctr_data_get,
	.ctr_ref = h_ctr_ref,
	.ctr_unref = h_ctr_unref,
	.ctr_lookup = h_ctr_lookup,
	.ctr_foreach = h_ctr_foreach,
	.state_changed = h_state_changed,
	.exec_str = sl_exec_str,
	.exec_list = sl_exec_list,
	.exec_int = sl_exec_int,
	.exec_data_set = sl_exec_data_set,
	.exec_data_get = sl_exec_data_get,
	.stream_write = h_stream_write,
	.stream_write_line = h_stream_write_line,
	.stream_read = h_stream_read,
	.stream_read_timeout = h_stream_read_timeout,
	/* 1.1 */
	.secret_set = h_secret_set,
	.secret_get = h_secret_get,
	.secret_delete = h_secret_delete,
	.registry_credentials = h_registry_credentials,
	.log_append = h_log_append,
	.log_complete = h_log_complete,
	.start_progress = h_start_progress,
	/* 1.2 */
	.agent_token = h_agent_token,
	.agent_connect = h_agent_connect,
	.agent_callback_url = h_agent_callback_url,
	.agent_state = h_agent_state,
	/* 1.3 */
	.log_append_ex = h_log_append_ex,
	.stream_write_line_ex = h_stream_write_line_ex,
};

const struct sl_host_v1 *sl_host_get(const char *backend_name,
	const char *const *opts, const char *state_dir)
{
	snprintf(hctx.name, sizeof(hctx.name), "%s", backend_name);
	hctx.opts = opts;
	hctx.state_dir = state_dir;
	return &host_table;
}

void sl_host_release(void)
{
	pthread_mutex_lock(&hctx.lock);
	for (size_t i = 0; i < hctx.env_len; i++)
		free(hctx.env_cache[i]);
	free(hctx.env_cache);
	hctx.env_cache = NULL;
	hctx.env_len = 0;
	pthread_mutex_unlock(&hctx.lock);
}
