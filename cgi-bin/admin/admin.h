/*
 * admin: the back office, one route family (DESIGN.md). main.c holds the
 * route table, with the role each route needs; each section of the back
 * office is a file of handlers (dashboard.c, ...); common.c the helpers
 * they share. Every handler answers HTML in the admin layout, or the
 * same data as JSON for a client that asks for it.
 */
#ifndef ADMIN_H
#define ADMIN_H

#include <stdbool.h>

#include "shop/adminlog.h"

struct arena;
struct form;
struct req;
struct tval;

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define ADMIN_ID_MAX	999999999999999999LL	/* FORM_INT's 18 digits */
/* Rows a list shows at once. */
#define ADMIN_PAGE_ROWS	50

/* The sections, for the navigation: the current one is marked. */
enum admin_section {
	SECTION_DASHBOARD,
	SECTION_ORDERS,
	SECTION_PRODUCTS,
	SECTION_CATEGORIES,
	SECTION_PAGES,
	SECTION_CUSTOMERS,
	SECTION_DISCOUNTS,
	SECTION_SHIPPING,
	SECTION_JOBS,
	SECTION_AUDIT,
	SECTION_STAFF,
	SECTION__MAX
};

/*
 * Answer status with template tmpl ("admin/...") and data, titled title,
 * in the admin layout with section marked in the navigation (JSON
 * clients get data). Returns what page_render() does.
 */
int		 admin_render(struct req *, int status, const char *tmpl,
		    struct tval *data, const char *title, enum admin_section);

/* The same for a form that failed its checks (page_form_fail()). */
int		 admin_form_fail(struct req *, int status, const char *tmpl,
		    struct tval *data, const char *title, enum admin_section,
		    const struct form *);

/*
 * After a successful post: 303 to location with a notice code the page
 * shows (?done=code, from the table in common.c), or, for a JSON client, 200 with data (which gets
 * "ok": true). Returns 0.
 */
int		 admin_done(struct req *, const char *location,
		    const char *notice, struct tval *data);

/* The signed-in account, as the admin log names it. */
struct actor	 admin_actor(const struct req *);

/* The route's numeric {name}, or 0 when it is not one (answer 404). */
long long	 admin_param_id(const struct req *, const char *name);

/*
 * A keyset cursor from the query (?before=ID): 0 when absent; -1 when
 * malformed (answer 400).
 */
long long	 admin_cursor(const struct req *, const char *name);

/* A Unix time as the back office shows it ("2026-12-03 14:05 UTC"). */
char		*admin_date(struct arena *, long long);

/*
 * The address of the page after one that ended with last_id: base with
 * ?before=last_id and the other filters of the request's query.
 */
struct tval	*admin_next_url(struct req *, const char *base,
		    long long last_id);

/*
 * The catalog (products.c, categories.c, images.c).
 */
struct image_row;

/*
 * The forms of a product's page as posted (NULL: blank, or from the
 * rows), the one that failed, and the variant whose stock form stock is.
 */
struct product_forms {
	struct form	*product;
	struct form	*variant;
	struct form	*image;
	struct form	*stock;
	long long	 stock_variant;
	const struct form *failed;
};

/*
 * Product id's page: its form, its variants with their stock, last
 * movements and stock forms, its images and their forms. With a failed
 * form, answered as admin_form_fail() does. 404 when there is none.
 */
int		 admin_product_page(struct req *, int status, long long id,
		    const struct product_forms *);

/*
 * A refusal of catalog_edit.h (rc, an enum catalog_result) on the form
 * field it is about, or the whole form's.
 */
void		 admin_catalog_error(struct form *, int rc);

/* An amount as a price field shows it: "12.50" (arena). */
char		*admin_price_plain(struct arena *, long long minor,
		    const char *currency);

/* Whether two template values are the same as JSON (no change to log). */
bool		 admin_tval_same(const struct tval *, const struct tval *);

/* An image of the product page: id, url, srcsets, alt, size, path. */
struct tval	*admin_image_tval(struct arena *, const struct image_row *);

/* The image upload form, blank. */
void		 admin_image_form(struct arena *, struct form *);

int		 h_products(struct req *);
int		 h_product_new(struct req *);
int		 h_product_create(struct req *);
int		 h_product(struct req *);
int		 h_product_update(struct req *);
int		 h_variant_create(struct req *);
int		 h_variant(struct req *);
int		 h_variant_update(struct req *);
int		 h_variant_stock(struct req *);
int		 h_variant_low_stock(struct req *);
int		 h_categories(struct req *);
int		 h_category_create(struct req *);
int		 h_category(struct req *);
int		 h_category_update(struct req *);
int		 h_image_add(struct req *);
int		 h_image_move(struct req *);
int		 h_image_delete(struct req *);

/* discounts.c: discount codes; shipping.c: zones and methods. */
int		 h_discounts(struct req *);
int		 h_discount_create(struct req *);
int		 h_discount(struct req *);
int		 h_discount_update(struct req *);
int		 h_shipping(struct req *);
int		 h_zone_create(struct req *);
int		 h_zone_update(struct req *);
int		 h_method_create(struct req *);
int		 h_method_update(struct req *);

/* The shop's own pages (pages.c). */
int		 h_content_pages(struct req *);
int		 h_content_page(struct req *);
int		 h_content_page_update(struct req *);

/* Handlers, by section. */
int		 h_dashboard(struct req *);
int		 h_customers(struct req *);
int		 h_customer(struct req *);
int		 h_staff(struct req *);
int		 h_staff_set(struct req *);
int		 h_audit(struct req *);
/* jobs.c: the queue, and retrying or discarding a job. */
int		 h_jobs(struct req *);
int		 h_job_retry(struct req *);
int		 h_job_discard(struct req *);

/*
 * Orders (orders.c, refunds.c): the list, one order with its forms to
 * ship, cancel, refund and note it, and those posts.
 */
struct order;
struct shop;
struct stripe;

/* What one serving thread keeps, as its struct shop's app_data. */
struct admin_thread {
	struct stripe	*gateway;	/* made on first use; NULL: none */
	bool		 gateway_tried;
};

int		 admin_thread_init(struct shop *);
void		 admin_thread_fini(struct shop *);

/*
 * The serving thread's payment gateway client (settle_client()), made
 * the first time a request needs one; NULL when payments are not
 * configured.
 */
struct stripe	*admin_gateway(struct req *);

/* The order of the route's {number}, with its lines; NULL: none (404). */
struct order	*admin_order(struct req *);

/*
 * The order page with status; failed names the form that failed ("ship",
 * "cancel", "refund", "note"; NULL: none) and f is it, shown with its
 * errors (a refund's lines as typed, those of bad_lines, indexed by
 * line from 0, marked wrong). Returns what admin_render() does.
 */
int		 admin_order_page(struct req *, int status, const struct order *,
		    const char *failed, const struct form *f,
		    const bool *bad_lines);

/* A blank refund form (refunds.c) in the arena. */
void		 admin_refund_form(struct form *, struct arena *);

int		 h_orders(struct req *);
int		 h_order(struct req *);
int		 h_order_ship(struct req *);
int		 h_order_cancel(struct req *);
int		 h_order_refund(struct req *);
int		 h_order_note(struct req *);

/*
 * books.c: an order's invoice and credit notes, and the export of
 * orders for the accountant. admin_documents_tval() puts the order's
 * "invoice" {number, issued_at, url} and "credit_notes" [{...}] into
 * data for its page.
 */
void		 admin_documents_tval(struct req *, struct tval *data,
		    const struct order *);
int		 h_order_invoice(struct req *);
int		 h_order_credit_note(struct req *);
int		 h_orders_csv(struct req *);

#endif
