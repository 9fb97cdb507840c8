/*
 * call.c - hook invocations: error text and cancellation.
 *
 * Every live call sits in one list so that shutdown can cancel them all;
 * the eventfd is made only when a backend asks for it, as most calls never
 * poll.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/call.h"

static pthread_mutex_t calls_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sl_call *calls_head;
static int calls_shutdown;

static void signal_fd(struct sl_call *call)
{
	uint64_t one = 1;

	if (call->cancel_fd >= 0 && write(call->cancel_fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow with one write per call. */
	}
}

void sl_call_begin(struct sl_call *call)
{
	memset(call, 0, sizeof(*call));
	call->cancel_fd = -1;
	pthread_mutex_lock(&calls_lock);
	call->next = calls_head;
	if (calls_head)
		calls_head->prev = call;
	calls_head = call;
	if (calls_shutdown)
		__atomic_store_n(&call->cancelled, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&calls_lock);
}

void sl_call_end(struct sl_call *call)
{
	pthread_mutex_lock(&calls_lock);
	if (call->prev)
		call->prev->next = call->next;
	else if (calls_head == call)
		calls_head = call->next;
	if (call->next)
		call->next->prev = call->prev;
	call->prev = call->next = NULL;
	pthread_mutex_unlock(&calls_lock);
	if (call->cancel_fd >= 0)
		close(call->cancel_fd);
	call->cancel_fd = -1;
}

void sl_call_cancel(struct sl_call *call)
{
	pthread_mutex_lock(&calls_lock);
	__atomic_store_n(&call->cancelled, 1, __ATOMIC_SEQ_CST);
	signal_fd(call);
	pthread_mutex_unlock(&calls_lock);
}

void sl_call_cancel_all(void)
{
	pthread_mutex_lock(&calls_lock);
	calls_shutdown = 1;
	for (struct sl_call *c = calls_head; c; c = c->next) {
		__atomic_store_n(&c->cancelled, 1, __ATOMIC_SEQ_CST);
		signal_fd(c);
	}
	pthread_mutex_unlock(&calls_lock);
}

int sl_call_shutting_down(void)
{
	int v;

	pthread_mutex_lock(&calls_lock);
	v = calls_shutdown;
	pthread_mutex_unlock(&calls_lock);
	return v;
}

/*
 * Cuts s (len bytes, NUL at s[len]) back to the start of a UTF-8 sequence
 * that the truncation left incomplete: the message becomes JSON, and half
 * a character there is an invalid string.
 */
static void utf8_trim(char *s, size_t len)
{
	size_t i = len, need;
	unsigned char lead;

	/* Back over at most three continuation bytes to the lead byte. */
	while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0 || len - i >= 4)
		return;
	lead = (unsigned char)s[i - 1];
	if (lead < 0xC0)
		return;  /* ASCII, or stray continuation bytes: not ours to fix */
	need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

int sl_call_vset_error(struct sl_call *call, int status, const char *fmt,
	va_list ap)
{
	int n;

	call->status = status;
	n = vsnprintf(call->message, sizeof(call->message), fmt, ap);
	if (n >= (int)sizeof(call->message))
		utf8_trim(call->message, sizeof(call->message) - 1);
	return status;
}

int sl_call_set_error(struct sl_call *call, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_call_vset_error(call, status, fmt, ap);
	va_end(ap);
	return status;
}

const char *sl_call_message(const struct sl_call *call, int status)
{
	if (call->message[0])
		return call->message;
	switch (status) {
	case SL_ENOTFOUND: return "not found";
	case SL_ECONFLICT: return "conflict";
	case SL_EINVAL: return "invalid request";
	case SL_ENOTSUP: return "not supported by this backend";
	case SL_EUNAVAIL: return "backend unavailable";
	case SL_ETIMEDOUT: return "timed out";
	case SL_ECANCELED: return "cancelled";
	case SL_EPERM: return "permission denied";
	case SL_ENOMEM: return "out of memory";
	case SL_EABI: return "plugin ABI mismatch";
	default: return "internal backend error";
	}
}

int sl_call_is_cancelled(struct sl_call *call)
{
	return __atomic_load_n(&call->cancelled, __ATOMIC_SEQ_CST);
}

int sl_call_get_cancel_fd(struct sl_call *call)
{
	pthread_mutex_lock(&calls_lock);
	if (call->cancel_fd < 0) {
		call->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (call->cancel_fd >= 0 && call->cancelled)
			signal_fd(call);
	}
	pthread_mutex_unlock(&calls_lock);
	return call->cancel_fd;
}
