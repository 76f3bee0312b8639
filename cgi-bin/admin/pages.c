/*
 * The shop's own pages (shop/content.h), for administrators:
 *
 *   GET  /admin/pages          every page, with its address and when it
 *                              was last changed
 *   GET  /admin/pages/{slug}   its form: title, and body in Markdown
 *   POST /admin/pages/{slug}   title, body, version (what the form was
 *                              opened on) and, with preview=1, the same
 *                              form again with the body rendered as the
 *                              shop will show it, nothing saved; else
 *                              save it
 *
 * A save and its admin log row (title and body before and after) are one
 * write. A page saved by someone else since the form was opened is not
 * overwritten: 422 on the body, with what was typed kept.
 */
#include <string.h>

#include "core/arena.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/form.h"
#include "web/http.h"
#include "shop/adminlog.h"
#include "shop/content.h"
#include "app/page.h"
#include "admin.h"

#define PAGE_FIELDS \
	{ "title", "Title", FORM_TEXT, FORM_REQUIRED, 1, CONTENT_TITLE_MAX, \
	  "off", NULL, NULL }, \
	{ "body", "Text", FORM_TEXTAREA, 0, 0, CONTENT_BODY_MAX, NULL, \
	  "In Markdown: a blank line between paragraphs, \"## \" before a " \
	  "heading, \"- \" before a list item, [words](/address) for a " \
	  "link, **bold**. HTML is not shown.", NULL }, \
	{ "version", "Version", FORM_INT, FORM_HIDDEN, 1, ADMIN_ID_MAX, \
	  NULL, NULL, NULL }

/* The form as the page shows it. */
static const struct form_field page_fields[] = {
	PAGE_FIELDS,
};

/* As it is posted: the preview button adds preview=1. */
static const struct form_field post_fields[] = {
	PAGE_FIELDS,
	{ "preview", "Preview", FORM_CHECKBOX, 0, 0, 0, NULL, NULL, NULL },
};

/* A page's fields, as the admin log and JSON show them. */
static struct tval *
page_log(struct arena *a, const struct content_page *p)
{
	struct tval	*m = tval_map(a);

	tval_set_str(a, m, "title", p->title);
	tval_set_str(a, m, "body", p->body);
	return m;
}

/* {slug, title, url, admin_url, version, updated_at}. */
static struct tval *
page_tval(struct arena *a, const struct content_page *p)
{
	struct tval	*m = tval_map(a);

	tval_set_str(a, m, "slug", p->slug);
	tval_set_str(a, m, "title", p->title);
	tval_set(a, m, "url", tval_strf(a, "/pages/%s", p->slug));
	tval_set(a, m, "admin_url", tval_strf(a, "/admin/pages/%s", p->slug));
	tval_set_int(a, m, "version", p->version);
	tval_set_str(a, m, "updated_at", p->updated_at);
	return m;
}

int
h_content_pages(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct tval		*data = tval_map(a), *l;
	struct content_page	*v;
	size_t			 n, i;
	int			 rc;

	if (db_read_begin(d) != 0)
		return 503;
	rc = content_page_list(d, a, &v, &n);
	db_read_end(d);
	if (rc != 0)
		return 503;
	l = tval_set_list(a, data, "pages");
	for (i = 0; i < n; i++)
		tval_push(a, l, page_tval(a, &v[i]));
	return admin_render(r, 200, "admin/pages", data, "Pages",
	    SECTION_PAGES);
}

/*
 * The page of the route's slug with its form: f as posted (its errors
 * shown with status 422), or from the row; preview, when not NULL, the
 * HTML of the posted body.
 */
static int
edit_page(struct req *r, int status, struct form *f, const char *preview)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct tval		*data = tval_map(a), *m;
	struct content_page	 p;
	struct form		 shown;
	size_t			 i;
	int			 rc;

	if (db_read_begin(d) != 0)
		return 503;
	rc = content_page_get(d, a, req_param(r, "slug"), &p);
	db_read_end(d);
	if (rc != 1)
		return rc == 0 ? 404 : 503;
	m = tval_set(a, data, "page", page_tval(a, &p));
	tval_set_str(a, m, "body", p.body);
	form_init(&shown, a, page_fields, nitems(page_fields));
	if (f != NULL)
		for (i = 0; i < shown.n; i++)
			form_set(&shown, shown.fields[i].name,
			    form_str(f, shown.fields[i].name));
	else {
		form_set(&shown, "title", p.title);
		form_set(&shown, "body", p.body);
		form_set(&shown, "version", arena_printf(a, "%lld",
		    p.version));
	}
	if (preview != NULL) {
		tval_set_str(a, data, "preview", preview);
		tval_set_str(a, data, "preview_title", form_str(f, "title"));
	}
	if (f != NULL && status >= 400) {
		for (i = 0; i < f->n; i++)
			if (f->errors[i] != NULL)
				form_error(&shown, f->fields[i].name,
				    f->errors[i]);
		if (f->error != NULL)
			form_error(&shown, NULL, f->error);
		return admin_form_fail(r, status, "admin/page", data, p.title,
		    SECTION_PAGES, &shown);
	}
	if (!r->want_json)
		tval_set(a, data, "form", form_tval(a, &shown));
	return admin_render(r, status, "admin/page", data, p.title,
	    SECTION_PAGES);
}

int
h_content_page(struct req *r)
{
	return edit_page(r, 200, NULL, NULL);
}

int
h_content_page_update(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	const char		*slug = req_param(r, "slug");
	struct content_page	 was, now;
	struct form		 f;
	struct tval		*data, *before, *after;
	enum content_result	 res;
	const char		*field;
	char			*html;
	int			 found;

	form_init(&f, a, post_fields, nitems(post_fields));
	if (!form_read(&f, a, &r->form))
		return edit_page(r, 422, &f, NULL);
	if ((res = content_check(form_str(&f, "title"),
	    form_str(&f, "body"))) != CONTENT_OK) {
		form_error(&f, content_result_fields[res],
		    content_result_msgs[res]);
		return edit_page(r, 422, &f, NULL);
	}
	if (form_bool(&f, "preview")) {
		if (content_render(a, form_str(&f, "body"), &html) != 0)
			return 503;
		if (r->want_json) {
			data = tval_map(a);
			tval_set_str(a, data, "title", form_str(&f, "title"));
			tval_set_str(a, data, "html", html);
			tval_set_bool(a, data, "ok", true);
			r->cache_control = "no-store";
			page_json(r, 200, data);
			return 0;
		}
		return edit_page(r, 200, &f, html);
	}

	if (db_begin(d) != 0)
		return 503;
	if ((found = content_page_get(d, a, slug, &was)) != 1) {
		db_rollback(d);
		return found == 0 ? 404 : 503;
	}
	res = content_page_save(d, a, slug, form_str(&f, "title"),
	    form_str(&f, "body"), form_int(&f, "version"), NULL);
	if (res != CONTENT_OK) {
		db_rollback(d);
		if (res == CONTENT_NOT_FOUND)
			return 404;
		if (res == CONTENT_ERROR)
			return 503;
		field = content_result_fields[res];
		form_error(&f, field, content_result_msgs[res]);
		return edit_page(r, 422, &f, NULL);
	}
	if (content_page_get(d, a, slug, &now) != 1) {
		db_rollback(d);
		return 503;
	}
	before = page_log(a, &was);
	after = page_log(a, &now);
	if (!admin_tval_same(before, after) && adminlog_write(d, &who,
	    "page.update", "page", now.id, now.title, before, after) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set(a, data, "page", page_tval(a, &now));
	return admin_done(r, arena_printf(a, "/admin/pages/%s", now.slug),
	    "saved", data);
}
