/*
 * Orders for the accountant (order_export.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/money.h"
#include "data/db.h"
#include "ext/csvout.h"
#include "shop/order_export.h"

/* Orders placed from ?1 to the end of the day ?2. */
static const char sql_orders[] =
    "SELECT o.number, o.created_at, coalesce(o.paid_at, ''), o.state, "
    "o.email, o.ship_name, o.ship_country, o.currency, "
    "o.subtotal + o.discount, o.discount, o.shipping, o.tax, o.total, o.amount_paid, o.amount_refunded, "
    "coalesce(i.number, ''), coalesce(i.issued_at, ''), "
    "coalesce((SELECT group_concat(number, ' ') FROM (SELECT c.number "
    " FROM credit_notes c WHERE c.order_id = o.id ORDER BY c.ordinal)), '') "
    "FROM orders o LEFT JOIN invoices i ON i.order_id = o.id "
    "WHERE o.number IS NOT NULL AND o.created_at >= ?1 "
    "AND o.created_at < date(?2, '+1 day') ORDER BY o.id";
/* Lines of the documents issued from ?1 to the end of the day ?2. */
static const char sql_lines[] =
    "SELECT 'invoice', i.number, i.issued_at, i.order_number, l.position, "
    "l.description, l.sku, l.quantity, l.unit_price, "
    "CASE WHEN i.tax_inclusive THEN l.amount - l.tax ELSE l.amount END, "
    "l.tax_name, l.tax_rate_bp, l.tax, "
    "CASE WHEN i.tax_inclusive THEN l.amount ELSE l.amount + l.tax END, "
    "i.currency, i.id AS doc, 0 AS kind "
    "FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id "
    "WHERE i.issued_at >= ?1 AND i.issued_at < date(?2, '+1 day') "
    "UNION ALL "
    "SELECT 'credit_note', c.number, c.issued_at, c.order_number, "
    "l.position, l.description, '', l.quantity, 0, -(l.amount - l.tax), "
    "l.tax_name, l.tax_rate_bp, -l.tax, -l.amount, c.currency, c.id, 1 "
    "FROM credit_notes c JOIN credit_note_lines l ON l.credit_note_id = c.id "
    "WHERE c.issued_at >= ?1 AND c.issued_at < date(?2, '+1 day') "
    "ORDER BY 3, kind, doc, 5";

static const char *const order_head[] = {
	"order", "placed_at", "paid_at", "state", "email", "name", "country",
	"currency", "subtotal", "discount", "shipping", "tax", "total", "paid",
	"refunded",
	"invoice", "invoiced_at", "credit_notes",
};
static const char *const line_head[] = {
	"document", "number", "issued_at", "order", "line", "description",
	"sku", "quantity", "unit_price", "net", "tax_name", "tax_rate", "tax",
	"gross", "currency",
};

bool
order_export_date_ok(const char *s)
{
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	y, m, d, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 2000 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0));
}

static void
head(struct csvout *c, const char *const *names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		csvout_field(c, names[i]);
	csvout_end(c);
}

/* Column col of st as text. */
static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? (const char *)s : "";
}

/* Column i of st, an amount in minor units of currency, as a decimal. */
static const char *
amount(struct arena *a, sqlite3_stmt *st, int i, const char *currency)
{
	return money_decimal(a, sqlite3_column_int64(st, i), currency);
}

static long long
orders_rows(struct db *d, struct arena *a, sqlite3_stmt *st, struct csvout *c)
{
	long long	 n = 0;
	int		 rc, i;

	head(c, order_head, sizeof(order_head) / sizeof(order_head[0]));
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		const char *cur = col(st, 7);

		for (i = 0; i < 8; i++)
			csvout_field(c, col(st, i));
		for (i = 8; i < 15; i++)
			csvout_field(c, amount(a, st, i, cur));
		for (i = 15; i < 18; i++)
			csvout_field(c, col(st, i));
		csvout_end(c);
		n++;
	}
	return rc < 0 ? -1 : n;
}

static long long
lines_rows(struct db *d, struct arena *a, sqlite3_stmt *st, struct csvout *c)
{
	long long	 n = 0, bp;
	int		 rc, i;

	head(c, line_head, sizeof(line_head) / sizeof(line_head[0]));
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		const char *cur = col(st, 14);

		for (i = 0; i < 8; i++)
			csvout_field(c, col(st, i));
		csvout_field(c, amount(a, st, 8, cur));
		csvout_field(c, amount(a, st, 9, cur));
		csvout_field(c, col(st, 10));
		/* Basis points as a percentage: 2000 -> 20.00. */
		bp = sqlite3_column_int64(st, 11);
		csvout_field(c, arena_printf(a, "%lld.%02lld", bp / 100,
		    bp % 100));
		csvout_field(c, amount(a, st, 12, cur));
		csvout_field(c, amount(a, st, 13, cur));
		csvout_field(c, cur);
		csvout_end(c);
		n++;
	}
	return rc < 0 ? -1 : n;
}

long long
order_export(struct db *d, struct arena *a, const struct order_export_query *q,
    struct buf *out)
{
	struct csvout	 c;
	sqlite3_stmt	*st;
	long long	 n;

	if (!order_export_date_ok(q->from) || !order_export_date_ok(q->to))
		return -1;
	if (db_read_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, q->lines ? sql_lines : sql_orders)) == NULL) {
		db_read_end(d);
		return -1;
	}
	sqlite3_bind_text(st, 1, q->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->to, -1, SQLITE_STATIC);
	csvout_init(&c, out, q->format);
	n = q->lines ? lines_rows(d, a, st, &c) : orders_rows(d, a, st, &c);
	sqlite3_reset(st);
	db_read_end(d);
	return n;
}
