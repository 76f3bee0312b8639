/*
 * Unit tests: money as a merchant types it (money_parse() and each of its
 * rules), currencies' exponents, formatting, and overflow-checked sums.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/money.h"

struct good {
	const char	*text;
	int		 exponent;
	long long	 minor;
};

START_TEST(parse_good)
{
	static const struct good good[] = {
		{ "12.50", 2, 1250 },
		{ "12,50", 2, 1250 },
		{ "12", 2, 1200 },
		{ "12.5", 2, 1250 },
		{ "12,5", 2, 1250 },
		{ "0", 2, 0 },
		{ "0.00", 2, 0 },
		{ "0.01", 2, 1 },
		{ "0,99", 2, 99 },
		{ "007.50", 2, 750 },
		{ "1234", 2, 123400 },
		{ "500", 0, 500 },
		{ "0", 0, 0 },
		{ "1,234", 3, 1234 },	/* dinars: a decimal comma */
		{ "1.5", 3, 1500 },
		{ "12.3456", 4, 123456 },
		{ "12", 4, 120000 },
		{ "9999999999.99", 2, MONEY_PARSE_MAX },
		{ "9999999999,99", 2, MONEY_PARSE_MAX },
		{ "999999999999", 0, MONEY_PARSE_MAX },
		{ "99999999.9999", 4, MONEY_PARSE_MAX },
		{ "0000000000000000000000000012.50", 2, 1250 },
	};
	size_t		i;
	long long	v;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		ck_assert_msg(money_parse(good[i].text, good[i].exponent,
		    &v) == 0, "refused \"%s\"", good[i].text);
		ck_assert_msg(v == good[i].minor, "\"%s\": %lld, not %lld",
		    good[i].text, v, good[i].minor);
	}
}
END_TEST

struct bad {
	const char	*text;
	int		 exponent;
	const char	*rule;
};

START_TEST(parse_bad)
{
	static const struct bad bad[] = {
		{ NULL, 2, "nothing" },
		{ "", 2, "empty" },
		/* White space anywhere: trimming is the form's. */
		{ " 12", 2, "space" },
		{ "12 ", 2, "space" },
		{ "1 2", 2, "space" },
		{ "12\t", 2, "tab" },
		{ "12\n", 2, "newline" },
		{ "\xc2\xa0" "12", 2, "no-break space" },
		/* Thousands separators, whichever way. */
		{ "1 234,50", 2, "space as thousands separator" },
		{ "1,234.50", 2, "two separators" },
		{ "1.234,50", 2, "two separators" },
		{ "1.234.567", 2, "two separators" },
		{ "1,234", 2, "a thousands comma reads as 3 decimals" },
		{ "1'234.50", 2, "apostrophe" },
		{ "1_000", 2, "underscore" },
		/* More decimals than the currency has. */
		{ "12.345", 2, "three decimals" },
		{ "12.500", 2, "three decimals, even zeros" },
		{ "0.001", 2, "three decimals" },
		{ "500.00", 0, "decimals in yen" },
		{ "1.000", 0, "a separator in yen" },
		{ "1,5", 0, "a separator in yen" },
		{ "12.34567", 4, "five decimals" },
		/* A separator needs digits on both sides. */
		{ "12.", 2, "nothing after" },
		{ "12,", 2, "nothing after" },
		{ ".50", 2, "nothing before" },
		{ ",50", 2, "nothing before" },
		{ ".", 2, "only a separator" },
		{ "12..5", 2, "two separators" },
		{ "12.5.", 2, "two separators" },
		/* Signs. */
		{ "-12", 2, "minus" },
		{ "+12", 2, "plus" },
		{ "-0", 2, "minus zero" },
		{ "12-", 2, "minus after" },
		{ "(12)", 2, "brackets" },
		/* What strtod would take. */
		{ "1e3", 2, "exponent" },
		{ "1E3", 2, "exponent" },
		{ "1.5e2", 2, "exponent" },
		{ "0x10", 2, "hex" },
		{ "0X1A", 2, "hex" },
		{ "inf", 2, "inf" },
		{ "INF", 2, "inf" },
		{ "infinity", 2, "inf" },
		{ "nan", 2, "nan" },
		{ "NaN", 2, "nan" },
		/* Symbols and other scripts. */
		{ "12.50\xe2\x82\xac", 2, "euro sign after" },
		{ "\xe2\x82\xac" "12", 2, "euro sign before" },
		{ "$12", 2, "dollar sign" },
		{ "12 EUR", 2, "currency code" },
		{ "\xef\xbc\x91\xef\xbc\x92", 2, "fullwidth digits" },
		{ "\xd9\xa1\xd9\xa2", 2, "Arabic-Indic digits" },
		{ "12\xc2\xb7" "50", 2, "middle dot" },
		{ "twelve", 2, "words" },
		{ "1O", 2, "letter O" },
		/* Too much. */
		{ "10000000000", 2, "above the maximum" },
		{ "9999999999.999", 2, "decimals and maximum" },
		{ "10000000000.00", 2, "above the maximum" },
		{ "1000000000000", 0, "above the maximum" },
		{ "99999999999999999999999999999999", 2, "beyond 64 bits" },
		{ "18446744073709551616", 0, "beyond 64 bits" },
		/* Exponents no currency has. */
		{ "12", -1, "negative exponent" },
		{ "12", 5, "exponent above 4" },
		{ "12", 99, "exponent above 4" },
	};
	size_t		i;
	long long	v;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = -7;
		ck_assert_msg(money_parse(bad[i].text, bad[i].exponent,
		    &v) == -1, "accepted \"%s\" (%s)",
		    bad[i].text ? bad[i].text : "(null)", bad[i].rule);
		ck_assert_msg(v == -7, "\"%s\" changed the result",
		    bad[i].text ? bad[i].text : "(null)");
	}
}
END_TEST

/* A NUL inside cuts the text there: what follows is never read. */
START_TEST(parse_stops_at_nul)
{
	static const char	 s[] = "12\0.50";
	long long		 v = 0;

	ck_assert_int_eq(money_parse(s, 2, &v), 0);
	ck_assert_int_eq(v, 1200);
}
END_TEST

START_TEST(exponents)
{
	ck_assert_int_eq(money_exponent("EUR"), 2);
	ck_assert_int_eq(money_exponent("USD"), 2);
	ck_assert_int_eq(money_exponent("GBP"), 2);
	ck_assert_int_eq(money_exponent("CHF"), 2);
	ck_assert_int_eq(money_exponent("SEK"), 2);
	ck_assert_int_eq(money_exponent("JPY"), 0);
	/* Not known: no guess. */
	ck_assert_int_eq(money_exponent("XYZ"), -1);
	ck_assert_int_eq(money_exponent("eur"), -1);
	ck_assert_int_eq(money_exponent(""), -1);
	ck_assert_int_eq(money_exponent(NULL), -1);
	ck_assert(money_known("EUR"));
	ck_assert(money_known("JPY"));
	ck_assert(!money_known("XYZ"));
	ck_assert(!money_known(NULL));
}
END_TEST

/* As a price form does it: the currency's exponent, then the text. */
START_TEST(parse_in_currency)
{
	long long	v = 0;

	ck_assert_int_eq(money_parse("12,50", money_exponent("EUR"), &v), 0);
	ck_assert_int_eq(v, 1250);
	ck_assert_int_eq(money_parse("1800", money_exponent("JPY"), &v), 0);
	ck_assert_int_eq(v, 1800);
	ck_assert_int_eq(money_parse("18.00", money_exponent("JPY"), &v), -1);
	ck_assert_int_eq(money_parse("12", money_exponent("XYZ"), &v), -1);
	ck_assert_int_eq(v, 1800);
}
END_TEST

START_TEST(format)
{
	struct arena	*a = arena_new();

	ck_assert_str_eq(money_format(a, 123450, "EUR"),
	    "\xe2\x82\xac" "1,234.50");
	ck_assert_str_eq(money_format(a, 99, "USD"), "$0.99");
	ck_assert_str_eq(money_format(a, -99, "USD"), "-$0.99");
	ck_assert_str_eq(money_format(a, 500, "JPY"), "\xc2\xa5" "500");
	ck_assert_str_eq(money_format(a, 1200, "CHF"), "CHF\xc2\xa0" "12.00");
	ck_assert_str_eq(money_format(a, MONEY_PARSE_MAX, "EUR"),
	    "\xe2\x82\xac" "9,999,999,999.99");
	arena_free(a);
}
END_TEST

START_TEST(arithmetic)
{
	long long	v;

	ck_assert_int_eq(money_add(1250, 495, &v), 0);
	ck_assert_int_eq(v, 1745);
	ck_assert_int_eq(money_mul(1250, 99, &v), 0);
	ck_assert_int_eq(v, 123750);
	ck_assert_int_eq(money_add(9223372036854775807LL, 1, &v), -1);
	ck_assert_int_eq(money_mul(4611686018427387904LL, 2, &v), -1);
	/* The largest price times the most of one line, many lines: fine. */
	ck_assert_int_eq(money_mul(MONEY_PARSE_MAX, 99 * 100, &v), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("money");
	TCase	*tc = tcase_create("money");

	tcase_add_test(tc, parse_good);
	tcase_add_test(tc, parse_bad);
	tcase_add_test(tc, parse_stops_at_nul);
	tcase_add_test(tc, exponents);
	tcase_add_test(tc, parse_in_currency);
	tcase_add_test(tc, format);
	tcase_add_test(tc, arithmetic);
	suite_add_tcase(s, tc);
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
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
