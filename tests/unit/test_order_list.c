/*
 * Unit tests: what the order lists read (lib/shop/order.c, orders_list(),
 * order_id_by_number(), order_events()): newest first, of one state,
 * bounded, each move in order, and NULL on error.
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

	snprintf(dir, sizeof(dir), "/tmp/shop-olist-XXXXXX");
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

START_TEST(newest_first_of_a_state)
{
	struct order	*o1 = paid("cs_1"), *o2 = pending(), *o3 = paid("cs_3");
	struct order	*v;
	size_t		 n = 99;

	v = orders_list(d, a, ORDER_STATE__MAX, 10, &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(v[0].id, o3->id);
	ck_assert_int_eq(v[1].id, o2->id);
	ck_assert_int_eq(v[2].id, o1->id);
	ck_assert_str_eq(v[0].number, "SF-000003");
	ck_assert_int_eq(v[0].state, ORDER_PAID);
	ck_assert_int_eq(v[1].state, ORDER_PENDING);
	ck_assert_str_eq(v[1].email, "ann@example.test");
	ck_assert_str_eq(v[1].currency, "EUR");
	ck_assert_int_eq(v[1].total, 1500);
	ck_assert_uint_eq(strlen(v[1].created_at), 20);
	/* Lines are not read for a list. */
	ck_assert_uint_eq(v[1].nlines, 0);
	v = orders_list(d, a, ORDER_PAID, 10, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[0].id, o3->id);
	ck_assert_int_eq(v[1].id, o1->id);
	v = orders_list(d, a, ORDER_STATE__MAX, 2, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[1].id, o2->id);
	v = orders_list(d, a, ORDER_REFUNDED, 10, &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(by_number)
{
	struct order	*o = pending();
	long long	 id = -1;

	ck_assert_int_eq(order_id_by_number(d, o->number, &id), 1);
	ck_assert_int_eq(id, o->id);
	ck_assert_int_eq(order_id_by_number(d, "SF-999999", &id), 0);
	ck_assert_int_eq(id, 0);
	ck_assert_int_eq(order_id_by_number(d, "", &id), 0);
	ck_assert_int_eq(order_id_by_number(d, "sf-000001", &id), 0);
}
END_TEST

START_TEST(events_in_order)
{
	struct order		*o = paid("cs_1");
	struct order_shipment	 s = { "DHL", "T1", NULL };
	struct order_event	*ev;
	size_t			 n = 99;

	ck_assert_int_eq(order_ship(d, a, o->id, &s, NULL), ACTION_DONE);
	ev = order_events(d, a, o->id, &n);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(ev[0].from_state, "");
	ck_assert_str_eq(ev[0].to_state, "pending_payment");
	ck_assert_str_eq(ev[0].source, "checkout");
	ck_assert_str_eq(ev[0].cause, "order placed, stock reserved");
	ck_assert_str_eq(ev[0].ref, "");
	ck_assert_str_eq(ev[1].from_state, "pending_payment");
	ck_assert_str_eq(ev[1].to_state, "paid");
	ck_assert_str_eq(ev[1].source, "webhook");
	ck_assert_str_eq(ev[1].ref, "cs_1");
	ck_assert_str_eq(ev[2].to_state, "fulfilled");
	ck_assert_str_eq(ev[2].cause, "shipped by DHL, tracking T1");
	ck_assert_str_eq(ev[2].ref, "T1");
	ck_assert_uint_eq(strlen(ev[2].created_at), 20);
	/* An order without history (none such): an empty list. */
	ev = order_events(d, a, 4242, &n);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(bad_database)
{
	size_t		n = 99;
	long long	id = 5;

	(void)pending();
	/* A list of no orders at all is refused. */
	ck_assert_ptr_null(orders_list(d, a, ORDER_STATE__MAX, 0, &n));
	ck_assert_uint_eq(n, 0);
	/* A database whose tables are gone answers with an error. */
	ck_assert_int_eq(db_exec(d, "ALTER TABLE order_events RENAME TO "
	    "gone_events"), 0);
	ck_assert_int_eq(db_exec(d, "ALTER TABLE orders RENAME TO "
	    "gone_orders"), 0);
	n = 99;
	ck_assert_ptr_null(orders_list(d, a, ORDER_STATE__MAX, 10, &n));
	ck_assert_uint_eq(n, 0);
	n = 99;
	ck_assert_ptr_null(order_events(d, a, 1, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(order_id_by_number(d, "SF-000001", &id), -1);
	ck_assert_int_eq(id, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("order_list");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, newest_first_of_a_state);
	tcase_add_test(tc, by_number);
	tcase_add_test(tc, events_in_order);
	tcase_add_test(tc, bad_database);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
