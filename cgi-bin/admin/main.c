/*
 * admin: the back office (see admin.h).
 *
 *   GET  /admin                         the dashboard
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
	};

	return app_main(&app, argc, argv);
}
