/*
 * cart: the shopping cart page and its item forms.
 *
 *   GET  /cart                          the cart, priced now
 *   POST /cart/items                    add variant_id x quantity
 *   POST /cart/items/{id}               set the quantity of a line
 *   POST /cart/items/{id}/delete        remove a line
 *   POST /cart/empty                    remove every line
 *
 * A successful post answers 303 to /cart with a notice; a refused one 422
 * with the cart and the reason. JSON clients get the cart resource
 * ({"ok":true,"cart":{...}}) or {"ok":false,"errors":{...}} instead.
 */
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/form.h"
#include "web/http.h"
#include "web/route.h"
#include "shop/cart.h"
#include "shop/session.h"
#include "app/app.h"
#include "app/page.h"

#define ID_MAX	999999999999999999LL	/* 18 digits: FORM_INT's limit */
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static int	h_show(struct req *);
static int	h_add(struct req *);
static int	h_update(struct req *);
static int	h_remove(struct req *);
static int	h_empty(struct req *);

static const struct route routes[] = {
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/cart/?$", h_show, 0 },
	{ HTTP_BIT(HTTP_POST), "^/cart/items$", h_add, 0 },
	{ HTTP_BIT(HTTP_POST), "^/cart/items/(?<id>[0-9]{1,18})$",
	  h_update, 0 },
	{ HTTP_BIT(HTTP_POST), "^/cart/items/(?<id>[0-9]{1,18})/delete$",
	  h_remove, 0 },
	{ HTTP_BIT(HTTP_POST), "^/cart/empty$", h_empty, 0 },
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
};

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
 * ?notice= if it names one, and err next to the line of variant err_line.
 * NULL on a database error.
 */
static struct tval *
cart_page(struct req *r, struct cart *c, long long err_line, const char *err)
{
	struct tval	*d = page_data(r);
	const char	*code = req_query(r, "notice");
	int		 i;

	if (cart_load(req_db(r, DB_PRIMARY), r->arena, session_of(r), c) != 0)
		return NULL;
	tval_set_bool(r->arena, d, "ok", true);
	tval_set_str(r->arena, d, "title", "Your cart");
	for (i = 0; code != NULL && i < NOTICE__MAX; i++)
		if (strcmp(code, notices[i].code) == 0 && !r->want_json)
			tval_set_str(r->arena, d, "notice", notices[i].message);
	tval_set(r->arena, d, "cart", cart_tval(r->arena, c, err_line, err));
	page_unpaid_orders(r, d);
	return d;
}

static int
h_show(struct req *r)
{
	struct cart	 c;
	struct tval	*d;

	if ((d = cart_page(r, &c, 0, NULL)) == NULL)
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
	if ((d = cart_page(r, &c, 0, NULL)) == NULL)
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
	if ((d = cart_page(r, &c, line, err)) == NULL)
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

static int
h_empty(struct req *r)
{
	if (cart_empty(req_db(r, DB_PRIMARY), session_of(r)) != 0)
		return 503;
	return done(r, NOTICE_EMPTIED);
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
