/* sim_util.h - small helpers shared by the simulator front end: random
 * names, GUIDs, timestamps, a growable byte buffer and string helpers. */
#ifndef SIM_UTIL_H
#define SIM_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Fill out[0..n-1] with lowercase letters and digits and NUL-terminate
 * (out must hold n + 1 bytes). Thread-safe (reads /dev/urandom). */
void sim_rand_alnum(char *out, size_t n);

/* Write a random RFC 4122 version-4 GUID (36 chars + NUL) into out[37]. */
void sim_uuid(char out[37]);

/* Current wall clock as a struct timespec (CLOCK_REALTIME). */
struct timespec sim_now(void);

/* Monotonic milliseconds, for deadlines and delays. */
int64_t sim_mono_ms(void);

/* Sleep for ms milliseconds (restarts on EINTR). */
void sim_sleep_ms(int64_t ms);

/* Format ts as ARM's "2023-02-13T20:37:30.1234567+00:00" (7 fractional
 * digits) into out (at least 40 bytes). */
void sim_time_arm(const struct timespec *ts, char *out, size_t outsz);

/* Format ts as "2025-05-24T18:39:26.7151791Z" into out (>= 40 bytes). */
void sim_time_z(const struct timespec *ts, char *out, size_t outsz);

/* Format ts as the log stream's synthetic stamp "2025-05-24T17:39:34.30993"
 * (5 fractional digits, no offset) into out (>= 40 bytes). */
void sim_time_plain(const struct timespec *ts, char *out, size_t outsz);

/* Growable byte buffer. Zero-initialise; free with sim_buf_free. */
struct sim_buf {
	char *data;   /* NUL-terminated while len < cap */
	size_t len;
	size_t cap;
};

/* Append n bytes; returns 0 or -ENOMEM. */
int sim_buf_add(struct sim_buf *b, const void *p, size_t n);
/* Append a NUL-terminated string. */
int sim_buf_adds(struct sim_buf *b, const char *s);
/* Append printf-formatted text. */
int sim_buf_addf(struct sim_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Release the storage and reset to empty. */
void sim_buf_free(struct sim_buf *b);
/* Hand the storage to the caller (who frees it with free()); the buffer is
 * reset. Never NULL unless out of memory. */
char *sim_buf_steal(struct sim_buf *b);

/* printf into newly allocated memory; the caller frees. NULL on ENOMEM. */
char *sim_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with a va_list (left unused for the caller to va_end). */
char *sim_vstrdupf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Case-insensitive ASCII string equality (NULL-safe: two NULLs are equal). */
int sim_streq_ci(const char *a, const char *b);

/* True when s starts with prefix. */
int sim_starts_with(const char *s, const char *prefix);

/* URL-decode src (%XX and '+' when plus_is_space) into a new string; the
 * caller frees. A '%' not followed by two hex digits stays as it is (as
 * curl_easy_unescape and .NET's UrlDecode leave it). */
char *sim_url_decode(const char *src, size_t len, int plus_is_space);

/* The same, with the decoded length in *outlen: a "%00" leaves a NUL
 * inside the string, which a caller that needs a C string refuses by
 * comparing *outlen with strlen(). */
char *sim_url_decode_len(const char *src, size_t len, int plus_is_space,
			 size_t *outlen);

/* URL-encode src (unreserved characters kept) into a new string; the
 * caller frees. */
char *sim_url_encode(const char *src);

#endif
