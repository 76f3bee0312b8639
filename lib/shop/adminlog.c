/*
 * The admin log (see adminlog.h).
 */
#include <limits.h>
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
static const char sql_pending[] =
    "SELECT json_extract(?1, '$.actor_id'), json_extract(?1, '$.actor'), "
    "json_extract(?1, '$.action'), json_extract(?1, '$.object_type'), "
    "json_extract(?1, '$.object_id'), json_extract(?1, '$.label'), "
    "json_extract(?1, '$.before'), json_extract(?1, '$.after'), "
    "json_extract(?1, '$.at') "
    "WHERE json_valid(?1) AND json_type(?1) = 'object' "
    "AND json_type(?1, '$.actor_id') = 'integer' "
    "AND json_type(?1, '$.actor') = 'text' "
    "AND json_type(?1, '$.action') = 'text' "
    "AND json_type(?1, '$.object_type') = 'text' "
    "AND json_type(?1, '$.object_id') = 'integer' "
    "AND json_type(?1, '$.label') = 'text' "
    "AND json_type(?1, '$.before') IN ('object', 'null') "
    "AND json_type(?1, '$.after') IN ('object', 'null') "
    "AND json_type(?1, '$.at') = 'integer'";
static const char sql_written[] =
    "SELECT id FROM admin_log WHERE object_type = ?4 "
    "AND object_id IS nullif(?5, 0) AND action = ?3 "
    "AND actor_id IS nullif(?1, 0) AND actor = ?2 AND label = ?6 "
    "AND before IS ?7 AND after IS ?8 AND created_at = ?9";
static const char sql_list[] =
    "SELECT id, coalesce(actor_id, 0), actor, action, object_type, "
    "coalesce(object_id, 0), label, before, after, created_at "
    "FROM admin_log WHERE id < ?1 "
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

char *
adminlog_pending(struct arena *a, const struct actor *who,
    const char *action, const char *object_type, long long object_id,
    const char *label, const struct tval *before, const struct tval *after,
    long long at)
{
	struct tval	*m = tval_map(a);
	struct buf	 b = { 0 };
	char		*out;

	tval_set_int(a, m, "actor_id", who != NULL ? who->id : 0);
	tval_set_str(a, m, "actor", who != NULL && who->name != NULL ?
	    who->name : "unknown");
	tval_set_str(a, m, "action", action);
	tval_set_str(a, m, "object_type", object_type);
	tval_set_int(a, m, "object_id", object_id);
	tval_set_str(a, m, "label", label != NULL ? label : "");
	tval_set(a, m, "before", before != NULL ? (struct tval *)before :
	    tval_null(a));
	tval_set(a, m, "after", after != NULL ? (struct tval *)after :
	    tval_null(a));
	tval_set_int(a, m, "at", at);
	tval_json(&b, m);
	out = arena_strndup(a, buf_str(&b), b.len);
	buf_free(&b);
	return out;
}

/*
 * Read the entry json describes into st, the statement that looks for it
 * (sql_written) or writes it (sql_insert): their parameters are the
 * same. 1 bound, 0 not an entry, -1.
 */
static int
bind_pending(struct db *d, sqlite3_stmt *st, const char *json)
{
	sqlite3_stmt	*p = db_prep(d, sql_pending);
	int		 rc, i;

	if (p == NULL)
		return -1;
	sqlite3_bind_text(p, 1, json, -1, SQLITE_STATIC);
	if ((rc = db_step(d, p)) != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	for (i = 0; i < 9; i++)
		sqlite3_bind_value(st, i + 1, sqlite3_column_value(p, i));
	sqlite3_reset(p);
	return 1;
}

long long
adminlog_write_pending(struct db *d, const char *json)
{
	sqlite3_stmt	*st;
	long long	 id;
	int		 rc;

	if ((st = db_prep(d, sql_written)) == NULL)
		return -1;
	if ((rc = bind_pending(d, st, json)) <= 0)
		return rc == 0 ? -2 : -1;
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return id;
	}
	if (rc != SQLITE_DONE || (st = db_prep(d, sql_insert)) == NULL ||
	    bind_pending(d, st, json) != 1 || db_step(d, st) != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(db_handle(d));
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
	/* A range of the primary key: a page costs its rows, however deep. */
	sqlite3_bind_int64(st, 1, before_id > 0 ? before_id : LLONG_MAX);
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
