/*
 * Refunds: asked in one write, sent to the gateway outside any, recorded
 * in another (refund.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/stripe.h"
#include "shop/adminlog.h"
#include "shop/audit.h"
#include "shop/invoice.h"
#include "shop/notify.h"
#include "shop/order.h"
#include "shop/outbox.h"
#include "shop/payment.h"
#include "shop/pricing.h"
#include "shop/refund.h"

const char *const refund_state_names[REFUND_STATE__MAX] = {
	"requested",
	"succeeded",
	"failed",
};

const char *const refund_reason_names[REFUND_REASON__MAX] = {
	"",
	"requested_by_customer",
	"duplicate",
	"fraudulent",
};

const char *const refund_result_names[REFUND__MAX] = {
	"ok",
	"no_order",
	"not_paid",
	"nothing_left",
	"too_much",
	"bad_amount",
	"bad_line",
	"shipping_done",
	"pending",
	"failed",
	"error",
};

const char *const refund_result_msgs[REFUND__MAX] = {
	"The refund was made.",
	"There is no such order.",
	"Only a paid, shipped or partly refunded order can be refunded.",
	"Everything paid for this order is refunded or being refunded.",
	"That is more than is left to refund of this order.",
	"A refund is an amount above zero, or order lines, not both.",
	"A line is not of this order, is named twice, or has fewer units "
	    "left to refund.",
	"The shipping of this order is refunded or being refunded already.",
	"The refund was sent; the payment service has not confirmed it yet. "
	    "It is asked again until it does: do not refund again.",
	"The payment service refused the refund: nothing was refunded.",
	"The shop could not record the refund. Please try again.",
};

const char *const refund_answer_names[REFUND_ANSWER__MAX] = {
	"refunded",
	"waiting",
	"refused",
	"unknown",
};

#define REFUND_COLUMNS \
    "r.id, r.order_id, coalesce(o.number, ''), o.token, r.amount, " \
    "r.currency, r.shipping, coalesce(r.reason, ''), r.state, " \
    "r.payment_intent, coalesce(r.idempotency_key, ''), " \
    "coalesce(r.gateway_id, ''), coalesce(r.error, ''), r.actor, " \
    "r.created_at, r.updated_at FROM refunds r " \
    "JOIN orders o ON o.id = r.order_id "

static const char sql_by_id[] =
    "SELECT " REFUND_COLUMNS "WHERE r.id = ?1";
static const char sql_of_order[] =
    "SELECT " REFUND_COLUMNS "WHERE r.order_id = ?1 ORDER BY r.id";
static const char sql_lines[] =
    "SELECT rl.order_line_id, coalesce(l.variant_id, 0), l.product_name, "
    "l.variant_title, rl.quantity, rl.amount, rl.tax, rl.restock "
    "FROM refund_lines rl JOIN order_lines l ON l.id = rl.order_line_id "
    "WHERE rl.refund_id = ?1 ORDER BY rl.id";
/* What is asked or done of an order: money, shipping, per line. */
static const char sql_sums[] =
    "SELECT coalesce(sum(amount) FILTER (WHERE state = 'succeeded'), 0), "
    "coalesce(sum(amount) FILTER (WHERE state = 'requested'), 0), "
    "coalesce(sum(shipping) FILTER (WHERE state != 'failed'), 0) "
    "FROM refunds WHERE order_id = ?1";
static const char sql_order_lines[] =
    "SELECT l.id, coalesce(l.variant_id, 0), l.product_name, "
    "l.variant_title, l.unit_price, l.quantity, l.tax, "
    "(SELECT coalesce(sum(rl.quantity), 0) FROM refund_lines rl "
    " JOIN refunds r ON r.id = rl.refund_id "
    " WHERE rl.order_line_id = l.id AND r.state != 'failed'), l.discount "
    "FROM order_lines l WHERE l.order_id = ?1 ORDER BY l.id";
/*
 * AUTOINCREMENT ids are only taken once everything is checked: an
 * insert that fails still takes a number, which the audit would see as
 * an id whose row is missing (the rollback gives it back).
 */
static const char sql_insert[] =
    "INSERT INTO refunds (order_id, amount, currency, shipping, reason, "
    "payment_intent, actor, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, nullif(?5, ''), ?6, ?7, ?8, ?8)";
static const char sql_key[] =
    "UPDATE refunds SET idempotency_key = ?2 WHERE id = ?1";
static const char sql_line_insert[] =
    "INSERT INTO refund_lines (refund_id, order_line_id, quantity, amount, "
    "tax, restock) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_succeeded[] =
    "UPDATE refunds SET state = 'succeeded', gateway_id = ?2, error = NULL, "
    "updated_at = ?3 WHERE id = ?1 AND state = 'requested'";
static const char sql_failed[] =
    "UPDATE refunds SET state = 'failed', error = ?2, updated_at = ?3 "
    "WHERE id = ?1 AND state = 'requested'";
static const char sql_waiting[] =
    "UPDATE refunds SET gateway_id = coalesce(gateway_id, nullif(?2, '')), "
    "error = ?3, updated_at = ?4 WHERE id = ?1 AND state = 'requested'";
static const char sql_pending[] =
    "SELECT id FROM refunds WHERE state = 'requested' AND created_at <= ?1 "
    "ORDER BY id LIMIT ?2";

/* Refunds retried in one pass; the rest wait for the next. */
#define RETRY_BATCH	50
/* A pass stops after so many in a row without an answer: the gateway is
 * not answering, and each costs a whole deadline. */
#define RETRY_SILENT	3
/* Pages of a payment intent's refunds read for its total, at most. */
#define TOTAL_PAGES	20

enum refund_reason
refund_reason_from_name(const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < REFUND_REASON__MAX; i++)
		if (strcmp(s, refund_reason_names[i]) == 0)
			return (enum refund_reason)i;
	return REFUND_REASON__MAX;
}

static enum refund_state
state_from_name(const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < REFUND_STATE__MAX; i++)
		if (strcmp(s, refund_state_names[i]) == 0)
			return (enum refund_state)i;
	return REFUND_STATE__MAX;
}

/* Now as the database's timestamps are written, in the arena. */
static char *
timestamp(struct arena *a)
{
	time_t		t = (time_t)clock_now();
	struct tm	tm;
	char		s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(a, s);
}

static char *
line_name(struct arena *a, const char *product, const char *variant)
{
	return *variant == '\0' ? arena_strdup(a, product) :
	    arena_printf(a, "%s (%s)", product, variant);
}

static void
refund_row(struct arena *a, sqlite3_stmt *st, struct refund *r)
{
	int	c = 0;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, c++);
	r->order_id = sqlite3_column_int64(st, c++);
	r->order_number = db_text(a, st, c++);
	r->order_token = db_text(a, st, c++);
	r->amount = sqlite3_column_int64(st, c++);
	r->currency = db_text(a, st, c++);
	r->shipping = sqlite3_column_int64(st, c++);
	r->reason = refund_reason_from_name((const char *)
	    sqlite3_column_text(st, c++));
	if (r->reason == REFUND_REASON__MAX)
		r->reason = REFUND_REASON_NONE;
	r->state = state_from_name((const char *)sqlite3_column_text(st, c++));
	r->payment_intent = db_text(a, st, c++);
	r->idempotency_key = db_text(a, st, c++);
	r->gateway_id = db_text(a, st, c++);
	r->error = db_text(a, st, c++);
	r->actor = db_text(a, st, c++);
	r->created_at = db_text(a, st, c++);
	r->updated_at = db_text(a, st, c++);
}

static int
load_lines(struct db *d, struct arena *a, struct refund *r)
{
	sqlite3_stmt	*st = db_prep(d, sql_lines);
	size_t		 cap = 4;
	int		 rc;

	if (st == NULL)
		return -1;
	r->lines = arena_calloc(a, cap, sizeof(*r->lines));
	sqlite3_bind_int64(st, 1, r->id);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		struct refund_line *l;

		if (r->nlines == cap) {
			struct refund_line *grown = arena_calloc(a, cap * 2,
			    sizeof(*grown));

			memcpy(grown, r->lines, cap * sizeof(*grown));
			r->lines = grown;
			cap *= 2;
		}
		l = &r->lines[r->nlines++];
		l->order_line_id = sqlite3_column_int64(st, 0);
		l->variant_id = sqlite3_column_int64(st, 1);
		l->name = line_name(a, (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3));
		l->quantity = sqlite3_column_int64(st, 4);
		l->amount = sqlite3_column_int64(st, 5);
		l->tax = sqlite3_column_int64(st, 6);
		l->restock = sqlite3_column_int(st, 7) != 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct refund *
refund_by_id(struct db *d, struct arena *a, long long id)
{
	sqlite3_stmt	*st = db_prep(d, sql_by_id);
	struct refund	*r;
	int		 rc;

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(d, st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return NULL;
	}
	r = arena_calloc(a, 1, sizeof(*r));
	refund_row(a, st, r);
	sqlite3_reset(st);
	return load_lines(d, a, r) == 0 ? r : NULL;
}

struct refund *
refunds_of_order(struct db *d, struct arena *a, long long order_id,
    size_t *n)
{
	sqlite3_stmt	*st = db_prep(d, sql_of_order);
	struct refund	*v, *grown;
	size_t		 cap = 4, i;
	int		 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	v = arena_calloc(a, cap, sizeof(*v));
	sqlite3_bind_int64(st, 1, order_id);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (*n == cap) {
			grown = arena_calloc(a, cap * 2, sizeof(*grown));
			memcpy(grown, v, cap * sizeof(*grown));
			v = grown;
			cap *= 2;
		}
		refund_row(a, st, &v[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return NULL;
	/* The lines after the list: they use the connection too. */
	for (i = 0; i < *n; i++)
		if (load_lines(d, a, &v[i]) != 0)
			return NULL;
	return v;
}

/* What an order's refunds add up to. */
struct sums {
	long long	 succeeded;	/* refunded by us */
	long long	 requested;	/* asked, not answered */
	long long	 shipping;	/* shipping asked or refunded */
};

static int
sums_of(struct db *d, long long order_id, struct sums *s)
{
	sqlite3_stmt	*st = db_prep(d, sql_sums);
	int		 rc;

	memset(s, 0, sizeof(*s));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, order_id);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		s->succeeded = sqlite3_column_int64(st, 0);
		s->requested = sqlite3_column_int64(st, 1);
		s->shipping = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Money left to refund of o: what was paid, less the larger of what the
 * gateway said is refunded (amount_refunded, our refunds and any made
 * elsewhere) and what our succeeded refunds add up to, less what is
 * asked and not answered. A requested refund whose webhook came first is
 * counted twice until it is recorded: refused too soon, never too late.
 */
static long long
money_left(const struct order *o, const struct sums *s)
{
	long long	done = o->amount_refunded > s->succeeded ?
			    o->amount_refunded : s->succeeded;

	return o->amount_paid - done - s->requested;
}

/* An order line with what is left of it to refund. */
struct oline {
	long long	 id;
	long long	 variant_id;
	char		*name;
	long long	 unit_price;
	long long	 quantity;
	long long	 tax;
	long long	 refunded;	/* units asked or refunded */
	long long	 discount;	/* the line's share of a discount code */
};

static struct oline *
order_lines(struct db *d, struct arena *a, long long order_id, size_t *n)
{
	sqlite3_stmt	*st = db_prep(d, sql_order_lines);
	struct oline	*v;
	int		 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	v = arena_calloc(a, SHOP_MAX_ORDER_LINES, sizeof(*v));
	sqlite3_bind_int64(st, 1, order_id);
	while ((rc = db_step(d, st)) == SQLITE_ROW &&
	    *n < SHOP_MAX_ORDER_LINES) {
		struct oline *l = &v[(*n)++];

		l->id = sqlite3_column_int64(st, 0);
		l->variant_id = sqlite3_column_int64(st, 1);
		l->name = line_name(a, (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3));
		l->unit_price = sqlite3_column_int64(st, 4);
		l->quantity = sqlite3_column_int64(st, 5);
		l->tax = sqlite3_column_int64(st, 6);
		l->refunded = sqlite3_column_int64(st, 7);
		l->discount = sqlite3_column_int64(st, 8);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? v : NULL;
}

struct refund_line_left *
refund_left(struct db *d, struct arena *a, long long order_id,
    long long *amount, size_t *n)
{
	struct refund_line_left	*v;
	struct order		*o;
	struct oline		*l;
	struct sums		 s;
	size_t			 i;

	*amount = 0;
	*n = 0;
	if ((o = order_by_id(d, a, order_id)) == NULL || sums_of(d, o->id,
	    &s) != 0 || (l = order_lines(d, a, o->id, n)) == NULL)
		return NULL;
	*amount = money_left(o, &s);
	if (*amount < 0)
		*amount = 0;
	v = arena_calloc(a, *n ? *n : 1, sizeof(*v));
	for (i = 0; i < *n; i++) {
		v[i].order_line_id = l[i].id;
		v[i].variant_id = l[i].variant_id;
		v[i].name = l[i].name;
		v[i].unit_price = l[i].unit_price;
		v[i].quantity = l[i].quantity;
		v[i].left = l[i].quantity - l[i].refunded;
	}
	return v;
}

/*
 * The tax of the first k units of l as the order's snapshot charged it:
 * all of them are the line's own tax, fewer are taxed as a line of k
 * units would be. A line refunded in parts thus gives back exactly the
 * tax it was charged, whatever the parts.
 */
/*
 * What the first k units of l were charged before any added tax: the
 * unit price times k, less the part of the line's discount (discount.h)
 * they carry, k / quantity of it rounded down, all of it for the whole
 * line; so the parts of a line refunded in turn add up to what it cost.
 * -1 on overflow.
 */
static long long
charged_of_units(const struct oline *l, long long k)
{
	long long	amount;

	if (k >= l->quantity)
		k = l->quantity;
	if (money_mul(l->unit_price, k, &amount) != 0)
		return -1;
	if (l->discount <= 0)
		return amount;
	return amount - (k == l->quantity ? l->discount :
	    (long long)((__int128)l->discount * k / l->quantity));
}

static long long
tax_of_units(const struct order *o, const struct oline *l, long long k)
{
	long long	amount;

	if (k >= l->quantity)
		return l->tax;
	if ((amount = charged_of_units(l, k)) < 0)
		return -1;
	return tax_on(amount, o->tax_rate_bp, o->tax_inclusive);
}

/* A line of the refund being computed. */
struct pline {
	const struct oline	*line;
	long long		 quantity;
	long long		 amount;
	long long		 tax;
	bool			 restock;
};

/*
 * The amount of in's lines and shipping for o, into *amount and p (one
 * per input line), *shipping the shipping part. REFUND_OK or why not.
 */
static enum refund_result
lines_amount(const struct order *o, const struct refund_input *in,
    const struct oline *ol, size_t nol, const struct sums *s,
    struct pline *p, long long *amount, long long *shipping)
{
	size_t		 i, k;
	long long	 before, tax, t;

	*amount = *shipping = 0;
	for (i = 0; i < in->nlines; i++) {
		const struct refund_line_input *li = &in->lines[i];

		for (k = 0; k < nol && ol[k].id != li->order_line_id; k++)
			continue;
		if (k == nol || li->quantity < 1)
			return REFUND_BAD_LINE;
		for (t = 0; t < (long long)i; t++)
			if (in->lines[t].order_line_id == li->order_line_id)
				return REFUND_BAD_LINE;
		before = ol[k].refunded;
		if (li->quantity > ol[k].quantity - before)
			return REFUND_BAD_LINE;
		p[i].line = &ol[k];
		p[i].quantity = li->quantity;
		p[i].restock = li->restock;
		if ((tax = tax_of_units(o, &ol[k], before + li->quantity)) < 0 ||
		    (t = tax_of_units(o, &ol[k], before)) < 0)
			return REFUND_TOO_MUCH;
		p[i].tax = tax - t;
		if (p[i].tax < 0)
			p[i].tax = 0;
		if ((p[i].amount = charged_of_units(&ol[k], before +
		    li->quantity)) < 0 || (t = charged_of_units(&ol[k],
		    before)) < 0)
			return REFUND_TOO_MUCH;
		p[i].amount -= t;
		if ((!o->tax_inclusive && money_add(p[i].amount, p[i].tax,
		    &p[i].amount) != 0) ||
		    money_add(*amount, p[i].amount, amount) != 0)
			return REFUND_TOO_MUCH;
	}
	if (in->shipping) {
		if (s->shipping > 0 || o->shipping == 0)
			return REFUND_SHIPPING_DONE;
		*shipping = o->shipping;
		if (!o->tax_inclusive)
			*shipping += tax_on(o->shipping, o->tax_rate_bp, false);
		if (money_add(*amount, *shipping, amount) != 0)
			return REFUND_TOO_MUCH;
	}
	return REFUND_OK;
}

/* The refund's rows (in the write): the refund, its key, its lines. */
static long long
insert(struct db *d, struct arena *a, const struct order *o,
    const struct refund_input *in, long long amount, long long shipping,
    const struct pline *p)
{
	sqlite3_stmt	*st;
	long long	 id;
	size_t		 i;
	int		 rc;
	const char	*now = timestamp(a);

	if ((st = db_prep(d, sql_insert)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int64(st, 2, amount);
	sqlite3_bind_text(st, 3, o->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, shipping);
	sqlite3_bind_text(st, 5, refund_reason_names[in->reason], -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 6, o->payment_intent, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, in->actor != NULL ? in->actor : "unknown",
	    -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	id = sqlite3_last_insert_rowid(db_handle(d));
	if ((st = db_prep(d, sql_key)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, arena_printf(a, "order-%lld-%s-refund-%lld",
	    o->id, o->token, id), -1, SQLITE_TRANSIENT);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	for (i = 0; i < in->nlines; i++) {
		if ((st = db_prep(d, sql_line_insert)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, p[i].line->id);
		sqlite3_bind_int64(st, 3, p[i].quantity);
		sqlite3_bind_int64(st, 4, p[i].amount);
		sqlite3_bind_int64(st, 5, p[i].tax);
		sqlite3_bind_int(st, 6, p[i].restock);
		rc = db_step(d, st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return id;
}

/* The admin log's entry of a refund asked from the back office. */
static int
request_log(struct db *d, struct arena *a, const struct refund_input *in,
    const struct order *o, long long left, long long id, long long amount,
    long long shipping, const struct pline *p)
{
	struct tval	*before = tval_map(a), *after = tval_map(a), *l, *m;
	size_t		 i;

	tval_set_str(a, before, "state", order_state_names[o->state]);
	tval_set_int(a, before, "amount_paid", o->amount_paid);
	tval_set_int(a, before, "amount_refunded", o->amount_refunded);
	tval_set_int(a, before, "left", left);
	tval_set_int(a, after, "refund_id", id);
	tval_set_int(a, after, "amount", amount);
	tval_set_int(a, after, "shipping", shipping);
	tval_set_str(a, after, "reason", refund_reason_names[in->reason]);
	tval_set_str(a, after, "state",
	    refund_state_names[REFUND_STATE_REQUESTED]);
	l = tval_set_list(a, after, "lines");
	for (i = 0; i < in->nlines; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "order_line_id", p[i].line->id);
		tval_set_int(a, m, "quantity", p[i].quantity);
		tval_set_int(a, m, "amount", p[i].amount);
		tval_set_bool(a, m, "restock", p[i].restock);
	}
	return adminlog_write(d, in->who, "order.refund", "order", o->id,
	    o->number, before, after) < 0 ? -1 : 0;
}

/* refund_request()'s checks and rows, inside its write. */
static enum refund_result
request_in_write(struct db *d, struct arena *a, const struct refund_input *in,
    long long *id)
{
	struct order	*o;
	struct oline	*ol = NULL;
	struct pline	*p = NULL;
	struct sums	 s;
	size_t		 nol = 0;
	long long	 left, amount, shipping = 0;
	enum refund_result r;
	bool		 by_lines = in->nlines > 0 || in->shipping;

	if (in->amount < 0 || (in->amount > 0 && by_lines) ||
	    in->reason >= REFUND_REASON__MAX ||
	    in->nlines > SHOP_MAX_ORDER_LINES)
		return REFUND_BAD_AMOUNT;
	if ((o = order_by_id(d, a, in->order_id)) == NULL)
		return REFUND_NO_ORDER;
	if ((o->state != ORDER_PAID && o->state != ORDER_FULFILLED &&
	    o->state != ORDER_PARTIALLY_REFUNDED) || o->amount_paid <= 0 ||
	    *o->payment_intent == '\0')
		return REFUND_NOT_PAID;
	if (sums_of(d, o->id, &s) != 0)
		return REFUND_ERROR;
	if ((left = money_left(o, &s)) <= 0)
		return REFUND_NOTHING_LEFT;
	if (by_lines) {
		if ((ol = order_lines(d, a, o->id, &nol)) == NULL)
			return REFUND_ERROR;
		p = arena_calloc(a, in->nlines ? in->nlines : 1, sizeof(*p));
		if ((r = lines_amount(o, in, ol, nol, &s, p, &amount,
		    &shipping)) != REFUND_OK)
			return r;
		if (amount <= 0)
			return REFUND_BAD_AMOUNT;
	} else
		amount = in->amount > 0 ? in->amount : left;
	if (amount > left)
		return REFUND_TOO_MUCH;
	if ((*id = insert(d, a, o, in, amount, shipping, p)) < 0)
		return REFUND_ERROR;
	/* A change in the back office: recorded for the operator. */
	if (audit_add(d, "refund_requested", o->id, in->actor != NULL ?
	    in->actor : "unknown", arena_printf(a, "refund %lld of %s asked "
	    "for order %s%s%s", *id, money_format(a, amount, o->currency),
	    o->number, in->reason != REFUND_REASON_NONE ? ": " : "",
	    refund_reason_names[in->reason])) != 0)
		return REFUND_ERROR;
	if (in->who != NULL && request_log(d, a, in, o, left, *id, amount,
	    shipping, p) != 0)
		return REFUND_ERROR;
	return REFUND_OK;
}

enum refund_result
refund_request(struct db *d, struct arena *a, const struct refund_input *in,
    struct refund **out)
{
	enum refund_result	r;
	long long		id = 0;

	if (out != NULL)
		*out = NULL;
	if (db_begin(d) != 0)
		return REFUND_ERROR;
	r = request_in_write(d, a, in, &id);
	if (r != REFUND_OK) {
		db_rollback(d);
		return r;
	}
	if (db_commit(d) != 0)
		return REFUND_ERROR;
	if (out != NULL && (*out = refund_by_id(d, a, id)) == NULL)
		return REFUND_ERROR;
	return REFUND_OK;
}

/*
 * The payment intent's refunds in all at the gateway: every page of its
 * list, those succeeded or on their way (as a charge's amount_refunded
 * counts them). -1 when it cannot be listed.
 */
static long long
gateway_total(struct stripe *c, struct arena *a, const char *pi)
{
	struct stripe_refund_query	q;
	struct stripe_refund_list	l;
	struct stripe_error		err;
	long long			total = 0;
	size_t				i;
	int				pages = 0;

	memset(&q, 0, sizeof(q));
	q.payment_intent = pi;
	q.limit = STRIPE_LIST_MAX;
	do {
		if (stripe_refund_list(c, a, &q, &l, &err) != 0) {
			log_warn("refund: listing the refunds of %s: %s", pi,
			    err.message);
			return -1;
		}
		if (++pages > TOTAL_PAGES) {
			log_warn("refund: %s has more than %d pages of refunds",
			    pi, TOTAL_PAGES);
			return -1;
		}
		for (i = 0; i < l.n; i++)
			if (l.v[i].status == STRIPE_REFUND_SUCCEEDED ||
			    l.v[i].status == STRIPE_REFUND_PENDING)
				total += l.v[i].amount;
		if (l.n > 0)
			q.starting_after = l.v[l.n - 1].id;
	} while (l.has_more && l.n > 0);
	return total;
}

/* What a refund object the gateway answered says. */
static void
from_refund(struct stripe *c, struct arena *a, const struct refund *r,
    const struct stripe_refund *g, struct refund_answer *ans)
{
	ans->gateway_id = g->id;
	ans->amount = g->amount;
	switch (g->status) {
	case STRIPE_REFUND_SUCCEEDED:
		ans->kind = REFUND_ANSWER_REFUNDED;
		ans->gateway_total = gateway_total(c, a, r->payment_intent);
		break;
	case STRIPE_REFUND_FAILED:
	case STRIPE_REFUND_CANCELED:
		ans->kind = REFUND_ANSWER_REFUSED;
		ans->error = arena_printf(a, "the gateway's refund %s is %s",
		    g->id, g->status_name);
		break;
	default:
		ans->kind = REFUND_ANSWER_WAITING;
		ans->error = arena_printf(a, "the gateway's refund %s is %s",
		    g->id, g->status_name);
		break;
	}
}

/*
 * The gateway's refund of r's payment intent that names r in its
 * metadata (refund and order id) with r's amount, into *g; 0 if found.
 * For a key the gateway saw with other parameters: another generation
 * of the programs, sending r otherwise, may have made it and lost the
 * answer, and it is then r's refund, not a reason to refund again.
 */
static int
find_ours(struct stripe *c, struct arena *a, const struct refund *r,
    struct stripe_refund *g)
{
	struct stripe_refund_query	q;
	struct stripe_refund_list	l;
	struct stripe_error		err;
	const char			*rid, *oid;
	size_t				i;
	int				pages = 0;

	memset(&q, 0, sizeof(q));
	q.payment_intent = r->payment_intent;
	q.limit = STRIPE_LIST_MAX;
	do {
		if (stripe_refund_list(c, a, &q, &l, &err) != 0 ||
		    ++pages > TOTAL_PAGES)
			return -1;
		for (i = 0; i < l.n; i++) {
			rid = stripe_kv_get(l.v[i].metadata, l.v[i].nmetadata,
			    "refund_id");
			oid = stripe_kv_get(l.v[i].metadata, l.v[i].nmetadata,
			    "order_id");
			if (rid != NULL && oid != NULL &&
			    strcmp(rid, arena_printf(a, "%lld", r->id)) == 0 &&
			    strcmp(oid, arena_printf(a, "%lld", r->order_id)) == 0 &&
			    l.v[i].amount == r->amount) {
				*g = l.v[i];
				return 0;
			}
		}
		if (l.n > 0)
			q.starting_after = l.v[l.n - 1].id;
	} while (l.has_more && l.n > 0);
	return -1;
}

void
refund_send(struct stripe *c, struct arena *a, const struct refund *r,
    struct refund_answer *ans)
{
	struct stripe_refund_new n;
	struct stripe_refund	 g;
	struct stripe_error	 err;
	struct stripe_kv	 meta[3];
	int			 rc;

	memset(ans, 0, sizeof(*ans));
	ans->gateway_total = -1;
	if (*r->gateway_id != '\0') {
		/* Named before but not finished: ask after it. */
		rc = stripe_refund_get(c, a, r->gateway_id, &g, &err);
	} else {
		/* Everything sent comes from the row, so a retry by any
		 * generation of the programs sends the same request. */
		memset(&n, 0, sizeof(n));
		n.payment_intent = r->payment_intent;
		n.amount = r->amount;
		n.reason = r->reason == REFUND_REASON_NONE ? NULL :
		    refund_reason_names[r->reason];
		meta[0] = (struct stripe_kv){ "refund_id",
		    arena_printf(a, "%lld", r->id) };
		meta[1] = (struct stripe_kv){ "order_id",
		    arena_printf(a, "%lld", r->order_id) };
		meta[2] = (struct stripe_kv){ "order_number", r->order_number };
		n.metadata = meta;
		n.nmetadata = *r->order_number != '\0' ? 3 : 2;
		rc = stripe_refund_create(c, a, &n, r->idempotency_key, &g,
		    &err);
	}
	if (rc != 0 && err.kind == STRIPE_ERR_IDEMPOTENCY &&
	    find_ours(c, a, r, &g) == 0) {
		log_warn("refund %lld: its key was first used with other "
		    "parameters, by refund %s of the same amount: that one is "
		    "it", r->id, g.id);
		rc = 0;
	}
	if (rc == 0) {
		from_refund(c, a, r, &g, ans);
		return;
	}
	ans->error = arena_strdup(a, err.message);
	/*
	 * Refused for certain: the request was checked and turned down, or
	 * never sent. No answer, an unreadable one, or a key the gateway did
	 * not take (the key may have been changed since an earlier try that
	 * went through): unknown, asked again later.
	 */
	switch (err.kind) {
	case STRIPE_ERR_USAGE:
	case STRIPE_ERR_IDEMPOTENCY:
	case STRIPE_ERR_REQUEST:
		ans->kind = REFUND_ANSWER_REFUSED;
		break;
	case STRIPE_ERR_NOT_FOUND:
		ans->kind = *r->gateway_id != '\0' ? REFUND_ANSWER_UNKNOWN :
		    REFUND_ANSWER_REFUSED;
		break;
	default:
		ans->kind = REFUND_ANSWER_UNKNOWN;
		break;
	}
}

/*
 * The customer's "refund issued" mail, queued in the write, once, with
 * the link to its credit note (the order's n-th; 0: none).
 */
static int
refund_mail(struct db *d, struct arena *a, const struct order *o,
    const struct refund *r, long long refunded, long long credit_note)
{
	struct tval		*data = tval_map(a), *lines, *m;
	struct notify_mail	 mail;
	size_t			 i;
	int			 rc;

	if (*o->ship.name != '\0')
		tval_set_str(a, data, "name", o->ship.name);
	tval_set_str(a, data, "number", o->number);
	tval_set_str(a, data, "token", o->token);
	if (credit_note > 0)
		tval_set_str(a, data, "credit_note_url", arena_printf(a,
		    "/orders/%s/credit-notes/%lld", o->token, credit_note));
	tval_set_str(a, data, "amount", money_format(a, r->amount,
	    o->currency));
	tval_set_str(a, data, "refunded", money_format(a, refunded,
	    o->currency));
	tval_set_str(a, data, "paid", money_format(a, o->amount_paid,
	    o->currency));
	tval_set_bool(a, data, "whole", refunded >= o->amount_paid);
	tval_set_bool(a, data, "itemized", r->nlines > 0 || r->shipping > 0);
	if (r->nlines > 0) {
		lines = tval_set_list(a, data, "lines");
		for (i = 0; i < r->nlines; i++) {
			m = tval_push_map(a, lines);
			tval_set_int(a, m, "quantity", r->lines[i].quantity);
			tval_set_str(a, m, "name", r->lines[i].name);
			tval_set_str(a, m, "amount", money_format(a,
			    r->lines[i].amount, o->currency));
		}
	}
	if (r->shipping > 0)
		tval_set_str(a, data, "shipping", money_format(a, r->shipping,
		    o->currency));
	memset(&mail, 0, sizeof(mail));
	mail.template = "refund_issued";
	mail.to = o->email;
	mail.to_name = o->ship.name;
	mail.data = data;
	mail.unique_key = arena_printf(a, "mail:refund-issued:%lld", r->id);
	mail.priority = 10;
	rc = notify_mail(d, a, &mail) < 0 ? -1 : 0;
	return rc;
}

/*
 * The credit note of r, which has just succeeded for order o (in the
 * write): a line per refunded order line as the refund priced it, the
 * shipping with its tax, or for an amount alone one line with the tax
 * that amount holds at the order's rate. Returns its n for the order
 * (1, 2, ...), or -1.
 */
static long long
credit_note(struct db *d, struct arena *a, const struct order *o,
    const struct refund *r)
{
	struct credit_line_input	*l;
	struct credit_note_input	 in;
	size_t				 i, n = 0;
	long long			 rest = r->amount, ordinal = 0;

	l = arena_calloc(a, r->nlines + 2, sizeof(*l));
	for (i = 0; i < r->nlines; i++, n++) {
		l[n].description = r->lines[i].name;
		l[n].quantity = r->lines[i].quantity;
		l[n].amount = r->lines[i].amount;
		l[n].tax = r->lines[i].tax;
		rest -= r->lines[i].amount;
	}
	if (r->shipping > 0) {
		l[n].description = arena_printf(a, "Shipping: %s",
		    o->shipping_name);
		l[n].quantity = 1;
		l[n].amount = r->shipping;
		l[n].tax = o->tax_inclusive ? tax_on(r->shipping,
		    o->tax_rate_bp, true) : r->shipping - o->shipping;
		if (l[n].tax < 0)
			l[n].tax = 0;
		rest -= r->shipping;
		n++;
	}
	if (rest > 0) {
		l[n].description = arena_printf(a, "Refund on order %s",
		    o->number);
		l[n].quantity = 1;
		l[n].amount = rest;
		l[n].tax = tax_on(rest, o->tax_rate_bp, true);
		if (l[n].tax < 0)
			l[n].tax = 0;
		n++;
	}
	memset(&in, 0, sizeof(in));
	in.refund_id = r->id;
	in.total = r->amount;
	in.lines = l;
	in.nlines = n;
	return credit_note_issue(d, a, o, &in, &ordinal) < 0 ? -1 : ordinal;
}

/* The refund succeeded (in the write): everything that follows, once. */
static enum refund_result
succeeded(struct db *d, struct arena *a, const struct refund *r,
    const struct refund_answer *ans)
{
	struct order		*o;
	struct sums		 s;
	sqlite3_stmt		*st;
	enum order_outcome	 out;
	long long		 total, oid, cn;
	size_t			 i;
	int			 rc;

	if ((st = db_prep(d, sql_succeeded)) == NULL)
		return REFUND_ERROR;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, ans->gateway_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, timestamp(a), -1, SQLITE_TRANSIENT);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || sqlite3_changes(db_handle(d)) != 1)
		return REFUND_ERROR;
	if (ans->amount != r->amount)
		audit_add(d, "refund_mismatch", r->order_id, r->actor,
		    arena_printf(a, "refund %lld asked %lld %s, the gateway's "
		    "%s refunded %lld", r->id, r->amount, r->currency,
		    ans->gateway_id, ans->amount));
	if ((o = order_by_id(d, a, r->order_id)) == NULL ||
	    sums_of(d, o->id, &s) != 0)
		return REFUND_ERROR;
	/*
	 * The order's refunded total only ever rises to a total the gateway
	 * stated: its list after this refund when it could be read, else at
	 * least what our refunds add up to (a refund made elsewhere then
	 * arrives with its webhook). The webhook's running total is applied
	 * the same way, so whichever comes second finds nothing to do.
	 */
	total = s.succeeded;
	if (ans->gateway_total > total)
		total = ans->gateway_total;
	if (total > o->amount_refunded) {
		out = payment_apply_refund(d, a, o->payment_intent, total,
		    SOURCE_ADMIN, ans->gateway_id, &oid);
		if (out == OUTCOME_ERROR)
			return REFUND_ERROR;
		if ((o = order_by_id(d, a, r->order_id)) == NULL)
			return REFUND_ERROR;
	}
	for (i = 0; i < r->nlines; i++)
		if (r->lines[i].restock && r->lines[i].variant_id != 0 &&
		    order_restock(d, r->order_id, r->lines[i].variant_id,
		    r->lines[i].quantity) != 0)
			return REFUND_ERROR;
	if ((cn = credit_note(d, a, o, r)) < 0)
		return REFUND_ERROR;
	if (refund_mail(d, a, o, r, o->amount_refunded > s.succeeded ?
	    o->amount_refunded : s.succeeded, cn) != 0)
		return REFUND_ERROR;
	log_info("refund %lld of order %s: %lld %s refunded (%s)", r->id,
	    o->number, r->amount, r->currency, ans->gateway_id);
	return REFUND_OK;
}

/* What ans says of r, still requested (in the write). */
static enum refund_result
record_answer(struct db *d, struct arena *a, const struct refund *r,
    const struct refund_answer *ans)
{
	sqlite3_stmt	*st;
	long long	 id = r->id;
	int		 rc;

	switch (ans->kind) {
	case REFUND_ANSWER_REFUNDED:
		if (ans->gateway_id == NULL)
			return REFUND_ERROR;
		return succeeded(d, a, r, ans);
	case REFUND_ANSWER_REFUSED:
		if ((st = db_prep(d, sql_failed)) == NULL)
			return REFUND_ERROR;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, ans->error != NULL ? ans->error :
		    "refused", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, timestamp(a), -1, SQLITE_TRANSIENT);
		rc = db_step(d, st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return REFUND_ERROR;
		log_warn("refund %lld of order %s failed: %s", id,
		    r->order_number, ans->error ? ans->error : "refused");
		return REFUND_FAILED;
	default:
		if ((st = db_prep(d, sql_waiting)) == NULL)
			return REFUND_ERROR;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, ans->gateway_id != NULL ?
		    ans->gateway_id : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ans->error != NULL ? ans->error :
		    "no answer", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, timestamp(a), -1, SQLITE_TRANSIENT);
		rc = db_step(d, st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return REFUND_ERROR;
		log_warn("refund %lld of order %s waits for the gateway: %s", id,
		    r->order_number, ans->error ? ans->error : "no answer");
		return REFUND_PENDING;
	}
}

/* {"refund_id", "refund_state", "state", "amount_refunded"} of r and o. */
static struct tval *
result_tval(struct arena *a, const struct refund *r, enum refund_state rs,
    const struct order *o)
{
	struct tval	*m = tval_map(a);

	tval_set_int(a, m, "refund_id", r->id);
	tval_set_str(a, m, "refund_state", refund_state_names[rs]);
	tval_set_str(a, m, "state", order_state_names[o->state]);
	tval_set_int(a, m, "amount_refunded", o->amount_refunded);
	return m;
}

/*
 * The admin log's entry of a refund that has just succeeded or failed
 * (in the write that recorded it): o as it was before.
 */
static int
result_log(struct db *d, struct arena *a, const struct actor *who,
    const struct refund *r, const struct order *o,
    const struct refund_answer *ans, enum refund_result res)
{
	struct order	*now;
	struct tval	*after;

	if ((now = order_by_id(d, a, r->order_id)) == NULL)
		return -1;
	after = result_tval(a, r, res == REFUND_OK ? REFUND_STATE_SUCCEEDED :
	    REFUND_STATE_FAILED, now);
	if (res == REFUND_OK && ans->gateway_id != NULL)
		tval_set_str(a, after, "gateway_id", ans->gateway_id);
	else if (res == REFUND_FAILED && ans->error != NULL)
		tval_set_str(a, after, "error", ans->error);
	return adminlog_write(d, who, "order.refund_result", "order",
	    r->order_id, o->number, result_tval(a, r, REFUND_STATE_REQUESTED,
	    o), after) < 0 ? -1 : 0;
}

/* refund_record()'s work inside its write; who as for refund_issue(). */
static enum refund_result
record_in_write(struct db *d, struct arena *a, long long id,
    const struct refund_answer *ans, const struct actor *who)
{
	struct refund		*r;
	struct order		*o = NULL;
	enum refund_result	 res;

	if ((r = refund_by_id(d, a, id)) == NULL)
		return REFUND_ERROR;
	/* Recorded before (another process, an earlier try): as it is. */
	if (r->state == REFUND_STATE_SUCCEEDED)
		return REFUND_OK;
	if (r->state == REFUND_STATE_FAILED)
		return REFUND_FAILED;
	if (who != NULL && (o = order_by_id(d, a, r->order_id)) == NULL)
		return REFUND_ERROR;
	res = record_answer(d, a, r, ans);
	if (o != NULL && (res == REFUND_OK || res == REFUND_FAILED) &&
	    result_log(d, a, who, r, o, ans, res) != 0)
		return REFUND_ERROR;
	return res;
}


/* refund_record(), with the admin log's entry when who is not NULL. */
static enum refund_result
record(struct db *d, struct arena *a, long long id,
    const struct refund_answer *ans, const struct actor *who,
    struct refund **out)
{
	enum refund_result	r;

	if (out != NULL)
		*out = NULL;
	if (db_begin(d) != 0)
		return REFUND_ERROR;
	r = record_in_write(d, a, id, ans, who);
	if (r == REFUND_ERROR) {
		db_rollback(d);
		return r;
	}
	if (db_commit(d) != 0)
		return REFUND_ERROR;
	if (out != NULL && (*out = refund_by_id(d, a, id)) == NULL)
		return REFUND_ERROR;
	return r;
}

enum refund_result
refund_record(struct db *d, struct arena *a, long long id,
    const struct refund_answer *ans, struct refund **out)
{
	return record(d, a, id, ans, NULL, out);
}

enum refund_result
refund_issue(struct db *d, struct stripe *c, struct arena *a,
    const struct refund_input *in, struct refund **out)
{
	struct refund		*r;
	struct refund_answer	 ans;
	enum refund_result	 res;

	if (out != NULL)
		*out = NULL;
	if ((res = refund_request(d, a, in, &r)) != REFUND_OK)
		return res;
	if (out != NULL)
		*out = r;
	refund_send(c, a, r, &ans);
	res = record(d, a, r->id, &ans, in->who, &r);
	if (out != NULL && r != NULL)
		*out = r;
	return res;
}

int
refund_retry_pending(struct db *d, struct stripe *c, struct arena *a,
    long long before, struct refund_report *rep, struct buf *out)
{
	struct refund_answer	 ans;
	struct refund		*r;
	sqlite3_stmt		*st;
	long long		 ids[RETRY_BATCH];
	size_t			 n = 0, i;
	time_t			 t = (time_t)before;
	struct tm		 tm;
	char			 when[32];
	int			 rc, silent = 0;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((st = db_prep(d, sql_pending)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, when, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, RETRY_BATCH);
	while ((rc = db_step(d, st)) == SQLITE_ROW && n < RETRY_BATCH)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	for (i = 0; i < n && silent < RETRY_SILENT; i++) {
		rep->pending++;
		if ((r = refund_by_id(d, a, ids[i])) == NULL) {
			rep->errors++;
			continue;
		}
		if (r->state != REFUND_STATE_REQUESTED)
			continue;
		refund_send(c, a, r, &ans);
		silent = ans.kind == REFUND_ANSWER_UNKNOWN ? silent + 1 : 0;
		switch (refund_record(d, a, r->id, &ans, NULL)) {
		case REFUND_OK:
			rep->succeeded++;
			if (out != NULL)
				buf_printf(out, "refund %lld of order %s: "
				    "completed (%s)\n", r->id, r->order_number,
				    ans.gateway_id);
			break;
		case REFUND_FAILED:
			rep->failed++;
			if (out != NULL)
				buf_printf(out, "refund %lld of order %s: "
				    "failed: %s\n", r->id, r->order_number,
				    ans.error ? ans.error : "refused");
			break;
		case REFUND_PENDING:
			rep->waiting++;
			break;
		default:
			rep->errors++;
			break;
		}
	}
	return 0;
}

struct gateway_refund *
refund_gateway_list(struct stripe *c, struct arena *a, long long since,
    size_t *n, struct stripe_error *err)
{
	struct stripe_refund_query	 q;
	struct stripe_refund_list	 l;
	struct gateway_refund		*v = NULL, *grown;
	size_t				 cap = 0, i;

	*n = 0;
	memset(&q, 0, sizeof(q));
	q.created_gte = since;
	q.limit = STRIPE_LIST_MAX;
	do {
		if (stripe_refund_list(c, a, &q, &l, err) != 0)
			return NULL;
		for (i = 0; i < l.n; i++) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				grown = arena_calloc(a, cap, sizeof(*v));
				if (*n)
					memcpy(grown, v, *n * sizeof(*v));
				v = grown;
			}
			v[*n].id = l.v[i].id;
			v[*n].payment_intent = l.v[i].payment_intent;
			v[*n].amount = l.v[i].amount;
			v[*n].succeeded = l.v[i].status ==
			    STRIPE_REFUND_SUCCEEDED ||
			    l.v[i].status == STRIPE_REFUND_PENDING;
			v[*n].refund_id = stripe_kv_get(l.v[i].metadata,
			    l.v[i].nmetadata, "refund_id");
			v[*n].order_id = stripe_kv_get(l.v[i].metadata,
			    l.v[i].nmetadata, "order_id");
			(*n)++;
		}
		if (l.n > 0)
			q.starting_after = l.v[l.n - 1].id;
	} while (l.has_more && l.n > 0);
	return v != NULL ? v : arena_calloc(a, 1, sizeof(*v));
}
