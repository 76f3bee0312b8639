/*
 * Orders: creation with stock reserved, the state machine, and every
 * change recorded with its cause (DESIGN.md, "Payments").
 *
 * The state machine only moves forward:
 *
 *   pending_payment -> paid -> fulfilled
 *   pending_payment -> cancelled              (expired, payment failed)
 *   paid | fulfilled | partially_refunded -> partially_refunded | refunded
 *   cancelled -> paid                         (money arrived after all:
 *                                              kept, never lost, audited)
 *
 * Functions marked "in a write" must be called between db_begin() and
 * db_commit() of the caller, so that an event, its effect and its record
 * commit together; they never commit themselves.
 */
#ifndef SHOP_ORDER_H
#define SHOP_ORDER_H

#include <stdbool.h>
#include <stddef.h>

#include "shop/pricing.h"

struct actor;
struct arena;
struct db;

enum order_state {
	ORDER_PENDING,
	ORDER_PAID,
	ORDER_FULFILLED,
	ORDER_CANCELLED,
	ORDER_REFUNDED,
	ORDER_PARTIALLY_REFUNDED,
	ORDER_STATE__MAX
};

extern const char *const order_state_names[ORDER_STATE__MAX];	/* in the db */
extern const char *const order_state_labels[ORDER_STATE__MAX];	/* for people */

enum order_source {
	SOURCE_CHECKOUT,
	SOURCE_WEBHOOK,
	SOURCE_SUCCESS_PAGE,
	SOURCE_RECONCILE,
	SOURCE_EXPIRY,
	SOURCE_ADMIN,
	SOURCE__MAX
};

extern const char *const order_source_names[SOURCE__MAX];

/* What happened when an event or fact was applied. */
enum order_outcome {
	OUTCOME_APPLIED,	/* the order moved */
	OUTCOME_ALREADY,	/* it was already so: nothing changed */
	OUTCOME_IGNORED,	/* would move backwards, or no effect */
	OUTCOME_UNKNOWN_ORDER,	/* no order matches */
	OUTCOME_MISMATCH,	/* amount or currency disagree: not applied */
	OUTCOME_ERROR,		/* database error: roll back */
	OUTCOME__MAX
};

extern const char *const order_outcome_names[OUTCOME__MAX];

struct address {
	char	*name;
	char	*line1;
	char	*line2;
	char	*city;
	char	*postcode;
	char	*country;	/* ISO 3166-1 alpha-2 */
};

struct order_line {
	long long	 variant_id;
	char		*product_name;
	char		*variant_title;
	char		*sku;
	long long	 unit_price;
	long long	 quantity;
	long long	 line_total;	/* unit_price x quantity */
	long long	 discount;	/* its share of the order's discount */
	long long	 tax;		/* on line_total - discount */
};

/*
 * subtotal is the sum of the lines, before the discount (the orders
 * table keeps subtotal - discount, sql/primary/0110): total is subtotal
 * - discount + shipping (+ tax when it is added).
 */
struct order {
	long long		 id;
	char			*number;
	char			*token;
	enum order_state	 state;
	char			*email;
	long long		 user_id;	/* 0: guest */
	char			*currency;
	long long		 subtotal, shipping, tax, total;
	char			*tax_name;
	int			 tax_rate_bp;
	bool			 tax_inclusive;
	char			*shipping_code, *shipping_name;
	char			*discount_code;	/* "" when none */
	char			*discount_kind;	/* discount_kind_names, or "" */
	long long		 discount;	/* off the subtotal */
	long long		 shipping_discount; /* shipping waived */
	struct address		 ship;
	int			 payment_attempt;
	char			*session_id;	/* "" when none yet */
	char			*session_url;
	char			*payment_intent;
	long long		 amount_paid, amount_refunded;
	long long		 reserved_until;
	bool			 stock_held;
	bool			 recovered;
	char			*created_at, *paid_at;
	/* sessions.id of the browser that placed it; 0: none (that session
	   ended, or the order came from elsewhere: recovered, or placed by
	   a program before migration 0080) */
	long long		 placed_by;
	struct order_line	*lines;
	size_t			 nlines;
};

struct order_input {
	const char		*email;
	long long		 user_id;
	long long		 session_row;	/* sessions.id placing it; 0: none */
	/* Repeated posts: one order, found again only by the session that
	   placed it or its signed-in customer. */
	const char		*checkout_key;
	struct address		 ship;
	const char		*shipping_code;
	/* A discount code (NULL or "": none), checked in the write. */
	const char		*discount_code;
	const long long		*variant_ids;
	const long long		*quantities;
	size_t			 nlines;
	int			 hold_seconds;	/* how long stock is held */
	/* Run in the creating write, after the order (may be NULL). */
	int			(*in_write)(struct db *, void *);
	void			*in_write_arg;
};

enum order_create_result {
	CREATE_OK,		/* a new order, stock reserved */
	CREATE_EXISTS,		/* the checkout key already made this order */
	CREATE_FOREIGN,		/* the key made another browser's order */
	CREATE_REFUSED,		/* the quote has a problem: see q->problem */
	CREATE_ERROR,		/* database error or lock timeout */
	CREATE__MAX
};

/*
 * Create an order from in, in one write transaction of its own: quote
 * again at current prices, insert the order and its line snapshot, and
 * reserve each line's stock with a conditional update, so stock can never
 * go below zero and the last units go to exactly as many orders as there
 * are units. *out is the order (arena); q (may be NULL) the quote, with
 * the reason when refused.
 *
 * A discount code is found and checked (discount_check()) in the same
 * write, its use recorded there: a code refused gives CREATE_REFUSED
 * with q->problem QUOTE_DISCOUNT and q->discount_problem why. The use is
 * given back when the order is cancelled or expires unpaid (any move to
 * cancelled, order_move()), and taken again if it is paid after all.
 *
 * A checkout key that already made an order gives that order back
 * (CREATE_EXISTS) only when order_is_theirs() for in's session and
 * customer; else nothing is written and *out stays NULL (CREATE_FOREIGN):
 * a key replayed from another browser learns nothing of the order.
 */
enum order_create_result order_create(struct db *, struct arena *,
		    const struct order_input *in, struct order **out,
		    struct quote *q);

/*
 * Whether o belongs to the browser whose session row is session_row or to
 * the signed-in customer user_id (either 0: none): the session placed it,
 * or it is the customer's order. What only they may see of it (the order
 * found again by a checkout key or a payment's success link) is shown on
 * this alone.
 */
bool		 order_is_theirs(const struct order *o, long long session_row,
		    long long user_id);

/* Lookups; NULL if none or on error. Lines are loaded too. */
struct order	*order_by_id(struct db *, struct arena *, long long id);
struct order	*order_by_token(struct db *, struct arena *, const char *);
struct order	*order_by_session(struct db *, struct arena *, const char *);
struct order	*order_by_payment_intent(struct db *, struct arena *,
		    const char *);

/*
 * Orders of a customer, newest first, without lines; *n gets the count.
 */
struct order	*orders_of_user(struct db *, struct arena *, long long user_id,
		    size_t limit, size_t *n);

/*
 * The id of the order numbered number ("SF-000042") into *id: returns 1,
 * 0 when no order has that number, -1 on error.
 */
int		 order_id_by_number(struct db *, const char *number,
		    long long *id);

/*
 * The newest orders first, without lines, at most limit (at least 1);
 * of one state unless state is ORDER_STATE__MAX. *n gets the count (0:
 * none). NULL on error.
 */
struct order	*orders_list(struct db *, struct arena *, enum order_state,
		    size_t limit, size_t *n);

/* One move of an order, as order_events records it. */
struct order_event {
	char	*created_at;	/* "2026-01-02T03:04:05Z" */
	char	*from_state;	/* "" when the order was made */
	char	*to_state;
	char	*source;	/* order_source_names */
	char	*cause;
	char	*ref;		/* "" when none */
};

/*
 * The history of order id, oldest first, into the arena; *n gets the
 * count (0: none). NULL on error.
 */
struct order_event *order_events(struct db *, struct arena *, long long id,
		    size_t *n);

/*
 * The orders the browser of session_row placed that still wait for their
 * payment with their stock held after now, newest first, without lines:
 * what its cart and checkout pages offer to pay (a checkout cut off
 * before the gateway answered leaves one). *n gets the count; NULL when
 * there are none or on error.
 */
struct order	*orders_pending_of_session(struct db *, struct arena *,
		    long long session_row, long long now, size_t limit,
		    size_t *n);

/*
 * Pending orders whose hold ended before now; ids into the arena. The
 * expiry job checks each with the gateway before releasing anything.
 */
long long	*orders_overdue(struct db *, struct arena *, long long now,
		    size_t limit, size_t *n);

/* Whether from -> to is a move the state machine allows. */
bool		 order_transition_ok(enum order_state from, enum order_state to);
enum order_state order_state_from_name(const char *);

/*
 * Begin a payment attempt (own write) and return its number, from which
 * the gateway's Idempotency-Key is derived; *expires_at gets when its
 * session must expire, and the stock is held until then. When the last
 * attempt never recorded a session (its answer was lost), the same
 * attempt and expiry are returned, so a retry with the same key finds the
 * session it may have made instead of opening a second payable one;
 * unless that attempt expires within 60 s, when a new one begins.
 *
 * seen is the session id the caller found on the order ("" for none) and
 * judged unusable. Another request may have recorded a session since the
 * caller read the order (two tabs, a double click): then nothing begins
 * and ORDER_ATTEMPT_CHANGED is returned, for the caller to look at the
 * order again, since beginning an attempt here would leave two payable
 * sessions for one order.
 * Returns -1 when the order is not pending (*state says what it is) or
 * on error (*state is ORDER_STATE__MAX).
 */
#define ORDER_ATTEMPT_CHANGED	(-2)
int		 order_begin_attempt(struct db *, long long id, const char *seen,
		    int window, long long *expires_at, enum order_state *state);

/*
 * Give up attempt n, which never recorded a session, and begin the next
 * (own write), as order_begin_attempt() would. For when the gateway
 * refuses n's Idempotency-Key because it was first used with other
 * parameters: another generation of the programs made that attempt with
 * settings or code that describe the session differently, and its answer
 * was lost; no retry under that key can succeed, and the session it made
 * was handed to no one. Returns ORDER_ATTEMPT_CHANGED when the order has
 * moved on meanwhile (a session recorded, another attempt begun), -1 as
 * order_begin_attempt() does.
 */
int		 order_skip_attempt(struct db *, long long id, int n, int window,
		    long long *expires_at, enum order_state *state);

/*
 * Record the session made for an attempt (own write) and hold the stock
 * until it expires. Returns 0, or -1 also when the attempt is stale or
 * already has another session (two keys for one attempt: the first
 * recorded is the one paid).
 */
int		 order_set_session(struct db *, long long id, int attempt,
		    const char *session_id, const char *url,
		    long long expires_at);

/*
 * Tell the order's live channel ("order:<id>") its state (in a write):
 * every move does it; 0 or -1.
 */
int		 order_publish(struct db *, long long id, enum order_state);

/*
 * Move an order and record why (in a write). A move to cancelled gives
 * its discount code's use back and queues the customer's "order
 * cancelled" mail, once per order; cancelled to paid takes the code's
 * use again.
 */
int		 order_move(struct db *, const struct order *,
		    enum order_state to, enum order_source, const char *cause,
		    const char *ref);

/* What an operator's change to one order came to. */
enum order_action {
	ACTION_DONE,		/* the order moved */
	ACTION_ALREADY,		/* it was so already: nothing written */
	ACTION_REFUSED,		/* its state does not allow it: nothing written */
	ACTION_INVALID,		/* an argument is unacceptable: nothing written */
	ACTION_NOT_FOUND,	/* no such order: nothing written */
	ACTION_CHANGED,		/* not as the caller saw it: nothing written */
	ACTION_ERROR,		/* database error or lock timeout: rolled back */
	ACTION__MAX
};

extern const char *const order_action_names[ACTION__MAX];

/* How an order went out; each field may be NULL (not said). */
struct order_shipment {
	const char	*carrier;	/* "La Poste" */
	const char	*tracking;	/* the carrier's tracking number */
	const char	*url;		/* where the customer can follow it */
};

#define ORDER_SHIP_TEXT_MAX	200	/* bytes of carrier, tracking */
#define ORDER_SHIP_URL_MAX	2000	/* bytes of url */

/*
 * Whether v is acceptable as a carrier or tracking number (one line of
 * text, 1 to ORDER_SHIP_TEXT_MAX bytes) or as a tracking url (an http or
 * https address with something after the scheme, no white space, at most
 * ORDER_SHIP_URL_MAX bytes).
 */
bool		 order_ship_text_ok(const char *v);
bool		 order_ship_url_ok(const char *v);

/*
 * Ship order id (own write): a paid order becomes fulfilled, the move is
 * recorded in order_events (source admin, the carrier and tracking
 * number in its cause, the tracking number as its ref), its live channel
 * is told, and the "shipped" mail (templates/mail/shipped.*) is queued
 * through the outbox, all in one transaction: no shipped order without
 * its mail, no mail for an order that did not move. ACTION_ALREADY for
 * an order shipped before, ACTION_REFUSED for any other state than paid,
 * ACTION_INVALID when a field of s fails the checks above (checked
 * before anything is read). *o (may be NULL) gets the order as read in
 * the write (after the move when it moved), or NULL when none was read.
 */
enum order_action order_ship(struct db *, struct arena *, long long id,
		    const struct order_shipment *s, struct order **o);

/*
 * Cancel an unpaid order (own write): pending_payment becomes cancelled,
 * its held stock is given back (and the product pages told), the move is
 * recorded in order_events with cause (NULL: "cancelled by the shop")
 * and source admin, and its live channel is told. ACTION_ALREADY for an
 * order cancelled before; ACTION_REFUSED for a paid (or shipped,
 * refunded) order, and for a pending one whose payment is on its way
 * (an asynchronous method: payment_intent is set), which the gateway may
 * still complete. The session at the gateway is not expired here (no
 * network call in a write): a payment that still arrives is kept and
 * audited as paid after cancel (payment.h). *o as for order_ship().
 */
enum order_action order_cancel(struct db *, struct arena *, long long id,
		    const char *cause, struct order **o);

/*
 * order_ship() and order_cancel() for the back office: the same, and
 * when who is not NULL the change is also written to the admin log in
 * the same write ("order.ship": before {"state"}, after {"state",
 * "carrier", "tracking", "url"}; "order.cancel": before {"state",
 * "stock_held"}, after the same and "cause"), so no order moves without
 * its record. order_cancel_by() also takes the session id the caller
 * found on the order and expired at the gateway (seen, "" when there was
 * none; NULL: not checked): when the order shows another one now (the
 * customer began paying again meanwhile), nothing is written and
 * ACTION_CHANGED is returned, for the caller to expire that one first.
 */
enum order_action order_ship_by(struct db *, struct arena *, long long id,
		    const struct order_shipment *s, const struct actor *who,
		    struct order **o);
enum order_action order_cancel_by(struct db *, struct arena *, long long id,
		    const char *cause, const char *seen, const struct actor *who,
		    struct order **o);

/*
 * Tell the back office's live channel ("admin") that o was just paid,
 * as event "order" with {"number", "total" (formatted), "amount",
 * "currency", "summary": "SF-000042 paid, €36.00"} (in a write, through
 * the outbox); 0 or -1.
 */
int		 order_publish_paid(struct db *, struct arena *,
		    const struct order *o);

/* The longest search orders_search() takes, in characters. */
#define ORDER_QUERY_MAX		200

/*
 * The back office's list of orders, newest first, without lines: ids
 * below before (0: from the newest), of one state unless state is
 * ORDER_STATE__MAX, at most limit (1 to 500). q (NULL or "": every
 * order) is an order number ("SF-000042", or its digits) looked up by
 * its unique index; an email address (with "@"), exact, by the email
 * index; else words, each the start of a word of the number, the email
 * or the name on the address, through the full-text table order_search
 * (sql/primary/0090), so no search reads every order. *n gets the count.
 * NULL on error.
 */
struct order	*orders_search(struct db *, struct arena *, enum order_state,
		    const char *q, long long before, size_t limit, size_t *n);

/* A note the staff keep on an order (never shown to the customer). */
struct order_note {
	long long	 id;
	long long	 author_id;	/* 0: from the command line */
	char		*author;
	char		*body;
	long long	 created_at;	/* Unix time */
};

#define ORDER_NOTE_MAX		4000	/* characters of a note */

/*
 * Add a note of 1 to ORDER_NOTE_MAX characters by who to order id, with
 * its admin log entry ("order.note", after {"note_id", "body"}) in the
 * same write (in a write). Returns the note's id, or -1.
 */
long long	 order_note_add(struct db *, struct arena *, long long id,
		    const struct actor *who, const char *body);

/* The notes of order id, oldest first (arena); *n the count. NULL on error. */
struct order_note *order_notes(struct db *, struct arena *, long long id,
		    size_t *n);

/*
 * Give back an order's held stock once (in a write); 0 or -1.
 * Re-take it when a cancelled order turns out paid: returns the number of
 * units that could not be re-taken (0: all), or -1.
 */
int		 order_release_stock(struct db *, long long id);
long long	 order_retake_stock(struct db *, long long id);

/*
 * Give quantity units of variant vid back to stock (in a write), as a
 * refund of order_id that restocks does, kept as a stock movement, and
 * tell its product's pages. Stock only grows here. 0, or -1 on error; a
 * variant since deleted is skipped.
 */
int		 order_restock(struct db *, long long order_id, long long vid,
		    long long quantity);

/*
 * An order rebuilt from the gateway's record of a paid session whose
 * order never reached this database (in a write). It takes the id of the
 * metadata if no order has it (sqlite_sequence then accounts for it),
 * else a new one; lines are the session's line items; it is marked
 * recovered and left pending for the payment to be applied.
 */
struct recovered_line {
	const char	*description;
	long long	 unit_amount;
	long long	 quantity;
};

struct order	*order_recover(struct db *, struct arena *, long long want_id,
		    const char *token, const char *email, const char *currency,
		    long long total, const struct recovered_line *, size_t n);

/* A line for the operator (in a write, or alone). */
int		 audit_add(struct db *, const char *kind, long long order_id,
		    const char *actor, const char *detail);

#endif
