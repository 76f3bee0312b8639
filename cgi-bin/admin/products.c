/*
 * Products and their variants:
 *
 *   GET  /admin/products              every product, newest first, in
 *                                     keyset pages (?before=ID), searched
 *                                     by name or SKU (?q=), filtered by
 *                                     ?category=ID and ?state=active|inactive
 *   GET  /admin/products/new          the form of a new product
 *   POST /admin/products              create one, with its first variant
 *   GET  /admin/products/{id}         its form, variants (stock, the last
 *                                     movements, a stock form each), images
 *   POST /admin/products/{id}         change it
 *   POST /admin/products/{id}/variants  a new variant of it
 *   GET  /admin/variants/{id}         a variant's form and its movements
 *   POST /admin/variants/{id}         change a variant (not its stock)
 *   POST /admin/variants/{id}/stock   set or change its stock, with a
 *                                     reason (staff may)
 *
 * Every change is one write: the catalog_edit.h or inventory.h call and
 * its admin log row (before and after) commit together or not at all,
 * and a refusal rolls back what the write did. Prices are typed as the
 * currency writes them ("12.50", "12,50") and read exactly into minor
 * units by money_parse(); anything else is 422 on the price field.
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/limits.h"
#include "core/money.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/form.h"
#include "web/http.h"
#include "shop/adminlog.h"
#include "shop/catalog.h"
#include "shop/catalog_admin.h"
#include "shop/catalog_edit.h"
#include "shop/inventory.h"
#include "admin.h"

#define MOVEMENTS_SHOWN		3	/* per variant, on the product page */
#define MOVEMENTS_VARIANT	25	/* on a variant's page */
#define PRICE_MAX_CHARS		20	/* "999999999999.9999" and room */
/* What the form takes of a description: one field's bytes, at most. */
#define DESCRIPTION_MAX		(SHOP_MAX_FIELD_VALUE / 4 * 4 - 192)

static const char *const stock_mode_choices[] = {
	"delta", "Add or take away",
	"set", "Set the count",
	NULL,
};

#define PRODUCT_FIELDS(slug_hint) \
	{ "name", "Name", FORM_TEXT, FORM_REQUIRED, 1, \
	  CATALOG_PRODUCT_NAME_MAX, "off", NULL, NULL }, \
	{ "slug", "Address", FORM_TEXT, 0, 0, CATALOG_SLUG_MAX, "off", \
	  slug_hint, NULL }, \
	{ "description", "Description", FORM_TEXTAREA, 0, 0, \
	  DESCRIPTION_MAX, NULL, NULL, NULL }, \
	{ "category", "Category", FORM_CHOICE, 0, 0, 0, NULL, NULL, NULL }, \
	{ "active", "On sale (shown in the shop)", FORM_CHECKBOX, 0, 0, 0, \
	  NULL, NULL, NULL }, \
	{ "featured", "Featured on the home page", FORM_CHECKBOX, 0, 0, 0, \
	  NULL, NULL, NULL }

#define SKU_FIELD \
	{ "sku", "SKU", FORM_TEXT, FORM_REQUIRED, 1, CATALOG_SKU_MAX, "off", \
	  "Letters, digits and signs, no spaces; one per variant.", NULL }
#define PRICE_FIELD \
	{ "price", "Price", FORM_TEXT, FORM_REQUIRED, 1, PRICE_MAX_CHARS, \
	  "off", "Such as 12.50 or 12,50, without the currency's sign.", \
	  NULL }
#define STOCK_FIELD \
	{ "stock", "Stock", FORM_INT, 0, 0, INVENTORY_STOCK_MAX, "off", \
	  "Units to sell now; later changes are kept with a reason.", NULL }
#define VARIANT_FIELDS \
	{ "title", "Title", FORM_TEXT, 0, 0, CATALOG_TITLE_MAX, "off", \
	  "Left empty: the option values, as \"M / Blue\".", NULL }, \
	{ "option1_name", "First option's name", FORM_TEXT, 0, 0, \
	  CATALOG_OPTION_NAME_MAX, "off", "Such as Size, Colour, Weight.", \
	  NULL }, \
	{ "option1_value", "First option's value", FORM_TEXT, 0, 0, \
	  CATALOG_OPTION_VALUE_MAX, "off", NULL, NULL }, \
	{ "option2_name", "Second option's name", FORM_TEXT, 0, 0, \
	  CATALOG_OPTION_NAME_MAX, "off", NULL, NULL }, \
	{ "option2_value", "Second option's value", FORM_TEXT, 0, 0, \
	  CATALOG_OPTION_VALUE_MAX, "off", NULL, NULL }, \
	{ "option3_name", "Third option's name", FORM_TEXT, 0, 0, \
	  CATALOG_OPTION_NAME_MAX, "off", NULL, NULL }, \
	{ "option3_value", "Third option's value", FORM_TEXT, 0, 0, \
	  CATALOG_OPTION_VALUE_MAX, "off", NULL, NULL }

#define WEIGHT_FIELD \
	{ "weight_grams", "Weight in grams", FORM_INT, 0, 0, \
	  CATALOG_WEIGHT_MAX, "off", "For shipping by weight.", NULL }
#define VARIANT_ACTIVE_FIELD \
	{ "active", "On sale", FORM_CHECKBOX, 0, 0, 0, NULL, NULL, NULL }

static const struct form_field create_fields[] = {
	PRODUCT_FIELDS("Its address in the shop, /products/<address>: "
	    "lowercase letters, digits and hyphens. Left empty, it is made "
	    "from the name."),
	SKU_FIELD,
	PRICE_FIELD,
	STOCK_FIELD,
};

static const struct form_field product_fields[] = {
	PRODUCT_FIELDS("Its address in the shop, /products/<address>: "
	    "lowercase letters, digits and hyphens. Left empty, it stays "
	    "as it is."),
};

static const struct form_field variant_new_fields[] = {
	SKU_FIELD,
	VARIANT_FIELDS,
	PRICE_FIELD,
	STOCK_FIELD,
	WEIGHT_FIELD,
	VARIANT_ACTIVE_FIELD,
};

static const struct form_field variant_fields[] = {
	SKU_FIELD,
	VARIANT_FIELDS,
	PRICE_FIELD,
	WEIGHT_FIELD,
	{ "position", "Position", FORM_INT, 0, 0, CATALOG_POSITION_MAX, "off",
	  "Variants are listed lowest first.", NULL },
	VARIANT_ACTIVE_FIELD,
};

static const struct form_field stock_fields[] = {
	{ "mode", "Change", FORM_CHOICE, FORM_REQUIRED, 0, 0, NULL, NULL,
	  NULL },
	{ "amount", "Units", FORM_INT, FORM_REQUIRED, -INVENTORY_STOCK_MAX,
	  INVENTORY_STOCK_MAX, "off",
	  "To add (5) or take away (-2), or the count to set.", NULL },
	{ "reason", "Reason", FORM_TEXT, FORM_REQUIRED, 1,
	  INVENTORY_REASON_MAX, "off",
	  "Kept with the change: \"delivery\", \"stocktake\", \"broken\".",
	  NULL },
};

/* ------------------------------------------------------------ helpers */

/* Whether the form's table has a field of that name. */
static bool
has_field(const struct form *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return true;
	return false;
}

void
admin_catalog_error(struct form *f, int rc)
{
	const char	*field;

	if (rc < 0 || rc >= CATALOG_RESULT__MAX)
		rc = CATALOG_ERROR;
	field = catalog_result_fields[rc];

	if (field != NULL && strcmp(field, "category_id") == 0)
		field = "category";
	else if (field != NULL && strcmp(field, "options") == 0)
		field = "option1_name";
	else if (field != NULL && (strcmp(field, "currency") == 0))
		field = "price";
	else if (field != NULL && (strcmp(field, "width") == 0 ||
	    strcmp(field, "path") == 0))
		field = "image";
	if (field != NULL && !has_field(f, field))
		field = NULL;
	form_error(f, field, catalog_result_msgs[rc]);
}

char *
admin_price_plain(struct arena *a, long long minor, const char *currency)
{
	long long	unit = 1;
	int		e = money_exponent(currency), i;

	if (e <= 0)
		return arena_printf(a, "%lld", minor);
	for (i = 0; i < e; i++)
		unit *= 10;
	return arena_printf(a, "%lld.%0*lld", minor / unit, e, minor % unit);
}

bool
admin_tval_same(const struct tval *x, const struct tval *y)
{
	struct buf	 bx = { 0 }, by = { 0 };
	bool		 same;

	tval_json(&bx, x);
	tval_json(&by, y);
	same = strcmp(buf_str(&bx), buf_str(&by)) == 0;
	buf_free(&bx);
	buf_free(&by);
	return same;
}

/* {amount, currency, formatted, plain}. */
static struct tval *
price_tval(struct arena *a, long long minor, const char *currency)
{
	struct tval	*m = tval_map(a);

	tval_set_int(a, m, "amount", minor);
	tval_set_str(a, m, "currency", currency);
	tval_set_str(a, m, "formatted", money_format(a, minor, currency));
	tval_set_str(a, m, "plain", admin_price_plain(a, minor, currency));
	return m;
}

/*
 * The form's price in minor units of currency, into *out; false with
 * the field's message when it is not a price as money_parse() reads one.
 */
static bool
price_read(struct form *f, const char *currency, long long *out)
{
	int	e = money_exponent(currency);

	if (e < 0 || money_parse(form_str(f, "price"), e, out) != 0) {
		form_error(f, "price", catalog_result_msgs[CATALOG_BAD_PRICE]);
		return false;
	}
	return true;
}

/* Who moved the stock, as stock_movements keeps it. */
static const char *
stock_actor(struct req *r)
{
	struct actor	 who = admin_actor(r);
	const char	*s = arena_printf(r->arena, "admin:%s", who.name);

	if (text_utf8_chars(s) > INVENTORY_ACTOR_MAX)
		s = arena_printf(r->arena, "admin:#%lld", who.id);
	return s;
}

/*
 * The category list of a product form: "" (none), then each category by
 * id and name, in the arena. NULL on a database error.
 */
static const char *const *
category_choices(struct req *r)
{
	struct arena	*a = r->arena;
	struct category	*v;
	const char	**c;
	size_t		 n, i, k = 0;

	if (category_list(req_db(r, DB_PRIMARY), a, &v, &n) != 0)
		return NULL;
	c = arena_calloc(a, 2 * n + 3, sizeof(*c));
	c[k++] = "";
	c[k++] = "No category";
	for (i = 0; i < n; i++) {
		c[k++] = arena_printf(a, "%lld", v[i].id);
		c[k++] = v[i].name;
	}
	c[k] = NULL;
	return c;
}

/* A form's category as an id: 0 for none. */
static long long
category_of(const struct form *f)
{
	const char	*v = form_str(f, "category");
	long long	 id = 0;

	for (; *v >= '0' && *v <= '9' && id < ADMIN_ID_MAX / 10; v++)
		id = id * 10 + (*v - '0');
	return id;
}

/* The product's fields as the admin log and JSON show them. */
static struct tval *
product_log(struct arena *a, const struct product_input *p)
{
	struct tval	*m = tval_map(a);

	tval_set_str(a, m, "name", p->name);
	tval_set_str(a, m, "slug", p->slug != NULL ? p->slug : "");
	tval_set_str(a, m, "description", p->description != NULL ?
	    p->description : "");
	tval_set_int(a, m, "category_id", p->category_id);
	tval_set_bool(a, m, "active", p->active);
	tval_set_bool(a, m, "featured", p->featured);
	return m;
}

/* The variant's fields but its stock, as the admin log shows them. */
static struct tval *
variant_log(struct arena *a, const struct variant_input *v)
{
	struct tval	*m = tval_map(a), *l, *o;
	size_t		 i;

	tval_set_str(a, m, "sku", v->sku);
	tval_set_str(a, m, "title", v->title != NULL ? v->title : "");
	l = tval_set_list(a, m, "options");
	for (i = 0; i < v->noptions; i++) {
		o = tval_push_map(a, l);
		tval_set_str(a, o, "name", v->options[i].name);
		tval_set_str(a, o, "value", v->options[i].value);
	}
	tval_set_int(a, m, "price", v->price);
	tval_set_str(a, m, "currency", v->currency);
	tval_set_int(a, m, "weight_grams", v->weight_grams);
	tval_set_int(a, m, "position", v->position);
	tval_set_bool(a, m, "active", v->active);
	return m;
}

/* A stock movement for a page: "+5" or "-2", what it left, why, who. */
static struct tval *
movement_tval(struct arena *a, const struct stock_movement *mv)
{
	struct tval	*m = tval_map(a);

	tval_set_int(a, m, "id", mv->id);
	tval_set_int(a, m, "delta", mv->delta);
	tval_set(a, m, "change", tval_strf(a, "%+lld", mv->delta));
	tval_set_int(a, m, "stock_after", mv->stock_after);
	tval_set_str(a, m, "reason", mv->reason);
	tval_set_str(a, m, "actor", mv->actor);
	tval_set_int(a, m, "order_id", mv->order_id);
	tval_set_bool(a, m, "has_order", mv->order_id != 0);
	tval_set_str(a, m, "at", mv->created_at);
	/* "2026-12-03T14:05:09Z" as the back office shows times. */
	if (strlen(mv->created_at) == 20 && mv->created_at[10] == 'T')
		tval_set(a, m, "when", tval_strf(a, "%.10s %.5s UTC",
		    mv->created_at, mv->created_at + 11));
	else
		tval_set_str(a, m, "when", mv->created_at);
	return m;
}

/*
 * Read the option pairs of a variant form into o (CATALOG_MAX_OPTIONS
 * of room); *n gets how many. A pair with one half only is the form's
 * error, on the empty half. Returns false then.
 */
static bool
options_read(struct form *f, struct variant_option *o, size_t *n)
{
	static const char *const names[CATALOG_MAX_OPTIONS][2] = {
		{ "option1_name", "option1_value" },
		{ "option2_name", "option2_value" },
		{ "option3_name", "option3_value" },
	};
	const char	*k, *v;
	bool		 ok = true;
	size_t		 i;

	*n = 0;
	for (i = 0; i < CATALOG_MAX_OPTIONS; i++) {
		k = form_str(f, names[i][0]);
		v = form_str(f, names[i][1]);
		if (*k == '\0' && *v == '\0')
			continue;
		if (*k == '\0' || *v == '\0') {
			form_error(f, names[i][*k == '\0' ? 0 : 1], *k == '\0' ?
			    "Give the option a name, or leave both empty." :
			    "Give the option a value, or leave both empty.");
			ok = false;
			continue;
		}
		o[*n].name = k;
		o[(*n)++].value = v;
	}
	return ok;
}

/* Prefill a variant form from the variant. */
static void
variant_prefill(struct arena *a, struct form *f, const struct variant_input *v)
{
	static const char *const names[CATALOG_MAX_OPTIONS][2] = {
		{ "option1_name", "option1_value" },
		{ "option2_name", "option2_value" },
		{ "option3_name", "option3_value" },
	};
	size_t	i;

	form_set(f, "sku", v->sku);
	form_set(f, "title", v->title);
	for (i = 0; i < v->noptions && i < CATALOG_MAX_OPTIONS; i++) {
		form_set(f, names[i][0], v->options[i].name);
		form_set(f, names[i][1], v->options[i].value);
	}
	form_set(f, "price", admin_price_plain(a, v->price, v->currency));
	form_set(f, "weight_grams", arena_printf(a, "%lld", v->weight_grams));
	form_set(f, "position", arena_printf(a, "%lld", v->position));
	form_set(f, "active", v->active ? "on" : NULL);
}

/* ---------------------------------------------------------- the list */

int
h_products(struct req *r)
{
	struct arena			*a = r->arena;
	struct tval			*data = tval_map(a), *l, *m, *c;
	struct catalog_admin_filter	 f = { 0, NULL, 0, -1 };
	struct product_row		*v = NULL;
	struct category			*cats = NULL;
	const char			*q = req_query(r, "q");
	const char			*state = req_query(r, "state");
	char				*match = NULL;
	size_t				 n = 0, ncats = 0, i;

	if ((f.before = admin_cursor(r, "before")) < 0) {
		r->error = "The page asked for is not a number.";
		return 400;
	}
	/* An id as a cursor is one: 0 when absent, -1 when not an id. */
	if ((f.category_id = admin_cursor(r, "category")) < 0) {
		r->error = "The category asked for is not a number.";
		return 400;
	}
	if (state == NULL || *state == '\0')
		state = "";
	else if (strcmp(state, "active") == 0)
		f.active = 1;
	else if (strcmp(state, "inactive") == 0)
		f.active = 0;
	else {
		r->error = "The state asked for is not one of active or "
		    "inactive.";
		return 400;
	}
	if (q != NULL && (strlen(q) > SHOP_MAX_SEARCH ||
	    !text_printable(q, strlen(q)))) {
		r->error = arena_printf(a, "The search must be at most %d "
		    "characters, without control characters.",
		    SHOP_MAX_SEARCH);
		return 400;
	}
	q = q != NULL ? text_trim(a, q) : "";
	if (category_list(req_db(r, DB_PRIMARY), a, &cats, &ncats) != 0)
		return 503;
	/* Words that leave nothing to look for find nothing. */
	if (*q == '\0' || catalog_fts_query(a, q, strlen(q), &match) > 0) {
		f.match = *q != '\0' ? match : NULL;
		if (catalog_admin_products(req_db(r, DB_PRIMARY), a, &f,
		    ADMIN_PAGE_ROWS + 1, &v, &n) != 0)
			return 503;
	}
	l = tval_set_list(a, data, "products");
	for (i = 0; i < n && i < ADMIN_PAGE_ROWS; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", v[i].id);
		tval_set_str(a, m, "name", v[i].name);
		tval_set_str(a, m, "slug", v[i].slug);
		tval_set_bool(a, m, "active", v[i].active);
		tval_set_bool(a, m, "featured", v[i].featured);
		if (v[i].category_id != 0) {
			c = tval_set_map(a, m, "category");
			tval_set_int(a, c, "id", v[i].category_id);
			tval_set_str(a, c, "name", v[i].category_name);
		} else
			tval_set(a, m, "category", tval_null(a));
		tval_set_int(a, m, "variants", v[i].variants);
		tval_set_int(a, m, "active_variants", v[i].active_variants);
		tval_set_int(a, m, "stock", v[i].stock);
		tval_set_str(a, m, "sku", v[i].first_sku);
		if (v[i].has_price) {
			tval_set(a, m, "price", price_tval(a, v[i].min_price,
			    v[i].currency));
			tval_set_bool(a, m, "price_from",
			    v[i].max_price > v[i].min_price);
		} else
			tval_set(a, m, "price", tval_null(a));
	}
	tval_set_bool(a, data, "none", n == 0);
	if (n > ADMIN_PAGE_ROWS)
		tval_set(a, data, "next", admin_next_url(r, "/admin/products",
		    v[ADMIN_PAGE_ROWS - 1].id));
	tval_set_str(a, data, "q", q);
	tval_set_str(a, data, "state", state);
	if (f.category_id != 0)
		tval_set_int(a, data, "category", f.category_id);
	if (!r->want_json) {
		l = tval_set_list(a, data, "categories");
		for (i = 0; i < ncats; i++) {
			m = tval_push_map(a, l);
			tval_set_int(a, m, "id", cats[i].id);
			tval_set_str(a, m, "name", cats[i].name);
			tval_set_bool(a, m, "selected",
			    cats[i].id == f.category_id);
		}
		tval_set_bool(a, data, "state_active", f.active == 1);
		tval_set_bool(a, data, "state_inactive", f.active == 0);
	}
	return admin_render(r, 200, "admin/products", data, "Products",
	    SECTION_PRODUCTS);
}

/* --------------------------------------------------------- creating */

/* The new product's page, with the form f (blank when NULL). */
static int
create_page(struct req *r, int status, struct form *f)
{
	struct arena		*a = r->arena;
	struct tval		*data = tval_map(a);
	const char *const	*choices;
	struct form		 blank;

	if ((choices = category_choices(r)) == NULL)
		return 503;
	if (f != NULL) {
		form_choices(f, "category", choices);
		return admin_form_fail(r, status, "admin/product-new", data,
		    "New product", SECTION_PRODUCTS, f);
	}
	form_init(&blank, a, create_fields, nitems(create_fields));
	form_choices(&blank, "category", choices);
	form_set(&blank, "stock", "0");
	if (!r->want_json)
		tval_set(a, data, "form", form_tval(a, &blank));
	return admin_render(r, status, "admin/product-new", data,
	    "New product", SECTION_PRODUCTS);
}

int
h_product_new(struct req *r)
{
	return create_page(r, 200, NULL);
}

int
h_product_create(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	const char		*currency = req_cfg(r)->currency;
	const char *const	*choices;
	struct form		 f;
	struct product_input	 p;
	struct variant_input	 v;
	struct tval		*data, *after;
	enum catalog_result	 rc;
	long long		 pid, vid;
	bool			 ok;

	if ((choices = category_choices(r)) == NULL)
		return 503;
	form_init(&f, a, create_fields, nitems(create_fields));
	form_choices(&f, "category", choices);
	ok = form_read(&f, a, &r->form);
	memset(&v, 0, sizeof(v));
	v.currency = currency;
	if (form_field_error(&f, "price") == NULL &&
	    !price_read(&f, currency, &v.price))
		ok = false;
	if (!ok)
		return create_page(r, 422, &f);
	memset(&p, 0, sizeof(p));
	p.name = form_str(&f, "name");
	p.slug = form_str(&f, "slug");
	p.description = form_str(&f, "description");
	p.category_id = category_of(&f);
	p.active = form_bool(&f, "active");
	p.featured = form_bool(&f, "featured");
	v.sku = form_str(&f, "sku");
	v.stock = form_int(&f, "stock");
	v.active = true;

	if (db_begin(d) != 0)
		return 503;
	if ((rc = product_create(d, a, &p, &pid)) == CATALOG_OK)
		rc = variant_create(d, pid, &v, stock_actor(r), &vid);
	if (rc != CATALOG_OK) {
		db_rollback(d);
		if (rc == CATALOG_ERROR)
			return 503;
		admin_catalog_error(&f, rc);
		return create_page(r, 422, &f);
	}
	/* The row as written: the slug it was given. */
	if (product_get(d, a, pid, &p) != 1) {
		db_rollback(d);
		return 503;
	}
	after = product_log(a, &p);
	tval_set(a, after, "variant", variant_log(a, &v));
	tval_set_int(a, tval_get(after, "variant"), "id", vid);
	tval_set_int(a, tval_get(after, "variant"), "stock", v.stock);
	if (adminlog_write(d, &who, "product.create", "product", pid, p.name,
	    NULL, after) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set_int(a, data, "id", pid);
	tval_set(a, data, "product", after);
	tval_set(a, data, "url", tval_strf(a, "/admin/products/%lld", pid));
	return admin_done(r, arena_printf(a, "/admin/products/%lld", pid),
	    "created", data);
}

/* ----------------------------------------------------- the product page */

int
admin_product_page(struct req *r, int status, long long id,
    const struct product_forms *forms)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct tval		*data = tval_map(a), *m, *l, *vm, *ml;
	const char *const	*choices;
	struct product_input	 p;
	struct variant_input	 v;
	struct stock_movement	*mv;
	struct image_row	*im;
	struct form		 pf, vf, imf, sf;
	const char		*cid;
	long long		*vids, pid;
	size_t			 nv, nim, nmv, i, k;
	bool			 html = !r->want_json;
	int			 found;

	if ((choices = category_choices(r)) == NULL)
		return 503;
	if (db_read_begin(d) != 0)
		return 503;
	if ((found = product_get(d, a, id, &p)) != 1) {
		db_read_end(d);
		return found == 0 ? 404 : 503;
	}
	m = product_log(a, &p);
	tval_set(a, data, "product", m);
	tval_set_int(a, m, "id", id);
	tval_set(a, m, "url", tval_strf(a, "/products/%s", p.slug));
	cid = arena_printf(a, "%lld", p.category_id);
	for (i = 0; choices[i] != NULL && choices[i + 1] != NULL; i += 2)
		if (p.category_id != 0 && strcmp(choices[i], cid) == 0)
			tval_set_str(a, m, "category_name", choices[i + 1]);

	if (product_variant_ids(d, a, id, &vids, &nv) != 0) {
		db_read_end(d);
		return 503;
	}
	l = tval_set_list(a, data, "variants");
	for (i = 0; i < nv; i++) {
		if (variant_get(d, a, vids[i], &pid, &v) != 1 ||
		    stock_movements(d, a, vids[i], MOVEMENTS_SHOWN, &mv,
		    &nmv) != 0) {
			db_read_end(d);
			return 503;
		}
		vm = variant_log(a, &v);
		tval_push(a, l, vm);
		tval_set_int(a, vm, "id", vids[i]);
		tval_set(a, vm, "price", price_tval(a, v.price, v.currency));
		tval_set_int(a, vm, "stock", v.stock);
		tval_set_str(a, vm, "stock_label", stock_label(a, v.stock));
		tval_set_str(a, vm, "stock_state",
		    stock_state_names[stock_state(v.stock)]);
		ml = tval_set_list(a, vm, "movements");
		for (k = 0; k < nmv; k++)
			tval_push(a, ml, movement_tval(a, &mv[k]));
		tval_set_bool(a, vm, "has_movements", nmv > 0);
		if (!html)
			continue;
		if (forms != NULL && forms->stock != NULL &&
		    forms->stock_variant == vids[i])
			tval_set(a, vm, "stock_form", form_tval(a,
			    forms->stock));
		else {
			form_init(&sf, a, stock_fields, nitems(stock_fields));
			form_choices(&sf, "mode", stock_mode_choices);
			form_prefix(&sf, arena_printf(a, "v%lld-", vids[i]));
			form_set(&sf, "mode", "delta");
			tval_set(a, vm, "stock_form", form_tval(a, &sf));
		}
	}
	tval_set_bool(a, data, "has_variants", nv > 0);

	if (image_list(d, a, id, &im, &nim) != 0) {
		db_read_end(d);
		return 503;
	}
	db_read_end(d);
	l = tval_set_list(a, data, "images");
	for (i = 0; i < nim; i++) {
		struct tval *it = tval_push(a, l, admin_image_tval(a, &im[i]));

		tval_set_int(a, it, "place", (long long)i + 1);
		tval_set_bool(a, it, "first", i == 0);
		tval_set_bool(a, it, "last", i + 1 == nim);
	}
	tval_set_bool(a, data, "has_images", nim > 0);

	if (html) {
		if (forms != NULL && forms->product != NULL)
			tval_set(a, data, "product_form", form_tval(a,
			    forms->product));
		else {
			form_init(&pf, a, product_fields,
			    nitems(product_fields));
			form_choices(&pf, "category", choices);
			form_set(&pf, "name", p.name);
			form_set(&pf, "slug", p.slug);
			form_set(&pf, "description", p.description);
			form_set(&pf, "category", p.category_id != 0 ?
			    arena_printf(a, "%lld", p.category_id) : "");
			form_set(&pf, "active", p.active ? "on" : NULL);
			form_set(&pf, "featured", p.featured ? "on" : NULL);
			tval_set(a, data, "product_form", form_tval(a, &pf));
		}
		if (forms != NULL && forms->variant != NULL)
			tval_set(a, data, "variant_form", form_tval(a,
			    forms->variant));
		else {
			form_init(&vf, a, variant_new_fields,
			    nitems(variant_new_fields));
			form_prefix(&vf, "new-");
			form_set(&vf, "stock", "0");
			form_set(&vf, "weight_grams", "0");
			form_set(&vf, "active", "on");
			tval_set(a, data, "variant_form", form_tval(a, &vf));
		}
		if (forms != NULL && forms->image != NULL)
			tval_set(a, data, "image_form", form_tval(a,
			    forms->image));
		else {
			admin_image_form(a, &imf);
			tval_set(a, data, "image_form", form_tval(a, &imf));
		}
	}
	if (forms != NULL && forms->failed != NULL)
		return admin_form_fail(r, status, "admin/product", data, p.name,
		    SECTION_PRODUCTS, forms->failed);
	return admin_render(r, status, "admin/product", data, p.name,
	    SECTION_PRODUCTS);
}

int
h_product(struct req *r)
{
	long long	id = admin_param_id(r, "id");

	return id == 0 ? 404 : admin_product_page(r, 200, id, NULL);
}

int
h_product_update(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct product_forms	 forms = { 0 };
	const char *const	*choices;
	struct form		 f;
	struct product_input	 in, was, now;
	struct tval		*data;
	enum catalog_result	 rc;
	long long		 id = admin_param_id(r, "id");
	int			 found;

	if (id == 0)
		return 404;
	if ((choices = category_choices(r)) == NULL)
		return 503;
	form_init(&f, a, product_fields, nitems(product_fields));
	form_choices(&f, "category", choices);
	forms.product = &f;
	forms.failed = &f;
	if (!form_read(&f, a, &r->form)) {
		if ((found = product_get(d, a, id, &was)) != 1)
			return found == 0 ? 404 : 503;
		return admin_product_page(r, 422, id, &forms);
	}
	memset(&in, 0, sizeof(in));
	in.name = form_str(&f, "name");
	in.slug = form_str(&f, "slug");
	in.description = form_str(&f, "description");
	in.category_id = category_of(&f);
	in.active = form_bool(&f, "active");
	in.featured = form_bool(&f, "featured");

	if (db_begin(d) != 0)
		return 503;
	if ((found = product_get(d, a, id, &was)) != 1) {
		db_rollback(d);
		return found == 0 ? 404 : 503;
	}
	if ((rc = product_update(d, a, id, &in)) != CATALOG_OK) {
		db_rollback(d);
		if (rc == CATALOG_NOT_FOUND)
			return 404;
		if (rc == CATALOG_ERROR)
			return 503;
		admin_catalog_error(&f, rc);
		return admin_product_page(r, 422, id, &forms);
	}
	if (product_get(d, a, id, &now) != 1) {
		db_rollback(d);
		return 503;
	}
	if (!admin_tval_same(product_log(a, &was), product_log(a, &now)) &&
	    adminlog_write(d, &who, "product.update", "product", id, now.name,
	    product_log(a, &was), product_log(a, &now)) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set_int(a, data, "id", id);
	tval_set(a, data, "product", product_log(a, &now));
	return admin_done(r, arena_printf(a, "/admin/products/%lld", id),
	    "saved", data);
}

/* ------------------------------------------------------------ variants */

/*
 * The variant_input of a variant form that passed form_read(), with its
 * options in o; false with the form's errors when the options or price
 * are wrong.
 */
static bool
variant_from_form(struct form *f, const char *currency,
    struct variant_option *o, struct variant_input *v)
{
	bool	ok = true;

	memset(v, 0, sizeof(*v));
	v->currency = currency;
	if (!options_read(f, o, &v->noptions))
		ok = false;
	v->options = o;
	if (!price_read(f, currency, &v->price))
		ok = false;
	v->sku = form_str(f, "sku");
	v->title = form_str(f, "title");
	v->weight_grams = form_int(f, "weight_grams");
	v->active = form_bool(f, "active");
	return ok;
}

int
h_variant_create(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct product_forms	 forms = { 0 };
	struct variant_option	 o[CATALOG_MAX_OPTIONS];
	struct product_input	 p;
	struct variant_input	 v;
	struct form		 f;
	struct tval		*after, *data;
	enum catalog_result	 rc;
	long long		 pid = admin_param_id(r, "id"), vid, *ids;
	size_t			 n;
	bool			 ok;
	int			 found;

	if (pid == 0)
		return 404;
	if ((found = product_get(d, a, pid, &p)) != 1)
		return found == 0 ? 404 : 503;
	form_init(&f, a, variant_new_fields, nitems(variant_new_fields));
	form_prefix(&f, "new-");
	forms.variant = &f;
	forms.failed = &f;
	ok = form_read(&f, a, &r->form);
	if (form_field_error(&f, "price") != NULL) {
		/* Read what can be read; the price has its message. */
		options_read(&f, o, &n);
		ok = false;
	} else if (!variant_from_form(&f, req_cfg(r)->currency, o, &v))
		ok = false;
	if (!ok)
		return admin_product_page(r, 422, pid, &forms);
	v.stock = form_int(&f, "stock");

	if (db_begin(d) != 0)
		return 503;
	/* After the variants it has. */
	if (product_variant_ids(d, a, pid, &ids, &n) != 0) {
		db_rollback(d);
		return 503;
	}
	v.position = (long long)n;
	if ((rc = variant_create(d, pid, &v, stock_actor(r), &vid)) !=
	    CATALOG_OK) {
		db_rollback(d);
		if (rc == CATALOG_NOT_FOUND)
			return 404;
		if (rc == CATALOG_ERROR)
			return 503;
		admin_catalog_error(&f, rc);
		return admin_product_page(r, 422, pid, &forms);
	}
	if (variant_get(d, a, vid, &pid, &v) != 1) {
		db_rollback(d);
		return 503;
	}
	after = variant_log(a, &v);
	tval_set_int(a, after, "product_id", pid);
	tval_set_int(a, after, "stock", v.stock);
	if (adminlog_write(d, &who, "variant.create", "variant", vid,
	    arena_printf(a, "%s %s", p.name, v.sku), NULL, after) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set_int(a, data, "id", vid);
	tval_set(a, data, "variant", after);
	return admin_done(r, arena_printf(a, "/admin/products/%lld", pid),
	    "created", data);
}

static const struct form_field low_stock_fields[] = {
	{ "threshold", "Mail me when the stock falls to", FORM_INT,
	  FORM_REQUIRED, 0, INVENTORY_STOCK_MAX, "off",
	  "Units; 0: never. The mail goes to SHOP_ORDER_NOTIFY.", NULL },
};

/*
 * A variant's page: its form (f, or from the row), its low-stock form
 * (low, when it is the one that failed), and its movements.
 */
static int
variant_page_with(struct req *r, int status, long long vid, struct form *f,
    struct form *low)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct tval		*data = tval_map(a), *m, *l;
	struct stock_movement	*mv;
	struct product_input	 p;
	struct variant_input	 v;
	struct form		 blank;
	long long		 pid, threshold = 0;
	size_t			 n, i;
	int			 found;

	if (db_read_begin(d) != 0)
		return 503;
	if ((found = variant_get(d, a, vid, &pid, &v)) != 1 ||
	    (found = product_get(d, a, pid, &p)) != 1 ||
	    (found = stock_threshold(d, vid, &threshold)) != 1) {
		db_read_end(d);
		return found == 0 ? 404 : 503;
	}
	if (stock_movements(d, a, vid, MOVEMENTS_VARIANT, &mv, &n) != 0) {
		db_read_end(d);
		return 503;
	}
	db_read_end(d);
	m = variant_log(a, &v);
	tval_set(a, data, "variant", m);
	tval_set_int(a, m, "id", vid);
	tval_set(a, m, "price", price_tval(a, v.price, v.currency));
	tval_set_int(a, m, "stock", v.stock);
	tval_set_str(a, m, "stock_label", stock_label(a, v.stock));
	tval_set_int(a, m, "low_stock_threshold", threshold);
	if (!r->want_json && low != NULL)
		tval_set(a, data, "low_stock_form", form_tval(a, low));
	else if (!r->want_json) {
		form_init(&blank, a, low_stock_fields,
		    nitems(low_stock_fields));
		form_set(&blank, "threshold", arena_printf(a, "%lld",
		    threshold));
		tval_set(a, data, "low_stock_form", form_tval(a, &blank));
	}
	m = tval_set_map(a, data, "product");
	tval_set_int(a, m, "id", pid);
	tval_set_str(a, m, "name", p.name);
	l = tval_set_list(a, data, "movements");
	for (i = 0; i < n; i++)
		tval_push(a, l, movement_tval(a, &mv[i]));
	tval_set_bool(a, data, "has_movements", n > 0);
	if (f != NULL || low != NULL)
		return admin_form_fail(r, status, "admin/variant", data,
		    arena_printf(a, "%s, %s", p.name, v.sku), SECTION_PRODUCTS,
		    f != NULL ? f : low);
	if (!r->want_json) {
		form_init(&blank, a, variant_fields, nitems(variant_fields));
		variant_prefill(a, &blank, &v);
		tval_set(a, data, "form", form_tval(a, &blank));
	}
	return admin_render(r, status, "admin/variant", data,
	    arena_printf(a, "%s, %s", p.name, v.sku), SECTION_PRODUCTS);
}

static int
variant_page(struct req *r, int status, long long vid, struct form *f)
{
	return variant_page_with(r, status, vid, f, NULL);
}

/*
 * POST /admin/variants/{id}/low-stock: the variant's low-stock threshold
 * (threshold, 0 to INVENTORY_STOCK_MAX units; 0: never), recorded in the
 * admin log ("variant.low_stock") in the same write.
 */
int
h_variant_low_stock(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct variant_input	 v;
	struct form		 f;
	struct tval		*data, *before, *after;
	enum inventory_result	 rc;
	long long		 vid = admin_param_id(r, "id"), pid, was = 0, now;
	int			 found;

	if (vid == 0)
		return 404;
	form_init(&f, a, low_stock_fields, nitems(low_stock_fields));
	if (!form_read(&f, a, &r->form))
		return variant_page_with(r, 422, vid, NULL, &f);
	now = form_int(&f, "threshold");
	if (db_begin(d) != 0)
		return 503;
	if ((found = variant_get(d, a, vid, &pid, &v)) != 1 ||
	    (found = stock_threshold(d, vid, &was)) != 1) {
		db_rollback(d);
		return found == 0 ? 404 : 503;
	}
	if ((rc = stock_threshold_set(d, vid, now)) != INVENTORY_OK) {
		db_rollback(d);
		return rc == INVENTORY_NOT_FOUND ? 404 : 503;
	}
	before = tval_map(a);
	tval_set_int(a, before, "low_stock_threshold", was);
	after = tval_map(a);
	tval_set_int(a, after, "low_stock_threshold", now);
	if (now != was && adminlog_write(d, &who, "variant.low_stock",
	    "variant", vid, v.sku, before, after) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set_int(a, data, "id", vid);
	tval_set_int(a, data, "low_stock_threshold", now);
	return admin_done(r, arena_printf(a, "/admin/variants/%lld", vid),
	    "low_stock", data);
}

int
h_variant(struct req *r)
{
	long long	id = admin_param_id(r, "id");

	return id == 0 ? 404 : variant_page(r, 200, id, NULL);
}

int
h_variant_update(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct variant_option	 o[CATALOG_MAX_OPTIONS];
	struct variant_input	 in, was, now;
	struct product_input	 p;
	struct form		 f;
	struct tval		*data, *before, *after;
	enum catalog_result	 rc;
	long long		 vid = admin_param_id(r, "id"), pid;
	size_t			 n;
	bool			 ok;
	int			 found;

	if (vid == 0)
		return 404;
	if ((found = variant_get(d, a, vid, &pid, &was)) != 1)
		return found == 0 ? 404 : 503;
	form_init(&f, a, variant_fields, nitems(variant_fields));
	ok = form_read(&f, a, &r->form);
	if (form_field_error(&f, "price") != NULL) {
		options_read(&f, o, &n);
		ok = false;
	} else if (!variant_from_form(&f, was.currency, o, &in))
		ok = false;
	if (!ok)
		return variant_page(r, 422, vid, &f);
	in.position = form_int(&f, "position");

	if (db_begin(d) != 0)
		return 503;
	if ((found = variant_get(d, a, vid, &pid, &was)) != 1 ||
	    (found = product_get(d, a, pid, &p)) != 1) {
		db_rollback(d);
		return found == 0 ? 404 : 503;
	}
	if ((rc = variant_update(d, vid, &in)) != CATALOG_OK) {
		db_rollback(d);
		if (rc == CATALOG_NOT_FOUND)
			return 404;
		if (rc == CATALOG_ERROR)
			return 503;
		admin_catalog_error(&f, rc);
		return variant_page(r, 422, vid, &f);
	}
	if (variant_get(d, a, vid, &pid, &now) != 1) {
		db_rollback(d);
		return 503;
	}
	before = variant_log(a, &was);
	after = variant_log(a, &now);
	if (!admin_tval_same(before, after) && adminlog_write(d, &who,
	    "variant.update", "variant", vid, arena_printf(a, "%s %s", p.name,
	    now.sku), before, after) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set_int(a, data, "id", vid);
	tval_set_int(a, data, "product_id", pid);
	tval_set(a, data, "variant", after);
	return admin_done(r, arena_printf(a, "/admin/products/%lld", pid),
	    "saved", data);
}

int
h_variant_stock(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct product_forms	 forms = { 0 };
	struct variant_input	 v;
	struct product_input	 p;
	struct form		 f;
	struct tval		*data, *before, *after;
	enum inventory_result	 rc;
	enum stock_mode		 mode;
	long long		 vid = admin_param_id(r, "id"), pid, stock;
	int			 found;

	if (vid == 0)
		return 404;
	if ((found = variant_get(d, a, vid, &pid, &v)) != 1)
		return found == 0 ? 404 : 503;
	form_init(&f, a, stock_fields, nitems(stock_fields));
	form_choices(&f, "mode", stock_mode_choices);
	form_prefix(&f, arena_printf(a, "v%lld-", vid));
	forms.stock = &f;
	forms.failed = &f;
	forms.stock_variant = vid;
	if (!form_read(&f, a, &r->form))
		return admin_product_page(r, 422, pid, &forms);
	mode = stock_mode_parse(form_str(&f, "mode"));

	if (db_begin(d) != 0)
		return 503;
	if ((found = variant_get(d, a, vid, &pid, &v)) != 1 ||
	    (found = product_get(d, a, pid, &p)) != 1) {
		db_rollback(d);
		return found == 0 ? 404 : 503;
	}
	rc = stock_adjust(d, vid, mode, form_int(&f, "amount"),
	    form_str(&f, "reason"), stock_actor(r), &stock);
	if (rc != INVENTORY_OK) {
		db_rollback(d);
		if (rc == INVENTORY_NOT_FOUND)
			return 404;
		if (rc == INVENTORY_ERROR)
			return 503;
		form_error(&f, inventory_result_fields[rc] != NULL ?
		    inventory_result_fields[rc] : NULL,
		    inventory_result_msgs[rc]);
		return admin_product_page(r, 422, pid, &forms);
	}
	before = tval_map(a);
	tval_set_int(a, before, "stock", v.stock);
	after = tval_map(a);
	tval_set_int(a, after, "stock", stock);
	tval_set_str(a, after, "mode", stock_mode_names[mode]);
	tval_set_int(a, after, "amount", form_int(&f, "amount"));
	tval_set_str(a, after, "reason", form_str(&f, "reason"));
	if (stock != v.stock && adminlog_write(d, &who, "variant.stock",
	    "variant", vid, arena_printf(a, "%s %s", p.name, v.sku), before,
	    after) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set_int(a, data, "id", vid);
	tval_set_int(a, data, "product_id", pid);
	tval_set_int(a, data, "stock", stock);
	tval_set_bool(a, data, "changed", stock != v.stock);
	return admin_done(r, arena_printf(a, "/admin/products/%lld", pid),
	    "stock", data);
}
