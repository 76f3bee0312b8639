/*
 * Unit tests: shipping an order (lib/shop/order.c, order_ship() and its
 * checks of carrier, tracking number and url): a paid order becomes
 * fulfilled with its event, its live message and its "shipped" mail in
 * one write; anything else is refused and nothing is written.
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

	snprintf(dir, sizeof(dir), "/tmp/shop-ship-XXXXXX");
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

/* Everything shipping may write, as one line to compare. */
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

START_TEST(paid_order_shipped_with_its_mail)
{
	struct order		*o = paid("cs_1"), *got;
	struct order_shipment	 s = { "La Poste", "8X12345",
	    "https://track.example/8X12345" };
	long long		 jobs = count("SELECT count(*) FROM outbox "
	    "WHERE target = 'job'");

	ck_assert_int_eq(order_ship(d, a, o->id, &s, &got), ACTION_DONE);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->id, o->id);
	ck_assert_int_eq(got->state, ORDER_FULFILLED);
	ck_assert(!db_in_write(d));
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_FULFILLED);
	ck_assert_str_eq(text("SELECT from_state || '>' || to_state || '|' || "
	    "source || '|' || cause || '|' || ref FROM order_events "
	    "ORDER BY id DESC LIMIT 1"), "paid>fulfilled|admin|shipped by La "
	    "Poste, tracking 8X12345|8X12345");
	/* The mail, once per order, with what the template needs. */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE target = "
	    "'job'"), jobs + 1);
	ck_assert_str_eq(text("SELECT name || '|' || sub || '|' || unique_key "
	    "|| '|' || priority || '|' || payload FROM outbox WHERE target = "
	    "'job' ORDER BY id DESC LIMIT 1"), arena_printf(a, "send_mail|mail|"
	    "mail:order-shipped:%lld|5|{\"to\":\"ann@example.test\","
	    "\"to_name\":\"Ann Lee\",\"template\":\"shipped\",\"data\":{"
	    "\"name\":\"Ann Lee\",\"number\":\"%s\",\"token\":\"%s\","
	    "\"carrier\":\"La Poste\",\"tracking\":\"8X12345\","
	    "\"tracking_url\":\"https://track.example/8X12345\"}}", o->id,
	    o->number, o->token));
	/* And its live channel hears of it. */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE target = "
	    "'message' AND name = 'order:1' AND payload = "
	    "'{\"state\":\"fulfilled\",\"label\":\"Shipped\"}'"), 1);
}
END_TEST

START_TEST(shipped_without_details)
{
	struct order	*o = paid("cs_1"), *got;

	ck_assert_int_eq(order_ship(d, a, o->id, NULL, &got), ACTION_DONE);
	ck_assert_str_eq(text("SELECT cause || '|' || coalesce(ref, 'none') "
	    "FROM order_events ORDER BY id DESC LIMIT 1"), "shipped|none");
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE target = "
	    "'job' AND unique_key = 'mail:order-shipped:1' AND "
	    "json_type(payload, '$.data.carrier') IS NULL AND "
	    "json_type(payload, '$.data.tracking_url') IS NULL"), 1);
	/* The out pointer may be left out. */
	ck_assert_int_eq(order_ship(d, a, o->id, NULL, NULL), ACTION_ALREADY);
}
END_TEST

START_TEST(shipped_twice_changes_nothing)
{
	struct order		*o = paid("cs_1"), *got;
	struct order_shipment	 s = { "DHL", NULL, NULL };
	char			*before;

	ck_assert_int_eq(order_ship(d, a, o->id, &s, NULL), ACTION_DONE);
	before = written();
	ck_assert_int_eq(order_ship(d, a, o->id, &s, &got), ACTION_ALREADY);
	ck_assert_int_eq(got->state, ORDER_FULFILLED);
	ck_assert(!db_in_write(d));
	ck_assert_str_eq(written(), before);
}
END_TEST

START_TEST(bad_unpaid_or_cancelled_refused)
{
	struct order		*o = pending(), *c = pending(), *got;
	struct order_shipment	 s = { "DHL", "1", NULL };
	char			*before;

	ck_assert_int_eq(order_cancel(d, a, c->id, NULL, NULL), ACTION_DONE);
	before = written();
	ck_assert_int_eq(order_ship(d, a, o->id, &s, &got), ACTION_REFUSED);
	ck_assert_int_eq(got->state, ORDER_PENDING);
	ck_assert_int_eq(order_ship(d, a, c->id, &s, &got), ACTION_REFUSED);
	ck_assert_int_eq(got->state, ORDER_CANCELLED);
	ck_assert(!db_in_write(d));
	ck_assert_str_eq(written(), before);
}
END_TEST

START_TEST(bad_refunded_refused)
{
	struct order	*o = paid("cs_1"), *got;
	long long	 oid;
	char		*before;

	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(payment_apply_refund(d, a, "pi_x", o->total,
	    SOURCE_WEBHOOK, "evt_r", &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(db_commit(d), 0);
	before = written();
	ck_assert_int_eq(order_ship(d, a, o->id, NULL, &got), ACTION_REFUSED);
	ck_assert_int_eq(got->state, ORDER_REFUNDED);
	ck_assert_str_eq(written(), before);
}
END_TEST

START_TEST(bad_details_refused_before_reading)
{
	static const struct order_shipment bad[] = {
		{ "", NULL, NULL },
		{ "a\nb", NULL, NULL },
		{ NULL, "tab\there", NULL },
		{ NULL, NULL, "javascript:alert(1)" },
		{ NULL, NULL, "ftp://x.example/" },
		{ NULL, NULL, "https://" },
		{ NULL, NULL, "https://x.example/a b" },
		{ NULL, NULL, "" },
	};
	struct order	*o = paid("cs_1"), *got;
	char		*before = written();
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got = o;
		ck_assert_msg(order_ship(d, a, o->id, &bad[i], &got) ==
		    ACTION_INVALID, "shipment %zu", i);
		ck_assert_ptr_null(got);
	}
	ck_assert_str_eq(written(), before);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PAID);
}
END_TEST

START_TEST(bad_unknown_order)
{
	struct order	*got = (struct order *)1;
	char		*before = written();

	ck_assert_int_eq(order_ship(d, a, 4242, NULL, &got), ACTION_NOT_FOUND);
	ck_assert_ptr_null(got);
	ck_assert(!db_in_write(d));
	ck_assert_str_eq(written(), before);
}
END_TEST

START_TEST(field_checks)
{
	char	long_text[ORDER_SHIP_TEXT_MAX + 2], long_url[ORDER_SHIP_URL_MAX + 2];

	ck_assert(order_ship_text_ok("La Poste"));
	ck_assert(order_ship_text_ok("Colis \xc3\xa9tranger"));
	ck_assert(!order_ship_text_ok(""));
	ck_assert(!order_ship_text_ok(NULL));
	ck_assert(!order_ship_text_ok("a\nb"));
	ck_assert(!order_ship_text_ok("bad \xc3"));
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[ORDER_SHIP_TEXT_MAX] = '\0';
	ck_assert(order_ship_text_ok(long_text));
	long_text[ORDER_SHIP_TEXT_MAX] = 'x';
	long_text[ORDER_SHIP_TEXT_MAX + 1] = '\0';
	ck_assert(!order_ship_text_ok(long_text));

	ck_assert(order_ship_url_ok("https://track.example/8X1?a=b&c=d"));
	ck_assert(order_ship_url_ok("http://t.example"));
	ck_assert(!order_ship_url_ok("http://"));
	ck_assert(!order_ship_url_ok("HTTPS://t.example"));
	ck_assert(!order_ship_url_ok("//t.example"));
	ck_assert(!order_ship_url_ok("https://t.example/\x01"));
	ck_assert(!order_ship_url_ok(NULL));
	memcpy(long_url, "https://", 8);
	memset(long_url + 8, 'x', sizeof(long_url) - 9);
	long_url[ORDER_SHIP_URL_MAX] = '\0';
	ck_assert(order_ship_url_ok(long_url));
	long_url[ORDER_SHIP_URL_MAX] = 'x';
	long_url[ORDER_SHIP_URL_MAX + 1] = '\0';
	ck_assert(!order_ship_url_ok(long_url));
}
END_TEST

START_TEST(names_match_their_enum)
{
	int	i;

	for (i = 0; i < ACTION__MAX; i++)
		ck_assert_ptr_nonnull(order_action_names[i]);
	ck_assert_str_eq(order_action_names[ACTION_DONE], "done");
	ck_assert_str_eq(order_action_names[ACTION_ERROR], "error");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ship");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, paid_order_shipped_with_its_mail);
	tcase_add_test(tc, shipped_without_details);
	tcase_add_test(tc, shipped_twice_changes_nothing);
	tcase_add_test(tc, bad_unpaid_or_cancelled_refused);
	tcase_add_test(tc, bad_refunded_refused);
	tcase_add_test(tc, bad_details_refused_before_reading);
	tcase_add_test(tc, bad_unknown_order);
	tcase_add_test(tc, field_checks);
	tcase_add_test(tc, names_match_their_enum);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
