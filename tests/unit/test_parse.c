/*
 * Unit tests: percent-decoding, urlencoded fields, cookies, UTF-8 and the
 * text helpers, with the malformed cases beside the good ones.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/tval.h"
#include "web/cookie.h"
#include "web/http.h"
#include "web/urlenc.h"

static struct arena *a;

static void
setup(void)
{
	a = arena_new();
}

static void
teardown(void)
{
	arena_free(a);
}

START_TEST(decode_good)
{
	char	*out;
	size_t	 n;

	ck_assert_int_eq(url_decode(a, "a%20b+c", 7, true, &out, &n), PARSE_OK);
	ck_assert_str_eq(out, "a b c");
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(url_decode(a, "a+b", 3, false, &out, &n), PARSE_OK);
	ck_assert_str_eq(out, "a+b");
	ck_assert_int_eq(url_decode(a, "%C3%A9t%c3%a9", 13, true, &out, &n),
	    PARSE_OK);
	ck_assert_str_eq(out, "\xc3\xa9t\xc3\xa9");
}
END_TEST

START_TEST(decode_bad)
{
	char	*out = NULL;

	ck_assert_int_eq(url_decode(a, "%", 1, true, &out, NULL),
	    PARSE_BAD_ESCAPE);
	ck_assert_int_eq(url_decode(a, "%4", 2, true, &out, NULL),
	    PARSE_BAD_ESCAPE);
	ck_assert_int_eq(url_decode(a, "%zz", 3, true, &out, NULL),
	    PARSE_BAD_ESCAPE);
	ck_assert_int_eq(url_decode(a, "a%00b", 5, true, &out, NULL),
	    PARSE_NUL);
	ck_assert_int_eq(url_decode(a, "%ff", 3, true, &out, NULL),
	    PARSE_BAD_UTF8);
	/* Overlong "/" and a UTF-16 surrogate are not UTF-8. */
	ck_assert_int_eq(url_decode(a, "%c0%af", 6, true, &out, NULL),
	    PARSE_BAD_UTF8);
	ck_assert_int_eq(url_decode(a, "%ed%a0%80", 9, true, &out, NULL),
	    PARSE_BAD_UTF8);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(fields_good)
{
	struct kvlist	l;

	const char	*q = "a=1&b=two+words&&c&d=";

	ck_assert_int_eq(urlenc_parse(a, q, strlen(q), &l), PARSE_OK);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(kv_get(&l, "a"), "1");
	ck_assert_str_eq(kv_get(&l, "b"), "two words");
	ck_assert_str_eq(kv_get(&l, "c"), "");
	ck_assert_str_eq(kv_get(&l, "d"), "");
	ck_assert_ptr_null(kv_get(&l, "e"));
	ck_assert_int_eq(urlenc_parse(a, "", 0, &l), PARSE_OK);
	ck_assert_uint_eq(l.n, 0);
	/* Duplicates are kept; the first wins a lookup. */
	ck_assert_int_eq(urlenc_parse(a, "x=1&x=2", 7, &l), PARSE_OK);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(kv_get(&l, "x"), "1");
}
END_TEST

START_TEST(fields_limits)
{
	struct buf	b = { 0 };
	struct kvlist	l;
	int		i;

	for (i = 0; i < SHOP_MAX_FIELDS; i++)
		buf_printf(&b, "%sf%d=v", i ? "&" : "", i);
	ck_assert_int_eq(urlenc_parse(a, b.p, b.len, &l), PARSE_OK);
	ck_assert_uint_eq(l.n, SHOP_MAX_FIELDS);
	buf_puts(&b, "&one=more");
	ck_assert_int_eq(urlenc_parse(a, b.p, b.len, &l), PARSE_TOO_MANY);

	buf_reset(&b);
	buf_puts(&b, "v=");
	for (i = 0; i < SHOP_MAX_FIELD_VALUE; i++)
		buf_putc(&b, 'x');
	ck_assert_int_eq(urlenc_parse(a, b.p, b.len, &l), PARSE_OK);
	buf_putc(&b, 'x');
	ck_assert_int_eq(urlenc_parse(a, b.p, b.len, &l), PARSE_TOO_LONG);
	buf_free(&b);

	ck_assert_int_eq(urlenc_parse(a, "a=%", 3, &l), PARSE_BAD_ESCAPE);
	ck_assert_int_eq(urlenc_parse(a, "a%00=1", 6, &l), PARSE_NUL);
}
END_TEST

START_TEST(cookies)
{
	struct kvlist	l;

	ck_assert_int_eq(cookie_parse(a, "sid=abc; theme=\"dark\";  x=1 ", &l), 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq(kv_get(&l, "sid"), "abc");
	ck_assert_str_eq(kv_get(&l, "theme"), "dark");
	ck_assert_str_eq(kv_get(&l, "x"), "1");
	/* Malformed pairs are skipped, not fatal. */
	ck_assert_int_eq(cookie_parse(a, "novalue; a b=1; c=d e; ok=yes; =x",
	    &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(kv_get(&l, "ok"), "yes");
	ck_assert_int_eq(cookie_parse(a, NULL, &l), 0);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

START_TEST(cookies_limits)
{
	struct buf	b = { 0 };
	struct kvlist	l;
	int		i;

	for (i = 0; i < SHOP_MAX_COOKIES; i++)
		buf_printf(&b, "%sc%d=v", i ? "; " : "", i);
	ck_assert_int_eq(cookie_parse(a, b.p, &l), 0);
	ck_assert_uint_eq(l.n, SHOP_MAX_COOKIES);
	buf_puts(&b, "; more=1");
	ck_assert_int_eq(cookie_parse(a, b.p, &l), -1);
	buf_reset(&b);
	for (i = 0; i <= SHOP_MAX_COOKIE_LEN; i++)
		buf_putc(&b, 'a');
	ck_assert_int_eq(cookie_parse(a, b.p, &l), -1);
	buf_free(&b);
}
END_TEST

START_TEST(utf8)
{
	ck_assert(text_utf8_valid("plain", 5));
	ck_assert(text_utf8_valid("\xe2\x82\xac", 3));		/* euro */
	ck_assert(text_utf8_valid("\xf0\x9f\x98\x80", 4));	/* emoji */
	ck_assert(!text_utf8_valid("\xe2\x82", 2));		/* truncated */
	ck_assert(!text_utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	ck_assert(!text_utf8_valid("\xe0\x80\xaf", 3));		/* overlong */
	ck_assert(!text_utf8_valid("\x80", 1));
	ck_assert(text_printable("a\tb\r\n", 5));
	ck_assert(!text_printable("a\x01", 2));
	ck_assert(!text_printable("a\x7f", 2));
}
END_TEST

START_TEST(slug)
{
	ck_assert_str_eq(text_slug(a, "Crème Brûlée Mug"), "creme-brulee-mug");
	ck_assert_str_eq(text_slug(a, "  --Hello,  World!-- "), "hello-world");
	ck_assert_str_eq(text_slug(a, "\xe2\x82\xac\xe2\x82\xac"), "");
	ck_assert_str_eq(text_slug(a, "A\xc3\x97" "B"), "a-b");
	ck_assert_str_eq(text_trim(a, " \t x y \n"), "x y");
}
END_TEST

START_TEST(json_out)
{
	struct buf	 b = { 0 };
	struct tval	*m = tval_map(a), *l;

	tval_set_str(a, m, "s", "a\"b\\c\n</script>&\x01");
	tval_set_int(a, m, "n", -42);
	tval_set_bool(a, m, "t", true);
	tval_set(a, m, "z", tval_null(a));
	l = tval_set_list(a, m, "l");
	tval_push(a, l, tval_int(a, 1));
	tval_push(a, l, tval_str(a, "\xc3\xa9"));
	tval_set_str(a, m, "n", "replaced");
	tval_json(&b, m);
	ck_assert_str_eq(buf_str(&b), "{\"s\":\"a\\\"b\\\\c\\n\\u003c/script\\u003e"
	    "\\u0026\\u0001\",\"n\":\"replaced\",\"t\":true,\"z\":null,"
	    "\"l\":[1,\"\xc3\xa9\"]}");
	buf_free(&b);
}
END_TEST

START_TEST(html_escape)
{
	struct buf	b = { 0 };

	buf_html(&b, "<a href=\"x\" title='y'>&`</a>", 29);
	ck_assert_str_eq(buf_str(&b), "&lt;a href=&quot;x&quot; "
	    "title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;");
	buf_free(&b);
}
END_TEST

START_TEST(arena_reset_keeps_size)
{
	size_t	i;
	char	*p;

	for (i = 0; i < 1000; i++) {
		p = arena_alloc(a, 1000);
		memset(p, 'x', 1000);
	}
	ck_assert_uint_ge(arena_used(a), 1000000);
	arena_reset(a);
	ck_assert_uint_eq(arena_used(a), 0);
	p = arena_printf(a, "%s-%d", "req", 7);
	ck_assert_str_eq(p, "req-7");
	/* A single allocation larger than a block gets its own block. */
	p = arena_alloc(a, 1 << 20);
	memset(p, 0, 1 << 20);
	ck_assert_ptr_nonnull(arena_zalloc(a, 10));
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("parse");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, decode_good);
	tcase_add_test(tc, decode_bad);
	tcase_add_test(tc, fields_good);
	tcase_add_test(tc, fields_limits);
	tcase_add_test(tc, cookies);
	tcase_add_test(tc, cookies_limits);
	tcase_add_test(tc, utf8);
	tcase_add_test(tc, slug);
	tcase_add_test(tc, json_out);
	tcase_add_test(tc, html_escape);
	tcase_add_test(tc, arena_reset_keeps_size);
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
