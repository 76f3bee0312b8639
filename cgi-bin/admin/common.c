/*
 * What the back office's handlers share (see admin.h).
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/text.h"
#include "core/tval.h"
#include "web/http.h"
#include "shop/session.h"
#include "app/page.h"
#include "admin.h"

static const struct {
	const char	*name;
	const char	*label;
	const char	*href;
	bool		 admin_only;
} sections[SECTION__MAX] = {
	{ "dashboard", "Dashboard", "/admin", false },
	{ "orders", "Orders", "/admin/orders", false },
	{ "products", "Products", "/admin/products", false },
	{ "categories", "Categories", "/admin/categories", false },
	{ "pages", "Pages", "/admin/pages", true },
	{ "customers", "Customers", "/admin/customers", false },
	{ "discounts", "Discounts", "/admin/discounts", false },
	{ "shipping", "Shipping", "/admin/shipping", false },
	{ "jobs", "Jobs", "/admin/jobs", false },
	{ "audit", "Audit", "/admin/audit", false },
	{ "staff", "Staff", "/admin/staff", true },
};

/* What a successful post says on the page it sends the browser to. */
static const struct {
	const char	*code;
	const char	*message;
} notices[] = {
	{ "created", "Created." },
	{ "saved", "Saved." },
	{ "role", "The account's role is changed." },
	{ "shipped", "The order is marked shipped; the customer is mailed." },
	{ "cancelled", "The order is cancelled; its stock is back." },
	{ "refunded", "The refund is made." },
	{ "refund_pending", "The refund was sent; the payment service has not "
	    "confirmed it yet. It is asked again until it does: do not refund "
	    "again." },
	{ "noted", "The note is added." },
	{ "retried", "The job is queued again." },
	{ "discarded", "The job is discarded." },
	{ "stock", "The stock is changed." },
	{ "low_stock", "The low-stock threshold is saved." },
	{ "image", "The image is added." },
	{ "images", "The images are changed." },
};

/* The layout's part of data: the navigation, who is signed in, a notice. */
static void
admin_context(struct req *r, struct tval *data, const char *title,
    enum admin_section current)
{
	struct arena		*a = r->arena;
	const struct session	*s = session_of(r);
	struct tval		*adm, *nav, *m;
	const char		*done = req_query(r, "done");
	size_t			 i;

	tval_set_str(a, data, "title", title);
	adm = tval_set_map(a, data, "admin");
	nav = tval_set_list(a, adm, "nav");
	for (i = 0; i < SECTION__MAX; i++) {
		if (sections[i].admin_only && (s == NULL ||
		    s->role != ROLE_ADMIN))
			continue;
		m = tval_push_map(a, nav);
		tval_set_str(a, m, "label", sections[i].label);
		tval_set_str(a, m, "href", sections[i].href);
		tval_set_bool(a, m, "current", (int)current == (int)i);
	}
	if (s != NULL) {
		tval_set_str(a, adm, "user_email", s->user_email);
		tval_set_str(a, adm, "role", role_names[s->role]);
		tval_set_bool(a, adm, "is_admin", s->role == ROLE_ADMIN);
	}
	for (i = 0; done != NULL && i < nitems(notices); i++)
		if (strcmp(done, notices[i].code) == 0)
			tval_set_str(a, data, "notice", notices[i].message);
}

int
admin_render(struct req *r, int status, const char *tmpl, struct tval *data,
    const char *title, enum admin_section current)
{
	r->cache_control = "no-store";
	if (!r->want_json)
		admin_context(r, data, title, current);
	return page_render(r, status, tmpl, data);
}

int
admin_form_fail(struct req *r, int status, const char *tmpl,
    struct tval *data, const char *title, enum admin_section current,
    const struct form *f)
{
	r->cache_control = "no-store";
	if (!r->want_json)
		admin_context(r, data, title, current);
	return page_form_fail(r, status, tmpl, data, f);
}

int
admin_done(struct req *r, const char *location, const char *notice,
    struct tval *data)
{
	r->cache_control = "no-store";
	if (r->want_json) {
		if (data == NULL)
			data = tval_map(r->arena);
		tval_set_bool(r->arena, data, "ok", true);
		page_json(r, 200, data);
		return 0;
	}
	resp_redirect(r, 303, notice != NULL ? arena_printf(r->arena,
	    "%s%sdone=%s", location, strchr(location, '?') ? "&" : "?",
	    notice) : location);
	return 0;
}

struct actor
admin_actor(const struct req *r)
{
	const struct session	*s = session_of(r);
	struct actor		 who = { 0, "unknown" };

	if (s != NULL) {
		who.id = s->user_id;
		who.name = s->user_email;
	}
	return who;
}

/* A decimal id of 1 to 18 digits, or 0. */
static long long
parse_id(const char *v)
{
	char		*end;
	long long	 n;
	size_t		 len;

	if (v == NULL || (len = strlen(v)) == 0 || len > 18 ||
	    strspn(v, "0123456789") != len)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	return errno == 0 && *end == '\0' && n > 0 ? n : 0;
}

long long
admin_param_id(const struct req *r, const char *name)
{
	return parse_id(req_param(r, name));
}

long long
admin_cursor(const struct req *r, const char *name)
{
	const char	*v = req_query(r, name);

	if (v == NULL || *v == '\0')
		return 0;
	return parse_id(v) > 0 ? parse_id(v) : -1;
}

char *
admin_date(struct arena *a, long long t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;
	char		out[32];

	if (t <= 0)
		return arena_strdup(a, "");
	gmtime_r(&tt, &tm);
	strftime(out, sizeof(out), "%Y-%m-%d %H:%M UTC", &tm);
	return arena_strdup(a, out);
}

struct tval *
admin_next_url(struct req *r, const char *base, long long last_id)
{
	struct buf	 b = { 0 };
	struct tval	*v;
	size_t		 i;

	buf_printf(&b, "%s?before=%lld", base, last_id);
	for (i = 0; i < r->query.n; i++) {
		const struct kv	*kv = &r->query.v[i];

		if (strcmp(kv->key, "before") == 0 ||
		    strcmp(kv->key, "done") == 0 || kv->val[0] == '\0')
			continue;
		buf_putc(&b, '&');
		text_urlencode(&b, kv->key);
		buf_putc(&b, '=');
		text_urlencode(&b, kv->val);
	}
	v = tval_str(r->arena, buf_str(&b));
	buf_free(&b);
	return v;
}
