/*
 * Throttles: failures counted under a key in cache.db (an account, a
 * client address, a device), with a wait before the next attempt that
 * doubles with each failure past a free allowance (exponential backoff).
 *
 * A rule says how many failures are free, the first wait, the longest,
 * and how long after its last failure a key is forgotten. With n
 * failures remembered the next attempt waits 0 while n < free, else
 * base * 2^(n - free) seconds from the last failure, at most max.
 *
 * Unlike the cache, a throttle fails closed: every function returns -1
 * when cache.db cannot be read or written (missing, busy past
 * THROTTLE_LOCK_MS, an error), logged, and the caller refuses the attempt
 * it guards rather than let it through unthrottled.
 */
#ifndef SHOP_THROTTLE_H
#define SHOP_THROTTLE_H

struct db;

#define THROTTLE_LOCK_MS	2000
#define THROTTLE_KEY_MAX	400	/* bytes of a key */

struct throttle_rule {
	int	free;		/* failures before any wait */
	int	base;		/* seconds of the first wait */
	int	max;		/* seconds of the longest wait */
	int	memory;		/* seconds a key is kept after its last failure */
};

/* Seconds before key may be tried again (0: now), or -1. */
int	throttle_wait(struct db *, const char *key);

/*
 * Count a failure under key by rule (own write). Returns the wait it
 * imposes now (0 while free), or -1.
 */
int	throttle_fail(struct db *, const char *key,
	    const struct throttle_rule *);

/* Forget key's failures (own write): 0, or -1. */
int	throttle_clear(struct db *, const char *key);

/*
 * The wait rule gives after failures failures: 0 below rule->free, then
 * base doubled per failure, at most max. Pure, for tests.
 */
int	throttle_backoff(const struct throttle_rule *, long failures);

#endif
