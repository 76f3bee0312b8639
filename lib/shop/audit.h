/*
 * Proving the books (DESIGN.md, "Payments", 7): every id ever handed out
 * for orders, payments, refunds and their events is accounted for, every
 * paid session at the gateway has exactly one paid order, every refund
 * that succeeded here is one refund of the same amount at the gateway, no
 * order has more refunded than paid nor a state its refunds disagree
 * with, no stock is negative, every total is the sum of its lines; and
 * the invoices and credit notes (invoice.h): both sequences without a
 * gap, each document its order's or refund's.
 */
#ifndef SHOP_AUDIT_H
#define SHOP_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct buf;
struct db;
struct payment_fact;

/* Ids handed out (sqlite_sequence) against rows present, per table. */
enum audit_table {
	AUDIT_ORDERS,
	AUDIT_PAYMENTS,
	AUDIT_PAYMENT_EVENTS,
	AUDIT_ORDER_EVENTS,
	AUDIT_REFUNDS,
	AUDIT_TABLE__MAX
};

extern const char *const audit_table_names[AUDIT_TABLE__MAX];

struct audit_report {
	long long	handed_out[AUDIT_TABLE__MAX];	/* sqlite_sequence */
	long long	missing[AUDIT_TABLE__MAX];	/* ids not present */
	long long	negative_stock;		/* variants below zero */
	long long	bad_totals;		/* totals not the sum of lines */
	long long	paid_without_payment;	/* paid orders, no payment row */
	long long	payment_not_paid;	/* payment row, unpaid order */
	long long	payment_amount;		/* payment amount != order total */
	long long	unknown_events;		/* events matching no order */
	long long	refunds_over_paid;	/* orders refunded past paid */
	long long	refunds_unrecorded;	/* ours past amount_refunded */
	long long	refund_states;		/* state against totals */
	long long	refunds_waiting;	/* requested: not a finding */
	long long	orders_paid;		/* orders holding money */
	long long	invoices;		/* issued: not a finding */
	long long	credit_notes;		/* issued: not a finding */
	long long	document_gaps;		/* numbers missing, rows gone */
	long long	document_mismatches;	/* not their order's, refund's */
	long long	documents_missing;	/* paid or refunded without one */
	/* Filled by audit_sessions() from the gateway's own record. */
	long long	sessions_paid;		/* paid sessions seen */
	long long	sessions_lost;		/* paid there, not paid here */
	long long	double_charges;		/* orders paid by 2+ sessions */
	/* Filled by audit_refunds() from the gateway's refunds. */
	long long	refunds_checked;	/* succeeded here, looked up */
	long long	refunds_unmatched;	/* none there, or another one */
	long long	refunds_lost;		/* ours there, not here */
	/* Filled by audit_paid_here(): the other direction. */
	long long	paid_unbacked;		/* paid here, not at the gateway */
	long long	amount_differs;		/* paid here, another amount there */
	long long	findings;		/* sum of everything wrong */
};

/*
 * Check the database. Findings are described, one a line, in out.
 * Returns 0 (report filled) or -1 on a database error.
 */
int	audit_books(struct db *, struct arena *, struct audit_report *,
	    struct buf *out);

/*
 * Check n paid sessions as the gateway reports them: each must belong to
 * exactly one order that is paid here by that same session, and no order
 * may be paid by two sessions. Adds to the report and out.
 */
int	audit_sessions(struct db *, struct arena *,
	    const struct payment_fact *sessions, size_t n,
	    struct audit_report *, struct buf *out);

/* A refund as the gateway lists it. */
struct gateway_refund {
	const char	*id;
	const char	*payment_intent;
	long long	 amount;
	bool		 succeeded;	/* or on its way: money that went */
	const char	*refund_id;	/* metadata: ours, or NULL */
	const char	*order_id;	/* metadata, or NULL */
};

/*
 * Check the gateway's n refunds created since a Unix time against the
 * refunds here created since then: each one succeeded here must be one
 * gateway refund (its id) of the same amount and payment intent, and a
 * gateway refund that names one of ours must not be missing or failed
 * here. Adds to the report and out; 0, or -1 on a database error.
 */
int	audit_refunds(struct db *, struct arena *,
	    const struct gateway_refund *refunds, size_t n, long long since,
	    struct audit_report *, struct buf *out);

/*
 * The other direction: every order placed since the given Unix time and
 * paid here must be paid by one of the n sessions the gateway reports
 * paid since then, for the same amount and currency, so that a signed
 * event or a hand-edited row cannot mark an order paid without money at
 * the gateway. An order's sessions are all younger than the order, so
 * the window of orders needs no margin; orders rebuilt by reconcile are
 * left out (their row is as young as the repair, their session may be
 * older than the window, and they were built from the gateway's own
 * record). Adds to the report and out; 0, or -1 on a database error.
 */
int	audit_paid_here(struct db *, struct arena *,
	    const struct payment_fact *sessions, size_t n, long long since,
	    struct audit_report *, struct buf *out);

/*
 * What was recorded in audit_log since a Unix time (amounts that
 * disagreed, unknown orders, repairs, ...), one a line into out.
 * Returns how many, or -1 on a database error. These are history, not
 * findings: each was raised when it happened.
 */
long long audit_recorded(struct db *, struct arena *, long long since,
	    struct buf *out);

#endif
