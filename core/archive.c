/*
 * archive.c - container paths and the path-stat header of docker cp.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/archive.h"
#include "core/stream.h"

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

char *sl_archive_path_clean(const char *raw, size_t len, const char **why)
{
	/* The clean path is never longer than "/" + raw + "/.". */
	char *out;
	size_t n = 0, i = 0;

	if (!raw || !len) {
		*why = "bad parameter: path cannot be empty";
		return NULL;
	}
	if (memchr(raw, '\0', len)) {
		*why = "bad parameter: path holds a NUL byte";
		return NULL;
	}
	out = malloc(len + 4);
	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	out[n++] = '/';
	while (i < len) {
		size_t start = i, k;

		while (i < len && raw[i] != '/')
			i++;
		k = i - start;
		if (i < len)
			i++;     /* the separator */
		if (!k || (k == 1 && raw[start] == '.'))
			continue;
		if (k == 2 && raw[start] == '.' && raw[start + 1] == '.') {
			if (n == 1) {
				/* dockerd would clamp this at the root; a request
				 * that climbs out of it is refused instead, so no
				 * backend ever sees one. */
				free(out);
				*why = "bad parameter: path climbs above the container's root with \"..\"";
				return NULL;
			}
			/* Drop the last component and its separator. */
			n--;
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--;
			continue;
		}
		if (n > 1)
			out[n++] = '/';
		memcpy(out + n, raw + start, k);
		n += k;
	}
	/* archive.PreserveTrailingDotOrSeparator: "dir/." copies the
	 * directory's content, "dir/" insists on a directory. */
	if (ends_with(raw, len, "/.") && !ends_with(out, n, "/.")) {
		if (out[n - 1] != '/')
			out[n++] = '/';
		out[n++] = '.';
	} else if (raw[len - 1] == '/' && out[n - 1] != '/') {
		out[n++] = '/';
	}
	out[n] = '\0';
	return out;
}

char *sl_archive_base64(const void *buf, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = buf;
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 |
			(i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* Go's time.Time JSON: RFC 3339 with the fraction's trailing zeros (and
 * then the dot) dropped. */
static void go_time(int64_t ns, char *buf, size_t len)
{
	char *dot, *end;

	sl_stream_format_ts(ns, buf, len);
	dot = strchr(buf, '.');
	if (!dot)
		return;
	end = dot + strlen(dot) - 1;    /* at the 'Z' */
	while (end[-1] == '0')
		end--;
	if (end - 1 == dot)
		end--;
	memmove(end, "Z", 2);
}

char *sl_archive_stat_json(const struct sl_path_stat_v1 *st)
{
	struct json_object *o = json_object_new_object();
	char when[48];
	char *out = NULL;

	if (!o)
		return NULL;
	go_time(st->mtime_ns, when, sizeof(when));
	/* Key order as Go's encoding/json writes the struct. */
	json_object_object_add(o, "name", json_object_new_string(st->name ? st->name : ""));
	json_object_object_add(o, "size", json_object_new_int64(st->size));
	json_object_object_add(o, "mode", json_object_new_int64(st->mode));
	json_object_object_add(o, "mtime", json_object_new_string(when));
	json_object_object_add(o, "linkTarget",
		json_object_new_string(st->link_target ? st->link_target : ""));
	out = strdup(json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

char *sl_archive_stat_header(const struct sl_path_stat_v1 *st)
{
	char *json = sl_archive_stat_json(st), *b64;

	if (!json)
		return NULL;
	b64 = sl_archive_base64(json, strlen(json));
	free(json);
	return b64;
}
