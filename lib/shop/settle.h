/*
 * Settling orders with the payment gateway: what checkout, the success
 * page, reconcile and the expiry of holds do with lib/ext/stripe.h and the
 * order and payment domain (DESIGN.md, "Payments", 2, 4, 5, 6).
 *
 * Every function here calls the gateway, so none may be called inside a
 * database transaction; each writes in transactions of its own, before
 * and after its calls, never across one.
 */
#ifndef SHOP_SETTLE_H
#define SHOP_SETTLE_H

#include <stddef.h>

#include "shop/order.h"
#include "shop/payment.h"

struct actor;
struct arena;
struct buf;
struct config;
struct db;
struct stripe;
struct stripe_error;
struct stripe_session;

/*
 * A gateway client from the configuration (STRIPE_API_BASE and
 * STRIPE_SECRET_KEY), one per thread; NULL, logged, when payments are not
 * configured or the client cannot be made.
 */
struct stripe	*settle_client(const struct config *);

enum settle_result {
	SETTLE_OK,		/* *url is where to pay */
	SETTLE_PAID,		/* the order is paid (perhaps just now) */
	SETTLE_PROCESSING,	/* paid, the money is on its way */
	SETTLE_NOT_PAYABLE,	/* cancelled, or paid by an earlier record */
	SETTLE_GATEWAY,		/* the gateway failed; the order stays payable */
	SETTLE_BUSY,		/* another request is starting a payment */
	SETTLE_ERROR,		/* database error */
	SETTLE__MAX
};

extern const char *const settle_result_names[SETTLE__MAX];

/*
 * Where the customer pays for o: the order's open session when it has one
 * with time left, else a new one (the previous expired at the gateway
 * first, so an order never has two payable sessions). The session carries
 * the order's id in client_reference_id and its id, token and number in
 * metadata, and an Idempotency-Key "order-<id>-session-<attempt>" (with
 * the order's token after its id when the gateway has seen that key with
 * other parameters: a lost order's, whose id was handed out again).
 * *url is in the arena; err (may be NULL) gets the gateway's error.
 */
enum settle_result settle_start(struct db *, struct stripe *, struct arena *,
		    const struct config *, const struct order *o,
		    const char **url, struct stripe_error *err);

/*
 * The success page: ask the gateway about session_id and apply what it
 * says through the same path as webhooks. *order (may be NULL) gets the
 * order it is about.
 */
enum settle_result settle_session(struct db *, struct stripe *, struct arena *,
		    const char *session_id, struct order **order,
		    struct stripe_error *err);

struct settle_report {
	long long	 sessions;	/* sessions looked at */
	long long	 paid;		/* paid at the gateway */
	long long	 repaired;	/* paid there, marked paid here now */
	long long	 recovered;	/* missing here, rebuilt */
	long long	 processing;	/* money on its way */
	long long	 voided;	/* expired: cancelled, stock released */
	long long	 expired_now;	/* sessions expired by us at the gateway */
	long long	 released;	/* holds released without a session */
	long long	 attached;	/* sessions found for orders lacking one */
	long long	 unresolved;	/* events still matching no order */
	long long	 errors;
};

/*
 * Reconcile: list the sessions created at the gateway since the given
 * Unix time and repair every order that disagrees: paid there but not
 * here (marked paid; rebuilt first if the order is missing altogether),
 * expired there but still held here (cancelled, stock released), an open
 * session whose id never reached the order (attached). Each repair is
 * recorded in audit_log; a line per repair goes to out (may be NULL).
 * Returns 0, or -1 if the gateway could not be listed.
 */
int		 settle_reconcile(struct db *, struct stripe *, struct arena *,
		    long long since, struct settle_report *, struct buf *out);

/*
 * Release the holds of pending orders whose session expired before now:
 * each is checked with the gateway first (a paid one is settled, an open
 * one is expired there before anything is released). Returns 0, or -1 on
 * a database error.
 */
int		 settle_expire_holds(struct db *, struct stripe *, struct arena *,
		    long long now, struct settle_report *, struct buf *out);

/*
 * Cancel unpaid order id from the back office (order_cancel_by(), with
 * who in the admin log), so that it cannot be paid after: its open
 * session is expired at the gateway first, as the release of expired
 * holds does, outside any transaction; a session the customer paid (even
 * while this runs) is settled instead, and one whose money is on its way
 * is left so. The order is cancelled only when it still shows the
 * session that was expired; when the customer began paying again in
 * between, the new session is expired in turn (a few times at most).
 *
 * Returns SETTLE_OK when the cancel was tried, *act saying what came of
 * it (ACTION_DONE, ALREADY, REFUSED, NOT_FOUND, ...); SETTLE_PAID when
 * the gateway says the order is paid (it is now here, not cancelled);
 * SETTLE_PROCESSING when its payment is on its way (not cancelled);
 * SETTLE_GATEWAY when the gateway could not be asked or c is NULL
 * (nothing changed; err says why); SETTLE_BUSY when the order kept
 * moving; SETTLE_ERROR on a database error. *o (may be NULL) gets the
 * order as it is after, or NULL.
 */
enum settle_result settle_cancel(struct db *, struct stripe *, struct arena *,
		    long long id, const char *cause, const struct actor *who,
		    enum order_action *act, struct order **o,
		    struct stripe_error *err);

/* The stored paid facts of every paid session since a time, for audit. */
struct payment_fact *settle_paid_sessions(struct stripe *, struct arena *,
		    long long since, size_t *n, struct stripe_error *err);

#endif
