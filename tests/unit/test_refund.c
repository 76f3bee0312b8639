/*
 * Unit tests: refunds asked and recorded (lib/shop/refund.h) without the
 * gateway: the amounts (all that is left, an amount, lines at their
 * snapshot prices with the order's tax, shipping), what is refused and
 * that a refusal writes nothing, the states a refund and its order go
 * through, the charge.refunded webhook before and after the record, a
 * double request, restocking, and what the audit finds.
 */
#include <sys/wait.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/audit.h"
#include "shop/order.h"
#include "shop/payment.h"
#include "shop/refund.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

static const char seed_sql[] =
    "INSERT INTO categories (id, slug, name) VALUES (1, 'mugs', 'Mugs');"
    "INSERT INTO products (id, slug, name, category_id) VALUES "
    " (1, 'blue-mug', 'Blue mug', 1), (2, 'red-mug', 'Red mug', 1),"
    " (3, 'odd-mug', 'Odd mug', 1);"
    "INSERT INTO variants (id, product_id, sku, title, price, currency, stock) "
    " VALUES (1, 1, 'BM', 'Default', 1250, 'EUR', 10),"
    " (2, 2, 'RM', 'Large', 900, 'EUR', 5),"
    " (3, 3, 'OM', '', 1255, 'EUR', 10);"
    "INSERT INTO shipping_methods (code, name, price, currency, free_over) "
    " VALUES ('standard', 'Standard', 495, 'EUR', 50000);"
    "INSERT INTO tax_rates (country, name, rate_bp, inclusive) VALUES "
    " ('FR', 'TVA', 2000, 1), ('US', 'Sales tax', 800, 0);";

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-refund-XXXXXX");
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

static long long
stock_of(long long vid)
{
	char	sql[64];

	snprintf(sql, sizeof(sql), "SELECT stock FROM variants WHERE id = %lld",
	    vid);
	return count(sql);
}

/* Refund rows and ids handed out: a refusal changes neither. */
static long long
refund_ids(void)
{
	return count("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE "
	    "name = 'refunds'), 0) * 1000 + (SELECT count(*) FROM refunds) * 10 "
	    "+ (SELECT count(*) FROM refund_lines)");
}

/*
 * A paid order: lines of (variant, quantity) shipped to country, paid
 * with payment intent pi.
 */
static struct order *
paid(const char *country, const long long *vids, const long long *qs,
    size_t n, const char *pi)
{
	struct order_input	 in = {
		.email = "ann@example.test",
		.ship = { "Ann", "1 Rue X", "", "Paris", "75001",
		    (char *)country },
		.shipping_code = "standard",
		.variant_ids = vids, .quantities = qs, .nlines = n,
		.hold_seconds = 1800,
	};
	struct payment_fact	 f;
	struct order		*o = NULL;
	long long		 oid;

	ck_assert_int_eq(order_create(d, a, &in, &o, NULL), CREATE_OK);
	memset(&f, 0, sizeof(f));
	f.session_id = arena_printf(a, "cs_%s", pi);
	f.payment_intent = pi;
	f.amount = o->total;
	f.currency = "eur";
	f.order_id = o->id;
	f.order_token = o->token;
	f.source = SOURCE_WEBHOOK;
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	return order_by_id(d, a, o->id);
}

static struct order *
paid_one(const char *country, long long vid, long long q, const char *pi)
{
	long long	vids[1] = { vid }, qs[1] = { q };

	return paid(country, vids, qs, 1, pi);
}

static enum refund_result
ask(const struct order *o, long long amount, struct refund **r)
{
	struct refund_input	in;

	memset(&in, 0, sizeof(in));
	in.order_id = o->id;
	in.amount = amount;
	in.actor = "admin:ops@example.test";
	return refund_request(d, a, &in, r);
}

/* The gateway's answer: refunded as re_<id>, the total it stated. */
static enum refund_result
answer(const struct refund *r, long long total, struct refund **out)
{
	struct refund_answer	ans;

	memset(&ans, 0, sizeof(ans));
	ans.kind = REFUND_ANSWER_REFUNDED;
	ans.gateway_id = arena_printf(a, "re_%lld", r->id);
	ans.amount = r->amount;
	ans.gateway_total = total;
	return refund_record(d, a, r->id, &ans, out);
}

static enum order_outcome
webhook(const char *pi, long long total, const char *evt)
{
	enum order_outcome	out;
	long long		oid;

	ck_assert_int_eq(db_begin(d), 0);
	out = payment_apply_refund(d, a, pi, total, SOURCE_WEBHOOK, evt, &oid);
	ck_assert_int_eq(db_commit(d), 0);
	return out;
}

static long long
events_of(const struct order *o)
{
	char	sql[96];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM order_events WHERE "
	    "order_id = %lld", o->id);
	return count(sql);
}

static long long
mails(void)
{
	return count("SELECT count(*) FROM outbox WHERE target = 'job' AND "
	    "name = 'send_mail' AND unique_key LIKE 'mail:refund-issued:%'");
}

START_TEST(full_refund_then_nothing_left)
{
	struct order	*o = paid_one("FR", 1, 2, "pi_full");
	struct refund	*r, *r2;
	long long	 before;

	ck_assert_int_eq(o->total, 2995);
	ck_assert_int_eq(ask(o, 0, &r), REFUND_OK);
	ck_assert_int_eq(r->amount, 2995);
	ck_assert_int_eq(r->shipping, 0);
	ck_assert_int_eq(r->state, REFUND_STATE_REQUESTED);
	ck_assert_str_eq(r->currency, "EUR");
	ck_assert_str_eq(r->payment_intent, "pi_full");
	ck_assert_str_eq(r->idempotency_key, arena_printf(a,
	    "order-%lld-%s-refund-%lld", o->id, o->token, r->id));
	ck_assert_str_eq(r->gateway_id, "");
	ck_assert_str_eq(r->actor, "admin:ops@example.test");
	ck_assert_uint_eq(r->nlines, 0);
	ck_assert_str_eq(text("SELECT kind || ' ' || actor || ' ' || detail "
	    "FROM audit_log"), arena_printf(a, "refund_requested "
	    "admin:ops@example.test refund %lld of €29.95 asked for order %s",
	    r->id, o->number));
	/* A second click: the first one is asked already, nothing left. */
	before = refund_ids();
	ck_assert_int_eq(ask(o, 0, &r2), REFUND_NOTHING_LEFT);
	ck_assert_ptr_null(r2);
	ck_assert_int_eq(ask(o, 1, NULL), REFUND_NOTHING_LEFT);
	ck_assert_int_eq(refund_ids(), before);
	ck_assert_int_eq(count("SELECT count(*) FROM audit_log"), 1);
	/* Nothing moved yet: the order is paid until the gateway says. */
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PAID);

	ck_assert_int_eq(answer(r, 2995, &r2), REFUND_OK);
	ck_assert_int_eq(r2->state, REFUND_STATE_SUCCEEDED);
	ck_assert_str_eq(r2->gateway_id, arena_printf(a, "re_%lld", r->id));
	o = order_by_id(d, a, o->id);
	ck_assert_int_eq(o->state, ORDER_REFUNDED);
	ck_assert_int_eq(o->amount_refunded, 2995);
	ck_assert_int_eq(count("SELECT amount_refunded FROM payments"), 2995);
	ck_assert_str_eq(text("SELECT from_state || '>' || to_state || ' ' || "
	    "source || ' ' || ref || ' ' || cause FROM order_events "
	    "ORDER BY id DESC LIMIT 1"), arena_printf(a, "paid>refunded admin "
	    "re_%lld 2995 of 2995 EUR refunded", r->id));
	ck_assert_int_eq(mails(), 1);
	ck_assert_str_eq(text("SELECT json_extract(payload, '$.template') || "
	    "' ' || json_extract(payload, '$.to') || ' ' || "
	    "json_extract(payload, '$.data.amount') || ' ' || "
	    "json_extract(payload, '$.data.whole') FROM outbox WHERE "
	    "unique_key LIKE 'mail:refund-issued:%'"),
	    "refund_issued ann@example.test €29.95 1");
	/* Recorded again (a retry, another process): nothing twice. */
	before = events_of(o);
	ck_assert_int_eq(answer(r, 2995, NULL), REFUND_OK);
	ck_assert_int_eq(events_of(o), before);
	ck_assert_int_eq(mails(), 1);
	ck_assert_int_eq(ask(o, 0, NULL), REFUND_NOT_PAID);
}
END_TEST

START_TEST(amounts_and_over_refund)
{
	struct order	*o = paid_one("FR", 1, 2, "pi_part");
	struct refund	*r1, *r2;
	long long	 before;

	ck_assert_int_eq(ask(o, 1000, &r1), REFUND_OK);
	ck_assert_int_eq(r1->amount, 1000);
	before = refund_ids();
	ck_assert_int_eq(ask(o, 1996, NULL), REFUND_TOO_MUCH);
	ck_assert_int_eq(ask(o, -5, NULL), REFUND_BAD_AMOUNT);
	ck_assert_int_eq(refund_ids(), before);
	ck_assert_int_eq(answer(r1, 1000, NULL), REFUND_OK);
	o = order_by_id(d, a, o->id);
	ck_assert_int_eq(o->state, ORDER_PARTIALLY_REFUNDED);
	ck_assert_int_eq(o->amount_refunded, 1000);
	/* The rest, asked as "all that is left". */
	ck_assert_int_eq(ask(o, 0, &r2), REFUND_OK);
	ck_assert_int_eq(r2->amount, 1995);
	ck_assert_int_eq(answer(r2, 2995, NULL), REFUND_OK);
	o = order_by_id(d, a, o->id);
	ck_assert_int_eq(o->state, ORDER_REFUNDED);
	ck_assert_int_eq(o->amount_refunded, 2995);
	ck_assert_int_eq(mails(), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM refunds WHERE state = "
	    "'succeeded'"), 2);
}
END_TEST

START_TEST(bad_orders_refused)
{
	long long		 vids[1] = { 1 }, qs[1] = { 1 };
	struct order_input	 in = {
		.email = "bob@example.test",
		.ship = { "Bob", "1", "", "C", "1", "FR" },
		.shipping_code = "standard",
		.variant_ids = vids, .quantities = qs, .nlines = 1,
		.hold_seconds = 60,
	};
	struct refund_input	 ri;
	struct order		*o;

	ck_assert_int_eq(order_create(d, a, &in, &o, NULL), CREATE_OK);
	ck_assert_int_eq(ask(o, 0, NULL), REFUND_NOT_PAID);
	ck_assert_int_eq(ask(o, 100, NULL), REFUND_NOT_PAID);
	memset(&ri, 0, sizeof(ri));
	ri.order_id = 999;
	ck_assert_int_eq(refund_request(d, a, &ri, NULL), REFUND_NO_ORDER);
	ri.order_id = o->id;
	ri.reason = REFUND_REASON__MAX;
	ck_assert_int_eq(refund_request(d, a, &ri, NULL), REFUND_BAD_AMOUNT);
	ck_assert_int_eq(refund_ids(), 0);
	ck_assert_int_eq(refund_reason_from_name("duplicate"),
	    REFUND_REASON_DUPLICATE);
	ck_assert_int_eq(refund_reason_from_name("bored"), REFUND_REASON__MAX);
}
END_TEST

/*
 * Exclusive tax (8% added): a line refunded in parts gives back the tax
 * its snapshot charged, whatever the parts; the lines and the shipping
 * add up to the total exactly. Restocked lines go back into stock when
 * the refund succeeds, not before, and only once.
 */
START_TEST(lines_with_tax_and_restock)
{
	long long		 vids[2] = { 3, 2 }, qs[2] = { 3, 1 };
	struct order		*o = paid("US", vids, qs, 2, "pi_lines");
	struct refund_line_left	*left;
	struct refund_line_input l[2];
	struct refund_input	 in;
	struct refund		*r1, *r2, *r3;
	long long		 money, before;
	size_t			 n;

	/* 3 x 12.55 = 37.65, tax 3.01; 9.00, tax 0.72; shipping 4.95 and
	 * its tax 0.40. */
	ck_assert_int_eq(o->subtotal, 4665);
	ck_assert_int_eq(o->tax, 301 + 72 + 40);
	ck_assert_int_eq(o->total, 4665 + 495 + 413);
	ck_assert_int_eq(stock_of(3), 7);
	left = refund_left(d, a, o->id, &money, &n);
	ck_assert_ptr_nonnull(left);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(money, o->total);
	ck_assert_str_eq(left[0].name, "Odd mug");
	ck_assert_str_eq(left[1].name, "Red mug (Large)");
	ck_assert_int_eq(left[0].left, 3);

	memset(&in, 0, sizeof(in));
	in.order_id = o->id;
	in.lines = l;
	in.actor = "admin:ops@example.test";
	in.reason = REFUND_REASON_CUSTOMER;
	l[0] = (struct refund_line_input){ left[0].order_line_id, 1, true };
	in.nlines = 1;
	ck_assert_int_eq(refund_request(d, a, &in, &r1), REFUND_OK);
	/* 12.55 and 8% of it, 1.004, half up: 1.00. */
	ck_assert_int_eq(r1->amount, 1255 + 100);
	ck_assert_uint_eq(r1->nlines, 1);
	ck_assert_int_eq(r1->lines[0].tax, 100);
	ck_assert(r1->lines[0].restock);
	ck_assert_int_eq(r1->reason, REFUND_REASON_CUSTOMER);

	/* Too many units, a line of another order, a line twice, an amount
	 * beside lines: refused, nothing written. */
	before = refund_ids();
	l[0].quantity = 3;
	ck_assert_int_eq(refund_request(d, a, &in, NULL), REFUND_BAD_LINE);
	l[0].quantity = 1;
	l[1] = l[0];
	in.nlines = 2;
	ck_assert_int_eq(refund_request(d, a, &in, NULL), REFUND_BAD_LINE);
	l[1] = (struct refund_line_input){ 999, 1, false };
	ck_assert_int_eq(refund_request(d, a, &in, NULL), REFUND_BAD_LINE);
	in.nlines = 1;
	in.amount = 5;
	ck_assert_int_eq(refund_request(d, a, &in, NULL), REFUND_BAD_AMOUNT);
	in.amount = 0;
	ck_assert_int_eq(refund_ids(), before);

	/* The other two units and the red mug, without restocking it, and
	 * the shipping: the rest of the tax, 3.01 - 1.00. */
	l[0] = (struct refund_line_input){ left[0].order_line_id, 2, true };
	l[1] = (struct refund_line_input){ left[1].order_line_id, 1, false };
	in.nlines = 2;
	in.shipping = true;
	ck_assert_int_eq(refund_request(d, a, &in, &r2), REFUND_OK);
	ck_assert_int_eq(r2->lines[0].amount, 2510 + 201);
	ck_assert_int_eq(r2->lines[1].amount, 900 + 72);
	ck_assert_int_eq(r2->shipping, 495 + 40);
	ck_assert_int_eq(r2->amount, 2711 + 972 + 535);
	ck_assert_int_eq(r1->amount + r2->amount, o->total);
	/* Everything is asked: the shipping again, or any amount, refused. */
	in.nlines = 0;
	ck_assert_int_eq(refund_request(d, a, &in, NULL), REFUND_NOTHING_LEFT);
	ck_assert_int_eq(ask(o, 1, NULL), REFUND_NOTHING_LEFT);
	ck_assert_int_ne(db_exec(d, "DELETE FROM refund_lines"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM refund_lines"), 3);
	left = refund_left(d, a, o->id, &money, &n);
	ck_assert_int_eq(money, 0);
	ck_assert_int_eq(left[0].left, 0);
	ck_assert_int_eq(left[1].left, 0);

	/* Stock comes back when each succeeds. */
	ck_assert_int_eq(stock_of(3), 7);
	ck_assert_int_eq(answer(r1, r1->amount, NULL), REFUND_OK);
	ck_assert_int_eq(stock_of(3), 8);
	ck_assert_int_eq(answer(r2, o->total, &r3), REFUND_OK);
	ck_assert_int_eq(stock_of(3), 10);
	ck_assert_int_eq(stock_of(2), 4);
	ck_assert_int_eq(answer(r2, o->total, NULL), REFUND_OK);
	ck_assert_int_eq(stock_of(3), 10);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_REFUNDED);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE target = "
	    "'message' AND name = 'product:3'"), 3);
	ck_assert_str_eq(text("SELECT json_extract(payload, '$.data.lines[1].name')"
	    " || ' ' || json_extract(payload, '$.data.shipping') FROM outbox "
	    "WHERE unique_key = 'mail:refund-issued:2'"), "Red mug (Large) €5.35");
}
END_TEST

/* Inclusive tax: a line's amount is its price; the tax is within it. */
START_TEST(lines_inclusive_tax)
{
	struct order		*o = paid_one("FR", 1, 2, "pi_incl");
	struct refund_line_left	*left;
	struct refund_line_input l;
	struct refund_input	 in;
	struct refund		*r;
	long long		 money;
	size_t			 n;

	left = refund_left(d, a, o->id, &money, &n);
	memset(&in, 0, sizeof(in));
	in.order_id = o->id;
	in.lines = &l;
	in.nlines = 1;
	l = (struct refund_line_input){ left[0].order_line_id, 1, false };
	ck_assert_int_eq(refund_request(d, a, &in, &r), REFUND_OK);
	/* 12.50 holds 20/120 of it: 2.0833, half up 2.08. */
	ck_assert_int_eq(r->amount, 1250);
	ck_assert_int_eq(r->lines[0].tax, 208);
	ck_assert_int_eq(answer(r, 1250, NULL), REFUND_OK);
	ck_assert_int_eq(stock_of(1), 8);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state,
	    ORDER_PARTIALLY_REFUNDED);
	/* The shipping alone, its tax within it; then not again. */
	in.nlines = 0;
	in.shipping = true;
	ck_assert_int_eq(refund_request(d, a, &in, &r), REFUND_OK);
	ck_assert_int_eq(r->amount, 495);
	ck_assert_int_eq(r->shipping, 495);
	ck_assert_int_eq(refund_request(d, a, &in, NULL), REFUND_SHIPPING_DONE);
	ck_assert_int_eq(ask(o, 1251, NULL), REFUND_TOO_MUCH);
	ck_assert_int_eq(ask(o, 1250, NULL), REFUND_OK);
}
END_TEST

/*
 * The charge.refunded webhook and the record agree, in either order and
 * repeated: the order moves once per total, the refund succeeds once,
 * one mail.
 */
START_TEST(webhook_before_and_after_record)
{
	struct order	*o = paid_one("FR", 1, 2, "pi_hook");
	struct refund	*r1, *r2;
	long long	 ev;

	/* Before: the webhook moves the order, the record only the refund. */
	ck_assert_int_eq(ask(o, 1000, &r1), REFUND_OK);
	ck_assert_int_eq(webhook("pi_hook", 1000, "evt_1"), OUTCOME_APPLIED);
	ev = events_of(o);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state,
	    ORDER_PARTIALLY_REFUNDED);
	/* Until recorded the requested one counts twice: refused early. */
	ck_assert_int_eq(ask(o, 1000, NULL), REFUND_TOO_MUCH);
	ck_assert_int_eq(answer(r1, 1000, NULL), REFUND_OK);
	ck_assert_int_eq(events_of(o), ev);
	ck_assert_int_eq(webhook("pi_hook", 1000, "evt_1b"), OUTCOME_ALREADY);
	ck_assert_int_eq(events_of(o), ev);
	ck_assert_int_eq(count("SELECT state = 'succeeded' FROM refunds WHERE "
	    "id = 1"), 1);
	ck_assert_int_eq(mails(), 1);

	/* After: the record moves it, the webhook finds nothing to do. The
	 * gateway's list could not be read: our own refunds' sum stands. */
	ck_assert_int_eq(ask(o, 500, &r2), REFUND_OK);
	ck_assert_int_eq(answer(r2, -1, NULL), REFUND_OK);
	ck_assert_int_eq(events_of(o), ev + 1);
	ck_assert_int_eq(order_by_id(d, a, o->id)->amount_refunded, 1500);
	ck_assert_int_eq(webhook("pi_hook", 1500, "evt_2"), OUTCOME_ALREADY);
	ck_assert_int_eq(webhook("pi_hook", 1500, "evt_2"), OUTCOME_ALREADY);
	ck_assert_int_eq(events_of(o), ev + 1);
	ck_assert_int_eq(mails(), 2);

	/* A refund made at the dashboard still reaches the order, and is
	 * counted when the next one is asked. */
	ck_assert_int_eq(webhook("pi_hook", 2500, "evt_3"), OUTCOME_APPLIED);
	ck_assert_int_eq(ask(o, 496, NULL), REFUND_TOO_MUCH);
	ck_assert_int_eq(ask(o, 0, &r2), REFUND_OK);
	ck_assert_int_eq(r2->amount, 495);
	/* The gateway states the whole total after ours. */
	ck_assert_int_eq(answer(r2, 2995, NULL), REFUND_OK);
	o = order_by_id(d, a, o->id);
	ck_assert_int_eq(o->state, ORDER_REFUNDED);
	ck_assert_int_eq(o->amount_refunded, 2995);
}
END_TEST

/*
 * No answer: the refund stays requested, counted, its error kept. A
 * refusal: failed, nothing else changed, its amount free again. A state
 * that succeeded or failed stays so; refunds are never deleted.
 */
START_TEST(unknown_refused_and_states)
{
	struct order		*o = paid_one("FR", 1, 2, "pi_states");
	struct refund_answer	 ans;
	struct refund		*r, *r2;
	long long		 ev = events_of(o);

	ck_assert_int_eq(ask(o, 0, &r), REFUND_OK);
	memset(&ans, 0, sizeof(ans));
	ans.kind = REFUND_ANSWER_UNKNOWN;
	ans.error = "POST /v1/refunds: Stripe did not answer in time";
	ck_assert_int_eq(refund_record(d, a, r->id, &ans, &r2),
	    REFUND_PENDING);
	ck_assert_int_eq(r2->state, REFUND_STATE_REQUESTED);
	ck_assert_str_eq(r2->error, ans.error);
	ck_assert_int_eq(ask(o, 1, NULL), REFUND_NOTHING_LEFT);
	/* The gateway named it but had not finished: kept for the retry. */
	ans.kind = REFUND_ANSWER_WAITING;
	ans.gateway_id = "re_wait";
	ans.error = "the gateway's refund re_wait is pending";
	ck_assert_int_eq(refund_record(d, a, r->id, &ans, &r2),
	    REFUND_PENDING);
	ck_assert_str_eq(r2->gateway_id, "re_wait");
	ans.kind = REFUND_ANSWER_REFUSED;
	ans.gateway_id = NULL;
	ans.error = "Charge ch_x has already been refunded.";
	ck_assert_int_eq(refund_record(d, a, r->id, &ans, &r2), REFUND_FAILED);
	ck_assert_int_eq(r2->state, REFUND_STATE_FAILED);
	ck_assert_str_eq(r2->error, ans.error);
	ck_assert_int_eq(events_of(o), ev);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PAID);
	ck_assert_int_eq(mails(), 0);
	/* A late "refunded" for a failed one changes nothing. */
	ck_assert_int_eq(answer(r, 2995, NULL), REFUND_FAILED);
	ck_assert_int_eq(order_by_id(d, a, o->id)->amount_refunded, 0);
	/* Its amount is free again. */
	ck_assert_int_eq(ask(o, 0, &r2), REFUND_OK);
	ck_assert_int_eq(r2->amount, 2995);
	ck_assert_int_ne(db_exec(d, "UPDATE refunds SET state = 'requested' "
	    "WHERE id = 1"), 0);
	ck_assert_int_ne(db_exec(d, "DELETE FROM refunds"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM refunds"), 2);
	ck_assert_int_eq(count("SELECT state = 'failed' FROM refunds WHERE "
	    "id = 1"), 1);
}
END_TEST

/* Two requests for everything at once: one is asked, one refused. */
START_TEST(double_request)
{
	struct order	*o = paid_one("FR", 1, 2, "pi_double");
	pid_t		 pids[6];
	int		 i, status, ok = 0, none = 0;

	for (i = 0; i < 6; i++) {
		if ((pids[i] = fork()) == 0) {
			char		 err[256];
			struct db	*c = db_open(dir, DB_PRIMARY, 0, err,
			    sizeof(err));
			struct arena	*ca = arena_new();
			struct refund_input in;
			enum refund_result rc;

			memset(&in, 0, sizeof(in));
			in.order_id = o->id;
			in.actor = "admin:ops@example.test";
			rc = c == NULL ? REFUND_ERROR :
			    refund_request(c, ca, &in, NULL);
			db_close(c);
			arena_free(ca);
			_exit(rc == REFUND_OK ? 0 :
			    rc == REFUND_NOTHING_LEFT ? 1 : 2);
		}
	}
	for (i = 0; i < 6; i++) {
		waitpid(pids[i], &status, 0);
		ck_assert(WIFEXITED(status));
		ck_assert_int_ne(WEXITSTATUS(status), 2);
		ok += WEXITSTATUS(status) == 0;
		none += WEXITSTATUS(status) == 1;
	}
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(none, 5);
	ck_assert_int_eq(count("SELECT count(*) FROM refunds"), 1);
	ck_assert_int_eq(count("SELECT seq FROM sqlite_sequence WHERE name = "
	    "'refunds'"), 1);
	ck_assert_int_eq(count("SELECT amount FROM refunds"), 2995);
}
END_TEST

/* The year of now, UTC, as documents are numbered. */
static int
this_year(void)
{
	time_t		t = time(NULL);
	struct tm	tm;

	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* What the audit makes of refunds: clean, then each kind of wrong. */
START_TEST(audit_of_refunds)
{
	struct order		*o = paid_one("FR", 1, 2, "pi_audit");
	struct audit_report	 rep;
	struct gateway_refund	 g[2];
	struct refund		*r1, *r2;
	struct buf		 out = { 0 };

	ck_assert_int_eq(ask(o, 1000, &r1), REFUND_OK);
	ck_assert_int_eq(answer(r1, 1000, NULL), REFUND_OK);
	ck_assert_int_eq(ask(o, 500, &r2), REFUND_OK);
	ck_assert_int_eq(audit_books(d, a, &rep, &out), 0);
	ck_assert_msg(rep.findings == 0, "%s", buf_str(&out));
	ck_assert_int_eq(rep.handed_out[AUDIT_REFUNDS], 2);
	ck_assert_int_eq(rep.refunds_waiting, 1);
	memset(g, 0, sizeof(g));
	g[0] = (struct gateway_refund){ "re_1", "pi_audit", 1000, true, "1",
	    arena_printf(a, "%lld", o->id) };
	g[1] = (struct gateway_refund){ "re_other", "pi_audit", 300, true,
	    NULL, NULL };
	ck_assert_int_eq(audit_refunds(d, a, g, 2, 0, &rep, &out), 0);
	ck_assert_msg(rep.findings == 0, "%s", buf_str(&out));
	ck_assert_int_eq(rep.refunds_checked, 1);

	/* A tampered amount: not the gateway's, past the order's total. */
	ck_assert_int_eq(db_exec(d, "UPDATE refunds SET amount = 1100 WHERE "
	    "id = 1"), 0);
	buf_reset(&out);
	ck_assert_int_eq(audit_books(d, a, &rep, &out), 0);
	ck_assert_int_eq(audit_refunds(d, a, g, 1, 0, &rep, &out), 0);
	ck_assert_int_eq(rep.refunds_unrecorded, 1);
	ck_assert_int_eq(rep.refunds_unmatched, 1);
	/* Its credit note, issued for 1000, is not the refund's now. */
	ck_assert_int_eq(rep.document_mismatches, 1);
	ck_assert_int_eq(rep.findings, 3);
	ck_assert_str_eq(buf_str(&out), arena_printf(a,
	    "order %s: its refunds that succeeded add up to 1100, but only "
	    "1000 is refunded\n"
	    "credit note CN-%d-000001 of 1000 is not refund 1's, which is "
	    "succeeded, of 1100, or of another order or currency\n"
	    "refund 1 of order %s is 1100 of pi_audit here, the gateway's re_1 "
	    "is 1000 of pi_audit\n", o->number, this_year(), o->number));

	/* An order state its totals disagree with; a gateway refund of ours
	 * failed here; one succeeded here that the gateway lacks. */
	ck_assert_int_eq(db_exec(d, "UPDATE refunds SET amount = 1000 WHERE "
	    "id = 1; UPDATE orders SET state = 'paid'; "
	    "UPDATE refunds SET amount = 2000 WHERE id = 2; "
	    "UPDATE refunds SET state = 'failed', error = 'x' WHERE id = 2"), 0);
	ck_assert_int_eq(db_exec(d, "UPDATE refunds SET state = 'requested' "
	    "WHERE id = 2"), -1);
	g[1] = (struct gateway_refund){ "re_2", "pi_audit", 2000, true, "2",
	    arena_printf(a, "%lld", o->id) };
	buf_reset(&out);
	ck_assert_int_eq(audit_books(d, a, &rep, &out), 0);
	ck_assert_int_eq(audit_refunds(d, a, g + 1, 1, 0, &rep, &out), 0);
	ck_assert_int_eq(rep.refund_states, 1);
	ck_assert_int_eq(rep.refunds_unmatched, 1);
	ck_assert_int_eq(rep.refunds_lost, 1);
	ck_assert_int_eq(rep.findings, 3);
	ck_assert_str_eq(buf_str(&out), arena_printf(a,
	    "order %s is paid with 1000 of 2995 refunded (its payment says "
	    "1000)\n"
	    "refund 1 of order %s succeeded here as re_1, which the gateway "
	    "does not have\n"
	    "the gateway's refund re_2 of 2000 on pi_audit is refund 2 of "
	    "order %lld, which is failed here\n", o->number, o->number, o->id));
	buf_free(&out);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("refund");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, full_refund_then_nothing_left);
	tcase_add_test(tc, amounts_and_over_refund);
	tcase_add_test(tc, bad_orders_refused);
	tcase_add_test(tc, lines_with_tax_and_restock);
	tcase_add_test(tc, lines_inclusive_tax);
	tcase_add_test(tc, webhook_before_and_after_record);
	tcase_add_test(tc, unknown_refused_and_states);
	tcase_add_test(tc, double_request);
	tcase_add_test(tc, audit_of_refunds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
