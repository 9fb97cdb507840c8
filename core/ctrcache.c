/*
 * ctrcache.c - rendered JSON of containers (see ctrcache.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/printbuf.h>

#include "core/ctrcache.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct sl_ctrcache {
	/* The list entry and what it was rendered from (st.error is NULL;
	 * the message is kept in error). */
	char *entry;
	size_t entry_len;
	struct sl_ctr_state st;
	char *error;
	char *name;
	char *variant;
	int flags;
	char *part[SL_CTRCACHE_NPARTS];
	unsigned long part_gen[SL_CTRCACHE_NPARTS];	/* c->cfg_gen rendered from */
};

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static char *dup_or_null(const char *s, int *failed)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*failed = 1;
	return d;
}

/* Called with c->lock held. */
static struct sl_ctrcache *cache_of(struct sl_container *c)
{
	if (!c->cache)
		c->cache = calloc(1, sizeof(*c->cache));
	return c->cache;
}

/* Called with c->lock held.  The state is compared as bytes: a field added
 * to the struct is part of the key without a change here, and a difference
 * in padding can only cause a needless render, never a stale hit. */
static int entry_fresh(const struct sl_ctrcache *cc,
	const struct sl_ctr_state *st, const char *name, const char *variant,
	int flags)
{
	struct sl_ctr_state k;

	if (!cc || !cc->entry)
		return 0;
	memcpy(&k, st, sizeof(k));
	k.error = NULL;
	return !memcmp(&k, &cc->st, sizeof(k)) && same_str(cc->error, st->error) &&
		same_str(cc->name, name) && same_str(cc->variant, variant) &&
		cc->flags == flags;
}

int sl_ctrcache_append_entry(struct sl_container *c,
	const struct sl_ctr_state *st, const char *variant, int flags,
	sl_ctrcache_entry_fn fn, struct printbuf *pb)
{
	struct sl_ctrcache *cc, old = {0};
	struct json_object *o;
	char *name, *text, *error, *var;
	const char *s;
	size_t len;
	int failed = 0, rc;

	pthread_mutex_lock(&c->lock);
	if (entry_fresh(c->cache, st, c->str[SL_CTR_NAME], variant, flags)) {
		rc = printbuf_memappend(pb, c->cache->entry, (int)c->cache->entry_len);
		pthread_mutex_unlock(&c->lock);
		return rc < 0 ? -1 : 0;
	}
	name = dup_or_null(c->str[SL_CTR_NAME], &failed);
	pthread_mutex_unlock(&c->lock);

	o = fn(c, st, variant, flags);
	s = o ? json_object_to_json_string_length(o, JSON_FLAGS, &len) : NULL;
	if (!s || printbuf_memappend(pb, s, (int)len) < 0) {
		json_object_put(o);
		free(name);
		return -1;
	}
	/* Keep it for the next request; failing to is no error. */
	text = malloc(len + 1);
	if (text)
		memcpy(text, s, len + 1);
	json_object_put(o);
	error = dup_or_null(st->error, &failed);
	var = dup_or_null(variant, &failed);
	pthread_mutex_lock(&c->lock);
	cc = cache_of(c);
	/* A rename during the render may have put either name in the text. */
	if (cc && text && !failed && same_str(name, c->str[SL_CTR_NAME])) {
		old = *cc;      /* the entry's fields are freed below, not parts */
		cc->entry = text;
		cc->entry_len = len;
		memcpy(&cc->st, st, sizeof(cc->st));
		cc->st.error = NULL;
		cc->error = error;
		cc->name = name;
		cc->variant = var;
		cc->flags = flags;
		text = error = name = var = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	free(old.entry);
	free(old.error);
	free(old.name);
	free(old.variant);
	free(text);
	free(error);
	free(name);
	free(var);
	return 0;
}

/* A list answer being streamed: entries are rendered into pb as
 * libmicrohttpd asks for more. */
struct list_stream {
	struct sl_container **picked;
	size_t n, next;         /* picked[next..n) still hold references */
	sl_ctrcache_entry_fn fn;
	sl_ctrcache_variant_fn variant;
	int flags;
	struct printbuf *pb;    /* rendered, not yet handed out */
	int done;               /* the closing bracket is in pb */
};

#define LIST_BLOCK (64 * 1024)

/* Renders entries until pb holds want bytes or the list is complete. */
static int stream_fill(struct list_stream *ls, size_t want)
{
	while ((size_t)ls->pb->bpos < want && !ls->done) {
		struct sl_container *c;
		struct sl_ctr_state st;
		char variant[128];
		int rc = 0;

		if (ls->next == ls->n) {
			if (printbuf_memappend(ls->pb, "]\n", 2) < 0)
				return -1;
			ls->done = 1;
			break;
		}
		c = ls->picked[ls->next];
		ls->picked[ls->next++] = NULL;
		sl_ctr_get_state(c, &st);
		ls->variant(c, &st, variant, sizeof(variant));
		if (ls->next > 1)
			rc = printbuf_memappend(ls->pb, ",", 1);
		if (rc >= 0)
			rc = sl_ctrcache_append_entry(c, &st, variant, ls->flags,
				ls->fn, ls->pb);
		free(st.error);
		sl_ctr_unref(c);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct list_stream *ls = cls;
	size_t len;

	(void)pos;
	if (stream_fill(ls, max) < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (!ls->pb->bpos)
		return MHD_CONTENT_READER_END_OF_STREAM;
	len = (size_t)ls->pb->bpos < max ? (size_t)ls->pb->bpos : max;
	memcpy(buf, ls->pb->buf, len);
	/* Keep the rest at the front: pb stays about one block long. */
	memmove(ls->pb->buf, ls->pb->buf + len, (size_t)ls->pb->bpos - len);
	ls->pb->bpos -= (int)len;
	ls->pb->buf[ls->pb->bpos] = '\0';
	return (ssize_t)len;
}

static void stream_free(void *cls)
{
	struct list_stream *ls = cls;

	for (size_t i = ls->next; i < ls->n; i++)
		sl_ctr_unref(ls->picked[i]);
	free(ls->picked);
	printbuf_free(ls->pb);
	free(ls);
}

enum MHD_Result sl_ctrcache_respond_list(struct sl_req *r,
	struct sl_container **picked, size_t n, int flags,
	sl_ctrcache_entry_fn fn, sl_ctrcache_variant_fn variant)
{
	struct list_stream *ls = calloc(1, sizeof(*ls));
	struct MHD_Response *resp;

	if (ls) {
		ls->picked = picked;
		ls->n = n;
		ls->fn = fn;
		ls->variant = variant;
		ls->flags = flags;
		ls->pb = printbuf_new();
	}
	if (!ls || !ls->pb || printbuf_memappend(ls->pb, "[", 1) < 0) {
		if (ls) {
			stream_free(ls);
		} else {
			for (size_t i = 0; i < n; i++)
				sl_ctr_unref(picked[i]);
			free(picked);
		}
		return sl_http_error(r, 500, "out of memory");
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, LIST_BLOCK,
		stream_read, ls, stream_free);
	if (!resp) {
		stream_free(ls);
		return sl_http_error(r, 500, "out of memory");
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	return sl_http_queue(r, 200, resp);
}

struct json_object *sl_ctrcache_part(struct sl_container *c,
	enum sl_ctrcache_part part, sl_ctrcache_part_fn fn)
{
	struct sl_ctrcache *cc;
	struct json_object *o, *raw;
	char *text = NULL, *keep;
	unsigned long g;

	pthread_mutex_lock(&c->lock);
	g = c->cfg_gen;
	if (c->cache && c->cache->part[part] && c->cache->part_gen[part] == g)
		text = strdup(c->cache->part[part]);
	pthread_mutex_unlock(&c->lock);
	if (!text) {
		/* The create body never changes, docker update seldom: render
		 * once per record and update. */
		raw = json_tokener_parse(c->raw);
		o = fn(c, raw);
		json_object_put(raw);
		text = o ? strdup(json_object_to_json_string_ext(o, JSON_FLAGS)) : NULL;
		json_object_put(o);
		if (!text)
			return NULL;
		keep = strdup(text);
		pthread_mutex_lock(&c->lock);
		cc = cache_of(c);
		if (cc && keep && c->cfg_gen == g) {
			free(cc->part[part]);
			cc->part[part] = keep;
			cc->part_gen[part] = g;
			keep = NULL;
		}
		pthread_mutex_unlock(&c->lock);
		free(keep);
	}
	o = json_object_new_object();
	if (!o) {
		free(text);
		return NULL;
	}
	json_object_set_serializer(o, json_object_userdata_to_json_string, text,
		json_object_free_userdata);
	return o;
}

void sl_ctrcache_free(struct sl_ctrcache *cc)
{
	if (!cc)
		return;
	free(cc->entry);
	free(cc->error);
	free(cc->name);
	free(cc->variant);
	for (int i = 0; i < SL_CTRCACHE_NPARTS; i++)
		free(cc->part[i]);
	free(cc);
}
