/*
 * The reminder of an unpaid order: once an order placed SHOP_REMINDER_AFTER
 * seconds ago still waits for its payment and is still within its
 * payment window (its stock held, reserved_until ahead), its customer is
 * mailed once with the link to pay for it, the order's page. No reminder
 * is ever sent for an order whose window ends before the reminder is
 * due: set SHOP_PAYMENT_WINDOW above SHOP_REMINDER_AFTER for them.
 */
#ifndef SHOP_REMINDER_H
#define SHOP_REMINDER_H

struct arena;
struct db;

/* Orders reminded in one write, at most. */
#define REMINDER_BATCH	100

/*
 * Queue the reminder (the "payment_reminder" mail) of each pending order
 * created at least after seconds before now (Unix time) whose hold runs
 * past now and whose payment is not on its way, and mark it reminded, in
 * writes of their own of REMINDER_BATCH orders at most. after <= 0 does
 * nothing. Returns how many were reminded, or -1 on a database error.
 */
long long	 reminder_send_due(struct db *, struct arena *, long long now,
		    long long after);

#endif
