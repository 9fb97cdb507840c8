/* core/timeparse.c - Docker's since/until forms and RFC3339Nano output (see timeparse.h). */
#include "config.h"

#include "timeparse.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL

int64_t sl_time_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* sec * 1e9 + nsec without signed overflow. Returns 0 or -ERANGE. */
static int join_ns(int64_t sec, int64_t nsec, int64_t *out)
{
	if (sec > INT64_MAX / NS_PER_S || sec < INT64_MIN / NS_PER_S)
		return -ERANGE;
	sec *= NS_PER_S;
	if ((nsec > 0 && sec > INT64_MAX - nsec) || (nsec < 0 && sec < INT64_MIN - nsec))
		return -ERANGE;
	*out = sec + nsec;
	return 0;
}

/* ---- Go durations -------------------------------------------------------------------------- */

static int duration_unit(const char *u, size_t n, uint64_t *unit)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1ULL },
		{ "us", 1000ULL },
		{ "\xc2\xb5s", 1000ULL }, /* U+00B5 micro sign */
		{ "\xce\xbcs", 1000ULL }, /* U+03BC greek mu */
		{ "ms", 1000000ULL },
		{ "s", 1000000000ULL },
		{ "m", 60ULL * 1000000000ULL },
		{ "h", 3600ULL * 1000000000ULL },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && memcmp(units[i].name, u, n) == 0) {
			*unit = units[i].ns;
			return 0;
		}
	return -EINVAL;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int sl_time_parse_duration(const char *s, int64_t *out_ns)
{
	const uint64_t lim = 1ULL << 63;
	uint64_t d = 0;
	bool neg = false;

	if (s == NULL)
		return -EINVAL;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (strcmp(s, "0") == 0) {
		*out_ns = 0;
		return 0;
	}
	if (*s == '\0')
		return -EINVAL;
	while (*s != '\0') {
		uint64_t v = 0, f = 0, unit;
		double scale = 1;
		bool pre = false, post = false;
		const char *u;

		if (!(*s == '.' || is_digit(*s)))
			return -EINVAL;
		for (; is_digit(*s); s++) {
			if (v > (lim - 1) / 10)
				return -ERANGE;
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > lim - 1)
				return -ERANGE;
			pre = true;
		}
		if (*s == '.') {
			bool overflow = false;

			for (s++; is_digit(*s); s++) {
				post = true;
				/* Like Go, digits past what fits are consumed and ignored. */
				if (overflow || f > (lim - 1) / 10) {
					overflow = true;
					continue;
				}
				f = f * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
		}
		if (!pre && !post)
			return -EINVAL;
		for (u = s; *s != '\0' && *s != '.' && !is_digit(*s); s++)
			;
		if (s == u)
			return -EINVAL; /* missing unit */
		if (duration_unit(u, (size_t)(s - u), &unit) < 0)
			return -EINVAL;
		if (v > lim / unit)
			return -ERANGE;
		v *= unit;
		if (f > 0) {
			/* A double keeps fractions of hours nanosecond-accurate, as in Go. */
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > lim)
				return -ERANGE;
		}
		d += v;
		if (d > lim)
			return -ERANGE;
	}
	if (neg) {
		*out_ns = d == lim ? INT64_MIN : -(int64_t)d;
		return 0;
	}
	if (d > lim - 1)
		return -ERANGE;
	*out_ns = (int64_t)d;
	return 0;
}

/* ---- Unix seconds ---------------------------------------------------------------------------- */

int sl_time_parse_unix(const char *s, int64_t *out_ns)
{
	int64_t sec = 0, nsec = 0;
	bool neg = false;
	const char *p = s;
	int digits;

	if (s == NULL)
		return -EINVAL;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	if (!is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		if (sec > (INT64_MAX - 9) / 10)
			return -ERANGE;
		sec = sec * 10 + (*p - '0');
	}
	if (neg)
		sec = -sec;
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return -EINVAL;
		for (digits = 0; is_digit(*p); p++, digits++)
			if (digits < 9)
				nsec = nsec * 10 + (*p - '0');
		for (; digits < 9; digits++)
			nsec *= 10;
	}
	if (*p != '\0')
		return -EINVAL;
	/* As time.Unix(sec, nsec): the fraction always adds, even for negative seconds. */
	return join_ns(sec, nsec, out_ns);
}

/* ---- RFC3339 and its shorter layouts --------------------------------------------------------- */

enum layout_part { PART_DATE, PART_HOUR, PART_MINUTE, PART_SECOND };

/* Exactly n digits into *v. */
static bool take_num(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil), so no libc time zone state is involved. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Parses one of dockerd's layouts: date, then "T15", ":04", ":05" up to `last`, an optional
 * fraction after the seconds (Go accepts one there even when the layout has none), then a zone
 * ("Z" or "+hh:mm"/"-hh:mm") when `zoned`, and nothing else. Fills seconds-since-epoch as if
 * the fields were UTC, the nanoseconds and the zone offset in seconds east. */
static int parse_layout(const char *s, enum layout_part last, bool zoned, int64_t *sec_utc,
                        int64_t *nsec, int64_t *offset)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	const char *p = s;

	*nsec = 0;
	*offset = 0;
	if (!take_num(&p, 4, &y) || *p++ != '-' || !take_num(&p, 2, &mo) || *p++ != '-' ||
	    !take_num(&p, 2, &d))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -EINVAL;
	if (last >= PART_HOUR) {
		if (*p++ != 'T' || !take_num(&p, 2, &h) || h > 23)
			return -EINVAL;
	}
	if (last >= PART_MINUTE) {
		if (*p++ != ':' || !take_num(&p, 2, &mi) || mi > 59)
			return -EINVAL;
	}
	if (last >= PART_SECOND) {
		if (*p++ != ':' || !take_num(&p, 2, &se) || se > 59)
			return -EINVAL;
		if ((*p == '.' || *p == ',') && is_digit(p[1])) {
			int digits = 0;

			for (p++; is_digit(*p); p++, digits++)
				if (digits < 9)
					*nsec = *nsec * 10 + (*p - '0');
			for (; digits < 9; digits++)
				*nsec *= 10;
		}
	}
	if (zoned) {
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1, zh, zm;

			p++;
			if (!take_num(&p, 2, &zh) || *p++ != ':' || !take_num(&p, 2, &zm) || zh > 24 ||
			    zm > 59)
				return -EINVAL;
			*offset = sign * (zh * 3600 + zm * 60);
		} else {
			return -EINVAL;
		}
	}
	if (*p != '\0')
		return -EINVAL;
	*sec_utc = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* The local zone's offset (seconds east of UTC) at `now_ns`, as Go's reference.Zone(). */
static int64_t local_offset_at(int64_t now_ns)
{
	time_t t = (time_t)(now_ns / NS_PER_S);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (int64_t)tm.tm_gmtoff;
}

int sl_time_parse_docker(const char *s, int64_t now_ns, int64_t *out_ns)
{
	enum layout_part last;
	bool in_local;
	int64_t d, sec, nsec, offset;
	int rc;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	if (strcmp(s, "0") != 0 && sl_time_parse_duration(s, &d) == 0) {
		int64_t t = now_ns - d;

		if ((d > 0 && now_ns < INT64_MIN + d) || (d < 0 && now_ns > INT64_MAX + d))
			return -ERANGE;
		/* dockerd formats reference.Add(-d).Unix(): whole seconds, floored. */
		sec = t / NS_PER_S - (t % NS_PER_S < 0);
		return join_ns(sec, 0, out_ns);
	}

	/* dockerd picks a layout from the shape of the value before parsing. */
	in_local = strpbrk(s, "zZ+") == NULL && count_char(s, '-') != 3;
	if (strchr(s, '.') != NULL) {
		last = PART_SECOND;
	} else if (strchr(s, 'T') != NULL) {
		size_t colons = count_char(s, ':');

		/* A "+hh:mm" / "-hh:mm" zone brings one colon that is not part of the time. */
		if (!in_local && strpbrk(s, "zZ") == NULL && colons > 0)
			colons--;
		last = colons == 0 ? PART_HOUR : colons == 1 ? PART_MINUTE : PART_SECOND;
	} else {
		last = PART_DATE;
	}
	rc = parse_layout(s, last, !in_local, &sec, &nsec, &offset);
	if (rc == 0) {
		if (in_local)
			offset = local_offset_at(now_ns);
		return join_ns(sec - offset, nsec, out_ns);
	}
	/* A dash means it was meant as a date; otherwise try Unix seconds. */
	if (strchr(s, '-') != NULL)
		return -EINVAL;
	return sl_time_parse_unix(s, out_ns);
}

/* ---- formatting -------------------------------------------------------------------------- */

/* Inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static size_t format_common(int64_t ns, char buf[SL_TIME_BUFLEN], bool trim)
{
	int64_t sec = ns / NS_PER_S, nsec = ns % NS_PER_S, days, rem, y;
	int m, d, n;
	char frac[11];

	if (nsec < 0) {
		nsec += NS_PER_S;
		sec--;
	}
	days = sec / 86400;
	rem = sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(frac, sizeof(frac), ".%09d", (int)nsec);
	if (trim) {
		size_t len = strlen(frac);

		while (len > 1 && frac[len - 1] == '0')
			frac[--len] = '\0';
		if (len == 1)
			frac[0] = '\0';
	}
	n = snprintf(buf, SL_TIME_BUFLEN, "%04lld-%02d-%02dT%02d:%02d:%02d%sZ", (long long)y, m, d,
	             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), frac);
	return n < 0 ? 0 : (size_t)n;
}

size_t sl_time_format_rfc3339nano(int64_t ns, char buf[SL_TIME_BUFLEN])
{
	return format_common(ns, buf, false);
}

size_t sl_time_format_rfc3339nano_trim(int64_t ns, char buf[SL_TIME_BUFLEN])
{
	return format_common(ns, buf, true);
}
