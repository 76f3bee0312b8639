/*
 * Unit tests: what status displays list of queue.db (lib/side/queue.c,
 * queue_list_*: workers, running and queued jobs, failed jobs, recurring
 * tasks), in their order, with what the database does not hold as 0 or
 * "", and errors as NULL; one job wherever it is (queue_job_get), and
 * retrying or discarding it inside the caller's write.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "side/queue.h"

static char		 dir[64];
static struct db	*q;
static struct arena	*a;

static void
setup(void)
{
	char	err[256];

	ck_assert_int_ge(sodium_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/shop-qlist-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	q = db_open(dir, DB_QUEUE, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(q, NULL, NULL, err, sizeof(err)), 1);
	a = arena_new();
}

static void
teardown(void)
{
	char	cmd[128];

	db_close(q);
	arena_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static long long
add(const char *kind, int priority, long long run_at)
{
	struct queue_job_spec	s;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.queue = "mail";
	s.priority = priority;
	s.run_at = run_at;
	return queue_enqueue(q, &s);
}

START_TEST(empty_lists)
{
	size_t	n = 99;

	ck_assert_ptr_nonnull(queue_list_workers(q, a, &n));
	ck_assert_uint_eq(n, 0);
	n = 99;
	ck_assert_ptr_nonnull(queue_list_jobs(q, a, "queued", 10, &n));
	ck_assert_uint_eq(n, 0);
	n = 99;
	ck_assert_ptr_nonnull(queue_list_jobs(q, a, "running", 10, &n));
	ck_assert_uint_eq(n, 0);
	n = 99;
	ck_assert_ptr_nonnull(queue_list_failed(q, a, 10, &n));
	ck_assert_uint_eq(n, 0);
	n = 99;
	ck_assert_ptr_nonnull(queue_list_recurring(q, a, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(jobs_in_claim_order)
{
	struct queue_job_info	*j;
	struct queue_job	 job;
	long long		 now = queue_now(), first, late, high, low;
	size_t			 n, i;

	first = add("a", 0, now - 1000);
	late = add("b", 0, now + 3600 * 1000);
	high = add("c", 5, now);
	low = add("d", -1, now - 5000);
	/* Queued: priority first, then run_at, then id. */
	j = queue_list_jobs(q, a, "queued", 10, &n);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(j[0].id, high);
	ck_assert_int_eq(j[1].id, first);
	ck_assert_int_eq(j[2].id, late);
	ck_assert_int_eq(j[3].id, low);
	ck_assert_str_eq(j[0].queue, "mail");
	ck_assert_str_eq(j[0].kind, "c");
	ck_assert_int_eq(j[0].priority, 5);
	ck_assert_int_eq(j[0].attempts, 0);
	ck_assert_int_eq(j[0].max_attempts, QUEUE_MAX_ATTEMPTS);
	ck_assert_int_eq(j[2].run_at, now + 3600 * 1000);
	ck_assert_str_eq(j[0].worker, "");
	ck_assert_int_eq(j[0].lease_until, 0);
	ck_assert_str_eq(j[0].last_error, "");
	/* At most limit. */
	j = queue_list_jobs(q, a, "queued", 2, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(j[1].id, first);

	/* One claimed and failed once: running, then queued again. */
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 60000, &job), 1);
	ck_assert_int_eq(job.id, high);
	j = queue_list_jobs(q, a, "running", 10, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(j[0].id, high);
	ck_assert_str_eq(j[0].worker, "w1");
	ck_assert_int_eq(j[0].attempts, 1);
	ck_assert_int_ge(j[0].lease_until, now + 60000);
	ck_assert_int_eq(queue_fail(q, &job, "it broke", true, 0), 1);
	j = queue_list_jobs(q, a, "queued", 10, &n);
	ck_assert_uint_eq(n, 4);
	for (i = 0; i < n && j[i].id != high; i++)
		;
	ck_assert_uint_lt(i, n);
	ck_assert_str_eq(j[i].last_error, "it broke");
	ck_assert_int_eq(j[i].attempts, 1);
	ck_assert_ptr_nonnull(queue_list_jobs(q, a, "running", 10, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(failed_workers_and_recurring)
{
	struct queue_failed_info	*f;
	struct queue_worker_info	*w;
	struct queue_recurring_info	*r;
	struct queue_job		 job;
	long long			 now = queue_now(), id;
	size_t				 n;

	id = add("doomed", 0, 0);
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 60000, &job), 1);
	ck_assert_int_eq(queue_fail(q, &job, "never works", false, 0), 2);
	f = queue_list_failed(q, a, 10, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(f[0].id, id);
	ck_assert_str_eq(f[0].queue, "mail");
	ck_assert_str_eq(f[0].kind, "doomed");
	ck_assert_int_eq(f[0].attempts, 1);
	ck_assert_int_eq(f[0].max_attempts, QUEUE_MAX_ATTEMPTS);
	ck_assert_int_ge(f[0].failed_at, now);
	ck_assert_str_eq(f[0].error, "never works");

	ck_assert_int_eq(queue_worker_register(q, "h:1:a", 11, "h"), 0);
	ck_assert_int_eq(queue_worker_register(q, "h:2:b", 22, "h"), 0);
	ck_assert_int_eq(queue_worker_beat(q, "h:2:b", id), 0);
	w = queue_list_workers(q, a, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(w[0].id, "h:1:a");
	ck_assert_int_eq(w[0].pid, 11);
	ck_assert_int_eq(w[0].job_id, 0);
	ck_assert_int_ge(w[0].heartbeat_at, now);
	ck_assert_str_eq(w[1].id, "h:2:b");
	ck_assert_int_eq(w[1].job_id, id);

	ck_assert_int_eq(queue_recurring_define(q, "zeta", "trim_cable", NULL,
	    "{}", "every 10m", now), 0);
	ck_assert_int_eq(queue_recurring_define(q, "alpha", "backup", NULL,
	    "{}", "off", now), 0);
	r = queue_list_recurring(q, a, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(r[0].task, "alpha");
	ck_assert_str_eq(r[0].kind, "backup");
	ck_assert_str_eq(r[0].schedule, "off");
	ck_assert_int_eq(r[0].next_run_at, 0);
	ck_assert_int_eq(r[0].last_run_at, 0);
	ck_assert_int_eq(r[0].last_job_id, 0);
	ck_assert_str_eq(r[1].task, "zeta");
	ck_assert_int_gt(r[1].next_run_at, now);
	/* Its slot comes: it ran, with a job. */
	ck_assert_int_eq(queue_schedule_due(q, r[1].next_run_at), 1);
	r = queue_list_recurring(q, a, &n);
	ck_assert_int_gt(r[1].last_run_at, 0);
	ck_assert_int_gt(r[1].last_job_id, id);
}
END_TEST

START_TEST(payloads_listed_whole_or_not_at_all)
{
	struct queue_job_spec	 s;
	struct queue_job_info	*j;
	struct queue_failed_info *f;
	struct queue_job	 job;
	char			*big;
	size_t			 n, len = QUEUE_LIST_PAYLOAD_MAX + 1;

	memset(&s, 0, sizeof(s));
	s.kind = "send_mail";
	s.payload = "{\"to\":\"a@example.com\",\"data\":{\"url\":\"secret\"}}";
	ck_assert_int_gt(queue_enqueue(q, &s), 0);
	/* Over the limit: listed as "", kind and all else as usual. */
	big = arena_alloc(a, len + 1);
	memset(big, ' ', len);
	memcpy(big, "{\"x\":1}", 7);
	big[len] = '\0';
	s.payload = big;
	s.priority = -1;
	ck_assert_int_gt(queue_enqueue(q, &s), 0);
	j = queue_list_jobs(q, a, "queued", 10, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(j[0].payload, "{\"to\":\"a@example.com\",\"data\":"
	    "{\"url\":\"secret\"}}");
	ck_assert_str_eq(j[1].payload, "");
	ck_assert_str_eq(j[1].kind, "send_mail");
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 60000, &job), 1);
	ck_assert_int_eq(queue_fail(q, &job, "no", false, 0), 2);
	f = queue_list_failed(q, a, 10, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(f[0].payload, j[0].payload);
}
END_TEST

START_TEST(one_job_wherever_it_is)
{
	struct queue_job_detail	 d;
	struct queue_job	 job;
	long long		 now = queue_now(), queued, running, done, failed;

	queued = add("a", 3, now + 5000);
	running = add("b", 9, 0);
	done = add("c", 8, 0);
	failed = add("d", 7, 0);
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 60000, &job), 1);
	ck_assert_int_eq(job.id, running);
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 60000, &job), 1);
	ck_assert_int_eq(queue_complete(q, &job), 1);
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 60000, &job), 1);
	ck_assert_int_eq(queue_fail(q, &job, "it broke", false, 0), 2);

	ck_assert_int_eq(queue_job_get(q, a, queued, &d), 1);
	ck_assert_int_eq(d.id, queued);
	ck_assert_int_eq(d.state, QUEUE_QUEUED);
	ck_assert_str_eq(queue_state_names[d.state], "queued");
	ck_assert_str_eq(d.queue, "mail");
	ck_assert_str_eq(d.kind, "a");
	ck_assert_str_eq(d.payload, "{}");
	ck_assert_int_eq(d.priority, 3);
	ck_assert_int_eq(d.run_at, now + 5000);
	ck_assert_int_eq(d.failed_at, 0);
	ck_assert_str_eq(d.error, "");
	ck_assert_str_eq(d.worker, "");
	ck_assert_int_eq(queue_job_get(q, a, running, &d), 1);
	ck_assert_int_eq(d.state, QUEUE_RUNNING);
	ck_assert_str_eq(d.worker, "w1");
	ck_assert_int_eq(d.attempts, 1);
	ck_assert_int_eq(queue_job_get(q, a, done, &d), 1);
	ck_assert_int_eq(d.state, QUEUE_DONE);
	ck_assert_int_eq(queue_job_get(q, a, failed, &d), 1);
	ck_assert_int_eq(d.state, QUEUE_FAILED);
	ck_assert_str_eq(d.kind, "d");
	ck_assert_str_eq(d.error, "it broke");
	ck_assert_int_ge(d.failed_at, now);
	ck_assert_int_eq(d.run_at, 0);
	ck_assert_int_eq(queue_job_get(q, a, failed + 100, &d), 0);
	ck_assert_int_eq(d.id, 0);
}
END_TEST

START_TEST(retry_and_discard_in_the_callers_write)
{
	struct queue_job_detail	 d;
	struct queue_job	 job;
	long long		 id, other;

	id = add("d", 0, 0);
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 60000, &job), 1);
	ck_assert_int_eq(queue_fail(q, &job, "no", false, 0), 2);
	/* Rolled back with the caller's write: still failed. */
	ck_assert_int_eq(db_begin(q), 0);
	ck_assert_int_eq(queue_retry(q, id), 1);
	ck_assert_int_eq(queue_job_get(q, a, id, &d), 1);
	ck_assert_int_eq(d.state, QUEUE_QUEUED);
	ck_assert(db_in_write(q));
	db_rollback(q);
	ck_assert_int_eq(queue_job_get(q, a, id, &d), 1);
	ck_assert_int_eq(d.state, QUEUE_FAILED);
	/* Committed with it, beside a job of the caller's. */
	ck_assert_int_eq(db_begin(q), 0);
	ck_assert_int_eq(queue_discard(q, id), 1);
	ck_assert_int_gt((other = add("record", 0, 0)), id);
	ck_assert_int_eq(queue_discard(q, id), 0);
	ck_assert_int_eq(db_commit(q), 0);
	ck_assert_int_eq(queue_job_get(q, a, id, &d), 0);
	ck_assert_int_eq(queue_job_get(q, a, other, &d), 1);
	/* A running job is neither. */
	ck_assert_int_eq(queue_claim(q, a, "w1", NULL, 60000, &job), 1);
	ck_assert_int_eq(db_begin(q), 0);
	ck_assert_int_eq(queue_retry(q, other), 0);
	ck_assert_int_eq(queue_discard(q, other), 0);
	ck_assert_int_eq(db_commit(q), 0);
	ck_assert_int_eq(queue_job_get(q, a, other, &d), 1);
	ck_assert_int_eq(d.state, QUEUE_RUNNING);
}
END_TEST

START_TEST(bad_lists)
{
	size_t	n = 99;

	/* Done jobs are not listed: no such list. */
	ck_assert_ptr_null(queue_list_jobs(q, a, "done", 10, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(queue_list_jobs(q, a, "failed", 10, &n));
	/* A database that cannot answer: NULL, nothing counted. */
	ck_assert_int_eq(db_exec(q, "DROP TABLE workers"), 0);
	n = 99;
	ck_assert_ptr_null(queue_list_workers(q, a, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("queue_list");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty_lists);
	tcase_add_test(tc, jobs_in_claim_order);
	tcase_add_test(tc, failed_workers_and_recurring);
	tcase_add_test(tc, payloads_listed_whole_or_not_at_all);
	tcase_add_test(tc, one_job_wherever_it_is);
	tcase_add_test(tc, retry_and_discard_in_the_callers_write);
	tcase_add_test(tc, bad_lists);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
