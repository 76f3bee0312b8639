/*
 * POST /admin/orders/{number}/refund: refund a paid order through the
 * gateway with lib/shop/refund.h's refund_issue(), the signed-in account
 * as its actor, in one of three ways:
 *
 *   nothing given            all that is left
 *   amount=12,50             an amount, typed as a merchant writes it
 *   line_N=Q [restock_N=on]  Q units of the order's line N (from 1, as
 *   [shipping=on]            the page lists them), back into stock if
 *                            asked; the shipping with them if asked
 *
 * and a reason (reason=requested_by_customer, duplicate, fraudulent)
 * with any. The refund's own row, written first, names the gateway's
 * Idempotency-Key, and what is asked counts against what is left, so a
 * double click, a retry or a lost answer never refunds twice: the second
 * post finds nothing left (422). The line fields are as many as the
 * order has lines, so they are read here against the order rather than
 * from the static table, with the same checks (digits in range).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/money.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/form.h"
#include "web/http.h"
#include "shop/adminlog.h"
#include "shop/order.h"
#include "shop/refund.h"
#include "admin.h"

#define UNITS_DIGITS	6	/* of a line's units to refund */

static const char *const reason_choices[] = {
	"", "None given",
	"requested_by_customer", "Asked by the customer",
	"duplicate", "A duplicate payment",
	"fraudulent", "Fraudulent",
	NULL,
};

static const struct form_field refund_fields[] = {
	{ "amount", "Amount", FORM_TEXT, 0, 1, 20, "off",
	  "Such as 12,50 or 12.50. Leave it empty to refund the lines "
	  "chosen below or, with none chosen, all that is left.", NULL },
	{ "shipping", "Refund the shipping too, with the lines", FORM_CHECKBOX,
	  0, 0, 0, NULL, NULL, NULL },
	{ "reason", "Reason", FORM_CHOICE, 0, 0, 0, NULL,
	  "Told to the payment service.", NULL },
};

void
admin_refund_form(struct form *f, struct arena *a)
{
	form_init(f, a, refund_fields, nitems(refund_fields));
	form_choices(f, "reason", reason_choices);
}

/* A checkbox's value as form.h reads one. */
static bool
checked(const char *v)
{
	return v != NULL && (strcmp(v, "on") == 0 || strcmp(v, "1") == 0 ||
	    strcmp(v, "true") == 0 || strcmp(v, "yes") == 0);
}

/*
 * The units typed for each line (line_N, restock_N) into in->lines,
 * checked against what is left of each; bad[i] marks line i + 1 wrong.
 * Returns the first problem for people, or NULL.
 */
static const char *
read_lines(struct req *r, const struct refund_line_left *left, size_t nleft,
    struct refund_line_input *lines, size_t *nlines, bool *bad)
{
	struct arena	*a = r->arena;
	const char	*why = NULL, *v, *k;
	char		*end;
	long long	 q, n;
	size_t		 i, len;

	*nlines = 0;
	/* A line the order does not have is a mistake, not nothing. */
	for (i = 0; i < r->form.n; i++) {
		k = r->form.v[i].key;
		if (strncmp(k, "line_", 5) != 0 && strncmp(k, "restock_", 8) != 0)
			continue;
		k += k[0] == 'l' ? 5 : 8;
		len = strlen(k);
		errno = 0;
		n = len > 0 && len <= 3 && strspn(k, "0123456789") == len ?
		    strtoll(k, NULL, 10) : 0;
		if (n < 1 || n > (long long)nleft)
			return arena_printf(a, "This order has %zu line%s; "
			    "there is no line %s.", nleft, nleft == 1 ? "" : "s",
			    k);
	}
	for (i = 0; i < nleft; i++) {
		v = req_form(r, arena_printf(a, "line_%zu", i + 1));
		if (v == NULL || *(v = text_trim(a, v)) == '\0')
			continue;
		len = strlen(v);
		errno = 0;
		q = len <= UNITS_DIGITS && strspn(v, "0123456789") == len ?
		    strtoll(v, &end, 10) : -1;
		if (q < 0 || errno != 0) {
			bad[i] = true;
			if (why == NULL)
				why = arena_printf(a, "Line %zu: the units to "
				    "refund are a whole number, such as 1.",
				    i + 1);
			continue;
		}
		if (q == 0)
			continue;
		if (q > left[i].left) {
			bad[i] = true;
			if (why == NULL)
				why = arena_printf(a, "Line %zu: %lld unit%s "
				    "left to refund, not %lld.", i + 1,
				    left[i].left, left[i].left == 1 ? " is" :
				    "s are", q);
			continue;
		}
		lines[*nlines].order_line_id = left[i].order_line_id;
		lines[*nlines].quantity = q;
		lines[*nlines].restock = checked(req_form(r,
		    arena_printf(a, "restock_%zu", i + 1)));
		(*nlines)++;
	}
	return why;
}

int
h_order_refund(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct refund_line_input lines[SHOP_MAX_ORDER_LINES];
	struct refund_line_left	*left;
	struct refund_input	 in;
	struct refund		*rf = NULL;
	struct order		*o, *now;
	struct stripe		*c;
	struct form		 f;
	struct actor		 who = admin_actor(r);
	struct tval		*data, *m;
	enum refund_result	 res;
	const char		*why, *text;
	long long		 money, amount = 0;
	size_t			 nleft, nlines = 0;
	bool			*bad;

	if ((o = admin_order(r)) == NULL)
		return 404;
	if ((left = refund_left(d, a, o->id, &money, &nleft)) == NULL)
		return 503;
	if (nleft > SHOP_MAX_ORDER_LINES)
		nleft = SHOP_MAX_ORDER_LINES;
	bad = arena_calloc(a, nleft ? nleft : 1, sizeof(*bad));
	admin_refund_form(&f, a);
	if (!form_read(&f, a, &r->form))
		return admin_order_page(r, 422, o, "refund", &f, bad);
	if (*(text = form_str(&f, "amount")) != '\0' &&
	    (money_parse(text, money_exponent(o->currency), &amount) != 0 ||
	    amount <= 0)) {
		form_error(&f, "amount", arena_printf(a, "Amount: an amount of "
		    "%s above zero, such as 12,50 or 12.50.", o->currency));
		return admin_order_page(r, 422, o, "refund", &f, bad);
	}
	if ((why = read_lines(r, left, nleft, lines, &nlines, bad)) != NULL) {
		form_error(&f, NULL, why);
		return admin_order_page(r, 422, o, "refund", &f, bad);
	}
	if (amount > 0 && (nlines > 0 || form_bool(&f, "shipping"))) {
		form_error(&f, "amount", "Refund an amount, or lines and the "
		    "shipping, not both.");
		return admin_order_page(r, 422, o, "refund", &f, bad);
	}
	/*
	 * What this page can tell before the gateway is needed; the write
	 * that asks checks it all again, under the lock.
	 */
	if ((o->state != ORDER_PAID && o->state != ORDER_FULFILLED &&
	    o->state != ORDER_PARTIALLY_REFUNDED) || o->amount_paid <= 0 ||
	    *o->payment_intent == '\0') {
		form_error(&f, NULL, refund_result_msgs[REFUND_NOT_PAID]);
		return admin_order_page(r, 422, o, "refund", &f, bad);
	}
	if (money <= 0) {
		form_error(&f, NULL, refund_result_msgs[REFUND_NOTHING_LEFT]);
		return admin_order_page(r, 422, o, "refund", &f, bad);
	}
	if (amount > money) {
		form_error(&f, "amount", arena_printf(a, "That is more than is "
		    "left to refund of this order: %s.", money_format(a, money,
		    o->currency)));
		return admin_order_page(r, 422, o, "refund", &f, bad);
	}
	if ((c = admin_gateway(r)) == NULL) {
		r->error = "Payments are not configured: no refund can be "
		    "made.";
		return 503;
	}
	memset(&in, 0, sizeof(in));
	in.order_id = o->id;
	in.amount = amount;
	in.lines = lines;
	in.nlines = nlines;
	in.shipping = form_bool(&f, "shipping");
	in.reason = refund_reason_from_name(form_str(&f, "reason"));
	if (in.reason == REFUND_REASON__MAX)
		in.reason = REFUND_REASON_NONE;
	in.actor = arena_printf(a, "admin:%s", who.name);
	in.who = &who;
	res = refund_issue(d, c, a, &in, &rf);
	switch (res) {
	case REFUND_OK:
	case REFUND_PENDING:
		if ((now = order_by_id(d, a, o->id)) == NULL)
			return 503;
		data = tval_map(a);
		m = tval_set_map(a, data, "refund");
		tval_set_int(a, m, "id", rf != NULL ? rf->id : 0);
		tval_set_int(a, m, "amount", rf != NULL ? rf->amount : 0);
		tval_set_str(a, m, "amount_formatted", money_format(a,
		    rf != NULL ? rf->amount : 0, o->currency));
		tval_set_str(a, m, "state", rf != NULL ?
		    refund_state_names[rf->state] : "requested");
		tval_set_str(a, m, "gateway_id", rf != NULL ? rf->gateway_id :
		    "");
		tval_set_bool(a, data, "pending", res == REFUND_PENDING);
		if (res == REFUND_PENDING)
			tval_set_str(a, data, "message",
			    refund_result_msgs[res]);
		m = tval_set_map(a, data, "order");
		tval_set_str(a, m, "number", now->number);
		tval_set_str(a, m, "state", order_state_names[now->state]);
		tval_set_int(a, m, "amount_refunded", now->amount_refunded);
		return admin_done(r, arena_printf(a, "/admin/orders/%s",
		    o->number), res == REFUND_OK ? "refunded" :
		    "refund_pending", data);
	case REFUND_NO_ORDER:
		return 404;
	case REFUND_ERROR:
		return 503;
	case REFUND_FAILED:
		form_error(&f, NULL, arena_printf(a, "%s (%s)",
		    refund_result_msgs[res], rf != NULL && *rf->error != '\0' ?
		    rf->error : "refused"));
		break;
	case REFUND_TOO_MUCH:
	case REFUND_BAD_AMOUNT:
		form_error(&f, "amount", refund_result_msgs[res]);
		break;
	default:
		form_error(&f, NULL, refund_result_msgs[res]);
		break;
	}
	if ((now = order_by_id(d, a, o->id)) == NULL)
		return 503;
	return admin_order_page(r, 422, now, "refund", &f, bad);
}
