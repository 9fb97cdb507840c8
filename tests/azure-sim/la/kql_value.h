/* kql_value: the scalar types and typed cells shared by the Log Analytics
 * table store (la_store) and the KQL engine (kql), and their JSON/text forms
 * as the Log Analytics query API prints them.
 *
 * Representation choices (why):
 * - datetime is kept as 100-ns ticks since the Unix epoch, the resolution
 *   Azure stores and prints (7 fractional digits).  A client that reads a
 *   printed TimeGenerated back into datetime(...) gets exactly the stored
 *   value, so "TimeGenerated > datetime(<last seen>)" never re-reads or skips
 *   a row.
 * - timespan is kept as 100-ns ticks as well.
 * - string/guid/dynamic cells point at bytes owned by someone else (the
 *   store row, the query arena or a literal); a kql_value never owns memory.
 * - KQL has no null string: an empty string is the "missing" value of the
 *   string type, so string cells are never null.  Other types can be null.
 */
#ifndef SL_AZSIM_KQL_VALUE_H
#define SL_AZSIM_KQL_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kql_type {
	KQL_T_BOOL = 0,
	KQL_T_DATETIME,
	KQL_T_DYNAMIC, /* JSON text */
	KQL_T_GUID,
	KQL_T_INT,     /* 32-bit, kept in .l */
	KQL_T_LONG,
	KQL_T_REAL,
	KQL_T_STRING,
	KQL_T_TIMESPAN,
	KQL_T__COUNT
};

#define KQL_TICKS_PER_SEC 10000000LL
#define KQL_TICKS_PER_MS 10000LL

struct kql_value {
	enum kql_type type;
	bool null;     /* never true for KQL_T_STRING */
	union {
		bool b;
		int64_t l;     /* int, long */
		double r;
		int64_t ticks; /* datetime (since 1970-01-01T00:00:00Z), timespan */
		struct {
			const char *p; /* not NUL-terminated in general */
			size_t n;
		} s;           /* string, guid, dynamic */
	} u;
};

/* The API name of t ("bool", "datetime", "dynamic", "guid", "int", "long",
 * "real", "string", "timespan"); static storage. */
const char *kql_type_name(enum kql_type t);

/* Parse an API/KQL type name (case-sensitive, as above, plus the KQL
 * aliases "boolean", "date", "double", "uniqueid", "time").  Returns 0 and
 * sets *t, or -EINVAL. */
int kql_type_parse(const char *name, enum kql_type *t);

/* Constructors (no allocation; string bytes are borrowed). */
struct kql_value kql_null(enum kql_type t); /* string: the empty string */
struct kql_value kql_bool(bool b);
struct kql_value kql_long(int64_t l);
struct kql_value kql_int(int32_t i);
struct kql_value kql_real(double r);
struct kql_value kql_datetime(int64_t ticks);
struct kql_value kql_timespan(int64_t ticks);
struct kql_value kql_string(const char *p, size_t n);
struct kql_value kql_str(const char *s); /* NUL-terminated, NULL = "" */

/* Convert ns since the epoch (e.g. from clock_gettime) to datetime ticks,
 * truncating to 100 ns. */
int64_t kql_ticks_from_ns(int64_t ns);

/* Format a datetime the way the Log Analytics API prints it:
 * "2024-01-15T10:30:00.1234567Z", trailing fractional zeros dropped
 * (".FFFFFFF": "06:59:59Z" when whole, "10:30:00.123Z").  out needs
 * KQL_DATETIME_BUFSZ bytes.  Returns the length written. */
#define KQL_DATETIME_BUFSZ 40
size_t kql_format_datetime(int64_t ticks, char *out, size_t outsz);

/* Format a timespan as KQL/.NET prints it: "[-][d.]hh:mm:ss[.fffffff]"
 * (e.g. "00:00:10", "1.02:00:00", "00:00:00.1000000").  out needs
 * KQL_TIMESPAN_BUFSZ bytes.  Returns the length written. */
#define KQL_TIMESPAN_BUFSZ 48
size_t kql_format_timespan(int64_t ticks, char *out, size_t outsz);

/* Format a real the way Kusto prints it ("1.286", "1E+20", "NaN",
 * "Infinity", "-Infinity"): the shortest text that reads back exactly.
 * out needs 32 bytes. */
void kql_format_real(double r, char *out, size_t outsz);

/* Parse an ISO-8601 / KQL datetime literal body: "2024-01-15",
 * "2024-01-15T10:30", "2024-01-15 10:30:00", "2024-01-15T10:30:00.1234567Z",
 * with optional "Z" or "+hh:mm"/"-hh:mm" (converted to UTC); no zone means
 * UTC.  Up to 7 fractional digits are kept, more are truncated.  Leading
 * and trailing blanks are ignored.  Returns 0 and sets *ticks, or -EINVAL. */
int kql_parse_datetime(const char *s, size_t n, int64_t *ticks);

/* Parse a KQL timespan literal such as "1d", "2h", "30m", "10s", "100ms",
 * "1.5h", "5min", "3sec", "2microseconds", "10tick", "1day", "2hours".
 * Returns 0 and sets *ticks, or -EINVAL. */
int kql_parse_timespan_literal(const char *s, size_t n, int64_t *ticks);

/* Parse an ISO-8601 duration ("PT1H", "P1D", "P3DT12H", "PT0.5S", "P1W";
 * years and months are refused since their length is not fixed).
 * Returns 0 and sets *ticks (> 0 or 0), or -EINVAL. */
int kql_parse_iso_duration(const char *s, size_t n, int64_t *ticks);

/* Is s[0..n) a GUID in 8-4-4-4-12 hex form (either case)? */
bool kql_is_guid(const char *s, size_t n);

#endif
