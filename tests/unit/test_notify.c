/*
 * Unit tests: mail queued through the outbox (lib/shop/notify.c,
 * notify_mail()): the payload the send_mail job reads, its kind the job
 * registry's, only inside a write, gone with a rollback, and relayed to
 * queue.db as a job.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/tval.h"
#include "data/db.h"
#include "data/migrate.h"
#include "side/queue.h"
#include "shop/notify.h"
#include "shop/outbox.h"
#include "jobs/job.h"

static char		 dir[64];
static struct db	*d, *q;
static struct arena	*a;

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-notify-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	q = db_open(dir, DB_QUEUE, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(q, NULL, NULL, err, sizeof(err)), 1);
	a = arena_new();
}

static void
teardown(void)
{
	char	cmd[128];

	db_close(d);
	db_close(q);
	arena_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static long long
count(struct db *db, const char *sql)
{
	sqlite3_stmt	*st;
	long long	 n;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static char *
text(struct db *db, const char *sql)
{
	sqlite3_stmt	*st;
	char		*s;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	s = db_text(a, st, 0);
	sqlite3_finalize(st);
	return s;
}

START_TEST(kind_is_the_registry_s)
{
	ck_assert_str_eq(NOTIFY_MAIL_KIND, "send_mail");
	ck_assert_str_eq(job_kind_names[JOB_SEND_MAIL], NOTIFY_MAIL_KIND);
	ck_assert_int_eq(job_kind_find(NOTIFY_MAIL_KIND), JOB_SEND_MAIL);
}
END_TEST

START_TEST(mail_queued_in_the_write)
{
	struct tval		*data = tval_map(a);
	struct notify_mail	 m;
	long long		 id;

	tval_set_str(a, data, "name", "Ann \"A\" Lee");
	tval_set_int(a, data, "valid_minutes", 60);
	memset(&m, 0, sizeof(m));
	m.template = "password_reset";
	m.to = "ann@example.test";
	m.to_name = "Ann Lee";
	m.data = data;
	m.unique_key = "mail:test:1";
	m.priority = 20;
	m.max_attempts = 5;
	ck_assert_int_eq(db_begin(d), 0);
	id = notify_mail(d, a, &m);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_str_eq(text(d, "SELECT target || '|' || name || '|' || sub "
	    "|| '|' || unique_key || '|' || priority || '|' || max_attempts || "
	    "'|' || payload FROM outbox"), "job|send_mail|mail|mail:test:1|20|"
	    "5|{\"to\":\"ann@example.test\",\"to_name\":\"Ann Lee\","
	    "\"template\":\"password_reset\",\"data\":{\"name\":\"Ann "
	    "\\\"A\\\" Lee\",\"valid_minutes\":60}}");

	/* Relayed, it is a send_mail job in the mail queue. */
	ck_assert_int_eq(outbox_relay(d, q, NULL, NULL), 0);
	ck_assert_str_eq(text(q, "SELECT kind || '|' || queue || '|' || "
	    "priority || '|' || max_attempts || '|' || unique_key || '|' || "
	    "json_extract(payload, '$.template') || '|' || "
	    "json_extract(payload, '$.data.valid_minutes') FROM jobs"),
	    "send_mail|mail|20|5|mail:test:1|password_reset|60");
}
END_TEST

START_TEST(defaults_left_out)
{
	struct notify_mail	m;

	memset(&m, 0, sizeof(m));
	m.template = "shipped";
	m.to = "bob@example.test";
	m.to_name = "";
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_gt(notify_mail(d, a, &m), 0);
	ck_assert_int_eq(db_commit(d), 0);
	/* No name, no key, an empty data object, the queue's attempts. */
	ck_assert_str_eq(text(d, "SELECT coalesce(unique_key, 'none') || '|' "
	    "|| priority || '|' || max_attempts || '|' || payload FROM "
	    "outbox"), "none|0|0|{\"to\":\"bob@example.test\","
	    "\"template\":\"shipped\",\"data\":{}}");
	ck_assert_int_eq(outbox_relay(d, q, NULL, NULL), 0);
	ck_assert_int_eq(count(q, "SELECT max_attempts FROM jobs"),
	    QUEUE_MAX_ATTEMPTS);
}
END_TEST

START_TEST(rolled_back_with_the_change)
{
	struct notify_mail	m = { .template = "shipped",
	    .to = "bob@example.test" };

	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_gt(notify_mail(d, a, &m), 0);
	db_rollback(d);
	ck_assert_int_eq(count(d, "SELECT count(*) FROM outbox"), 0);
}
END_TEST

START_TEST(bad_mail_refused)
{
	struct notify_mail	m = { .template = "shipped",
	    .to = "bob@example.test" };
	struct notify_mail	bad[] = {
		{ .template = NULL, .to = "bob@example.test" },
		{ .template = "", .to = "bob@example.test" },
		{ .template = "shipped", .to = NULL },
		{ .template = "shipped", .to = "" },
	};
	size_t			i;

	/* Outside a write: nothing is queued. */
	ck_assert_int_eq(notify_mail(d, a, &m), -1);
	ck_assert_int_eq(notify_mail(d, a, NULL), -1);
	ck_assert_int_eq(db_begin(d), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(notify_mail(d, a, &bad[i]) == -1, "mail %zu", i);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(count(d, "SELECT count(*) FROM outbox"), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kind_is_the_registry_s);
	tcase_add_test(tc, mail_queued_in_the_write);
	tcase_add_test(tc, defaults_left_out);
	tcase_add_test(tc, rolled_back_with_the_change);
	tcase_add_test(tc, bad_mail_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
