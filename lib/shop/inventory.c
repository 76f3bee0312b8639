/*
 * Stock changes and their record (see inventory.h).
 */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "shop/catalog.h"
#include "shop/inventory.h"
#include "shop/restock.h"
#include "shop/outbox.h"

const char *const stock_mode_names[STOCK_MODE__MAX] = {
	"set",
	"delta",
};

const char *const inventory_result_names[INVENTORY_RESULT__MAX] = {
	"ok",
	"not_found",
	"bad_mode",
	"bad_amount",
	"below_zero",
	"above_max",
	"bad_reason",
	"bad_actor",
	"error",
};

const char *const inventory_result_msgs[INVENTORY_RESULT__MAX] = {
	"Stock updated.",
	"There is no such variant.",
	"Choose whether to set the stock or add to it.",
	"Enter a whole number of units.",
	"That would leave less than nothing in stock.",
	"That would leave more in stock than the shop can count.",
	"Say why the stock changes, in one line of at most 200 characters.",
	"The change must say who made it.",
	"The stock could not be changed. Try again.",
};

const char *const inventory_result_fields[INVENTORY_RESULT__MAX] = {
	NULL,
	NULL,
	"mode",
	"amount",
	"amount",
	"amount",
	"reason",
	NULL,
	NULL,
};

static const char sql_threshold[] =
    "SELECT low_stock_threshold FROM variants WHERE id = ?1";
static const char sql_threshold_set[] =
    "UPDATE variants SET low_stock_threshold = ?2 WHERE id = ?1";
static const char sql_stock[] =
    "SELECT stock FROM variants WHERE id = ?1";
/* ?3: the stock read in the same write; nothing else can have moved it. */
static const char sql_set[] =
    "UPDATE variants SET stock = ?2 WHERE id = ?1 AND stock = ?3";
static const char sql_record[] =
    "INSERT INTO stock_movements (variant_id, delta, stock_after, reason,"
    " actor, order_id, created_at)"
    " SELECT id, ?2, stock, ?3, ?4, nullif(?5, 0), ?6"
    " FROM variants WHERE id = ?1";
static const char sql_movements[] =
    "SELECT id, variant_id, delta, stock_after, reason, actor,"
    " coalesce(order_id, 0), created_at FROM stock_movements"
    " WHERE variant_id = ?1 ORDER BY id DESC LIMIT ?2";
static const char sql_variant_product[] =
    "SELECT product_id FROM variants WHERE id = ?1";
static const char sql_product_stock[] =
    "SELECT id, stock FROM variants WHERE product_id = ?1 AND active "
    "ORDER BY position, id";

enum stock_mode
stock_mode_parse(const char *s)
{
	int	i;

	for (i = 0; i < STOCK_MODE__MAX; i++)
		if (s != NULL && strcmp(s, stock_mode_names[i]) == 0)
			return (enum stock_mode)i;
	return STOCK_MODE__MAX;
}

/* One line of text, not blank, of at most max characters. */
static bool
line_ok(const char *s, size_t max)
{
	return !text_blank(s) && text_fits(s, max, false);
}

int
stock_record(struct db *d, long long vid, long long delta, const char *reason,
    const char *actor, long long order_id)
{
	sqlite3_stmt	*st;
	struct tm	 tm;
	time_t		 now = (time_t)clock_now();
	char		 ts[32];
	int		 rc;

	if (!db_in_write(d)) {
		log_error("stock_record: not inside a write transaction");
		return -1;
	}
	if (delta == 0)
		return 0;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((st = db_prep(d, sql_record)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_int64(st, 2, delta);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, order_id);
	sqlite3_bind_text(st, 6, ts, -1, SQLITE_TRANSIENT);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(db_handle(d)) != 1) {
		log_error("stock_record: variant %lld is gone", vid);
		return -1;
	}
	/* Back in stock: the mails of "Notify me" go with the rise. */
	if (delta > 0 && restock_notify(d, vid) < 0)
		return -1;
	return 0;
}

enum inventory_result
stock_adjust(struct db *d, long long vid, enum stock_mode mode,
    long long amount, const char *reason, const char *actor,
    long long *new_stock)
{
	sqlite3_stmt	*st;
	long long	 have, want;
	int		 rc;

	if (!db_in_write(d)) {
		log_error("stock_adjust: not inside a write transaction");
		return INVENTORY_ERROR;
	}
	if ((unsigned)mode >= STOCK_MODE__MAX)
		return INVENTORY_BAD_MODE;
	if (amount > INVENTORY_STOCK_MAX || amount < -INVENTORY_STOCK_MAX ||
	    (mode == STOCK_MODE_SET && amount < 0))
		return INVENTORY_BAD_AMOUNT;
	if (!line_ok(reason, INVENTORY_REASON_MAX))
		return INVENTORY_BAD_REASON;
	if (!line_ok(actor, INVENTORY_ACTOR_MAX))
		return INVENTORY_BAD_ACTOR;

	if ((st = db_prep(d, sql_stock)) == NULL)
		return INVENTORY_ERROR;
	sqlite3_bind_int64(st, 1, vid);
	rc = db_step(d, st);
	have = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return INVENTORY_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return INVENTORY_ERROR;
	if (new_stock != NULL)
		*new_stock = have;

	/* Both are within INVENTORY_STOCK_MAX: the sum cannot overflow. */
	want = mode == STOCK_MODE_SET ? amount : have + amount;
	if (want < 0)
		return INVENTORY_BELOW_ZERO;
	if (want > INVENTORY_STOCK_MAX)
		return INVENTORY_ABOVE_MAX;
	if (want == have)
		return INVENTORY_OK;

	if ((st = db_prep(d, sql_set)) == NULL)
		return INVENTORY_ERROR;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_int64(st, 2, want);
	sqlite3_bind_int64(st, 3, have);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || sqlite3_changes(db_handle(d)) != 1)
		return INVENTORY_ERROR;
	if (stock_record(d, vid, want - have, reason, actor, 0) != 0 ||
	    stock_publish(d, vid) != 0)
		return INVENTORY_ERROR;
	if (new_stock != NULL)
		*new_stock = want;
	return INVENTORY_OK;
}

/*
 * Reads the product's active variants and writes one outbox message
 * built as a template value, so its JSON is written in one place.
 */
int
stock_publish(struct db *d, long long vid)
{
	struct arena	*a;
	struct tval	*m;
	struct buf	 json = { 0 };
	sqlite3_stmt	*st;
	long long	 pid = 0, total = 0;
	int		 rc = -1;

	if ((st = db_prep(d, sql_variant_product)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, vid);
	if (db_step(d, st) == SQLITE_ROW)
		pid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (pid == 0)
		return 0;
	if ((st = db_prep(d, sql_product_stock)) == NULL)
		return -1;
	a = arena_new();
	m = tval_map(a);
	sqlite3_bind_int64(st, 1, pid);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		long long n = sqlite3_column_int64(st, 1);

		total += n;
		tval_set_str(a, m, arena_printf(a, "v%lld",
		    (long long)sqlite3_column_int64(st, 0)), stock_label(a, n));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		tval_set_str(a, m, "label", stock_label(a, total));
		tval_set_str(a, m, "state",
		    stock_state_names[stock_state(total)]);
		tval_json(&json, m);
		rc = outbox_message(d, arena_printf(a, "product:%lld", pid),
		    "stock", buf_str(&json)) < 0 ? -1 : 0;
	} else
		rc = -1;
	buf_free(&json);
	arena_free(a);
	return rc;
}

int
stock_movements(struct db *d, struct arena *a, long long vid, size_t limit,
    struct stock_movement **out, size_t *n)
{
	sqlite3_stmt	*st;
	int		 rc = SQLITE_DONE;

	*n = 0;
	if (limit > INVENTORY_MOVEMENTS_MAX)
		limit = INVENTORY_MOVEMENTS_MAX;
	*out = arena_calloc(a, limit ? limit : 1, sizeof(**out));
	if ((st = db_prep(d, sql_movements)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_int64(st, 2, (long long)limit);
	while (*n < limit && (rc = db_step(d, st)) == SQLITE_ROW) {
		struct stock_movement	*m = &(*out)[(*n)++];

		m->id = sqlite3_column_int64(st, 0);
		m->variant_id = sqlite3_column_int64(st, 1);
		m->delta = sqlite3_column_int64(st, 2);
		m->stock_after = sqlite3_column_int64(st, 3);
		m->reason = db_text(a, st, 4);
		m->actor = db_text(a, st, 5);
		m->order_id = sqlite3_column_int64(st, 6);
		m->created_at = db_text(a, st, 7);
	}
	if (*n < limit && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int
stock_threshold(struct db *d, long long vid, long long *threshold)
{
	sqlite3_stmt	*st = db_prep(d, sql_threshold);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, vid);
	rc = db_step(d, st);
	if (rc == SQLITE_ROW)
		*threshold = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum inventory_result
stock_threshold_set(struct db *d, long long vid, long long threshold)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (!db_in_write(d)) {
		log_error("stock_threshold_set: not inside a write transaction");
		return INVENTORY_ERROR;
	}
	if (threshold < 0 || threshold > INVENTORY_STOCK_MAX)
		return INVENTORY_BAD_AMOUNT;
	if ((st = db_prep(d, sql_threshold_set)) == NULL)
		return INVENTORY_ERROR;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_int64(st, 2, threshold);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return INVENTORY_ERROR;
	return sqlite3_changes(db_handle(d)) == 1 ? INVENTORY_OK :
	    INVENTORY_NOT_FOUND;
}
