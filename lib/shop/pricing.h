/*
 * Pricing: shipping zones and methods, tax rates and the quote of a
 * basket, all in integer minor units. The checkout page shows a quote;
 * order_create() computes the same quote again inside its write
 * transaction, so what is charged is what the catalog said at that
 * moment.
 *
 * A shipping method is offered to a destination when one of its zones
 * holds the country (sql/primary/0111) and the weight of the order (the
 * sum of weight_grams x quantity) is within its band. A discount
 * (discount.h) comes off the subtotal before tax: each line's tax is
 * computed on the line less its share of the discount.
 */
#ifndef SHOP_PRICING_H
#define SHOP_PRICING_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct db;
struct discount;

struct shipping_method {
	long long	 id;
	char		*code;
	char		*name;
	long long	 price;
	char		*currency;
	long long	 free_over;	/* -1: never free */
	long long	 min_weight;	/* grams, -1: no lower bound */
	long long	 max_weight;	/* grams, -1: no upper bound */
	bool		 active;
	long long	 position;
};

struct tax_rate {
	char		*country;	/* "FR", or "*" */
	char		*name;		/* "VAT" */
	int		 rate_bp;	/* basis points: 2000 = 20% */
	bool		 inclusive;	/* prices already include it */
};

struct quote_line {
	long long	 variant_id;
	long long	 quantity;
	char		*product_name;
	char		*product_slug;
	char		*variant_title;
	char		*sku;
	long long	 unit_price;
	long long	 line_total;
	long long	 discount;	/* its share of the quote's discount */
	long long	 tax;		/* on line_total - discount */
	long long	 weight;	/* grams of the line */
	long long	 stock;		/* available now */
	bool		 available;	/* active, for sale, enough stock */
};

enum quote_problem {
	QUOTE_OK,
	QUOTE_EMPTY,		/* no lines */
	QUOTE_UNAVAILABLE,	/* a variant is gone or not for sale */
	QUOTE_SOLD_OUT,		/* a line wants more than there is */
	QUOTE_NO_SHIPPING,	/* unknown shipping method */
	QUOTE_CURRENCY,		/* lines in more than one currency */
	QUOTE_OVERFLOW,		/* amounts beyond 64 bits */
	QUOTE_TOO_MANY,		/* more lines than SHOP_MAX_ORDER_LINES */
	QUOTE_DB,		/* database error */
	QUOTE_NO_ZONE,		/* the country is in no shipping zone */
	QUOTE_SHIPPING_ZONE,	/* the method is not offered there */
	QUOTE_DISCOUNT,		/* the code cannot be used: discount_problem */
	QUOTE__MAX
};

extern const char *const quote_problem_msgs[QUOTE__MAX];

struct quote {
	struct quote_line	*lines;
	size_t			 nlines;
	char			*currency;
	long long		 subtotal;	/* of the lines */
	long long		 discount;	/* off the subtotal */
	long long		 shipping;	/* charged */
	long long		 shipping_discount; /* waived: free shipping */
	long long		 tax;
	long long		 total;		/* subtotal - discount + shipping
						   (+ tax when added) */
	long long		 weight;	/* grams */
	const struct discount	*code;		/* applied; NULL: none */
	int			 discount_problem; /* enum discount_problem */
	struct shipping_method	 method;
	struct tax_rate		 rate;
	enum quote_problem	 problem;
	size_t			 problem_line;	/* which line, for the message */
};

/* Active shipping methods in display order; *n gets the count. */
struct shipping_method *shipping_methods(struct db *, struct arena *, size_t *n);

/*
 * The active methods offered to country for an order of weight grams,
 * in display order; *n gets the count (0 with a list, not NULL, when
 * none is). NULL on error.
 */
struct shipping_method *shipping_methods_for(struct db *, struct arena *,
		    const char *country, long long weight, size_t *n);

/* Whether some shipping zone holds country: 1, 0, or -1 on error. */
int		 shipping_country_zoned(struct db *, const char *country);

/* The rate for a country, falling back to "*", then to no tax at all. */
int		 tax_rate_for(struct db *, struct arena *, const char *country,
		    struct tax_rate *);

/*
 * Add a shipping method (in a write: between the caller's db_begin() and
 * db_commit()) at position in the list, unless one has its code already,
 * which is left as it is; m->id is not used, free_over -1 is never free.
 * Returns 1 added, 0 there already, -1 on error (logged).
 */
int		 shipping_method_add(struct db *,
		    const struct shipping_method *m, int position);

/*
 * Add a tax rate (in a write) unless its country has one, which is left
 * as it is. Returns 1 added, 0 there already, -1 on error (logged).
 */
int		 tax_rate_add(struct db *, const struct tax_rate *);

/* A rate for people: 2000 -> "20%", 825 -> "8.25%" (arena). */
const char	*tax_rate_text(struct arena *, int rate_bp);

/*
 * Tax on an amount (RFC-free arithmetic, half up): exclusive rates add
 * amount * bp / 10000, inclusive rates hold amount * bp / (10000 + bp).
 */
long long	 tax_on(long long amount, int rate_bp, bool inclusive);

/*
 * Quote variant_ids[i] x quantities[i] shipped with method code to
 * country. Fills q, lines in the arena; q->problem says what stops it
 * being ordered (QUOTE_OK: it can be). Returns 0, or -1 on a database
 * error (q->problem is QUOTE_DB).
 */
int		 quote_build(struct db *, struct arena *,
		    const long long *variant_ids, const long long *quantities,
		    size_t n, const char *shipping_code, const char *country,
		    struct quote *q);

/*
 * Apply discount d (already found usable by discount_check()) to a quote
 * built by quote_build(): the discount off the subtotal shared among the
 * lines, the shipping waived for free_shipping (or, for a method free
 * from a threshold, judged again on the subtotal less the discount),
 * then tax and total computed again. Nothing is done to a quote with a
 * problem other than one of its lines (the amounts are not all there).
 * A total of 0 cannot be paid at the gateway: the quote then gets
 * QUOTE_DISCOUNT with DISCOUNT_NOTHING_TO_PAY. Returns 0, or -1 when the
 * arithmetic overflows (q->problem QUOTE_OVERFLOW).
 */
int		 quote_discount(struct quote *q, const struct discount *d);

#endif
