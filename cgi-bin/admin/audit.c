/*
 * GET /admin/audit: what proves the books and who changed what. The
 * audit log (repairs and findings of reconcile and the webhooks), and the
 * admin log, newest first in keyset pages (?before=ID), of one kind of
 * object with ?object=product; and, when asked with ?books=1 (the page's
 * button), the findings of the local audit (shopctl audit --local: every
 * id handed out accounted for, no negative stock, totals the sum of
 * their lines, payments matching orders). That check reads every order,
 * line and payment, about half a second at 100k orders, so it runs only
 * when someone asks, never on each view of the page.
 */
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/http.h"
#include "shop/adminlog.h"
#include "shop/audit.h"
#include "shop/report.h"
#include "admin.h"

#define AUDIT_LOG_ROWS	50
#define OBJECT_MAX	20	/* characters of ?object= */

/* The local audit: figures, and its findings one a line. */
static int
books(struct req *r, struct tval *data)
{
	struct arena		*a = r->arena;
	struct audit_report	 rep;
	struct buf		 out = { 0 };
	struct tval		*m, *l;
	const char		*p, *nl;
	int			 t;

	if (audit_books(req_db(r, DB_PRIMARY), a, &rep, &out) != 0) {
		buf_free(&out);
		return -1;
	}
	m = tval_set_map(a, data, "books");
	tval_set_int(a, m, "findings", rep.findings);
	tval_set_bool(a, m, "clean", rep.findings == 0);
	tval_set_int(a, m, "orders_paid", rep.orders_paid);
	tval_set_int(a, m, "negative_stock", rep.negative_stock);
	tval_set_int(a, m, "bad_totals", rep.bad_totals);
	tval_set_int(a, m, "paid_without_payment", rep.paid_without_payment);
	tval_set_int(a, m, "payment_not_paid", rep.payment_not_paid);
	tval_set_int(a, m, "payment_amount", rep.payment_amount);
	tval_set_int(a, m, "unknown_events", rep.unknown_events);
	l = tval_set_list(a, m, "sequences");
	for (t = 0; t < AUDIT_TABLE__MAX; t++) {
		struct tval *s = tval_push_map(a, l);

		tval_set_str(a, s, "table", audit_table_names[t]);
		tval_set_int(a, s, "handed_out", rep.handed_out[t]);
		tval_set_int(a, s, "missing", rep.missing[t]);
	}
	l = tval_set_list(a, m, "lines");
	for (p = buf_str(&out); *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (nl > p)
			tval_push(a, l, tval_strn(a, p, (size_t)(nl - p)));
	}
	buf_free(&out);
	return 0;
}

int
h_audit(struct req *r)
{
	struct arena			*a = r->arena;
	struct db			*d = req_db(r, DB_PRIMARY);
	struct tval			*data = tval_map(a), *l, *m;
	struct adminlog_entry		*e;
	struct report_audit_entry	*f;
	const char			*object = req_query(r, "object");
	const char			*ask = req_query(r, "books");
	long long			 before = admin_cursor(r, "before");
	size_t				 n, i;

	if (before < 0) {
		r->error = "The page asked for is not a number.";
		return 400;
	}
	if (object != NULL && (*object == '\0' || strlen(object) >
	    OBJECT_MAX || strspn(object, "abcdefghijklmnopqrstuvwxyz_") !=
	    strlen(object)))
		object = NULL;
	if (before == 0 && ask != NULL && strcmp(ask, "1") == 0 &&
	    books(r, data) != 0)
		return 503;
	if (before == 0) {
		if ((f = report_audit_log(d, a, 0, AUDIT_LOG_ROWS, &n)) == NULL)
			return 503;
		l = tval_set_list(a, data, "audit_log");
		for (i = 0; i < n; i++) {
			m = tval_push_map(a, l);
			tval_set_int(a, m, "id", f[i].id);
			tval_set_str(a, m, "kind", f[i].kind);
			tval_set_int(a, m, "order_id", f[i].order_id);
			tval_set_str(a, m, "actor", f[i].actor);
			tval_set_str(a, m, "detail", f[i].detail);
			tval_set_str(a, m, "created_at", f[i].created_at);
		}
		tval_set_bool(a, data, "has_audit_log", n > 0);
	}
	if ((e = adminlog_list(d, a, before, ADMIN_PAGE_ROWS + 1, object, 0,
	    &n)) == NULL)
		return 503;
	l = tval_set_list(a, data, "admin_log");
	for (i = 0; i < n && i < ADMIN_PAGE_ROWS; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", e[i].id);
		tval_set_str(a, m, "actor", e[i].actor);
		tval_set_str(a, m, "action", e[i].action);
		tval_set_str(a, m, "object_type", e[i].object_type);
		tval_set_int(a, m, "object_id", e[i].object_id);
		tval_set_str(a, m, "label", e[i].label);
		if (e[i].before != NULL)
			tval_set_str(a, m, "before", e[i].before);
		if (e[i].after != NULL)
			tval_set_str(a, m, "after", e[i].after);
		tval_set_str(a, m, "at", admin_date(a, e[i].created_at));
	}
	tval_set_bool(a, data, "has_admin_log", n > 0);
	if (n > ADMIN_PAGE_ROWS)
		tval_set(a, data, "next", admin_next_url(r, "/admin/audit",
		    e[ADMIN_PAGE_ROWS - 1].id));
	if (object != NULL)
		tval_set_str(a, data, "object", object);
	return admin_render(r, 200, "admin/audit", data, "Audit",
	    SECTION_AUDIT);
}
