/*
 * Unit tests: the back office's list of products (lib/shop/catalog_admin.c):
 * newest first in keyset pages, on sale or not, with the figures of all
 * their variants; searched by name or SKU through product_admin_search,
 * which the schema's triggers keep in step with renames, new and changed
 * SKUs and deletions; filtered by category and state.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/catalog.h"
#include "shop/catalog_admin.h"
#include "shop/catalog_edit.h"
#include "testclock.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

static void
setup(void)
{
	char	err[256];

	testclock_freeze(1772366400000LL);
	snprintf(dir, sizeof(dir), "/tmp/shop-cadmin-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	a = arena_new();
}

static void
teardown(void)
{
	char	cmd[128];

	db_close(d);
	arena_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	testclock_thaw();
}

static void
exec(const char *sql)
{
	ck_assert_int_eq(sqlite3_exec(db_handle(d), sql, NULL, NULL, NULL),
	    SQLITE_OK);
}

static long long
product(const char *name, long long category, bool active)
{
	long long	id;

	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(product_create(d, a, &(struct product_input){
	    .name = name, .category_id = category, .active = active }, &id),
	    CATALOG_OK);
	ck_assert_int_eq(db_commit(d), 0);
	return id;
}

static void
variant(long long pid, const char *sku, long long price, long long stock,
    bool active)
{
	long long	id;

	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(variant_create(d, pid, &(struct variant_input){
	    .sku = sku, .price = price, .currency = "EUR", .stock = stock,
	    .active = active }, "test", &id), CATALOG_OK);
	ck_assert_int_eq(db_commit(d), 0);
}

/* The ids a filter lists, as "3 2 1", at most limit. */
static const char *
ids(long long before, const char *q, long long category, int active,
    int limit)
{
	struct catalog_admin_filter	 f = { before, NULL, category, active };
	struct product_row		*v;
	char				*match, *s;
	size_t				 n, i;

	if (q != NULL && catalog_fts_query(a, q, strlen(q), &match) > 0)
		f.match = match;
	ck_assert_int_eq(catalog_admin_products(d, a, &f, limit, &v, &n), 0);
	s = arena_strdup(a, "");
	for (i = 0; i < n; i++)
		s = arena_printf(a, "%s%s%lld", s, i ? " " : "", v[i].id);
	return s;
}

START_TEST(pages_and_figures)
{
	struct catalog_admin_filter	 f = { 0, NULL, 0, -1 };
	struct product_row		*v;
	long long			 cat, mug, hat, tee;
	size_t				 n;

	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(category_create(d, a, &(struct category_input){
	    .name = "Cups" }, &cat), CATALOG_OK);
	ck_assert_int_eq(db_commit(d), 0);
	mug = product("Blue Mug", cat, true);
	hat = product("Wool Hat", 0, false);
	tee = product("Tee", cat, true);
	variant(mug, "MUG-S", 1200, 3, true);
	variant(mug, "MUG-L", 1500, 4, false);
	ck_assert_str_eq(ids(0, NULL, 0, -1, 50), "3 2 1");
	ck_assert_str_eq(ids(0, NULL, 0, -1, 2), "3 2");
	ck_assert_str_eq(ids(2, NULL, 0, -1, 2), "1");
	ck_assert_str_eq(ids(1, NULL, 0, -1, 2), "");
	ck_assert_str_eq(ids(0, NULL, cat, -1, 50), "3 1");
	ck_assert_str_eq(ids(0, NULL, 0, 0, 50), "2");
	ck_assert_str_eq(ids(0, NULL, cat, 1, 50), "3 1");
	ck_assert_str_eq(ids(0, NULL, cat, 0, 50), "");

	f.before = tee;
	ck_assert_int_eq(catalog_admin_products(d, a, &f, 50, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[0].id, hat);
	ck_assert(!v[0].active);
	ck_assert(!v[0].has_price);
	ck_assert_int_eq(v[0].category_id, 0);
	ck_assert_str_eq(v[0].category_name, "");
	ck_assert_str_eq(v[0].first_sku, "");
	ck_assert_int_eq(v[1].id, mug);
	ck_assert_str_eq(v[1].name, "Blue Mug");
	ck_assert_str_eq(v[1].slug, "blue-mug");
	ck_assert_str_eq(v[1].category_name, "Cups");
	ck_assert_int_eq(v[1].variants, 2);
	ck_assert_int_eq(v[1].active_variants, 1);
	ck_assert_int_eq(v[1].stock, 7);
	ck_assert_int_eq(v[1].min_price, 1200);
	ck_assert_int_eq(v[1].max_price, 1500);
	ck_assert_str_eq(v[1].currency, "EUR");
	ck_assert_str_eq(v[1].first_sku, "MUG-S");

	/* A limit out of range is the most there is. */
	ck_assert_int_eq(catalog_admin_products(d, a, &f, 0, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(catalog_admin_products(d, a, &f,
	    CATALOG_ADMIN_PAGE_MAX + 1, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(search_kept_in_step)
{
	long long	mug = product("Café Mug", 0, true);
	long long	hat = product("Wool Hat", 0, false);

	variant(mug, "MUG-01-BLUE", 1200, 3, true);
	variant(hat, "HAT-9", 900, 1, true);
	ck_assert_str_eq(ids(0, "cafe", 0, -1, 50), "1");
	ck_assert_str_eq(ids(0, "CAF\xc3\x89", 0, -1, 50), "1");
	ck_assert_str_eq(ids(0, "mug-01", 0, -1, 50), "1");
	ck_assert_str_eq(ids(0, "MUG-01-BLUE", 0, -1, 50), "1");
	ck_assert_str_eq(ids(0, "wool", 0, -1, 50), "2");	/* off sale */
	ck_assert_str_eq(ids(0, "hat-9", 0, 1, 50), "");
	ck_assert_str_eq(ids(0, "hat-9", 0, 0, 50), "2");
	ck_assert_str_eq(ids(0, "wool", 2, -1, 50), "");
	ck_assert_str_eq(ids(2, "wool", 0, -1, 50), "");

	exec("UPDATE products SET name = 'Felt Hat' WHERE id = 2");
	exec("UPDATE variants SET sku = 'FELT-1' WHERE sku = 'HAT-9'");
	ck_assert_str_eq(ids(0, "wool", 0, -1, 50), "");
	ck_assert_str_eq(ids(0, "felt", 0, -1, 50), "2");
	ck_assert_str_eq(ids(0, "HAT-9", 0, -1, 50), "");
	ck_assert_str_eq(ids(0, "felt-1", 0, -1, 50), "2");
	exec("DELETE FROM variants WHERE sku = 'FELT-1'");
	ck_assert_str_eq(ids(0, "felt-1", 0, -1, 50), "");
	ck_assert_str_eq(ids(0, "felt", 0, -1, 50), "2");
	exec("DELETE FROM products WHERE id = 2");
	ck_assert_str_eq(ids(0, "felt", 0, -1, 50), "");
	ck_assert_str_eq(ids(0, NULL, 0, -1, 50), "1");
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("catalog_admin");
	TCase	*t = tcase_create("catalog_admin");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, pages_and_figures);
	tcase_add_test(t, search_kept_in_step);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
