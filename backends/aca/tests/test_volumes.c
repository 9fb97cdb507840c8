/*
 * test_volumes.c - volumes.c against a stand-in ARM endpoint: the calls
 * volume create and rm make (listKeys once, the share, the environment
 * storage), what they send, the answers they accept (404 = gone, 409 =
 * still mounted), and that the account key never reaches a log or a
 * message.
 */
#define _GNU_SOURCE 1
#include "aca.h"
#include "fakehost.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#define KEY "S3cr3tAccountKey0123456789+/abcdefghijklmnopqrstuvwxyzABCDEFGH=="
#define STORAGES "/managedEnvironments/sockerless/storages/"
#define SHARES "/storageAccounts/sockerlessstore/fileServices/default/shares/"

static const char *const config[] = {
	"subscription-id=00000000-0000-0000-0000-000000000001",
	"resource-group=sockerless-rg",
	"storage-account=sockerlessstore",
	NULL
};

/* ---- the stand-in: one request per connection ----------------------- */

#define REQS_MAX 32

struct server {
	int fd;
	int port;
	pthread_t thread;
	int stop;
	pthread_mutex_t lock;
	char reqs[REQS_MAX][320];     /* "METHOD path" without the query */
	char *bodies[REQS_MAX];
	int nreq;
	int storage_delete_status;    /* what DELETE of a storage answers */
};

static void reply(int fd, int status, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: "
		"application/json\r\nContent-Length: %zu\r\nx-ms-request-id: "
		"req-1\r\nConnection: close\r\n\r\n", status, strlen(body));

	if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0)
		return;
}

/* Reads one request; returns its length (head + body) or -1. */
static int read_request(int fd, char *buf, size_t len, char **body)
{
	size_t have = 0;
	char *end;
	long clen = 0;

	for (;;) {
		ssize_t n;

		buf[have] = 0;
		if ((end = strstr(buf, "\r\n\r\n"))) {
			const char *cl = strcasestr(buf, "content-length:");

			if (cl && cl < end)
				clen = strtol(cl + 15, NULL, 10);
			if ((size_t)(end + 4 - buf) + (size_t)clen <= have)
				break;
		}
		if (have + 1 >= len)
			return -1;
		n = read(fd, buf + have, len - 1 - have);
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	*body = end + 4;
	(*body)[clen] = 0;
	return (int)have;
}

static void handle(struct server *s, int fd)
{
	char buf[16384], line[300], method[16], path[256], *body, *q;
	int i;

	if (read_request(fd, buf, sizeof(buf), &body) < 0)
		return;
	if (sscanf(buf, "%15s %255s", method, path) != 2)
		return;
	if ((q = strchr(path, '?')))
		*q = 0;
	snprintf(line, sizeof(line), "%s %s", method, path);
	pthread_mutex_lock(&s->lock);
	i = s->nreq < REQS_MAX ? s->nreq++ : REQS_MAX - 1;
	snprintf(s->reqs[i], sizeof(s->reqs[i]), "%s", line);
	free(s->bodies[i]);
	s->bodies[i] = strdup(body);
	pthread_mutex_unlock(&s->lock);

	if (strstr(path, "/oauth2/v2.0/token"))
		reply(fd, 200, "{\"token_type\":\"Bearer\",\"expires_in\":3600,"
			"\"access_token\":\"arm-token\"}");
	else if (!strcmp(method, "POST") && strstr(path, "/listKeys"))
		reply(fd, 200, "{\"keys\":[{\"keyName\":\"key1\",\"value\":\"" KEY
			"\",\"permissions\":\"FULL\"},{\"keyName\":\"key2\",\"value\":"
			"\"other\",\"permissions\":\"FULL\"}]}");
	else if (!strcmp(method, "PUT") && strstr(path, SHARES))
		reply(fd, 201, "{\"name\":\"x\",\"properties\":{}}");
	else if (!strcmp(method, "PUT") && strstr(path, STORAGES))
		reply(fd, 200, "{\"name\":\"x\",\"properties\":{\"azureFile\":{}}}");
	else if (!strcmp(method, "DELETE") && strstr(path, STORAGES))
		reply(fd, s->storage_delete_status, s->storage_delete_status == 409 ?
			"{\"error\":{\"code\":\"StorageInUse\",\"message\":\"The storage "
			"is used by job sl-web-012345.\"}}" : "");
	else if (!strcmp(method, "DELETE") && strstr(path, SHARES))
		reply(fd, 200, "");
	else
		reply(fd, 404, "{\"error\":{\"code\":\"NotFound\",\"message\":\"no\"}}");
}

static void *serve(void *arg)
{
	struct server *s = arg;

	for (;;) {
		int fd = accept(s->fd, NULL, NULL);

		if (fd < 0)
			break;
		if (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST))
			handle(s, fd);
		close(fd);
	}
	return NULL;
}

static int server_start(struct server *s)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->storage_delete_status = 200;
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(s->fd, 16) ||
	    getsockname(s->fd, (struct sockaddr *)&a, &alen))
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->thread, NULL, serve, s) ? -1 : 0;
}

static void server_stop(struct server *s)
{
	__atomic_store_n(&s->stop, 1, __ATOMIC_SEQ_CST);
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->fd);
	for (int i = 0; i < REQS_MAX; i++)
		free(s->bodies[i]);
	pthread_mutex_destroy(&s->lock);
}

/* The requests after the token's, from index `from`, joined by '\n'. */
static void calls(struct server *s, int from, char *out, size_t len)
{
	size_t n = 0;

	out[0] = 0;
	pthread_mutex_lock(&s->lock);
	for (int i = from; i < s->nreq && n < len; i++)
		if (!strstr(s->reqs[i], "/oauth2/"))
			n += (size_t)snprintf(out + n, len - n, "%s\n", s->reqs[i]);
	pthread_mutex_unlock(&s->lock);
}

/* ---- fixture ----------------------------------------------------------- */

struct fixture {
	struct fake_host fh;
	struct server srv;
	struct aca_backend b;
	char logs[16384];
};

static struct fixture *cur_f;

static void logv(void *hctx, int level, const char *fmt, va_list ap)
{
	size_t n = strlen(cur_f->logs);

	(void)hctx;
	(void)level;
	if (n + 2 < sizeof(cur_f->logs)) {
		vsnprintf(cur_f->logs + n, sizeof(cur_f->logs) - n - 1, fmt, ap);
		strcat(cur_f->logs, "\n");
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct aca_err err = { 0 };
	char url[64];

	if (!f || fakehost_init(&f->fh) || server_start(&f->srv))
		return -1;
	cur_f = f;
	f->fh.config = config;
	f->fh.host.logv = logv;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", f->srv.port);
	setenv("SOCKERLESS_ENDPOINT_URL", url, 1);
	setenv("AZURE_TENANT_ID", "00000000-0000-0000-0000-0000000000aa", 1);
	setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000bb", 1);
	setenv("AZURE_CLIENT_SECRET", "client-secret", 1);
	f->b.host = &f->fh.host;
	if (aca_config_load(&f->fh.host, &f->b.cfg, &err) ||
	    aca_azure_new(&f->b.cfg, &f->fh.host, &f->b.az, &err)) {
		fprintf(stderr, "# setup: %s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	aca_azure_free(f->b.az);
	aca_config_free(&f->b.cfg);
	server_stop(&f->srv);
	fakehost_fini(&f->fh);
	free(f);
	return 0;
}

static int create(struct fixture *f, const char *name, const char *const *labels)
{
	struct sl_volume_v1 v = { SL_HEADER(struct sl_volume_v1), .name = name,
		.driver = "local", .labels = labels };

	f->fh.error[0] = 0;
	return aca_volume_ops.create(&f->b, NULL, &v);
}

static int remove_vol(struct fixture *f, const char *name)
{
	f->fh.error[0] = 0;
	return aca_volume_ops.remove(&f->b, NULL, name, 0);
}

/* ---- tests ----------------------------------------------------------- */

static void test_create(void **state)
{
	struct fixture *f = *state;
	char got[2048], share[64], want[1024];
	struct json_object *o, *af = NULL, *v;
	int i;

	assert_int_equal(create(f, "data", NULL), SL_OK);
	calls(&f->srv, 0, got, sizeof(got));
	assert_string_equal(got,
		"POST /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
		"sockerless-rg/providers/Microsoft.Storage/storageAccounts/sockerlessstore/"
		"listKeys\n"
		"PUT /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
		"sockerless-rg/providers/Microsoft.Storage" SHARES "data\n"
		"PUT /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
		"sockerless-rg/providers/Microsoft.App" STORAGES "data\n");
	/* The storage's body: the account, its key, the share, read-write. */
	i = f->srv.nreq - 1;
	o = json_tokener_parse(f->srv.bodies[i]);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "properties", &v) &&
		json_object_object_get_ex(v, "azureFile", &af));
	assert_true(json_object_object_get_ex(af, "accountName", &v));
	assert_string_equal(json_object_get_string(v), "sockerlessstore");
	assert_true(json_object_object_get_ex(af, "accountKey", &v));
	assert_string_equal(json_object_get_string(v), KEY);
	assert_true(json_object_object_get_ex(af, "shareName", &v));
	assert_string_equal(json_object_get_string(v), "data");
	assert_true(json_object_object_get_ex(af, "accessMode", &v));
	assert_string_equal(json_object_get_string(v), "ReadWrite");
	json_object_put(o);

	/* The key is cached; a Docker name that is no share name is changed. */
	i = f->srv.nreq;
	assert_int_equal(create(f, "My_Cache", NULL), SL_OK);
	aca_jobspec_share_name("My_Cache", share);
	calls(&f->srv, i, got, sizeof(got));
	snprintf(want, sizeof(want),
		"PUT /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
		"sockerless-rg/providers/Microsoft.Storage" SHARES "%s\n"
		"PUT /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
		"sockerless-rg/providers/Microsoft.App" STORAGES "%s\n", share, share);
	assert_string_equal(got, want);
	/* The logs were seen (so the next check means something). */
	assert_non_null(strstr(f->logs, "volume My_Cache is file share"));
	assert_null(strstr(f->logs, KEY));
	assert_null(strstr(f->fh.error, KEY));
}

static void test_create_refused(void **state)
{
	static const char *const anon[] = { "com.docker.volume.anonymous=", NULL };
	struct fixture *f = *state;
	char got[256];

	/* An anonymous volume stays the daemon's: no call to Azure. */
	assert_int_equal(create(f, "aaaabbbbccccddddeeeeffff00001111aaaabbbbccccddddeeeeffff00001111",
		anon), SL_OK);
	calls(&f->srv, 0, got, sizeof(got));
	assert_string_equal(got, "");

	free(f->b.cfg.storage_account);
	f->b.cfg.storage_account = NULL;
	assert_int_equal(create(f, "data", NULL), SL_ENOTSUP);
	assert_int_equal(f->fh.error_status, SL_ENOTSUP);
	assert_non_null(strstr(f->fh.error, "set SOCKERLESS_ACA_STORAGE_ACCOUNT"));
	assert_int_equal(remove_vol(f, "data"), SL_OK);
	calls(&f->srv, 0, got, sizeof(got));
	assert_string_equal(got, "");
}

static void test_remove(void **state)
{
	struct fixture *f = *state;
	char got[1024];
	int i;

	assert_int_equal(remove_vol(f, "data"), SL_OK);
	calls(&f->srv, 0, got, sizeof(got));
	/* The storage first: while it exists a job may mount the share. */
	assert_string_equal(got,
		"DELETE /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
		"sockerless-rg/providers/Microsoft.App" STORAGES "data\n"
		"DELETE /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
		"sockerless-rg/providers/Microsoft.Storage" SHARES "data\n");

	/* Already gone. */
	f->srv.storage_delete_status = 404;
	assert_int_equal(remove_vol(f, "data"), SL_OK);
	f->srv.storage_delete_status = 204;
	assert_int_equal(remove_vol(f, "data"), SL_OK);

	/* Still mounted by a job: 409 saying so, and the share is kept. */
	f->srv.storage_delete_status = 409;
	i = f->srv.nreq;
	assert_int_equal(remove_vol(f, "data"), SL_ECONFLICT);
	assert_int_equal(f->fh.error_status, SL_ECONFLICT);
	assert_non_null(strstr(f->fh.error, "volume data is still in use"));
	assert_non_null(strstr(f->fh.error, "used by job sl-web-012345"));
	calls(&f->srv, i, got, sizeof(got));
	assert_null(strstr(got, "DELETE /subscriptions/00000000-0000-0000-0000-"
		"000000000001/resourceGroups/sockerless-rg/providers/Microsoft.Storage"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
