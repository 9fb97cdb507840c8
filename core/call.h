/*
 * call.h - one plugin hook invocation (struct sl_call of the ABI): the
 * error the backend set, and cancellation (client gone, daemon stopping).
 */
#ifndef SL_CALL_H
#define SL_CALL_H

#include <stdarg.h>

#include "sockerless/plugin.h"

struct sl_call {
	int status;
	char message[1024];
	int cancelled;          /* atomic */
	int cancel_fd;          /* eventfd, created on first request; -1 */
	struct sl_call *prev, *next;  /* the registry of live calls */
};

/* Prepares a call and registers it so sl_call_cancel_all() reaches it. */
void sl_call_begin(struct sl_call *call);
/* Unregisters it and closes its fd. */
void sl_call_end(struct sl_call *call);

/* Marks a call cancelled; safe from any thread. */
void sl_call_cancel(struct sl_call *call);
/* Cancels every live call and every call begun from now on (shutdown). */
void sl_call_cancel_all(void);
int sl_call_shutting_down(void);

/* Records an error (host->set_error); returns status. */
int sl_call_set_error(struct sl_call *call, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sl_call_vset_error(struct sl_call *call, int status, const char *fmt,
	va_list ap) __attribute__((format(printf, 3, 0)));

/* The message for a failed call: the backend's, or a generic one naming
 * the status when the backend set none. */
const char *sl_call_message(const struct sl_call *call, int status);

int sl_call_is_cancelled(struct sl_call *call);
int sl_call_get_cancel_fd(struct sl_call *call);

#endif
