/* kql_value.c - scalar types, their text forms, and the datetime/timespan
 * parsers shared by the store and the KQL engine. */
#include "config.h"

#include "kql_value.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[KQL_T__COUNT] = {
	[KQL_T_BOOL] = "bool",       [KQL_T_DATETIME] = "datetime",
	[KQL_T_DYNAMIC] = "dynamic", [KQL_T_GUID] = "guid",
	[KQL_T_INT] = "int",         [KQL_T_LONG] = "long",
	[KQL_T_REAL] = "real",       [KQL_T_STRING] = "string",
	[KQL_T_TIMESPAN] = "timespan",
};

const char *kql_type_name(enum kql_type t)
{
	if ((unsigned)t >= KQL_T__COUNT)
		return "unknown";
	return type_names[t];
}

int kql_type_parse(const char *name, enum kql_type *t)
{
	static const struct {
		const char *n;
		enum kql_type t;
	} alias[] = {
		{ "boolean", KQL_T_BOOL },     { "date", KQL_T_DATETIME },
		{ "double", KQL_T_REAL },      { "uniqueid", KQL_T_GUID },
		{ "time", KQL_T_TIMESPAN },
	};
	if (!name)
		return -EINVAL;
	for (int i = 0; i < KQL_T__COUNT; i++) {
		if (strcmp(name, type_names[i]) == 0) {
			*t = (enum kql_type)i;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		if (strcmp(name, alias[i].n) == 0) {
			*t = alias[i].t;
			return 0;
		}
	}
	return -EINVAL;
}

struct kql_value kql_null(enum kql_type t)
{
	struct kql_value v;
	memset(&v, 0, sizeof(v));
	v.type = t;
	if (t == KQL_T_STRING)
		v.u.s.p = "";
	else
		v.null = true;
	return v;
}

struct kql_value kql_bool(bool b)
{
	struct kql_value v = kql_null(KQL_T_BOOL);
	v.null = false;
	v.u.b = b;
	return v;
}

struct kql_value kql_long(int64_t l)
{
	struct kql_value v = kql_null(KQL_T_LONG);
	v.null = false;
	v.u.l = l;
	return v;
}

struct kql_value kql_int(int32_t i)
{
	struct kql_value v = kql_null(KQL_T_INT);
	v.null = false;
	v.u.l = i;
	return v;
}

struct kql_value kql_real(double r)
{
	struct kql_value v = kql_null(KQL_T_REAL);
	v.null = false;
	v.u.r = r;
	return v;
}

struct kql_value kql_datetime(int64_t ticks)
{
	struct kql_value v = kql_null(KQL_T_DATETIME);
	v.null = false;
	v.u.ticks = ticks;
	return v;
}

struct kql_value kql_timespan(int64_t ticks)
{
	struct kql_value v = kql_null(KQL_T_TIMESPAN);
	v.null = false;
	v.u.ticks = ticks;
	return v;
}

struct kql_value kql_string(const char *p, size_t n)
{
	struct kql_value v = kql_null(KQL_T_STRING);
	v.u.s.p = p ? p : "";
	v.u.s.n = p ? n : 0;
	return v;
}

struct kql_value kql_str(const char *s)
{
	return kql_string(s ? s : "", s ? strlen(s) : 0);
}

int64_t kql_ticks_from_ns(int64_t ns)
{
	/* floor division so that pre-epoch instants truncate downwards too */
	int64_t q = ns / 100;
	if (ns % 100 < 0)
		q--;
	return q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

size_t kql_format_datetime(int64_t ticks, char *out, size_t outsz)
{
	const int64_t day = 86400 * KQL_TICKS_PER_SEC;
	int64_t days = floordiv(ticks, day);
	/* the remainder directly: days * day can leave the int64 range */
	int64_t rem = ticks % day < 0 ? ticks % day + day : ticks % day;
	int64_t secs = rem / KQL_TICKS_PER_SEC;
	int64_t frac = rem % KQL_TICKS_PER_SEC;
	int64_t y;
	unsigned m, d;
	char fbuf[16] = "";
	int n;

	civil_from_days(days, &y, &m, &d);
	if (frac) {
		int len;
		snprintf(fbuf, sizeof(fbuf), ".%07lld", (long long)frac);
		len = (int)strlen(fbuf);
		while (len > 1 && fbuf[len - 1] == '0')
			fbuf[--len] = '\0';
	}
	n = snprintf(out, outsz, "%04lld-%02u-%02uT%02d:%02d:%02d%sZ",
		     (long long)y, m, d, (int)(secs / 3600),
		     (int)(secs / 60 % 60), (int)(secs % 60), fbuf);
	if (n < 0)
		return 0;
	return (size_t)n < outsz ? (size_t)n : outsz - 1;
}

size_t kql_format_timespan(int64_t ticks, char *out, size_t outsz)
{
	const char *sign = "";
	uint64_t t;
	uint64_t days, h, mi, s, frac;
	char dbuf[32] = "", fbuf[16] = "";
	int n;

	if (ticks < 0) {
		sign = "-";
		t = (uint64_t)0 - (uint64_t)ticks;
	} else {
		t = (uint64_t)ticks;
	}
	frac = t % KQL_TICKS_PER_SEC;
	t /= KQL_TICKS_PER_SEC;
	s = t % 60;
	mi = t / 60 % 60;
	h = t / 3600 % 24;
	days = t / 86400;
	if (days)
		snprintf(dbuf, sizeof(dbuf), "%llu.", (unsigned long long)days);
	if (frac)
		snprintf(fbuf, sizeof(fbuf), ".%07llu", (unsigned long long)frac);
	n = snprintf(out, outsz, "%s%s%02llu:%02llu:%02llu%s", sign, dbuf,
		     (unsigned long long)h, (unsigned long long)mi,
		     (unsigned long long)s, fbuf);
	if (n < 0)
		return 0;
	return (size_t)n < outsz ? (size_t)n : outsz - 1;
}

/* Read exactly `digits` decimal digits at *p (bounded by end). */
static int read_digits(const char **p, const char *end, int digits, int *out)
{
	int v = 0;
	for (int i = 0; i < digits; i++) {
		if (*p >= end || **p < '0' || **p > '9')
			return -EINVAL;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int kql_parse_datetime(const char *s, size_t n, int64_t *ticks)
{
	const char *p = s, *end = s + n;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t frac = 0, off_min = 0;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };

	if (!s)
		return -EINVAL;
	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	if (read_digits(&p, end, 4, &y) || p >= end || *p++ != '-' ||
	    read_digits(&p, end, 2, &mo) || p >= end || *p++ != '-' ||
	    read_digits(&p, end, 2, &d))
		return -EINVAL;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -EINVAL;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -EINVAL;
	if (p < end && (*p == 'T' || *p == ' ')) {
		p++;
		if (read_digits(&p, end, 2, &h) || p >= end || *p++ != ':' ||
		    read_digits(&p, end, 2, &mi))
			return -EINVAL;
		if (p < end && *p == ':') {
			p++;
			if (read_digits(&p, end, 2, &sec))
				return -EINVAL;
			if (p < end && *p == '.') {
				int digits = 0;
				p++;
				if (p >= end || *p < '0' || *p > '9')
					return -EINVAL;
				while (p < end && *p >= '0' && *p <= '9') {
					if (digits < 7) {
						frac = frac * 10 + (*p - '0');
						digits++;
					}
					p++;
				}
				while (digits++ < 7)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 59)
			return -EINVAL;
	}
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (read_digits(&p, end, 2, &oh))
			return -EINVAL;
		if (p < end && *p == ':')
			p++;
		if (read_digits(&p, end, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
		off_min = sign * (oh * 60 + om);
	}
	if (p != end)
		return -EINVAL;
	*ticks = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
		   h * 3600 + mi * 60 + sec - off_min * 60) *
		  KQL_TICKS_PER_SEC) + frac;
	return 0;
}

/* Parse "123" or "1.25" at [p, end) into whole and fractional parts
 * (fraction scaled to 1e9).  Returns the number of bytes consumed or -1. */
static int parse_decimal(const char *p, const char *end, int64_t *whole,
			 int64_t *frac_e9)
{
	const char *start = p;
	int64_t w = 0, f = 0, scale = 100000000;
	bool any = false;

	while (p < end && *p >= '0' && *p <= '9') {
		if (w > (INT64_MAX - 9) / 10)
			return -1;
		w = w * 10 + (*p - '0');
		p++;
		any = true;
	}
	if (p < end && *p == '.') {
		p++;
		while (p < end && *p >= '0' && *p <= '9') {
			f += (*p - '0') * scale;
			scale /= 10;
			p++;
			any = true;
		}
	}
	if (!any)
		return -1;
	*whole = w;
	*frac_e9 = f;
	return (int)(p - start);
}

static int scale_ticks(int64_t whole, int64_t frac_e9, int64_t unit,
		       int64_t *ticks)
{
	if (unit && whole > INT64_MAX / unit)
		return -EINVAL;
	if (unit && whole == INT64_MAX / unit && frac_e9)
		return -EINVAL; /* the fraction could carry it over */
	/* frac_e9 < 1e9 and unit <= 864e9 ticks: do it in two steps to stay in
	 * range (unit / 1e9 loses nothing for units >= 1 ms) */
	int64_t fr;
	if (unit % 1000000000 == 0)
		fr = frac_e9 * (unit / 1000000000);
	else
		fr = (int64_t)((double)frac_e9 * (double)unit / 1e9 + 0.5);
	*ticks = whole * unit + fr;
	return 0;
}

static int unit_ticks(const char *u, size_t n, int64_t *unit)
{
	static const struct {
		const char *name;
		int64_t ticks;
	} units[] = {
		{ "d", 864000000000LL },        { "day", 864000000000LL },
		{ "days", 864000000000LL },     { "h", 36000000000LL },
		{ "hr", 36000000000LL },        { "hrs", 36000000000LL },
		{ "hour", 36000000000LL },      { "hours", 36000000000LL },
		{ "m", 600000000LL },           { "min", 600000000LL },
		{ "minute", 600000000LL },      { "minutes", 600000000LL },
		{ "s", 10000000LL },            { "sec", 10000000LL },
		{ "second", 10000000LL },       { "seconds", 10000000LL },
		{ "ms", 10000LL },              { "milli", 10000LL },
		{ "millis", 10000LL },          { "millisecond", 10000LL },
		{ "milliseconds", 10000LL },    { "microsecond", 10LL },
		{ "microseconds", 10LL },       { "tick", 1LL },
		{ "ticks", 1LL },
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == n &&
		    memcmp(units[i].name, u, n) == 0) {
			*unit = units[i].ticks;
			return 0;
		}
	}
	return -EINVAL;
}

/* "[-][d.]hh:mm[:ss[.fffffff]]" */
static int parse_clock_timespan(const char *p, const char *end, int64_t *ticks)
{
	int64_t days = 0, h = 0, m = 0, s = 0, frac = 0;
	bool neg = false;
	const char *q;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
		;
	if (q < end && *q == '.') {
		if (q - p > 8) /* more days than a timespan holds */
			return -EINVAL;
		for (const char *r = p; r < q; r++)
			days = days * 10 + (*r - '0');
		p = q + 1;
	}
	/* at most two digits per field keeps the sums in range */
	for (q = p; q < end && *q >= '0' && *q <= '9' && q - p < 3; q++)
		h = h * 10 + (*q - '0');
	if (q == p || q >= end || *q != ':')
		return -EINVAL;
	p = q + 1;
	for (q = p; q < end && *q >= '0' && *q <= '9' && q - p < 3; q++)
		m = m * 10 + (*q - '0');
	if (q == p)
		return -EINVAL;
	p = q;
	if (p < end && *p == ':') {
		p++;
		for (q = p; q < end && *q >= '0' && *q <= '9' && q - p < 3; q++)
			s = s * 10 + (*q - '0');
		if (q == p)
			return -EINVAL;
		p = q;
		if (p < end && *p == '.') {
			int digits = 0;
			p++;
			while (p < end && *p >= '0' && *p <= '9') {
				if (digits < 7) {
					frac = frac * 10 + (*p - '0');
					digits++;
				}
				p++;
			}
			if (!digits)
				return -EINVAL;
			while (digits++ < 7)
				frac *= 10;
		}
	}
	if (p != end || h > 23 || m > 59 || s > 59 || days > 10675199)
		return -EINVAL;
	*ticks = ((days * 86400 + h * 3600 + m * 60 + s) * KQL_TICKS_PER_SEC) +
		 frac;
	if (neg)
		*ticks = -*ticks;
	return 0;
}

int kql_parse_timespan_literal(const char *s, size_t n, int64_t *ticks)
{
	const char *p = s, *end = s + n;
	int64_t whole, frac, unit;
	int used;

	if (!s)
		return -EINVAL;
	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	if (memchr(p, ':', (size_t)(end - p)))
		return parse_clock_timespan(p, end, ticks);
	bool neg = false;
	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	used = parse_decimal(p, end, &whole, &frac);
	if (used < 0)
		return -EINVAL;
	p += used;
	if (unit_ticks(p, (size_t)(end - p), &unit))
		return -EINVAL;
	if (scale_ticks(whole, frac, unit, ticks))
		return -EINVAL;
	if (neg)
		*ticks = -*ticks;
	return 0;
}

int kql_parse_iso_duration(const char *s, size_t n, int64_t *ticks)
{
	const char *p = s, *end = s + n;
	bool in_time = false, any = false;
	int64_t total = 0;

	if (!s || p >= end || (*p != 'P' && *p != 'p'))
		return -EINVAL;
	p++;
	while (p < end) {
		int64_t whole, frac, unit, part;
		int used;
		char c;

		if (*p == 'T' || *p == 't') {
			if (in_time)
				return -EINVAL;
			in_time = true;
			p++;
			continue;
		}
		used = parse_decimal(p, end, &whole, &frac);
		if (used < 0 || p + used >= end)
			return -EINVAL;
		p += used;
		c = *p++;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!in_time && c == 'W')
			unit = 7 * 864000000000LL;
		else if (!in_time && c == 'D')
			unit = 864000000000LL;
		else if (in_time && c == 'H')
			unit = 36000000000LL;
		else if (in_time && c == 'M')
			unit = 600000000LL;
		else if (in_time && c == 'S')
			unit = KQL_TICKS_PER_SEC;
		else
			return -EINVAL; /* Y and M(onth) have no fixed length */
		if (scale_ticks(whole, frac, unit, &part) ||
		    total > INT64_MAX - part)
			return -EINVAL;
		total += part;
		any = true;
	}
	if (!any)
		return -EINVAL;
	*ticks = total;
	return 0;
}

bool kql_is_guid(const char *s, size_t n)
{
	if (!s || n != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

void kql_format_real(double r, char *out, size_t outsz)
{
	char *e;
	if (r != r) {
		snprintf(out, outsz, "NaN");
		return;
	}
	if (r > 1.7976931348623157e308) {
		snprintf(out, outsz, "Infinity");
		return;
	}
	if (r < -1.7976931348623157e308) {
		snprintf(out, outsz, "-Infinity");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, outsz, "%.*g", prec, r);
		if (strtod(out, NULL) == r)
			break;
	}
	/* .NET spells the exponent E+20 / E-05 */
	e = strchr(out, 'e');
	if (e)
		*e = 'E';
}
