/*
 * Schedules of recurring tasks:
 *
 *   "every 30s", "every 10m", "every 2h", "every 1d"
 *	an interval; slots are multiples of it since the epoch, so every
 *	worker computes the same slots
 *   "cron M H DOM MON DOW"
 *	five cron fields in UTC: "*", numbers, ranges "a-b", lists "a,b"
 *	and steps "* /n" or "a-b/n"; DOW 0-7 with 0 and 7 Sunday; when
 *	both DOM and DOW are restricted either may match (as cron does)
 *   "off"
 *	never
 */
#ifndef SHOP_SCHEDULE_H
#define SHOP_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCHEDULE_MAX_LEN	128

struct schedule {
	bool		 off;
	long long	 every_ms;	/* interval schedules */
	uint64_t	 minute;	/* bit n: minute n allowed */
	uint32_t	 hour;
	uint32_t	 dom;		/* bits 1-31 */
	uint16_t	 month;		/* bits 1-12 */
	uint8_t		 dow;		/* bits 0-6 */
	bool		 dom_any, dow_any;
};

/*
 * Parse s into *out. Returns 0, or -1 with the reason in err (empty,
 * too long, unknown form, a field out of range, an interval of zero or
 * over a year).
 */
int		 schedule_parse(const char *s, struct schedule *out,
		    char *err, size_t errlen);

/*
 * The first slot strictly after t (unix ms), or -1 for "off" or when no
 * slot exists within eight years ("cron 0 0 31 2 *").
 */
long long	 schedule_next(const struct schedule *, long long t);

#endif
