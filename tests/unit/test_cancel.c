/*
 * Unit tests: cancelling an unpaid order (lib/shop/order.c,
 * order_cancel()): pending becomes cancelled with its stock given back,
 * its event and its live messages in one write; a paid order, or one
 * whose payment is on its way, is refused and nothing is written.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/order.h"
#include "shop/payment.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

static const char seed_sql[] =
    "INSERT INTO products (id, slug, name) VALUES (1, 'mug', 'Mug');"
    "INSERT INTO variants (id, product_id, sku, price, currency, stock) "
    " VALUES (1, 1, 'M', 1000, 'EUR', 10);"
    "INSERT INTO shipping_methods (code, name, price, currency) "
    " VALUES ('std', 'Standard', 500, 'EUR');";

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-cancel-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	ck_assert_int_eq(db_exec(d, seed_sql), 0);
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
}

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

/* One text of the first row of sql, into the arena. */
static char *
text(const char *sql)
{
	sqlite3_stmt	*st;
	char		*s;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	s = db_text(a, st, 0);
	sqlite3_finalize(st);
	return s;
}

/* Everything cancelling may write, as one line to compare. */
static char *
written(void)
{
	return text("SELECT (SELECT group_concat(id || state, ',') FROM "
	    "orders) || '/' || (SELECT count(*) FROM order_events) || '/' || "
	    "(SELECT count(*) FROM outbox) || '/' || (SELECT stock FROM "
	    "variants WHERE id = 1)");
}

static struct order *
pending(void)
{
	long long		 ids[1] = { 1 }, qs[1] = { 1 };
	struct order_input	 in = {
		.email = "ann@example.test",
		.ship = { "Ann Lee", "1 Rue X", "", "Paris", "75001", "FR" },
		.shipping_code = "std", .variant_ids = ids, .quantities = qs,
		.nlines = 1, .hold_seconds = 600,
	};
	struct order		*o;

	ck_assert_int_eq(order_create(d, a, &in, &o, NULL), CREATE_OK);
	return o;
}

static struct order *
paid(const char *sid)
{
	struct order		*o = pending();
	struct payment_fact	 f = { .session_id = sid, .amount = o->total,
	    .currency = "eur", .order_id = o->id, .order_token = o->token,
	    .source = SOURCE_WEBHOOK, .payment_intent = "pi_x" };
	long long		 oid;

	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	return order_by_id(d, a, o->id);
}

START_TEST(pending_order_cancelled_stock_released)
{
	struct order	*o = pending(), *got;

	ck_assert_int_eq(count("SELECT stock FROM variants WHERE id = 1"), 9);
	ck_assert_int_eq(order_cancel(d, a, o->id, "asked by the customer",
	    &got), ACTION_DONE);
	ck_assert(!db_in_write(d));
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->state, ORDER_CANCELLED);
	ck_assert(!got->stock_held);
	ck_assert_int_eq(count("SELECT stock FROM variants WHERE id = 1"), 10);
	ck_assert_str_eq(text("SELECT from_state || '>' || to_state || '|' || "
	    "source || '|' || cause || '|' || coalesce(ref, 'none') FROM "
	    "order_events ORDER BY id DESC LIMIT 1"), "pending_payment>"
	    "cancelled|admin|asked by the customer|none");
	/* The order's page and the product's stock line hear of it. */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE target = "
	    "'message' AND name = 'order:1' AND payload = "
	    "'{\"state\":\"cancelled\",\"label\":\"Cancelled\"}'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE target = "
	    "'message' AND name = 'product:1' AND sub = 'stock' AND "
	    "json_extract(payload, '$.label') = 'In stock'"), 2);
	/* The customer's mail says so, once. */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE target = "
	    "'job'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE target = "
	    "'job' AND unique_key = 'mail:order-cancelled:1' AND "
	    "json_extract(payload, '$.template') = 'order_cancelled' AND "
	    "json_extract(payload, '$.data.by_shop') = 1"), 1);
}
END_TEST

START_TEST(default_cause_and_twice)
{
	struct order	*o = pending(), *got;
	char		*before;

	ck_assert_int_eq(order_cancel(d, a, o->id, NULL, NULL), ACTION_DONE);
	ck_assert_str_eq(text("SELECT cause FROM order_events ORDER BY id DESC "
	    "LIMIT 1"), "cancelled by the shop");
	before = written();
	ck_assert_int_eq(order_cancel(d, a, o->id, "again", &got),
	    ACTION_ALREADY);
	ck_assert_int_eq(got->state, ORDER_CANCELLED);
	ck_assert(!db_in_write(d));
	ck_assert_str_eq(written(), before);
	ck_assert_int_eq(count("SELECT stock FROM variants WHERE id = 1"), 10);
	/* An empty cause is no cause. */
	o = pending();
	ck_assert_int_eq(order_cancel(d, a, o->id, "", NULL), ACTION_DONE);
	ck_assert_str_eq(text("SELECT cause FROM order_events ORDER BY id DESC "
	    "LIMIT 1"), "cancelled by the shop");
}
END_TEST

START_TEST(bad_paid_or_shipped_refused)
{
	struct order	*o = paid("cs_1"), *s = paid("cs_2"), *got;
	char		*before;

	ck_assert_int_eq(order_ship(d, a, s->id, NULL, NULL), ACTION_DONE);
	before = written();
	ck_assert_int_eq(order_cancel(d, a, o->id, NULL, &got),
	    ACTION_REFUSED);
	ck_assert_int_eq(got->state, ORDER_PAID);
	ck_assert_int_eq(order_cancel(d, a, s->id, NULL, &got),
	    ACTION_REFUSED);
	ck_assert_int_eq(got->state, ORDER_FULFILLED);
	ck_assert(!db_in_write(d));
	ck_assert_str_eq(written(), before);
	ck_assert_int_eq(count("SELECT stock FROM variants WHERE id = 1"), 8);
}
END_TEST

/* An asynchronous payment on its way may still arrive: not cancelled. */
START_TEST(bad_payment_on_its_way_refused)
{
	struct order		*o = pending(), *got;
	struct payment_fact	 f;
	long long		 oid, until;
	enum order_state	 st;
	char			*before;

	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 600, &until, &st),
	    1);
	ck_assert_int_eq(order_set_session(d, o->id, 1, "cs_p", "u", until),
	    0);
	f = (struct payment_fact){ .session_id = "cs_p", .amount = o->total,
	    .currency = "eur", .order_id = o->id, .order_token = o->token,
	    .source = SOURCE_WEBHOOK, .payment_intent = "pi_p" };
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(payment_apply_processing(d, a, &f, &oid),
	    OUTCOME_APPLIED);
	ck_assert_int_eq(db_commit(d), 0);
	before = written();
	ck_assert_int_eq(order_cancel(d, a, o->id, NULL, &got),
	    ACTION_REFUSED);
	ck_assert_int_eq(got->state, ORDER_PENDING);
	ck_assert_str_eq(got->payment_intent, "pi_p");
	ck_assert_str_eq(written(), before);
	/* The money arrives: paid, nothing was given back meanwhile. */
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log"), 0);
}
END_TEST

START_TEST(bad_unknown_order)
{
	struct order	*got = (struct order *)1;
	char		*before = written();

	ck_assert_int_eq(order_cancel(d, a, 4242, NULL, &got),
	    ACTION_NOT_FOUND);
	ck_assert_ptr_null(got);
	ck_assert(!db_in_write(d));
	ck_assert_str_eq(written(), before);
}
END_TEST

/* A cancelled order paid after all is kept and audited (payment.h). */
START_TEST(paid_after_cancel_is_kept)
{
	struct order		*o = pending();
	struct payment_fact	 f = { .session_id = "cs_late",
	    .amount = o->total, .currency = "eur", .order_id = o->id,
	    .order_token = o->token, .source = SOURCE_WEBHOOK };
	long long		 oid;

	ck_assert_int_eq(order_cancel(d, a, o->id, NULL, NULL), ACTION_DONE);
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PAID);
	ck_assert_int_eq(count("SELECT stock FROM variants WHERE id = 1"), 9);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE kind = "
	    "'paid_after_cancel'"), 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("cancel");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pending_order_cancelled_stock_released);
	tcase_add_test(tc, default_cause_and_twice);
	tcase_add_test(tc, bad_paid_or_shipped_refused);
	tcase_add_test(tc, bad_payment_on_its_way_refused);
	tcase_add_test(tc, bad_unknown_order);
	tcase_add_test(tc, paid_after_cancel_is_kept);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
