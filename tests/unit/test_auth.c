/*
 * Unit tests: password hashing with Argon2id at the stated cost, the
 * cheap test cost, verification (and the dummy hash for unknown
 * accounts), rehash detection, and the log-in throttling counters.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "data/db.h"
#include "data/migrate.h"
#include "side/cache.h"
#include "shop/auth.h"

static char		 dir[64];
static struct db	*cache;

static void
setup(void)
{
	char	err[256];

	ck_assert_int_ge(sodium_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/shop-auth-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	cache = db_open(dir, DB_CACHE, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(cache != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(cache, NULL, NULL, err, sizeof(err)), 1);
}

static void
teardown(void)
{
	char	cmd[128];

	db_close(cache);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/*
 * The test build hashes at the minimum cost (tests/seams/pwcost.c); the
 * real cost is checked on the programs make builds (test_release.py).
 */
START_TEST(stated_cost)
{
	char	h[AUTH_HASH_LEN];

	ck_assert_int_eq(auth_hash("correct horse", h), 0);
	ck_assert_msg(strncmp(h, "$argon2id$v=19$m=8,t=1,p=1$", 27) == 0,
	    "%s", h);
	ck_assert(auth_verify(h, "correct horse"));
	ck_assert(!auth_verify(h, "correct horsf"));
	ck_assert(!auth_verify(h, ""));
	ck_assert(!auth_needs_rehash(h));
	/* A hash made at another cost still verifies, and wants a rehash. */
	ck_assert_int_eq(crypto_pwhash_str_alg(h, "pw", 2, 2, 8192,
	    crypto_pwhash_ALG_ARGON2ID13), 0);
	ck_assert(auth_verify(h, "pw"));
	ck_assert(auth_needs_rehash(h));
	/* Unknown accounts: checked against the dummy, never accepted. */
	ck_assert(!auth_verify(NULL, "correct horse"));
	ck_assert(!auth_verify(NULL, ""));
	ck_assert(!auth_verify("not a hash", "x"));
}
END_TEST

START_TEST(salted)
{
	char	a[AUTH_HASH_LEN], b[AUTH_HASH_LEN];

	ck_assert_int_eq(auth_hash("same", a), 0);
	ck_assert_int_eq(auth_hash("same", b), 0);
	ck_assert_str_ne(a, b);
	ck_assert(auth_verify(a, "same"));
	ck_assert(auth_verify(b, "same"));
}
END_TEST

START_TEST(throttle)
{
	int	i, wait;

	for (i = 0; i < AUTH_MAX_FAILURES - 1; i++) {
		auth_failed(cache, "a@example.com", "192.0.2.1");
		ck_assert_int_eq(auth_throttled(cache, "a@example.com",
		    "192.0.2.1"), 0);
	}
	auth_failed(cache, "a@example.com", "192.0.2.1");
	wait = auth_throttled(cache, "a@example.com", "192.0.2.1");
	ck_assert_int_gt(wait, AUTH_WINDOW_SECONDS - 5);
	ck_assert_int_le(wait, AUTH_WINDOW_SECONDS);
	/* Per account, from anywhere; per address, for any account. */
	ck_assert_int_gt(auth_throttled(cache, "a@example.com", "192.0.2.2"),
	    0);
	ck_assert_int_gt(auth_throttled(cache, "b@example.com", "192.0.2.1"),
	    0);
	ck_assert_int_eq(auth_throttled(cache, "b@example.com", "192.0.2.2"),
	    0);
	/* Success forgets the account's count, not the address's. */
	auth_succeeded(cache, "a@example.com");
	ck_assert_int_eq(auth_throttled(cache, "a@example.com", "192.0.2.2"),
	    0);
	ck_assert_int_gt(auth_throttled(cache, "a@example.com", "192.0.2.1"),
	    0);
	/* No cache: fail open. */
	ck_assert_int_eq(auth_throttled(NULL, "a@example.com", "192.0.2.1"),
	    0);
	auth_failed(NULL, "a@example.com", "192.0.2.1");
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*t = tcase_create("auth");

	tcase_set_timeout(t, 60);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, stated_cost);
	tcase_add_test(t, salted);
	tcase_add_test(t, throttle);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
