/*
 * Discount codes (discount.h).
 */
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "shop/adminlog.h"
#include "shop/discount.h"

const char *const discount_kind_names[DISCOUNT_KIND__MAX] = {
	"percent",
	"fixed",
	"free_shipping",
};

const char *const discount_kind_labels[DISCOUNT_KIND__MAX] = {
	"Percentage off",
	"Amount off",
	"Free shipping",
};

const char *const discount_problem_msgs[DISCOUNT_PROBLEM__MAX] = {
	"ok",
	"There is no such discount code.",
	"This discount code is no longer valid.",
	"This discount code is not valid yet.",
	"This discount code has expired.",
	"This discount code has been used up.",
	"You have already used this discount code.",
	"Your order is below the minimum this discount code needs.",
	"This discount code is for another currency.",
	"With this discount code there would be nothing to pay, and the shop "
	    "takes no free orders online.",
	"The shop could not check this discount code. Please try again.",
};

#define DISCOUNT_COLUMNS \
    "d.id, d.code, d.kind, d.value, d.currency, d.min_subtotal, " \
    "coalesce(d.starts_at, 0), coalesce(d.ends_at, 0), " \
    "coalesce(d.usage_limit, -1), coalesce(d.per_customer_limit, -1), " \
    "d.active, (SELECT count(*) FROM discount_uses u " \
    "WHERE u.discount_id = d.id AND NOT u.released), d.created_at, " \
    "d.updated_at FROM discounts d "

static const char sql_by_code[] =
    "SELECT " DISCOUNT_COLUMNS "WHERE d.code = ?1";
static const char sql_by_id[] =
    "SELECT " DISCOUNT_COLUMNS "WHERE d.id = ?1";
static const char sql_list[] =
    "SELECT " DISCOUNT_COLUMNS "ORDER BY d.id DESC";
static const char sql_customer_uses[] =
    "SELECT count(*) FROM discount_uses WHERE discount_id = ?1 "
    "AND NOT released AND (email = ?2 OR (?3 != 0 AND user_id = ?3))";
static const char sql_use_add[] =
    "INSERT INTO discount_uses (discount_id, order_id, user_id, email, "
    "created_at) VALUES (?1, ?2, nullif(?3, 0), ?4, ?5)";
static const char sql_use_set[] =
    "UPDATE discount_uses SET released = ?2 WHERE order_id = ?1";
static const char sql_insert[] =
    "INSERT INTO discounts (code, kind, value, currency, min_subtotal, "
    "starts_at, ends_at, usage_limit, per_customer_limit, active, "
    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, 0), "
    "nullif(?7, 0), nullif(?8, -1), nullif(?9, -1), ?10, ?11, ?11)";
static const char sql_update[] =
    "UPDATE discounts SET code = ?1, kind = ?2, value = ?3, currency = ?4, "
    "min_subtotal = ?5, starts_at = nullif(?6, 0), ends_at = nullif(?7, 0), "
    "usage_limit = nullif(?8, -1), per_customer_limit = nullif(?9, -1), "
    "active = ?10, updated_at = ?11 WHERE id = ?12";
static const char sql_same_code[] =
    "SELECT id FROM discounts WHERE code = ?1 AND id != ?2";

static enum discount_kind
kind_from_name(const char *s)
{
	int	i;

	for (i = 0; i < DISCOUNT_KIND__MAX; i++)
		if (s != NULL && strcmp(s, discount_kind_names[i]) == 0)
			return (enum discount_kind)i;
	return DISCOUNT_KIND__MAX;
}

const char *
discount_problem_text(struct arena *a, enum discount_problem why,
    const struct discount *d)
{
	if (why >= DISCOUNT_PROBLEM__MAX)
		why = DISCOUNT_DB;
	if (why == DISCOUNT_MIN_SUBTOTAL && d != NULL)
		return arena_printf(a, "This discount code needs an order of at "
		    "least %s before the discount.", money_format(a,
		    d->min_subtotal, d->currency));
	return discount_problem_msgs[why];
}

const char *
discount_label(struct arena *a, const struct discount *d)
{
	switch (d->kind) {
	case DISCOUNT_PERCENT:
		if (d->value % 100 == 0)
			return arena_printf(a, "%lld%% off", d->value / 100);
		if (d->value % 10 == 0)
			return arena_printf(a, "%lld.%lld%% off", d->value / 100,
			    d->value % 100 / 10);
		return arena_printf(a, "%lld.%02lld%% off", d->value / 100,
		    d->value % 100);
	case DISCOUNT_FIXED:
		return arena_printf(a, "%s off", money_format(a, d->value,
		    d->currency));
	default:
		return "Free shipping";
	}
}

bool
discount_code_ok(const char *code)
{
	size_t	n = code != NULL ? strlen(code) : 0;

	return n >= 1 && n <= DISCOUNT_CODE_MAX && strspn(code,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == n;
}

long long
discount_amount(const struct discount *d, long long subtotal)
{
	long long	p, off;

	if (subtotal <= 0)
		return 0;
	switch (d->kind) {
	case DISCOUNT_PERCENT:
		if (d->value <= 0)
			return 0;
		if (__builtin_mul_overflow(subtotal, d->value, &p))
			return -1;
		/* Half up, from the remainder: no sum that could overflow. */
		off = p / 10000 + (p % 10000 >= 5000);
		break;
	case DISCOUNT_FIXED:
		off = d->value > 0 ? d->value : 0;
		break;
	default:
		return 0;
	}
	return off > subtotal ? subtotal : off;
}

int
discount_spread(long long amount, const long long *totals, size_t n,
    long long *shares)
{
	__int128	 p;
	long long	 sum = 0, given = 0, best_rem;
	long long	 rem[SHOP_MAX_ORDER_LINES];
	size_t		 i, best;

	for (i = 0; i < n; i++) {
		if (totals[i] < 0 || __builtin_add_overflow(sum, totals[i],
		    &sum))
			return -1;
		shares[i] = 0;
	}
	if (amount < 0 || amount > sum || n > SHOP_MAX_ORDER_LINES)
		return -1;
	if (amount == 0)
		return 0;
	for (i = 0; i < n; i++) {
		p = (__int128)totals[i] * amount;
		shares[i] = (long long)(p / sum);
		rem[i] = (long long)(p % sum);
		given += shares[i];
	}
	/* Fewer than n units are left: one each, largest remainder first. */
	while (given < amount) {
		best = n;
		best_rem = -1;
		for (i = 0; i < n; i++)
			if (rem[i] > best_rem && shares[i] < totals[i]) {
				best = i;
				best_rem = rem[i];
			}
		if (best == n)
			return -1;
		shares[best]++;
		rem[best] = -1;
		given++;
	}
	return 0;
}

static void
discount_row(struct arena *a, sqlite3_stmt *st, struct discount *d)
{
	int	c = 0;

	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, c++);
	d->code = db_text(a, st, c++);
	d->kind = kind_from_name((const char *)sqlite3_column_text(st, c++));
	d->value = sqlite3_column_int64(st, c++);
	d->currency = db_text(a, st, c++);
	d->min_subtotal = sqlite3_column_int64(st, c++);
	d->starts_at = sqlite3_column_int64(st, c++);
	d->ends_at = sqlite3_column_int64(st, c++);
	d->usage_limit = sqlite3_column_int64(st, c++);
	d->per_customer_limit = sqlite3_column_int64(st, c++);
	d->active = sqlite3_column_int(st, c++) != 0;
	d->uses = sqlite3_column_int64(st, c++);
	d->created_at = sqlite3_column_int64(st, c++);
	d->updated_at = sqlite3_column_int64(st, c++);
}

/* One code by a fixed query with one text or integer parameter. */
static struct discount *
discount_find(struct db *db, struct arena *a, const char *sql, const char *s,
    long long id, enum discount_problem *problem)
{
	sqlite3_stmt	*st = db_prep(db, sql);
	struct discount	*d = NULL;
	int		 rc;

	if (problem != NULL)
		*problem = DISCOUNT_DB;
	if (st == NULL)
		return NULL;
	if (s != NULL)
		sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(db, st)) == SQLITE_ROW) {
		d = arena_alloc(a, sizeof(*d));
		discount_row(a, st, d);
	}
	sqlite3_reset(st);
	if (problem != NULL && rc >= 0)
		*problem = d != NULL ? DISCOUNT_OK : DISCOUNT_UNKNOWN;
	return d;
}

struct discount *
discount_by_code(struct db *db, struct arena *a, const char *code,
    enum discount_problem *problem)
{
	if (!discount_code_ok(code)) {
		if (problem != NULL)
			*problem = DISCOUNT_UNKNOWN;
		return NULL;
	}
	return discount_find(db, a, sql_by_code, code, 0, problem);
}

struct discount *
discount_by_id(struct db *db, struct arena *a, long long id)
{
	return discount_find(db, a, sql_by_id, NULL, id, NULL);
}

struct discount *
discounts_list(struct db *db, struct arena *a, size_t *n)
{
	sqlite3_stmt	*st = db_prep(db, sql_list);
	struct discount	*v = NULL, *grown;
	size_t		 cap = 0;
	int		 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = arena_calloc(a, cap, sizeof(*grown));
			if (*n > 0)
				memcpy(grown, v, *n * sizeof(*grown));
			v = grown;
		}
		discount_row(a, st, &v[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		*n = 0;
		return NULL;
	}
	return v != NULL ? v : arena_calloc(a, 1, sizeof(*v));
}

enum discount_problem
discount_check(struct db *db, const struct discount *d, long long now,
    long long subtotal, const char *currency, long long user_id,
    const char *email)
{
	sqlite3_stmt	*st;
	long long	 used;
	int		 rc;

	if (!d->active || d->kind >= DISCOUNT_KIND__MAX)
		return DISCOUNT_INACTIVE;
	if (d->starts_at != 0 && now < d->starts_at)
		return DISCOUNT_NOT_YET;
	if (d->ends_at != 0 && now >= d->ends_at)
		return DISCOUNT_EXPIRED;
	if (d->usage_limit >= 0 && d->uses >= d->usage_limit)
		return DISCOUNT_USED_UP;
	if (d->per_customer_limit >= 0 && ((email != NULL && *email != '\0') ||
	    user_id != 0)) {
		if ((st = db_prep(db, sql_customer_uses)) == NULL)
			return DISCOUNT_DB;
		sqlite3_bind_int64(st, 1, d->id);
		sqlite3_bind_text(st, 2, email != NULL ? email : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, user_id);
		rc = db_step(db, st);
		used = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return DISCOUNT_DB;
		if (used >= d->per_customer_limit)
			return DISCOUNT_CUSTOMER_USED;
	}
	if (subtotal < d->min_subtotal)
		return DISCOUNT_MIN_SUBTOTAL;
	if ((d->kind == DISCOUNT_FIXED || d->min_subtotal > 0) &&
	    currency != NULL && *currency != '\0' &&
	    strcmp(currency, d->currency) != 0)
		return DISCOUNT_CURRENCY;
	return DISCOUNT_OK;
}

int
discount_use_add(struct db *db, long long discount_id, long long order_id,
    long long user_id, const char *email)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (!db_in_write(db)) {
		log_error("discount_use_add: not inside a write transaction");
		return -1;
	}
	if ((st = db_prep(db, sql_use_add)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, discount_id);
	sqlite3_bind_int64(st, 2, order_id);
	sqlite3_bind_int64(st, 3, user_id);
	sqlite3_bind_text(st, 4, email != NULL ? email : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, clock_now());
	rc = db_step(db, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Mark the use of order_id released or not (in a write). */
static int
use_set(struct db *db, long long order_id, int released)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_prep(db, sql_use_set)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, order_id);
	sqlite3_bind_int(st, 2, released);
	rc = db_step(db, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
discount_use_release(struct db *db, long long order_id)
{
	return use_set(db, order_id, 1);
}

int
discount_use_retake(struct db *db, long long order_id)
{
	return use_set(db, order_id, 0);
}

/* The fields of d for the admin log. */
static struct tval *
discount_tval_log(struct arena *a, const struct discount *d)
{
	struct tval	*m = tval_map(a);

	tval_set_str(a, m, "code", d->code);
	tval_set_str(a, m, "kind", discount_kind_names[d->kind]);
	tval_set_int(a, m, "value", d->value);
	tval_set_str(a, m, "currency", d->currency);
	tval_set_int(a, m, "min_subtotal", d->min_subtotal);
	tval_set_int(a, m, "starts_at", d->starts_at);
	tval_set_int(a, m, "ends_at", d->ends_at);
	tval_set_int(a, m, "usage_limit", d->usage_limit);
	tval_set_int(a, m, "per_customer_limit", d->per_customer_limit);
	tval_set_bool(a, m, "active", d->active);
	return m;
}

/* Whether d's fields are within what the table accepts. */
static bool
discount_valid(const struct discount *d)
{
	if (!discount_code_ok(d->code) || d->kind >= DISCOUNT_KIND__MAX ||
	    d->currency == NULL || strlen(d->currency) != 3 ||
	    d->value < 0 || d->min_subtotal < 0 || d->starts_at < 0 ||
	    d->ends_at < 0 || d->usage_limit < -1 ||
	    d->per_customer_limit < -1)
		return false;
	if (d->kind == DISCOUNT_PERCENT && (d->value < 1 || d->value > 10000))
		return false;
	if (d->kind == DISCOUNT_FIXED && d->value < 1)
		return false;
	return d->starts_at == 0 || d->ends_at == 0 || d->starts_at < d->ends_at;
}

enum discount_save
discount_save(struct db *db, struct arena *a, struct discount *d,
    const struct actor *who)
{
	sqlite3_stmt	*st;
	struct discount	*old = NULL;
	long long	 now = clock_now();
	int		 rc;

	if (d->kind == DISCOUNT_FREE_SHIPPING)
		d->value = 0;
	if (!discount_valid(d))
		return DISCOUNT_SAVE_INVALID;
	if (db_begin(db) != 0)
		return DISCOUNT_SAVE_ERROR;
	if (d->id != 0 && (old = discount_by_id(db, a, d->id)) == NULL) {
		db_rollback(db);
		return DISCOUNT_SAVE_NOT_FOUND;
	}
	if ((st = db_prep(db, sql_same_code)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, d->code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, d->id);
	rc = db_step(db, st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		db_rollback(db);
		return DISCOUNT_SAVE_DUPLICATE;
	}
	if (rc != SQLITE_DONE ||
	    (st = db_prep(db, d->id != 0 ? sql_update : sql_insert)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, d->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, discount_kind_names[d->kind], -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, d->value);
	sqlite3_bind_text(st, 4, d->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, d->min_subtotal);
	sqlite3_bind_int64(st, 6, d->starts_at);
	sqlite3_bind_int64(st, 7, d->ends_at);
	sqlite3_bind_int64(st, 8, d->usage_limit);
	sqlite3_bind_int64(st, 9, d->per_customer_limit);
	sqlite3_bind_int(st, 10, d->active);
	sqlite3_bind_int64(st, 11, now);
	if (d->id != 0)
		sqlite3_bind_int64(st, 12, d->id);
	rc = db_step(db, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (d->id == 0) {
		d->id = sqlite3_last_insert_rowid(db_handle(db));
		d->created_at = now;
	}
	d->updated_at = now;
	if (who != NULL && adminlog_write(db, who, old != NULL ?
	    "discount.update" : "discount.create", "discount", d->id, d->code,
	    old != NULL ? discount_tval_log(a, old) : NULL,
	    discount_tval_log(a, d)) < 0)
		goto fail;
	if (db_commit(db) != 0)
		goto fail;
	return DISCOUNT_SAVED;
fail:
	db_rollback(db);
	return DISCOUNT_SAVE_ERROR;
}
