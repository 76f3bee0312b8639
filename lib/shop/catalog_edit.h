/*
 * Writing the catalog, as the back office does from its HTML forms and
 * JSON and shopctl seed does from its tables: categories, products,
 * their variants and images, each created and changed through these
 * functions only. What the storefront reads is in catalog.h; stock
 * changes after a variant's creation go through stock_adjust()
 * (inventory.h), which keeps each with its reason.
 *
 * Transactions: every function that writes is "in a write": the caller
 * opens the transaction with db_begin(), calls any of these (and writes
 * its own audit row, or several products at once), and ends it with
 * db_commit() or db_rollback(). They never commit themselves and refuse
 * (logged, CATALOG_ERROR) to run outside a write. The checks that make
 * a refusal (a name too long, a slug or SKU taken, an unknown category)
 * are all made before anything is written, so a refused call has written
 * nothing and the transaction can go on; after CATALOG_ERROR part of the
 * call may have been written: roll back.
 *
 *	db_begin(primary);
 *	rc = product_create(primary, a, &in, &id);
 *	if (rc == CATALOG_OK && audit_add(primary, ...) == 0)
 *		db_commit(primary);
 *	else {
 *		db_rollback(primary);
 *		form_error(f, catalog_result_fields[rc],
 *		    catalog_result_msgs[rc]);
 *	}
 *
 * Inputs are checked against the limits below (those of the schema):
 * names and titles are one line of well-formed UTF-8 without control
 * characters and not blank, descriptions may have several lines. Text is
 * stored as given: trimming is the form's job (form.h does it). Every
 * change bumps the versions the cached fragments are named by (schema
 * triggers: a product and its variants, images and category bump the
 * product; any of them bumps the catalog), and a call that changes
 * nothing writes nothing, so it bumps nothing either.
 *
 * Slugs are ASCII: lowercase letters, digits and single hyphens inside,
 * 1 to CATALOG_SLUG_MAX characters. Given one, it must be such a slug
 * and free; given none (NULL or ""), creating derives one from the name
 * (text_slug(): accents folded, lowercase, hyphens), cut to fit, and
 * made unique with "-2", "-3", ... on a clash; updating keeps the one
 * there is, so renaming something does not move its address.
 */
#ifndef SHOP_CATALOG_EDIT_H
#define SHOP_CATALOG_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "shop/catalog.h"

struct arena;
struct db;

/* Limits, in characters unless said otherwise; the schema's too. */
#define CATALOG_SLUG_MAX		80
#define CATALOG_CATEGORY_NAME_MAX	120
#define CATALOG_CATEGORY_TEXT_MAX	4000	/* description */
#define CATALOG_PRODUCT_NAME_MAX	200
#define CATALOG_PRODUCT_TEXT_MAX	20000	/* description */
#define CATALOG_PRODUCT_HTML_MAX	200000	/* description_html, bytes */
#define CATALOG_SKU_MAX			64	/* printable ASCII, no space */
#define CATALOG_TITLE_MAX		200
#define CATALOG_MAX_OPTIONS		3	/* Size, Colour, Material */
#define CATALOG_OPTION_NAME_MAX		40
#define CATALOG_OPTION_VALUE_MAX	80
#define CATALOG_POSITION_MAX		1000000	/* positions are 0 to this */
#define CATALOG_WEIGHT_MAX		1000000	/* grams */
#define CATALOG_IMAGE_PATH_MAX		255	/* bytes */
#define CATALOG_IMAGE_ALT_MAX		300
#define CATALOG_IMAGE_SIDE_MAX		20000	/* pixels */
/* Highest numeric suffix tried for a derived slug. */
#define CATALOG_SLUG_TRIES		1000

enum catalog_result {
	CATALOG_OK,
	CATALOG_NOT_FOUND,	/* the category, product or variant to change */
	CATALOG_BAD_NAME,
	CATALOG_BAD_SLUG,
	CATALOG_SLUG_TAKEN,
	CATALOG_BAD_DESCRIPTION,
	CATALOG_BAD_POSITION,
	CATALOG_BAD_CATEGORY,	/* no category has that id */
	CATALOG_BAD_DATE,	/* created_at */
	CATALOG_BAD_SKU,
	CATALOG_SKU_TAKEN,
	CATALOG_BAD_TITLE,
	CATALOG_BAD_OPTIONS,	/* too many, blank, too long, a name twice */
	CATALOG_BAD_PRICE,	/* negative or above MONEY_PARSE_MAX */
	CATALOG_BAD_CURRENCY,	/* not one money_known() */
	CATALOG_BAD_STOCK,	/* negative or above INVENTORY_STOCK_MAX */
	CATALOG_BAD_WEIGHT,
	CATALOG_BAD_ACTOR,
	CATALOG_BAD_PATH,	/* an image path: see image_add() */
	CATALOG_BAD_ALT,
	CATALOG_BAD_SIZE,	/* an image's width or height */
	CATALOG_ERROR,		/* database error (logged): roll back */
	CATALOG_RESULT__MAX
};

/* "ok", "not_found", "bad_name", "slug_taken", ...: for logs and JSON. */
extern const char *const catalog_result_names[CATALOG_RESULT__MAX];
/* What a person is told, a sentence ("That address is taken."). */
extern const char *const catalog_result_msgs[CATALOG_RESULT__MAX];
/*
 * The field a result is about, named as the column and the back office's
 * form field ("name", "slug", "sku", "category_id", "price", ...), or
 * NULL when it is about none (ok, not found, the actor, an error).
 */
extern const char *const catalog_result_fields[CATALOG_RESULT__MAX];

struct category_input {
	const char	*name;
	const char	*slug;		/* NULL or "": see above */
	const char	*description;	/* NULL: "" */
	long long	 position;	/* order in lists, lowest first */
};

struct product_input {
	const char	*name;
	const char	*slug;		/* NULL or "": see above */
	const char	*description;	/* NULL: "" */
	/*
	 * The description as HTML, NULL or "" for none: passed through
	 * html_sanitize() (ext/html_sanitize.h) and stored as it comes out,
	 * so the column only ever holds what the sanitizer wrote, and the
	 * product page may show it unescaped. description stays the plain
	 * text (search, feeds, meta tags); the caller gives both, usually
	 * the text html_sanitize() made of the same HTML. Input that is
	 * not UTF-8, or sanitizes to more than CATALOG_PRODUCT_HTML_MAX
	 * bytes, is CATALOG_BAD_DESCRIPTION.
	 */
	const char	*description_html;
	long long	 category_id;	/* 0: in no category */
	bool		 active;	/* on sale; false: hidden everywhere */
	bool		 featured;	/* on the home page */
	/* Unix seconds; 0: now. Creating only (imports, the demo store). */
	long long	 created_at;
};

struct variant_input {
	const char	*sku;		/* unique */
	/* NULL or "": the option values joined by " / ", or "". */
	const char	*title;
	/* In the order shoppers see them; names unique, none blank. */
	const struct variant_option *options;
	size_t		 noptions;	/* 0 to CATALOG_MAX_OPTIONS */
	long long	 price;		/* minor units of currency */
	const char	*currency;	/* ISO 4217, one money_known() */
	/* Creating: the first stock, kept as a movement. Updating: unused. */
	long long	 stock;
	long long	 weight_grams;	/* 0 to CATALOG_WEIGHT_MAX */
	long long	 position;	/* order on the product page */
	bool		 active;	/* on sale */
};

struct image_input {
	/* Relative to the media directory: "products/mug.svg". */
	const char	*path;
	const char	*alt;		/* what it shows, for screen readers */
	int		 width;		/* pixels, of the file at path */
	int		 height;
	long long	 position;	/* the lowest is the product's picture */
	/*
	 * An image kept at several widths (an upload, ext/image.h): its
	 * files are base-<w>.webp and base-<w>.jpg in the media directory
	 * for each of the widths, ascending; path is one of them. NULL and
	 * 0: the one file at path.
	 */
	const char	*base;
	const int	*widths;
	size_t		 nwidths;	/* 0 to CATALOG_IMAGE_WIDTHS */
};

/* An image as the back office lists it: its row. */
struct image_row {
	long long	 id;
	long long	 product_id;
	long long	 position;
	struct image	 image;
};

/* Whether s is a slug as described above. */
bool		 catalog_slug_ok(const char *s);

/*
 * A category (in a write): *id gets its id. CATALOG_SLUG_TAKEN when
 * another category has the slug given; a derived one never clashes.
 */
enum catalog_result category_create(struct db *, struct arena *,
		    const struct category_input *, long long *id);

/* Change every field of category id to in's (in a write). */
enum catalog_result category_update(struct db *, struct arena *,
		    long long id, const struct category_input *);

/*
 * A product (in a write), with no variants yet: *id gets its id.
 * CATALOG_BAD_CATEGORY when category_id names no category.
 */
enum catalog_result product_create(struct db *, struct arena *,
		    const struct product_input *, long long *id);

/*
 * Change every field of product id to in's but created_at (in a
 * write). Taking a product off sale keeps its page's address for when
 * it comes back.
 */
enum catalog_result product_update(struct db *, struct arena *,
		    long long id, const struct product_input *);

/*
 * A variant of product_id (in a write): *id gets its id. Its first
 * stock, if any, is kept as a movement by actor ("admin:<email>",
 * "seed"). CATALOG_NOT_FOUND when there is no such product.
 */
enum catalog_result variant_create(struct db *, long long product_id,
		    const struct variant_input *, const char *actor,
		    long long *id);

/*
 * Change every field of variant id to in's but its stock (in a write),
 * which only stock_adjust() changes, with a reason. When it goes on or
 * off sale its product's live stock line is published.
 */
enum catalog_result variant_update(struct db *, long long id,
		    const struct variant_input *);

/*
 * An image of product_id (in a write), whose file the caller has put in
 * place: *id (may be NULL) gets its id. The path is 1 to
 * CATALOG_IMAGE_PATH_MAX bytes of ASCII letters, digits, ".", "-", "_"
 * and "/", relative (no leading "/"), without "..", "./" or "//"; so is
 * the base, if any, with 1 to CATALOG_IMAGE_WIDTHS widths each from 1
 * to CATALOG_IMAGE_SIDE_MAX, ascending (CATALOG_BAD_PATH, CATALOG_BAD_SIZE
 * otherwise).
 */
enum catalog_result image_add(struct db *, long long product_id,
		    const struct image_input *, long long *id);

/*
 * Change the alt text, size and position of image id to in's (in a
 * write); its path, the file it names, stays. CATALOG_NOT_FOUND when
 * there is no such image.
 */
enum catalog_result image_update(struct db *, long long id,
		    const struct image_input *);

/*
 * The id of the category or product with a slug, or of the variant with
 * a SKU (and *product_id, may be NULL, its product's), on sale or not:
 * the id, 0 when there is none, -1 on a database error.
 */
long long	 category_id_by_slug(struct db *, const char *slug);
long long	 product_id_by_slug(struct db *, const char *slug);
long long	 variant_id_by_sku(struct db *, const char *sku,
		    long long *product_id);

/*
 * The images of a product in their order (position, then id), the
 * first being its picture; in the arena. Returns 0 or -1.
 */
int		 image_list(struct db *, struct arena *, long long product_id,
		    struct image_row **out, size_t *n);

/* Image image_id of product_id: 1 found (in *out), 0 none, -1 error. */
int		 image_get(struct db *, struct arena *, long long product_id,
		    long long image_id, struct image_row *out);

/*
 * Put image image_id of product_id at place to (0 for the product's
 * picture; past the last: last) among the product's images (in a
 * write), which are numbered 0, 1, 2, ... in their new order. *from and
 * *now (may be NULL) get the places it had and has. CATALOG_NOT_FOUND
 * when the product has no such image; moving it where it is writes
 * nothing.
 */
enum catalog_result image_move(struct db *, long long product_id,
		    long long image_id, long long to, long long *from,
		    long long *now);

/*
 * Take image image_id of product_id out of the catalog (in a write):
 * its row only; its files are the caller's to remove (image_remove() in
 * ext/image.h for an upload, with the row's base), once the write has
 * committed. CATALOG_NOT_FOUND when the product has no such image.
 */
enum catalog_result image_delete(struct db *, long long product_id,
		    long long image_id);

/*
 * Whether the store has any product, on sale or not: 1, 0, or -1 on a
 * database error.
 */
int		 catalog_has_products(struct db *);

/*
 * What an edit form starts from: the fields of a category, a product or
 * a variant (with its stock and options) by id, whether on sale or not,
 * strings in the arena. 1 found, 0 none, -1 error.
 */
int		 category_get(struct db *, struct arena *, long long id,
		    struct category_input *);
int		 product_get(struct db *, struct arena *, long long id,
		    struct product_input *);
int		 variant_get(struct db *, struct arena *, long long id,
		    long long *product_id, struct variant_input *);

/*
 * The ids of every variant of a product, on sale or not, in their order
 * on the product page (arena). Returns 0 or -1.
 */
int		 product_variant_ids(struct db *, struct arena *,
		    long long product_id, long long **ids, size_t *n);

#endif
