/*
 * A program with ROUTE_USER and ROUTE_ADMIN routes, for testing how the
 * request loop guards them (tests/cgi/test_guard.py) before any real
 * program has an admin route.
 */
#include "core/tval.h"
#include "web/http.h"
#include "web/route.h"
#include "shop/session.h"
#include "app/app.h"
#include "app/page.h"

static int	h_ok(struct req *);

static const struct route routes[] = {
	{ HTTP_BIT(HTTP_GET), "^/user$", h_ok, ROUTE_USER },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_POST), "^/admin$", h_ok,
	  ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_GET), "^/open$", h_ok, 0 },
};

static int
h_ok(struct req *r)
{
	struct tval	*d = page_data(r);
	struct session	*s = session_of(r);

	tval_set_bool(r->arena, d, "ok", true);
	tval_set_int(r->arena, d, "user_id", s != NULL ? s->user_id : 0);
	page_json(r, 200, d);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		.name = "guarded",
		.routes = routes,
		.nroutes = sizeof(routes) / sizeof(routes[0]),
		.dbs = DB_BIT(DB_PRIMARY),
	};

	return app_main(&app, argc, argv);
}
