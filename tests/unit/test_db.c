/*
 * Unit tests: opening, migrations, statement cache, the write lock file
 * (a queue in the kernel, a timeout, released when a holder dies), and
 * the integrity check.
 */
#include <sys/file.h>
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"

static char	dir[64];

static void
setup(void)
{
	char		 err[256];
	struct db	*d;
	int		 i;

	snprintf(dir, sizeof(dir), "/tmp/shop-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < DB__MAX; i++) {
		d = db_open(dir, (enum db_id)i, DB_OPEN_CREATE, err, sizeof(err));
		ck_assert_msg(d != NULL, "%s", err);
		ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 0);
		db_close(d);
	}
}

static void
teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

START_TEST(open_missing)
{
	char		 err[256];
	struct db	*d = db_open("/nonexistent-dir", DB_PRIMARY, 0, err,
	    sizeof(err));

	ck_assert_ptr_null(d);
	ck_assert_ptr_nonnull(strstr(err, "shopctl migrate"));
}
END_TEST

START_TEST(migrated)
{
	char		 err[256];
	struct arena	*a = arena_new();
	struct db	*d = db_open(dir, DB_PRIMARY, DB_OPEN_WEB, err, sizeof(err));

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(migrate_missing(d), 0);
	ck_assert_str_eq(db_journal_mode(d, a), "wal");
	/* Applying again applies nothing. */
	ck_assert_int_eq(migrate_apply(d, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(migrate_verify(d, NULL), 0);
	/* A changed migration is found. */
	ck_assert_int_eq(db_exec(d, "UPDATE schema_migrations SET checksum = "
	    "'x' WHERE version = 1"), 0);
	ck_assert_int_eq(migrate_verify(d, NULL), 1);
	/* A forgotten one makes the schema "missing". */
	ck_assert_int_eq(db_exec(d, "DELETE FROM schema_migrations"), 0);
	ck_assert_int_gt(migrate_missing(d), 0);
	db_close(d);
	arena_free(a);
}
END_TEST

START_TEST(statements)
{
	static const char	 q1[] = "SELECT ?1 + 1";
	static const char	 two[] = "SELECT 1; SELECT 2";
	char			 err[256];
	struct db		*d = db_open(dir, DB_PRIMARY, 0, err, sizeof(err));
	sqlite3_stmt		*s1, *s2;

	s1 = db_prep(d, q1);
	ck_assert_ptr_nonnull(s1);
	sqlite3_bind_int(s1, 1, 41);
	ck_assert_int_eq(db_step(d, s1), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(s1, 0), 42);
	/* The same text at the same address: the same statement, reset. */
	s2 = db_prep(d, q1);
	ck_assert_ptr_eq(s1, s2);
	ck_assert_int_eq(db_step(d, s2), SQLITE_ROW);
	/* Bindings were cleared: ?1 is NULL, and NULL + 1 is NULL. */
	ck_assert_int_eq(sqlite3_column_type(s2, 0), SQLITE_NULL);
	ck_assert_ptr_null(db_prep(d, two));
	ck_assert_ptr_nonnull(strstr(db_errmsg(d), "trailing"));
	db_reset_all(d);
	db_close(d);
}
END_TEST

START_TEST(write_lock_queue)
{
	char		 err[256], path[128];
	struct db	*d = db_open(dir, DB_PRIMARY, 0, err, sizeof(err));
	struct timespec	 t0;
	int		 fd, p[2];
	pid_t		 pid;
	char		 c;

	snprintf(path, sizeof(path), "%s/shop.db.lock", dir);
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		fd = open(path, O_RDWR);
		flock(fd, LOCK_EX);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		usleep(600 * 1000);
		_exit(0);
	}
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	/* Held by the child: a short wait times out with a clear error. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(db_begin_timeout(d, 150), -1);
	ck_assert_int_ge(ms_since(&t0), 140);
	ck_assert_ptr_nonnull(strstr(db_errmsg(d), "timed out waiting"));
	ck_assert(!db_in_write(d));
	/* A longer wait gets the lock as soon as the child lets go. */
	ck_assert_int_eq(db_begin_timeout(d, 5000), 0);
	ck_assert_int_lt(ms_since(&t0), 3000);
	ck_assert(db_in_write(d));
	ck_assert_int_eq(db_exec(d, "INSERT INTO categories (slug, name) "
	    "VALUES ('a', 'A')"), 0);
	ck_assert_int_eq(db_commit(d), 0);
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
	db_close(d);
}
END_TEST

START_TEST(write_lock_holder_killed)
{
	char		 err[256], path[128];
	struct db	*d = db_open(dir, DB_PRIMARY, 0, err, sizeof(err));
	int		 fd, p[2];
	pid_t		 pid;
	char		 c;

	snprintf(path, sizeof(path), "%s/shop.db.lock", dir);
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		fd = open(path, O_RDWR);
		flock(fd, LOCK_EX);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(db_begin_timeout(d, 1000), 0);
	db_rollback(d);
	ck_assert(!db_in_write(d));
	close(p[0]);
	close(p[1]);
	db_close(d);
}
END_TEST

START_TEST(checkpoint)
{
	char		 err[256];
	struct db	*d = db_open(dir, DB_PRIMARY, 0, err, sizeof(err));
	int		 frames = -1;

	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(db_exec(d, "INSERT INTO categories (slug, name) "
	    "VALUES ('b', 'B')"), 0);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(db_checkpoint(d, SQLITE_CHECKPOINT_TRUNCATE, 1000,
	    &frames), 0);
	ck_assert_int_eq(frames, 0);
	db_close(d);
}
END_TEST

START_TEST(integrity)
{
	char		 err[256], path[128], **bad;
	struct arena	*a = arena_new();
	struct db	*d = db_open(dir, DB_PRIMARY, 0, err, sizeof(err));
	sqlite3		*raw;
	size_t		 n = 99;

	ck_assert_msg(d != NULL, "%s", err);
	bad = db_integrity(d, a, &n);
	ck_assert_ptr_nonnull(bad);
	ck_assert_uint_eq(n, 0);
	db_close(d);

	/* An index that no longer says what its table holds. */
	snprintf(path, sizeof(path), "%s/broken.db", dir);
	ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, "CREATE TABLE t (a, b);"
	    "CREATE INDEX t_a ON t (a);"
	    "INSERT INTO t VALUES (1, 2), (3, 4);"
	    "PRAGMA writable_schema = ON;"
	    "UPDATE sqlite_schema SET sql = 'CREATE INDEX t_a ON t (b)' "
	    "WHERE name = 't_a';"
	    "PRAGMA writable_schema = OFF;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	d = db_open_file(path, DB_CACHE, 0, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	bad = db_integrity(d, a, &n);
	ck_assert_ptr_nonnull(bad);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(bad[0], "row 1 missing from index t_a");
	ck_assert_str_eq(bad[1], "row 2 missing from index t_a");
	db_close(d);
	arena_free(a);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("db");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, open_missing);
	tcase_add_test(tc, migrated);
	tcase_add_test(tc, statements);
	tcase_add_test(tc, write_lock_queue);
	tcase_add_test(tc, write_lock_holder_killed);
	tcase_add_test(tc, checkpoint);
	tcase_add_test(tc, integrity);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
