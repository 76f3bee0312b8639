/*
 * cache.db: rendered fragments and rate-limit counters.
 *
 * The cache is an optimisation and never a reason to fail a request: every
 * function here treats a missing database (NULL), a busy lock or any
 * SQLite error as a miss, logs it, and carries on. Writes wait at most
 * CACHE_LOCK_MS for the write lock.
 */
#ifndef SHOP_CACHE_H
#define SHOP_CACHE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct db;

#define CACHE_MAX_BYTES		(64 * 1024 * 1024)  /* whole cache */
#define CACHE_MAX_ENTRY		(512 * 1024)	    /* one entry */
#define CACHE_EVICT_BATCH	64		    /* entries per eviction */
#define CACHE_LOCK_MS		200

/*
 * Look key up. On a hit, *val (in the arena, NUL-terminated) and *len are
 * set and true is returned; expired entries are misses.
 */
bool	cache_get(struct db *, struct arena *, const char *key,
	    char **val, size_t *len);

/*
 * Store val under key for ttl seconds. An entry over CACHE_MAX_ENTRY is
 * not stored. When the cache holds more than max_bytes (0: CACHE_MAX_BYTES)
 * the oldest entries are evicted, a batch at a time, in the same write.
 * Returns true if stored.
 */
bool	cache_set(struct db *, const char *key, const void *val, size_t len,
	    int ttl, size_t max_bytes);
void	cache_delete(struct db *, const char *key);

/*
 * Delete expired entries, counters and forgotten throttles
 * (side/throttle.h), then the oldest entries until the
 * cache holds at most max_bytes. Returns the number of entries deleted,
 * or -1 on error. The worker runs it on a schedule.
 */
long	cache_evict(struct db *, size_t max_bytes);
/*
 * Delete every entry (rendered fragments), but not the counters and
 * throttles, which limit what clients may do. Returns the number
 * deleted, or -1.
 */
long	cache_clear(struct db *);
/* Bytes the entries hold, or -1. */
long long cache_bytes(struct db *);

/*
 * Rate-limit counters with a fixed window. counter_hit() adds one event
 * under key and returns the count in the current window (a new window of
 * window seconds starts when the last one has ended); counter_peek()
 * returns it without adding. *reset_in (may be NULL) gets the seconds
 * until the window ends. On any cache failure both return -1: a caller
 * that limits something must refuse it then (fail closed).
 */
long	counter_hit(struct db *, const char *key, int window, int *reset_in);
long	counter_peek(struct db *, const char *key, int *reset_in);
void	counter_clear(struct db *, const char *key);

#endif
