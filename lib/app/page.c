/*
 * Rendering pages and errors.
 */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tmpl.h"
#include "core/tval.h"
#include "web/ctx.h"
#include "web/form.h"
#include "web/http.h"
#include "side/cache.h"
#include "shop/cart.h"
#include "shop/country.h"
#include "shop/order.h"
#include "shop/session.h"
#include "app/page.h"

struct tval *
page_data(struct req *r)
{
	return tval_map(r->arena);
}

void
page_json(struct req *r, int status, const struct tval *v)
{
	r->status = status;
	r->resp_type = "application/json";
	buf_reset(&r->body_out);
	tval_json(&r->body_out, v);
	buf_putc(&r->body_out, '\n');
}

/*
 * The header's cart count (absent when the cart is empty, so a template
 * section hides the badge) and the signed-in customer, from the session
 * the request loop loaded.
 */
static void
site_session(struct req *r, struct tval *site)
{
	struct session		*s = session_of(r);
	struct tval		*u;

	if (s == NULL)
		return;
	if (s->cart_count < 0 &&
	    (s->cart_count = cart_count(req_db(r, DB_PRIMARY), s)) < 0)
		s->cart_count = 0;
	if (s->cart_count > 0) {
		tval_set_int(r->arena, site, "cart_count", s->cart_count);
		tval_set_str(r->arena, site, "cart_noun",
		    s->cart_count == 1 ? "item" : "items");
	}
	if (s->user_id != 0) {
		u = tval_set_map(r->arena, site, "user");
		tval_set_str(r->arena, u, "name", s->user_name);
		tval_set_str(r->arena, u, "email", s->user_email);
		tval_set_bool(r->arena, u, "admin", s->role == ROLE_ADMIN);
		tval_set_bool(r->arena, u, "staff", role_is_staff(s->role));
		tval_set_str(r->arena, u, "role", role_names[s->role]);
	}
}

/* What the layout needs on every page. */
static void
site_context(struct req *r, struct tval *data)
{
	struct arena		*a = r->arena;
	const struct config	*cfg = r->shop->cfg;
	struct tval		*site = tval_set_map(a, data, "site");
	time_t			 now = (time_t)clock_now();
	struct tm		 tm;

	gmtime_r(&now, &tm);
	tval_set_str(a, site, "name", cfg->name);
	tval_set_str(a, site, "base_url", cfg->base_url);
	tval_set_int(a, site, "year", tm.tm_year + 1900);
	tval_set_str(a, site, "path", r->path ? r->path : "/");
	tval_set_str(a, site, "q", req_query(r, "q") ? req_query(r, "q") : "");
	site_session(r, site);
}

int
page_render(struct req *r, int status, const char *tmpl, struct tval *data)
{
	r->status = status;
	if (r->want_json) {
		page_json(r, status, data);
		return 0;
	}
	site_context(r, data);
	buf_reset(&r->body_out);
	if (r->shop->tmpl == NULL ||
	    tmpl_render(r->shop->tmpl, tmpl, data, &r->body_out) != 0) {
		log_error("page_render: template %s failed to render", tmpl);
		buf_reset(&r->body_out);
		return 500;
	}
	return 0;
}

void
page_unpaid_orders(struct req *r, struct tval *data)
{
	struct arena	*a = r->arena;
	struct session	*s = session_of(r);
	struct order	*o;
	struct tval	*u, *list, *m;
	size_t		 i, n;

	if (s == NULL || (o = orders_pending_of_session(req_db(r, DB_PRIMARY),
	    a, s->id, clock_now(), PAGE_UNPAID_MAX, &n)) == NULL || n == 0)
		return;
	u = tval_set_map(a, data, "unpaid");
	tval_set_bool(a, u, "one", n == 1);
	list = tval_set_list(a, u, "orders");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, list);
		tval_set_str(a, m, "number", o[i].number);
		tval_set_str(a, m, "url", arena_printf(a, "/orders/%s",
		    o[i].token));
		tval_set_int(a, m, "total", o[i].total);
		tval_set_str(a, m, "total_formatted", money_format(a,
		    o[i].total, o[i].currency));
		/* The money is on its way: nothing to pay, only to wait. */
		tval_set_bool(a, m, "confirming", *o[i].payment_intent != '\0');
	}
}

const char *
page_date(struct req *r, const char *iso, enum datefmt_style style)
{
	const char	*s;

	s = datefmt_format(r->arena, iso, r->shop->cfg->locale, style);
	return s != NULL ? s : iso;
}

const char *
page_country(const char *code)
{
	const char	*name = country_name(code);

	return name != NULL ? name : code;
}

/* The heading of an error page: plain words, else the reason phrase. */
static const char *
default_title(int status)
{
	switch (status) {
	case 400:
		return "This link or form did not make sense to us";
	case 405:
		return "This page can\xe2\x80\x99t do that";
	default:
		return http_reason(status);
	}
}

static const char *
default_message(int status)
{
	switch (status) {
	case 400:
		return "Part of what your browser sent was garbled or missing, "
		    "so nothing was done. Go back and try again, or start "
		    "again from the home page.";
	case 403:
		return "You are not allowed to do that.";
	case 404:
		return "There is nothing at this address. It may have moved, "
		    "or the link may be mistyped.";
	case 405:
		return "This address was reached in a way it does not "
		    "answer: an old link, a bookmark, or a page reloaded "
		    "after a form. Nothing was changed. Go back and try "
		    "again, or start again from the home page.";
	case 413:
		return "What was sent is too large.";
	case 415:
		return "What was sent is in a format this address does not "
		    "accept.";
	case 429:
		return "Too many attempts. Please wait a little and try again.";
	case 503:
		return "The shop is briefly unavailable. Please try again in "
		    "a moment.";
	default:
		return status >= 500 ? "Something went wrong on our side. "
		    "It has been logged; please try again." :
		    "The request could not be completed.";
	}
}

void
page_error(struct req *r, int status, const char *message)
{
	struct arena	*a = r->arena;
	struct tval	*d = tval_map(a);
	const char	*reason = http_reason(status);

	if (message == NULL)
		message = default_message(status);
	r->status = status;
	r->cache_control = "no-store";
	if (r->want_json) {
		tval_set_bool(a, d, "ok", false);
		tval_set_int(a, d, "status", status);
		tval_set_str(a, d, "error", message);
		page_json(r, status, d);
		return;
	}
	tval_set_str(a, d, "title", default_title(status));
	tval_set_int(a, d, "status", status);
	/* A malformed request: plain words first, the precise cause after. */
	if (status == 400 && strcmp(message, default_message(status)) != 0) {
		tval_set_str(a, d, "detail", message);
		message = default_message(status);
	}
	tval_set_str(a, d, "message", message);
	tval_set_bool(a, d, "not_found", status == 404);
	if (r->shop != NULL && r->shop->tmpl != NULL) {
		site_context(r, d);
		buf_reset(&r->body_out);
		if (tmpl_render(r->shop->tmpl, "error", d, &r->body_out) == 0)
			return;
		log_error("page_error: the error template failed to render");
	}
	buf_reset(&r->body_out);
	r->resp_type = "text/plain; charset=utf-8";
	buf_printf(&r->body_out, "%d %s\n\n%s\n", status, reason, message);
}

/* What the web server's own pages say, beyond default_message(). */
static const char *
server_message(int status)
{
	switch (status) {
	case 413:
		return "What was sent is too large, so it was not read. Please "
		    "go back and send less.";
	case 500:
	case 502:
		return "Something went wrong on our side and the page could "
		    "not be finished. If you were placing an order, it may "
		    "be saved: your cart shows any order waiting for "
		    "payment, and you can pay for it there. Nothing is "
		    "charged twice.";
	case 503:
	case 504:
		return "The shop is briefly unavailable. Please try again in "
		    "a moment. If you were placing an order, your cart shows "
		    "it once we are back, ready to pay.";
	default:
		return default_message(status);
	}
}

int
page_server_error(const struct tmpl_set *t, const struct config *cfg,
    int status, struct buf *out)
{
	struct arena	*a = arena_new();
	struct tval	*d = tval_map(a), *site;
	time_t		 now = (time_t)clock_now();
	struct tm	 tm;
	int		 rc;

	gmtime_r(&now, &tm);
	tval_set_str(a, d, "title", default_title(status));
	tval_set_int(a, d, "status", status);
	tval_set_str(a, d, "message", server_message(status));
	tval_set_bool(a, d, "not_found", status == 404);
	site = tval_set_map(a, d, "site");
	tval_set_str(a, site, "name", cfg->name);
	tval_set_str(a, site, "base_url", cfg->base_url);
	tval_set_int(a, site, "year", tm.tm_year + 1900);
	tval_set_str(a, site, "path", "/");
	tval_set_str(a, site, "q", "");
	rc = tmpl_render(t, "error", d, out);
	arena_free(a);
	return rc == 0 ? 0 : -1;
}

/*
 * The layout around an HTML fragment (templates/fragment.mustache), and
 * around a part of <head> if head is not NULL.
 */
static int
wrap_head(struct req *r, int status, const char *title, const char *head,
    size_t headlen, const char *html, size_t len)
{
	struct tval	*d = tval_map(r->arena);

	if (title != NULL)
		tval_set_str(r->arena, d, "title", title);
	if (head != NULL)
		tval_set(r->arena, d, "fragment_head", tval_strn(r->arena, head,
		    headlen));
	tval_set(r->arena, d, "fragment", tval_strn(r->arena, html, len));
	r->want_json = false;
	return page_render(r, status, "fragment", d);
}

static int
wrap(struct req *r, int status, const char *title, const char *html,
    size_t len)
{
	return wrap_head(r, status, title, NULL, 0, html, len);
}

bool
page_cached(struct req *r, const char *key, const char *title)
{
	char	*html;
	size_t	 len;

	if (r->want_json || !cache_get(req_db(r, DB_CACHE), r->arena, key,
	    &html, &len))
		return false;
	resp_header(r, "X-Cache", "hit");
	return wrap(r, 200, title, html, len) == 0;
}

int
page_render_cached(struct req *r, int status, const char *tmpl,
    struct tval *data, const char *key, int ttl)
{
	struct buf	 body = { 0 };
	const char	*title = tval_get_str(data, "title");
	int		 rc;
	struct tval	*site;
	time_t		 now = (time_t)clock_now();
	struct tm	 tm;

	if (r->want_json) {
		page_json(r, status, data);
		return 0;
	}
	/* What is the same for everyone; the layout adds the visitor's. */
	gmtime_r(&now, &tm);
	site = tval_set_map(r->arena, data, "site");
	tval_set_str(r->arena, site, "name", r->shop->cfg->name);
	tval_set_str(r->arena, site, "base_url", r->shop->cfg->base_url);
	tval_set_int(r->arena, site, "year", tm.tm_year + 1900);
	if (r->shop->tmpl == NULL ||
	    tmpl_render(r->shop->tmpl, tmpl, data, &body) != 0) {
		log_error("page_render_cached: template %s failed to render",
		    tmpl);
		buf_free(&body);
		return 500;
	}
	if (key != NULL && req_db(r, DB_CACHE) != NULL) {
		(void)cache_set(req_db(r, DB_CACHE), key, body.p, body.len,
		    ttl, 0);
		resp_header(r, "X-Cache", "miss");
	}
	rc = wrap(r, status, title, body.p, body.len);
	buf_free(&body);
	return rc;
}

bool
page_cached_head(struct req *r, const char *key, const char *title)
{
	char	*html, *head;
	size_t	 len, headlen;

	if (r->want_json || !cache_get(req_db(r, DB_CACHE), r->arena,
	    arena_printf(r->arena, "%s:head", key), &head, &headlen) ||
	    !cache_get(req_db(r, DB_CACHE), r->arena, key, &html, &len))
		return false;
	resp_header(r, "X-Cache", "hit");
	return wrap_head(r, 200, title, head, headlen, html, len) == 0;
}

int
page_render_cached_head(struct req *r, int status, const char *head_tmpl,
    const char *tmpl, struct tval *data, const char *key, int ttl)
{
	struct buf	 body = { 0 }, head = { 0 };
	const char	*title = tval_get_str(data, "title");
	int		 rc;
	struct tval	*site;
	time_t		 now = (time_t)clock_now();
	struct tm	 tm;

	if (r->want_json) {
		page_json(r, status, data);
		return 0;
	}
	gmtime_r(&now, &tm);
	site = tval_set_map(r->arena, data, "site");
	tval_set_str(r->arena, site, "name", r->shop->cfg->name);
	tval_set_str(r->arena, site, "base_url", r->shop->cfg->base_url);
	tval_set_int(r->arena, site, "year", tm.tm_year + 1900);
	if (r->shop->tmpl == NULL ||
	    tmpl_render(r->shop->tmpl, tmpl, data, &body) != 0 ||
	    tmpl_render(r->shop->tmpl, head_tmpl, data, &head) != 0) {
		log_error("page_render_cached_head: template %s or %s failed "
		    "to render", tmpl, head_tmpl);
		buf_free(&body);
		buf_free(&head);
		return 500;
	}
	if (key != NULL && req_db(r, DB_CACHE) != NULL) {
		/* The head first: a body without its head is never a hit. */
		(void)cache_set(req_db(r, DB_CACHE), arena_printf(r->arena,
		    "%s:head", key), head.p, head.len, ttl, 0);
		(void)cache_set(req_db(r, DB_CACHE), key, body.p, body.len,
		    ttl, 0);
		resp_header(r, "X-Cache", "miss");
	}
	rc = wrap_head(r, status, title, head.p, head.len, body.p, body.len);
	buf_free(&body);
	buf_free(&head);
	return rc;
}

int
page_form_fail(struct req *r, int status, const char *tmpl, struct tval *data,
    const struct form *f)
{
	struct arena	*a = r->arena;
	struct tval	*j, *list, *m;
	size_t		 i;

	r->cache_control = "no-store";
	if (r->want_json) {
		j = tval_map(a);
		tval_set_bool(a, j, "ok", false);
		tval_set(a, j, "errors", form_errors_tval(a, f));
		page_json(r, status, j);
		return 0;
	}
	list = tval_list(a);
	if (f->error != NULL) {
		m = tval_push_map(a, list);
		tval_set_str(a, m, "message", f->error);
	}
	for (i = 0; i < f->n; i++) {
		if (f->errors[i] == NULL)
			continue;
		m = tval_push_map(a, list);
		/* A hidden field has nothing to go to: its message stands alone. */
		if (!(f->fields[i].flags & FORM_HIDDEN) &&
		    f->fields[i].type != FORM_TOKEN &&
		    f->fields[i].type != FORM_PATH)
			tval_set_str(a, m, "id", form_field_id(a, f, i));
		tval_set_str(a, m, "message", f->errors[i]);
	}
	tval_set(a, data, "form", form_tval(a, f));
	tval_set(a, data, "error_list", list);
	tval_set_bool(a, data, "has_errors", true);
	return page_render(r, status, tmpl, data);
}
