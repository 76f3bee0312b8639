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
 *   GET  /admin/orders                  orders, ?state=, searched (?q=), paged
 *   GET  /admin/orders/{number}         one, with payment, events, refunds, notes
 *   POST /admin/orders/{number}/ship    carrier, tracking, url: mark it shipped
 *   POST /admin/orders/{number}/cancel  cancel an unpaid order (cause)
 *   POST /admin/orders/{number}/refund  all, an amount, or lines (refunds.c)
 *   POST /admin/orders/{number}/notes   a note kept with its author
 *   GET  /admin/orders/{number}/invoice the invoice (books.c)
 *   GET  /admin/orders/{number}/credit-notes/{n}  a credit note
 *   GET  /admin/orders.csv              ?from=&to=[&lines=1]: the export
 *
 *   GET  /admin/products                products, searched (?q=), filtered
 *                                       (?category=, ?state=), paged
 *   GET  /admin/products/new            the form of a new product
 *   POST /admin/products                create one, with its first variant
 *   GET  /admin/products/{id}           one: form, variants, stock, images
 *   POST /admin/products/{id}           change it
 *   POST /admin/products/{id}/variants  add a variant
 *   POST /admin/products/{id}/images    upload an image (ROUTE_UPLOAD)
 *   POST /admin/products/{id}/images/{image_id}/move    reorder it
 *   POST /admin/products/{id}/images/{image_id}/delete  delete it
 *   GET  /admin/variants/{id}           a variant's form and movements
 *   POST /admin/variants/{id}           change a variant
 *   POST /admin/variants/{id}/stock     change its stock, with a reason
 *   POST /admin/variants/{id}/low-stock its low-stock threshold (mailed)
 *   GET  /admin/discounts               discount codes, and a new one's form
 *   POST /admin/discounts               create one (discounts.c)
 *   GET  /admin/discounts/{id}          one's form
 *   POST /admin/discounts/{id}          change it
 *   GET  /admin/shipping                zones and methods, and their forms
 *   POST /admin/shipping/zones          create a zone (shipping.c)
 *   POST /admin/shipping/zones/{id}     change a zone: name, countries
 *   POST /admin/shipping/methods        create a method
 *   POST /admin/shipping/methods/{id}   change a method: price, zones, band
 *
 *   GET  /admin/categories              categories, and a new one's form
 *   POST /admin/categories              create one
 *   GET  /admin/categories/{id}         one's form
 *   POST /admin/categories/{id}         change it
 *   GET  /admin/pages                   the shop's own pages (pages.c)
 *   GET  /admin/pages/{slug}            one's form (Markdown)
 *   POST /admin/pages/{slug}            preview it, or save it
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
	/* The books: books.c. */
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD),
	  "^/admin/orders/(?<number>[A-Za-z0-9-]{1,40})/invoice$",
	  h_order_invoice, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD),
	  "^/admin/orders/(?<number>[A-Za-z0-9-]{1,40})/credit-notes/"
	  "(?<n>[1-9][0-9]{0,5})$", h_order_credit_note, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/orders\\.csv$",
	  h_orders_csv, ROUTE_STAFF },

	/* Money: discounts.c, shipping.c. */
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/discounts$",
	  h_discounts, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST), "^/admin/discounts$", h_discount_create,
	  ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD),
	  "^/admin/discounts/(?<id>[0-9]{1,18})$", h_discount, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST), "^/admin/discounts/(?<id>[0-9]{1,18})$",
	  h_discount_update, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/shipping$",
	  h_shipping, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST), "^/admin/shipping/zones$", h_zone_create,
	  ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_POST), "^/admin/shipping/zones/(?<id>[0-9]{1,18})$",
	  h_zone_update, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_POST), "^/admin/shipping/methods$", h_method_create,
	  ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_POST), "^/admin/shipping/methods/(?<id>[0-9]{1,18})$",
	  h_method_update, ROUTE_ADMIN },

	/* The catalog: products.c, categories.c, images.c. */
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/products$",
	  h_products, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST), "^/admin/products$", h_product_create,
	  ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/products/new$",
	  h_product_new, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD),
	  "^/admin/products/(?<id>[0-9]{1,18})$", h_product, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST), "^/admin/products/(?<id>[0-9]{1,18})$",
	  h_product_update, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_POST), "^/admin/products/(?<id>[0-9]{1,18})/variants$",
	  h_variant_create, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_POST), "^/admin/products/(?<id>[0-9]{1,18})/images$",
	  h_image_add, ROUTE_ADMIN | ROUTE_UPLOAD },
	{ HTTP_BIT(HTTP_POST), "^/admin/products/(?<id>[0-9]{1,18})/images/"
	  "(?<image_id>[0-9]{1,18})/move$", h_image_move, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_POST), "^/admin/products/(?<id>[0-9]{1,18})/images/"
	  "(?<image_id>[0-9]{1,18})/delete$", h_image_delete, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD),
	  "^/admin/variants/(?<id>[0-9]{1,18})$", h_variant, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST), "^/admin/variants/(?<id>[0-9]{1,18})$",
	  h_variant_update, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_POST), "^/admin/variants/(?<id>[0-9]{1,18})/stock$",
	  h_variant_stock, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST),
	  "^/admin/variants/(?<id>[0-9]{1,18})/low-stock$",
	  h_variant_low_stock, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/categories$",
	  h_categories, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST), "^/admin/categories$", h_category_create,
	  ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD),
	  "^/admin/categories/(?<id>[0-9]{1,18})$", h_category, ROUTE_STAFF },
	{ HTTP_BIT(HTTP_POST), "^/admin/categories/(?<id>[0-9]{1,18})$",
	  h_category_update, ROUTE_ADMIN },

	/* The shop's own pages: pages.c. */
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD), "^/admin/pages$",
	  h_content_pages, ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD),
	  "^/admin/pages/(?<slug>[a-z0-9-]{1,40})$", h_content_page,
	  ROUTE_ADMIN },
	{ HTTP_BIT(HTTP_POST), "^/admin/pages/(?<slug>[a-z0-9-]{1,40})$",
	  h_content_page_update, ROUTE_ADMIN },
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
