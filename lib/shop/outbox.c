/*
 * The outbox and its relay (outbox.h).
 */
#include <stdbool.h>
#include <string.h>

#include "core/log.h"
#include "data/db.h"
#include "side/cable.h"
#include "side/queue.h"
#include "shop/outbox.h"

static const char sql_add[] =
    "INSERT INTO outbox (target, name, sub, payload, unique_key, priority, "
    "run_at, max_attempts, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_rows[] =
    "SELECT id, name, sub, payload, unique_key, priority, run_at, "
    "max_attempts FROM outbox WHERE target = ?1 AND id > ?2 "
    "ORDER BY id LIMIT ?3";
static const char sql_any[] =
    "SELECT EXISTS (SELECT 1 FROM outbox WHERE target = ?1 AND id > ?2)";
static const char sql_pending[] =
    "SELECT (SELECT count(*) FROM outbox WHERE target = 'job' AND id > ?1) "
    "+ (SELECT count(*) FROM outbox WHERE target = 'message' AND id > ?2)";
/* Same text in queue.db and cable.db, one statement per connection. */
static const char sql_mark_get[] =
    "SELECT last_id FROM relay_marks WHERE source = 'outbox'";
static const char sql_mark_set[] =
    "UPDATE relay_marks SET last_id = ?1 WHERE source = 'outbox' "
    "AND last_id < ?1";
static const char sql_mark_rows[] =
    "UPDATE outbox SET relayed_at = ?3 WHERE relayed_at IS NULL AND "
    "((target = 'job' AND id <= ?1) OR (target = 'message' AND id <= ?2))";
static const char sql_clean[] =
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox "
    "WHERE relayed_at IS NOT NULL AND relayed_at < ?1 LIMIT 1000)";

static long long
add(struct db *p, const char *target, const char *name, const char *sub,
    const char *payload, const struct queue_job_spec *s)
{
	sqlite3_stmt	*st;

	if (!db_in_write(p)) {
		log_error("outbox: %s %s: not inside a write transaction on "
		    "shop.db", target, name ? name : "(null)");
		return -1;
	}
	if ((st = db_prep(p, sql_add)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sub, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, payload ? payload : "{}", -1, SQLITE_STATIC);
	if (s != NULL) {
		if (s->unique_key != NULL)
			sqlite3_bind_text(st, 5, s->unique_key, -1,
			    SQLITE_STATIC);
		sqlite3_bind_int(st, 6, s->priority);
		sqlite3_bind_int64(st, 7, s->run_at > 0 ? s->run_at : 0);
		sqlite3_bind_int(st, 8, s->max_attempts > 0 ?
		    s->max_attempts : 0);
	} else {
		sqlite3_bind_int(st, 6, 0);
		sqlite3_bind_int64(st, 7, 0);
		sqlite3_bind_int(st, 8, 0);
	}
	sqlite3_bind_int64(st, 9, queue_now());
	if (db_step(p, st) != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(db_handle(p));
}

long long
outbox_job(struct db *p, const struct queue_job_spec *s)
{
	if (s == NULL || s->kind == NULL) {
		log_error("outbox_job: no kind");
		return -1;
	}
	return add(p, "job", s->kind, s->queue ? s->queue : QUEUE_DEFAULT,
	    s->payload, s);
}

long long
outbox_message(struct db *p, const char *channel, const char *event,
    const char *data)
{
	long long	id;

	if (event == NULL)
		event = CABLE_DEFAULT_EVENT;
	if (cable_channel_parse(channel, &id) == CABLE_CHANNEL__MAX ||
	    !cable_event_ok(event) || data == NULL ||
	    strlen(data) > CABLE_MAX_DATA) {
		log_error("outbox_message: bad channel, event or data (%.60s)",
		    channel ? channel : "(null)");
		return -1;
	}
	return add(p, "message", channel, event, data, NULL);
}

/* A receiver's mark, or -1. */
static long long
mark_get(struct db *d)
{
	sqlite3_stmt	*st = db_prep(d, sql_mark_get);
	long long	 v = -1;

	if (st != NULL && db_step(d, st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return v;
}

/* Whether target has rows above mark: 1, 0, -1. */
static int
rows_above(struct db *p, const char *target, long long mark)
{
	sqlite3_stmt	*st = db_prep(p, sql_any);
	int		 v = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, mark);
	if (db_step(p, st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return v;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/*
 * One relay step to the receiver r (queue.db for "job", cable.db for
 * "message"): in one write on r, read its mark, add the rows above it and
 * move the mark to the last one.
 */
static long
relay(struct db *p, struct db *r, const char *target, int batch, long *added)
{
	struct queue_job_spec	 s;
	sqlite3_stmt		*st;
	long long		 mark, id = 0, got;
	long			 n = 0;
	int			 rc;
	bool			 job = strcmp(target, "job") == 0;

	if (added != NULL)
		*added = 0;
	/* Look first without the receiver's write lock: usually nothing. */
	if ((mark = mark_get(r)) < 0 || (rc = rows_above(p, target, mark)) < 0)
		return -1;
	if (rc == 0)
		return 0;
	if (db_begin(r) != 0)
		return -1;
	if ((mark = mark_get(r)) < 0 || (st = db_prep(p, sql_rows)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, mark);
	sqlite3_bind_int(st, 3, batch > 0 ? batch : OUTBOX_BATCH);
	while ((rc = db_step(p, st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (job) {
			memset(&s, 0, sizeof(s));
			s.kind = col(st, 1);
			s.queue = col(st, 2);
			s.payload = col(st, 3);
			s.unique_key = col(st, 4);
			s.priority = sqlite3_column_int(st, 5);
			s.run_at = sqlite3_column_int64(st, 6);
			s.max_attempts = sqlite3_column_int(st, 7);
			got = queue_enqueue_outbox(r, &s, id);
		} else if (!cable_event_ok(col(st, 2))) {
			log_error("outbox: row %lld: event name unusable; "
			    "skipped", id);
			got = 0;
		} else {
			long long cid;

			if (cable_channel_parse(col(st, 1), &cid) ==
			    CABLE_CHANNEL__MAX) {
				log_error("outbox: row %lld: channel name "
				    "unusable; skipped", id);
				got = 0;
			} else
				got = cable_publish(r, col(st, 1), col(st, 2),
				    col(st, 3), id);
		}
		if (got < 0) {
			sqlite3_reset(st);
			goto fail;
		}
		if (got > 0 && added != NULL)
			(*added)++;
		n++;
	}
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	if (n > 0) {
		if ((st = db_prep(r, sql_mark_set)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		if (db_step(r, st) != SQLITE_DONE)
			goto fail;
	}
	if (db_commit(r) != 0)
		return -1;
	return n;
fail:
	db_rollback(r);
	if (added != NULL)
		*added = 0;
	return -1;
}

long
outbox_relay_jobs(struct db *p, struct db *q, int batch, long *added)
{
	return relay(p, q, "job", batch, added);
}

long
outbox_relay_messages(struct db *p, struct db *c, int batch, long *added)
{
	return relay(p, c, "message", batch, added);
}

long
outbox_mark(struct db *p, struct db *q, struct db *c)
{
	sqlite3_stmt	*st;
	long long	 qm = q ? mark_get(q) : 0, cm = c ? mark_get(c) : 0;
	long		 n;

	if (qm < 0 || cm < 0)
		return -1;
	if (db_begin(p) != 0)
		return -1;
	if ((st = db_prep(p, sql_mark_rows)) == NULL) {
		db_rollback(p);
		return -1;
	}
	sqlite3_bind_int64(st, 1, qm);
	sqlite3_bind_int64(st, 2, cm);
	sqlite3_bind_int64(st, 3, queue_now());
	if (db_step(p, st) != SQLITE_DONE) {
		db_rollback(p);
		return -1;
	}
	n = sqlite3_changes(db_handle(p));
	return db_commit(p) == 0 ? n : -1;
}

int
outbox_relay(struct db *p, struct db *q, struct db *c,
    struct outbox_stats *out)
{
	struct outbox_stats	s = { 0 };
	long			n, added;

	do {
		if (q == NULL)
			break;
		if ((n = outbox_relay_jobs(p, q, OUTBOX_BATCH, &added)) < 0)
			return -1;
		s.taken += n;
		s.jobs += added;
	} while (n == OUTBOX_BATCH);
	do {
		if (c == NULL)
			break;
		if ((n = outbox_relay_messages(p, c, OUTBOX_BATCH, &added)) < 0)
			return -1;
		s.taken += n;
		s.messages += added;
	} while (n == OUTBOX_BATCH);
	if (s.taken > 0 && (n = outbox_mark(p, q, c)) >= 0)
		s.marked = n;
	if (out != NULL)
		*out = s;
	return 0;
}

long
outbox_pending(struct db *p, struct db *q, struct db *c)
{
	sqlite3_stmt	*st;
	long long	 qm = q ? mark_get(q) : 0, cm = c ? mark_get(c) : 0;
	long		 n = -1;

	if (qm < 0 || cm < 0 || (st = db_prep(p, sql_pending)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, qm);
	sqlite3_bind_int64(st, 2, cm);
	if (db_step(p, st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

long
outbox_cleanup(struct db *p, long long older_than)
{
	sqlite3_stmt	*st;
	long		 n = 0, m;

	do {
		if (db_begin(p) != 0)
			return -1;
		if ((st = db_prep(p, sql_clean)) == NULL) {
			db_rollback(p);
			return -1;
		}
		sqlite3_bind_int64(st, 1, older_than);
		if (db_step(p, st) != SQLITE_DONE) {
			db_rollback(p);
			return -1;
		}
		m = sqlite3_changes(db_handle(p));
		if (db_commit(p) != 0)
			return -1;
		n += m;
	} while (m == 1000);
	return n;
}
