/*
 * Customers as the back office sees them: a list to page through and
 * search, and one customer whole (orders, addresses, lifetime value).
 * Staff accounts (shop/role.h) are listed apart.
 *
 * Lists are keyset-paginated by id, newest first: a page is the rows
 * with ids below a cursor, so page 1000 costs what page 1 does.
 */
#ifndef SHOP_CUSTOMER_H
#define SHOP_CUSTOMER_H

#include <stddef.h>

#include "shop/role.h"

struct arena;
struct db;

struct customer {
	long long	 id;
	char		*email;
	char		*name;
	enum role	 role;
	long long	 created_at;
	long long	 orders;	/* orders placed, any state */
	long long	 paid_orders;	/* of which paid (refunded or not) */
	long long	 lifetime;	/* paid less refunded, minor units */
	char		 currency[4];	/* of lifetime; "" with no paid order */
};

/* The most rows customer_list() and staff_list() return at once. */
#define CUSTOMER_PAGE_MAX	200
#define CUSTOMER_QUERY_MAX	254	/* characters of a search */

/*
 * Accounts with ids below before_id (0: from the newest), at most limit,
 * whose email or name contains query, case-insensitively (NULL or "":
 * every account; under three characters: whose email starts with it or
 * whose name contains it). The array is in the arena; *n gets its
 * length; NULL with *n 0 on error.
 */
struct customer	*customer_list(struct db *, struct arena *, long long before_id,
		    const char *query, int limit, size_t *n);

/* One account with its figures, or NULL (none, or an error). */
struct customer	*customer_by_id(struct db *, struct arena *, long long id);

/* The accounts with a back-office role, administrators first. */
struct customer	*staff_list(struct db *, struct arena *, size_t *n);

/* How many administrators there are, or -1. */
long long	 staff_admins(struct db *);

#endif
