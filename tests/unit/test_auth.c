/*
 * Unit tests: password hashing with Argon2id at the stated cost, the
 * cheap test cost, verification (and the dummy hash for unknown
 * accounts), rehash detection, backoff throttles, device cookies and the
 * log-in gate.
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
#include "side/throttle.h"
#include "shop/auth.h"
#include "testclock.h"

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

/* The same backoff as side/throttle.h says. */
START_TEST(backoff)
{
	static const struct throttle_rule r = { 5, 60, 900, 3600 };

	ck_assert_int_eq(throttle_backoff(&r, 0), 0);
	ck_assert_int_eq(throttle_backoff(&r, 4), 0);
	ck_assert_int_eq(throttle_backoff(&r, 5), 60);
	ck_assert_int_eq(throttle_backoff(&r, 6), 120);
	ck_assert_int_eq(throttle_backoff(&r, 8), 480);
	ck_assert_int_eq(throttle_backoff(&r, 9), 900);
	ck_assert_int_eq(throttle_backoff(&r, 1000000), 900);
}
END_TEST

START_TEST(throttle)
{
	static const struct throttle_rule r = { 2, 10, 40, 100 };

	testclock_freeze(1700000000000LL);
	ck_assert_int_eq(throttle_wait(cache, "k"), 0);
	ck_assert_int_eq(throttle_fail(cache, "k", &r), 0);
	ck_assert_int_eq(throttle_fail(cache, "k", &r), 10);
	ck_assert_int_eq(throttle_wait(cache, "k"), 10);
	testclock_advance(4000);
	ck_assert_int_eq(throttle_wait(cache, "k"), 6);
	ck_assert_int_eq(throttle_fail(cache, "k", &r), 20);
	ck_assert_int_eq(throttle_fail(cache, "k", &r), 40);
	ck_assert_int_eq(throttle_fail(cache, "k", &r), 40);
	ck_assert_int_eq(throttle_wait(cache, "other"), 0);
	/* Forgotten a while after the last failure. */
	testclock_advance(101 * 1000);
	ck_assert_int_eq(throttle_wait(cache, "k"), 0);
	ck_assert_int_eq(throttle_fail(cache, "k", &r), 0);
	ck_assert_int_eq(throttle_fail(cache, "k", &r), 10);
	ck_assert_int_eq(throttle_clear(cache, "k"), 0);
	ck_assert_int_eq(throttle_wait(cache, "k"), 0);
	/* No store: they fail closed. */
	ck_assert_int_eq(throttle_wait(NULL, "k"), -1);
	ck_assert_int_eq(throttle_fail(NULL, "k", &r), -1);
	ck_assert_int_eq(throttle_clear(NULL, "k"), -1);
	testclock_thaw();
}
END_TEST

START_TEST(device_cookies)
{
	unsigned char	 key[32], other[32];
	char		 v[AUTH_DEVICE_LEN + 1], w[AUTH_DEVICE_LEN + 1];
	char		 nonce[2 * AUTH_DEVICE_NONCE + 1];
	long long	 now = 1700000000;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(other, sizeof(other));
	auth_device_make(key, "a@example.com", now, v);
	ck_assert_uint_eq(strlen(v), AUTH_DEVICE_LEN);
	ck_assert(auth_device_valid(key, "a@example.com", v, now, nonce));
	ck_assert_uint_eq(strlen(nonce), 2 * AUTH_DEVICE_NONCE);
	ck_assert(auth_device_valid(key, "a@example.com", v,
	    now + AUTH_DEVICE_SECONDS, nonce));
	auth_device_make(key, "a@example.com", now, w);
	ck_assert_str_ne(v, w);
	/* Another account, key, time or a changed byte: nothing. */
	ck_assert(!auth_device_valid(key, "b@example.com", v, now, nonce));
	ck_assert_str_eq(nonce, "");
	ck_assert(!auth_device_valid(other, "a@example.com", v, now, nonce));
	ck_assert(!auth_device_valid(NULL, "a@example.com", v, now, nonce));
	ck_assert(!auth_device_valid(key, "a@example.com", v,
	    now + AUTH_DEVICE_SECONDS + 1, nonce));
	ck_assert(!auth_device_valid(key, "a@example.com", v, now - 120,
	    nonce));
	w[0] = w[0] == 'A' ? 'B' : 'A';
	ck_assert(!auth_device_valid(key, "a@example.com", w, now, nonce));
	ck_assert(!auth_device_valid(key, "a@example.com", "", now, nonce));
	ck_assert(!auth_device_valid(key, "a@example.com", NULL, now, nonce));
	v[AUTH_DEVICE_LEN - 1] = '\0';
	ck_assert(!auth_device_valid(key, "a@example.com", v, now, nonce));
}
END_TEST

/* The gate: trusted devices, then account and address. */
START_TEST(gate)
{
	struct auth_attempt	at;
	unsigned char		key[32];
	char			dev[AUTH_DEVICE_LEN + 1];
	int			i;

	randombytes_buf(key, sizeof(key));
	testclock_freeze(1700000000000LL);
	auth_device_make(key, "a@example.com", 1700000000, dev);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(auth_gate(cache, key, NULL, "A@Example.com ",
		    "192.0.2.1", &at), AUTH_GO);
		ck_assert_str_eq(at.email, "a@example.com");
		ck_assert(!at.trusted);
		ck_assert_int_eq(auth_done(cache, &at, false), 0);
	}
	ck_assert_int_eq(auth_gate(cache, key, NULL, "a@example.com",
	    "192.0.2.9", &at), AUTH_WAIT);
	ck_assert_int_eq(at.wait, 60);
	/* The device of the account is let in, its own count apart. */
	ck_assert_int_eq(auth_gate(cache, key, dev, "a@example.com",
	    "192.0.2.1", &at), AUTH_GO);
	ck_assert(at.trusted);
	ck_assert_int_eq(auth_done(cache, &at, false), 0);
	/* Not for another account. */
	ck_assert_int_eq(auth_gate(cache, key, dev, "b@example.com",
	    "192.0.2.2", &at), AUTH_GO);
	ck_assert(!at.trusted);
	/* No store: closed. */
	ck_assert_int_eq(auth_gate(NULL, key, dev, "a@example.com",
	    "192.0.2.1", &at), AUTH_DOWN);
	ck_assert_int_eq(auth_gate(NULL, key, NULL, "a@example.com",
	    "192.0.2.1", &at), AUTH_DOWN);
	ck_assert_int_eq(auth_reset_allowed(NULL, "a@example.com",
	    "192.0.2.1"), -1);
	for (i = 0; i < AUTH_RESETS_PER_HOUR; i++)
		ck_assert_int_eq(auth_reset_allowed(cache, "a@example.com",
		    "192.0.2.1"), 1);
	ck_assert_int_eq(auth_reset_allowed(cache, "A@example.com",
	    "192.0.2.3"), 0);
	testclock_thaw();
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
	tcase_add_test(t, backoff);
	tcase_add_test(t, throttle);
	tcase_add_test(t, device_cookies);
	tcase_add_test(t, gate);
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
