/*
 * checkout: the checkout page, placing an order, paying for it at the
 * gateway, the success page, and the order page (DESIGN.md, "Payments")
 * with its invoice and credit notes (shop/invoice.h).
 *
 * POST /checkout creates the order first (stock reserved, cart emptied,
 * one transaction), then asks the gateway for a Checkout Session outside
 * any transaction and redirects there. If the gateway fails, the order
 * stays as it is, payable from its page. A repeated post of the same
 * form (a double click, a replay) finds the same order by its checkout
 * key and pays for it with the same session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/stripe.h"
#include "web/form.h"
#include "web/http.h"
#include "web/route.h"
#include "side/cable.h"
#include "shop/cart.h"
#include "shop/country.h"
#include "shop/discount.h"
#include "shop/invoice.h"
#include "shop/order.h"
#include "shop/pricing.h"
#include "shop/session.h"
#include "shop/settle.h"
#include "shop/user.h"
#include "app/app.h"
#include "app/page.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define TOKEN		"(?<token>[A-Za-z0-9_-]{32})"

static int	h_form(struct req *);
static int	h_place(struct req *);
static int	h_success(struct req *);
static int	h_order(struct req *);
static int	h_pay(struct req *);
static int	h_invoice(struct req *);
static int	h_credit_note(struct req *);

#define GET	(HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD))
#define POST	HTTP_BIT(HTTP_POST)

static const struct route routes[] = {
	{ GET,	"^/checkout$", h_form, 0 },
	{ POST,	"^/checkout$", h_place, 0 },
	{ GET,	"^/checkout/success$", h_success, 0 },
	{ GET,	"^/orders/" TOKEN "$", h_order, 0 },
	{ POST,	"^/orders/" TOKEN "/pay$", h_pay, 0 },
	{ GET,	"^/orders/" TOKEN "/invoice$", h_invoice, 0 },
	{ GET,	"^/orders/" TOKEN "/credit-notes/(?<n>[1-9][0-9]{0,5})$",
	  h_credit_note, 0 },
};

static const struct form_field checkout_fields[] = {
	{ "email", "Email", FORM_EMAIL, FORM_REQUIRED, 3, 254, "email",
	  "We send the order confirmation here.", NULL },
	{ "name", "Full name", FORM_TEXT, FORM_REQUIRED, 1, 100,
	  "shipping name", NULL, NULL },
	{ "line1", "Address", FORM_TEXT, FORM_REQUIRED, 1, 200,
	  "shipping address-line1", NULL, NULL },
	{ "line2", "Address line 2", FORM_TEXT, 0, 0, 200,
	  "shipping address-line2", NULL, NULL },
	{ "city", "City", FORM_TEXT, FORM_REQUIRED, 1, 100,
	  "shipping address-level2", NULL, NULL },
	{ "postcode", "Postcode", FORM_POSTCODE, FORM_REQUIRED, 1, 20,
	  "shipping postal-code", NULL, NULL },
	{ "country", "Country", FORM_COUNTRY, FORM_REQUIRED, 2, 2,
	  "shipping country", NULL, NULL },
	{ "shipping", "Shipping", FORM_TEXT, FORM_REQUIRED, 1, 40, NULL,
	  NULL, "Choose a shipping method." },
	{ "discount_code", "Discount code", FORM_TEXT, 0, 0, DISCOUNT_CODE_MAX,
	  "off", NULL, NULL },
	{ "address_id", "Saved address", FORM_INT, 0, 0,
	  999999999999999999LL, NULL, NULL, NULL },
	{ "checkout_key", "Checkout key", FORM_TOKEN, FORM_HIDDEN, 43, 43,
	  NULL, NULL, NULL },
	{ "total", "Total", FORM_INT, FORM_HIDDEN, 0, 999999999999999999LL,
	  NULL, NULL, NULL },
};

static int
thread_init(struct shop *s)
{
	s->app_data = settle_client(s->cfg);
	return 0;
}

static void
thread_fini(struct shop *s)
{
	stripe_free(s->app_data);
	s->app_data = NULL;
}

static const char *
fmt(struct req *r, long long amount, const char *currency)
{
	return money_format(r->arena, amount, currency);
}

/* The summary of a quote: lines and amounts, raw and formatted. */
static struct tval *
quote_tval(struct req *r, const struct quote *q)
{
	struct arena	*a = r->arena;
	struct tval	*t = tval_map(a), *lines;
	size_t		 i;

	lines = tval_set_list(a, t, "lines");
	for (i = 0; i < q->nlines; i++) {
		const struct quote_line *l = &q->lines[i];
		struct tval *m = tval_push_map(a, lines);

		tval_set_int(a, m, "variant_id", l->variant_id);
		tval_set_str(a, m, "product_name", l->product_name);
		tval_set_str(a, m, "variant_title", l->variant_title);
		tval_set_int(a, m, "quantity", l->quantity);
		tval_set_int(a, m, "unit_price", l->unit_price);
		tval_set_int(a, m, "line_total", l->line_total);
		tval_set_str(a, m, "line_total_formatted",
		    fmt(r, l->line_total, q->currency));
	}
	tval_set_str(a, t, "currency", q->currency);
	tval_set_int(a, t, "subtotal", q->subtotal);
	tval_set_int(a, t, "discount", q->discount);
	tval_set_int(a, t, "shipping_discount", q->shipping_discount);
	if (q->code != NULL) {
		tval_set_str(a, t, "discount_code", q->code->code);
		tval_set_str(a, t, "discount_label", discount_label(a, q->code));
		tval_set_str(a, t, "discount_formatted", fmt(r, q->discount,
		    q->currency));
		tval_set_bool(a, t, "has_discount", q->discount > 0);
		tval_set_bool(a, t, "free_shipping",
		    q->code->kind == DISCOUNT_FREE_SHIPPING);
	}
	tval_set_int(a, t, "weight_grams", q->weight);
	tval_set_int(a, t, "shipping", q->shipping);
	tval_set_int(a, t, "tax", q->tax);
	tval_set_int(a, t, "total", q->total);
	tval_set_str(a, t, "subtotal_formatted", fmt(r, q->subtotal, q->currency));
	tval_set_str(a, t, "shipping_formatted", q->shipping == 0 ? "Free" :
	    fmt(r, q->shipping, q->currency));
	tval_set_str(a, t, "tax_formatted", fmt(r, q->tax, q->currency));
	tval_set_str(a, t, "total_formatted", fmt(r, q->total, q->currency));
	tval_set_str(a, t, "tax_name", q->rate.name);
	tval_set_str(a, t, "tax_rate", tax_rate_text(a, q->rate.rate_bp));
	tval_set_bool(a, t, "tax_inclusive", q->rate.inclusive);
	tval_set_bool(a, t, "has_tax", q->rate.rate_bp > 0);
	/* Which of the summary's tax lines shows (static/checkout.js too). */
	tval_set_bool(a, t, "tax_added", q->rate.rate_bp > 0 &&
	    !q->rate.inclusive);
	tval_set_bool(a, t, "tax_included", q->rate.rate_bp > 0 &&
	    q->rate.inclusive);
	tval_set_bool(a, t, "no_tax", q->rate.rate_bp <= 0);
	return t;
}

/* A new random checkout key: 32 bytes as 43 base64url characters. */
static char *
new_key(struct arena *a)
{
	unsigned char	 rnd[32];
	char		*k = arena_alloc(a, 44);

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(k, 44, rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return k;
}

/*
 * Apply the form's discount code to q (built, without a problem) as
 * order_create() will: 0 when applied or when there is none, 1 when it
 * cannot be used (the reason on the discount_code field), -1 on error.
 */
static int
apply_code(struct req *r, struct form *f, struct quote *q)
{
	struct db		*d = req_db(r, DB_PRIMARY);
	struct session		*s = session_of(r);
	struct discount		*disc;
	enum discount_problem	 why;
	const char		*code = form_str(f, "discount_code");

	if (*code == '\0' || q->problem != QUOTE_OK)
		return 0;
	if ((disc = discount_by_code(d, r->arena, code, &why)) != NULL)
		why = discount_check(d, disc, clock_now(), q->subtotal,
		    q->currency, s != NULL ? s->user_id : 0,
		    form_str(f, "email"));
	if (why == DISCOUNT_DB)
		return -1;
	if (why != DISCOUNT_OK) {
		form_error(f, "discount_code", discount_problem_text(r->arena,
		    why, disc));
		return 1;
	}
	if (quote_discount(q, disc) != 0)
		return -1;
	if (q->problem == QUOTE_DISCOUNT) {
		form_error(f, "discount_code", discount_problem_text(r->arena,
		    (enum discount_problem)q->discount_problem, disc));
		return 1;
	}
	return 0;
}

/*
 * The checkout page for the form f (prefilled or failed) and the cart:
 * the form, the shipping methods and countries with the chosen ones
 * marked, and the summary of what would be charged.
 */
static int
checkout_page(struct req *r, int status, struct form *f, const char *notice)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct session		*s = session_of(r);
	struct tval		*data = page_data(r), *l, *m, *fields, *contact,
				*address;
	struct shipping_method	*methods;
	struct cart		 cart;
	struct quote		 q;
	const char		*country = form_str(f, "country");
	const char		*ship = form_str(f, "shipping");
	long long		*ids, *qty;
	size_t			 i, n;
	const struct tval_item	*it;

	if (cart_load(d, a, s, &cart) != 0)
		return 503;
	if (*country == '\0' || !country_known(country))
		country = r->shop->cfg->country;
	if (*form_str(f, "discount_code") == '\0' && f->nerrors == 0 &&
	    kv_get(&r->query, "discount_code") == NULL)
		form_set(f, "discount_code", cart.discount_code);
	ids = arena_calloc(a, cart.nlines + 1, sizeof(*ids));
	qty = arena_calloc(a, cart.nlines + 1, sizeof(*qty));
	for (i = 0; i < cart.nlines; i++) {
		ids[i] = cart.lines[i].variant_id;
		qty[i] = cart.lines[i].quantity;
	}
	/* The methods offered where it goes, at the order's weight. */
	if (quote_build(d, a, ids, qty, cart.nlines, ship, country, &q) != 0 ||
	    (methods = shipping_methods_for(d, a, country, q.weight,
	    &n)) == NULL)
		return 503;
	for (i = 0; i < n && strcmp(methods[i].code, ship) != 0; i++)
		continue;
	if (i == n && n > 0 && (*ship == '\0' || status == 200)) {
		ship = methods[0].code;
		if (quote_build(d, a, ids, qty, cart.nlines, ship, country,
		    &q) != 0)
			return 503;
	}
	if (form_field_error(f, "discount_code") == NULL &&
	    apply_code(r, f, &q) < 0)
		return 503;
	if (*form_str(f, "checkout_key") == '\0')
		form_set(f, "checkout_key", new_key(a));
	form_set(f, "total", arena_printf(a, "%lld", q.total));
	form_set(f, "country", country);
	form_set(f, "shipping", ship);

	tval_set_str(a, data, "title", "Checkout");
	tval_set_bool(a, data, "empty", cart.nlines == 0);
	tval_set_bool(a, data, "can_order", q.problem == QUOTE_OK);
	if (q.problem != QUOTE_OK && cart.nlines > 0)
		tval_set_str(a, data, "problem", quote_problem_msgs[q.problem]);
	if (notice != NULL)
		tval_set_str(a, data, "notice", notice);
	page_unpaid_orders(r, data);
	tval_set(a, data, "quote", quote_tval(r, &q));
	l = tval_set_list(a, data, "shipping_methods");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "code", methods[i].code);
		tval_set_str(a, m, "name", methods[i].name);
		tval_set_int(a, m, "price", methods[i].price);
		tval_set_str(a, m, "price_formatted", fmt(r, methods[i].price,
		    methods[i].currency));
		if (methods[i].free_over >= 0)
			tval_set_str(a, m, "free_over_formatted", fmt(r,
			    methods[i].free_over, methods[i].currency));
		tval_set_bool(a, m, "selected", strcmp(methods[i].code,
		    ship) == 0);
	}
	tval_set(a, data, "countries", country_tval(a, country));
	tval_set_bool(a, data, "country_chosen", country_known(country));
	if (s != NULL && s->user_id != 0) {
		struct user_address *ad = user_addresses(d, a, s->user_id, &n);

		l = tval_set_list(a, data, "addresses");
		tval_set_bool(a, data, "has_addresses", ad != NULL && n > 0);
		for (i = 0; ad != NULL && i < n; i++) {
			m = tval_push_map(a, l);
			tval_set_int(a, m, "id", ad[i].id);
			tval_set_str(a, m, "label", arena_printf(a, "%s, %s, "
			    "%s %s", ad[i].name, ad[i].line1, ad[i].postcode,
			    ad[i].city));
			tval_set_bool(a, m, "selected",
			    form_int(f, "address_id") == ad[i].id);
		}
	}
	/* The text fields, in two groups; the rest the template lays out. */
	fields = form_tval(a, f);
	contact = tval_set_list(a, data, "contact_fields");
	address = tval_set_list(a, data, "address_fields");
	for (it = fields->u.c.head; it != NULL; it = it->next) {
		const char *name = tval_get_str(it->val, "name");

		if (strcmp(name, "email") == 0)
			tval_push(a, contact, it->val);
		else if (strcmp(name, "name") == 0 ||
		    strcmp(name, "line1") == 0 || strcmp(name, "line2") == 0 ||
		    strcmp(name, "city") == 0 || strcmp(name, "postcode") == 0)
			tval_push(a, address, it->val);
		else if (strcmp(name, "checkout_key") == 0 ||
		    strcmp(name, "total") == 0)
			tval_set(a, data, name, it->val);
		else if (strcmp(name, "country") == 0 ||
		    strcmp(name, "shipping") == 0 ||
		    strcmp(name, "discount_code") == 0)
			tval_set(a, data, arena_printf(a, "%s_field", name),
			    it->val);
	}
	r->cache_control = "no-store";
	r->csp_form_action = r->shop->cfg->checkout_origin;
	if (status == 200)
		return page_render(r, 200, "checkout/form", data);
	return page_form_fail(r, status, "checkout/form", data, f);
}

/*
 * Whether the form came back with an address of the customer's own: the
 * saved-address list sent set to "Another address", or an address typed
 * in. The default address must not overwrite it.
 */
static bool
address_given(struct req *r, const struct form *f)
{
	static const char *const fields[] = {
		"name", "line1", "line2", "city", "postcode",
	};
	size_t	i;

	if (kv_get(&r->query, "address_id") != NULL)
		return true;
	for (i = 0; i < nitems(fields); i++)
		if (*form_str(f, fields[i]) != '\0')
			return true;
	return false;
}

/*
 * Prefill the form for a signed-in customer: the account's email, and
 * the saved address chosen in the list (address_id), or else the default
 * address unless the customer gave another.
 */
static void
prefill(struct req *r, struct form *f)
{
	struct session		*s = session_of(r);
	struct user_address	*ad;
	size_t			 i, n;
	long long		 want = form_int(f, "address_id");

	if (s == NULL || s->user_id == 0)
		return;
	if (*form_str(f, "email") == '\0')
		form_set(f, "email", s->user_email);
	if (want == 0 && address_given(r, f))
		return;
	if ((ad = user_addresses(req_db(r, DB_PRIMARY), r->arena, s->user_id,
	    &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (want != 0 ? ad[i].id != want : !ad[i].is_default)
			continue;
		form_set(f, "name", ad[i].name);
		form_set(f, "line1", ad[i].line1);
		form_set(f, "line2", ad[i].line2);
		form_set(f, "city", ad[i].city);
		form_set(f, "postcode", ad[i].postcode);
		form_set(f, "country", ad[i].country);
		form_set(f, "address_id", arena_printf(r->arena, "%lld",
		    ad[i].id));
		return;
	}
}

/*
 * GET /checkout. With a query string (the "update the summary" button,
 * or a saved address chosen) the form shows those values. Asked for JSON
 * (static/checkout.js, with the country and shipping chosen), it answers
 * the page's data: the quote, the total the form posts, can_order.
 */
static int
h_form(struct req *r)
{
	struct form	f;

	form_init(&f, r->arena, checkout_fields, nitems(checkout_fields));
	/* What the query says is shown as typed, without messages yet. */
	if (r->query.n > 0 && !form_read(&f, r->arena, &r->query)) {
		memset(f.errors, 0, f.n * sizeof(*f.errors));
		f.error = NULL;
		f.nerrors = 0;
	}
	prefill(r, &f);
	return checkout_page(r, 200, &f, NULL);
}

/*
 * The order's invoice and credit notes, when it has them, into t:
 * "invoice" {number, url} and "credit_notes" [{number, url}].
 */
static void
documents_tval(struct req *r, struct tval *t, const struct order *o)
{
	struct arena	*a = r->arena;
	struct db	*d = req_db(r, DB_PRIMARY);
	struct invoice	*v;
	struct tval	*m, *l;
	size_t		 i, n;

	if ((v = invoice_of_order(d, a, o->id)) != NULL) {
		m = tval_set_map(a, t, "invoice");
		tval_set_str(a, m, "number", v->number);
		tval_set_str(a, m, "url", arena_printf(a, "/orders/%s/invoice",
		    o->token));
	}
	if ((v = credit_notes_of_order(d, a, o->id, &n)) == NULL || n == 0)
		return;
	l = tval_set_list(a, t, "credit_notes");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "number", v[i].number);
		tval_set_str(a, m, "url", arena_printf(a,
		    "/orders/%s/credit-notes/%lld", o->token, v[i].ordinal));
	}
}

/* An order for its page and for JSON. */
static struct tval *
order_tval(struct req *r, const struct order *o)
{
	struct arena	*a = r->arena;
	struct tval	*t = tval_map(a), *lines, *ad;
	size_t		 i;

	tval_set_int(a, t, "id", o->id);
	tval_set_str(a, t, "number", o->number);
	tval_set_str(a, t, "token", o->token);
	tval_set_str(a, t, "url", arena_printf(a, "/orders/%s", o->token));
	tval_set_str(a, t, "state", order_state_names[o->state]);
	tval_set_str(a, t, "state_label", order_state_labels[o->state]);
	tval_set_bool(a, t, "pending", o->state == ORDER_PENDING);
	tval_set_bool(a, t, "paid", o->state == ORDER_PAID ||
	    o->state == ORDER_FULFILLED);
	tval_set_bool(a, t, "cancelled", o->state == ORDER_CANCELLED);
	tval_set_bool(a, t, "refunded", o->state == ORDER_REFUNDED ||
	    o->state == ORDER_PARTIALLY_REFUNDED);
	/*
	 * Processing: the session is complete and the money on its way (the
	 * payment is recorded without its amount). We wait to hear. An open
	 * session (the customer left the payment page) is paid with the pay
	 * button, which asks the gateway first and never charges twice.
	 */
	tval_set_bool(a, t, "confirming", o->state == ORDER_PENDING &&
	    *o->payment_intent != '\0');
	tval_set_str(a, t, "email", o->email);
	tval_set_str(a, t, "currency", o->currency);
	tval_set_int(a, t, "subtotal", o->subtotal);
	tval_set_int(a, t, "discount", o->discount);
	tval_set_int(a, t, "shipping_discount", o->shipping_discount);
	if (*o->discount_code != '\0') {
		tval_set_str(a, t, "discount_code", o->discount_code);
		tval_set_str(a, t, "discount_formatted", fmt(r, o->discount,
		    o->currency));
		tval_set_bool(a, t, "has_discount", o->discount > 0);
		tval_set_bool(a, t, "free_shipping", o->shipping_discount > 0);
	}
	tval_set_int(a, t, "shipping", o->shipping);
	tval_set_int(a, t, "tax", o->tax);
	tval_set_int(a, t, "total", o->total);
	tval_set_int(a, t, "amount_paid", o->amount_paid);
	tval_set_int(a, t, "amount_refunded", o->amount_refunded);
	tval_set_str(a, t, "subtotal_formatted", fmt(r, o->subtotal, o->currency));
	tval_set_str(a, t, "shipping_formatted", o->shipping == 0 ? "Free" :
	    fmt(r, o->shipping, o->currency));
	tval_set_str(a, t, "tax_formatted", fmt(r, o->tax, o->currency));
	tval_set_str(a, t, "total_formatted", fmt(r, o->total, o->currency));
	if (o->amount_refunded > 0)
		tval_set_str(a, t, "refunded_formatted", fmt(r,
		    o->amount_refunded, o->currency));
	tval_set_str(a, t, "tax_name", o->tax_name);
	tval_set_str(a, t, "tax_rate", tax_rate_text(a, o->tax_rate_bp));
	tval_set_bool(a, t, "tax_inclusive", o->tax_inclusive);
	tval_set_bool(a, t, "has_tax", o->tax_rate_bp > 0);
	tval_set_str(a, t, "shipping_name", o->shipping_name);
	tval_set_str(a, t, "created_at", o->created_at);
	tval_set_str(a, t, "created_label", page_date(r, o->created_at, DATEFMT_LONG));
	if (*o->paid_at != '\0') {
		tval_set_str(a, t, "paid_at", o->paid_at);
		tval_set_str(a, t, "paid_label", page_date(r, o->paid_at, DATEFMT_LONG));
	}
	documents_tval(r, t, o);
	ad = tval_set_map(a, t, "address");
	tval_set_str(a, ad, "name", o->ship.name);
	tval_set_str(a, ad, "line1", o->ship.line1);
	tval_set_str(a, ad, "line2", o->ship.line2);
	tval_set_str(a, ad, "city", o->ship.city);
	tval_set_str(a, ad, "postcode", o->ship.postcode);
	tval_set_str(a, ad, "country", o->ship.country);
	tval_set_str(a, ad, "country_name", page_country(o->ship.country));
	lines = tval_set_list(a, t, "lines");
	for (i = 0; i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];
		struct tval *m = tval_push_map(a, lines);

		tval_set_str(a, m, "product_name", l->product_name);
		tval_set_str(a, m, "variant_title", l->variant_title);
		tval_set_str(a, m, "sku", l->sku);
		tval_set_int(a, m, "quantity", l->quantity);
		tval_set_int(a, m, "unit_price", l->unit_price);
		tval_set_int(a, m, "line_total", l->line_total);
		tval_set_str(a, m, "unit_price_formatted", fmt(r, l->unit_price,
		    o->currency));
		tval_set_str(a, m, "line_total_formatted", fmt(r, l->line_total,
		    o->currency));
	}
	return t;
}

/*
 * The order page (and its JSON), with a notice, and the pay button while
 * the order can be paid. While a payment is being confirmed, static/
 * live.js updates the status as it changes; without it, a link reloads.
 */
static int
order_page(struct req *r, int status, const struct order *o,
    const char *notice)
{
	struct arena	*a = r->arena;
	struct tval	*data = page_data(r);

	tval_set_str(a, data, "title", arena_printf(a, "Order %s", o->number));
	tval_set(a, data, "order", order_tval(r, o));
	if (notice != NULL)
		tval_set_str(a, data, "notice", notice);
	/* Live updates start after what this page already shows. */
	if (req_db(r, DB_CABLE) != NULL)
		tval_set_int(a, data, "live_since",
		    cable_last_id(req_db(r, DB_CABLE)));
	r->cache_control = "no-store";
	r->csp_form_action = r->shop->cfg->checkout_origin;
	return page_render(r, status, "checkout/order", data);
}

/* Answer a payment start: to the gateway, or back to the order. */
static int
payment_answer(struct req *r, const struct order *o, enum settle_result res,
    const char *url, const struct stripe_error *err, int created)
{
	struct arena	*a = r->arena;
	struct tval	*data;
	struct order	*now;

	switch (res) {
	case SETTLE_OK:
		if (r->want_json) {
			data = tval_map(a);
			tval_set_bool(a, data, "ok", true);
			tval_set(a, data, "order", order_tval(r, o));
			tval_set_str(a, data, "payment_url", url);
			page_json(r, created ? 201 : 200, data);
			return 0;
		}
		r->csp_form_action = r->shop->cfg->checkout_origin;
		resp_redirect(r, 303, url);
		r->cache_control = "no-store";
		return 0;
	case SETTLE_PAID:
	case SETTLE_PROCESSING:
	case SETTLE_NOT_PAYABLE:
		now = order_by_id(req_db(r, DB_PRIMARY), a, o->id);
		if (now == NULL)
			return 503;
		return order_page(r, res == SETTLE_NOT_PAYABLE ||
		    res == SETTLE_PAID ? 409 : 200, now,
		    res == SETTLE_PAID ? "This order is paid already; it "
		    "cannot be paid again." : res == SETTLE_PROCESSING ?
		    "Your payment is on its way; there is nothing more to pay." :
		    "This order can no longer be paid.");
	case SETTLE_GATEWAY:
	case SETTLE_BUSY:
		log_warn("checkout: order %s: payment not started: %s",
		    o->number, err->message[0] ? err->message : "busy");
		resp_header(r, "Retry-After", "5");
		return order_page(r, 503, o, arena_printf(a, "Your order %s is "
		    "saved, but the payment service %s. Nothing has been "
		    "charged. Please try again in a moment with the button "
		    "below.", o->number, res == SETTLE_BUSY ? "was busy" :
		    "could not be reached"));
	default:
		return 503;
	}
}

static int
stripe_missing(struct req *r)
{
	log_error("checkout: STRIPE_SECRET_KEY is not set; no payment can "
	    "start");
	r->error = "Payments are not available right now. Please try again "
	    "later.";
	return 503;
}

struct place {
	struct session	*session;
};

/* In the write that creates the order: the cart goes with it. */
static int
empty_cart(struct db *d, void *arg)
{
	struct place	*p = arg;

	return cart_clear(d, p->session);
}

/* POST /checkout: the order first, then the payment. */
static int
h_place(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct session		*s = session_of(r);
	struct stripe		*c = r->shop->app_data;
	struct form		 f;
	struct cart		 cart;
	struct quote		 q;
	struct order_input	 in;
	struct order		*o;
	struct stripe_error	 err;
	struct place		 pl;
	enum order_create_result res;
	enum settle_result	 sr;
	const char		*url;
	long long		*ids, *qty, want;
	size_t			 i;
	long			 problems;
	int			 rc;

	if (c == NULL)
		return stripe_missing(r);
	form_init(&f, a, checkout_fields, nitems(checkout_fields));
	if (!form_read(&f, a, &r->form))
		return checkout_page(r, 422, &f, NULL);
	if (!country_known(form_str(&f, "country"))) {
		form_error(&f, "country", COUNTRY_REFUSED);
		return checkout_page(r, 422, &f, NULL);
	}
	if ((problems = cart_check(d, a, s, &cart)) < 0)
		return 503;
	/* A replay after the order was placed: the cart is empty now. */
	if (cart.nlines == 0 && *form_str(&f, "checkout_key") == '\0') {
		form_error(&f, NULL, "Your cart is empty.");
		return checkout_page(r, 422, &f, NULL);
	}
	if (problems > 0) {
		/*
		 * Most often the last units went to someone else while this
		 * customer filled in the form: say so, as order_create does
		 * when it loses the same race a moment later.
		 */
		for (i = 0; i < cart.nlines; i++)
			if (cart.lines[i].state == CART_LINE_SOLD_OUT ||
			    cart.lines[i].state == CART_LINE_SHORT)
				break;
		form_error(&f, NULL, i < cart.nlines ? arena_printf(a,
		    "Sorry, %s has sold out, or there are fewer left than you "
		    "asked for. Your cart shows what is left.",
		    cart.lines[i].product_name) : "Some items in your cart "
		    "cannot be bought as they are. Review your cart, then "
		    "check out again.");
		return checkout_page(r, 409, &f, NULL);
	}
	ids = arena_calloc(a, cart.nlines + 1, sizeof(*ids));
	qty = arena_calloc(a, cart.nlines + 1, sizeof(*qty));
	for (i = 0; i < cart.nlines; i++) {
		ids[i] = cart.lines[i].variant_id;
		qty[i] = cart.lines[i].quantity;
	}
	/* A post without the field (a script) takes the cart's code. */
	if (kv_get(&r->form, "discount_code") == NULL)
		form_set(&f, "discount_code", cart.discount_code);
	memset(&in, 0, sizeof(in));
	in.email = form_str(&f, "email");
	in.user_id = s != NULL ? s->user_id : 0;
	in.session_row = s != NULL ? s->id : 0;
	in.checkout_key = form_str(&f, "checkout_key");
	in.ship.name = (char *)form_str(&f, "name");
	in.ship.line1 = (char *)form_str(&f, "line1");
	in.ship.line2 = (char *)form_str(&f, "line2");
	in.ship.city = (char *)form_str(&f, "city");
	in.ship.postcode = (char *)form_str(&f, "postcode");
	in.ship.country = (char *)form_str(&f, "country");
	in.shipping_code = form_str(&f, "shipping");
	in.discount_code = form_str(&f, "discount_code");
	in.variant_ids = ids;
	in.quantities = qty;
	in.nlines = cart.nlines;
	in.hold_seconds = r->shop->cfg->payment_window;
	pl.session = s;
	in.in_write = empty_cart;
	in.in_write_arg = &pl;

	/*
	 * The total shown is the total charged, or the shopper is asked
	 * again: prices may have changed since the page was shown, or the
	 * country or shipping chosen make another total than the summary
	 * (which, without script, shows the choice it was rendered with).
	 */
	want = form_int(&f, "total");
	if (want > 0 && cart.nlines > 0) {
		if (quote_build(d, a, ids, qty, cart.nlines, in.shipping_code,
		    in.ship.country, &q) != 0)
			return 503;
		if ((rc = apply_code(r, &f, &q)) != 0)
			return rc < 0 ? 503 : checkout_page(r, 422, &f, NULL);
		/* A form-wide error, so JSON clients are told it too. */
		if (q.problem == QUOTE_OK && q.total != want) {
			form_set(&f, "total", "");
			form_error(&f, NULL, arena_printf(a, "The total for this "
			    "address and shipping is %s, not the %s shown. "
			    "Check the summary, then place your order.",
			    fmt(r, q.total, q.currency), fmt(r, want,
			    q.currency)));
			return checkout_page(r, 409, &f, NULL);
		}
	}
	res = order_create(d, a, &in, &o, &q);
	switch (res) {
	case CREATE_OK:
	case CREATE_EXISTS:
		break;
	case CREATE_FOREIGN:
		r->error = "This checkout form was already used to place an "
		    "order from another browser. Nothing was ordered now: "
		    "open the checkout page again to place yours.";
		return 409;
	case CREATE_REFUSED:
		if (q.problem == QUOTE_NO_SHIPPING ||
		    q.problem == QUOTE_SHIPPING_ZONE)
			form_error(&f, "shipping", quote_problem_msgs[q.problem]);
		else if (q.problem == QUOTE_NO_ZONE)
			form_error(&f, "country", quote_problem_msgs[q.problem]);
		else if (q.problem == QUOTE_DISCOUNT)
			form_error(&f, "discount_code", discount_problem_text(a,
			    q.discount_problem, discount_by_code(d, a,
			    in.discount_code, NULL)));
		else if (q.problem == QUOTE_EMPTY)
			form_error(&f, NULL, quote_problem_msgs[q.problem]);
		else
			form_error(&f, NULL, q.problem == QUOTE_SOLD_OUT &&
			    q.problem_line < q.nlines ? arena_printf(a,
			    "Sorry, %s has sold out, or there are fewer left "
			    "than you asked for. Your cart shows what is left.",
			    q.lines[q.problem_line].product_name) :
			    quote_problem_msgs[q.problem]);
		return checkout_page(r, q.problem == QUOTE_SOLD_OUT ||
		    q.problem == QUOTE_UNAVAILABLE ? 409 : 422, &f, NULL);
	default:
		return 503;
	}
	memset(&err, 0, sizeof(err));
	sr = settle_start(d, c, a, r->shop->cfg, o, &url, &err);
	return payment_answer(r, o, sr, url, &err, res == CREATE_OK);
}

/*
 * GET /checkout/success?session_id=...: back from paying, the browser
 * that placed the order (or its signed-in customer) is sent to the order
 * page, settled first if the gateway can say so in time. To anyone else
 * a session id is as unknown as one never made: the gateway is not asked
 * and nothing of the order is shown (lib/shop/settle.h, settle_success).
 */
static int
h_success(struct req *r)
{
	struct stripe		*c = r->shop->app_data;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct session		*s = session_of(r);
	const char		*sid = req_query(r, "session_id");
	struct order		*o = NULL;
	struct settle_asker	 who;
	struct stripe_error	 err;
	enum settle_result	 sr;
	size_t			 i;

	if (sid == NULL || strlen(sid) < 4 || strlen(sid) > STRIPE_MAX_ID ||
	    strncmp(sid, "cs_", 3) != 0) {
		r->error = "This link does not name a payment.";
		return 400;
	}
	for (i = 3; sid[i] != '\0'; i++)
		if (!((sid[i] >= 'a' && sid[i] <= 'z') ||
		    (sid[i] >= 'A' && sid[i] <= 'Z') ||
		    (sid[i] >= '0' && sid[i] <= '9') || sid[i] == '_')) {
			r->error = "This link does not name a payment.";
			return 400;
		}
	if (c == NULL)
		return stripe_missing(r);
	memset(&who, 0, sizeof(who));
	who.session_row = s != NULL ? s->id : 0;
	who.user_id = s != NULL ? s->user_id : 0;
	memset(&err, 0, sizeof(err));
	sr = settle_success(d, req_db(r, DB_CACHE), c, r->arena, &who, sid, &o,
	    &err);
	if (o == NULL) {
		if (sr == SETTLE_ERROR)
			return 503;
		/*
		 * Also what the browser that paid sees when its session has
		 * ended, or the order was placed by a program older than
		 * migration 0080: the webhook settles it all the same.
		 */
		r->error = "We cannot show this payment here. If you have "
		    "paid, your order is safe, and its confirmation email is "
		    "on its way.";
		return 404;
	}
	if (sr == SETTLE_GATEWAY)
		log_warn("checkout: order %s: success page: %s", o->number,
		    err.message);
	r->cache_control = "no-store";
	if (r->want_json)
		return order_page(r, 200, o, NULL);
	resp_redirect(r, 303, arena_printf(r->arena, "/orders/%s", o->token));
	return 0;
}

static struct order *
path_order(struct req *r)
{
	return order_by_token(req_db(r, DB_PRIMARY), r->arena,
	    req_param(r, "token"));
}

/*
 * GET /orders/{token}: what was ordered and where it stands, from this
 * database alone: a page view never waits on the gateway. A pending order
 * whose payment is on its way says so; any other pending order shows the
 * pay button, which asks the gateway about the session first, so it
 * cannot charge twice.
 */
static int
h_order(struct req *r)
{
	struct order	*o;
	const char	*notice = NULL;

	if ((o = path_order(r)) == NULL)
		return 404;
	if (req_query(r, "cancelled") != NULL && o->state == ORDER_PENDING &&
	    *o->payment_intent == '\0')
		notice = "You left the payment page without paying. Your order "
		    "is kept for a while: you can pay for it below.";
	return order_page(r, 200, o, notice);
}

/* POST /orders/{token}/pay: pay again (the order must still be pending). */
static int
h_pay(struct req *r)
{
	struct stripe		*c = r->shop->app_data;
	struct order		*o;
	struct stripe_error	 err;
	enum settle_result	 sr;
	const char		*url;

	if ((o = path_order(r)) == NULL)
		return 404;
	if (c == NULL)
		return stripe_missing(r);
	memset(&err, 0, sizeof(err));
	sr = settle_start(req_db(r, DB_PRIMARY), c, r->arena, r->shop->cfg, o,
	    &url, &err);
	return payment_answer(r, o, sr, url, &err, 0);
}

/* A document's printable page (and its JSON) for the order's holder. */
static int
document_page(struct req *r, const struct order *o, const struct invoice *v)
{
	struct arena	*a = r->arena;
	struct tval	*data = page_data(r);

	tval_set_str(a, data, "title", arena_printf(a, "%s %s",
	    v->kind == INVOICE_KIND_INVOICE ? "Invoice" : "Credit note",
	    v->number));
	tval_set_str(a, data, "token", o->token);
	tval_set(a, data, "doc", invoice_tval(a, v));
	r->cache_control = "no-store";
	return page_render(r, 200, "books/invoice", data);
}

/*
 * GET /orders/{token}/invoice: the order's invoice, for whoever has the
 * order's address, as its page is; 404 until the order is paid.
 */
static int
h_invoice(struct req *r)
{
	struct order	*o;
	struct invoice	*v;

	if ((o = path_order(r)) == NULL ||
	    (v = invoice_of_order(req_db(r, DB_PRIMARY), r->arena,
	    o->id)) == NULL)
		return 404;
	return document_page(r, o, v);
}

/* GET /orders/{token}/credit-notes/{n}: the order's n-th credit note. */
static int
h_credit_note(struct req *r)
{
	struct order	*o;
	struct invoice	*v;
	long long	 n = strtoll(req_param(r, "n"), NULL, 10);

	if ((o = path_order(r)) == NULL ||
	    (v = credit_note_of_order(req_db(r, DB_PRIMARY), r->arena, o->id,
	    n)) == NULL)
		return 404;
	return document_page(r, o, v);
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		.name = "checkout",
		.routes = routes,
		.nroutes = nitems(routes),
		.dbs = DB_BIT(DB_PRIMARY),
		.optional_dbs = DB_BIT(DB_CABLE) | DB_BIT(DB_CACHE),
		.thread_init = thread_init,
		.thread_fini = thread_fini,
	};

	return app_main(&app, argc, argv);
}
