/*
 * The registry of job kinds and the small handlers (job.h). Mail and
 * backups have files of their own (job_mail.c, job_backup.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "cable.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "job.h"
#include "log.h"
#include "queue.h"
#include "session.h"
#include "tval.h"

#define JOB_MAX_NODES	10000	/* JSON values in one template context */

typedef enum job_result (*job_fn)(struct job_ctx *);

static enum job_result	job_trim_cable(struct job_ctx *);
static enum job_result	job_evict_cache(struct job_ctx *);
static enum job_result	job_sweep_sessions(struct job_ctx *);
static enum job_result	job_test_sleep(struct job_ctx *);
static enum job_result	job_test_fail(struct job_ctx *);

const char *const job_kind_names[JOB_KIND__MAX] = {
	"send_mail",
	"trim_cable",
	"evict_cache",
	"backup",
	"sweep_sessions",
	"reconcile_payments",
	"release_reservations",
	"test.sleep",
	"test.fail",
};

const char *const job_result_names[JOB_RESULT__MAX] = {
	"ok",
	"retry",
	"fail",
};

/* Indexed by enum job_kind. */
static const struct {
	job_fn	 fn;
	bool	 test_only;
} kinds[JOB_KIND__MAX] = {
	{ job_send_mail, false },
	{ job_trim_cable, false },
	{ job_evict_cache, false },
	{ job_backup, false },
	{ job_sweep_sessions, false },
	{ job_reconcile, false },
	{ job_release_holds, false },
	{ job_test_sleep, true },
	{ job_test_fail, true },
};

/*
 * The recurring tasks, with default schedules; shop-worker lets
 * SHOP_SCHEDULE_<TASK> override each ("off" disables). Payloads come from
 * the worker's settings.
 */
const struct job_recurring job_recurring[] = {
	{ "trim_cable", JOB_TRIM_CABLE, "every 10m" },
	{ "evict_cache", JOB_EVICT_CACHE, "every 5m" },
	{ "backup", JOB_BACKUP, "cron 30 3 * * *" },
	{ "sweep_sessions", JOB_SWEEP_SESSIONS, "every 15m" },
	{ "reconcile_payments", JOB_RECONCILE, "every 10m" },
	{ "release_reservations", JOB_RELEASE_HOLDS, "every 1m" },
};

const size_t job_recurring_count =
    sizeof(job_recurring) / sizeof(job_recurring[0]);

static const char sql_str[] =
    "SELECT CASE WHEN json_type(?1, ?2) = 'text' "
    "THEN json_extract(?1, ?2) END";
static const char sql_int[] =
    "SELECT CASE WHEN json_type(?1, ?2) = 'integer' "
    "THEN json_extract(?1, ?2) END";
static const char sql_opt[] =
    "SELECT json_type(?1, ?2), json_extract(?1, ?2)";
static const char sql_object[] =
    "SELECT json_valid(?1) AND json_type(?1) = 'object'";
static const char sql_tree[] =
    "SELECT id, parent, type, key, atom FROM json_tree(?1, ?2) ORDER BY id";

enum job_kind
job_kind_find(const char *name, bool test_kinds)
{
	int	i;

	for (i = 0; i < JOB_KIND__MAX; i++)
		if (strcmp(name, job_kind_names[i]) == 0)
			return kinds[i].test_only && !test_kinds ?
			    JOB_KIND__MAX : (enum job_kind)i;
	return JOB_KIND__MAX;
}

/* The queue.db connection evaluates JSON for every payload question. */
static struct db *
json_db(struct job_ctx *c)
{
	return c->db[DB_QUEUE];
}

const char *
job_str(struct job_ctx *c, const char *path)
{
	struct db	*d = json_db(c);
	sqlite3_stmt	*st = db_prep(d, sql_str);
	const char	*v = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, c->job->payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (db_step(d, st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = db_text(c->arena, st, 0);
	sqlite3_reset(st);
	return v;
}

bool
job_int(struct job_ctx *c, const char *path, long long *v)
{
	struct db	*d = json_db(c);
	sqlite3_stmt	*st = db_prep(d, sql_int);
	bool		 ok = false;

	if (st == NULL)
		return false;
	sqlite3_bind_text(st, 1, c->job->payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (db_step(d, st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*v = sqlite3_column_int64(st, 0);
		ok = true;
	}
	sqlite3_reset(st);
	return ok;
}

int
job_opt_int(struct job_ctx *c, const char *path, long long def,
    long long min, long long max, long long *v)
{
	struct db	*d = json_db(c);
	sqlite3_stmt	*st = db_prep(d, sql_opt);
	const char	*type;
	int		 rc = -1;

	*v = def;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, c->job->payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (db_step(d, st) == SQLITE_ROW) {
		type = (const char *)sqlite3_column_text(st, 0);
		if (type == NULL)
			rc = 0;
		else if (strcmp(type, "integer") == 0) {
			*v = sqlite3_column_int64(st, 1);
			rc = *v >= min && *v <= max ? 0 : -1;
		}
	}
	sqlite3_reset(st);
	if (rc != 0) {
		*v = def;
		snprintf(c->err, sizeof(c->err), "payload: %s must be a whole "
		    "number from %lld to %lld", path + 2, min, max);
	}
	return rc;
}

struct node {
	long long	 id;
	struct tval	*v;
};

/* The node with id among the n sorted ones, by binary search. */
static struct tval *
node_find(const struct node *nodes, size_t n, long long id)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (nodes[mid].id == id)
			return nodes[mid].v;
		if (nodes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* One json_tree() row as a template value. */
static struct tval *
node_value(struct arena *a, sqlite3_stmt *st)
{
	const char	*type = (const char *)sqlite3_column_text(st, 2);

	if (type == NULL || strcmp(type, "null") == 0)
		return tval_null(a);
	if (strcmp(type, "object") == 0)
		return tval_map(a);
	if (strcmp(type, "array") == 0)
		return tval_list(a);
	if (strcmp(type, "true") == 0)
		return tval_bool(a, true);
	if (strcmp(type, "false") == 0)
		return tval_bool(a, false);
	if (strcmp(type, "integer") == 0)
		return tval_int(a, sqlite3_column_int64(st, 4));
	return tval_strn(a, (const char *)sqlite3_column_text(st, 4),
	    (size_t)sqlite3_column_bytes(st, 4));
}

struct tval *
job_json_tval(struct db *d, struct arena *a, const char *json,
    const char *path)
{
	sqlite3_stmt	*st;
	struct node	*nodes;
	struct tval	*root = NULL, *v, *parent;
	size_t		 n = 0;
	int		 rc;

	if ((st = db_prep(d, sql_tree)) == NULL)
		return NULL;
	nodes = arena_calloc(a, JOB_MAX_NODES, sizeof(*nodes));
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == JOB_MAX_NODES) {
			log_error("job: JSON with more than %d values",
			    JOB_MAX_NODES);
			sqlite3_reset(st);
			return NULL;
		}
		v = node_value(a, st);
		nodes[n].id = sqlite3_column_int64(st, 0);
		nodes[n].v = v;
		if (n > 0 && nodes[n].id <= nodes[n - 1].id) {
			sqlite3_reset(st);
			return NULL;
		}
		n++;
		if (root == NULL) {
			root = v;
			continue;
		}
		parent = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL :
		    node_find(nodes, n - 1, sqlite3_column_int64(st, 1));
		if (parent == NULL)
			continue;
		if (parent->type == TVAL_MAP &&
		    sqlite3_column_type(st, 3) == SQLITE_TEXT)
			tval_set(a, parent, (const char *)
			    sqlite3_column_text(st, 3), v);
		else if (parent->type == TVAL_LIST)
			tval_push(a, parent, v);
	}
	sqlite3_reset(st);
	/* Malformed JSON is an error from json_tree, not a row. */
	return rc == SQLITE_DONE ? root : NULL;
}

struct tval *
job_tval(struct job_ctx *c, const char *path)
{
	return job_json_tval(json_db(c), c->arena, c->job->payload, path);
}

enum job_result
job_run(struct job_ctx *c)
{
	struct db	*d = json_db(c);
	sqlite3_stmt	*st;
	enum job_kind	 k;
	int		 ok = 0;

	c->err[0] = '\0';
	if ((st = db_prep(d, sql_object)) == NULL) {
		snprintf(c->err, sizeof(c->err), "queue.db: %s", db_errmsg(d));
		return JOB_RETRY;
	}
	sqlite3_bind_text(st, 1, c->job->payload, -1, SQLITE_STATIC);
	if (db_step(d, st) == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (ok != 1) {
		snprintf(c->err, sizeof(c->err), "payload is not a JSON "
		    "object: %.80s", c->job->payload);
		return JOB_FAIL;
	}
	if ((k = job_kind_find(c->job->kind, c->test_kinds)) == JOB_KIND__MAX) {
		snprintf(c->err, sizeof(c->err), "unknown job kind \"%.100s\"",
		    c->job->kind);
		return JOB_RETRY;
	}
	return kinds[k].fn(c);
}

/* Payload: {"keep_seconds": N}: delete messages older than N seconds. */
static enum job_result
job_trim_cable(struct job_ctx *c)
{
	long long	keep;
	long		n;

	if (job_opt_int(c, "$.keep_seconds", 3600, 0, 3650LL * 86400,
	    &keep) != 0)
		return JOB_FAIL;
	if ((n = cable_trim(c->db[DB_CABLE], queue_now() - keep * 1000)) < 0) {
		snprintf(c->err, sizeof(c->err), "cable.db: %s",
		    db_errmsg(c->db[DB_CABLE]));
		return JOB_RETRY;
	}
	log_info("job %lld: trim_cable: %ld messages older than %llds "
	    "deleted", c->job->id, n, keep);
	return JOB_OK;
}

/* Payload: {"max_bytes": N}: expired entries, then the oldest over N. */
static enum job_result
job_evict_cache(struct job_ctx *c)
{
	long long	max;
	long		n;

	if (job_opt_int(c, "$.max_bytes", CACHE_MAX_BYTES, 0,
	    (long long)1 << 40, &max) != 0)
		return JOB_FAIL;
	if ((n = cache_evict(c->db[DB_CACHE], (size_t)max)) < 0) {
		snprintf(c->err, sizeof(c->err), "cache.db: %s",
		    db_errmsg(c->db[DB_CACHE]));
		return JOB_RETRY;
	}
	log_info("job %lld: evict_cache: %ld entries deleted", c->job->id, n);
	return JOB_OK;
}

/*
 * Payload: {"batch": N}: delete sessions that have ended (idle or
 * absolute limit) with their guest carts, N per write so the web
 * processes wait at most one small batch for shop.db.
 */
static enum job_result
job_sweep_sessions(struct job_ctx *c)
{
	long long	batch;
	long		n, total = 0;

	if (job_opt_int(c, "$.batch", 500, 1, 100000, &batch) != 0)
		return JOB_FAIL;
	do {
		if ((n = session_sweep(c->db[DB_PRIMARY], (long long)time(NULL),
		    (int)batch)) < 0) {
			snprintf(c->err, sizeof(c->err), "shop.db: %s",
			    db_errmsg(c->db[DB_PRIMARY]));
			return JOB_RETRY;
		}
		total += n;
	} while (n == batch);
	log_info("job %lld: sweep_sessions: %ld ended sessions deleted",
	    c->job->id, total);
	return JOB_OK;
}

/*
 * Test kind: {"ms": N}: sleep N ms (whatever signals arrive), then append
 * "<job id> <pid>\n" to <data dir>/test-jobs.log, so a test can count how
 * many times each job ran.
 */
static enum job_result
job_test_sleep(struct job_ctx *c)
{
	struct timespec	 end, now, left;
	long long	 ms;
	char		 path[4096], line[64];
	int		 fd, n;

	if (job_opt_int(c, "$.ms", 0, 0, 600000, &ms) != 0)
		return JOB_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec))
			break;
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		nanosleep(&left, NULL);
	}
	snprintf(path, sizeof(path), "%s/test-jobs.log", c->cfg->data_dir);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) < 0) {
		snprintf(c->err, sizeof(c->err), "test-jobs.log: %s",
		    strerror(errno));
		return JOB_RETRY;
	}
	n = snprintf(line, sizeof(line), "%lld %ld\n", c->job->id,
	    (long)getpid());
	if (write(fd, line, (size_t)n) != n) {
		snprintf(c->err, sizeof(c->err), "test-jobs.log: %s",
		    strerror(errno));
		close(fd);
		return JOB_RETRY;
	}
	close(fd);
	return JOB_OK;
}

/* Test kind: {"error": "..."}: fail with that error, to be retried. */
static enum job_result
job_test_fail(struct job_ctx *c)
{
	const char	*e = job_str(c, "$.error");

	snprintf(c->err, sizeof(c->err), "%s", e ? e : "test failure");
	return JOB_RETRY;
}
