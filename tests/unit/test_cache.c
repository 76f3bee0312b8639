/*
 * Unit tests: cache.db entries (expiry, size bound, oldest evicted first,
 * oversized entries refused), counters, and failure as a miss.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "side/cache.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-cache-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_CACHE, DB_OPEN_CREATE, err, sizeof(err));
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

START_TEST(get_set_delete)
{
	char	*v;
	size_t	 n;

	ck_assert(!cache_get(d, a, "k", &v, &n));
	ck_assert(cache_set(d, "k", "hello", 5, 60, 0));
	ck_assert(cache_get(d, a, "k", &v, &n));
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v, "hello");
	ck_assert(cache_set(d, "k", "bye", 3, 60, 0));
	ck_assert(cache_get(d, a, "k", &v, &n));
	ck_assert_str_eq(v, "bye");
	ck_assert_int_eq(cache_bytes(d), 3);
	cache_delete(d, "k");
	ck_assert(!cache_get(d, a, "k", &v, &n));
	ck_assert_int_eq(cache_bytes(d), 0);
}
END_TEST

START_TEST(expiry)
{
	char	*v;
	size_t	 n;

	ck_assert(cache_set(d, "short", "x", 1, 1, 0));
	ck_assert(cache_get(d, a, "short", &v, &n));
	sleep(2);
	ck_assert(!cache_get(d, a, "short", &v, &n));
	ck_assert_int_eq(cache_evict(d, 0), 1);
	ck_assert_int_eq(cache_bytes(d), 0);
}
END_TEST

START_TEST(bounded)
{
	static char	 big[CACHE_MAX_ENTRY + 1];
	char		 key[32], *v;
	size_t		 n;
	int		 i;

	/* An entry larger than the bound is not stored. */
	ck_assert(!cache_set(d, "big", big, sizeof(big), 60, 0));
	ck_assert(!cache_get(d, a, "big", &v, &n));
	/* 200 entries of 1000 bytes under a 100000-byte bound. */
	memset(big, 'x', 1000);
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%03d", i);
		ck_assert(cache_set(d, key, big, 1000, 60, 100000));
		ck_assert_int_le(cache_bytes(d), 100000);
	}
	/* The newest survive, the oldest went first. */
	ck_assert(cache_get(d, a, "k199", &v, &n));
	ck_assert(!cache_get(d, a, "k000", &v, &n));
	ck_assert_int_gt(cache_evict(d, 10000), 0);
	ck_assert_int_le(cache_bytes(d), 10000);
}
END_TEST

START_TEST(counters)
{
	int	reset;

	ck_assert_int_eq(counter_peek(d, "login:a", &reset), 0);
	ck_assert_int_eq(counter_hit(d, "login:a", 900, &reset), 1);
	ck_assert_int_eq(counter_hit(d, "login:a", 900, &reset), 2);
	ck_assert_int_le(reset, 900);
	ck_assert_int_ge(reset, 898);
	ck_assert_int_eq(counter_peek(d, "login:a", NULL), 2);
	ck_assert_int_eq(counter_peek(d, "login:b", NULL), 0);
	counter_clear(d, "login:a");
	ck_assert_int_eq(counter_peek(d, "login:a", NULL), 0);
	/* A window that has ended starts again at one. */
	ck_assert_int_eq(counter_hit(d, "w", 1, NULL), 1);
	ck_assert_int_eq(counter_hit(d, "w", 1, NULL), 2);
	sleep(2);
	ck_assert_int_eq(counter_peek(d, "w", NULL), 0);
	ck_assert_int_eq(counter_hit(d, "w", 1, NULL), 1);
}
END_TEST

START_TEST(missing_cache_is_a_miss)
{
	char	*v;
	size_t	 n;

	ck_assert(!cache_get(NULL, a, "k", &v, &n));
	ck_assert(!cache_set(NULL, "k", "v", 1, 60, 0));
	ck_assert_int_eq(counter_hit(NULL, "k", 60, NULL), 0);
	ck_assert_int_eq(counter_peek(NULL, "k", NULL), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("cache");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, get_set_delete);
	tcase_add_test(tc, expiry);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, counters);
	tcase_add_test(tc, missing_cache_is_a_miss);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
