/*
 * Discount codes: the rules of a code (whether it may be used now, by
 * this customer, on this subtotal), the arithmetic of what it takes off,
 * its uses, and its rows for the back office (sql/primary/0110).
 *
 * Arithmetic, in integer minor units only:
 *
 *   - percent: value is in basis points (1000 = 10%); the discount is
 *     subtotal * value / 10000 rounded half up (0.5 of a minor unit
 *     goes up: 10% of 12.35 is 1.24), never more than the subtotal.
 *   - fixed: value minor units, or the whole subtotal when it is less:
 *     the goods never cost less than 0.
 *   - free_shipping: nothing off the goods; the shipping is waived.
 *
 * The subtotal is that of the lines before the discount; min_subtotal
 * is compared with it. The discount is then shared among the lines in
 * proportion to their totals (discount_spread(): each line gets the
 * floor of its share, and the minor units left go one each to the lines
 * with the largest remainders, the first line first on a tie), so that
 * the shares sum to the discount exactly and each line's tax is
 * computed on what is left of it (pricing.c: tax after the discount).
 *
 * Uses are counted in the write that creates the order (order.c), and
 * writes are serialized, so usage_limit is never passed: twenty
 * checkouts racing for the last use give one discounted order. An order
 * cancelled or expired unpaid gives its use back.
 */
#ifndef SHOP_DISCOUNT_H
#define SHOP_DISCOUNT_H

#include <stdbool.h>
#include <stddef.h>

struct actor;
struct arena;
struct db;

enum discount_kind {
	DISCOUNT_PERCENT,
	DISCOUNT_FIXED,
	DISCOUNT_FREE_SHIPPING,
	DISCOUNT_KIND__MAX
};

extern const char *const discount_kind_names[DISCOUNT_KIND__MAX];	/* db */
extern const char *const discount_kind_labels[DISCOUNT_KIND__MAX];

#define DISCOUNT_CODE_MAX	40	/* characters of a code */

struct discount {
	long long		 id;
	char			*code;
	enum discount_kind	 kind;
	long long		 value;		/* bp, minor units, or 0 */
	char			*currency;
	long long		 min_subtotal;
	long long		 starts_at;	/* Unix time; 0: no bound */
	long long		 ends_at;	/* excluded; 0: no bound */
	long long		 usage_limit;	/* -1: none */
	long long		 per_customer_limit; /* -1: none */
	bool			 active;
	long long		 uses;		/* not given back */
	long long		 created_at, updated_at;
};

/* Why a code cannot be used. */
enum discount_problem {
	DISCOUNT_OK,
	DISCOUNT_UNKNOWN,	/* no such code */
	DISCOUNT_INACTIVE,	/* turned off */
	DISCOUNT_NOT_YET,	/* before starts_at */
	DISCOUNT_EXPIRED,	/* at or after ends_at */
	DISCOUNT_USED_UP,	/* usage_limit reached */
	DISCOUNT_CUSTOMER_USED,	/* per_customer_limit reached */
	DISCOUNT_MIN_SUBTOTAL,	/* subtotal below min_subtotal */
	DISCOUNT_CURRENCY,	/* a fixed amount in another currency */
	DISCOUNT_NOTHING_TO_PAY, /* it would leave a total of 0 (quote_discount) */
	DISCOUNT_DB,		/* database error */
	DISCOUNT_PROBLEM__MAX
};

/* For people, on the discount_code field. */
extern const char *const discount_problem_msgs[DISCOUNT_PROBLEM__MAX];

/*
 * The message for people of why d (may be NULL) cannot be used: that of
 * discount_problem_msgs, with the minimum amount when it is the reason
 * (arena).
 */
const char	*discount_problem_text(struct arena *, enum discount_problem,
		    const struct discount *);

/*
 * What d gives, for people: "10% off", "12.5% off", "€5.00 off",
 * "Free shipping" (arena).
 */
const char	*discount_label(struct arena *, const struct discount *);

/*
 * Whether code is well formed: 1 to DISCOUNT_CODE_MAX letters, digits,
 * '-' or '_'.
 */
bool		 discount_code_ok(const char *code);

/*
 * What d takes off a subtotal (>= 0): 0 for free_shipping. Never more
 * than subtotal; -1 when the arithmetic would overflow.
 */
long long	 discount_amount(const struct discount *, long long subtotal);

/*
 * Share amount (0 <= amount <= the sum of totals[]) among n lines in
 * proportion to totals[], into shares[] (see above). Returns 0, or -1
 * when the arguments are out of range (n above SHOP_MAX_ORDER_LINES) or
 * the arithmetic would overflow.
 */
int		 discount_spread(long long amount, const long long *totals,
		    size_t n, long long *shares);

/*
 * Whether d may be used at now on subtotal in currency by the customer
 * (user_id, 0 for a guest, and email, either may be NULL or 0 not to
 * count that customer's uses), reading its uses from the database: the
 * first problem found, in the order of the enum.
 */
enum discount_problem discount_check(struct db *, const struct discount *,
		    long long now, long long subtotal, const char *currency,
		    long long user_id, const char *email);

/*
 * The code's row, whatever its case, with its uses; NULL when there is
 * none or on error (*problem, may be NULL: DISCOUNT_UNKNOWN or
 * DISCOUNT_DB). In the arena.
 */
struct discount	*discount_by_code(struct db *, struct arena *, const char *code,
		    enum discount_problem *problem);
struct discount	*discount_by_id(struct db *, struct arena *, long long id);

/* Every code, newest first; *n gets the count; NULL on error. */
struct discount	*discounts_list(struct db *, struct arena *, size_t *n);

/*
 * Record that order_id uses d (in a write, the one creating the order).
 * Returns 0 or -1.
 */
int		 discount_use_add(struct db *, long long discount_id,
		    long long order_id, long long user_id, const char *email);

/*
 * Give the use of order_id back (released: the order was cancelled or
 * expired unpaid), or take it again (a cancelled order paid after all:
 * kept even above the limit, since the money is there). In a write; an
 * order without a code is left alone. Returns 0 or -1.
 */
int		 discount_use_release(struct db *, long long order_id);
int		 discount_use_retake(struct db *, long long order_id);

/* What an administrator's change came to. */
enum discount_save {
	DISCOUNT_SAVED,
	DISCOUNT_SAVE_DUPLICATE,	/* another code is the same, but case */
	DISCOUNT_SAVE_NOT_FOUND,
	DISCOUNT_SAVE_INVALID,		/* a field is out of range */
	DISCOUNT_SAVE_ERROR,		/* database error: rolled back */
	DISCOUNT_SAVE__MAX
};

/*
 * Create d (d->id 0; its id is set) or change the code d->id, with its
 * admin log entry ("discount.create", "discount.update": before and
 * after the fields) in the same write, its own. Values are checked as
 * the table does (percent 1..10000 bp, starts before ends, limits >= 0).
 */
enum discount_save discount_save(struct db *, struct arena *,
		    struct discount *, const struct actor *);

#endif
