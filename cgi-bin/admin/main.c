/*
 * admin: the back office (see admin.h).
 *
 *   GET  /admin                         the dashboard
 *   GET  /admin/customers               customers, searched (?q=), paged
 *   GET  /admin/customers/{id}          one, with orders and addresses
 *   GET  /admin/audit                   the books, the audit and admin logs
 *   GET  /admin/staff                   staff accounts (administrators)
 *   POST /admin/staff                   give an account a role
 *   GET  /admin/orders                  orders, ?state=, searched (?q=), paged
 *   GET  /admin/orders/{number}         one, with payment, events, refunds, notes
 *   POST /admin/orders/{number}/ship    carrier, tracking, url: mark it shipped
 *   POST /admin/orders/{number}/cancel  cancel an unpaid order (cause)
 *   POST /admin/orders/{number}/refund  all, an amount, or lines (refunds.c)
 *   POST /admin/orders/{number}/notes   a note kept with its author
 *
 * Every route needs a signed-in account of the shop's staff (ROUTE_STAFF)
 * or an administrator (ROUTE_ADMIN), checked by the request loop from
 * this table before a handler runs: a signed-out browser is sent to the
 * log-in page, a customer answered 403. Cross-site posts are refused
 * there too.
 */
#include "web/http.h"
#include "web/route.h"
#include "app/app.h"
#include "admin.h"

static const struct route routes[] = {
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/?$",
	  h_dashboard, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/customers$",
	  h_customers, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD),
	  "^/admin/customers/(?<id>[0-9]{1,18})$", h_customer, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/audit$",
	  h_audit, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/staff$",
	  h_staff, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_POST), "^/admin/staff$", h_staff_set, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/orders$",
	  h_orders, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD),
	  "^/admin/orders/(?<number>[A-Za-z0-9-]{1,40})$", h_order,
	  ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST),
	  "^/admin/orders/(?<number>[A-Za-z0-9-]{1,40})/ship$", h_order_ship,
	  ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST),
	  "^/admin/orders/(?<number>[A-Za-z0-9-]{1,40})/cancel$",
	  h_order_cancel, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST),
	  "^/admin/orders/(?<number>[A-Za-z0-9-]{1,40})/refund$",
	  h_order_refund, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST),
	  "^/admin/orders/(?<number>[A-Za-z0-9-]{1,40})/notes$", h_order_note,
	  ROUTE_STAFF },
};

int
main(int argc, char *argv[])
{
	static const struct app app = {
		.name = "admin",
		.routes = routes,
		.nroutes = nitems(routes),
		.dbs = DB_BIT(DB_PRIMARY) | DB_BIT(DB_QUEUE),
		.optional_dbs = DB_BIT(DB_CACHE) | DB_BIT(DB_CABLE),
		.thread_init = admin_thread_init,
		.thread_fini = admin_thread_fini,
	};

	return app_main(&app, argc, argv);
}
