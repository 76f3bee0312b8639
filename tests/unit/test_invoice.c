/*
 * Unit tests: invoices and credit notes (lib/shop/invoice.h) issued in
 * the write that pays an order or records its refund, numbered without a
 * gap per year, never changed after; what the audit finds when a number
 * is missing or a document disagrees with its order or refund; the CSV
 * export of orders and document lines (lib/shop/order_export.h); the
 * reminder of an unpaid order (lib/shop/reminder.h) and the low-stock
 * mail a variant's threshold queues (sql/primary/0116_order_mails.sql).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/money.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/audit.h"
#include "shop/invoice.h"
#include "shop/order.h"
#include "shop/order_export.h"
#include "shop/payment.h"
#include "shop/refund.h"
#include "shop/reminder.h"
#include "testclock.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

static const char seed_sql[] =
    "INSERT INTO categories (id, slug, name) VALUES (1, 'mugs', 'Mugs');"
    "INSERT INTO products (id, slug, name, category_id) VALUES "
    " (1, 'blue-mug', 'Blue mug', 1), (2, 'odd', 'Mug, \"odd\"', 1);"
    "INSERT INTO variants (id, product_id, sku, title, price, currency, stock) "
    " VALUES (1, 1, 'BM', 'Large', 1250, 'EUR', 10),"
    " (2, 2, 'OM', '', 900, 'EUR', 10);"
    "INSERT INTO shipping_methods (code, name, price, currency, free_over) "
    " VALUES ('standard', 'Standard', 495, 'EUR', 50000);"
    "INSERT INTO tax_rates (country, name, rate_bp, inclusive) VALUES "
    " ('FR', 'TVA', 2000, 1), ('US', 'Sales tax', 800, 0);";

static void
setup(void)
{
	char	err[256];

	testclock_thaw();
	setenv("SHOP_SELLER_NAME", "Boutique SARL", 1);
	setenv("SHOP_SELLER_ADDRESS", "1 rue de la Paix\n75002 Paris\nFR", 1);
	setenv("SHOP_SELLER_VAT", "FR12345678901", 1);
	snprintf(dir, sizeof(dir), "/tmp/shop-invoice-XXXXXX");
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

	ck_assert_msg(sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL) ==
	    SQLITE_OK, "%s", sqlite3_errmsg(db_handle(d)));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
this_year(void)
{
	time_t		t = time(NULL);
	struct tm	tm;

	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* A pending order of vid x q shipped to country, its stock held. */
static struct order *
pending(const char *country, long long vid, long long q, const char *name,
    int hold)
{
	long long		 vids[1] = { vid }, qs[1] = { q };
	struct order_input	 in = {
		.email = "ann@example.test",
		.ship = { (char *)name, "1 Rue X", "Bât. B", "Paris", "75001",
		    (char *)country },
		.shipping_code = "standard",
		.variant_ids = vids, .quantities = qs, .nlines = 1,
		.hold_seconds = hold,
	};
	struct order		*o = NULL;

	ck_assert_int_eq(order_create(d, a, &in, &o, NULL), CREATE_OK);
	return o;
}

/* o paid by a webhook's fact with payment intent pi. */
static struct order *
pay(struct order *o, const char *pi, enum order_outcome want)
{
	struct payment_fact	 f;
	long long		 oid;

	memset(&f, 0, sizeof(f));
	f.session_id = arena_printf(a, "cs_%s", pi);
	f.payment_intent = pi;
	f.amount = o->total;
	f.currency = "eur";
	f.order_id = o->id;
	f.order_token = o->token;
	f.source = SOURCE_WEBHOOK;
	ck_assert_int_eq(payment_settle(d, a, &f, &oid), want);
	return order_by_id(d, a, o->id);
}

static struct order *
paid(const char *country, long long vid, long long q, const char *pi)
{
	return pay(pending(country, vid, q, "Ann Martin", 1800), pi,
	    OUTCOME_APPLIED);
}

/* Refund amount (0: the lines) of o, succeeded at the gateway. */
static struct refund *
refund(const struct order *o, long long amount,
    const struct refund_line_input *lines, size_t n)
{
	struct refund_input	 in;
	struct refund_answer	 ans;
	struct refund		*r = NULL, *done = NULL;

	memset(&in, 0, sizeof(in));
	in.order_id = o->id;
	in.amount = amount;
	in.lines = lines;
	in.nlines = n;
	in.actor = "admin:ops@example.test";
	ck_assert_int_eq(refund_request(d, a, &in, &r), REFUND_OK);
	memset(&ans, 0, sizeof(ans));
	ans.kind = REFUND_ANSWER_REFUNDED;
	ans.gateway_id = arena_printf(a, "re_%lld", r->id);
	ans.amount = r->amount;
	ans.gateway_total = -1;
	ck_assert_int_eq(refund_record(d, a, r->id, &ans, &done), REFUND_OK);
	return done;
}

static long long
audit(struct buf *out)
{
	struct audit_report	rep;

	buf_reset(out);
	ck_assert_int_eq(audit_books(d, a, &rep, out), 0);
	return rep.findings;
}

START_TEST(invoice_issued_when_paid)
{
	struct order	*o = paid("FR", 1, 2, "pi_1"), *o2;
	struct invoice	*v;
	struct buf	 out = { 0 };
	int		 y = this_year();

	ck_assert_int_eq(o->total, 2995);
	v = invoice_of_order(d, a, o->id);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v->number, arena_printf(a, "INV-%d-000001", y));
	ck_assert_int_eq(v->year, y);
	ck_assert_str_eq(v->order_number, o->number);
	ck_assert_str_eq(v->seller_name, "Boutique SARL");
	ck_assert_str_eq(v->seller_address, "1 rue de la Paix\n75002 Paris\nFR");
	ck_assert_str_eq(v->seller_vat, "FR12345678901");
	ck_assert_str_eq(v->buyer_name, "Ann Martin");
	ck_assert_str_eq(v->buyer_email, "ann@example.test");
	ck_assert_str_eq(v->buyer_address, "1 Rue X\nBât. B\n75001 Paris\nFR");
	ck_assert_int_eq(v->total, 2995);
	ck_assert_int_eq(v->tax, o->tax);
	ck_assert(v->tax_inclusive);
	ck_assert_uint_eq(v->nlines, 2);
	ck_assert_str_eq(v->lines[0].description, "Blue mug (Large)");
	ck_assert_str_eq(v->lines[0].sku, "BM");
	ck_assert_int_eq(v->lines[0].quantity, 2);
	ck_assert_int_eq(v->lines[0].unit_price, 1250);
	ck_assert_int_eq(v->lines[0].amount, 2500);
	ck_assert_int_eq(v->lines[0].tax, 417);		/* 2500 / 1.2 */
	ck_assert_str_eq(v->lines[1].description, "Shipping: Standard");
	ck_assert_int_eq(v->lines[1].amount, 495);
	ck_assert_int_eq(v->lines[1].tax, o->tax - 417);
	ck_assert_uint_eq(v->ntaxes, 1);
	ck_assert_str_eq(v->taxes[0].name, "TVA");
	ck_assert_int_eq(v->taxes[0].rate_bp, 2000);
	ck_assert_int_eq(v->taxes[0].tax, o->tax);
	ck_assert_int_eq(v->taxes[0].base, 2995 - o->tax);
	/* In the write that paid it; the same fact again issues nothing. */
	ck_assert_int_eq(count("SELECT count(*) FROM invoices"), 1);
	pay(o, "pi_1", OUTCOME_ALREADY);
	ck_assert_int_eq(count("SELECT count(*) FROM invoices"), 1);
	/* The next order takes the next number. */
	o2 = paid("FR", 2, 1, "pi_2");
	ck_assert_str_eq(invoice_of_order(d, a, o2->id)->number,
	    arena_printf(a, "INV-%d-000002", y));
	/* An unpaid order has none. */
	ck_assert_ptr_null(invoice_of_order(d, a,
	    pending("FR", 1, 1, "Bob", 1800)->id));
	/* Never changed, never deleted. */
	ck_assert_int_eq(db_exec(d, "UPDATE invoices SET total = 1"), -1);
	ck_assert_int_eq(db_exec(d, "UPDATE invoice_lines SET amount = 1"), -1);
	ck_assert_int_eq(db_exec(d, "DELETE FROM invoices"), -1);
	ck_assert_int_eq(db_exec(d, "DELETE FROM invoice_lines"), -1);
	ck_assert_msg(audit(&out) == 0, "%s", buf_str(&out));
	buf_free(&out);
}
END_TEST

START_TEST(invoice_tax_added)
{
	struct order	*o = paid("US", 1, 1, "pi_us");
	struct invoice	*v = invoice_of_order(d, a, o->id);
	struct buf	 out = { 0 };

	ck_assert_ptr_nonnull(v);
	ck_assert(!v->tax_inclusive);
	/* 1250 + 495, and 8% on each: 100 + 40. */
	ck_assert_int_eq(v->lines[0].amount, 1250);
	ck_assert_int_eq(v->lines[0].tax, 100);
	ck_assert_int_eq(v->lines[1].amount, 495);
	ck_assert_int_eq(v->lines[1].tax, 40);
	ck_assert_int_eq(v->taxes[0].base, 1745);
	ck_assert_int_eq(v->taxes[0].tax, 140);
	ck_assert_int_eq(v->total, 1885);
	ck_assert_int_eq(o->total, 1885);
	ck_assert_msg(audit(&out) == 0, "%s", buf_str(&out));
	buf_free(&out);
}
END_TEST

/* Each year's sequence starts again at 1. */
START_TEST(sequence_per_year)
{
	struct order	*o1, *o2;

	testclock_freeze(1924991940LL * 1000);	/* 2030-12-31 23:59 UTC */
	o1 = paid("FR", 1, 1, "pi_a");
	testclock_advance(120 * 1000);
	o2 = paid("FR", 1, 1, "pi_b");
	ck_assert_str_eq(invoice_of_order(d, a, o1->id)->number,
	    "INV-2030-000001");
	ck_assert_str_eq(invoice_of_order(d, a, o2->id)->number,
	    "INV-2031-000001");
	ck_assert_str_eq(invoice_of_order(d, a, o2->id)->issued_at,
	    "2031-01-01T00:01:00Z");
}
END_TEST

/* An invoice and a credit note after a partial refund, then another. */
START_TEST(credit_notes_after_partial_refunds)
{
	struct order			*o = paid("FR", 1, 3, "pi_p");
	struct refund_line_input	 li[1];
	struct refund			*r1, *r2;
	struct invoice			*cn, *list;
	struct buf			 out = { 0 };
	size_t				 n;
	int				 y = this_year();

	ck_assert_int_eq(o->total, 3750 + 495);
	memset(li, 0, sizeof(li));
	li[0].order_line_id = count("SELECT id FROM order_lines");
	li[0].quantity = 1;
	r1 = refund(o, 0, li, 1);
	ck_assert_int_eq(r1->amount, 1250);
	cn = credit_note_of_order(d, a, o->id, 1);
	ck_assert_ptr_nonnull(cn);
	ck_assert_int_eq(cn->kind, INVOICE_KIND_CREDIT_NOTE);
	ck_assert_str_eq(cn->number, arena_printf(a, "CN-%d-000001", y));
	ck_assert_str_eq(cn->invoice_number, arena_printf(a, "INV-%d-000001",
	    y));
	ck_assert_int_eq(cn->refund_id, r1->id);
	ck_assert_int_eq(cn->total, 1250);
	ck_assert_uint_eq(cn->nlines, 1);
	ck_assert_str_eq(cn->lines[0].description, "Blue mug (Large)");
	ck_assert_int_eq(cn->lines[0].quantity, 1);
	ck_assert_int_eq(cn->lines[0].amount, 1250);
	ck_assert_int_eq(cn->lines[0].tax, r1->lines[0].tax);
	ck_assert_int_eq(cn->tax, r1->lines[0].tax);
	ck_assert_str_eq(cn->seller_vat, "FR12345678901");
	/* An amount alone: one line, its tax at the order's rate. */
	r2 = refund(o, 600, NULL, 0);
	cn = credit_note_of_order(d, a, o->id, 2);
	ck_assert_ptr_nonnull(cn);
	ck_assert_str_eq(cn->number, arena_printf(a, "CN-%d-000002", y));
	ck_assert_int_eq(cn->refund_id, r2->id);
	ck_assert_str_eq(cn->lines[0].description, arena_printf(a,
	    "Refund on order %s", o->number));
	ck_assert_int_eq(cn->lines[0].amount, 600);
	ck_assert_int_eq(cn->lines[0].tax, 100);	/* 600 / 1.2 */
	ck_assert_int_eq(cn->taxes[0].base, 500);
	list = credit_notes_of_order(d, a, o->id, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(list[0].ordinal, 1);
	ck_assert_int_eq(list[1].ordinal, 2);
	ck_assert_ptr_null(credit_note_of_order(d, a, o->id, 3));
	/* The invoice is as it was. */
	ck_assert_int_eq(invoice_of_order(d, a, o->id)->total, 4245);
	ck_assert_int_eq(db_exec(d, "UPDATE credit_notes SET total = 1"), -1);
	ck_assert_int_eq(db_exec(d, "DELETE FROM credit_note_lines"), -1);
	ck_assert_msg(audit(&out) == 0, "%s", buf_str(&out));
	buf_free(&out);
}
END_TEST

/* Lines that do not add up to the refund are refused. */
START_TEST(bad_credit_note_refused)
{
	struct order			*o = paid("FR", 1, 1, "pi_bad");
	struct credit_line_input	 l = { "x", 1, 100, 10 };
	struct credit_note_input	 in = { 1, 200, &l, 1 };

	ck_assert_int_eq(credit_note_issue(d, a, o, &in, NULL), -1); /* no write */
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(credit_note_issue(d, a, o, &in, NULL), -1);
	in.nlines = 0;
	in.total = 0;
	ck_assert_int_eq(credit_note_issue(d, a, o, &in, NULL), -1);
	db_rollback(d);
	ck_assert_int_eq(count("SELECT count(*) FROM credit_notes"), 0);
}
END_TEST

/* The sequences proven by the audit: a gap and mismatches, by SQL. */
START_TEST(bad_sequences_found_by_audit)
{
	struct order			*o1 = paid("FR", 1, 1, "pi_g1");
	struct order			*o2 = paid("FR", 1, 1, "pi_g2");
	struct order			*o3 = paid("FR", 1, 1, "pi_g3");
	struct refund			*r;
	struct buf			 out = { 0 };
	struct audit_report		 rep;
	int				 y = this_year();

	r = refund(o2, 500, NULL, 0);
	ck_assert_msg(audit(&out) == 0, "%s", buf_str(&out));
	/* What only a hand at the database could do: the triggers off. */
	ck_assert_int_eq(db_exec(d, "DROP TRIGGER invoices_no_delete; "
	    "DROP TRIGGER invoice_lines_no_delete; "
	    "DROP TRIGGER invoices_no_update; "
	    "DROP TRIGGER credit_notes_no_update"), 0);
	ck_assert_int_eq(db_exec(d, "DELETE FROM invoice_lines WHERE "
	    "invoice_id = 1; DELETE FROM invoices WHERE id = 1"), 0);
	buf_reset(&out);
	ck_assert_int_eq(audit_books(d, a, &rep, &out), 0);
	ck_assert_int_eq(rep.document_gaps, 2);
	ck_assert_int_eq(rep.documents_missing, 1);
	ck_assert_int_eq(rep.findings, 3);
	ck_assert_str_eq(buf_str(&out), arena_printf(a,
	    "invoices of %d: INV-%d-000001 is missing (2 issued, numbered up "
	    "to 3)\n"
	    "invoices: 1 row id(s) handed out but their rows are gone\n"
	    "order %s is paid but has no invoice\n", y, y, o1->number));

	/* A total changed, and a credit note no longer its refund's. */
	ck_assert_int_eq(db_exec(d, "UPDATE invoices SET total = total + 1 "
	    "WHERE id = 3; UPDATE credit_notes SET total = 400"), 0);
	buf_reset(&out);
	ck_assert_int_eq(audit_books(d, a, &rep, &out), 0);
	ck_assert_msg(rep.document_mismatches == 4, "%s", buf_str(&out));
	ck_assert_msg(strstr(buf_str(&out), arena_printf(a, "invoice "
	    "INV-%d-000003 is for order %s, 1746 EUR, but the order (%s) is "
	    "1745 EUR\n", y, o3->number, o3->number)) != NULL, "%s",
	    buf_str(&out));
	ck_assert(strstr(buf_str(&out), arena_printf(a, "invoice "
	    "INV-%d-000003 does not add up: lines 1745 for subtotal and "
	    "shipping 1745, tax 291 of lines for 291, or a total that is not "
	    "their sum\n", y)) != NULL);
	ck_assert(strstr(buf_str(&out), arena_printf(a, "credit note "
	    "CN-%d-000001 of 400 is not refund %lld's, which is succeeded, "
	    "of 500, or of another order or currency\n", y, r->id)) != NULL);
	ck_assert(strstr(buf_str(&out), arena_printf(a, "credit note "
	    "CN-%d-000001 does not add up: lines 500 for a total of 400",
	    y)) != NULL);
	buf_free(&out);
}
END_TEST

/* A number taken past the next one is a gap too. */
START_TEST(bad_number_skipped_found)
{
	struct order	*o = paid("FR", 1, 1, "pi_s1");
	struct buf	 out = { 0 };
	int		 y = this_year();

	(void)o;
	ck_assert_int_eq(db_exec(d, "INSERT INTO invoices (year, seq, number, "
	    "order_id, order_number, issued_at, currency, seller_name, "
	    "seller_address, seller_vat, buyer_name, buyer_email, "
	    "buyer_address, subtotal, shipping, tax, total, tax_inclusive) "
	    "SELECT year, 4, printf('INV-%04d-%06d', year, 4), "
	    "(SELECT id FROM orders WHERE number IS NOT NULL ORDER BY id DESC "
	    "LIMIT 1) + 100, order_number, issued_at, currency, seller_name, "
	    "seller_address, seller_vat, buyer_name, buyer_email, "
	    "buyer_address, 0, 0, 0, 0, 1 FROM invoices"), -1);
	/* The order must exist (foreign key): a made-up pending one. */
	pending("FR", 2, 1, "Cy", 1800);
	ck_assert_int_eq(db_exec(d, "INSERT INTO invoices (year, seq, number, "
	    "order_id, order_number, issued_at, currency, seller_name, "
	    "seller_address, seller_vat, buyer_name, buyer_email, "
	    "buyer_address, subtotal, shipping, tax, total, tax_inclusive) "
	    "SELECT i.year, 4, printf('INV-%04d-%06d', i.year, 4), o.id, "
	    "o.number, i.issued_at, 'EUR', '', '', '', '', '', '', 0, 0, 0, "
	    "0, 1 FROM invoices i, orders o WHERE o.state = "
	    "'pending_payment'"), 0);
	buf_reset(&out);
	ck_assert_int_eq(audit(&out), 4);
	ck_assert(strstr(buf_str(&out), arena_printf(a, "invoices of %d: "
	    "INV-%d-000002 is missing (2 issued, numbered up to 4)\n"
	    "invoices of %d: INV-%d-000003 is missing (2 issued, numbered up "
	    "to 4)\n", y, y, y, y)) != NULL);
	ck_assert(strstr(buf_str(&out), arena_printf(a, "invoice "
	    "INV-%d-000004: order SF-000002 has no payment\n", y)) != NULL);
	ck_assert(strstr(buf_str(&out), arena_printf(a, "invoice "
	    "INV-%d-000004 is for order SF-000002, 0 EUR, but the order "
	    "(SF-000002) is 1395 EUR\n", y)) != NULL);
	buf_free(&out);
}
END_TEST

/* An order paid by a program older than invoices gets its invoice late. */
START_TEST(missing_invoice_issued_by_reconcile)
{
	struct order	*o1 = paid("FR", 1, 1, "pi_m1");
	struct order	*o2 = pending("FR", 1, 1, "Old", 1800);
	struct buf	 out = { 0 };
	int		 y = this_year();

	(void)o1;
	/* What such a program writes: the payment and the move, no invoice. */
	ck_assert_int_eq(db_exec(d, "UPDATE orders SET state = 'paid', "
	    "amount_paid = total, stock_held = 0, paid_at = '2026-01-01T00:00:00Z' "
	    "WHERE state = 'pending_payment'; INSERT INTO payments (order_id, "
	    "session_id, amount, currency, source) SELECT id, 'cs_old', total, "
	    "'EUR', 'webhook' FROM orders WHERE session_id IS NULL AND "
	    "amount_paid > 0 AND id NOT IN (SELECT order_id FROM payments)"), 0);
	ck_assert_int_eq(audit(&out), 1);
	ck_assert_str_eq(buf_str(&out), arena_printf(a, "order %s is paid but "
	    "has no invoice\n", o2->number));
	ck_assert_int_eq(invoice_issue_missing(d, a), 1);
	ck_assert_str_eq(invoice_of_order(d, a, o2->id)->number,
	    arena_printf(a, "INV-%d-000002", y));
	ck_assert_int_eq(invoice_issue_missing(d, a), 0);
	ck_assert_msg(audit(&out) == 0, "%s", buf_str(&out));
	buf_free(&out);
}
END_TEST

START_TEST(export_csv_quotes)
{
	struct order			*o = pay(pending("FR", 2, 1,
					    "Ann \"Nan\", Martin\nJr", 1800),
					    "pi_csv", OUTCOME_APPLIED);
	struct order_export_query	 q;
	struct buf			 out = { 0 };
	struct invoice			*v = invoice_of_order(d, a, o->id);
	char				 day[11];

	snprintf(day, sizeof(day), "%.10s", o->created_at);
	memset(&q, 0, sizeof(q));
	q.from = day;
	q.to = day;
	q.format = CSVOUT_CSV;
	ck_assert_int_eq(order_export(d, a, &q, &out), 1);
	ck_assert_str_eq(buf_str(&out), arena_printf(a,
	    "\"order\",\"placed_at\",\"paid_at\",\"state\",\"email\",\"name\","
	    "\"country\",\"currency\",\"subtotal\",\"discount\","
	    "\"shipping\",\"tax\",\"total\",\"paid\",\"refunded\","
	    "\"invoice\",\"invoiced_at\",\"credit_notes\"\r\n"
	    "\"%s\",\"%s\",\"%s\",\"paid\",\"ann@example.test\","
	    "\"Ann \"\"Nan\"\", Martin\nJr\",\"FR\",\"EUR\",\"9.00\",\"0.00\","
	    "\"4.95\","
	    "\"%s\",\"13.95\",\"13.95\",\"0.00\",\"%s\",\"%s\",\"\"\r\n",
	    o->number, o->created_at, o->paid_at, money_decimal(a, o->tax,
	    "EUR"), v->number, v->issued_at));
	/* Per line: the product's name has a comma and quotes. */
	q.lines = true;
	buf_reset(&out);
	ck_assert_int_eq(order_export(d, a, &q, &out), 2);
	ck_assert(strstr(buf_str(&out), arena_printf(a, "\"invoice\",\"%s\","
	    "\"%s\",\"%s\",\"1\",\"Mug, \"\"odd\"\"\",\"OM\",\"1\",\"9.00\","
	    "\"7.50\",\"TVA\",\"20.00\",\"1.50\",\"9.00\",\"EUR\"\r\n",
	    v->number, v->issued_at, o->number)) != NULL);
	/* Tab-separated: no quoting, breaks flattened. */
	q.lines = false;
	q.format = CSVOUT_TSV;
	buf_reset(&out);
	ck_assert_int_eq(order_export(d, a, &q, &out), 1);
	ck_assert(strstr(buf_str(&out), "\tAnn \"Nan\", Martin Jr\tFR\t") !=
	    NULL);
	/* Another day: nothing but the header; bad days refused. */
	q.from = q.to = "2001-01-01";
	buf_reset(&out);
	ck_assert_int_eq(order_export(d, a, &q, &out), 0);
	q.from = "2026-02-30";
	ck_assert_int_eq(order_export(d, a, &q, &out), -1);
	ck_assert(!order_export_date_ok("2026-1-01"));
	ck_assert(!order_export_date_ok("2025-02-29"));
	ck_assert(order_export_date_ok("2024-02-29"));
	ck_assert(!order_export_date_ok("2026-13-01"));
	ck_assert(!order_export_date_ok(NULL));
	buf_free(&out);
}
END_TEST

/* The reminder: once, only within the window, never for money on its way. */
START_TEST(reminder_once_within_window)
{
	struct order	*o = pending("FR", 1, 1, "Ann", 7200);
	struct order	*short_hold = pending("FR", 1, 1, "Bob", 1800);
	long long	 now = time(NULL);

	(void)short_hold;
	ck_assert_int_eq(reminder_send_due(d, a, now + 60, 3600), 0);
	ck_assert_int_eq(reminder_send_due(d, a, now + 3601, 3600), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE "
	    "json_extract(payload, '$.template') = 'payment_reminder'"), 1);
	ck_assert_int_eq(count(arena_printf(a, "SELECT count(*) FROM outbox "
	    "WHERE json_extract(payload, '$.data.token') = '%s' AND "
	    "json_extract(payload, '$.to') = 'ann@example.test' AND "
	    "unique_key = 'mail:payment-reminder:%lld'", o->token, o->id)),
	    1);
	/* Once. */
	ck_assert_int_eq(reminder_send_due(d, a, now + 3700, 3600), 0);
	/* Off; and a payment on its way is not reminded. */
	o = pending("FR", 1, 1, "Cy", 7200);
	ck_assert_int_eq(reminder_send_due(d, a, now + 3601, 0), 0);
	ck_assert_int_eq(db_exec(d, "UPDATE orders SET payment_intent = "
	    "'pi_x' WHERE reminded_at IS NULL"), 0);
	ck_assert_int_eq(reminder_send_due(d, a, now + 3601, 3600), 0);
	/* A paid order neither. */
	ck_assert_int_eq(count("SELECT count(*) FROM orders WHERE "
	    "reminded_at IS NOT NULL"), 1);
}
END_TEST

/* Low stock: queued once when the stock crosses the threshold. */
START_TEST(low_stock_mail_once)
{
	const char	*mails = "SELECT count(*) FROM outbox WHERE "
			    "json_extract(payload, '$.template') = 'low_stock' "
			    "AND json_extract(payload, '$.merchant') = 1";

	ck_assert_int_eq(db_exec(d, "UPDATE variants SET low_stock_threshold "
	    "= 5 WHERE id = 1"), 0);
	pending("FR", 1, 4, "Ann", 1800);		/* 10 -> 6 */
	ck_assert_int_eq(count(mails), 0);
	pending("FR", 1, 2, "Ann", 1800);		/* 6 -> 4 */
	ck_assert_int_eq(count(mails), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE "
	    "json_extract(payload, '$.data.sku') = 'BM' AND "
	    "json_extract(payload, '$.data.stock') = 4 AND "
	    "json_extract(payload, '$.data.threshold') = 5 AND "
	    "json_extract(payload, '$.data.product') = 'Blue mug'"), 1);
	pending("FR", 1, 1, "Ann", 1800);		/* 4 -> 3 */
	ck_assert_int_eq(count(mails), 1);
	/* Restocked above it, it is armed again. */
	ck_assert_int_eq(db_exec(d, "UPDATE variants SET stock = 9 WHERE "
	    "id = 1"), 0);
	pending("FR", 1, 5, "Ann", 1800);		/* 9 -> 4 */
	ck_assert_int_eq(count(mails), 2);
	/* No threshold: no mail. */
	pending("FR", 2, 10, "Ann", 1800);
	ck_assert_int_eq(count(mails), 2);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("invoice");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, invoice_issued_when_paid);
	tcase_add_test(tc, invoice_tax_added);
	tcase_add_test(tc, sequence_per_year);
	tcase_add_test(tc, credit_notes_after_partial_refunds);
	tcase_add_test(tc, bad_credit_note_refused);
	tcase_add_test(tc, bad_sequences_found_by_audit);
	tcase_add_test(tc, bad_number_skipped_found);
	tcase_add_test(tc, missing_invoice_issued_by_reconcile);
	tcase_add_test(tc, export_csv_quotes);
	tcase_add_test(tc, reminder_once_within_window);
	tcase_add_test(tc, low_stock_mail_once);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
