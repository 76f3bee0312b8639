/*
 * Unit tests: stock changed with a reason (stock_adjust: set and delta,
 * never below zero, every change a movement, the versions of cached
 * fragments bumped, the live stock line published) and the movements
 * orders make as they hold, release and take stock again.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/catalog_edit.h"
#include "shop/inventory.h"
#include "shop/order.h"
#include "shop/pricing.h"
#include "testclock.h"

/* 2026-03-01T12:00:00Z */
#define NOW_MS		1772366400000LL
#define NOW_TEXT	"2026-03-01T12:00:00Z"
#define ADMIN		"admin:ann@example.test"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;
static long long	 pid, mug, cup;	/* a product, two variants of it */

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

/* One text column of the first row of sql. */
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

static long long
stock_of(long long vid)
{
	long long		p;
	struct variant_input	v;

	ck_assert_int_eq(variant_get(d, a, vid, &p, &v), 1);
	return v.stock;
}

static long long
version(void)
{
	return count("SELECT version FROM products WHERE id = 1");
}

static void
setup(void)
{
	char			 err[256];
	struct variant_input	 v = {
		.sku = "MUG", .title = "Mug", .price = 1250,
		.currency = "EUR", .stock = 10, .active = true,
	};

	testclock_freeze(NOW_MS);
	snprintf(dir, sizeof(dir), "/tmp/shop-stock-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	a = arena_new();
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(product_create(d, a, &(struct product_input){
	    .name = "Blue Mug", .active = true }, &pid), CATALOG_OK);
	ck_assert_int_eq(variant_create(d, pid, &v, "seed", &mug),
	    CATALOG_OK);
	v.sku = "CUP";
	v.title = "Cup";
	v.stock = 0;
	v.position = 1;
	ck_assert_int_eq(variant_create(d, pid, &v, "seed", &cup),
	    CATALOG_OK);
	ck_assert_int_eq(shipping_method_add(d, &(struct shipping_method){
	    .code = "standard", .name = "Standard", .price = 495,
	    .currency = "EUR", .free_over = -1 }, 1), 1);
	ck_assert_int_eq(tax_rate_add(d, &(struct tax_rate){
	    .country = "FR", .name = "VAT", .rate_bp = 2000,
	    .inclusive = true }), 1);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(pid, 1);
	ck_assert_int_eq(mug, 1);
	ck_assert_int_eq(cup, 2);
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

/* stock_adjust() in a write of its own, committed only if it is OK. */
static enum inventory_result
adjust(long long vid, enum stock_mode mode, long long amount,
    const char *reason, const char *actor, long long *now)
{
	enum inventory_result	rc;

	ck_assert_int_eq(db_begin(d), 0);
	rc = stock_adjust(d, vid, mode, amount, reason, actor, now);
	if (rc == INVENTORY_OK)
		ck_assert_int_eq(db_commit(d), 0);
	else
		db_rollback(d);
	return rc;
}

START_TEST(initial_stock_is_a_movement)
{
	struct stock_movement	*m;
	size_t			 n;

	/* The cup had none: nothing to record. */
	ck_assert_int_eq(count("SELECT count(*) FROM stock_movements"), 1);
	ck_assert_int_eq(stock_movements(d, a, mug, 10, &m, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(m[0].variant_id, mug);
	ck_assert_int_eq(m[0].delta, 10);
	ck_assert_int_eq(m[0].stock_after, 10);
	ck_assert_str_eq(m[0].reason, STOCK_REASON_INITIAL);
	ck_assert_str_eq(m[0].reason, "initial stock");
	ck_assert_str_eq(m[0].actor, "seed");
	ck_assert_int_eq(m[0].order_id, 0);
	ck_assert_str_eq(m[0].created_at, NOW_TEXT);
	ck_assert_int_eq(stock_movements(d, a, cup, 10, &m, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(set_and_delta)
{
	struct stock_movement	*m;
	long long		 now = -1;
	size_t			 n;

	ck_assert_int_eq(adjust(mug, STOCK_MODE_DELTA, 5, "delivery 42",
	    ADMIN, &now), INVENTORY_OK);
	ck_assert_int_eq(now, 15);
	ck_assert_int_eq(stock_of(mug), 15);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 3, "stocktake", ADMIN,
	    &now), INVENTORY_OK);
	ck_assert_int_eq(now, 3);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_DELTA, -3, "broken", ADMIN,
	    &now), INVENTORY_OK);
	ck_assert_int_eq(now, 0);
	ck_assert_int_eq(stock_of(mug), 0);
	ck_assert_int_eq(adjust(cup, STOCK_MODE_SET, INVENTORY_STOCK_MAX,
	    "a very large delivery", ADMIN, NULL), INVENTORY_OK);
	ck_assert_int_eq(stock_of(cup), INVENTORY_STOCK_MAX);

	ck_assert_int_eq(stock_movements(d, a, mug, 10, &m, &n), 0);
	ck_assert_uint_eq(n, 4);
	/* Newest first. */
	ck_assert_int_eq(m[0].delta, -3);
	ck_assert_int_eq(m[0].stock_after, 0);
	ck_assert_str_eq(m[0].reason, "broken");
	ck_assert_str_eq(m[0].actor, ADMIN);
	ck_assert_int_eq(m[1].delta, -12);
	ck_assert_int_eq(m[1].stock_after, 3);
	ck_assert_str_eq(m[1].reason, "stocktake");
	ck_assert_int_eq(m[2].delta, 5);
	ck_assert_int_eq(m[2].stock_after, 15);
	ck_assert_str_eq(m[2].reason, "delivery 42");
	ck_assert_int_eq(m[3].delta, 10);
	ck_assert(m[0].id > m[1].id && m[1].id > m[2].id);
	ck_assert_int_eq(stock_movements(d, a, mug, 2, &m, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(m[1].delta, -12);
	/* The movements add up to the stock. */
	ck_assert_int_eq(count("SELECT sum(delta) FROM stock_movements"
	    " WHERE variant_id = 1"), 0);
	ck_assert_int_eq(count("SELECT sum(delta) FROM stock_movements"
	    " WHERE variant_id = 2"), INVENTORY_STOCK_MAX);
}
END_TEST

START_TEST(nothing_to_change)
{
	long long	now = -1, v = version();

	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 10, "counted, right",
	    ADMIN, &now), INVENTORY_OK);
	ck_assert_int_eq(now, 10);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_DELTA, 0, "nothing", ADMIN,
	    &now), INVENTORY_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM stock_movements"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 0);
	ck_assert_int_eq(version(), v);
}
END_TEST

/* Every refusal: the result, the stock told, and nothing written. */
START_TEST(bad_below_zero_and_others)
{
	static const char	 long_reason[] =
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";	/* 201 */
	long long		 now, v = version(), cv;

	cv = count("SELECT version FROM catalog_state");
	now = -1;
	ck_assert_int_eq(adjust(mug, STOCK_MODE_DELTA, -11, "sold at a fair",
	    ADMIN, &now), INVENTORY_BELOW_ZERO);
	ck_assert_int_eq(now, 10);
	now = -1;
	ck_assert_int_eq(adjust(cup, STOCK_MODE_DELTA, -1, "lost", ADMIN,
	    &now), INVENTORY_BELOW_ZERO);
	ck_assert_int_eq(now, 0);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_DELTA, -INVENTORY_STOCK_MAX,
	    "lost", ADMIN, NULL), INVENTORY_BELOW_ZERO);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_DELTA, INVENTORY_STOCK_MAX,
	    "found", ADMIN, &now), INVENTORY_ABOVE_MAX);
	ck_assert_int_eq(now, 10);

	now = -1;
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, -1, "count", ADMIN,
	    &now), INVENTORY_BAD_AMOUNT);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, INVENTORY_STOCK_MAX + 1,
	    "count", ADMIN, &now), INVENTORY_BAD_AMOUNT);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_DELTA,
	    -INVENTORY_STOCK_MAX - 1, "lost", ADMIN, &now),
	    INVENTORY_BAD_AMOUNT);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_DELTA, 9223372036854775807LL,
	    "overflow", ADMIN, &now), INVENTORY_BAD_AMOUNT);
	ck_assert_int_eq(adjust(mug, STOCK_MODE__MAX, 1, "count", ADMIN,
	    &now), INVENTORY_BAD_MODE);
	ck_assert_int_eq(adjust(mug, (enum stock_mode)-1, 1, "count", ADMIN,
	    &now), INVENTORY_BAD_MODE);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 1, NULL, ADMIN, &now),
	    INVENTORY_BAD_REASON);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 1, "", ADMIN, &now),
	    INVENTORY_BAD_REASON);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 1, "   ", ADMIN, &now),
	    INVENTORY_BAD_REASON);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 1, "two\nlines", ADMIN,
	    &now), INVENTORY_BAD_REASON);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 1, "bad \xff utf-8",
	    ADMIN, &now), INVENTORY_BAD_REASON);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 1, long_reason, ADMIN,
	    &now), INVENTORY_BAD_REASON);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 1, long_reason + 1,
	    ADMIN, &now), INVENTORY_OK);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 1, "count", "", &now),
	    INVENTORY_BAD_ACTOR);
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 1, "count", NULL, &now),
	    INVENTORY_BAD_ACTOR);
	now = -1;
	ck_assert_int_eq(adjust(99, STOCK_MODE_SET, 1, "count", ADMIN, &now),
	    INVENTORY_NOT_FOUND);
	ck_assert_int_eq(now, -1);

	/* The one that passed; nothing of the others. */
	ck_assert_int_eq(stock_of(mug), 1);
	ck_assert_int_eq(stock_of(cup), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM stock_movements"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1);
	ck_assert_int_eq(version(), v + 1);
	ck_assert_int_eq(count("SELECT version FROM catalog_state"), cv + 1);
}
END_TEST

/* A refusal leaves the caller's transaction usable: nothing undone. */
START_TEST(bad_refusal_keeps_the_write)
{
	long long	now = -1;

	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(stock_adjust(d, mug, STOCK_MODE_DELTA, -2, "broken",
	    ADMIN, &now), INVENTORY_OK);
	ck_assert_int_eq(stock_adjust(d, mug, STOCK_MODE_DELTA, -9, "sold",
	    ADMIN, &now), INVENTORY_BELOW_ZERO);
	ck_assert_int_eq(now, 8);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(stock_of(mug), 8);
	ck_assert_int_eq(count("SELECT count(*) FROM stock_movements"), 2);
}
END_TEST

START_TEST(bad_outside_a_write)
{
	long long	now = -1;

	ck_assert_int_eq(stock_adjust(d, mug, STOCK_MODE_SET, 4, "count",
	    ADMIN, &now), INVENTORY_ERROR);
	ck_assert_int_eq(now, -1);
	ck_assert_int_eq(stock_record(d, mug, 1, "x", "y", 0), -1);
	ck_assert_int_eq(stock_of(mug), 10);
	ck_assert_int_eq(count("SELECT count(*) FROM stock_movements"), 1);
}
END_TEST

/* The schema refuses too, whatever code tries. */
START_TEST(bad_schema_refuses)
{
	ck_assert_int_eq(db_exec(d, "UPDATE variants SET stock = -1"
	    " WHERE id = 1"), -1);
	ck_assert_int_eq(db_exec(d, "INSERT INTO stock_movements (variant_id,"
	    " delta, stock_after, reason, actor, created_at) VALUES"
	    " (1, 0, 1, 'x', 'y', 'z')"), -1);
	ck_assert_int_eq(db_exec(d, "INSERT INTO stock_movements (variant_id,"
	    " delta, stock_after, reason, actor, created_at) VALUES"
	    " (1, -1, -1, 'x', 'y', 'z')"), -1);
	ck_assert_int_eq(db_exec(d, "UPDATE stock_movements SET delta = 5"),
	    -1);
	ck_assert_int_eq(db_exec(d, "DELETE FROM stock_movements"), -1);
	ck_assert_int_eq(count("SELECT count(*) FROM stock_movements"), 1);
}
END_TEST

/* A change of stock makes cached fragments stale and tells live pages. */
START_TEST(versions_and_live_line)
{
	long long	v = version(), cv;

	cv = count("SELECT version FROM catalog_state");
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 3, "stocktake", ADMIN,
	    NULL), INVENTORY_OK);
	ck_assert_int_eq(version(), v + 1);
	ck_assert_int_eq(count("SELECT version FROM catalog_state"), cv + 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1);
	ck_assert_str_eq(text("SELECT target || ' ' || name || ' ' || sub"
	    " FROM outbox"), "message product:1 stock");
	ck_assert_str_eq(text("SELECT payload FROM outbox"),
	    "{\"v1\":\"Only 3 left\",\"v2\":\"Sold out\","
	    "\"label\":\"Only 3 left\",\"state\":\"low_stock\"}");
}
END_TEST

START_TEST(mode_names)
{
	ck_assert_int_eq(stock_mode_parse("set"), STOCK_MODE_SET);
	ck_assert_int_eq(stock_mode_parse("delta"), STOCK_MODE_DELTA);
	ck_assert_int_eq(stock_mode_parse("SET"), STOCK_MODE__MAX);
	ck_assert_int_eq(stock_mode_parse(""), STOCK_MODE__MAX);
	ck_assert_int_eq(stock_mode_parse(NULL), STOCK_MODE__MAX);
	ck_assert_str_eq(stock_mode_names[STOCK_MODE_SET], "set");
	ck_assert_str_eq(stock_mode_names[STOCK_MODE_DELTA], "delta");
}
END_TEST

START_TEST(result_tables)
{
	int	i;

	for (i = 0; i < INVENTORY_RESULT__MAX; i++) {
		ck_assert_ptr_nonnull(inventory_result_names[i]);
		ck_assert_ptr_nonnull(inventory_result_msgs[i]);
	}
	ck_assert_str_eq(inventory_result_names[INVENTORY_BELOW_ZERO],
	    "below_zero");
	ck_assert_str_eq(inventory_result_fields[INVENTORY_BELOW_ZERO],
	    "amount");
	ck_assert_str_eq(inventory_result_fields[INVENTORY_BAD_REASON],
	    "reason");
	ck_assert_ptr_null(inventory_result_fields[INVENTORY_OK]);
	ck_assert_ptr_null(inventory_result_fields[INVENTORY_NOT_FOUND]);
	ck_assert_ptr_null(inventory_result_fields[INVENTORY_ERROR]);
	ck_assert_str_eq(inventory_result_names[INVENTORY_ERROR], "error");
}
END_TEST

static struct order *
place(long long vid, long long qty, enum order_create_result want)
{
	long long		 ids[1] = { vid }, qs[1] = { qty };
	struct order_input	 in = {
		.email = "ann@example.test",
		.ship = { "Ann", "1 Rue X", "", "Paris", "75001", "FR" },
		.shipping_code = "standard",
		.variant_ids = ids, .quantities = qs, .nlines = 1,
		.hold_seconds = 1800,
	};
	struct order		*o = NULL;

	ck_assert_int_eq(order_create(d, a, &in, &o, NULL), want);
	return o;
}

START_TEST(orders_make_movements)
{
	struct stock_movement	*m;
	struct order		*o;
	size_t			 n;

	o = place(mug, 3, CREATE_OK);
	ck_assert_int_eq(stock_of(mug), 7);
	ck_assert_int_eq(stock_movements(d, a, mug, 10, &m, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(m[0].delta, -3);
	ck_assert_int_eq(m[0].stock_after, 7);
	ck_assert_str_eq(m[0].reason, "held by an order");
	ck_assert_str_eq(m[0].actor, "checkout");
	ck_assert_int_eq(m[0].order_id, o->id);

	/* Refused, sold out: no movement. */
	ck_assert_ptr_null(place(cup, 1, CREATE_REFUSED));
	ck_assert_ptr_null(place(mug, 8, CREATE_REFUSED));
	ck_assert_int_eq(count("SELECT count(*) FROM stock_movements"), 2);

	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(order_release_stock(d, o->id), 0);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(stock_of(mug), 10);
	/* Released once only. */
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(order_release_stock(d, o->id), 0);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(stock_of(mug), 10);
	ck_assert_int_eq(stock_movements(d, a, mug, 10, &m, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(m[0].delta, 3);
	ck_assert_int_eq(m[0].stock_after, 10);
	ck_assert_str_eq(m[0].reason, "released by an unpaid order");
	ck_assert_str_eq(m[0].actor, "system");
	ck_assert_int_eq(m[0].order_id, o->id);

	/* Paid after all: taken again, but only what is left. */
	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 2, "stocktake", ADMIN,
	    NULL), INVENTORY_OK);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(order_retake_stock(d, o->id), 3);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(stock_of(mug), 2);
	ck_assert_int_eq(stock_movements(d, a, mug, 10, &m, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(m[0].reason, "stocktake");

	ck_assert_int_eq(adjust(mug, STOCK_MODE_SET, 5, "found more", ADMIN,
	    NULL), INVENTORY_OK);
	o = place(mug, 1, CREATE_OK);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(order_release_stock(d, o->id), 0);
	ck_assert_int_eq(order_retake_stock(d, o->id), 0);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(stock_of(mug), 4);
	ck_assert_int_eq(stock_movements(d, a, mug, 10, &m, &n), 0);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(m[0].delta, -1);
	ck_assert_int_eq(m[0].stock_after, 4);
	ck_assert_str_eq(m[0].reason,
	    "taken again by an order paid after release");
	ck_assert_int_eq(m[0].order_id, o->id);
	ck_assert_int_eq(m[1].delta, 1);
	ck_assert_int_eq(m[2].delta, -1);
	/* Whoever changed it, the movements add up to the stock. */
	ck_assert_int_eq(count("SELECT sum(delta) FROM stock_movements"
	    " WHERE variant_id = 1"), 4);
	ck_assert_int_eq(count("SELECT count(*) FROM stock_movements"
	    " WHERE order_id IS NOT NULL"), 5);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("stock");
	TCase	*tc = tcase_create("stock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, initial_stock_is_a_movement);
	tcase_add_test(tc, set_and_delta);
	tcase_add_test(tc, nothing_to_change);
	tcase_add_test(tc, bad_below_zero_and_others);
	tcase_add_test(tc, bad_refusal_keeps_the_write);
	tcase_add_test(tc, bad_outside_a_write);
	tcase_add_test(tc, bad_schema_refuses);
	tcase_add_test(tc, versions_and_live_line);
	tcase_add_test(tc, mode_names);
	tcase_add_test(tc, result_tables);
	tcase_add_test(tc, orders_make_movements);
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
