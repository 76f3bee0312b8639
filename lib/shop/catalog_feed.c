/*
 * The catalog out to the world, apart from the export: the Google
 * Merchant feed (/feed.xml) and a product page's meta tags and JSON-LD
 * (declared in shop/catalog_io.h). Kept apart from the import so that
 * the storefront's programs link no image library.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/feed.h"
#include "shop/catalog.h"
#include "shop/catalog_io.h"
#include "shop/pricing.h"

/* ------------------------------------------------------------ feed */

static const char sql_feed[] =
    "SELECT p.slug, p.name, p.description, v.sku, v.title, v.price,"
    " v.currency, v.stock,"
    " (SELECT count(*) FROM variants w WHERE w.product_id = p.id"
    "  AND w.active),"
    " (SELECT i.path FROM images i WHERE i.product_id = p.id"
    "  ORDER BY i.position, i.id LIMIT 1)"
    " FROM products p JOIN variants v ON v.product_id = p.id"
    " WHERE p.active AND v.active ORDER BY p.id, v.position, v.id";

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*s = sqlite3_column_text(st, i);

	return s != NULL ? (const char *)s : "";
}

long
catalog_feed(struct db *d, const struct catalog_feed_opts *o,
    int (*fn)(void *, const char *, size_t), void *arg)
{
	struct arena		*a = arena_new(), *ra = arena_new();
	struct shipping_method	*ship;
	struct feed_shipping	 fs[FEED_MAX_SHIPPING];
	struct feed_item	 it;
	struct feed		*f = NULL;
	sqlite3_stmt		*st;
	size_t			 nship = 0, i;
	long			 n = 0;
	int			 rc = SQLITE_ERROR;

	if (db_read_begin(d) != 0)
		goto out;
	/* What the shop's own country is offered (its zone), by weight 0. */
	ship = shipping_methods_for(d, a, o->country, 0, &nship);
	if (ship == NULL)
		nship = 0;
	if ((st = db_prep(d, sql_feed)) == NULL) {
		db_read_end(d);
		goto out;
	}
	f = feed_open(fn, arg, o->shop_name, arena_printf(a, "%s/", o->base_url),
	    arena_printf(a, "The products of %s", o->shop_name));
	if (f == NULL) {
		sqlite3_reset(st);
		db_read_end(d);
		goto out;
	}
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		const char	*slug = col_text(st, 0), *vtitle = col_text(st, 4);
		const char	*currency = col_text(st, 6), *path;
		long long	 price = sqlite3_column_int64(st, 5);

		arena_reset(ra);
		memset(&it, 0, sizeof(it));
		it.id = col_text(st, 3);
		it.group_id = slug;
		it.title = sqlite3_column_int64(st, 8) > 1 && *vtitle != '\0' ?
		    arena_printf(ra, "%s - %s", col_text(st, 1), vtitle) :
		    col_text(st, 1);
		it.description = col_text(st, 2);
		it.link = arena_printf(ra, "%s/products/%s", o->base_url, slug);
		path = (const char *)sqlite3_column_text(st, 9);
		it.image_link = path != NULL ? catalog_media_url(ra, o->base_url,
		    path) : NULL;
		it.price = arena_printf(ra, "%s %s", money_decimal(ra, price,
		    currency), currency);
		it.availability = sqlite3_column_int64(st, 7) > 0 ?
		    "in_stock" : "out_of_stock";
		it.condition = "new";
		for (i = 0; i < nship && it.nshipping < FEED_MAX_SHIPPING;
		    i++) {
			long long	cost = ship[i].price;

			if (strcmp(ship[i].currency, currency) != 0)
				continue;
			if (ship[i].free_over >= 0 && price >= ship[i].free_over)
				cost = 0;
			fs[it.nshipping].country = o->country;
			fs[it.nshipping].service = ship[i].name;
			fs[it.nshipping++].price = arena_printf(ra, "%s %s",
			    money_decimal(ra, cost, currency), currency);
		}
		it.shipping = fs;
		if (feed_item(f, &it) != 0)
			break;
		n++;
	}
	sqlite3_reset(st);
	db_read_end(d);
out:
	if (f != NULL && feed_close(f) != 0)
		rc = SQLITE_ERROR;
	arena_free(ra);
	arena_free(a);
	return rc == SQLITE_DONE ? n : -1;
}

unsigned long long
catalog_feed_stamp(struct db *d, const struct catalog_feed_opts *o)
{
	struct arena		*a = arena_new();
	struct shipping_method	*s;
	struct buf		 b = { 0 };
	unsigned long long	 h;
	size_t			 n = 0, i;

	/* The methods the feed lists: those of the country's zone. */
	s = shipping_methods_for(d, a, o->country, 0, &n);
	buf_printf(&b, "%s\n%s\n%s\n", o->base_url, o->shop_name, o->country);
	for (i = 0; s != NULL && i < n; i++)
		buf_printf(&b, "%s\n%s\n%lld\n%s\n%lld\n", s[i].code, s[i].name,
		    s[i].price, s[i].currency, s[i].free_over);
	if (s == NULL && n > 0)
		h = 0;
	else
		crypto_generichash((unsigned char *)&h, sizeof(h),
		    (const unsigned char *)buf_str(&b), b.len, NULL, 0);
	buf_free(&b);
	arena_free(a);
	return h;
}

/* ------------------------------------------------------------ meta */

/* s on one line, white space runs as one space, at most max chars. */
static char *
one_line(struct arena *a, const char *s, size_t max)
{
	struct buf	 b = { 0 };
	size_t		 chars = 0, cut = 0;
	bool		 space = false;
	char		*out;

	for (; s != NULL && *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = b.len > 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		if ((c & 0xc0) != 0x80) {
			if (chars == max)
				break;
			if (space) {
				cut = b.len;	/* a word ends here */
				if (++chars == max)
					break;
				buf_putc(&b, ' ');
			}
			chars++;
		}
		space = false;
		buf_putc(&b, (char)c);
	}
	/* Cut at the last word that fits, with an ellipsis. */
	if (s != NULL && *s != '\0' && cut > 0) {
		b.len = cut;
		b.p[cut] = '\0';
		buf_puts(&b, "\xe2\x80\xa6");
	}
	out = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return out;
}

struct tval *
catalog_meta_tval(struct arena *a, const struct product *p,
    const char *base_url)
{
	struct tval	*m = tval_map(a), *ld, *offers, *o, *imgs;
	struct buf	 json = { 0 };
	const char	*url = arena_printf(a, "%s/products/%s", base_url,
	    p->slug);
	const char	*image = p->has_image ? catalog_media_url(a, base_url,
	    p->image.path) : NULL;
	size_t		 i;

	tval_set_str(a, m, "description", one_line(a, p->description,
	    CATALOG_META_MAX));
	tval_set_str(a, m, "url", url);
	tval_set(a, m, "image", image != NULL ? tval_str(a, image) :
	    tval_null(a));

	ld = tval_map(a);
	tval_set_str(a, ld, "@context", "https://schema.org");
	tval_set_str(a, ld, "@type", "Product");
	tval_set_str(a, ld, "name", p->name);
	tval_set_str(a, ld, "description", one_line(a, p->description,
	    FEED_TEXT_MAX));
	tval_set_str(a, ld, "url", url);
	if (image != NULL) {
		imgs = tval_set_list(a, ld, "image");
		tval_push(a, imgs, tval_str(a, image));
	}
	if (p->nvariants == 1)
		tval_set_str(a, ld, "sku", p->variants[0].sku);
	offers = tval_set_list(a, ld, "offers");
	for (i = 0; i < p->nvariants; i++) {
		const struct variant	*v = &p->variants[i];

		o = tval_push_map(a, offers);
		tval_set_str(a, o, "@type", "Offer");
		tval_set_str(a, o, "sku", v->sku);
		if (*v->title != '\0')
			tval_set_str(a, o, "name", v->title);
		tval_set_str(a, o, "price", money_decimal(a, v->price,
		    v->currency));
		tval_set_str(a, o, "priceCurrency", v->currency);
		tval_set_str(a, o, "availability", v->stock > 0 ?
		    "https://schema.org/InStock" :
		    "https://schema.org/OutOfStock");
		tval_set_str(a, o, "itemCondition",
		    "https://schema.org/NewCondition");
		tval_set_str(a, o, "url", url);
	}
	/* tval_json() writes <, > and & as \u003c, \u003e, \u0026. */
	tval_json(&json, ld);
	tval_set_str(a, m, "jsonld", buf_str(&json));
	buf_free(&json);
	return m;
}
