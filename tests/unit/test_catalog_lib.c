/*
 * Unit tests: the catalog's pure helpers (stock states, sort orders,
 * page numbers, the FTS5 query builder, the snippet splitter), the
 * sitemap writer, and the variant reader against a real database.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/tmpl.h"
#include "core/tval.h"
#include "data/db.h"
#include "data/migrate.h"
#include "ext/sitemap.h"
#include "shop/catalog.h"

static struct arena *a;

static void
setup(void)
{
	a = arena_new();
}

static void
teardown(void)
{
	arena_free(a);
}

START_TEST(stock_states)
{
	ck_assert_int_eq(stock_state(-1), STOCK_OUT);
	ck_assert_int_eq(stock_state(0), STOCK_OUT);
	ck_assert_int_eq(stock_state(1), STOCK_LOW);
	ck_assert_int_eq(stock_state(CATALOG_LOW_STOCK), STOCK_LOW);
	ck_assert_int_eq(stock_state(CATALOG_LOW_STOCK + 1), STOCK_IN);
	ck_assert_str_eq(stock_state_names[STOCK_IN], "in_stock");
	ck_assert_str_eq(stock_state_names[STOCK_LOW], "low_stock");
	ck_assert_str_eq(stock_state_names[STOCK_OUT], "sold_out");
}
END_TEST

START_TEST(sort_names)
{
	ck_assert_int_eq(catalog_sort_parse("name"), SORT_NAME);
	ck_assert_int_eq(catalog_sort_parse("price"), SORT_PRICE);
	ck_assert_int_eq(catalog_sort_parse("price-desc"), SORT_PRICE_DESC);
	ck_assert_int_eq(catalog_sort_parse("newest"), SORT_NEWEST);
	ck_assert_int_eq(catalog_sort_parse(NULL), SORT__MAX);
	ck_assert_int_eq(catalog_sort_parse(""), SORT__MAX);
	ck_assert_int_eq(catalog_sort_parse("PRICE"), SORT__MAX);
	ck_assert_int_eq(catalog_sort_parse("price "), SORT__MAX);
	ck_assert_int_eq(catalog_sort_parse("price-"), SORT__MAX);
}
END_TEST

START_TEST(page_numbers)
{
	static const char *const bad[] = {
		NULL, "", "0", "00", "-1", "+1", " 1", "1 ", "1e3", "0x10",
		"1.0", "abc", "1a", "10001", "99999999999999999999",
		"18446744073709551617", "\xef\xbc\x91" /* fullwidth 1 */,
	};
	long long	page = -7;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(catalog_page_parse(bad[i], &page) == -1,
		    "accepted \"%s\"", bad[i] ? bad[i] : "(null)");
		ck_assert_int_eq(page, -7);
	}
	ck_assert_int_eq(catalog_page_parse("1", &page), 0);
	ck_assert_int_eq(page, 1);
	ck_assert_int_eq(catalog_page_parse("007", &page), 0);
	ck_assert_int_eq(page, 7);
	ck_assert_int_eq(catalog_page_parse("10000", &page), 0);
	ck_assert_int_eq(page, SHOP_MAX_PAGE);
}
END_TEST

static const char *
fts(const char *s, size_t *terms)
{
	char	*out;

	*terms = catalog_fts_query(a, s, strlen(s), &out);
	return out;
}

START_TEST(fts_query)
{
	size_t	n;

	ck_assert_str_eq(fts("mug", &n), "\"mug\"*");
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(fts("  Blue\tMUG \n", &n), "\"Blue\"* \"MUG\"*");
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(fts("t-shirt", &n), "\"t-shirt\"*");
	ck_assert_str_eq(fts("cr\xc3\xa8me", &n), "\"cr\xc3\xa8me\"*");
	/* FTS5 syntax is only ever text inside a string. */
	ck_assert_str_eq(fts("mug OR tee", &n), "\"mug\"* \"OR\"* \"tee\"*");
	ck_assert_str_eq(fts("NEAR(a b)", &n), "\"NEAR(a\"* \"b)\"*");
	ck_assert_str_eq(fts("name:mug", &n), "\"name:mug\"*");
	ck_assert_str_eq(fts("say \"hi\"", &n), "\"say\"* \"\"\"hi\"\"\"*");
	ck_assert_str_eq(fts("a\"b", &n), "\"a\"\"b\"*");
	ck_assert_uint_eq(n, 1);
	/* Punctuation alone would be an empty phrase: left out. */
	ck_assert_str_eq(fts("'; DROP TABLE products; --", &n),
	    "\"DROP\"* \"TABLE\"* \"products;\"*");
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(fts("* \" ( ) - ^ :", &n), "");
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(fts("", &n), "");
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(fts("   ", &n), "");
	ck_assert_uint_eq(n, 0);
	/* At most CATALOG_MAX_TERMS words. */
	ck_assert_str_eq(fts("a b c d e f g h i j k l m n o p q r", &n),
	    "\"a\"* \"b\"* \"c\"* \"d\"* \"e\"* \"f\"* \"g\"* \"h\"* "
	    "\"i\"* \"j\"* \"k\"* \"l\"* \"m\"* \"n\"* \"o\"* \"p\"*");
	ck_assert_uint_eq(n, CATALOG_MAX_TERMS);
}
END_TEST

/* The segments of s as "text|" with hits in brackets, for comparing. */
static const char *
segs(const char *s)
{
	struct segment	*seg;
	struct buf	 b = { 0 };
	size_t		 i, n;
	char		*out;

	n = catalog_segments(a, s, &seg);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(strlen(seg[i].text), seg[i].len);
		ck_assert_uint_gt(seg[i].len, 0);
		buf_printf(&b, seg[i].hit ? "[%s]" : "%s|", seg[i].text);
	}
	out = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return out;
}

START_TEST(segments)
{
	ck_assert_str_eq(segs(""), "");
	ck_assert_str_eq(segs("plain"), "plain|");
	ck_assert_str_eq(segs("a \x02mug\x03 b"), "a |[mug] b|");
	ck_assert_str_eq(segs("\x02Mug\x03"), "[Mug]");
	ck_assert_str_eq(segs("\x02" "a\x03\x02" "b\x03"), "[ab]");
	ck_assert_str_eq(segs("x\x02\x03y"), "xy|");
	/* Markers without their pair are dropped, the text kept. */
	ck_assert_str_eq(segs("a\x03" "b"), "ab|");
	ck_assert_str_eq(segs("a\x02" "b"), "a|[b]");
	ck_assert_str_eq(segs("\x02\x02" "a\x03\x03" "b"), "[a]b|");
	ck_assert_str_eq(segs("<b>&\x02<i>\x03"), "<b>&|[<i>]");
}
END_TEST

START_TEST(sitemap)
{
	struct sitemap_url	 u[] = {
		{ "https://shop.example/", "2025-01-06T09:00:00Z" },
		{ "https://shop.example/search?q=a&b=<c>", NULL },
		{ "https://shop.example/products/x", "" },
	};
	struct buf		 b = { 0 };

	ck_assert_int_eq(sitemap_write(&b, u, 3), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&b),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "<urlset xmlns=\""
	    "http://www.sitemaps.org/schemas/sitemap/0.9\">"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b),
	    "<loc>https://shop.example/</loc>"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b),
	    "<lastmod>2025-01-06T09:00:00Z</lastmod>"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b),
	    "<loc>https://shop.example/search?q=a&amp;b=&lt;c&gt;</loc>"));
	/* No lastmod for the two without one. */
	ck_assert_ptr_null(strstr(strstr(buf_str(&b), "search?"),
	    "<lastmod>"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "</urlset>"));
	buf_reset(&b);
	ck_assert_int_eq(sitemap_write(&b, u, 0), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "<urlset"));
	ck_assert_ptr_null(strstr(buf_str(&b), "<url>"));
	buf_reset(&b);
	ck_assert_int_eq(sitemap_write(&b, u, SITEMAP_MAX_URLS + 1), -1);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

/* A page in the layout with the site state other programs fill in. */
static const char *
layout_render(bool signed_in)
{
	const char	*tdir = getenv("SHOP_TEMPLATE_DIR");
	struct tmpl_set	*set;
	struct tval	*d = tval_map(a), *site, *user;
	struct buf	 b = { 0 };
	char		 err[256], *out;

	set = tmpl_load_dir(tdir ? tdir : "templates", err, sizeof(err));
	ck_assert_msg(set != NULL, "%s", err);
	tval_set_str(a, d, "title", "Categories");
	tval_set_list(a, d, "categories");
	site = tval_set_map(a, d, "site");
	tval_set_str(a, site, "name", "Tea & Cake");
	tval_set_int(a, site, "year", 2026);
	tval_set_str(a, site, "q", "\"mug\"");
	if (signed_in) {
		tval_set_int(a, site, "cart_count", 3);
		tval_set_str(a, site, "cart_noun", "items");
		user = tval_set_map(a, site, "user");
		tval_set_str(a, user, "name", "Ada <b>");
	}
	ck_assert_int_eq(tmpl_render(set, "catalog/categories", d, &b), 0);
	out = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	tmpl_set_free(set);
	return out;
}

START_TEST(layout)
{
	const char	*s = layout_render(false);

	ck_assert_ptr_nonnull(strstr(s, "<title>Categories \xc2\xb7 Tea &amp; "
	    "Cake</title>"));
	ck_assert_ptr_nonnull(strstr(s, "<a class=\"brand\" href=\"/\">"
	    "Tea &amp; Cake</a>"));
	ck_assert_ptr_nonnull(strstr(s, "name=\"q\" value=\"&quot;mug&quot;\""));
	ck_assert_ptr_nonnull(strstr(s, "<li class=\"nav-cart\"><a href=\"/cart\">"
	    "Cart</a></li>"));
	ck_assert_ptr_nonnull(strstr(s, "<li class=\"nav-account\"><a href=\""
	    "/account\">Sign in</a></li>"));
	ck_assert_ptr_nonnull(strstr(s, "<p>\xc2\xa9 2026 Tea &amp; Cake</p>"));
	s = layout_render(true);
	ck_assert_ptr_nonnull(strstr(s, "<a href=\"/cart\">Cart <span class="
	    "\"badge\">3<span class=\"visually-hidden\"> items</span></span>"
	    "</a>"));
	ck_assert_ptr_nonnull(strstr(s, "<li class=\"nav-account\"><a href=\""
	    "/account\">Ada &lt;b&gt;</a></li>"));
	ck_assert_ptr_null(strstr(s, "Sign in"));
}
END_TEST

static char	dir[64];

static void
db_setup(void)
{
	char		 err[256];
	struct db	*d;

	a = arena_new();
	snprintf(dir, sizeof(dir), "/tmp/shop-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(db_exec(d,
	    "INSERT INTO categories (id, slug, name) VALUES (1, 'mugs', 'Mugs');"
	    "INSERT INTO products (id, slug, name, description, category_id,"
	    " created_at, updated_at) VALUES"
	    " (1, 'mug', 'Blue Mug', 'A blue mug.', 1, '2025-01-01T00:00:00Z',"
	    "  '2025-01-02T00:00:00Z'),"
	    " (2, 'cup', 'Cr\xc3\xa8me Cup', 'Small.', NULL,"
	    "  '2025-01-03T00:00:00Z', '2025-01-03T00:00:00Z'),"
	    " (3, 'gone', 'Old Mug', 'Gone.', 1, '2025-01-04T00:00:00Z',"
	    "  '2025-01-04T00:00:00Z');"
	    "UPDATE products SET active = 0 WHERE id = 3;"
	    /* Out of id order by position; the one in the middle has no
	     * options; an inactive one is skipped. */
	    "INSERT INTO variants (id, product_id, sku, title, options, price,"
	    " currency, stock, position) VALUES"
	    " (10, 1, 'M-L', 'Large', '{\"Size\":\"L\",\"Glaze\":\"Gloss\"}',"
	    "  1900, 'EUR', 3, 3),"
	    " (11, 1, 'M-S', 'Small', '{\"Size\":\"S\"}', 1500, 'EUR', 0, 1),"
	    " (12, 1, 'M-P', 'Plain', '{}', 1700, 'EUR', 9, 2),"
	    " (13, 1, 'M-X', 'Old', '{\"Size\":\"X\"}', 100, 'EUR', 9, 0),"
	    " (14, 2, 'C-1', '', '{}', 800, 'EUR', 20, 0);"
	    "UPDATE variants SET active = 0 WHERE id = 13;"
	    "INSERT INTO images (product_id, path, alt, width, height, position)"
	    " VALUES (1, 'products/b.svg', 'Second', 10, 10, 2),"
	    " (1, 'products/a.svg', 'First', 20, 30, 1);"), 0);
	db_close(d);
}

static void
db_teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	arena_free(a);
}

static struct db *
db_web(void)
{
	char		 err[256];
	struct db	*d = db_open(dir, DB_PRIMARY, DB_OPEN_WEB, err,
	    sizeof(err));

	ck_assert_msg(d != NULL, "%s", err);
	return d;
}

START_TEST(product_page)
{
	struct db	*d = db_web();
	struct product	 p;

	ck_assert_int_eq(product_by_slug(d, a, "mug", &p), 1);
	ck_assert_str_eq(p.name, "Blue Mug");
	ck_assert_str_eq(p.description, "A blue mug.");
	ck_assert_str_eq(p.category_slug, "mugs");
	ck_assert(p.has_price);
	ck_assert_int_eq(p.min_price, 1500);
	ck_assert_int_eq(p.max_price, 1900);
	ck_assert_int_eq(p.stock, 12);
	ck_assert_str_eq(p.image.path, "products/a.svg");
	ck_assert_int_eq(p.image.height, 30);
	ck_assert_uint_eq(p.nimages, 2);
	ck_assert_str_eq(p.images[1].alt, "Second");

	ck_assert_uint_eq(p.nvariants, 3);
	ck_assert_str_eq(p.variants[0].sku, "M-S");
	ck_assert_uint_eq(p.variants[0].noptions, 1);
	ck_assert_str_eq(p.variants[0].options[0].name, "Size");
	ck_assert_str_eq(p.variants[0].options[0].value, "S");
	ck_assert_str_eq(p.variants[1].sku, "M-P");
	ck_assert_uint_eq(p.variants[1].noptions, 0);
	ck_assert_str_eq(p.variants[2].sku, "M-L");
	ck_assert_uint_eq(p.variants[2].noptions, 2);
	ck_assert_str_eq(p.variants[2].options[0].name, "Size");
	ck_assert_str_eq(p.variants[2].options[0].value, "L");
	ck_assert_str_eq(p.variants[2].options[1].name, "Glaze");
	ck_assert_str_eq(p.variants[2].options[1].value, "Gloss");

	ck_assert_int_eq(product_by_slug(d, a, "gone", &p), 0);
	ck_assert_int_eq(product_by_slug(d, a, "nothing", &p), 0);
	ck_assert_int_eq(product_by_slug(d, a, "cup", &p), 1);
	ck_assert_str_eq(p.category_slug, "");
	ck_assert(!p.has_image);
	db_close(d);
}
END_TEST

START_TEST(lists_and_search)
{
	struct db	*d = db_web();
	struct product	*v;
	struct category	*c;
	size_t		 n;
	long long	 total;
	char		*q;

	ck_assert_int_eq(product_count(d, 0, &total), 0);
	ck_assert_int_eq(total, 2);
	ck_assert_int_eq(product_count(d, 1, &total), 0);
	ck_assert_int_eq(total, 1);
	ck_assert_int_eq(product_list(d, a, 0, SORT_PRICE, 10, 0, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].slug, "cup");
	ck_assert_str_eq(v[1].slug, "mug");
	ck_assert_int_eq(product_list(d, a, 0, SORT_NEWEST, 1, 1, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].slug, "mug");
	ck_assert_int_eq(product_list(d, a, 0, SORT__MAX, 1, 0, &v, &n), -1);

	ck_assert_int_eq(category_list(d, a, &c, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(c[0].nproducts, 1);
	ck_assert_str_eq(c[0].updated_at, "2025-01-02T00:00:00Z");

	ck_assert_uint_eq(catalog_fts_query(a, "CREME", 5, &q), 1);
	ck_assert_int_eq(catalog_search_count(d, q, &total), 0);
	ck_assert_int_eq(total, 1);
	ck_assert_int_eq(catalog_search(d, a, q, 10, 0, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].name_marked, "\x02" "Cr\xc3\xa8me\x03 Cup");
	/* The inactive product is not found. */
	ck_assert_uint_eq(catalog_fts_query(a, "old", 3, &q), 1);
	ck_assert_int_eq(catalog_search_count(d, q, &total), 0);
	ck_assert_int_eq(total, 0);
	db_close(d);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("catalog");
	TCase	*tc = tcase_create("pure");
	TCase	*td = tcase_create("db");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, stock_states);
	tcase_add_test(tc, sort_names);
	tcase_add_test(tc, page_numbers);
	tcase_add_test(tc, fts_query);
	tcase_add_test(tc, segments);
	tcase_add_test(tc, sitemap);
	tcase_add_test(tc, layout);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(td, db_setup, db_teardown);
	tcase_add_test(td, product_page);
	tcase_add_test(td, lists_and_search);
	suite_add_tcase(s, td);
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
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
