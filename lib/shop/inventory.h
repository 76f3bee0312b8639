/*
 * Stock: what a variant has for sale, changed by the back office with a
 * reason and by orders as they hold and give back units, every change
 * kept in stock_movements, and the stock line product pages update live.
 *
 * A variant's stock is what can still be sold: units an unpaid order
 * holds are already taken out of it. It never goes below zero (the
 * schema refuses it too) nor above INVENTORY_STOCK_MAX.
 *
 * Functions marked "in a write" must be called between db_begin() and
 * db_commit() of the caller, who may write more in the same transaction
 * (an audit row, a change to the variant itself) and commits or rolls
 * back; they never commit themselves, and refuse (logged) to run outside
 * a write. When one returns a refusal nothing of the call was written and
 * the transaction can go on; after INVENTORY_ERROR (or -1) part of it may
 * have been: roll back.
 *
 *	db_begin(primary);
 *	rc = stock_adjust(primary, vid, STOCK_MODE_DELTA, -2, "broken",
 *	    "admin:ann@example.com", &now);
 *	if (rc == INVENTORY_OK && audit_add(primary, ...) == 0)
 *		db_commit(primary);
 *	else
 *		db_rollback(primary);
 */
#ifndef SHOP_INVENTORY_H
#define SHOP_INVENTORY_H

#include <stddef.h>

struct arena;
struct db;

#define INVENTORY_STOCK_MAX	1000000000LL	/* units of one variant */
#define INVENTORY_REASON_MAX	200		/* characters (schema too) */
#define INVENTORY_ACTOR_MAX	200
#define INVENTORY_MOVEMENTS_MAX	1000		/* stock_movements() at once */

/* The reasons and actors of the movements the shop makes itself. */
#define STOCK_REASON_INITIAL	"initial stock"
#define STOCK_REASON_RESERVED	"held by an order"
#define STOCK_REASON_RELEASED	"released by an unpaid order"
#define STOCK_REASON_RETAKEN	"taken again by an order paid after release"
#define STOCK_REASON_REFUNDED	"given back by a refund"
#define STOCK_ACTOR_CHECKOUT	"checkout"
#define STOCK_ACTOR_SYSTEM	"system"

enum stock_mode {
	STOCK_MODE_SET,		/* the stock becomes amount (a count) */
	STOCK_MODE_DELTA,	/* amount is added (received, or lost if < 0) */
	STOCK_MODE__MAX
};

/* "set", "delta": as forms and JSON name the modes. */
extern const char *const stock_mode_names[STOCK_MODE__MAX];

enum inventory_result {
	INVENTORY_OK,
	INVENTORY_NOT_FOUND,	/* no such variant */
	INVENTORY_BAD_MODE,
	INVENTORY_BAD_AMOUNT,	/* beyond INVENTORY_STOCK_MAX either way */
	INVENTORY_BELOW_ZERO,	/* the change would leave less than none */
	INVENTORY_ABOVE_MAX,	/* the change would leave too many */
	INVENTORY_BAD_REASON,	/* not 1 line of 1 to INVENTORY_REASON_MAX */
	INVENTORY_BAD_ACTOR,
	INVENTORY_ERROR,	/* database error (logged): roll back */
	INVENTORY_RESULT__MAX
};

/* "ok", "not_found", ..., "below_zero", ...: for logs and JSON. */
extern const char *const inventory_result_names[INVENTORY_RESULT__MAX];
/* What a person is told, a sentence. */
extern const char *const inventory_result_msgs[INVENTORY_RESULT__MAX];
/*
 * The form field a result is about ("amount", "reason", "mode"), or
 * NULL when it is about no field (ok, not found, error, the actor).
 */
extern const char *const inventory_result_fields[INVENTORY_RESULT__MAX];

struct stock_movement {
	long long	 id;
	long long	 variant_id;
	long long	 delta;
	long long	 stock_after;
	char		*reason;
	char		*actor;
	long long	 order_id;	/* 0: none */
	char		*created_at;	/* "2025-01-06T09:00:00Z" */
};

/* The mode named s, or STOCK_MODE__MAX. */
enum stock_mode	 stock_mode_parse(const char *s);

/*
 * Change the stock of a variant (in a write): set it to amount, or add
 * amount to it (a negative amount takes units away), and keep the change
 * in stock_movements with reason (one line, what a person would write:
 * "stocktake", "broken in transit") and actor (who: "admin:<email>").
 * The variant's product is made stale in the fragment cache (its version
 * is bumped by the schema's triggers) and its stock line is published
 * for live product pages.
 *
 * A change that would leave the stock below zero or above
 * INVENTORY_STOCK_MAX is refused, with nothing written. A change of
 * nothing (setting what it has, adding 0) is INVENTORY_OK and writes
 * nothing either. *new_stock (may be NULL) gets the variant's stock once
 * the call is done, whether it changed or was refused; it is untouched
 * when the variant is not found or the arguments are bad.
 */
enum inventory_result stock_adjust(struct db *, long long variant_id,
		    enum stock_mode, long long amount, const char *reason,
		    const char *actor, long long *new_stock);

/*
 * Keep a change of delta units (non-zero) that the caller has just made
 * to the stock of variant_id (in a write), with the stock it left,
 * reason, actor, and the order that caused it (0: none). For the shop's
 * own changes (order holds, the initial stock of a new variant); reason
 * and actor are trusted. A rise queues the mails of the variant's
 * "Notify me" requests (restock_notify(), shop/restock.h) in the same
 * write. Returns 0, or -1 (logged): roll back.
 */
int		 stock_record(struct db *, long long variant_id,
		    long long delta, const char *reason, const char *actor,
		    long long order_id);

/*
 * Publish the stock line of the product of variant_id (in a write), as
 * product pages show it ("label" and "state" for the product, "v<id>"
 * for each active variant), for their live updates: every change of
 * stock does. Returns 0 (also when the variant is gone) or -1.
 */
int		 stock_publish(struct db *, long long variant_id);

/*
 * The latest movements of a variant, newest first, at most limit (and at
 * most INVENTORY_MOVEMENTS_MAX), in the arena; *n gets the count.
 * Returns 0 or -1.
 */
int		 stock_movements(struct db *, struct arena *,
		    long long variant_id, size_t limit,
		    struct stock_movement **out, size_t *n);

/*
 * The low-stock threshold of a variant: the stock at or below which the
 * merchant is mailed (SHOP_ORDER_NOTIFY), once each time the stock falls
 * to it; 0: never (sql/primary/0116_order_mails.sql queues the mail, in
 * the write that takes the stock, whatever takes it).
 *
 * stock_threshold() reads it into *threshold: 1, 0 when no such
 * variant, -1 on error. stock_threshold_set() changes it (in a write) to
 * 0 to INVENTORY_STOCK_MAX: INVENTORY_OK, INVENTORY_NOT_FOUND,
 * INVENTORY_BAD_AMOUNT (nothing written) or INVENTORY_ERROR.
 */
int		 stock_threshold(struct db *, long long variant_id,
		    long long *threshold);
enum inventory_result stock_threshold_set(struct db *, long long variant_id,
		    long long threshold);

#endif
