/*
 * The books, checked from the database and the gateway's record.
 */
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "data/db.h"
#include "shop/audit.h"
#include "shop/invoice.h"
#include "shop/order.h"
#include "shop/payment.h"

const char *const audit_table_names[AUDIT_TABLE__MAX] = {
	"orders",
	"payments",
	"payment_events",
	"order_events",
	"refunds",
};

/*
 * Per table: the sequence, and the first ids from 1 to it that are not
 * present (nothing is ever deleted from these tables, so a gap is an id
 * handed out whose row is gone).
 */
#define GAPS(t) \
    "WITH RECURSIVE seq(n) AS (SELECT coalesce((SELECT seq FROM " \
    "sqlite_sequence WHERE name = '" t "'), 0)), " \
    "ids(i) AS (SELECT 1 WHERE (SELECT n FROM seq) >= 1 UNION ALL " \
    "SELECT i + 1 FROM ids WHERE i < (SELECT n FROM seq)) " \
    "SELECT (SELECT n FROM seq), i FROM ids WHERE NOT EXISTS " \
    "(SELECT 1 FROM " t " WHERE id = i) " \
    "UNION ALL SELECT (SELECT n FROM seq), NULL LIMIT 21"

static const char *const sql_gaps[AUDIT_TABLE__MAX] = {
	GAPS("orders"),
	GAPS("payments"),
	GAPS("payment_events"),
	GAPS("order_events"),
	GAPS("refunds"),
};
static const char sql_missing_count[] =
    "SELECT ?1 - count(*) FROM (SELECT 1 FROM orders WHERE id <= ?1)";
static const char sql_missing_payments[] =
    "SELECT ?1 - count(*) FROM (SELECT 1 FROM payments WHERE id <= ?1)";
static const char sql_missing_pevents[] =
    "SELECT ?1 - count(*) FROM (SELECT 1 FROM payment_events WHERE id <= ?1)";
static const char sql_missing_oevents[] =
    "SELECT ?1 - count(*) FROM (SELECT 1 FROM order_events WHERE id <= ?1)";
static const char sql_missing_refunds[] =
    "SELECT ?1 - count(*) FROM (SELECT 1 FROM refunds WHERE id <= ?1)";
static const char *const sql_missing[AUDIT_TABLE__MAX] = {
	sql_missing_count,
	sql_missing_payments,
	sql_missing_pevents,
	sql_missing_oevents,
	sql_missing_refunds,
};

static const char sql_negative[] =
    "SELECT id, sku, stock FROM variants WHERE stock < 0";
static const char sql_totals[] =
    "SELECT o.id, o.number, o.subtotal + o.discount, "
    "(SELECT coalesce(sum(line_total), 0) FROM order_lines l "
    " WHERE l.order_id = o.id) AS lines "
    "FROM orders o WHERE o.subtotal + o.discount != lines OR "
    "o.total != o.subtotal + o.shipping + "
    "CASE WHEN o.tax_inclusive THEN 0 ELSE o.tax END";
static const char sql_paid_no_payment[] =
    "SELECT id, number FROM orders WHERE state IN ('paid', 'fulfilled', "
    "'refunded', 'partially_refunded') AND NOT EXISTS "
    "(SELECT 1 FROM payments p WHERE p.order_id = orders.id)";
static const char sql_payment_not_paid[] =
    "SELECT p.id, o.number, o.state FROM payments p "
    "JOIN orders o ON o.id = p.order_id "
    "WHERE o.state IN ('pending_payment', 'cancelled')";
static const char sql_payment_amount[] =
    "SELECT p.id, o.number, p.amount, o.total FROM payments p "
    "JOIN orders o ON o.id = p.order_id WHERE p.amount != o.total";
static const char sql_unknown_events[] =
    "SELECT event_id, type, coalesce(session_id, '') FROM payment_events "
    "WHERE outcome = 'unknown_order'";
static const char sql_refunds_over[] =
    "SELECT o.number, o.amount_paid, sum(r.amount) FROM refunds r "
    "JOIN orders o ON o.id = r.order_id WHERE r.state != 'failed' "
    "GROUP BY o.id HAVING sum(r.amount) > o.amount_paid";
static const char sql_refunds_unrecorded[] =
    "SELECT o.number, o.amount_refunded, sum(r.amount) FROM refunds r "
    "JOIN orders o ON o.id = r.order_id WHERE r.state = 'succeeded' "
    "GROUP BY o.id HAVING sum(r.amount) > o.amount_refunded";
/* partially_refunded -> fulfilled is a move: shipped after a refund. */
static const char sql_refund_states[] =
    "SELECT o.number, o.state, o.amount_paid, o.amount_refunded, "
    "coalesce(p.amount_refunded, 0) FROM orders o "
    "LEFT JOIN payments p ON p.order_id = o.id "
    "WHERE (o.amount_refunded = 0 AND o.state IN ('refunded', "
    "'partially_refunded')) OR (o.amount_refunded > 0 AND "
    "o.amount_refunded < o.amount_paid AND o.state NOT IN "
    "('partially_refunded', 'fulfilled')) OR (o.amount_refunded > 0 AND "
    "o.amount_refunded = o.amount_paid AND o.state != 'refunded') OR "
    "(p.id IS NOT NULL AND p.amount_refunded != o.amount_refunded)";
static const char sql_refunds_waiting[] =
    "SELECT count(*) FROM refunds WHERE state = 'requested'";
static const char sql_refunds_since[] =
    "SELECT r.id, o.number, r.amount, r.payment_intent, r.gateway_id "
    "FROM refunds r JOIN orders o ON o.id = r.order_id "
    "WHERE r.state = 'succeeded' AND r.created_at >= ?1 ORDER BY r.id";
static const char sql_refund_ours[] =
    "SELECT r.state, r.order_id, coalesce(r.gateway_id, '') FROM refunds r "
    "WHERE r.id = ?1";
static const char sql_orders_paid[] =
    "SELECT count(*) FROM payments";
static const char sql_payment_by_session[] =
    "SELECT p.order_id, o.number, o.state FROM payments p "
    "JOIN orders o ON o.id = p.order_id WHERE p.session_id = ?1";

/* A finding: counted and described. */
static void
finding(struct audit_report *r, long long *counter, struct buf *out,
    const char *line)
{
	(*counter)++;
	r->findings++;
	if (out != NULL) {
		buf_puts(out, line);
		buf_putc(out, '\n');
	}
}

static int
gaps(struct db *d, struct arena *a, enum audit_table t,
    struct audit_report *r, struct buf *out)
{
	sqlite3_stmt	*st = db_prep(d, sql_gaps[t]);
	int		 rc, shown = 0;
	long long	 n;

	if (st == NULL)
		return -1;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		r->handed_out[t] = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		if (shown++ < 20 && out != NULL)
			buf_printf(out, "%s: id %lld was handed out but its "
			    "row is missing\n", audit_table_names[t],
			    (long long)sqlite3_column_int64(st, 1));
	}
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_missing[t])) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->handed_out[t]);
	if (db_step(d, st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return -1;
	}
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	r->missing[t] = n;
	r->findings += n;
	if (n > 20 && out != NULL)
		buf_printf(out, "%s: %lld ids missing in all\n",
		    audit_table_names[t], n);
	(void)a;
	return 0;
}

int
audit_books(struct db *d, struct arena *a, struct audit_report *r,
    struct buf *out)
{
	struct invoice_audit	 ia;
	sqlite3_stmt	*st;
	long long	 n;
	int		 t, rc;

	memset(r, 0, sizeof(*r));
	if (db_read_begin(d) != 0)
		return -1;
	for (t = 0; t < AUDIT_TABLE__MAX; t++)
		if (gaps(d, a, (enum audit_table)t, r, out) != 0)
			goto fail;

	if ((st = db_prep(d, sql_negative)) == NULL)
		goto fail;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		finding(r, &r->negative_stock, out, arena_printf(a,
		    "variant %s has negative stock %lld",
		    sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 2)));
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_totals)) == NULL)
		goto fail;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		finding(r, &r->bad_totals, out, arena_printf(a,
		    "order %s: subtotal %lld but its lines sum to %lld, or its "
		    "total is not subtotal + shipping + tax",
		    sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 2),
		    (long long)sqlite3_column_int64(st, 3)));
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_paid_no_payment)) == NULL)
		goto fail;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		finding(r, &r->paid_without_payment, out, arena_printf(a,
		    "order %s is marked paid but has no payment",
		    sqlite3_column_text(st, 1)));
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_payment_not_paid)) == NULL)
		goto fail;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		finding(r, &r->payment_not_paid, out, arena_printf(a,
		    "payment %lld belongs to order %s, which is %s",
		    (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2)));
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_payment_amount)) == NULL)
		goto fail;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		finding(r, &r->payment_amount, out, arena_printf(a,
		    "payment %lld of order %s is %lld, the order's total %lld",
		    (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 2),
		    (long long)sqlite3_column_int64(st, 3)));
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_unknown_events)) == NULL)
		goto fail;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		finding(r, &r->unknown_events, out, arena_printf(a,
		    "event %s (%s, session %s) matches no order",
		    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
		    sqlite3_column_text(st, 2)));
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_refunds_over)) == NULL)
		goto fail;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		finding(r, &r->refunds_over_paid, out, arena_printf(a,
		    "order %s: refunds of %lld asked or made, more than the "
		    "%lld paid", sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 2),
		    (long long)sqlite3_column_int64(st, 1)));
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_refunds_unrecorded)) == NULL)
		goto fail;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		finding(r, &r->refunds_unrecorded, out, arena_printf(a,
		    "order %s: its refunds that succeeded add up to %lld, but "
		    "only %lld is refunded", sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 2),
		    (long long)sqlite3_column_int64(st, 1)));
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_refund_states)) == NULL)
		goto fail;
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		finding(r, &r->refund_states, out, arena_printf(a,
		    "order %s is %s with %lld of %lld refunded (its payment "
		    "says %lld)", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 3),
		    (long long)sqlite3_column_int64(st, 2),
		    (long long)sqlite3_column_int64(st, 4)));
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_refunds_waiting)) == NULL)
		goto fail;
	if (db_step(d, st) == SQLITE_ROW)
		r->refunds_waiting = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = db_prep(d, sql_orders_paid)) == NULL)
		goto fail;
	if (db_step(d, st) == SQLITE_ROW)
		r->orders_paid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((n = invoice_audit(d, a, &ia, out)) < 0)
		goto fail;
	r->invoices = ia.invoices;
	r->credit_notes = ia.credit_notes;
	r->document_gaps = ia.gaps;
	r->document_mismatches = ia.mismatches;
	r->documents_missing = ia.missing;
	r->findings += n;
	db_read_end(d);
	return 0;
fail:
	db_read_end(d);
	return -1;
}

struct paid_by {
	long long	 order_id;
	size_t		 session;
};

static int
by_order(const void *x, const void *y)
{
	const struct paid_by	*a = x, *b = y;

	return (a->order_id > b->order_id) - (a->order_id < b->order_id);
}

int
audit_sessions(struct db *d, struct arena *a, const struct payment_fact *s,
    size_t n, struct audit_report *r, struct buf *out)
{
	sqlite3_stmt	*st;
	struct paid_by	*paid_by;
	long long	 oid;
	size_t		 i;
	int		 rc;

	if (db_read_begin(d) != 0)
		return -1;
	paid_by = arena_calloc(a, n ? n : 1, sizeof(*paid_by));
	for (i = 0; i < n; i++) {
		struct order *o;

		r->sessions_paid++;
		if ((st = db_prep(d, sql_payment_by_session)) == NULL)
			goto fail;
		sqlite3_bind_text(st, 1, s[i].session_id, -1, SQLITE_STATIC);
		rc = db_step(d, st);
		oid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (rc < 0)
			goto fail;
		paid_by[i].session = i;
		if (oid != 0) {
			paid_by[i].order_id = oid;
			continue;
		}
		/* Paid there, not here: which order was it for? */
		o = payment_find_order(d, a, &s[i]);
		finding(r, &r->sessions_lost, out, arena_printf(a,
		    "session %s was paid (%lld %s) but %s",
		    s[i].session_id, s[i].amount, s[i].currency,
		    o == NULL ? "no order here matches it" :
		    arena_printf(a, "order %s is %s", o->number,
		    order_state_names[o->state])));
		/* Another session may hold this order's payment. */
		if (o != NULL && o->state != ORDER_PENDING &&
		    o->state != ORDER_CANCELLED)
			paid_by[i].order_id = o->id;
	}
	/* Two paid sessions for one order: a double charge. */
	qsort(paid_by, n, sizeof(*paid_by), by_order);
	for (i = 1; i < n; i++)
		if (paid_by[i].order_id != 0 &&
		    paid_by[i].order_id == paid_by[i - 1].order_id)
			finding(r, &r->double_charges, out, arena_printf(a,
			    "order %lld was paid by sessions %s and %s",
			    paid_by[i].order_id,
			    s[paid_by[i - 1].session].session_id,
			    s[paid_by[i].session].session_id));
	db_read_end(d);
	return 0;
fail:
	db_read_end(d);
	return -1;
}

/* A refund of ours as the gateway's list has it, or NULL. */
static const struct gateway_refund *
gateway_find(const struct gateway_refund *g, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (g[i].id != NULL && strcmp(g[i].id, id) == 0)
			return &g[i];
	return NULL;
}

/* A decimal id of metadata, strictly; 0 when absent or malformed. */
static long long
meta_id(const char *v)
{
	long long	id = 0;

	if (v == NULL || *v == '\0' || strlen(v) > 18)
		return 0;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return 0;
		id = id * 10 + (*v - '0');
	}
	return id;
}

int
audit_refunds(struct db *d, struct arena *a, const struct gateway_refund *g,
    size_t n, long long since, struct audit_report *r, struct buf *out)
{
	const struct gateway_refund	*m;
	sqlite3_stmt			*st;
	time_t				 t = (time_t)since;
	struct tm			 tm;
	char				 when[32];
	size_t				 i;
	int				 rc;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (db_read_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_refunds_since)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, when, -1, SQLITE_STATIC);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		long long	 id = sqlite3_column_int64(st, 0);
		long long	 amount = sqlite3_column_int64(st, 2);
		const char	*number = (const char *)sqlite3_column_text(st, 1);
		const char	*pi = (const char *)sqlite3_column_text(st, 3);
		const char	*gid = (const char *)sqlite3_column_text(st, 4);

		r->refunds_checked++;
		if ((m = gateway_find(g, n, gid)) == NULL)
			finding(r, &r->refunds_unmatched, out, arena_printf(a,
			    "refund %lld of order %s succeeded here as %s, "
			    "which the gateway does not have", id, number, gid));
		else if (m->amount != amount || !m->succeeded ||
		    m->payment_intent == NULL || strcmp(m->payment_intent,
		    pi) != 0)
			finding(r, &r->refunds_unmatched, out, arena_printf(a,
			    "refund %lld of order %s is %lld of %s here, the "
			    "gateway's %s is %lld of %s%s", id, number, amount,
			    pi, gid, m->amount, m->payment_intent ?
			    m->payment_intent : "?", m->succeeded ? "" :
			    " and did not succeed"));
	}
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	/* The other way: the gateway's refunds that name one of ours. */
	for (i = 0; i < n; i++) {
		long long	 id = meta_id(g[i].refund_id);
		long long	 oid = 0;
		const char	*state = NULL;

		if (id == 0 || !g[i].succeeded)
			continue;
		if ((st = db_prep(d, sql_refund_ours)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		if ((rc = db_step(d, st)) == SQLITE_ROW) {
			state = arena_strdup(a,
			    (const char *)sqlite3_column_text(st, 0));
			oid = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
		if (rc < 0)
			goto fail;
		if (state != NULL && oid == meta_id(g[i].order_id) &&
		    strcmp(state, "failed") != 0)
			continue;
		finding(r, &r->refunds_lost, out, arena_printf(a,
		    "the gateway's refund %s of %lld on %s is refund %lld of "
		    "order %s, which is %s here", g[i].id, g[i].amount,
		    g[i].payment_intent ? g[i].payment_intent : "?", id,
		    g[i].order_id ? g[i].order_id : "?", state == NULL ?
		    "missing" : oid != meta_id(g[i].order_id) ?
		    "another order's" : state));
	}
	db_read_end(d);
	return 0;
fail:
	db_read_end(d);
	return -1;
}

static const char sql_paid_here[] =
    "SELECT o.number, p.session_id, p.amount, p.currency FROM payments p "
    "JOIN orders o ON o.id = p.order_id "
    "WHERE o.created_at >= strftime('%Y-%m-%dT%H:%M:%SZ', ?1, 'unixepoch') "
    "AND NOT o.recovered ORDER BY p.id";
static const char sql_recorded[] =
    "SELECT a.created_at, a.kind, coalesce(o.number, ''), a.actor, "
    "a.detail FROM audit_log a LEFT JOIN orders o ON o.id = a.order_id "
    "WHERE a.created_at >= strftime('%Y-%m-%dT%H:%M:%SZ', ?1, 'unixepoch') "
    "ORDER BY a.id";

static int
by_session(const void *x, const void *y)
{
	const struct payment_fact *const	*a = x, *const *b = y;

	return strcmp((*a)->session_id, (*b)->session_id);
}

int
audit_paid_here(struct db *d, struct arena *a, const struct payment_fact *s,
    size_t n, long long since, struct audit_report *r, struct buf *out)
{
	const struct payment_fact	**sorted, *kp, **hit;
	struct payment_fact		  key = { 0 };
	sqlite3_stmt			 *st;
	const char			 *number, *currency;
	long long			  amount;
	size_t				  i;
	int				  rc;

	kp = &key;
	sorted = arena_calloc(a, n ? n : 1, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = &s[i];
	qsort(sorted, n, sizeof(*sorted), by_session);
	if ((st = db_prep(d, sql_paid_here)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		number = db_text(a, st, 0);
		key.session_id = db_text(a, st, 1);
		amount = sqlite3_column_int64(st, 2);
		currency = db_text(a, st, 3);
		hit = n ? bsearch(&kp, sorted, n, sizeof(*sorted), by_session) :
		    NULL;
		if (hit == NULL)
			finding(r, &r->paid_unbacked, out, arena_printf(a,
			    "order %s is paid here by session %s, which the "
			    "gateway does not report paid", number,
			    key.session_id));
		else if ((*hit)->amount != amount ||
		    strcasecmp((*hit)->currency, currency) != 0)
			finding(r, &r->amount_differs, out, arena_printf(a,
			    "order %s is paid %lld %s here but its session %s "
			    "was paid %lld %s at the gateway", number, amount,
			    currency, key.session_id, (*hit)->amount,
			    (*hit)->currency));
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

long long
audit_recorded(struct db *d, struct arena *a, long long since,
    struct buf *out)
{
	sqlite3_stmt	*st;
	long long	 count = 0;
	int		 rc;

	if ((st = db_prep(d, sql_recorded)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		count++;
		if (out != NULL)
			buf_printf(out, "%s %s%s%s (%s): %s\n",
			    db_text(a, st, 0), db_text(a, st, 1),
			    sqlite3_column_bytes(st, 2) ? " order " : "",
			    db_text(a, st, 2), db_text(a, st, 3),
			    db_text(a, st, 4));
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : count;
}
