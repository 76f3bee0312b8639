/*
 * The admin log (see adminlog.h).
 */
#include <stdbool.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/tval.h"
#include "data/db.h"
#include "shop/adminlog.h"

static const char sql_insert[] =
    "INSERT INTO admin_log (actor_id, actor, action, object_type, "
    "object_id, label, before, after, created_at) "
    "VALUES (nullif(?1, 0), ?2, ?3, ?4, nullif(?5, 0), ?6, ?7, ?8, ?9)";
static const char sql_list[] =
    "SELECT id, coalesce(actor_id, 0), actor, action, object_type, "
    "coalesce(object_id, 0), label, before, after, created_at "
    "FROM admin_log WHERE (?1 = 0 OR id < ?1) "
    "AND (?3 IS NULL OR (object_type = ?3 AND (?4 = 0 OR object_id = ?4))) "
    "ORDER BY id DESC LIMIT ?2";

/* Bind v as JSON text into parameter i (NULL when v is). */
static void
bind_json(sqlite3_stmt *st, int i, const struct tval *v, struct buf *b)
{
	if (v == NULL) {
		sqlite3_bind_null(st, i);
		return;
	}
	buf_reset(b);
	tval_json(b, v);
	sqlite3_bind_text(st, i, buf_str(b), (int)b->len, SQLITE_TRANSIENT);
}

long long
adminlog_write(struct db *d, const struct actor *who, const char *action,
    const char *object_type, long long object_id, const char *label,
    const struct tval *before, const struct tval *after)
{
	sqlite3_stmt	*st = db_prep(d, sql_insert);
	struct buf	 b = { 0 };
	long long	 id = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, who != NULL ? who->id : 0);
	sqlite3_bind_text(st, 2, who != NULL && who->name != NULL ?
	    who->name : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, object_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, object_id);
	sqlite3_bind_text(st, 6, label != NULL ? label : "", -1,
	    SQLITE_STATIC);
	bind_json(st, 7, before, &b);
	bind_json(st, 8, after, &b);
	sqlite3_bind_int64(st, 9, clock_now());
	if (db_step(d, st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db_handle(d));
	buf_free(&b);
	return id;
}

/* A text column that may be NULL. */
static char *
text_or_null(struct arena *a, sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL :
	    db_text(a, st, i);
}

struct adminlog_entry *
adminlog_list(struct db *d, struct arena *a, long long before_id, int limit,
    const char *object_type, long long object_id, size_t *n)
{
	sqlite3_stmt		*st = db_prep(d, sql_list);
	struct adminlog_entry	*v, *e;
	int			 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	if (limit < 1 || limit > ADMINLOG_PAGE_MAX)
		limit = ADMINLOG_PAGE_MAX;
	v = arena_calloc(a, (size_t)limit, sizeof(*v));
	sqlite3_bind_int64(st, 1, before_id);
	sqlite3_bind_int(st, 2, limit);
	if (object_type != NULL)
		sqlite3_bind_text(st, 3, object_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, object_id);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		e = &v[(*n)++];
		e->id = sqlite3_column_int64(st, 0);
		e->actor_id = sqlite3_column_int64(st, 1);
		e->actor = db_text(a, st, 2);
		e->action = db_text(a, st, 3);
		e->object_type = db_text(a, st, 4);
		e->object_id = sqlite3_column_int64(st, 5);
		e->label = db_text(a, st, 6);
		e->before = text_or_null(a, st, 7);
		e->after = text_or_null(a, st, 8);
		e->created_at = sqlite3_column_int64(st, 9);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*n = 0;
		return NULL;
	}
	return v;
}
