/*
 * The clock of the test builds (see testclock.h). It defines every
 * symbol lib/core/clock.o does, so the linker takes it instead.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "testclock.h"

static _Atomic long long	frozen_ms;	/* 0: running */
static _Atomic long long	offset_ms;

/* The seconds in the file SHOP_TEST_CLOCK names, or 0. */
static long long
file_offset_ms(void)
{
	const char	*path = getenv("SHOP_TEST_CLOCK");
	char		 buf[32], *end;
	ssize_t		 n;
	long long	 v;
	int		 fd;

	if (path == NULL || *path == '\0' ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtoll(buf, &end, 10);
	return end != buf ? v * 1000 : 0;
}

long long
clock_now_ms(void)
{
	struct timespec	ts;
	long long	f = atomic_load(&frozen_ms);

	if (f != 0)
		return f + atomic_load(&offset_ms);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    atomic_load(&offset_ms) + file_offset_ms();
}

long long
clock_now(void)
{
	return clock_now_ms() / 1000;
}

void
testclock_freeze(long long ms)
{
	atomic_store(&offset_ms, 0);
	atomic_store(&frozen_ms, ms);
}

void
testclock_advance(long long ms)
{
	atomic_fetch_add(&offset_ms, ms);
}

void
testclock_thaw(void)
{
	atomic_store(&frozen_ms, 0);
	atomic_store(&offset_ms, 0);
}
