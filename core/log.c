/*
 * log.c - the daemon's logger: level filter, one line per call, stderr.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"

static int log_level = SL_LEVEL_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int sl_log_parse_level(const char *s)
{
	if (!strcasecmp(s, "warning"))
		return SL_LEVEL_WARN;
	if (!strcasecmp(s, "fatal") || !strcasecmp(s, "panic"))
		return SL_LEVEL_ERROR;
	for (int i = 0; i <= SL_LEVEL_DEBUG; i++)
		if (!strcasecmp(s, level_names[i]))
			return i;
	return -1;
}

void sl_log_set_level(int level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int sl_log_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void sl_logv(int level, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	if (level > sl_log_level())
		return;
	if (level < 0)
		level = 0;
	if (level > SL_LEVEL_DEBUG)
		level = SL_LEVEL_DEBUG;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

	/* One lock so lines from different threads never interleave. */
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s.%03ldZ %-5s ", stamp, ts.tv_nsec / 1000000L,
		level_names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void sl_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_logv(level, fmt, ap);
	va_end(ap);
}
