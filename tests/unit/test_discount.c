/*
 * Unit tests: the rules of discount codes (lib/shop/discount.c): what a
 * code takes off, rounded half up; its share among lines, exact; tax
 * after the discount (lib/shop/pricing.c); when a code may be used, by
 * date, total and per-customer uses; uses counted in the write that
 * creates the order and given back when it is cancelled; and the
 * back office's saves with their admin log entries.
 */
#include <sys/wait.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/adminlog.h"
#include "shop/discount.h"
#include "shop/order.h"
#include "shop/payment.h"
#include "shop/pricing.h"
#include "testclock.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

/*
 * 1 a 12.35 EUR mug (20), 2 a 9.00 EUR mug (20); standard shipping
 * 4.95; FR 20% included, US 8% added.
 */
static const char seed_sql[] =
    "INSERT INTO categories (id, slug, name) VALUES (1, 'mugs', 'Mugs');"
    "INSERT INTO products (id, slug, name, category_id) VALUES "
    " (1, 'blue-mug', 'Blue mug', 1), (2, 'red-mug', 'Red mug', 1);"
    "INSERT INTO variants (id, product_id, sku, title, price, currency, stock) "
    " VALUES (1, 1, 'BM', 'Default', 1235, 'EUR', 20),"
    " (2, 2, 'RM', 'Default', 900, 'EUR', 20);"
    "INSERT INTO shipping_methods (code, name, price, currency) "
    " VALUES ('standard', 'Standard', 495, 'EUR');"
    "INSERT INTO tax_rates (country, name, rate_bp, inclusive) VALUES "
    " ('FR', 'TVA', 2000, 1), ('US', 'Sales tax', 800, 0);"
    "INSERT INTO users (id, email, name, password_hash, created_at, "
    " updated_at) VALUES (7, 'ann@example.test', 'Ann', '$argon2id$x', 0, 0);";

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-discount-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	ck_assert_int_eq(db_exec(d, seed_sql), 0);
	a = arena_new();
	testclock_freeze(1800000000000LL);
}

static void
teardown(void)
{
	char	cmd[128];

	testclock_thaw();
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

static const struct actor admin = { 1, "boss@example.test" };

/* A new code saved through discount_save(); returns its id. */
static long long
make(const char *code, enum discount_kind kind, long long value,
    long long usage_limit, long long per_customer)
{
	struct discount	x;

	memset(&x, 0, sizeof(x));
	x.code = (char *)code;
	x.kind = kind;
	x.value = value;
	x.currency = (char *)"EUR";
	x.usage_limit = usage_limit;
	x.per_customer_limit = per_customer;
	x.active = true;
	ck_assert_int_eq(discount_save(d, a, &x, &admin), DISCOUNT_SAVED);
	ck_assert_int_gt(x.id, 0);
	return x.id;
}

/* An order of qty x variant vid to country with code (NULL: none). */
static struct order *
place(const char *email, long long user, const char *code, long long vid,
    long long qty, const char *country, enum order_create_result want,
    struct quote *q)
{
	long long		 ids[1] = { vid }, qs[1] = { qty };
	struct order_input	 in = {
		.email = email,
		.user_id = user,
		.ship = { "Ann", "1 Rue X", "", "Paris", "75001",
		    (char *)country },
		.shipping_code = "standard",
		.discount_code = code,
		.variant_ids = ids, .quantities = qs, .nlines = 1,
		.hold_seconds = 1800,
	};
	struct order		*o = NULL;
	struct quote		 ql;

	ck_assert_int_eq(order_create(d, a, &in, &o, q ? q : &ql), want);
	return o;
}

START_TEST(amount_rounds_half_up)
{
	struct discount	x = { .kind = DISCOUNT_PERCENT, .value = 1000 };

	/* 10% of 12.35 is 1.235: half a cent goes up. */
	ck_assert_int_eq(discount_amount(&x, 1235), 124);
	/* 10% of 12.34 is 1.234: down. */
	ck_assert_int_eq(discount_amount(&x, 1234), 123);
	/* 12.5% (1250 bp) of 0.04 is 0.005: up to 0.01. */
	x.value = 1250;
	ck_assert_int_eq(discount_amount(&x, 4), 1);
	ck_assert_int_eq(discount_amount(&x, 3), 0);
	x.value = 10000;
	ck_assert_int_eq(discount_amount(&x, 999), 999);
	ck_assert_int_eq(discount_amount(&x, 0), 0);
	/* Overflow is refused, not wrapped. */
	ck_assert_int_eq(discount_amount(&x, 4611686018427387904LL), -1);

	x.kind = DISCOUNT_FIXED;
	x.value = 500;
	ck_assert_int_eq(discount_amount(&x, 1235), 500);
	/* Never below 0: at most the subtotal. */
	ck_assert_int_eq(discount_amount(&x, 300), 300);
	x.kind = DISCOUNT_FREE_SHIPPING;
	ck_assert_int_eq(discount_amount(&x, 1235), 0);
}
END_TEST

START_TEST(labels)
{
	struct discount	x = { .kind = DISCOUNT_PERCENT, .value = 1000,
			    .currency = (char *)"EUR" };

	ck_assert_str_eq(discount_label(a, &x), "10% off");
	x.value = 1250;
	ck_assert_str_eq(discount_label(a, &x), "12.5% off");
	x.value = 3333;
	ck_assert_str_eq(discount_label(a, &x), "33.33% off");
	x.value = 5;
	ck_assert_str_eq(discount_label(a, &x), "0.05% off");
	x.kind = DISCOUNT_FIXED;
	x.value = 500;
	ck_assert_str_eq(discount_label(a, &x), "€5.00 off");
	x.kind = DISCOUNT_FREE_SHIPPING;
	ck_assert_str_eq(discount_label(a, &x), "Free shipping");
	x.kind = DISCOUNT_PERCENT;
	x.min_subtotal = 5000;
	ck_assert_str_eq(discount_problem_text(a, DISCOUNT_MIN_SUBTOTAL, &x),
	    "This discount code needs an order of at least €50.00 before the "
	    "discount.");
	ck_assert_str_eq(discount_problem_text(a, DISCOUNT_MIN_SUBTOTAL, NULL),
	    "Your order is below the minimum this discount code needs.");
	ck_assert_str_eq(discount_problem_text(a, DISCOUNT_EXPIRED, &x),
	    "This discount code has expired.");
}
END_TEST

START_TEST(spread_is_exact)
{
	long long	totals[3] = { 1000, 1000, 1000 }, shares[3];
	long long	one[1] = { 500 }, s1[1];
	long long	uneven[3] = { 1235, 900, 1 }, s3[3];

	/* 100 over three equal lines: 34, 33, 33 (the first wins the tie). */
	ck_assert_int_eq(discount_spread(100, totals, 3, shares), 0);
	ck_assert_int_eq(shares[0], 34);
	ck_assert_int_eq(shares[1], 33);
	ck_assert_int_eq(shares[2], 33);
	ck_assert_int_eq(discount_spread(500, one, 1, s1), 0);
	ck_assert_int_eq(s1[0], 500);
	/* 214 of 2136: 123.73, 90.17, 0.10 -> 124, 90, 0. */
	ck_assert_int_eq(discount_spread(214, uneven, 3, s3), 0);
	ck_assert_int_eq(s3[0], 124);
	ck_assert_int_eq(s3[1], 90);
	ck_assert_int_eq(s3[2], 0);
	ck_assert_int_eq(discount_spread(2136, uneven, 3, s3), 0);
	ck_assert_int_eq(s3[0] + s3[1] + s3[2], 2136);
	ck_assert_int_eq(s3[2], 1);
	/* bad: more than the lines, or negative. */
	ck_assert_int_eq(discount_spread(2137, uneven, 3, s3), -1);
	ck_assert_int_eq(discount_spread(-1, uneven, 3, s3), -1);
}
END_TEST

START_TEST(tax_after_discount)
{
	long long	ids[2] = { 1, 2 }, qs[2] = { 2, 1 };
	struct quote	q;
	struct discount	x = { .kind = DISCOUNT_PERCENT, .value = 1000 };

	/* US, 8% added: 2 x 12.35 + 9.00 = 33.70, 10% off = 3.37. */
	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "standard", "US", &q),
	    0);
	ck_assert_int_eq(q.problem, QUOTE_OK);
	ck_assert_int_eq(quote_discount(&q, &x), 0);
	ck_assert_int_eq(q.subtotal, 3370);
	ck_assert_int_eq(q.discount, 337);
	ck_assert_int_eq(q.lines[0].discount + q.lines[1].discount, 337);
	ck_assert_int_eq(q.lines[0].discount, 247);	/* 246.98 */
	ck_assert_int_eq(q.lines[1].discount, 90);
	/* Tax on 22.23 and 8.10 and 4.95: 1.78 + 0.65 + 0.40. */
	ck_assert_int_eq(q.lines[0].tax, 178);
	ck_assert_int_eq(q.lines[1].tax, 65);
	ck_assert_int_eq(q.tax, 178 + 65 + 40);
	ck_assert_int_eq(q.total, 3370 - 337 + 495 + 283);

	/* FR, included: the tax is held in what is left. */
	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "standard", "FR", &q),
	    0);
	ck_assert_int_eq(quote_discount(&q, &x), 0);
	ck_assert_int_eq(q.total, 3370 - 337 + 495);
	/* 2223 / 6 = 370.5 -> 371; 810 / 6 = 135; 495 / 6 = 82.5 -> 83. */
	ck_assert_int_eq(q.tax, 371 + 135 + 83);

	/* Free shipping: the shipping is waived, the goods untouched. */
	x.kind = DISCOUNT_FREE_SHIPPING;
	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "standard", "FR", &q),
	    0);
	ck_assert_int_eq(quote_discount(&q, &x), 0);
	ck_assert_int_eq(q.shipping, 0);
	ck_assert_int_eq(q.shipping_discount, 495);
	ck_assert_int_eq(q.discount, 0);
	ck_assert_int_eq(q.total, 3370);

	/* A fixed amount above the subtotal: the goods cost 0, not less. */
	x.kind = DISCOUNT_FIXED;
	x.value = 100000;
	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "standard", "US", &q),
	    0);
	ck_assert_int_eq(quote_discount(&q, &x), 0);
	ck_assert_int_eq(q.discount, 3370);
	ck_assert_int_eq(q.total, 495 + 40);
	ck_assert_int_eq(q.problem, QUOTE_OK);

	/* bad: nothing left to pay, which the gateway cannot take. */
	ck_assert_int_eq(db_exec(d, "INSERT INTO shipping_methods (code, name, "
	    "price, currency) VALUES ('pickup', 'Pick-up', 0, 'EUR')"), 0);
	x.kind = DISCOUNT_PERCENT;
	x.value = 10000;
	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "pickup", "FR", &q), 0);
	ck_assert_int_eq(q.problem, QUOTE_OK);
	ck_assert_int_eq(quote_discount(&q, &x), 0);
	ck_assert_int_eq(q.total, 0);
	ck_assert_int_eq(q.problem, QUOTE_DISCOUNT);
	ck_assert_int_eq(q.discount_problem, DISCOUNT_NOTHING_TO_PAY);
}
END_TEST

START_TEST(check_rules)
{
	struct discount		*x;
	enum discount_problem	 why;
	long long		 now = 1800000000;

	make("SAVE10", DISCOUNT_PERCENT, 1000, -1, -1);
	/* Any case finds it. */
	ck_assert_ptr_nonnull(x = discount_by_code(d, a, "save10", &why));
	ck_assert_int_eq(why, DISCOUNT_OK);
	ck_assert_str_eq(x->code, "SAVE10");
	ck_assert_int_eq(discount_check(d, x, now, 1000, "EUR", 0,
	    "a@example.test"), DISCOUNT_OK);

	/* bad: unknown, malformed. */
	ck_assert_ptr_null(discount_by_code(d, a, "NOPE", &why));
	ck_assert_int_eq(why, DISCOUNT_UNKNOWN);
	ck_assert_ptr_null(discount_by_code(d, a, "SAVE 10", &why));
	ck_assert_int_eq(why, DISCOUNT_UNKNOWN);
	ck_assert_ptr_null(discount_by_code(d, a, "", &why));
	ck_assert_int_eq(why, DISCOUNT_UNKNOWN);

	/* bad: dates, both ends; the end is excluded. */
	x->starts_at = now + 1;
	ck_assert_int_eq(discount_check(d, x, now, 1000, "EUR", 0, NULL),
	    DISCOUNT_NOT_YET);
	x->starts_at = now;
	x->ends_at = now + 10;
	ck_assert_int_eq(discount_check(d, x, now, 1000, "EUR", 0, NULL),
	    DISCOUNT_OK);
	ck_assert_int_eq(discount_check(d, x, now + 10, 1000, "EUR", 0, NULL),
	    DISCOUNT_EXPIRED);
	x->ends_at = 0;
	/* bad: inactive, minimum, currency of a fixed amount. */
	x->active = false;
	ck_assert_int_eq(discount_check(d, x, now, 1000, "EUR", 0, NULL),
	    DISCOUNT_INACTIVE);
	x->active = true;
	x->min_subtotal = 1001;
	ck_assert_int_eq(discount_check(d, x, now, 1000, "EUR", 0, NULL),
	    DISCOUNT_MIN_SUBTOTAL);
	ck_assert_int_eq(discount_check(d, x, now, 1001, "EUR", 0, NULL),
	    DISCOUNT_OK);
	x->min_subtotal = 0;
	x->kind = DISCOUNT_FIXED;
	ck_assert_int_eq(discount_check(d, x, now, 1000, "USD", 0, NULL),
	    DISCOUNT_CURRENCY);
}
END_TEST

START_TEST(uses_counted_and_given_back)
{
	struct order	*o1, *o2;
	struct quote	 q;
	struct order	*out;

	make("ONCE", DISCOUNT_PERCENT, 1000, 1, -1);
	o1 = place("ann@example.test", 0, "once", 1, 1, "FR", CREATE_OK, &q);
	ck_assert_ptr_nonnull(o1);
	ck_assert_str_eq(o1->discount_code, "ONCE");
	ck_assert_str_eq(o1->discount_kind, "percent");
	ck_assert_int_eq(o1->discount, 124);
	ck_assert_int_eq(o1->subtotal, 1235);
	ck_assert_int_eq(o1->total, 1235 - 124 + 495);
	ck_assert_int_eq(o1->lines[0].discount, 124);
	ck_assert_int_eq(count("SELECT subtotal FROM orders"), 1235 - 124);
	/* The audit's sums hold. */
	ck_assert_int_eq(count("SELECT count(*) FROM orders o WHERE "
	    "o.subtotal + o.discount != (SELECT sum(line_total) FROM "
	    "order_lines WHERE order_id = o.id)"), 0);

	/* bad: used up, for anyone. */
	ck_assert_ptr_null(place("bob@example.test", 0, "ONCE", 1, 1, "FR",
	    CREATE_REFUSED, &q));
	ck_assert_int_eq(q.problem, QUOTE_DISCOUNT);
	ck_assert_int_eq(q.discount_problem, DISCOUNT_USED_UP);
	/* bad: unknown code, nothing written. */
	ck_assert_ptr_null(place("bob@example.test", 0, "NOPE", 1, 1, "FR",
	    CREATE_REFUSED, &q));
	ck_assert_int_eq(q.discount_problem, DISCOUNT_UNKNOWN);
	ck_assert_int_eq(count("SELECT count(*) FROM orders"), 1);

	/* Cancelled unpaid: the use is back, and the next one gets it. */
	ck_assert_int_eq(order_cancel(d, a, o1->id, NULL, &out), ACTION_DONE);
	ck_assert_int_eq(count("SELECT released FROM discount_uses"), 1);
	o2 = place("bob@example.test", 0, "ONCE", 1, 1, "FR", CREATE_OK, &q);
	ck_assert_ptr_nonnull(o2);
	ck_assert_int_eq(o2->discount, 124);
	ck_assert_int_eq(count("SELECT count(*) FROM discount_uses WHERE "
	    "NOT released"), 1);

	/* Without a code: nothing recorded. */
	o2 = place("cy@example.test", 0, NULL, 2, 1, "FR", CREATE_OK, &q);
	ck_assert_str_eq(o2->discount_code, "");
	ck_assert_int_eq(o2->discount, 0);
	ck_assert_int_eq(count("SELECT count(*) FROM discount_uses"), 2);
}
END_TEST

START_TEST(per_customer_limit)
{
	struct quote	q;

	make("WELCOME", DISCOUNT_FIXED, 500, -1, 1);
	ck_assert_ptr_nonnull(place("ann@example.test", 7, "WELCOME", 1, 1,
	    "FR", CREATE_OK, &q));
	/* bad: the same account again. */
	ck_assert_ptr_null(place("other@example.test", 7, "WELCOME", 1, 1,
	    "FR", CREATE_REFUSED, &q));
	ck_assert_int_eq(q.discount_problem, DISCOUNT_CUSTOMER_USED);
	/* bad: the same email as a guest. */
	ck_assert_ptr_null(place("ann@example.test", 0, "WELCOME", 1, 1, "FR",
	    CREATE_REFUSED, &q));
	ck_assert_int_eq(q.discount_problem, DISCOUNT_CUSTOMER_USED);
	/* Another guest may. */
	ck_assert_ptr_nonnull(place("bob@example.test", 0, "WELCOME", 1, 1,
	    "FR", CREATE_OK, &q));
}
END_TEST

/*
 * A session that expires unpaid cancels the order: its use is back; the
 * money arriving after all takes it again, above the limit if need be.
 */
START_TEST(expired_gives_back_paid_retakes)
{
	struct order		*o;
	struct payment_fact	 f;
	long long		 oid, until;
	enum order_state	 st;

	make("ONCE", DISCOUNT_FIXED, 100, 1, -1);
	o = place("ann@example.test", 0, "ONCE", 1, 1, "FR", CREATE_OK, NULL);
	ck_assert_int_eq(order_begin_attempt(d, o->id, "", 1800, &until, &st),
	    1);
	ck_assert_int_eq(order_set_session(d, o->id, 1, "cs_x", "u", 0), 0);
	o = order_by_id(d, a, o->id);
	memset(&f, 0, sizeof(f));
	f.session_id = "cs_x";
	f.payment_intent = "pi_x";
	f.amount = o->total;
	f.currency = "eur";
	f.order_id = o->id;
	f.order_token = o->token;
	f.source = SOURCE_WEBHOOK;
	f.ref = "evt_x";
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(payment_apply_void(d, a, &f, "session expired", &oid),
	    OUTCOME_APPLIED);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(count("SELECT released FROM discount_uses"), 1);
	/* The use is free again: someone else takes it. */
	ck_assert_ptr_nonnull(place("bob@example.test", 0, "ONCE", 1, 1, "FR",
	    CREATE_OK, NULL));
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), OUTCOME_APPLIED);
	ck_assert_int_eq(order_by_id(d, a, o->id)->state, ORDER_PAID);
	ck_assert_int_eq(count("SELECT count(*) FROM discount_uses WHERE "
	    "NOT released"), 2);
}
END_TEST

/* Twenty processes race for a code of one use: exactly one gets it. */
START_TEST(usage_limit_race)
{
	pid_t	pids[20];
	int	i, status, won = 0;

	make("LAST", DISCOUNT_PERCENT, 5000, 1, -1);
	for (i = 0; i < 20; i++) {
		if ((pids[i] = fork()) == 0) {
			char		 err[256], email[32];
			struct db	*c = db_open(dir, DB_PRIMARY, 0, err,
			    sizeof(err));
			struct arena	*ca = arena_new();
			long long	 ids[1] = { 2 }, qs[1] = { 1 };
			struct order_input in = {
				.email = email,
				.ship = { "X", "1", "", "C", "1", "FR" },
				.shipping_code = "standard",
				.discount_code = "last",
				.variant_ids = ids, .quantities = qs,
				.nlines = 1, .hold_seconds = 60,
			};
			struct order	*o;
			int		 rc;

			snprintf(email, sizeof(email), "p%d@example.test", i);
			rc = order_create(c, ca, &in, &o, NULL);
			db_close(c);
			arena_free(ca);
			_exit(rc == CREATE_OK ? 0 : rc == CREATE_REFUSED ? 1 : 2);
		}
	}
	for (i = 0; i < 20; i++) {
		waitpid(pids[i], &status, 0);
		ck_assert(WIFEXITED(status));
		ck_assert_int_ne(WEXITSTATUS(status), 2);
		won += WEXITSTATUS(status) == 0;
	}
	ck_assert_int_eq(won, 1);
	ck_assert_int_eq(count("SELECT count(*) FROM orders WHERE discount > 0"),
	    1);
	ck_assert_int_eq(count("SELECT count(*) FROM discount_uses"), 1);
}
END_TEST

START_TEST(save_and_log)
{
	struct discount	 x, *got;
	long long	 id;

	id = make("Spring-25", DISCOUNT_PERCENT, 2500, 100, 1);
	ck_assert_int_eq(count("SELECT count(*) FROM admin_log WHERE "
	    "action = 'discount.create'"), 1);
	/* bad: the same code in another case. */
	memset(&x, 0, sizeof(x));
	x.code = (char *)"SPRING-25";
	x.kind = DISCOUNT_FIXED;
	x.value = 100;
	x.currency = (char *)"EUR";
	x.usage_limit = x.per_customer_limit = -1;
	ck_assert_int_eq(discount_save(d, a, &x, &admin),
	    DISCOUNT_SAVE_DUPLICATE);
	/* bad: out of range. */
	x.code = (char *)"OTHER";
	x.kind = DISCOUNT_PERCENT;
	x.value = 10001;
	ck_assert_int_eq(discount_save(d, a, &x, &admin), DISCOUNT_SAVE_INVALID);
	x.value = 1000;
	x.starts_at = 200;
	x.ends_at = 100;
	ck_assert_int_eq(discount_save(d, a, &x, &admin), DISCOUNT_SAVE_INVALID);
	x.code = (char *)"with space";
	x.starts_at = x.ends_at = 0;
	ck_assert_int_eq(discount_save(d, a, &x, &admin), DISCOUNT_SAVE_INVALID);

	/* Change: the row and its log entry. */
	ck_assert_ptr_nonnull(got = discount_by_id(d, a, id));
	got->active = false;
	got->value = 3000;
	ck_assert_int_eq(discount_save(d, a, got, &admin), DISCOUNT_SAVED);
	ck_assert_ptr_nonnull(got = discount_by_id(d, a, id));
	ck_assert(!got->active);
	ck_assert_int_eq(got->value, 3000);
	ck_assert_int_eq(got->usage_limit, 100);
	ck_assert_int_eq(count("SELECT count(*) FROM admin_log WHERE "
	    "action = 'discount.update' AND json_extract(before, '$.value') = "
	    "2500 AND json_extract(after, '$.value') = 3000"), 1);
	x.id = 999;
	x.code = (char *)"GONE";
	ck_assert_int_eq(discount_save(d, a, &x, &admin),
	    DISCOUNT_SAVE_NOT_FOUND);
}
END_TEST

START_TEST(names_match_their_enums)
{
	int	i;

	for (i = 0; i < DISCOUNT_KIND__MAX; i++) {
		ck_assert_ptr_nonnull(discount_kind_names[i]);
		ck_assert_ptr_nonnull(discount_kind_labels[i]);
	}
	for (i = 0; i < DISCOUNT_PROBLEM__MAX; i++)
		ck_assert_ptr_nonnull(discount_problem_msgs[i]);
	for (i = 0; i < QUOTE__MAX; i++)
		ck_assert_ptr_nonnull(quote_problem_msgs[i]);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("discount");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, amount_rounds_half_up);
	tcase_add_test(tc, labels);
	tcase_add_test(tc, spread_is_exact);
	tcase_add_test(tc, tax_after_discount);
	tcase_add_test(tc, check_rules);
	tcase_add_test(tc, uses_counted_and_given_back);
	tcase_add_test(tc, per_customer_limit);
	tcase_add_test(tc, expired_gives_back_paid_retakes);
	tcase_add_test(tc, usage_limit_race);
	tcase_add_test(tc, save_and_log);
	tcase_add_test(tc, names_match_their_enums);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
