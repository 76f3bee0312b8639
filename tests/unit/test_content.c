/*
 * Unit tests: the shop's own pages (lib/shop/content.c) and the Markdown
 * they are written in (lib/ext/markdown.c): what libcmark renders and
 * leaves out, the checks of a title and a body, a save that raises the
 * version once and refuses a stale one, and the HTML kept in cache.db
 * under the version.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "data/db.h"
#include "data/migrate.h"
#include "ext/markdown.h"
#include "side/cache.h"
#include "shop/content.h"

static char		 dir[64];
static struct db	*d, *c;
static struct arena	*a;

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-content-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	c = db_open(dir, DB_CACHE, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(c, NULL, NULL, err, sizeof(err)), 1);
	a = arena_new();
}

static void
teardown(void)
{
	char	cmd[128];

	db_close(d);
	db_close(c);
	arena_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* markdown_html() of len bytes at s, in the arena; NULL when refused. */
static const char *
md(const char *s, size_t len)
{
	struct buf	 b = { 0 };
	const char	*out = NULL;

	if (markdown_html(s, len, &b) == 0)
		out = arena_strdup(a, buf_str(&b));
	else
		ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
	return out;
}

/* The same for a string. */
#define S(s)	md((s), strlen(s))

START_TEST(markdown_rendered)
{
	ck_assert_str_eq(S("# A\n\n## B\n\nSome *em*, **strong** and "
	    "[a link](/pages/about).\n"),
	    "<h2>A</h2>\n<h2>B</h2>\n<p>Some <em>em</em>, <strong>strong"
	    "</strong> and <a href=\"/pages/about\">a link</a>.</p>\n");
	ck_assert_str_eq(S("- one\n- two\n"),
	    "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n");
	/* Smart punctuation. */
	ck_assert_str_eq(S("\"It's\" -- done..."),
	    "<p>\xe2\x80\x9cIt\xe2\x80\x99s\xe2\x80\x9d \xe2\x80\x93 "
	    "done\xe2\x80\xa6</p>\n");
	ck_assert_str_eq(S(""), "");
}
END_TEST

START_TEST(markdown_unsafe_left_out)
{
	ck_assert_str_eq(S("<script>alert(1)</script>\n"),
	    "<!-- raw HTML omitted -->\n");
	ck_assert_str_eq(S("a <b onclick=\"x\">b</b>"),
	    "<p>a <!-- raw HTML omitted -->b<!-- raw HTML omitted --></p>\n");
	ck_assert_str_eq(S("[x](javascript:alert(1)) [y](VBScript:z)"),
	    "<p><a href=\"\">x</a> <a href=\"\">y</a></p>\n");
	ck_assert_str_eq(S("![A *red* mug](/m.png) and ![](/n.png)"),
	    "<p>A <em>red</em> mug and </p>\n");
	ck_assert_str_eq(S("![a ![b](/x)](/y)"), "<p>a b</p>\n");
}
END_TEST

START_TEST(markdown_bad_input_refused)
{
	static char	 big[MARKDOWN_MAX + 2];

	ck_assert_ptr_null(md("a\0b", 3));
	ck_assert_ptr_null(md("caf\xc3", 4));
	ck_assert_ptr_null(md("\xed\xa0\x80", 3));	/* a surrogate */
	memset(big, 'a', sizeof(big) - 1);
	ck_assert_ptr_null(md(big, MARKDOWN_MAX + 1));
	ck_assert_ptr_nonnull(md(big, MARKDOWN_MAX));
}
END_TEST

START_TEST(checks)
{
	static char	 body[CONTENT_BODY_MAX + 2], title[CONTENT_TITLE_MAX + 2];

	ck_assert_int_eq(content_check("About", "Text"), CONTENT_OK);
	ck_assert_int_eq(content_check("About", ""), CONTENT_OK);
	ck_assert_int_eq(content_check("", "x"), CONTENT_BAD_TITLE);
	ck_assert_int_eq(content_check("  ", "x"), CONTENT_BAD_TITLE);
	ck_assert_int_eq(content_check("Two\nlines", "x"), CONTENT_BAD_TITLE);
	ck_assert_int_eq(content_check(NULL, "x"), CONTENT_BAD_TITLE);
	memset(title, 'T', CONTENT_TITLE_MAX);
	ck_assert_int_eq(content_check(title, "x"), CONTENT_OK);
	title[CONTENT_TITLE_MAX] = 'T';
	ck_assert_int_eq(content_check(title, "x"), CONTENT_BAD_TITLE);
	ck_assert_int_eq(content_check("T", "bell\a"), CONTENT_BAD_BODY);
	ck_assert_int_eq(content_check("T", "caf\xc3"), CONTENT_BAD_BODY);
	ck_assert_int_eq(content_check("T", "tab\tand\r\nlines"), CONTENT_OK);
	memset(body, 'b', CONTENT_BODY_MAX);
	ck_assert_int_eq(content_check("T", body), CONTENT_OK);
	body[CONTENT_BODY_MAX] = 'b';
	ck_assert_int_eq(content_check("T", body), CONTENT_BAD_BODY);
}
END_TEST

START_TEST(pages_listed_and_got)
{
	struct content_page	*v, p;
	size_t			 n;

	ck_assert_int_eq(content_page_list(d, a, &v, &n), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(v[0].slug, "about");
	ck_assert_str_eq(v[6].slug, "legal-notice");
	ck_assert_int_eq(content_page_get(d, a, "returns", &p), 1);
	ck_assert_str_eq(p.title, "Returns and refunds");
	ck_assert_int_eq(p.version, 1);
	ck_assert_int_eq(content_page_get(d, a, "nope", &p), 0);
	ck_assert_int_eq(content_page_get(d, a, "Returns", &p), 0);
	ck_assert_int_eq(content_page_get(d, a, "", &p), 0);
	ck_assert_int_eq(content_page_get(d, a, NULL, &p), 0);
}
END_TEST

START_TEST(save_raises_the_version_once)
{
	struct content_page	 p;
	long long		 v = 0;

	ck_assert_int_eq(content_page_save(d, a, "about", "About", "x", 0, &v),
	    CONTENT_ERROR);		/* not in a write */
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(content_page_save(d, a, "about", "About us", "New.",
	    1, &v), CONTENT_OK);
	ck_assert_int_eq(v, 2);
	/* The same again writes nothing. */
	ck_assert_int_eq(content_page_save(d, a, "about", "About us", "New.",
	    2, &v), CONTENT_OK);
	ck_assert_int_eq(v, 2);
	/* A form opened on version 1 is stale now. */
	ck_assert_int_eq(content_page_save(d, a, "about", "About us", "Old.",
	    1, &v), CONTENT_CHANGED);
	ck_assert_int_eq(content_page_save(d, a, "nope", "T", "x", 0, &v),
	    CONTENT_NOT_FOUND);
	ck_assert_int_eq(content_page_save(d, a, "about", "", "x", 0, &v),
	    CONTENT_BAD_TITLE);
	ck_assert_int_eq(content_page_save(d, a, "about", "T", "\a", 0, &v),
	    CONTENT_BAD_BODY);
	ck_assert_int_eq(content_page_save(d, a, "about", "About", "New.", 0,
	    NULL), CONTENT_OK);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(content_page_get(d, a, "about", &p), 1);
	ck_assert_str_eq(p.title, "About");
	ck_assert_str_eq(p.body, "New.");
	ck_assert_int_eq(p.version, 3);
}
END_TEST

START_TEST(html_kept_under_the_version)
{
	struct content_page	 p;
	char			*html, *val;
	size_t			 len;

	ck_assert_int_eq(content_page_get(d, a, "contact", &p), 1);
	p.body = "*One*";
	ck_assert_int_eq(content_page_html(c, a, &p, &html), 0);
	ck_assert_str_eq(html, "<p><em>One</em></p>\n");
	ck_assert(cache_get(c, a, "content:contact:1", &val, &len));
	ck_assert_str_eq(val, html);
	/* Version 1 is rendered: what it holds is what is shown. */
	p.body = "*Two*";
	ck_assert_int_eq(content_page_html(c, a, &p, &html), 0);
	ck_assert_str_eq(html, "<p><em>One</em></p>\n");
	p.version = 2;
	ck_assert_int_eq(content_page_html(c, a, &p, &html), 0);
	ck_assert_str_eq(html, "<p><em>Two</em></p>\n");
	/* Without a cache, rendered each time. */
	p.body = "Three";
	ck_assert_int_eq(content_page_html(NULL, a, &p, &html), 0);
	ck_assert_str_eq(html, "<p>Three</p>\n");
	p.body = "bad \xff";
	ck_assert_int_eq(content_page_html(NULL, a, &p, &html), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("content");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, markdown_rendered);
	tcase_add_test(tc, markdown_unsafe_left_out);
	tcase_add_test(tc, markdown_bad_input_refused);
	tcase_add_test(tc, checks);
	tcase_add_test(tc, pages_listed_and_got);
	tcase_add_test(tc, save_raises_the_version_once);
	tcase_add_test(tc, html_kept_under_the_version);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
