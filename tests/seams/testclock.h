/*
 * The clock of the test builds (tests/seams/clock.c), in place of
 * lib/core/clock.c: real time moved by an offset, or stopped.
 *
 * Unit tests set it directly. A program of the test build also adds the
 * whole seconds written in the file SHOP_TEST_CLOCK names (read at every
 * call), so a test moves time forward for processes already running by
 * writing that file, instead of sleeping.
 */
#ifndef SHOP_TESTCLOCK_H
#define SHOP_TESTCLOCK_H

/* Stop the clock at ms since the epoch; it stays there until moved. */
void	testclock_freeze(long long ms);
/* Move the clock forward (or back) by ms, stopped or running. */
void	testclock_advance(long long ms);
/* Back to real time, with no offset. */
void	testclock_thaw(void);

#endif
