/*
 * The back office's list of products (see catalog_admin.h).
 *
 * A page is chosen first, by the rowid of products (or of the search
 * table, whose rowid is the product's id) walked downwards from the
 * cursor, so no page reads the rows above it; the figures of each of
 * its rows are then a few lookups on variants_product. A filter by
 * category or state is checked on the way down.
 */
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "data/db.h"
#include "shop/catalog_admin.h"

#define ROW_COLUMNS \
    "p.id, p.name, p.slug, p.active, p.featured," \
    " coalesce(p.category_id, 0), coalesce(c.name, '')," \
    " (SELECT count(*) FROM variants v WHERE v.product_id = p.id)," \
    " (SELECT count(*) FROM variants v WHERE v.product_id = p.id" \
    "  AND v.active)," \
    " (SELECT coalesce(sum(v.stock), 0) FROM variants v" \
    "  WHERE v.product_id = p.id)," \
    " (SELECT min(v.price) FROM variants v WHERE v.product_id = p.id)," \
    " (SELECT max(v.price) FROM variants v WHERE v.product_id = p.id)," \
    " (SELECT v.currency FROM variants v WHERE v.product_id = p.id" \
    "  ORDER BY v.price, v.id LIMIT 1)," \
    " (SELECT v.sku FROM variants v WHERE v.product_id = p.id" \
    "  ORDER BY v.position, v.id LIMIT 1)"

/* ?1 the cursor, ?2 a category or 0, ?3 1, 0 or -1, ?4 the limit. */
#define ROW_FILTER \
    " AND (?2 = 0 OR p.category_id = ?2) AND (?3 < 0 OR p.active = ?3)"

static const char sql_list[] =
    "SELECT " ROW_COLUMNS " FROM products p"
    " LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.id < ?1" ROW_FILTER
    " ORDER BY p.id DESC LIMIT ?4";

/* ?5: the MATCH expression. */
static const char sql_search[] =
    "SELECT " ROW_COLUMNS " FROM product_admin_search s"
    " JOIN products p ON p.id = s.rowid"
    " LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE product_admin_search MATCH ?5 AND s.rowid < ?1" ROW_FILTER
    " ORDER BY s.rowid DESC LIMIT ?4";

static void
row_read(struct arena *a, sqlite3_stmt *st, struct product_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->name = db_text(a, st, 1);
	r->slug = db_text(a, st, 2);
	r->active = sqlite3_column_int(st, 3) != 0;
	r->featured = sqlite3_column_int(st, 4) != 0;
	r->category_id = sqlite3_column_int64(st, 5);
	r->category_name = db_text(a, st, 6);
	r->variants = sqlite3_column_int64(st, 7);
	r->active_variants = sqlite3_column_int64(st, 8);
	r->stock = sqlite3_column_int64(st, 9);
	r->has_price = sqlite3_column_type(st, 10) != SQLITE_NULL;
	r->min_price = sqlite3_column_int64(st, 10);
	r->max_price = sqlite3_column_int64(st, 11);
	r->currency = db_text(a, st, 12);
	r->first_sku = db_text(a, st, 13);
}

int
catalog_admin_products(struct db *d, struct arena *a,
    const struct catalog_admin_filter *f, int limit,
    struct product_row **out, size_t *n)
{
	sqlite3_stmt	*st;
	bool		 search = f->match != NULL;
	int		 rc;

	*out = NULL;
	*n = 0;
	if (limit < 1 || limit > CATALOG_ADMIN_PAGE_MAX)
		limit = CATALOG_ADMIN_PAGE_MAX;
	if ((st = db_prep(d, search ? sql_search : sql_list)) == NULL)
		return -1;
	*out = arena_calloc(a, (size_t)limit, sizeof(**out));
	sqlite3_bind_int64(st, 1, f->before > 0 ? f->before : INT64_MAX);
	sqlite3_bind_int64(st, 2, f->category_id);
	sqlite3_bind_int(st, 3, f->active < 0 ? -1 : f->active != 0);
	sqlite3_bind_int(st, 4, limit);
	if (search)
		sqlite3_bind_text(st, 5, f->match, -1, SQLITE_STATIC);
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		row_read(a, st, &(*out)[(*n)++]);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*n = 0;
		return -1;
	}
	return 0;
}
