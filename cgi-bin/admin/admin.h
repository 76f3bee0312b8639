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
	SECTION_CUSTOMERS,
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

#endif
