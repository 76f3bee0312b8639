/*
 * Unit tests: the outbox and its relay. Rows are written only inside a
 * shop.db write; a relay run twice, or interrupted between its steps, or
 * killed at random moments and run again, adds each job and message
 * exactly once.
 */
#include <sys/wait.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "data/db.h"
#include "data/migrate.h"
#include "side/cable.h"
#include "side/queue.h"
#include "shop/outbox.h"

static char		 dir[64];
static struct db	*p, *q, *c;

static struct db *
open_one(enum db_id id, unsigned flags)
{
	char		 err[256];
	struct db	*d = db_open(dir, id, flags, err, sizeof(err));

	ck_assert_msg(d != NULL, "%s", err);
	return d;
}

static void
setup(void)
{
	char	err[256];

	ck_assert_int_ge(sodium_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/shop-outbox-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	p = open_one(DB_PRIMARY, DB_OPEN_CREATE);
	q = open_one(DB_QUEUE, DB_OPEN_CREATE);
	c = open_one(DB_CABLE, DB_OPEN_CREATE);
	ck_assert_int_ge(migrate_apply(p, NULL, NULL, err, sizeof(err)), 1);
	ck_assert_int_ge(migrate_apply(q, NULL, NULL, err, sizeof(err)), 1);
	ck_assert_int_ge(migrate_apply(c, NULL, NULL, err, sizeof(err)), 1);
}

static void
teardown(void)
{
	char	cmd[128];

	db_close(p);
	db_close(q);
	db_close(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* One integer from fixed SQL on d. */
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

/* n orders' worth of work: a mail job and a live message each. */
static void
add_work(int n, int first)
{
	struct queue_job_spec	s;
	char			payload[64], channel[32];
	int			i;

	ck_assert_int_eq(db_begin(p), 0);
	for (i = first; i < first + n; i++) {
		memset(&s, 0, sizeof(s));
		snprintf(payload, sizeof(payload), "{\"order\":%d}", i);
		s.kind = "send_mail";
		s.payload = payload;
		ck_assert_int_gt(outbox_job(p, &s), 0);
		snprintf(channel, sizeof(channel), "order:%d", i);
		ck_assert_int_gt(outbox_message(p, channel, "order",
		    "{\"state\":\"paid\"}"), 0);
	}
	ck_assert_int_eq(db_commit(p), 0);
}

START_TEST(needs_a_write)
{
	struct queue_job_spec	s = { .kind = "send_mail" };

	/* Outside a transaction: refused, nothing written. */
	ck_assert_int_eq(outbox_job(p, &s), -1);
	ck_assert_int_eq(outbox_message(p, "order:1", NULL, "{}"), -1);
	ck_assert_int_eq(scalar(p, "SELECT count(*) FROM outbox"), 0);
	/* Bad input inside one: refused. */
	ck_assert_int_eq(db_begin(p), 0);
	s.payload = "[1,2]";
	ck_assert_int_eq(outbox_job(p, &s), -1);
	ck_assert_int_eq(outbox_message(p, "nochannel", NULL, "{}"), -1);
	ck_assert_int_eq(outbox_message(p, "order:1", "bad event\n", "{}"), -1);
	ck_assert_int_eq(outbox_message(p, "order:1", NULL, "{\"a\":"), -1);
	/* A rollback takes the rows with the change. */
	s.payload = "{}";
	ck_assert_int_gt(outbox_job(p, &s), 0);
	db_rollback(p);
	ck_assert_int_eq(scalar(p, "SELECT count(*) FROM outbox"), 0);
}
END_TEST

START_TEST(relay_once)
{
	struct outbox_stats	st;

	add_work(3, 1);
	ck_assert_int_eq(outbox_pending(p, q, c), 6);
	ck_assert_int_eq(outbox_relay(p, q, c, &st), 0);
	ck_assert_int_eq(st.jobs, 3);
	ck_assert_int_eq(st.messages, 3);
	ck_assert_int_eq(st.taken, 6);
	ck_assert_int_eq(st.marked, 6);
	ck_assert_int_eq(outbox_pending(p, q, c), 0);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM jobs WHERE kind = "
	    "'send_mail' AND outbox_id IS NOT NULL"), 3);
	ck_assert_int_eq(scalar(q, "SELECT json_extract(payload, '$.order') "
	    "FROM jobs ORDER BY id LIMIT 1"), 1);
	ck_assert_int_eq(scalar(c, "SELECT count(*) FROM messages WHERE "
	    "event = 'order' AND data = '{\"state\":\"paid\"}'"), 3);
	ck_assert_int_eq(scalar(p, "SELECT count(*) FROM outbox WHERE "
	    "relayed_at IS NULL"), 0);
	/* Again: nothing more. */
	ck_assert_int_eq(outbox_relay(p, q, c, &st), 0);
	ck_assert_int_eq(st.taken, 0);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM jobs"), 3);
	ck_assert_int_eq(scalar(c, "SELECT count(*) FROM messages"), 3);
}
END_TEST

/*
 * A crash between each step: jobs taken in but messages not, both taken
 * in but shop.db not marked. Every rerun adds nothing twice.
 */
START_TEST(crash_between_steps)
{
	long	added;

	add_work(5, 1);
	ck_assert_int_eq(outbox_relay_jobs(p, q, 3, &added), 3);
	ck_assert_int_eq(added, 3);
	/* "Crash", then a fresh relay from the start. */
	ck_assert_int_eq(outbox_relay_jobs(p, q, 100, &added), 2);
	ck_assert_int_eq(added, 2);
	ck_assert_int_eq(outbox_relay_jobs(p, q, 100, &added), 0);
	ck_assert_int_eq(outbox_relay_messages(p, c, 100, &added), 5);
	ck_assert_int_eq(added, 5);
	/* Crash before marking: everything is still marked unrelayed. */
	ck_assert_int_eq(scalar(p, "SELECT count(*) FROM outbox WHERE "
	    "relayed_at IS NULL"), 10);
	ck_assert_int_eq(outbox_relay(p, q, c, NULL), 0);
	ck_assert_int_eq(outbox_mark(p, q, c), 10);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM jobs"), 5);
	ck_assert_int_eq(scalar(c, "SELECT count(*) FROM messages"), 5);

	/*
	 * Second line: even with a receiver's mark lost, the unique outbox
	 * id on the other side adds nothing twice.
	 */
	ck_assert_int_eq(db_exec(q, "UPDATE relay_marks SET last_id = 0"), 0);
	ck_assert_int_eq(db_exec(c, "UPDATE relay_marks SET last_id = 0"), 0);
	ck_assert_int_eq(outbox_relay_jobs(p, q, 100, &added), 5);
	ck_assert_int_eq(added, 0);
	ck_assert_int_eq(outbox_relay_messages(p, c, 100, &added), 5);
	ck_assert_int_eq(added, 0);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM jobs"), 5);
	ck_assert_int_eq(scalar(c, "SELECT count(*) FROM messages"), 5);
}
END_TEST

/*
 * A relay process killed by SIGKILL at random moments, again and again,
 * then run to the end: each outbox row became exactly one job or message.
 */
START_TEST(killed_at_random)
{
	struct timespec	ts;
	pid_t		pid;
	int		i, status, n = 600;
	unsigned	seed = 12345;

	add_work(n / 2, 1);
	for (i = 0; i < 25; i++) {
		if ((pid = fork()) == 0) {
			char		 err[256];
			struct db	*pp, *qq, *cc;

			pp = db_open(dir, DB_PRIMARY, 0, err, sizeof(err));
			qq = db_open(dir, DB_QUEUE, 0, err, sizeof(err));
			cc = db_open(dir, DB_CABLE, 0, err, sizeof(err));
			if (pp == NULL || qq == NULL || cc == NULL)
				_exit(2);
			for (;;) {
				(void)outbox_relay_jobs(pp, qq, 7, NULL);
				(void)outbox_relay_messages(pp, cc, 5, NULL);
				(void)outbox_mark(pp, qq, cc);
				if (outbox_pending(pp, qq, cc) == 0)
					_exit(0);
			}
		}
		ck_assert_int_gt(pid, 0);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(rand_r(&seed) % 8000) * 1000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	}
	ck_assert_int_eq(outbox_relay(p, q, c, NULL), 0);
	ck_assert_int_eq(outbox_pending(p, q, c), 0);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM jobs"), n / 2);
	ck_assert_int_eq(scalar(q, "SELECT count(DISTINCT outbox_id) FROM "
	    "jobs"), n / 2);
	ck_assert_int_eq(scalar(c, "SELECT count(*) FROM messages"), n / 2);
	ck_assert_int_eq(scalar(c, "SELECT count(DISTINCT channel) FROM "
	    "messages"), n / 2);
	ck_assert_int_eq(scalar(q, "SELECT last_id FROM relay_marks"),
	    scalar(p, "SELECT max(id) FROM outbox WHERE target = 'job'"));
}
END_TEST

/* A unique key in the outbox: the second enqueue is a no-op. */
START_TEST(unique_through_outbox)
{
	struct queue_job_spec	s = { .kind = "send_mail",
	    .unique_key = "mail:order:7" };
	struct outbox_stats	st;

	ck_assert_int_eq(db_begin(p), 0);
	ck_assert_int_gt(outbox_job(p, &s), 0);
	ck_assert_int_gt(outbox_job(p, &s), 0);
	ck_assert_int_eq(db_commit(p), 0);
	ck_assert_int_eq(outbox_relay(p, q, c, &st), 0);
	ck_assert_int_eq(st.taken, 2);
	ck_assert_int_eq(st.jobs, 1);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM jobs"), 1);
}
END_TEST

START_TEST(cleanup)
{
	add_work(2, 1);
	ck_assert_int_eq(outbox_relay(p, q, c, NULL), 0);
	ck_assert_int_eq(outbox_cleanup(p, queue_now() - 60000), 0);
	ck_assert_int_eq(outbox_cleanup(p, queue_now() + 1000), 4);
	ck_assert_int_eq(scalar(p, "SELECT count(*) FROM outbox"), 0);
	/* Ids keep growing after the rows are gone. */
	add_work(1, 3);
	ck_assert_int_eq(scalar(p, "SELECT min(id) FROM outbox"), 5);
	ck_assert_int_eq(outbox_relay(p, q, c, NULL), 0);
	ck_assert_int_eq(scalar(q, "SELECT count(*) FROM jobs"), 3);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("outbox");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, needs_a_write);
	tcase_add_test(tc, relay_once);
	tcase_add_test(tc, crash_between_steps);
	tcase_add_test(tc, killed_at_random);
	tcase_add_test(tc, unique_through_outbox);
	tcase_add_test(tc, cleanup);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
