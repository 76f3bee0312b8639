/*
 * Carts: variants and quantities held by a guest's session or by a
 * customer, priced from the catalog whenever they are read.
 *
 * A cart stores no prices. cart_load() reads every line with the
 * variant's current price, currency and stock and says, line by line,
 * whether it can be bought; cart_check() is what checkout asks before it
 * creates an order. Changes validate against the catalog inside their
 * write transaction, so a quantity is never more than the stock was at
 * that moment, nor more than CART_MAX_QUANTITY.
 */
#ifndef SHOP_CART_H
#define SHOP_CART_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct db;
struct image;
struct req;
struct session;

#define CART_MAX_QUANTITY	99	/* units of one variant (schema too) */
#define CART_MAX_LINES		50	/* variants in one cart */

enum cart_line_state {
	CART_LINE_OK,
	CART_LINE_GONE,		/* the variant is no longer in the catalog */
	CART_LINE_UNAVAILABLE,	/* variant or product not for sale */
	CART_LINE_SOLD_OUT,	/* none in stock */
	CART_LINE_SHORT,	/* fewer in stock than the quantity */
	CART_LINE_CURRENCY,	/* priced in another currency than the rest */
	CART_LINE__MAX
};

extern const char *const cart_line_state_names[CART_LINE__MAX];
extern const char *const cart_line_state_msgs[CART_LINE__MAX];

struct cart_line {
	long long		 variant_id;
	long long		 product_id;	/* 0 when gone */
	long long		 quantity;
	char			*product_name;	/* "" when gone */
	char			*product_slug;
	char			*variant_title;
	char			*sku;
	char			*currency;
	long long		 unit_price;
	long long		 line_total;
	long long		 stock;
	enum cart_line_state	 state;
	struct image		*image;		/* the product's first; NULL */
};

struct cart {
	long long		 id;		/* 0: no cart yet */
	struct cart_line	*lines;		/* oldest first */
	size_t			 nlines;
	long long		 count;		/* units, all lines */
	char			*currency;	/* of the first priced line */
	long long		 subtotal;	/* lines that can be bought */
	size_t			 problems;	/* lines that cannot */
	char			*discount_code;	/* carried to checkout; "" */
};

enum cart_result {
	CART_OK,
	CART_NO_VARIANT,	/* unknown variant, or not for sale */
	CART_SOLD_OUT,		/* none in stock */
	CART_OVER_STOCK,	/* more than the stock: see *available */
	CART_OVER_MAX,		/* more than CART_MAX_QUANTITY in the line */
	CART_TOO_MANY_LINES,	/* the cart has CART_MAX_LINES already */
	CART_NOT_IN_CART,	/* the line to change is not there */
	CART_ERROR,		/* database error (logged) */
	CART_RESULT__MAX
};

extern const char *const cart_result_msgs[CART_RESULT__MAX];

/*
 * The cart of session s (s may be NULL: an empty cart), priced now.
 * Lines and strings are in the arena. Returns 0, or -1 on a database
 * error.
 */
int		 cart_load(struct db *, struct arena *, const struct session *s,
		    struct cart *);

/*
 * For checkout: cart_load(), then the number of lines that stop the cart
 * being ordered (0: it can be, if it has lines), or -1 on error.
 */
long		 cart_check(struct db *, struct arena *,
		    const struct session *s, struct cart *);

/*
 * Add quantity units of variant_id (adding to a line already there), set
 * a line's quantity, or remove a line, each in its own write. s must be
 * a stored session (session_ensure()). On CART_OVER_STOCK, *available
 * (may be NULL) gets how many more can be added (cart_add) or the stock
 * (cart_set). s->cart_count is kept up to date.
 */
enum cart_result cart_add(struct db *, struct session *s,
		    long long variant_id, long long quantity,
		    long long *available);
enum cart_result cart_set(struct db *, struct session *s,
		    long long variant_id, long long quantity,
		    long long *available);
/*
 * cart_add() for a request that has no session yet: the session is made
 * in the same write as the line (session_make_in() in shop/session.h)
 * and becomes the request's, with its cookie, only if that write
 * commits; a refusal leaves nothing behind.
 */
enum cart_result cart_add_guest(struct req *, struct db *,
		    long long variant_id, long long quantity,
		    long long *available);
/*
 * Whether quantity units of variant_id could go into an empty cart now
 * (no write): CART_OK, CART_NO_VARIANT, CART_SOLD_OUT or CART_OVER_STOCK
 * with *available, or CART_ERROR. A guest's first add asks this before a
 * session is made for it.
 */
enum cart_result cart_probe(struct db *, long long variant_id,
		    long long quantity, long long *available);
enum cart_result cart_remove(struct db *, struct session *s,
		    long long variant_id);
/* Remove every line; 0 or -1. */
int		 cart_empty(struct db *, struct session *s);
/* The same in the caller's write (checkout empties it with the order). */
int		 cart_clear(struct db *, struct session *s);

/*
 * Merge the guest cart of session_id into the cart of user_id, in the
 * caller's write transaction (log-in). Quantities of the same variant are
 * added, then capped at the stock (but one unit of a line is always kept,
 * so a sold-out item stays visible) and at CART_MAX_QUANTITY; lines over
 * CART_MAX_LINES are dropped. The guest cart is deleted. Returns 0 or -1.
 */
int		 cart_merge(struct db *, long long session_id,
		    long long user_id);
/* cart_merge() as a session_login_fn (shop/session.h); arg is unused. */
int		 cart_login_merge(struct db *, long long session_row,
		    long long user_id, void *arg);

/*
 * Keep code (NULL or "": none) on the cart of session s, made if need
 * be, for the checkout (own write). The caller checks the code first
 * (discount.h); an emptied cart forgets it. 0, or -1 on error.
 */
int		 cart_set_discount(struct db *, struct session *s,
		    const char *code);

/* Units in the cart of session s (0 for NULL), or -1. */
long long	 cart_count(struct db *, const struct session *s);

#endif
