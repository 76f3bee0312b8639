/*
 * The books in the back office: an order's invoice and credit notes as
 * printable pages, and the orders of a period for the accountant.
 *
 *   GET /admin/orders/{number}/invoice            the order's invoice
 *   GET /admin/orders/{number}/credit-notes/{n}   its n-th credit note
 *   GET /admin/orders.csv?from=DATE&to=DATE[&lines=1]
 *                                                 CSV (RFC 4180), one row
 *                                                 per order, or per invoice
 *                                                 and credit-note line
 *
 * The documents are shop/invoice.h's, the export shop/order_export.h's,
 * the same as shopctl export orders --csv writes.
 */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/http.h"
#include "shop/invoice.h"
#include "shop/order.h"
#include "shop/order_export.h"
#include "admin.h"

void
admin_documents_tval(struct req *r, struct tval *data, const struct order *o)
{
	struct arena	*a = r->arena;
	struct db	*d = req_db(r, DB_PRIMARY);
	struct invoice	*v;
	struct tval	*m, *l;
	size_t		 i, n;

	if ((v = invoice_of_order(d, a, o->id)) != NULL) {
		m = tval_set_map(a, data, "invoice");
		tval_set_str(a, m, "number", v->number);
		tval_set_str(a, m, "issued_at", v->issued_at);
		tval_set_str(a, m, "url", arena_printf(a,
		    "/admin/orders/%s/invoice", o->number));
	}
	if ((v = credit_notes_of_order(d, a, o->id, &n)) == NULL || n == 0)
		return;
	l = tval_set_list(a, data, "credit_notes");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "number", v[i].number);
		tval_set_str(a, m, "issued_at", v[i].issued_at);
		tval_set_int(a, m, "refund_id", v[i].refund_id);
		tval_set_str(a, m, "url", arena_printf(a,
		    "/admin/orders/%s/credit-notes/%lld", o->number,
		    v[i].ordinal));
	}
}

static int
document(struct req *r, const struct invoice *v)
{
	struct tval	*data = tval_map(r->arena);

	tval_set(r->arena, data, "doc", invoice_tval(r->arena, v));
	return admin_render(r, 200, "books/admin-document", data, arena_printf(
	    r->arena, "%s %s", v->kind == INVOICE_KIND_INVOICE ? "Invoice" :
	    "Credit note", v->number), SECTION_ORDERS);
}

int
h_order_invoice(struct req *r)
{
	struct order	*o;
	struct invoice	*v;

	if ((o = admin_order(r)) == NULL || (v = invoice_of_order(
	    req_db(r, DB_PRIMARY), r->arena, o->id)) == NULL)
		return 404;
	return document(r, v);
}

int
h_order_credit_note(struct req *r)
{
	struct order	*o;
	struct invoice	*v;

	/* The route allows 1 to 6 digits, the first not 0. */
	if ((o = admin_order(r)) == NULL || (v = credit_note_of_order(
	    req_db(r, DB_PRIMARY), r->arena, o->id,
	    strtoll(req_param(r, "n"), NULL, 10))) == NULL)
		return 404;
	return document(r, v);
}

/*
 * GET /admin/orders.csv: ?from and ?to are days (YYYY-MM-DD), both
 * needed, from not after to; ?lines=1 for the documents' lines. A bad
 * query is a 400 that says which.
 */
int
h_orders_csv(struct req *r)
{
	struct order_export_query	 q;
	const char			*lines = req_query(r, "lines");
	long long			 n;

	memset(&q, 0, sizeof(q));
	q.from = req_query(r, "from");
	q.to = req_query(r, "to");
	q.format = CSVOUT_CSV;
	if (!order_export_date_ok(q.from) || !order_export_date_ok(q.to)) {
		r->error = "from and to must be days that exist, YYYY-MM-DD.";
		return 400;
	}
	if (strcmp(q.from, q.to) > 0) {
		r->error = "from must not be after to.";
		return 400;
	}
	if (lines != NULL && strcmp(lines, "1") != 0 &&
	    strcmp(lines, "0") != 0) {
		r->error = "lines is 1 or 0.";
		return 400;
	}
	q.lines = lines != NULL && strcmp(lines, "1") == 0;
	if ((n = order_export(req_db(r, DB_PRIMARY), r->arena, &q,
	    &r->body_out)) < 0)
		return 503;
	r->status = 200;
	r->resp_type = "text/csv; charset=utf-8; header=present";
	r->cache_control = "no-store";
	resp_header(r, "Content-Disposition", arena_printf(r->arena,
	    "attachment; filename=\"orders-%s%s-%s.csv\"", q.lines ?
	    "lines-" : "", q.from, q.to));
	return 0;
}
