/*
 * Customers: GET /admin/customers (a list, newest first, searched by
 * email or name, ?q=, keyset pages ?before=ID) and
 * GET /admin/customers/{id} (the account, its orders, its addresses and
 * its lifetime value).
 */
#include <string.h>

#include "core/arena.h"
#include "core/money.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/http.h"
#include "shop/customer.h"
#include "shop/order.h"
#include "shop/user.h"
#include "admin.h"

#define CUSTOMER_ORDERS	100	/* on a customer's page */

/* The template values of an account's row. */
static struct tval *
customer_tval(struct arena *a, const struct customer *c)
{
	struct tval	*m = tval_map(a);

	tval_set_int(a, m, "id", c->id);
	tval_set_str(a, m, "email", c->email);
	tval_set_str(a, m, "name", c->name);
	tval_set_str(a, m, "role", role_names[c->role]);
	tval_set_bool(a, m, "staff", role_is_staff(c->role));
	tval_set_str(a, m, "since", admin_date(a, c->created_at));
	tval_set_int(a, m, "orders", c->orders);
	tval_set_int(a, m, "paid_orders", c->paid_orders);
	tval_set_int(a, m, "lifetime", c->lifetime);
	tval_set_str(a, m, "currency", c->currency);
	tval_set_str(a, m, "lifetime_formatted", c->currency[0] != '\0' ?
	    money_format(a, c->lifetime, c->currency) : "");
	return m;
}

int
h_customers(struct req *r)
{
	struct arena		*a = r->arena;
	struct tval		*data = tval_map(a), *l;
	struct customer		*v;
	const char		*q = req_query(r, "q");
	long long		 before = admin_cursor(r, "before");
	size_t			 n, i;

	if (before < 0) {
		r->error = "The page asked for is not a number.";
		return 400;
	}
	if (q != NULL && text_utf8_chars(q) > CUSTOMER_QUERY_MAX) {
		r->error = "The search is too long.";
		return 400;
	}
	q = q != NULL ? text_trim(a, q) : "";
	if ((v = customer_list(req_db(r, DB_PRIMARY), a, before, q,
	    ADMIN_PAGE_ROWS + 1, &n)) == NULL)
		return 503;
	l = tval_set_list(a, data, "customers");
	for (i = 0; i < n && i < ADMIN_PAGE_ROWS; i++)
		tval_push(a, l, customer_tval(a, &v[i]));
	tval_set_str(a, data, "q", q);
	tval_set_bool(a, data, "none", n == 0);
	if (n > ADMIN_PAGE_ROWS)
		tval_set(a, data, "next", admin_next_url(r, "/admin/customers",
		    v[ADMIN_PAGE_ROWS - 1].id));
	return admin_render(r, 200, "admin/customers", data, "Customers",
	    SECTION_CUSTOMERS);
}

int
h_customer(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct tval		*data = tval_map(a), *l, *m;
	struct customer		*c;
	struct order		*o;
	struct user_address	*ad;
	long long		 id = admin_param_id(r, "id");
	size_t			 n, i;

	if (id == 0 || (c = customer_by_id(d, a, id)) == NULL)
		return 404;
	tval_set(a, data, "customer", customer_tval(a, c));
	if ((o = orders_of_user(d, a, id, CUSTOMER_ORDERS, &n)) == NULL &&
	    n != 0)
		return 503;
	l = tval_set_list(a, data, "orders");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "number", o[i].number);
		tval_set_str(a, m, "state", order_state_names[o[i].state]);
		tval_set_str(a, m, "state_label",
		    order_state_labels[o[i].state]);
		tval_set_str(a, m, "total", money_format(a, o[i].total,
		    o[i].currency));
		tval_set_str(a, m, "created_at", o[i].created_at);
	}
	tval_set_bool(a, data, "has_orders", n > 0);
	ad = user_addresses(d, a, id, &n);
	l = tval_set_list(a, data, "addresses");
	for (i = 0; ad != NULL && i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "name", ad[i].name);
		tval_set_str(a, m, "line1", ad[i].line1);
		tval_set_str(a, m, "line2", ad[i].line2);
		tval_set_str(a, m, "city", ad[i].city);
		tval_set_str(a, m, "postcode", ad[i].postcode);
		tval_set_str(a, m, "country", ad[i].country);
		tval_set_str(a, m, "phone", ad[i].phone);
		tval_set_bool(a, m, "is_default", ad[i].is_default);
	}
	tval_set_bool(a, data, "has_addresses", ad != NULL && n > 0);
	return admin_render(r, 200, "admin/customer", data, c->name,
	    SECTION_CUSTOMERS);
}
