/*
 * catalog: the storefront pages.
 */
#include "app.h"
#include "http.h"
#include "page.h"
#include "route.h"
#include "tval.h"

static int	h_home(struct req *);

static const struct route routes[] = {
	{ HTTP_BIT(HTTP_GET), "^/$", h_home, 0 },
};

static int
h_home(struct req *r)
{
	struct tval	*d = page_data(r);

	tval_set_str(r->arena, d, "title", "Home");
	return page_render(r, 200, "error", d);
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		.name = "catalog",
		.routes = routes,
		.nroutes = sizeof(routes) / sizeof(routes[0]),
		.dbs = DB_BIT(DB_PRIMARY),
	};

	return app_main(&app, argc, argv);
}
