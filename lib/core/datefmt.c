/*
 * Dates for people (datefmt.h). Month names are the module's own, not
 * the C library's locales, which a server seldom has installed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/arena.h"
#include "core/datefmt.h"

#define ZONE_MAX	64	/* "America/Argentina/ComodRivadavia" fits */

const char *const datefmt_locale_names[DATEFMT__MAX] = {
	"en-GB",
	"en-US",
	"fr-FR",
	"de-DE",
};

static const char *const months[DATEFMT__MAX][12] = {
	{ "January", "February", "March", "April", "May", "June", "July",
	  "August", "September", "October", "November", "December" },
	{ "January", "February", "March", "April", "May", "June", "July",
	  "August", "September", "October", "November", "December" },
	{ "janvier", "f\xc3\xa9vrier", "mars", "avril", "mai", "juin",
	  "juillet", "ao\xc3\xbbt", "septembre", "octobre", "novembre",
	  "d\xc3\xa9" "cembre" },
	{ "Januar", "Februar", "M\xc3\xa4rz", "April", "Mai", "Juni", "Juli",
	  "August", "September", "Oktober", "November", "Dezember" },
};

/* Short month names, with their full stop where the locale writes one. */
static const char *const months_short[DATEFMT__MAX][12] = {
	{ "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept",
	  "Oct", "Nov", "Dec" },
	{ "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
	  "Oct", "Nov", "Dec" },
	{ "janv.", "f\xc3\xa9vr.", "mars", "avr.", "mai", "juin", "juil.",
	  "ao\xc3\xbbt", "sept.", "oct.", "nov.", "d\xc3\xa9" "c." },
	{ "Jan.", "Feb.", "M\xc3\xa4rz", "Apr.", "Mai", "Juni", "Juli",
	  "Aug.", "Sept.", "Okt.", "Nov.", "Dez." },
};

bool
datefmt_locale(const char *name, enum datefmt_locale *out)
{
	int	i;

	for (i = 0; name != NULL && i < DATEFMT__MAX; i++)
		if (strcmp(name, datefmt_locale_names[i]) == 0) {
			*out = (enum datefmt_locale)i;
			return true;
		}
	return false;
}

bool
datefmt_zone_known(const char *name)
{
	const char	*dir = getenv("TZDIR"), *p;
	char		 path[1024];
	struct stat	 st;
	size_t		 len;

	if (name == NULL || (len = strlen(name)) == 0 || len > ZONE_MAX)
		return false;
	if (strcmp(name, "UTC") == 0)
		return true;
	if (name[0] == '/' || name[0] == '-' || strstr(name, "..") != NULL)
		return false;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("/_+-", *p) != NULL))
			return false;
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
datefmt_zone_set(const char *name)
{
	char	tz[ZONE_MAX + 2];

	if (!datefmt_zone_known(name))
		return -1;
	/* ":Europe/Paris": a file of the database, never a POSIX rule. */
	snprintf(tz, sizeof(tz), ":%s", name);
	if (setenv("TZ", tz, 1) != 0)
		return -1;
	tzset();
	return 0;
}

/* The n digits at s as a number, or -1 when one is not a digit. */
static int
digits(const char *s, int n)
{
	int	v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

int
datefmt_parse(const char *iso, time_t *t)
{
	static const int mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm	tm;
	int		y, mo, d, h, mi, s;

	if (iso == NULL || strlen(iso) != 20 || iso[4] != '-' ||
	    iso[7] != '-' || iso[10] != 'T' || iso[13] != ':' ||
	    iso[16] != ':' || iso[19] != 'Z')
		return -1;
	y = digits(iso, 4);
	mo = digits(iso + 5, 2);
	d = digits(iso + 8, 2);
	h = digits(iso + 11, 2);
	mi = digits(iso + 14, 2);
	s = digits(iso + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*t = timegm(&tm);
	return 0;
}

char *
datefmt_format(struct arena *a, const char *iso, enum datefmt_locale loc,
    enum datefmt_style style)
{
	struct tm	 tm;
	time_t		 t;
	const char	*m, *zone;
	int		 h12;

	if (datefmt_parse(iso, &t) != 0 || localtime_r(&t, &tm) == NULL)
		return NULL;
	if ((unsigned)loc >= DATEFMT__MAX)
		loc = DATEFMT_EN_GB;
	m = style == DATEFMT_SHORT ? months_short[loc][tm.tm_mon] :
	    months[loc][tm.tm_mon];
	if (style == DATEFMT_SHORT)
		switch (loc) {
		case DATEFMT_EN_US:
			return arena_printf(a, "%s %d, %d", m, tm.tm_mday,
			    tm.tm_year + 1900);
		case DATEFMT_DE_DE:
			return arena_printf(a, "%d. %s %d", tm.tm_mday, m,
			    tm.tm_year + 1900);
		default:
			return arena_printf(a, "%d %s %d", tm.tm_mday, m,
			    tm.tm_year + 1900);
		}
	zone = tm.tm_zone != NULL && tm.tm_zone[0] != '\0' ? tm.tm_zone :
	    "UTC";
	switch (loc) {
	case DATEFMT_EN_US:
		h12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
		return arena_printf(a, "%s %d, %d, %d:%02d %s %s", m,
		    tm.tm_mday, tm.tm_year + 1900, h12, tm.tm_min,
		    tm.tm_hour < 12 ? "AM" : "PM", zone);
	case DATEFMT_FR_FR:
		return arena_printf(a, "%d %s %d \xc3\xa0 %02d:%02d %s",
		    tm.tm_mday, m, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		    zone);
	case DATEFMT_DE_DE:
		return arena_printf(a, "%d. %s %d, %02d:%02d %s", tm.tm_mday,
		    m, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, zone);
	default:
		return arena_printf(a, "%d %s %d, %02d:%02d %s", tm.tm_mday,
		    m, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, zone);
	}
}
