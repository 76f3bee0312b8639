/*
 * catalog: the storefront. The home page, the product list and the
 * category pages (sorted, a page at a time), product pages, search, the
 * list of categories, and the sitemap.
 *
 * Each handler reads what it needs in one read transaction, turns it
 * into a template value tree and hands it to page_render(), which makes
 * the HTML page or, for a client that asks for it, the same tree as
 * JSON. Prices go out both in minor units and formatted.
 */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/money.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/sitemap.h"
#include "web/form.h"
#include "web/http.h"
#include "web/route.h"
#include "side/cache.h"
#include "side/throttle.h"
#include "shop/catalog.h"
#include "shop/catalog_io.h"
#include "shop/content.h"
#include "shop/pagecache.h"
#include "shop/pricing.h"
#include "shop/restock.h"
#include "shop/user.h"
#include "app/app.h"
#include "app/page.h"

/* Pages depend on the session (cart, account) and on stock: revalidate. */
#define CACHE_PAGE	"private, max-age=0, must-revalidate"
#define CACHE_SITEMAP	"public, max-age=300"
#define CACHE_FEED	"public, max-age=300"
/*
 * The feed goes out and into cache.db in chunks of this many bytes; a
 * feed larger than FEED_CACHE_MAX is made anew for each request (with
 * the same ETag, so a client that has it gets a 304).
 */
#define FEED_CHUNK	(64 * 1024)
#define FEED_CACHE_MAX	(4 * 1024 * 1024)

/* Pages linked on each side of the current one in a pager. */
#define PAGER_SPAN	2
/* The most a shopper can put in the cart at once from a product page. */
#define MAX_QUANTITY	99
/* Cached fragments are named by versions; the time only bounds memory. */
#define FRAGMENT_TTL	3600

static int	h_home(struct req *);
static int	h_products(struct req *);
static int	h_product(struct req *);
static int	h_categories(struct req *);
static int	h_category(struct req *);
static int	h_search(struct req *);
static int	h_sitemap(struct req *);
static int	h_feed(struct req *);
static int	h_page(struct req *);
static int	h_notify(struct req *);
static int	h_notify_page(struct req *);

static const struct route routes[] = {
	{ HTTP_BIT(HTTP_GET), "^/$", h_home, 0 },
	{ HTTP_BIT(HTTP_GET), "^/products$", h_products, 0 },
	{ HTTP_BIT(HTTP_GET), "^/products/(?<slug>[a-z0-9-]{1,80})$",
	  h_product, 0 },
	{ HTTP_BIT(HTTP_GET), "^/categories$", h_categories, 0 },
	{ HTTP_BIT(HTTP_GET), "^/categories/(?<slug>[a-z0-9-]{1,80})$",
	  h_category, 0 },
	{ HTTP_BIT(HTTP_GET), "^/search$", h_search, 0 },
	{ HTTP_BIT(HTTP_GET), "^/sitemap\\.xml$", h_sitemap, 0 },
	{ HTTP_BIT(HTTP_GET), "^/feed\\.xml$", h_feed, 0 },
	{ HTTP_BIT(HTTP_GET), "^/pages/(?<slug>[a-z0-9-]{1,40})$", h_page, 0 },
	{ HTTP_BIT(HTTP_GET), "^/products/(?<slug>[a-z0-9-]{1,80})/notify$",
	  h_notify_page, 0 },
	{ HTTP_BIT(HTTP_POST), "^/products/(?<slug>[a-z0-9-]{1,80})/notify$",
	  h_notify, 0 },
};

/* {amount, currency, formatted}: a price for JSON and for the page. */
static struct tval *
money_tval(struct arena *a, long long minor, const char *currency)
{
	struct tval	*m = tval_map(a);

	tval_set_int(a, m, "amount", minor);
	tval_set_str(a, m, "currency", currency);
	tval_set_str(a, m, "formatted", money_format(a, minor, currency));
	return m;
}

/* {state, label, available}: how much of something is left. */
static struct tval *
stock_tval(struct arena *a, long long stock)
{
	struct tval		*m = tval_map(a);
	enum stock_state	 st = stock_state(stock);

	tval_set_str(a, m, "state", stock_state_names[st]);
	tval_set_str(a, m, "label", stock_label(a, stock));
	tval_set_bool(a, m, "available", st != STOCK_OUT);
	return m;
}

/*
 * {url, alt, width, height}, and for an image kept at several widths
 * (an upload) srcset and srcset_webp, which the templates offer with
 * sizes of their own layout.
 */
static struct tval *
image_tval(struct arena *a, const struct image *im)
{
	struct tval	*m = tval_map(a);

	tval_set_str(a, m, "url", catalog_media_url(a, "", im->path));
	tval_set_str(a, m, "alt", im->alt);
	tval_set_int(a, m, "width", im->width);
	tval_set_int(a, m, "height", im->height);
	if (im->nwidths > 0) {
		tval_set_str(a, m, "srcset", image_srcset(a, im, ".jpg"));
		tval_set_str(a, m, "srcset_webp", image_srcset(a, im,
		    ".webp"));
	}
	return m;
}

/* "1 product", "12 products": n and a noun, in the arena. */
static const char *
plural(struct arena *a, long long n, const char *one, const char *many)
{
	return arena_printf(a, "%lld %s", n, n == 1 ? one : many);
}

/* {slug, name, url, description, products, products_label}. */
static struct tval *
category_tval(struct arena *a, const struct category *c)
{
	struct tval	*m = tval_map(a);

	tval_set_str(a, m, "slug", c->slug);
	tval_set_str(a, m, "name", c->name);
	tval_set(a, m, "url", tval_strf(a, "/categories/%s", c->slug));
	tval_set_str(a, m, "description", c->description);
	tval_set_int(a, m, "products", c->nproducts);
	tval_set_str(a, m, "products_label", plural(a, c->nproducts,
	    "product", "products"));
	return m;
}

/*
 * What a product list shows of a product: names, address, category,
 * the lowest price (and whether others are higher), stock and image.
 */
static struct tval *
card_tval(struct arena *a, const struct product *p)
{
	struct tval	*m = tval_map(a), *c;

	tval_set_int(a, m, "id", p->id);
	tval_set_str(a, m, "slug", p->slug);
	tval_set_str(a, m, "name", p->name);
	tval_set(a, m, "url", tval_strf(a, "/products/%s", p->slug));
	if (p->category_slug[0] != '\0') {
		c = tval_set_map(a, m, "category");
		tval_set_str(a, c, "slug", p->category_slug);
		tval_set_str(a, c, "name", p->category_name);
		tval_set(a, c, "url", tval_strf(a, "/categories/%s",
		    p->category_slug));
	} else
		tval_set(a, m, "category", tval_null(a));
	if (p->has_price) {
		tval_set(a, m, "price", money_tval(a, p->min_price,
		    p->currency));
		tval_set_bool(a, m, "price_from", p->max_price > p->min_price);
	} else {
		tval_set(a, m, "price", tval_null(a));
		tval_set_bool(a, m, "price_from", false);
	}
	tval_set(a, m, "stock", stock_tval(a, p->stock));
	tval_set_bool(a, m, "sold_out", stock_state(p->stock) == STOCK_OUT);
	tval_set(a, m, "image", p->has_image ? image_tval(a, &p->image) :
	    tval_null(a));
	return m;
}

static struct tval *
cards_tval(struct arena *a, const struct product *v, size_t n)
{
	struct tval	*l = tval_list(a);
	size_t		 i;

	for (i = 0; i < n; i++)
		tval_push(a, l, card_tval(a, &v[i]));
	return l;
}

/* [{text, hit}]: highlighted text as the template marks it up. */
static struct tval *
segments_tval(struct arena *a, const char *marked)
{
	struct tval	*l = tval_list(a), *m;
	struct segment	*seg;
	size_t		 i, n;

	n = catalog_segments(a, marked, &seg);
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set(a, m, "text", tval_strn(a, seg[i].text, seg[i].len));
		tval_set_bool(a, m, "hit", seg[i].hit);
	}
	return l;
}

/*
 * The address of a page of a list: base, then q when not NULL, sort when
 * not the default, and page when past the first. In the arena.
 */
static char *
list_url(struct arena *a, const char *base, const char *q,
    enum catalog_sort sort, long long page)
{
	struct buf	 b = { 0 };
	char		 sep = '?';
	char		*s;

	buf_puts(&b, base);
	if (q != NULL) {
		buf_puts(&b, "?q=");
		text_urlencode(&b, q);
		sep = '&';
	}
	if (sort != SORT_NAME) {
		buf_printf(&b, "%csort=%s", sep, catalog_sort_names[sort]);
		sep = '&';
	}
	if (page > 1)
		buf_printf(&b, "%cpage=%lld", sep, page);
	s = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return s;
}

/*
 * {page, pages, many, prev, next, links}: a pager. links has the first
 * and last pages and PAGER_SPAN either side of the current one, with a
 * gap entry where pages are skipped.
 */
static struct tval *
pager_tval(struct arena *a, const char *base, const char *q,
    enum catalog_sort sort, long long page, long long pages)
{
	struct tval	*m = tval_map(a), *links, *l;
	long long	 i;
	bool		 gap = false;

	tval_set_int(a, m, "page", page);
	tval_set_int(a, m, "pages", pages);
	tval_set_bool(a, m, "many", pages > 1);
	tval_set(a, m, "prev", page > 1 ?
	    tval_str(a, list_url(a, base, q, sort, page - 1)) : tval_null(a));
	tval_set(a, m, "next", page < pages ?
	    tval_str(a, list_url(a, base, q, sort, page + 1)) : tval_null(a));
	links = tval_set_list(a, m, "links");
	for (i = 1; i <= pages; i++) {
		if (i != 1 && i != pages &&
		    (i < page - PAGER_SPAN || i > page + PAGER_SPAN)) {
			if (!gap)
				tval_set_bool(a, tval_push_map(a, links),
				    "gap", true);
			gap = true;
			continue;
		}
		gap = false;
		l = tval_push_map(a, links);
		tval_set_int(a, l, "number", i);
		tval_set_str(a, l, "url", list_url(a, base, q, sort, i));
		tval_set_bool(a, l, "current", i == page);
	}
	return m;
}

/* [{value, label, selected}]: the sort orders for the sort form. */
static struct tval *
sorts_tval(struct arena *a, enum catalog_sort current)
{
	struct tval	*l = tval_list(a), *m;
	int		 i;

	for (i = 0; i < SORT__MAX; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "value", catalog_sort_names[i]);
		tval_set_str(a, m, "label", catalog_sort_labels[i]);
		tval_set_bool(a, m, "selected", i == (int)current);
	}
	return l;
}

/* The "page" of a query, 1 when absent. 0, or 400 with r->error. */
static int
query_page(struct req *r, long long *page)
{
	const char	*s = req_query(r, "page");

	*page = 1;
	if (s != NULL && catalog_page_parse(s, page) != 0) {
		r->error = arena_printf(r->arena, "The page number must be a "
		    "whole number from 1 to %d.", SHOP_MAX_PAGE);
		return 400;
	}
	return 0;
}

/* The "sort" of a query, by name when absent. 0, or 400 with r->error. */
static int
query_sort(struct req *r, enum catalog_sort *sort)
{
	const char	*s = req_query(r, "sort");
	struct buf	 b = { 0 };
	int		 i;

	*sort = SORT_NAME;
	if (s == NULL || (*sort = catalog_sort_parse(s)) != SORT__MAX)
		return 0;
	for (i = 0; i < SORT__MAX; i++)
		buf_printf(&b, "%s%s", i == 0 ? "" : i + 1 == SORT__MAX ?
		    " or " : ", ", catalog_sort_names[i]);
	r->error = arena_printf(r->arena, "Unknown sort order: products can "
	    "be sorted by %s.", buf_str(&b));
	buf_free(&b);
	return 400;
}

/*
 * 404 for a page number past the last page of a list, with a link back
 * to the first: the error page's data plus "first_page".
 */
static int
page_missing(struct req *r, const char *what, long long page,
    long long pages, const char *first)
{
	struct arena	*a = r->arena;
	struct tval	*d = page_data(r);
	char		*msg;

	msg = arena_printf(a, "There is no page %lld of %s: there %s only "
	    "%lld.", page, what, pages == 1 ? "is" : "are", pages);
	r->cache_control = "no-store";
	if (r->want_json) {
		tval_set_bool(a, d, "ok", false);
		tval_set_int(a, d, "status", 404);
		tval_set_str(a, d, "error", msg);
		tval_set_str(a, d, "first_page", first);
	} else {
		tval_set_str(a, d, "title", http_reason(404));
		tval_set_int(a, d, "status", 404);
		tval_set_str(a, d, "message", msg);
		tval_set_bool(a, d, "not_found", true);
		tval_set_str(a, d, "first_page", first);
	}
	return page_render(r, 404, "error", d);
}

/* Pages needed for total items, at least one (an empty list has one). */
static long long
page_count(long long total)
{
	return total <= 0 ? 1 : (total + SHOP_PAGE_SIZE - 1) / SHOP_PAGE_SIZE;
}

/*
 * The cache key of a page made of many products: what it is plus the
 * catalog's version v, so any change to the catalog makes it anew. NULL
 * (no caching) when the version could not be read.
 */
static const char *
fragment_key(struct req *r, const char *what, long long v)
{
	return v < 0 ? NULL : arena_printf(r->arena, "frag:%s:%lld", what, v);
}

/*
 * Before a page is read: the file of the page cache it may be kept in
 * (shop/pagecache.h), NULL when it may not, and the catalog's version
 * it is read at (read first, so that the page is no older than it).
 * A page everyone without a session sees alike may be kept by others
 * too, for as long as PAGECACHE_CONTROL says.
 */
static const char *
keep_begin(struct req *r, long long *version)
{
	const char	*name = pagecache_of(r);

	*version = catalog_version(req_db(r, DB_PRIMARY));
	if (name != NULL && *version >= 0) {
		r->cache_control = PAGECACHE_CONTROL;
		return name;
	}
	r->cache_control = CACHE_PAGE;
	return NULL;
}

/* After the page was answered: kept as name if it was a whole 200. */
static int
keep_end(struct req *r, int rc, const char *name, long long version)
{
	if (rc == 0 && name != NULL && r->status == 200 && !r->want_json &&
	    r->body_out.len > 0)
		(void)pagecache_store(req_db(r, DB_PRIMARY), name, version,
		    r->body_out.p, r->body_out.len);
	return rc;
}

/*
 * The product list, of every active product or of one category: one
 * page in the sort order the query asks for.
 */
static int
product_listing(struct req *r, const struct category *cat)
{
	struct arena		*a = r->arena;
	struct db		*db = req_db(r, DB_PRIMARY);
	struct tval		*d;
	struct product		*v;
	size_t			 n;
	long long		 page, pages, total;
	enum catalog_sort	 sort;
	const char		*base, *what, *title, *key, *keep;
	long long		 version;
	int			 rc;

	if ((rc = query_page(r, &page)) != 0 || (rc = query_sort(r, &sort)))
		return rc;
	keep = keep_begin(r, &version);
	base = cat ? arena_printf(a, "/categories/%s", cat->slug) :
	    "/products";
	what = cat ? cat->name : "products";
	title = cat ? cat->name : "All products";
	if (page > 1)
		title = arena_printf(a, "%s, page %lld", title, page);
	key = fragment_key(r, arena_printf(a, "list:%s:%s:%lld",
	    cat ? cat->slug : "", catalog_sort_names[sort], page), version);
	if (key != NULL && page_cached(r, key, title))
		return keep_end(r, 0, keep, version);
	if (db_read_begin(db) != 0)
		return 500;
	if (product_count(db, cat ? cat->id : 0, &total) != 0) {
		db_read_end(db);
		return 500;
	}
	pages = page_count(total);
	if (page > pages) {
		db_read_end(db);
		return page_missing(r, what, page, pages,
		    list_url(a, base, NULL, sort, 1));
	}
	rc = product_list(db, a, cat ? cat->id : 0, sort, SHOP_PAGE_SIZE,
	    (page - 1) * SHOP_PAGE_SIZE, &v, &n);
	db_read_end(db);
	if (rc != 0)
		return 500;

	d = page_data(r);
	tval_set_str(a, d, "title", title);
	if (cat != NULL)
		tval_set(a, d, "category", category_tval(a, cat));
	else
		tval_set(a, d, "category", tval_null(a));
	tval_set_str(a, d, "heading", cat ? cat->name : "All products");
	tval_set_str(a, d, "action", base);
	tval_set_int(a, d, "total", total);
	tval_set_str(a, d, "total_label", plural(a, total, "product",
	    "products"));
	tval_set_str(a, d, "sort", catalog_sort_names[sort]);
	tval_set(a, d, "sorts", sorts_tval(a, sort));
	tval_set(a, d, "products", cards_tval(a, v, n));
	tval_set(a, d, "pagination", pager_tval(a, base, NULL, sort, page,
	    pages));
	return keep_end(r, page_render_cached(r, 200, "catalog/list-body", d,
	    key, FRAGMENT_TTL), keep, version);
}

/* The home page: featured products and the categories. */
static int
h_home(struct req *r)
{
	struct arena	*a = r->arena;
	struct db	*db = req_db(r, DB_PRIMARY);
	struct tval	*d, *l;
	struct product	*feat;
	struct category	*cats;
	size_t		 nfeat, ncats, i;
	int		 rc;
	long long	 version;
	const char	*keep = keep_begin(r, &version);
	const char	*key = fragment_key(r, "home", version);

	if (key != NULL && page_cached(r, key, NULL))
		return keep_end(r, 0, keep, version);
	if (db_read_begin(db) != 0)
		return 500;
	rc = product_featured(db, a, &feat, &nfeat);
	if (rc == 0)
		rc = category_list(db, a, &cats, &ncats);
	db_read_end(db);
	if (rc != 0)
		return 500;
	d = page_data(r);
	tval_set(a, d, "featured", cards_tval(a, feat, nfeat));
	l = tval_set_list(a, d, "categories");
	for (i = 0; i < ncats; i++)
		tval_push(a, l, category_tval(a, &cats[i]));
	return keep_end(r, page_render_cached(r, 200, "catalog/home-body", d,
	    key, FRAGMENT_TTL), keep, version);
}

static int
h_products(struct req *r)
{
	return product_listing(r, NULL);
}

/* A category's products, or 404 for a slug that names none. */
static int
h_category(struct req *r)
{
	struct category	 cat;
	int		 rc;

	rc = category_by_slug(req_db(r, DB_PRIMARY), r->arena,
	    req_param(r, "slug"), &cat);
	if (rc < 0)
		return 500;
	if (rc == 0) {
		r->error = "There is no category at this address. It may have "
		    "been renamed; the list of categories has them all.";
		return 404;
	}
	return product_listing(r, &cat);
}

/* Every category, with how many products each has. */
static int
h_categories(struct req *r)
{
	struct arena	*a = r->arena;
	struct tval	*d, *l;
	struct category	*cats;
	size_t		 n, i;

	if (category_list(req_db(r, DB_PRIMARY), a, &cats, &n) != 0)
		return 500;
	d = page_data(r);
	tval_set_str(a, d, "title", "Categories");
	l = tval_set_list(a, d, "categories");
	for (i = 0; i < n; i++)
		tval_push(a, l, category_tval(a, &cats[i]));
	r->cache_control = CACHE_PAGE;
	return page_render(r, 200, "catalog/categories", d);
}

/*
 * A variant as the product page offers it. The first one in stock is
 * the one selected when the page opens.
 */
static struct tval *
variant_tval(struct arena *a, const struct variant *v, bool selected)
{
	struct tval	*m = tval_map(a), *opts, *o;
	size_t		 i;

	tval_set_int(a, m, "id", v->id);
	tval_set_str(a, m, "sku", v->sku);
	tval_set_str(a, m, "title", v->title);
	opts = tval_set_list(a, m, "options");
	for (i = 0; i < v->noptions; i++) {
		o = tval_push_map(a, opts);
		tval_set_str(a, o, "name", v->options[i].name);
		tval_set_str(a, o, "value", v->options[i].value);
	}
	tval_set(a, m, "price", money_tval(a, v->price, v->currency));
	tval_set(a, m, "stock", stock_tval(a, v->stock));
	tval_set_bool(a, m, "selected", selected);
	return m;
}

/*
 * Into product page data m, "notify" when some of p's variants are sold
 * out: {url, one (the product has a single variant: then variant_id
 * is its id), variants [{id, title}] (the sold-out ones, to choose
 * from)}, for the "Notify me" form.
 */
static void
notify_tval(struct arena *a, struct tval *m, const struct product *p)
{
	struct tval	*n = NULL, *l = NULL, *v;
	size_t		 i, out = 0;

	for (i = 0; i < p->nvariants; i++) {
		if (p->variants[i].stock > 0)
			continue;
		if (n == NULL) {
			n = tval_set_map(a, m, "notify");
			tval_set(a, n, "url", tval_strf(a, "/products/%s/notify",
			    p->slug));
			tval_set_int(a, n, "variant_id", p->variants[i].id);
			l = tval_set_list(a, n, "variants");
		}
		v = tval_push_map(a, l);
		tval_set_int(a, v, "id", p->variants[i].id);
		tval_set_str(a, v, "title", p->variants[i].title);
		out++;
	}
	if (n != NULL)
		tval_set_bool(a, n, "one", out == 1 && p->nvariants == 1);
}

/*
 * What a product page says of tax and shipping, from the tax rate of the
 * shop's country (SHOP_COUNTRY), in the arena.
 */
static const char *
tax_note(struct arena *a, const struct tax_rate *t)
{
	if (t->rate_bp <= 0)
		return "Shipping calculated at checkout.";
	if (t->inclusive)
		return arena_printf(a, "%s included. Shipping calculated at "
		    "checkout.", t->name != NULL && *t->name != '\0' ?
		    t->name : "Tax");
	return arena_printf(a, "%s and shipping calculated at checkout.",
	    t->name != NULL && *t->name != '\0' ? t->name : "Tax");
}

/*
 * A product page: its variants to choose from with their prices and
 * stock, and the add-to-cart form the cart program answers.
 */
static int
h_product(struct req *r)
{
	struct arena	*a = r->arena;
	struct db	*db = req_db(r, DB_PRIMARY);
	struct product	 p;
	struct tax_rate	 tax;
	struct tval	*d, *m, *l;
	size_t		 i;
	long long	 most = 0, id, version, cversion;
	bool		 chosen = false;
	int		 rc;
	char		*name, *key = NULL;
	const char	*keep = keep_begin(r, &cversion);

	/* The product's version names its fragment: any change makes anew. */
	rc = product_stamp(db, a, req_param(r, "slug"), &id, &version, &name);
	if (rc == 0) {
		r->error = "There is no product at this address. It may have "
		    "been renamed or taken off sale.";
		return 404;
	}
	if (rc > 0) {
		key = arena_printf(a, "frag:product:%lld:%lld", id, version);
		if (page_cached_head(r, key, name))
			return keep_end(r, 0, keep, cversion);
	}
	if (db_read_begin(db) != 0)
		return 500;
	rc = product_by_slug(db, a, req_param(r, "slug"), &p);
	if (rc > 0 && tax_rate_for(db, a, r->shop->cfg->country, &tax) != 0)
		rc = -1;
	db_read_end(db);
	if (rc < 0)
		return 500;
	if (rc == 0) {
		r->error = "There is no product at this address. It may have "
		    "been renamed or taken off sale.";
		return 404;
	}
	d = page_data(r);
	tval_set_str(a, d, "title", p.name);
	m = card_tval(a, &p);
	tval_set(a, d, "product", m);
	tval_set_str(a, m, "description", p.description);
	tval_set_str(a, m, "description_html", p.description_html);
	l = tval_set_list(a, m, "variants");
	for (i = 0; i < p.nvariants; i++) {
		bool sel = !chosen && p.variants[i].stock > 0;

		tval_push(a, l, variant_tval(a, &p.variants[i], sel));
		chosen |= sel;
		if (p.variants[i].stock > most)
			most = p.variants[i].stock;
	}
	tval_set_bool(a, m, "choice", p.nvariants > 1);
	l = tval_set_list(a, m, "images");
	for (i = 0; i < p.nimages; i++)
		tval_push(a, l, image_tval(a, &p.images[i]));
	/* The picture is "image"; the page shows the others below it. */
	l = tval_set_list(a, m, "gallery");
	for (i = 1; i < p.nimages; i++)
		tval_push(a, l, image_tval(a, &p.images[i]));
	tval_set_bool(a, m, "has_gallery", p.nimages > 1);
	tval_set_str(a, m, "tax_note", tax_note(a, &tax));
	notify_tval(a, m, &p);
	tval_set_int(a, m, "max_quantity", most < MAX_QUANTITY ? most :
	    MAX_QUANTITY);
	tval_set(a, m, "meta", catalog_meta_tval(a, &p,
	    r->shop->cfg->base_url));
	return keep_end(r, page_render_cached_head(r, 200,
	    "catalog/product-head", "catalog/product-body", d, key,
	    FRAGMENT_TTL), keep, cversion);
}

/*
 * The search page: the form alone without a query, results a page at a
 * time, or a page that helps when nothing matched.
 */
static int
h_search(struct req *r)
{
	struct arena	*a = r->arena;
	struct db	*db = req_db(r, DB_PRIMARY);
	const char	*raw = req_query(r, "q"), *title, *key;
	char		*q, *match = NULL;
	struct tval	*d, *l, *m;
	struct product	*v = NULL;
	struct category	*cats = NULL;
	size_t		 n = 0, ncats = 0, i;
	long long	 page, pages, total = 0;
	int		 rc;

	if (raw != NULL && strlen(raw) > SHOP_MAX_SEARCH) {
		r->error = arena_printf(a, "The search is too long: at most "
		    "%d characters are looked for.", SHOP_MAX_SEARCH);
		return 400;
	}
	if (raw != NULL && !text_printable(raw, strlen(raw))) {
		r->error = "The search contains control characters.";
		return 400;
	}
	if ((rc = query_page(r, &page)) != 0)
		return rc;
	q = text_trim(a, raw != NULL ? raw : "");
	if (q[0] == '\0')
		title = "Search";
	else if (page > 1)
		title = arena_printf(a, "Search: %s, page %lld", q, page);
	else
		title = arena_printf(a, "Search: %s", q);
	/*
	 * Results are the same for everyone until the catalog changes: kept
	 * per query and page under the catalog's version, so any change
	 * to a product or category makes them anew.
	 */
	key = fragment_key(r, arena_printf(a, "search:%lld:%s", page, q),
	    catalog_version(db));
	r->cache_control = CACHE_PAGE;
	if (key != NULL && page_cached(r, key, title))
		return 0;
	if (db_read_begin(db) != 0)
		return 500;
	rc = 0;
	if (q[0] != '\0' && catalog_fts_query(a, q, strlen(q), &match) > 0)
		rc = catalog_search_count(db, match, &total);
	pages = page_count(total);
	if (rc == 0 && page > pages) {
		db_read_end(db);
		return page_missing(r, "the results", page, pages,
		    list_url(a, "/search", q, SORT_NAME, 1));
	}
	if (rc == 0 && total > 0)
		rc = catalog_search(db, a, match, SHOP_PAGE_SIZE,
		    (page - 1) * SHOP_PAGE_SIZE, &v, &n);
	if (rc == 0 && total == 0)
		rc = category_list(db, a, &cats, &ncats);
	db_read_end(db);
	if (rc != 0)
		return 500;

	d = page_data(r);
	tval_set_str(a, d, "q", q);
	tval_set_str(a, d, "title", title);
	tval_set_bool(a, d, "asked", q[0] != '\0');
	tval_set_int(a, d, "total", total);
	tval_set_str(a, d, "total_label", plural(a, total, "result",
	    "results"));
	l = tval_set_list(a, d, "results");
	for (i = 0; i < n; i++) {
		m = tval_push(a, l, card_tval(a, &v[i]));
		tval_set(a, m, "name_marked", segments_tval(a,
		    v[i].name_marked));
		tval_set(a, m, "snippet", segments_tval(a,
		    v[i].snippet_marked));
	}
	tval_set_bool(a, d, "no_results", q[0] != '\0' && total == 0);
	l = tval_set_list(a, d, "categories");
	for (i = 0; total == 0 && i < ncats; i++)
		tval_push(a, l, category_tval(a, &cats[i]));
	tval_set(a, d, "pagination", pager_tval(a, "/search", q, SORT_NAME,
	    page, pages));
	return page_render_cached(r, 200, "catalog/search-body", d, key,
	    FRAGMENT_TTL);
}

/*
 * /sitemap.xml: the home page, the product list, every category and
 * every active product, as absolute URLs with the date of their latest
 * change; the same list as JSON for a client that asks.
 */
static int
h_sitemap(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*db = req_db(r, DB_PRIMARY);
	const char		*base = r->shop->cfg->base_url, *latest = "";
	struct category		*cats;
	struct product		*prods;
	struct content_page	*pages;
	struct sitemap_url	*u;
	struct tval		*d, *l, *m;
	size_t			 ncats, nprods, npages = 0, n = 0, i;
	int			 rc;

	if (db_read_begin(db) != 0)
		return 500;
	rc = category_list(db, a, &cats, &ncats);
	if (rc == 0)
		rc = product_index(db, a, &prods, &nprods);
	if (rc == 0)
		rc = content_page_list(db, a, &pages, &npages);
	db_read_end(db);
	if (rc != 0)
		return 500;
	for (i = 0; i < nprods; i++)
		if (strcmp(prods[i].updated_at, latest) > 0)
			latest = prods[i].updated_at;
	u = arena_calloc(a, 2 + ncats + nprods + npages, sizeof(*u));
	u[n].loc = arena_printf(a, "%s/", base);
	u[n++].lastmod = latest;
	u[n].loc = arena_printf(a, "%s/products", base);
	u[n++].lastmod = latest;
	for (i = 0; i < ncats; i++) {
		u[n].loc = arena_printf(a, "%s/categories/%s", base,
		    cats[i].slug);
		u[n++].lastmod = cats[i].updated_at;
	}
	for (i = 0; i < nprods; i++) {
		u[n].loc = arena_printf(a, "%s/products/%s", base,
		    prods[i].slug);
		u[n++].lastmod = prods[i].updated_at;
	}
	/* The shop's own pages last. */
	for (i = 0; i < npages; i++) {
		u[n].loc = arena_printf(a, "%s/pages/%s", base,
		    pages[i].slug);
		u[n++].lastmod = pages[i].updated_at;
	}
	if (n > SITEMAP_MAX_URLS) {
		log_warn("sitemap: %zu addresses, only the first %d listed",
		    n, SITEMAP_MAX_URLS);
		n = SITEMAP_MAX_URLS;
	}
	r->cache_control = CACHE_SITEMAP;
	if (r->want_json) {
		d = page_data(r);
		l = tval_set_list(a, d, "urls");
		for (i = 0; i < n; i++) {
			m = tval_push_map(a, l);
			tval_set_str(a, m, "loc", u[i].loc);
			tval_set_str(a, m, "lastmod", u[i].lastmod);
		}
		page_json(r, 200, d);
		return 0;
	}
	buf_reset(&r->body_out);
	if (sitemap_write(&r->body_out, u, n) != 0) {
		log_error("sitemap: libxml2 could not write %zu addresses", n);
		buf_reset(&r->body_out);
		return 500;
	}
	r->status = 200;
	r->resp_type = "application/xml; charset=utf-8";
	return 0;
}

/*
 * The feed as it is written: FEED_CHUNK bytes at a time to the client
 * and, while it stays under FEED_CACHE_MAX, into cache.db.
 */
struct feed_out {
	struct req	*r;
	struct buf	 chunk;
	const char	*key;		/* NULL: not cached (any more) */
	int		 nchunks;
	size_t		 total;
	bool		 gone;		/* the client went away */
};

static int
feed_flush(struct feed_out *o)
{
	struct db	*cache = req_db(o->r, DB_CACHE);

	if (o->chunk.len == 0)
		return 0;
	if (o->key != NULL && (o->total += o->chunk.len) <= FEED_CACHE_MAX &&
	    cache_set(cache, arena_printf(o->r->arena, "%s:%d", o->key,
	    o->nchunks), o->chunk.p, o->chunk.len, FRAGMENT_TTL, 0))
		o->nchunks++;
	else if (o->key != NULL) {
		while (o->nchunks > 0)
			cache_delete(cache, arena_printf(o->r->arena, "%s:%d",
			    o->key, --o->nchunks));
		o->key = NULL;
	}
	if (!o->gone && o->r->method != HTTP_HEAD &&
	    resp_stream_write(o->r, o->chunk.p, o->chunk.len) != 0)
		o->gone = true;
	buf_reset(&o->chunk);
	return o->gone ? -1 : 0;
}

static int
feed_write(void *arg, const char *p, size_t n)
{
	struct feed_out	*o = arg;

	buf_append(&o->chunk, p, n);
	return o->chunk.len >= FEED_CHUNK ? feed_flush(o) : 0;
}

/*
 * The cached feed of key, whole (it is at most FEED_CACHE_MAX): true
 * with it in out, false when any part is missing.
 */
static bool
feed_cached(struct req *r, const char *key, struct buf *out)
{
	struct db	*cache = req_db(r, DB_CACHE);
	char		*v, *end;
	size_t		 len;
	long		 n, i;

	if (cache == NULL || !cache_get(cache, r->arena, arena_printf(r->arena,
	    "%s:n", key), &v, &len))
		return false;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < 1 || n > FEED_CACHE_MAX / FEED_CHUNK + 1)
		return false;
	for (i = 0; i < n; i++) {
		if (!cache_get(cache, r->arena, arena_printf(r->arena, "%s:%ld",
		    key, i), &v, &len)) {
			buf_reset(out);
			return false;
		}
		buf_append(out, v, len);
	}
	return true;
}

/*
 * /feed.xml: the Google Merchant feed of every active variant
 * (catalog_feed()), named by the catalog's version and the stamp of
 * the rest it shows: its ETag, and the key it is cached under in
 * chunks. Written to the client as it is made, never whole in memory.
 */
static int
h_feed(struct req *r)
{
	const struct config		*cfg = r->shop->cfg;
	struct db			*db = req_db(r, DB_PRIMARY);
	struct catalog_feed_opts	 fo = {
		.base_url = cfg->base_url,
		.shop_name = cfg->name,
		.country = cfg->country,
	};
	struct feed_out			 o = { .r = r };
	struct buf			 whole = { 0 };
	const char			*etag, *inm, *key;
	unsigned long long		 stamp;
	long long			 version;
	long				 n;

	if ((version = catalog_version(db)) < 0 ||
	    (stamp = catalog_feed_stamp(db, &fo)) == 0)
		return 500;
	key = arena_printf(r->arena, "feed:%lld:%016llx", version, stamp);
	etag = arena_printf(r->arena, "\"feed-%lld-%016llx\"", version, stamp);
	resp_header(r, "ETag", etag);
	r->cache_control = CACHE_FEED;
	r->resp_type = "application/rss+xml; charset=utf-8";
	if ((inm = req_header(r, "If-None-Match")) != NULL &&
	    strstr(inm, etag) != NULL) {
		r->status = 304;
		buf_reset(&r->body_out);
		return 0;
	}
	r->status = 200;
	if (feed_cached(r, key, &whole)) {
		resp_header(r, "X-Cache", "hit");
		buf_reset(&r->body_out);
		buf_append(&r->body_out, whole.p, whole.len);
		buf_free(&whole);
		return 0;
	}
	buf_free(&whole);
	if (req_db(r, DB_CACHE) != NULL) {
		o.key = key;
		resp_header(r, "X-Cache", "miss");
	}
	if (resp_stream_begin(r) != 0)
		return 0;	/* the client has gone; nothing to answer */
	n = catalog_feed(db, &fo, feed_write, &o);
	if (n >= 0 && feed_flush(&o) == 0 && o.key != NULL)
		(void)cache_set(req_db(r, DB_CACHE), arena_printf(r->arena,
		    "%s:n", key), arena_printf(r->arena, "%d", o.nchunks),
		    strlen(arena_printf(r->arena, "%d", o.nchunks)),
		    FRAGMENT_TTL, 0);
	if (n < 0 && !o.gone)
		log_error("feed: the feed could not be written whole");
	buf_free(&o.chunk);
	return 0;
}

/*
 * One of the shop's own pages (shop/content.h): its title, and its
 * Markdown body as HTML, rendered once per version and kept in cache.db.
 * What it shows is the same for everyone.
 */
static int
h_page(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*db = req_db(r, DB_PRIMARY);
	struct content_page	 p;
	struct tval		*d, *m;
	char			*html;
	int			 rc;

	if (db_read_begin(db) != 0)
		return 500;
	rc = content_page_get(db, a, req_param(r, "slug"), &p);
	db_read_end(db);
	if (rc < 0)
		return 500;
	if (rc == 0) {
		r->error = "There is no page at this address.";
		return 404;
	}
	if (content_page_html(req_db(r, DB_CACHE), a, &p, &html) != 0)
		return 500;
	d = page_data(r);
	tval_set_str(a, d, "title", p.title);
	m = tval_set_map(a, d, "page");
	tval_set_str(a, m, "slug", p.slug);
	tval_set_str(a, m, "title", p.title);
	tval_set_str(a, m, "html", html);
	tval_set_int(a, m, "version", p.version);
	tval_set_str(a, m, "updated_at", p.updated_at);
	tval_set_str(a, m, "updated", arena_strndup(a, p.updated_at, 10));
	r->cache_control = CACHE_PAGE;
	return page_render(r, 200, "catalog/page", d);
}

/*
 * "Notify me" (shop/restock.h): the form of a sold-out variant's email,
 * posted from the product page, answered 303 to a page that says the
 * same whether the address had asked already or not. Each request from
 * an address, and for an email, counts against a throttle (side/
 * throttle.h): past a few, 429 with Retry-After; 503 when the throttles
 * cannot be read (they fail closed).
 */
static const struct form_field notify_fields[] = {
	{ "variant_id", "Option", FORM_CHOICE, FORM_REQUIRED, 0, 0, NULL,
	  NULL, "Choose one of the options that are sold out." },
	{ "email", "Email", FORM_EMAIL, FORM_REQUIRED, 3, RESTOCK_EMAIL_MAX,
	  "email", "We write to it once, when it is back in stock.", NULL },
};

/* Requests an address or an email may make before waiting. */
static const struct throttle_rule notify_rule = {
	.free = 5, .base = 60, .max = 3600, .memory = 86400,
};

/*
 * The sold-out variants of p as choices of the form (ids and titles,
 * then NULL), in the arena; *n gets how many.
 */
static const char *const *
notify_choices(struct arena *a, const struct product *p, size_t *n)
{
	const char	**c;
	size_t		  i, k = 0;

	c = arena_calloc(a, p->nvariants * 2 + 1, sizeof(*c));
	for (i = 0; i < p->nvariants; i++)
		if (p->variants[i].stock <= 0) {
			c[k++] = arena_printf(a, "%lld", p->variants[i].id);
			c[k++] = p->variants[i].title;
		}
	c[k] = NULL;
	*n = k / 2;
	return c;
}

/*
 * The variant chosen in f, which passed form_read(): one of the ids
 * notify_choices() made, so digits that strtoll() reads whole.
 */
static long long
chosen_variant(const struct form *f)
{
	return strtoll(form_str(f, "variant_id"), NULL, 10);
}

/* The product of the route's slug, read in a read transaction: 1, 0, -1. */
static int
notify_product(struct req *r, struct product *p)
{
	struct db	*db = req_db(r, DB_PRIMARY);
	int		 rc;

	if (db_read_begin(db) != 0)
		return -1;
	rc = product_by_slug(db, r->arena, req_param(r, "slug"), p);
	db_read_end(db);
	if (rc == 0)
		r->error = "There is no product at this address. It may have "
		    "been renamed or taken off sale.";
	return rc;
}

/*
 * The notify page of p: the form f (NULL: blank) with status, or, sent,
 * the confirmation.
 */
static int
notify_render(struct req *r, int status, const struct product *p,
    struct form *f, bool sent)
{
	struct arena	*a = r->arena;
	struct tval	*d = page_data(r), *m;
	struct form	 blank;
	size_t		 n;

	tval_set_str(a, d, "title", arena_printf(a, "Email me when %s is "
	    "back", p->name));
	m = tval_set_map(a, d, "product");
	tval_set_str(a, m, "name", p->name);
	tval_set(a, m, "url", tval_strf(a, "/products/%s", p->slug));
	tval_set(a, m, "notify_url", tval_strf(a, "/products/%s/notify",
	    p->slug));
	tval_set_bool(a, d, "sent", sent);
	r->cache_control = "no-store";
	if (f != NULL) {
		tval_set_bool(a, d, "has_form", true);
		return page_form_fail(r, status, "catalog/notify", d, f);
	}
	form_init(&blank, a, notify_fields, sizeof(notify_fields) / sizeof(notify_fields[0]));
	form_choices(&blank, "variant_id", notify_choices(a, p, &n));
	tval_set_bool(a, d, "none", n == 0);
	if (!sent && n > 0) {
		tval_set_bool(a, d, "has_form", true);
		tval_set(a, d, "form", form_tval(a, &blank));
	}
	return page_render(r, status, "catalog/notify", d);
}

static int
h_notify_page(struct req *r)
{
	struct product	p;
	const char	*sent = req_query(r, "sent");
	int		rc;

	if ((rc = notify_product(r, &p)) <= 0)
		return rc < 0 ? 500 : 404;
	return notify_render(r, 200, &p, NULL, sent != NULL &&
	    strcmp(sent, "1") == 0);
}

/* Seconds before a request under both keys may be made, or -1. */
static int
notify_wait(struct db *cache, const char *k1, const char *k2)
{
	int	w1, w2;

	if ((w1 = throttle_wait(cache, k1)) < 0 ||
	    (w2 = throttle_wait(cache, k2)) < 0)
		return -1;
	return w1 > w2 ? w1 : w2;
}

static int
h_notify(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*db = req_db(r, DB_PRIMARY);
	struct db		*cache = req_db(r, DB_CACHE);
	struct product		 p;
	struct form		 f;
	struct tval		*d;
	enum restock_result	 res;
	char			*kaddr, *kmail;
	size_t			 n;
	int			 rc, wait;

	if ((rc = notify_product(r, &p)) <= 0)
		return rc < 0 ? 500 : 404;
	form_init(&f, a, notify_fields, sizeof(notify_fields) / sizeof(notify_fields[0]));
	form_choices(&f, "variant_id", notify_choices(a, &p, &n));
	if (!form_read(&f, a, &r->form))
		return notify_render(r, 422, &p, &f, false);

	kaddr = arena_printf(a, "restock:addr:%s", r->remote_addr != NULL ?
	    r->remote_addr : "-");
	kmail = arena_printf(a, "restock:email:%s", form_str(&f, "email"));
	if ((wait = notify_wait(cache, kaddr, kmail)) < 0) {
		resp_header(r, "Retry-After", "60");
		r->error = "Requests cannot be taken at the moment. Please try "
		    "again in a minute.";
		return 503;
	}
	if (wait > 0) {
		resp_header(r, "Retry-After", arena_printf(a, "%d", wait));
		form_error(&f, NULL, arena_printf(a, "Too many requests. "
		    "Please wait %d minute%s and try again.", (wait + 59) / 60,
		    (wait + 59) / 60 == 1 ? "" : "s"));
		return notify_render(r, 429, &p, &f, false);
	}
	if (throttle_fail(cache, kaddr, &notify_rule) < 0 ||
	    throttle_fail(cache, kmail, &notify_rule) < 0) {
		resp_header(r, "Retry-After", "60");
		r->error = "Requests cannot be taken at the moment. Please try "
		    "again in a minute.";
		return 503;
	}

	if (db_begin(db) != 0)
		return 503;
	res = restock_request(db, p.id, chosen_variant(&f), form_str(&f,
	    "email"));
	if (res != RESTOCK_OK) {
		db_rollback(db);
		if (res == RESTOCK_ERROR)
			return 503;
		form_error(&f, res == RESTOCK_BAD_EMAIL ? "email" :
		    "variant_id", restock_result_msgs[res]);
		return notify_render(r, 422, &p, &f, false);
	}
	if (db_commit(db) != 0)
		return 503;
	r->cache_control = "no-store";
	if (r->want_json) {
		d = tval_map(a);
		tval_set_bool(a, d, "ok", true);
		tval_set_str(a, d, "message", restock_result_msgs[RESTOCK_OK]);
		page_json(r, 200, d);
		return 0;
	}
	resp_redirect(r, 303, arena_printf(a, "/products/%s/notify?sent=1",
	    p.slug));
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		.name = "catalog",
		.routes = routes,
		.nroutes = sizeof(routes) / sizeof(routes[0]),
		.dbs = DB_BIT(DB_PRIMARY),
		.optional_dbs = DB_BIT(DB_CACHE),
	};

	return app_main(&app, argc, argv);
}
