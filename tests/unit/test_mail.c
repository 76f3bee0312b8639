/*
 * Unit tests: mail composition (encoded headers, quoted-printable, MIME
 * alternative), refusal of header injection, delivery to files.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "ext/mail.h"

static struct config	cfg;

static void
setup(void)
{
	char	err[128];

	setenv("SHOP_NAME", "Caf\xc3\xa9 Shop", 1);
	setenv("SHOP_MAIL_FROM", "shop@example.test", 1);
	ck_assert_int_eq(config_load(&cfg, err, sizeof(err)), 0);
}

START_TEST(plain_ascii)
{
	struct mail	m = { "ann@example.test", "Ann Smith", "Your order",
	    "Thank you.\nLine two with = sign.\n", NULL };
	struct buf	b = { 0 };
	char		err[128];

	ck_assert_int_eq(mail_compose(&cfg, &m, &b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "To: Ann Smith <ann@example.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "Subject: Your order\r\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "From: =?UTF-8?B?Q2Fmw6kgU2hvcA==?= "
	    "<shop@example.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "Content-Type: text/plain; charset=utf-8"));
	ck_assert_ptr_nonnull(strstr(b.p, "\r\n\r\nThank you.\r\nLine two with =3D sign.\r\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "Message-ID: <"));
	buf_free(&b);
}
END_TEST

START_TEST(utf8_and_html)
{
	struct mail	m = { "b@example.test", NULL, "R\xc3\xa9initialiser",
	    "\xc3\xa9t\xc3\xa9", "<p>\xc3\xa9t\xc3\xa9</p>" };
	struct buf	b = { 0 };
	char		err[128];

	ck_assert_int_eq(mail_compose(&cfg, &m, &b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "Subject: =?UTF-8?B?UsOpaW5pdGlhbGlzZXI=?="));
	ck_assert_ptr_nonnull(strstr(b.p, "multipart/alternative"));
	ck_assert_ptr_nonnull(strstr(b.p, "=C3=A9t=C3=A9\r\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "<p>=C3=A9t=C3=A9</p>\r\n"));
	buf_free(&b);
}
END_TEST

START_TEST(long_lines_wrap)
{
	char		 text[400];
	struct mail	 m = { "c@example.test", NULL, "s", text, NULL };
	struct buf	 b = { 0 };
	char		 err[128], *body, *line, *save = NULL;

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	ck_assert_int_eq(mail_compose(&cfg, &m, &b, err, sizeof(err)), 0);
	body = strstr(b.p, "\r\n\r\n") + 4;
	for (line = strtok_r(body, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save))
		ck_assert_uint_le(strlen(line), 77);
	buf_free(&b);
}
END_TEST

START_TEST(bad_injection)
{
	struct mail	m1 = { "a@example.test\r\nBcc: x@evil.test", NULL, "s",
	    "t", NULL };
	struct mail	m2 = { "a@example.test", NULL, "s\r\nBcc: x@evil.test",
	    "t", NULL };
	struct mail	m3 = { "not an address", NULL, "s", "t", NULL };
	struct mail	m4 = { "a@example.test", "Eve\nBcc: x", "s", "t", NULL };
	struct buf	b = { 0 };
	char		err[128];

	ck_assert_int_eq(mail_compose(&cfg, &m1, &b, err, sizeof(err)), -1);
	ck_assert_int_eq(mail_compose(&cfg, &m2, &b, err, sizeof(err)), -1);
	ck_assert_int_eq(mail_compose(&cfg, &m3, &b, err, sizeof(err)), -1);
	ck_assert_int_eq(mail_compose(&cfg, &m4, &b, err, sizeof(err)), -1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert(mail_address_ok("shop@localhost"));
	ck_assert(!mail_address_ok("a@.b"));
	ck_assert(!mail_address_ok("a@b."));
	ck_assert(!mail_address_ok("@b.c"));
	ck_assert(!mail_address_ok("a@@b.c"));
	ck_assert(mail_address_ok("first.last+tag@sub.example.org"));
	buf_free(&b);
}
END_TEST

START_TEST(to_file)
{
	char		 dir[64], err[128], path[160];
	struct mail	 m = { "d@example.test", NULL, "Hello", "Body", NULL };
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	snprintf(dir, sizeof(dir), "/tmp/shop-mail-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	cfg.data_dir = dir;
	ck_assert_int_eq(mail_deliver(&cfg, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(mail_deliver(&cfg, &m, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/mail", dir);
	ck_assert_ptr_nonnull(dp = opendir(path));
	while ((de = readdir(dp)) != NULL)
		if (strstr(de->d_name, ".eml") != NULL && de->d_name[0] != '.')
			n++;
	closedir(dp);
	ck_assert_int_eq(n, 2);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("mail");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, plain_ascii);
	tcase_add_test(tc, utf8_and_html);
	tcase_add_test(tc, long_lines_wrap);
	tcase_add_test(tc, bad_injection);
	tcase_add_test(tc, to_file);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
