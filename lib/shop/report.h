/*
 * Figures for the back office's dashboard, each one indexed query (no
 * count over every order per page view): sales in a time window, orders
 * waiting to be shipped, variants low on stock, findings recorded in the
 * audit log.
 */
#ifndef SHOP_REPORT_H
#define SHOP_REPORT_H

#include <stddef.h>

struct arena;
struct db;

/* Paid orders in a window, by currency. */
struct report_sales {
	char		 currency[4];
	long long	 orders;
	long long	 revenue;	/* paid less refunded, minor units */
};

/* The most currencies report_sales() tells apart. */
#define REPORT_MAX_CURRENCIES	8

/*
 * Orders paid from the start of since's UTC day (since a Unix time) on,
 * summed by currency into out (room for REPORT_MAX_CURRENCIES). Returns
 * how many currencies, or -1.
 */
int		 report_sales(struct db *, long long since,
		    struct report_sales *out);

/* Orders paid and not yet shipped, or -1. */
long long	 report_to_ship(struct db *);

struct report_low_stock {
	long long	 variant_id;
	long long	 product_id;
	char		*product_name;
	char		*title;		/* the variant's title */
	char		*sku;
	long long	 stock;
};

/*
 * Active variants of active products with stock at or below threshold,
 * lowest first, at most limit, in the arena; *n gets how many. NULL with
 * *n 0 on error.
 */
struct report_low_stock *report_low_stock(struct db *, struct arena *,
		    long long threshold, int limit, size_t *n);

/*
 * Findings recorded in the audit log (amount mismatches, repairs by
 * reconcile, ...) since a Unix time, or -1.
 */
long long	 report_findings(struct db *, long long since);

/* An entry of the audit log: a finding or a repair, as recorded. */
struct report_audit_entry {
	long long	 id;
	char		*kind;
	long long	 order_id;	/* 0: none */
	char		*actor;
	char		*detail;
	char		*created_at;
};

/*
 * The newest audit log entries with ids below before_id (0: from the
 * newest), at most limit, in the arena; NULL with *n 0 on error.
 */
struct report_audit_entry *report_audit_log(struct db *, struct arena *,
		    long long before_id, int limit, size_t *n);

#endif
