/*
 * Unit tests: the audit finds every kind of broken book, and nothing in
 * sound ones.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/audit.h"
#include "shop/order.h"
#include "shop/payment.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

static const char seed_sql[] =
    "INSERT INTO products (id, slug, name) VALUES (1, 'mug', 'Mug');"
    "INSERT INTO variants (id, product_id, sku, price, currency, stock) "
    " VALUES (1, 1, 'M', 1000, 'EUR', 50);"
    "INSERT INTO shipping_methods (code, name, price, currency) "
    " VALUES ('std', 'Standard', 500, 'EUR');";

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-audit-XXXXXX");
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
paid_order(const char *sid)
{
	long long		 ids[1] = { 1 }, qs[1] = { 2 };
	struct order_input	 in = {
		.email = "a@example.test",
		.ship = { "A", "1", "", "C", "1", "DE" },
		.shipping_code = "std", .variant_ids = ids, .quantities = qs,
		.nlines = 1, .hold_seconds = 60,
	};
	struct order		*o;
	struct payment_fact	 f;
	long long		 oid;

	ck_assert_int_eq(order_create(d, a, &in, &o, NULL), CREATE_OK);
	if (sid == NULL)
		return o;
	f = (struct payment_fact){ .session_id = sid, .amount = o->total,
	    .currency = "EUR", .order_id = o->id, .order_token = o->token,
	    .source = SOURCE_WEBHOOK };
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	return o;
}

START_TEST(sound_books)
{
	struct audit_report	r;
	struct buf		out = { 0 };
	struct order		*o1 = paid_order("cs_1"), *o2 = paid_order("cs_2");
	struct payment_fact	s[2] = {
		{ .session_id = "cs_1", .amount = o1->total, .currency = "eur" },
		{ .session_id = "cs_2", .amount = o2->total, .currency = "eur" },
	};

	struct payment_fact	 again = { .session_id = "cs_1",
	    .amount = o1->total, .currency = "EUR", .order_id = o1->id,
	    .order_token = o1->token, .source = SOURCE_SUCCESS_PAGE };
	long long		 oid;

	paid_order(NULL);
	/* Repeats take no id: no gap for the audit to find. */
	ck_assert_int_eq(payment_settle(d, a, &again, &oid), OUTCOME_ALREADY);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_gt(payment_event_store(d, "evt_1", "t", "cs_1", "{}"), 0);
	ck_assert_int_eq(payment_event_store(d, "evt_1", "t", "cs_1", "{}"), 0);
	ck_assert_int_gt(payment_event_store(d, "evt_2", "t", "cs_1", "{}"), 0);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(audit_books(d, a, &r, &out), 0);
	ck_assert_int_eq(audit_sessions(d, a, s, 2, &r, &out), 0);
	ck_assert_msg(r.findings == 0, "%s", buf_str(&out));
	ck_assert_int_eq(r.handed_out[AUDIT_ORDERS], 3);
	ck_assert_int_eq(r.handed_out[AUDIT_PAYMENTS], 2);
	ck_assert_int_eq(r.handed_out[AUDIT_PAYMENT_EVENTS], 2);
	ck_assert_int_eq(r.orders_paid, 2);
	ck_assert_int_eq(r.sessions_paid, 2);
	buf_free(&out);
}
END_TEST

START_TEST(broken_books)
{
	struct audit_report	r;
	struct buf		out = { 0 };
	struct order		*o1 = paid_order("cs_1"), *o2 = paid_order(NULL);
	struct payment_fact	s[3] = {
		/* Paid at the gateway, never reached us. */
		{ .session_id = "cs_lost", .amount = o2->total,
		  .currency = "eur", .order_id = o2->id,
		  .order_token = o2->token },
		{ .session_id = "cs_1", .amount = o1->total, .currency = "eur" },
		/* A second paid session for order 1. */
		{ .session_id = "cs_again", .amount = o1->total,
		  .currency = "eur", .order_id = o1->id,
		  .order_token = o1->token },
	};

	/* Two order ids handed out whose rows are gone. */
	ck_assert_int_eq(db_exec(d, "UPDATE sqlite_sequence SET seq = seq + 2 "
	    "WHERE name = 'orders'"), 0);
	ck_assert_int_eq(db_exec(d, "PRAGMA ignore_check_constraints = ON"), 0);
	ck_assert_int_eq(db_exec(d, "UPDATE variants SET stock = -3"), 0);
	ck_assert_int_eq(db_exec(d, "UPDATE orders SET subtotal = subtotal + 1, "
	    "total = total + 1 WHERE id = 2"), 0);
	ck_assert_int_eq(db_exec(d, "PRAGMA ignore_check_constraints = OFF"), 0);
	ck_assert_int_eq(audit_books(d, a, &r, &out), 0);
	ck_assert_int_eq(audit_sessions(d, a, s, 3, &r, &out), 0);
	ck_assert_int_eq(r.missing[AUDIT_ORDERS], 2);
	ck_assert_int_eq(r.negative_stock, 1);
	ck_assert_int_eq(r.bad_totals, 1);
	ck_assert_int_eq(r.sessions_lost, 2);
	ck_assert_int_eq(r.double_charges, 1);
	ck_assert_int_eq(r.findings, 2 + 1 + 1 + 2 + 1);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "orders: id 3 was handed "
	    "out but its row is missing"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "session cs_lost was paid"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "paid by sessions"));
	buf_free(&out);
}
END_TEST

START_TEST(paid_here_both_ways)
{
	struct audit_report	r;
	struct buf		out = { 0 };
	struct order		*o1 = paid_order("cs_1"), *o2 = paid_order("cs_2"),
				*o3 = paid_order("cs_3");
	/* The gateway: cs_1 as paid here, cs_2 for another amount, and no
	 * cs_3 at all (a forged event marked it paid). */
	struct payment_fact	s[2] = {
		{ .session_id = "cs_2", .amount = o2->total - 100,
		  .currency = "eur" },
		{ .session_id = "cs_1", .amount = o1->total, .currency = "EUR" },
	};

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(audit_paid_here(d, a, s, 2, 0, &r, &out), 0);
	ck_assert_int_eq(r.paid_unbacked, 1);
	ck_assert_int_eq(r.amount_differs, 1);
	ck_assert_int_eq(r.findings, 2);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), arena_printf(a, "order %s "
	    "is paid here by session cs_3, which the gateway does not report "
	    "paid", o3->number)));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), arena_printf(a, "order %s "
	    "is paid %lld EUR here but its session cs_2 was paid %lld eur at "
	    "the gateway", o2->number, o2->total, o2->total - 100)));
	/* Orders placed before the window are not looked at. */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(audit_paid_here(d, a, s, 2, 4102444800LL, &r, NULL),
	    0);
	ck_assert_int_eq(r.findings, 0);
	/* Nor are orders rebuilt from the gateway's record. */
	ck_assert_int_eq(db_exec(d, "UPDATE orders SET recovered = 1"), 0);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(audit_paid_here(d, a, NULL, 0, 0, &r, NULL), 0);
	ck_assert_int_eq(r.findings, 0);
	buf_free(&out);
}
END_TEST

START_TEST(recorded_history)
{
	struct buf	out = { 0 };

	ck_assert_int_eq(db_exec(d, "INSERT INTO audit_log (kind, actor, "
	    "detail, created_at) VALUES ('unknown_order', 'webhook', 'old', "
	    "'2001-01-01T00:00:00Z'), ('repaired', 'reconcile', 'new', "
	    "'2030-01-01T00:00:00Z')"), 0);
	ck_assert_int_eq(audit_recorded(d, a, 1262304000LL, &out), 1);
	ck_assert_str_eq(buf_str(&out),
	    "2030-01-01T00:00:00Z repaired (reconcile): new\n");
	ck_assert_int_eq(audit_recorded(d, a, 0, NULL), 2);
	buf_free(&out);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("audit");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sound_books);
	tcase_add_test(tc, broken_books);
	tcase_add_test(tc, paid_here_both_ways);
	tcase_add_test(tc, recorded_history);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
