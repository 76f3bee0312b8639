/*
 * Interval and cron schedules (schedule.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/schedule.h"

#define YEAR_MS		(366LL * 24 * 3600 * 1000)

static const struct {
	const char	*name;
	int		 lo, hi;
} fields[5] = {
	{ "minute", 0, 59 },
	{ "hour", 0, 23 },
	{ "day of month", 1, 31 },
	{ "month", 1, 12 },
	{ "day of week", 0, 7 },
};

/* A decimal number of at most 9 digits at *p; advances p. -1 if none. */
static long
number(const char **p)
{
	long	v = 0;
	int	n = 0;

	while (**p >= '0' && **p <= '9') {
		if (++n > 9)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return n ? v : -1;
}

/*
 * One cron field, s up to end: a list of "*", "n", "a-b", each with an
 * optional "/step". Sets bits lo..hi in *bits; *any when it is "*".
 */
static int
cron_field(const char *s, const char *end, int f, uint64_t *bits, bool *any,
    char *err, size_t errlen)
{
	const char	*p = s;
	long		 a, b, step, i;
	int		 lo = fields[f].lo, hi = fields[f].hi;

	*bits = 0;
	*any = end - s == 1 && *s == '*';
	for (;;) {
		if (*p == '*') {
			p++;
			a = lo;
			b = hi;
		} else {
			if ((a = number(&p)) < 0)
				goto bad;
			b = a;
			if (*p == '-') {
				p++;
				if ((b = number(&p)) < 0)
					goto bad;
			}
		}
		step = 1;
		if (*p == '/') {
			p++;
			if ((step = number(&p)) <= 0)
				goto bad;
		}
		if (a < lo || b > hi || a > b) {
			snprintf(err, errlen, "%s field out of range %d-%d",
			    fields[f].name, lo, hi);
			return -1;
		}
		for (i = a; i <= b; i += step)
			*bits |= (uint64_t)1 << i;
		if (p == end)
			return 0;
		if (*p != ',')
			goto bad;
		p++;
	}
bad:
	snprintf(err, errlen, "malformed %s field", fields[f].name);
	return -1;
}

int
schedule_parse(const char *s, struct schedule *out, char *err, size_t errlen)
{
	const char	*p, *q;
	uint64_t	 bits[5];
	bool		 any[5];
	long		 n;
	long long	 unit;
	int		 f;

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0' || strlen(s) > SCHEDULE_MAX_LEN) {
		snprintf(err, errlen, "schedule is empty or too long");
		return -1;
	}
	if (strcmp(s, "off") == 0) {
		out->off = true;
		return 0;
	}
	if (strncmp(s, "every ", 6) == 0) {
		p = s + 6;
		if ((n = number(&p)) <= 0)
			goto bad_every;
		switch (*p) {
		case 's':
			unit = 1000;
			break;
		case 'm':
			unit = 60 * 1000;
			break;
		case 'h':
			unit = 3600 * 1000;
			break;
		case 'd':
			unit = 24 * 3600 * 1000;
			break;
		default:
			goto bad_every;
		}
		if (p[1] != '\0' || n * unit > YEAR_MS)
			goto bad_every;
		out->every_ms = n * unit;
		return 0;
	}
	if (strncmp(s, "cron ", 5) != 0) {
		snprintf(err, errlen, "schedule must be \"off\", \"every N[smhd]"
		    "\" or \"cron M H DOM MON DOW\"");
		return -1;
	}
	p = s + 5;
	for (f = 0; f < 5; f++) {
		while (*p == ' ')
			p++;
		if (*p == '\0') {
			snprintf(err, errlen, "cron needs five fields");
			return -1;
		}
		q = p + strcspn(p, " ");
		if (cron_field(p, q, f, &bits[f], &any[f], err, errlen) != 0)
			return -1;
		p = q;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0') {
		snprintf(err, errlen, "cron takes five fields");
		return -1;
	}
	out->minute = bits[0];
	out->hour = (uint32_t)bits[1];
	out->dom = (uint32_t)bits[2];
	out->month = (uint16_t)bits[3];
	/* Sunday is 0 and 7. */
	out->dow = (uint8_t)((bits[4] | (bits[4] >> 7)) & 0x7f);
	out->dom_any = any[2];
	out->dow_any = any[4];
	return 0;
bad_every:
	snprintf(err, errlen, "interval must be \"every N\" and s, m, h or d, "
	    "at most a year");
	return -1;
}

static bool
day_ok(const struct schedule *sc, const struct tm *tm)
{
	bool	dom = (sc->dom >> tm->tm_mday) & 1;
	bool	dow = (sc->dow >> tm->tm_wday) & 1;

	if (sc->dom_any || sc->dow_any)
		return dom && dow;
	return dom || dow;
}

/*
 * Cron: step through the calendar in UTC, skipping a whole month, day or
 * hour at a time when it cannot match, so the search is short.
 */
static long long
cron_next(const struct schedule *sc, long long t)
{
	struct tm	tm;
	time_t		s = (time_t)(t / 1000) + 60;
	time_t		limit = s + (time_t)8 * 366 * 24 * 3600;

	s -= s % 60;
	while (s < limit) {
		gmtime_r(&s, &tm);
		if (!((sc->month >> (tm.tm_mon + 1)) & 1)) {
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
			s = timegm(&tm);
			continue;
		}
		if (!day_ok(sc, &tm)) {
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
			s = timegm(&tm);
			continue;
		}
		if (!((sc->hour >> tm.tm_hour) & 1)) {
			s += 3600 - tm.tm_min * 60;
			continue;
		}
		if (!((sc->minute >> tm.tm_min) & 1)) {
			s += 60;
			continue;
		}
		return (long long)s * 1000;
	}
	return -1;
}

long long
schedule_next(const struct schedule *sc, long long t)
{
	if (sc->off || t < 0)
		return -1;
	if (sc->every_ms > 0)
		return (t / sc->every_ms + 1) * sc->every_ms;
	return cron_next(sc, t);
}
