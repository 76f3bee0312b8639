/*
 * queue.db access (queue.h).
 *
 * Every change is one write transaction (flock, then BEGIN IMMEDIATE), so
 * claims by several worker processes are serialised in the kernel and two
 * of them can never take the same job. The lease token makes complete,
 * fail and heartbeat conditional on still holding the claim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/schedule.h"
#include "data/db.h"
#include "data/doctor.h"
#include "side/queue.h"

static const char sql_enqueue[] =
    "INSERT INTO jobs (queue, kind, payload, priority, run_at, "
    "max_attempts, unique_key, outbox_id, task, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
    "ON CONFLICT DO NOTHING";
static const char sql_is_object[] =
    "SELECT json_valid(?1) AND json_type(?1) = 'object'";
static const char sql_expired[] =
    "SELECT id, attempts, max_attempts, worker FROM jobs "
    "WHERE state = 'running' AND lease_until <= ?1 "
    "AND (?2 IS NULL OR instr(',' || ?2 || ',', ',' || queue || ',') > 0) "
    "ORDER BY lease_until LIMIT 1";
static const char sql_ready[] =
    "SELECT id, attempts, max_attempts, NULL FROM jobs "
    "WHERE state = 'queued' AND run_at <= ?1 "
    "AND (?2 IS NULL OR instr(',' || ?2 || ',', ',' || queue || ',') > 0) "
    "ORDER BY priority DESC, run_at, id LIMIT 1";
static const char sql_take[] =
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
    "worker = ?2, lease_token = ?3, lease_until = ?4 + ?5, "
    "heartbeat_at = ?4, started_at = ?4 WHERE id = ?1 "
    "RETURNING queue, kind, payload, task, attempts, max_attempts";
static const char sql_beat[] =
    "UPDATE jobs SET lease_until = ?3 + ?4, heartbeat_at = ?3 "
    "WHERE id = ?1 AND lease_token = ?2 AND state = 'running'";
static const char sql_complete[] =
    "UPDATE jobs SET state = 'done', finished_at = ?3, lease_token = NULL, "
    "lease_until = NULL, last_error = NULL "
    "WHERE id = ?1 AND lease_token = ?2 AND state = 'running'";
static const char sql_requeue[] =
    "UPDATE jobs SET state = 'queued', run_at = ?3 + ?4, last_error = ?5, "
    "worker = NULL, lease_token = NULL, lease_until = NULL "
    "WHERE id = ?1 AND lease_token = ?2 AND state = 'running' "
    "AND attempts < max_attempts";
static const char sql_to_failed[] =
    "INSERT INTO failed_jobs (id, queue, kind, payload, priority, attempts, "
    "max_attempts, unique_key, outbox_id, task, error, created_at, "
    "failed_at) SELECT id, queue, kind, payload, priority, attempts, "
    "max_attempts, unique_key, outbox_id, task, ?2, created_at, ?3 "
    "FROM jobs WHERE id = ?1";
static const char sql_holds[] =
    "SELECT 1 FROM jobs WHERE id = ?1 AND lease_token = ?2 "
    "AND state = 'running'";
static const char sql_delete_job[] =
    "DELETE FROM jobs WHERE id = ?1";
static const char sql_pending_key[] =
    "SELECT 1 FROM jobs WHERE unique_key = (SELECT unique_key FROM "
    "failed_jobs WHERE id = ?1) AND state <> 'done'";
static const char sql_from_failed[] =
    "INSERT INTO jobs (id, queue, kind, payload, priority, run_at, "
    "max_attempts, unique_key, outbox_id, task, created_at, last_error) "
    "SELECT id, queue, kind, payload, priority, ?2, max_attempts, "
    "unique_key, outbox_id, task, created_at, error "
    "FROM failed_jobs WHERE id = ?1";
static const char sql_delete_failed[] =
    "DELETE FROM failed_jobs WHERE id = ?1";
static const char sql_failed_ids[] =
    "SELECT id FROM failed_jobs ORDER BY id";
static const char sql_discard_queued[] =
    "DELETE FROM jobs WHERE id = ?1 AND state = 'queued'";
static const char sql_define[] =
    "INSERT INTO recurring (task, kind, queue, payload, schedule, "
    "next_run_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (task) DO UPDATE SET kind = excluded.kind, "
    "queue = excluded.queue, payload = excluded.payload, "
    "next_run_at = CASE WHEN schedule = excluded.schedule "
    "AND next_run_at IS NOT NULL THEN next_run_at "
    "ELSE excluded.next_run_at END, "
    "schedule = excluded.schedule, updated_at = excluded.updated_at";
static const char sql_due[] =
    "SELECT task, kind, queue, payload, schedule, next_run_at "
    "FROM recurring WHERE next_run_at IS NOT NULL AND next_run_at <= ?1 "
    "ORDER BY next_run_at";
static const char sql_run_slot[] =
    "INSERT INTO recurring_runs (task, scheduled_at, created_at) "
    "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
static const char sql_run_job[] =
    "UPDATE recurring_runs SET job_id = ?3 "
    "WHERE task = ?1 AND scheduled_at = ?2";
static const char sql_advance[] =
    "UPDATE recurring SET next_run_at = ?2, last_run_at = ?3, "
    "last_job_id = coalesce(?4, last_job_id) WHERE task = ?1";
static const char sql_list_workers[] =
    "SELECT id, pid, heartbeat_at, coalesce(job_id, 0) FROM workers "
    "ORDER BY started_at";
static const char sql_list_running[] =
    "SELECT id, queue, kind, priority, run_at, attempts, max_attempts, "
    "coalesce(worker, ''), coalesce(lease_until, 0), "
    "coalesce(last_error, ''), "
    "CASE WHEN length(CAST(payload AS BLOB)) <= ?2 THEN payload END "
    "FROM jobs WHERE state = 'running' "
    "ORDER BY started_at LIMIT ?1";
static const char sql_list_queued[] =
    "SELECT id, queue, kind, priority, run_at, attempts, max_attempts, "
    "coalesce(worker, ''), coalesce(lease_until, 0), "
    "coalesce(last_error, ''), "
    "CASE WHEN length(CAST(payload AS BLOB)) <= ?2 THEN payload END "
    "FROM jobs WHERE state = 'queued' "
    "ORDER BY priority DESC, run_at, id LIMIT ?1";
static const char sql_list_failed[] =
    "SELECT id, queue, kind, attempts, max_attempts, failed_at, error, "
    "CASE WHEN length(CAST(payload AS BLOB)) <= ?2 THEN payload END "
    "FROM failed_jobs ORDER BY id LIMIT ?1";
static const char sql_job_get[] =
    "SELECT id, state, queue, kind, payload, priority, attempts, "
    "max_attempts, run_at, 0, coalesce(last_error, ''), "
    "coalesce(worker, '') FROM jobs WHERE id = ?1 "
    "UNION ALL "
    "SELECT id, 'failed', queue, kind, payload, priority, attempts, "
    "max_attempts, 0, failed_at, error, '' FROM failed_jobs WHERE id = ?1";
static const char sql_list_recurring[] =
    "SELECT task, kind, schedule, coalesce(next_run_at, 0), "
    "coalesce(last_run_at, 0), coalesce(last_job_id, 0) FROM recurring "
    "ORDER BY task";
static const char sql_clean_jobs[] =
    "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs "
    "WHERE state = 'done' AND finished_at < ?1 LIMIT 500)";
static const char sql_clean_runs[] =
    "DELETE FROM recurring_runs WHERE (task, scheduled_at) IN "
    "(SELECT task, scheduled_at FROM recurring_runs WHERE created_at < ?1 "
    "LIMIT 500)";
static const char sql_clean_workers[] =
    "DELETE FROM workers WHERE heartbeat_at < ?1";
static const char sql_worker_add[] =
    "INSERT INTO workers (id, pid, host, started_at, heartbeat_at) "
    "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (id) DO UPDATE SET "
    "heartbeat_at = excluded.heartbeat_at";
static const char sql_worker_beat[] =
    "UPDATE workers SET heartbeat_at = ?2, job_id = ?3 WHERE id = ?1";
static const char sql_worker_leave[] =
    "DELETE FROM workers WHERE id = ?1";
static const char sql_count[] =
    "SELECT count(*) FROM jobs WHERE state = ?1";
static const char sql_count_failed[] =
    "SELECT count(*) FROM failed_jobs";

const char *const queue_state_names[QUEUE_STATE__MAX] = {
	"queued",
	"running",
	"done",
	"failed",
};

long long
queue_now(void)
{
	return clock_now_ms();
}

static bool
name_ok(const char *s, size_t max)
{
	size_t	n;

	return s != NULL && (n = strlen(s)) > 0 && n <= max;
}

/* Whether text is a JSON object, by SQLite's own parser. */
static int
is_object(struct db *d, const char *text)
{
	sqlite3_stmt	*st = db_prep(d, sql_is_object);
	int		 ok;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_ROW)
		return -1;
	ok = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return ok;
}

/*
 * Insert a job (in a write). outbox_id and task are 0/NULL when none.
 * Returns the id, 0 when its unique key or outbox id is already there,
 * -1.
 */
static long long
insert_job(struct db *d, const struct queue_job_spec *s, long long outbox_id,
    const char *task, long long now)
{
	sqlite3_stmt	*st = db_prep(d, sql_enqueue);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, s->queue ? s->queue : QUEUE_DEFAULT, -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->payload ? s->payload : "{}", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 4, s->priority);
	sqlite3_bind_int64(st, 5, s->run_at > 0 ? s->run_at : now);
	sqlite3_bind_int(st, 6, s->max_attempts > 0 ? s->max_attempts :
	    QUEUE_MAX_ATTEMPTS);
	if (s->unique_key != NULL)
		sqlite3_bind_text(st, 7, s->unique_key, -1, SQLITE_STATIC);
	if (outbox_id > 0)
		sqlite3_bind_int64(st, 8, outbox_id);
	if (task != NULL)
		sqlite3_bind_text(st, 9, task, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, now);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(db_handle(d)) == 0)
		return 0;
	return sqlite3_last_insert_rowid(db_handle(d));
}

/*
 * Shared by queue_enqueue and the outbox relay. The relay does not check
 * the payload: a row it cannot refuse becomes a job that fails with a
 * clear error, where an operator sees it, rather than a relay that is
 * stuck on one row.
 */
static long long
enqueue(struct db *d, const struct queue_job_spec *s, long long outbox_id,
    bool check_payload)
{
	long long	id;
	bool		own = !db_in_write(d);
	int		ok;

	if (!name_ok(s->kind, 200) || (s->queue && !name_ok(s->queue, 64)) ||
	    (s->unique_key && !name_ok(s->unique_key, 200)) ||
	    (s->payload && strlen(s->payload) > QUEUE_MAX_PAYLOAD)) {
		log_error("queue_enqueue: kind, queue, unique key or payload "
		    "empty or too long");
		return -1;
	}
	if (check_payload && s->payload != NULL &&
	    (ok = is_object(d, s->payload)) != 1) {
		if (ok == 0)
			log_error("queue_enqueue: %s: payload is not a JSON "
			    "object", s->kind);
		return -1;
	}
	if (own && db_begin(d) != 0)
		return -1;
	id = insert_job(d, s, outbox_id, NULL, queue_now());
	if (own) {
		if (id < 0)
			db_rollback(d);
		else if (db_commit(d) != 0)
			return -1;
	}
	return id;
}

long long
queue_enqueue(struct db *d, const struct queue_job_spec *s)
{
	return enqueue(d, s, 0, true);
}

long long
queue_enqueue_outbox(struct db *d, const struct queue_job_spec *s,
    long long outbox_id)
{
	if (!db_in_write(d)) {
		log_error("queue_enqueue_outbox: not in a write transaction");
		return -1;
	}
	return enqueue(d, s, outbox_id, false);
}

static void
new_token(char out[33])
{
	unsigned char	rnd[16];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(out, 33, rnd, sizeof(rnd));
}

/* Move a job to failed_jobs (in a write). */
static int
move_to_failed(struct db *d, long long id, const char *error, long long now)
{
	sqlite3_stmt	*st;

	if ((st = db_prep(d, sql_to_failed)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	if ((st = db_prep(d, sql_delete_job)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return db_step(d, st) == SQLITE_DONE ? 0 : -1;
}

/*
 * The next candidate from sql (expired leases or ready jobs): 1 with its
 * id, attempts and limit, 0 if none, -1.
 */
static int
candidate(struct db *d, const char *sql, long long now, const char *queues,
    long long *id, int *attempts, int *max, char *prev, size_t prevlen)
{
	sqlite3_stmt	*st = db_prep(d, sql);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (queues != NULL)
		sqlite3_bind_text(st, 2, queues, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	*id = sqlite3_column_int64(st, 0);
	*attempts = sqlite3_column_int(st, 1);
	*max = sqlite3_column_int(st, 2);
	snprintf(prev, prevlen, "%s", sqlite3_column_text(st, 3) ?
	    (const char *)sqlite3_column_text(st, 3) : "");
	sqlite3_reset(st);
	return 1;
}

int
queue_claim(struct db *d, struct arena *a, const char *worker,
    const char *queues, long long lease_ms, struct queue_job *job)
{
	sqlite3_stmt	*st;
	long long	 now = queue_now(), id;
	int		 rc, attempts, max;
	char		 token[33], prev[200], err[300];
	bool		 reclaimed;

	memset(job, 0, sizeof(*job));
	/* Most polls find nothing: look without taking the write lock. */
	rc = candidate(d, sql_expired, now, queues, &id, &attempts, &max,
	    prev, sizeof(prev));
	if (rc == 0)
		rc = candidate(d, sql_ready, now, queues, &id, &attempts, &max,
		    prev, sizeof(prev));
	if (rc <= 0)
		return rc;
	if (db_begin(d) != 0)
		return -1;
	for (;;) {
		rc = candidate(d, sql_expired, now, queues, &id, &attempts,
		    &max, prev, sizeof(prev));
		reclaimed = rc == 1;
		if (rc == 0)
			rc = candidate(d, sql_ready, now, queues, &id,
			    &attempts, &max, prev, sizeof(prev));
		if (rc <= 0)
			goto out;
		if (!reclaimed || attempts < max)
			break;
		snprintf(err, sizeof(err), "the worker died during each of its "
		    "%d attempts (last %s); the lease ran out", attempts, prev);
		log_warn("queue: job %lld: %s", id, err);
		if (move_to_failed(d, id, err, now) != 0) {
			rc = -1;
			goto out;
		}
	}
	if (reclaimed)
		log_warn("queue: job %lld: lease of worker %s ran out; claimed "
		    "again", id, prev);
	new_token(token);
	if ((st = db_prep(d, sql_take)) == NULL) {
		rc = -1;
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, worker, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, lease_ms);
	if (db_step(d, st) != SQLITE_ROW) {
		rc = -1;
		goto out;
	}
	job->id = id;
	job->queue = db_text(a, st, 0);
	job->kind = db_text(a, st, 1);
	job->payload = db_text(a, st, 2);
	job->task = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL :
	    db_text(a, st, 3);
	job->attempt = sqlite3_column_int(st, 4);
	job->max_attempts = sqlite3_column_int(st, 5);
	job->token = arena_strdup(a, token);
	job->reclaimed = reclaimed;
	rc = db_step(d, st) == SQLITE_DONE ? 1 : -1;
out:
	if (rc < 0) {
		db_rollback(d);
		memset(job, 0, sizeof(*job));
		return -1;
	}
	if (db_commit(d) != 0) {
		memset(job, 0, sizeof(*job));
		return -1;
	}
	return rc;
}

/* Run one conditional update in its own write: 1 changed, 0 not, -1. */
static int
update_claim(struct db *d, const char *sql, long long id, const char *token,
    long long now, long long ms)
{
	sqlite3_stmt	*st;
	int		 n;

	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql)) == NULL) {
		db_rollback(d);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_bind_parameter_count(st) >= 4)
		sqlite3_bind_int64(st, 4, ms);
	if (db_step(d, st) != SQLITE_DONE) {
		db_rollback(d);
		return -1;
	}
	n = sqlite3_changes(db_handle(d));
	return db_commit(d) == 0 ? n > 0 : -1;
}

int
queue_heartbeat(struct db *d, long long id, const char *token,
    long long lease_ms)
{
	return update_claim(d, sql_beat, id, token, queue_now(), lease_ms);
}

int
queue_complete(struct db *d, const struct queue_job *j)
{
	int	rc = update_claim(d, sql_complete, j->id, j->token, queue_now(),
	    0);

	if (rc == 0)
		log_warn("queue: job %lld: finished, but its lease had run out "
		    "and another worker holds it", j->id);
	return rc;
}

int
queue_fail(struct db *d, const struct queue_job *j, const char *error,
    bool retry, long long backoff_ms)
{
	sqlite3_stmt	*st;
	long long	 now = queue_now();
	int		 rc;

	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_holds)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, j->id);
	sqlite3_bind_text(st, 2, j->token, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) < 0)
		goto fail;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		db_rollback(d);
		log_warn("queue: job %lld: failed, but its lease had run out "
		    "and another worker holds it", j->id);
		return 0;
	}
	if (retry) {
		if ((st = db_prep(d, sql_requeue)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, j->id);
		sqlite3_bind_text(st, 2, j->token, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, backoff_ms);
		sqlite3_bind_text(st, 5, error, -1, SQLITE_STATIC);
		if (db_step(d, st) != SQLITE_DONE)
			goto fail;
		if (sqlite3_changes(db_handle(d)) > 0)
			return db_commit(d) == 0 ? 1 : -1;
	}
	if (move_to_failed(d, j->id, error, now) != 0)
		goto fail;
	return db_commit(d) == 0 ? 2 : -1;
fail:
	db_rollback(d);
	return -1;
}

long long
queue_backoff_ms(int attempt, long long base_ms, long long cap_ms,
    double jitter01)
{
	long long	d = base_ms;
	int		i;

	if (attempt < 1)
		attempt = 1;
	for (i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	if (jitter01 < 0 || jitter01 >= 1)
		jitter01 = 0;
	return d + (long long)((double)(d / 4) * jitter01);
}

/* Retry one failed job (in a write): 1, 0 none, -2 key pending, -1. */
static int
retry_one(struct db *d, long long id, long long now)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_prep(d, sql_pending_key)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(d, st)) < 0)
		return -1;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return -2;
	if ((st = db_prep(d, sql_from_failed)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(db_handle(d)) == 0)
		return 0;
	if ((st = db_prep(d, sql_delete_failed)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return db_step(d, st) == SQLITE_DONE ? 1 : -1;
}

int
queue_retry(struct db *d, long long id)
{
	bool	own = !db_in_write(d);
	int	rc;

	if (own && db_begin(d) != 0)
		return -1;
	rc = retry_one(d, id, queue_now());
	if (!own)
		return rc;
	if (rc <= 0) {
		db_rollback(d);
		return rc;
	}
	return db_commit(d) == 0 ? 1 : -1;
}

long
queue_retry_all(struct db *d)
{
	sqlite3_stmt	*st;
	long long	*ids = NULL, now = queue_now();
	size_t		 n = 0, cap = 0, i;
	long		 moved = 0;
	int		 rc;

	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_failed_ids)) == NULL)
		goto fail;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (n == cap) {
			long long *p;

			cap = cap ? cap * 2 : 64;
			if ((p = realloc(ids, cap * sizeof(*ids))) == NULL)
				goto fail;
			ids = p;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((rc = retry_one(d, ids[i], now)) == -1)
			goto fail;
		moved += rc == 1;
	}
	free(ids);
	return db_commit(d) == 0 ? moved : -1;
fail:
	free(ids);
	db_rollback(d);
	return -1;
}

int
queue_discard(struct db *d, long long id)
{
	sqlite3_stmt	*st;
	bool		 own = !db_in_write(d);
	int		 n;

	if (own && db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_delete_failed)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	n = sqlite3_changes(db_handle(d));
	if (n == 0) {
		if ((st = db_prep(d, sql_discard_queued)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		if (db_step(d, st) != SQLITE_DONE)
			goto fail;
		n = sqlite3_changes(db_handle(d));
	}
	if (!own)
		return n > 0;
	return db_commit(d) == 0 ? n > 0 : -1;
fail:
	if (own)
		db_rollback(d);
	return -1;
}

int
queue_recurring_define(struct db *d, const char *task, const char *kind,
    const char *queue, const char *payload, const char *schedule,
    long long now)
{
	struct schedule	 sc;
	sqlite3_stmt	*st;
	char		 err[128];
	long long	 next;

	if (schedule_parse(schedule, &sc, err, sizeof(err)) != 0) {
		log_error("queue: recurring task %s: schedule \"%s\": %s",
		    task, schedule, err);
		return -1;
	}
	next = schedule_next(&sc, now);
	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_define)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, queue ? queue : QUEUE_DEFAULT, -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 4, payload ? payload : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, schedule, -1, SQLITE_STATIC);
	if (next >= 0)
		sqlite3_bind_int64(st, 6, next);
	sqlite3_bind_int64(st, 7, now);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	return db_commit(d);
fail:
	db_rollback(d);
	return -1;
}

struct due {
	char		*task, *kind, *queue, *payload, *schedule;
	long long	 slot;
};

/* Enqueue one due task's slot and move it on (in a write). */
static int
run_slot(struct db *d, const struct due *t, long long now)
{
	struct queue_job_spec	 s;
	struct schedule		 sc;
	sqlite3_stmt		*st;
	char			 err[128], key[300];
	long long		 next, id = 0;
	int			 fresh;

	if ((st = db_prep(d, sql_run_slot)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, t->task, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t->slot);
	sqlite3_bind_int64(st, 3, now);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	fresh = sqlite3_changes(db_handle(d)) > 0;
	if (fresh) {
		/* One pending run per task: a slow run is not piled on. */
		snprintf(key, sizeof(key), "recurring:%s", t->task);
		memset(&s, 0, sizeof(s));
		s.kind = t->kind;
		s.queue = t->queue;
		s.payload = t->payload;
		s.unique_key = key;
		if ((id = insert_job(d, &s, 0, t->task, now)) < 0)
			return -1;
		if (id > 0) {
			if ((st = db_prep(d, sql_run_job)) == NULL)
				return -1;
			sqlite3_bind_text(st, 1, t->task, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, t->slot);
			sqlite3_bind_int64(st, 3, id);
			if (db_step(d, st) != SQLITE_DONE)
				return -1;
		}
	}
	if (schedule_parse(t->schedule, &sc, err, sizeof(err)) != 0) {
		log_error("queue: recurring task %s: %s", t->task, err);
		next = -1;
	} else
		next = schedule_next(&sc, now);
	if ((st = db_prep(d, sql_advance)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, t->task, -1, SQLITE_STATIC);
	if (next >= 0)
		sqlite3_bind_int64(st, 2, next);
	sqlite3_bind_int64(st, 3, now);
	if (id > 0)
		sqlite3_bind_int64(st, 4, id);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	return id > 0;
}

int
queue_schedule_due(struct db *d, long long now)
{
	sqlite3_stmt	*st;
	struct arena	*a = arena_new();
	struct due	*due = NULL;
	size_t		 n = 0, i;
	int		 rc, added = 0;

	if (db_begin(d) != 0) {
		arena_free(a);
		return -1;
	}
	if ((st = db_prep(d, sql_due)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		struct due *p = arena_alloc(a, (n + 1) * sizeof(*p));

		if (n)
			memcpy(p, due, n * sizeof(*p));
		due = p;
		due[n].task = db_text(a, st, 0);
		due[n].kind = db_text(a, st, 1);
		due[n].queue = db_text(a, st, 2);
		due[n].payload = db_text(a, st, 3);
		due[n].schedule = db_text(a, st, 4);
		due[n].slot = sqlite3_column_int64(st, 5);
		n++;
	}
	if (rc < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((rc = run_slot(d, &due[i], now)) < 0)
			goto fail;
		added += rc;
	}
	arena_free(a);
	return db_commit(d) == 0 ? added : -1;
fail:
	arena_free(a);
	db_rollback(d);
	return -1;
}

/* One cleanup statement with one time parameter; changes or -1. */
static long
clean(struct db *d, const char *sql, long long t)
{
	sqlite3_stmt	*st = db_prep(d, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, t);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db_handle(d));
}

long
queue_cleanup(struct db *d, long long older_than)
{
	long	n = 0, m;

	do {
		if (db_begin(d) != 0)
			return -1;
		if ((m = clean(d, sql_clean_jobs, older_than)) < 0 ||
		    clean(d, sql_clean_runs, older_than) < 0 ||
		    clean(d, sql_clean_workers, queue_now() -
		    QUEUE_WORKER_GONE_MS) < 0) {
			db_rollback(d);
			return -1;
		}
		if (db_commit(d) != 0)
			return -1;
		n += m;
	} while (m == 500);
	return n;
}

int
queue_worker_register(struct db *d, const char *worker, long long pid,
    const char *host)
{
	sqlite3_stmt	*st;

	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_worker_add)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, worker, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, pid);
	sqlite3_bind_text(st, 3, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, queue_now());
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	return db_commit(d);
fail:
	db_rollback(d);
	return -1;
}

int
queue_worker_beat(struct db *d, const char *worker, long long job_id)
{
	sqlite3_stmt	*st;

	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_worker_beat)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, worker, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, queue_now());
	if (job_id > 0)
		sqlite3_bind_int64(st, 3, job_id);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	return db_commit(d);
fail:
	db_rollback(d);
	return -1;
}

int
queue_worker_leave(struct db *d, const char *worker)
{
	sqlite3_stmt	*st;

	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_worker_leave)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, worker, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	return db_commit(d);
fail:
	db_rollback(d);
	return -1;
}

int
queue_job_get(struct db *d, struct arena *a, long long id,
    struct queue_job_detail *j)
{
	sqlite3_stmt	*st = db_prep(d, sql_job_get);
	const char	*state;
	int		 rc, i;

	memset(j, 0, sizeof(*j));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step(d, st)) != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	j->id = sqlite3_column_int64(st, 0);
	state = (const char *)sqlite3_column_text(st, 1);
	j->state = QUEUE_STATE__MAX;
	for (i = 0; state != NULL && i < QUEUE_STATE__MAX; i++)
		if (strcmp(state, queue_state_names[i]) == 0)
			j->state = (enum queue_state)i;
	j->queue = db_text(a, st, 2);
	j->kind = db_text(a, st, 3);
	j->payload = db_text(a, st, 4);
	j->priority = sqlite3_column_int(st, 5);
	j->attempts = sqlite3_column_int(st, 6);
	j->max_attempts = sqlite3_column_int(st, 7);
	j->run_at = sqlite3_column_int64(st, 8);
	j->failed_at = sqlite3_column_int64(st, 9);
	j->error = db_text(a, st, 10);
	j->worker = db_text(a, st, 11);
	sqlite3_reset(st);
	if (j->state == QUEUE_STATE__MAX) {
		log_error("queue_job_get: job %lld: state \"%s\" unknown", id,
		    state != NULL ? state : "");
		memset(j, 0, sizeof(*j));
		return -1;
	}
	return 1;
}

long
queue_count(struct db *d, const char *state)
{
	bool		 failed = strcmp(state, "failed") == 0;
	sqlite3_stmt	*st = db_prep(d, failed ? sql_count_failed : sql_count);
	long		 n = -1;

	if (st == NULL)
		return -1;
	if (!failed)
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (db_step(d, st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/*
 * Room for entry *n of the array *v of entries of size bytes, *cap of
 * them, grown in the arena; returns the entry, zeroed.
 */
static void *
list_next(struct arena *a, void **v, size_t size, size_t *n, size_t *cap)
{
	char	*grown;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		grown = arena_calloc(a, *cap, size);
		if (*n > 0)
			memcpy(grown, *v, *n * size);
		*v = grown;
	}
	return (char *)*v + (*n)++ * size;
}

/* The end of a list: the array, or NULL (and *n 0) when rc failed. */
static void *
list_end(struct arena *a, sqlite3_stmt *st, int rc, void *v, size_t size,
    size_t *n)
{
	sqlite3_reset(st);
	if (rc < 0) {
		*n = 0;
		return NULL;
	}
	return v != NULL ? v : arena_calloc(a, 1, size);
}

struct queue_worker_info *
queue_list_workers(struct db *d, struct arena *a, size_t *n)
{
	sqlite3_stmt			*st = db_prep(d, sql_list_workers);
	struct queue_worker_info	*w;
	void				*v = NULL;
	size_t				 cap = 0;
	int				 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		w = list_next(a, &v, sizeof(*w), n, &cap);
		w->id = db_text(a, st, 0);
		w->pid = sqlite3_column_int64(st, 1);
		w->heartbeat_at = sqlite3_column_int64(st, 2);
		w->job_id = sqlite3_column_int64(st, 3);
	}
	return list_end(a, st, rc, v, sizeof(*w), n);
}

struct queue_job_info *
queue_list_jobs(struct db *d, struct arena *a, const char *state,
    size_t limit, size_t *n)
{
	sqlite3_stmt		*st;
	struct queue_job_info	*j;
	void			*v = NULL;
	size_t			 cap = 0;
	int			 rc;

	*n = 0;
	if (strcmp(state, "running") == 0)
		st = db_prep(d, sql_list_running);
	else if (strcmp(state, "queued") == 0)
		st = db_prep(d, sql_list_queued);
	else {
		log_error("queue_list_jobs: no list of \"%s\" jobs", state);
		return NULL;
	}
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	sqlite3_bind_int(st, 2, QUEUE_LIST_PAYLOAD_MAX);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		j = list_next(a, &v, sizeof(*j), n, &cap);
		j->id = sqlite3_column_int64(st, 0);
		j->queue = db_text(a, st, 1);
		j->kind = db_text(a, st, 2);
		j->priority = sqlite3_column_int(st, 3);
		j->run_at = sqlite3_column_int64(st, 4);
		j->attempts = sqlite3_column_int(st, 5);
		j->max_attempts = sqlite3_column_int(st, 6);
		j->worker = db_text(a, st, 7);
		j->lease_until = sqlite3_column_int64(st, 8);
		j->last_error = db_text(a, st, 9);
		j->payload = db_text(a, st, 10);
	}
	return list_end(a, st, rc, v, sizeof(*j), n);
}

struct queue_failed_info *
queue_list_failed(struct db *d, struct arena *a, size_t limit, size_t *n)
{
	sqlite3_stmt		*st = db_prep(d, sql_list_failed);
	struct queue_failed_info *f;
	void			*v = NULL;
	size_t			 cap = 0;
	int			 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	sqlite3_bind_int(st, 2, QUEUE_LIST_PAYLOAD_MAX);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		f = list_next(a, &v, sizeof(*f), n, &cap);
		f->id = sqlite3_column_int64(st, 0);
		f->queue = db_text(a, st, 1);
		f->kind = db_text(a, st, 2);
		f->attempts = sqlite3_column_int(st, 3);
		f->max_attempts = sqlite3_column_int(st, 4);
		f->failed_at = sqlite3_column_int64(st, 5);
		f->error = db_text(a, st, 6);
		f->payload = db_text(a, st, 7);
	}
	return list_end(a, st, rc, v, sizeof(*f), n);
}

struct queue_recurring_info *
queue_list_recurring(struct db *d, struct arena *a, size_t *n)
{
	sqlite3_stmt			*st = db_prep(d, sql_list_recurring);
	struct queue_recurring_info	*r;
	void				*v = NULL;
	size_t				 cap = 0;
	int				 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		r = list_next(a, &v, sizeof(*r), n, &cap);
		r->task = db_text(a, st, 0);
		r->kind = db_text(a, st, 1);
		r->schedule = db_text(a, st, 2);
		r->next_run_at = sqlite3_column_int64(st, 3);
		r->last_run_at = sqlite3_column_int64(st, 4);
		r->last_job_id = sqlite3_column_int64(st, 5);
	}
	return list_end(a, st, rc, v, sizeof(*r), n);
}

void
queue_doctor(struct doctor *doc, struct db *d, long long now)
{
	static const char	 sql_alive[] =
	    "SELECT count(*), coalesce(max(heartbeat_at), 0), "
	    "(SELECT count(*) FROM workers WHERE heartbeat_at >= ?1) "
	    "FROM workers";
	static const char	 sql_stalled[] =
	    "SELECT count(*), coalesce(min(run_at), 0) FROM jobs "
	    "WHERE state = 'queued' AND run_at <= ?1";
	sqlite3_stmt		*st;
	long long		 known = 0, last = 0, alive = 0, due = 0;
	long long		 oldest = 0;
	long			 failed;

	if (d == NULL) {
		doctor_say(doc, DOCTOR_FAIL, "worker", "queue.db cannot be "
		    "opened");
		doctor_say(doc, DOCTOR_FAIL, "failed jobs", "queue.db cannot "
		    "be opened");
		return;
	}
	if ((st = db_prep(d, sql_alive)) != NULL) {
		sqlite3_bind_int64(st, 1, now - QUEUE_ALIVE_MS);
		if (db_step(d, st) == SQLITE_ROW) {
			known = sqlite3_column_int64(st, 0);
			last = sqlite3_column_int64(st, 1);
			alive = sqlite3_column_int64(st, 2);
		}
		sqlite3_reset(st);
	}
	if ((st = db_prep(d, sql_stalled)) != NULL) {
		sqlite3_bind_int64(st, 1, now - QUEUE_STALLED_MS);
		if (db_step(d, st) == SQLITE_ROW) {
			due = sqlite3_column_int64(st, 0);
			oldest = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
	}
	if (alive > 0)
		doctor_say(doc, DOCTOR_OK, "worker", "%lld alive, the last "
		    "heartbeat %llds ago", alive, (now - last) / 1000);
	else if (due > 0)
		doctor_say(doc, DOCTOR_FAIL, "worker", "none alive, and %lld "
		    "job%s due for %lld min: start shop-worker (mail, "
		    "reconcile and backups wait for it)", due, due == 1 ?
		    "" : "s", (now - oldest) / 60000);
	else if (known > 0)
		doctor_say(doc, DOCTOR_WARN, "worker", "none alive: the last "
		    "heartbeat was %lld min ago; is shop-worker running?",
		    (now - last) / 60000);
	else
		doctor_say(doc, DOCTOR_WARN, "worker", "no worker has run on "
		    "these files: start shop-worker (mail, reconcile and "
		    "backups wait for it)");
	if ((failed = queue_count(d, "failed")) < 0)
		doctor_say(doc, DOCTOR_FAIL, "failed jobs", "%s",
		    db_errmsg(d));
	else if (failed == 0)
		doctor_say(doc, DOCTOR_OK, "failed jobs", "none");
	else
		doctor_say(doc, DOCTOR_WARN, "failed jobs", "%ld: see "
		    "\"shopctl jobs\", then retry or discard them", failed);
}
