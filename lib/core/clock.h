/*
 * The time of day, for everything whose meaning depends on it: expiry,
 * leases, backoff, throttles, the dates on orders and mail. Nothing in
 * the library or the programs reads the wall clock any other way (log
 * lines aside, which tell real time).
 *
 * This file's object defines exactly these functions, so a test build
 * links its own in its place (tests/seams/clock.c) and sets the time
 * instead of waiting for it to pass. Durations and timeouts are measured
 * on CLOCK_MONOTONIC, which no test needs to move.
 */
#ifndef SHOP_CLOCK_H
#define SHOP_CLOCK_H

/* Seconds since the Unix epoch. */
long long	 clock_now(void);

/* Milliseconds since the Unix epoch. */
long long	 clock_now_ms(void);

#endif
