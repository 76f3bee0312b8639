/*
 * The catalog as the back office lists it: every product, on sale or
 * not, newest first, in keyset pages (the rows with ids below a cursor,
 * so a page deep in 50,000 products costs what the first one does),
 * searched by name or SKU through the FTS5 table product_admin_search
 * (sql/primary/0085), filtered by category and by whether it is on sale.
 * No list counts its rows: a page says only whether there is another.
 *
 * Everything returned is in the arena; -1 is a database error (logged).
 */
#ifndef SHOP_CATALOG_ADMIN_H
#define SHOP_CATALOG_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct db;

/* The most rows catalog_admin_products() returns at once. */
#define CATALOG_ADMIN_PAGE_MAX	200

/* Which products a list shows. */
struct catalog_admin_filter {
	long long	 before;	/* ids below this; 0: from the newest */
	/* An expression of catalog_fts_query() (catalog.h), or NULL: all. */
	const char	*match;
	long long	 category_id;	/* 0: any category, or none */
	int		 active;	/* 1 on sale, 0 off sale, -1 either */
};

/* A product as the list shows it, with figures over all its variants. */
struct product_row {
	long long	 id;
	char		*name;
	char		*slug;
	bool		 active;
	bool		 featured;
	long long	 category_id;	/* 0: none */
	char		*category_name;	/* "" when none */
	long long	 variants;	/* on sale or not */
	long long	 active_variants;
	long long	 stock;		/* of every variant */
	bool		 has_price;	/* false: no variant yet */
	long long	 min_price;
	long long	 max_price;
	char		*currency;	/* of the cheapest, "" without one */
	char		*first_sku;	/* of the first variant, "" without */
};

/*
 * The products the filter lets through, newest first, at most limit
 * (capped at CATALOG_ADMIN_PAGE_MAX). Returns 0 with *out and *n, or -1.
 */
int		 catalog_admin_products(struct db *, struct arena *,
		    const struct catalog_admin_filter *, int limit,
		    struct product_row **out, size_t *n);

#endif
