/*
 * log.h - the daemon's one logger.
 *
 * Lines go to stderr as "time level message".  Thread-safe.  Callers must
 * not pass secrets: redaction happens at the source (see sl_log_redact).
 */
#ifndef SL_LOG_H
#define SL_LOG_H

#include <stdarg.h>

enum sl_level {
	SL_LEVEL_ERROR = 0,
	SL_LEVEL_WARN = 1,
	SL_LEVEL_INFO = 2,
	SL_LEVEL_DEBUG = 3
};

/* Parses "error", "warn"/"warning", "info", "debug"; -1 if unknown. */
int sl_log_parse_level(const char *s);
void sl_log_set_level(int level);
int sl_log_level(void);

void sl_logv(int level, const char *fmt, va_list ap);
void sl_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define sl_error(...) sl_log(SL_LEVEL_ERROR, __VA_ARGS__)
#define sl_warn(...) sl_log(SL_LEVEL_WARN, __VA_ARGS__)
#define sl_info(...) sl_log(SL_LEVEL_INFO, __VA_ARGS__)
#define sl_debug(...) sl_log(SL_LEVEL_DEBUG, __VA_ARGS__)

#endif
