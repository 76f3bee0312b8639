/*
 * Unit tests: webhook events taken in by the library (lib/shop/payment.c,
 * payment_apply_event() and payment_receive_event()): which event moves
 * an order how, each stored once with its outcome in the same write as
 * its effect, and nothing at all kept when that write cannot be made.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "ext/stripe.h"
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

	snprintf(dir, sizeof(dir), "/tmp/shop-pevent-XXXXXX");
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

static long long
stock(void)
{
	return count("SELECT stock FROM variants WHERE id = 1");
}

/* A pending order for 2 mugs with session sid recorded. */
static struct order *
pending(const char *sid)
{
	long long		 ids[1] = { 1 }, qs[1] = { 2 }, until;
	struct order_input	 in = {
		.email = "a@example.test",
		.ship = { "A", "1", "", "C", "1", "DE" },
		.shipping_code = "std", .variant_ids = ids, .quantities = qs,
		.nlines = 1, .hold_seconds = 600,
	};
	struct order		*o;
	enum order_state	 st;

	ck_assert_int_eq(order_create(d, a, &in, &o, NULL), CREATE_OK);
	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 600, &until, &st),
	    1);
	ck_assert_int_eq(order_set_session(d, o->id, 1, sid, "http://x/pay",
	    until), 0);
	return order_by_id(d, a, o->id);
}

/* An event of type t about o's session, as stripe_event_parse() gives. */
static struct stripe_event
event(const char *id, enum stripe_event_type t, const struct order *o,
    enum stripe_payment_status paid)
{
	static struct stripe_kv	 kv[2];
	struct stripe_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.id = id;
	ev.type = t;
	ev.type_name = stripe_event_type_names[t];
	ev.object_type = t == STRIPE_EVENT_CHARGE_REFUNDED ? "charge" :
	    "checkout.session";
	ev.session.id = o->session_id;
	ev.session.status = t == STRIPE_EVENT_SESSION_EXPIRED ?
	    STRIPE_SESSION_EXPIRED : STRIPE_SESSION_COMPLETE;
	ev.session.payment_status = paid;
	ev.session.amount_total = o->total;
	ev.session.currency = "eur";
	ev.session.payment_intent = "pi_1";
	kv[0] = (struct stripe_kv){ "order_id", arena_printf(a, "%lld",
	    o->id) };
	kv[1] = (struct stripe_kv){ "order_token", o->token };
	ev.session.metadata = kv;
	ev.session.nmetadata = 2;
	return ev;
}

/* Receive ev, wanting the receipt and (when applied) the outcome. */
static void
receive(const struct stripe_event *ev, const char *payload,
    enum payment_receipt want, enum order_outcome want_out,
    long long want_oid)
{
	enum order_outcome	out;
	long long		oid;

	ck_assert_int_eq(payment_receive_event(d, a, ev, payload, &out, &oid),
	    want);
	ck_assert_int_eq(out, want_out);
	ck_assert_int_eq(oid, want_oid);
	ck_assert(!db_in_write(d));
}

START_TEST(paid_stored_once_with_its_effect)
{
	struct order		*o = pending("cs_1");
	struct stripe_event	 ev = event("evt_1",
	    STRIPE_EVENT_SESSION_COMPLETED, o, STRIPE_PAYMENT_PAID);

	receive(&ev, "{\"id\":\"evt_1\"}", RECEIPT_APPLIED, OUTCOME_APPLIED,
	    o->id);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PAID);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events WHERE "
	    "event_id = 'evt_1' AND type = 'checkout.session.completed' AND "
	    "session_id = 'cs_1' AND outcome = 'applied' AND order_id = 1 AND "
	    "payload = '{\"id\":\"evt_1\"}'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM order_events WHERE "
	    "to_state = 'paid' AND source = 'webhook' AND ref = 'evt_1'"), 1);
	/* The confirmation is queued in the same write. */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE "
	    "target = 'job' AND name = 'send_mail' AND unique_key = "
	    "'mail:order-confirmation:1'"), 1);
	/* And the merchant's, to the address the worker knows. */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE "
	    "target = 'job' AND name = 'send_mail' AND unique_key = "
	    "'mail:order-new:1' AND json_extract(payload, '$.merchant') = 1 "
	    "AND json_extract(payload, '$.to') IS NULL"), 1);
	/* The same event again: acknowledged, nothing written. */
	receive(&ev, "{\"id\":\"evt_1\"}", RECEIPT_DUPLICATE, OUTCOME_ERROR,
	    0);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM order_events"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE "
	    "target = 'job'"), 2);
	/* Another event telling the same: stored, changes nothing. */
	ev.id = "evt_2";
	ev.type = STRIPE_EVENT_SESSION_ASYNC_SUCCEEDED;
	ev.type_name = "checkout.session.async_payment_succeeded";
	receive(&ev, "{}", RECEIPT_APPLIED, OUTCOME_ALREADY, o->id);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events WHERE "
	    "event_id = 'evt_2' AND outcome = 'already'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM payments"), 1);
}
END_TEST

/* Each kind of event, applied in the caller's write. */
START_TEST(events_map_to_their_moves)
{
	struct order		*o = pending("cs_p"), *o2, *o3;
	struct stripe_event	 ev;
	long long		 oid;

	ck_assert_int_eq(stock(), 8);
	ck_assert_int_eq(db_begin(d), 0);
	/* Completed but unpaid: the money is on its way. */
	ev = event("evt_p", STRIPE_EVENT_SESSION_COMPLETED, o,
	    STRIPE_PAYMENT_UNPAID);
	ck_assert_int_eq(payment_apply_event(d, a, &ev, &oid),
	    OUTCOME_APPLIED);
	ck_assert_int_eq(oid, o->id);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PENDING);
	ck_assert_str_eq(order_by_id(d, a, o->id)->payment_intent, "pi_1");
	/* Completed with no payment required: nothing to do. */
	ev = event("evt_n", STRIPE_EVENT_SESSION_COMPLETED, o,
	    STRIPE_PAYMENT_NO_PAYMENT_REQUIRED);
	ck_assert_int_eq(payment_apply_event(d, a, &ev, &oid),
	    OUTCOME_IGNORED);
	ck_assert_int_eq(oid, 0);
	/* The asynchronous payment failed: cancelled, stock back. */
	ev = event("evt_f", STRIPE_EVENT_SESSION_ASYNC_FAILED, o,
	    STRIPE_PAYMENT_UNPAID);
	ck_assert_int_eq(payment_apply_event(d, a, &ev, &oid),
	    OUTCOME_APPLIED);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_CANCELLED);
	ck_assert_int_eq(count("SELECT count(*) FROM order_events WHERE "
	    "to_state = 'cancelled' AND cause = 'the payment failed' AND "
	    "ref = 'evt_f'"), 1);
	ck_assert_int_eq(stock(), 10);
	ck_assert_int_eq(db_commit(d), 0);

	o2 = pending("cs_e");
	ck_assert_int_eq(db_begin(d), 0);
	ev = event("evt_e", STRIPE_EVENT_SESSION_EXPIRED, o2,
	    STRIPE_PAYMENT_UNPAID);
	ck_assert_int_eq(payment_apply_event(d, a, &ev, &oid),
	    OUTCOME_APPLIED);
	ck_assert_int_eq(oid, o2->id);
	ck_assert_int_eq(count("SELECT count(*) FROM order_events WHERE "
	    "to_state = 'cancelled' AND cause = 'the time to pay ended'"), 1);
	ck_assert_int_eq(db_commit(d), 0);

	/* Paid, then refunded in part, then in full. */
	o3 = pending("cs_r");
	ck_assert_int_eq(db_begin(d), 0);
	ev = event("evt_r0", STRIPE_EVENT_SESSION_ASYNC_SUCCEEDED, o3,
	    STRIPE_PAYMENT_PAID);
	ev.session.payment_intent = "pi_3";
	ck_assert_int_eq(payment_apply_event(d, a, &ev, &oid),
	    OUTCOME_APPLIED);
	ev = event("evt_r1", STRIPE_EVENT_CHARGE_REFUNDED, o3,
	    STRIPE_PAYMENT_PAID);
	ev.charge.payment_intent = "pi_3";
	ev.charge.amount_refunded = 500;
	ck_assert_int_eq(payment_apply_event(d, a, &ev, &oid),
	    OUTCOME_APPLIED);
	ck_assert_int_eq(oid, o3->id);
	ck_assert_int_eq(order_by_id(d, a, o3->id)->state,
	    ORDER_PARTIALLY_REFUNDED);
	ev.id = "evt_r2";
	ev.charge.amount_refunded = o3->total;
	ck_assert_int_eq(payment_apply_event(d, a, &ev, &oid),
	    OUTCOME_APPLIED);
	ck_assert_int_eq(order_by_id(d, a, o3->id)->state, ORDER_REFUNDED);
	/* Any other type is acknowledged and changes nothing. */
	ev = event("evt_o", STRIPE_EVENT_OTHER, o3, STRIPE_PAYMENT_PAID);
	ck_assert_int_eq(payment_apply_event(d, a, &ev, &oid),
	    OUTCOME_IGNORED);
	ck_assert_int_eq(oid, 0);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(order_by_id(d, a, o3->id)->state, ORDER_REFUNDED);
}
END_TEST

START_TEST(bad_events_recorded_as_such)
{
	struct order		*o = pending("cs_1");
	struct stripe_event	 ev;

	/* A session that matches no order: stored as such, audited. */
	ev = event("evt_u", STRIPE_EVENT_SESSION_COMPLETED, o,
	    STRIPE_PAYMENT_PAID);
	ev.session.id = "cs_nobody";
	ev.session.nmetadata = 0;
	receive(&ev, "{}", RECEIPT_APPLIED, OUTCOME_UNKNOWN_ORDER, 0);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events WHERE "
	    "event_id = 'evt_u' AND outcome = 'unknown_order' AND "
	    "order_id IS NULL AND session_id = 'cs_nobody'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE "
	    "kind = 'unknown_order'"), 1);
	/* An amount that disagrees: stored, not applied. */
	ev = event("evt_m", STRIPE_EVENT_SESSION_COMPLETED, o,
	    STRIPE_PAYMENT_PAID);
	ev.session.amount_total = o->total + 1;
	receive(&ev, "{}", RECEIPT_APPLIED, OUTCOME_MISMATCH, o->id);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PENDING);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events WHERE "
	    "event_id = 'evt_m' AND outcome = 'mismatch'"), 1);
	/* Not about a session: no session id is stored with it. */
	ev = event("evt_c", STRIPE_EVENT_CHARGE_REFUNDED, o,
	    STRIPE_PAYMENT_PAID);
	ev.charge.payment_intent = "pi_nobody";
	ev.charge.amount_refunded = 10;
	receive(&ev, "{}", RECEIPT_APPLIED, OUTCOME_UNKNOWN_ORDER, 0);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events WHERE "
	    "event_id = 'evt_c' AND session_id IS NULL"), 1);
}
END_TEST

/* A write that fails keeps nothing: the gateway sends the event again. */
START_TEST(bad_write_keeps_nothing)
{
	struct order		*o = pending("cs_1");
	struct stripe_event	 ev = event("evt_1",
	    STRIPE_EVENT_SESSION_COMPLETED, o, STRIPE_PAYMENT_PAID);
	struct db		*other;
	char			 err[256];
	long long		 outbox = count("SELECT count(*) FROM outbox");

	/* The schema refuses a payload that is not JSON: rolled back. */
	receive(&ev, "not json", RECEIPT_FAILED, OUTCOME_ERROR, 0);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events"), 0);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PENDING);
	/* Another process holds the write lock past the timeout: busy. */
	other = db_open(dir, DB_PRIMARY, 0, err, sizeof(err));
	ck_assert_msg(other != NULL, "%s", err);
	ck_assert_int_eq(db_begin(other), 0);
	receive(&ev, "{}", RECEIPT_BUSY, OUTCOME_ERROR, 0);
	db_rollback(other);
	db_close(other);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), outbox);
	/* Sent again, it is applied once. */
	receive(&ev, "{}", RECEIPT_APPLIED, OUTCOME_APPLIED, o->id);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PAID);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events"), 1);
}
END_TEST

START_TEST(names_match_their_enum)
{
	int	i;

	for (i = 0; i < RECEIPT__MAX; i++)
		ck_assert_ptr_nonnull(payment_receipt_names[i]);
	ck_assert_str_eq(payment_receipt_names[RECEIPT_APPLIED], "applied");
	ck_assert_str_eq(payment_receipt_names[RECEIPT_FAILED], "failed");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("payment_event");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, paid_stored_once_with_its_effect);
	tcase_add_test(tc, events_map_to_their_moves);
	tcase_add_test(tc, bad_events_recorded_as_such);
	tcase_add_test(tc, bad_write_keeps_nothing);
	tcase_add_test(tc, names_match_their_enum);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
