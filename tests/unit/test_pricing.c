/*
 * Unit tests: tax arithmetic and quotes at their edges (lib/shop/pricing.c),
 * and the facts payment_session_fact() reads from a session
 * (lib/shop/payment.c): what can be checked without the network.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "ext/stripe.h"
#include "shop/payment.h"
#include "shop/pricing.h"
#include "shop/settle.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

/*
 * Variants: 1 a 12.50 EUR mug (10), 2 a 9.00 EUR mug (5), 3 a USD cap,
 * 4 a mug priced near the largest amount, 5 an inactive variant.
 * Shipping: standard 4.95 free from 50.00, express 12.90 never free,
 * a retired method, and one priced in USD. Tax: FR 20% included,
 * US 8.25% added, "*" 10% included for everywhere else.
 */
static const char seed_sql[] =
    "INSERT INTO categories (id, slug, name) VALUES (1, 'mugs', 'Mugs');"
    "INSERT INTO products (id, slug, name, category_id) VALUES "
    " (1, 'blue-mug', 'Blue mug', 1), (2, 'red-mug', 'Red mug', 1),"
    " (3, 'cap', 'Cap', 1), (4, 'gold-mug', 'Gold mug', 1);"
    "INSERT INTO variants (id, product_id, sku, title, price, currency, "
    " stock, active) VALUES (1, 1, 'BM', 'Default', 1250, 'EUR', 10, 1),"
    " (2, 2, 'RM', 'Default', 900, 'EUR', 5, 1),"
    " (3, 3, 'CAP', 'Default', 1000, 'USD', 5, 1),"
    " (4, 4, 'GM', 'Default', 4611686018427387904, 'EUR', 5, 1),"
    " (5, 1, 'BM-OLD', 'Old', 1250, 'EUR', 5, 0);"
    "INSERT INTO shipping_methods (code, name, price, currency, free_over, "
    " position, active) VALUES "
    " ('express', 'Express', 1290, 'EUR', NULL, 2, 1),"
    " ('standard', 'Standard', 495, 'EUR', 5000, 1, 1),"
    " ('pigeon', 'Pigeon', 100, 'EUR', NULL, 3, 0),"
    " ('usps', 'USPS', 700, 'USD', NULL, 4, 1);"
    "INSERT INTO tax_rates (country, name, rate_bp, inclusive) VALUES "
    " ('FR', 'TVA', 2000, 1), ('US', 'Sales tax', 825, 0),"
    " ('*', 'VAT', 1000, 1);";

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-pricing-XXXXXX");
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

START_TEST(tax_rounds_half_up)
{
	/* Added: 100 * 8.25% = 8.25 -> 8; 1000 -> 82.5 -> 83. */
	ck_assert_int_eq(tax_on(100, 825, false), 8);
	ck_assert_int_eq(tax_on(1000, 825, false), 83);
	ck_assert_int_eq(tax_on(1, 4999, false), 0);
	ck_assert_int_eq(tax_on(1, 5000, false), 1);
	/* Included: the part of the amount that is tax, amount*bp/(1+bp). */
	ck_assert_int_eq(tax_on(1200, 2000, true), 200);
	ck_assert_int_eq(tax_on(495, 2000, true), 83);	/* 82.5 */
	ck_assert_int_eq(tax_on(1, 2000, true), 0);	/* 0.1667 */
	ck_assert_int_eq(tax_on(3, 2000, true), 1);	/* 0.5 */
	/* A full 100% rate: included, half of the amount. */
	ck_assert_int_eq(tax_on(1000, 10000, true), 500);
	ck_assert_int_eq(tax_on(1000, 10000, false), 1000);
	/* Nothing to tax, or no rate. */
	ck_assert_int_eq(tax_on(0, 2000, false), 0);
	ck_assert_int_eq(tax_on(-500, 2000, false), 0);
	ck_assert_int_eq(tax_on(500, 0, false), 0);
	ck_assert_int_eq(tax_on(500, -5, true), 0);
	/* Beyond 64 bits: refused, not wrapped, rounding included. */
	ck_assert_int_eq(tax_on(LLONG_MAX / 2, 2000, false), -1);
	ck_assert_int_eq(tax_on(LLONG_MAX / 2000, 2000, false),
	    (LLONG_MAX / 2000) / 5);
	/* Included: amount / 6, which ends in .5 here, so rounds up. */
	ck_assert_int_eq((LLONG_MAX / 2000) % 6, 3);
	ck_assert_int_eq(tax_on(LLONG_MAX / 2000, 2000, true),
	    (LLONG_MAX / 2000) / 6 + 1);
	ck_assert_int_eq(tax_on(LLONG_MAX / 10000, 10000, false),
	    LLONG_MAX / 10000);
}
END_TEST

START_TEST(rates_by_country)
{
	struct tax_rate	t;

	ck_assert_int_eq(tax_rate_for(d, a, "FR", &t), 0);
	ck_assert_str_eq(t.country, "FR");
	ck_assert_str_eq(t.name, "TVA");
	ck_assert_int_eq(t.rate_bp, 2000);
	ck_assert(t.inclusive);
	ck_assert_int_eq(tax_rate_for(d, a, "US", &t), 0);
	ck_assert_int_eq(t.rate_bp, 825);
	ck_assert(!t.inclusive);
	/* Elsewhere: the "*" rate. */
	ck_assert_int_eq(tax_rate_for(d, a, "JP", &t), 0);
	ck_assert_str_eq(t.country, "*");
	ck_assert_str_eq(t.name, "VAT");
	ck_assert_int_eq(t.rate_bp, 1000);
	ck_assert_int_eq(tax_rate_for(d, a, NULL, &t), 0);
	ck_assert_str_eq(t.country, "*");
	/* Without a "*" rate: no tax at all. */
	ck_assert_int_eq(db_exec(d, "DELETE FROM tax_rates WHERE country = '*'"),
	    0);
	ck_assert_int_eq(tax_rate_for(d, a, "JP", &t), 0);
	ck_assert_str_eq(t.country, "*");
	ck_assert_str_eq(t.name, "Tax");
	ck_assert_int_eq(t.rate_bp, 0);
	ck_assert(!t.inclusive);
}
END_TEST

START_TEST(methods_in_order)
{
	struct shipping_method	*m;
	size_t			 n;

	m = shipping_methods(d, a, &n);
	ck_assert_uint_eq(n, 3);		/* the retired one is not */
	ck_assert_str_eq(m[0].code, "standard");
	ck_assert_int_eq(m[0].price, 495);
	ck_assert_int_eq(m[0].free_over, 5000);
	ck_assert_str_eq(m[1].code, "express");
	ck_assert_int_eq(m[1].free_over, -1);
	ck_assert_str_eq(m[2].code, "usps");
	ck_assert_str_eq(m[2].currency, "USD");
}
END_TEST

/* Quote one line of variant vid. */
static struct quote
quote1(long long vid, long long qty, const char *ship, const char *country)
{
	long long	ids[1] = { vid }, qs[1] = { qty };
	struct quote	q;

	ck_assert_int_eq(quote_build(d, a, ids, qs, 1, ship, country, &q), 0);
	return q;
}

START_TEST(free_shipping_from_the_threshold)
{
	struct quote	q;
	long long	ids[2] = { 1, 2 }, qs[2] = { 3, 1 };

	/* 49.99 is one cent short. */
	ck_assert_int_eq(db_exec(d, "UPDATE variants SET price = 4999 "
	    "WHERE id = 2"), 0);
	q = quote1(2, 1, "standard", "FR");
	ck_assert_int_eq(q.problem, QUOTE_OK);
	ck_assert_int_eq(q.shipping, 495);
	ck_assert_int_eq(q.total, 4999 + 495);
	/* 50.00 exactly ships free: the tax is the lines' alone. */
	ck_assert_int_eq(db_exec(d, "UPDATE variants SET price = 5000 "
	    "WHERE id = 2"), 0);
	q = quote1(2, 1, "standard", "FR");
	ck_assert_int_eq(q.shipping, 0);
	ck_assert_int_eq(q.tax, 833);
	ck_assert_int_eq(q.total, 5000);
	/* Express never is. */
	q = quote1(2, 1, "express", "FR");
	ck_assert_int_eq(q.shipping, 1290);
	ck_assert_int_eq(q.total, 6290);
	/* Added tax counts on shipping too, and is not in the threshold. */
	ck_assert_int_eq(db_exec(d, "UPDATE variants SET price = 900 "
	    "WHERE id = 2"), 0);
	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "standard", "US", &q),
	    0);
	ck_assert_int_eq(q.subtotal, 4650);
	ck_assert_int_eq(q.shipping, 495);
	/* 3750 -> 309.375, 900 -> 74.25, 495 -> 40.8375 */
	ck_assert_int_eq(q.lines[0].tax, 309);
	ck_assert_int_eq(q.lines[1].tax, 74);
	ck_assert_int_eq(q.tax, 309 + 74 + 41);
	ck_assert_int_eq(q.total, 4650 + 495 + 424);
	ck_assert_str_eq(q.currency, "EUR");
	ck_assert_str_eq(q.rate.name, "Sales tax");
	ck_assert_str_eq(q.method.name, "Standard");
}
END_TEST

START_TEST(quote_problems_at_the_edges)
{
	struct quote	q;
	long long	ids[2] = { 1, 3 }, qs[2] = { 1, 1 };

	/* Exactly the stock is fine; one more is sold out. */
	q = quote1(2, 5, "standard", "FR");
	ck_assert_int_eq(q.problem, QUOTE_OK);
	q = quote1(2, 6, "standard", "FR");
	ck_assert_int_eq(q.problem, QUOTE_SOLD_OUT);
	ck_assert_uint_eq(q.problem_line, 0);
	ck_assert_int_eq(q.lines[0].stock, 5);
	ck_assert(!q.lines[0].available);
	/* No quantity, or a negative one: not something to buy. */
	ck_assert_int_eq(quote1(2, 0, "standard", "FR").problem,
	    QUOTE_UNAVAILABLE);
	ck_assert_int_eq(quote1(2, -1, "standard", "FR").problem,
	    QUOTE_UNAVAILABLE);
	/* An inactive variant of an active product. */
	ck_assert_int_eq(quote1(5, 1, "standard", "FR").problem,
	    QUOTE_UNAVAILABLE);
	/* A retired method, and none at all. */
	ck_assert_int_eq(quote1(1, 1, "pigeon", "FR").problem,
	    QUOTE_NO_SHIPPING);
	ck_assert_int_eq(quote1(1, 1, NULL, "FR").problem, QUOTE_NO_SHIPPING);
	/* Two currencies in one cart; the second line is the problem. */
	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "standard", "FR", &q),
	    0);
	ck_assert_int_eq(q.problem, QUOTE_CURRENCY);
	ck_assert_uint_eq(q.problem_line, 1);
	/* Shipping priced in another currency than the cart. */
	ck_assert_int_eq(quote1(1, 1, "usps", "FR").problem, QUOTE_CURRENCY);
	ck_assert_int_eq(quote1(3, 1, "usps", "US").problem, QUOTE_OK);
	/* Amounts beyond 64 bits are refused, never wrapped. */
	ck_assert_int_eq(quote1(4, 2, "standard", "FR").problem,
	    QUOTE_OVERFLOW);
	/* The first problem is the one told. */
	ids[0] = 99;
	ck_assert_int_eq(quote_build(d, a, ids, qs, 2, "standard", "FR", &q),
	    0);
	ck_assert_int_eq(q.problem, QUOTE_UNAVAILABLE);
	ck_assert_uint_eq(q.problem_line, 0);
	ck_assert_str_eq(q.lines[0].product_name, "Removed item");
	ck_assert_str_eq(quote_problem_msgs[QUOTE_EMPTY], "Your cart is empty.");
}
END_TEST

/* A session with the given order_id and order_token metadata (NULL: none). */
static struct stripe_session
session_with(const char *order_id, const char *token)
{
	struct stripe_session	 s;
	struct stripe_kv	*kv = arena_calloc(a, 3, sizeof(*kv));
	size_t			 n = 0;

	memset(&s, 0, sizeof(s));
	s.id = "cs_test_1";
	s.payment_intent = "pi_1";
	s.amount_total = 1995;
	s.currency = "eur";
	kv[n++] = (struct stripe_kv){ "order_number", "SF-000042" };
	if (order_id != NULL)
		kv[n++] = (struct stripe_kv){ "order_id", order_id };
	if (token != NULL)
		kv[n++] = (struct stripe_kv){ "order_token", token };
	s.metadata = kv;
	s.nmetadata = n;
	return s;
}

START_TEST(facts_from_a_session)
{
	struct stripe_session	s = session_with("42", "tok");
	struct payment_fact	f;

	payment_session_fact(&s, SOURCE_RECONCILE, "evt_1", &f);
	ck_assert_str_eq(f.session_id, "cs_test_1");
	ck_assert_str_eq(f.payment_intent, "pi_1");
	ck_assert_int_eq(f.amount, 1995);
	ck_assert_str_eq(f.currency, "eur");
	ck_assert_int_eq(f.order_id, 42);
	ck_assert_str_eq(f.order_token, "tok");
	ck_assert_int_eq(f.source, SOURCE_RECONCILE);
	ck_assert_str_eq(f.ref, "evt_1");
}
END_TEST

START_TEST(facts_metadata_ids_strictly)
{
	static const struct {
		const char	*v;
		long long	 want;
	} ids[] = {
		{ "1", 1 }, { "007", 7 },
		{ "999999999999999999", 999999999999999999LL },
		{ "1000000000000000000", 0 },	/* 19 digits */
		{ "", 0 }, { "-1", 0 }, { "+1", 0 }, { " 1", 0 }, { "1 ", 0 },
		{ "0x10", 0 }, { "1e3", 0 }, { "12a", 0 }, { "1.0", 0 },
	};
	struct stripe_session	 s;
	struct payment_fact	 f;
	size_t			 i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		s = session_with(ids[i].v, NULL);
		payment_session_fact(&s, SOURCE_WEBHOOK, NULL, &f);
		ck_assert_msg(f.order_id == ids[i].want, "\"%s\": %lld",
		    ids[i].v, f.order_id);
		ck_assert_ptr_null(f.order_token);
		ck_assert_ptr_null(f.ref);
	}
	s = session_with(NULL, NULL);
	payment_session_fact(&s, SOURCE_WEBHOOK, NULL, &f);
	ck_assert_int_eq(f.order_id, 0);
	s.nmetadata = 0;
	s.metadata = NULL;
	payment_session_fact(&s, SOURCE_WEBHOOK, NULL, &f);
	ck_assert_int_eq(f.order_id, 0);
}
END_TEST

START_TEST(names_match_their_enums)
{
	int	i;

	for (i = 0; i < SETTLE__MAX; i++)
		ck_assert_ptr_nonnull(settle_result_names[i]);
	ck_assert_str_eq(settle_result_names[SETTLE_OK], "ok");
	ck_assert_str_eq(settle_result_names[SETTLE_ERROR], "error");
	for (i = 0; i < QUOTE__MAX; i++)
		ck_assert_ptr_nonnull(quote_problem_msgs[i]);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pricing");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tax_rounds_half_up);
	tcase_add_test(tc, rates_by_country);
	tcase_add_test(tc, methods_in_order);
	tcase_add_test(tc, free_shipping_from_the_threshold);
	tcase_add_test(tc, quote_problems_at_the_edges);
	tcase_add_test(tc, facts_from_a_session);
	tcase_add_test(tc, facts_metadata_ids_strictly);
	tcase_add_test(tc, names_match_their_enums);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
