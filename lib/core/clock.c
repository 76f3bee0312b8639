/*
 * The wall clock (see clock.h).
 */
#include <time.h>

#include "core/clock.h"

long long
clock_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
clock_now(void)
{
	return clock_now_ms() / 1000;
}
