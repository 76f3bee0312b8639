/*
 * Payments: applying what the gateway says (a webhook event, the success
 * page's look-up, reconcile's list) to orders through one idempotent path,
 * so the same fact applied twice, late or out of order changes nothing
 * twice (DESIGN.md, "Payments", 3-5).
 *
 * The functions marked "in a write" run inside the caller's db_begin():
 * a webhook stores its event and applies its effect in one transaction.
 */
#ifndef SHOP_PAYMENT_H
#define SHOP_PAYMENT_H

#include "shop/order.h"

struct arena;
struct db;
struct stripe_event;
struct stripe_session;

/* A Checkout Session as the gateway reported it. */
struct payment_fact {
	const char		*session_id;
	const char		*payment_intent;	/* may be NULL */
	long long		 amount;		/* amount_total */
	const char		*currency;		/* any case */
	long long		 order_id;		/* from metadata, 0 if none */
	const char		*order_token;		/* from metadata, or NULL */
	enum order_source	 source;
	const char		*ref;			/* event id, or NULL */
};

/*
 * The facts session s states (strings point into s): its order id is
 * the metadata's "order_id" when that is 1 to 18 decimal digits and
 * nothing else, else 0; its token the metadata's "order_token".
 */
void		 payment_session_fact(const struct stripe_session *s,
		    enum order_source, const char *ref, struct payment_fact *);

/*
 * The order a fact is about: by session id, else by the order id and
 * token of its metadata (both must match, so an id handed out twice can
 * never be confused). NULL if none. In a write or not.
 */
struct order	*payment_find_order(struct db *, struct arena *,
		    const struct payment_fact *);

/*
 * The session is paid (in a write): record the payment once, move the
 * order to paid, and say so in order_events. A cancelled order is paid
 * all the same (the money is real) and audited, its stock re-taken if it
 * can be. Amounts or currency that disagree with the order are audited and
 * not applied. The order's move is told on its own live channel and,
 * as a new paid order, on the back office's ("admin",
 * order_publish_paid()). *order_id gets the order's id when one matched.
 */
enum order_outcome payment_apply_paid(struct db *, struct arena *,
		    const struct payment_fact *, long long *order_id);

/*
 * The session completed but the money is still on its way (asynchronous
 * methods): keep the order pending and its stock held, and record the
 * payment intent, which tells that a payment is in flight (in a write).
 */
enum order_outcome payment_apply_processing(struct db *, struct arena *,
		    const struct payment_fact *, long long *order_id);

/*
 * The session expired, or its asynchronous payment failed (in a write):
 * cancel a pending order whose current session it is, and give its stock
 * back. Anything else (a paid order, an older attempt) is left alone.
 */
enum order_outcome payment_apply_void(struct db *, struct arena *,
		    const struct payment_fact *, const char *cause,
		    long long *order_id);

/*
 * A refund: refunded_total is the payment intent's whole amount refunded
 * so far, so a repeated or late event moves nothing twice (in a write).
 */
enum order_outcome payment_apply_refund(struct db *, struct arena *,
		    const char *payment_intent, long long refunded_total,
		    enum order_source, const char *ref, long long *order_id);

/*
 * Store a webhook event by its id (in a write). Returns its row id, 0 if
 * an event with this id was stored before (a duplicate: change nothing),
 * or -1 on error.
 */
long long	 payment_event_store(struct db *, const char *event_id,
		    const char *type, const char *session_id,
		    const char *payload);
/* Record what storing event row id led to (in a write). */
int		 payment_event_outcome(struct db *, long long row,
		    long long order_id, const char *outcome);

/*
 * Events stored as matching no order whose session now belongs to an
 * order (reconcile rebuilt or attached it) are marked "resolved" (own
 * write). Returns how many, or -1; *left (may be NULL) gets how many
 * still match nothing.
 */
long long	 payment_events_resolve(struct db *, long long *left);

/*
 * Apply a paid fact in a transaction of its own: what the success page,
 * reconcile and the release of expired holds do with a paid session. A
 * fact from reconcile that marks an order paid is also recorded in
 * audit_log ("repaired"): the gateway knew of a payment this database
 * did not. Returns the outcome (OUTCOME_ERROR on a database error, the
 * write rolled back).
 */
enum order_outcome payment_settle(struct db *, struct arena *,
		    const struct payment_fact *, long long *order_id);

/*
 * Apply a verified webhook event (in a write): a completed session that
 * is paid is payment_apply_paid(), one whose money is on its way
 * payment_apply_processing(); an asynchronous payment that succeeded is
 * paid, one that failed or a session that expired is
 * payment_apply_void(); a refunded charge is payment_apply_refund().
 * Any other event changes nothing (OUTCOME_IGNORED). *order_id gets the
 * order it was about, 0 if none.
 */
enum order_outcome payment_apply_event(struct db *, struct arena *,
		    const struct stripe_event *, long long *order_id);

/* What became of a webhook event handed to payment_receive_event(). */
enum payment_receipt {
	RECEIPT_APPLIED,	/* stored and applied; the outcome says how */
	RECEIPT_DUPLICATE,	/* stored before: nothing changed */
	RECEIPT_BUSY,		/* no write could begin: send it again */
	RECEIPT_FAILED,		/* not applied, rolled back: send it again */
	RECEIPT__MAX
};

extern const char *const payment_receipt_names[RECEIPT__MAX];

/*
 * Take in one verified webhook event, whose body is payload, in one
 * write transaction of its own: store it once by its id (with the
 * session it is about, for a checkout.session), apply it with
 * payment_apply_event() and record the outcome beside it, then commit.
 * Nothing of it is kept unless all of that commits, so an event answered
 * RECEIPT_BUSY or RECEIPT_FAILED can be sent again and applied then.
 * *out gets the outcome (OUTCOME_ERROR unless applied) and *order_id the
 * order (0 if none).
 */
enum payment_receipt payment_receive_event(struct db *, struct arena *,
		    const struct stripe_event *, const char *payload,
		    enum order_outcome *out, long long *order_id);

#endif
