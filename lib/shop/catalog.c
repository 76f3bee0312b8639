/*
 * Reading the catalog, and the pure helpers of the storefront pages.
 *
 * Every statement is a constant prepared once per connection by
 * db_prep(). A product "card" (what a list shows) is one row of the same
 * columns in every list, so one reader fills them all.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/text.h"
#include "data/db.h"
#include "shop/catalog.h"

const char *const stock_state_names[STOCK__MAX] = {
	"in_stock",
	"low_stock",
	"sold_out",
};

const char *const catalog_sort_names[SORT__MAX] = {
	"name",
	"price",
	"price-desc",
	"newest",
};

const char *const catalog_sort_labels[SORT__MAX] = {
	"Name, A to Z",
	"Price, low to high",
	"Price, high to low",
	"Newest first",
};

/*
 * An image's widths (a JSON array in the row) as the words of a text,
 * "320 640 1280", for image_widths(); NULL for an image of one file.
 */
#define IMAGE_WIDTHS_SQL(i) \
	"(SELECT group_concat(j.value, ' ') FROM json_each(" i ".widths) j" \
	" WHERE j.type = 'integer')"

/*
 * The columns of a card and the joins they need: the category, the
 * price range, currency and total stock of the active variants, and the
 * first image. CARD_NCOLS must match the columns.
 */
#define CARD_COLUMNS \
	"p.id, p.slug, p.name, coalesce(c.slug, ''), coalesce(c.name, ''), " \
	"p.featured, p.created_at, p.updated_at, v.min_price, v.max_price, " \
	"v.currency, coalesce(v.stock, 0), i.path, i.alt, i.width, i.height, " \
	"i.base, " IMAGE_WIDTHS_SQL("i")
#define CARD_NCOLS	18
#define CARD_JOINS \
	" LEFT JOIN categories c ON c.id = p.category_id" \
	" LEFT JOIN (SELECT product_id, min(price) AS min_price," \
	"   max(price) AS max_price, min(currency) AS currency," \
	"   sum(stock) AS stock" \
	"   FROM variants WHERE active GROUP BY product_id) v" \
	"  ON v.product_id = p.id" \
	" LEFT JOIN images i ON i.id = (SELECT id FROM images" \
	"   WHERE product_id = p.id ORDER BY position, id LIMIT 1)"
#define CARD_SELECT	"SELECT " CARD_COLUMNS " FROM products p" CARD_JOINS
/* ?1 is a category id, or 0 for every category. */
#define LIST_WHERE \
	" WHERE p.active AND (?1 = 0 OR p.category_id = ?1)"
#define LIST_PAGE	" LIMIT ?2 OFFSET ?3"

/*
 * A page of a list whose order needs nothing of the variants: its rows
 * are chosen first, then only their variants are summed (CARD_JOINS
 * would sum every variant of the catalog for each page).
 */
#define PAGE_FIRST(order) \
	"WITH page AS MATERIALIZED (SELECT p.id FROM products p" LIST_WHERE \
	" ORDER BY " order LIST_PAGE ")" \
	" SELECT " CARD_COLUMNS " FROM page JOIN products p ON p.id = page.id" \
	" LEFT JOIN categories c ON c.id = p.category_id" \
	" LEFT JOIN (SELECT product_id, min(price) AS min_price," \
	"   max(price) AS max_price, min(currency) AS currency," \
	"   sum(stock) AS stock FROM variants" \
	"   WHERE active AND product_id IN (SELECT id FROM page)" \
	"   GROUP BY product_id) v ON v.product_id = p.id" \
	" LEFT JOIN images i ON i.id = (SELECT id FROM images" \
	"   WHERE product_id = p.id ORDER BY position, id LIMIT 1)" \
	" ORDER BY " order

static const char sql_list_name[] =
    PAGE_FIRST("p.name COLLATE NOCASE, p.id");
static const char sql_list_price[] = CARD_SELECT LIST_WHERE
    " ORDER BY v.min_price IS NULL, v.min_price, p.name COLLATE NOCASE,"
    " p.id" LIST_PAGE;
static const char sql_list_price_desc[] = CARD_SELECT LIST_WHERE
    " ORDER BY v.min_price IS NULL, v.min_price DESC,"
    " p.name COLLATE NOCASE, p.id" LIST_PAGE;
static const char sql_list_newest[] =
    PAGE_FIRST("p.created_at DESC, p.id DESC");

static const char *const sql_list[SORT__MAX] = {
	sql_list_name,
	sql_list_price,
	sql_list_price_desc,
	sql_list_newest,
};

static const char sql_count[] =
    "SELECT count(*) FROM products"
    " WHERE active AND (?1 = 0 OR category_id = ?1)";

static const char sql_featured[] = CARD_SELECT
    " WHERE p.active AND p.featured"
    " ORDER BY p.created_at DESC, p.id DESC LIMIT ?1";

static const char sql_stamp[] =
    "SELECT id, version, name FROM products WHERE slug = ?1 AND active";
static const char sql_catalog_version[] =
    "SELECT version FROM catalog_state WHERE id = 1";
static const char sql_product[] = "SELECT " CARD_COLUMNS ", p.description,"
    " p.description_html"
    " FROM products p" CARD_JOINS
    " WHERE p.slug = ?1 AND p.active";

static const char sql_variants[] =
    "SELECT id, sku, title, price, currency, stock FROM variants"
    " WHERE product_id = ?1 AND active ORDER BY position, id";

/* The options of every variant, in the variants' order, then as given. */
static const char sql_options[] =
    "SELECT v.id, j.key, j.atom FROM variants v, json_each(v.options) j"
    " WHERE v.product_id = ?1 AND v.active AND j.atom IS NOT NULL"
    " ORDER BY v.position, v.id, j.id";

static const char sql_images[] =
    "SELECT path, alt, width, height, base, " IMAGE_WIDTHS_SQL("images")
    " FROM images WHERE product_id = ?1 ORDER BY position, id";

static const char sql_index[] =
    "SELECT slug, updated_at FROM products WHERE active ORDER BY id";

#define CATEGORY_SELECT \
	"SELECT c.id, c.slug, c.name, c.description, count(p.id)," \
	" coalesce(max(p.updated_at), '')" \
	" FROM categories c" \
	" LEFT JOIN products p ON p.category_id = c.id AND p.active"

static const char sql_categories[] = CATEGORY_SELECT
    " GROUP BY c.id ORDER BY c.position, c.name COLLATE NOCASE, c.id";

static const char sql_category[] = CATEGORY_SELECT
    " WHERE c.slug = ?1 GROUP BY c.id";

/*
 * Search: ?1 the MATCH expression, ?2 and ?3 the page, ?4 and ?5 the
 * highlight markers. Hits in a name weigh most, then the category, then
 * the description.
 */
/*
 * The page of results is chosen first, by FTS5 alone, with its
 * highlights; the cards are then read for those rows only. Read in one
 * go (CARD_JOINS), the prices and stock of every variant of the whole
 * catalog were summed for each search before the page was cut.
 */
static const char sql_search[] =
    "WITH hits AS MATERIALIZED (SELECT product_search.rowid AS id,"
    " highlight(product_search, 0, ?4, ?5) AS name_marked,"
    " snippet(product_search, 1, ?4, ?5, '\xe2\x80\xa6', 24) AS snippet,"
    " bm25(product_search, 10.0, 1.0, 4.0) AS score"
    " FROM product_search JOIN products q ON q.id = product_search.rowid"
    " WHERE product_search MATCH ?1 AND q.active"
    " ORDER BY score, product_search.rowid" LIST_PAGE ")"
    " SELECT " CARD_COLUMNS ", hits.name_marked, hits.snippet"
    " FROM hits JOIN products p ON p.id = hits.id"
    " LEFT JOIN categories c ON c.id = p.category_id"
    " LEFT JOIN (SELECT product_id, min(price) AS min_price,"
    "   max(price) AS max_price, min(currency) AS currency,"
    "   sum(stock) AS stock"
    "   FROM variants WHERE active AND product_id IN (SELECT id FROM hits)"
    "   GROUP BY product_id) v"
    "  ON v.product_id = p.id"
    " LEFT JOIN images i ON i.id = (SELECT id FROM images"
    "   WHERE product_id = p.id ORDER BY position, id LIMIT 1)"
    " ORDER BY hits.score, p.id";

static const char sql_search_count[] =
    "SELECT count(*) FROM product_search"
    " JOIN products p ON p.id = product_search.rowid"
    " WHERE product_search MATCH ?1 AND p.active";

enum stock_state
stock_state(long long stock)
{
	if (stock <= 0)
		return STOCK_OUT;
	if (stock <= CATALOG_LOW_STOCK)
		return STOCK_LOW;
	return STOCK_IN;
}

const char *
stock_label(struct arena *a, long long stock)
{
	switch (stock_state(stock)) {
	case STOCK_IN:
		return "In stock";
	case STOCK_LOW:
		return arena_printf(a, "Only %lld left", stock);
	default:
		return "Sold out";
	}
}

enum catalog_sort
catalog_sort_parse(const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < SORT__MAX; i++)
		if (strcmp(s, catalog_sort_names[i]) == 0)
			return (enum catalog_sort)i;
	return SORT__MAX;
}

int
catalog_page_parse(const char *s, long long *page)
{
	long long	v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		/* Checked at every digit, so v never overflows. */
		if (v > SHOP_MAX_PAGE)
			return -1;
	}
	if (v < 1)
		return -1;
	*page = v;
	return 0;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\f' || c == '\v';
}

/* Whether a word has something the tokenizer can index. */
static bool
searchable(const char *w, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];

		if (c >= 0x80 || (c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			return true;
	}
	return false;
}

/*
 * Words are split at ASCII white space only, so that "t-shirt" stays
 * one quoted string, which FTS5 tokenizes into the phrase "t shirt";
 * punctuation inside a string is what the tokenizer drops anyway. A word
 * of ASCII punctuation alone would be an empty phrase and is left out.
 */
size_t
catalog_fts_query(struct arena *a, const char *s, size_t n, char **out)
{
	char	*q, *p;
	size_t	 i = 0, start, k, terms = 0;

	p = q = arena_alloc(a, 2 * n + 4 * CATALOG_MAX_TERMS + 1);
	while (i < n && terms < CATALOG_MAX_TERMS) {
		while (i < n && is_space(s[i]))
			i++;
		start = i;
		while (i < n && !is_space(s[i]))
			i++;
		if (i == start || !searchable(s + start, i - start))
			continue;
		if (terms++ > 0)
			*p++ = ' ';
		*p++ = '"';
		for (k = start; k < i; k++) {
			if (s[k] == '"')
				*p++ = '"';
			*p++ = s[k];
		}
		*p++ = '"';
		*p++ = '*';
	}
	*p = '\0';
	*out = q;
	return terms;
}

static bool
is_mark(char c)
{
	return c == CATALOG_MARK_OPEN[0] || c == CATALOG_MARK_CLOSE[0];
}

/*
 * One pass, copying the text without its markers into one buffer where
 * each segment ends with a NUL. A segment ends where a hit begins or
 * ends; when that leaves it empty, the state has flipped twice around
 * nothing and the segment before simply goes on.
 */
size_t
catalog_segments(struct arena *a, const char *marked, struct segment **out)
{
	const char	*s;
	char		*buf, *start, *p;
	size_t		 n = 0, marks = 0;
	bool		 hit = false, flip;
	struct segment	*seg;

	for (s = marked; *s != '\0'; s++)
		if (is_mark(*s))
			marks++;
	seg = arena_calloc(a, marks + 1, sizeof(*seg));
	buf = arena_alloc(a, (size_t)(s - marked) + marks + 1);
	for (s = marked, start = p = buf; ; s++) {
		flip = (*s == CATALOG_MARK_OPEN[0] && !hit) ||
		    (*s == CATALOG_MARK_CLOSE[0] && hit);
		if (*s != '\0' && !flip) {
			if (!is_mark(*s))
				*p++ = *s;
			continue;
		}
		if (p > start) {
			*p++ = '\0';
			seg[n].text = start;
			seg[n].len = (size_t)(p - start) - 1;
			seg[n++].hit = hit;
			start = p;
		} else if (n > 0 && *s != '\0') {
			n--;
			start = buf + (seg[n].text - buf);
			p = start + seg[n].len;
		}
		if (*s == '\0')
			break;
		hit = !hit;
	}
	*out = seg;
	return n;
}

/*
 * Room for one more element in an arena array of *cap elements holding
 * n: a bigger copy when it is full. Returns the array to use.
 */
static void *
grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size)
{
	void	*nv;

	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	nv = arena_calloc(a, *cap, size);
	if (n > 0)
		memcpy(nv, v, n * size);
	return nv;
}

void
image_widths(struct image *im, const char *base, const char *widths)
{
	const char	*p = widths;
	char		*end;
	long		 w;

	im->base = NULL;
	im->nwidths = 0;
	if (base == NULL || *base == '\0' || p == NULL)
		return;
	while (*p != '\0' && im->nwidths < CATALOG_IMAGE_WIDTHS) {
		if (*p < '0' || *p > '9')
			break;
		errno = 0;
		w = strtol(p, &end, 10);
		if (errno != 0 || w < 1 || w > INT_MAX ||
		    (*end != ' ' && *end != '\0'))
			break;
		im->widths[im->nwidths++] = (int)w;
		p = *end == ' ' ? end + 1 : end;
	}
	if (*p != '\0' || im->nwidths == 0) {
		im->nwidths = 0;
		return;
	}
	im->base = base;
}

char *
image_srcset(struct arena *a, const struct image *im, const char *ext)
{
	struct buf	 b = { 0 };
	char		*s;
	size_t		 i;

	if (im->base == NULL || im->nwidths == 0)
		return NULL;
	for (i = 0; i < im->nwidths; i++)
		buf_printf(&b, "%s/media/%s-%d%s %dw", i > 0 ? ", " : "",
		    im->base, im->widths[i], ext, im->widths[i]);
	s = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return s;
}

char *
catalog_media_url(struct arena *a, const char *base, const char *path)
{
	struct buf	 b = { 0 };
	char		*s, *seg, *next;

	buf_printf(&b, "%s/media/", base);
	s = arena_strdup(a, path);
	for (seg = s; seg != NULL; seg = next) {
		if ((next = strchr(seg, '/')) != NULL)
			*next++ = '\0';
		text_urlencode(&b, seg);
		if (next != NULL)
			buf_putc(&b, '/');
	}
	s = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return s;
}

/* The card columns of the current row into p. */
static void
card_read(struct arena *a, sqlite3_stmt *st, struct product *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	p->slug = db_text(a, st, 1);
	p->name = db_text(a, st, 2);
	p->description = "";
	p->description_html = "";
	p->category_slug = db_text(a, st, 3);
	p->category_name = db_text(a, st, 4);
	p->featured = sqlite3_column_int(st, 5) != 0;
	p->created_at = db_text(a, st, 6);
	p->updated_at = db_text(a, st, 7);
	p->has_price = sqlite3_column_type(st, 8) != SQLITE_NULL;
	p->min_price = sqlite3_column_int64(st, 8);
	p->max_price = sqlite3_column_int64(st, 9);
	p->currency = db_text(a, st, 10);
	p->stock = sqlite3_column_int64(st, 11);
	p->has_image = sqlite3_column_type(st, 12) != SQLITE_NULL;
	p->image.path = db_text(a, st, 12);
	p->image.alt = db_text(a, st, 13);
	p->image.width = sqlite3_column_int(st, 14);
	p->image.height = sqlite3_column_int(st, 15);
	image_widths(&p->image, db_text(a, st, 16), (const char *)
	    sqlite3_column_text(st, 17));
}

/*
 * Step a statement of card rows to its end into an arena array. With
 * marked, two more columns hold the search highlights. Returns 0 or -1.
 */
static int
cards_read(struct db *db, struct arena *a, sqlite3_stmt *st, bool marked,
    struct product **out, size_t *n)
{
	struct product	*v = NULL;
	size_t		 cap = 0;
	int		 rc;

	*n = 0;
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		v = grow(a, v, *n, &cap, sizeof(*v));
		card_read(a, st, &v[*n]);
		if (marked) {
			v[*n].name_marked = db_text(a, st, CARD_NCOLS);
			v[*n].snippet_marked = db_text(a, st, CARD_NCOLS + 1);
		}
		(*n)++;
	}
	sqlite3_reset(st);
	*out = v;
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One integer from a statement whose parameters are bound. */
static int
count_read(struct db *db, sqlite3_stmt *st, long long *n)
{
	int	rc = db_step(db, st);

	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static void
category_read(struct arena *a, sqlite3_stmt *st, struct category *c)
{
	c->id = sqlite3_column_int64(st, 0);
	c->slug = db_text(a, st, 1);
	c->name = db_text(a, st, 2);
	c->description = db_text(a, st, 3);
	c->nproducts = sqlite3_column_int64(st, 4);
	c->updated_at = db_text(a, st, 5);
}

int
category_list(struct db *db, struct arena *a, struct category **out,
    size_t *n)
{
	sqlite3_stmt	*st;
	struct category	*v = NULL;
	size_t		 cap = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((st = db_prep(db, sql_categories)) == NULL)
		return -1;
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		v = grow(a, v, *n, &cap, sizeof(*v));
		category_read(a, st, &v[(*n)++]);
	}
	sqlite3_reset(st);
	*out = v;
	return rc == SQLITE_DONE ? 0 : -1;
}

int
category_by_slug(struct db *db, struct arena *a, const char *slug,
    struct category *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_prep(db, sql_category)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	if ((rc = db_step(db, st)) == SQLITE_ROW)
		category_read(a, st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
product_count(struct db *db, long long category_id, long long *n)
{
	sqlite3_stmt	*st;

	*n = 0;
	if ((st = db_prep(db, sql_count)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, category_id);
	return count_read(db, st, n);
}

int
product_list(struct db *db, struct arena *a, long long category_id,
    enum catalog_sort sort, long long limit, long long offset,
    struct product **out, size_t *n)
{
	sqlite3_stmt	*st;

	*out = NULL;
	*n = 0;
	if (sort >= SORT__MAX || (st = db_prep(db, sql_list[sort])) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, category_id);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	return cards_read(db, a, st, false, out, n);
}

int
product_featured(struct db *db, struct arena *a, struct product **out,
    size_t *n)
{
	sqlite3_stmt	*st;

	*out = NULL;
	*n = 0;
	if ((st = db_prep(db, sql_featured)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, CATALOG_MAX_FEATURED);
	return cards_read(db, a, st, false, out, n);
}

/* An option row and the variant it belongs to. */
struct owned_option {
	long long		 variant;
	struct variant_option	 opt;
};

/* The active variants of p, each with its options. Returns 0 or -1. */
static int
variants_read(struct db *db, struct arena *a, struct product *p)
{
	sqlite3_stmt		*st;
	struct owned_option	*rows = NULL;
	struct variant_option	*opts;
	size_t			 cap = 0, nrows = 0, i, k;
	int			 rc;

	if ((st = db_prep(db, sql_variants)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->id);
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		struct variant *v;

		p->variants = grow(a, p->variants, p->nvariants, &cap,
		    sizeof(*p->variants));
		v = &p->variants[p->nvariants++];
		v->id = sqlite3_column_int64(st, 0);
		v->sku = db_text(a, st, 1);
		v->title = db_text(a, st, 2);
		v->price = sqlite3_column_int64(st, 3);
		v->currency = db_text(a, st, 4);
		v->stock = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;

	if ((st = db_prep(db, sql_options)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->id);
	cap = 0;
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		rows = grow(a, rows, nrows, &cap, sizeof(*rows));
		rows[nrows].variant = sqlite3_column_int64(st, 0);
		rows[nrows].opt.name = db_text(a, st, 1);
		rows[nrows].opt.value = db_text(a, st, 2);
		nrows++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	opts = arena_calloc(a, nrows + 1, sizeof(*opts));
	for (k = 0; k < nrows; k++)
		opts[k] = rows[k].opt;
	/*
	 * Both lists are in the same variant order, so each variant's
	 * options are the run of rows at k that name it (none for a variant
	 * without options).
	 */
	for (i = 0, k = 0; i < p->nvariants; i++) {
		struct variant *v = &p->variants[i];

		v->options = opts + k;
		while (k < nrows && rows[k].variant == v->id) {
			v->noptions++;
			k++;
		}
	}
	return 0;
}

static int
images_read(struct db *db, struct arena *a, struct product *p)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 rc;

	if ((st = db_prep(db, sql_images)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->id);
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		struct image *im;

		p->images = grow(a, p->images, p->nimages, &cap,
		    sizeof(*p->images));
		im = &p->images[p->nimages++];
		im->path = db_text(a, st, 0);
		im->alt = db_text(a, st, 1);
		im->width = sqlite3_column_int(st, 2);
		im->height = sqlite3_column_int(st, 3);
		image_widths(im, db_text(a, st, 4), (const char *)
		    sqlite3_column_text(st, 5));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
product_stamp(struct db *db, struct arena *a, const char *slug,
    long long *id, long long *version, char **name)
{
	sqlite3_stmt	*st = db_prep(db, sql_stamp);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	if ((rc = db_step(db, st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*version = sqlite3_column_int64(st, 1);
		*name = db_text(a, st, 2);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : rc == SQLITE_ROW;
}

long long
catalog_version(struct db *db)
{
	sqlite3_stmt	*st = db_prep(db, sql_catalog_version);
	long long	 v = -1;

	if (st != NULL && db_step(db, st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return v;
}

int
product_by_slug(struct db *db, struct arena *a, const char *slug,
    struct product *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_prep(db, sql_product)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	if ((rc = db_step(db, st)) == SQLITE_ROW) {
		card_read(a, st, out);
		out->description = db_text(a, st, CARD_NCOLS);
		out->description_html = db_text(a, st, CARD_NCOLS + 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	if (variants_read(db, a, out) != 0 || images_read(db, a, out) != 0)
		return -1;
	return 1;
}

int
product_index(struct db *db, struct arena *a, struct product **out,
    size_t *n)
{
	sqlite3_stmt	*st;
	struct product	*v = NULL;
	size_t		 cap = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((st = db_prep(db, sql_index)) == NULL)
		return -1;
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		v = grow(a, v, *n, &cap, sizeof(*v));
		memset(&v[*n], 0, sizeof(v[*n]));
		v[*n].slug = db_text(a, st, 0);
		v[*n].updated_at = db_text(a, st, 1);
		(*n)++;
	}
	sqlite3_reset(st);
	*out = v;
	return rc == SQLITE_DONE ? 0 : -1;
}

int
catalog_search_count(struct db *db, const char *match, long long *n)
{
	sqlite3_stmt	*st;

	*n = 0;
	if ((st = db_prep(db, sql_search_count)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	return count_read(db, st, n);
}

int
catalog_search(struct db *db, struct arena *a, const char *match,
    long long limit, long long offset, struct product **out, size_t *n)
{
	sqlite3_stmt	*st;

	*out = NULL;
	*n = 0;
	if ((st = db_prep(db, sql_search)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	sqlite3_bind_text(st, 4, CATALOG_MARK_OPEN, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, CATALOG_MARK_CLOSE, -1, SQLITE_STATIC);
	return cards_read(db, a, st, true, out, n);
}
