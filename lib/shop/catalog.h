/*
 * The catalog as the storefront reads it: categories, active products
 * with their variants (what is bought: options, price in minor units,
 * stock) and images, full-text search, and the few pure helpers the
 * pages need (stock states, sort orders, page numbers, search queries
 * built from a shopper's words, highlighted snippets).
 *
 * Reading functions take the primary database and an arena; everything
 * they return lives in that arena. They return -1 on a database error
 * (already logged), otherwise what each says. They open no transaction:
 * a page that makes several reads wraps them in db_read_begin() so that
 * they agree.
 */
#ifndef SHOP_CATALOG_H
#define SHOP_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct db;

#define CATALOG_LOW_STOCK	5	/* "only N left" at or below this */
#define CATALOG_MAX_TERMS	16	/* words of a search that are used */
#define CATALOG_MAX_FEATURED	8	/* products on the home page */

/*
 * FTS5 highlight markers: control characters, which stored text never
 * holds (every text field is checked printable before it is written).
 */
#define CATALOG_MARK_OPEN	"\x02"
#define CATALOG_MARK_CLOSE	"\x03"

enum stock_state {
	STOCK_IN,
	STOCK_LOW,
	STOCK_OUT,
	STOCK__MAX
};

/* "in_stock", "low_stock", "sold_out": the states as JSON shows them. */
extern const char *const stock_state_names[STOCK__MAX];

enum catalog_sort {
	SORT_NAME,
	SORT_PRICE,
	SORT_PRICE_DESC,
	SORT_NEWEST,
	SORT__MAX
};

/* "name", "price", "price-desc", "newest": the values of ?sort=. */
extern const char *const catalog_sort_names[SORT__MAX];
/* "Name, A to Z", ...: how a sort order is offered to a shopper. */
extern const char *const catalog_sort_labels[SORT__MAX];

/* The most widths one image is kept at (IMAGE_MAX_SIZES, ext/image.h). */
#define CATALOG_IMAGE_WIDTHS	4

struct image {
	const char	*path;		/* relative to the media directory */
	const char	*alt;
	int		 width;		/* of the file at path */
	int		 height;
	/*
	 * An uploaded image is kept at several widths, narrowest first, as
	 * base-<width>.webp and base-<width>.jpg (base relative to the media
	 * directory); path is then the widest JPEG. nwidths 0 and base NULL:
	 * the one file at path (an SVG drawing of the demo store).
	 */
	const char	*base;
	int		 widths[CATALOG_IMAGE_WIDTHS];
	size_t		 nwidths;
};

struct variant_option {
	const char	*name;		/* "Size" */
	const char	*value;		/* "M" */
};

struct variant {
	long long	 id;
	const char	*sku;
	const char	*title;		/* "M / Ink" */
	/* In the order they were given; noptions may be 0. */
	struct variant_option *options;
	size_t		 noptions;
	long long	 price;		/* minor units */
	const char	*currency;
	long long	 stock;
};

struct category {
	long long	 id;
	const char	*slug;
	const char	*name;
	const char	*description;
	long long	 nproducts;	/* active products in it */
	const char	*updated_at;	/* latest change to one, or "" */
};

struct product {
	long long	 id;
	const char	*slug;
	const char	*name;
	const char	*description;
	/*
	 * product_by_slug() only: HTML that ext/html_sanitize wrote (the
	 * only thing catalog_edit stores there), or "".
	 */
	const char	*description_html;
	const char	*category_slug;	/* "" when uncategorised */
	const char	*category_name;
	bool		 featured;
	const char	*created_at;
	const char	*updated_at;
	/* Over the active variants; has_price is false if there are none. */
	bool		 has_price;
	long long	 min_price;
	long long	 max_price;
	const char	*currency;
	long long	 stock;
	bool		 has_image;
	struct image	 image;		/* the first one */

	/* product_by_slug() only. */
	struct variant	*variants;
	size_t		 nvariants;
	struct image	*images;
	size_t		 nimages;

	/* catalog_search() only: texts with CATALOG_MARK_* around hits. */
	const char	*name_marked;
	const char	*snippet_marked;
};

/* A piece of highlighted text: a hit or the text between hits. */
struct segment {
	const char	*text;		/* NUL-terminated, in the arena */
	size_t		 len;
	bool		 hit;
};

/* The state of a stock level: sold out, low, or in stock. */
enum stock_state stock_state(long long stock);
/* What pages say of it: "In stock", "Only 3 left", "Sold out" (arena). */
const char	*stock_label(struct arena *, long long stock);

/* The sort order named s, or SORT__MAX if there is none by that name. */
enum catalog_sort catalog_sort_parse(const char *s);

/*
 * A page number as a query gives it: ASCII digits only (no sign, space,
 * exponent or hex), 1 to SHOP_MAX_PAGE. Returns 0 with *page, or -1.
 */
int		 catalog_page_parse(const char *s, long long *page);

/*
 * Build an FTS5 MATCH expression from what a shopper typed (n bytes of
 * UTF-8 without NUL): the words, split at ASCII white space, each as a
 * double-quoted FTS5 string (any '"' doubled) followed by '*' for prefix
 * matching, joined by spaces so that all must match. Words with neither
 * an ASCII letter or digit nor any non-ASCII character are left out
 * (FTS5 would see an empty phrase); at most CATALOG_MAX_TERMS words are
 * used. User text never becomes FTS5 syntax. Returns the number of
 * words, with the expression in *out (arena); 0 with *out "" when
 * nothing searchable remains.
 */
size_t		 catalog_fts_query(struct arena *, const char *s, size_t n,
		    char **out);

/*
 * Split text marked by FTS5 highlight() or snippet() with the
 * CATALOG_MARK_* characters into segments, in the arena. A hit runs from
 * an opening marker to the next closing one (or to the end); markers are
 * dropped, a closing marker outside a hit and an opening one inside a
 * hit are ignored, and neighbours of the same kind are joined, so no
 * segment is empty and hits and text alternate. Returns the number of
 * segments in *out.
 */
size_t		 catalog_segments(struct arena *, const char *marked,
		    struct segment **out);

/*
 * Fill an image's base and widths from a row's base (NULL or "") and its
 * widths as words of decimal digits ("320 640 1280", from the JSON array
 * of the row): both or neither, so a row whose widths cannot be read
 * shows the one file at its path. base must outlive the image.
 */
void		 image_widths(struct image *, const char *base,
		    const char *widths);

/*
 * The srcset of an image kept at several widths, in files of extension
 * ext (".webp", ".jpg") served under /media/: "/media/BASE-320.webp
 * 320w, /media/BASE-640.webp 640w", in the arena; NULL for an image of
 * one file. Paths hold only characters an address may (image_add()).
 */
char		*image_srcset(struct arena *, const struct image *,
		    const char *ext);

/*
 * The address of a file of the media directory, path relative to it:
 * base (an absolute URL without a trailing "/", or "" for a path) then
 * "/media/" and each segment of path percent-encoded, the slashes
 * between them kept. In the arena.
 */
char		*catalog_media_url(struct arena *, const char *base,
		    const char *path);

/* Every category with its active products counted, in display order. */
int		 category_list(struct db *, struct arena *,
		    struct category **out, size_t *n);

/* The category by slug: 1 found (in *out), 0 none, -1 error. */
int		 category_by_slug(struct db *, struct arena *, const char *slug,
		    struct category *out);

/* Active products, all (category_id 0) or in one category: 0 or -1. */
int		 product_count(struct db *, long long category_id,
		    long long *n);

/*
 * One page of active products, all (category_id 0) or in one category,
 * in the sort order given, at most limit from offset. Returns 0 or -1.
 */
int		 product_list(struct db *, struct arena *, long long category_id,
		    enum catalog_sort, long long limit, long long offset,
		    struct product **out, size_t *n);

/* Up to CATALOG_MAX_FEATURED featured active products, newest first. */
int		 product_featured(struct db *, struct arena *,
		    struct product **out, size_t *n);

/*
 * The active product by slug with its active variants (options filled)
 * and images: 1 found (in *out), 0 none, -1 error.
 */
int		 product_by_slug(struct db *, struct arena *, const char *slug,
		    struct product *out);

/*
 * What names a product page's cached fragment: the active product's id,
 * version (bumped by every change to it, its variants, images or
 * category) and name, by slug. 1 found, 0 none, -1 error.
 */
int		 product_stamp(struct db *, struct arena *, const char *slug,
		    long long *id, long long *version, char **name);

/* The catalog's version, bumped by any change to it; -1 on error. */
long long	 catalog_version(struct db *);

/*
 * Every active product's slug and updated_at, for the sitemap (other
 * fields are left empty). Returns 0 or -1.
 */
int		 product_index(struct db *, struct arena *,
		    struct product **out, size_t *n);

/* How many active products match an expression of catalog_fts_query(). */
int		 catalog_search_count(struct db *, const char *match,
		    long long *n);

/*
 * One page of the products matching an expression of
 * catalog_fts_query(), best first, with name_marked and snippet_marked.
 * Returns 0 or -1.
 */
int		 catalog_search(struct db *, struct arena *, const char *match,
		    long long limit, long long offset, struct product **out,
		    size_t *n);

#endif
