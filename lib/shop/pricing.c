/*
 * Shipping, tax and quotes.
 */
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/money.h"
#include "data/db.h"
#include "shop/discount.h"
#include "shop/pricing.h"

const char *const quote_problem_msgs[QUOTE__MAX] = {
	"ok",
	"Your cart is empty.",
	"An item in your cart is no longer for sale.",
	"An item in your cart has sold out, or there are fewer left than "
	    "you asked for.",
	"Please choose a shipping method.",
	"Items in your cart are priced in different currencies.",
	"The amounts are too large.",
	"There are too many different items in your cart for one order.",
	"The shop could not read its catalog. Please try again.",
	"We do not ship to that country.",
	"This shipping method is not offered for this address or the "
	    "weight of this order. Please choose another.",
	"This discount code cannot be used.",
};

#define METHOD_COLUMNS \
    "m.id, m.code, m.name, m.price, m.currency, coalesce(m.free_over, -1), " \
    "coalesce(m.min_weight_grams, -1), coalesce(m.max_weight_grams, -1), " \
    "m.active, m.position FROM shipping_methods m "
/* Whether method m is offered to country ?1 at weight ?2. */
#define METHOD_OFFERED \
    "EXISTS (SELECT 1 FROM shipping_method_zones mz " \
    "JOIN shipping_zone_countries zc ON zc.zone_id = mz.zone_id " \
    "WHERE mz.method_id = m.id AND zc.country = ?1) " \
    "AND coalesce(m.min_weight_grams, 0) <= ?2 " \
    "AND (m.max_weight_grams IS NULL OR ?2 <= m.max_weight_grams)"

static const char sql_methods[] =
    "SELECT " METHOD_COLUMNS "WHERE m.active ORDER BY m.position, m.id";
static const char sql_methods_for[] =
    "SELECT " METHOD_COLUMNS "WHERE m.active AND " METHOD_OFFERED
    " ORDER BY m.position, m.id";
static const char sql_method[] =
    "SELECT " METHOD_COLUMNS "WHERE m.active AND m.code = ?1";
static const char sql_method_offered[] =
    "SELECT 1 FROM shipping_methods m WHERE m.id = ?3 AND " METHOD_OFFERED;
static const char sql_zoned[] =
    "SELECT 1 FROM shipping_zone_countries WHERE country = ?1 LIMIT 1";
static const char sql_rate[] =
    "SELECT country, name, rate_bp, inclusive FROM tax_rates "
    "WHERE country IN (?1, '*') ORDER BY country = '*' LIMIT 1";
static const char sql_method_add[] =
    "INSERT INTO shipping_methods (code, name, price, currency, free_over, "
    "position) VALUES (?1, ?2, ?3, ?4, nullif(?5, -1), ?6) "
    "ON CONFLICT (code) DO NOTHING";
static const char sql_rate_add[] =
    "INSERT INTO tax_rates (country, name, rate_bp, inclusive) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (country) DO NOTHING";
static const char sql_variant[] =
    "SELECT p.name, p.slug, v.title, v.sku, v.price, v.currency, v.stock, "
    "v.active AND p.active, v.weight_grams "
    "FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = ?1";

static void
method_row(struct arena *a, sqlite3_stmt *st, struct shipping_method *m)
{
	m->id = sqlite3_column_int64(st, 0);
	m->code = db_text(a, st, 1);
	m->name = db_text(a, st, 2);
	m->price = sqlite3_column_int64(st, 3);
	m->currency = db_text(a, st, 4);
	m->free_over = sqlite3_column_int64(st, 5);
	m->min_weight = sqlite3_column_int64(st, 6);
	m->max_weight = sqlite3_column_int64(st, 7);
	m->active = sqlite3_column_int(st, 8) != 0;
	m->position = sqlite3_column_int64(st, 9);
}

/* The methods of st (bound), in the arena; NULL only on error. */
static struct shipping_method *
methods_read(struct db *d, struct arena *a, sqlite3_stmt *st, size_t *n)
{
	struct shipping_method	*m = arena_calloc(a, 1, sizeof(*m)), *grown;
	size_t			 cap = 1;
	int			 rc;

	*n = 0;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			grown = arena_calloc(a, cap, sizeof(*m));
			if (*n)
				memcpy(grown, m, *n * sizeof(*m));
			m = grown;
		}
		method_row(a, st, &m[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		*n = 0;
		return NULL;
	}
	return m;
}

struct shipping_method *
shipping_methods(struct db *d, struct arena *a, size_t *n)
{
	sqlite3_stmt	*st = db_prep(d, sql_methods);

	*n = 0;
	return st == NULL ? NULL : methods_read(d, a, st, n);
}

struct shipping_method *
shipping_methods_for(struct db *d, struct arena *a, const char *country,
    long long weight, size_t *n)
{
	sqlite3_stmt	*st = db_prep(d, sql_methods_for);

	*n = 0;
	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, country != NULL ? country : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, weight);
	return methods_read(d, a, st, n);
}

int
shipping_country_zoned(struct db *d, const char *country)
{
	sqlite3_stmt	*st = db_prep(d, sql_zoned);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, country != NULL ? country : "", -1,
	    SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
tax_rate_for(struct db *d, struct arena *a, const char *country,
    struct tax_rate *t)
{
	sqlite3_stmt	*st = db_prep(d, sql_rate);
	int		 rc;

	memset(t, 0, sizeof(*t));
	t->country = arena_strdup(a, "*");
	t->name = arena_strdup(a, "Tax");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, country ? country : "", -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		t->country = db_text(a, st, 0);
		t->name = db_text(a, st, 1);
		t->rate_bp = sqlite3_column_int(st, 2);
		t->inclusive = sqlite3_column_int(st, 3) != 0;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

const char *
tax_rate_text(struct arena *a, int bp)
{
	return bp % 100 == 0 ? arena_printf(a, "%d%%", bp / 100) :
	    arena_printf(a, "%d.%02d%%", bp / 100, bp % 100);
}

/*
 * Round a non-negative num/den half up, in integers only. The remainder
 * decides, so that no sum can pass LLONG_MAX for a num close to it.
 */
static long long
div_round(long long num, long long den)
{
	return num / den + (num % den >= den - den / 2);
}

long long
tax_on(long long amount, int rate_bp, bool inclusive)
{
	long long	p;

	if (amount <= 0 || rate_bp <= 0)
		return 0;
	if (__builtin_mul_overflow(amount, (long long)rate_bp, &p))
		return -1;
	return inclusive ? div_round(p, 10000 + rate_bp) : div_round(p, 10000);
}

/*
 * The tax and total of q from its lines, their discounts and the
 * shipping: each line taxed on what is left of it after its share of the
 * discount, the shipping on its own. 0, or -1 on overflow.
 */
static int
quote_totals(struct quote *q)
{
	long long	t, goods;
	size_t		i;

	q->tax = 0;
	for (i = 0; i < q->nlines; i++) {
		struct quote_line *l = &q->lines[i];

		if ((l->tax = tax_on(l->line_total - l->discount,
		    q->rate.rate_bp, q->rate.inclusive)) < 0 ||
		    money_add(q->tax, l->tax, &q->tax) != 0)
			return -1;
	}
	goods = q->subtotal - q->discount;
	t = tax_on(q->shipping, q->rate.rate_bp, q->rate.inclusive);
	if (t < 0 || money_add(q->tax, t, &q->tax) != 0 ||
	    money_add(goods, q->shipping, &q->total) != 0 ||
	    (!q->rate.inclusive && money_add(q->total, q->tax, &q->total)))
		return -1;
	return 0;
}

int
quote_build(struct db *d, struct arena *a, const long long *ids,
    const long long *qty, size_t n, const char *code, const char *country,
    struct quote *q)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc;
	long long	 w;

	memset(q, 0, sizeof(*q));
	q->problem = n == 0 ? QUOTE_EMPTY : QUOTE_OK;
	q->lines = arena_calloc(a, n ? n : 1, sizeof(*q->lines));
	q->nlines = n;
	if (tax_rate_for(d, a, country, &q->rate) != 0) {
		q->problem = QUOTE_DB;
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct quote_line *l = &q->lines[i];

		l->variant_id = ids[i];
		l->quantity = qty[i];
		if ((st = db_prep(d, sql_variant)) == NULL) {
			q->problem = QUOTE_DB;
			return -1;
		}
		sqlite3_bind_int64(st, 1, ids[i]);
		if ((rc = db_step(d, st)) < 0) {
			q->problem = QUOTE_DB;
			return -1;
		}
		if (rc != SQLITE_ROW) {
			l->product_name = arena_strdup(a, "Removed item");
			l->variant_title = arena_strdup(a, "");
			l->product_slug = arena_strdup(a, "");
			l->sku = arena_strdup(a, "");
			if (q->problem == QUOTE_OK) {
				q->problem = QUOTE_UNAVAILABLE;
				q->problem_line = i;
			}
			continue;
		}
		l->product_name = db_text(a, st, 0);
		l->product_slug = db_text(a, st, 1);
		l->variant_title = db_text(a, st, 2);
		l->sku = db_text(a, st, 3);
		l->unit_price = sqlite3_column_int64(st, 4);
		if (q->currency == NULL)
			q->currency = db_text(a, st, 5);
		else if (strcmp(q->currency,
		    (const char *)sqlite3_column_text(st, 5)) != 0 &&
		    q->problem == QUOTE_OK) {
			q->problem = QUOTE_CURRENCY;
			q->problem_line = i;
		}
		l->stock = sqlite3_column_int64(st, 6);
		l->available = sqlite3_column_int(st, 7) != 0 &&
		    l->quantity > 0 && l->quantity <= l->stock;
		w = sqlite3_column_int64(st, 8);
		rc = sqlite3_column_int(st, 7);	/* for sale */
		sqlite3_reset(st);
		if (money_mul(l->unit_price, l->quantity, &l->line_total) != 0 ||
		    money_add(q->subtotal, l->line_total, &q->subtotal) != 0 ||
		    money_mul(w, l->quantity, &l->weight) != 0 ||
		    money_add(q->weight, l->weight, &q->weight) != 0) {
			q->problem = QUOTE_OVERFLOW;
			return 0;
		}
		if (!l->available && q->problem == QUOTE_OK) {
			q->problem = rc == 0 || l->quantity <= 0 ?
			    QUOTE_UNAVAILABLE : QUOTE_SOLD_OUT;
			q->problem_line = i;
		}
	}
	if (q->currency == NULL)
		q->currency = arena_strdup(a, "");
	if (quote_totals(q) != 0) {
		q->problem = QUOTE_OVERFLOW;
		return 0;
	}

	if ((rc = shipping_country_zoned(d, country)) < 0) {
		q->problem = QUOTE_DB;
		return -1;
	}
	if (rc == 0) {
		if (q->problem == QUOTE_OK)
			q->problem = QUOTE_NO_ZONE;
		return 0;
	}
	if (code == NULL || (st = db_prep(d, sql_method)) == NULL) {
		if (q->problem == QUOTE_OK)
			q->problem = code == NULL ? QUOTE_NO_SHIPPING : QUOTE_DB;
		return code == NULL ? 0 : -1;
	}
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		method_row(a, st, &q->method);
	sqlite3_reset(st);
	if (rc < 0) {
		q->problem = QUOTE_DB;
		return -1;
	}
	if (rc != SQLITE_ROW) {
		if (q->problem == QUOTE_OK)
			q->problem = QUOTE_NO_SHIPPING;
		return 0;
	}
	if ((st = db_prep(d, sql_method_offered)) == NULL) {
		q->problem = QUOTE_DB;
		return -1;
	}
	sqlite3_bind_text(st, 1, country, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, q->weight);
	sqlite3_bind_int64(st, 3, q->method.id);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc < 0) {
		q->problem = QUOTE_DB;
		return -1;
	}
	if (rc != SQLITE_ROW && q->problem == QUOTE_OK)
		q->problem = QUOTE_SHIPPING_ZONE;
	if (n > 0 && strcmp(q->method.currency, q->currency) != 0 &&
	    q->problem == QUOTE_OK)
		q->problem = QUOTE_CURRENCY;
	q->shipping = q->method.free_over >= 0 &&
	    q->subtotal >= q->method.free_over ? 0 : q->method.price;
	if (quote_totals(q) != 0)
		q->problem = QUOTE_OVERFLOW;
	return 0;
}

int
quote_discount(struct quote *q, const struct discount *d)
{
	long long	*totals, *shares, off;
	long long	 tbuf[SHOP_MAX_ORDER_LINES], sbuf[SHOP_MAX_ORDER_LINES];
	size_t		 i;

	if (q->problem != QUOTE_OK && q->problem != QUOTE_UNAVAILABLE &&
	    q->problem != QUOTE_SOLD_OUT)
		return 0;
	if (q->nlines > SHOP_MAX_ORDER_LINES ||
	    (off = discount_amount(d, q->subtotal)) < 0)
		goto overflow;
	totals = tbuf;
	shares = sbuf;
	for (i = 0; i < q->nlines; i++)
		totals[i] = q->lines[i].line_total;
	if (discount_spread(off, totals, q->nlines, shares) != 0)
		goto overflow;
	for (i = 0; i < q->nlines; i++)
		q->lines[i].discount = shares[i];
	q->discount = off;
	q->code = d;
	/* Free from a threshold: judged on what the goods cost now. */
	if (q->method.code != NULL)
		q->shipping = q->method.free_over >= 0 &&
		    q->subtotal - off >= q->method.free_over ? 0 :
		    q->method.price;
	if (d->kind == DISCOUNT_FREE_SHIPPING) {
		q->shipping_discount = q->shipping;
		q->shipping = 0;
	}
	if (quote_totals(q) != 0)
		goto overflow;
	if (q->total <= 0 && q->problem == QUOTE_OK) {
		q->problem = QUOTE_DISCOUNT;
		q->discount_problem = DISCOUNT_NOTHING_TO_PAY;
	}
	return 0;
overflow:
	q->problem = QUOTE_OVERFLOW;
	return -1;
}

/* Step an insert that does nothing on a conflict: 1 added, 0 not, -1. */
static int
insert_new(struct db *d, sqlite3_stmt *st)
{
	int	rc = db_step(d, st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db_handle(d)) > 0 ? 1 : 0;
}

int
shipping_method_add(struct db *d, const struct shipping_method *m,
    int position)
{
	sqlite3_stmt	*st;

	if (!db_in_write(d)) {
		log_error("shipping_method_add: not inside a write transaction");
		return -1;
	}
	if ((st = db_prep(d, sql_method_add)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, m->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, m->price);
	sqlite3_bind_text(st, 4, m->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, m->free_over < 0 ? -1 : m->free_over);
	sqlite3_bind_int(st, 6, position);
	return insert_new(d, st);
}

int
tax_rate_add(struct db *d, const struct tax_rate *r)
{
	sqlite3_stmt	*st;

	if (!db_in_write(d)) {
		log_error("tax_rate_add: not inside a write transaction");
		return -1;
	}
	if ((st = db_prep(d, sql_rate_add)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, r->country, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->rate_bp);
	sqlite3_bind_int(st, 4, r->inclusive);
	return insert_new(d, st);
}
