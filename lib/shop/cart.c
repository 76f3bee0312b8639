/*
 * Carts (see cart.h).
 */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/money.h"
#include "data/db.h"
#include "shop/cart.h"
#include "shop/catalog.h"
#include "shop/session.h"

const char *const cart_line_state_names[CART_LINE__MAX] = {
	"ok",
	"gone",
	"unavailable",
	"sold_out",
	"short",
	"currency",
};

const char *const cart_line_state_msgs[CART_LINE__MAX] = {
	"",
	"This item is no longer sold. Please remove it.",
	"This item is not for sale at the moment. Please remove it.",
	"This item is sold out. Please remove it.",
	"Fewer are in stock than you asked for. Please lower the quantity.",
	"This item is priced in another currency and cannot be bought "
	    "together with the rest of the cart.",
};

const char *const cart_result_msgs[CART_RESULT__MAX] = {
	"",
	"This product is not available.",
	"This product is sold out.",
	"Not that many are in stock.",
	"That is more than can be ordered at once.",
	"Your cart is full. Please remove an item first.",
	"That item is not in your cart.",
	"The cart could not be saved. Please try again.",
};

/*
 * The lines of a cart with the catalog as it is now, and the first image
 * of each line's product (its thumbnail). A variant deleted from the
 * catalog gives NULLs (LEFT JOIN).
 */
static const char sql_lines[] =
    "SELECT i.variant_id, i.quantity, coalesce(p.id, 0), "
    "coalesce(p.name, ''), coalesce(p.slug, ''), coalesce(v.title, ''), "
    "coalesce(v.sku, ''), coalesce(v.currency, ''), coalesce(v.price, 0), "
    "coalesce(v.stock, 0), v.id IS NOT NULL, "
    "coalesce(v.active AND p.active, 0), "
    "im.path, coalesce(im.alt, ''), coalesce(im.width, 0), "
    "coalesce(im.height, 0), im.base, "
    "(SELECT group_concat(j.value, ' ') FROM json_each(im.widths) j "
    "WHERE j.type = 'integer') "
    "FROM cart_items i LEFT JOIN variants v ON v.id = i.variant_id "
    "LEFT JOIN products p ON p.id = v.product_id "
    "LEFT JOIN images im ON im.id = (SELECT id FROM images "
    "WHERE product_id = p.id ORDER BY position, id LIMIT 1) "
    "WHERE i.cart_id = ?1 ORDER BY i.added_at, i.variant_id LIMIT ?2";
static const char sql_by_user[] =
    "SELECT id FROM carts WHERE user_id = ?1";
static const char sql_by_session[] =
    "SELECT id FROM carts WHERE session_id = ?1";
static const char sql_new_for_user[] =
    "INSERT INTO carts (user_id, created_at, updated_at) VALUES (?1, ?2, ?2)";
static const char sql_new_for_session[] =
    "INSERT INTO carts (session_id, created_at, updated_at) "
    "VALUES (?1, ?2, ?2)";
static const char sql_code[] =
    "SELECT discount_code FROM carts WHERE id = ?1";
static const char sql_set_code[] =
    "UPDATE carts SET discount_code = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_touch[] =
    "UPDATE carts SET updated_at = ?2 WHERE id = ?1";
/* What the catalog says about a variant: stock, and whether for sale. */
static const char sql_variant[] =
    "SELECT v.stock, v.active AND p.active FROM variants v "
    "JOIN products p ON p.id = v.product_id WHERE v.id = ?1";
static const char sql_item[] =
    "SELECT quantity FROM cart_items WHERE cart_id = ?1 AND variant_id = ?2";
static const char sql_nlines[] =
    "SELECT count(*) FROM cart_items WHERE cart_id = ?1";
/* added_at: seconds, but after every line already there, so that lines
 * added within one second keep their order. */
static const char sql_upsert[] =
    "INSERT INTO cart_items (cart_id, variant_id, quantity, added_at) "
    "VALUES (?1, ?2, ?3, max(?4, (SELECT coalesce(max(added_at), 0) + 1 "
    "FROM cart_items WHERE cart_id = ?1))) ON CONFLICT (cart_id, variant_id) "
    "DO UPDATE SET quantity = excluded.quantity";
static const char sql_remove[] =
    "DELETE FROM cart_items WHERE cart_id = ?1 AND variant_id = ?2";
static const char sql_empty[] =
    "DELETE FROM cart_items WHERE cart_id = ?1";
static const char sql_count[] =
    "SELECT coalesce(sum(quantity), 0) FROM cart_items WHERE cart_id = ?1";
/* The guest lines to merge, each with the stock now (0 if gone). */
static const char sql_merge_lines[] =
    "SELECT i.variant_id, i.quantity, i.added_at, coalesce(v.stock, 0) "
    "FROM carts c JOIN cart_items i ON i.cart_id = c.id "
    "LEFT JOIN variants v ON v.id = i.variant_id "
    "WHERE c.session_id = ?1 ORDER BY i.added_at, i.variant_id";
static const char sql_delete_session_cart[] =
    "DELETE FROM carts WHERE session_id = ?1";

/* The integer of a one-row statement: -1 when there is no row, -2 on error. */
static long long
one_int(struct db *d, sqlite3_stmt *st)
{
	long long	v = -1;
	int		rc;

	if ((rc = db_step(d, st)) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? v : -2;
}

/*
 * The cart id of a user (user_id > 0) or of a session, made when create
 * is set (in a write). 0 when there is none and create is not set, -1 on
 * error.
 */
static long long
owner_cart(struct db *d, long long user_id, long long session_id,
    bool create)
{
	sqlite3_stmt	*st;
	long long	 id;

	st = db_prep(d, user_id > 0 ? sql_by_user : sql_by_session);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id > 0 ? user_id : session_id);
	if ((id = one_int(d, st)) == -2)
		return -1;
	if (id > 0 || !create)
		return id > 0 ? id : 0;
	st = db_prep(d, user_id > 0 ? sql_new_for_user : sql_new_for_session);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id > 0 ? user_id : session_id);
	sqlite3_bind_int64(st, 2, clock_now());
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(db_handle(d));
}

static long long
session_cart(struct db *d, const struct session *s, bool create)
{
	if (s == NULL)
		return 0;
	return owner_cart(d, s->user_id, s->id, create);
}

/* The image of a sql_lines row (columns 12 to 17), in the arena. */
static struct image *
line_image(struct arena *a, sqlite3_stmt *st)
{
	struct image	*im = arena_calloc(a, 1, sizeof(*im));

	im->path = db_text(a, st, 12);
	im->alt = db_text(a, st, 13);
	im->width = sqlite3_column_int(st, 14);
	im->height = sqlite3_column_int(st, 15);
	image_widths(im, sqlite3_column_type(st, 16) == SQLITE_NULL ? NULL :
	    db_text(a, st, 16), sqlite3_column_type(st, 17) == SQLITE_NULL ?
	    NULL : db_text(a, st, 17));
	return im;
}

int
cart_load(struct db *d, struct arena *a, const struct session *s,
    struct cart *c)
{
	sqlite3_stmt		*st;
	struct cart_line	*l;
	int			 rc;
	long long		 total;

	memset(c, 0, sizeof(*c));
	c->currency = "";
	c->discount_code = "";
	if ((c->id = session_cart(d, s, false)) < 0)
		return -1;
	if (c->id == 0)
		return 0;
	if ((st = db_prep(d, sql_code)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->id);
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		c->discount_code = db_text(a, st, 0);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if ((st = db_prep(d, sql_lines)) == NULL)
		return -1;
	c->lines = arena_calloc(a, CART_MAX_LINES, sizeof(*c->lines));
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int(st, 2, CART_MAX_LINES);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		l = &c->lines[c->nlines++];
		l->variant_id = sqlite3_column_int64(st, 0);
		l->quantity = sqlite3_column_int64(st, 1);
		l->product_id = sqlite3_column_int64(st, 2);
		l->product_name = db_text(a, st, 3);
		l->product_slug = db_text(a, st, 4);
		l->variant_title = db_text(a, st, 5);
		l->sku = db_text(a, st, 6);
		l->currency = db_text(a, st, 7);
		l->unit_price = sqlite3_column_int64(st, 8);
		l->stock = sqlite3_column_int64(st, 9);
		if (sqlite3_column_int(st, 10) == 0)
			l->state = CART_LINE_GONE;
		else if (sqlite3_column_int(st, 11) == 0)
			l->state = CART_LINE_UNAVAILABLE;
		else if (l->stock <= 0)
			l->state = CART_LINE_SOLD_OUT;
		else if (l->stock < l->quantity)
			l->state = CART_LINE_SHORT;
		else
			l->state = CART_LINE_OK;
		if (sqlite3_column_type(st, 12) != SQLITE_NULL)
			l->image = line_image(a, st);
		if (l->state != CART_LINE_GONE && c->currency[0] == '\0')
			c->currency = l->currency;
		if (l->state == CART_LINE_OK &&
		    strcmp(l->currency, c->currency) != 0)
			l->state = CART_LINE_CURRENCY;
		if (money_mul(l->unit_price, l->quantity, &l->line_total) != 0)
			return -1;
		c->count += l->quantity;
		if (l->state != CART_LINE_OK) {
			c->problems++;
			continue;
		}
		if (money_add(c->subtotal, l->line_total, &total) != 0)
			return -1;
		c->subtotal = total;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

long
cart_check(struct db *d, struct arena *a, const struct session *s,
    struct cart *c)
{
	if (cart_load(d, a, s, c) != 0)
		return -1;
	return (long)c->problems;
}

/* Units in cart id (in or out of a write); -1 on error. */
static long long
count_of(struct db *d, long long cart)
{
	sqlite3_stmt	*st;

	if (cart == 0)
		return 0;
	if ((st = db_prep(d, sql_count)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cart);
	return one_int(d, st);
}

long long
cart_count(struct db *d, const struct session *s)
{
	long long	cart = session_cart(d, s, false);

	return cart < 0 ? -1 : count_of(d, cart);
}

/* Stock and for-sale flag of a variant; false if it is not in the catalog. */
static int
variant_state(struct db *d, long long variant_id, long long *stock,
    bool *for_sale)
{
	sqlite3_stmt	*st = db_prep(d, sql_variant);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, variant_id);
	rc = db_step(d, st);
	if (rc == SQLITE_ROW) {
		*stock = sqlite3_column_int64(st, 0);
		*for_sale = sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		*stock = 0;
		*for_sale = false;
		return 0;
	}
	return rc == SQLITE_ROW ? 0 : -1;
}

enum cart_result
cart_probe(struct db *d, long long variant_id, long long quantity,
    long long *available)
{
	long long	stock;
	bool		for_sale;

	if (available != NULL)
		*available = 0;
	if (variant_state(d, variant_id, &stock, &for_sale) != 0)
		return CART_ERROR;
	if (!for_sale)
		return CART_NO_VARIANT;
	if (stock <= 0)
		return CART_SOLD_OUT;
	if (quantity > CART_MAX_QUANTITY)
		return CART_OVER_MAX;
	if (quantity > stock) {
		if (available != NULL)
			*available = stock;
		return CART_OVER_STOCK;
	}
	return CART_OK;
}

static int
upsert(struct db *d, long long cart, long long variant_id, long long qty)
{
	sqlite3_stmt	*st;
	long long	 now = clock_now();

	if ((st = db_prep(d, sql_upsert)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cart);
	sqlite3_bind_int64(st, 2, variant_id);
	sqlite3_bind_int64(st, 3, qty);
	sqlite3_bind_int64(st, 4, now);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	if ((st = db_prep(d, sql_touch)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cart);
	sqlite3_bind_int64(st, 2, now);
	return db_step(d, st) == SQLITE_DONE ? 0 : -1;
}

/*
 * cart_add (add true) and cart_set (add false) in one place: the checks
 * against the catalog and the cart happen inside the write, so what is
 * stored was valid at commit time. With guest set (and s NULL), the
 * session is made in the same write (cart_add_guest()).
 */
static enum cart_result
change(struct db *d, struct session *s, struct req *guest,
    long long variant_id, long long quantity, bool add,
    long long *available)
{
	sqlite3_stmt		*st;
	enum cart_result	 res = CART_ERROR;
	long long		 cart, have, want, stock, n;
	bool			 for_sale;
	char			 id[SESSION_ID_LEN + 1];

	if (available != NULL)
		*available = 0;
	if ((s == NULL && guest == NULL) || quantity < 1)
		return CART_ERROR;
	if (quantity > CART_MAX_QUANTITY)
		return CART_OVER_MAX;
	if (db_begin(d) != 0)
		return CART_ERROR;
	if (s == NULL && (s = session_make_in(guest, d, id)) == NULL)
		goto fail;
	if ((cart = session_cart(d, s, add)) < 0)
		goto fail;
	have = 0;
	if (cart > 0) {
		if ((st = db_prep(d, sql_item)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, cart);
		sqlite3_bind_int64(st, 2, variant_id);
		if ((have = one_int(d, st)) == -2)
			goto fail;
		if (have < 0)
			have = 0;
	}
	if (!add && have == 0) {
		res = CART_NOT_IN_CART;
		goto fail;
	}
	if (variant_state(d, variant_id, &stock, &for_sale) != 0)
		goto fail;
	want = add ? have + quantity : quantity;
	if (!for_sale)
		res = CART_NO_VARIANT;
	else if (stock <= 0)
		res = CART_SOLD_OUT;
	else if (want > CART_MAX_QUANTITY)
		res = CART_OVER_MAX;
	else if (want > stock) {
		res = CART_OVER_STOCK;
		if (available != NULL)
			*available = add ? (stock > have ? stock - have : 0) :
			    stock;
	} else
		res = CART_OK;
	if (res != CART_OK)
		goto fail;
	if (have == 0) {
		if ((st = db_prep(d, sql_nlines)) == NULL)
			goto error;
		sqlite3_bind_int64(st, 1, cart);
		if ((n = one_int(d, st)) < 0)
			goto error;
		if (n >= CART_MAX_LINES) {
			res = CART_TOO_MANY_LINES;
			goto fail;
		}
	}
	if (upsert(d, cart, variant_id, want) != 0 ||
	    (n = count_of(d, cart)) < 0)
		goto error;
	if (db_commit(d) != 0)
		return CART_ERROR;
	if (guest != NULL)
		session_made(guest, s, id);
	s->cart_count = n;
	return CART_OK;
error:
	res = CART_ERROR;
fail:
	db_rollback(d);
	return res;
}

enum cart_result
cart_add(struct db *d, struct session *s, long long variant_id,
    long long quantity, long long *available)
{
	return change(d, s, NULL, variant_id, quantity, true, available);
}

enum cart_result
cart_add_guest(struct req *r, struct db *d, long long variant_id,
    long long quantity, long long *available)
{
	return change(d, NULL, r, variant_id, quantity, true, available);
}

enum cart_result
cart_set(struct db *d, struct session *s, long long variant_id,
    long long quantity, long long *available)
{
	return change(d, s, NULL, variant_id, quantity, false, available);
}

enum cart_result
cart_remove(struct db *d, struct session *s, long long variant_id)
{
	sqlite3_stmt	*st;
	long long	 cart, n;

	if (s == NULL || db_begin(d) != 0)
		return CART_ERROR;
	if ((cart = session_cart(d, s, false)) < 0)
		goto fail;
	if (cart == 0) {
		db_rollback(d);
		return CART_NOT_IN_CART;
	}
	if ((st = db_prep(d, sql_remove)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, cart);
	sqlite3_bind_int64(st, 2, variant_id);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	if (sqlite3_changes(db_handle(d)) == 0) {
		db_rollback(d);
		return CART_NOT_IN_CART;
	}
	if ((n = count_of(d, cart)) < 0 || db_commit(d) != 0)
		goto fail;
	s->cart_count = n;
	return CART_OK;
fail:
	db_rollback(d);
	return CART_ERROR;
}

/* Keep code on cart (in a write); 0 or -1. */
static int
set_code(struct db *d, long long cart, const char *code)
{
	sqlite3_stmt	*st = db_prep(d, sql_set_code);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cart);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, clock_now());
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
cart_clear(struct db *d, struct session *s)
{
	sqlite3_stmt	*st;
	long long	 cart;
	int		 rc;

	if (s == NULL)
		return 0;
	if ((cart = session_cart(d, s, false)) < 0)
		return -1;
	if (cart > 0) {
		if ((st = db_prep(d, sql_empty)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, cart);
		rc = db_step(d, st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE || set_code(d, cart, "") != 0)
			return -1;
	}
	s->cart_count = 0;
	return 0;
}

int
cart_set_discount(struct db *d, struct session *s, const char *code)
{
	long long	cart;

	if (s == NULL)
		return -1;
	if (db_begin(d) != 0)
		return -1;
	if ((cart = session_cart(d, s, true)) <= 0 ||
	    set_code(d, cart, code != NULL ? code : "") != 0 ||
	    db_commit(d) != 0) {
		db_rollback(d);
		return -1;
	}
	return 0;
}

int
cart_empty(struct db *d, struct session *s)
{
	long long	count = s != NULL ? s->cart_count : 0;

	if (s == NULL)
		return 0;
	if (db_begin(d) != 0)
		return -1;
	if (cart_clear(d, s) != 0 || db_commit(d) != 0) {
		db_rollback(d);
		s->cart_count = count;
		return -1;
	}
	return 0;
}

/* The merged quantity of a line: see cart_merge() in cart.h. */
static long long
merged_quantity(long long have, long long add, long long stock)
{
	long long	q = have + add;

	if (q > CART_MAX_QUANTITY)
		q = CART_MAX_QUANTITY;
	if (q > stock)
		q = stock;
	return q < 1 ? 1 : q;
}

int
cart_merge(struct db *d, long long session_id, long long user_id)
{
	struct guest_line {
		long long	variant_id, quantity, stock;
	}		 lines[CART_MAX_LINES];
	sqlite3_stmt	*st;
	size_t		 n = 0, i;
	long long	 cart, have, nlines;
	int		 rc;

	if ((st = db_prep(d, sql_merge_lines)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session_id);
	while ((rc = db_step(d, st)) == SQLITE_ROW && n < CART_MAX_LINES) {
		lines[n].variant_id = sqlite3_column_int64(st, 0);
		lines[n].quantity = sqlite3_column_int64(st, 1);
		lines[n].stock = sqlite3_column_int64(st, 3);
		n++;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (n == 0)
		goto done;
	if ((cart = owner_cart(d, user_id, 0, true)) < 0)
		return -1;
	if ((st = db_prep(d, sql_nlines)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cart);
	if ((nlines = one_int(d, st)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((st = db_prep(d, sql_item)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, cart);
		sqlite3_bind_int64(st, 2, lines[i].variant_id);
		if ((have = one_int(d, st)) == -2)
			return -1;
		if (have < 0) {
			if (nlines >= CART_MAX_LINES)
				continue;
			have = 0;
			nlines++;
		}
		if (upsert(d, cart, lines[i].variant_id, merged_quantity(have,
		    lines[i].quantity, lines[i].stock)) != 0)
			return -1;
	}
done:
	if ((st = db_prep(d, sql_delete_session_cart)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, session_id);
	return db_step(d, st) == SQLITE_DONE ? 0 : -1;
}

int
cart_login_merge(struct db *d, long long session_row, long long user_id,
    void *arg)
{
	(void)arg;
	return cart_merge(d, session_row, user_id);
}
