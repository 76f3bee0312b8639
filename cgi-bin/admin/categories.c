/*
 * Categories:
 *
 *   GET  /admin/categories        every category, in the shop's order,
 *                                 with the form of a new one
 *   POST /admin/categories        create one (administrators)
 *   GET  /admin/categories/{id}   its form
 *   POST /admin/categories/{id}   change it (administrators)
 *
 * Each change and its admin log row are one write.
 */
#include <string.h>

#include "core/arena.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/form.h"
#include "web/http.h"
#include "shop/adminlog.h"
#include "shop/catalog.h"
#include "shop/catalog_edit.h"
#include "admin.h"

static const struct form_field create_fields[] = {
	{ "name", "Name", FORM_TEXT, FORM_REQUIRED, 1,
	  CATALOG_CATEGORY_NAME_MAX, "off", NULL, NULL },
	{ "slug", "Address", FORM_TEXT, 0, 0, CATALOG_SLUG_MAX, "off",
	  "Its address in the shop, /categories/<address>: lowercase "
	  "letters, digits and hyphens. Left empty, it is made from the name.",
	  NULL },
	{ "description", "Description", FORM_TEXTAREA, 0, 0,
	  CATALOG_CATEGORY_TEXT_MAX, NULL, NULL, NULL },
	{ "position", "Position", FORM_INT, 0, 0, CATALOG_POSITION_MAX, "off",
	  "Categories are listed lowest first.", NULL },
};

static const struct form_field update_fields[] = {
	{ "name", "Name", FORM_TEXT, FORM_REQUIRED, 1,
	  CATALOG_CATEGORY_NAME_MAX, "off", NULL, NULL },
	{ "slug", "Address", FORM_TEXT, 0, 0, CATALOG_SLUG_MAX, "off",
	  "Its address in the shop, /categories/<address>: lowercase "
	  "letters, digits and hyphens. Left empty, it stays as it is.",
	  NULL },
	{ "description", "Description", FORM_TEXTAREA, 0, 0,
	  CATALOG_CATEGORY_TEXT_MAX, NULL, NULL, NULL },
	{ "position", "Position", FORM_INT, 0, 0, CATALOG_POSITION_MAX, "off",
	  "Categories are listed lowest first.", NULL },
};

/* The category's fields, as the admin log and JSON show them. */
static struct tval *
category_log(struct arena *a, const struct category_input *c)
{
	struct tval	*m = tval_map(a);

	tval_set_str(a, m, "name", c->name);
	tval_set_str(a, m, "slug", c->slug != NULL ? c->slug : "");
	tval_set_str(a, m, "description", c->description != NULL ?
	    c->description : "");
	tval_set_int(a, m, "position", c->position);
	return m;
}

static void
category_from_form(const struct form *f, struct category_input *c)
{
	memset(c, 0, sizeof(*c));
	c->name = form_str(f, "name");
	c->slug = form_str(f, "slug");
	c->description = form_str(f, "description");
	c->position = form_int(f, "position");
}

/* The list, with the new category's form (f, or blank). */
static int
list_page(struct req *r, int status, struct form *f)
{
	struct arena	*a = r->arena;
	struct tval	*data = tval_map(a), *l, *m;
	struct category	*v;
	struct form	 blank;
	size_t		 n, i;

	if (category_list(req_db(r, DB_PRIMARY), a, &v, &n) != 0)
		return 503;
	l = tval_set_list(a, data, "categories");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", v[i].id);
		tval_set_str(a, m, "slug", v[i].slug);
		tval_set_str(a, m, "name", v[i].name);
		tval_set_str(a, m, "description", v[i].description);
		tval_set_int(a, m, "products", v[i].nproducts);
		tval_set(a, m, "url", tval_strf(a, "/categories/%s",
		    v[i].slug));
	}
	tval_set_bool(a, data, "none", n == 0);
	if (f != NULL)
		return admin_form_fail(r, status, "admin/categories", data,
		    "Categories", SECTION_CATEGORIES, f);
	if (!r->want_json) {
		form_init(&blank, a, create_fields, nitems(create_fields));
		form_set(&blank, "position", arena_printf(a, "%zu", n));
		tval_set(a, data, "form", form_tval(a, &blank));
	}
	return admin_render(r, status, "admin/categories", data,
	    "Categories", SECTION_CATEGORIES);
}

int
h_categories(struct req *r)
{
	return list_page(r, 200, NULL);
}

int
h_category_create(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct category_input	 in;
	struct form		 f;
	struct tval		*data, *after;
	enum catalog_result	 rc;
	long long		 id;

	form_init(&f, a, create_fields, nitems(create_fields));
	if (!form_read(&f, a, &r->form))
		return list_page(r, 422, &f);
	category_from_form(&f, &in);
	if (db_begin(d) != 0)
		return 503;
	if ((rc = category_create(d, a, &in, &id)) != CATALOG_OK) {
		db_rollback(d);
		if (rc == CATALOG_ERROR)
			return 503;
		admin_catalog_error(&f, rc);
		return list_page(r, 422, &f);
	}
	if (category_get(d, a, id, &in) != 1) {
		db_rollback(d);
		return 503;
	}
	after = category_log(a, &in);
	if (adminlog_write(d, &who, "category.create", "category", id,
	    in.name, NULL, after) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set_int(a, data, "id", id);
	tval_set(a, data, "category", after);
	return admin_done(r, "/admin/categories", "created", data);
}

/* A category's page: its form (f, or from the row). */
static int
category_page(struct req *r, int status, long long id, struct form *f)
{
	struct arena		*a = r->arena;
	struct tval		*data = tval_map(a), *m;
	struct category_input	 c;
	struct form		 blank;
	int			 found;

	if ((found = category_get(req_db(r, DB_PRIMARY), a, id, &c)) != 1)
		return found == 0 ? 404 : 503;
	m = tval_set(a, data, "category", category_log(a, &c));
	tval_set_int(a, m, "id", id);
	tval_set(a, m, "url", tval_strf(a, "/categories/%s", c.slug));
	if (f != NULL)
		return admin_form_fail(r, status, "admin/category", data,
		    c.name, SECTION_CATEGORIES, f);
	if (!r->want_json) {
		form_init(&blank, a, update_fields, nitems(update_fields));
		form_set(&blank, "name", c.name);
		form_set(&blank, "slug", c.slug);
		form_set(&blank, "description", c.description);
		form_set(&blank, "position", arena_printf(a, "%lld",
		    c.position));
		tval_set(a, data, "form", form_tval(a, &blank));
	}
	return admin_render(r, status, "admin/category", data, c.name,
	    SECTION_CATEGORIES);
}

int
h_category(struct req *r)
{
	long long	id = admin_param_id(r, "id");

	return id == 0 ? 404 : category_page(r, 200, id, NULL);
}

int
h_category_update(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct category_input	 in, was, now;
	struct form		 f;
	struct tval		*data, *before, *after;
	enum catalog_result	 rc;
	long long		 id = admin_param_id(r, "id");
	int			 found;

	if (id == 0)
		return 404;
	form_init(&f, a, update_fields, nitems(update_fields));
	if (!form_read(&f, a, &r->form))
		return category_page(r, 422, id, &f);
	category_from_form(&f, &in);
	if (db_begin(d) != 0)
		return 503;
	if ((found = category_get(d, a, id, &was)) != 1) {
		db_rollback(d);
		return found == 0 ? 404 : 503;
	}
	if ((rc = category_update(d, a, id, &in)) != CATALOG_OK) {
		db_rollback(d);
		if (rc == CATALOG_NOT_FOUND)
			return 404;
		if (rc == CATALOG_ERROR)
			return 503;
		admin_catalog_error(&f, rc);
		return category_page(r, 422, id, &f);
	}
	if (category_get(d, a, id, &now) != 1) {
		db_rollback(d);
		return 503;
	}
	before = category_log(a, &was);
	after = category_log(a, &now);
	if (!admin_tval_same(before, after) && adminlog_write(d, &who,
	    "category.update", "category", id, now.name, before, after) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set_int(a, data, "id", id);
	tval_set(a, data, "category", after);
	return admin_done(r, arena_printf(a, "/admin/categories/%lld", id),
	    "saved", data);
}
