/*
 * Unit tests: queue.db semantics (unique keys, claims and leases, lease
 * expiry, heartbeats, backoff, exhausted jobs, retry and discard,
 * recurring slots with two claimers, retention) and schedules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/schedule.h"
#include "data/db.h"
#include "data/migrate.h"
#include "side/queue.h"
#include "testclock.h"

static char		 dir[64];
static struct db	*q, *q2;
static struct arena	*a;

static void
setup(void)
{
	char	err[256];

	ck_assert_int_ge(sodium_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/shop-queue-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	q = db_open(dir, DB_QUEUE, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(q, NULL, NULL, err, sizeof(err)), 1);
	q2 = db_open(dir, DB_QUEUE, 0, err, sizeof(err));
	ck_assert_msg(q2 != NULL, "%s", err);
	a = arena_new();
}

static void
teardown(void)
{
	char	cmd[128];

	testclock_thaw();
	db_close(q);
	db_close(q2);
	arena_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static long long
scalar(struct db *d, const char *sql)
{
	sqlite3_stmt	*st = NULL;
	long long	 v;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static long long
add(const char *kind, const char *key, int priority, int max)
{
	struct queue_job_spec	s;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.unique_key = key;
	s.priority = priority;
	s.max_attempts = max;
	return queue_enqueue(q, &s);
}

START_TEST(enqueue_and_unique)
{
	struct queue_job_spec	s = { .kind = "k", .payload = "[1]" };
	struct queue_job	j;
	long long		id;

	/* Payloads are JSON objects; kinds are not empty. */
	ck_assert_int_eq(queue_enqueue(q, &s), -1);
	s.payload = "{not json";
	ck_assert_int_eq(queue_enqueue(q, &s), -1);
	s.payload = "{}";
	s.kind = "";
	ck_assert_int_eq(queue_enqueue(q, &s), -1);

	id = add("mail", "order:1", 0, 0);
	ck_assert_int_gt(id, 0);
	/* Pending: a second enqueue with the key is a no-op. */
	ck_assert_int_eq(add("mail", "order:1", 0, 0), 0);
	ck_assert_int_gt(add("mail", "order:2", 0, 0), id);
	/* Still pending while it runs. */
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 60000, &j), 1);
	ck_assert_int_eq(j.id, id);
	ck_assert_int_eq(add("mail", "order:1", 0, 0), 0);
	/* Done: the key is free again. */
	ck_assert_int_eq(queue_complete(q, &j), 1);
	ck_assert_int_gt(add("mail", "order:1", 0, 0), 0);
	ck_assert_int_eq(queue_count(q, "queued"), 2);
	ck_assert_int_eq(queue_count(q, "done"), 1);
}
END_TEST

START_TEST(claim_order)
{
	struct queue_job	j;
	struct queue_job_spec	s = { .kind = "later",
	    .run_at = queue_now() + 60000 };
	long long		low, high;

	low = add("low", NULL, 0, 0);
	high = add("high", NULL, 5, 0);
	ck_assert_int_gt(queue_enqueue(q, &s), 0);
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 60000, &j), 1);
	ck_assert_int_eq(j.id, high);
	ck_assert_str_eq(j.kind, "high");
	ck_assert_int_eq(j.attempt, 1);
	ck_assert_int_eq(j.max_attempts, QUEUE_MAX_ATTEMPTS);
	ck_assert_str_eq(j.payload, "{}");
	ck_assert_str_eq(j.queue, "default");
	/* Another connection (another worker) gets the other one. */
	ck_assert_int_eq(queue_claim(q2, a, "w2", NULL, 60000, &j), 1);
	ck_assert_int_eq(j.id, low);
	/* The future job is not due. */
	ck_assert_int_eq(queue_claim(q2, a, "w2", NULL, 60000, &j), 0);
	ck_assert_int_eq(queue_count(q, "running"), 2);
}
END_TEST

START_TEST(queues_filter)
{
	struct queue_job_spec	s = { .kind = "m", .queue = "mail" };
	struct queue_job	j;

	ck_assert_int_gt(queue_enqueue(q, &s), 0);
	ck_assert_int_eq(queue_claim(q, a, "w", "default,backups", 60000, &j),
	    0);
	ck_assert_int_eq(queue_claim(q, a, "w", "default,mail", 60000, &j), 1);
	ck_assert_str_eq(j.queue, "mail");
}
END_TEST

START_TEST(lease_expiry_reclaims)
{
	struct queue_job	j1, j2;
	long long		id = add("slow", NULL, 0, 3);

	testclock_freeze(1800000000000LL);
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 300, &j1), 1);
	ck_assert_int_eq(queue_claim(q2, a, "w2", NULL, 300, &j2), 0);
	/* A heartbeat keeps the lease. */
	testclock_advance(200);
	ck_assert_int_eq(queue_heartbeat(q, j1.id, j1.token, 300), 1);
	testclock_advance(200);
	ck_assert_int_eq(queue_claim(q2, a, "w2", NULL, 300, &j2), 0);
	/* The lease runs to its last millisecond... */
	testclock_advance(99);
	ck_assert_int_eq(queue_claim(q2, a, "w2", NULL, 300, &j2), 0);
	/* w1 "dies": no more heartbeats; after the lease, w2 takes it. */
	testclock_advance(1);
	ck_assert_int_eq(queue_claim(q2, a, "w2", NULL, 60000, &j2), 1);
	ck_assert_int_eq(j2.id, id);
	ck_assert(j2.reclaimed);
	ck_assert_int_eq(j2.attempt, 2);
	ck_assert_str_ne(j2.token, j1.token);
	/* Not failed; and w1's late answers change nothing. */
	ck_assert_int_eq(queue_count(q, "failed"), 0);
	ck_assert_int_eq(queue_heartbeat(q, j1.id, j1.token, 300), 0);
	ck_assert_int_eq(queue_complete(q, &j1), 0);
	ck_assert_int_eq(queue_fail(q, &j1, "late", true, 10), 0);
	ck_assert_int_eq(queue_complete(q2, &j2), 1);
	ck_assert_int_eq(queue_count(q, "done"), 1);
}
END_TEST

START_TEST(worker_that_always_dies)
{
	struct queue_job	j;
	long long		id = add("poison", NULL, 0, 2);
	int			i;

	testclock_freeze(1800000000000LL);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(queue_claim(q, a, "w", NULL, 50, &j), 1);
		testclock_advance(100);
	}
	/* Both attempts ended with the worker dead: failed, not run again. */
	ck_assert_int_eq(queue_claim(q, a, "w", NULL, 50, &j), 0);
	ck_assert_int_eq(queue_count(q, "failed"), 1);
	ck_assert_int_eq(scalar(q, "SELECT id FROM failed_jobs"), id);
	ck_assert_int_eq(scalar(q, "SELECT error LIKE 'the worker died "
	    "during each of its 2 attempts%' FROM failed_jobs"), 1);
}
END_TEST

START_TEST(backoff)
{
	struct queue_job	j;
	long long		id = add("flaky", NULL, 0, 3), before, run_at;

	/* The pure function: doubling, capped, jitter up to a quarter. */
	ck_assert_int_eq(queue_backoff_ms(1, 1000, 60000, 0), 1000);
	ck_assert_int_eq(queue_backoff_ms(2, 1000, 60000, 0), 2000);
	ck_assert_int_eq(queue_backoff_ms(3, 1000, 60000, 0), 4000);
	ck_assert_int_eq(queue_backoff_ms(4, 1000, 60000, 0.5), 9000);
	ck_assert_int_eq(queue_backoff_ms(10, 1000, 60000, 0), 60000);
	ck_assert_int_eq(queue_backoff_ms(40, 1000, 60000, 0.999), 74985);
	ck_assert_int_eq(queue_backoff_ms(0, 1000, 60000, 7), 1000);

	ck_assert_int_eq(queue_claim(q, a, "w", NULL, 60000, &j), 1);
	before = queue_now();
	ck_assert_int_eq(queue_fail(q, &j, "try later", true, 5000), 1);
	run_at = scalar(q, "SELECT run_at FROM jobs");
	ck_assert_int_ge(run_at, before + 5000);
	ck_assert_int_le(run_at, queue_now() + 5000);
	ck_assert_int_eq(scalar(q, "SELECT last_error = 'try later' AND "
	    "state = 'queued' AND attempts = 1 FROM jobs"), 1);
	/* Not due until then. */
	ck_assert_int_eq(queue_claim(q, a, "w", NULL, 60000, &j), 0);
	ck_assert_int_eq(db_exec(q, "UPDATE jobs SET run_at = 0"), 0);
	ck_assert_int_eq(queue_claim(q, a, "w", NULL, 60000, &j), 1);
	ck_assert_int_eq(j.attempt, 2);
	ck_assert_int_eq(queue_fail(q, &j, "again", true, 0), 1);
	ck_assert_int_eq(queue_claim(q, a, "w", NULL, 60000, &j), 1);
	ck_assert_int_eq(j.attempt, 3);
	/* The last attempt failed: to failed_jobs with the error. */
	ck_assert_int_eq(queue_fail(q, &j, "gave up", true, 0), 2);
	ck_assert_int_eq(queue_count(q, "queued"), 0);
	ck_assert_int_eq(queue_count(q, "failed"), 1);
	ck_assert_int_eq(scalar(q, "SELECT id = " "(SELECT max(id) FROM "
	    "failed_jobs) AND error = 'gave up' AND attempts = 3 FROM "
	    "failed_jobs"), 1);
	ck_assert_int_eq(scalar(q, "SELECT id FROM failed_jobs"), id);
}
END_TEST

START_TEST(fail_for_good)
{
	struct queue_job	j;

	add("bad", NULL, 0, 5);
	ck_assert_int_eq(queue_claim(q, a, "w", NULL, 60000, &j), 1);
	ck_assert_int_eq(queue_fail(q, &j, "payload is not a JSON object",
	    false, 0), 2);
	ck_assert_int_eq(scalar(q, "SELECT attempts FROM failed_jobs"), 1);
}
END_TEST

START_TEST(retry_and_discard)
{
	struct queue_job	j;
	long long		id1, id2;

	id1 = add("x", "key:1", 0, 1);
	id2 = add("y", NULL, 0, 1);
	ck_assert_int_eq(queue_claim(q, a, "w", NULL, 60000, &j), 1);
	ck_assert_int_eq(queue_fail(q, &j, "boom", true, 0), 2);
	ck_assert_int_eq(queue_claim(q, a, "w", NULL, 60000, &j), 1);
	ck_assert_int_eq(queue_fail(q, &j, "boom", true, 0), 2);
	ck_assert_int_eq(queue_count(q, "failed"), 2);

	/* A job with the same key is pending: retry refused. */
	ck_assert_int_gt(add("x", "key:1", 0, 1), 0);
	ck_assert_int_eq(queue_retry(q, id1), -2);
	ck_assert_int_eq(queue_count(q, "failed"), 2);
	ck_assert_int_eq(queue_retry(q, 999), 0);
	/* Retry: same id, attempts from zero, due now. */
	ck_assert_int_eq(queue_retry(q, id2), 1);
	ck_assert_int_eq(scalar(q, "SELECT attempts FROM jobs WHERE id = 2"),
	    0);
	ck_assert_int_eq(queue_count(q, "failed"), 1);
	/* Discard: a failed job, or a queued one; not a running one. */
	ck_assert_int_eq(queue_discard(q, id1), 1);
	ck_assert_int_eq(queue_discard(q, id1), 0);
	ck_assert_int_eq(queue_count(q, "failed"), 0);
	ck_assert_int_eq(queue_claim(q, a, "w", NULL, 60000, &j), 1);
	ck_assert(j.id == id2 || j.id == 3);
	ck_assert_int_eq(queue_discard(q, j.id), 0);
	ck_assert_int_eq(queue_count(q, "queued"), 1);
	ck_assert_int_eq(queue_discard(q, j.id == id2 ? 3 : id2), 1);
	ck_assert_int_eq(queue_count(q, "queued"), 0);
	ck_assert_int_eq(queue_retry_all(q), 0);
}
END_TEST

START_TEST(recurring_once_per_slot)
{
	long long	t0 = 1700000000000LL;	/* a multiple of 10 s */

	ck_assert_int_eq(queue_recurring_define(q, "trim", "trim_cable", NULL,
	    "{}", "every 10s", t0), 0);
	ck_assert_int_eq(scalar(q, "SELECT next_run_at FROM recurring"),
	    t0 + 10000);
	/* Two workers find the slot due at once: one job. */
	ck_assert_int_eq(queue_schedule_due(q, t0 + 10000), 1);
	ck_assert_int_eq(queue_schedule_due(q2, t0 + 10000), 0);
	ck_assert_int_eq(queue_schedule_due(q2, t0 + 10001), 0);
	/* A stale view of the schedule still cannot run the slot twice. */
	ck_assert_int_eq(db_exec(q2, "UPDATE recurring SET next_run_at = "
	    "1700000010000"), 0);
	ck_assert_int_eq(queue_schedule_due(q2, t0 + 10500), 0);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM jobs WHERE task = "
	    "'trim'"), 1);
	/* The next slot while the first run is pending: no pile-up. */
	ck_assert_int_eq(queue_schedule_due(q, t0 + 20000), 0);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM recurring_runs"), 2);
	ck_assert_int_eq(db_exec(q, "UPDATE jobs SET state = 'done', "
	    "finished_at = 1"), 0);
	/* Missed slots run once, then the schedule moves past now. */
	ck_assert_int_eq(queue_schedule_due(q, t0 + 95000), 1);
	ck_assert_int_eq(scalar(q, "SELECT next_run_at FROM recurring"),
	    t0 + 100000);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM jobs"), 2);
	/* Redefining with the same schedule keeps the slot; off stops it. */
	ck_assert_int_eq(queue_recurring_define(q, "trim", "trim_cable", NULL,
	    "{}", "every 10s", t0 + 96000), 0);
	ck_assert_int_eq(scalar(q, "SELECT next_run_at FROM recurring"),
	    t0 + 100000);
	ck_assert_int_eq(queue_recurring_define(q, "trim", "trim_cable", NULL,
	    "{}", "off", t0 + 96000), 0);
	ck_assert_int_eq(scalar(q, "SELECT next_run_at IS NULL FROM "
	    "recurring"), 1);
	ck_assert_int_eq(queue_schedule_due(q, t0 + 500000), 0);
	ck_assert_int_eq(queue_recurring_define(q, "x", "k", NULL, "{}",
	    "every now and then", t0), -1);
}
END_TEST

START_TEST(cleanup_and_workers)
{
	struct queue_job	j;

	add("a", NULL, 0, 0);
	add("b", NULL, 0, 0);
	ck_assert_int_eq(queue_claim(q, a, "w", NULL, 60000, &j), 1);
	ck_assert_int_eq(queue_complete(q, &j), 1);
	ck_assert_int_eq(queue_cleanup(q, queue_now() - 60000), 0);
	ck_assert_int_eq(queue_cleanup(q, queue_now() + 1), 1);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM jobs"), 1);

	ck_assert_int_eq(queue_worker_register(q, "h:1:ab", 1, "h"), 0);
	ck_assert_int_eq(queue_worker_beat(q, "h:1:ab", 7), 0);
	ck_assert_int_eq(scalar(q, "SELECT job_id FROM workers"), 7);
	ck_assert_int_eq(queue_worker_leave(q, "h:1:ab"), 0);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM workers"), 0);
}
END_TEST

static long long
next(const char *spec, long long t)
{
	struct schedule	sc;
	char		err[128];

	ck_assert_msg(schedule_parse(spec, &sc, err, sizeof(err)) == 0,
	    "%s: %s", spec, err);
	return schedule_next(&sc, t);
}

START_TEST(schedules)
{
	struct schedule	sc;
	char		err[128];
	/* 2023-11-14T22:13:20Z, a Tuesday. */
	long long	t = 1700000000000LL;

	ck_assert_int_eq(next("every 30s", t), t + 10000);
	ck_assert_int_eq(next("every 10m", t), 1700000400000LL);
	ck_assert_int_eq(next("every 1d", t), 1700006400000LL);
	/* 03:30 the next day. */
	ck_assert_int_eq(next("cron 30 3 * * *", t), 1700019000000LL);
	/* The next quarter hour. */
	ck_assert_int_eq(next("cron */15 * * * *", t), 1700000100000LL);
	/* Sunday (0 and 7) at midnight: 2023-11-19. */
	ck_assert_int_eq(next("cron 0 0 * * 0", t), 1700352000000LL);
	ck_assert_int_eq(next("cron 0 0 * * 7", t), 1700352000000LL);
	/* The first of December. */
	ck_assert_int_eq(next("cron 0 0 1 12 *", t), 1701388800000LL);
	/* DOM or DOW when both are restricted: the 15th (Wed) first. */
	ck_assert_int_eq(next("cron 0 12 15 * 1", t), 1700049600000LL);
	ck_assert_int_eq(next("cron 0 0 31 2 *", t), -1);
	ck_assert_int_eq(next("off", t), -1);
	ck_assert_int_eq(schedule_parse("every 0s", &sc, err, sizeof(err)), -1);
	ck_assert_int_eq(schedule_parse("every 400d", &sc, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(schedule_parse("every 5", &sc, err, sizeof(err)), -1);
	ck_assert_int_eq(schedule_parse("cron 60 * * * *", &sc, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(schedule_parse("cron * * * *", &sc, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(schedule_parse("cron * * * * * *", &sc, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(schedule_parse("cron 5-1 * * * *", &sc, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(schedule_parse("cron */0 * * * *", &sc, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(schedule_parse("cron 1,,2 * * * *", &sc, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(schedule_parse("", &sc, err, sizeof(err)), -1);
	ck_assert_int_eq(schedule_parse("hourly", &sc, err, sizeof(err)), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("queue");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, enqueue_and_unique);
	tcase_add_test(tc, claim_order);
	tcase_add_test(tc, queues_filter);
	tcase_add_test(tc, lease_expiry_reclaims);
	tcase_add_test(tc, worker_that_always_dies);
	tcase_add_test(tc, backoff);
	tcase_add_test(tc, fail_for_good);
	tcase_add_test(tc, retry_and_discard);
	tcase_add_test(tc, recurring_once_per_slot);
	tcase_add_test(tc, cleanup_and_workers);
	tcase_add_test(tc, schedules);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
