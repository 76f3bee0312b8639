/*
 * Customers for the back office (see customer.h).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/text.h"
#include "data/db.h"
#include "shop/customer.h"

/*
 * The figures of an account come from orders_user_figures (user_id, id,
 * paid_at, currency, amounts): a few index entries per customer, read
 * per row of the page and never from the table.
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
 * Pages are ranges of the primary key below the cursor (?1, never 0: see
 * customer_list), newest first. A search of three characters or more
 * finds its accounts in user_search, the trigrams of every email and name
 * (sql/primary/0095), as a phrase (?3, quoted): a part of either,
 * newest first from the index itself, which stops once the page is full
 * and never reads the accounts that do not match. A shorter one matches
 * the start of an email or a part of a name by reading the accounts down
 * from the cursor until the page is full, which a term that short soon
 * fills.
 */
static const char sql_list[] =
    "SELECT " CUSTOMER_COLUMNS "FROM users u WHERE u.id < ?1 "
    "ORDER BY u.id DESC LIMIT ?2";
static const char sql_search[] =
    "SELECT " CUSTOMER_COLUMNS "FROM (SELECT rowid AS id FROM user_search "
    "WHERE user_search MATCH ?3 AND rowid < ?1 ORDER BY rowid DESC "
    "LIMIT ?2) s JOIN users u ON u.id = s.id ORDER BY u.id DESC";
static const char sql_search_short[] =
    "SELECT " CUSTOMER_COLUMNS "FROM users u WHERE u.id < ?1 "
    "AND (u.email LIKE ?3 || '%' ESCAPE '\\' OR u.name LIKE '%' || ?3 || "
    "'%' ESCAPE '\\') ORDER BY u.id DESC LIMIT ?2";
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

/* Text as one FTS5 phrase: in double quotes, its own doubled. */
static char *
fts_phrase(struct arena *a, const char *s)
{
	size_t	 n = strlen(s), i, j = 0;
	char	*out = arena_alloc(a, 2 * n + 3);

	out[j++] = '"';
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			out[j++] = '"';
		out[j++] = s[i];
	}
	out[j++] = '"';
	out[j] = '\0';
	return out;
}

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
	sqlite3_stmt	*st;
	bool		 search = query != NULL && *query != '\0';
	bool		 trigrams = search && text_utf8_chars(query) >= 3;

	*n = 0;
	st = db_prep(d, !search ? sql_list : trigrams ? sql_search :
	    sql_search_short);
	if (st == NULL)
		return NULL;
	if (limit < 1 || limit > CUSTOMER_PAGE_MAX)
		limit = CUSTOMER_PAGE_MAX;
	sqlite3_bind_int64(st, 1, before_id > 0 ? before_id : LLONG_MAX);
	sqlite3_bind_int(st, 2, limit);
	if (search)
		sqlite3_bind_text(st, 3, trigrams ? fts_phrase(a, query) :
		    like_escape(a, query), -1, SQLITE_STATIC);
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
