/*
 * Discount codes (lib/shop/discount.h):
 *
 *   GET  /admin/discounts        every code, newest first, with its uses,
 *                                and the form of a new one
 *   POST /admin/discounts        create one (administrators)
 *   GET  /admin/discounts/{id}   its form
 *   POST /admin/discounts/{id}   change it (administrators)
 *
 * The fields: code (letters, digits, '-' and '_', unique whatever the
 * case), kind (percent, fixed or free_shipping), value (a percentage
 * such as "10" or "12.5", or an amount such as "5.00" in the shop's
 * currency; nothing for free shipping), min_subtotal (an amount; empty:
 * none), starts_at and ends_at ("2026-12-24 18:00", UTC; empty: no
 * bound; the end excluded), usage_limit and per_customer_limit (whole
 * numbers; empty: no limit), active. Each change and its admin log row
 * are one write (discount_save()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/form.h"
#include "web/http.h"
#include "shop/adminlog.h"
#include "shop/discount.h"
#include "admin.h"

#define LIMIT_MAX	1000000000LL	/* uses a limit may count */

static const char *const kind_choices[] = {
	"percent", "Percentage off the subtotal",
	"fixed", "Amount off the subtotal",
	"free_shipping", "Free shipping",
	NULL,
};

static const struct form_field fields[] = {
	{ "code", "Code", FORM_TEXT, FORM_REQUIRED, 1, DISCOUNT_CODE_MAX, "off",
	  "What customers type: letters, digits, - and _. Upper and lower "
	  "case are the same code.", NULL },
	{ "kind", "Kind", FORM_CHOICE, FORM_REQUIRED, 0, 0, NULL, NULL, NULL },
	{ "value", "Value", FORM_TEXT, 0, 0, 20, "off",
	  "A percentage (10 or 12.5) or an amount (5.00); nothing for free "
	  "shipping.", NULL },
	{ "min_subtotal", "Minimum subtotal", FORM_TEXT, 0, 0, 20, "off",
	  "The code needs at least this much in the cart before the discount.",
	  NULL },
	{ "starts_at", "Starts", FORM_TEXT, 0, 0, 16, "off",
	  "2026-12-24 18:00 (UTC), or empty: from now.", NULL },
	{ "ends_at", "Ends", FORM_TEXT, 0, 0, 16, "off",
	  "Good until this time, excluded; empty: no end.", NULL },
	{ "usage_limit", "Uses in all", FORM_TEXT, 0, 0, 10, "off",
	  "Empty: no limit. An order cancelled unpaid gives its use back.",
	  NULL },
	{ "per_customer_limit", "Uses per customer", FORM_TEXT, 0, 0, 10, "off",
	  "By account, or by email for guests; empty: no limit.", NULL },
	{ "active", "Active", FORM_CHECKBOX, 0, 0, 0, NULL, NULL, NULL },
};

/* "2026-12-24 18:00" (UTC) of a Unix time, or "" for 0 (arena). */
static char *
time_plain(struct arena *a, long long t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;
	char		out[32];

	if (t <= 0)
		return arena_strdup(a, "");
	gmtime_r(&tt, &tm);
	strftime(out, sizeof(out), "%Y-%m-%d %H:%M", &tm);
	return arena_strdup(a, out);
}

/*
 * A time as the form takes it: "YYYY-MM-DD HH:MM", with a "T" instead of
 * the space (what a browser's datetime-local sends), or "YYYY-MM-DD"
 * (midnight), UTC, into *out. Empty is 0. False when it is not one.
 */
static bool
time_read(const char *s, long long *out)
{
	static const char *const formats[] = {
		"%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
	};
	struct tm	 tm;
	const char	*end;
	size_t		 i;
	time_t		 t;

	*out = 0;
	if (*s == '\0')
		return true;
	for (i = 0; i < nitems(formats); i++) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(s, formats[i], &tm)) == NULL || *end != '\0')
			continue;
		if (tm.tm_year < 100 || tm.tm_year > 8000)
			return false;
		if ((t = timegm(&tm)) <= 0)
			return false;
		*out = (long long)t;
		return true;
	}
	return false;
}

/* A limit: empty is -1 (none), else 0 to LIMIT_MAX; false if neither. */
static bool
limit_read(const char *s, long long *out)
{
	char	*end;
	size_t	 n = strlen(s);

	*out = -1;
	if (n == 0)
		return true;
	if (strspn(s, "0123456789") != n || n > 10)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= LIMIT_MAX;
}

/* What value shows for d: "10", "12.5", "5.00" or "" (arena). */
static char *
value_plain(struct arena *a, const struct discount *d)
{
	switch (d->kind) {
	case DISCOUNT_PERCENT:
		if (d->value % 100 == 0)
			return arena_printf(a, "%lld", d->value / 100);
		if (d->value % 10 == 0)
			return arena_printf(a, "%lld.%lld", d->value / 100,
			    d->value % 100 / 10);
		return arena_printf(a, "%lld.%02lld", d->value / 100,
		    d->value % 100);
	case DISCOUNT_FIXED:
		return admin_price_plain(a, d->value, d->currency);
	default:
		return arena_strdup(a, "");
	}
}

/*
 * The form's code into d (currency: the shop's); false with the fields'
 * messages when one is not what it should be.
 */
static bool
discount_read(struct form *f, const char *currency, struct discount *d)
{
	const char	*kind = form_str(f, "kind"), *v = form_str(f, "value");
	const char	*min = form_str(f, "min_subtotal");
	int		 e = money_exponent(currency);
	size_t		 i;

	memset(d, 0, sizeof(*d));
	d->code = (char *)form_str(f, "code");
	d->currency = (char *)currency;
	d->active = form_bool(f, "active");
	d->kind = DISCOUNT_KIND__MAX;
	for (i = 0; i < DISCOUNT_KIND__MAX; i++)
		if (strcmp(kind, discount_kind_names[i]) == 0)
			d->kind = (enum discount_kind)i;
	if (!discount_code_ok(d->code))
		form_error(f, "code", "Use letters, digits, - and _ only, "
		    "without spaces.");
	switch (d->kind) {
	case DISCOUNT_PERCENT:
		if (money_parse(v, 2, &d->value) != 0 || d->value < 1 ||
		    d->value > 10000)
			form_error(f, "value", "Give a percentage from 0.01 to "
			    "100, such as 10 or 12.5.");
		break;
	case DISCOUNT_FIXED:
		if (e < 0 || money_parse(v, e, &d->value) != 0 || d->value < 1)
			form_error(f, "value", "Give an amount above 0, such "
			    "as 5.00.");
		break;
	default:
		if (*v != '\0')
			form_error(f, "value", "Free shipping takes no value: "
			    "leave it empty.");
		break;
	}
	if (*min != '\0' && (e < 0 || money_parse(min, e,
	    &d->min_subtotal) != 0))
		form_error(f, "min_subtotal", "Give an amount, such as 50.00, "
		    "or leave it empty.");
	if (!time_read(form_str(f, "starts_at"), &d->starts_at))
		form_error(f, "starts_at", "Give a date and time such as "
		    "2026-12-24 18:00, or leave it empty.");
	if (!time_read(form_str(f, "ends_at"), &d->ends_at))
		form_error(f, "ends_at", "Give a date and time such as "
		    "2026-12-31 23:59, or leave it empty.");
	else if (d->starts_at != 0 && d->ends_at != 0 &&
	    d->ends_at <= d->starts_at)
		form_error(f, "ends_at", "The end must come after the start.");
	if (!limit_read(form_str(f, "usage_limit"), &d->usage_limit))
		form_error(f, "usage_limit", "Give a whole number, or leave it "
		    "empty for no limit.");
	if (!limit_read(form_str(f, "per_customer_limit"),
	    &d->per_customer_limit))
		form_error(f, "per_customer_limit", "Give a whole number, or "
		    "leave it empty for no limit.");
	return f->nerrors == 0;
}

/* A code as the list, its page and JSON show it. */
static struct tval *
discount_tval(struct arena *a, const struct discount *d)
{
	struct tval	*m = tval_map(a);

	tval_set_int(a, m, "id", d->id);
	tval_set_str(a, m, "code", d->code);
	tval_set_str(a, m, "kind", discount_kind_names[d->kind]);
	tval_set_str(a, m, "label", discount_label(a, d));
	tval_set_int(a, m, "value", d->value);
	tval_set_str(a, m, "currency", d->currency);
	tval_set_int(a, m, "min_subtotal", d->min_subtotal);
	if (d->min_subtotal > 0)
		tval_set_str(a, m, "min_subtotal_formatted", money_format(a,
		    d->min_subtotal, d->currency));
	tval_set_int(a, m, "starts_at", d->starts_at);
	tval_set_int(a, m, "ends_at", d->ends_at);
	tval_set_str(a, m, "starts", admin_date(a, d->starts_at));
	tval_set_str(a, m, "ends", admin_date(a, d->ends_at));
	tval_set(a, m, "usage_limit", d->usage_limit >= 0 ?
	    tval_int(a, d->usage_limit) : tval_null(a));
	tval_set(a, m, "per_customer_limit", d->per_customer_limit >= 0 ?
	    tval_int(a, d->per_customer_limit) : tval_null(a));
	tval_set_int(a, m, "uses", d->uses);
	tval_set_str(a, m, "uses_text", d->usage_limit >= 0 ?
	    arena_printf(a, "%lld of %lld", d->uses, d->usage_limit) :
	    arena_printf(a, "%lld", d->uses));
	tval_set_bool(a, m, "active", d->active);
	return m;
}

/* The form, blank (d NULL) or filled from a code. */
static void
form_of(struct arena *a, struct form *f, const struct discount *d)
{
	form_init(f, a, fields, nitems(fields));
	form_choices(f, "kind", kind_choices);
	if (d == NULL) {
		form_set(f, "kind", "percent");
		form_set(f, "active", "on");
		return;
	}
	form_set(f, "code", d->code);
	form_set(f, "kind", discount_kind_names[d->kind]);
	form_set(f, "value", value_plain(a, d));
	form_set(f, "min_subtotal", d->min_subtotal > 0 ?
	    admin_price_plain(a, d->min_subtotal, d->currency) : "");
	form_set(f, "starts_at", time_plain(a, d->starts_at));
	form_set(f, "ends_at", time_plain(a, d->ends_at));
	form_set(f, "usage_limit", d->usage_limit >= 0 ?
	    arena_printf(a, "%lld", d->usage_limit) : "");
	form_set(f, "per_customer_limit", d->per_customer_limit >= 0 ?
	    arena_printf(a, "%lld", d->per_customer_limit) : "");
	form_set(f, "active", d->active ? "on" : "");
}

/* The list, with the new code's form (f, or blank). */
static int
list_page(struct req *r, int status, struct form *f)
{
	struct arena	*a = r->arena;
	struct tval	*data = tval_map(a), *l;
	struct discount	*v;
	struct form	 blank;
	size_t		 n, i;

	if ((v = discounts_list(req_db(r, DB_PRIMARY), a, &n)) == NULL)
		return 503;
	l = tval_set_list(a, data, "discounts");
	for (i = 0; i < n; i++)
		tval_push(a, l, discount_tval(a, &v[i]));
	tval_set_bool(a, data, "none", n == 0);
	if (f != NULL)
		return admin_form_fail(r, status, "admin/discounts", data,
		    "Discount codes", SECTION_DISCOUNTS, f);
	if (!r->want_json) {
		form_of(a, &blank, NULL);
		tval_set(a, data, "form", form_tval(a, &blank));
	}
	return admin_render(r, status, "admin/discounts", data,
	    "Discount codes", SECTION_DISCOUNTS);
}

int
h_discounts(struct req *r)
{
	return list_page(r, 200, NULL);
}

/* A code's page: its form (f, or from the row). */
static int
discount_page(struct req *r, int status, long long id, struct form *f)
{
	struct arena	*a = r->arena;
	struct tval	*data = tval_map(a);
	struct discount	*d;
	struct form	 blank;

	if ((d = discount_by_id(req_db(r, DB_PRIMARY), a, id)) == NULL)
		return 404;
	tval_set(a, data, "discount", discount_tval(a, d));
	if (f != NULL)
		return admin_form_fail(r, status, "admin/discount", data,
		    d->code, SECTION_DISCOUNTS, f);
	if (!r->want_json) {
		form_of(a, &blank, d);
		tval_set(a, data, "form", form_tval(a, &blank));
	}
	return admin_render(r, status, "admin/discount", data, d->code,
	    SECTION_DISCOUNTS);
}

int
h_discount(struct req *r)
{
	long long	id = admin_param_id(r, "id");

	return id == 0 ? 404 : discount_page(r, 200, id, NULL);
}

/* Save the form as code id (0: a new one); answers the post. */
static int
save(struct req *r, long long id)
{
	struct arena		*a = r->arena;
	struct db		*db = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct discount		 d;
	struct form		 f;
	struct tval		*data;
	enum discount_save	 rc;

	form_of(a, &f, NULL);
	form_set(&f, "active", "");
	if (!form_read(&f, a, &r->form) ||
	    !discount_read(&f, r->shop->cfg->currency, &d))
		return id != 0 ? discount_page(r, 422, id, &f) :
		    list_page(r, 422, &f);
	d.id = id;
	switch ((rc = discount_save(db, a, &d, &who))) {
	case DISCOUNT_SAVED:
		break;
	case DISCOUNT_SAVE_NOT_FOUND:
		return 404;
	case DISCOUNT_SAVE_DUPLICATE:
	case DISCOUNT_SAVE_INVALID:
		form_error(&f, rc == DISCOUNT_SAVE_DUPLICATE ? "code" : NULL,
		    rc == DISCOUNT_SAVE_DUPLICATE ? "Another discount has this "
		    "code (upper and lower case are the same)." :
		    "These values cannot be saved together.");
		return id != 0 ? discount_page(r, 422, id, &f) :
		    list_page(r, 422, &f);
	default:
		return 503;
	}
	data = tval_map(a);
	tval_set_int(a, data, "id", d.id);
	tval_set(a, data, "discount", discount_tval(a, discount_by_id(db, a,
	    d.id) ?: &d));
	return admin_done(r, id != 0 ? arena_printf(a, "/admin/discounts/%lld",
	    id) : "/admin/discounts", id != 0 ? "saved" : "created", data);
}

int
h_discount_create(struct req *r)
{
	return save(r, 0);
}

int
h_discount_update(struct req *r)
{
	long long	id = admin_param_id(r, "id");

	return id == 0 ? 404 : save(r, id);
}
