/*
 * "Notify me" on a sold-out variant: an email address taken from the
 * product page (restock_requests, sql/primary/0121), and mailed once,
 * through the outbox (notify.h), when the variant is back in stock.
 *
 * The mail is queued by restock_notify() in the transaction that raises
 * the stock: inventory.h's stock_record(), which every change of stock
 * goes through (the back office, an unpaid order's release, a refund),
 * calls it for each rise. So the mail exists exactly when the stock it
 * tells of commits, and a rollback takes both away.
 *
 * Whether an address had already asked is never told: asking twice is
 * the same as asking once (one request, one mail). Asking again after
 * the mail went makes the request pending again.
 */
#ifndef SHOP_RESTOCK_H
#define SHOP_RESTOCK_H

struct db;

#define RESTOCK_EMAIL_MAX	254		/* schema too */
/* The template of the mail (templates/mail/back_in_stock.*). */
#define RESTOCK_MAIL		"back_in_stock"

enum restock_result {
	RESTOCK_OK,
	RESTOCK_NOT_FOUND,	/* no such variant on sale in that product */
	RESTOCK_IN_STOCK,	/* it can be bought now */
	RESTOCK_BAD_EMAIL,
	RESTOCK_ERROR,		/* database error (logged): roll back */
	RESTOCK_RESULT__MAX
};

/* "ok", "not_found", ...: for logs and JSON. */
extern const char *const restock_result_names[RESTOCK_RESULT__MAX];
/* What a person is told, a sentence. */
extern const char *const restock_result_msgs[RESTOCK_RESULT__MAX];

/*
 * Take email (as the form normalized it: trimmed, lower-cased) for
 * variant_id of product_id (in a write), to mail when it is back in
 * stock. RESTOCK_OK whether or not the address had asked already; a
 * refusal writes nothing.
 */
enum restock_result restock_request(struct db *, long long product_id,
		    long long variant_id, const char *email);

/*
 * Queue the mail of every pending request for variant_id (in a write)
 * if it is in stock and on sale, and mark them mailed. Returns the
 * number of mails queued (0 when there are none, or it is not in stock),
 * or -1 on a database error (logged): roll back.
 */
int		 restock_notify(struct db *, long long variant_id);

/* Requests of variant_id still waiting for their mail, or -1. */
long long	 restock_pending(struct db *, long long variant_id);

#endif
