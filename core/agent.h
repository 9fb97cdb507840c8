/*
 * agent.h - the core's client of sockerless-agent (agent/PROTOCOL.md).
 *
 * One connection per container, dialled by the core (forward mode) or
 * accepted by the callback listener (reverse mode, agent_listen.c).  A
 * reader thread per connection sorts incoming frames into sessions; the
 * main output session (attach from offset 0) is consumed by the reader
 * itself and goes into the local log store.  Sessions are opened by the
 * routes through agent_ops.c.
 */
#ifndef SL_AGENT_H
#define SL_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "sockerless/plugin.h"
#include "agent/proto.h"
#include "core/call.h"
#include "core/container.h"

struct sl_agent;
struct sl_agent_sess;

/* The secret-store name of the container's token. */
#define SL_AGENT_TOKEN_SECRET "agent-token"

/* ---- host services (ABI 1.2) ---- */

/* The token, created once (64 hex digits).  malloc'd; the caller wipes
 * and frees it.  NULL when the container is gone or out of memory. */
char *sl_agent_token(struct sl_container *c);
/* Forward mode: dial, upgrade, hello.  Returns an SL_* status. */
int sl_agent_connect(struct sl_call *call, struct sl_container *c,
	const char *addr);
/* Reverse mode: the callback URL (malloc'd; caller frees) or NULL. */
char *sl_agent_callback_url(struct sl_container *c);
int sl_agent_state(struct sl_container *c);

/* ---- used by the core ---- */

/* The callback URL base ("http://host:port"), set from the command line;
 * NULL = no callback listener. */
void sl_agent_set_callback_base(const char *url);

/* Adopts an upgraded reverse connection (fd) for container c, checked
 * by the listener.  Takes the fd. */
void sl_agent_adopt(struct sl_container *c, int fd);
/* 1 when the listener should accept an agent for this container id. */
int sl_agent_expected(const char *id);

/* The live agent of c, referenced (release with sl_agent_put), or NULL. */
struct sl_agent *sl_agent_get(struct sl_container *c);
void sl_agent_put(struct sl_agent *a);

/* 1 with *code set when the agent reported the exit of the current run:
 * that code is the container's, whatever the backend guessed. */
int sl_agent_exit_code(struct sl_container *c, int *code);

/*
 * 1 when c's agent copies the current run's output into the local log
 * store without a hole: its output session delivered the exit, or the
 * container runs and the agent, which answered once, is connected or
 * being reached again (it replays what it missed); and no byte was lost
 * (no gap after a restart, no overflow).  `docker logs` is then served
 * from the copy.
 */
int sl_agent_log_whole(struct sl_container *c);

/* After the backend's recover: finds the agents of the containers still
 * running again, from their resume records (agent_resume.c). */
void sl_agent_recover(void);

/* 1 when the backend means to run c with the agent: it asked for the
 * token (and did not delete it since, which is how it says the agent
 * will not come after all). */
int sl_agent_expecting(struct sl_container *c);

/*
 * An attach that waits for c's agent, or runs over it, holds the
 * agent's exit: the ACK that lets the agent end is sent only once no
 * attach holds it, so an attach that opens late (a quick command) still
 * gets the whole output and the exit (the agent's own wait bounds this).
 * `delta` is +1 or -1.
 */
void sl_agent_hold(struct sl_container *c, int delta);
/* A resize that came while an attach waits for the agent: kept for it.
 * 0 when kept, -1 when no attach waits. */
int sl_agent_hold_size(struct sl_container *c, int h, int w);
/* The kept size (1 with *h, *w set, and forgotten) or 0. */
int sl_agent_hold_take_size(struct sl_container *c, int *h, int *w);

/* The container was removed: drop its agent (joins its thread). */
void sl_agent_forget(struct sl_container *c);
/* Daemon shutdown: drops every agent. */
void sl_agent_shutdown(void);

/* ---- sessions (agent_conn.c) ---- */

/*
 * Opens a session: sends OPEN with the fields and waits for the REPLY.
 * `tag` names the session for a later lookup (an exec id) or is NULL.
 * Returns the session, or NULL with an SL_* status in *status and a
 * message in err (the agent's ERROR message, or why it failed).
 */
struct sl_agent_sess *sl_agent_open(struct sl_agent *a,
	const struct sl_agent_fields *f, const char *tag, struct sl_call *call,
	int *status, char *err, size_t errlen);
/* The first value of key in the REPLY, or NULL. */
const char *sl_agent_reply(struct sl_agent_sess *s, const char *key);
/* The reply's raw field list (for repeated keys). */
const char *sl_agent_reply_fields(struct sl_agent_sess *s, size_t *len);

/* Sends a frame on the session's channel; 0 or -1. */
int sl_agent_send(struct sl_agent_sess *s, int type, const void *buf,
	size_t len);

/*
 * The next frame of the session: 1 with *type and a malloc'd payload
 * (*buf, *len; caller frees), 0 after timeout_ms, -1 when the session
 * ended without EXIT (connection lost; a message in err).  EXIT and
 * ERROR are returned as frames too; after them the session is over.
 */
int sl_agent_next(struct sl_agent_sess *s, int timeout_ms, int *type,
	unsigned char **buf, size_t *len, char *err, size_t errlen);

/* Ends a session (sends CLOSE when the agent did not end it) and frees
 * it. */
void sl_agent_close(struct sl_agent_sess *s);

/* Sends a frame on the session found by tag, e.g. RESIZE for an exec.
 * 0, or -1 when no such session is open. */
int sl_agent_send_tagged(struct sl_container *c, const char *tag, int type,
	const void *buf, size_t len);

/* Installs the routing over the loaded backend's hooks (agent_ops.c). */
struct sl_backend;
void sl_agent_route(struct sl_backend *b);
/* The hooks a route checks for presence (its 501): with a live agent the
 * routed ones, all present; otherwise the plugin's own. */
const struct sl_backend *sl_agent_hooks(struct sl_container *c);

/* Maps an agent ERROR code ("notfound", ...) to an SL_* status. */
int sl_agent_error_status(const char *code);

#endif
