/*
 * Unit tests: what the back office does to orders in lib (order.c,
 * payment.c, refund.c): the list searched by number, email or name
 * through order_search with keyset pages, notes, shipping and cancelling
 * with their admin log entries in the same write, a cancel refused when
 * the order shows another session than the one expired, a refund asked
 * with its admin log entry, and a paid order told on the "admin" channel.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/adminlog.h"
#include "shop/order.h"
#include "shop/payment.h"
#include "shop/refund.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;
static const struct actor staff = { 7, "staff@shop.example" };

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

	snprintf(dir, sizeof(dir), "/tmp/shop-oadmin-XXXXXX");
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

/* One text of the first row of sql, into the arena ("" for NULL). */
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

static struct order *
pending_for(const char *email, const char *name)
{
	long long		 ids[1] = { 1 }, qs[1] = { 1 };
	struct order_input	 in = {
		.email = email,
		.ship = { (char *)name, "1 Rue X", "", "Paris", "75001", "FR" },
		.shipping_code = "std", .variant_ids = ids, .quantities = qs,
		.nlines = 1, .hold_seconds = 600,
	};
	struct order		*o;

	ck_assert_int_eq(order_create(d, a, &in, &o, NULL), CREATE_OK);
	return o;
}

static struct order *
paid(struct order *o, const char *sid)
{
	struct payment_fact	 f = { .session_id = sid, .amount = o->total,
	    .currency = "eur", .order_id = o->id, .order_token = o->token,
	    .source = SOURCE_WEBHOOK, .payment_intent = "pi_x" };
	long long		 oid;

	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	return order_by_id(d, a, o->id);
}

/* The numbers of a search, newest first, "," between. */
static char *
found(enum order_state state, const char *q, long long before)
{
	struct order	*v;
	size_t		 n, i;
	char		*out = arena_strdup(a, "");

	v = orders_search(d, a, state, q, before, 50, &n);
	ck_assert_ptr_nonnull(v);
	for (i = 0; i < n; i++)
		out = arena_printf(a, "%s%s%s", out, i ? "," : "",
		    v[i].number);
	return out;
}

START_TEST(search_by_number_email_and_name)
{
	pending_for("ann@example.test", "Ann Lee");
	pending_for("bob@example.test", "Bob Martin");
	pending_for("ann@example.test", "Anne-Sophie Müller");
	paid(pending_for("zoe@other.test", "Zoé Lee"), "cs_1");

	ck_assert_str_eq(found(ORDER_STATE__MAX, NULL, 0),
	    "SF-000004,SF-000003,SF-000002,SF-000001");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "", 0),
	    "SF-000004,SF-000003,SF-000002,SF-000001");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "SF-000002", 0), "SF-000002");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "sf-000002", 0), "SF-000002");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "2", 0), "SF-000002");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "SF-000009", 0), "");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "Ann@Example.test", 0),
	    "SF-000003,SF-000001");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "ann@example", 0), "");
	/* Words: the start of a word of the name, accents folded. */
	ck_assert_str_eq(found(ORDER_STATE__MAX, "lee", 0),
	    "SF-000004,SF-000001");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "zoe", 0), "SF-000004");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "muller", 0), "SF-000003");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "anne sophie", 0),
	    "SF-000003");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "mart", 0), "SF-000002");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "other", 0), "SF-000004");
	/* FTS5 syntax is text; punctuation alone finds nothing. */
	ck_assert_str_eq(found(ORDER_STATE__MAX, "lee OR bob", 0), "");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "\"*", 0), "");
	/* A state, a cursor. */
	ck_assert_str_eq(found(ORDER_PAID, "lee", 0), "SF-000004");
	ck_assert_str_eq(found(ORDER_PENDING, NULL, 0),
	    "SF-000003,SF-000002,SF-000001");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "lee", 4), "SF-000001");
	ck_assert_str_eq(found(ORDER_STATE__MAX, NULL, 3),
	    "SF-000002,SF-000001");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "ann@example.test", 3),
	    "SF-000001");
}
END_TEST

START_TEST(search_follows_changes_and_bad_limits)
{
	struct order	*o = pending_for("ann@example.test", "Ann Lee");
	size_t		 n = 9;

	ck_assert_int_eq(db_exec(d, "UPDATE orders SET ship_name = 'Ann Kim'"),
	    0);
	ck_assert_str_eq(found(ORDER_STATE__MAX, "lee", 0), "");
	ck_assert_str_eq(found(ORDER_STATE__MAX, "kim", 0), o->number);
	ck_assert_ptr_null(orders_search(d, a, ORDER_STATE__MAX, NULL, 0, 0,
	    &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(orders_search(d, a, ORDER_STATE__MAX, NULL, 0, 501,
	    &n));
}
END_TEST

START_TEST(notes_with_their_log)
{
	struct order		*o = pending_for("ann@example.test", "Ann");
	struct order_note	*v;
	long long		 id;
	size_t			 n;

	ck_assert_int_eq(db_begin(d), 0);
	id = order_note_add(d, a, o->id, &staff, "Called: \"leave it\" <b>");
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(order_note_add(d, a, o->id, &staff, ""), -1);
	ck_assert_int_eq(order_note_add(d, a, 999, &staff, "x"), -1);
	ck_assert_int_eq(order_note_add(d, a, o->id, NULL, "x"), -1);
	db_rollback(d);
	v = order_notes(d, a, o->id, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].id, id);
	ck_assert_int_eq(v[0].author_id, 7);
	ck_assert_str_eq(v[0].author, "staff@shop.example");
	ck_assert_str_eq(v[0].body, "Called: \"leave it\" <b>");
	ck_assert_str_eq(text("SELECT actor || ' ' || action || ' ' || "
	    "object_id || ' ' || label || ' ' || coalesce(before, '-') || ' ' "
	    "|| after FROM admin_log"), arena_printf(a, "staff@shop.example "
	    "order.note 1 SF-000001 - {\"note_id\":%lld,\"body\":\"Called: "
	    "\\\"leave it\\\" \\u003cb\\u003e\"}", id));
	ck_assert_ptr_nonnull(order_notes(d, a, 999, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(ship_and_cancel_logged_in_their_write)
{
	struct order			*o, *got;
	struct order_shipment		 s = { "La Poste", "6A123", NULL };

	o = paid(pending_for("ann@example.test", "Ann"), "cs_1");
	ck_assert_int_eq(order_ship_by(d, a, o->id, &s, &staff, &got),
	    ACTION_DONE);
	ck_assert_int_eq(got->state, ORDER_FULFILLED);
	ck_assert_str_eq(text("SELECT action || ' ' || before || ' ' || after "
	    "FROM admin_log"), "order.ship {\"state\":\"paid\"} {\"state\":"
	    "\"fulfilled\",\"carrier\":\"La Poste\",\"tracking\":\"6A123\"}");
	/* Already shipped, refused: nothing more in the log. */
	ck_assert_int_eq(order_ship_by(d, a, o->id, &s, &staff, NULL),
	    ACTION_ALREADY);
	o = pending_for("bob@example.test", "Bob");
	ck_assert_int_eq(order_ship_by(d, a, o->id, &s, &staff, NULL),
	    ACTION_REFUSED);
	ck_assert_str_eq(text("SELECT count(*) FROM admin_log"), "1");

	ck_assert_int_eq(order_cancel_by(d, a, o->id, "asked", "", &staff,
	    &got), ACTION_DONE);
	ck_assert_int_eq(got->state, ORDER_CANCELLED);
	ck_assert_str_eq(text("SELECT action || ' ' || label || ' ' || before "
	    "|| ' ' || after FROM admin_log ORDER BY id DESC"), "order.cancel "
	    "SF-000002 {\"state\":\"pending_payment\",\"stock_held\":true} "
	    "{\"state\":\"cancelled\",\"stock_held\":false,\"cause\":\"asked\"}");
	ck_assert_int_eq(order_cancel_by(d, a, o->id, "asked", "", &staff,
	    NULL), ACTION_ALREADY);
	ck_assert_str_eq(text("SELECT count(*) FROM admin_log"), "2");
}
END_TEST

START_TEST(cancel_refused_when_the_session_changed)
{
	struct order	*o = pending_for("ann@example.test", "Ann"), *got;

	ck_assert_int_eq(db_exec(d, "UPDATE orders SET session_id = 'cs_new', "
	    "payment_attempt = 2"), 0);
	ck_assert_int_eq(order_cancel_by(d, a, o->id, NULL, "cs_old", &staff,
	    &got), ACTION_CHANGED);
	ck_assert_int_eq(got->state, ORDER_PENDING);
	ck_assert_int_eq(order_cancel_by(d, a, o->id, NULL, "", &staff, NULL),
	    ACTION_CHANGED);
	ck_assert_str_eq(text("SELECT state || ' ' || stock_held || ' ' || "
	    "(SELECT count(*) FROM admin_log) FROM orders"),
	    "pending_payment 1 0");
	ck_assert_int_eq(order_cancel_by(d, a, o->id, NULL, "cs_new", &staff,
	    NULL), ACTION_DONE);
	ck_assert_str_eq(order_action_names[ACTION_CHANGED], "changed");
}
END_TEST

START_TEST(paid_order_told_to_the_back_office)
{
	struct order	*o = pending_for("ann@example.test", "Ann");

	paid(o, "cs_1");
	ck_assert_str_eq(text("SELECT sub || ' ' || payload FROM outbox WHERE "
	    "target = 'message' AND name = 'admin'"), "order {\"number\":\"SF-000001\",\"total\":"
	    "\"\xe2\x82\xac" "15.00\",\"amount\":1500,\"currency\":\"EUR\","
	    "\"summary\":\"SF-000001 paid, \xe2\x82\xac" "15.00\"}");
	/* Each paid order is told. */
	paid(pending_for("bob@example.test", "Bob"), "cs_2");
	ck_assert_str_eq(text("SELECT count(*) FROM outbox WHERE name = "
	    "'admin'"), "2");
}
END_TEST

START_TEST(refund_asked_with_its_log)
{
	struct order		*o = paid(pending_for("ann@example.test", "Ann"),
				    "cs_1");
	struct refund_input	 in = { .order_id = o->id, .amount = 500,
	    .actor = "admin:staff@shop.example", .who = &staff };
	struct refund		*r;

	ck_assert_int_eq(refund_request(d, a, &in, &r), REFUND_OK);
	ck_assert_str_eq(text("SELECT actor || ' ' || action || ' ' || before "
	    "|| ' ' || after FROM admin_log"), arena_printf(a,
	    "staff@shop.example order.refund {\"state\":\"paid\","
	    "\"amount_paid\":1500,\"amount_refunded\":0,\"left\":1500} "
	    "{\"refund_id\":%lld,\"amount\":500,\"shipping\":0,\"reason\":\"\","
	    "\"state\":\"requested\",\"lines\":[]}", r->id));
	/* Refused: nothing written, the log neither. */
	in.amount = 1001;
	ck_assert_int_eq(refund_request(d, a, &in, NULL), REFUND_TOO_MUCH);
	ck_assert_str_eq(text("SELECT count(*) || ' ' || (SELECT count(*) FROM "
	    "refunds) FROM admin_log"), "1 1");
	/* Without who (shopctl), no admin log entry. */
	in.amount = 100;
	in.who = NULL;
	ck_assert_int_eq(refund_request(d, a, &in, NULL), REFUND_OK);
	ck_assert_str_eq(text("SELECT count(*) FROM admin_log"), "1");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("order_admin");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, search_by_number_email_and_name);
	tcase_add_test(tc, search_follows_changes_and_bad_limits);
	tcase_add_test(tc, notes_with_their_log);
	tcase_add_test(tc, ship_and_cancel_logged_in_their_write);
	tcase_add_test(tc, cancel_refused_when_the_session_changed);
	tcase_add_test(tc, paid_order_told_to_the_back_office);
	tcase_add_test(tc, refund_asked_with_its_log);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
