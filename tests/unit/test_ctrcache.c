/*
 * test_ctrcache.c - the rendered-JSON cache of containers: a list entry is
 * rendered again whenever anything it is keyed on changes (state, name,
 * error, variant), and only then; configuration parts render once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "core/container.h"
#include "core/ctrcache.h"

static int renders;

static struct json_object *render_entry(struct sl_container *c,
	const struct sl_ctr_state *st, const char *variant, int flags)
{
	struct json_object *o = json_object_new_object();

	renders++;
	json_object_object_add(o, "Name", json_object_new_string(c->str[SL_CTR_NAME]));
	json_object_object_add(o, "State", json_object_new_string(sl_ctr_status_name(st->status)));
	json_object_object_add(o, "Exit", json_object_new_int(st->exit_code));
	json_object_object_add(o, "Error", json_object_new_string(st->error ? st->error : ""));
	json_object_object_add(o, "Status", json_object_new_string(variant));
	if (flags)
		json_object_object_add(o, "Sized", json_object_new_boolean(1));
	return o;
}

static struct sl_container *make(const char *name)
{
	static const char body[] = "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],"
		"\"HostConfig\":{\"Memory\":0,\"NetworkMode\":\"default\"}}";
	char err[256];
	struct sl_container *c = sl_ctr_from_create(
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		name, body, sizeof(body) - 1, "docker.io/library/busybox:latest",
		NULL, NULL, 1, err, sizeof(err));

	assert_non_null(c);
	return c;
}

/* The entry as the list would append it now, with the given variant and
 * flags. */
static char *entry_flags(struct sl_container *c, const char *variant, int flags)
{
	struct printbuf *pb = printbuf_new();
	struct sl_ctr_state st;
	char *s;

	assert_non_null(pb);
	sl_ctr_get_state(c, &st);
	assert_int_equal(sl_ctrcache_append_entry(c, &st, variant, flags, render_entry, pb), 0);
	free(st.error);
	s = strdup(pb->buf);
	printbuf_free(pb);
	return s;
}

static char *entry(struct sl_container *c, const char *variant)
{
	return entry_flags(c, variant, 0);
}

static void set_status(struct sl_container *c, int status, int exit_code,
	const char *error)
{
	pthread_mutex_lock(&c->lock);
	c->state.status = status;
	c->state.exit_code = exit_code;
	free(c->state.error);
	c->state.error = error ? strdup(error) : NULL;
	pthread_mutex_unlock(&c->lock);
}

static void expect(struct sl_container *c, const char *variant, int nrenders,
	const char *want)
{
	char *s = entry(c, variant);

	assert_int_equal(renders, nrenders);
	assert_string_equal(s, want);
	free(s);
}

static void test_entry_follows_state(void **unused)
{
	struct sl_container *c = make("one");
	char *s;

	(void)unused;
	renders = 0;
	expect(c, "Created", 1, "{\"Name\":\"one\",\"State\":\"created\",\"Exit\":0,\"Error\":\"\",\"Status\":\"Created\"}");
	expect(c, "Created", 1, "{\"Name\":\"one\",\"State\":\"created\",\"Exit\":0,\"Error\":\"\",\"Status\":\"Created\"}");
	set_status(c, SL_STATUS_RUNNING, 0, NULL);
	expect(c, "Up 1 second", 2, "{\"Name\":\"one\",\"State\":\"running\",\"Exit\":0,\"Error\":\"\",\"Status\":\"Up 1 second\"}");
	/* The time-dependent text alone changes. */
	expect(c, "Up 2 seconds", 3, "{\"Name\":\"one\",\"State\":\"running\",\"Exit\":0,\"Error\":\"\",\"Status\":\"Up 2 seconds\"}");
	set_status(c, SL_STATUS_EXITED, 0, NULL);
	expect(c, "Up 2 seconds", 4, "{\"Name\":\"one\",\"State\":\"exited\",\"Exit\":0,\"Error\":\"\",\"Status\":\"Up 2 seconds\"}");
	/* A field the renderer reads changes alone. */
	set_status(c, SL_STATUS_EXITED, 137, NULL);
	expect(c, "Up 2 seconds", 5, "{\"Name\":\"one\",\"State\":\"exited\",\"Exit\":137,\"Error\":\"\",\"Status\":\"Up 2 seconds\"}");
	set_status(c, SL_STATUS_EXITED, 137, "boom");
	expect(c, "Up 2 seconds", 6, "{\"Name\":\"one\",\"State\":\"exited\",\"Exit\":137,\"Error\":\"boom\",\"Status\":\"Up 2 seconds\"}");
	set_status(c, SL_STATUS_EXITED, 137, "bang");
	expect(c, "Up 2 seconds", 7, "{\"Name\":\"one\",\"State\":\"exited\",\"Exit\":137,\"Error\":\"bang\",\"Status\":\"Up 2 seconds\"}");
	expect(c, "Up 2 seconds", 7, "{\"Name\":\"one\",\"State\":\"exited\",\"Exit\":137,\"Error\":\"bang\",\"Status\":\"Up 2 seconds\"}");
	/* A state field no renderer reads still counts: the key is the whole
	 * state, so fields added later are covered. */
	pthread_mutex_lock(&c->lock);
	c->state.restart_count++;
	pthread_mutex_unlock(&c->lock);
	free(entry(c, "Up 2 seconds"));
	assert_int_equal(renders, 8);
	/* The caller's flags are part of the key, both ways. */
	s = entry_flags(c, "Up 2 seconds", 1);
	assert_int_equal(renders, 9);
	assert_non_null(strstr(s, "\"Sized\":true"));
	free(s);
	s = entry(c, "Up 2 seconds");
	assert_int_equal(renders, 10);
	assert_null(strstr(s, "Sized"));
	free(s);
	sl_ctr_unref(c);
}

static void test_entry_follows_rename(void **unused)
{
	struct sl_container *c = make("before");

	(void)unused;
	renders = 0;
	expect(c, "Created", 1, "{\"Name\":\"before\",\"State\":\"created\",\"Exit\":0,\"Error\":\"\",\"Status\":\"Created\"}");
	pthread_mutex_lock(&c->lock);
	free(c->str[SL_CTR_NAME]);
	c->str[SL_CTR_NAME] = strdup("after");
	pthread_mutex_unlock(&c->lock);
	expect(c, "Created", 2, "{\"Name\":\"after\",\"State\":\"created\",\"Exit\":0,\"Error\":\"\",\"Status\":\"Created\"}");
	expect(c, "Created", 2, "{\"Name\":\"after\",\"State\":\"created\",\"Exit\":0,\"Error\":\"\",\"Status\":\"Created\"}");
	sl_ctr_unref(c);
}

/* A rename that lands while the entry renders, before the renderer reads
 * the name: the text carries the new name, the key the old one, so the
 * text must not be kept (renaming back would find it). */
static struct json_object *render_renaming(struct sl_container *c,
	const struct sl_ctr_state *st, const char *variant, int flags)
{
	pthread_mutex_lock(&c->lock);
	free(c->str[SL_CTR_NAME]);
	c->str[SL_CTR_NAME] = strdup("renamed");
	pthread_mutex_unlock(&c->lock);
	return render_entry(c, st, variant, flags);
}

static void test_rename_during_render(void **unused)
{
	struct sl_container *c = make("old");
	struct printbuf *pb = printbuf_new();
	struct sl_ctr_state st;

	(void)unused;
	renders = 0;
	sl_ctr_get_state(c, &st);
	assert_int_equal(sl_ctrcache_append_entry(c, &st, "Created", 0, render_renaming, pb), 0);
	free(st.error);
	assert_non_null(strstr(pb->buf, "\"renamed\""));
	printbuf_free(pb);
	pthread_mutex_lock(&c->lock);
	free(c->str[SL_CTR_NAME]);
	c->str[SL_CTR_NAME] = strdup("old");
	pthread_mutex_unlock(&c->lock);
	expect(c, "Created", 2, "{\"Name\":\"old\",\"State\":\"created\",\"Exit\":0,\"Error\":\"\",\"Status\":\"Created\"}");
	sl_ctr_unref(c);
}

static int part_renders;

static struct json_object *render_part(struct sl_container *c,
	struct json_object *raw)
{
	struct json_object *hc = NULL, *o = NULL;

	(void)c;
	part_renders++;
	assert_true(json_object_object_get_ex(raw, "HostConfig", &hc));
	assert_int_equal(json_object_deep_copy(hc, &o, NULL), 0);
	json_object_object_add(o, "Extra", json_object_new_string("a\"b"));
	return o;
}

static void test_part_rendered_once(void **unused)
{
	static const char want[] = "{\"HostConfig\":{\"Memory\":0,\"NetworkMode\":\"default\",\"Extra\":\"a\\\"b\"},\"Id\":1}";
	struct sl_container *c = make("parts");

	(void)unused;
	part_renders = 0;
	for (int i = 0; i < 3; i++) {
		struct json_object *doc = json_object_new_object();

		json_object_object_add(doc, "HostConfig",
			sl_ctrcache_part(c, SL_CTRCACHE_HOSTCONFIG, render_part));
		json_object_object_add(doc, "Id", json_object_new_int(1));
		assert_string_equal(json_object_to_json_string_ext(doc,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), want);
		json_object_put(doc);
	}
	assert_int_equal(part_renders, 1);
	sl_ctr_unref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_follows_state),
		cmocka_unit_test(test_entry_follows_rename),
		cmocka_unit_test(test_rename_during_render),
		cmocka_unit_test(test_part_rendered_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
