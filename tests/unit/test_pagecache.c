/*
 * Unit tests: the page cache's file names (known addresses and queries
 * only), pages kept and dropped by the catalog's version, removed by the
 * commits that change what they show (db_watch()), removed when the
 * templates change, and bounded, oldest removed first.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include "core/arena.h"
#include "core/config.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/catalog.h"
#include "shop/pagecache.h"

static char		 dir[64], tdir[96];
static struct db	*d;
static struct arena	*a;
static struct config	 cfg;

static void
exec_ok(const char *sql)
{
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(db_exec(d, sql), 0);
	ck_assert_int_eq(db_commit(d), 0);
}

static bool
exists(const char *name)
{
	char		path[256];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/pages/%s", dir, name);
	return stat(path, &st) == 0;
}

static void
put_template(const char *text)
{
	char	path[160];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/layout.mustache", tdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-pagecache-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(tdir, sizeof(tdir), "%s/templates", dir);
	ck_assert_int_eq(mkdir(tdir, 0700), 0);
	put_template("one");
	memset(&cfg, 0, sizeof(cfg));
	cfg.data_dir = dir;
	cfg.name = "Shop";
	cfg.base_url = "http://127.0.0.1:8080";
	cfg.currency = "EUR";
	unsetenv("SHOP_PAGE_CACHE_BYTES");
	ck_assert_int_eq(pagecache_init(&cfg, tdir, err, sizeof(err)), 0);
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	exec_ok("INSERT INTO categories (id, slug, name) VALUES (1, 'tea', 'Tea')");
	exec_ok("INSERT INTO products (id, slug, name, active, category_id) "
	    "VALUES (1, 'mug', 'Mug', 1, 1), (2, 'hat', 'Hat', 1, NULL)");
	exec_ok("INSERT INTO variants (id, product_id, sku, title, price, "
	    "currency, stock, active) VALUES (1, 1, 'M', '', 900, 'EUR', 3, 1), "
	    "(2, 2, 'H', '', 1500, 'EUR', 9, 1)");
	a = arena_new();
}

static void
teardown(void)
{
	char	cmd[128];

	db_watch(DB_PRIMARY, NULL, 0, NULL);
	db_close(d);
	arena_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Keep the pages of the mug, the hat, the home page and a category. */
static void
keep_some(void)
{
	long long	v = catalog_version(d);

	ck_assert_int_eq(pagecache_store(d, "products/mug.html", v, "mug", 3), 1);
	ck_assert_int_eq(pagecache_store(d, "products/hat.html", v, "hat", 3), 1);
	ck_assert_int_eq(pagecache_store(d, "index.html", v, "home", 4), 1);
	ck_assert_int_eq(pagecache_store(d, "products.price.p2.html", v,
	    "list", 4), 1);
	ck_assert_int_eq(pagecache_store(d, "categories/tea.html", v, "tea",
	    3), 1);
	ck_assert(exists("products/mug.html"));
	ck_assert(exists("categories/tea.html"));
}

START_TEST(names)
{
	static const struct { const char *path, *query, *name; } t[] = {
		{ "/", "", "index.html" },
		{ "/", "page=2", "index.p2.html" },
		{ "/products", NULL, "products.html" },
		{ "/products", "page=12", "products.p12.html" },
		{ "/products", "sort=price-desc", "products.price-desc.html" },
		{ "/products", "sort=price&page=3", "products.price.p3.html" },
		{ "/products/mug-2", "", "products/mug-2.html" },
		{ "/categories/tea", "sort=name&page=99999",
		  "categories/tea.name.p99999.html" },
		/* bad-*: anything else is not kept */
		{ "/products/mug", "page=2", NULL },
		{ "/products", "page=0", NULL },
		{ "/products", "page=02", NULL },
		{ "/products", "page=100000", NULL },
		{ "/products", "page=", NULL },
		{ "/products", "page=2&sort=price", NULL },
		{ "/products", "sort=Price", NULL },
		{ "/products", "sort=", NULL },
		{ "/products", "sort=price&", NULL },
		{ "/products", "sort=price&page=2&x=1", NULL },
		{ "/products", "sort=abcdefghijklmnopqrstu", NULL },
		{ "/products", "utm_source=x", NULL },
		{ "/products/", "", NULL },
		{ "/products/Mug", "", NULL },
		{ "/products/../shop.db", "", NULL },
		{ "/products/a/b", "", NULL },
		{ "/categories", "", NULL },
		{ "/search", "q=tea", NULL },
		{ "/cart", "", NULL },
	};
	size_t	i;
	char	*n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = pagecache_name(a, t[i].path, t[i].query);
		if (t[i].name == NULL)
			ck_assert_msg(n == NULL, "%s?%s: %s", t[i].path,
			    t[i].query, n);
		else
			ck_assert_msg(n != NULL && strcmp(n, t[i].name) == 0,
			    "%s?%s: %s", t[i].path, t[i].query, n ? n : "NULL");
	}
}
END_TEST

START_TEST(kept_only_at_the_current_version)
{
	long long	v = catalog_version(d);

	ck_assert_int_eq(pagecache_store(d, "products/mug.html", v - 1, "old",
	    3), 0);
	ck_assert(!exists("products/mug.html"));
	ck_assert(!exists("products/mug.html.gz"));
	ck_assert_int_eq(pagecache_store(d, "products/mug.html", v, "new", 3),
	    1);
	ck_assert(exists("products/mug.html"));
}
END_TEST

START_TEST(stock_change_removes_its_product_and_the_lists)
{
	keep_some();
	exec_ok("UPDATE variants SET stock = 0 WHERE id = 1");
	ck_assert(!exists("products/mug.html"));
	ck_assert(!exists("index.html"));
	ck_assert(!exists("products.price.p2.html"));
	ck_assert(!exists("categories/tea.html"));
	/* Another product's page shows nothing that changed. */
	ck_assert(exists("products/hat.html"));
}
END_TEST

START_TEST(bad_a_rolled_back_change_removes_nothing)
{
	keep_some();
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(db_exec(d, "UPDATE variants SET price = 1 WHERE id = 1"),
	    0);
	db_rollback(d);
	ck_assert(exists("products/mug.html"));
	ck_assert(exists("index.html"));
	/* Nor does a commit of other tables. */
	exec_ok("INSERT INTO shipping_methods (code, name, price, currency, "
	    "position) VALUES ('std', 'Standard', 495, 'EUR', 1)");
	ck_assert(exists("products/mug.html"));
}
END_TEST

START_TEST(a_slug_given_up_removes_the_old_address)
{
	keep_some();
	exec_ok("UPDATE products SET slug = 'big-mug' WHERE id = 1");
	ck_assert(!exists("products/mug.html"));
	ck_assert(exists("products/hat.html"));
	keep_some();
	exec_ok("DELETE FROM variants WHERE product_id = 2");
	exec_ok("DELETE FROM products WHERE id = 2");
	ck_assert(!exists("products/hat.html"));
}
END_TEST

START_TEST(category_change_removes_the_lists)
{
	keep_some();
	exec_ok("UPDATE categories SET name = 'Teas' WHERE id = 1");
	ck_assert(!exists("categories/tea.html"));
	ck_assert(!exists("index.html"));
	/* Its products' pages name it. */
	ck_assert(!exists("products/mug.html"));
	ck_assert(exists("products/hat.html"));
}
END_TEST

START_TEST(new_templates_clear_every_page)
{
	char	err[256];

	keep_some();
	/* The same templates: nothing changes at start. */
	ck_assert_int_eq(pagecache_init(&cfg, tdir, err, sizeof(err)), 0);
	ck_assert(exists("products/hat.html"));
	put_template("two");
	ck_assert_int_eq(pagecache_init(&cfg, tdir, err, sizeof(err)), 0);
	ck_assert(!exists("products/hat.html"));
	ck_assert(!exists("index.html"));
	keep_some();
	cfg.name = "Another shop";
	ck_assert_int_eq(pagecache_init(&cfg, tdir, err, sizeof(err)), 0);
	ck_assert(!exists("products/hat.html"));
}
END_TEST

START_TEST(bounded_oldest_first)
{
	char		 err[256], big[4096], path[256];
	struct utimbuf	 t;
	long long	 v;

	setenv("SHOP_PAGE_CACHE_BYTES", "20000", 1);
	ck_assert_int_eq(pagecache_init(&cfg, tdir, err, sizeof(err)), 0);
	v = catalog_version(d);
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(pagecache_store(d, "products/hat.html", v, big,
	    sizeof(big)), 1);
	snprintf(path, sizeof(path), "%s/pages/products/hat.html", dir);
	t.actime = t.modtime = 1000;
	ck_assert_int_eq(utime(path, &t), 0);
	ck_assert_int_eq(pagecache_store(d, "products/mug.html", v, big,
	    sizeof(big)), 1);
	ck_assert_int_eq(pagecache_store(d, "index.html", v, big,
	    sizeof(big)), 1);
	ck_assert_int_ge(pagecache_bytes(), 3 * 4096);
	/* Three more pass the cap: the oldest goes first. */
	ck_assert_int_eq(pagecache_store(d, "products.html", v, big,
	    sizeof(big)), 1);
	ck_assert_int_eq(pagecache_store(d, "products.p2.html", v, big,
	    sizeof(big)), 1);
	ck_assert_int_le(pagecache_bytes(), 20000);
	ck_assert(!exists("products/hat.html"));
	ck_assert(exists("products.p2.html"));
	/* A page over a quarter of the cap is never kept. */
	setenv("SHOP_PAGE_CACHE_BYTES", "16000", 1);
	ck_assert_int_eq(pagecache_init(&cfg, tdir, err, sizeof(err)), 0);
	ck_assert_int_eq(pagecache_store(d, "products.p4.html", v, big,
	    sizeof(big)), -1);
	ck_assert_int_ge(pagecache_evict(4096), 1);
	ck_assert_int_le(pagecache_bytes(), 4096);
	ck_assert_int_eq(pagecache_clear() >= 0, 1);
	ck_assert_int_eq(pagecache_bytes(), 0);
	unsetenv("SHOP_PAGE_CACHE_BYTES");
}
END_TEST

START_TEST(bad_cap_refused_and_zero_is_off)
{
	char	err[256];

	setenv("SHOP_PAGE_CACHE_BYTES", "12MB", 1);
	ck_assert_int_eq(pagecache_init(&cfg, tdir, err, sizeof(err)), -1);
	ck_assert(strstr(err, "SHOP_PAGE_CACHE_BYTES") != NULL);
	setenv("SHOP_PAGE_CACHE_BYTES", "-1", 1);
	ck_assert_int_eq(pagecache_init(&cfg, tdir, err, sizeof(err)), -1);
	setenv("SHOP_PAGE_CACHE_BYTES", "0", 1);
	ck_assert_int_eq(pagecache_init(&cfg, tdir, err, sizeof(err)), 0);
	ck_assert(!pagecache_enabled());
	ck_assert_int_eq(pagecache_store(d, "index.html", catalog_version(d),
	    "x", 1), -1);
	ck_assert(!exists("index.html"));
	unsetenv("SHOP_PAGE_CACHE_BYTES");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pagecache");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, names);
	tcase_add_test(tc, kept_only_at_the_current_version);
	tcase_add_test(tc, stock_change_removes_its_product_and_the_lists);
	tcase_add_test(tc, bad_a_rolled_back_change_removes_nothing);
	tcase_add_test(tc, a_slug_given_up_removes_the_old_address);
	tcase_add_test(tc, category_change_removes_the_lists);
	tcase_add_test(tc, new_templates_clear_every_page);
	tcase_add_test(tc, bounded_oldest_first);
	tcase_add_test(tc, bad_cap_refused_and_zero_is_off);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
