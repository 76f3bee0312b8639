/*
 * Orders: GET /admin/orders (newest first, of one state with ?state=,
 * searched by number, email or name with ?q=, keyset pages ?before=ID),
 * GET /admin/orders/{number} (lines, totals, the payment, every event,
 * refunds, notes and the admin log's entries, with the forms its state
 * allows), and the posts to ship it, cancel it and keep a note on it.
 * Refunds are in refunds.c. Each change is recorded in the admin log in
 * the write that makes it (lib/shop/order.h, order_ship_by() and the
 * like); a post that fails its checks answers 422 with the page and the
 * form's errors, and writes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/money.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/stripe.h"
#include "web/ctx.h"
#include "web/form.h"
#include "web/http.h"
#include "shop/adminlog.h"
#include "shop/order.h"
#include "shop/refund.h"
#include "shop/settle.h"
#include "admin.h"

#define ORDER_LOG_ROWS	100	/* admin log entries on an order's page */

static const struct form_field ship_fields[] = {
	{ "carrier", "Carrier", FORM_TEXT, 0, 1, ORDER_SHIP_TEXT_MAX, "off",
	  "La Poste, DHL, ...", NULL },
	{ "tracking", "Tracking number", FORM_TEXT, 0, 1, ORDER_SHIP_TEXT_MAX,
	  "off", NULL, NULL },
	{ "url", "Tracking address", FORM_TEXT, 0, 1, ORDER_SHIP_URL_MAX,
	  "off", "Where the customer can follow the parcel: https://...",
	  NULL },
};

static const struct form_field cancel_fields[] = {
	{ "cause", "Why", FORM_TEXT, 0, 1, 200, "off",
	  "Kept in the order's history.", NULL },
};

static const struct form_field note_fields[] = {
	{ "note", "Note", FORM_TEXTAREA, FORM_REQUIRED, 1, ORDER_NOTE_MAX,
	  "off", "For the shop's staff only; the customer never sees it.",
	  NULL },
};

int
admin_thread_init(struct shop *s)
{
	s->app_data = calloc(1, sizeof(struct admin_thread));
	return s->app_data != NULL ? 0 : -1;
}

void
admin_thread_fini(struct shop *s)
{
	struct admin_thread	*t = s->app_data;

	if (t != NULL) {
		stripe_free(t->gateway);
		free(t);
	}
	s->app_data = NULL;
}

struct stripe *
admin_gateway(struct req *r)
{
	struct admin_thread	*t = r->shop->app_data;

	if (t == NULL)
		return NULL;
	/* Made once per thread, not per request: it keeps its connection. */
	if (!t->gateway_tried) {
		t->gateway = settle_client(r->shop->cfg);
		t->gateway_tried = true;
	}
	return t->gateway;
}

struct order *
admin_order(struct req *r)
{
	struct db	*d = req_db(r, DB_PRIMARY);
	const char	*number = req_param(r, "number");
	long long	 id;

	if (number == NULL || order_id_by_number(d, number, &id) != 1)
		return NULL;
	return order_by_id(d, r->arena, id);
}

static const char *
fmt(struct arena *a, long long amount, const char *currency)
{
	return money_format(a, amount, currency);
}

/* An order's row in the list, and the start of its page. */
static struct tval *
order_row_tval(struct arena *a, const struct order *o)
{
	struct tval	*m = tval_map(a);

	tval_set_int(a, m, "id", o->id);
	tval_set_str(a, m, "number", o->number);
	tval_set_str(a, m, "state", order_state_names[o->state]);
	tval_set_str(a, m, "state_label", order_state_labels[o->state]);
	tval_set_str(a, m, "email", o->email);
	tval_set_str(a, m, "ship_name", o->ship.name);
	tval_set_int(a, m, "user_id", o->user_id);
	tval_set_bool(a, m, "has_account", o->user_id != 0);
	tval_set_str(a, m, "currency", o->currency);
	tval_set_int(a, m, "total", o->total);
	tval_set_str(a, m, "total_formatted", fmt(a, o->total, o->currency));
	tval_set_str(a, m, "created_at", o->created_at);
	tval_set_str(a, m, "paid_at", o->paid_at);
	return m;
}

/* The whole order: amounts, address, payment (JSON and the page). */
static struct tval *
order_tval(struct arena *a, const struct order *o, long long left)
{
	struct tval	*m = order_row_tval(a, o), *ship, *pay;

	tval_set_int(a, m, "subtotal", o->subtotal);
	tval_set_str(a, m, "subtotal_formatted", fmt(a, o->subtotal,
	    o->currency));
	tval_set_int(a, m, "discount", o->discount);
	tval_set_int(a, m, "shipping_discount", o->shipping_discount);
	if (*o->discount_code != '\0') {
		tval_set_str(a, m, "discount_code", o->discount_code);
		tval_set_str(a, m, "discount_formatted", fmt(a, o->discount,
		    o->currency));
		tval_set_bool(a, m, "has_discount", o->discount > 0);
		if (o->shipping_discount > 0)
			tval_set_str(a, m, "shipping_discount_formatted", fmt(a,
			    o->shipping_discount, o->currency));
	}
	tval_set_int(a, m, "shipping", o->shipping);
	tval_set_str(a, m, "shipping_formatted", fmt(a, o->shipping,
	    o->currency));
	tval_set_str(a, m, "shipping_name", o->shipping_name);
	tval_set_int(a, m, "tax", o->tax);
	tval_set_str(a, m, "tax_formatted", fmt(a, o->tax, o->currency));
	tval_set_str(a, m, "tax_name", o->tax_name);
	tval_set_str(a, m, "tax_rate", tax_rate_text(a, o->tax_rate_bp));
	tval_set_bool(a, m, "tax_inclusive", o->tax_inclusive);
	tval_set_bool(a, m, "recovered", o->recovered);
	ship = tval_set_map(a, m, "ship");
	tval_set_str(a, ship, "name", o->ship.name);
	tval_set_str(a, ship, "line1", o->ship.line1);
	tval_set_str(a, ship, "line2", o->ship.line2);
	tval_set_str(a, ship, "city", o->ship.city);
	tval_set_str(a, ship, "postcode", o->ship.postcode);
	tval_set_str(a, ship, "country", o->ship.country);
	pay = tval_set_map(a, m, "payment");
	tval_set_int(a, pay, "attempt", o->payment_attempt);
	tval_set_str(a, pay, "session_id", o->session_id);
	tval_set_str(a, pay, "payment_intent", o->payment_intent);
	tval_set_int(a, pay, "amount_paid", o->amount_paid);
	tval_set_str(a, pay, "paid_formatted", fmt(a, o->amount_paid,
	    o->currency));
	tval_set_int(a, pay, "amount_refunded", o->amount_refunded);
	tval_set_str(a, pay, "refunded_formatted", fmt(a, o->amount_refunded,
	    o->currency));
	tval_set_int(a, pay, "left", left);
	tval_set_str(a, pay, "left_formatted", fmt(a, left, o->currency));
	tval_set_bool(a, pay, "stock_held", o->stock_held);
	tval_set_str(a, pay, "hold_ends", admin_date(a, o->reserved_until));
	return m;
}

/* What an order's state allows, as the page and its JSON say. */
static bool
can_ship(const struct order *o)
{
	return o->state == ORDER_PAID;
}

static bool
can_cancel(const struct order *o)
{
	return o->state == ORDER_PENDING && *o->payment_intent == '\0';
}

static bool
can_refund(const struct order *o, long long left)
{
	return (o->state == ORDER_PAID || o->state == ORDER_FULFILLED ||
	    o->state == ORDER_PARTIALLY_REFUNDED) && o->amount_paid > 0 &&
	    *o->payment_intent != '\0' && left > 0;
}

/* The order's lines, with what is left of each to refund. */
static void
lines_tval(struct req *r, struct tval *data, const struct order *o,
    const struct refund_line_left *left, size_t nleft, bool typed,
    const bool *bad_lines)
{
	struct arena	*a = r->arena;
	struct tval	*l = tval_set_list(a, data, "lines"), *m;
	const char	*v, *name;
	size_t		 i;

	for (i = 0; i < o->nlines; i++) {
		const struct order_line *ol = &o->lines[i];

		m = tval_push_map(a, l);
		tval_set_int(a, m, "line", (long long)i + 1);
		tval_set_int(a, m, "order_line_id", i < nleft ?
		    left[i].order_line_id : 0);
		name = *ol->variant_title == '\0' ? ol->product_name :
		    arena_printf(a, "%s (%s)", ol->product_name,
		    ol->variant_title);
		tval_set_str(a, m, "name", name);
		tval_set_str(a, m, "sku", ol->sku);
		tval_set_int(a, m, "variant_id", ol->variant_id);
		tval_set_int(a, m, "unit_price", ol->unit_price);
		tval_set_str(a, m, "unit_price_formatted", fmt(a,
		    ol->unit_price, o->currency));
		tval_set_int(a, m, "quantity", ol->quantity);
		tval_set_int(a, m, "line_total", ol->line_total);
		tval_set_str(a, m, "line_total_formatted", fmt(a,
		    ol->line_total, o->currency));
		tval_set_int(a, m, "left", i < nleft ? left[i].left : 0);
		tval_set_bool(a, m, "refundable", i < nleft &&
		    left[i].left > 0);
		/* A variant since deleted has no stock to go back to. */
		tval_set_bool(a, m, "restockable", ol->variant_id != 0);
		/* The refund form's inputs for this line, as typed. */
		v = typed ? req_form(r, arena_printf(a, "line_%zu", i + 1)) :
		    NULL;
		tval_set_str(a, m, "units", v != NULL ? v : "");
		v = typed ? req_form(r, arena_printf(a, "restock_%zu", i + 1)) :
		    NULL;
		tval_set_bool(a, m, "restock", v != NULL && *v != '\0');
		tval_set_bool(a, m, "bad", bad_lines != NULL && bad_lines[i]);
	}
}

static int
history_tval(struct req *r, struct tval *data, const struct order *o)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct order_event	*ev;
	struct refund		*rf;
	struct order_note	*nt;
	struct adminlog_entry	*log;
	struct tval		*l, *m, *rl, *x;
	size_t			 n, i, k;

	if ((ev = order_events(d, a, o->id, &n)) == NULL)
		return -1;
	l = tval_set_list(a, data, "events");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "at", ev[i].created_at);
		tval_set_str(a, m, "from", ev[i].from_state);
		tval_set_str(a, m, "to", ev[i].to_state);
		tval_set_str(a, m, "source", ev[i].source);
		tval_set_str(a, m, "cause", ev[i].cause);
		tval_set_str(a, m, "ref", ev[i].ref);
	}
	if ((rf = refunds_of_order(d, a, o->id, &n)) == NULL)
		return -1;
	l = tval_set_list(a, data, "refunds");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", rf[i].id);
		tval_set_int(a, m, "amount", rf[i].amount);
		tval_set_str(a, m, "amount_formatted", fmt(a, rf[i].amount,
		    rf[i].currency));
		tval_set_int(a, m, "shipping", rf[i].shipping);
		tval_set_str(a, m, "reason", refund_reason_names[rf[i].reason]);
		tval_set_str(a, m, "state", refund_state_names[rf[i].state]);
		tval_set_str(a, m, "gateway_id", rf[i].gateway_id);
		tval_set_str(a, m, "error", rf[i].error);
		tval_set_str(a, m, "actor", rf[i].actor);
		tval_set_str(a, m, "created_at", rf[i].created_at);
		rl = tval_set_list(a, m, "lines");
		for (k = 0; k < rf[i].nlines; k++) {
			x = tval_push_map(a, rl);
			tval_set_str(a, x, "name", rf[i].lines[k].name);
			tval_set_int(a, x, "quantity", rf[i].lines[k].quantity);
			tval_set_str(a, x, "amount_formatted", fmt(a,
			    rf[i].lines[k].amount, rf[i].currency));
			tval_set_bool(a, x, "restock", rf[i].lines[k].restock);
		}
	}
	tval_set_bool(a, data, "has_refunds", n > 0);
	if ((nt = order_notes(d, a, o->id, &n)) == NULL)
		return -1;
	l = tval_set_list(a, data, "notes");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", nt[i].id);
		tval_set_str(a, m, "author", nt[i].author);
		tval_set_str(a, m, "body", nt[i].body);
		tval_set_str(a, m, "at", admin_date(a, nt[i].created_at));
	}
	tval_set_bool(a, data, "has_notes", n > 0);
	if ((log = adminlog_list(d, a, 0, ORDER_LOG_ROWS, "order", o->id,
	    &n)) == NULL)
		return -1;
	l = tval_set_list(a, data, "admin_log");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "at", admin_date(a, log[i].created_at));
		tval_set_str(a, m, "actor", log[i].actor);
		tval_set_str(a, m, "action", log[i].action);
		if (log[i].before != NULL)
			tval_set_str(a, m, "before", log[i].before);
		if (log[i].after != NULL)
			tval_set_str(a, m, "after", log[i].after);
	}
	tval_set_bool(a, data, "has_admin_log", n > 0);
	return 0;
}

/* Key of a form on the page, the failed one as it was sent. */
static void
form_of(struct req *r, struct tval *data, const char *key,
    const struct form_field *fields, size_t n, const char *failed,
    const struct form *f)
{
	struct form	 blank;

	if (failed != NULL && strcmp(failed, key) == 0 && f != NULL) {
		tval_set(r->arena, data, arena_printf(r->arena, "%s_form", key),
		    form_tval(r->arena, f));
		return;
	}
	form_init(&blank, r->arena, fields, n);
	tval_set(r->arena, data, arena_printf(r->arena, "%s_form", key),
	    form_tval(r->arena, &blank));
}

int
admin_order_page(struct req *r, int status, const struct order *o,
    const char *failed, const struct form *f, const bool *bad_lines)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct tval		*data = tval_map(a), *m;
	struct refund_line_left	*left;
	struct form		 blank;
	long long		 money = 0;
	size_t			 nleft = 0;
	bool			 refund_failed;

	if ((left = refund_left(d, a, o->id, &money, &nleft)) == NULL)
		return 503;
	if (o->amount_paid == 0)
		money = 0;
	m = order_tval(a, o, money);
	tval_set(a, data, "order", m);
	tval_set_bool(a, data, "can_ship", can_ship(o));
	tval_set_bool(a, data, "can_cancel", can_cancel(o));
	tval_set_bool(a, data, "can_refund", can_refund(o, money));
	tval_set_bool(a, data, "refund_shipping", o->shipping > 0);
	refund_failed = failed != NULL && strcmp(failed, "refund") == 0;
	lines_tval(r, data, o, left, nleft, refund_failed, bad_lines);
	admin_documents_tval(r, data, o);
	if (history_tval(r, data, o) != 0)
		return 503;
	if (!r->want_json) {
		form_of(r, data, "ship", ship_fields, nitems(ship_fields),
		    failed, f);
		form_of(r, data, "cancel", cancel_fields,
		    nitems(cancel_fields), failed, f);
		form_of(r, data, "note", note_fields, nitems(note_fields),
		    failed, f);
		if (refund_failed && f != NULL)
			tval_set(a, data, "refund_form", form_tval(a, f));
		else {
			admin_refund_form(&blank, a);
			tval_set(a, data, "refund_form", form_tval(a, &blank));
		}
	}
	if (failed != NULL && f != NULL)
		return admin_form_fail(r, status, "admin/order", data,
		    o->number, SECTION_ORDERS, f);
	return admin_render(r, status, "admin/order", data, o->number,
	    SECTION_ORDERS);
}

int
h_orders(struct req *r)
{
	struct arena		*a = r->arena;
	struct tval		*data = tval_map(a), *l, *m;
	struct order		*v;
	const char		*q = req_query(r, "q"), *sv = req_query(r, "state");
	enum order_state	 state = ORDER_STATE__MAX;
	long long		 before = admin_cursor(r, "before");
	size_t			 n, i;
	int			 s;

	if (before < 0) {
		r->error = "The page asked for is not a number.";
		return 400;
	}
	if (sv != NULL && *sv != '\0' &&
	    (state = order_state_from_name(sv)) == ORDER_STATE__MAX) {
		r->error = "There is no such state of an order.";
		return 400;
	}
	if (q != NULL && text_utf8_chars(q) > ORDER_QUERY_MAX) {
		r->error = "The search is too long.";
		return 400;
	}
	q = q != NULL ? text_trim(a, q) : "";
	if ((v = orders_search(req_db(r, DB_PRIMARY), a, state, q, before,
	    ADMIN_PAGE_ROWS + 1, &n)) == NULL)
		return 503;
	l = tval_set_list(a, data, "orders");
	for (i = 0; i < n && i < ADMIN_PAGE_ROWS; i++)
		tval_push(a, l, order_row_tval(a, &v[i]));
	tval_set_str(a, data, "q", q);
	tval_set_str(a, data, "state", state < ORDER_STATE__MAX ?
	    order_state_names[state] : "");
	tval_set_bool(a, data, "none", n == 0);
	if (n > ADMIN_PAGE_ROWS)
		tval_set(a, data, "next", admin_next_url(r, "/admin/orders",
		    v[ADMIN_PAGE_ROWS - 1].id));
	if (!r->want_json) {
		l = tval_set_list(a, data, "states");
		for (s = 0; s < ORDER_STATE__MAX; s++) {
			m = tval_push_map(a, l);
			tval_set_str(a, m, "value", order_state_names[s]);
			tval_set_str(a, m, "label", order_state_labels[s]);
			tval_set_bool(a, m, "selected", s == (int)state);
		}
	}
	return admin_render(r, 200, "admin/orders", data, "Orders",
	    SECTION_ORDERS);
}

int
h_order(struct req *r)
{
	struct order	*o;

	if ((o = admin_order(r)) == NULL)
		return 404;
	return admin_order_page(r, 200, o, NULL, NULL, NULL);
}

/* After a post that changed o: its page, or JSON of it. */
static int
order_done(struct req *r, const struct order *o, const char *notice)
{
	struct tval	*data = tval_map(r->arena);

	tval_set(r->arena, data, "order", order_row_tval(r->arena, o));
	return admin_done(r, arena_printf(r->arena, "/admin/orders/%s",
	    o->number), notice, data);
}

int
h_order_ship(struct req *r)
{
	struct arena		*a = r->arena;
	struct order		*o, *now;
	struct form		 f;
	struct order_shipment	 s;
	struct actor		 who = admin_actor(r);
	const char		*v;

	if ((o = admin_order(r)) == NULL)
		return 404;
	form_init(&f, a, ship_fields, nitems(ship_fields));
	if (form_read(&f, a, &r->form)) {
		if (*(v = form_str(&f, "carrier")) != '\0' &&
		    !order_ship_text_ok(v))
			form_error(&f, "carrier", "Carrier: one line of at most "
			    "200 bytes.");
		if (*(v = form_str(&f, "tracking")) != '\0' &&
		    !order_ship_text_ok(v))
			form_error(&f, "tracking", "Tracking number: one line "
			    "of at most 200 bytes.");
		if (*(v = form_str(&f, "url")) != '\0' &&
		    !order_ship_url_ok(v))
			form_error(&f, "url", "Tracking address: an address "
			    "that starts with https:// or http://, without "
			    "spaces.");
	}
	if (f.nerrors > 0)
		return admin_order_page(r, 422, o, "ship", &f, NULL);
	memset(&s, 0, sizeof(s));
#define OR_NULL(k) (*form_str(&f, k) != '\0' ? form_str(&f, k) : NULL)
	s.carrier = OR_NULL("carrier");
	s.tracking = OR_NULL("tracking");
	s.url = OR_NULL("url");
#undef OR_NULL
	switch (order_ship_by(req_db(r, DB_PRIMARY), a, o->id, &s, &who,
	    &now)) {
	case ACTION_DONE:
		return order_done(r, now, "shipped");
	case ACTION_NOT_FOUND:
		return 404;
	case ACTION_ALREADY:
		form_error(&f, NULL, "This order is marked shipped already.");
		break;
	case ACTION_REFUSED:
	case ACTION_INVALID:
		form_error(&f, NULL, arena_printf(a, "Only a paid order can be "
		    "shipped; this one is %s.", order_state_labels[now != NULL ?
		    now->state : o->state]));
		break;
	default:
		return 503;
	}
	return admin_order_page(r, 422, now != NULL ? now : o, "ship", &f,
	    NULL);
}

int
h_order_cancel(struct req *r)
{
	struct arena		*a = r->arena;
	struct order		*o, *now = NULL;
	struct form		 f;
	struct stripe_error	 err;
	struct actor		 who = admin_actor(r);
	enum order_action	 act;
	enum settle_result	 res;
	const char		*cause;

	if ((o = admin_order(r)) == NULL)
		return 404;
	form_init(&f, a, cancel_fields, nitems(cancel_fields));
	if (!form_read(&f, a, &r->form))
		return admin_order_page(r, 422, o, "cancel", &f, NULL);
	if (!can_cancel(o)) {
		form_error(&f, NULL, arena_printf(a, "Only an order awaiting "
		    "payment can be cancelled; this one is %s%s.",
		    order_state_labels[o->state], o->state == ORDER_PENDING ?
		    ", its payment on its way" : ""));
		return admin_order_page(r, 422, o, "cancel", &f, NULL);
	}
	cause = *form_str(&f, "cause") != '\0' ? arena_printf(a, "cancelled "
	    "by %s: %s", who.name, form_str(&f, "cause")) :
	    arena_printf(a, "cancelled by %s", who.name);
	/* The gateway is asked only about a session there is. */
	res = settle_cancel(req_db(r, DB_PRIMARY), *o->session_id != '\0' ?
	    admin_gateway(r) : NULL, a, o->id, cause, &who, &act, &now, &err);
	if (now == NULL)
		now = o;
	switch (res) {
	case SETTLE_OK:
		break;
	case SETTLE_PAID:
		form_error(&f, NULL, "The customer has paid this order at the "
		    "payment service: it is marked paid now, and was not "
		    "cancelled.");
		return admin_order_page(r, 409, now, "cancel", &f, NULL);
	case SETTLE_PROCESSING:
		form_error(&f, NULL, "The customer's payment of this order is "
		    "on its way: it was not cancelled.");
		return admin_order_page(r, 409, now, "cancel", &f, NULL);
	case SETTLE_GATEWAY:
	case SETTLE_BUSY:
		form_error(&f, NULL, arena_printf(a, "The payment service could "
		    "not be asked to close the order's payment page (%s), so "
		    "the order was not cancelled. Please try again.",
		    res == SETTLE_BUSY ? "the customer kept opening it" :
		    err.message));
		return admin_order_page(r, 503, now, "cancel", &f, NULL);
	default:
		return 503;
	}
	switch (act) {
	case ACTION_DONE:
		return order_done(r, now, "cancelled");
	case ACTION_NOT_FOUND:
		return 404;
	case ACTION_ALREADY:
		form_error(&f, NULL, "This order is cancelled already.");
		break;
	case ACTION_REFUSED:
		form_error(&f, NULL, arena_printf(a, "Only an order awaiting "
		    "payment can be cancelled; this one is %s.",
		    order_state_labels[now->state]));
		break;
	default:
		return 503;
	}
	return admin_order_page(r, 422, now, "cancel", &f, NULL);
}

int
h_order_note(struct req *r)
{
	struct arena	*a = r->arena;
	struct db	*d = req_db(r, DB_PRIMARY);
	struct order	*o;
	struct form	 f;
	struct actor	 who = admin_actor(r);
	struct tval	*data, *m;
	long long	 id;

	if ((o = admin_order(r)) == NULL)
		return 404;
	form_init(&f, a, note_fields, nitems(note_fields));
	if (!form_read(&f, a, &r->form))
		return admin_order_page(r, 422, o, "note", &f, NULL);
	if (db_begin(d) != 0)
		return 503;
	if ((id = order_note_add(d, a, o->id, &who, form_str(&f,
	    "note"))) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	m = tval_set_map(a, data, "note");
	tval_set_int(a, m, "id", id);
	tval_set_str(a, m, "author", who.name);
	tval_set_str(a, m, "body", form_str(&f, "note"));
	tval_set(a, data, "order", order_row_tval(a, o));
	return admin_done(r, arena_printf(a, "/admin/orders/%s",
	    o->number), "noted", data);
}
