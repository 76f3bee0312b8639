/*
 * Fuzz target: recurring task schedules (lib/core/schedule.c). A schedule
 * that parses must give slots strictly after the time asked about, and
 * interval slots must be multiples of the interval.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/schedule.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct schedule	 sc;
	char		 s[SCHEDULE_MAX_LEN + 2], err[128];
	long long	 t = 1700000000000LL, n;

	if (size > SCHEDULE_MAX_LEN + 1)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (schedule_parse(s, &sc, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if ((n = schedule_next(&sc, t)) == -1)
		return 0;
	if (n <= t || (sc.every_ms > 0 && n % sc.every_ms != 0) ||
	    (sc.every_ms == 0 && n % 60000 != 0))
		abort();
	return 0;
}
