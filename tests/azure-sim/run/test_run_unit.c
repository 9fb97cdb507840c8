/* test_run_unit.c - unit tests of the runner's pure parts: line
 * splitting, Kubernetes $(VAR) expansion, argv/env rules, spec checks,
 * the replica network's refusals (bad subnet, no CAP_NET_ADMIN). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include <cmocka.h>

#include "oci_util.h"
#include "run_lines.h"
#include "run_net.h"
#include "run_replica.h"
#include "run_spec.h"

/* ---- lines ---- */

struct got {
	char *line[16];
	size_t len[16];
	int partial[16];
	int n;
};

static void collect(void *ud, const char *line, size_t len, int partial)
{
	struct got *g = ud;

	assert_true(g->n < 16);
	assert_int_equal(line[len], '\0');
	g->line[g->n] = malloc(len + 1);
	memcpy(g->line[g->n], line, len + 1);
	g->len[g->n] = len;
	g->partial[g->n] = partial;
	g->n++;
}

static void got_free(struct got *g)
{
	int i;

	for (i = 0; i < g->n; i++)
		free(g->line[i]);
	memset(g, 0, sizeof(*g));
}

static void test_lines_basic(void **state)
{
	static struct run_lines l; /* 16 KiB: keep it off the stack */
	struct got g = { 0 };

	(void)state;
	memset(&l, 0, sizeof(l));
	run_lines_feed(&l, "one\ntw", 6, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.line[0], "one");
	run_lines_feed(&l, "o\n\nthree", 8, collect, &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.line[1], "two");
	assert_string_equal(g.line[2], "");
	run_lines_flush(&l, collect, &g);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.line[3], "three");
	assert_int_equal(g.partial[3], 0);
	run_lines_flush(&l, collect, &g); /* nothing buffered: nothing emitted */
	assert_int_equal(g.n, 4);
	got_free(&g);
}

static void test_lines_long(void **state)
{
	static struct run_lines l;
	struct got g = { 0 };
	size_t total = 2 * RUN_LINE_MAX + 100, i;
	char *big = malloc(total + 1);

	(void)state;
	memset(&l, 0, sizeof(l));
	memset(big, 'a', total);
	big[total] = '\n';
	/* Feed in odd-sized chunks to cross buffer boundaries. */
	for (i = 0; i < total + 1; i += 777)
		run_lines_feed(&l, big + i, (total + 1 - i) < 777 ? total + 1 - i : 777,
			       collect, &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.len[0], RUN_LINE_MAX);
	assert_int_equal(g.partial[0], 1);
	assert_int_equal(g.len[1], RUN_LINE_MAX);
	assert_int_equal(g.partial[1], 1);
	assert_int_equal(g.len[2], 100);
	assert_int_equal(g.partial[2], 0);
	got_free(&g);
	/* Exactly RUN_LINE_MAX bytes then newline: one final line. */
	big[RUN_LINE_MAX] = '\n';
	run_lines_feed(&l, big, RUN_LINE_MAX + 1, collect, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], RUN_LINE_MAX);
	assert_int_equal(g.partial[0], 0);
	got_free(&g);
	free(big);
}

/* ---- expansion ---- */

static void test_expand(void **state)
{
	char *names[] = { "A", "B", "A" };
	char *values[] = { "first", "bee", "second" };
	static const char *const cases[][2] = {
		{ "$(A)", "second" },          /* last definition wins */
		{ "x$(B)y", "xbeey" },
		{ "$$(A)", "$(A)" },           /* escaped */
		{ "$$$(B)", "$bee" },
		{ "$(NOPE)", "$(NOPE)" },      /* unknown: kept */
		{ "$(A", "$(A" },              /* unterminated: kept */
		{ "$A $", "$A $" },
		{ "", "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = run_expand(cases[i][0], names, values, 3);

		assert_non_null(s);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

/* ---- argv / env ---- */

static char *img_ep[] = { "/bin/echo", "entry", NULL };
static char *img_cmd[] = { "default", "cmd", NULL };
static char *img_env[] = { "PATH=/img/bin", "FOO=from-image", "BAR=image-bar", NULL };

static void fake_image(struct oci_image *img)
{
	memset(img, 0, sizeof(*img));
	img->entrypoint = img_ep;
	img->cmd = img_cmd;
	img->env = img_env;
}

static char *join(char **v)
{
	static char buf[512];
	size_t i;

	buf[0] = '\0';
	for (i = 0; v && v[i]; i++) {
		if (i)
			strcat(buf, "|");
		strcat(buf, v[i]);
	}
	return buf;
}

static void test_argv_rules(void **state)
{
	struct oci_image img;
	struct run_cspec c;
	char *cmd[] = { "/bin/sh", "-c", NULL };
	char *args[] = { "x $(FOO)", "$$(FOO)", NULL };
	char *names[] = { "FOO" };
	char *values[] = { "spec" };
	char **argv;
	int empty;

	(void)state;
	fake_image(&img);
	memset(&c, 0, sizeof(c));
	c.env_names = names;
	c.env_values = values;
	c.n_env = 1;

	argv = run_build_argv(&img, &c, &empty); /* neither: ENTRYPOINT + CMD */
	assert_string_equal(join(argv), "/bin/echo|entry|default|cmd");
	oci_strv_free(argv);

	c.args = args; /* args only: ENTRYPOINT + args (expanded) */
	argv = run_build_argv(&img, &c, &empty);
	assert_string_equal(join(argv), "/bin/echo|entry|x spec|$(FOO)");
	oci_strv_free(argv);

	c.command = cmd; /* both: command + args */
	argv = run_build_argv(&img, &c, &empty);
	assert_string_equal(join(argv), "/bin/sh|-c|x spec|$(FOO)");
	oci_strv_free(argv);

	c.args = NULL; /* command only: CMD dropped */
	argv = run_build_argv(&img, &c, &empty);
	assert_string_equal(join(argv), "/bin/sh|-c");
	oci_strv_free(argv);

	/* Nothing at all to run. */
	c.command = NULL;
	img.entrypoint = NULL;
	img.cmd = NULL;
	argv = run_build_argv(&img, &c, &empty);
	assert_null(argv);
	assert_int_equal(empty, 1);
}

static void test_env_rules(void **state)
{
	struct oci_image img;
	struct run_cspec c;
	char *names[] = { "FOO", "NEW", "HOSTNAME", "REF" };
	char *values[] = { "spec", "$(FOO)-$(BAR)-$(LATER)", "custom", "$(NEW)!" };
	char **env;

	(void)state;
	fake_image(&img);
	memset(&c, 0, sizeof(c));
	c.env_names = names;
	c.env_values = values;
	c.n_env = 4;
	env = run_build_env(&img, &c, "exec-abc12");
	/* Image env first; spec overrides in place; $(BAR) is image env, which
	 * kubelet does not know, so it stays literal. */
	assert_string_equal(join(env),
			    "PATH=/img/bin|FOO=spec|BAR=image-bar|HOSTNAME=custom|"
			    "NEW=spec-$(BAR)-$(LATER)|REF=spec-$(BAR)-$(LATER)!");
	oci_strv_free(env);

	img.env = NULL;
	c.n_env = 0;
	env = run_build_env(&img, &c, "exec-abc12");
	assert_string_equal(join(env),
			    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|"
			    "HOSTNAME=exec-abc12");
	oci_strv_free(env);
}

/* ---- spec validation ---- */

static int resolve(void *ud, const char *ref, char **value)
{
	(void)ud;
	if (strcmp(ref, "known"))
		return -1;
	*value = strdup("s3cret");
	return 0;
}

static void test_spec_copy(void **state)
{
	struct run_env_var env[] = { { "PLAIN", "v", NULL }, { "SECRET", NULL, "known" } };
	struct run_volume_mount mnt = { "data", "/mnt/data", "sub/dir" };
	struct run_container_spec c = { 0 };
	struct run_volume vol = { .name = "data", .storage_type = "EmptyDir" };
	struct run_registry_cred cred = { "https://index.docker.io/v1/", "u", "p" };
	struct run_replica_spec rs = { 0 };
	struct run_callbacks cb = { 0 };
	struct run_rspec *out = NULL;
	struct run_err err = { { 0 } };
	const char *const empty_cmd[] = { NULL };

	(void)state;
	cb.resolve_secret = resolve;
	c.name = "main";
	c.image = "busybox";
	c.command = empty_cmd; /* empty == unset */
	c.env = env;
	c.n_env = 2;
	c.mounts = &mnt;
	c.n_mounts = 1;
	rs.replica_name = "job-abc1234-xy9z0";
	rs.containers = &c;
	rs.n_containers = 1;
	rs.volumes = &vol;
	rs.n_volumes = 1;
	rs.registries = &cred;
	rs.n_registries = 1;
	rs.stop_grace_s = -1;
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), 0);
	assert_null(out->c[0].command);
	assert_string_equal(out->c[0].env_values[1], "s3cret");
	assert_string_equal(out->c[0].mounts[0].sub, "sub/dir");
	assert_non_null(run_spec_creds_for(out, "busybox"));
	assert_string_equal(run_spec_creds_for(out, "docker.io/library/x")->username, "u");
	assert_null(run_spec_creds_for(out, "mcr.microsoft.com/x"));
	assert_null(out->vol_src[0]); /* EmptyDir: the replica's own directory */
	run_spec_free(out);

	/* AzureFile: the share's host directory, absolute, and its mode. */
	vol.storage_type = "AzureFile";
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
	assert_non_null(strstr(err.msg, "share directory"));
	vol.host_path = "relative/share";
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
	vol.host_path = "/srv/shares/acct/data";
	vol.read_only = 1;
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), 0);
	assert_string_equal(out->vol_src[0], "/srv/shares/acct/data");
	assert_int_equal(out->vol_ro[0], 1);
	assert_int_equal(run_spec_volume(out, "data"), 0);
	assert_int_equal(run_spec_volume(out, "nosuch"), -1);
	run_spec_free(out);
	vol.storage_type = "NfsAzureFile";
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
	vol.storage_type = "EmptyDir";
	vol.host_path = NULL;
	vol.read_only = 0;

	/* Unknown secret. */
	env[1].secret_ref = "unknown";
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
	assert_non_null(strstr(err.msg, "unknown"));
	env[1].secret_ref = "known";

	/* Volume types other than EmptyDir. */
	vol.storage_type = "AzureFile";
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
	assert_non_null(strstr(err.msg, "AzureFile"));
	vol.storage_type = NULL; /* absent means EmptyDir */
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), 0);
	run_spec_free(out);

	/* Mount of an unknown volume, bad paths. */
	mnt.volume_name = "other";
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
	mnt.volume_name = "data";
	mnt.sub_path = "../escape";
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
	mnt.sub_path = NULL;
	mnt.mount_path = "relative";
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
	mnt.mount_path = "/mnt/data";

	/* Names. */
	rs.replica_name = "../x";
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
	rs.replica_name = "ok";
	rs.n_containers = 0;
	assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
	rs.n_containers = 1;
	{
		struct run_container_spec two[2];

		two[0] = c;
		two[1] = c;
		rs.containers = two;
		rs.n_containers = 2;
		assert_int_equal(run_spec_copy(&rs, &cb, &out, &err), RUN_E_INVALID);
		assert_non_null(strstr(err.msg, "duplicate container"));
	}
}

/* ---- replica network refusals ---- */

static void test_net_bad_pool(void **state)
{
	static const char *const bad[] = {
		"", "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/7", "10.0.0.0/30",
		"10.0.0/24", "abc/24", "10.0.0.0/24x", "::1/64",
	};
	struct run_net *net = (struct run_net *)&net;
	char msg[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		assert_int_equal(run_net_new(bad[i], &net, msg, sizeof(msg)), -1);
		assert_null(net);
		assert_non_null(strstr(msg, "is not an IPv4 CIDR"));
	}
}

/* Without CAP_NET_ADMIN the bridge cannot be made: the engine must say so
 * and name the opt-out, never fall back to the host network silently. As
 * root, a child drops the capability first. */
static void test_net_refused(void **state)
{
	char msg[512] = "";
	int fds[2], st;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2];
		struct run_net *net = NULL;
		int rc;

		close(fds[0]);
		if (syscall(SYS_capget, &hdr, data) == 0) {
			data[0].effective &= ~(1u << CAP_NET_ADMIN);
			data[0].permitted &= ~(1u << CAP_NET_ADMIN);
			(void)syscall(SYS_capset, &hdr, data);
		}
		rc = run_net_new("10.216.0.0/16", &net, msg, sizeof(msg));
		if (rc == 0)
			run_net_free(net);
		(void)!write(fds[1], msg, strlen(msg) + 1);
		_exit(rc == -1 && !net ? 0 : 1);
	}
	close(fds[1]);
	assert_true(read(fds[0], msg, sizeof(msg) - 1) > 0);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	printf("# %s\n", msg);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(msg, "cannot create bridge slsim"));
	assert_non_null(strstr(msg, "CAP_NET_ADMIN"));
	assert_non_null(strstr(msg, "--host-network"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_basic),
		cmocka_unit_test(test_lines_long),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_argv_rules),
		cmocka_unit_test(test_env_rules),
		cmocka_unit_test(test_spec_copy),
		cmocka_unit_test(test_net_bad_pool),
		cmocka_unit_test(test_net_refused),
	};

	return cmocka_run_group_tests_name("run_unit", tests, NULL, NULL);
}
