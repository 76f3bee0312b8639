/*
 * Unit tests: "Notify me" (lib/shop/restock.c): a request taken once per
 * address and variant, only for a sold-out variant on sale; its mail
 * queued through the outbox by the write that raises the stock (a stock
 * change, an unpaid order's stock released), once, and gone with a
 * rollback; asked again after its mail, pending again.
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
#include "shop/restock.h"
#include "testclock.h"

/* 2026-03-01T12:00:00Z */
#define NOW_MS		1772366400000LL
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

#define MAILS	"SELECT count(*) FROM outbox WHERE name = 'send_mail'"

static void
setup(void)
{
	char			 err[256];
	struct variant_input	 v = {
		.sku = "MUG", .title = "Blue", .price = 1250,
		.currency = "EUR", .stock = 10, .active = true,
	};

	testclock_freeze(NOW_MS);
	snprintf(dir, sizeof(dir), "/tmp/shop-restock-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	a = arena_new();
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(product_create(d, a, &(struct product_input){
	    .name = "Mug", .slug = "mug", .active = true }, &pid), CATALOG_OK);
	ck_assert_int_eq(variant_create(d, pid, &v, "seed", &mug),
	    CATALOG_OK);
	v.sku = "CUP";
	v.title = "Red";
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

/* restock_request() in a write of its own, committed if it is OK. */
static enum restock_result
ask(long long product, long long vid, const char *email)
{
	enum restock_result	rc;

	ck_assert_int_eq(db_begin(d), 0);
	if ((rc = restock_request(d, product, vid, email)) == RESTOCK_OK)
		ck_assert_int_eq(db_commit(d), 0);
	else
		db_rollback(d);
	return rc;
}

static void
adjust(long long vid, enum stock_mode mode, long long amount)
{
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(stock_adjust(d, vid, mode, amount, "count", ADMIN,
	    NULL), INVENTORY_OK);
	ck_assert_int_eq(db_commit(d), 0);
}

START_TEST(taken_once)
{
	ck_assert_int_eq(ask(pid, cup, "ann@example.test"), RESTOCK_OK);
	ck_assert_int_eq(ask(pid, cup, "ann@example.test"), RESTOCK_OK);
	ck_assert_int_eq(ask(pid, cup, "bob@example.test"), RESTOCK_OK);
	ck_assert_int_eq(restock_pending(d, cup), 2);
	ck_assert_str_eq(text("SELECT created_at FROM restock_requests "
	    "WHERE id = 1"), "2026-03-01T12:00:00Z");
	ck_assert_int_eq(restock_pending(d, mug), 0);
}
END_TEST

START_TEST(bad_requests_refused)
{
	ck_assert_int_eq(ask(pid, mug, "ann@example.test"), RESTOCK_IN_STOCK);
	ck_assert_int_eq(ask(pid + 1, cup, "ann@example.test"),
	    RESTOCK_NOT_FOUND);
	ck_assert_int_eq(ask(pid, 99, "ann@example.test"), RESTOCK_NOT_FOUND);
	ck_assert_int_eq(ask(pid, cup, "ann"), RESTOCK_BAD_EMAIL);
	ck_assert_int_eq(ask(pid, cup, "@example.test"), RESTOCK_BAD_EMAIL);
	ck_assert_int_eq(ask(pid, cup, "ann@"), RESTOCK_BAD_EMAIL);
	ck_assert_int_eq(ask(pid, cup, "a@b@c"), RESTOCK_BAD_EMAIL);
	ck_assert_int_eq(ask(pid, cup, "a b@c"), RESTOCK_BAD_EMAIL);
	ck_assert_int_eq(ask(pid, cup, "a@b\nBcc: x"), RESTOCK_BAD_EMAIL);
	ck_assert_int_eq(ask(pid, cup, NULL), RESTOCK_BAD_EMAIL);
	/* Off sale: not one to wait for. */
	ck_assert_int_eq(db_exec(d, "UPDATE variants SET active = 0 WHERE "
	    "id = 2"), 0);
	ck_assert_int_eq(ask(pid, cup, "ann@example.test"), RESTOCK_NOT_FOUND);
	ck_assert_int_eq(count("SELECT count(*) FROM restock_requests"), 0);
	/* Outside a write. */
	ck_assert_int_eq(restock_request(d, pid, cup, "ann@example.test"),
	    RESTOCK_ERROR);
	ck_assert_int_eq(restock_notify(d, cup), -1);
}
END_TEST

START_TEST(mailed_once_when_back)
{
	ck_assert_int_eq(ask(pid, cup, "ann@example.test"), RESTOCK_OK);
	ck_assert_int_eq(ask(pid, cup, "bob@example.test"), RESTOCK_OK);
	ck_assert_int_eq(count(MAILS), 0);
	adjust(cup, STOCK_MODE_DELTA, 2);
	ck_assert_int_eq(count(MAILS), 2);
	ck_assert_str_eq(text("SELECT unique_key FROM outbox WHERE name = "
	    "'send_mail' ORDER BY id LIMIT 1"), "mail:restock:1:1");
	ck_assert_str_eq(text("SELECT payload FROM outbox WHERE name = "
	    "'send_mail' ORDER BY id LIMIT 1"), "{\"to\":\"ann@example.test\","
	    "\"template\":\"back_in_stock\",\"data\":{\"product\":\"Mug\","
	    "\"variant\":\"Red\",\"slug\":\"mug\"}}");
	ck_assert_int_eq(restock_pending(d, cup), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM restock_requests WHERE "
	    "notified_at = '2026-03-01T12:00:00Z' AND mails = 1"), 2);
	/* More stock, sold out and back: nobody asked again. */
	adjust(cup, STOCK_MODE_DELTA, 1);
	adjust(cup, STOCK_MODE_SET, 0);
	adjust(cup, STOCK_MODE_SET, 5);
	ck_assert_int_eq(count(MAILS), 2);
	/* Asked again after the mail: pending, mailed at the next rise. */
	adjust(cup, STOCK_MODE_SET, 0);
	ck_assert_int_eq(ask(pid, cup, "ann@example.test"), RESTOCK_OK);
	ck_assert_int_eq(restock_pending(d, cup), 1);
	adjust(cup, STOCK_MODE_SET, 1);
	ck_assert_int_eq(count(MAILS), 3);
	ck_assert_str_eq(text("SELECT unique_key FROM outbox WHERE name = "
	    "'send_mail' ORDER BY id DESC LIMIT 1"), "mail:restock:1:2");
}
END_TEST

START_TEST(rolled_back_with_the_stock)
{
	ck_assert_int_eq(ask(pid, cup, "ann@example.test"), RESTOCK_OK);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(stock_adjust(d, cup, STOCK_MODE_DELTA, 3, "delivery",
	    ADMIN, NULL), INVENTORY_OK);
	ck_assert_int_eq(count(MAILS), 1);
	db_rollback(d);
	ck_assert_int_eq(count(MAILS), 0);
	ck_assert_int_eq(restock_pending(d, cup), 1);
}
END_TEST

START_TEST(an_unpaid_orders_release_mails)
{
	long long		 ids[1] = { mug }, qs[1] = { 10 };
	struct order_input	 in = {
		.email = "cat@example.test",
		.ship = { "Cat", "1 Rue X", "", "Paris", "75001", "FR" },
		.shipping_code = "standard",
		.variant_ids = ids, .quantities = qs, .nlines = 1,
		.hold_seconds = 1800,
	};
	struct order		*o = NULL;

	/* The last ten held by an order: sold out, and asked for. */
	ck_assert_int_eq(order_create(d, a, &in, &o, NULL), CREATE_OK);
	ck_assert_int_eq(ask(pid, mug, "ann@example.test"), RESTOCK_OK);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(order_release_stock(d, o->id), 0);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(count(MAILS), 1);
	ck_assert_int_eq(restock_pending(d, mug), 0);
}
END_TEST

START_TEST(names_and_messages)
{
	int	i;

	for (i = 0; i < RESTOCK_RESULT__MAX; i++) {
		ck_assert_ptr_nonnull(restock_result_names[i]);
		ck_assert_ptr_nonnull(restock_result_msgs[i]);
	}
	ck_assert_str_eq(restock_result_names[RESTOCK_ERROR], "error");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("restock");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, taken_once);
	tcase_add_test(tc, bad_requests_refused);
	tcase_add_test(tc, mailed_once_when_back);
	tcase_add_test(tc, rolled_back_with_the_stock);
	tcase_add_test(tc, an_unpaid_orders_release_mails);
	tcase_add_test(tc, names_and_messages);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
