/*
 * Applying payment facts to orders.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/stripe.h"
#include "shop/order.h"
#include "shop/invoice.h"
#include "shop/notify.h"
#include "shop/payment.h"

/*
 * Existence is checked before inserting into the AUTOINCREMENT tables:
 * an insert that conflicts still takes a number from sqlite_sequence,
 * and the audit would see it as an id whose row is missing. The check
 * and the insert share the caller's write lock, so nothing comes between.
 */
static const char sql_payment_exists[] =
    "SELECT session_id FROM payments WHERE order_id = ?1 OR session_id = ?2";
static const char sql_payment[] =
    "INSERT INTO payments (order_id, session_id, payment_intent, amount, "
    "currency, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_paid[] =
    "UPDATE orders SET amount_paid = ?2, paid_at = coalesce(paid_at, "
    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), payment_intent = "
    "coalesce(nullif(?3, ''), payment_intent), session_id = ?4 "
    "WHERE id = ?1";
static const char sql_hold[] =
    "UPDATE orders SET reserved_until = max(reserved_until, ?2), "
    "payment_intent = coalesce(nullif(?3, ''), payment_intent) "
    "WHERE id = ?1";
static const char sql_refund[] =
    "UPDATE orders SET amount_refunded = ?2 WHERE id = ?1";
static const char sql_payment_refund[] =
    "UPDATE payments SET amount_refunded = ?2 WHERE order_id = ?1";
static const char sql_event_exists[] =
    "SELECT 1 FROM payment_events WHERE event_id = ?1";
static const char sql_event_store[] =
    "INSERT INTO payment_events (event_id, type, session_id, outcome, "
    "payload) VALUES (?1, ?2, ?3, 'received', ?4)";
static const char sql_event_outcome[] =
    "UPDATE payment_events SET order_id = nullif(?2, 0), outcome = ?3 "
    "WHERE id = ?1";

static const char sql_resolve[] =
    "UPDATE payment_events SET outcome = 'resolved', order_id = "
    "(SELECT id FROM orders o WHERE o.session_id = payment_events.session_id) "
    "WHERE outcome = 'unknown_order' AND session_id IN "
    "(SELECT session_id FROM orders WHERE session_id IS NOT NULL)";
static const char sql_unresolved[] =
    "SELECT count(*) FROM payment_events WHERE outcome = 'unknown_order'";

/* Asynchronous payments may take days to settle: hold stock that long. */
#define PROCESSING_HOLD	(3 * 24 * 3600)

const char *const payment_receipt_names[RECEIPT__MAX] = {
	"applied",
	"duplicate",
	"busy",
	"failed",
};

/* A decimal id from metadata, strictly; 0 when absent or malformed. */
static long long
meta_id(const struct stripe_session *s)
{
	const char	*v = stripe_kv_get(s->metadata, s->nmetadata, "order_id");
	long long	 id = 0;

	if (v == NULL || *v == '\0' || strlen(v) > 18)
		return 0;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return 0;
		id = id * 10 + (*v - '0');
	}
	return id;
}

void
payment_session_fact(const struct stripe_session *s, enum order_source src,
    const char *ref, struct payment_fact *f)
{
	memset(f, 0, sizeof(*f));
	f->session_id = s->id;
	f->payment_intent = s->payment_intent;
	f->amount = s->amount_total;
	f->currency = s->currency;
	f->order_id = meta_id(s);
	f->order_token = stripe_kv_get(s->metadata, s->nmetadata,
	    "order_token");
	f->source = src;
	f->ref = ref;
}

struct order *
payment_find_order(struct db *d, struct arena *a, const struct payment_fact *f)
{
	struct order	*o;

	if ((o = order_by_session(d, a, f->session_id)) != NULL)
		return o;
	if (f->order_id <= 0 || f->order_token == NULL)
		return NULL;
	if ((o = order_by_id(d, a, f->order_id)) == NULL)
		return NULL;
	return strcmp(o->token, f->order_token) == 0 ? o : NULL;
}

static const char *
ref_or(const struct payment_fact *f)
{
	return f->ref != NULL ? f->ref : f->session_id;
}

/*
 * The session's amount and currency must be the order's; otherwise the
 * fact is raised for the operator and not applied.
 */
static bool
amounts_agree(struct db *d, struct arena *a, const struct order *o,
    const struct payment_fact *f)
{
	if (f->amount == o->total && f->currency != NULL &&
	    strcasecmp(f->currency, o->currency) == 0)
		return true;
	audit_add(d, "amount_mismatch", o->id, order_source_names[f->source],
	    arena_printf(a, "session %s says %lld %s, order %s is %lld %s; "
	    "not marked paid", f->session_id, f->amount,
	    f->currency ? f->currency : "?", o->number, o->total, o->currency));
	return false;
}

/* The order's summary for its mails: number, total, lines, address. */
static struct tval *
order_mail_data(struct arena *a, const struct order *o)
{
	struct tval		*data = tval_map(a), *lines, *ship, *m;
	size_t			 i;

	if (*o->ship.name != '\0')
		tval_set_str(a, data, "name", o->ship.name);
	tval_set_str(a, data, "number", o->number);
	tval_set_str(a, data, "token", o->token);
	tval_set_str(a, data, "total", money_format(a, o->total, o->currency));
	lines = tval_set_list(a, data, "lines");
	for (i = 0; i < o->nlines; i++) {
		m = tval_push_map(a, lines);
		tval_set_int(a, m, "quantity", o->lines[i].quantity);
		tval_set_str(a, m, "name", *o->lines[i].variant_title ?
		    arena_printf(a, "%s (%s)", o->lines[i].product_name,
		    o->lines[i].variant_title) : o->lines[i].product_name);
		tval_set_str(a, m, "total", money_format(a,
		    o->lines[i].line_total, o->currency));
	}
	if (o->discount > 0) {
		m = tval_set_map(a, data, "discount");
		tval_set_str(a, m, "code", o->discount_code);
		tval_set_str(a, m, "amount", money_format(a, o->discount,
		    o->currency));
	}
	if (o->shipping_discount > 0)
		tval_set_str(a, data, "free_shipping", o->discount_code);
	if (*o->ship.line1 != '\0') {
		ship = tval_set_map(a, data, "ship");
		tval_set_str(a, ship, "name", o->ship.name);
		tval_set_str(a, ship, "line1", o->ship.line1);
		tval_set_str(a, ship, "line2", o->ship.line2);
		tval_set_str(a, ship, "postcode", o->ship.postcode);
		tval_set_str(a, ship, "city", o->ship.city);
		tval_set_str(a, ship, "country", o->ship.country);
	}
	return data;
}

/*
 * The order confirmation, queued with the payment that triggers it (in
 * the write), once per order whatever path paid it, with the link to
 * its invoice (invoice the invoice's id, issued in the same write).
 */
static int
confirmation(struct db *d, struct arena *a, const struct order *o,
    long long invoice)
{
	struct tval		*data = order_mail_data(a, o);
	struct notify_mail	 mail;

	if (invoice > 0)
		tval_set_str(a, data, "invoice_url", arena_printf(a,
		    "/orders/%s/invoice", o->token));
	memset(&mail, 0, sizeof(mail));
	mail.template = "order_confirmation";
	mail.to = o->email;
	mail.to_name = o->ship.name;
	mail.data = data;
	mail.unique_key = arena_printf(a, "mail:order-confirmation:%lld", o->id);
	mail.priority = 10;
	return notify_mail(d, a, &mail) < 0 ? -1 : 0;
}

/*
 * The merchant's "new order" mail (SHOP_ORDER_NOTIFY), queued with the
 * payment (in the write), once per order: who ordered, what, the total
 * and the order's page in the back office.
 */
static int
merchant_new_order(struct db *d, struct arena *a, const struct order *o)
{
	struct tval		*data = order_mail_data(a, o);
	struct notify_mail	 mail;

	tval_set_str(a, data, "email", o->email);
	tval_set_str(a, data, "admin_url", arena_printf(a, "/admin/orders/%s",
	    o->number));
	memset(&mail, 0, sizeof(mail));
	mail.template = "order_new";
	mail.data = data;
	mail.unique_key = arena_printf(a, "mail:order-new:%lld", o->id);
	mail.priority = 5;
	return notify_merchant_mail(d, a, &mail) < 0 ? -1 : 0;
}

static void
unknown(struct db *d, struct arena *a, const struct payment_fact *f,
    const char *what)
{
	audit_add(d, "unknown_order", f->order_id, order_source_names[f->source],
	    arena_printf(a, "%s for session %s (metadata order %lld) matches "
	    "no order", what, f->session_id, f->order_id));
}

enum order_outcome
payment_apply_paid(struct db *d, struct arena *a, const struct payment_fact *f,
    long long *order_id)
{
	struct order	*o;
	sqlite3_stmt	*st;
	long long	 short_units, invoice;
	int		 rc;
	const char	*src = order_source_names[f->source], *first;

	*order_id = 0;
	if ((o = payment_find_order(d, a, f)) == NULL) {
		unknown(d, a, f, "payment");
		return OUTCOME_UNKNOWN_ORDER;
	}
	*order_id = o->id;
	if (!amounts_agree(d, a, o, f))
		return OUTCOME_MISMATCH;

	/* One payment per order and per session (the schema insists too). */
	if ((st = db_prep(d, sql_payment_exists)) == NULL)
		return OUTCOME_ERROR;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_text(st, 2, f->session_id, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	first = rc == SQLITE_ROW ? arena_strdup(a,
	    (const char *)sqlite3_column_text(st, 0)) : NULL;
	sqlite3_reset(st);
	if (rc < 0)
		return OUTCOME_ERROR;
	if (first != NULL) {
		/* Paid before: by this session (a repeat) or by another. */
		if (strcmp(first, f->session_id) == 0)
			return OUTCOME_ALREADY;
		audit_add(d, "double_payment", o->id, src, arena_printf(a,
		    "session %s paid order %s, which session %s had already "
		    "paid: refund one of them", f->session_id, o->number,
		    first));
		return OUTCOME_IGNORED;
	}
	if ((st = db_prep(d, sql_payment)) == NULL)
		return OUTCOME_ERROR;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_text(st, 2, f->session_id, -1, SQLITE_STATIC);
	if (f->payment_intent != NULL && *f->payment_intent != '\0')
		sqlite3_bind_text(st, 3, f->payment_intent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->amount);
	sqlite3_bind_text(st, 5, o->currency, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, src, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return OUTCOME_ERROR;
	if ((st = db_prep(d, sql_paid)) == NULL)
		return OUTCOME_ERROR;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int64(st, 2, f->amount);
	sqlite3_bind_text(st, 3, f->payment_intent ? f->payment_intent : "",
	    -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->session_id, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return OUTCOME_ERROR;

	if (o->state == ORDER_CANCELLED) {
		if ((short_units = order_retake_stock(d, o->id)) < 0)
			return OUTCOME_ERROR;
		audit_add(d, "paid_after_cancel", o->id, src, arena_printf(a,
		    "order %s was cancelled, then paid by session %s%s",
		    o->number, f->session_id, short_units > 0 ?
		    arena_printf(a, "; %lld unit(s) no longer in stock",
		    short_units) : ""));
	} else if (o->state != ORDER_PENDING) {
		/* Paid, shipped or refunded already by an earlier record. */
		return OUTCOME_ALREADY;
	}
	/* The one move to paid: its invoice is numbered in this write. */
	if (order_move(d, o, ORDER_PAID, f->source, arena_printf(a,
	    "payment of %lld %s received", f->amount, o->currency),
	    ref_or(f)) != 0 || (invoice = invoice_issue(d, a, o)) < 0 ||
	    confirmation(d, a, o, invoice) != 0 ||
	    merchant_new_order(d, a, o) != 0 ||
	    order_publish_paid(d, a, o) != 0)
		return OUTCOME_ERROR;
	return OUTCOME_APPLIED;
}

enum order_outcome
payment_apply_processing(struct db *d, struct arena *a,
    const struct payment_fact *f, long long *order_id)
{
	struct order	*o;
	sqlite3_stmt	*st;
	int		 rc;

	*order_id = 0;
	if ((o = payment_find_order(d, a, f)) == NULL) {
		unknown(d, a, f, "pending payment");
		return OUTCOME_UNKNOWN_ORDER;
	}
	*order_id = o->id;
	if (o->state != ORDER_PENDING)
		return OUTCOME_IGNORED;
	if (!amounts_agree(d, a, o, f))
		return OUTCOME_MISMATCH;
	if ((st = db_prep(d, sql_hold)) == NULL)
		return OUTCOME_ERROR;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int64(st, 2, clock_now() + PROCESSING_HOLD);
	sqlite3_bind_text(st, 3, f->payment_intent ? f->payment_intent : "",
	    -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? OUTCOME_APPLIED : OUTCOME_ERROR;
}

enum order_outcome
payment_apply_void(struct db *d, struct arena *a, const struct payment_fact *f,
    const char *cause, long long *order_id)
{
	struct order	*o;

	*order_id = 0;
	if ((o = payment_find_order(d, a, f)) == NULL) {
		unknown(d, a, f, cause);
		return OUTCOME_UNKNOWN_ORDER;
	}
	*order_id = o->id;
	if (o->state == ORDER_CANCELLED)
		return OUTCOME_ALREADY;
	/* Only the order's current session speaks for it. */
	if (o->state != ORDER_PENDING ||
	    strcmp(o->session_id, f->session_id) != 0)
		return OUTCOME_IGNORED;
	if (order_release_stock(d, o->id) != 0 ||
	    order_move(d, o, ORDER_CANCELLED, f->source, cause,
	    ref_or(f)) != 0)
		return OUTCOME_ERROR;
	return OUTCOME_APPLIED;
}

enum order_outcome
payment_apply_refund(struct db *d, struct arena *a, const char *pi,
    long long refunded, enum order_source src, const char *ref,
    long long *order_id)
{
	struct order		*o;
	sqlite3_stmt		*st;
	enum order_state	 to;
	int			 rc;

	*order_id = 0;
	if ((o = order_by_payment_intent(d, a, pi)) == NULL) {
		audit_add(d, "unknown_order", 0, order_source_names[src],
		    arena_printf(a, "refund of %lld on payment %s matches no "
		    "paid order", refunded, pi ? pi : "?"));
		return OUTCOME_UNKNOWN_ORDER;
	}
	*order_id = o->id;
	if (refunded <= o->amount_refunded)
		return OUTCOME_ALREADY;
	if (refunded > o->amount_paid) {
		audit_add(d, "amount_mismatch", o->id, order_source_names[src],
		    arena_printf(a, "refund total %lld exceeds the %lld paid",
		    refunded, o->amount_paid));
		return OUTCOME_MISMATCH;
	}
	to = refunded == o->amount_paid ? ORDER_REFUNDED :
	    ORDER_PARTIALLY_REFUNDED;
	if (!order_transition_ok(o->state, to))
		return OUTCOME_IGNORED;
	if ((st = db_prep(d, sql_refund)) == NULL)
		return OUTCOME_ERROR;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int64(st, 2, refunded);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || (st = db_prep(d, sql_payment_refund)) == NULL)
		return OUTCOME_ERROR;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int64(st, 2, refunded);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || order_move(d, o, to, src, arena_printf(a,
	    "%lld of %lld %s refunded", refunded, o->amount_paid,
	    o->currency), ref) != 0)
		return OUTCOME_ERROR;
	return OUTCOME_APPLIED;
}

long long
payment_event_store(struct db *d, const char *event_id, const char *type,
    const char *session_id, const char *payload)
{
	sqlite3_stmt	*st = db_prep(d, sql_event_exists);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, event_id, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc < 0 || (st = db_prep(d, sql_event_store)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, event_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	if (session_id != NULL)
		sqlite3_bind_text(st, 3, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, payload, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(db_handle(d));
}

int
payment_event_outcome(struct db *d, long long row, long long order_id,
    const char *outcome)
{
	sqlite3_stmt	*st = db_prep(d, sql_event_outcome);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, order_id);
	sqlite3_bind_text(st, 3, outcome, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

enum order_outcome
payment_settle(struct db *d, struct arena *a, const struct payment_fact *f,
    long long *order_id)
{
	enum order_outcome	out;

	*order_id = 0;
	if (db_begin(d) != 0)
		return OUTCOME_ERROR;
	out = payment_apply_paid(d, a, f, order_id);
	if (out == OUTCOME_APPLIED && f->source == SOURCE_RECONCILE)
		audit_add(d, "repaired", *order_id, "reconcile", arena_printf(a,
		    "session %s was paid at the gateway but not here; marked "
		    "paid", f->session_id));
	if (out == OUTCOME_ERROR || db_commit(d) != 0) {
		db_rollback(d);
		return OUTCOME_ERROR;
	}
	return out;
}

enum order_outcome
payment_apply_event(struct db *d, struct arena *a,
    const struct stripe_event *ev, long long *order_id)
{
	struct payment_fact	f;

	*order_id = 0;
	payment_session_fact(&ev->session, SOURCE_WEBHOOK, ev->id, &f);
	switch (ev->type) {
	case STRIPE_EVENT_SESSION_COMPLETED:
		if (ev->session.payment_status == STRIPE_PAYMENT_PAID)
			return payment_apply_paid(d, a, &f, order_id);
		if (ev->session.payment_status == STRIPE_PAYMENT_UNPAID)
			return payment_apply_processing(d, a, &f, order_id);
		return OUTCOME_IGNORED;
	case STRIPE_EVENT_SESSION_ASYNC_SUCCEEDED:
		return payment_apply_paid(d, a, &f, order_id);
	case STRIPE_EVENT_SESSION_ASYNC_FAILED:
		return payment_apply_void(d, a, &f, "the payment failed",
		    order_id);
	case STRIPE_EVENT_SESSION_EXPIRED:
		return payment_apply_void(d, a, &f, "the time to pay ended",
		    order_id);
	case STRIPE_EVENT_CHARGE_REFUNDED:
		return payment_apply_refund(d, a, ev->charge.payment_intent,
		    ev->charge.amount_refunded, SOURCE_WEBHOOK, ev->id,
		    order_id);
	default:
		return OUTCOME_IGNORED;
	}
}

enum payment_receipt
payment_receive_event(struct db *d, struct arena *a,
    const struct stripe_event *ev, const char *payload,
    enum order_outcome *out, long long *order_id)
{
	long long	row;

	*out = OUTCOME_ERROR;
	*order_id = 0;
	if (db_begin(d) != 0)
		return RECEIPT_BUSY;
	row = payment_event_store(d, ev->id, ev->type_name,
	    ev->object_type != NULL && strcmp(ev->object_type,
	    "checkout.session") == 0 ? ev->session.id : NULL, payload);
	if (row == 0) {
		db_rollback(d);
		return RECEIPT_DUPLICATE;
	}
	if (row < 0)
		goto fail;
	*out = payment_apply_event(d, a, ev, order_id);
	if (*out == OUTCOME_ERROR || payment_event_outcome(d, row, *order_id,
	    order_outcome_names[*out]) != 0 || db_commit(d) != 0)
		goto fail;
	return RECEIPT_APPLIED;
fail:
	db_rollback(d);
	*out = OUTCOME_ERROR;
	return RECEIPT_FAILED;
}

long long
payment_events_resolve(struct db *d, long long *left)
{
	sqlite3_stmt	*st;
	long long	 n;
	int		 rc;

	if (left != NULL)
		*left = 0;
	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_resolve)) == NULL)
		goto fail;
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	n = sqlite3_changes(db_handle(d));
	if (left != NULL && (st = db_prep(d, sql_unresolved)) != NULL) {
		if (db_step(d, st) == SQLITE_ROW)
			*left = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	if (db_commit(d) != 0)
		return -1;
	return n;
fail:
	db_rollback(d);
	return -1;
}
