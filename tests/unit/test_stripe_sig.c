/*
 * Unit tests: Stripe webhook signatures (lib/ext/stripe_sig.c). The expected
 * signatures were computed independently with Python's hmac module:
 *
 *   hmac.new(SECRET, b"1700000000." + BODY, hashlib.sha256).hexdigest()
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ext/stripe_sig.h"

#define SECRET	"whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"
#define BODY	"{\"id\":\"evt_test_1\",\"object\":\"event\"," \
		"\"type\":\"checkout.session.completed\"}"
#define T	1700000000LL
/* HMAC of "1700000000." BODY with SECRET. */
#define SIG	"b8f61b62eb51682668b1deaf3f6fef427bf4646edc2188aa3a9e5730d1694a8e"
/* The same with the secret "whsec_other". */
#define SIG_OTHER \
		"26f186b1e4c6c756498d0d4a0f064689d46c93570586b5b0028d1bbf7e169fc8"
/* HMAC of "1700000000." and an empty body. */
#define SIG_EMPTY \
		"838c4f0ad7f60dd732c023dbfbae3024c4ff60ab454003f71f995e42bbfb65c4"

static enum stripe_sig_result
verify(const char *header, const char *body, const char *secret,
    long long now)
{
	return stripe_sig_verify(header, body, strlen(body), secret, now);
}

START_TEST(good)
{
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, BODY, SECRET, T),
	    STRIPE_SIG_OK);
	/* Spaces after commas, as some proxies write them. */
	ck_assert_int_eq(verify("t=1700000000, v1=" SIG, BODY, SECRET, T),
	    STRIPE_SIG_OK);
	/* Another scheme beside it is ignored. */
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG ",v0=6ffbb59b2300aa"
	    "e63f272406069a9788598b792a944a07aba816edb039989a39", BODY,
	    SECRET, T), STRIPE_SIG_OK);
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG_EMPTY, "", SECRET, T),
	    STRIPE_SIG_OK);
}
END_TEST

START_TEST(tolerance_edges)
{
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, BODY, SECRET,
	    T + STRIPE_SIG_TOLERANCE), STRIPE_SIG_OK);
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, BODY, SECRET,
	    T - STRIPE_SIG_TOLERANCE), STRIPE_SIG_OK);
}
END_TEST

START_TEST(bad_old_timestamp)
{
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, BODY, SECRET,
	    T + STRIPE_SIG_TOLERANCE + 1), STRIPE_SIG_TIMESTAMP);
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, BODY, SECRET,
	    T + 86400), STRIPE_SIG_TIMESTAMP);
}
END_TEST

START_TEST(bad_future_timestamp)
{
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, BODY, SECRET,
	    T - STRIPE_SIG_TOLERANCE - 1), STRIPE_SIG_TIMESTAMP);
}
END_TEST

START_TEST(bad_tampered_body)
{
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG,
	    "{\"id\":\"evt_test_1\",\"object\":\"event\","
	    "\"type\":\"checkout.session.expired\"}", SECRET, T),
	    STRIPE_SIG_MISMATCH);
	/* One byte more or less. */
	ck_assert_int_eq(stripe_sig_verify("t=1700000000,v1=" SIG, BODY,
	    strlen(BODY) - 1, SECRET, T), STRIPE_SIG_MISMATCH);
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, BODY " ", SECRET, T),
	    STRIPE_SIG_MISMATCH);
	/* A tampered old event is a mismatch, not merely old. */
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, "{}", SECRET,
	    T + 86400), STRIPE_SIG_MISMATCH);
}
END_TEST

START_TEST(bad_tampered_timestamp)
{
	/* The timestamp is signed: moving it breaks the signature. */
	ck_assert_int_eq(verify("t=1700000001,v1=" SIG, BODY, SECRET, T),
	    STRIPE_SIG_MISMATCH);
	/* As written: a leading zero is a different signed payload. */
	ck_assert_int_eq(verify("t=01700000000,v1=" SIG, BODY, SECRET, T),
	    STRIPE_SIG_MISMATCH);
}
END_TEST

START_TEST(bad_wrong_secret)
{
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, BODY, "whsec_other",
	    T), STRIPE_SIG_MISMATCH);
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG_OTHER, BODY, SECRET,
	    T), STRIPE_SIG_MISMATCH);
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG_OTHER, BODY,
	    "whsec_other", T), STRIPE_SIG_OK);
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, BODY, "", T),
	    STRIPE_SIG_MISMATCH);
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG, BODY, NULL, T),
	    STRIPE_SIG_MISMATCH);
}
END_TEST

START_TEST(several_v1)
{
	/* Two secrets during a rotation: either entry may match. */
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG_OTHER ",v1=" SIG,
	    BODY, SECRET, T), STRIPE_SIG_OK);
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG ",v1=" SIG_OTHER,
	    BODY, SECRET, T), STRIPE_SIG_OK);
	ck_assert_int_eq(verify("v1=" SIG_OTHER ",t=1700000000,v1=" SIG,
	    BODY, SECRET, T), STRIPE_SIG_OK);
	ck_assert_int_eq(verify("t=1700000000,v1=" SIG_OTHER ",v1="
	    SIG_EMPTY, BODY, SECRET, T), STRIPE_SIG_MISMATCH);
}
END_TEST

START_TEST(bad_no_v1)
{
	ck_assert_int_eq(verify("t=1700000000", BODY, SECRET, T),
	    STRIPE_SIG_NO_V1);
	ck_assert_int_eq(verify("t=1700000000,v0=" SIG, BODY, SECRET, T),
	    STRIPE_SIG_NO_V1);
	ck_assert_int_eq(verify("t=1700000000,v2=" SIG, BODY, SECRET, T),
	    STRIPE_SIG_NO_V1);
}
END_TEST

START_TEST(bad_missing_t)
{
	ck_assert_int_eq(verify("v1=" SIG, BODY, SECRET, T),
	    STRIPE_SIG_MALFORMED);
	ck_assert_int_eq(verify("ts=1700000000,v1=" SIG, BODY, SECRET, T),
	    STRIPE_SIG_MALFORMED);
	ck_assert_int_eq(verify("t=,v1=" SIG, BODY, SECRET, T),
	    STRIPE_SIG_MALFORMED);
	ck_assert_int_eq(stripe_sig_verify(NULL, BODY, strlen(BODY), SECRET,
	    T), STRIPE_SIG_MALFORMED);
}
END_TEST

START_TEST(bad_garbage)
{
	static const char *const bad[] = {
		"",
		" ",
		"garbage",
		",",
		"t=1700000000,",
		",t=1700000000,v1=" SIG,
		"t=1700000000,,v1=" SIG,
		"t=-1700000000,v1=" SIG,
		"t=+1700000000,v1=" SIG,
		"t=17e8,v1=" SIG,
		"t=0x6553f100,v1=" SIG,
		"t=1700000000 ,v1=" SIG "x",
		"t=1700000000,t=1700000000,v1=" SIG,
		"t=1234567890123456789,v1=" SIG,
		"t=1700000000,v1=",
		"t=1700000000,v1=zz",
		"t=1700000000,v1=" SIG "0",
		"t=1700000000,v1=b8f61b62eb51682668b1deaf3f6fef427bf4646edc2188"
		    "aa3a9e5730d1694a8",
		"t=1700000000,v1=g8f61b62eb51682668b1deaf3f6fef427bf4646edc2188"
		    "aa3a9e5730d1694a8e",
		"t=1700000000;v1=" SIG,
		"t=1700000000,=x,v1=" SIG,
		"t=1700000000,v1" SIG,
		"t=1700000000,v0=a\x01,v1=" SIG,
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(verify(bad[i], BODY, SECRET, T) ==
		    STRIPE_SIG_MALFORMED, "accepted %s", bad[i]);
}
END_TEST

START_TEST(bad_limits)
{
	char	h[STRIPE_SIG_MAX_HEADER + 80];
	size_t	i;

	/* More v1 entries than STRIPE_SIG_MAX_V1. */
	snprintf(h, sizeof(h), "t=1700000000");
	for (i = 0; i < STRIPE_SIG_MAX_V1 + 1; i++)
		strcat(h, ",v1=" SIG);
	ck_assert_int_eq(verify(h, BODY, SECRET, T), STRIPE_SIG_MALFORMED);
	/* Exactly the maximum is fine. */
	snprintf(h, sizeof(h), "t=1700000000");
	for (i = 0; i < STRIPE_SIG_MAX_V1; i++)
		strcat(h, ",v1=" SIG);
	ck_assert_int_eq(verify(h, BODY, SECRET, T), STRIPE_SIG_OK);
	/* A header over the size limit, however well formed. */
	snprintf(h, sizeof(h), "t=1700000000,v1=" SIG ",v0=");
	for (i = strlen(h); i < STRIPE_SIG_MAX_HEADER + 1; i++)
		h[i] = 'a';
	h[i] = '\0';
	ck_assert_int_eq(verify(h, BODY, SECRET, T), STRIPE_SIG_MALFORMED);
}
END_TEST

START_TEST(bad_tampered_signature)
{
	ck_assert_int_eq(verify("t=1700000000,v1=c8f61b62eb51682668b1deaf3f6f"
	    "ef427bf4646edc2188aa3a9e5730d1694a8e", BODY, SECRET, T),
	    STRIPE_SIG_MISMATCH);
	ck_assert_int_eq(verify("t=1700000000,v1=b8f61b62eb51682668b1deaf3f6f"
	    "ef427bf4646edc2188aa3a9e5730d1694a8f", BODY, SECRET, T),
	    STRIPE_SIG_MISMATCH);
}
END_TEST

START_TEST(parse_fields)
{
	struct stripe_sig_header	h;
	const char			*s = "t=1700000000,v0=ab,v1=" SIG;

	ck_assert_int_eq(stripe_sig_parse(s, strlen(s), &h), STRIPE_SIG_OK);
	ck_assert_int_eq(h.t, T);
	ck_assert_str_eq(h.t_text, "1700000000");
	ck_assert_uint_eq(h.nv1, 1);
	ck_assert_uint_eq(h.v1[0][0], 0xb8);
	ck_assert_uint_eq(h.v1[0][31], 0x8e);
	/* Length is honoured: the same text cut before the v1 entry. */
	ck_assert_int_eq(stripe_sig_parse(s, 12, &h), STRIPE_SIG_NO_V1);
}
END_TEST

START_TEST(sign)
{
	char	hex[STRIPE_SIG_HEX];

	stripe_sig_sign(SECRET, T, BODY, strlen(BODY), hex);
	ck_assert_str_eq(hex, SIG);
	stripe_sig_sign(SECRET, T, "", 0, hex);
	ck_assert_str_eq(hex, SIG_EMPTY);
	stripe_sig_sign("whsec_other", T, BODY, strlen(BODY), hex);
	ck_assert_str_eq(hex, SIG_OTHER);
}
END_TEST

START_TEST(names)
{
	int	i;

	for (i = 0; i < STRIPE_SIG__MAX; i++)
		ck_assert_ptr_nonnull(stripe_sig_results[i]);
	ck_assert_str_eq(stripe_sig_results[STRIPE_SIG_OK], "ok");
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("stripe_sig");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, good);
	tcase_add_test(tc, tolerance_edges);
	tcase_add_test(tc, bad_old_timestamp);
	tcase_add_test(tc, bad_future_timestamp);
	tcase_add_test(tc, bad_tampered_body);
	tcase_add_test(tc, bad_tampered_timestamp);
	tcase_add_test(tc, bad_wrong_secret);
	tcase_add_test(tc, several_v1);
	tcase_add_test(tc, bad_no_v1);
	tcase_add_test(tc, bad_missing_t);
	tcase_add_test(tc, bad_garbage);
	tcase_add_test(tc, bad_limits);
	tcase_add_test(tc, bad_tampered_signature);
	tcase_add_test(tc, parse_fields);
	tcase_add_test(tc, sign);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (sodium_init() < 0)
		return EXIT_FAILURE;
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
