/*
 * Unit tests: dates for people (core/datefmt.h). Timestamps as stored,
 * shown in Paris in winter and summer time and in New York, in each
 * locale and style; bad timestamps, locales and zone names refused.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/datefmt.h"

struct shown {
	const char		*iso;
	enum datefmt_locale	 loc;
	enum datefmt_style	 style;
	const char		*want;
};

START_TEST(format_paris)
{
	static const struct shown cases[] = {
		{ "2026-12-03T11:43:19Z", DATEFMT_EN_GB, DATEFMT_LONG,
		  "3 December 2026, 12:43 CET" },
		{ "2026-12-03T11:43:19Z", DATEFMT_EN_GB, DATEFMT_SHORT,
		  "3 Dec 2026" },
		{ "2026-12-03T11:43:19Z", DATEFMT_EN_US, DATEFMT_LONG,
		  "December 3, 2026, 12:43 PM CET" },
		{ "2026-12-03T11:43:19Z", DATEFMT_EN_US, DATEFMT_SHORT,
		  "Dec 3, 2026" },
		{ "2026-12-03T11:43:19Z", DATEFMT_FR_FR, DATEFMT_LONG,
		  "3 d\xc3\xa9" "cembre 2026 \xc3\xa0 12:43 CET" },
		{ "2026-12-03T11:43:19Z", DATEFMT_FR_FR, DATEFMT_SHORT,
		  "3 d\xc3\xa9" "c. 2026" },
		{ "2026-12-03T11:43:19Z", DATEFMT_DE_DE, DATEFMT_LONG,
		  "3. Dezember 2026, 12:43 CET" },
		{ "2026-12-03T11:43:19Z", DATEFMT_DE_DE, DATEFMT_SHORT,
		  "3. Dez. 2026" },
		/* Summer time; the day after in Paris, not in UTC. */
		{ "2026-07-14T22:05:00Z", DATEFMT_EN_GB, DATEFMT_LONG,
		  "15 July 2026, 00:05 CEST" },
		{ "2026-07-14T22:05:00Z", DATEFMT_EN_US, DATEFMT_LONG,
		  "July 15, 2026, 12:05 AM CEST" },
		{ "2026-07-14T22:05:00Z", DATEFMT_EN_GB, DATEFMT_SHORT,
		  "15 Jul 2026" },
		{ "2026-09-01T10:00:00Z", DATEFMT_EN_GB, DATEFMT_SHORT,
		  "1 Sept 2026" },
		{ "2028-02-29T12:00:00Z", DATEFMT_FR_FR, DATEFMT_SHORT,
		  "29 f\xc3\xa9vr. 2028" },
	};
	struct arena	*a = arena_new();
	size_t		 i;

	ck_assert_int_eq(datefmt_zone_set("Europe/Paris"), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(datefmt_format(a, cases[i].iso, cases[i].loc,
		    cases[i].style), cases[i].want);
	arena_free(a);
}
END_TEST

START_TEST(format_other_zones)
{
	struct arena	*a = arena_new();

	ck_assert_int_eq(datefmt_zone_set("America/New_York"), 0);
	ck_assert_str_eq(datefmt_format(a, "2026-12-03T01:43:19Z",
	    DATEFMT_EN_US, DATEFMT_LONG), "December 2, 2026, 8:43 PM EST");
	ck_assert_int_eq(datefmt_zone_set("UTC"), 0);
	ck_assert_str_eq(datefmt_format(a, "2026-12-03T01:43:19Z",
	    DATEFMT_EN_GB, DATEFMT_LONG), "3 December 2026, 01:43 UTC");
	arena_free(a);
}
END_TEST

START_TEST(bad_timestamps)
{
	static const char *const bad[] = {
		"", "2026-12-03", "2026-12-03T11:43:19", "2026-12-03 11:43:19Z",
		"2026-12-03T11:43:19+01", "2026-13-03T11:43:19Z",
		"2026-00-03T11:43:19Z", "2026-12-32T11:43:19Z",
		"2026-02-29T11:43:19Z", "2026-04-31T00:00:00Z",
		"2026-12-03T24:00:00Z", "2026-12-03T11:60:00Z",
		"1969-12-31T23:59:59Z", "2026-1a-03T11:43:19Z",
		"+026-12-03T11:43:19Z", "2026-12-03T11:43:19Zx",
		"2026-12-03T11:43:1 Z",
	};
	struct arena	*a = arena_new();
	time_t		 t;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(datefmt_parse(bad[i], &t) == -1, "%s", bad[i]);
		ck_assert_ptr_null(datefmt_format(a, bad[i], DATEFMT_EN_GB,
		    DATEFMT_LONG));
	}
	ck_assert_int_eq(datefmt_parse(NULL, &t), -1);
	ck_assert_int_eq(datefmt_parse("1970-01-01T00:00:00Z", &t), 0);
	ck_assert_int_eq((long long)t, 0);
	ck_assert_int_eq(datefmt_parse("2026-12-03T11:43:19Z", &t), 0);
	ck_assert_int_eq((long long)t, 1796298199LL);
	arena_free(a);
}
END_TEST

START_TEST(locales)
{
	enum datefmt_locale	l = DATEFMT_EN_GB;
	int			i;

	for (i = 0; i < DATEFMT__MAX; i++) {
		ck_assert(datefmt_locale(datefmt_locale_names[i], &l));
		ck_assert_int_eq(l, i);
	}
	ck_assert(!datefmt_locale("fr", &l));
	ck_assert(!datefmt_locale("fr_FR", &l));
	ck_assert(!datefmt_locale("FR-fr", &l));
	ck_assert(!datefmt_locale("", &l));
	ck_assert(!datefmt_locale(NULL, &l));
	ck_assert_int_eq(l, DATEFMT__MAX - 1);
}
END_TEST

START_TEST(bad_zones)
{
	static const char *const bad[] = {
		"", "Europe/Atlantis", "../../etc/passwd", "/etc/localtime",
		"Europe/../Europe/Paris", "Europe/Paris ", "Europe", "-x",
		"Europe/Paris;rm", "CET-1CEST,M3.5.0,M10.5.0/3",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct arena	*a = arena_new();
	size_t		 i;

	ck_assert_int_eq(datefmt_zone_set("Europe/Paris"), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!datefmt_zone_known(bad[i]), "%s", bad[i]);
		ck_assert_int_eq(datefmt_zone_set(bad[i]), -1);
	}
	ck_assert(!datefmt_zone_known(NULL));
	/* Nothing changed: still Paris. */
	ck_assert_str_eq(datefmt_format(a, "2026-12-03T11:43:19Z",
	    DATEFMT_EN_GB, DATEFMT_LONG), "3 December 2026, 12:43 CET");
	arena_free(a);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("datefmt");
	TCase	*tc = tcase_create("datefmt");

	tcase_add_test(tc, format_paris);
	tcase_add_test(tc, format_other_zones);
	tcase_add_test(tc, bad_timestamps);
	tcase_add_test(tc, locales);
	tcase_add_test(tc, bad_zones);
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
