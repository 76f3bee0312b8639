/*
 * Unit tests: writing the catalog (categories, products, variants,
 * images) in the caller's transaction: slugs given or derived and made
 * unique, SKUs unique, every field checked with its own result and
 * nothing written on a refusal, updates that change nothing writing
 * nothing, and the versions of cached fragments bumped by every change.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/money.h"
#include "core/text.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/catalog.h"
#include "shop/catalog_edit.h"
#include "shop/inventory.h"
#include "testclock.h"

/* 2026-03-01T12:00:00Z */
#define NOW_MS		1772366400000LL
#define NOW_TEXT	"2026-03-01T12:00:00Z"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

static long long
count(const char *sql)
{
	sqlite3_stmt	*st;
	long long	 n;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static char *
text(const char *sql)
{
	sqlite3_stmt	*st;
	char		*s;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	s = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s;
}

/* What every table holds, to prove a refusal wrote nothing. */
static long long
rows(void)
{
	return count("SELECT (SELECT count(*) FROM categories) * 1000000 +"
	    " (SELECT count(*) FROM products) * 10000 +"
	    " (SELECT count(*) FROM variants) * 100 +"
	    " (SELECT count(*) FROM images) * 10 +"
	    " (SELECT count(*) FROM stock_movements)");
}

static long long
catalog_v(void)
{
	return count("SELECT version FROM catalog_state");
}

static long long
product_v(long long id)
{
	char	sql[96];

	snprintf(sql, sizeof(sql), "SELECT version FROM products WHERE id ="
	    " %lld", id);
	return count(sql);
}

/* A string of n copies of c, in the arena. */
static char *
many(char c, size_t n)
{
	char	*s = arena_alloc(a, n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
setup(void)
{
	char	err[256];

	testclock_freeze(NOW_MS);
	snprintf(dir, sizeof(dir), "/tmp/shop-edit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	a = arena_new();
	ck_assert_int_eq(db_begin(d), 0);
}

static void
teardown(void)
{
	char	cmd[128];

	if (db_in_write(d))
		ck_assert_int_eq(db_commit(d), 0);
	db_close(d);
	arena_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	testclock_thaw();
}

static void
pure_setup(void)
{
	a = arena_new();
}

static void
pure_teardown(void)
{
	arena_free(a);
}

static long long
new_category(const char *name, const char *slug)
{
	long long	id = -1;

	ck_assert_int_eq(category_create(d, a, &(struct category_input){
	    .name = name, .slug = slug }, &id), CATALOG_OK);
	ck_assert_int_gt(id, 0);
	return id;
}

static long long
new_product(const char *name, const char *slug, long long category)
{
	long long	id = -1;

	ck_assert_int_eq(product_create(d, a, &(struct product_input){
	    .name = name, .slug = slug, .category_id = category,
	    .active = true }, &id), CATALOG_OK);
	ck_assert_int_gt(id, 0);
	return id;
}

static const char *
slug_of(long long id)
{
	struct product_input	p;

	ck_assert_int_eq(product_get(d, a, id, &p), 1);
	return p.slug;
}

START_TEST(text_checks)
{
	ck_assert(text_blank(NULL));
	ck_assert(text_blank(""));
	ck_assert(text_blank(" \t\r\n"));
	ck_assert(!text_blank(" a "));
	ck_assert(text_fits("", 0, false));
	ck_assert(text_fits("Cr\xc3\xa8me", 5, false));	/* characters */
	ck_assert(!text_fits("Cr\xc3\xa8me", 4, false));
	ck_assert(!text_fits(NULL, 10, false));
	ck_assert(!text_fits("a\nb", 10, false));
	ck_assert(!text_fits("a\tb", 10, false));
	ck_assert(text_fits("a\nb\r\n\tc", 10, true));
	ck_assert(!text_fits("a\x01" "b", 10, true));
	ck_assert(!text_fits("a\x7f", 10, true));
	ck_assert(!text_fits("\xc3", 10, true));
	ck_assert(!text_fits("\xed\xa0\x80", 10, true));	/* surrogate */
}
END_TEST

START_TEST(slugs)
{
	static const char *const good[] = {
		"a", "mug", "blue-mug", "a-b-c", "2025", "t-shirt-xl",
	};
	static const char *const bad[] = {
		NULL, "", "-", "-mug", "mug-", "blue--mug", "Blue", "blue_mug",
		"blue mug", "caf\xc3\xa9", "a/b", "a.b",
	};
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(catalog_slug_ok(good[i]), "refused %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!catalog_slug_ok(bad[i]), "took %s",
		    bad[i] ? bad[i] : "(null)");
	ck_assert(catalog_slug_ok(many('a', CATALOG_SLUG_MAX)));
	ck_assert(!catalog_slug_ok(many('a', CATALOG_SLUG_MAX + 1)));
}
END_TEST

START_TEST(categories)
{
	struct category_input	 c;
	long long		 id, v = catalog_v();

	ck_assert_int_eq(category_create(d, a, &(struct category_input){
	    .name = "Tea & Cake", .description = "Loose leaf.\nAnd cake.",
	    .position = 3 }, &id), CATALOG_OK);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(category_get(d, a, id, &c), 1);
	ck_assert_str_eq(c.name, "Tea & Cake");
	ck_assert_str_eq(c.slug, "tea-cake");
	ck_assert_str_eq(c.description, "Loose leaf.\nAnd cake.");
	ck_assert_int_eq(c.position, 3);
	ck_assert_int_eq(catalog_v(), v + 1);
	ck_assert_int_eq(category_get(d, a, 99, &c), 0);

	/* A derived slug never clashes; a given one must be free. */
	ck_assert_int_eq(new_category("Tea & cake", NULL), 2);
	ck_assert_str_eq(text("SELECT slug FROM categories WHERE id = 2"),
	    "tea-cake-2");
	ck_assert_int_eq(new_category("Mugs", "cups-and-mugs"), 3);
	ck_assert_int_eq(category_create(d, a, &(struct category_input){
	    .name = "Mugs", .slug = "tea-cake" }, &id), CATALOG_SLUG_TAKEN);
	ck_assert_int_eq(id, 0);
	/* A category's slugs are its own: a product may have the same. */
	ck_assert_int_eq(new_product("Tea & Cake", NULL, 0), 1);
	ck_assert_str_eq(slug_of(1), "tea-cake");

	/* Update: every field; an empty slug keeps the one there is. */
	v = catalog_v();
	ck_assert_int_eq(category_update(d, a, 1, &(struct category_input){
	    .name = "Teas", .slug = "", .position = 1 }), CATALOG_OK);
	ck_assert_int_eq(category_get(d, a, 1, &c), 1);
	ck_assert_str_eq(c.name, "Teas");
	ck_assert_str_eq(c.slug, "tea-cake");
	ck_assert_str_eq(c.description, "");
	ck_assert_int_eq(c.position, 1);
	ck_assert_int_eq(catalog_v(), v + 1);
	ck_assert_int_eq(category_update(d, a, 1, &(struct category_input){
	    .name = "Teas", .slug = "teas", .position = 1 }), CATALOG_OK);
	ck_assert_str_eq(text("SELECT slug FROM categories WHERE id = 1"),
	    "teas");
	/* Its own slug is no clash; another's is. */
	ck_assert_int_eq(category_update(d, a, 1, &(struct category_input){
	    .name = "Teas", .slug = "teas", .position = 1 }), CATALOG_OK);
	ck_assert_int_eq(category_update(d, a, 1, &(struct category_input){
	    .name = "Teas", .slug = "cups-and-mugs" }), CATALOG_SLUG_TAKEN);
	ck_assert_int_eq(category_update(d, a, 99, &(struct category_input){
	    .name = "Teas" }), CATALOG_NOT_FOUND);
	ck_assert_int_eq(count("SELECT count(*) FROM categories"), 3);
}
END_TEST

START_TEST(bad_category_fields)
{
	static const struct {
		struct category_input	 in;
		enum catalog_result	 want;
	} bad[] = {
		{ { NULL, NULL, NULL, 0 }, CATALOG_BAD_NAME },
		{ { "", NULL, NULL, 0 }, CATALOG_BAD_NAME },
		{ { "  ", NULL, NULL, 0 }, CATALOG_BAD_NAME },
		{ { "Two\nlines", NULL, NULL, 0 }, CATALOG_BAD_NAME },
		{ { "Bad \xc3", NULL, NULL, 0 }, CATALOG_BAD_NAME },
		{ { "Mugs", "Mugs", NULL, 0 }, CATALOG_BAD_SLUG },
		{ { "Mugs", "mugs!", NULL, 0 }, CATALOG_BAD_SLUG },
		{ { "Mugs", "-mugs", NULL, 0 }, CATALOG_BAD_SLUG },
		{ { "Mugs", "taken", NULL, 0 }, CATALOG_SLUG_TAKEN },
		{ { "Mugs", NULL, "Bell\x07", 0 }, CATALOG_BAD_DESCRIPTION },
		{ { "Mugs", NULL, NULL, -1 }, CATALOG_BAD_POSITION },
		{ { "Mugs", NULL, NULL, CATALOG_POSITION_MAX + 1 },
		  CATALOG_BAD_POSITION },
	};
	struct category_input	 in = { .name = "Mugs" };
	long long		 id, before, v;
	size_t			 i;

	new_category("Taken", "taken");
	before = rows();
	v = catalog_v();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum catalog_result	rc;

		id = -1;
		rc = category_create(d, a, &bad[i].in, &id);
		ck_assert_msg(rc == bad[i].want, "case %zu: %s", i,
		    catalog_result_names[rc]);
		ck_assert_int_eq(id, 0);
		ck_assert_int_eq(category_update(d, a, 1, &bad[i].in),
		    bad[i].want == CATALOG_SLUG_TAKEN ? CATALOG_OK :
		    bad[i].want);
	}
	in.name = many('x', CATALOG_CATEGORY_NAME_MAX + 1);
	ck_assert_int_eq(category_create(d, a, &in, &id), CATALOG_BAD_NAME);
	in.name = "Mugs";
	in.slug = many('m', CATALOG_SLUG_MAX + 1);
	ck_assert_int_eq(category_create(d, a, &in, &id), CATALOG_BAD_SLUG);
	in.slug = NULL;
	in.description = many('x', CATALOG_CATEGORY_TEXT_MAX + 1);
	ck_assert_int_eq(category_create(d, a, &in, &id),
	    CATALOG_BAD_DESCRIPTION);
	/* The one update that passed was of "taken" to its own slug. */
	ck_assert_int_eq(rows(), before);
	ck_assert_int_eq(catalog_v(), v + 1);
	ck_assert_str_eq(text("SELECT name || ' ' || slug FROM categories"),
	    "Mugs taken");
	/* The longest of each passes. */
	in.name = many('x', CATALOG_CATEGORY_NAME_MAX);
	in.description = many('x', CATALOG_CATEGORY_TEXT_MAX);
	in.position = CATALOG_POSITION_MAX;
	ck_assert_int_eq(category_create(d, a, &in, &id), CATALOG_OK);
	/* The refusals left the transaction usable. */
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM categories"), 2);
}
END_TEST

START_TEST(products)
{
	struct product_input	 p;
	long long		 cat = new_category("Mugs", NULL), id, v;

	v = catalog_v();
	ck_assert_int_eq(product_create(d, a, &(struct product_input){
	    .name = "Cr\xc3\xa8me Br\xc3\xbbl\xc3\xa9" "e Mug",
	    .description = "Holds 350 ml.", .category_id = cat,
	    .active = true, .featured = true }, &id), CATALOG_OK);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(catalog_v(), v + 1);
	ck_assert_int_eq(product_get(d, a, id, &p), 1);
	ck_assert_str_eq(p.slug, "creme-brulee-mug");
	ck_assert_str_eq(p.name, "Cr\xc3\xa8me Br\xc3\xbbl\xc3\xa9" "e Mug");
	ck_assert_str_eq(p.description, "Holds 350 ml.");
	ck_assert_int_eq(p.category_id, cat);
	ck_assert(p.active);
	ck_assert(p.featured);
	/* Made now, by the shop's clock. */
	ck_assert_int_eq(p.created_at, NOW_MS / 1000);
	ck_assert_str_eq(text("SELECT created_at || ' ' || updated_at FROM"
	    " products"), NOW_TEXT " " NOW_TEXT);
	/* In the search index, with its category. */
	ck_assert_int_eq(count("SELECT count(*) FROM product_search WHERE"
	    " product_search MATCH 'creme AND mugs'"), 1);
	ck_assert_int_eq(product_get(d, a, 99, &p), 0);

	/* A given time; no category; off sale, so not searched. */
	ck_assert_int_eq(product_create(d, a, &(struct product_input){
	    .name = "Old Mug", .created_at = 1736154000 }, &id), CATALOG_OK);
	ck_assert_int_eq(product_get(d, a, id, &p), 1);
	ck_assert_int_eq(p.created_at, 1736154000);
	ck_assert_int_eq(p.category_id, 0);
	ck_assert(!p.active);
	ck_assert(!p.featured);
	ck_assert_str_eq(text("SELECT created_at FROM products WHERE id = 2"),
	    "2025-01-06T09:00:00Z");
	ck_assert_int_eq(count("SELECT count(*) FROM product_search"), 1);
	ck_assert_int_eq(catalog_has_products(d), 1);
}
END_TEST

START_TEST(derived_slugs)
{
	const char	*s;
	long long	 id;
	size_t		 i;

	ck_assert_int_eq(new_product("Blue Mug", NULL, 0), 1);
	ck_assert_int_eq(new_product("Blue mug!", NULL, 0), 2);
	ck_assert_int_eq(new_product("  BLUE   MUG  ", NULL, 0), 3);
	ck_assert_str_eq(slug_of(1), "blue-mug");
	ck_assert_str_eq(slug_of(2), "blue-mug-2");
	ck_assert_str_eq(slug_of(3), "blue-mug-3");
	/* A slug given is taken as it is or refused, never renumbered. */
	ck_assert_int_eq(product_create(d, a, &(struct product_input){
	    .name = "Blue Mug", .slug = "blue-mug" }, &id),
	    CATALOG_SLUG_TAKEN);
	ck_assert_int_eq(new_product("Blue Mug", "blue-mug-4", 0), 4);
	ck_assert_int_eq(new_product("Blue Mug", NULL, 0), 5);
	ck_assert_str_eq(slug_of(5), "blue-mug-5");
	/* Nothing of the name is left: a word instead. */
	ck_assert_int_eq(new_product("\xe6\x97\xa5\xe6\x9c\xac\xe8\x8c\xb6",
	    NULL, 0), 6);
	ck_assert_str_eq(slug_of(6), "product");
	ck_assert_int_eq(new_product("!!!", NULL, 0), 7);
	ck_assert_str_eq(slug_of(7), "product-2");
	/* Cut to fit, with no hyphen left at the end, suffix included. */
	ck_assert_int_eq(new_product(arena_printf(a, "%s %s",
	    many('a', 79), many('b', 30)), NULL, 0), 8);
	ck_assert_str_eq(slug_of(8), many('a', 79));
	ck_assert_int_eq(new_product(arena_printf(a, "%s %s",
	    many('a', 79), many('c', 30)), NULL, 0), 9);
	s = slug_of(9);
	ck_assert_uint_eq(strlen(s), 80);
	ck_assert_str_eq(s, arena_printf(a, "%s-2", many('a', 78)));
	for (i = 10; i <= 20; i++)
		ck_assert_int_eq(new_product(arena_printf(a, "%s x",
		    many('a', 79)), NULL, 0), (long long)i);
	s = slug_of(20);
	ck_assert_uint_eq(strlen(s), 80);
	ck_assert_str_eq(s, arena_printf(a, "%s-13", many('a', 77)));
	for (i = 8; i <= 20; i++)
		ck_assert(catalog_slug_ok(slug_of((long long)i)));
	ck_assert_int_eq(count("SELECT count(DISTINCT slug) FROM products"),
	    20);
}
END_TEST

START_TEST(product_updates)
{
	struct product_input	 p;
	long long		 mugs = new_category("Mugs", NULL);
	long long		 cups = new_category("Cups", NULL);
	long long		 id = new_product("Blue Mug", NULL, mugs);
	long long		 v, cv;

	new_product("Red Mug", NULL, mugs);
	ck_assert_int_eq(product_get(d, a, id, &p), 1);
	/* Saving what is there writes nothing, bumps nothing. */
	v = product_v(id);
	cv = catalog_v();
	ck_assert_int_eq(product_update(d, a, id, &p), CATALOG_OK);
	ck_assert_int_eq(product_v(id), v);
	ck_assert_int_eq(catalog_v(), cv);
	/* Renamed: the address stays when no slug is given. */
	p.name = "Deep Blue Mug";
	p.slug = NULL;
	ck_assert_int_eq(product_update(d, a, id, &p), CATALOG_OK);
	ck_assert_str_eq(slug_of(id), "blue-mug");
	ck_assert_int_gt(product_v(id), v);
	ck_assert_int_gt(catalog_v(), cv);
	ck_assert_int_eq(count("SELECT count(*) FROM product_search WHERE"
	    " product_search MATCH 'deep'"), 1);
	/* A new address alone makes its fragments stale too. */
	v = product_v(id);
	p.slug = "deep-blue-mug";
	ck_assert_int_eq(product_update(d, a, id, &p), CATALOG_OK);
	ck_assert_str_eq(slug_of(id), "deep-blue-mug");
	ck_assert_int_gt(product_v(id), v);
	ck_assert_int_eq(product_update(d, a, id, &(struct product_input){
	    .name = "Deep Blue Mug", .slug = "red-mug", .active = true }),
	    CATALOG_SLUG_TAKEN);
	/* Whoever writes it: a statement naming the slug alone bumps too. */
	v = product_v(2);
	cv = catalog_v();
	ck_assert_int_eq(db_exec(d, "UPDATE products SET slug = 'ruby-mug'"
	    " WHERE id = 2"), 0);
	ck_assert_int_eq(product_v(2), v + 1);
	ck_assert_int_gt(catalog_v(), cv);
	/* Moved to another category, featured, then in none. */
	p.category_id = cups;
	p.featured = true;
	ck_assert_int_eq(product_update(d, a, id, &p), CATALOG_OK);
	ck_assert_int_eq(product_get(d, a, id, &p), 1);
	ck_assert_int_eq(p.category_id, cups);
	ck_assert(p.featured);
	ck_assert_int_eq(count("SELECT count(*) FROM product_search WHERE"
	    " product_search MATCH 'category:cups'"), 1);
	p.category_id = 0;
	ck_assert_int_eq(product_update(d, a, id, &p), CATALOG_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM products WHERE id = 1"
	    " AND category_id IS NULL"), 1);
	/* Off sale: out of the search, its address kept. */
	p.active = false;
	ck_assert_int_eq(product_update(d, a, id, &p), CATALOG_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM product_search WHERE"
	    " product_search MATCH 'deep'"), 0);
	ck_assert_str_eq(slug_of(id), "deep-blue-mug");
	/* The date it was made does not change. */
	p.created_at = 1;
	ck_assert_int_eq(product_update(d, a, id, &p), CATALOG_OK);
	ck_assert_int_eq(product_get(d, a, id, &p), 1);
	ck_assert_int_eq(p.created_at, NOW_MS / 1000);

	ck_assert_int_eq(product_update(d, a, 99, &p), CATALOG_NOT_FOUND);
}
END_TEST

START_TEST(bad_product_fields)
{
	struct product_input	 in = { .name = "Mug" };
	long long		 id, before, v;

	new_category("Mugs", NULL);
	new_product("Taken", "taken", 1);
	before = rows();
	v = catalog_v();
#define REFUSED(want) do {						\
	id = -1;							\
	ck_assert_int_eq(product_create(d, a, &in, &id), want);		\
	ck_assert_int_eq(id, 0);					\
	ck_assert_int_eq(product_update(d, a, 1, &in), want);		\
} while (0)
	in.name = NULL;
	REFUSED(CATALOG_BAD_NAME);
	in.name = " ";
	REFUSED(CATALOG_BAD_NAME);
	in.name = "Tab\there";
	REFUSED(CATALOG_BAD_NAME);
	in.name = many('x', CATALOG_PRODUCT_NAME_MAX + 1);
	REFUSED(CATALOG_BAD_NAME);
	in.name = "Mug";
	in.slug = "Mug";
	REFUSED(CATALOG_BAD_SLUG);
	in.slug = "mug--2";
	REFUSED(CATALOG_BAD_SLUG);
	in.slug = NULL;
	in.description = many('x', CATALOG_PRODUCT_TEXT_MAX + 1);
	REFUSED(CATALOG_BAD_DESCRIPTION);
	in.description = "Nul\x1b[31m";
	REFUSED(CATALOG_BAD_DESCRIPTION);
	in.description = NULL;
	in.category_id = 99;
	REFUSED(CATALOG_BAD_CATEGORY);
	in.category_id = -1;
	REFUSED(CATALOG_BAD_CATEGORY);
	in.category_id = 0;
	in.created_at = -1;
	ck_assert_int_eq(product_create(d, a, &in, &id), CATALOG_BAD_DATE);
	in.created_at = 253402300800LL;	/* year 10000 */
	ck_assert_int_eq(product_create(d, a, &in, &id), CATALOG_BAD_DATE);
	in.created_at = 0;
	in.slug = "taken";
	ck_assert_int_eq(product_create(d, a, &in, &id), CATALOG_SLUG_TAKEN);
	ck_assert_int_eq(catalog_v(), v);
	ck_assert_int_eq(product_update(d, a, 1, &in), CATALOG_OK);
	ck_assert_int_eq(rows(), before);
	ck_assert_int_gt(catalog_v(), v);
	ck_assert_str_eq(text("SELECT name FROM products"), "Mug");
#undef REFUSED
}
END_TEST

static const struct variant_option tee[] = {
	{ "Size", "M" }, { "Colour", "Ink" },
};

static struct variant_input
a_variant(const char *sku)
{
	return (struct variant_input){
		.sku = sku, .options = tee, .noptions = 2, .price = 2600,
		.currency = "EUR", .stock = 7, .weight_grams = 180,
		.position = 1, .active = true,
	};
}

START_TEST(variants)
{
	struct variant_input	 in = a_variant("TEE-M-INK"), v;
	struct variant_option	 one[] = { { "Size", "50 \xc3\x97 70 cm" } };
	long long		 pid = new_product("Tee", NULL, 0), id, p, cv;
	long long		*ids;
	size_t			 n;

	cv = catalog_v();
	ck_assert_int_eq(variant_create(d, pid, &in, "admin:ann@example.test",
	    &id), CATALOG_OK);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(product_v(pid), 2);
	ck_assert_int_gt(catalog_v(), cv);
	/* As the schema stores them: a JSON object in order; a title. */
	ck_assert_str_eq(text("SELECT options FROM variants WHERE id = 1"),
	    "{\"Size\":\"M\",\"Colour\":\"Ink\"}");
	ck_assert_int_eq(variant_get(d, a, id, &p, &v), 1);
	ck_assert_int_eq(p, pid);
	ck_assert_str_eq(v.sku, "TEE-M-INK");
	ck_assert_str_eq(v.title, "M / Ink");
	ck_assert_uint_eq(v.noptions, 2);
	ck_assert_str_eq(v.options[0].name, "Size");
	ck_assert_str_eq(v.options[0].value, "M");
	ck_assert_str_eq(v.options[1].name, "Colour");
	ck_assert_str_eq(v.options[1].value, "Ink");
	ck_assert_int_eq(v.price, 2600);
	ck_assert_str_eq(v.currency, "EUR");
	ck_assert_int_eq(v.stock, 7);
	ck_assert_int_eq(v.weight_grams, 180);
	ck_assert_int_eq(v.position, 1);
	ck_assert(v.active);
	ck_assert_int_eq(count("SELECT weight_grams FROM variants"), 180);
	/* The first stock is a movement, by whoever made the variant. */
	ck_assert_str_eq(text("SELECT delta || ' ' || stock_after || ' ' ||"
	    " reason || ' ' || actor FROM stock_movements"),
	    "7 7 initial stock admin:ann@example.test");

	/* One option and a title of its own; none; a free variant. */
	in = a_variant("PST-50");
	in.options = one;
	in.noptions = 1;
	in.title = "Large print";
	in.position = 0;
	ck_assert_int_eq(variant_create(d, pid, &in, "seed", &id),
	    CATALOG_OK);
	ck_assert_str_eq(text("SELECT options || ' ' || title FROM variants"
	    " WHERE id = 2"), "{\"Size\":\"50 \xc3\x97 70 cm\"} Large print");
	in = a_variant("GIFT");
	in.options = NULL;
	in.noptions = 0;
	in.price = 0;
	in.stock = 0;
	in.position = 2;
	ck_assert_int_eq(variant_create(d, pid, &in, "seed", &id),
	    CATALOG_OK);
	ck_assert_str_eq(text("SELECT options || '|' || title FROM variants"
	    " WHERE id = 3"), "{}|");
	/* No stock, no movement. */
	ck_assert_int_eq(count("SELECT count(*) FROM stock_movements"), 2);
	in = a_variant("TEE-3");
	in.options = (const struct variant_option[]){ { "Size", "L" },
	    { "Colour", "Chalk" }, { "Fit", "Loose" } };
	in.noptions = 3;
	in.position = 3;
	ck_assert_int_eq(variant_create(d, pid, &in, "seed", &id),
	    CATALOG_OK);
	ck_assert_str_eq(text("SELECT options || ' ' || title FROM variants"
	    " WHERE id = 4"), "{\"Size\":\"L\",\"Colour\":\"Chalk\","
	    "\"Fit\":\"Loose\"} L / Chalk / Loose");
	/* The storefront reads them as it did. */
	ck_assert_int_eq(product_variant_ids(d, a, pid, &ids, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(ids[0], 2);
	ck_assert_int_eq(ids[1], 1);
	ck_assert_int_eq(ids[2], 3);
	ck_assert_int_eq(ids[3], 4);
	ck_assert_int_eq(product_variant_ids(d, a, 99, &ids, &n), 0);
	ck_assert_uint_eq(n, 0);
	{
		struct product	 sp;

		ck_assert_int_eq(product_by_slug(d, a, "tee", &sp), 1);
		ck_assert_uint_eq(sp.nvariants, 4);
		ck_assert_str_eq(sp.variants[1].sku, "TEE-M-INK");
		ck_assert_uint_eq(sp.variants[3].noptions, 3);
		ck_assert_str_eq(sp.variants[3].options[2].value, "Loose");
		ck_assert_int_eq(sp.min_price, 0);
		ck_assert_int_eq(sp.stock, 21);
	}
	ck_assert_int_eq(variant_get(d, a, 99, &p, &v), 0);
}
END_TEST

START_TEST(bad_variant_fields)
{
	static const struct variant_option four[] = {
		{ "A", "1" }, { "B", "2" }, { "C", "3" }, { "D", "4" },
	};
	static const struct variant_option twice[] = {
		{ "Size", "M" }, { "Size", "L" },
	};
	static const struct variant_option blank[] = { { "Size", " " } };
	static const struct variant_option noname[] = { { "", "M" } };
	struct variant_option	 longv[] = { { "Size", NULL } };
	struct variant_input	 in;
	long long		 pid = new_product("Tee", NULL, 0), id, before;
	long long		 v;

	in = a_variant("TAKEN");
	ck_assert_int_eq(variant_create(d, pid, &in, "seed", &id), CATALOG_OK);
	before = rows();
	v = product_v(pid);
#define REFUSED(want) do {						\
	id = -1;							\
	ck_assert_int_eq(variant_create(d, pid, &in, "seed", &id), want); \
	ck_assert_int_eq(id, 0);					\
	in = a_variant("OK");						\
} while (0)
	in = a_variant("TAKEN");
	REFUSED(CATALOG_SKU_TAKEN);
	in.sku = NULL;
	REFUSED(CATALOG_BAD_SKU);
	in.sku = "";
	REFUSED(CATALOG_BAD_SKU);
	in.sku = "TEE M";
	REFUSED(CATALOG_BAD_SKU);
	in.sku = "T\xc3\x89" "E";
	REFUSED(CATALOG_BAD_SKU);
	in.sku = many('S', CATALOG_SKU_MAX + 1);
	REFUSED(CATALOG_BAD_SKU);
	in.options = four;
	in.noptions = 4;
	REFUSED(CATALOG_BAD_OPTIONS);
	in.options = twice;
	REFUSED(CATALOG_BAD_OPTIONS);
	in.options = blank;
	in.noptions = 1;
	REFUSED(CATALOG_BAD_OPTIONS);
	in.options = noname;
	in.noptions = 1;
	REFUSED(CATALOG_BAD_OPTIONS);
	in.options = NULL;
	in.noptions = 1;
	REFUSED(CATALOG_BAD_OPTIONS);
	longv[0].value = many('v', CATALOG_OPTION_VALUE_MAX + 1);
	in.options = longv;
	in.noptions = 1;
	REFUSED(CATALOG_BAD_OPTIONS);
	in.title = "   ";
	REFUSED(CATALOG_BAD_TITLE);
	in.title = "Two\nlines";
	REFUSED(CATALOG_BAD_TITLE);
	in.title = many('t', CATALOG_TITLE_MAX + 1);
	REFUSED(CATALOG_BAD_TITLE);
	/* Three long values make too long a title to derive. */
	in.options = (const struct variant_option[]){
	    { "A", many('a', 80) }, { "B", many('b', 80) },
	    { "C", many('c', 80) } };
	in.noptions = 3;
	REFUSED(CATALOG_BAD_TITLE);
	in.price = -1;
	REFUSED(CATALOG_BAD_PRICE);
	in.price = -250;
	REFUSED(CATALOG_BAD_PRICE);
	in.price = MONEY_PARSE_MAX + 1;
	REFUSED(CATALOG_BAD_PRICE);
	in.currency = "XYZ";
	REFUSED(CATALOG_BAD_CURRENCY);
	in.currency = "eur";
	REFUSED(CATALOG_BAD_CURRENCY);
	in.currency = NULL;
	REFUSED(CATALOG_BAD_CURRENCY);
	in.stock = -1;
	REFUSED(CATALOG_BAD_STOCK);
	in.stock = INVENTORY_STOCK_MAX + 1;
	REFUSED(CATALOG_BAD_STOCK);
	in.weight_grams = -1;
	REFUSED(CATALOG_BAD_WEIGHT);
	in.weight_grams = CATALOG_WEIGHT_MAX + 1;
	REFUSED(CATALOG_BAD_WEIGHT);
	in.position = -1;
	REFUSED(CATALOG_BAD_POSITION);
	ck_assert_int_eq(variant_create(d, pid, &in, "", &id),
	    CATALOG_BAD_ACTOR);
	ck_assert_int_eq(variant_create(d, pid, &in, NULL, &id),
	    CATALOG_BAD_ACTOR);
	ck_assert_int_eq(variant_create(d, 99, &in, "seed", &id),
	    CATALOG_NOT_FOUND);
	ck_assert_int_eq(rows(), before);
	ck_assert_int_eq(product_v(pid), v);
	/* The limits themselves pass. */
	in.sku = many('S', CATALOG_SKU_MAX);
	in.price = MONEY_PARSE_MAX;
	in.stock = INVENTORY_STOCK_MAX;
	in.weight_grams = CATALOG_WEIGHT_MAX;
	in.title = many('t', CATALOG_TITLE_MAX);
	ck_assert_int_eq(variant_create(d, pid, &in, "seed", &id), CATALOG_OK);
#undef REFUSED
}
END_TEST

START_TEST(variant_updates)
{
	struct variant_input	 in = a_variant("TEE-M"), v;
	long long		 pid = new_product("Tee", NULL, 0), id, p;
	long long		 pv, cv, out;

	ck_assert_int_eq(variant_create(d, pid, &in, "seed", &id), CATALOG_OK);
	in.sku = "TEE-L";
	ck_assert_int_eq(variant_create(d, pid, &in, "seed", &p), CATALOG_OK);
	ck_assert_int_eq(variant_get(d, a, id, &p, &v), 1);
	/* The same again: nothing written, nothing bumped. */
	pv = product_v(pid);
	cv = catalog_v();
	out = count("SELECT count(*) FROM outbox");
	ck_assert_int_eq(variant_update(d, id, &v), CATALOG_OK);
	ck_assert_int_eq(product_v(pid), pv);
	ck_assert_int_eq(catalog_v(), cv);
	/* A new price: the product's fragments are stale. */
	v.price = 2400;
	ck_assert_int_eq(variant_update(d, id, &v), CATALOG_OK);
	ck_assert_int_eq(count("SELECT price FROM variants WHERE id = 1"),
	    2400);
	ck_assert_int_eq(product_v(pid), pv + 1);
	ck_assert_int_gt(catalog_v(), cv);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), out);
	/* Stock is not the form's to change: stock_adjust() is. */
	v.stock = 99;
	v.weight_grams = 200;
	v.options = (const struct variant_option[]){ { "Size", "S" } };
	v.noptions = 1;
	v.title = NULL;
	ck_assert_int_eq(variant_update(d, id, &v), CATALOG_OK);
	ck_assert_int_eq(variant_get(d, a, id, &p, &v), 1);
	ck_assert_int_eq(v.stock, 7);
	ck_assert_int_eq(v.weight_grams, 200);
	ck_assert_str_eq(v.title, "S");
	ck_assert_str_eq(text("SELECT options FROM variants WHERE id = 1"),
	    "{\"Size\":\"S\"}");
	ck_assert_int_eq(count("SELECT count(*) FROM stock_movements"), 2);
	/* Off sale: the live stock line is told. */
	v.active = false;
	ck_assert_int_eq(variant_update(d, id, &v), CATALOG_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), out + 1);
	ck_assert_str_eq(text("SELECT payload FROM outbox ORDER BY id DESC"),
	    "{\"v2\":\"In stock\",\"label\":\"In stock\","
	    "\"state\":\"in_stock\"}");
	/* Its SKU may stay; another's may not be taken. */
	v.sku = "TEE-L";
	ck_assert_int_eq(variant_update(d, id, &v), CATALOG_SKU_TAKEN);
	v.sku = "TEE-S";
	v.price = -5;
	ck_assert_int_eq(variant_update(d, id, &v), CATALOG_BAD_PRICE);
	v.price = 2400;
	v.currency = "XYZ";
	ck_assert_int_eq(variant_update(d, id, &v), CATALOG_BAD_CURRENCY);
	ck_assert_int_eq(variant_update(d, 99, &in), CATALOG_NOT_FOUND);
	ck_assert_str_eq(text("SELECT sku FROM variants WHERE id = 1"),
	    "TEE-M");
	v.currency = "EUR";
	ck_assert_int_eq(variant_update(d, id, &v), CATALOG_OK);
	ck_assert_str_eq(text("SELECT sku FROM variants WHERE id = 1"),
	    "TEE-S");
}
END_TEST

START_TEST(images)
{
	static const char *const bad_paths[] = {
		NULL, "", "/etc/passwd", "../secret.svg", "products/../x.svg",
		"products//x.svg", "products/./x.svg", "./x.svg", "products/",
		"products/x y.svg", "products/x\\y.svg", "products/caf\xc3\xa9.svg",
		"products/x.svg?v=1", "products/%2e%2e.svg",
	};
	struct image_input	 in = { .path = "products/mug.svg",
	    .alt = "A blue mug", .width = 600, .height = 600 };
	long long		 pid = new_product("Mug", NULL, 0), id, v, before;
	size_t			 i;

	v = product_v(pid);
	ck_assert_int_eq(image_add(d, pid, &in, &id), CATALOG_OK);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(product_v(pid), v + 1);
	ck_assert_str_eq(text("SELECT path || ' ' || alt || ' ' || width ||"
	    " 'x' || height FROM images"), "products/mug.svg A blue mug 600x600");
	ck_assert_int_eq(image_add(d, pid, &in, NULL), CATALOG_OK);

	before = rows();
	for (i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		in.path = bad_paths[i];
		ck_assert_msg(image_add(d, pid, &in, &id) == CATALOG_BAD_PATH,
		    "took %s", bad_paths[i] ? bad_paths[i] : "(null)");
		ck_assert_int_eq(id, 0);
	}
	in.path = many('p', CATALOG_IMAGE_PATH_MAX + 1);
	ck_assert_int_eq(image_add(d, pid, &in, &id), CATALOG_BAD_PATH);
	in.path = "products/mug.svg";
	in.alt = "";
	ck_assert_int_eq(image_add(d, pid, &in, &id), CATALOG_BAD_ALT);
	in.alt = many('a', CATALOG_IMAGE_ALT_MAX + 1);
	ck_assert_int_eq(image_add(d, pid, &in, &id), CATALOG_BAD_ALT);
	in.alt = "A mug";
	in.width = 0;
	ck_assert_int_eq(image_add(d, pid, &in, &id), CATALOG_BAD_SIZE);
	in.width = 600;
	in.height = CATALOG_IMAGE_SIDE_MAX + 1;
	ck_assert_int_eq(image_add(d, pid, &in, &id), CATALOG_BAD_SIZE);
	in.height = 600;
	in.position = -1;
	ck_assert_int_eq(image_add(d, pid, &in, &id), CATALOG_BAD_POSITION);
	in.position = 0;
	ck_assert_int_eq(image_add(d, 99, &in, &id), CATALOG_NOT_FOUND);
	ck_assert_int_eq(rows(), before);
}
END_TEST

/*
 * Uploads kept at several widths: base and widths both or neither, the
 * widths ascending; read back in their order, moved and deleted, each
 * change bumping the product.
 */
START_TEST(image_widths_order)
{
	static const int	 widths[] = { 320, 640, 1280 }, bad[] = {
		640, 320 };
	struct image_input	 in = { .path = "products/p1-ab-1280.jpg",
	    .alt = "A mug", .width = 1280, .height = 960,
	    .base = "products/p1-ab", .widths = widths, .nwidths = 3 };
	struct image_row	*v, one;
	long long		 pid = new_product("Mug", NULL, 0), id[4], v0,
				 from, now, before;
	size_t			 n, i;

	ck_assert_int_eq(image_add(d, pid, &in, &id[0]), CATALOG_OK);
	ck_assert_str_eq(text("SELECT base || ' ' || widths FROM images"),
	    "products/p1-ab [320,640,1280]");
	in.position = 1;
	in.base = NULL;
	in.nwidths = 0;
	in.path = "products/b.svg";
	ck_assert_int_eq(image_add(d, pid, &in, &id[1]), CATALOG_OK);
	in.position = 2;
	in.path = "products/c.svg";
	ck_assert_int_eq(image_add(d, pid, &in, &id[2]), CATALOG_OK);
	ck_assert_int_eq(image_list(d, a, pid, &v, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(v[0].id, id[0]);
	ck_assert_str_eq(v[0].image.base, "products/p1-ab");
	ck_assert_uint_eq(v[0].image.nwidths, 3);
	ck_assert_int_eq(v[0].image.widths[2], 1280);
	ck_assert_ptr_null(v[1].image.base);
	ck_assert_uint_eq(v[1].image.nwidths, 0);

	/* Refused: one without the other, widths not ascending, too many. */
	before = rows();
	in.base = "products/p1-cd";
	ck_assert_int_eq(image_add(d, pid, &in, &id[3]), CATALOG_BAD_PATH);
	in.base = "../p1-cd";
	in.widths = widths;
	in.nwidths = 3;
	ck_assert_int_eq(image_add(d, pid, &in, &id[3]), CATALOG_BAD_PATH);
	in.base = "products/p1-cd";
	in.widths = bad;
	in.nwidths = 2;
	ck_assert_int_eq(image_add(d, pid, &in, &id[3]), CATALOG_BAD_SIZE);
	in.nwidths = CATALOG_IMAGE_WIDTHS + 1;
	ck_assert_int_eq(image_add(d, pid, &in, &id[3]), CATALOG_BAD_SIZE);
	in.base = NULL;
	in.nwidths = 1;
	ck_assert_int_eq(image_add(d, pid, &in, &id[3]), CATALOG_BAD_PATH);
	ck_assert_int_eq(rows(), before);

	/* The last first: the others follow in their order. */
	v0 = product_v(pid);
	ck_assert_int_eq(image_move(d, pid, id[2], 0, &from, &now),
	    CATALOG_OK);
	ck_assert_int_eq(from, 2);
	ck_assert_int_eq(now, 0);
	ck_assert_int_gt(product_v(pid), v0);
	ck_assert_str_eq(text("SELECT group_concat(path, ' ') FROM (SELECT"
	    " path FROM images ORDER BY position, id)"),
	    "products/c.svg products/p1-ab-1280.jpg products/b.svg");
	ck_assert_str_eq(text("SELECT group_concat(position, ' ') FROM (SELECT"
	    " position FROM images ORDER BY position)"), "0 1 2");
	/* Past the end is the end; where it is, nothing is written. */
	ck_assert_int_eq(image_move(d, pid, id[2], 99, &from, &now),
	    CATALOG_OK);
	ck_assert_int_eq(now, 2);
	v0 = product_v(pid);
	ck_assert_int_eq(image_move(d, pid, id[2], 2, &from, &now),
	    CATALOG_OK);
	ck_assert_int_eq(product_v(pid), v0);
	ck_assert_int_eq(image_move(d, pid, id[2], -1, NULL, NULL),
	    CATALOG_BAD_POSITION);
	ck_assert_int_eq(image_move(d, pid, 99, 0, NULL, NULL),
	    CATALOG_NOT_FOUND);
	ck_assert_int_eq(image_move(d, pid + 1, id[0], 0, NULL, NULL),
	    CATALOG_NOT_FOUND);

	ck_assert_int_eq(image_get(d, a, pid, id[0], &one), 1);
	ck_assert_str_eq(one.image.alt, "A mug");
	ck_assert_int_eq(image_get(d, a, pid + 1, id[0], &one), 0);
	ck_assert_int_eq(image_delete(d, pid + 1, id[0]), CATALOG_NOT_FOUND);
	v0 = product_v(pid);
	ck_assert_int_eq(image_delete(d, pid, id[0]), CATALOG_OK);
	ck_assert_int_gt(product_v(pid), v0);
	ck_assert_int_eq(image_delete(d, pid, id[0]), CATALOG_NOT_FOUND);
	ck_assert_int_eq(image_list(d, a, pid, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++)
		ck_assert_int_ne(v[i].id, id[0]);
}
END_TEST

/* Outside a write nothing is written, whatever the call. */
START_TEST(bad_outside_a_write)
{
	struct variant_input	 v = a_variant("TEE");
	long long		 id = -1;

	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(category_create(d, a, &(struct category_input){
	    .name = "Mugs" }, &id), CATALOG_ERROR);
	ck_assert_int_eq(id, 0);
	ck_assert_int_eq(category_update(d, a, 1, &(struct category_input){
	    .name = "Mugs" }), CATALOG_ERROR);
	ck_assert_int_eq(product_create(d, a, &(struct product_input){
	    .name = "Mug" }, &id), CATALOG_ERROR);
	ck_assert_int_eq(product_update(d, a, 1, &(struct product_input){
	    .name = "Mug" }), CATALOG_ERROR);
	ck_assert_int_eq(variant_create(d, 1, &v, "seed", &id), CATALOG_ERROR);
	ck_assert_int_eq(variant_update(d, 1, &v), CATALOG_ERROR);
	ck_assert_int_eq(image_add(d, 1, &(struct image_input){
	    .path = "products/a.svg", .alt = "A", .width = 1, .height = 1 },
	    &id), CATALOG_ERROR);
	ck_assert_int_eq(image_move(d, 1, 1, 0, NULL, NULL), CATALOG_ERROR);
	ck_assert_int_eq(image_delete(d, 1, 1), CATALOG_ERROR);
	ck_assert_int_eq(rows(), 0);
	ck_assert_int_eq(catalog_has_products(d), 0);
}
END_TEST

/* A rollback takes back everything, movements and versions too. */
START_TEST(rollback)
{
	struct variant_input	 v = a_variant("TEE");
	long long		 cv = catalog_v(), pid, id;

	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(db_begin(d), 0);
	pid = new_product("Tee", NULL, 0);
	ck_assert_int_eq(variant_create(d, pid, &v, "seed", &id), CATALOG_OK);
	ck_assert_int_eq(rows(), 10101);
	db_rollback(d);
	ck_assert_int_eq(rows(), 0);
	ck_assert_int_eq(catalog_v(), cv);
	ck_assert_int_eq(db_begin(d), 0);
}
END_TEST

START_TEST(result_tables)
{
	int	i;

	for (i = 0; i < CATALOG_RESULT__MAX; i++) {
		ck_assert_ptr_nonnull(catalog_result_names[i]);
		ck_assert_ptr_nonnull(catalog_result_msgs[i]);
	}
	ck_assert_str_eq(catalog_result_names[CATALOG_SLUG_TAKEN],
	    "slug_taken");
	ck_assert_str_eq(catalog_result_names[CATALOG_SKU_TAKEN], "sku_taken");
	ck_assert_str_eq(catalog_result_names[CATALOG_ERROR], "error");
	ck_assert_str_eq(catalog_result_fields[CATALOG_SLUG_TAKEN], "slug");
	ck_assert_str_eq(catalog_result_fields[CATALOG_BAD_SLUG], "slug");
	ck_assert_str_eq(catalog_result_fields[CATALOG_SKU_TAKEN], "sku");
	ck_assert_str_eq(catalog_result_fields[CATALOG_BAD_CATEGORY],
	    "category_id");
	ck_assert_str_eq(catalog_result_fields[CATALOG_BAD_PRICE], "price");
	ck_assert_str_eq(catalog_result_fields[CATALOG_BAD_WEIGHT],
	    "weight_grams");
	ck_assert_ptr_null(catalog_result_fields[CATALOG_OK]);
	ck_assert_ptr_null(catalog_result_fields[CATALOG_NOT_FOUND]);
	ck_assert_ptr_null(catalog_result_fields[CATALOG_ERROR]);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("catalog_edit");
	TCase	*tp = tcase_create("pure");
	TCase	*tc = tcase_create("db");

	tcase_add_checked_fixture(tp, pure_setup, pure_teardown);
	tcase_add_test(tp, text_checks);
	tcase_add_test(tp, slugs);
	tcase_add_test(tp, result_tables);
	suite_add_tcase(s, tp);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, categories);
	tcase_add_test(tc, bad_category_fields);
	tcase_add_test(tc, products);
	tcase_add_test(tc, derived_slugs);
	tcase_add_test(tc, product_updates);
	tcase_add_test(tc, bad_product_fields);
	tcase_add_test(tc, variants);
	tcase_add_test(tc, bad_variant_fields);
	tcase_add_test(tc, variant_updates);
	tcase_add_test(tc, images);
	tcase_add_test(tc, image_widths_order);
	tcase_add_test(tc, bad_outside_a_write);
	tcase_add_test(tc, rollback);
	suite_add_tcase(s, tc);
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
