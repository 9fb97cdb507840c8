/*
 * main.c - sockerlessd: command line, start-up order, and shutdown.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/agent.h"
#include "core/agent_listen.h"
#include "core/agent_tls.h"
#include "core/api_ctr.h"
#include "core/call.h"
#include "core/credstore.h"
#include "core/ctrtab.h"
#include "core/daemon.h"
#include "core/events.h"
#include "core/exec.h"
#include "core/host.h"
#include "core/image.h"
#include "core/imgpull.h"
#include "core/http.h"
#include "core/listen.h"
#include "core/loader.h"
#include "core/log.h"
#include "core/network.h"
#include "core/restart.h"
#include "core/volume.h"
#include "core/server.h"
#include "core/store.h"
#include "core/worker.h"

#define MAX_LISTENERS 16
#define MAX_BACKEND_OPTS 64
/* Longer than the idle timeout of Go's default HTTP transport (90 s), so a
 * keep-alive client normally closes first and never races our close. */
#define DEFAULT_IDLE_TIMEOUT 120
#define DEFAULT_MAX_CONNECTIONS 1024

/* --registry-mirror and --insecure-registry, each. */
#define MAX_REGISTRY_OPTS 16

struct sl_daemon sl_daemon;

struct options {
	const char *backend;
	const char *plugin_dir;
	const char *hosts[MAX_LISTENERS];
	size_t n_hosts;
	const char *backend_opts[MAX_BACKEND_OPTS + 1];
	size_t n_opts;
	const char *data_root;
	const char *log_level;
	int tls, tlsverify, insecure_tcp;
	const char *tlscacert, *tlscert, *tlskey;
	struct sl_server_limits limits;
	const char *agent_listen, *agent_advertise;
	const char *agent_tlscert, *agent_tlskey;
	const char *mirrors[MAX_REGISTRY_OPTS], *insecure[MAX_REGISTRY_OPTS];
	size_t n_mirrors, n_insecure;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sockerlessd --backend=NAME [OPTIONS]\n"
"\n"
"A Docker Engine API daemon that runs containers on serverless capacity\n"
"through a backend plugin.\n"
"\n"
"Options:\n"
"  -b, --backend=NAME|PATH    backend plugin: NAME loads NAME.so from the plugin\n"
"                             directory; a path containing '/' loads that file\n"
"      --plugin-dir=DIR       where to look for NAME.so (default:\n"
"                             %s, and the build tree when run from it)\n"
"  -o, --backend-opt=KEY=VAL  a backend setting (repeatable); a backend also reads\n"
"                             SOCKERLESS_<BACKEND>_<KEY> from the environment\n"
"  -H, --host=ADDR            listen on ADDR (repeatable): unix:///path,\n"
"                             tcp://HOST:PORT or fd://N (default: %s)\n"
"      --data-root=DIR        persistent state (default: /var/lib/sockerless for\n"
"                             root, $XDG_DATA_HOME/sockerless otherwise)\n"
"  -l, --log-level=LEVEL      error, warn, info (default) or debug\n"
"      --tls                  serve TLS on TCP listeners (--tlscert, --tlskey)\n"
"      --tlsverify            TLS and require client certificates signed by\n"
"                             --tlscacert\n"
"      --tlscacert=FILE       CA for client certificates\n"
"      --tlscert=FILE         server certificate (PEM)\n"
"      --tlskey=FILE          server key (PEM)\n"
"      --insecure-tcp         allow plain TCP on a non-loopback address (anyone\n"
"                             who can reach it controls the daemon)\n"
"      --idle-timeout=SECONDS close a connection silent that long with no request\n"
"                             in flight; 0 never (default %d); requests being\n"
"                             answered (wait, logs -f, events) and attached\n"
"                             streams are never cut\n"
"      --max-connections=N    connections per listener; more wait until one\n"
"                             ends (default %d)\n"
"      --registry-mirror=URL  pull Docker Hub images through this mirror\n"
"                             (http:// or https://; repeatable, the first is used)\n"
"      --insecure-registry=HOST  contact registry HOST[:PORT] over plain HTTP\n"
"                             (repeatable; loopback registries always are)\n"
"      --agent-listen=HOST:PORT  accept reverse-mode agents (sockerless-agent\n"
"                             dialling back from its container) on HOST:PORT\n"
"      --agent-advertise=URL  the URL agents dial (default http://HOST:PORT of\n"
"                             --agent-listen, https:// with TLS)\n"
"      --agent-tlscert=FILE   serve https to agents with this certificate (PEM);\n"
"                             with --tls, --tlscert is the default\n"
"      --agent-tlskey=FILE    its key (PEM); with --tls, --tlskey is the default\n"
"  -v, --version              print the version and exit\n"
"  -h, --help                 print this help and exit\n"
"\n"
"Signals: SIGTERM or SIGINT end streams, stop the backend (waits and events\n"
"still get its exits) and exit 0.  See sockerlessd(8).\n", BACKENDDIR, "unix:///run/sockerless.sock",
	DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
}

static int parse_uint(const char *flag, const char *s, unsigned long min,
	unsigned long max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr, "sockerlessd: %s wants a number from %lu to %lu, got '%s'\n",
			flag, min, max, s);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_PLUGIN_DIR = 256, OPT_DATA_ROOT, OPT_TLS, OPT_TLSVERIFY,
		OPT_TLSCACERT, OPT_TLSCERT, OPT_TLSKEY, OPT_INSECURE_TCP,
		OPT_IDLE_TIMEOUT, OPT_MAX_CONNECTIONS, OPT_REGISTRY_MIRROR,
		OPT_INSECURE_REGISTRY, OPT_AGENT_LISTEN, OPT_AGENT_ADVERTISE,
		OPT_AGENT_TLSCERT, OPT_AGENT_TLSKEY };
	static const struct option longopts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR},
		{"backend-opt", required_argument, NULL, 'o'},
		{"host", required_argument, NULL, 'H'},
		{"data-root", required_argument, NULL, OPT_DATA_ROOT},
		{"log-level", required_argument, NULL, 'l'},
		{"tls", no_argument, NULL, OPT_TLS},
		{"tlsverify", no_argument, NULL, OPT_TLSVERIFY},
		{"tlscacert", required_argument, NULL, OPT_TLSCACERT},
		{"tlscert", required_argument, NULL, OPT_TLSCERT},
		{"tlskey", required_argument, NULL, OPT_TLSKEY},
		{"insecure-tcp", no_argument, NULL, OPT_INSECURE_TCP},
		{"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
		{"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
		{"registry-mirror", required_argument, NULL, OPT_REGISTRY_MIRROR},
		{"insecure-registry", required_argument, NULL, OPT_INSECURE_REGISTRY},
		{"agent-listen", required_argument, NULL, OPT_AGENT_LISTEN},
		{"agent-advertise", required_argument, NULL, OPT_AGENT_ADVERTISE},
		{"agent-tlscert", required_argument, NULL, OPT_AGENT_TLSCERT},
		{"agent-tlskey", required_argument, NULL, OPT_AGENT_TLSKEY},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	o->limits.idle_timeout = DEFAULT_IDLE_TIMEOUT;
	o->limits.max_connections = DEFAULT_MAX_CONNECTIONS;
	while ((c = getopt_long(argc, argv, "b:o:H:l:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o->backend = optarg; break;
		case OPT_PLUGIN_DIR: o->plugin_dir = optarg; break;
		case 'o':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				fprintf(stderr, "sockerlessd: --backend-opt wants KEY=VALUE, got '%s'\n", optarg);
				return 2;
			}
			if (o->n_opts == MAX_BACKEND_OPTS) {
				fprintf(stderr, "sockerlessd: too many --backend-opt (max %d)\n", MAX_BACKEND_OPTS);
				return 2;
			}
			o->backend_opts[o->n_opts++] = optarg;
			break;
		case 'H':
			if (o->n_hosts == MAX_LISTENERS) {
				fprintf(stderr, "sockerlessd: too many -H (max %d)\n", MAX_LISTENERS);
				return 2;
			}
			o->hosts[o->n_hosts++] = optarg;
			break;
		case OPT_DATA_ROOT: o->data_root = optarg; break;
		case 'l': o->log_level = optarg; break;
		case OPT_TLS: o->tls = 1; break;
		case OPT_TLSVERIFY: o->tls = o->tlsverify = 1; break;
		case OPT_TLSCACERT: o->tlscacert = optarg; break;
		case OPT_TLSCERT: o->tlscert = optarg; break;
		case OPT_TLSKEY: o->tlskey = optarg; break;
		case OPT_INSECURE_TCP: o->insecure_tcp = 1; break;
		case OPT_AGENT_LISTEN: o->agent_listen = optarg; break;
		case OPT_AGENT_ADVERTISE: o->agent_advertise = optarg; break;
		case OPT_AGENT_TLSCERT: o->agent_tlscert = optarg; break;
		case OPT_AGENT_TLSKEY: o->agent_tlskey = optarg; break;
		case OPT_IDLE_TIMEOUT:
			if (parse_uint("--idle-timeout", optarg, 0, 86400 * 365,
				       &o->limits.idle_timeout) < 0)
				return 2;
			break;
		case OPT_MAX_CONNECTIONS:
			if (parse_uint("--max-connections", optarg, 1, 1000000,
				       &o->limits.max_connections) < 0)
				return 2;
			break;
		case OPT_REGISTRY_MIRROR:
		case OPT_INSECURE_REGISTRY: {
			int m = c == OPT_REGISTRY_MIRROR;
			size_t *n = m ? &o->n_mirrors : &o->n_insecure;

			if (*n == MAX_REGISTRY_OPTS) {
				fprintf(stderr, "sockerlessd: too many --%s (max %d)\n",
					m ? "registry-mirror" : "insecure-registry", MAX_REGISTRY_OPTS);
				return 2;
			}
			(m ? o->mirrors : o->insecure)[(*n)++] = optarg;
			break;
		}
		case 'v':
			printf("sockerlessd %s (plugin ABI %d.%d, Docker API %s)\n",
				PACKAGE_VERSION, SL_ABI_MAJOR, SL_ABI_MINOR, SL_API_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'sockerlessd --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sockerlessd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!o->backend) {
		fprintf(stderr, "sockerlessd: no backend given: use --backend=NAME (e.g. --backend=example)\n");
		return 2;
	}
	return 0;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (1 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = calloc(1, (size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		fclose(f);
		return buf;
	}
	snprintf(err, errlen, "cannot read %s", path);
	free(buf);
	fclose(f);
	return NULL;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static void default_data_root(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (geteuid() == 0)
		snprintf(buf, len, "/var/lib/sockerless");
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/sockerless", xdg);
	else
		snprintf(buf, len, "%s/.local/share/sockerless", home ? home : "/tmp");
}

/* A stable engine id, made once and kept in the data root (docker info
 * shows it; tools use it to tell daemons apart). */
static void load_engine_id(void)
{
	char path[1100], buf[65] = "";
	unsigned char raw[32];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/engine-id", sl_daemon.data_root);
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && strlen(buf) == 64) {
			memcpy(sl_daemon.id, buf, 65);
			fclose(f);
			return;
		}
		fclose(f);
	}
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw))
		memset(raw, 0, sizeof(raw));
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 32; i++)
		snprintf(sl_daemon.id + 2 * i, 3, "%02x", raw[i]);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s\n", sl_daemon.id);
		fclose(f);
	}
}

static void store_log(void *arg, const char *msg)
{
	(void)arg;
	sl_warn("store: %s", msg);
}

/* Candidate directories for --backend=NAME, build tree first when the
 * daemon runs from it, so `./sockerlessd --backend=example` just works. */
static void search_dirs(const char *name, char bufs[3][PATH_MAX],
	const char *dirs[4])
{
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t k = 0;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		if (!strcmp(exe, SL_ABS_BUILDDIR)) {
			snprintf(bufs[0], PATH_MAX, "%s/backends/%s/.libs", SL_ABS_BUILDDIR, name);
			snprintf(bufs[1], PATH_MAX, "%s/plugin-api/%s/.libs", SL_ABS_BUILDDIR, name);
			dirs[k++] = bufs[0];
			dirs[k++] = bufs[1];
		}
	}
	dirs[k++] = BACKENDDIR;
	dirs[k] = NULL;
}

/* Every connection holds a descriptor and a stream a pipe besides; the
 * store, the backend and its processes need some more.  Raise the soft
 * open-file limit as far as that needs (dockerd, being Go, runs with the
 * hard limit), and where the hard limit is too low, take fewer connections
 * rather than fail in the middle of a request with EMFILE. */
#define FDS_PER_CONNECTION 3
#define FDS_RESERVED 256

static void fit_connections(struct sl_server_limits *lim, size_t n_listeners)
{
	struct rlimit rl;
	rlim_t need, room;

	need = (rlim_t)n_listeners * lim->max_connections * FDS_PER_CONNECTION +
		FDS_RESERVED;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = rl;

		want.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ?
			need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	if (rl.rlim_cur >= need)
		return;
	room = rl.rlim_cur > FDS_RESERVED ? (rl.rlim_cur - FDS_RESERVED) /
		((rlim_t)n_listeners * FDS_PER_CONNECTION) : 1;
	if (room < 1)
		room = 1;
	sl_warn("the open file limit is %llu: taking %llu connections per listener, not %u",
		(unsigned long long)rl.rlim_cur, (unsigned long long)room,
		lim->max_connections);
	lim->max_connections = (unsigned int)room;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Start-up failures: one line on stderr, which is what a user reads. */
static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sockerlessd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct sl_listener ls[MAX_LISTENERS];
	struct sl_tls tls = {0};
	char err[1024], dflt_host[512], state_dir[1200];
	char bufs[3][PATH_MAX];
	const char *dirs[4];
	size_t n_ls = 0;
	sigset_t sigs;
	int rc, sig, exit_code = 1;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	if (o.log_level) {
		int lvl = sl_log_parse_level(o.log_level);

		if (lvl < 0) {
			fail("unknown --log-level '%s' (use error, warn, info or debug)", o.log_level);
			return 2;
		}
		sl_log_set_level(lvl);
		sl_daemon.debug = lvl == SL_LEVEL_DEBUG;
	}
	if (o.tls && (!o.tlscert || !o.tlskey)) {
		fail("%s", "--tls and --tlsverify need --tlscert and --tlskey");
		return 2;
	}
	if (o.tlsverify && !o.tlscacert) {
		fail("%s", "--tlsverify needs --tlscacert");
		return 2;
	}
	/* The callback listener is TLS as -H is: agents then verify the
	 * daemon, as docker clients do. */
	if (!o.agent_tlscert != !o.agent_tlskey) {
		fail("%s", "--agent-tlscert and --agent-tlskey go together");
		return 2;
	}
	if (!o.agent_tlscert && o.tls) {
		o.agent_tlscert = o.tlscert;
		o.agent_tlskey = o.tlskey;
	}
	if (o.agent_tlscert && !o.agent_listen) {
		if (!o.tls) {
			fail("%s", "--agent-tlscert needs --agent-listen");
			return 2;
		}
		o.agent_tlscert = o.agent_tlskey = NULL;
	}

	/* Signals: SIGPIPE never kills us (clients vanish mid-stream); the
	 * stop signals are taken synchronously by sigwait below, so they are
	 * blocked before any thread (which inherits the mask) starts. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	/* libcurl's global state, once, before any thread exists and before
	 * the backend is loaded: the ABI promises it to plugins (plugin.h),
	 * since curl_global_init is not safe to race with other threads. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fail("%s", "cannot initialise libcurl");
		return 1;
	}

	sl_daemon.start_ns = 0;
	if (gethostname(sl_daemon.hostname, sizeof(sl_daemon.hostname)) < 0)
		strcpy(sl_daemon.hostname, "sockerless");
	if (o.data_root)
		snprintf(sl_daemon.data_root, sizeof(sl_daemon.data_root), "%s", o.data_root);
	else
		default_data_root(sl_daemon.data_root, sizeof(sl_daemon.data_root));
	if (mkdir_p(sl_daemon.data_root, 0700) < 0) {
		fail("cannot create data root %s: %s", sl_daemon.data_root,
			strerror(errno));
		goto out;
	}
	/* First, as it locks the data root: a second daemon on it must stop
	 * before it writes anything or recovers (kills) the first one's
	 * containers. */
	if (sl_store_open(sl_daemon.data_root, &sl_daemon.store, err, sizeof(err)) < 0) {
		fail("%s", err);
		goto out;
	}
	load_engine_id();
	if (sl_imgpull_configure(o.mirrors, o.n_mirrors, o.insecure, o.n_insecure, err,
				 sizeof(err)) < 0) {
		fail("%s", err);
		goto out;
	}
	if (sl_image_init(sl_daemon.store) < 0) {
		fail("%s", "cannot load the image records");
		goto out;
	}
	sl_store_set_logger(sl_daemon.store, store_log, NULL);
	sl_daemon.events = sl_events_new(1024);
	if (!sl_daemon.events) {
		fail("%s", "out of memory");
		goto out;
	}

	/* The backend. */
	{
		const char *stem = strrchr(o.backend, '/');
		char name[64];

		stem = stem ? stem + 1 : o.backend;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(stem, "."), stem);
		snprintf(state_dir, sizeof(state_dir), "%s/backends/%s",
			sl_daemon.data_root, name);
		if (mkdir_p(state_dir, 0700) < 0) {
			fail("cannot create %s: %s", state_dir, strerror(errno));
			goto out;
		}
		sl_daemon.host = sl_host_get(name, o.backend_opts, state_dir);
		search_dirs(name, bufs, dirs);
	}
	if (sl_loader_load(o.backend, o.plugin_dir, dirs, sl_daemon.host,
			   &sl_daemon.backend, err, sizeof(err)) < 0) {
		fail("%s", err);
		goto out;
	}
	/* The agent client answers for a container whose agent is
	 * connected, whatever the plugin's hooks. */
	sl_agent_route(&sl_daemon.backend);
	sl_ctrtab_set_agent_hooks(sl_agent_exit_code, sl_agent_forget);
	sl_api_lifecycle_init();
	if (sl_ctrtab_init(sl_daemon.store, sl_daemon.events) < 0) {
		fail("%s", "cannot load the container records");
		goto out;
	}
	if (sl_vol_init(sl_daemon.store, sl_daemon.events, state_dir) < 0 ||
	    sl_net_init(sl_daemon.store, sl_daemon.events) < 0) {
		fail("%s", "cannot load the volume and network records");
		goto out_ctr;
	}
	if (sl_loader_init(&sl_daemon.backend, sl_daemon.host, err, sizeof(err)) < 0) {
		fail("%s", err);
		goto out_ctr;
	}
	sl_info("backend %s %s loaded from %s (ABI %u.%u)",
		sl_daemon.backend.name, sl_daemon.backend.version,
		sl_daemon.backend.path, sl_daemon.backend.abi_major,
		sl_daemon.backend.abi_minor);
	if (o.agent_tlscert) {
		char *cert = read_file(o.agent_tlscert, err, sizeof(err));
		char *key = cert ? read_file(o.agent_tlskey, err, sizeof(err)) :
			NULL;

		rc = key ? sl_agent_tls_init(cert, key, err, sizeof(err)) : -1;
		if (key)
			explicit_bzero(key, strlen(key));
		free(cert);
		free(key);
		if (rc < 0) {
			fail("--agent-tlscert: %s", err);
			goto out_backend;
		}
	}
	if (o.agent_listen && sl_agent_listen_start(o.agent_listen,
			o.agent_advertise, err, sizeof(err)) < 0) {
		fail("--agent-listen: %s", err);
		goto out_backend;
	}
	/* Before recover, whose exit reports start their own auto-removals. */
	sl_api_lifecycle_resume();
	if (sl_daemon.backend.recover) {
		struct sl_call call;

		sl_call_begin(&call);
		rc = sl_daemon.backend.recover(sl_daemon.backend.state, &call);
		if (rc)
			sl_warn("backend recover failed: %s", sl_call_message(&call, rc));
		sl_call_end(&call);
	}
	/* The agents of the containers still running, dialled again or
	 * awaited on the callback listener. */
	sl_agent_recover();

	/* Listeners. */
	if (o.tls) {
		if (!(tls.cert_pem = read_file(o.tlscert, err, sizeof(err))) ||
		    !(tls.key_pem = read_file(o.tlskey, err, sizeof(err))) ||
		    (o.tlscacert && !(tls.ca_pem = read_file(o.tlscacert, err, sizeof(err))))) {
			fail("%s", err);
			goto out_backend;
		}
		tls.verify = o.tlsverify;
	}
	if (!o.n_hosts) {
		sl_listen_default(dflt_host, sizeof(dflt_host));
		o.hosts[o.n_hosts++] = dflt_host;
	}
	for (size_t i = 0; i < o.n_hosts; i++) {
		if (sl_listen_open(o.hosts[i], o.tls, o.insecure_tcp, &ls[n_ls],
				   err, sizeof(err)) < 0) {
			fail("%s", err);
			goto out_listeners;
		}
		n_ls++;
	}
	fit_connections(&o.limits, n_ls);
	if (sl_server_start(ls, n_ls, &tls, &o.limits, err, sizeof(err)) < 0) {
		fail("%s", err);
		goto out_server;
	}
	/* The restart policies' own start of the daemon, once nothing can
	 * fail before the shutdown path that drains their tasks. */
	sl_restart_resume();
	sl_info("sockerlessd %s ready (data root %s)", PACKAGE_VERSION,
		sl_daemon.data_root);

	do {
		rc = sigwait(&sigs, &sig);
	} while (rc == EINTR);
	sl_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	exit_code = 0;

out_server:
	/*
	 * Every hook returns before fini (cancel, then wait for requests,
	 * stream workers and background tasks), but the server stays up
	 * through fini: when it stops containers, their waits, die events and
	 * ends of streams still reach the clients.  Then the long polls end
	 * cleanly and the server stops.
	 */
	sl_call_cancel_all();
	sl_restart_shutdown();
	sl_server_close_hooks();
	sl_work_drain_streams();
	sl_work_drain();
	sl_loader_fini(&sl_daemon.backend);
	sl_work_drain();
	sl_agent_listen_stop();
	sl_agent_shutdown();
	sl_server_begin_close();
	sl_events_shutdown(sl_daemon.events);
	sl_ctrtab_broadcast();
	sl_server_wait_idle(2000);
	sl_server_stop();
	if (sl_work_jobs_alive())
		sl_warn("%d stream jobs were never released", sl_work_jobs_alive());
out_listeners:
	for (size_t i = 0; i < n_ls; i++)
		sl_listen_close(&ls[i]);
out_backend:
	sl_loader_fini(&sl_daemon.backend);
	sl_agent_listen_stop();
	sl_agent_shutdown();
	sl_agent_tls_end(5000);
	sl_exec_table_clear();
out_ctr:
	sl_net_fini();
	sl_vol_fini();
	sl_ctrtab_fini();
out:
	if (sl_daemon.events)
		sl_events_free(sl_daemon.events);
	if (sl_daemon.store)
		sl_store_close(sl_daemon.store);
	sl_host_release();
	sl_credstore_clear();
	curl_global_cleanup();
	free(tls.cert_pem);
	free(tls.key_pem);
	free(tls.ca_pem);
	return exit_code;
}
