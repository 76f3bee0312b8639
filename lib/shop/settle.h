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
 * Ask the gateway about session_id and apply what it says through the
 * same path as webhooks. *order (may be NULL) gets the order it is about.
 * For anyone's session: what calls it decides who may learn the answer.
 */
enum settle_result settle_session(struct db *, struct stripe *, struct arena *,
		    const char *session_id, struct order **order,
		    struct stripe_error *err);

/* Who is back on the success page: what order_is_theirs() is asked. */
struct settle_asker {
	long long	 session_row;	/* sessions.id; 0: no session */
	long long	 user_id;	/* the signed-in customer; 0: none */
};

/*
 * Calls the success page makes to the gateway for one session, in a
 * window at most. A session is the client here: only its own orders can
 * make it ask at all. (An address would be a worse one: behind a proxy
 * every customer has the proxy's.)
 */
#define SETTLE_SUCCESS_PER_SESSION	20
#define SETTLE_SUCCESS_WINDOW		60	/* seconds */
/* How long one such call may take, all attempts included. */
#define SETTLE_SUCCESS_DEADLINE_MS	3000
/* Seconds an answer about an order stands before it is asked again. */
#define SETTLE_SUCCESS_GAP		2

/*
 * The success page (DESIGN.md, "Payments", 4): the order whose payment
 * session_id is, when it is who's (order_is_theirs()); *order gets it
 * (arena), read again after the gateway answered. Anyone else gets NULL
 * exactly as for a session id never seen here, and nothing is asked of
 * the gateway for them: a session id alone shows no order.
 *
 * While the order waits for its payment the gateway is asked about the
 * session and what it says applied as settle_session() does, within
 * SETTLE_SUCCESS_DEADLINE_MS; but only by one request at a time for an
 * order (db_claim() on the order's id: two processes never ask at once,
 * and a process killed while asking lets go), not again within
 * SETTLE_SUCCESS_GAP seconds of the last answer, and no more than
 * SETTLE_SUCCESS_PER_SESSION times a window per session (the answer's
 * time and the counter are kept in cache, the cache database). Beyond that the order is shown as this database has it
 * (SETTLE_BUSY): the webhook settles it, and its page follows.
 * Returns what settle_session() does when the gateway was asked,
 * SETTLE_OK when there was no need (the order is settled already), or
 * SETTLE_ERROR on a database error.
 */
enum settle_result settle_success(struct db *, struct db *cache,
		    struct stripe *, struct arena *,
		    const struct settle_asker *who, const char *session_id,
		    struct order **order, struct stripe_error *err);

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
 * Last, paid orders without their invoice (paid by a program older than
 * invoices, during a deploy) get it (invoice_issue_missing()).
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
