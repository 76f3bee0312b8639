/*
 * The catalog in and out (see catalog_io.h).
 *
 * An import is read by one of two readers (the XML one and the Shopify
 * one), which build one product at a time, with its variants and
 * images, in an arena that is emptied after each. Each finished product
 * is then checked and, in the pass that writes, applied through
 * catalog_edit.h. There are up to two passes over the file: when
 * images must be taken in, the first reads and writes their files
 * (outside any transaction); the second, in one transaction, writes
 * the rows. Whether a product changed is told by SQLite's count of rows
 * changed: catalog_edit writes nothing for what does not change.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/money.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/csvin.h"
#include "ext/feed.h"
#include "ext/fetch.h"
#include "ext/html_sanitize.h"
#include "ext/image.h"
#include "ext/xmlin.h"
#include "shop/catalog.h"
#include "shop/catalog_edit.h"
#include "shop/catalog_io.h"
#include "shop/inventory.h"
#include "shop/pricing.h"

/* The schema, compiled in from share/shopfile/catalog.rng by make. */
extern const char	catalog_rng[];
extern const size_t	catalog_rng_len;

const char *const import_format_names[IMPORT_FORMAT__MAX] = {
	"products",
	"shopify",
};

/* Where image files taken in go, under the media directory. */
#define IMAGES_SUBDIR	"products"
/* The page cache of an import's transaction, and the usual (db.c's). */
#define IMPORT_CACHE	"-262144"	/* KiB: 256 MiB at most */
#define USUAL_CACHE	"-8192"
/* Hex digits of the SHA-256 of an image that name its files. */
#define IMAGE_HASH_HEX	24

enum pass {
	PASS_CHECK,	/* no database: what needs none */
	PASS_IMAGES,	/* take the image files in */
	PASS_APPLY,	/* write the rows, in the transaction */
	PASS__MAX
};

/* ------------------------------------------------------------ maps */

/*
 * Strings to values, for what a file has given already (slugs, SKUs,
 * handles, image sources): open addressing, grown at half full. Keys
 * are copied; values are the caller's.
 */
struct strmap {
	char	**keys;
	void	**vals;
	size_t	  cap;
	size_t	  n;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t
map_slot(const struct strmap *m, const char *key)
{
	size_t	i = (size_t)hash_str(key) & (m->cap - 1);

	while (m->keys[i] != NULL && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void **
map_get(const struct strmap *m, const char *key)
{
	size_t	i;

	if (m->cap == 0)
		return NULL;
	i = map_slot(m, key);
	return m->keys[i] != NULL ? &m->vals[i] : NULL;
}

static void
map_put(struct strmap *m, const char *key, void *val)
{
	struct strmap	 bigger;
	size_t		 i;

	if ((m->n + 1) * 2 > m->cap) {
		bigger.cap = m->cap ? m->cap * 2 : 64;
		bigger.n = 0;
		if ((bigger.keys = calloc(bigger.cap, sizeof(char *))) == NULL ||
		    (bigger.vals = calloc(bigger.cap, sizeof(void *))) == NULL)
			abort();
		for (i = 0; i < m->cap; i++)
			if (m->keys[i] != NULL) {
				size_t	j = map_slot(&bigger, m->keys[i]);

				bigger.keys[j] = m->keys[i];
				bigger.vals[j] = m->vals[i];
				bigger.n++;
			}
		free(m->keys);
		free(m->vals);
		*m = bigger;
	}
	i = map_slot(m, key);
	if (m->keys[i] == NULL) {
		if ((m->keys[i] = strdup(key)) == NULL)
			abort();
		m->n++;
	}
	m->vals[i] = val;
}

/* Free the keys, and the values with fn (NULL: not). */
static void
map_free(struct strmap *m, void (*fn)(void *))
{
	size_t	i;

	for (i = 0; i < m->cap; i++)
		if (m->keys[i] != NULL) {
			free(m->keys[i]);
			if (fn != NULL)
				fn(m->vals[i]);
		}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------ what is read */

struct io_variant {
	const char		*sku;
	const char		*title;
	struct variant_option	 opt[CATALOG_MAX_OPTIONS];
	size_t			 nopt;
	long long		 price;
	const char		*currency;
	long long		 stock;
	long long		 weight;
	long long		 position;
	bool			 active;
	long			 line;
};

struct io_image {
	const char	*path;
	const char	*alt;
	int		 width;
	int		 height;
	long long	 position;
	const char	*src;		/* a file or URL to take in, or NULL */
	long		 line;
};

struct io_product {
	const char		*slug;
	const char		*name;
	const char		*description;
	const char		*html;
	const char		*category;	/* XML: a slug */
	const char		*type;		/* Shopify: a category's name */
	bool			 active;
	bool			 featured;
	long long		 created;	/* 0: now */
	struct io_variant	*v;
	size_t			 nv, capv;
	struct io_image		*im;
	size_t			 ni, capi;
	long			 line;
};

struct io_category {
	const char	*slug;
	const char	*name;
	const char	*description;
	long long	 position;
	long		 line;
};

/* An image file taken in: what its rows name. */
struct image_done {
	char	*path;		/* the widest JPEG */
	int	 width;
	int	 height;
	char	*base;		/* every width, for srcset (shop/catalog.h) */
	int	 widths[CATALOG_IMAGE_WIDTHS];
	size_t	 nwidths;
};

/* The Shopify columns this reads, by their names in the header. */
enum scol {
	SC_HANDLE,
	SC_TITLE,
	SC_BODY,
	SC_TYPE,
	SC_PUBLISHED,
	SC_STATUS,
	SC_OPT1_NAME,
	SC_OPT1_VALUE,
	SC_OPT2_NAME,
	SC_OPT2_VALUE,
	SC_OPT3_NAME,
	SC_OPT3_VALUE,
	SC_SKU,
	SC_GRAMS,
	SC_QTY,
	SC_PRICE,
	SC_IMAGE_SRC,
	SC_IMAGE_POSITION,
	SC_IMAGE_ALT,
	SC__MAX
};

static const char *const scol_names[SC__MAX] = {
	"Handle",
	"Title",
	"Body (HTML)",
	"Type",
	"Published",
	"Status",
	"Option1 Name",
	"Option1 Value",
	"Option2 Name",
	"Option2 Value",
	"Option3 Name",
	"Option3 Value",
	"Variant SKU",
	"Variant Grams",
	"Variant Inventory Qty",
	"Variant Price",
	"Image Src",
	"Image Position",
	"Image Alt Text",
};

struct imp {
	struct db			*db;	/* NULL in PASS_CHECK */
	const struct import_opts	*o;
	enum import_format		 format;
	struct import_report		*rep;
	enum pass			 pass;
	struct arena			*a;	/* the current product's */
	bool				 fatal;	/* stop reading */
	bool				 bad;	/* the current product */
	bool				 in_product;

	struct strmap			 cats;	/* slugs given */
	struct strmap			 prods;
	struct strmap			 skus;
	struct strmap			*images; /* sources taken in */
	struct strmap			*written; /* base names written */
	struct io_product		 p;
	struct io_category		 c;

	/* XML. */
	struct xmlin			*x;
	struct buf			 text;
	struct io_variant		*cur_v;
	struct io_image			*cur_im;
	long				 leaf_line;
	const char			*opt_name;

	/* Shopify. */
	int				 col[SC__MAX];
	bool				 header;
	struct strmap			 handles;
	const char			*opt_names[CATALOG_MAX_OPTIONS];
};

/*
 * A problem at line, about field (may be NULL): counted, the first kept,
 * told (up to CATALOG_IO_MAX_ERRORS), and the current product refused.
 */
static void
imp_error(struct imp *im, long line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
imp_error(struct imp *im, long line, const char *field, const char *fmt, ...)
{
	char	 msg[400], all[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0 && field != NULL)
		snprintf(all, sizeof(all), "line %ld: %s: %s", line, field, msg);
	else if (line > 0)
		snprintf(all, sizeof(all), "line %ld: %s", line, msg);
	else
		snprintf(all, sizeof(all), "%s", msg);
	im->bad = true;
	if (im->rep->errors++ == 0)
		snprintf(im->rep->error, sizeof(im->rep->error), "%s", all);
	if (im->o != NULL && im->o->note != NULL) {
		if (im->rep->errors <= CATALOG_IO_MAX_ERRORS)
			im->o->note(im->o->note_arg, all);
		else if (im->rep->errors == CATALOG_IO_MAX_ERRORS + 1)
			im->o->note(im->o->note_arg, "(more problems are "
			    "counted, not shown)");
	}
}

static void
note(struct imp *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct imp *im, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	if (im->o == NULL || im->o->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	im->o->note(im->o->note_arg, msg);
}

/* ------------------------------------------------------------ values */

/*
 * A whole number of ASCII digits from 0 to max: 0 with *v, or -1 (the
 * empty string, signs, spaces, anything else).
 */
static int
parse_count(const char *s, long long max, long long *v)
{
	long long	n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > (max - (*s - '0')) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	*v = n;
	return 0;
}

/* xsd:boolean: true, false, 1, 0. 0 with *v, or -1. */
static int
parse_bool(const char *s, bool *v)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*v = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*v = false;
	else
		return -1;
	return 0;
}

/* "2025-01-06T09:00:00Z" as Unix seconds: 0 with *t, or -1. */
static int
parse_time(const char *s, long long *t)
{
	struct tm	 tm;
	const char	*end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) ==
	    NULL || *end != '\0' || strlen(s) != 20)
		return -1;
	*t = (long long)timegm(&tm);
	return *t > 0 ? 0 : -1;
}

static void
iso_time(long long t, char out[32])
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A price in currency: 0 with *minor, or -1 after saying why. */
static int
price_of(struct imp *im, long line, const char *field, const char *text,
    const char *currency, long long *minor)
{
	int	exp = money_exponent(currency);

	if (exp < 0) {
		imp_error(im, line, "currency", "%s is not a currency the "
		    "shop knows", currency ? currency : "(none)");
		return -1;
	}
	if (money_parse(text, exp, minor) != 0) {
		imp_error(im, line, field, "\"%s\" is not a price in %s: "
		    "digits, not negative, with at most %d decimal%s after "
		    "one point", text, currency, exp, exp == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ products */

static struct io_variant *
new_variant(struct imp *im, long line)
{
	struct io_product	*p = &im->p;
	struct io_variant	*v;

	if (p->nv == p->capv) {
		p->capv = p->capv ? p->capv * 2 : 8;
		v = arena_calloc(im->a, p->capv, sizeof(*v));
		if (p->nv > 0)
			memcpy(v, p->v, p->nv * sizeof(*v));
		p->v = v;
	}
	v = &p->v[p->nv];
	memset(v, 0, sizeof(*v));
	v->line = line;
	v->active = true;
	v->position = (long long)p->nv;
	p->nv++;
	im->rep->variants++;
	return v;
}

static struct io_image *
new_image(struct imp *im, long line)
{
	struct io_product	*p = &im->p;
	struct io_image		*i;

	if (p->ni == p->capi) {
		p->capi = p->capi ? p->capi * 2 : 4;
		i = arena_calloc(im->a, p->capi, sizeof(*i));
		if (p->ni > 0)
			memcpy(i, p->im, p->ni * sizeof(*i));
		p->im = i;
	}
	i = &p->im[p->ni];
	memset(i, 0, sizeof(*i));
	i->line = line;
	i->position = (long long)p->ni;
	p->ni++;
	im->rep->images++;
	return i;
}

static void
product_begin(struct imp *im, long line)
{
	arena_reset(im->a);
	memset(&im->p, 0, sizeof(im->p));
	im->p.line = line;
	im->p.active = true;
	im->bad = false;
	im->in_product = true;
	im->cur_v = NULL;
	im->cur_im = NULL;
	im->rep->products++;
}

/* A slug or SKU given twice in the file. */
static void
once(struct imp *im, struct strmap *m, const char *key, long line,
    const char *field, const char *what)
{
	void	**was;

	if (key == NULL || *key == '\0')
		return;
	if ((was = map_get(m, key)) != NULL) {
		imp_error(im, line, field, "%s \"%s\" is in the file twice "
		    "(first at line %ld)", what, key, (long)(intptr_t)*was);
		return;
	}
	map_put(m, key, (void *)(intptr_t)line);
}

/* Say what catalog_edit refused; false on a database error. */
static bool
refused(struct imp *im, long line, const char *what,
    enum catalog_result rc)
{
	const char	*field = catalog_result_fields[rc];

	if (rc == CATALOG_ERROR) {
		imp_error(im, line, NULL, "%s: the database failed: %s", what,
		    db_errmsg(im->db));
		im->fatal = true;
		return false;
	}
	imp_error(im, line, field ? field : what, "%s: %s", what,
	    catalog_result_msgs[rc]);
	return true;
}

/* Whether a row count moved since before. */
static sqlite3_int64
changes(struct imp *im)
{
	return sqlite3_total_changes64(db_handle(im->db));
}

static void
apply_category(struct imp *im)
{
	struct io_category	*c = &im->c;
	struct category_input	 in = {
		.name = c->name,
		.slug = c->slug,
		.description = c->description,
		.position = c->position,
	};
	enum catalog_result	 rc;
	sqlite3_int64		 before = changes(im);
	long long		 id;

	if ((id = category_id_by_slug(im->db, c->slug)) < 0) {
		imp_error(im, c->line, NULL, "the database failed: %s",
		    db_errmsg(im->db));
		im->fatal = true;
		return;
	}
	if (id == 0) {
		rc = category_create(im->db, im->a, &in, &id);
		if (rc == CATALOG_OK)
			im->rep->categories_created++;
	} else {
		rc = category_update(im->db, im->a, id, &in);
		if (rc == CATALOG_OK && changes(im) != before)
			im->rep->categories_updated++;
	}
	if (rc != CATALOG_OK)
		refused(im, c->line, arena_printf(im->a, "category %s",
		    c->slug), rc);
}

/* The category of a Shopify product: by the slug of its Type, or new. */
static long long
shopify_category(struct imp *im)
{
	const struct io_product	*p = &im->p;
	enum catalog_result	 rc;
	char			*slug;
	long long		 id;
	size_t			 n;

	if (p->type == NULL || text_blank(p->type))
		return 0;
	slug = text_slug(im->a, p->type);
	if ((n = strlen(slug)) > CATALOG_SLUG_MAX)
		slug[n = CATALOG_SLUG_MAX] = '\0';
	while (n > 0 && slug[n - 1] == '-')
		slug[--n] = '\0';
	if (*slug == '\0') {
		imp_error(im, p->line, "Type", "\"%s\" makes no category "
		    "address", p->type);
		return -1;
	}
	if ((id = category_id_by_slug(im->db, slug)) != 0)
		return id;
	rc = category_create(im->db, im->a, &(struct category_input){
	    .name = p->type, .slug = slug }, &id);
	if (rc != CATALOG_OK) {
		refused(im, p->line, "Type", rc);
		return -1;
	}
	im->rep->categories_created++;
	return id;
}

static void
apply_variant(struct imp *im, long long pid, const struct io_variant *v)
{
	struct variant_input	 in = {
		.sku = v->sku,
		.title = v->title,
		.options = v->opt,
		.noptions = v->nopt,
		.price = v->price,
		.currency = v->currency,
		.stock = v->stock,
		.weight_grams = v->weight,
		.position = v->position,
		.active = v->active,
	};
	struct variant_input	 was;
	enum catalog_result	 rc;
	enum inventory_result	 irc;
	long long		 vid, owner, wpid;
	const char		*what = arena_printf(im->a, "variant %s",
	    v->sku);

	if ((vid = variant_id_by_sku(im->db, v->sku, &owner)) < 0) {
		refused(im, v->line, what, CATALOG_ERROR);
		return;
	}
	if (vid == 0) {
		if ((rc = variant_create(im->db, pid, &in, im->o->actor,
		    &vid)) != CATALOG_OK)
			refused(im, v->line, what, rc);
		return;
	}
	if (owner != pid) {
		imp_error(im, v->line, "sku", "%s belongs to another product "
		    "in the store; a variant cannot move between products",
		    v->sku);
		return;
	}
	if ((rc = variant_update(im->db, vid, &in)) != CATALOG_OK) {
		refused(im, v->line, what, rc);
		return;
	}
	if (variant_get(im->db, im->a, vid, &wpid, &was) != 1) {
		refused(im, v->line, what, CATALOG_ERROR);
		return;
	}
	if (was.stock == v->stock)
		return;
	irc = stock_adjust(im->db, vid, STOCK_MODE_SET, v->stock,
	    CATALOG_IO_REASON, im->o->actor, NULL);
	if (irc == INVENTORY_ERROR) {
		refused(im, v->line, what, CATALOG_ERROR);
		return;
	}
	if (irc != INVENTORY_OK)
		imp_error(im, v->line, "stock", "%s: %s", what,
		    inventory_result_msgs[irc]);
}

/* The row an image becomes: taken in (from im->images) or as given. */
static bool
image_row(struct imp *im, const struct io_image *i, struct image_input *in)
{
	struct image_done	*done = NULL;
	void			**slot;

	memset(in, 0, sizeof(*in));
	in->path = i->path;
	in->alt = i->alt;
	in->width = i->width;
	in->height = i->height;
	in->position = i->position;
	if (i->src == NULL)
		return in->path != NULL;
	if (im->images != NULL && (slot = map_get(im->images, i->src)) != NULL)
		done = *slot;
	if (done == NULL)
		return false;
	in->path = done->path;
	in->width = done->width;
	in->height = done->height;
	in->base = done->base;
	in->widths = done->widths;
	in->nwidths = done->nwidths;
	return true;
}

static void
apply_images(struct imp *im, long long pid)
{
	struct image_row	*rows;
	struct image_input	 in;
	enum catalog_result	 rc;
	size_t			 nrows, i, k;

	if (image_list(im->db, im->a, pid, &rows, &nrows) != 0) {
		refused(im, im->p.line, "images", CATALOG_ERROR);
		return;
	}
	for (i = 0; i < im->p.ni && !im->fatal; i++) {
		const struct io_image	*src = &im->p.im[i];

		if (!image_row(im, src, &in)) {
			im->rep->images_skipped++;
			continue;
		}
		for (k = 0; k < nrows; k++)
			if (strcmp(rows[k].image.path, in.path) == 0)
				break;
		if (k < nrows) {
			if (rows[k].id < 0)
				continue;	/* the same file twice */
			rc = image_update(im->db, rows[k].id, &in);
			rows[k].id = -1;
		} else
			rc = image_add(im->db, pid, &in, NULL);
		if (rc != CATALOG_OK)
			refused(im, src->line, arena_printf(im->a, "image %s",
			    in.path), rc);
	}
}

static void
apply_product(struct imp *im)
{
	struct io_product	*p = &im->p;
	struct product_input	 in = {
		.name = p->name,
		.slug = p->slug,
		.description = p->description,
		.description_html = p->html,
		.active = p->active,
		.featured = p->featured,
		.created_at = p->created,
	};
	enum catalog_result	 rc;
	sqlite3_int64		 before = changes(im);
	long long		 pid, cid = 0;
	bool			 created = false;
	size_t			 i;

	if (im->format == IMPORT_XML && p->category != NULL) {
		if ((cid = category_id_by_slug(im->db, p->category)) == 0) {
			imp_error(im, p->line, "category", "no category \"%s\" "
			    "in the file or the store", p->category);
			return;
		}
	} else if (im->format == IMPORT_SHOPIFY)
		cid = shopify_category(im);
	if (cid < 0) {
		if (!im->bad)
			refused(im, p->line, "category", CATALOG_ERROR);
		return;
	}
	in.category_id = cid;
	if ((pid = product_id_by_slug(im->db, p->slug)) < 0) {
		refused(im, p->line, "product", CATALOG_ERROR);
		return;
	}
	if (pid == 0) {
		rc = product_create(im->db, im->a, &in, &pid);
		created = true;
	} else
		rc = product_update(im->db, im->a, pid, &in);
	if (rc != CATALOG_OK) {
		refused(im, p->line, arena_printf(im->a, "product %s",
		    p->slug), rc);
		return;
	}
	for (i = 0; i < p->nv && !im->fatal; i++)
		apply_variant(im, pid, &p->v[i]);
	if (!im->fatal)
		apply_images(im, pid);
	if (im->bad)
		return;
	if (created)
		im->rep->created++;
	else if (changes(im) != before)
		im->rep->updated++;
	else
		im->rep->unchanged++;
}

/* ------------------------------------------------------------ image files */

/* Read the file at path, at most IMAGE_MAX_BYTES, into b. 0 or -1. */
static int
read_file(const char *path, struct buf *b, char *err, size_t errlen)
{
	struct stat	 sb;
	char		 chunk[65536];
	ssize_t		 got;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > IMAGE_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a file of at most %d bytes",
		    path, IMAGE_MAX_BYTES);
		close(fd);
		return -1;
	}
	while ((got = read(fd, chunk, sizeof(chunk))) > 0) {
		if (b->len + (size_t)got > IMAGE_MAX_BYTES) {
			snprintf(err, errlen, "%s: more than %d bytes", path,
			    IMAGE_MAX_BYTES);
			close(fd);
			return -1;
		}
		buf_append(b, chunk, (size_t)got);
	}
	close(fd);
	if (got < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The last segment of a URL's path, without query or fragment (arena). */
static char *
url_name(struct arena *a, const char *url)
{
	const char	*end = url + strcspn(url, "?#"), *s = end;

	while (s > url && s[-1] != '/')
		s--;
	return arena_strndup(a, s, (size_t)(end - s));
}

static void
image_done_free(void *p)
{
	struct image_done	*d = p;

	if (d != NULL) {
		free(d->path);
		free(d->base);
	}
	free(d);
}

/*
 * Take in the file of image i (PASS_IMAGES): read or fetch it, check
 * it, and unless this is a dry run write its sizes under the name of
 * its hash; remember what its row names under its source.
 */
static void
take_image(struct imp *im, struct io_image *i, struct strmap *written)
{
	struct buf		 b = { 0 };
	struct image_info	 info;
	struct image_done	*done;
	unsigned char		 hash[crypto_hash_sha256_BYTES];
	char			 err[512], base[IMAGE_HASH_HEX + 2], *dir;
	const char		*what = i->src;
	enum image_err		 e;
	size_t			 k;

	if (map_get(im->images, i->src) != NULL)
		return;
	if (strncmp(i->src, "https://", 8) == 0 ||
	    strncmp(i->src, "http://", 7) == 0) {
		if (fetch_https(i->src, IMAGE_MAX_BYTES, &b, err,
		    sizeof(err)) != 0) {
			imp_error(im, i->line, "Image Src", "%s", err);
			buf_free(&b);
			return;
		}
	} else if (read_file(i->src, &b, err, sizeof(err)) != 0) {
		imp_error(im, i->line, "image", "%s", err);
		buf_free(&b);
		return;
	}
	crypto_hash_sha256(hash, (const unsigned char *)b.p, b.len);
	base[0] = 'i';
	for (k = 0; k < IMAGE_HASH_HEX / 2; k++)
		snprintf(base + 1 + 2 * k, 3, "%02x", hash[k]);
	dir = arena_printf(im->a, "%s/%s", im->o->media_dir, IMAGES_SUBDIR);
	if (im->o->dry_run)
		e = image_check(b.p, b.len, &info, err, sizeof(err));
	else {
		(void)mkdir(im->o->media_dir, 0750);
		e = image_ingest(b.p, b.len, dir, base, &info, err,
		    sizeof(err));
		if (e == IMAGE_OK)
			map_put(written, base, NULL);
		else if (e == IMAGE_ERR_EXISTS)
			e = image_check(b.p, b.len, &info, err, sizeof(err));
	}
	buf_free(&b);
	if (e != IMAGE_OK || info.nsizes == 0) {
		imp_error(im, i->line, "image", "%s: %s", what, e != IMAGE_OK ?
		    err : "no size could be written");
		return;
	}
	if ((done = calloc(1, sizeof(*done))) == NULL)
		abort();
	if (asprintf(&done->path, "%s/%s-%d.jpg", IMAGES_SUBDIR, base,
	    info.sizes[info.nsizes - 1].width) < 0)
		abort();
	done->width = info.sizes[info.nsizes - 1].width;
	done->height = info.sizes[info.nsizes - 1].height;
	if (asprintf(&done->base, "%s/%s", IMAGES_SUBDIR, base) < 0)
		abort();
	for (k = 0; k < info.nsizes && k < CATALOG_IMAGE_WIDTHS; k++)
		done->widths[done->nwidths++] = info.sizes[k].width;
	map_put(im->images, i->src, done);
	im->rep->images_written++;
}

/*
 * Where the images of the current product come from, set as i->src:
 * XML with images_dir: images_dir/<path>. Shopify: images_dir/<name of
 * Image Src> when that file is there, else the URL with fetch_images,
 * else none (the row is left out).
 */
static void
image_sources(struct imp *im)
{
	const struct import_opts	*o = im->o;
	struct io_image			*i;
	struct stat			 sb;
	char				*name, *path;
	size_t				 k;

	for (k = 0; k < im->p.ni; k++) {
		i = &im->p.im[k];
		if (im->format == IMPORT_XML) {
			i->src = o != NULL && o->images_dir != NULL ?
			    arena_printf(im->a, "%s/%s", o->images_dir,
			    i->path) : NULL;
			continue;
		}
		/* Shopify: i->src holds Image Src until here. */
		name = url_name(im->a, i->src);
		path = NULL;
		if (o != NULL && o->images_dir != NULL && *name != '\0' &&
		    strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
			path = arena_printf(im->a, "%s/%s", o->images_dir, name);
			if (stat(path, &sb) != 0)
				path = NULL;
		}
		if (path != NULL)
			i->src = path;
		else if (o != NULL && o->fetch_images) {
			if (strncmp(i->src, "https://", 8) != 0) {
				imp_error(im, i->line, "Image Src", "%s: only "
				    "https: addresses are fetched", i->src);
				i->src = NULL;
			}
		} else if (o != NULL && o->images_dir != NULL) {
			imp_error(im, i->line, "Image Src", "no file \"%s\" in "
			    "%s (and --fetch-images not given)", name,
			    o->images_dir);
			i->src = NULL;
		} else
			i->src = NULL;
	}
}

/* ------------------------------------------------------------ a product read */

/* What every pass checks of a product, then what its pass does. */
static void
product_end(struct imp *im)
{
	struct io_product	*p = &im->p;
	size_t			 i;

	im->in_product = false;
	if (p->slug == NULL || !catalog_slug_ok(p->slug))
		imp_error(im, p->line, im->format == IMPORT_XML ? "slug" :
		    "Handle", "\"%s\" is not an address of lowercase letters, "
		    "digits and single hyphens", p->slug ? p->slug : "");
	else
		once(im, &im->prods, p->slug, p->line, im->format ==
		    IMPORT_XML ? "slug" : "Handle", "the product");
	for (i = 0; i < p->nv; i++)
		once(im, &im->skus, p->v[i].sku, p->v[i].line, "sku",
		    "the SKU");
	if (p->html != NULL && *p->html != '\0' && im->pass == PASS_CHECK) {
		struct buf	 h = { 0 };

		if (html_sanitize(p->html, strlen(p->html), &h, NULL) != 0)
			imp_error(im, p->line, "description-html", "the HTML "
			    "cannot be read (too long or not UTF-8)");
		buf_free(&h);
	}
	if (p->ni > 0)
		image_sources(im);
	if (!im->bad && !im->fatal) {
		if (im->pass == PASS_IMAGES) {
			for (i = 0; i < p->ni && !im->fatal; i++)
				if (p->im[i].src != NULL)
					take_image(im, &p->im[i], im->written);
		} else if (im->pass == PASS_APPLY)
			apply_product(im);
	}
	if (im->bad)
		im->rep->refused++;
	if (im->pass == PASS_APPLY && im->rep->products %
	    CATALOG_IO_PROGRESS == 0)
		note(im, "import: %ld products read: %ld created, %ld updated, "
		    "%ld unchanged, %ld refused", im->rep->products,
		    im->rep->created, im->rep->updated, im->rep->unchanged,
		    im->rep->refused);
}

/* ------------------------------------------------------------ XML */

/* Leaf elements whose text is a value. */
static bool
leaf(const char *name)
{
	static const char *const leaves[] = {
		"name", "description", "description-html", "title", "option",
		"price", "stock", "weight-grams", "alt",
	};
	size_t	i;

	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (strcmp(name, leaves[i]) == 0)
			return true;
	return false;
}

/* The element names of the schema, as static strings; "" for others. */
static const char *
known_name(const char *name)
{
	static const char *const names[] = {
		"catalog", "categories", "category", "products", "product",
		"variant", "image", "name", "description", "description-html",
		"title", "option", "price", "stock", "weight-grams", "alt",
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return names[i];
	return "";
}

/* An attribute that is a count up to max, or def when absent. */
static long long
attr_count(struct imp *im, const char *name, long long max, long long def,
    long line)
{
	const char	*s = xmlin_attr(im->x, name);
	long long	 v;

	if (s == NULL)
		return def;
	if (parse_count(s, max, &v) != 0) {
		imp_error(im, line, name, "\"%s\" is not a whole number from 0 "
		    "to %lld", s, max);
		return def;
	}
	return v;
}

static bool
attr_bool(struct imp *im, const char *name, bool def, long line)
{
	const char	*s = xmlin_attr(im->x, name);
	bool		 v;

	if (s == NULL)
		return def;
	if (parse_bool(s, &v) != 0) {
		imp_error(im, line, name, "\"%s\" is not true or false", s);
		return def;
	}
	return v;
}

static const char *
attr_dup(struct imp *im, const char *name)
{
	const char	*s = xmlin_attr(im->x, name);

	return s != NULL ? arena_strdup(im->a, s) : NULL;
}

static void
xml_start(struct imp *im, const struct xmlin_node *n)
{
	const char	*s;

	if (leaf(n->name)) {
		buf_reset(&im->text);
		im->leaf_line = n->line;
		if (strcmp(n->name, "option") == 0)
			im->opt_name = attr_dup(im, "name");
		else if (strcmp(n->name, "price") == 0 && im->cur_v != NULL)
			im->cur_v->currency = attr_dup(im, "currency");
		return;
	}
	if (n->depth == 2 && strcmp(n->name, "category") == 0) {
		arena_reset(im->a);
		memset(&im->c, 0, sizeof(im->c));
		im->bad = false;
		im->c.line = n->line;
		im->c.slug = attr_dup(im, "slug");
		im->c.position = attr_count(im, "position",
		    CATALOG_POSITION_MAX, 0, n->line);
	} else if (n->depth == 2 && strcmp(n->name, "product") == 0) {
		product_begin(im, n->line);
		im->p.slug = attr_dup(im, "slug");
		im->p.category = attr_dup(im, "category");
		im->p.active = attr_bool(im, "active", true, n->line);
		im->p.featured = attr_bool(im, "featured", false, n->line);
		if ((s = xmlin_attr(im->x, "created")) != NULL &&
		    parse_time(s, &im->p.created) != 0)
			imp_error(im, n->line, "created", "\"%s\" is not a "
			    "time such as 2025-01-06T09:00:00Z", s);
	} else if (strcmp(n->name, "variant") == 0 && im->in_product) {
		im->cur_v = new_variant(im, n->line);
		im->cur_v->sku = attr_dup(im, "sku");
		im->cur_v->active = attr_bool(im, "active", true, n->line);
		im->cur_v->position = attr_count(im, "position",
		    CATALOG_POSITION_MAX, im->cur_v->position, n->line);
	} else if (strcmp(n->name, "image") == 0 && im->in_product) {
		im->cur_im = new_image(im, n->line);
		im->cur_im->path = attr_dup(im, "path");
		im->cur_im->width = (int)attr_count(im, "width", INT_MAX, 0,
		    n->line);
		im->cur_im->height = (int)attr_count(im, "height", INT_MAX, 0,
		    n->line);
		im->cur_im->position = attr_count(im, "position",
		    CATALOG_POSITION_MAX, im->cur_im->position, n->line);
		if (im->cur_im->path != NULL && (strstr(im->cur_im->path,
		    "..") != NULL || im->cur_im->path[0] == '/'))
			imp_error(im, n->line, "path", "\"%s\" is not a path "
			    "inside the media directory", im->cur_im->path);
	}
}

/* The text of the leaf element that ends, given to what it is in. */
static void
xml_leaf(struct imp *im, const char *name, const char *parent)
{
	const char		*t = arena_strdup(im->a, buf_str(&im->text));
	struct io_variant	*v = im->cur_v;
	long			 line = im->leaf_line;

	if (strcmp(parent, "category") == 0) {
		if (strcmp(name, "name") == 0)
			im->c.name = t;
		else if (strcmp(name, "description") == 0)
			im->c.description = t;
	} else if (strcmp(parent, "product") == 0 && im->in_product) {
		if (strcmp(name, "name") == 0)
			im->p.name = t;
		else if (strcmp(name, "description") == 0)
			im->p.description = t;
		else if (strcmp(name, "description-html") == 0)
			im->p.html = t;
	} else if (strcmp(parent, "variant") == 0 && v != NULL) {
		if (strcmp(name, "title") == 0)
			v->title = t;
		else if (strcmp(name, "option") == 0) {
			if (v->nopt == CATALOG_MAX_OPTIONS)
				imp_error(im, line, "option", "a variant has at "
				    "most %d options", CATALOG_MAX_OPTIONS);
			else {
				v->opt[v->nopt].name = im->opt_name ?
				    im->opt_name : "";
				v->opt[v->nopt++].value = t;
			}
		} else if (strcmp(name, "price") == 0)
			(void)price_of(im, line, "price", t, v->currency,
			    &v->price);
		else if (strcmp(name, "stock") == 0 &&
		    parse_count(t, INVENTORY_STOCK_MAX, &v->stock) != 0)
			imp_error(im, line, "stock", "\"%s\" is not a stock: a "
			    "whole number from 0 to %lld", t,
			    INVENTORY_STOCK_MAX);
		else if (strcmp(name, "weight-grams") == 0 &&
		    parse_count(t, CATALOG_WEIGHT_MAX, &v->weight) != 0)
			imp_error(im, line, "weight-grams", "\"%s\" is not a "
			    "weight: a whole number of grams from 0 to %d", t,
			    CATALOG_WEIGHT_MAX);
	} else if (strcmp(parent, "image") == 0 && im->cur_im != NULL &&
	    strcmp(name, "alt") == 0)
		im->cur_im->alt = t;
}

static void
category_end(struct imp *im)
{
	once(im, &im->cats, im->c.slug, im->c.line, "slug", "the category");
	if (im->pass == PASS_APPLY && !im->bad && !im->fatal)
		apply_category(im);
}

/* Read the whole XML document (x is open); the pass decides the rest. */
static void
xml_read(struct imp *im)
{
	struct xmlin_node	 n;
	const char		*stack[8] = { NULL };
	int			 rc;

	while (!im->fatal && (rc = xmlin_next(im->x, &n)) == 1) {
		if (n.kind == XMLIN_TEXT) {
			buf_append(&im->text, n.text, n.len);
			continue;
		}
		if (n.depth < 0 || n.depth >= 8)
			continue;	/* the schema has no such depth */
		if (n.kind == XMLIN_START) {
			stack[n.depth] = known_name(n.name);
			xml_start(im, &n);
			continue;
		}
		if (leaf(n.name) && n.depth > 0 && stack[n.depth - 1] != NULL)
			xml_leaf(im, n.name, stack[n.depth - 1]);
		else if (n.depth == 2 && strcmp(n.name, "product") == 0 &&
		    im->in_product)
			product_end(im);
		else if (n.depth == 2 && strcmp(n.name, "category") == 0)
			category_end(im);
		else if (strcmp(n.name, "variant") == 0)
			im->cur_v = NULL;
		else if (strcmp(n.name, "image") == 0)
			im->cur_im = NULL;
		buf_reset(&im->text);
	}
	if (!im->fatal && rc < 0) {
		imp_error(im, 0, NULL, "%s", xmlin_error(im->x));
		im->fatal = true;
	}
}

/* ------------------------------------------------------------ Shopify */

static const char *
scol(struct imp *im, const struct csvin_row *r, enum scol c)
{
	int	i = im->col[c];

	return i >= 0 && (size_t)i < r->n ? r->fields[i] : "";
}

static int
shopify_header(struct imp *im, const struct csvin_row *r)
{
	size_t	i;
	int	c;

	for (c = 0; c < SC__MAX; c++)
		im->col[c] = -1;
	for (i = 0; i < r->n; i++)
		for (c = 0; c < SC__MAX; c++)
			if (strcmp(text_trim(im->a, r->fields[i]),
			    scol_names[c]) == 0 && im->col[c] < 0)
				im->col[c] = (int)i;
	im->header = true;
	if (im->col[SC_HANDLE] < 0 || im->col[SC_TITLE] < 0) {
		imp_error(im, r->line, NULL, "the first row must name the "
		    "columns, Handle and Title among them (Shopify's product "
		    "CSV)");
		im->fatal = true;
		return 1;
	}
	return 0;
}

/* The first row of a product: its own fields and option names. */
static void
shopify_product(struct imp *im, const struct csvin_row *r, const char *handle)
{
	struct buf	 html = { 0 }, text = { 0 };
	const char	*body = scol(im, r, SC_BODY);
	const char	*status = scol(im, r, SC_STATUS);
	const char	*pub = scol(im, r, SC_PUBLISHED);
	int		 k;

	product_begin(im, r->line);
	once(im, &im->handles, handle, r->line, "Handle", "the handle");
	im->p.slug = arena_strdup(im->a, handle);
	im->p.name = arena_strdup(im->a, scol(im, r, SC_TITLE));
	im->p.type = arena_strdup(im->a, scol(im, r, SC_TYPE));
	if (*body != '\0') {
		if (html_sanitize(body, strlen(body), &html, &text) != 0)
			imp_error(im, r->line, "Body (HTML)", "the HTML cannot "
			    "be read (longer than %d bytes)", HTML_SANITIZE_MAX);
		im->p.html = arena_strdup(im->a, buf_str(&html));
		im->p.description = arena_strdup(im->a, buf_str(&text));
		buf_free(&html);
		buf_free(&text);
	}
	if (*status == '\0' || strcasecmp(status, "active") == 0)
		im->p.active = true;
	else if (strcasecmp(status, "draft") == 0 ||
	    strcasecmp(status, "archived") == 0)
		im->p.active = false;
	else
		imp_error(im, r->line, "Status", "\"%s\" is not active, draft "
		    "or archived", status);
	if (strcasecmp(pub, "false") == 0)
		im->p.active = false;
	else if (*pub != '\0' && strcasecmp(pub, "true") != 0)
		imp_error(im, r->line, "Published", "\"%s\" is not TRUE or "
		    "FALSE", pub);
	for (k = 0; k < CATALOG_MAX_OPTIONS; k++)
		im->opt_names[k] = arena_strdup(im->a, scol(im, r,
		    SC_OPT1_NAME + 2 * k));
}

static void
shopify_variant(struct imp *im, const struct csvin_row *r)
{
	struct io_variant	*v = new_variant(im, r->line);
	const char		*grams = scol(im, r, SC_GRAMS);
	const char		*qty = scol(im, r, SC_QTY);
	const char		*name, *value, *dot;
	int			 k;

	v->sku = arena_strdup(im->a, scol(im, r, SC_SKU));
	if (*v->sku == '\0')
		imp_error(im, r->line, "Variant SKU", "a variant needs a SKU: "
		    "the shop finds variants by it");
	v->currency = im->o != NULL && im->o->currency != NULL ?
	    im->o->currency : "EUR";
	(void)price_of(im, r->line, "Variant Price", scol(im, r, SC_PRICE),
	    v->currency, &v->price);
	if (*qty != '\0' && parse_count(qty, INVENTORY_STOCK_MAX,
	    &v->stock) != 0)
		imp_error(im, r->line, "Variant Inventory Qty", "\"%s\" is not "
		    "a stock: a whole number from 0 to %lld", qty,
		    INVENTORY_STOCK_MAX);
	/* Shopify writes grams as "200" or "200.0". */
	if (*grams != '\0') {
		char	*whole = arena_strdup(im->a, grams);

		if ((dot = strchr(grams, '.')) != NULL &&
		    strspn(dot + 1, "0") == strlen(dot + 1))
			whole[dot - grams] = '\0';
		if (parse_count(whole, CATALOG_WEIGHT_MAX, &v->weight) != 0)
			imp_error(im, r->line, "Variant Grams", "\"%s\" is not "
			    "a weight: a whole number of grams from 0 to %d",
			    grams, CATALOG_WEIGHT_MAX);
	}
	for (k = 0; k < CATALOG_MAX_OPTIONS; k++) {
		name = im->opt_names[k];
		value = scol(im, r, SC_OPT1_VALUE + 2 * k);
		if (*value == '\0')
			continue;
		if (name == NULL || *name == '\0') {
			imp_error(im, r->line, scol_names[SC_OPT1_VALUE + 2 * k],
			    "a value without the option's name on the "
			    "product's first row");
			continue;
		}
		/* Shopify's way of saying "no options". */
		if (strcmp(name, "Title") == 0 &&
		    strcmp(value, "Default Title") == 0)
			continue;
		v->opt[v->nopt].name = name;
		v->opt[v->nopt++].value = arena_strdup(im->a, value);
	}
}

static void
shopify_image(struct imp *im, const struct csvin_row *r)
{
	struct io_image	*i = new_image(im, r->line);
	const char	*pos = scol(im, r, SC_IMAGE_POSITION);
	const char	*alt = scol(im, r, SC_IMAGE_ALT);

	i->src = arena_strdup(im->a, scol(im, r, SC_IMAGE_SRC));
	i->alt = arena_strdup(im->a, *alt != '\0' ? alt : im->p.name);
	if (*pos != '\0' && parse_count(pos, CATALOG_POSITION_MAX,
	    &i->position) != 0)
		imp_error(im, r->line, "Image Position", "\"%s\" is not a "
		    "whole number from 0 to %d", pos, CATALOG_POSITION_MAX);
}

static int
shopify_row(void *arg, const struct csvin_row *r)
{
	struct imp	*im = arg;
	const char	*handle;

	if (!im->header)
		return shopify_header(im, r);
	handle = scol(im, r, SC_HANDLE);
	if (*handle == '\0') {
		imp_error(im, r->line, "Handle", "every row needs the handle "
		    "of its product");
		return im->fatal;
	}
	if (im->in_product && strcmp(handle, im->p.slug) != 0)
		product_end(im);
	if (im->fatal)
		return 1;
	if (!im->in_product)
		shopify_product(im, r, handle);
	if (*scol(im, r, SC_SKU) != '\0' || *scol(im, r, SC_PRICE) != '\0' ||
	    *scol(im, r, SC_OPT1_VALUE) != '\0')
		shopify_variant(im, r);
	if (*scol(im, r, SC_IMAGE_SRC) != '\0')
		shopify_image(im, r);
	return im->fatal ? 1 : 0;
}

/* ------------------------------------------------------------ passes */

static void
imp_init(struct imp *im, enum import_format f, const struct import_opts *o,
    struct import_report *rep, enum pass pass, struct strmap *images)
{
	memset(im, 0, sizeof(*im));
	memset(rep, 0, sizeof(*rep));
	im->format = f;
	im->o = o;
	im->rep = rep;
	im->pass = pass;
	im->images = images;
	im->a = arena_new();
}

static void
imp_free(struct imp *im)
{
	map_free(&im->cats, NULL);
	map_free(&im->prods, NULL);
	map_free(&im->skus, NULL);
	map_free(&im->handles, NULL);
	buf_free(&im->text);
	arena_free(im->a);
}

/*
 * One pass over the file at path (or the len bytes at mem); written
 * (PASS_IMAGES) gets the base names of the image files written.
 */
static void
imp_run(struct imp *im, const char *path, const void *mem, size_t len,
    struct strmap *written)
{
	static struct xmlin_schema	*schema;
	char				 err[512];
	int				 rc;

	im->written = written;
	if (im->format == IMPORT_XML) {
		if (schema == NULL && (schema = xmlin_schema_new(catalog_rng,
		    catalog_rng_len, err, sizeof(err))) == NULL) {
			imp_error(im, 0, NULL, "the catalog schema: %s", err);
			return;
		}
		im->x = path != NULL ? xmlin_open_file(path,
		    (size_t)CATALOG_IO_MAX_BYTES, schema, err, sizeof(err)) :
		    xmlin_open_memory(mem, len, (size_t)CATALOG_IO_MAX_BYTES,
		    schema, err, sizeof(err));
		if (im->x == NULL) {
			imp_error(im, 0, NULL, "%s", err);
			return;
		}
		xml_read(im);
		xmlin_close(im->x);
		im->x = NULL;
		return;
	}
	rc = path != NULL ? csvin_file(path, (size_t)CATALOG_IO_MAX_BYTES,
	    shopify_row, im, err, sizeof(err)) : csvin_memory(mem, len,
	    (size_t)CATALOG_IO_MAX_BYTES, shopify_row, im, err, sizeof(err));
	if (rc < 0 && !im->fatal) {
		imp_error(im, 0, NULL, "%s", err);
		im->fatal = true;
	}
	if (!im->fatal && im->in_product)
		product_end(im);
	if (!im->fatal && !im->header)
		imp_error(im, 0, NULL, "the file is empty: not even a row "
		    "naming the columns");
}

int
catalog_import_check(enum import_format f, const void *p, size_t len,
    struct import_report *rep)
{
	struct imp	im;

	if (f < 0 || f >= IMPORT_FORMAT__MAX)
		return -1;
	imp_init(&im, f, NULL, rep, PASS_CHECK, NULL);
	imp_run(&im, NULL, p, len, NULL);
	imp_free(&im);
	return rep->errors == 0 ? 0 : -1;
}

/* Remove the files of every base name in written. */
static void
remove_written(const struct import_opts *o, struct strmap *written)
{
	char	 err[256], *dir;
	size_t	 i;

	if (asprintf(&dir, "%s/%s", o->media_dir, IMAGES_SUBDIR) < 0)
		abort();
	for (i = 0; i < written->cap; i++)
		if (written->keys[i] != NULL &&
		    image_remove(dir, written->keys[i], err, sizeof(err)) < 0)
			log_warn("import: %s", err);
	free(dir);
}

int
catalog_import(struct db *d, const char *path, const struct import_opts *o,
    struct import_report *rep)
{
	struct strmap	 images = { 0 }, written = { 0 };
	struct imp	 im;
	long		 written_n;
	bool		 take;
	int		 rc = -1;

	memset(rep, 0, sizeof(*rep));
	take = o->images_dir != NULL || (o->format == IMPORT_SHOPIFY &&
	    o->fetch_images);
	if (take) {
		/* Files first: never read, fetched or decoded in a write. */
		imp_init(&im, o->format, o, rep, PASS_IMAGES, &images);
		imp_run(&im, path, NULL, 0, &written);
		imp_free(&im);
		if (rep->errors > 0)
			goto out;
	}
	written_n = rep->images_written;
	imp_init(&im, o->format, o, rep, PASS_APPLY, take ? &images : NULL);
	rep->images_written = written_n;
	/*
	 * One transaction of the whole catalog: with the usual page cache,
	 * SQLite spills the same pages to the WAL again and again.
	 */
	(void)db_exec(d, "PRAGMA cache_size=" IMPORT_CACHE);
	if (db_begin(d) != 0) {
		imp_error(&im, 0, NULL, "cannot begin the write: %s",
		    db_errmsg(d));
		(void)db_exec(d, "PRAGMA cache_size=" USUAL_CACHE);
		imp_free(&im);
		goto out;
	}
	im.db = d;
	imp_run(&im, path, NULL, 0, NULL);
	imp_free(&im);
	if (rep->errors > 0 || o->dry_run) {
		db_rollback(d);
		(void)db_exec(d, "PRAGMA cache_size=" USUAL_CACHE);
		rc = rep->errors > 0 ? -1 : 0;
		goto out;
	}
	rc = db_commit(d);
	(void)db_exec(d, "PRAGMA cache_size=" USUAL_CACHE);
	if (rc != 0) {
		rc = -1;
		snprintf(rep->error, sizeof(rep->error), "the commit failed: "
		    "%s", db_errmsg(d));
		rep->errors++;
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && !o->dry_run)
		remove_written(o, &written);
	map_free(&images, image_done_free);
	map_free(&written, NULL);
	return rc;
}

/* ------------------------------------------------------------ export */

static const char sql_export_categories[] =
    "SELECT id FROM categories ORDER BY position, id";
static const char sql_export_products[] =
    "SELECT id FROM products ORDER BY id";

struct idslug {
	long long	 id;
	const char	*slug;
};

static int
w_attr_int(xmlTextWriterPtr w, const char *name, long long v)
{
	return xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, "%lld", v);
}

static int
w_elem(xmlTextWriterPtr w, const char *name, const char *text)
{
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text);
}

/* Ids of a statement "SELECT id ...", in the arena. */
static int
all_ids(struct db *d, struct arena *a, const char *sql, long long **ids,
    size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 64;
	int		 rc;

	*n = 0;
	*ids = arena_calloc(a, cap, sizeof(**ids));
	if ((st = db_prep(d, sql)) == NULL)
		return -1;
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

static int
export_categories(struct db *d, struct arena *a, xmlTextWriterPtr w,
    struct idslug **cats, size_t *ncats)
{
	struct category_input	 c;
	long long		*ids;
	size_t			 n, i;

	if (all_ids(d, a, sql_export_categories, &ids, &n) != 0)
		return -1;
	*cats = arena_calloc(a, n + 1, sizeof(**cats));
	*ncats = n;
	if (xmlTextWriterStartElement(w, BAD_CAST "categories") < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (category_get(d, a, ids[i], &c) != 1)
			return -1;
		(*cats)[i].id = ids[i];
		(*cats)[i].slug = c.slug;
		if (xmlTextWriterStartElement(w, BAD_CAST "category") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "slug",
		    BAD_CAST c.slug) < 0 ||
		    w_attr_int(w, "position", c.position) < 0 ||
		    w_elem(w, "name", c.name) < 0 ||
		    (*c.description != '\0' &&
		    w_elem(w, "description", c.description) < 0) ||
		    xmlTextWriterEndElement(w) < 0)
			return -1;
	}
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int
export_variant(struct db *d, struct arena *a, xmlTextWriterPtr w,
    long long vid)
{
	struct variant_input	 v;
	long long		 pid;
	size_t			 i;

	if (variant_get(d, a, vid, &pid, &v) != 1)
		return -1;
	if (xmlTextWriterStartElement(w, BAD_CAST "variant") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "sku", BAD_CAST v.sku) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "active",
	    BAD_CAST (v.active ? "true" : "false")) < 0 ||
	    w_attr_int(w, "position", v.position) < 0 ||
	    w_elem(w, "title", v.title) < 0)
		return -1;
	for (i = 0; i < v.noptions; i++)
		if (xmlTextWriterStartElement(w, BAD_CAST "option") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "name",
		    BAD_CAST v.options[i].name) < 0 ||
		    xmlTextWriterWriteString(w, BAD_CAST v.options[i].value) < 0 ||
		    xmlTextWriterEndElement(w) < 0)
			return -1;
	if (xmlTextWriterStartElement(w, BAD_CAST "price") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "currency",
	    BAD_CAST v.currency) < 0 ||
	    xmlTextWriterWriteString(w, BAD_CAST money_decimal(a, v.price,
	    v.currency)) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterWriteFormatElement(w, BAD_CAST "stock", "%lld",
	    v.stock) < 0 ||
	    xmlTextWriterWriteFormatElement(w, BAD_CAST "weight-grams", "%lld",
	    v.weight_grams) < 0)
		return -1;
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int
export_product(struct db *d, struct arena *a, xmlTextWriterPtr w,
    long long pid, const struct idslug *cats, size_t ncats)
{
	struct product_input	 p;
	struct image_row	*imgs;
	long long		*vids;
	size_t			 nv, ni, i;
	char			 ts[32];

	if (product_get(d, a, pid, &p) != 1 ||
	    product_variant_ids(d, a, pid, &vids, &nv) != 0 ||
	    image_list(d, a, pid, &imgs, &ni) != 0)
		return -1;
	iso_time(p.created_at, ts);
	if (xmlTextWriterStartElement(w, BAD_CAST "product") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "slug", BAD_CAST p.slug) < 0)
		return -1;
	for (i = 0; i < ncats && p.category_id != 0; i++)
		if (cats[i].id == p.category_id) {
			if (xmlTextWriterWriteAttribute(w, BAD_CAST "category",
			    BAD_CAST cats[i].slug) < 0)
				return -1;
			break;
		}
	if (xmlTextWriterWriteAttribute(w, BAD_CAST "active",
	    BAD_CAST (p.active ? "true" : "false")) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "featured",
	    BAD_CAST (p.featured ? "true" : "false")) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "created", BAD_CAST ts) < 0 ||
	    w_elem(w, "name", p.name) < 0 ||
	    (*p.description != '\0' &&
	    w_elem(w, "description", p.description) < 0) ||
	    (p.description_html != NULL && *p.description_html != '\0' &&
	    w_elem(w, "description-html", p.description_html) < 0))
		return -1;
	for (i = 0; i < nv; i++)
		if (export_variant(d, a, w, vids[i]) != 0)
			return -1;
	for (i = 0; i < ni; i++)
		if (xmlTextWriterStartElement(w, BAD_CAST "image") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "path",
		    BAD_CAST imgs[i].image.path) < 0 ||
		    w_attr_int(w, "width", imgs[i].image.width) < 0 ||
		    w_attr_int(w, "height", imgs[i].image.height) < 0 ||
		    w_attr_int(w, "position", imgs[i].position) < 0 ||
		    w_elem(w, "alt", imgs[i].image.alt) < 0 ||
		    xmlTextWriterEndElement(w) < 0)
			return -1;
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

int
catalog_export(struct db *d, FILE *f, long *nproducts, char *err,
    size_t errlen)
{
	struct arena		*a = arena_new(), *pa = arena_new();
	xmlOutputBufferPtr	 out;
	xmlTextWriterPtr	 w = NULL;
	struct idslug		*cats = NULL;
	long long		*pids;
	size_t			 ncats = 0, np = 0, i;
	int			 rc = -1;

	*nproducts = 0;
	if ((out = xmlOutputBufferCreateFile(f, NULL)) == NULL ||
	    (w = xmlNewTextWriter(out)) == NULL) {
		if (out != NULL)
			xmlOutputBufferClose(out);
		snprintf(err, errlen, "libxml2 could not start writing");
		goto done;
	}
	xmlTextWriterSetIndent(w, 1);
	if (db_read_begin(d) != 0) {
		snprintf(err, errlen, "cannot read the database: %s",
		    db_errmsg(d));
		goto done;
	}
	if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "catalog") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns",
	    BAD_CAST CATALOG_IO_NS) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "version",
	    BAD_CAST "1") < 0 ||
	    export_categories(d, a, w, &cats, &ncats) != 0 ||
	    all_ids(d, a, sql_export_products, &pids, &np) != 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "products") < 0) {
		db_read_end(d);
		snprintf(err, errlen, "cannot write the categories: %s",
		    db_errmsg(d));
		goto done;
	}
	for (i = 0; i < np; i++) {
		arena_reset(pa);
		if (export_product(d, pa, w, pids[i], cats, ncats) != 0) {
			db_read_end(d);
			snprintf(err, errlen, "cannot write product %lld: %s",
			    pids[i], ferror(f) ? strerror(errno) :
			    db_errmsg(d));
			goto done;
		}
		(*nproducts)++;
	}
	db_read_end(d);
	if (xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterEndDocument(w) < 0 || xmlTextWriterFlush(w) < 0 ||
	    fflush(f) != 0 || ferror(f)) {
		snprintf(err, errlen, "cannot write: %s", strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (w != NULL)
		xmlFreeTextWriter(w);
	arena_free(pa);
	arena_free(a);
	return rc;
}
