/*
 * Orders for the accountant: GET /admin/orders.csv and shopctl export
 * orders write the same rows, one per order placed between two dates,
 * or one per line of the invoices and credit notes issued between them
 * (credit notes' amounts negative), as CSV by RFC 4180 or tab-separated
 * text (ext/csvout.h). Amounts are decimal numbers in the order's
 * currency ("34.95"), dates and times UTC as the database keeps them.
 */
#ifndef SHOP_ORDER_EXPORT_H
#define SHOP_ORDER_EXPORT_H

#include <stdbool.h>

#include "ext/csvout.h"

struct arena;
struct buf;
struct db;

struct order_export_query {
	const char		*from;	/* YYYY-MM-DD, the first day */
	const char		*to;	/* YYYY-MM-DD, the last day */
	bool			 lines;	/* per document line */
	enum csvout_format	 format;
};

/* Whether s is a date YYYY-MM-DD that exists (2026-02-30 does not). */
bool		 order_export_date_ok(const char *s);

/*
 * Write the header and the rows q asks for to out, in one read
 * transaction, so they agree. Returns the number of rows (the header not
 * counted), or -1 on a database error or a date that is not valid.
 */
long long	 order_export(struct db *, struct arena *,
		    const struct order_export_query *q, struct buf *out);

#endif
