/*
 * Unit tests: order creation with stock held, the state machine, and
 * payment facts applied idempotently (duplicates, late and out-of-order
 * facts, amounts that disagree, unknown orders, refunds).
 */
#include <sys/wait.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/order.h"
#include "shop/payment.h"
#include "shop/pricing.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

static const char seed_sql[] =
    "INSERT INTO categories (id, slug, name) VALUES (1, 'mugs', 'Mugs');"
    "INSERT INTO products (id, slug, name, category_id) VALUES "
    " (1, 'blue-mug', 'Blue mug', 1), (2, 'red-mug', 'Red mug', 1);"
    "INSERT INTO variants (id, product_id, sku, title, price, currency, stock) "
    " VALUES (1, 1, 'BM', 'Default', 1250, 'EUR', 10),"
    " (2, 2, 'RM', 'Default', 900, 'EUR', 5);"
    "INSERT INTO shipping_methods (code, name, price, currency, free_over) "
    " VALUES ('standard', 'Standard', 495, 'EUR', 5000);"
    "INSERT INTO tax_rates (country, name, rate_bp, inclusive) VALUES "
    " ('FR', 'TVA', 2000, 1), ('US', 'Sales tax', 800, 0);";

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-order-XXXXXX");
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
stock_of(long long vid)
{
	sqlite3_stmt	*st;
	long long	 n;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(d),
	    "SELECT stock FROM variants WHERE id = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, vid);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
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

static struct order *
place(const char *country, long long vid, long long qty, const char *key,
    enum order_create_result want)
{
	long long		 ids[1] = { vid }, qs[1] = { qty };
	struct order_input	 in = {
		.email = "ann@example.test",
		.checkout_key = key,
		.ship = { "Ann", "1 Rue X", "", "Paris", "75001", (char *)country },
		.shipping_code = "standard",
		.variant_ids = ids, .quantities = qs, .nlines = 1,
		.hold_seconds = 1800,
	};
	struct order		*o = NULL;
	struct quote		 q;

	ck_assert_int_eq(order_create(d, a, &in, &o, &q), want);
	return o;
}

START_TEST(quote_inclusive_and_exclusive)
{
	long long	ids[2] = { 1, 2 }, qs[2] = { 2, 1 };
	struct quote	q;

	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "standard", "FR", &q), 0);
	ck_assert_int_eq(q.problem, QUOTE_OK);
	ck_assert_int_eq(q.subtotal, 3400);
	ck_assert_int_eq(q.shipping, 495);
	/* 20% included: 2500*2000/12000 = 416.67, 900 -> 150, 495 -> 82.5 */
	ck_assert_int_eq(q.lines[0].tax, 417);
	ck_assert_int_eq(q.lines[1].tax, 150);
	ck_assert_int_eq(q.tax, 417 + 150 + 83);
	ck_assert_int_eq(q.total, 3895);
	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "standard", "US", &q), 0);
	/* 8% added: 200 + 72 + 39.6 */
	ck_assert_int_eq(q.tax, 200 + 72 + 40);
	ck_assert_int_eq(q.total, 3400 + 495 + 312);
	/* Free shipping from 50.00. */
	qs[0] = 4;
	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "standard", "DE", &q), 0);
	ck_assert_int_eq(q.shipping, 0);
	ck_assert_int_eq(q.tax, 0);
	ck_assert_int_eq(q.total, 5900);
}
END_TEST

START_TEST(quote_problems)
{
	long long	ids[1] = { 2 }, qs[1] = { 6 }, gone[1] = { 99 };
	struct quote	q;

	ck_assert_int_eq(quote_build(d, a, ids, qs, 1, "standard", "FR", &q), 0);
	ck_assert_int_eq(q.problem, QUOTE_SOLD_OUT);
	ck_assert_int_eq(quote_build(d, a, gone, qs, 1, "standard", "FR", &q), 0);
	ck_assert_int_eq(q.problem, QUOTE_UNAVAILABLE);
	qs[0] = 1;
	ck_assert_int_eq(quote_build(d, a, ids, qs, 1, "teleport", "FR", &q), 0);
	ck_assert_int_eq(q.problem, QUOTE_NO_SHIPPING);
	ck_assert_int_eq(quote_build(d, a, ids, qs, 0, "standard", "FR", &q), 0);
	ck_assert_int_eq(q.problem, QUOTE_EMPTY);
	ck_assert_int_eq(db_exec(d, "UPDATE products SET active = 0 WHERE id = 2"), 0);
	ck_assert_int_eq(quote_build(d, a, ids, qs, 1, "standard", "FR", &q), 0);
	ck_assert_int_eq(q.problem, QUOTE_UNAVAILABLE);
}
END_TEST

START_TEST(create_reserves_stock)
{
	struct order	*o = place("FR", 2, 3, "k1", CREATE_OK), *again;

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(o->state, ORDER_PENDING);
	ck_assert_str_eq(o->number, "SF-000001");
	ck_assert_uint_eq(strlen(o->token), 32);
	ck_assert_int_eq(o->total, 2700 + 495);
	ck_assert_uint_eq(o->nlines, 1);
	ck_assert_str_eq(o->lines[0].sku, "RM");
	ck_assert_int_eq(stock_of(2), 2);
	/* The same checkout key again: the same order, no more stock. */
	again = place("FR", 2, 1, "k1", CREATE_EXISTS);
	ck_assert_int_eq(again->id, o->id);
	ck_assert_int_eq(stock_of(2), 2);
	/* More than is left: refused, nothing written. */
	ck_assert_ptr_null(place("FR", 2, 3, "k2", CREATE_REFUSED));
	ck_assert_int_eq(stock_of(2), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM orders"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM order_events"), 1);
}
END_TEST

/* Twelve processes race for the last five units: exactly five win. */
START_TEST(last_units_race)
{
	pid_t	pids[12];
	int	i, status, won = 0;

	for (i = 0; i < 12; i++) {
		if ((pids[i] = fork()) == 0) {
			char		 err[256], key[16];
			struct db	*c = db_open(dir, DB_PRIMARY, 0, err,
			    sizeof(err));
			struct arena	*ca = arena_new();
			long long	 ids[1] = { 2 }, qs[1] = { 1 };
			struct order_input in = {
				.email = "x@example.test", .checkout_key = key,
				.ship = { "X", "1", "", "C", "1", "FR" },
				.shipping_code = "standard",
				.variant_ids = ids, .quantities = qs,
				.nlines = 1, .hold_seconds = 60,
			};
			struct order	*o;
			int		 rc;

			snprintf(key, sizeof(key), "race%d", i);
			rc = order_create(c, ca, &in, &o, NULL);
			db_close(c);
			arena_free(ca);
			_exit(rc == CREATE_OK ? 0 : rc == CREATE_REFUSED ? 1 : 2);
		}
	}
	for (i = 0; i < 12; i++) {
		waitpid(pids[i], &status, 0);
		ck_assert(WIFEXITED(status));
		ck_assert_int_ne(WEXITSTATUS(status), 2);
		won += WEXITSTATUS(status) == 0;
	}
	ck_assert_int_eq(won, 5);
	ck_assert_int_eq(stock_of(2), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM orders"), 5);
}
END_TEST

START_TEST(state_machine)
{
	ck_assert(order_transition_ok(ORDER_PENDING, ORDER_PAID));
	ck_assert(order_transition_ok(ORDER_PAID, ORDER_FULFILLED));
	ck_assert(order_transition_ok(ORDER_CANCELLED, ORDER_PAID));
	ck_assert(!order_transition_ok(ORDER_PAID, ORDER_PENDING));
	ck_assert(!order_transition_ok(ORDER_PAID, ORDER_CANCELLED));
	ck_assert(!order_transition_ok(ORDER_FULFILLED, ORDER_PAID));
	ck_assert(!order_transition_ok(ORDER_REFUNDED, ORDER_PAID));
	ck_assert(!order_transition_ok(ORDER_PENDING, ORDER_REFUNDED));
	ck_assert(!order_transition_ok(ORDER_STATE__MAX, ORDER_PAID));
	ck_assert_int_eq(order_state_from_name("paid"), ORDER_PAID);
	ck_assert_int_eq(order_state_from_name("nope"), ORDER_STATE__MAX);
}
END_TEST

static struct payment_fact
fact_for(const struct order *o, const char *sid, long long amount)
{
	struct payment_fact f = {
		.session_id = sid, .payment_intent = "pi_1", .amount = amount,
		.currency = "eur", .order_id = o->id, .order_token = o->token,
		.source = SOURCE_WEBHOOK, .ref = "evt_1",
	};

	return f;
}

START_TEST(paid_once)
{
	struct order		*o = place("FR", 1, 1, NULL, CREATE_OK);
	struct payment_fact	 f;
	long long		 oid;
	int			 attempt;
	enum order_state	 st;
	long long		 until, until2;

	attempt = order_begin_attempt(d, o->id, "", 1800, &until, &st);
	ck_assert_int_eq(attempt, 1);
	/* No session recorded yet: the same attempt and expiry again. */
	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 1900, &until2, &st), 1);
	ck_assert_int_eq(until2, until);
	ck_assert_int_eq(order_set_session(d, o->id, 1, "cs_1", "http://x/pay",
	    (long long)time(NULL) + 3600), 0);
	/* A stale attempt cannot overwrite the session. */
	ck_assert_int_eq(order_set_session(d, o->id, 0, "cs_0", "u", 0), -1);
	f = fact_for(o, "cs_1", o->total);
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(oid, o->id);
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_ALREADY);
	o = order_by_id(d, a, o->id);
	ck_assert_int_eq(o->state, ORDER_PAID);
	ck_assert_int_eq(o->amount_paid, o->total);
	ck_assert_str_eq(o->payment_intent, "pi_1");
	ck_assert_int_eq(count("SELECT count(*) FROM payments"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM order_events"), 2);
	/* No new attempt for a paid order. */
	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 1800, &until, &st), -1);
	ck_assert_int_eq(st, ORDER_PAID);
	/* A second session paying the same order is a double charge. */
	f = fact_for(o, "cs_other", o->total);
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_IGNORED);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE "
	    "kind = 'double_payment'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM payments"), 1);
}
END_TEST

/*
 * Two requests start paying for one order at once (a double click): the
 * first records its session while the second still holds the order as
 * it read it, without one. The second must not begin another attempt,
 * which would leave two payable sessions for one order.
 */
START_TEST(attempt_from_stale_order)
{
	struct order		*o = place("FR", 1, 1, NULL, CREATE_OK);
	long long		 until, until2;
	enum order_state	 st;

	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 1800, &until, &st),
	    1);
	ck_assert_int_eq(order_set_session(d, o->id, 1, "cs_first", "u",
	    until), 0);
	/* Read before cs_first was recorded: told to look again. */
	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 1800, &until2,
	    &st), ORDER_ATTEMPT_CHANGED);
	o = order_by_id(d, a, o->id);
	ck_assert_int_eq(o->payment_attempt, 1);
	ck_assert_str_eq(o->session_id, "cs_first");
	/* Whoever saw cs_first unusable (expired) may begin the next. */
	ck_assert_int_eq(order_begin_attempt(d, o->id, "cs_first", 1800,
	    &until2, &st), 2);
	ck_assert_str_eq(order_by_id(d, a, o->id)->session_id, "");
	/* And a caller still holding cs_first now looks again too. */
	ck_assert_int_eq(order_begin_attempt(d, o->id, "cs_first", 1800,
	    &until2, &st), ORDER_ATTEMPT_CHANGED);
	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 1800, &until2,
	    &st), 2);
}
END_TEST

/*
 * The gateway refused attempt 1's key (first used with other session
 * parameters by another generation, whose answer was lost): the order
 * moves to attempt 2, unless it moved on meanwhile.
 */
START_TEST(attempt_skipped)
{
	struct order		*o = place("FR", 1, 1, NULL, CREATE_OK);
	sqlite3_stmt		*up;
	long long		 until, until2;
	enum order_state	 st;

	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 1800, &until, &st),
	    1);
	/* Only the attempt the caller tried can be given up. */
	ck_assert_int_eq(order_skip_attempt(d, o->id, 0, 1800, &until2, &st),
	    ORDER_ATTEMPT_CHANGED);
	ck_assert_int_eq(order_skip_attempt(d, o->id, 1, 1800, &until2, &st),
	    2);
	ck_assert_int_ge(until2, until);
	ck_assert_int_eq(order_by_id(d, a, o->id)->payment_attempt, 2);
	/* Another request skipped it first: look again. */
	ck_assert_int_eq(order_skip_attempt(d, o->id, 1, 1800, &until2, &st),
	    ORDER_ATTEMPT_CHANGED);
	/* A session recorded for the attempt: it is not given up. */
	ck_assert_int_eq(order_set_session(d, o->id, 2, "cs_2", "u", until2),
	    0);
	ck_assert_int_eq(order_skip_attempt(d, o->id, 2, 1800, &until2, &st),
	    ORDER_ATTEMPT_CHANGED);
	ck_assert_str_eq(order_by_id(d, a, o->id)->session_id, "cs_2");
	/* Nor is a paid order's. */
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(d), "UPDATE orders SET "
	    "state = 'paid' WHERE id = ?", -1, &up, NULL), SQLITE_OK);
	sqlite3_bind_int64(up, 1, o->id);
	ck_assert_int_eq(sqlite3_step(up), SQLITE_DONE);
	sqlite3_finalize(up);
	ck_assert_int_eq(order_skip_attempt(d, o->id, 2, 1800, &until2, &st),
	    -1);
	ck_assert_int_eq(st, ORDER_PAID);
}
END_TEST

START_TEST(paid_by_metadata_before_session_known)
{
	struct order		*o = place("FR", 1, 1, NULL, CREATE_OK);
	struct payment_fact	 f = fact_for(o, "cs_lost", o->total);
	long long		 oid;

	/* The session id was never stored: metadata id and token match. */
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	ck_assert_str_eq(order_by_id(d, a, o->id)->session_id, "cs_lost");
	/* A right id with a wrong token matches nothing. */
	o = place("FR", 1, 1, NULL, CREATE_OK);
	f = fact_for(o, "cs_forged", o->total);
	f.order_token = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_UNKNOWN_ORDER);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PENDING);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE "
	    "kind = 'unknown_order'"), 1);
}
END_TEST

START_TEST(amount_mismatch)
{
	struct order		*o = place("FR", 1, 1, NULL, CREATE_OK);
	struct payment_fact	 f = fact_for(o, "cs_m", o->total - 1);
	long long		 oid;

	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_MISMATCH);
	f = fact_for(o, "cs_m", o->total);
	f.currency = "usd";
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_MISMATCH);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PENDING);
	ck_assert_int_eq(count("SELECT count(*) FROM payments"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE "
	    "kind = 'amount_mismatch'"), 2);
}
END_TEST

START_TEST(expired_then_paid)
{
	struct order		*o = place("FR", 2, 5, NULL, CREATE_OK);
	struct payment_fact	 f;
	long long		 oid, until;
	enum order_state	 st;

	ck_assert_int_eq(stock_of(2), 0);
	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 1800, &until, &st), 1);
	ck_assert_int_eq(order_set_session(d, o->id, 1, "cs_e", "u", 0), 0);
	o = order_by_id(d, a, o->id);
	f = fact_for(o, "cs_old_attempt", o->total);
	/* An older session expiring does not cancel the order. */
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(payment_apply_void(d, a, &f, "expired", &oid),
	    OUTCOME_IGNORED);
	ck_assert_int_eq(oid, o->id);
	db_rollback(d);
	f = fact_for(o, "cs_e", o->total);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(payment_apply_void(d, a, &f, "session expired", &oid),
	    OUTCOME_APPLIED);
	ck_assert_int_eq(payment_apply_void(d, a, &f, "session expired", &oid),
	    OUTCOME_ALREADY);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(stock_of(2), 5);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_CANCELLED);
	/* Three units sell to someone else; then the money arrives. */
	place("FR", 2, 3, NULL, CREATE_OK);
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	o = order_by_id(d, a, o->id);
	ck_assert_int_eq(o->state, ORDER_PAID);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE "
	    "kind = 'paid_after_cancel' AND detail LIKE '%5 unit(s)%'"), 1);
	ck_assert_int_ge(stock_of(2), 0);
}
END_TEST

START_TEST(processing_is_recorded)
{
	struct order		*o = place("FR", 1, 1, NULL, CREATE_OK);
	struct payment_fact	 f;
	long long		 oid, until;
	enum order_state	 st;

	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 1800, &until, &st), 1);
	ck_assert_int_eq(order_set_session(d, o->id, 1, "cs_p", "u",
	    (long long)time(NULL) + 3600), 0);
	/* An open session: no payment is known to be on its way. */
	ck_assert_str_eq(order_by_id(d, a, o->id)->payment_intent, "");
	o = order_by_id(d, a, o->id);
	f = fact_for(o, "cs_p", o->total);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(payment_apply_processing(d, a, &f, &oid),
	    OUTCOME_APPLIED);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(oid, o->id);
	o = order_by_id(d, a, o->id);
	ck_assert_int_eq(o->state, ORDER_PENDING);
	ck_assert_str_eq(o->payment_intent, "pi_1");
	ck_assert_int_ge(o->reserved_until, (long long)time(NULL) + 2 * 86400);
	/* The money arrives. */
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PAID);
}
END_TEST

START_TEST(refunds)
{
	struct order		*o = place("FR", 1, 2, NULL, CREATE_OK);
	struct payment_fact	 f = fact_for(o, "cs_r", o->total);
	long long		 oid;

	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(payment_apply_refund(d, a, "pi_1", 1000,
	    SOURCE_WEBHOOK, "evt_r1", &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(payment_apply_refund(d, a, "pi_1", 1000,
	    SOURCE_WEBHOOK, "evt_r1", &oid), OUTCOME_ALREADY);
	ck_assert_int_eq(payment_apply_refund(d, a, "pi_1", o->total + 1,
	    SOURCE_WEBHOOK, "evt_r2", &oid), OUTCOME_MISMATCH);
	ck_assert_int_eq(payment_apply_refund(d, a, "pi_unknown", 10,
	    SOURCE_WEBHOOK, "evt_r3", &oid), OUTCOME_UNKNOWN_ORDER);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state,
	    ORDER_PARTIALLY_REFUNDED);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(payment_apply_refund(d, a, "pi_1", o->total,
	    SOURCE_WEBHOOK, "evt_r4", &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(db_commit(d), 0);
	o = order_by_id(d, a, o->id);
	ck_assert_int_eq(o->state, ORDER_REFUNDED);
	ck_assert_int_eq(o->amount_refunded, o->total);
	/* A late "paid" changes nothing any more. */
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_ALREADY);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_REFUNDED);
}
END_TEST

/*
 * The success page, reconcile and the expiry of holds settle a paid
 * session through payment_settle(): only reconcile's marking an order
 * paid is a repair for the audit log, and only once.
 */
START_TEST(settled_by_reconcile_is_a_repair)
{
	struct order		*o = place("FR", 1, 1, NULL, CREATE_OK);
	struct order		*o2 = place("FR", 1, 1, NULL, CREATE_OK);
	struct payment_fact	 f = fact_for(o, "cs_rec", o->total);
	long long		 oid;

	f.source = SOURCE_RECONCILE;
	f.ref = "reconcile";
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(oid, o->id);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PAID);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE "
	    "kind = 'repaired' AND actor = 'reconcile' AND detail = 'session "
	    "cs_rec was paid at the gateway but not here; marked paid'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM order_events WHERE "
	    "to_state = 'paid' AND source = 'reconcile' AND ref = "
	    "'reconcile'"), 1);
	/* Again: nothing moves, nothing more is said. */
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_ALREADY);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE "
	    "kind = 'repaired'"), 1);
	/* The success page paying an order is no repair. */
	f = fact_for(o2, "cs_page", o2->total);
	f.source = SOURCE_SUCCESS_PAGE;
	f.ref = NULL;
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE "
	    "kind = 'repaired'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM order_events WHERE "
	    "to_state = 'paid' AND source = 'success_page' AND ref = "
	    "'cs_page'"), 1);
	/* Nor is a fact reconcile finds disagreeing: it is not applied. */
	o = place("FR", 1, 1, NULL, CREATE_OK);
	f = fact_for(o, "cs_short", o->total - 1);
	f.source = SOURCE_RECONCILE;
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_MISMATCH);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE "
	    "kind = 'repaired'"), 1);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PENDING);
}
END_TEST

START_TEST(events_stored_once)
{
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_gt(payment_event_store(d, "evt_A", "x", "cs", "{}"), 0);
	ck_assert_int_eq(payment_event_store(d, "evt_A", "x", "cs", "{}"), 0);
	ck_assert_int_eq(payment_event_store(d, "evt_B", "x", NULL, "not json"),
	    -1);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events"), 1);
	/* Records are never deleted. */
	ck_assert_int_ne(db_exec(d, "DELETE FROM payment_events"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM payment_events"), 1);
}
END_TEST

START_TEST(recovered)
{
	struct recovered_line	 l[2] = { { "Blue mug", 1250, 2 },
	    { "Shipping", 495, 1 } };
	struct order		*o, *o2;
	const char		*tok = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

	ck_assert_int_eq(db_begin(d), 0);
	/* Id 7 was never used here: the order gets it back. */
	o = order_recover(d, a, 7, tok, "lost@example.test", "EUR", 2995, l, 2);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(o->id, 7);
	ck_assert_str_eq(o->token, tok);
	ck_assert(o->recovered);
	ck_assert_uint_eq(o->nlines, 2);
	ck_assert_int_eq(o->total, 2995);
	ck_assert_int_eq(o->subtotal, 2995);
	/* Id 7 is taken now, and so is the token: new ones. */
	o2 = order_recover(d, a, 7, tok, NULL, "EUR", 100, l, 2);
	ck_assert_ptr_nonnull(o2);
	ck_assert_int_eq(o2->id, 8);
	ck_assert_str_ne(o2->token, tok);
	ck_assert_str_eq(o2->email, "unknown@invalid");
	/* Items that do not sum to what was paid become one line. */
	ck_assert_uint_eq(o2->nlines, 1);
	ck_assert_int_eq(o2->lines[0].line_total, 100);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(count("SELECT seq FROM sqlite_sequence WHERE "
	    "name = 'orders'"), 8);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("order");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, quote_inclusive_and_exclusive);
	tcase_add_test(tc, quote_problems);
	tcase_add_test(tc, create_reserves_stock);
	tcase_add_test(tc, last_units_race);
	tcase_add_test(tc, state_machine);
	tcase_add_test(tc, paid_once);
	tcase_add_test(tc, attempt_from_stale_order);
	tcase_add_test(tc, attempt_skipped);
	tcase_add_test(tc, paid_by_metadata_before_session_known);
	tcase_add_test(tc, amount_mismatch);
	tcase_add_test(tc, expired_then_paid);
	tcase_add_test(tc, processing_is_recorded);
	tcase_add_test(tc, refunds);
	tcase_add_test(tc, settled_by_reconcile_is_a_repair);
	tcase_add_test(tc, events_stored_once);
	tcase_add_test(tc, recovered);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
