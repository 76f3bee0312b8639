/*
 * Unit tests: multipart/form-data (lib/web/multipart.c): boundaries, fields,
 * files, and every way a body can be wrong.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "web/http.h"
#include "web/multipart.h"

static struct arena	*a;

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

static enum parse_err
parse(const char *body, struct kvlist *f, struct upload **u, size_t *nu)
{
	return multipart_parse(a, body, strlen(body), "XyZ", f, u, nu);
}

#define PART(name, value) \
	"--XyZ\r\nContent-Disposition: form-data; name=\"" name "\"\r\n\r\n" \
	value "\r\n"

START_TEST(boundary)
{
	ck_assert_str_eq(multipart_boundary(a,
	    "multipart/form-data; boundary=XyZ"), "XyZ");
	ck_assert_str_eq(multipart_boundary(a,
	    "multipart/form-data;charset=utf-8; BOUNDARY=\"a b:c\""), "a b:c");
	ck_assert_str_eq(multipart_boundary(a,
	    "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk"),
	    "----WebKitFormBoundary7MA4YWxk");
	ck_assert_ptr_null(multipart_boundary(a, "multipart/form-data"));
	ck_assert_ptr_null(multipart_boundary(a, NULL));
	ck_assert_ptr_null(multipart_boundary(a,
	    "multipart/form-data; boundary="));
	ck_assert_ptr_null(multipart_boundary(a,
	    "multipart/form-data; boundary=\"unterminated"));
	ck_assert_ptr_null(multipart_boundary(a,
	    "multipart/form-data; boundary=\"ends with space \""));
	ck_assert_ptr_null(multipart_boundary(a,
	    "multipart/form-data; boundary=a<b"));
	ck_assert_ptr_null(multipart_boundary(a, "multipart/form-data; "
	    "boundary=12345678901234567890123456789012345678901234567890"
	    "123456789012345678901"));
}
END_TEST

START_TEST(fields)
{
	struct kvlist	 f;
	struct upload	*u;
	size_t		 nu;

	ck_assert_int_eq(parse(PART("a", "1") PART("b", "two\r\nlines")
	    PART("c", "") "--XyZ--\r\n", &f, &u, &nu), PARSE_OK);
	ck_assert_uint_eq(f.n, 3);
	ck_assert_uint_eq(nu, 0);
	ck_assert_str_eq(kv_get(&f, "a"), "1");
	ck_assert_str_eq(kv_get(&f, "b"), "two\r\nlines");
	ck_assert_uint_eq(f.v[1].vlen, 10);
	ck_assert_str_eq(kv_get(&f, "c"), "");
	/* A preamble, padding after a delimiter, no epilogue CRLF. */
	ck_assert_int_eq(parse("ignored preamble\r\n--XyZ  \r\n"
	    "content-disposition: FORM-DATA;name=x\r\n\r\n\xc3\xa9\r\n"
	    "--XyZ--", &f, &u, &nu), PARSE_OK);
	ck_assert_str_eq(kv_get(&f, "x"), "\xc3\xa9");
	/* No parts at all. */
	ck_assert_int_eq(parse("--XyZ--\r\n", &f, &u, &nu), PARSE_OK);
	ck_assert_uint_eq(f.n, 0);
}
END_TEST

START_TEST(files)
{
	static const char body[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"pic\"; "
	    "filename=\"C:\\\\photos\\\\a.png\"\r\nContent-Type: image/png\r\n"
	    "\r\n\x89PNG\0\r\n\r\n--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n\r\n"
	    PART("title", "T") "--XyZ--\r\n";
	struct kvlist	 f;
	struct upload	*u;
	size_t		 nu;

	ck_assert_int_eq(multipart_parse(a, body, sizeof(body) - 1, "XyZ",
	    &f, &u, &nu), PARSE_OK);
	ck_assert_uint_eq(nu, 1);
	ck_assert_str_eq(u[0].field, "pic");
	ck_assert_str_eq(u[0].filename, "a.png");
	ck_assert_str_eq(u[0].type, "image/png");
	/* The CRLF before a delimiter is the delimiter's. */
	ck_assert_uint_eq(u[0].len, 7);
	ck_assert_mem_eq(u[0].data, "\x89PNG\0\r\n", 7);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_str_eq(kv_get(&f, "title"), "T");
}
END_TEST

START_TEST(malformed)
{
	static const char *const bad[] = {
		"",
		"--XyZ",					/* nothing after */
		PART("a", "1"),					/* no close */
		PART("a", "1") "--XyZ",				/* truncated */
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n",
		"--XyZ\nContent-Disposition: form-data; name=a\n\n1\n--XyZ--",
		"--XyZ\r\n\r\n1\r\n--XyZ--\r\n",		/* no headers */
		"--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--\r\n",
		"--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\n"
		    "1\r\n--XyZ--\r\n",
		"--XyZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n"
		    "1\r\n--XyZ--\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n"
		    "1\r\n--XyZ--\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n"
		    "\r\n1\r\n--XyZ--\r\n",
		"--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\n"
		    "1\r\n--XyZ--\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
		    "Content-Disposition: form-data; name=b\r\n\r\n1\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\nbad\r\n"
		    "\r\n1\r\n--XyZ--\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		    "1\r\n--XyZx\r\n",
		"--other\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		    "1\r\n--other--\r\n",
	};
	struct kvlist	 f;
	struct upload	*u;
	size_t		 nu, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &f, &u, &nu) == PARSE_MALFORMED,
		    "case %zu accepted", i);
	ck_assert_int_eq(multipart_parse(a, PART("a", "1") "--XyZ--", 23, NULL,
	    &f, &u, &nu), PARSE_MALFORMED);
}
END_TEST

START_TEST(bad_text)
{
	static const char nul[] = "--XyZ\r\nContent-Disposition: form-data; "
	    "name=a\r\n\r\nx\0y\r\n--XyZ--\r\n";
	struct kvlist	 f;
	struct upload	*u;
	size_t		 nu;

	ck_assert_int_eq(multipart_parse(a, nul, sizeof(nul) - 1, "XyZ", &f,
	    &u, &nu), PARSE_NUL);
	ck_assert_int_eq(parse(PART("a", "\xc3\x28") "--XyZ--", &f, &u, &nu),
	    PARSE_BAD_UTF8);
	ck_assert_int_eq(parse(PART("\xff", "1") "--XyZ--", &f, &u, &nu),
	    PARSE_BAD_UTF8);
	ck_assert_int_eq(parse(PART("a", "\xed\xa0\x80") "--XyZ--", &f, &u,
	    &nu), PARSE_BAD_UTF8);
}
END_TEST

START_TEST(limits)
{
	struct buf	 b = { 0 };
	struct kvlist	 f;
	struct upload	*u;
	size_t		 nu, i;
	char		*big;

	/* More parts than SHOP_MAX_PARTS. */
	for (i = 0; i <= SHOP_MAX_PARTS; i++)
		buf_printf(&b, PART("f%zu", "v"), i);
	buf_puts(&b, "--XyZ--\r\n");
	ck_assert_int_eq(parse(buf_str(&b), &f, &u, &nu), PARSE_TOO_MANY);
	/* A value over SHOP_MAX_FIELD_VALUE. */
	buf_reset(&b);
	big = calloc(1, SHOP_MAX_FIELD_VALUE + 2);
	memset(big, 'x', SHOP_MAX_FIELD_VALUE + 1);
	buf_printf(&b, PART("a", "%s") "--XyZ--\r\n", big);
	ck_assert_int_eq(parse(buf_str(&b), &f, &u, &nu), PARSE_TOO_LONG);
	/* Exactly the limit is fine. */
	buf_reset(&b);
	big[SHOP_MAX_FIELD_VALUE] = '\0';
	buf_printf(&b, PART("a", "%s") "--XyZ--\r\n", big);
	ck_assert_int_eq(parse(buf_str(&b), &f, &u, &nu), PARSE_OK);
	/* Field name over SHOP_MAX_FIELD_NAME. */
	buf_reset(&b);
	big[SHOP_MAX_FIELD_NAME + 1] = '\0';
	buf_printf(&b, PART("%s", "1") "--XyZ--\r\n", big);
	ck_assert_int_eq(parse(buf_str(&b), &f, &u, &nu), PARSE_TOO_LONG);
	/* Headers over SHOP_MAX_PART_HEADERS. */
	buf_reset(&b);
	memset(big, 'x', SHOP_MAX_FIELD_VALUE + 1);
	big[SHOP_MAX_PART_HEADERS] = '\0';
	buf_printf(&b, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
	    "X-Pad: %s\r\n\r\n1\r\n--XyZ--\r\n", big);
	ck_assert_int_eq(parse(buf_str(&b), &f, &u, &nu), PARSE_TOO_LONG);
	/* Text fields over SHOP_MAX_FORM_BODY in all. */
	buf_reset(&b);
	memset(big, 'x', SHOP_MAX_FIELD_VALUE + 1);
	big[SHOP_MAX_FIELD_VALUE] = '\0';
	for (i = 0; i < SHOP_MAX_FORM_BODY / SHOP_MAX_FIELD_VALUE + 1; i++)
		buf_printf(&b, PART("f%zu", "%s"), i, big);
	buf_puts(&b, "--XyZ--\r\n");
	ck_assert_int_eq(parse(buf_str(&b), &f, &u, &nu), PARSE_TOO_LONG);
	free(big);
	buf_free(&b);
}
END_TEST

/*
 * A file over SHOP_MAX_UPLOAD is refused by multipart_parse() and taken
 * by multipart_parse_max() with a larger bound, up to that bound only.
 */
START_TEST(upload_bound)
{
	struct kvlist	 f;
	struct upload	*u;
	struct buf	 b = { 0 };
	size_t		 nu, n = SHOP_MAX_UPLOAD + 1, len;
	char		*file;

	file = malloc(n);
	memset(file, 'x', n);
	buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"image\"; "
	    "filename=\"big.jpg\"\r\n\r\n");
	buf_append(&b, file, n);
	buf_puts(&b, "\r\n" PART("alt", "A mug") "--XyZ--\r\n");
	len = b.len;
	ck_assert_int_eq(multipart_parse(a, b.p, len, "XyZ", &f, &u, &nu),
	    PARSE_TOO_LONG);
	ck_assert_int_eq(multipart_parse_max(a, b.p, len, "XyZ", n, &f, &u,
	    &nu), PARSE_OK);
	ck_assert_uint_eq(nu, 1);
	ck_assert_uint_eq(u[0].len, n);
	ck_assert_str_eq(kv_get(&f, "alt"), "A mug");
	ck_assert_int_eq(multipart_parse_max(a, b.p, len, "XyZ", n - 1, &f,
	    &u, &nu), PARSE_TOO_LONG);
	free(file);
	buf_free(&b);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("multipart");
	TCase	*t = tcase_create("multipart");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, boundary);
	tcase_add_test(t, fields);
	tcase_add_test(t, files);
	tcase_add_test(t, malformed);
	tcase_add_test(t, bad_text);
	tcase_add_test(t, limits);
	tcase_add_test(t, upload_bound);
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
