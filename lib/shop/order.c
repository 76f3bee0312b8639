/*
 * Orders: creation, lookups, the state machine, stock holds.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/money.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/form.h"
#include "shop/adminlog.h"
#include "shop/catalog.h"
#include "shop/discount.h"
#include "shop/inventory.h"
#include "shop/notify.h"
#include "shop/order.h"
#include "shop/outbox.h"

const char *const order_state_names[ORDER_STATE__MAX] = {
	"pending_payment",
	"paid",
	"fulfilled",
	"cancelled",
	"refunded",
	"partially_refunded",
};

const char *const order_state_labels[ORDER_STATE__MAX] = {
	"Awaiting payment",
	"Paid",
	"Shipped",
	"Cancelled",
	"Refunded",
	"Partly refunded",
};

const char *const order_source_names[SOURCE__MAX] = {
	"checkout",
	"webhook",
	"success_page",
	"reconcile",
	"expiry",
	"admin",
};

const char *const order_outcome_names[OUTCOME__MAX] = {
	"applied",
	"already",
	"ignored",
	"unknown_order",
	"mismatch",
	"error",
};

const char *const order_action_names[ACTION__MAX] = {
	"done",
	"already",
	"refused",
	"invalid",
	"not_found",
	"changed",
	"error",
};

/* allowed[from][to] */
static const bool allowed[ORDER_STATE__MAX][ORDER_STATE__MAX] = {
	[ORDER_PENDING] = {
		[ORDER_PAID] = true,
		[ORDER_CANCELLED] = true,
	},
	[ORDER_PAID] = {
		[ORDER_FULFILLED] = true,
		[ORDER_REFUNDED] = true,
		[ORDER_PARTIALLY_REFUNDED] = true,
	},
	[ORDER_FULFILLED] = {
		[ORDER_REFUNDED] = true,
		[ORDER_PARTIALLY_REFUNDED] = true,
	},
	[ORDER_CANCELLED] = {
		[ORDER_PAID] = true,
	},
	[ORDER_PARTIALLY_REFUNDED] = {
		[ORDER_REFUNDED] = true,
		[ORDER_PARTIALLY_REFUNDED] = true,
		[ORDER_FULFILLED] = true,
	},
};

#define ORDER_COLUMNS \
    "id, coalesce(number, ''), token, state, email, coalesce(user_id, 0), " \
    "currency, subtotal, shipping, tax, total, tax_name, tax_rate_bp, " \
    "tax_inclusive, shipping_code, shipping_name, ship_name, ship_line1, " \
    "ship_line2, ship_city, ship_postcode, ship_country, payment_attempt, " \
    "coalesce(session_id, ''), coalesce(session_url, ''), " \
    "coalesce(payment_intent, ''), amount_paid, amount_refunded, " \
    "reserved_until, stock_held, recovered, created_at, " \
    "coalesce(paid_at, ''), coalesce(placed_by_session, 0), " \
    "coalesce(discount_code, ''), coalesce(discount_kind, ''), discount, " \
    "shipping_discount FROM orders "

static const char sql_by_id[] = "SELECT " ORDER_COLUMNS "WHERE id = ?1";
static const char sql_by_token[] = "SELECT " ORDER_COLUMNS "WHERE token = ?1";
static const char sql_by_session[] =
    "SELECT " ORDER_COLUMNS "WHERE session_id = ?1";
static const char sql_by_pi[] =
    "SELECT " ORDER_COLUMNS "WHERE payment_intent = ?1 ORDER BY id LIMIT 1";
static const char sql_by_key[] =
    "SELECT " ORDER_COLUMNS "WHERE checkout_key = ?1";
static const char sql_by_number[] =
    "SELECT id FROM orders WHERE number = ?1";
static const char sql_list[] =
    "SELECT " ORDER_COLUMNS "WHERE ?1 IS NULL OR state = ?1 "
    "ORDER BY id DESC LIMIT ?2";
static const char sql_events[] =
    "SELECT created_at, coalesce(from_state, ''), to_state, source, "
    "cause, coalesce(ref, '') FROM order_events WHERE order_id = ?1 "
    "ORDER BY id";
static const char sql_of_user[] =
    "SELECT " ORDER_COLUMNS "WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2";
static const char sql_pending_of_session[] =
    "SELECT " ORDER_COLUMNS "WHERE placed_by_session = ?1 "
    "AND state = 'pending_payment' AND reserved_until > ?2 "
    "ORDER BY id DESC LIMIT ?3";
static const char sql_lines[] =
    "SELECT coalesce(variant_id, 0), product_name, variant_title, sku, "
    "unit_price, quantity, line_total, tax, discount FROM order_lines "
    "WHERE order_id = ?1 ORDER BY id";
static const char sql_overdue[] =
    "SELECT id FROM orders WHERE state = 'pending_payment' "
    "AND reserved_until < ?1 ORDER BY reserved_until LIMIT ?2";
static const char sql_insert[] =
    "INSERT INTO orders (token, email, user_id, checkout_key, currency, "
    "subtotal, shipping, tax, total, tax_name, tax_rate_bp, tax_inclusive, "
    "shipping_code, shipping_name, ship_name, ship_line1, ship_line2, "
    "ship_city, ship_postcode, ship_country, reserved_until, "
    "placed_by_session, discount_code, discount_kind, discount, "
    "shipping_discount) "
    "VALUES (?1, ?2, nullif(?3, 0), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
    "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, nullif(?22, 0), ?23, ?24, "
    "?25, ?26)";
static const char sql_number[] =
    "UPDATE orders SET number = printf('SF-%06d', id) WHERE id = ?1";
/*
 * A new order's first payment attempt begins with it: the write that
 * order_begin_attempt() would make before the gateway is asked (and
 * durable before it, as the Idempotency-Key names the attempt) is made
 * by the order's own, so checkout commits twice, not three times.
 */
static const char sql_first_attempt[] =
    "UPDATE orders SET payment_attempt = 1 WHERE id = ?1 "
    "AND payment_attempt = 0";
static const char sql_line[] =
    "INSERT INTO order_lines (order_id, variant_id, product_name, "
    "variant_title, sku, unit_price, quantity, line_total, tax, discount) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_reserve[] =
    "UPDATE variants SET stock = stock - ?2 "
    "WHERE id = ?1 AND active AND stock >= ?2";
static const char sql_unreserve[] =
    "UPDATE variants SET stock = stock + ?2 WHERE id = ?1";
static const char sql_lines_held[] =
    "SELECT l.variant_id, l.quantity FROM order_lines l "
    "JOIN orders o ON o.id = l.order_id "
    "WHERE l.order_id = ?1 AND o.stock_held = ?2 AND l.variant_id IS NOT NULL";
static const char sql_set_held[] =
    "UPDATE orders SET stock_held = ?2 WHERE id = ?1";
static const char sql_event[] =
    "INSERT INTO order_events (order_id, from_state, to_state, source, "
    "cause, ref) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_move[] =
    "UPDATE orders SET state = ?2, "
    "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
    "WHERE id = ?1 AND state = ?3";
static const char sql_attempt_state[] =
    "SELECT state, payment_attempt, coalesce(session_id, ''), "
    "reserved_until FROM orders WHERE id = ?1";
static const char sql_attempt_new[] =
    "UPDATE orders SET payment_attempt = payment_attempt + 1, "
    "session_id = NULL, session_url = NULL, "
    "reserved_until = max(reserved_until, ?2) WHERE id = ?1 "
    "RETURNING payment_attempt, reserved_until";
static const char sql_session[] =
    "UPDATE orders SET session_id = ?3, session_url = ?4, "
    "reserved_until = max(reserved_until, ?5) "
    "WHERE id = ?1 AND payment_attempt = ?2 AND state = 'pending_payment' "
    "AND (session_id IS NULL OR session_id = ?3)";
static const char sql_id_used[] =
    "SELECT 1 FROM orders WHERE id = ?1";
static const char sql_recover[] =
    "INSERT INTO orders (id, token, email, currency, subtotal, shipping, "
    "tax, total, tax_name, tax_rate_bp, tax_inclusive, shipping_code, "
    "shipping_name, ship_name, ship_line1, ship_city, ship_postcode, "
    "ship_country, reserved_until, stock_held, recovered) "
    "VALUES (nullif(?1, 0), ?2, ?3, ?4, ?5, 0, 0, ?5, 'Tax', 0, 1, "
    "'unknown', 'Unknown', '', '', '', '', 'ZZ', ?6, 0, 1)";
/*
 * The back office's list, by the indexes that fit: the primary key or
 * (state, id) without a search, number's unique index, (email, id), or
 * the full-text table's rowids; newest first below the cursor ?2 (the
 * largest id when there is none), so each page reads its own rows only.
 */
static const char sql_search_all[] =
    "SELECT " ORDER_COLUMNS "WHERE id < ?2 ORDER BY id DESC LIMIT ?3";
static const char sql_search_state[] =
    "SELECT " ORDER_COLUMNS "WHERE state = ?1 AND id < ?2 "
    "ORDER BY id DESC LIMIT ?3";
static const char sql_search_number[] =
    "SELECT " ORDER_COLUMNS "WHERE number = ?4 AND (?1 IS NULL OR "
    "state = ?1) AND id < ?2 ORDER BY id DESC LIMIT ?3";
static const char sql_search_email[] =
    "SELECT " ORDER_COLUMNS "WHERE email = ?4 AND (?1 IS NULL OR "
    "state = ?1) AND id < ?2 ORDER BY id DESC LIMIT ?3";
static const char sql_search_words[] =
    "SELECT " ORDER_COLUMNS "WHERE id IN (SELECT rowid FROM order_search "
    "WHERE order_search MATCH ?4 AND rowid < ?2) "
    "AND (?1 IS NULL OR state = ?1) ORDER BY id DESC LIMIT ?3";
static const char sql_note_insert[] =
    "INSERT INTO order_notes (order_id, author_id, author, body, "
    "created_at) VALUES (?1, nullif(?2, 0), ?3, ?4, ?5)";
static const char sql_notes[] =
    "SELECT id, coalesce(author_id, 0), author, body, created_at "
    "FROM order_notes WHERE order_id = ?1 ORDER BY id";
static const char sql_audit[] =
    "INSERT INTO audit_log (kind, order_id, actor, detail) "
    "VALUES (?1, nullif(?2, 0), ?3, ?4)";

enum order_state
order_state_from_name(const char *s)
{
	int	i;

	for (i = 0; i < ORDER_STATE__MAX; i++)
		if (s != NULL && strcmp(s, order_state_names[i]) == 0)
			return (enum order_state)i;
	return ORDER_STATE__MAX;
}

bool
order_transition_ok(enum order_state from, enum order_state to)
{
	if (from >= ORDER_STATE__MAX || to >= ORDER_STATE__MAX)
		return false;
	return allowed[from][to];
}

static void
order_row(struct arena *a, sqlite3_stmt *st, struct order *o)
{
	int	c = 0;

	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, c++);
	o->number = db_text(a, st, c++);
	o->token = db_text(a, st, c++);
	o->state = order_state_from_name((const char *)sqlite3_column_text(st, c++));
	o->email = db_text(a, st, c++);
	o->user_id = sqlite3_column_int64(st, c++);
	o->currency = db_text(a, st, c++);
	o->subtotal = sqlite3_column_int64(st, c++);
	o->shipping = sqlite3_column_int64(st, c++);
	o->tax = sqlite3_column_int64(st, c++);
	o->total = sqlite3_column_int64(st, c++);
	o->tax_name = db_text(a, st, c++);
	o->tax_rate_bp = sqlite3_column_int(st, c++);
	o->tax_inclusive = sqlite3_column_int(st, c++) != 0;
	o->shipping_code = db_text(a, st, c++);
	o->shipping_name = db_text(a, st, c++);
	o->ship.name = db_text(a, st, c++);
	o->ship.line1 = db_text(a, st, c++);
	o->ship.line2 = db_text(a, st, c++);
	o->ship.city = db_text(a, st, c++);
	o->ship.postcode = db_text(a, st, c++);
	o->ship.country = db_text(a, st, c++);
	o->payment_attempt = sqlite3_column_int(st, c++);
	o->session_id = db_text(a, st, c++);
	o->session_url = db_text(a, st, c++);
	o->payment_intent = db_text(a, st, c++);
	o->amount_paid = sqlite3_column_int64(st, c++);
	o->amount_refunded = sqlite3_column_int64(st, c++);
	o->reserved_until = sqlite3_column_int64(st, c++);
	o->stock_held = sqlite3_column_int(st, c++) != 0;
	o->recovered = sqlite3_column_int(st, c++) != 0;
	o->created_at = db_text(a, st, c++);
	o->paid_at = db_text(a, st, c++);
	o->placed_by = sqlite3_column_int64(st, c++);
	o->discount_code = db_text(a, st, c++);
	o->discount_kind = db_text(a, st, c++);
	o->discount = sqlite3_column_int64(st, c++);
	o->shipping_discount = sqlite3_column_int64(st, c++);
	/* The table keeps what the goods cost after the discount. */
	o->subtotal += o->discount;
}

static int
load_lines(struct db *d, struct arena *a, struct order *o)
{
	sqlite3_stmt	*st = db_prep(d, sql_lines);
	size_t		 cap = 4;
	int		 rc;

	if (st == NULL)
		return -1;
	o->lines = arena_calloc(a, cap, sizeof(*o->lines));
	sqlite3_bind_int64(st, 1, o->id);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		struct order_line *l;

		if (o->nlines == cap) {
			struct order_line *grown = arena_calloc(a, cap * 2,
			    sizeof(*grown));

			memcpy(grown, o->lines, cap * sizeof(*grown));
			o->lines = grown;
			cap *= 2;
		}
		l = &o->lines[o->nlines++];
		l->variant_id = sqlite3_column_int64(st, 0);
		l->product_name = db_text(a, st, 1);
		l->variant_title = db_text(a, st, 2);
		l->sku = db_text(a, st, 3);
		l->unit_price = sqlite3_column_int64(st, 4);
		l->quantity = sqlite3_column_int64(st, 5);
		l->line_total = sqlite3_column_int64(st, 6);
		l->tax = sqlite3_column_int64(st, 7);
		l->discount = sqlite3_column_int64(st, 8);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* One order by a fixed query with one text or integer parameter. */
static struct order *
order_find(struct db *d, struct arena *a, const char *sql, const char *s,
    long long id)
{
	sqlite3_stmt	*st = db_prep(d, sql);
	struct order	*o = NULL;
	int		 rc;

	if (st == NULL)
		return NULL;
	if (s != NULL)
		sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		o = arena_alloc(a, sizeof(*o));
		order_row(a, st, o);
	}
	sqlite3_reset(st);
	if (o != NULL && load_lines(d, a, o) != 0)
		return NULL;
	return o;
}

bool
order_is_theirs(const struct order *o, long long session_row,
    long long user_id)
{
	if (session_row != 0 && o->placed_by == session_row)
		return true;
	return user_id != 0 && o->user_id == user_id;
}

struct order *
order_by_id(struct db *d, struct arena *a, long long id)
{
	return order_find(d, a, sql_by_id, NULL, id);
}

struct order *
order_by_token(struct db *d, struct arena *a, const char *token)
{
	return token == NULL ? NULL : order_find(d, a, sql_by_token, token, 0);
}

struct order *
order_by_session(struct db *d, struct arena *a, const char *sid)
{
	return sid == NULL || *sid == '\0' ? NULL :
	    order_find(d, a, sql_by_session, sid, 0);
}

struct order *
order_by_payment_intent(struct db *d, struct arena *a, const char *pi)
{
	return pi == NULL || *pi == '\0' ? NULL :
	    order_find(d, a, sql_by_pi, pi, 0);
}

int
order_id_by_number(struct db *d, const char *number, long long *id)
{
	sqlite3_stmt	*st = db_prep(d, sql_by_number);
	int		 rc;

	*id = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

struct order *
orders_list(struct db *d, struct arena *a, enum order_state state,
    size_t limit, size_t *n)
{
	sqlite3_stmt	*st = db_prep(d, sql_list);
	struct order	*v;
	int		 rc = SQLITE_DONE;

	*n = 0;
	if (st == NULL || limit == 0)
		return NULL;
	v = arena_calloc(a, limit, sizeof(*v));
	if (state < ORDER_STATE__MAX)
		sqlite3_bind_text(st, 1, order_state_names[state], -1,
		    SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	while (*n < limit && (rc = db_step(d, st)) == SQLITE_ROW)
		order_row(a, st, &v[(*n)++]);
	sqlite3_reset(st);
	if (rc < 0) {
		*n = 0;
		return NULL;
	}
	return v;
}

/* Whether q is an order number, "SF-000042" (any case) or digits; *id its id. */
static bool
number_query(const char *q, long long *id)
{
	size_t	n;

	if (strncasecmp(q, "SF-", 3) == 0)
		q += 3;
	n = strlen(q);
	if (n == 0 || n > 18 || strspn(q, "0123456789") != n)
		return false;
	*id = strtoll(q, NULL, 10);
	return *id > 0;
}

struct order *
orders_search(struct db *d, struct arena *a, enum order_state state,
    const char *q, long long before, size_t limit, size_t *n)
{
	sqlite3_stmt	*st;
	struct order	*v;
	const char	*sql = state < ORDER_STATE__MAX ? sql_search_state :
			    sql_search_all;
	char		*arg = NULL, *p;
	long long	 num;
	int		 rc = SQLITE_DONE;

	*n = 0;
	if (limit == 0 || limit > 500)
		return NULL;
	v = arena_calloc(a, limit, sizeof(*v));
	if (q != NULL && *q != '\0') {
		if (number_query(q, &num)) {
			sql = sql_search_number;
			arg = arena_printf(a, "SF-%06lld", num);
		} else if (strchr(q, '@') != NULL) {
			/* Orders keep the address as the form lower-cased it. */
			sql = sql_search_email;
			arg = arena_strdup(a, q);
			for (p = arg; *p != '\0'; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
		} else {
			if (catalog_fts_query(a, q, strlen(q), &arg) == 0)
				return v;	/* nothing searchable: no order */
			sql = sql_search_words;
		}
	}
	if ((st = db_prep(d, sql)) == NULL)
		return NULL;
	if (state < ORDER_STATE__MAX)
		sqlite3_bind_text(st, 1, order_state_names[state], -1,
		    SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before > 0 ? before : LLONG_MAX);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	if (arg != NULL)
		sqlite3_bind_text(st, 4, arg, -1, SQLITE_STATIC);
	while (*n < limit && (rc = db_step(d, st)) == SQLITE_ROW)
		order_row(a, st, &v[(*n)++]);
	sqlite3_reset(st);
	if (rc < 0) {
		*n = 0;
		return NULL;
	}
	return v;
}

long long
order_note_add(struct db *d, struct arena *a, long long id,
    const struct actor *who, const char *body)
{
	sqlite3_stmt	*st;
	struct order	*o;
	struct tval	*after;
	long long	 note;
	size_t		 chars;
	int		 rc;

	chars = body != NULL ? text_utf8_chars(body) : 0;
	if (who == NULL || chars < 1 || chars > ORDER_NOTE_MAX ||
	    (o = order_by_id(d, a, id)) == NULL ||
	    (st = db_prep(d, sql_note_insert)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, who->id);
	sqlite3_bind_text(st, 3, who->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, clock_now());
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	note = sqlite3_last_insert_rowid(db_handle(d));
	after = tval_map(a);
	tval_set_int(a, after, "note_id", note);
	tval_set_str(a, after, "body", body);
	if (adminlog_write(d, who, "order.note", "order", id, o->number, NULL,
	    after) < 0)
		return -1;
	return note;
}

struct order_note *
order_notes(struct db *d, struct arena *a, long long id, size_t *n)
{
	sqlite3_stmt		*st = db_prep(d, sql_notes);
	struct order_note	*v = NULL, *grown;
	size_t			 cap = 0;
	int			 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = arena_calloc(a, cap, sizeof(*grown));
			if (*n > 0)
				memcpy(grown, v, *n * sizeof(*grown));
			v = grown;
		}
		v[*n].id = sqlite3_column_int64(st, 0);
		v[*n].author_id = sqlite3_column_int64(st, 1);
		v[*n].author = db_text(a, st, 2);
		v[*n].body = db_text(a, st, 3);
		v[*n].created_at = sqlite3_column_int64(st, 4);
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc < 0) {
		*n = 0;
		return NULL;
	}
	return v != NULL ? v : arena_calloc(a, 1, sizeof(*v));
}

struct order_event *
order_events(struct db *d, struct arena *a, long long id, size_t *n)
{
	sqlite3_stmt		*st = db_prep(d, sql_events);
	struct order_event	*v = NULL, *grown;
	size_t			 cap = 0;
	int			 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = arena_calloc(a, cap, sizeof(*grown));
			if (*n > 0)
				memcpy(grown, v, *n * sizeof(*grown));
			v = grown;
		}
		v[*n].created_at = db_text(a, st, 0);
		v[*n].from_state = db_text(a, st, 1);
		v[*n].to_state = db_text(a, st, 2);
		v[*n].source = db_text(a, st, 3);
		v[*n].cause = db_text(a, st, 4);
		v[*n].ref = db_text(a, st, 5);
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc < 0) {
		*n = 0;
		return NULL;
	}
	return v != NULL ? v : arena_calloc(a, 1, sizeof(*v));
}

struct order *
orders_of_user(struct db *d, struct arena *a, long long user_id,
    size_t limit, size_t *n)
{
	sqlite3_stmt	*st = db_prep(d, sql_of_user);
	struct order	*v;
	int		 rc;

	*n = 0;
	if (st == NULL || limit == 0)
		return NULL;
	v = arena_calloc(a, limit, sizeof(*v));
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	while ((rc = db_step(d, st)) == SQLITE_ROW && *n < limit)
		order_row(a, st, &v[(*n)++]);
	sqlite3_reset(st);
	return rc < 0 ? NULL : v;
}

struct order *
orders_pending_of_session(struct db *d, struct arena *a, long long session_row,
    long long now, size_t limit, size_t *n)
{
	sqlite3_stmt	*st;
	struct order	*v;
	int		 rc;

	*n = 0;
	if (session_row == 0 || limit == 0 ||
	    (st = db_prep(d, sql_pending_of_session)) == NULL)
		return NULL;
	v = arena_calloc(a, limit, sizeof(*v));
	sqlite3_bind_int64(st, 1, session_row);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	while ((rc = db_step(d, st)) == SQLITE_ROW && *n < limit)
		order_row(a, st, &v[(*n)++]);
	sqlite3_reset(st);
	if (rc < 0) {
		*n = 0;
		return NULL;
	}
	return v;
}

long long *
orders_overdue(struct db *d, struct arena *a, long long now, size_t limit,
    size_t *n)
{
	sqlite3_stmt	*st = db_prep(d, sql_overdue);
	long long	*ids;
	int		 rc;

	*n = 0;
	if (st == NULL || limit == 0)
		return NULL;
	ids = arena_calloc(a, limit, sizeof(*ids));
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	while ((rc = db_step(d, st)) == SQLITE_ROW && *n < limit)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc < 0 ? NULL : ids;
}

int
audit_add(struct db *d, const char *kind, long long order_id,
    const char *actor, const char *detail)
{
	sqlite3_stmt	*st = db_prep(d, sql_audit);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, order_id);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	log_warn("audit: %s order=%lld actor=%s: %s", kind, order_id, actor,
	    detail);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
event_add(struct db *d, long long id, const char *from, enum order_state to,
    enum order_source src, const char *cause, const char *ref)
{
	sqlite3_stmt	*st = db_prep(d, sql_event);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (from != NULL)
		sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, order_state_names[to], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, order_source_names[src], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, cause, -1, SQLITE_STATIC);
	if (ref != NULL)
		sqlite3_bind_text(st, 6, ref, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
order_publish(struct db *d, long long id, enum order_state state)
{
	char	channel[32], data[160];

	snprintf(channel, sizeof(channel), "order:%lld", id);
	snprintf(data, sizeof(data), "{\"state\":\"%s\",\"label\":\"%s\"}",
	    order_state_names[state], order_state_labels[state]);
	return outbox_message(d, channel, "order", data) < 0 ? -1 : 0;
}

int
order_publish_paid(struct db *d, struct arena *a, const struct order *o)
{
	struct tval	*m = tval_map(a);
	struct buf	 json = { 0 };
	const char	*total = money_format(a, o->total, o->currency);
	int		 rc;

	tval_set_str(a, m, "number", o->number);
	tval_set_str(a, m, "total", total);
	tval_set_int(a, m, "amount", o->total);
	tval_set_str(a, m, "currency", o->currency);
	tval_set(a, m, "summary", tval_strf(a, "%s paid, %s", o->number,
	    total));
	tval_json(&json, m);
	rc = outbox_message(d, "admin", "order", buf_str(&json)) < 0 ? -1 : 0;
	buf_free(&json);
	return rc;
}

/*
 * The customer's "order cancelled" mail for o (in the write), once per
 * order: why in words for them (the shop's own cause may be internal,
 * so it is not shown), and the cart to order again.
 */
static int
cancelled_mail(struct db *d, const struct order *o, enum order_source src)
{
	struct arena		*a;
	struct tval		*data;
	struct notify_mail	 mail;
	int			 rc;

	if ((a = arena_new()) == NULL)
		return -1;
	data = tval_map(a);
	if (*o->ship.name != '\0')
		tval_set_str(a, data, "name", o->ship.name);
	tval_set_str(a, data, "number", o->number);
	tval_set_str(a, data, "token", o->token);
	tval_set_str(a, data, "total", money_format(a, o->total, o->currency));
	tval_set_bool(a, data, "by_shop", src == SOURCE_ADMIN);
	memset(&mail, 0, sizeof(mail));
	mail.template = "order_cancelled";
	mail.to = o->email;
	mail.to_name = o->ship.name;
	mail.data = data;
	mail.unique_key = arena_printf(a, "mail:order-cancelled:%lld", o->id);
	mail.priority = 5;
	rc = notify_mail(d, a, &mail) < 0 ? -1 : 0;
	arena_free(a);
	return rc;
}

int
order_move(struct db *d, const struct order *o, enum order_state to,
    enum order_source src, const char *cause, const char *ref)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (!order_transition_ok(o->state, to))
		return -1;
	if ((st = db_prep(d, sql_move)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_text(st, 2, order_state_names[to], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, order_state_names[o->state], -1,
	    SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || sqlite3_changes(db_handle(d)) != 1)
		return -1;
	if (event_add(d, o->id, order_state_names[o->state], to, src,
	    cause, ref) != 0)
		return -1;
	if (to == ORDER_CANCELLED && discount_use_release(d, o->id) != 0)
		return -1;
	if (o->state == ORDER_CANCELLED && discount_use_retake(d, o->id) != 0)
		return -1;
	if (to == ORDER_CANCELLED && cancelled_mail(d, o, src) != 0)
		return -1;
	return order_publish(d, o->id, to);
}

/*
 * Run st (reserve or unreserve) for each line of order id, keeping each
 * change in the stock movements.
 */
static long long
lines_apply(struct db *d, long long id, int held_now, const char *sql,
    bool count_short)
{
	sqlite3_stmt	*lines, *st;
	long long	 shortfall = 0, vid, qty;
	int		 rc;
	struct { long long v, q; } buf[SHOP_MAX_ORDER_LINES];
	size_t		 n = 0, i;
	bool		 changed;

	/* Read the lines first: the updates below reuse the connection. */
	if ((lines = db_prep(d, sql_lines_held)) == NULL)
		return -1;
	sqlite3_bind_int64(lines, 1, id);
	sqlite3_bind_int(lines, 2, held_now);
	while ((rc = db_step(d, lines)) == SQLITE_ROW &&
	    n < sizeof(buf) / sizeof(buf[0])) {
		buf[n].v = sqlite3_column_int64(lines, 0);
		buf[n].q = sqlite3_column_int64(lines, 1);
		n++;
	}
	sqlite3_reset(lines);
	if (rc < 0)
		return -1;
	for (i = 0; i < n; i++) {
		vid = buf[i].v;
		qty = buf[i].q;
		if ((st = db_prep(d, sql)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, vid);
		sqlite3_bind_int64(st, 2, qty);
		rc = db_step(d, st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return -1;
		changed = sqlite3_changes(db_handle(d)) == 1;
		if (count_short && !changed)
			shortfall += qty;
		else if ((changed && stock_record(d, vid, held_now ? qty : -qty,
		    held_now ? STOCK_REASON_RELEASED : STOCK_REASON_RETAKEN,
		    STOCK_ACTOR_SYSTEM, id) != 0) || stock_publish(d, vid) != 0)
			return -1;
	}
	if ((st = db_prep(d, sql_set_held)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, !held_now);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? shortfall : -1;
}

int
order_release_stock(struct db *d, long long id)
{
	return lines_apply(d, id, 1, sql_unreserve, false) < 0 ? -1 : 0;
}

long long
order_retake_stock(struct db *d, long long id)
{
	return lines_apply(d, id, 0, sql_reserve, true);
}

bool
order_ship_text_ok(const char *v)
{
	size_t	n = v != NULL ? strlen(v) : 0;

	return n > 0 && n <= ORDER_SHIP_TEXT_MAX && form_match(FORM_TEXT, v, n);
}

bool
order_ship_url_ok(const char *v)
{
	size_t	n = v != NULL ? strlen(v) : 0, scheme;

	if (n == 0 || n > ORDER_SHIP_URL_MAX || !form_match(FORM_TEXT, v, n))
		return false;
	if (strncmp(v, "https://", 8) == 0)
		scheme = 8;
	else if (strncmp(v, "http://", 7) == 0)
		scheme = 7;
	else
		return false;
	/* Control characters are out already (FORM_TEXT); spaces too. */
	return n > scheme && strchr(v, ' ') == NULL;
}

/* The "shipped" mail for o, queued through the outbox (in the write). */
static int
shipped_mail(struct db *d, struct arena *a, const struct order *o,
    const struct order_shipment *s)
{
	struct tval		*data = tval_map(a);
	struct notify_mail	 mail;

	if (*o->ship.name != '\0')
		tval_set_str(a, data, "name", o->ship.name);
	tval_set_str(a, data, "number", o->number);
	tval_set_str(a, data, "token", o->token);
	if (s->carrier != NULL)
		tval_set_str(a, data, "carrier", s->carrier);
	if (s->tracking != NULL)
		tval_set_str(a, data, "tracking", s->tracking);
	if (s->url != NULL)
		tval_set_str(a, data, "tracking_url", s->url);
	memset(&mail, 0, sizeof(mail));
	mail.template = "shipped";
	mail.to = o->email;
	mail.to_name = o->ship.name;
	mail.data = data;
	mail.unique_key = arena_printf(a, "mail:order-shipped:%lld", o->id);
	mail.priority = 5;
	return notify_mail(d, a, &mail) < 0 ? -1 : 0;
}

/*
 * Begin a write and read order id in it, for an operator's change: *op
 * gets it. ACTION_DONE when there is one to change (the write stays
 * open), else what to answer, the write rolled back.
 */
static enum order_action
action_begin(struct db *d, struct arena *a, long long id, struct order **op)
{
	sqlite3_stmt	*st;
	int		 rc;

	*op = NULL;
	if (db_begin(d) != 0)
		return ACTION_ERROR;
	/* Read inside the write: nothing moves the order in between. */
	if ((st = db_prep(d, sql_id_used)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		db_rollback(d);
		return ACTION_NOT_FOUND;
	}
	if (rc == SQLITE_ROW && (*op = order_by_id(d, a, id)) != NULL)
		return ACTION_DONE;
fail:
	db_rollback(d);
	return ACTION_ERROR;
}

/*
 * Commit the change to o, read again into *op first; or roll back and
 * leave *op as it was.
 */
static enum order_action
action_commit(struct db *d, struct arena *a, const struct order *o,
    struct order **op)
{
	struct order	*now;

	if ((now = order_by_id(d, a, o->id)) == NULL || db_commit(d) != 0) {
		db_rollback(d);
		return ACTION_ERROR;
	}
	*op = now;
	return ACTION_DONE;
}

/* {"state": ...} for the admin log, and the map to add to. */
static struct tval *
state_tval(struct arena *a, enum order_state state)
{
	struct tval	*m = tval_map(a);

	tval_set_str(a, m, "state", order_state_names[state]);
	return m;
}

enum order_action
order_ship(struct db *d, struct arena *a, long long id,
    const struct order_shipment *s, struct order **op)
{
	return order_ship_by(d, a, id, s, NULL, op);
}

enum order_action
order_ship_by(struct db *d, struct arena *a, long long id,
    const struct order_shipment *s, const struct actor *who,
    struct order **op)
{
	static const struct order_shipment none;
	struct tval		*after;
	struct order		*o, *olocal;
	enum order_action	 r;
	const char		*cause;

	if (op == NULL)
		op = &olocal;
	*op = NULL;
	if (s == NULL)
		s = &none;
	if ((s->carrier != NULL && !order_ship_text_ok(s->carrier)) ||
	    (s->tracking != NULL && !order_ship_text_ok(s->tracking)) ||
	    (s->url != NULL && !order_ship_url_ok(s->url)))
		return ACTION_INVALID;
	if ((r = action_begin(d, a, id, &o)) != ACTION_DONE)
		return r;
	*op = o;
	if (o->state != ORDER_PAID) {
		db_rollback(d);
		return o->state == ORDER_FULFILLED ? ACTION_ALREADY :
		    ACTION_REFUSED;
	}
	cause = arena_printf(a, "shipped%s%s%s%s", s->carrier ? " by " : "",
	    s->carrier ? s->carrier : "", s->tracking ? ", tracking " : "",
	    s->tracking ? s->tracking : "");
	if (order_move(d, o, ORDER_FULFILLED, SOURCE_ADMIN, cause,
	    s->tracking) != 0 || shipped_mail(d, a, o, s) != 0)
		goto fail;
	if (who != NULL) {
		after = state_tval(a, ORDER_FULFILLED);
		if (s->carrier != NULL)
			tval_set_str(a, after, "carrier", s->carrier);
		if (s->tracking != NULL)
			tval_set_str(a, after, "tracking", s->tracking);
		if (s->url != NULL)
			tval_set_str(a, after, "url", s->url);
		if (adminlog_write(d, who, "order.ship", "order", o->id,
		    o->number, state_tval(a, o->state), after) < 0)
			goto fail;
	}
	return action_commit(d, a, o, op);
fail:
	db_rollback(d);
	return ACTION_ERROR;
}

enum order_action
order_cancel(struct db *d, struct arena *a, long long id, const char *cause,
    struct order **op)
{
	return order_cancel_by(d, a, id, cause, NULL, NULL, op);
}

enum order_action
order_cancel_by(struct db *d, struct arena *a, long long id,
    const char *cause, const char *seen, const struct actor *who,
    struct order **op)
{
	struct order		*o, *olocal;
	struct tval		*before, *after;
	enum order_action	 r;

	if (op == NULL)
		op = &olocal;
	if (cause == NULL || *cause == '\0')
		cause = "cancelled by the shop";
	if ((r = action_begin(d, a, id, &o)) != ACTION_DONE) {
		*op = NULL;
		return r;
	}
	*op = o;
	if (o->state != ORDER_PENDING || *o->payment_intent != '\0') {
		db_rollback(d);
		return o->state == ORDER_CANCELLED ? ACTION_ALREADY :
		    ACTION_REFUSED;
	}
	if (seen != NULL && strcmp(seen, o->session_id) != 0) {
		db_rollback(d);
		return ACTION_CHANGED;
	}
	if (order_release_stock(d, o->id) != 0 ||
	    order_move(d, o, ORDER_CANCELLED, SOURCE_ADMIN, cause, NULL) != 0)
		goto fail;
	if (who != NULL) {
		before = state_tval(a, o->state);
		tval_set_bool(a, before, "stock_held", o->stock_held);
		after = state_tval(a, ORDER_CANCELLED);
		tval_set_bool(a, after, "stock_held", false);
		tval_set_str(a, after, "cause", cause);
		if (adminlog_write(d, who, "order.cancel", "order", o->id,
		    o->number, before, after) < 0)
			goto fail;
	}
	return action_commit(d, a, o, op);
fail:
	db_rollback(d);
	return ACTION_ERROR;
}

int
order_restock(struct db *d, long long order_id, long long vid,
    long long quantity)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (quantity <= 0 || (st = db_prep(d, sql_unreserve)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_int64(st, 2, quantity);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(db_handle(d)) == 0)
		return 0;
	if (stock_record(d, vid, quantity, STOCK_REASON_REFUNDED,
	    STOCK_ACTOR_SYSTEM, order_id) != 0)
		return -1;
	return stock_publish(d, vid);
}

/* 24 random bytes as 32 URL-safe characters. */
static void
new_token(char out[33])
{
	unsigned char	rnd[24];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(out, 33, rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int
insert_order(struct db *d, const struct order_input *in, const struct quote *q,
    long long *id)
{
	sqlite3_stmt	*st = db_prep(d, sql_insert);
	char		 token[33];
	int		 rc;

	if (st == NULL)
		return -1;
	new_token(token);
	sqlite3_bind_text(st, 1, token, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, in->email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, in->user_id);
	if (in->checkout_key != NULL && *in->checkout_key != '\0')
		sqlite3_bind_text(st, 4, in->checkout_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, q->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, q->subtotal - q->discount);
	sqlite3_bind_int64(st, 7, q->shipping);
	sqlite3_bind_int64(st, 8, q->tax);
	sqlite3_bind_int64(st, 9, q->total);
	sqlite3_bind_text(st, 10, q->rate.name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, q->rate.rate_bp);
	sqlite3_bind_int(st, 12, q->rate.inclusive);
	sqlite3_bind_text(st, 13, q->method.code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, q->method.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, in->ship.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, in->ship.line1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, in->ship.line2 ? in->ship.line2 : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 18, in->ship.city, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 19, in->ship.postcode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 20, in->ship.country, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 21, clock_now() +
	    (in->hold_seconds > 0 ? in->hold_seconds : 3600));
	sqlite3_bind_int64(st, 22, in->session_row);
	if (q->code != NULL) {
		sqlite3_bind_text(st, 23, q->code->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 24, discount_kind_names[q->code->kind], -1,
		    SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 25, q->discount);
	sqlite3_bind_int64(st, 26, q->shipping_discount);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	*id = sqlite3_last_insert_rowid(db_handle(d));
	if ((st = db_prep(d, sql_number)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, *id);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || (st = db_prep(d, sql_first_attempt)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, *id);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Snapshot line i and take its stock; 1 if sold out, -1 on error. */
static int
insert_line(struct db *d, long long id, const struct quote_line *l)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_prep(d, sql_reserve)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, l->variant_id);
	sqlite3_bind_int64(st, 2, l->quantity);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(db_handle(d)) != 1)
		return 1;
	if (stock_record(d, l->variant_id, -l->quantity, STOCK_REASON_RESERVED,
	    STOCK_ACTOR_CHECKOUT, id) != 0 ||
	    stock_publish(d, l->variant_id) != 0)
		return -1;
	if ((st = db_prep(d, sql_line)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, l->variant_id);
	sqlite3_bind_text(st, 3, l->product_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, l->variant_title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, l->sku, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, l->unit_price);
	sqlite3_bind_int64(st, 7, l->quantity);
	sqlite3_bind_int64(st, 8, l->line_total);
	sqlite3_bind_int64(st, 9, l->tax);
	sqlite3_bind_int64(st, 10, l->discount);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Find and check in's discount code in the creating write and apply it
 * to q. Returns 0 when applied, 1 when refused (q->problem
 * QUOTE_DISCOUNT, q->discount_problem why), -1 on error.
 */
static int
order_discount(struct db *d, struct arena *a, const struct order_input *in,
    struct quote *q)
{
	struct discount		*disc;
	enum discount_problem	 why;

	if ((disc = discount_by_code(d, a, in->discount_code, &why)) != NULL)
		why = discount_check(d, disc, clock_now(), q->subtotal,
		    q->currency, in->user_id, in->email);
	if (why == DISCOUNT_DB)
		return -1;
	if (why != DISCOUNT_OK) {
		q->problem = QUOTE_DISCOUNT;
		q->discount_problem = why;
		return 1;
	}
	if (quote_discount(q, disc) != 0 || q->problem != QUOTE_OK)
		return 1;
	return 0;
}

enum order_create_result
order_create(struct db *d, struct arena *a, const struct order_input *in,
    struct order **out, struct quote *qp)
{
	struct quote	 qlocal, *q = qp ? qp : &qlocal;
	long long	 id;
	size_t		 i;
	int		 rc;

	*out = NULL;
	if (in->nlines > SHOP_MAX_ORDER_LINES) {
		memset(q, 0, sizeof(*q));
		q->problem = QUOTE_TOO_MANY;
		return CREATE_REFUSED;
	}
	if (db_begin(d) != 0)
		return CREATE_ERROR;
	if (in->checkout_key != NULL && *in->checkout_key != '\0' &&
	    (*out = order_find(d, a, sql_by_key, in->checkout_key, 0)) != NULL) {
		db_rollback(d);
		memset(q, 0, sizeof(*q));
		if (!order_is_theirs(*out, in->session_row, in->user_id)) {
			*out = NULL;
			return CREATE_FOREIGN;
		}
		return CREATE_EXISTS;
	}
	if (quote_build(d, a, in->variant_ids, in->quantities, in->nlines,
	    in->shipping_code, in->ship.country, q) != 0) {
		db_rollback(d);
		return CREATE_ERROR;
	}
	if (q->problem != QUOTE_OK) {
		db_rollback(d);
		return CREATE_REFUSED;
	}
	if (in->discount_code != NULL && *in->discount_code != '\0') {
		if ((rc = order_discount(d, a, in, q)) < 0)
			goto fail;
		if (rc > 0) {
			db_rollback(d);
			return CREATE_REFUSED;
		}
	}
	if (insert_order(d, in, q, &id) != 0)
		goto fail;
	for (i = 0; i < q->nlines; i++) {
		if ((rc = insert_line(d, id, &q->lines[i])) < 0)
			goto fail;
		if (rc == 1) {
			/* Taken by someone else since the quote: nothing kept. */
			db_rollback(d);
			q->problem = QUOTE_SOLD_OUT;
			q->problem_line = i;
			return CREATE_REFUSED;
		}
	}
	if (q->code != NULL && discount_use_add(d, q->code->id, id,
	    in->user_id, in->email) != 0)
		goto fail;
	if (event_add(d, id, NULL, ORDER_PENDING, SOURCE_CHECKOUT,
	    "order placed, stock reserved", NULL) != 0)
		goto fail;
	if (in->in_write != NULL && in->in_write(d, in->in_write_arg) != 0)
		goto fail;
	if ((*out = order_by_id(d, a, id)) == NULL || db_commit(d) != 0) {
		*out = NULL;
		db_rollback(d);
		return CREATE_ERROR;
	}
	return CREATE_OK;
fail:
	db_rollback(d);
	return CREATE_ERROR;
}

/*
 * The write of order_begin_attempt() (skip -1) and order_skip_attempt()
 * (skip n): the order must still show the session the caller saw and,
 * when skipping, still be on attempt n; else ORDER_ATTEMPT_CHANGED. An
 * attempt that recorded no session is reused unless skipped or about to
 * expire; otherwise the next begins.
 */
static int
attempt_write(struct db *d, long long id, const char *seen, int skip,
    int window, long long *expires_at, enum order_state *state)
{
	sqlite3_stmt	*st;
	long long	 now = clock_now(), until;
	int		 attempt = -1;
	bool		 no_session, changed;
	const char	*current;

	*state = ORDER_STATE__MAX;
	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_attempt_state)) == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	if (db_step(d, st) != SQLITE_ROW) {
		sqlite3_reset(st);
		goto done;
	}
	*state = order_state_from_name((const char *)sqlite3_column_text(st, 0));
	attempt = sqlite3_column_int(st, 1);
	current = (const char *)sqlite3_column_text(st, 2);
	no_session = *current == '\0';
	changed = strcmp(current, seen) != 0 || (skip >= 0 && attempt != skip);
	until = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	if (*state != ORDER_PENDING) {
		attempt = -1;
		goto done;
	}
	if (changed) {
		db_rollback(d);
		return ORDER_ATTEMPT_CHANGED;
	}
	if (skip < 0 && attempt > 0 && no_session && until > now + 60) {
		*expires_at = until;
		goto done;
	}
	attempt = -1;
	if ((st = db_prep(d, sql_attempt_new)) == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now + window);
	if (db_step(d, st) == SQLITE_ROW) {
		attempt = sqlite3_column_int(st, 0);
		/* The session expires when the hold ends, never before. */
		*expires_at = sqlite3_column_int64(st, 1);
		if (db_step(d, st) != SQLITE_DONE)
			attempt = -1;
	}
	sqlite3_reset(st);
done:
	if (attempt < 0 || db_commit(d) != 0) {
		db_rollback(d);
		return -1;
	}
	return attempt;
}

int
order_begin_attempt(struct db *d, long long id, const char *seen, int window,
    long long *expires_at, enum order_state *state)
{
	return attempt_write(d, id, seen != NULL ? seen : "", -1, window,
	    expires_at, state);
}

int
order_skip_attempt(struct db *d, long long id, int n, int window,
    long long *expires_at, enum order_state *state)
{
	return attempt_write(d, id, "", n, window, expires_at, state);
}

int
order_set_session(struct db *d, long long id, int attempt,
    const char *session_id, const char *url, long long expires_at)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_session)) == NULL) {
		db_rollback(d);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, attempt);
	sqlite3_bind_text(st, 3, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, expires_at);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || sqlite3_changes(db_handle(d)) != 1) {
		db_rollback(d);
		return -1;
	}
	return db_commit(d);
}

struct order *
order_recover(struct db *d, struct arena *a, long long want_id,
    const char *token, const char *email, const char *currency,
    long long total, const struct recovered_line *lines, size_t n)
{
	sqlite3_stmt	*st;
	struct quote_line l;
	char		 fresh[33];
	long long	 id, subtotal = 0;
	size_t		 i;
	int		 rc;

	for (i = 0; i < n; i++) {
		long long t;

		if (money_mul(lines[i].unit_amount, lines[i].quantity, &t) ||
		    money_add(subtotal, t, &subtotal))
			return NULL;
	}
	/* What was paid is what the order is for, whatever the items say. */
	if (subtotal != total) {
		log_warn("order_recover: line items sum to %lld, paid %lld",
		    subtotal, total);
		n = 0;
	}
	if (want_id > 0 && (st = db_prep(d, sql_id_used)) != NULL) {
		sqlite3_bind_int64(st, 1, want_id);
		if (db_step(d, st) == SQLITE_ROW)
			want_id = 0;
		sqlite3_reset(st);
	}
	if (token == NULL || strlen(token) < 32 ||
	    order_by_token(d, a, token) != NULL) {
		new_token(fresh);
		token = fresh;
	}
	if ((st = db_prep(d, sql_recover)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, want_id > 0 ? want_id : 0);
	sqlite3_bind_text(st, 2, token, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, email && strlen(email) >= 3 ? email :
	    "unknown@invalid", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, total);
	sqlite3_bind_int64(st, 6, clock_now());
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return NULL;
	id = sqlite3_last_insert_rowid(db_handle(d));
	if ((st = db_prep(d, sql_number)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return NULL;
	memset(&l, 0, sizeof(l));
	for (i = 0; i < (n ? n : 1); i++) {
		l.product_name = (char *)(n ? lines[i].description :
		    "Recovered payment");
		l.variant_title = (char *)"";
		l.sku = (char *)"";
		l.unit_price = n ? lines[i].unit_amount : total;
		l.quantity = n ? lines[i].quantity : 1;
		l.line_total = l.unit_price * l.quantity;
		if ((st = db_prep(d, sql_line)) == NULL)
			return NULL;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_null(st, 2);
		sqlite3_bind_text(st, 3, l.product_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, l.variant_title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, l.sku, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, l.unit_price);
		sqlite3_bind_int64(st, 7, l.quantity);
		sqlite3_bind_int64(st, 8, l.line_total);
		sqlite3_bind_int64(st, 9, 0);
		sqlite3_bind_int64(st, 10, 0);
		rc = db_step(d, st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return NULL;
	}
	if (event_add(d, id, NULL, ORDER_PENDING, SOURCE_RECONCILE,
	    "recovered from the gateway's record of a paid session", NULL))
		return NULL;
	return order_by_id(d, a, id);
}
