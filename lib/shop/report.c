/*
 * Dashboard figures (see report.h).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "data/db.h"
#include "shop/report.h"

/*
 * sales_days (sql/primary/0095) holds a row per day and currency, kept by
 * triggers on orders: a month is some thirty rows, however many orders.
 * orders_state_id serves the count.
 */
static const char sql_sales[] =
    "SELECT currency, sum(orders), sum(revenue) FROM sales_days "
    "WHERE day >= ?1 GROUP BY currency HAVING sum(orders) > 0 "
    "ORDER BY currency LIMIT ?2";
static const char sql_to_ship[] =
    "SELECT count(*) FROM orders WHERE state = 'paid'";
static const char sql_low_stock[] =
    "SELECT v.id, p.id, p.name, v.title, v.sku, v.stock FROM variants v "
    "JOIN products p ON p.id = v.product_id "
    "WHERE v.active AND v.stock <= ?1 AND p.active "
    "ORDER BY v.stock, v.id LIMIT ?2";
/* ?1 is never 0 (see report_audit_log): a range of the primary key. */
static const char sql_audit_log[] =
    "SELECT id, kind, coalesce(order_id, 0), actor, detail, created_at "
    "FROM audit_log WHERE id < ?1 ORDER BY id DESC LIMIT ?2";
static const char sql_findings[] =
    "SELECT count(*) FROM audit_log WHERE created_at >= ?1";

/* Unix time t as the ISO 8601 text the orders table keeps. */
static void
iso_time(long long t, char out[32])
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
report_sales(struct db *d, long long since, struct report_sales *out)
{
	sqlite3_stmt	*st = db_prep(d, sql_sales);
	char		 iso[32];
	const char	*cur;
	int		 n = 0, rc;

	if (st == NULL)
		return -1;
	iso_time(since, iso);
	iso[10] = '\0';	/* the day */
	sqlite3_bind_text(st, 1, iso, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, REPORT_MAX_CURRENCIES);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		cur = (const char *)sqlite3_column_text(st, 0);
		snprintf(out[n].currency, sizeof(out[n].currency), "%s",
		    cur != NULL ? cur : "");
		out[n].orders = sqlite3_column_int64(st, 1);
		out[n].revenue = sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? n : -1;
}

/* The one integer a statement without parameters answers, or -1. */
static long long
one_int(struct db *d, sqlite3_stmt *st)
{
	long long	v = -1;

	if (st == NULL)
		return -1;
	if (db_step(d, st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

long long
report_to_ship(struct db *d)
{
	return one_int(d, db_prep(d, sql_to_ship));
}

struct report_low_stock *
report_low_stock(struct db *d, struct arena *a, long long threshold,
    int limit, size_t *n)
{
	sqlite3_stmt		*st = db_prep(d, sql_low_stock);
	struct report_low_stock	*v, *e;
	int			 rc;

	*n = 0;
	if (st == NULL || limit < 1)
		return NULL;
	v = arena_calloc(a, (size_t)limit, sizeof(*v));
	sqlite3_bind_int64(st, 1, threshold);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		e = &v[(*n)++];
		e->variant_id = sqlite3_column_int64(st, 0);
		e->product_id = sqlite3_column_int64(st, 1);
		e->product_name = db_text(a, st, 2);
		e->title = db_text(a, st, 3);
		e->sku = db_text(a, st, 4);
		e->stock = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*n = 0;
		return NULL;
	}
	return v;
}

long long
report_findings(struct db *d, long long since)
{
	sqlite3_stmt	*st = db_prep(d, sql_findings);
	char		 iso[32];

	if (st == NULL)
		return -1;
	iso_time(since, iso);
	sqlite3_bind_text(st, 1, iso, -1, SQLITE_TRANSIENT);
	return one_int(d, st);
}

struct report_audit_entry *
report_audit_log(struct db *d, struct arena *a, long long before_id,
    int limit, size_t *n)
{
	sqlite3_stmt			*st = db_prep(d, sql_audit_log);
	struct report_audit_entry	*v, *e;
	int				 rc;

	*n = 0;
	if (st == NULL || limit < 1)
		return NULL;
	v = arena_calloc(a, (size_t)limit, sizeof(*v));
	sqlite3_bind_int64(st, 1, before_id > 0 ? before_id : LLONG_MAX);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		e = &v[(*n)++];
		e->id = sqlite3_column_int64(st, 0);
		e->kind = db_text(a, st, 1);
		e->order_id = sqlite3_column_int64(st, 2);
		e->actor = db_text(a, st, 3);
		e->detail = db_text(a, st, 4);
		e->created_at = db_text(a, st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*n = 0;
		return NULL;
	}
	return v;
}
