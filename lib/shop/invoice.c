/*
 * Invoices and credit notes (invoice.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "shop/invoice.h"
#include "shop/order.h"
#include "shop/pricing.h"

const char *const invoice_kind_names[INVOICE_KIND__MAX] = {
	"invoice",
	"credit_note",
};

static const char sql_inv_of_order[] =
    "SELECT id FROM invoices WHERE order_id = ?1";
static const char sql_inv_next[] =
    "SELECT coalesce(max(seq), 0) + 1 FROM invoices WHERE year = ?1";
static const char sql_inv_insert[] =
    "INSERT INTO invoices (year, seq, number, order_id, order_number, "
    "issued_at, currency, seller_name, seller_address, seller_vat, "
    "buyer_name, buyer_email, buyer_address, subtotal, shipping, tax, "
    "total, tax_inclusive) VALUES (?1, ?2, printf('INV-%04d-%06d', ?1, ?2), "
    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
static const char sql_inv_line[] =
    "INSERT INTO invoice_lines (invoice_id, position, description, sku, "
    "quantity, unit_price, amount, tax, tax_name, tax_rate_bp) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_cn_of_refund[] =
    "SELECT id, ordinal FROM credit_notes WHERE refund_id = ?1";
static const char sql_cn_next[] =
    "SELECT (SELECT coalesce(max(seq), 0) + 1 FROM credit_notes "
    "WHERE year = ?1), (SELECT coalesce(max(ordinal), 0) + 1 "
    "FROM credit_notes WHERE order_id = ?2)";
static const char sql_cn_insert[] =
    "INSERT INTO credit_notes (year, seq, number, refund_id, order_id, "
    "ordinal, invoice_id, order_number, issued_at, currency, seller_name, "
    "seller_address, seller_vat, buyer_name, buyer_email, buyer_address, "
    "total, tax) VALUES (?1, ?2, printf('CN-%04d-%06d', ?1, ?2), ?3, ?4, "
    "?5, (SELECT id FROM invoices WHERE order_id = ?4), ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?13, ?14, ?15, ?16)";
static const char sql_cn_line[] =
    "INSERT INTO credit_note_lines (credit_note_id, position, description, "
    "quantity, amount, tax, tax_name, tax_rate_bp) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

#define INV_COLS \
    "id, number, year, seq, order_id, order_number, issued_at, currency, " \
    "seller_name, seller_address, seller_vat, buyer_name, buyer_email, " \
    "buyer_address, subtotal, shipping, tax, total, tax_inclusive, 0, 0, ''"
#define CN_COLS \
    "c.id, c.number, c.year, c.seq, c.order_id, c.order_number, " \
    "c.issued_at, c.currency, c.seller_name, c.seller_address, " \
    "c.seller_vat, c.buyer_name, c.buyer_email, c.buyer_address, " \
    "c.total - c.tax, 0, c.tax, c.total, 1, c.refund_id, c.ordinal, " \
    "coalesce(i.number, '')"
static const char sql_inv_load[] =
    "SELECT " INV_COLS " FROM invoices WHERE order_id = ?1";
static const char sql_inv_lines[] =
    "SELECT position, description, sku, quantity, unit_price, amount, tax, "
    "tax_name, tax_rate_bp FROM invoice_lines WHERE invoice_id = ?1 "
    "ORDER BY position";
static const char sql_cn_load[] =
    "SELECT " CN_COLS " FROM credit_notes c LEFT JOIN invoices i "
    "ON i.id = c.invoice_id WHERE c.order_id = ?1 AND c.ordinal = ?2";
static const char sql_cn_list[] =
    "SELECT " CN_COLS " FROM credit_notes c LEFT JOIN invoices i "
    "ON i.id = c.invoice_id WHERE c.order_id = ?1 ORDER BY c.ordinal";
static const char sql_cn_lines[] =
    "SELECT position, description, '', quantity, 0, amount, tax, "
    "tax_name, tax_rate_bp FROM credit_note_lines WHERE credit_note_id = ?1 "
    "ORDER BY position";

/* Paid orders since the books began without their invoice, oldest first. */
static const char sql_uninvoiced[] =
    "SELECT o.id FROM orders o, books_start b "
    "WHERE o.id >= b.first_order_id AND EXISTS (SELECT 1 FROM payments p "
    "WHERE p.order_id = o.id) AND NOT EXISTS (SELECT 1 FROM invoices i "
    "WHERE i.order_id = o.id) ORDER BY o.id LIMIT ?1";

/* The audit's statements: numbers missing, then rows that disagree. */
#define MISSING_SEQ(t) \
    "WITH RECURSIVE y(year, top) AS (SELECT year, max(seq) FROM " t \
    " GROUP BY year), n(year, top, i) AS (SELECT year, top, 1 FROM y " \
    "UNION ALL SELECT year, top, i + 1 FROM n WHERE i < top) " \
    "SELECT year, i, (SELECT count(*) FROM " t " x WHERE x.year = n.year), " \
    "top FROM n WHERE NOT EXISTS (SELECT 1 FROM " t " x WHERE " \
    "x.year = n.year AND x.seq = n.i) ORDER BY year, i"
static const char sql_audit_inv_seq[] = MISSING_SEQ("invoices");
static const char sql_audit_cn_seq[] = MISSING_SEQ("credit_notes");
#define MISSING_IDS(t) \
    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = '" t \
    "'), 0) - (SELECT count(*) FROM " t ")"
static const char sql_audit_inv_ids[] = MISSING_IDS("invoices");
static const char sql_audit_cn_ids[] = MISSING_IDS("credit_notes");
static const char sql_audit_counts[] =
    "SELECT (SELECT count(*) FROM invoices), "
    "(SELECT count(*) FROM credit_notes)";
static const char sql_audit_inv[] =
    "SELECT i.number, coalesce(o.number, '?'), i.order_number, i.currency, "
    "coalesce(o.currency, '?'), i.total, coalesce(o.total, -1), "
    "EXISTS (SELECT 1 FROM payments p WHERE p.order_id = i.order_id), "
    "(SELECT coalesce(sum(amount), 0) FROM invoice_lines l "
    " WHERE l.invoice_id = i.id), i.subtotal + i.shipping, "
    "(SELECT coalesce(sum(tax), 0) FROM invoice_lines l "
    " WHERE l.invoice_id = i.id), i.tax, "
    "i.total = i.subtotal + i.shipping + "
    "CASE WHEN i.tax_inclusive THEN 0 ELSE i.tax END "
    "FROM invoices i LEFT JOIN orders o ON o.id = i.order_id ORDER BY i.id";
static const char sql_audit_cn[] =
    "SELECT c.number, c.refund_id, coalesce(r.state, 'missing'), "
    "coalesce(r.order_id, 0) = c.order_id, c.total, coalesce(r.amount, -1), "
    "c.currency = coalesce(r.currency, ''), "
    "(SELECT coalesce(sum(amount), 0) FROM credit_note_lines l "
    " WHERE l.credit_note_id = c.id), "
    "(SELECT coalesce(sum(tax), 0) FROM credit_note_lines l "
    " WHERE l.credit_note_id = c.id), c.tax "
    "FROM credit_notes c LEFT JOIN refunds r ON r.id = c.refund_id "
    "ORDER BY c.id";
static const char sql_audit_no_inv[] =
    "SELECT o.number FROM orders o, books_start b "
    "WHERE o.id >= b.first_order_id AND EXISTS (SELECT 1 FROM payments p "
    "WHERE p.order_id = o.id) AND NOT EXISTS (SELECT 1 FROM invoices i "
    "WHERE i.order_id = o.id) ORDER BY o.id";
static const char sql_audit_no_cn[] =
    "SELECT r.id, o.number FROM refunds r JOIN orders o ON o.id = r.order_id, "
    "books_start b WHERE r.id >= b.first_refund_id AND r.state = 'succeeded' "
    "AND NOT EXISTS (SELECT 1 FROM credit_notes c WHERE c.refund_id = r.id) "
    "ORDER BY r.id";

/* A setting of the environment, or fallback when unset or empty. */
static const char *
setting(const char *value, const char *fallback)
{
	return value != NULL && *value != '\0' ? value : fallback;
}

/*
 * An address as a setting gives it: lines parted by a line break or by
 * the two characters "\n" (an environment file has no line breaks in a
 * value). In the arena, with line breaks.
 */
static char *
lines_of(struct arena *a, const char *s)
{
	char	*out = arena_alloc(a, strlen(s) + 1), *p = out;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] == 'n') {
			*p++ = '\n';
			s += 2;
		} else
			*p++ = *s++;
	}
	*p = '\0';
	return out;
}

/* The year and the timestamp of now, as the database writes them. */
static int
now_year(struct arena *a, char **stamp)
{
	time_t		t = (time_t)clock_now();
	struct tm	tm;
	char		s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	*stamp = arena_strdup(a, s);
	return tm.tm_year + 1900;
}

/* The buyer's address, a line each, parted by "\n". */
static char *
buyer_address(struct arena *a, const struct order *o)
{
	return arena_printf(a, "%s%s%s\n%s %s\n%s", o->ship.line1,
	    *o->ship.line2 ? "\n" : "", o->ship.line2, o->ship.postcode,
	    o->ship.city, o->ship.country);
}

/*
 * Bind the seller and buyer of a document to st, from parameter first on
 * (six parameters: seller name, address, VAT; buyer name, email,
 * address).
 */
static void
bind_parties(struct arena *a, sqlite3_stmt *st, int first,
    const struct order *o)
{
	sqlite3_bind_text(st, first, setting(getenv("SHOP_SELLER_NAME"),
	    setting(getenv("SHOP_NAME"), "Shopfile")), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, first + 1, lines_of(a,
	    setting(getenv("SHOP_SELLER_ADDRESS"), "")), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, first + 2, setting(getenv("SHOP_SELLER_VAT"), ""),
	    -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, first + 3, o->ship.name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, first + 4, o->email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, first + 5, buyer_address(a, o), -1,
	    SQLITE_TRANSIENT);
}

/* The id the first column of st's one row holds; 0 if none, -1 on error. */
static long long
one_id(struct db *d, sqlite3_stmt *st)
{
	long long	id = 0;
	int		rc;

	rc = db_step(d, st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc < 0 ? -1 : id;
}

static int
insert_line(struct db *d, const char *sql, long long doc, long long pos,
    const char *desc, const char *sku, long long qty, long long unit,
    long long amount, long long tax, const char *tax_name, int rate_bp)
{
	sqlite3_stmt	*st;
	int		 rc, k = 1;

	if ((st = db_prep(d, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, k++, doc);
	sqlite3_bind_int64(st, k++, pos);
	sqlite3_bind_text(st, k++, desc, -1, SQLITE_TRANSIENT);
	if (sku != NULL)
		sqlite3_bind_text(st, k++, sku, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, k++, qty);
	if (sku != NULL)
		sqlite3_bind_int64(st, k++, unit);
	sqlite3_bind_int64(st, k++, amount);
	sqlite3_bind_int64(st, k++, tax);
	sqlite3_bind_text(st, k++, tax_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, k, rate_bp);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

long long
invoice_issue(struct db *d, struct arena *a, const struct order *o)
{
	sqlite3_stmt	*st;
	char		*stamp;
	long long	 id, seq, lines_tax = 0, pos = 0;
	int		 year, rc;
	size_t		 i;

	if (!db_in_write(d)) {
		log_error("invoice_issue: not inside a write transaction");
		return -1;
	}
	if ((st = db_prep(d, sql_inv_of_order)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, o->id);
	if ((id = one_id(d, st)) != 0)
		return id;
	year = now_year(a, &stamp);
	if ((st = db_prep(d, sql_inv_next)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, year);
	if ((seq = one_id(d, st)) <= 0)
		return -1;
	if ((st = db_prep(d, sql_inv_insert)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, year);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, o->id);
	sqlite3_bind_text(st, 4, o->number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, stamp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, o->currency, -1, SQLITE_TRANSIENT);
	bind_parties(a, st, 7, o);
	/* What the goods cost after the discount code, as each line. */
	sqlite3_bind_int64(st, 13, o->subtotal - o->discount);
	sqlite3_bind_int64(st, 14, o->shipping);
	sqlite3_bind_int64(st, 15, o->tax);
	sqlite3_bind_int64(st, 16, o->total);
	sqlite3_bind_int(st, 17, o->tax_inclusive);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	id = sqlite3_last_insert_rowid(db_handle(d));
	for (i = 0; i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];

		const char *name = *l->variant_title ? arena_printf(a,
		    "%s (%s)", l->product_name, l->variant_title) :
		    l->product_name;

		/* A line's share of a discount code comes off its amount. */
		if (l->discount > 0)
			name = arena_printf(a, "%s, less %s with code %s", name,
			    money_format(a, l->discount, o->currency),
			    o->discount_code);
		lines_tax += l->tax;
		if (insert_line(d, sql_inv_line, id, ++pos, name, l->sku,
		    l->quantity, l->unit_price, l->line_total - l->discount,
		    l->tax, o->tax_name, o->tax_rate_bp) != 0)
			return -1;
	}
	/*
	 * The shipping carries the rest of the order's tax; waived by a
	 * code, it is still a line, of 0, saying so.
	 */
	if ((o->shipping > 0 || o->shipping_discount > 0 ||
	    o->tax > lines_tax) &&
	    insert_line(d, sql_inv_line, id, ++pos, o->shipping_discount > 0 ?
	    arena_printf(a, "Shipping: %s, free with code %s",
	    o->shipping_name, o->discount_code) : arena_printf(a,
	    "Shipping: %s", o->shipping_name), "", 1, o->shipping, o->shipping,
	    o->tax > lines_tax ? o->tax - lines_tax : 0, o->tax_name,
	    o->tax_rate_bp) != 0)
		return -1;
	log_info("order %s: invoice INV-%04d-%06lld issued", o->number, year,
	    seq);
	return id;
}

#define MISSING_BATCH	50

long long
invoice_issue_missing(struct db *d, struct arena *a)
{
	sqlite3_stmt	*st;
	struct order	*o;
	long long	 ids[MISSING_BATCH], total = 0;
	size_t		 n, i;
	int		 rc;

	do {
		n = 0;
		if (db_begin(d) != 0)
			return -1;
		if ((st = db_prep(d, sql_uninvoiced)) == NULL)
			goto fail;
		sqlite3_bind_int(st, 1, MISSING_BATCH);
		while ((rc = db_step(d, st)) == SQLITE_ROW && n < MISSING_BATCH)
			ids[n++] = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc < 0)
			goto fail;
		for (i = 0; i < n; i++) {
			if ((o = order_by_id(d, a, ids[i])) == NULL ||
			    invoice_issue(d, a, o) < 0)
				goto fail;
			log_warn("order %s was paid without its invoice (by a "
			    "program older than invoices?): issued now",
			    o->number);
		}
		if (db_commit(d) != 0)
			return -1;
		total += (long long)n;
	} while (n == MISSING_BATCH);
	return total;
fail:
	db_rollback(d);
	return -1;
}

long long
credit_note_issue(struct db *d, struct arena *a, const struct order *o,
    const struct credit_note_input *in, long long *ordinal_out)
{
	sqlite3_stmt	*st;
	char		*stamp;
	long long	 id, seq, ordinal, sum = 0, tax = 0;
	int		 year, rc;
	size_t		 i;

	if (!db_in_write(d)) {
		log_error("credit_note_issue: not inside a write transaction");
		return -1;
	}
	for (i = 0; i < in->nlines; i++) {
		if (money_add(sum, in->lines[i].amount, &sum) != 0)
			return -1;
		tax += in->lines[i].tax;
	}
	if (in->nlines == 0 || sum != in->total || in->total <= 0) {
		log_error("credit_note_issue: refund %lld: lines of %lld for a "
		    "refund of %lld", in->refund_id, sum, in->total);
		return -1;
	}
	if ((st = db_prep(d, sql_cn_of_refund)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, in->refund_id);
	rc = db_step(d, st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	ordinal = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (id != 0) {
		if (ordinal_out != NULL)
			*ordinal_out = ordinal;
		return id;
	}
	year = now_year(a, &stamp);
	if ((st = db_prep(d, sql_cn_next)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, year);
	sqlite3_bind_int64(st, 2, o->id);
	rc = db_step(d, st);
	seq = sqlite3_column_int64(st, 0);
	ordinal = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return -1;
	if ((st = db_prep(d, sql_cn_insert)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, year);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, in->refund_id);
	sqlite3_bind_int64(st, 4, o->id);
	sqlite3_bind_int64(st, 5, ordinal);
	sqlite3_bind_text(st, 6, o->number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, stamp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, o->currency, -1, SQLITE_TRANSIENT);
	bind_parties(a, st, 9, o);
	sqlite3_bind_int64(st, 15, in->total);
	sqlite3_bind_int64(st, 16, tax);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	id = sqlite3_last_insert_rowid(db_handle(d));
	for (i = 0; i < in->nlines; i++)
		if (insert_line(d, sql_cn_line, id, (long long)i + 1,
		    in->lines[i].description, NULL, in->lines[i].quantity, 0,
		    in->lines[i].amount, in->lines[i].tax, o->tax_name,
		    o->tax_rate_bp) != 0)
			return -1;
	log_info("order %s: credit note CN-%04d-%06lld issued for refund %lld",
	    o->number, year, seq, in->refund_id);
	if (ordinal_out != NULL)
		*ordinal_out = ordinal;
	return id;
}

/* A document from a row of INV_COLS or CN_COLS. */
static void
doc_row(struct arena *a, sqlite3_stmt *st, enum invoice_kind kind,
    struct invoice *v)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->id = sqlite3_column_int64(st, 0);
	v->number = db_text(a, st, 1);
	v->year = sqlite3_column_int(st, 2);
	v->seq = sqlite3_column_int64(st, 3);
	v->order_id = sqlite3_column_int64(st, 4);
	v->order_number = db_text(a, st, 5);
	v->issued_at = db_text(a, st, 6);
	v->currency = db_text(a, st, 7);
	v->seller_name = db_text(a, st, 8);
	v->seller_address = db_text(a, st, 9);
	v->seller_vat = db_text(a, st, 10);
	v->buyer_name = db_text(a, st, 11);
	v->buyer_email = db_text(a, st, 12);
	v->buyer_address = db_text(a, st, 13);
	v->subtotal = sqlite3_column_int64(st, 14);
	v->shipping = sqlite3_column_int64(st, 15);
	v->tax = sqlite3_column_int64(st, 16);
	v->total = sqlite3_column_int64(st, 17);
	v->tax_inclusive = sqlite3_column_int(st, 18) != 0;
	v->refund_id = sqlite3_column_int64(st, 19);
	v->ordinal = sqlite3_column_int64(st, 20);
	v->invoice_number = db_text(a, st, 21);
}

/* v's lines, then its taxes grouped by name and rate. 0 or -1. */
static int
doc_lines(struct db *d, struct arena *a, struct invoice *v)
{
	sqlite3_stmt	*st;
	size_t		 cap = 8, i, k;
	int		 rc;

	st = db_prep(d, v->kind == INVOICE_KIND_INVOICE ? sql_inv_lines :
	    sql_cn_lines);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, v->id);
	v->lines = arena_alloc(a, cap * sizeof(*v->lines));
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		struct invoice_line *l;

		if (v->nlines == cap) {
			struct invoice_line *n = arena_alloc(a,
			    2 * cap * sizeof(*n));

			memcpy(n, v->lines, cap * sizeof(*n));
			v->lines = n;
			cap *= 2;
		}
		l = &v->lines[v->nlines++];
		l->position = sqlite3_column_int64(st, 0);
		l->description = db_text(a, st, 1);
		l->sku = db_text(a, st, 2);
		l->quantity = sqlite3_column_int64(st, 3);
		l->unit_price = sqlite3_column_int64(st, 4);
		l->amount = sqlite3_column_int64(st, 5);
		l->tax = sqlite3_column_int64(st, 6);
		l->tax_name = db_text(a, st, 7);
		l->tax_rate_bp = sqlite3_column_int(st, 8);
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	v->taxes = arena_alloc(a, (v->nlines + 1) * sizeof(*v->taxes));
	for (i = 0; i < v->nlines; i++) {
		const struct invoice_line *l = &v->lines[i];

		for (k = 0; k < v->ntaxes; k++)
			if (v->taxes[k].rate_bp == l->tax_rate_bp &&
			    strcmp(v->taxes[k].name, l->tax_name) == 0)
				break;
		if (k == v->ntaxes) {
			memset(&v->taxes[k], 0, sizeof(v->taxes[k]));
			v->taxes[k].name = l->tax_name;
			v->taxes[k].rate_bp = l->tax_rate_bp;
			v->ntaxes++;
		}
		v->taxes[k].base += v->tax_inclusive ? l->amount - l->tax :
		    l->amount;
		v->taxes[k].tax += l->tax;
	}
	return 0;
}

struct invoice *
invoice_of_order(struct db *d, struct arena *a, long long order_id)
{
	sqlite3_stmt	*st = db_prep(d, sql_inv_load);
	struct invoice	*v;
	int		 rc;

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, order_id);
	if ((rc = db_step(d, st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return NULL;
	}
	v = arena_alloc(a, sizeof(*v));
	doc_row(a, st, INVOICE_KIND_INVOICE, v);
	sqlite3_reset(st);
	return doc_lines(d, a, v) == 0 ? v : NULL;
}

struct invoice *
credit_note_of_order(struct db *d, struct arena *a, long long order_id,
    long long ordinal)
{
	sqlite3_stmt	*st = db_prep(d, sql_cn_load);
	struct invoice	*v;

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, order_id);
	sqlite3_bind_int64(st, 2, ordinal);
	if (db_step(d, st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return NULL;
	}
	v = arena_alloc(a, sizeof(*v));
	doc_row(a, st, INVOICE_KIND_CREDIT_NOTE, v);
	sqlite3_reset(st);
	return doc_lines(d, a, v) == 0 ? v : NULL;
}

struct invoice *
credit_notes_of_order(struct db *d, struct arena *a, long long order_id,
    size_t *n)
{
	sqlite3_stmt	*st = db_prep(d, sql_cn_list);
	struct invoice	*v;
	size_t		 cap = 4;
	int		 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	v = arena_alloc(a, cap * sizeof(*v));
	sqlite3_bind_int64(st, 1, order_id);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (*n == cap) {
			struct invoice *m = arena_alloc(a, 2 * cap * sizeof(*m));

			memcpy(m, v, cap * sizeof(*m));
			v = m;
			cap *= 2;
		}
		doc_row(a, st, INVOICE_KIND_CREDIT_NOTE, &v[(*n)++]);
	}
	sqlite3_reset(st);
	return rc < 0 ? NULL : v;
}

/* Text of lines parted by "\n", as a list of {"line"}. */
static void
set_lines(struct arena *a, struct tval *t, const char *key, const char *s)
{
	struct tval	*l = tval_set_list(a, t, key);
	size_t		 n;

	while (*s != '\0') {
		n = strcspn(s, "\n");
		if (n > 0)
			tval_set(a, tval_push_map(a, l), "line",
			    tval_strn(a, s, n));
		s += n;
		if (*s == '\n')
			s++;
	}
}

static void
set_money(struct arena *a, struct tval *t, const char *key, long long v,
    const char *currency)
{
	tval_set_int(a, t, key, v);
	tval_set_str(a, t, arena_printf(a, "%s_formatted", key),
	    money_format(a, v, currency));
}

struct tval *
invoice_tval(struct arena *a, const struct invoice *v)
{
	struct tval	*t = tval_map(a), *p, *lines, *m;
	size_t		 i;

	tval_set_str(a, t, "kind", invoice_kind_names[v->kind]);
	tval_set_bool(a, t, "credit_note", v->kind == INVOICE_KIND_CREDIT_NOTE);
	tval_set_str(a, t, "number", v->number);
	tval_set_str(a, t, "order_number", v->order_number);
	if (v->kind == INVOICE_KIND_CREDIT_NOTE) {
		tval_set_int(a, t, "ordinal", v->ordinal);
		if (*v->invoice_number != '\0')
			tval_set_str(a, t, "invoice_number", v->invoice_number);
	}
	tval_set_str(a, t, "issued_at", v->issued_at);
	tval_set(a, t, "issued_on", tval_strn(a, v->issued_at,
	    strlen(v->issued_at) < 10 ? strlen(v->issued_at) : 10));
	tval_set_str(a, t, "currency", v->currency);
	p = tval_set_map(a, t, "seller");
	tval_set_str(a, p, "name", v->seller_name);
	set_lines(a, p, "address", v->seller_address);
	if (*v->seller_vat != '\0')
		tval_set_str(a, p, "vat", v->seller_vat);
	p = tval_set_map(a, t, "buyer");
	tval_set_str(a, p, "name", v->buyer_name);
	tval_set_str(a, p, "email", v->buyer_email);
	set_lines(a, p, "address", v->buyer_address);
	tval_set_bool(a, t, "tax_inclusive", v->tax_inclusive);
	set_money(a, t, "subtotal", v->subtotal, v->currency);
	set_money(a, t, "shipping", v->shipping, v->currency);
	set_money(a, t, "tax", v->tax, v->currency);
	set_money(a, t, "total", v->total, v->currency);
	set_money(a, t, "net", v->total - v->tax, v->currency);
	lines = tval_set_list(a, t, "lines");
	for (i = 0; i < v->nlines; i++) {
		const struct invoice_line *l = &v->lines[i];

		m = tval_push_map(a, lines);
		tval_set_int(a, m, "position", l->position);
		tval_set_str(a, m, "description", l->description);
		tval_set_str(a, m, "sku", l->sku);
		tval_set_int(a, m, "quantity", l->quantity);
		if (v->kind == INVOICE_KIND_INVOICE)
			set_money(a, m, "unit_price", l->unit_price,
			    v->currency);
		set_money(a, m, "amount", l->amount, v->currency);
		set_money(a, m, "tax", l->tax, v->currency);
		tval_set_str(a, m, "tax_rate", tax_rate_text(a,
		    l->tax_rate_bp));
	}
	lines = tval_set_list(a, t, "taxes");
	for (i = 0; i < v->ntaxes; i++) {
		m = tval_push_map(a, lines);
		tval_set_str(a, m, "name", v->taxes[i].name);
		tval_set_str(a, m, "rate", tax_rate_text(a,
		    v->taxes[i].rate_bp));
		tval_set_int(a, m, "rate_bp", v->taxes[i].rate_bp);
		set_money(a, m, "base", v->taxes[i].base, v->currency);
		set_money(a, m, "tax", v->taxes[i].tax, v->currency);
	}
	return t;
}

/* A finding: counted and described. */
static void
found(long long *counter, long long *total, struct buf *out,
    const char *line)
{
	(*counter)++;
	(*total)++;
	if (out != NULL) {
		buf_puts(out, line);
		buf_putc(out, '\n');
	}
}

/* Numbers missing from one sequence; -1 on error. */
static int
audit_seq(struct db *d, struct arena *a, const char *sql, const char *what,
    const char *prefix, struct invoice_audit *r, long long *total,
    struct buf *out)
{
	sqlite3_stmt	*st = db_prep(d, sql);
	int		 rc;
	long long	 shown = 0;

	if (st == NULL)
		return -1;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		int		year = sqlite3_column_int(st, 0);
		long long	seq = sqlite3_column_int64(st, 1);

		if (shown++ >= 20) {
			r->gaps++;
			(*total)++;
			continue;
		}
		found(&r->gaps, total, out, arena_printf(a, "%s of %d: "
		    "%s-%04d-%06lld is missing (%lld issued, numbered up to "
		    "%lld)", what, year, prefix, year, seq,
		    (long long)sqlite3_column_int64(st, 2),
		    (long long)sqlite3_column_int64(st, 3)));
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* Row ids handed out whose rows are gone; -1 on error. */
static int
audit_ids(struct db *d, struct arena *a, const char *sql, const char *table,
    struct invoice_audit *r, long long *total, struct buf *out)
{
	sqlite3_stmt	*st = db_prep(d, sql);
	long long	 n;

	if (st == NULL || db_step(d, st) != SQLITE_ROW) {
		if (st != NULL)
			sqlite3_reset(st);
		return -1;
	}
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n > 0)
		found(&r->gaps, total, out, arena_printf(a, "%s: %lld row "
		    "id(s) handed out but their rows are gone", table, n));
	return 0;
}

long long
invoice_audit(struct db *d, struct arena *a, struct invoice_audit *r,
    struct buf *out)
{
	sqlite3_stmt	*st;
	long long	 total = 0;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if ((st = db_prep(d, sql_audit_counts)) == NULL ||
	    db_step(d, st) != SQLITE_ROW) {
		if (st != NULL)
			sqlite3_reset(st);
		return -1;
	}
	r->invoices = sqlite3_column_int64(st, 0);
	r->credit_notes = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (audit_seq(d, a, sql_audit_inv_seq, "invoices", "INV", r, &total,
	    out) != 0 || audit_seq(d, a, sql_audit_cn_seq, "credit notes",
	    "CN", r, &total, out) != 0 ||
	    audit_ids(d, a, sql_audit_inv_ids, "invoices", r, &total,
	    out) != 0 || audit_ids(d, a, sql_audit_cn_ids, "credit_notes", r,
	    &total, out) != 0)
		return -1;

	if ((st = db_prep(d, sql_audit_inv)) == NULL)
		return -1;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		const char *num = (const char *)sqlite3_column_text(st, 0);

		if (strcmp((const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2)) != 0 ||
		    strcmp((const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4)) != 0 ||
		    sqlite3_column_int64(st, 5) != sqlite3_column_int64(st, 6))
			found(&r->mismatches, &total, out, arena_printf(a,
			    "invoice %s is for order %s, %lld %s, but the "
			    "order (%s) is %lld %s", num,
			    sqlite3_column_text(st, 2),
			    (long long)sqlite3_column_int64(st, 5),
			    sqlite3_column_text(st, 3),
			    sqlite3_column_text(st, 1),
			    (long long)sqlite3_column_int64(st, 6),
			    sqlite3_column_text(st, 4)));
		if (sqlite3_column_int(st, 7) == 0)
			found(&r->mismatches, &total, out, arena_printf(a,
			    "invoice %s: order %s has no payment", num,
			    sqlite3_column_text(st, 2)));
		if (sqlite3_column_int64(st, 8) != sqlite3_column_int64(st, 9) ||
		    sqlite3_column_int64(st, 10) !=
		    sqlite3_column_int64(st, 11) ||
		    sqlite3_column_int(st, 12) == 0)
			found(&r->mismatches, &total, out, arena_printf(a,
			    "invoice %s does not add up: lines %lld for "
			    "subtotal and shipping %lld, tax %lld of lines "
			    "for %lld, or a total that is not their sum", num,
			    (long long)sqlite3_column_int64(st, 8),
			    (long long)sqlite3_column_int64(st, 9),
			    (long long)sqlite3_column_int64(st, 10),
			    (long long)sqlite3_column_int64(st, 11)));
	}
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_audit_cn)) == NULL)
		return -1;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		const char *num = (const char *)sqlite3_column_text(st, 0);

		if (strcmp((const char *)sqlite3_column_text(st, 2),
		    "succeeded") != 0 || sqlite3_column_int(st, 3) == 0 ||
		    sqlite3_column_int64(st, 4) != sqlite3_column_int64(st, 5) ||
		    sqlite3_column_int(st, 6) == 0)
			found(&r->mismatches, &total, out, arena_printf(a,
			    "credit note %s of %lld is not refund %lld's, "
			    "which is %s, of %lld, or of another order or "
			    "currency", num,
			    (long long)sqlite3_column_int64(st, 4),
			    (long long)sqlite3_column_int64(st, 1),
			    sqlite3_column_text(st, 2),
			    (long long)sqlite3_column_int64(st, 5)));
		if (sqlite3_column_int64(st, 7) != sqlite3_column_int64(st, 4) ||
		    sqlite3_column_int64(st, 8) != sqlite3_column_int64(st, 9))
			found(&r->mismatches, &total, out, arena_printf(a,
			    "credit note %s does not add up: lines %lld for "
			    "a total of %lld, tax %lld of lines for %lld", num,
			    (long long)sqlite3_column_int64(st, 7),
			    (long long)sqlite3_column_int64(st, 4),
			    (long long)sqlite3_column_int64(st, 8),
			    (long long)sqlite3_column_int64(st, 9)));
	}
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_audit_no_inv)) == NULL)
		return -1;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		found(&r->missing, &total, out, arena_printf(a, "order %s is "
		    "paid but has no invoice", sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_audit_no_cn)) == NULL)
		return -1;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		found(&r->missing, &total, out, arena_printf(a, "refund %lld "
		    "of order %s succeeded but has no credit note",
		    (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1)));
	sqlite3_reset(st);
	return rc < 0 ? -1 : total;
}
