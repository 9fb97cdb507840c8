/* tests/unit/test_image.c - the image records (core/image.c): lookups by
 * name, digest, ID and short ID; tags and digest refs that move between
 * images; untag and delete; every change written through to the store;
 * familiar forms. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/image.h"
#include "core/store.h"

#define HA "aaaa000000000000000000000000000000000000000000000000000000000001"
#define HB "aabb000000000000000000000000000000000000000000000000000000000002"
#define DG "sha256:d000000000000000000000000000000000000000000000000000000000000000"

static char dir[64];
static struct sl_store *st;

static struct json_object *record(const char *hex)
{
	char id[80];
	struct json_object *r = json_object_new_object();

	snprintf(id, sizeof(id), "sha256:%s", hex);
	json_object_object_add(r, "Id", json_object_new_string(id));
	json_object_object_add(r, "RepoTags", json_object_new_array());
	json_object_object_add(r, "RepoDigests", json_object_new_array());
	return r;
}

/* The record found for name, as its ID ("" when none). */
static const char *found(const char *name)
{
	static char id[80];
	struct json_object *r = sl_image_find(name), *v;

	id[0] = '\0';
	if (r && json_object_object_get_ex(r, "Id", &v))
		snprintf(id, sizeof(id), "%s", json_object_get_string(v));
	json_object_put(r);
	return id;
}

/* The tags of hex as the store has them, joined by ' '. */
static const char *stored_tags(const char *hex)
{
	static char out[512];
	struct json_object *o, *a;
	char *json = NULL;
	size_t len;

	out[0] = '\0';
	if (sl_store_get(st, "images", hex, &json, &len) < 0)
		return "(none)";
	o = json_tokener_parse(json);
	free(json);
	if (json_object_object_get_ex(o, "RepoTags", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "",
				 json_object_get_string(json_object_array_get_idx(a, i)));
	json_object_put(o);
	return out;
}

static void test_records(void **state)
{
	char err[256];
	int current = -1;

	(void)state;
	strcpy(dir, "/tmp/sl-image-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sl_store_open(dir, &st, err, sizeof(err)), 0);
	assert_int_equal(sl_image_init(st), 0);
	assert_int_equal(sl_image_count(), 0);

	assert_int_equal(sl_image_add(record(HA), "docker.io/library/busybox:latest",
				      "docker.io/library/busybox@" DG, &current), 0);
	assert_int_equal(current, 0);
	assert_string_equal(found("busybox"), "sha256:" HA);
	assert_string_equal(found("docker.io/library/busybox:latest"), "sha256:" HA);
	assert_string_equal(found("busybox@" DG), "sha256:" HA);
	assert_string_equal(found(HA), "sha256:" HA);
	assert_string_equal(found("sha256:" HA), "sha256:" HA);
	assert_string_equal(found("aaaa"), "sha256:" HA);
	assert_string_equal(found("busybox:other"), "");
	assert_string_equal(stored_tags(HA), "docker.io/library/busybox:latest");

	/* The same pull again: up to date. */
	assert_int_equal(sl_image_add(record(HA), "docker.io/library/busybox:latest", NULL,
				      &current), 0);
	assert_int_equal(current, 1);
	assert_int_equal(sl_image_count(), 1);

	/* A newer image takes the tag and the digest ref; the old one dangles. */
	assert_int_equal(sl_image_add(record(HB), "docker.io/library/busybox:latest",
				      "docker.io/library/busybox@" DG, &current), 0);
	assert_int_equal(current, 0);
	assert_string_equal(found("busybox"), "sha256:" HB);
	assert_string_equal(found("busybox@" DG), "sha256:" HB);
	assert_string_equal(stored_tags(HA), "");
	assert_string_equal(found("aa"), ""); /* ambiguous prefix */

	/* Tag, untag, delete. */
	assert_int_equal(sl_image_tag("sha256:" HA, "docker.io/library/mine:v1"), 0);
	assert_string_equal(found("mine:v1"), "sha256:" HA);
	assert_string_equal(stored_tags(HA), "docker.io/library/mine:v1");
	assert_int_equal(sl_image_tag("sha256:" HB, "docker.io/library/mine:v1"), 0);
	assert_string_equal(stored_tags(HA), "");
	assert_int_equal(sl_image_untag("sha256:" HB, "docker.io/library/mine:v1"), 0);
	assert_int_equal(sl_image_untag("sha256:" HB, "docker.io/library/mine:v1"), -ENOENT);
	assert_string_equal(found("mine:v1"), "");
	assert_int_equal(sl_image_delete("sha256:" HA), 0);
	assert_string_equal(stored_tags(HA), "(none)");
	assert_int_equal(sl_image_delete("sha256:" HA), -ENOENT);
	assert_int_equal(sl_image_count(), 1);
	assert_int_equal(sl_image_tag("sha256:" HA, "docker.io/library/x:y"), -ENOENT);

	sl_store_close(st);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void test_familiar(void **state)
{
	static const char *const cases[][2] = {
		{"docker.io/library/busybox:latest", "busybox:latest"},
		{"docker.io/foo/bar:v1", "foo/bar:v1"},
		{"docker.io/library/alpine@" DG, "alpine@" DG},
		{"docker.io/library/alpine:3@" DG, "alpine:3@" DG},
		{"127.0.0.1:5000/x/y:t", "127.0.0.1:5000/x/y:t"},
		{"localhost:5000/app@" DG, "localhost:5000/app@" DG},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *f = sl_image_familiar(cases[i][0]);

		assert_non_null(f);
		assert_string_equal(f, cases[i][1]);
		free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_familiar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
