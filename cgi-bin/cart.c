/*
 * cart: the shopping cart page and its item forms.
 *
 *   GET  /cart                          the cart, priced now
 *   POST /cart/items                    add variant_id x quantity
 *   POST /cart/items/{id}               set the quantity of a line
 *   POST /cart/items/{id}/delete        remove a line
 *   GET  /cart/empty                    "Empty your cart?": asks once
 *   POST /cart/empty                    remove every line
 *   POST /cart/discount                 keep a discount code for checkout
 *                                       (discount_code; empty: none)
 *
 * A successful post answers 303 to /cart with a notice; a refused one 422
 * with the cart and the reason. JSON clients get the cart resource
 * ({"ok":true,"cart":{...}}) or {"ok":false,"errors":{...}} instead.
 */
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/form.h"
#include "web/http.h"
#include "web/route.h"
#include "shop/cart.h"
#include "shop/catalog.h"
#include "shop/discount.h"
#include "shop/pricing.h"
#include "shop/session.h"
#include "app/app.h"
#include "app/page.h"

#define ID_MAX	999999999999999999LL	/* 18 digits: FORM_INT's limit */
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static int	h_show(struct req *);
static int	h_add(struct req *);
static int	h_update(struct req *);
static int	h_remove(struct req *);
static int	h_empty_confirm(struct req *);
static int	h_empty(struct req *);
static int	h_discount(struct req *);

static const struct route routes[] = {
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/cart/?$", h_show, 0 },
	{ HTTP_BIT(HTTP_POST), "^/cart/items$", h_add, 0 },
	{ HTTP_BIT(HTTP_POST), "^/cart/items/(?<id>[0-9]{1,18})$",
	  h_update, 0 },
	{ HTTP_BIT(HTTP_POST), "^/cart/items/(?<id>[0-9]{1,18})/delete$",
	  h_remove, 0 },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/cart/empty$",
	  h_empty_confirm, 0 },
	{ HTTP_BIT(HTTP_POST), "^/cart/empty$", h_empty, 0 },
	{ HTTP_BIT(HTTP_POST), "^/cart/discount$", h_discount, 0 },
};

static const struct form_field discount_fields[] = {
	{ "discount_code", "Discount code", FORM_TEXT, 0, 0,
	  DISCOUNT_CODE_MAX, "off", NULL, NULL },
};

static const struct form_field add_fields[] = {
	{ "variant_id", "Product", FORM_INT, FORM_REQUIRED, 1, ID_MAX,
	  NULL, NULL, "Choose a product." },
	{ "quantity", "Quantity", FORM_INT, FORM_REQUIRED, 1,
	  CART_MAX_QUANTITY, NULL, NULL, NULL },
};

static const struct form_field update_fields[] = {
	{ "quantity", "Quantity", FORM_INT, FORM_REQUIRED, 1,
	  CART_MAX_QUANTITY, NULL, NULL, NULL },
};

/* The route's {id}, validated like a form field. */
static const struct form_field line_fields[] = {
	{ "id", "Item", FORM_INT, FORM_REQUIRED, 1, ID_MAX, NULL, NULL,
	  "That item is not in your cart." },
};

/* What a successful post says on the page it redirects to. */
enum notice {
	NOTICE_ADDED,
	NOTICE_UPDATED,
	NOTICE_REMOVED,
	NOTICE_EMPTIED,
	NOTICE_DISCOUNT,
	NOTICE_NO_DISCOUNT,
	NOTICE__MAX
};

static const struct {
	const char	*code;
	const char	*message;
} notices[NOTICE__MAX] = {
	{ "added", "Added to your cart." },
	{ "updated", "Quantity updated." },
	{ "removed", "Removed from your cart." },
	{ "emptied", "Your cart is empty now." },
	{ "discount", "The discount code is kept for your checkout." },
	{ "no_discount", "The discount code is removed." },
};

/*
 * The cart's discount code as the page shows it, priced on the subtotal
 * now: what it takes off, or why it cannot be used (the checkout checks
 * it again, with the customer's email). Returns what it takes off the
 * goods (0 with no code or a code refused), or -1 when the code makes
 * the shipping free.
 */
static long long
discount_tval(struct db *db, struct arena *a, const struct cart *c,
    const struct session *s, struct tval *t)
{
	struct tval		*m;
	struct discount		*d;
	enum discount_problem	 why;
	long long		 off;

	if (*c->discount_code == '\0')
		return 0;
	m = tval_set_map(a, t, "discount");
	tval_set_str(a, m, "code", c->discount_code);
	if ((d = discount_by_code(db, a, c->discount_code, &why)) != NULL)
		why = discount_check(db, d, clock_now(), c->subtotal,
		    c->currency, s != NULL ? s->user_id : 0, NULL);
	if (why != DISCOUNT_OK) {
		tval_set_str(a, m, "problem", discount_problem_text(a, why, d));
		return 0;
	}
	tval_set_str(a, m, "label", discount_label(a, d));
	tval_set_bool(a, m, "free_shipping", d->kind == DISCOUNT_FREE_SHIPPING);
	if ((off = discount_amount(d, c->subtotal)) < 0)
		off = 0;
	tval_set_int(a, m, "amount", off);
	tval_set_str(a, m, "amount_formatted", money_format(a, off,
	    c->currency));
	tval_set_int(a, t, "total_after_discount", c->subtotal - off);
	tval_set_str(a, t, "total_after_discount_formatted", money_format(a,
	    c->subtotal - off, c->currency));
	return d->kind == DISCOUNT_FREE_SHIPPING ? -1 : off;
}

/*
 * A line's thumbnail: {url, width, height}, the narrowest file of an
 * image kept at several widths, and its srcset for dense screens.
 */
static struct tval *
thumb_tval(struct arena *a, const struct image *im)
{
	struct tval	*m = tval_map(a);

	if (im->nwidths > 0) {
		tval_set_str(a, m, "url", arena_printf(a, "/media/%s-%d.jpg",
		    im->base, im->widths[0]));
		tval_set_str(a, m, "srcset", image_srcset(a, im, ".jpg"));
	} else
		tval_set_str(a, m, "url", catalog_media_url(a, "", im->path));
	tval_set_int(a, m, "width", im->width);
	tval_set_int(a, m, "height", im->height);
	return m;
}

/*
 * How far the cart is from free shipping: the active method, in the
 * cart's currency, that goes free at the lowest amount. Sets
 * free_shipping {name, threshold_formatted, and missing_formatted (what
 * is left to add) or reached true} on t; nothing when no method is ever
 * free. The checkout's country may still change the price: the words
 * say "from", as the checkout does. goods is what the lines cost after
 * the cart's discount code: a method's threshold is judged on it, as
 * the quote does.
 */
static void
free_shipping_tval(struct req *r, struct tval *t, const struct cart *c,
    long long goods)
{
	struct arena		*a = r->arena;
	struct shipping_method	*m, *best = NULL;
	struct tval		*f;
	size_t			 n, i;

	if (c->nlines == 0 || c->currency[0] == '\0')
		return;
	m = shipping_methods(req_db(r, DB_PRIMARY), a, &n);
	for (i = 0; m != NULL && i < n; i++)
		if (m[i].free_over >= 0 &&
		    strcmp(m[i].currency, c->currency) == 0 &&
		    (best == NULL || m[i].free_over < best->free_over))
			best = &m[i];
	if (best == NULL)
		return;
	f = tval_set_map(a, t, "free_shipping");
	tval_set_str(a, f, "name", best->name);
	tval_set_str(a, f, "threshold_formatted", money_format(a,
	    best->free_over, c->currency));
	if (goods >= best->free_over)
		tval_set_bool(a, f, "reached", true);
	else
		tval_set_str(a, f, "missing_formatted", money_format(a,
		    best->free_over - goods, c->currency));
	tval_set_int(a, f, "progress", best->free_over > 0 &&
	    goods < best->free_over ? goods * 100 / best->free_over : 100);
}

/* The cart as the page and the JSON resource show it. */
static struct tval *
cart_tval(struct arena *a, const struct cart *c, long long err_line,
    const char *err)
{
	struct tval		*t = tval_map(a), *lines, *m;
	const struct cart_line	*l;
	size_t			 i;

	tval_set_int(a, t, "count", c->count);
	tval_set(a, t, "count_label", tval_strf(a, "%lld item%s", c->count,
	    c->count == 1 ? "" : "s"));
	tval_set_bool(a, t, "empty", c->nlines == 0);
	tval_set_str(a, t, "currency", c->currency);
	tval_set_int(a, t, "subtotal", c->subtotal);
	tval_set_str(a, t, "subtotal_formatted", c->currency[0] != '\0' ?
	    money_format(a, c->subtotal, c->currency) : "");
	tval_set_int(a, t, "problems", (long long)c->problems);
	tval_set_bool(a, t, "checkout_ok", c->nlines > 0 && c->problems == 0);
	lines = tval_set_list(a, t, "lines");
	for (i = 0; i < c->nlines; i++) {
		l = &c->lines[i];
		m = tval_push_map(a, lines);
		tval_set_int(a, m, "variant_id", l->variant_id);
		tval_set_str(a, m, "product_name", l->product_name[0] != '\0' ?
		    l->product_name : "An item no longer sold");
		if (l->product_slug[0] != '\0')
			tval_set(a, m, "product_url", tval_strf(a,
			    "/products/%s", l->product_slug));
		tval_set_str(a, m, "variant_title", l->variant_title);
		tval_set_str(a, m, "sku", l->sku);
		tval_set_int(a, m, "quantity", l->quantity);
		tval_set_str(a, m, "currency", l->currency);
		tval_set_int(a, m, "unit_price", l->unit_price);
		tval_set_int(a, m, "line_total", l->line_total);
		if (l->state != CART_LINE_GONE) {
			tval_set_str(a, m, "unit_price_formatted",
			    money_format(a, l->unit_price, l->currency));
			tval_set_str(a, m, "line_total_formatted",
			    money_format(a, l->line_total, l->currency));
		}
		if (l->image != NULL)
			tval_set(a, m, "thumb", thumb_tval(a, l->image));
		tval_set_int(a, m, "stock", l->stock);
		tval_set_int(a, m, "max_quantity", l->stock > 0 &&
		    l->stock < CART_MAX_QUANTITY ? l->stock : CART_MAX_QUANTITY);
		tval_set_str(a, m, "state", cart_line_state_names[l->state]);
		tval_set_bool(a, m, "available", l->state == CART_LINE_OK);
		if (l->state != CART_LINE_OK)
			tval_set_str(a, m, "problem",
			    cart_line_state_msgs[l->state]);
		if (l->variant_id == err_line && err != NULL)
			tval_set_str(a, m, "error", err);
	}
	return t;
}

/*
 * The page's data: the cart of the request's session, the notice of
 * ?notice= if it names one, and err next to the line of variant err_line;
 * the discount code's form f (NULL: as the cart has it). NULL on a
 * database error.
 */
static struct tval *
cart_page(struct req *r, struct cart *c, long long err_line, const char *err,
    const struct form *f)
{
	struct tval	*d = page_data(r), *cart;
	struct form	 blank;
	long long	 off = 0;
	const char	*code = req_query(r, "notice");
	int		 i;

	if (cart_load(req_db(r, DB_PRIMARY), r->arena, session_of(r), c) != 0)
		return NULL;
	tval_set_bool(r->arena, d, "ok", true);
	tval_set_str(r->arena, d, "title", "Your cart");
	for (i = 0; code != NULL && i < NOTICE__MAX; i++)
		if (strcmp(code, notices[i].code) == 0 && !r->want_json)
			tval_set_str(r->arena, d, "notice", notices[i].message);
	tval_set(r->arena, d, "cart", cart = cart_tval(r->arena, c, err_line,
	    err));
	if (c->currency[0] != '\0')
		off = discount_tval(req_db(r, DB_PRIMARY), r->arena, c,
		    session_of(r), cart);
	if (off >= 0)
		free_shipping_tval(r, cart, c, c->subtotal - off);
	if (f == NULL) {
		form_init(&blank, r->arena, discount_fields,
		    nitems(discount_fields));
		form_set(&blank, "discount_code", c->discount_code);
		f = &blank;
	}
	tval_set(r->arena, d, "discount_form", form_tval(r->arena, f));
	page_unpaid_orders(r, d);
	return d;
}

static int
h_show(struct req *r)
{
	struct cart	 c;
	struct tval	*d;

	if ((d = cart_page(r, &c, 0, NULL, NULL)) == NULL)
		return 500;
	r->cache_control = "private, no-store";
	return page_render(r, 200, "cart/show", d);
}

/*
 * The answer to a successful change: the cart resource for JSON, else a
 * redirect to the cart page with notice n.
 */
static int
done(struct req *r, enum notice n)
{
	struct cart	 c;
	struct tval	*d;

	if (!r->want_json) {
		resp_redirect(r, 303, arena_printf(r->arena, "/cart?notice=%s",
		    notices[n].code));
		return 0;
	}
	if ((d = cart_page(r, &c, 0, NULL, NULL)) == NULL)
		return 500;
	page_json(r, 200, d);
	return 0;
}

/*
 * A refused change: 422 with the cart page and the form's messages; the
 * quantity message also beside the line of variant line (0: none).
 */
static int
refuse_line(struct req *r, const struct form *f, long long line)
{
	struct cart	 c;
	struct tval	*d;
	const char	*err = NULL;
	size_t		 i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->fields[i].name, "quantity") == 0)
			err = f->errors[i];
	if ((d = cart_page(r, &c, line, err, NULL)) == NULL)
		return 500;
	return page_form_fail(r, 422, "cart/show", d, f);
}

static int
refuse(struct req *r, const struct form *f)
{
	return refuse_line(r, f, 0);
}

/*
 * Say what a cart_add/cart_set result means, on the quantity field (and
 * beside the line of variant line, when not 0).
 */
static int
refuse_result(struct req *r, struct form *f, enum cart_result res,
    long long available, long long line)
{
	const char	*msg = cart_result_msgs[res];

	switch (res) {
	case CART_ERROR:
		return 503;
	case CART_NO_VARIANT:
		form_error(f, "variant_id", msg);
		break;
	case CART_NOT_IN_CART:
		return 404;
	case CART_OVER_STOCK:
		msg = available > 0 ? arena_printf(r->arena, "Only %lld can be "
		    "added: that is all we have in stock.", available) :
		    "Your cart already holds all we have in stock.";
		/* FALLTHROUGH */
	default:
		form_error(f, "quantity", msg);
		break;
	}
	return refuse_line(r, f, line);
}

static int
h_add(struct req *r)
{
	struct db		*d = req_db(r, DB_PRIMARY);
	struct form		 f;
	struct session		*s;
	enum cart_result	 res;
	long long		 avail = 0;

	form_init(&f, r->arena, add_fields, nitems(add_fields));
	if (!form_read(&f, r->arena, &r->form))
		return refuse(r, &f);
	/*
	 * A new guest's session is made in the same write as the line: one
	 * durable commit, and a refusal leaves nothing behind.
	 */
	if ((s = session_of(r)) == NULL)
		res = cart_add_guest(r, d, form_int(&f, "variant_id"),
		    form_int(&f, "quantity"), &avail);
	else
		res = cart_add(d, s, form_int(&f, "variant_id"),
		    form_int(&f, "quantity"), &avail);
	if (res != CART_OK)
		return refuse_result(r, &f, res, avail, 0);
	return done(r, NOTICE_ADDED);
}

/* The {id} of the path as a validated variant id; 0 if it is not one. */
static long long
line_id(struct req *r)
{
	struct form	f;

	form_init(&f, r->arena, line_fields, nitems(line_fields));
	if (!form_read(&f, r->arena, &r->params))
		return 0;
	return form_int(&f, "id");
}

static int
h_update(struct req *r)
{
	struct form		 f;
	enum cart_result	 res;
	long long		 id, avail = 0;

	if ((id = line_id(r)) == 0)
		return 404;
	form_init(&f, r->arena, update_fields, nitems(update_fields));
	if (!form_read(&f, r->arena, &r->form))
		return refuse_line(r, &f, id);
	if (session_of(r) == NULL)
		return 404;
	res = cart_set(req_db(r, DB_PRIMARY), session_of(r), id,
	    form_int(&f, "quantity"), &avail);
	if (res == CART_OVER_STOCK) {
		form_error(&f, "quantity", avail > 0 ? arena_printf(r->arena,
		    "Only %lld in stock.", avail) : cart_result_msgs[res]);
		return refuse_line(r, &f, id);
	}
	if (res == CART_NO_VARIANT) {
		form_error(&f, "quantity", "This item is not for sale any "
		    "more; it can only be removed.");
		return refuse_line(r, &f, id);
	}
	if (res != CART_OK)
		return refuse_result(r, &f, res, avail, id);
	return done(r, NOTICE_UPDATED);
}

static int
h_remove(struct req *r)
{
	long long		id;
	enum cart_result	res;

	if ((id = line_id(r)) == 0 || session_of(r) == NULL)
		return 404;
	res = cart_remove(req_db(r, DB_PRIMARY), session_of(r), id);
	if (res == CART_NOT_IN_CART)
		return 404;
	if (res != CART_OK)
		return 503;
	return done(r, NOTICE_REMOVED);
}

/*
 * "Empty your cart?": the question asked once, with the cart's count,
 * before the post that empties it. An empty cart goes back to the cart.
 */
static int
h_empty_confirm(struct req *r)
{
	struct cart	 c;
	struct tval	*d;

	if ((d = cart_page(r, &c, 0, NULL, NULL)) == NULL)
		return 500;
	if (c.nlines == 0 && !r->want_json) {
		resp_redirect(r, 303, "/cart");
		return 0;
	}
	tval_set_str(r->arena, d, "title", "Empty your cart?");
	r->cache_control = "private, no-store";
	return page_render(r, 200, "cart/empty", d);
}

static int
h_empty(struct req *r)
{
	if (cart_empty(req_db(r, DB_PRIMARY), session_of(r)) != 0)
		return 503;
	return done(r, NOTICE_EMPTIED);
}

/*
 * POST /cart/discount: keep the code on the cart after checking it on
 * the subtotal now (422 on discount_code with the reason), or forget it
 * when empty.
 */
static int
h_discount(struct req *r)
{
	struct db		*db = req_db(r, DB_PRIMARY);
	struct session		*s = session_of(r);
	struct discount		*d;
	struct form		 f;
	struct cart		 c;
	struct tval		*data;
	enum discount_problem	 why;
	const char		*code;

	form_init(&f, r->arena, discount_fields, nitems(discount_fields));
	if (!form_read(&f, r->arena, &r->form))
		goto refused;
	code = form_str(&f, "discount_code");
	if (*code == '\0') {
		if (s != NULL && cart_set_discount(db, s, "") != 0)
			return 503;
		return done(r, NOTICE_NO_DISCOUNT);
	}
	if (cart_load(db, r->arena, s, &c) != 0)
		return 503;
	if (c.nlines == 0) {
		form_error(&f, "discount_code", "Add something to your cart "
		    "first.");
		goto refused;
	}
	if ((d = discount_by_code(db, r->arena, code, &why)) != NULL)
		why = discount_check(db, d, clock_now(), c.subtotal, c.currency,
		    s != NULL ? s->user_id : 0, NULL);
	if (why == DISCOUNT_DB)
		return 503;
	if (why != DISCOUNT_OK) {
		form_error(&f, "discount_code", discount_problem_text(r->arena,
		    why, d));
		goto refused;
	}
	if (cart_set_discount(db, s, d->code) != 0)
		return 503;
	return done(r, NOTICE_DISCOUNT);
refused:
	if ((data = cart_page(r, &c, 0, NULL, &f)) == NULL)
		return 500;
	return page_form_fail(r, 422, "cart/show", data, &f);
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		.name = "cart",
		.routes = routes,
		.nroutes = sizeof(routes) / sizeof(routes[0]),
		.dbs = DB_BIT(DB_PRIMARY),
	};

	return app_main(&app, argc, argv);
}
