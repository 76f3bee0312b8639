/*
 * Writing the catalog (see catalog_edit.h).
 *
 * Each write function checks everything it can before its first write,
 * reading what it must (a slug's owner, the row as it is) in the
 * caller's transaction, so that a refusal writes nothing; an update
 * compares the row with what it would become and writes only if they
 * differ, since the schema's triggers bump versions for any UPDATE that
 * names a column, changed or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/money.h"
#include "core/text.h"
#include "data/db.h"
#include "ext/html_sanitize.h"
#include "shop/catalog_edit.h"
#include "shop/inventory.h"

const char *const catalog_result_names[CATALOG_RESULT__MAX] = {
	"ok",
	"not_found",
	"bad_name",
	"bad_slug",
	"slug_taken",
	"bad_description",
	"bad_position",
	"bad_category",
	"bad_date",
	"bad_sku",
	"sku_taken",
	"bad_title",
	"bad_options",
	"bad_price",
	"bad_currency",
	"bad_stock",
	"bad_weight",
	"bad_actor",
	"bad_path",
	"bad_alt",
	"bad_size",
	"error",
};

const char *const catalog_result_msgs[CATALOG_RESULT__MAX] = {
	"Saved.",
	"There is no such item; it may have been removed.",
	"Enter a name: one line of text, not too long.",
	"Use lowercase letters, digits and single hyphens (at most 80), "
	    "or leave it empty to make one from the name.",
	"That address is taken; choose another.",
	"The description is too long or holds characters that cannot be "
	    "shown.",
	"Enter a position from 0 to 1000000.",
	"Choose a category that exists, or none.",
	"The date is not one the shop can store.",
	"Enter a SKU of 1 to 64 letters, digits or signs, without spaces.",
	"That SKU belongs to another variant.",
	"Enter a title of one line, at most 200 characters.",
	"Give at most 3 options, each with a name and a value, and no name "
	    "twice.",
	"Enter a price that is not negative, such as 12.50.",
	"Choose a currency the shop can charge in.",
	"Enter the stock as a whole number, 0 or more.",
	"Enter the weight in grams, from 0 to 1000000.",
	"The change must say who made it.",
	"The image's file name cannot be used.",
	"Describe the image in one line, at most 300 characters.",
	"The image's width and height must be from 1 to 20000 pixels.",
	"The change could not be saved. Try again.",
};

const char *const catalog_result_fields[CATALOG_RESULT__MAX] = {
	NULL,
	NULL,
	"name",
	"slug",
	"slug",
	"description",
	"position",
	"category_id",
	"created_at",
	"sku",
	"sku",
	"title",
	"options",
	"price",
	"currency",
	"stock",
	"weight_grams",
	NULL,
	"path",
	"alt",
	"width",
	NULL,
};

static const char sql_category_get[] =
    "SELECT name, slug, description, position FROM categories WHERE id = ?1";
static const char sql_category_slug[] =
    "SELECT id FROM categories WHERE slug = ?1";
static const char sql_category_insert[] =
    "INSERT INTO categories (slug, name, description, position)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_category_update[] =
    "UPDATE categories SET slug = ?2, name = ?3, description = ?4,"
    " position = ?5 WHERE id = ?1";

static const char sql_product_get[] =
    "SELECT name, slug, description, coalesce(category_id, 0), active,"
    " featured, created_at, description_html FROM products WHERE id = ?1";
static const char sql_product_slug[] =
    "SELECT id FROM products WHERE slug = ?1";
static const char sql_product_insert[] =
    "INSERT INTO products (slug, name, description, category_id, featured,"
    " active, created_at, updated_at, description_html)"
    " VALUES (?1, ?2, ?3, nullif(?4, 0), ?5, ?6, ?7, ?7, ?8)";
static const char sql_product_update[] =
    "UPDATE products SET slug = ?2, name = ?3, description = ?4,"
    " category_id = nullif(?5, 0), featured = ?6, active = ?7,"
    " description_html = ?8 WHERE id = ?1";
static const char sql_has_products[] =
    "SELECT count(*) FROM (SELECT 1 FROM products LIMIT 1)";

/* ?4..?9: up to three option names and values, as one JSON object. */
#define OPTIONS_JSON \
    "CASE WHEN ?4 IS NULL THEN '{}'" \
    " WHEN ?6 IS NULL THEN json_object(?4, ?5)" \
    " WHEN ?8 IS NULL THEN json_object(?4, ?5, ?6, ?7)" \
    " ELSE json_object(?4, ?5, ?6, ?7, ?8, ?9) END"

static const char sql_variant_get[] =
    "SELECT product_id, sku, title, price, currency, stock, weight_grams,"
    " position, active FROM variants WHERE id = ?1";
static const char sql_variant_options[] =
    "SELECT j.key, j.atom FROM variants v, json_each(v.options) j"
    " WHERE v.id = ?1 AND j.atom IS NOT NULL ORDER BY j.id";
static const char sql_variant_sku[] =
    "SELECT id FROM variants WHERE sku = ?1";
static const char sql_variant_insert[] =
    "INSERT INTO variants (product_id, sku, title, options, price, currency,"
    " stock, weight_grams, position, active) VALUES (?1, ?2, ?3, "
    OPTIONS_JSON ", ?10, ?11, ?12, ?13, ?14, ?15)";
static const char sql_variant_update[] =
    "UPDATE variants SET sku = ?2, title = ?3, options = " OPTIONS_JSON ","
    " price = ?10, currency = ?11, weight_grams = ?12, position = ?13,"
    " active = ?14 WHERE id = ?1";
static const char sql_variant_ids[] =
    "SELECT id FROM variants WHERE product_id = ?1 ORDER BY position, id";

static const char sql_product_exists[] =
    "SELECT 1 FROM products WHERE id = ?1";
static const char sql_category_exists[] =
    "SELECT 1 FROM categories WHERE id = ?1";
static const char sql_variant_by_sku[] =
    "SELECT id, product_id FROM variants WHERE sku = ?1";
static const char sql_image_fields[] =
    "SELECT alt, width, height, position FROM images WHERE id = ?1";
static const char sql_image_update[] =
    "UPDATE images SET alt = ?2, width = ?3, height = ?4, position = ?5"
    " WHERE id = ?1";
/* ?8..?11: up to CATALOG_IMAGE_WIDTHS widths, as one JSON array. */
static const char sql_image_insert[] =
    "INSERT INTO images (product_id, path, alt, width, height, position,"
    " base, widths) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
    " CASE WHEN ?8 IS NULL THEN NULL"
    " WHEN ?9 IS NULL THEN json_array(?8)"
    " WHEN ?10 IS NULL THEN json_array(?8, ?9)"
    " WHEN ?11 IS NULL THEN json_array(?8, ?9, ?10)"
    " ELSE json_array(?8, ?9, ?10, ?11) END)";
_Static_assert(CATALOG_IMAGE_WIDTHS == 4,
    "sql_image_insert binds CATALOG_IMAGE_WIDTHS widths");
#define IMAGE_COLUMNS \
    "id, product_id, position, path, alt, width, height, base," \
    " (SELECT group_concat(j.value, ' ') FROM json_each(images.widths) j" \
    " WHERE j.type = 'integer')"
static const char sql_image_list[] =
    "SELECT " IMAGE_COLUMNS " FROM images WHERE product_id = ?1"
    " ORDER BY position, id";
static const char sql_image_get[] =
    "SELECT " IMAGE_COLUMNS " FROM images WHERE id = ?2 AND product_id = ?1";
static const char sql_image_position[] =
    "UPDATE images SET position = ?2 WHERE id = ?1";
static const char sql_image_delete[] =
    "DELETE FROM images WHERE id = ?2 AND product_id = ?1";

/* 9999-12-31T23:59:59Z: the last time "%Y-..." writes in four digits. */
#define LAST_TIME	253402300799LL

static bool
in_write(struct db *d, const char *fn)
{
	if (db_in_write(d))
		return true;
	log_error("%s: not inside a write transaction", fn);
	return false;
}

/* One line of text, not blank, of at most max characters. */
static bool
line_ok(const char *s, size_t max)
{
	return !text_blank(s) && text_fits(s, max, false);
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static bool
eq(const char *a, const char *b)
{
	return strcmp(or_empty(a), or_empty(b)) == 0;
}

bool
catalog_slug_ok(const char *s)
{
	size_t	i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > CATALOG_SLUG_MAX ||
	    s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '-' && s[i + 1] == '-')
			return false;
		if (s[i] != '-' && !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9'))
			return false;
	}
	return true;
}

/*
 * The id owning a value in a table by a statement "SELECT id ... WHERE x
 * = ?1": the id, 0 when none, -1 on error.
 */
static long long
owner(struct db *d, const char *sql, const char *value)
{
	sqlite3_stmt	*st;
	long long	 id = 0;
	int		 rc;

	if ((st = db_prep(d, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}

/* Whether a row exists by a statement "SELECT 1 ... WHERE id = ?1". */
static int
exists(struct db *d, const char *sql, long long id)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_prep(d, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* At most n bytes of an ASCII slug, without a hyphen at the end. */
static char *
slug_cut(struct arena *a, const char *s, size_t n)
{
	char	*c;

	if (n > strlen(s))
		n = strlen(s);
	c = arena_strndup(a, s, n);	/* copies n bytes, whatever s holds */
	while (n > 0 && c[n - 1] == '-')
		c[--n] = '\0';
	return c;
}

/*
 * The slug a row is saved with, into *out: the one given, checked and
 * free (or the row's own, self); else one derived from name (fallback
 * when nothing of it is left), with a numeric suffix if need be.
 */
static enum catalog_result
slug_choose(struct db *d, struct arena *a, const char *sql_owner,
    const char *given, const char *name, const char *fallback, long long self,
    const char **out)
{
	char		*base, *try;
	long long	 who;
	int		 k;

	if (given != NULL && *given != '\0') {
		if (!catalog_slug_ok(given))
			return CATALOG_BAD_SLUG;
		if ((who = owner(d, sql_owner, given)) < 0)
			return CATALOG_ERROR;
		if (who != 0 && who != self)
			return CATALOG_SLUG_TAKEN;
		*out = given;
		return CATALOG_OK;
	}
	base = text_slug(a, name);
	if (*base == '\0')
		base = arena_strdup(a, fallback);
	for (k = 1; k <= CATALOG_SLUG_TRIES; k++) {
		if (k == 1)
			try = slug_cut(a, base, CATALOG_SLUG_MAX);
		else {
			char	 suffix[16];

			snprintf(suffix, sizeof(suffix), "-%d", k);
			try = arena_printf(a, "%s%s", slug_cut(a, base,
			    CATALOG_SLUG_MAX - strlen(suffix)), suffix);
		}
		if ((who = owner(d, sql_owner, try)) < 0)
			return CATALOG_ERROR;
		if (who == 0 || who == self) {
			*out = try;
			return CATALOG_OK;
		}
	}
	return CATALOG_SLUG_TAKEN;
}

static bool
position_ok(long long p)
{
	return p >= 0 && p <= CATALOG_POSITION_MAX;
}

/* Unix seconds as "2025-01-06T09:00:00Z". */
static void
iso_time(long long t, char out[32])
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The reverse of iso_time(); 0 for anything else. */
static long long
iso_parse(const char *s)
{
	struct tm	 tm;
	const char	*end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) ==
	    NULL || *end != '\0')
		return 0;
	return (long long)timegm(&tm);
}

static enum catalog_result
category_check(const struct category_input *in)
{
	if (!line_ok(in->name, CATALOG_CATEGORY_NAME_MAX))
		return CATALOG_BAD_NAME;
	if (!text_fits(or_empty(in->description), CATALOG_CATEGORY_TEXT_MAX,
	    true))
		return CATALOG_BAD_DESCRIPTION;
	if (!position_ok(in->position))
		return CATALOG_BAD_POSITION;
	return CATALOG_OK;
}

/* Insert (id 0) or update category id with slug. */
static enum catalog_result
category_write(struct db *d, long long id, const struct category_input *in,
    const char *slug)
{
	sqlite3_stmt	*st;
	int		 rc, c = id != 0;

	if ((st = db_prep(d, id ? sql_category_update :
	    sql_category_insert)) == NULL)
		return CATALOG_ERROR;
	if (id != 0)
		sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, c + 1, slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, c + 2, in->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, c + 3, or_empty(in->description), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, c + 4, in->position);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? CATALOG_OK : CATALOG_ERROR;
}

enum catalog_result
category_create(struct db *d, struct arena *a,
    const struct category_input *in, long long *id)
{
	enum catalog_result	 rc;
	const char		*slug;

	*id = 0;
	if (!in_write(d, "category_create"))
		return CATALOG_ERROR;
	if ((rc = category_check(in)) != CATALOG_OK ||
	    (rc = slug_choose(d, a, sql_category_slug, in->slug, in->name,
	    "category", 0, &slug)) != CATALOG_OK ||
	    (rc = category_write(d, 0, in, slug)) != CATALOG_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(db_handle(d));
	return CATALOG_OK;
}

enum catalog_result
category_update(struct db *d, struct arena *a, long long id,
    const struct category_input *in)
{
	struct category_input	 was;
	enum catalog_result	 rc;
	const char		*slug;
	int			 found;

	if (!in_write(d, "category_update"))
		return CATALOG_ERROR;
	if ((found = category_get(d, a, id, &was)) <= 0)
		return found < 0 ? CATALOG_ERROR : CATALOG_NOT_FOUND;
	if ((rc = category_check(in)) != CATALOG_OK ||
	    (rc = slug_choose(d, a, sql_category_slug, in->slug != NULL &&
	    *in->slug != '\0' ? in->slug : was.slug, in->name, "category", id,
	    &slug)) != CATALOG_OK)
		return rc;
	if (eq(slug, was.slug) && eq(in->name, was.name) &&
	    eq(in->description, was.description) &&
	    in->position == was.position)
		return CATALOG_OK;
	return category_write(d, id, in, slug);
}

int
category_get(struct db *d, struct arena *a, long long id,
    struct category_input *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((st = db_prep(d, sql_category_get)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		out->name = db_text(a, st, 0);
		out->slug = db_text(a, st, 1);
		out->description = db_text(a, st, 2);
		out->position = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The description_html to store, into *out (arena): "" for none, else
 * what html_sanitize() makes of it.
 */
static enum catalog_result
html_of(struct arena *a, const char *html, const char **out)
{
	struct buf	 b = { 0 };

	*out = "";
	if (html == NULL || *html == '\0')
		return CATALOG_OK;
	if (html_sanitize(html, strlen(html), &b, NULL) != 0 ||
	    b.len > CATALOG_PRODUCT_HTML_MAX) {
		buf_free(&b);
		return CATALOG_BAD_DESCRIPTION;
	}
	*out = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return CATALOG_OK;
}

static enum catalog_result
product_check(struct db *d, const struct product_input *in)
{
	int	rc;

	if (!line_ok(in->name, CATALOG_PRODUCT_NAME_MAX))
		return CATALOG_BAD_NAME;
	if (!text_fits(or_empty(in->description), CATALOG_PRODUCT_TEXT_MAX,
	    true))
		return CATALOG_BAD_DESCRIPTION;
	if (in->category_id < 0)
		return CATALOG_BAD_CATEGORY;
	if (in->category_id > 0) {
		if ((rc = exists(d, sql_category_exists, in->category_id)) < 0)
			return CATALOG_ERROR;
		if (rc == 0)
			return CATALOG_BAD_CATEGORY;
	}
	return CATALOG_OK;
}

enum catalog_result
product_create(struct db *d, struct arena *a, const struct product_input *in,
    long long *id)
{
	enum catalog_result	 rc;
	sqlite3_stmt		*st;
	const char		*slug, *html;
	long long		 created = in->created_at;
	char			 ts[32];
	int			 step;

	*id = 0;
	if (!in_write(d, "product_create"))
		return CATALOG_ERROR;
	if ((rc = product_check(d, in)) != CATALOG_OK ||
	    (rc = html_of(a, in->description_html, &html)) != CATALOG_OK)
		return rc;
	if (created == 0)
		created = clock_now();
	if (created < 0 || created > LAST_TIME)
		return CATALOG_BAD_DATE;
	if ((rc = slug_choose(d, a, sql_product_slug, in->slug, in->name,
	    "product", 0, &slug)) != CATALOG_OK)
		return rc;
	iso_time(created, ts);
	if ((st = db_prep(d, sql_product_insert)) == NULL)
		return CATALOG_ERROR;
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, or_empty(in->description), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, in->category_id);
	sqlite3_bind_int(st, 5, in->featured);
	sqlite3_bind_int(st, 6, in->active);
	sqlite3_bind_text(st, 7, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, html, -1, SQLITE_STATIC);
	step = db_step(d, st);
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return CATALOG_ERROR;
	*id = sqlite3_last_insert_rowid(db_handle(d));
	return CATALOG_OK;
}

enum catalog_result
product_update(struct db *d, struct arena *a, long long id,
    const struct product_input *in)
{
	struct product_input	 was;
	enum catalog_result	 rc;
	sqlite3_stmt		*st;
	const char		*slug, *html;
	int			 found, step;

	if (!in_write(d, "product_update"))
		return CATALOG_ERROR;
	if ((found = product_get(d, a, id, &was)) <= 0)
		return found < 0 ? CATALOG_ERROR : CATALOG_NOT_FOUND;
	if ((rc = product_check(d, in)) != CATALOG_OK ||
	    (rc = html_of(a, in->description_html, &html)) != CATALOG_OK ||
	    (rc = slug_choose(d, a, sql_product_slug, in->slug != NULL &&
	    *in->slug != '\0' ? in->slug : was.slug, in->name, "product", id,
	    &slug)) != CATALOG_OK)
		return rc;
	if (eq(slug, was.slug) && eq(in->name, was.name) &&
	    eq(in->description, was.description) &&
	    in->category_id == was.category_id && in->active == was.active &&
	    in->featured == was.featured && eq(html, was.description_html))
		return CATALOG_OK;
	if ((st = db_prep(d, sql_product_update)) == NULL)
		return CATALOG_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, or_empty(in->description), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, in->category_id);
	sqlite3_bind_int(st, 6, in->featured);
	sqlite3_bind_int(st, 7, in->active);
	sqlite3_bind_text(st, 8, html, -1, SQLITE_STATIC);
	step = db_step(d, st);
	sqlite3_reset(st);
	return step == SQLITE_DONE ? CATALOG_OK : CATALOG_ERROR;
}

int
product_get(struct db *d, struct arena *a, long long id,
    struct product_input *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((st = db_prep(d, sql_product_get)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		out->name = db_text(a, st, 0);
		out->slug = db_text(a, st, 1);
		out->description = db_text(a, st, 2);
		out->category_id = sqlite3_column_int64(st, 3);
		out->active = sqlite3_column_int(st, 4) != 0;
		out->featured = sqlite3_column_int(st, 5) != 0;
		out->created_at = iso_parse((const char *)
		    sqlite3_column_text(st, 6));
		out->description_html = db_text(a, st, 7);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
catalog_has_products(struct db *d)
{
	sqlite3_stmt	*st;
	int		 rc, n = -1;

	if ((st = db_prep(d, sql_has_products)) == NULL)
		return -1;
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? n : -1;
}

/* Printable ASCII without spaces, 1 to CATALOG_SKU_MAX bytes. */
static bool
sku_ok(const char *s)
{
	size_t	i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > CATALOG_SKU_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

static bool
options_ok(const struct variant_option *o, size_t n)
{
	size_t	i, j;

	if (n > CATALOG_MAX_OPTIONS || (n > 0 && o == NULL))
		return false;
	for (i = 0; i < n; i++) {
		if (!line_ok(o[i].name, CATALOG_OPTION_NAME_MAX) ||
		    !line_ok(o[i].value, CATALOG_OPTION_VALUE_MAX))
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(o[i].name, o[j].name) == 0)
				return false;
	}
	return true;
}

/* The title given, or the option values joined by " / " (arena). */
static const char *
title_of(struct arena *a, const struct variant_input *in)
{
	struct buf	 b = { 0 };
	char		*t;
	size_t		 i;

	if (in->title != NULL && *in->title != '\0')
		return in->title;
	for (i = 0; i < in->noptions; i++)
		buf_printf(&b, "%s%s", i ? " / " : "", in->options[i].value);
	t = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return t;
}

/*
 * Everything but the SKU's owner, the product and the stock, which
 * only creating has; *title gets the title to save.
 */
static enum catalog_result
variant_check(struct arena *a, const struct variant_input *in,
    const char **title)
{
	if (!sku_ok(in->sku))
		return CATALOG_BAD_SKU;
	if (!options_ok(in->options, in->noptions))
		return CATALOG_BAD_OPTIONS;
	*title = title_of(a, in);
	if (!text_fits(*title, CATALOG_TITLE_MAX, false) ||
	    (**title != '\0' && text_blank(*title)))
		return CATALOG_BAD_TITLE;
	if (in->price < 0 || in->price > MONEY_PARSE_MAX)
		return CATALOG_BAD_PRICE;
	if (!money_known(in->currency))
		return CATALOG_BAD_CURRENCY;
	if (in->weight_grams < 0 || in->weight_grams > CATALOG_WEIGHT_MAX)
		return CATALOG_BAD_WEIGHT;
	if (!position_ok(in->position))
		return CATALOG_BAD_POSITION;
	return CATALOG_OK;
}

/* Whether the SKU is free for variant self (0: a new one). */
static enum catalog_result
sku_free(struct db *d, const char *sku, long long self)
{
	long long	who;

	if ((who = owner(d, sql_variant_sku, sku)) < 0)
		return CATALOG_ERROR;
	return who != 0 && who != self ? CATALOG_SKU_TAKEN : CATALOG_OK;
}

/* ?2..?11 of both variant statements. */
static void
variant_bind(sqlite3_stmt *st, const struct variant_input *in,
    const char *title)
{
	size_t	i;

	sqlite3_bind_text(st, 2, in->sku, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
	for (i = 0; i < in->noptions; i++) {
		sqlite3_bind_text(st, 4 + 2 * (int)i, in->options[i].name, -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 5 + 2 * (int)i, in->options[i].value, -1,
		    SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 10, in->price);
	sqlite3_bind_text(st, 11, in->currency, -1, SQLITE_STATIC);
}

enum catalog_result
variant_create(struct db *d, long long product_id,
    const struct variant_input *in, const char *actor, long long *id)
{
	struct arena		*a;
	enum catalog_result	 rc;
	sqlite3_stmt		*st;
	const char		*title;
	int			 step;

	*id = 0;
	if (!in_write(d, "variant_create"))
		return CATALOG_ERROR;
	if ((step = exists(d, sql_product_exists, product_id)) <= 0)
		return step < 0 ? CATALOG_ERROR : CATALOG_NOT_FOUND;
	if (!line_ok(actor, INVENTORY_ACTOR_MAX))
		return CATALOG_BAD_ACTOR;
	if (in->stock < 0 || in->stock > INVENTORY_STOCK_MAX)
		return CATALOG_BAD_STOCK;
	a = arena_new();
	if ((rc = variant_check(a, in, &title)) != CATALOG_OK ||
	    (rc = sku_free(d, in->sku, 0)) != CATALOG_OK)
		goto out;
	rc = CATALOG_ERROR;
	if ((st = db_prep(d, sql_variant_insert)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, product_id);
	variant_bind(st, in, title);
	sqlite3_bind_int64(st, 12, in->stock);
	sqlite3_bind_int64(st, 13, in->weight_grams);
	sqlite3_bind_int64(st, 14, in->position);
	sqlite3_bind_int(st, 15, in->active);
	step = db_step(d, st);
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		goto out;
	*id = sqlite3_last_insert_rowid(db_handle(d));
	if (stock_record(d, *id, in->stock, STOCK_REASON_INITIAL, actor,
	    0) != 0) {
		*id = 0;
		goto out;
	}
	rc = CATALOG_OK;
out:
	arena_free(a);
	return rc;
}

/* Whether two lists of options are the same, in the same order. */
static bool
options_eq(const struct variant_option *a, size_t na,
    const struct variant_option *b, size_t nb)
{
	size_t	i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!eq(a[i].name, b[i].name) || !eq(a[i].value, b[i].value))
			return false;
	return true;
}

enum catalog_result
variant_update(struct db *d, long long id, const struct variant_input *in)
{
	struct arena		*a;
	struct variant_input	 was;
	enum catalog_result	 rc;
	sqlite3_stmt		*st;
	const char		*title;
	long long		 pid;
	int			 step;

	if (!in_write(d, "variant_update"))
		return CATALOG_ERROR;
	a = arena_new();
	rc = CATALOG_ERROR;
	if ((step = variant_get(d, a, id, &pid, &was)) <= 0) {
		if (step == 0)
			rc = CATALOG_NOT_FOUND;
		goto out;
	}
	if ((rc = variant_check(a, in, &title)) != CATALOG_OK ||
	    (rc = sku_free(d, in->sku, id)) != CATALOG_OK)
		goto out;
	if (eq(in->sku, was.sku) && eq(title, was.title) &&
	    options_eq(in->options, in->noptions, was.options, was.noptions) &&
	    in->price == was.price && eq(in->currency, was.currency) &&
	    in->weight_grams == was.weight_grams &&
	    in->position == was.position && in->active == was.active)
		goto out;
	rc = CATALOG_ERROR;
	if ((st = db_prep(d, sql_variant_update)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	variant_bind(st, in, title);
	sqlite3_bind_int64(st, 12, in->weight_grams);
	sqlite3_bind_int64(st, 13, in->position);
	sqlite3_bind_int(st, 14, in->active);
	step = db_step(d, st);
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		goto out;
	/* On or off sale: the product's stock line changes. */
	if (in->active != was.active && stock_publish(d, id) != 0)
		goto out;
	rc = CATALOG_OK;
out:
	arena_free(a);
	return rc;
}

int
variant_get(struct db *d, struct arena *a, long long id, long long *product_id,
    struct variant_input *out)
{
	struct variant_option	*o;
	sqlite3_stmt		*st;
	int			 rc;

	memset(out, 0, sizeof(*out));
	*product_id = 0;
	if ((st = db_prep(d, sql_variant_get)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		*product_id = sqlite3_column_int64(st, 0);
		out->sku = db_text(a, st, 1);
		out->title = db_text(a, st, 2);
		out->price = sqlite3_column_int64(st, 3);
		out->currency = db_text(a, st, 4);
		out->stock = sqlite3_column_int64(st, 5);
		out->weight_grams = sqlite3_column_int64(st, 6);
		out->position = sqlite3_column_int64(st, 7);
		out->active = sqlite3_column_int(st, 8) != 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;

	/* Stored by these functions: at most CATALOG_MAX_OPTIONS. */
	o = arena_calloc(a, CATALOG_MAX_OPTIONS, sizeof(*o));
	out->options = o;
	if ((st = db_prep(d, sql_variant_options)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = db_step(d, st)) == SQLITE_ROW &&
	    out->noptions < CATALOG_MAX_OPTIONS) {
		o[out->noptions].name = db_text(a, st, 0);
		o[out->noptions].value = db_text(a, st, 1);
		out->noptions++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 1 : -1;
}

int
product_variant_ids(struct db *d, struct arena *a, long long product_id,
    long long **ids, size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 16;
	int		 rc;

	*n = 0;
	*ids = arena_calloc(a, cap, sizeof(**ids));
	if ((st = db_prep(d, sql_variant_ids)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, product_id);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (*n == cap) {
			long long	*more = arena_calloc(a, cap * 2,
			    sizeof(*more));

			memcpy(more, *ids, cap * sizeof(*more));
			*ids = more;
			cap *= 2;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static enum catalog_result image_fields_check(const struct image_input *);

/* See image_add() in catalog_edit.h. */
static bool
image_path_ok(const char *s)
{
	size_t	i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > CATALOG_IMAGE_PATH_MAX ||
	    s[0] == '/' || s[n - 1] == '/' || strstr(s, "..") != NULL ||
	    strstr(s, "./") != NULL || strstr(s, "//") != NULL)
		return false;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '.' && s[i] != '-' && s[i] != '_' && s[i] != '/')
			return false;
	return true;
}

/* The fields image_add() and image_update() check alike. */
static enum catalog_result
image_fields_check(const struct image_input *in)
{
	if (!line_ok(in->alt, CATALOG_IMAGE_ALT_MAX))
		return CATALOG_BAD_ALT;
	if (in->width < 1 || in->width > CATALOG_IMAGE_SIDE_MAX ||
	    in->height < 1 || in->height > CATALOG_IMAGE_SIDE_MAX)
		return CATALOG_BAD_SIZE;
	if (!position_ok(in->position))
		return CATALOG_BAD_POSITION;
	return CATALOG_OK;
}

enum catalog_result
image_add(struct db *d, long long product_id, const struct image_input *in,
    long long *id)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc;

	if (id != NULL)
		*id = 0;
	if (!in_write(d, "image_add"))
		return CATALOG_ERROR;
	if ((rc = exists(d, sql_product_exists, product_id)) <= 0)
		return rc < 0 ? CATALOG_ERROR : CATALOG_NOT_FOUND;
	if (!image_path_ok(in->path))
		return CATALOG_BAD_PATH;
	if ((rc = image_fields_check(in)) != CATALOG_OK)
		return rc;
	if ((in->base != NULL) != (in->nwidths > 0) ||
	    (in->base != NULL && !image_path_ok(in->base)))
		return CATALOG_BAD_PATH;
	if (in->nwidths > CATALOG_IMAGE_WIDTHS ||
	    (in->nwidths > 0 && in->widths == NULL))
		return CATALOG_BAD_SIZE;
	for (i = 0; i < in->nwidths; i++)
		if (in->widths[i] < 1 || in->widths[i] > CATALOG_IMAGE_SIDE_MAX ||
		    (i > 0 && in->widths[i] <= in->widths[i - 1]))
			return CATALOG_BAD_SIZE;
	if ((st = db_prep(d, sql_image_insert)) == NULL)
		return CATALOG_ERROR;
	sqlite3_bind_int64(st, 1, product_id);
	sqlite3_bind_text(st, 2, in->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->alt, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, in->width);
	sqlite3_bind_int(st, 5, in->height);
	sqlite3_bind_int64(st, 6, in->position);
	if (in->base != NULL)
		sqlite3_bind_text(st, 7, in->base, -1, SQLITE_STATIC);
	for (i = 0; i < in->nwidths; i++)
		sqlite3_bind_int(st, 8 + (int)i, in->widths[i]);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return CATALOG_ERROR;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(db_handle(d));
	return CATALOG_OK;
}

/* The image row at the statement's current row (IMAGE_COLUMNS). */
static void
image_read(struct arena *a, sqlite3_stmt *st, struct image_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->product_id = sqlite3_column_int64(st, 1);
	r->position = sqlite3_column_int64(st, 2);
	r->image.path = db_text(a, st, 3);
	r->image.alt = db_text(a, st, 4);
	r->image.width = sqlite3_column_int(st, 5);
	r->image.height = sqlite3_column_int(st, 6);
	image_widths(&r->image, db_text(a, st, 7),
	    (const char *)sqlite3_column_text(st, 8));
}


enum catalog_result
image_update(struct db *d, long long id, const struct image_input *in)
{
	enum catalog_result	 rc;
	sqlite3_stmt		*st;
	char			*alt = NULL;
	int			 step, w = 0, h = 0;
	long long		 pos = 0;

	if (!in_write(d, "image_update"))
		return CATALOG_ERROR;
	if ((rc = image_fields_check(in)) != CATALOG_OK)
		return rc;
	if ((st = db_prep(d, sql_image_fields)) == NULL)
		return CATALOG_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if ((step = db_step(d, st)) == SQLITE_ROW) {
		alt = strdup((const char *)sqlite3_column_text(st, 0));
		w = sqlite3_column_int(st, 1);
		h = sqlite3_column_int(st, 2);
		pos = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW)
		return step == SQLITE_DONE ? CATALOG_NOT_FOUND : CATALOG_ERROR;
	if (alt == NULL)
		return CATALOG_ERROR;
	step = eq(alt, in->alt) && w == in->width && h == in->height &&
	    pos == in->position;
	free(alt);
	if (step)
		return CATALOG_OK;
	if ((st = db_prep(d, sql_image_update)) == NULL)
		return CATALOG_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, in->alt, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, in->width);
	sqlite3_bind_int(st, 4, in->height);
	sqlite3_bind_int64(st, 5, in->position);
	step = db_step(d, st);
	sqlite3_reset(st);
	return step == SQLITE_DONE ? CATALOG_OK : CATALOG_ERROR;
}

int
image_list(struct db *d, struct arena *a, long long product_id,
    struct image_row **out, size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 8;
	int		 rc;

	*n = 0;
	*out = arena_calloc(a, cap, sizeof(**out));
	if ((st = db_prep(d, sql_image_list)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, product_id);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (*n == cap) {
			struct image_row	*more = arena_calloc(a, cap * 2,
			    sizeof(*more));

			memcpy(more, *out, cap * sizeof(*more));
			*out = more;
			cap *= 2;
		}
		image_read(a, st, &(*out)[(*n)++]);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
image_get(struct db *d, struct arena *a, long long product_id,
    long long image_id, struct image_row *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((st = db_prep(d, sql_image_get)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, product_id);
	sqlite3_bind_int64(st, 2, image_id);
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		image_read(a, st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The images are read in their order, the one moved is taken out and
 * put back at its new place, and each row whose number is not its place
 * is written; the schema's triggers bump the product once a row.
 */
enum catalog_result
image_move(struct db *d, long long product_id, long long image_id,
    long long to, long long *from, long long *now)
{
	struct arena		*a;
	struct image_row	*v, moved;
	sqlite3_stmt		*st;
	enum catalog_result	 rc = CATALOG_ERROR;
	size_t			 n, i, at;
	int			 step;

	if (!in_write(d, "image_move"))
		return CATALOG_ERROR;
	if (to < 0)
		return CATALOG_BAD_POSITION;
	a = arena_new();
	if (image_list(d, a, product_id, &v, &n) != 0)
		goto out;
	for (at = 0; at < n && v[at].id != image_id; at++)
		continue;
	if (at == n) {
		rc = CATALOG_NOT_FOUND;
		goto out;
	}
	if ((unsigned long long)to >= n)
		to = (long long)n - 1;
	if (from != NULL)
		*from = (long long)at;
	if (now != NULL)
		*now = to;
	moved = v[at];
	memmove(&v[at], &v[at + 1], (n - at - 1) * sizeof(*v));
	memmove(&v[to + 1], &v[to], (n - 1 - (size_t)to) * sizeof(*v));
	v[to] = moved;
	for (i = 0; i < n; i++) {
		if (v[i].position == (long long)i)
			continue;
		if ((st = db_prep(d, sql_image_position)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, v[i].id);
		sqlite3_bind_int64(st, 2, (long long)i);
		step = db_step(d, st);
		sqlite3_reset(st);
		if (step != SQLITE_DONE)
			goto out;
	}
	rc = CATALOG_OK;
out:
	arena_free(a);
	return rc;
}

enum catalog_result
image_delete(struct db *d, long long product_id, long long image_id)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (!in_write(d, "image_delete"))
		return CATALOG_ERROR;
	if ((st = db_prep(d, sql_image_delete)) == NULL)
		return CATALOG_ERROR;
	sqlite3_bind_int64(st, 1, product_id);
	sqlite3_bind_int64(st, 2, image_id);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return CATALOG_ERROR;
	return sqlite3_changes(db_handle(d)) == 1 ? CATALOG_OK :
	    CATALOG_NOT_FOUND;
}

long long
category_id_by_slug(struct db *d, const char *slug)
{
	return owner(d, sql_category_slug, slug);
}

long long
product_id_by_slug(struct db *d, const char *slug)
{
	return owner(d, sql_product_slug, slug);
}

long long
variant_id_by_sku(struct db *d, const char *sku, long long *product_id)
{
	sqlite3_stmt	*st;
	long long	 id = 0;
	int		 rc;

	if (product_id != NULL)
		*product_id = 0;
	if ((st = db_prep(d, sql_variant_by_sku)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (product_id != NULL)
			*product_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}
