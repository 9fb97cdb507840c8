/* sim_http.h - the simulator's single HTTP listener (libmicrohttpd, one
 * thread per connection) and the request/response objects handlers use.
 *
 * Handlers never touch MHD directly except through the helpers here: they
 * read a struct sim_req and fill a struct sim_resp, which sim_http turns
 * into an MHD response (buffered, or streamed through a reader callback). */
#ifndef SIM_HTTP_H
#define SIM_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;
struct MHD_Connection;

#define SIM_MAX_PARAMS 8
#define SIM_MAX_RESP_HEADERS 24

/* One request, complete with its body, as seen by a route handler. */
struct sim_req {
	const char *method;            /* "GET", "PUT", ... */
	const char *url;               /* path as received (decoded by MHD) */
	char *body;                    /* request body, NUL-terminated (may be "") */
	size_t body_len;
	struct MHD_Connection *conn;   /* for header/query lookups */
	const char *op;                /* operation name (stats, faults) */
	const char *params[SIM_MAX_PARAMS]; /* path captures, in order */
	int nparams;
	void *route_data;              /* the route's user pointer */
};

/* Stream reader: fill buf (max bytes) and return the count, 0 never (the
 * reader blocks instead), -1 at the end, -2 to abort the connection. */
typedef ssize_t (*sim_stream_fn)(void *cls, uint64_t pos, char *buf, size_t max);
typedef void (*sim_stream_free_fn)(void *cls);

struct sim_resp {
	unsigned int status;
	char *body;                    /* heap; sim_http frees it */
	size_t body_len;
	const char *content_type;      /* static string or NULL for none */
	int nheaders;
	char *hname[SIM_MAX_RESP_HEADERS];  /* heap copies */
	char *hvalue[SIM_MAX_RESP_HEADERS];
	sim_stream_fn stream;          /* set for a chunked streaming body */
	void *stream_cls;
	sim_stream_free_fn stream_free;
	int drop;                      /* close the connection, send nothing */
};

/* Header lookup (case-insensitive name); NULL when absent. The string is
 * owned by MHD and valid for the request. */
const char *sim_req_header(const struct sim_req *req, const char *name);
/* Query argument lookup (decoded); NULL when absent. Same lifetime. */
const char *sim_req_query(const struct sim_req *req, const char *name);
/* The raw query string for building nextLinks etc.: not needed by callers. */

/* Set a response header (copied). Replaces an existing one of that name. */
void sim_resp_header(struct sim_resp *resp, const char *name, const char *value);
/* printf flavour of sim_resp_header. */
void sim_resp_headerf(struct sim_resp *resp, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Look up a header already set on the response; NULL when absent. */
const char *sim_resp_get_header(const struct sim_resp *resp, const char *name);
/* Body from a json object (serialised PLAIN|NOSLASHESCAPE; obj is not
 * consumed), Content-Type application/json; charset=utf-8. */
void sim_resp_json(struct sim_resp *resp, unsigned int status,
		   struct json_object *obj);
/* Body from bytes (copied) with the given content type (may be NULL). */
void sim_resp_bytes(struct sim_resp *resp, unsigned int status,
		    const char *ctype, const char *data, size_t len);
/* Take ownership of a heap body. */
void sim_resp_take(struct sim_resp *resp, unsigned int status,
		   const char *ctype, char *data, size_t len);
/* An empty body with that status. */
void sim_resp_empty(struct sim_resp *resp, unsigned int status);
/* Release everything the response holds (called by sim_http). */
void sim_resp_clear(struct sim_resp *resp);

/* The route dispatcher the server calls for each complete request. It
 * fills resp. Provided by sim_router.c. */
void sim_router_dispatch(struct sim_req *req, struct sim_resp *resp);

struct sim_server;

/* Start listening on host:port (port 0 = any free port). Returns a server
 * (free with sim_server_stop) or NULL with a message on stderr. */
struct sim_server *sim_server_start(const char *host, unsigned int port);
/* The port actually bound. */
unsigned int sim_server_port(const struct sim_server *srv);
/* Stop accepting, wait for connection threads, free the server. Streaming
 * responses must be woken first (sim_logstream_shutdown) or this blocks
 * until they finish. */
void sim_server_stop(struct sim_server *srv);

/* Poll the client connection behind req for a hang-up without blocking;
 * returns 1 when the peer has gone. */
int sim_req_client_gone(const struct sim_req *req);

#endif
