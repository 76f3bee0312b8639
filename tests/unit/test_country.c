/*
 * Unit tests: the countries the shop ships to (lib/shop/country.c): the
 * list, its look-ups, unknown codes refused, and the list for templates.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/tval.h"
#include "shop/country.h"

START_TEST(list_is_ordered_codes)
{
	const struct country	*c;
	size_t			 n, i;

	c = country_list(&n);
	ck_assert_uint_eq(n, 24);
	ck_assert_str_eq(c[0].code, "AT");
	ck_assert_str_eq(c[0].name, "Austria");
	ck_assert_str_eq(c[n - 1].code, "US");
	ck_assert_str_eq(c[n - 1].name, "United States");
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(strlen(c[i].code), 2);
		ck_assert(c[i].code[0] >= 'A' && c[i].code[0] <= 'Z');
		ck_assert(c[i].code[1] >= 'A' && c[i].code[1] <= 'Z');
		ck_assert_uint_gt(strlen(c[i].name), 0);
		/* Ordered, so no code twice. */
		if (i > 0)
			ck_assert_int_lt(strcmp(c[i - 1].code, c[i].code), 0);
		ck_assert(country_known(c[i].code));
		ck_assert_str_eq(country_name(c[i].code), c[i].name);
	}
}
END_TEST

START_TEST(known_and_named)
{
	ck_assert(country_known("FR"));
	ck_assert(country_known("NZ"));
	ck_assert_str_eq(country_name("DE"), "Germany");
	ck_assert_str_eq(country_name("GB"), "United Kingdom");
}
END_TEST

START_TEST(bad_codes_unknown)
{
	static const char *const bad[] = {
		"ZZ", "XK", "UK", "", "F", "FRA", "fr", "Fr", "FR ", " FR",
		"F\n", "\xc3\x89" "F",
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!country_known(bad[i]), "\"%s\" known", bad[i]);
		ck_assert_ptr_null(country_name(bad[i]));
	}
	ck_assert(!country_known(NULL));
	ck_assert_ptr_null(country_name(NULL));
}
END_TEST

START_TEST(tval_marks_the_chosen_one)
{
	struct arena		*a = arena_new();
	struct buf		 b = { 0 };
	struct tval		*l;
	const struct tval_item	*it;
	size_t			 n, selected;

	(void)country_list(&n);
	l = country_tval(a, "JP");
	ck_assert_int_eq(l->type, TVAL_LIST);
	ck_assert_uint_eq(l->u.c.n, n);
	selected = 0;
	for (it = l->u.c.head; it != NULL; it = it->next)
		if (tval_truthy(tval_get(it->val, "selected"))) {
			selected++;
			ck_assert_str_eq(tval_get_str(it->val, "code"), "JP");
			ck_assert_str_eq(tval_get_str(it->val, "name"), "Japan");
		}
	ck_assert_uint_eq(selected, 1);
	tval_json(&b, l);
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "{\"code\":\"AT\","
	    "\"name\":\"Austria\",\"selected\":false},"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "{\"code\":\"JP\","
	    "\"name\":\"Japan\",\"selected\":true}"));
	buf_free(&b);
	/* An unknown code, or none: nothing chosen. */
	for (it = country_tval(a, "ZZ")->u.c.head; it != NULL; it = it->next)
		ck_assert(!tval_truthy(tval_get(it->val, "selected")));
	for (it = country_tval(a, NULL)->u.c.head; it != NULL; it = it->next)
		ck_assert(!tval_truthy(tval_get(it->val, "selected")));
	arena_free(a);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("country");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, list_is_ordered_codes);
	tcase_add_test(tc, known_and_named);
	tcase_add_test(tc, bad_codes_unknown);
	tcase_add_test(tc, tval_marks_the_chosen_one);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
