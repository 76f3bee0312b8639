/*
 * Refunds the merchant issues through the gateway (DESIGN.md,
 * "Payments"), so that a double click, a retry, a second generation of
 * the programs or a lost answer never refunds twice.
 *
 * The flow is split so that no transaction spans the gateway call:
 *
 *   refund_request()  one write: the order must hold money; the amount
 *                     (all that is left, an amount, or order lines at
 *                     their snapshot prices with the order's tax) must
 *                     not pass what is left, counting refunds requested
 *                     or succeeded; the row is inserted, requested. Its
 *                     id names the Idempotency-Key,
 *                     "order-<order id>-<order token>-refund-<id>".
 *   refund_send()     no transaction: the gateway is asked with that key
 *                     and parameters that come from the row alone.
 *   refund_record()   one write: succeeded (the order moved to refunded
 *                     or partially_refunded, lines restocked if asked,
 *                     the customer's mail queued) or failed (nothing
 *                     else changed); or left requested when the outcome
 *                     is not known, for refund_retry_pending().
 *
 * refund_issue() does the three. The charge.refunded webhook, applied by
 * payment_apply_refund() with the gateway's running total, and
 * refund_record() both only ever raise the order's amount_refunded to a
 * total the gateway stated, so the webhook before, after or twice moves
 * nothing twice; the restock and the mail belong to the refund's one
 * move from requested to succeeded.
 */
#ifndef SHOP_REFUND_H
#define SHOP_REFUND_H

#include <stdbool.h>
#include <stddef.h>

struct actor;
struct arena;
struct buf;
struct db;
struct gateway_refund;
struct stripe;
struct stripe_error;

enum refund_state {
	REFUND_STATE_REQUESTED,
	REFUND_STATE_SUCCEEDED,
	REFUND_STATE_FAILED,
	REFUND_STATE__MAX
};

extern const char *const refund_state_names[REFUND_STATE__MAX];

/* Stripe's reasons for a refund. */
enum refund_reason {
	REFUND_REASON_NONE,
	REFUND_REASON_CUSTOMER,
	REFUND_REASON_DUPLICATE,
	REFUND_REASON_FRAUDULENT,
	REFUND_REASON__MAX
};

extern const char *const refund_reason_names[REFUND_REASON__MAX]; /* "" first */
enum refund_reason refund_reason_from_name(const char *);	/* __MAX if none */

enum refund_result {
	REFUND_OK,		/* requested; after the gateway: succeeded */
	REFUND_NO_ORDER,	/* no such order */
	REFUND_NOT_PAID,	/* not paid, fulfilled or partly refunded */
	REFUND_NOTHING_LEFT,	/* all that was paid is refunded or asked */
	REFUND_TOO_MUCH,	/* more than is left to refund */
	REFUND_BAD_AMOUNT,	/* below 1, or an amount beside lines */
	REFUND_BAD_LINE,	/* not the order's, repeated, too many units */
	REFUND_SHIPPING_DONE,	/* the shipping is refunded or asked already */
	REFUND_PENDING,		/* asked; the answer is not known: retried */
	REFUND_FAILED,		/* the gateway refused: nothing was refunded */
	REFUND_ERROR,		/* database error or lock timeout */
	REFUND__MAX
};

extern const char *const refund_result_names[REFUND__MAX];
extern const char *const refund_result_msgs[REFUND__MAX];	/* for people */

/* Units of an order line (order_lines.id) to refund. */
struct refund_line_input {
	long long	 order_line_id;
	long long	 quantity;
	bool		 restock;	/* back into stock when it succeeds */
};

struct refund_input {
	long long			 order_id;
	/* > 0: this amount; 0: the lines (and shipping), or all left. */
	long long			 amount;
	const struct refund_line_input	*lines;
	size_t				 nlines;
	bool				 shipping;	/* the order's shipping too */
	enum refund_reason		 reason;
	const char			*actor;	/* "admin:<email>", "shopctl" */
	/*
	 * The back office's account (NULL: none): the request, and the
	 * outcome refund_issue() records, go to the admin log in their
	 * own writes (adminlog.h).
	 */
	const struct actor		*who;
};

struct refund_line {
	long long	 order_line_id;
	long long	 variant_id;	/* 0: the variant is gone */
	char		*name;		/* "Product (Variant)" */
	long long	 quantity;
	long long	 amount;	/* with tax when it is added to prices */
	long long	 tax;		/* the tax in amount, or added to it */
	bool		 restock;
};

struct refund {
	long long		 id;
	long long		 order_id;
	char			*order_number;
	char			*order_token;
	long long		 amount;
	char			*currency;
	long long		 shipping;	/* the part that is shipping */
	enum refund_reason	 reason;
	enum refund_state	 state;
	char			*payment_intent;
	char			*idempotency_key;
	char			*gateway_id;	/* "" until the gateway names it */
	char			*error;		/* "" unless it failed or waits */
	char			*actor;
	char			*created_at, *updated_at;
	struct refund_line	*lines;
	size_t			 nlines;
};

/* What an order line has left to refund. */
struct refund_line_left {
	long long	 order_line_id;
	long long	 variant_id;
	char		*name;
	long long	 unit_price;
	long long	 quantity;	/* bought */
	long long	 left;		/* not refunded nor asked */
};

/*
 * What is left to refund of order id: *amount the money (paid, less what
 * the gateway said is refunded and what is asked), and its lines with
 * their units left (arena; *n their count). NULL on error or when no such
 * order; in a write or not.
 */
struct refund_line_left *refund_left(struct db *, struct arena *,
		    long long order_id, long long *amount, size_t *n);

/*
 * Step a, in a write of its own: check in, compute the amount and insert
 * the refund, requested, with its lines, and an audit_log line (a change
 * in the back office); with in->who, an admin log entry too
 * ("order.refund": before the order's {"state", "amount_paid",
 * "amount_refunded", "left"}, after the refund's {"refund_id", "amount",
 * "shipping", "reason", "state", "lines"}). *out (may be NULL) gets it
 * (arena). Anything but REFUND_OK writes nothing.
 */
enum refund_result refund_request(struct db *, struct arena *,
		    const struct refund_input *in, struct refund **out);

/* What the gateway answered to a refund's request. */
enum refund_answer_kind {
	REFUND_ANSWER_REFUNDED,	/* the money went back */
	REFUND_ANSWER_WAITING,	/* the gateway has it, not done yet */
	REFUND_ANSWER_REFUSED,	/* nothing was or will be refunded */
	REFUND_ANSWER_UNKNOWN,	/* no answer: it may have been done */
	REFUND_ANSWER__MAX
};

extern const char *const refund_answer_names[REFUND_ANSWER__MAX];

struct refund_answer {
	enum refund_answer_kind	 kind;
	const char		*gateway_id;	/* re_..., or NULL */
	long long		 amount;	/* as the gateway refunded it */
	/* The payment intent's refunds in all at the gateway, after this
	 * one; -1 when it could not be listed. */
	long long		 gateway_total;
	const char		*error;		/* why, unless refunded */
};

/*
 * Step b, never in a transaction: ask the gateway for r (a refund still
 * requested) with its Idempotency-Key; or, when the gateway named it
 * already but had not finished, ask after it. *ans (strings in the
 * arena) says what came of it.
 */
void		 refund_send(struct stripe *, struct arena *,
		    const struct refund *r, struct refund_answer *ans);

/*
 * Step c, in a write of its own: what ans says of refund id. Succeeded:
 * the refund is marked so with the gateway's id, the order's refunded
 * total raised to what the gateway stated (moving it through the state
 * machine, with its order_events row), its lines restocked if asked, and
 * the "refund issued" mail queued through the outbox; all of it once, on
 * the one move from requested. Refused: marked failed with the error.
 * Unknown or waiting: left requested, the error kept for the operator.
 * Returns REFUND_OK (succeeded, now or before), REFUND_PENDING,
 * REFUND_FAILED or REFUND_ERROR; *out (may be NULL) gets the refund.
 */
enum refund_result refund_record(struct db *, struct arena *, long long id,
		    const struct refund_answer *ans, struct refund **out);

/*
 * The three steps for in. Returns what refund_request() refused, or what
 * refund_record() returned; *out (may be NULL) gets the refund once one
 * was requested. With in->who, the record of a refund that succeeded or
 * failed writes an admin log entry in its write too ("order.refund_result":
 * before {"refund_id", "refund_state", "state", "amount_refunded"} as
 * they were, after as they are).
 */
enum refund_result refund_issue(struct db *, struct stripe *, struct arena *,
		    const struct refund_input *in, struct refund **out);

/* A refund by id, with its lines; NULL if none or on error. */
struct refund	*refund_by_id(struct db *, struct arena *, long long id);

/* An order's refunds, oldest first, with their lines; *n the count. */
struct refund	*refunds_of_order(struct db *, struct arena *,
		    long long order_id, size_t *n);

/*
 * A refund asked this many seconds ago without a known outcome is asked
 * again: well past a request's deadline (STRIPE_DEADLINE_MS), so a retry
 * does not race the first try, which would be harmless but confusing.
 */
#define REFUND_RETRY_AFTER	60

struct refund_report {
	long long	 pending;	/* requested refunds looked at */
	long long	 succeeded;	/* completed now */
	long long	 failed;	/* refused by the gateway */
	long long	 waiting;	/* still without a known outcome */
	long long	 errors;	/* database errors */
};

/*
 * Complete the refunds left requested since before (Unix time) or
 * earlier: a process killed between steps a and c, an answer lost. Each
 * is asked of the gateway again with its own key, which cannot refund
 * twice, and recorded; a pass takes the oldest few and stops early when
 * the gateway does not answer. A line per refund completed or failed
 * goes to out (may be NULL). Returns 0, or -1 on a database error.
 */
int		 refund_retry_pending(struct db *, struct stripe *,
		    struct arena *, long long before, struct refund_report *,
		    struct buf *out);

/*
 * The gateway's refunds created since a Unix time, every page, for the
 * audit (audit.h; arena, *n the count). NULL with err filled when the
 * gateway could not be listed. Never in a transaction.
 */
struct gateway_refund *refund_gateway_list(struct stripe *, struct arena *,
		    long long since, size_t *n, struct stripe_error *err);

#endif
