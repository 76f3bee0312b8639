/*
 * Unit tests: admin log entries made for a change in another database
 * (lib/shop/adminlog.c, adminlog_pending() and adminlog_write_pending()):
 * the entry written as it was made, once however often it is copied, a
 * text that is no such entry refused; and what job_payload_shown() lets
 * a status display show of a payload (lib/jobs/job.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/tval.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/adminlog.h"
#include "jobs/job.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-adminlog-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	a = arena_new();
}

static void
teardown(void)
{
	char	cmd[128];

	db_close(d);
	arena_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Copy json in a write of its own: the entry's id, or what failed. */
static long long
copy(const char *json)
{
	long long	id;

	ck_assert_int_eq(db_begin(d), 0);
	id = adminlog_write_pending(d, json);
	if (id < 0)
		db_rollback(d);
	else
		ck_assert_int_eq(db_commit(d), 0);
	return id;
}

START_TEST(written_once_as_made)
{
	struct actor		 who = { 7, "ann@shop.example" };
	struct adminlog_entry	*e;
	struct tval		*before = tval_map(a);
	char			*p, *again;
	long long		 id;
	size_t			 n;

	tval_set_str(a, before, "state", "failed");
	tval_set_int(a, before, "failed_at", 1796306528312LL);
	p = adminlog_pending(a, &who, "job.discard", "job", 42, "send_mail #42",
	    before, NULL, 1796306530);
	ck_assert_str_eq(p, "{\"actor_id\":7,\"actor\":\"ann@shop.example\","
	    "\"action\":\"job.discard\",\"object_type\":\"job\",\"object_id\":42,"
	    "\"label\":\"send_mail #42\",\"before\":{\"state\":\"failed\","
	    "\"failed_at\":1796306528312},\"after\":null,\"at\":1796306530}");
	ck_assert_int_gt((id = copy(p)), 0);
	ck_assert_int_eq(copy(p), id);
	e = adminlog_list(d, a, 0, 10, NULL, 0, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(e[0].id, id);
	ck_assert_int_eq(e[0].actor_id, 7);
	ck_assert_str_eq(e[0].actor, "ann@shop.example");
	ck_assert_str_eq(e[0].action, "job.discard");
	ck_assert_str_eq(e[0].object_type, "job");
	ck_assert_int_eq(e[0].object_id, 42);
	ck_assert_str_eq(e[0].label, "send_mail #42");
	ck_assert_str_eq(e[0].before, "{\"state\":\"failed\","
	    "\"failed_at\":1796306528312}");
	ck_assert_ptr_null(e[0].after);
	ck_assert_int_eq(e[0].created_at, 1796306530);
	/* The same change a second later is another entry. */
	again = adminlog_pending(a, &who, "job.discard", "job", 42,
	    "send_mail #42", before, NULL, 1796306531);
	ck_assert_int_gt(copy(again), id);
	/* From shopctl: no account, no object id. */
	p = adminlog_pending(a, NULL, "job.retry", "job", 0, NULL, NULL, NULL,
	    5);
	ck_assert_int_gt((id = copy(p)), 0);
	e = adminlog_list(d, a, 0, 10, NULL, 0, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(e[0].actor_id, 0);
	ck_assert_str_eq(e[0].actor, "unknown");
	ck_assert_int_eq(e[0].object_id, 0);
	ck_assert_int_eq(copy(p), id);
}
END_TEST

START_TEST(bad_pending_entries_are_refused)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{}",
		"{\"actor_id\":7,\"actor\":\"a\",\"action\":\"x.y\","
		    "\"object_type\":\"job\",\"object_id\":1,\"label\":\"\","
		    "\"before\":null,\"after\":null}",		/* no time */
		"{\"actor_id\":\"7\",\"actor\":\"a\",\"action\":\"x.y\","
		    "\"object_type\":\"job\",\"object_id\":1,\"label\":\"\","
		    "\"before\":null,\"after\":null,\"at\":1}",
		"{\"actor_id\":7,\"actor\":\"a\",\"action\":\"x.y\","
		    "\"object_type\":\"job\",\"object_id\":1,\"label\":\"\","
		    "\"before\":[1],\"after\":null,\"at\":1}",
	};
	size_t	i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(copy(bad[i]) == -2, "%s", bad[i]);
	adminlog_list(d, a, 0, 10, NULL, 0, &n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(what_a_payload_shows)
{
	struct job_shown	s;
	char			long_text[JOB_SHOWN_MAX + 50];

	ck_assert_int_eq(job_payload_shown(d, a, "send_mail", "{\"to\":"
	    "\"ann@example.com\",\"template\":\"password_reset\",\"data\":"
	    "{\"url\":\"https://shop/reset?token=SECRET\"}}", &s), 0);
	ck_assert(s.known && s.mail);
	ck_assert_str_eq(s.template, "password_reset");
	ck_assert_str_eq(s.to, "ann@example.com");
	ck_assert_str_eq(s.text, "");
	/* A mail of ready text: no template; a malformed one: nothing. */
	ck_assert_int_eq(job_payload_shown(d, a, "send_mail", "{\"to\":"
	    "\"b@example.com\",\"text\":\"secret\"}", &s), 0);
	ck_assert_str_eq(s.template, "");
	ck_assert_str_eq(s.to, "b@example.com");
	ck_assert_str_eq(s.text, "");
	ck_assert_int_eq(job_payload_shown(d, a, "send_mail", "{\"to\":secret",
	    &s), 0);
	ck_assert(s.mail);
	ck_assert_str_eq(s.to, "");
	ck_assert_str_eq(s.text, "");
	/* Another kind of the registry: its text, cut. */
	ck_assert_int_eq(job_payload_shown(d, a, "backup", "{\"keep\":7}", &s),
	    0);
	ck_assert(s.known && !s.mail && !s.cut);
	ck_assert_str_eq(s.text, "{\"keep\":7}");
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	ck_assert_int_eq(job_payload_shown(d, a, "trim_cable", long_text, &s),
	    0);
	ck_assert(s.cut);
	ck_assert_uint_eq(strlen(s.text), JOB_SHOWN_MAX);
	/* A kind this build does not know: nothing. */
	ck_assert_int_eq(job_payload_shown(d, a, "from_a_newer_build",
	    "{\"secret\":1}", &s), 0);
	ck_assert(!s.known && !s.mail);
	ck_assert_str_eq(s.text, "");
	ck_assert_str_eq(s.to, "");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("adminlog");
	TCase	*tc = tcase_create("pending");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, written_once_as_made);
	tcase_add_test(tc, bad_pending_entries_are_refused);
	tcase_add_test(tc, what_a_payload_shows);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
