/*
 * Throttles in cache.db (see throttle.h): they fail closed.
 */
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "data/db.h"
#include "side/throttle.h"

static const char sql_wait[] =
    "SELECT wait_until FROM throttles WHERE key = ?1 AND forget_at > ?2";
static const char sql_get[] =
    "SELECT failures FROM throttles WHERE key = ?1 AND forget_at > ?2";
static const char sql_put[] =
    "INSERT INTO throttles (key, failures, wait_until, forget_at) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET "
    "failures = excluded.failures, wait_until = excluded.wait_until, "
    "forget_at = excluded.forget_at";
static const char sql_clear[] =
    "DELETE FROM throttles WHERE key = ?1";

/* Whether d and key can be used; a missing d is the caller's to log. */
static bool
usable(struct db *d, const char *key)
{
	if (d == NULL)
		return false;
	if (key == NULL || strlen(key) > THROTTLE_KEY_MAX) {
		log_error("throttles: key missing or too long");
		return false;
	}
	return true;
}

int
throttle_backoff(const struct throttle_rule *rule, long failures)
{
	long	w;
	long	n;

	if (failures < rule->free)
		return 0;
	w = rule->base;
	for (n = rule->free; n < failures && w < rule->max; n++)
		w *= 2;
	return w > rule->max ? rule->max : (int)w;
}

int
throttle_wait(struct db *d, const char *key)
{
	sqlite3_stmt	*st;
	long long	 now = clock_now(), until = 0;
	int		 rc;

	if (!usable(d, key) || (st = db_prep(d, sql_wait)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		until = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	return until > now ? (int)(until - now) : 0;
}

int
throttle_fail(struct db *d, const char *key, const struct throttle_rule *rule)
{
	sqlite3_stmt	*st;
	long long	 now = clock_now();
	long		 failures = 0;
	int		 rc, wait;

	if (!usable(d, key) || db_begin_timeout(d, THROTTLE_LOCK_MS) != 0)
		return -1;
	if ((st = db_prep(d, sql_get)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		failures = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	failures++;
	wait = throttle_backoff(rule, failures);
	if ((st = db_prep(d, sql_put)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, failures);
	sqlite3_bind_int64(st, 3, wait > 0 ? now + wait : 0);
	sqlite3_bind_int64(st, 4, now + rule->memory);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	return db_commit(d) == 0 ? wait : -1;
fail:
	db_rollback(d);
	return -1;
}

int
throttle_clear(struct db *d, const char *key)
{
	sqlite3_stmt	*st;

	if (!usable(d, key) || db_begin_timeout(d, THROTTLE_LOCK_MS) != 0)
		return -1;
	if ((st = db_prep(d, sql_clear)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	return db_commit(d);
fail:
	db_rollback(d);
	return -1;
}
