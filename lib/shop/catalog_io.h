/*
 * The catalog in and out: every category, product, variant and image
 * row written as XML and read back (shopctl export products, shopctl
 * import products), products read from Shopify's product CSV (shopctl
 * import shopify), the Google Merchant feed (/feed.xml) and what a
 * product page says of itself to search engines and link previews.
 *
 * The XML follows share/shopfile/catalog.rng (RELAX NG, compiled into
 * the program and installed beside the templates), in the namespace
 * CATALOG_IO_NS. An export is written as it is read, a product at a
 * time, inside one read transaction, so it is consistent and its size
 * is not bounded by memory.
 *
 * An import reads its file as a stream (lib/ext/xmlin.h, ext/csvin.h:
 * a DOCTYPE, entities, the network, other encodings, malformed UTF-8
 * and files over CATALOG_IO_MAX_BYTES are refused before they are
 * parsed), and writes everything in one transaction through
 * catalog_edit.h and inventory.h: categories and products are matched
 * by slug, variants by SKU; what the store has is updated, what it has
 * not is added, and nothing is removed. A variant's stock that differs
 * is set with stock_adjust() and the reason CATALOG_IO_REASON. Any
 * problem is reported as "line N: field: what", the reading goes on to
 * the next product where it can (so one run shows every problem), and
 * in the end nothing is written at all: the transaction is rolled back
 * and the image files the import wrote are removed. A dry run does
 * everything the same way, in a transaction it rolls back, and writes
 * no image file.
 *
 * The write lock of shop.db is held from the first write to the
 * commit: other writers (checkouts) wait SHOP_LOCK_TIMEOUT_MS at most,
 * then answer 503 without losing anything. Import a large catalog when
 * the shop is quiet.
 *
 * Images. In the XML, an image is a row: its path in the media
 * directory, its alt text, size and position; the files are the
 * operator's to copy. Given images_dir, each image's file is read from
 * images_dir/<path> instead and taken in like an upload (image_ingest():
 * decoded, stripped of metadata, written at IMAGE_WIDTHS as WebP and
 * JPEG into products/ of the media directory), and the row names the
 * widest JPEG, "products/i<hash>-<width>.jpg", where <hash> is the start
 * of the SHA-256 of the file: importing the same picture again finds it
 * there and writes nothing. For Shopify, images come from images_dir by
 * the last segment of "Image Src" (its name), or, with fetch_images,
 * from the web (https only, bounded: lib/ext/fetch.h); without either,
 * image rows are left out and counted. Files are read, fetched and
 * written before the transaction begins.
 *
 * Shopify's product CSV (https://help.shopify.com/en/manual/products/import-export/using-csv):
 * rows with the same Handle make one product, the first with the
 * product's fields; a row with a Variant SKU, price or option value is
 * a variant, a row with an Image Src an image. Handle is the slug,
 * Title the name, Body (HTML) the description (sanitized: html_sanitize.h,
 * kept as description_html, its text as description), Type the category
 * (found by its slug, made if missing), Status draft or archived, or
 * Published FALSE, make the product inactive; Option1..3 Name and Value
 * the options (Shopify's "Title: Default Title" is no option), Variant
 * SKU, Grams, Price (in currency, the shop's) and Inventory Qty the
 * variant, Image Src, Position and Alt Text the images. Vendor, Tags,
 * SEO Title, SEO Description and Shopify's other columns have no place
 * in the shop's schema and are ignored.
 */
#ifndef SHOP_CATALOG_IO_H
#define SHOP_CATALOG_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct arena;
struct db;
struct product;
struct tval;

#define CATALOG_IO_NS		"urn:shopfile:catalog:1"
/* The largest file an import reads: refused by its size before. */
#define CATALOG_IO_MAX_BYTES	(256LL * 1024 * 1024)
/* Progress is told every this many products. */
#define CATALOG_IO_PROGRESS	1000
/* Problems told at most; the rest are counted. */
#define CATALOG_IO_MAX_ERRORS	50
/* The reason of a stock change an import makes. */
#define CATALOG_IO_REASON	"import"
/* Characters of a meta description. */
#define CATALOG_META_MAX	160

enum import_format {
	IMPORT_XML,		/* catalog.rng */
	IMPORT_SHOPIFY,		/* Shopify's product CSV */
	IMPORT_FORMAT__MAX
};

/* "products", "shopify": as shopctl import names them. */
extern const char *const import_format_names[IMPORT_FORMAT__MAX];

struct import_opts {
	enum import_format	 format;
	bool			 dry_run;
	const char		*images_dir;	/* NULL: none */
	bool			 fetch_images;	/* Shopify: from Image Src */
	const char		*media_dir;	/* where image files go */
	const char		*currency;	/* Shopify's prices are in it */
	const char		*actor;		/* of stock movements */
	/* Told each problem and the progress, a line each; may be NULL. */
	void			(*note)(void *arg, const char *line);
	void			*note_arg;
};

struct import_report {
	long	 products;	/* read from the file */
	long	 created;
	long	 updated;
	long	 unchanged;
	long	 refused;	/* with a problem */
	long	 categories_created;
	long	 categories_updated;
	long	 variants;	/* read */
	long	 images;	/* read */
	long	 images_written;	/* files taken in */
	long	 images_skipped;	/* Shopify rows without a source */
	long	 errors;	/* problems found */
	char	 error[512];	/* the first one */
};

/*
 * Import the file at path into the primary database (which must not be
 * in a transaction) as described above. Returns 0 when it was written
 * (or would have been, for a dry run), or -1 when nothing was, with the
 * counts in *rep and the first problem in rep->error.
 */
int		 catalog_import(struct db *, const char *path,
		    const struct import_opts *, struct import_report *);

/*
 * Read len bytes in format as an import would, checking all that needs
 * no database, and write nothing: the fuzz targets' entry. Returns 0
 * or -1 as catalog_import().
 */
int		 catalog_import_check(enum import_format, const void *p,
		    size_t len, struct import_report *);

/*
 * Write the whole catalog as XML to f, streamed, inside one read
 * transaction. Returns 0, or -1 with the reason in err.
 */
int		 catalog_export(struct db *, FILE *f, long *nproducts,
		    char *err, size_t errlen);

struct catalog_feed_opts {
	const char	*base_url;	/* absolute links */
	const char	*shop_name;
	const char	*country;	/* of g:shipping */
};

/*
 * The Google Merchant feed (ext/feed.h) of every active variant of
 * every active product, to fn as it is written, inside one read
 * transaction: g:id the SKU, g:item_group_id the product's slug, the
 * product page as g:link, its first image as g:image_link, the price
 * with the currency's decimals and its code, in_stock or out_of_stock,
 * and a g:shipping for each active shipping method in the variant's
 * currency (free when the variant alone reaches its free_over). Returns
 * the number of items, or -1 (the database or fn failed).
 */
long		 catalog_feed(struct db *, const struct catalog_feed_opts *,
		    int (*fn)(void *, const char *, size_t), void *arg);

/*
 * A digest of what the feed shows besides the catalog (the options and
 * the shipping methods), for naming its cache entries: the catalog's
 * version and this cover everything. 0 on a database error.
 */
unsigned long long catalog_feed_stamp(struct db *,
		    const struct catalog_feed_opts *);

/*
 * What a product page (product_by_slug()) says of itself in its <head>:
 * {description, url, image, jsonld}: a meta description of at most
 * CATALOG_META_MAX characters on one line, the canonical URL (base_url
 * and the product's path), the absolute URL of its first image (or
 * null), and its schema.org Product (name, description, image, url, an
 * Offer per variant with SKU, price and availability) as JSON in which
 * "<", ">" and "&" are written \u003c, \u003e, \u0026, so it may stand
 * inside <script type="application/ld+json"> unescaped: no text of a
 * product can end the element. In the arena.
 */
struct tval	*catalog_meta_tval(struct arena *, const struct product *,
		    const char *base_url);

#endif
