/*
 * Dates for people: the UTC timestamps the databases keep
 * ("2026-12-03T11:43:19Z") shown in the shop's time zone (SHOP_TIMEZONE)
 * and in the words and order of its locale (SHOP_LOCALE): "3 December
 * 2026, 12:43 CET" in en-GB, "3 décembre 2026 à 12:43 CET" in fr-FR.
 */
#ifndef SHOP_DATEFMT_H
#define SHOP_DATEFMT_H

#include <stdbool.h>
#include <time.h>

struct arena;

enum datefmt_locale {
	DATEFMT_EN_GB,
	DATEFMT_EN_US,
	DATEFMT_FR_FR,
	DATEFMT_DE_DE,
	DATEFMT__MAX
};

/* "en-GB", "en-US", "fr-FR", "de-DE": the values SHOP_LOCALE takes. */
extern const char *const datefmt_locale_names[DATEFMT__MAX];

enum datefmt_style {
	DATEFMT_LONG,		/* date and time: "3 December 2026, 12:43 CET" */
	DATEFMT_SHORT,		/* date: "3 Dec 2026" */
	DATEFMT_STYLE__MAX
};

/* The locale named (exactly, as in the table) into *out: true, else false. */
bool		 datefmt_locale(const char *name, enum datefmt_locale *out);

/*
 * Whether name is a time zone of the system's database: a relative path
 * of letters, digits and "/_+-" (no "..") to a file under TZDIR or
 * /usr/share/zoneinfo, or "UTC".
 */
bool		 datefmt_zone_known(const char *name);

/*
 * Make name (datefmt_zone_known()) the process's time zone, which
 * datefmt_format() shows: sets TZ and calls tzset(). Once, at start-up,
 * before any thread: the zone is process state. Returns 0, or -1 when
 * the zone is not known (nothing changed).
 */
int		 datefmt_zone_set(const char *name);

/*
 * The timestamp iso ("YYYY-MM-DDTHH:MM:SSZ", UTC) into *t: 0, or -1 when
 * it is not one (wrong shape, a field out of range, before 1970).
 */
int		 datefmt_parse(const char *iso, time_t *t);

/*
 * The timestamp iso in the process's time zone, written as locale and
 * style say, in the arena; NULL when iso is not a timestamp.
 */
char		*datefmt_format(struct arena *, const char *iso,
		    enum datefmt_locale, enum datefmt_style);

#endif
