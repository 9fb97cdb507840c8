/* core/timeparse.h - Docker's time formats, in int64 nanoseconds since the Unix epoch (UTC).
 *
 * Parsing follows dockerd's api/types/time GetTimestamp + ParseTimestamps, which the CLI and the
 * daemon apply to `since`/`until` (events, logs) and `until` (prune filters):
 *   - Go durations relative to now: "10m", "1h30m", "1.5h", "-5s", "300ms" (not bare "0");
 *     like dockerd, the result is now - d truncated to whole seconds;
 *   - RFC3339 / RFC3339Nano and its shorter forms: "2024-01-02T03:04:05Z",
 *     "2024-01-02T03:04:05.123+02:00", "2024-01-02T03:04Z", "2024-01-02T03Z", "2024-01-02Z";
 *     without a zone ("2024-01-02T03:04:05", "2024-01-02") the time is local, at the UTC offset
 *     the local zone has at `now` (dockerd uses time.FixedZone(reference.Zone()));
 *   - Unix seconds with optional fraction: "1700000000", "1700000000.123456789"; a fraction
 *     longer than 9 digits is truncated, a shorter one is scaled ("1.5" is 1.5 s).
 * All functions are thread-safe and allocate nothing.
 */
#ifndef SL_TIMEPARSE_H
#define SL_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Fits "-2262-04-11T23:47:16.854775807Z" with room to spare. */
#define SL_TIME_BUFLEN 40

/* Current CLOCK_REALTIME in ns. */
int64_t sl_time_now_ns(void);

/* Any of the forms above; `now_ns` is the reference for durations and the local offset.
 * Returns 0, -EINVAL for an unrecognised or malformed value (dockerd's message for that is
 * `failed to parse value as time or duration: "<s>"`), -ERANGE when the time does not fit in
 * int64 nanoseconds. */
int sl_time_parse_docker(const char *s, int64_t now_ns, int64_t *out_ns);

/* Only "sec[.frac]" (what dockerd itself accepts on the wire). Returns 0, -EINVAL, -ERANGE. */
int sl_time_parse_unix(const char *s, int64_t *out_ns);

/* Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+ or "0".
 * Returns 0, -EINVAL, -ERANGE. */
int sl_time_parse_duration(const char *s, int64_t *out_ns);

/* Docker's fixed-width RFC3339Nano in UTC, "2006-01-02T15:04:05.000000000Z" (log timestamps,
 * jsonmessage). Writes a NUL-terminated string into buf; returns its length. */
size_t sl_time_format_rfc3339nano(int64_t ns, char buf[SL_TIME_BUFLEN]);

/* Go's time.RFC3339Nano in UTC, trailing zeros trimmed and the dot dropped when the fraction is
 * zero: "2006-01-02T15:04:05.5Z", "2006-01-02T15:04:05Z" (inspect "Created", "StartedAt").
 * Returns the length. */
size_t sl_time_format_rfc3339nano_trim(int64_t ns, char buf[SL_TIME_BUFLEN]);

#endif /* SL_TIMEPARSE_H */
