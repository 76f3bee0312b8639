/*
 * cache.db access. See cache.h: every failure is a miss.
 */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "data/db.h"
#include "side/cache.h"

static const char sql_get[] =
    "SELECT value FROM entries WHERE key = ?1 AND expires_at > ?2";
static const char sql_set[] =
    "INSERT INTO entries (key, value, size, created_at, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key) DO UPDATE SET "
    "value = excluded.value, size = excluded.size, "
    "created_at = excluded.created_at, expires_at = excluded.expires_at";
static const char sql_delete[] =
    "DELETE FROM entries WHERE key = ?1";
static const char sql_bytes[] =
    "SELECT bytes FROM usage WHERE id = 1";
static const char sql_evict_oldest[] =
    "DELETE FROM entries WHERE key IN "
    "(SELECT key FROM entries ORDER BY created_at LIMIT ?1)";
static const char sql_evict_expired[] =
    "DELETE FROM entries WHERE key IN "
    "(SELECT key FROM entries WHERE expires_at <= ?1 LIMIT 1000)";
static const char sql_clear_entries[] =
    "DELETE FROM entries";
static const char sql_counters_expired[] =
    "DELETE FROM counters WHERE window_end <= ?1";
/* Throttles (side/throttle.h) are forgotten here too. */
static const char sql_throttles_forgotten[] =
    "DELETE FROM throttles WHERE forget_at <= ?1";
static const char sql_hit[] =
    "INSERT INTO counters (key, count, window_end) VALUES (?1, 1, ?2 + ?3) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN window_end <= ?2 THEN 1 ELSE count + 1 END, "
    "window_end = CASE WHEN window_end <= ?2 THEN ?2 + ?3 ELSE window_end END "
    "RETURNING count, window_end";
static const char sql_peek[] =
    "SELECT count, window_end FROM counters WHERE key = ?1 AND window_end > ?2";
static const char sql_clear[] =
    "DELETE FROM counters WHERE key = ?1";

bool
cache_get(struct db *d, struct arena *a, const char *key, char **val,
    size_t *len)
{
	sqlite3_stmt	*st;
	bool		 hit = false;

	if (d == NULL || (st = db_prep(d, sql_get)) == NULL)
		return false;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, clock_now());
	if (db_step(d, st) == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*val = arena_strndup(a, sqlite3_column_blob(st, 0), *len);
		hit = true;
	}
	sqlite3_reset(st);
	return hit;
}

static long long
bytes_held(struct db *d)
{
	sqlite3_stmt	*st = db_prep(d, sql_bytes);
	long long	 n = -1;

	if (st != NULL && db_step(d, st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return n;
}

/* Inside a write transaction: evict oldest batches until under max. */
static long
evict_over(struct db *d, size_t max)
{
	sqlite3_stmt	*st;
	long		 n = 0;
	long long	 held;

	while ((held = bytes_held(d)) > (long long)max) {
		if ((st = db_prep(d, sql_evict_oldest)) == NULL)
			return -1;
		sqlite3_bind_int(st, 1, CACHE_EVICT_BATCH);
		if (db_step(d, st) != SQLITE_DONE)
			return -1;
		if (sqlite3_changes(db_handle(d)) == 0)
			break;
		n += sqlite3_changes(db_handle(d));
		sqlite3_reset(st);
	}
	return held < 0 ? -1 : n;
}

bool
cache_set(struct db *d, const char *key, const void *val, size_t len,
    int ttl, size_t max_bytes)
{
	sqlite3_stmt	*st;
	time_t		 now = (time_t)clock_now();

	if (d == NULL || len > CACHE_MAX_ENTRY || ttl <= 0)
		return false;
	if (max_bytes == 0)
		max_bytes = CACHE_MAX_BYTES;
	if (db_begin_timeout(d, CACHE_LOCK_MS) != 0)
		return false;
	if ((st = db_prep(d, sql_set)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, val, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)len);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now + ttl);
	if (db_step(d, st) != SQLITE_DONE || evict_over(d, max_bytes) < 0)
		goto fail;
	return db_commit(d) == 0;
fail:
	db_rollback(d);
	return false;
}

void
cache_delete(struct db *d, const char *key)
{
	sqlite3_stmt	*st;

	if (d == NULL || db_begin_timeout(d, CACHE_LOCK_MS) != 0)
		return;
	if ((st = db_prep(d, sql_delete)) != NULL) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (db_step(d, st) == SQLITE_DONE) {
			db_commit(d);
			return;
		}
	}
	db_rollback(d);
}

long long
cache_bytes(struct db *d)
{
	return d == NULL ? -1 : bytes_held(d);
}

long
cache_evict(struct db *d, size_t max_bytes)
{
	sqlite3_stmt	*st;
	long		 n = 0, m;
	time_t		 now = (time_t)clock_now();

	if (d == NULL || db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_evict_expired)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	n += sqlite3_changes(db_handle(d));
	if ((st = db_prep(d, sql_counters_expired)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	if ((st = db_prep(d, sql_throttles_forgotten)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	if ((m = evict_over(d, max_bytes ? max_bytes : CACHE_MAX_BYTES)) < 0)
		goto fail;
	n += m;
	if (db_commit(d) != 0)
		return -1;
	return n;
fail:
	db_rollback(d);
	return -1;
}

long
cache_clear(struct db *d)
{
	sqlite3_stmt	*st;
	long		 n;

	if (d == NULL || db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_clear_entries)) == NULL ||
	    db_step(d, st) != SQLITE_DONE) {
		db_rollback(d);
		return -1;
	}
	n = sqlite3_changes(db_handle(d));
	if (db_commit(d) != 0)
		return -1;
	return n;
}

long
counter_hit(struct db *d, const char *key, int window, int *reset_in)
{
	sqlite3_stmt	*st;
	long		 count = 0;
	time_t		 now = (time_t)clock_now();

	if (reset_in != NULL)
		*reset_in = 0;
	if (d == NULL || db_begin_timeout(d, CACHE_LOCK_MS) != 0)
		return -1;
	if ((st = db_prep(d, sql_hit)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sqlite3_bind_int(st, 3, window);
	if (db_step(d, st) != SQLITE_ROW)
		goto fail;
	count = (long)sqlite3_column_int64(st, 0);
	if (reset_in != NULL)
		*reset_in = (int)(sqlite3_column_int64(st, 1) - now);
	/* Finish the statement: RETURNING rows are only final when done. */
	if (db_step(d, st) != SQLITE_DONE || db_commit(d) != 0) {
		db_rollback(d);
		return -1;
	}
	return count;
fail:
	db_rollback(d);
	return -1;
}

long
counter_peek(struct db *d, const char *key, int *reset_in)
{
	sqlite3_stmt	*st;
	long		 count = 0;
	time_t		 now = (time_t)clock_now();
	int		 rc;

	if (reset_in != NULL)
		*reset_in = 0;
	if (d == NULL || (st = db_prep(d, sql_peek)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		count = (long)sqlite3_column_int64(st, 0);
		if (reset_in != NULL)
			*reset_in = (int)(sqlite3_column_int64(st, 1) - now);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : count;
}

void
counter_clear(struct db *d, const char *key)
{
	sqlite3_stmt	*st;

	if (d == NULL || db_begin_timeout(d, CACHE_LOCK_MS) != 0)
		return;
	if ((st = db_prep(d, sql_clear)) != NULL) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (db_step(d, st) == SQLITE_DONE) {
			db_commit(d);
			return;
		}
	}
	db_rollback(d);
}
