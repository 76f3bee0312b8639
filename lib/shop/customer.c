/*
 * Customers for the back office (see customer.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "shop/customer.h"

/*
 * The figures of an account come from orders_user (user_id, id): a few
 * rows per customer, summed per row of the page.
 */
#define CUSTOMER_COLUMNS \
    "u.id, u.email, u.name, coalesce(u.staff_role, u.role), u.created_at, " \
    "(SELECT count(*) FROM orders o WHERE o.user_id = u.id), " \
    "(SELECT count(*) FROM orders o WHERE o.user_id = u.id " \
    "AND o.paid_at IS NOT NULL), " \
    "(SELECT coalesce(sum(o.amount_paid - o.amount_refunded), 0) " \
    "FROM orders o WHERE o.user_id = u.id), " \
    "(SELECT o.currency FROM orders o WHERE o.user_id = u.id " \
    "AND o.paid_at IS NOT NULL ORDER BY o.id DESC LIMIT 1) "

/*
 * An email prefix uses the unique index on email (NOCASE, as the column
 * is); a name is matched anywhere, scanning backwards from the cursor
 * until the page is full.
 */
static const char sql_list[] =
    "SELECT " CUSTOMER_COLUMNS "FROM users u "
    "WHERE (?1 = 0 OR u.id < ?1) AND (?3 IS NULL OR "
    "u.email LIKE ?3 || '%' ESCAPE '\\' OR u.name LIKE '%' || ?3 || '%' "
    "ESCAPE '\\') ORDER BY u.id DESC LIMIT ?2";
static const char sql_one[] =
    "SELECT " CUSTOMER_COLUMNS "FROM users u WHERE u.id = ?1";
static const char sql_staff[] =
    "SELECT " CUSTOMER_COLUMNS "FROM users u "
    "WHERE u.staff_role IS NOT NULL OR u.role = 'admin' "
    "ORDER BY coalesce(u.staff_role, u.role) = 'admin' DESC, u.email "
    "LIMIT ?1";
static const char sql_admins[] =
    "SELECT count(*) FROM users "
    "WHERE coalesce(staff_role, role) = 'admin'";

/* A LIKE pattern's text with its wildcards escaped, in the arena. */
static char *
like_escape(struct arena *a, const char *s)
{
	size_t	 n = strlen(s), i, j = 0;
	char	*out = arena_alloc(a, 2 * n + 1);

	for (i = 0; i < n; i++) {
		if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
			out[j++] = '\\';
		out[j++] = s[i];
	}
	out[j] = '\0';
	return out;
}

static void
customer_row(struct arena *a, sqlite3_stmt *st, struct customer *c)
{
	const char	*cur;

	c->id = sqlite3_column_int64(st, 0);
	c->email = db_text(a, st, 1);
	c->name = db_text(a, st, 2);
	if ((c->role = role_from_name((const char *)
	    sqlite3_column_text(st, 3))) == ROLE__MAX)
		c->role = ROLE_CUSTOMER;
	c->created_at = sqlite3_column_int64(st, 4);
	c->orders = sqlite3_column_int64(st, 5);
	c->paid_orders = sqlite3_column_int64(st, 6);
	c->lifetime = sqlite3_column_int64(st, 7);
	cur = (const char *)sqlite3_column_text(st, 8);
	snprintf(c->currency, sizeof(c->currency), "%s", cur ? cur : "");
}

/* Every row of a prepared statement, at most max. */
static struct customer *
rows(struct db *d, struct arena *a, sqlite3_stmt *st, int max, size_t *n)
{
	struct customer	*v = arena_calloc(a, (size_t)max, sizeof(*v));
	int		 rc;

	*n = 0;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		customer_row(a, st, &v[(*n)++]);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*n = 0;
		return NULL;
	}
	return v;
}

struct customer *
customer_list(struct db *d, struct arena *a, long long before_id,
    const char *query, int limit, size_t *n)
{
	sqlite3_stmt	*st = db_prep(d, sql_list);

	*n = 0;
	if (st == NULL)
		return NULL;
	if (limit < 1 || limit > CUSTOMER_PAGE_MAX)
		limit = CUSTOMER_PAGE_MAX;
	sqlite3_bind_int64(st, 1, before_id);
	sqlite3_bind_int(st, 2, limit);
	if (query != NULL && *query != '\0')
		sqlite3_bind_text(st, 3, like_escape(a, query), -1,
		    SQLITE_STATIC);
	return rows(d, a, st, limit, n);
}

struct customer *
customer_by_id(struct db *d, struct arena *a, long long id)
{
	sqlite3_stmt	*st = db_prep(d, sql_one);
	struct customer	*c;
	size_t		 n;

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	c = rows(d, a, st, 1, &n);
	return n == 1 ? c : NULL;
}

struct customer *
staff_list(struct db *d, struct arena *a, size_t *n)
{
	sqlite3_stmt	*st = db_prep(d, sql_staff);

	*n = 0;
	if (st == NULL)
		return NULL;
	sqlite3_bind_int(st, 1, CUSTOMER_PAGE_MAX);
	return rows(d, a, st, CUSTOMER_PAGE_MAX, n);
}

long long
staff_admins(struct db *d)
{
	sqlite3_stmt	*st = db_prep(d, sql_admins);
	long long	 v = -1;

	if (st == NULL)
		return -1;
	if (db_step(d, st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}
