/*
 * admin: the back office (see admin.h).
 *
 *   GET  /admin                         the dashboard
 *   GET  /admin/customers               customers, searched (?q=), paged
 *   GET  /admin/customers/{id}          one, with orders and addresses
 *   GET  /admin/audit                   the books, the audit and admin logs
 *   GET  /admin/jobs                    workers, jobs, failed jobs, recurring tasks
 *   POST /admin/jobs/{id}/retry         a failed job back in the queue
 *   POST /admin/jobs/{id}/discard       a failed or queued job deleted
 *   GET  /admin/staff                   staff accounts (administrators)
 *   POST /admin/staff                   give an account a role
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
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/jobs$",
	  h_jobs, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST), "^/admin/jobs/(?<id>[0-9]{1,18})/retry$",
	  h_job_retry, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST), "^/admin/jobs/(?<id>[0-9]{1,18})/discard$",
	  h_job_discard, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/staff$",
	  h_staff, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_POST), "^/admin/staff$", h_staff_set, ROUTE_ADMIN },
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
