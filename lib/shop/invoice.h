/*
 * Invoices and credit notes: the documents an accountant keeps
 * (sql/primary/0115_invoices.sql).
 *
 * A paid order gets one invoice, numbered "INV-<year>-<seq>" from a
 * sequence per year that has no gap, issued by invoice_issue() in the
 * write that marks the order paid (payment_apply_paid(), the one place
 * an order becomes paid, whatever path paid it). A refund that succeeded
 * gets one credit note, "CN-<year>-<seq>" from a sequence of its own,
 * issued by credit_note_issue() in the write that records the refund as
 * done (refund_record()). Numbers are taken in the write under the
 * database's write lock, so two writers can never take the same one and
 * a write rolled back gives its number back: no gap, no duplicate.
 *
 * Each document is a snapshot: the seller as the settings say at issue
 * (SHOP_SELLER_NAME, default SHOP_NAME; SHOP_SELLER_ADDRESS;
 * SHOP_SELLER_VAT), the buyer, the lines with their tax, the totals. The
 * schema refuses any change to them after (triggers); invoice_audit()
 * proves the sequences and that each matches its order or refund.
 *
 * The seller's settings are read from the environment when a document is
 * issued: the programs that apply payments (webhooks, checkout, the
 * worker, shopctl) all have it, SHOP_ENV_FILE applied by config_load().
 */
#ifndef SHOP_INVOICE_H
#define SHOP_INVOICE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct buf;
struct db;
struct order;
struct tval;

enum invoice_kind {
	INVOICE_KIND_INVOICE,
	INVOICE_KIND_CREDIT_NOTE,
	INVOICE_KIND__MAX
};

extern const char *const invoice_kind_names[INVOICE_KIND__MAX];

struct invoice_line {
	long long	 position;	/* from 1 */
	char		*description;
	char		*sku;		/* "" for shipping and credit notes */
	long long	 quantity;
	long long	 unit_price;	/* 0 on credit notes */
	long long	 amount;	/* as charged, see tax_inclusive */
	long long	 tax;
	char		*tax_name;
	int		 tax_rate_bp;
};

/* Tax per rate, made from the lines when a document is loaded. */
struct invoice_tax {
	char		*name;
	int		 rate_bp;
	long long	 base;		/* the amounts without the tax */
	long long	 tax;
};

/* An invoice or a credit note, as issued. */
struct invoice {
	enum invoice_kind	 kind;
	long long		 id;
	char			*number;	/* INV-2026-000001, CN-... */
	int			 year;
	long long		 seq;
	long long		 order_id;
	char			*order_number;
	long long		 refund_id;	/* a credit note's; else 0 */
	long long		 ordinal;	/* a credit note's n for its order */
	char			*invoice_number; /* a credit note's invoice, or "" */
	char			*issued_at;
	char			*currency;
	char			*seller_name, *seller_address, *seller_vat;
	char			*buyer_name, *buyer_email, *buyer_address;
	long long		 subtotal, shipping, tax, total;
	/* Line amounts include their tax (always so on a credit note). */
	bool			 tax_inclusive;
	struct invoice_line	*lines;
	size_t			 nlines;
	struct invoice_tax	*taxes;
	size_t			 ntaxes;
};

/*
 * Issue the invoice of order o (in a write), which has just been paid:
 * the next number of this year's sequence (the year of clock_now(), in
 * UTC), a snapshot of seller, buyer, lines (each order line, then the
 * shipping as a line of its own with the rest of the order's tax), tax
 * and totals. An order that has its invoice keeps it: its id is
 * returned and nothing is written. Returns the invoice's id, or -1 on a
 * database error or when no write is open (the caller rolls back).
 */
long long	 invoice_issue(struct db *, struct arena *, const struct order *o);

/*
 * Issue the invoices that paid orders lack: orders since the books
 * began (books_start) with a payment and no invoice, which a program
 * older than invoices paid while sharing the files during a deploy. Each
 * is issued by invoice_issue() in a write of its own, oldest order
 * first, numbered and dated now, and logged. Reconcile runs it. Returns
 * how many, or -1 on a database error.
 */
long long	 invoice_issue_missing(struct db *, struct arena *);

/* A line of a credit note to issue: money given back, tax included. */
struct credit_line_input {
	const char	*description;
	long long	 quantity;
	long long	 amount;
	long long	 tax;
};

struct credit_note_input {
	long long			 refund_id;
	long long			 total;	/* the refund's amount */
	const struct credit_line_input	*lines;
	size_t				 nlines;
};

/*
 * Issue the credit note of refund in->refund_id of order o (in a write),
 * which has just succeeded: the next number of this year's credit-note
 * sequence, the order's next ordinal, the invoice it corrects (if the
 * order has one), the seller and buyer as for an invoice and in's lines.
 * Lines that do not add up to in->total are refused (-1). A refund that
 * has its credit note keeps it. Returns the credit note's id, or -1
 * (the caller rolls back); *ordinal (may be NULL) gets its n for the
 * order, as /orders/{token}/credit-notes/{n} names it.
 */
long long	 credit_note_issue(struct db *, struct arena *,
		    const struct order *o, const struct credit_note_input *in,
		    long long *ordinal);

/* Documents with their lines and taxes (arena); NULL if none or on error. */
struct invoice	*invoice_of_order(struct db *, struct arena *, long long order_id);
struct invoice	*credit_note_of_order(struct db *, struct arena *,
		    long long order_id, long long ordinal);
/* An order's credit notes, by ordinal, without lines; *n the count. */
struct invoice	*credit_notes_of_order(struct db *, struct arena *,
		    long long order_id, size_t *n);

/*
 * A document for its printable page and JSON: every field, amounts raw
 * and formatted ("total", "total_formatted"), the seller's and buyer's
 * addresses as lists of lines, the lines and the taxes (arena).
 */
struct tval	*invoice_tval(struct arena *, const struct invoice *);

struct invoice_audit {
	long long	 invoices;		/* issued, all years */
	long long	 credit_notes;
	long long	 gaps;			/* numbers missing in a sequence */
	long long	 mismatches;		/* not what their order or refund is */
	long long	 missing;		/* paid orders, refunds without one */
};

/*
 * Prove the books' documents (in the caller's read or write): each
 * year's sequence of invoices and of credit notes runs from 1 with no
 * number missing, and no row id handed out is gone; each invoice is its
 * order's (number, currency, total, a payment), its lines add up to its
 * subtotal and shipping and their tax to its tax; each credit note is its
 * refund's (succeeded, same order, same amount) and adds up; every order
 * paid and every refund succeeded since the books began has its
 * document. Each finding is a line in out (may be NULL). Returns the
 * number of findings, or -1 on a database error.
 */
long long	 invoice_audit(struct db *, struct arena *,
		    struct invoice_audit *, struct buf *out);

#endif
