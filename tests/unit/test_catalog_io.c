/*
 * Unit tests: the parts of the catalog's in and out that need no
 * database. The HTML sanitizer (its allowlist, links, what is dropped
 * and unwrapped, the plain text, stable output, bad input), the XML
 * reader (nodes, attributes, lines, DOCTYPE and entities refused,
 * encodings, the size bound), the CSV reader (quotes, lines, UTF-8,
 * the size bound), money_decimal(), and catalog_import_check() on both
 * formats.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/money.h"
#include "ext/csvin.h"
#include "ext/html_sanitize.h"
#include "ext/xmlin.h"
#include "shop/catalog_io.h"

/* html_sanitize() of s: "html|text", or "ERROR" (static). */
static const char *
sanitize(const char *s)
{
	static char	 out[4096];
	struct buf	 h = { 0 }, t = { 0 };

	if (html_sanitize(s, strlen(s), &h, &t) != 0)
		snprintf(out, sizeof(out), "ERROR");
	else
		snprintf(out, sizeof(out), "%s|%s", buf_str(&h), buf_str(&t));
	buf_free(&h);
	buf_free(&t);
	return out;
}

START_TEST(sanitize_allowlist)
{
	ck_assert_str_eq(sanitize("<p>a <b>b</b> <i>c</i> <em>d</em></p>"),
	    "<p>a <strong>b</strong> <em>c</em> <em>d</em></p>|a b c d");
	ck_assert_str_eq(sanitize("<h1>T</h1><h3>U</h3><ol><li>x</li><li>y"
	    "</li></ol>"), "<h2>T</h2><h3>U</h3><ol><li>x</li><li>y</li></ol>"
	    "|T\n\nU\n\n- x\n- y");
	ck_assert_str_eq(sanitize("a<br>b"), "a<br>b|a\nb");
	ck_assert_str_eq(sanitize("<a href=\"https://x.example/a?b=1&amp;c=2\""
	    " target=_blank onclick=\"e()\" style=\"s\">k</a>"),
	    "<a href=\"https://x.example/a?b=1&amp;c=2\">k</a>|k");
}
END_TEST

START_TEST(sanitize_drops_and_unwraps)
{
	ck_assert_str_eq(sanitize("<script>alert(1)</script>x"), "x|x");
	ck_assert_str_eq(sanitize("<style>p{}</style><iframe src=x></iframe>"
	    "<svg><a href=\"https://e/\">s</a></svg>y"), "y|y");
	ck_assert_str_eq(sanitize("<a href=\"javascript:alert(1)\">j</a>"
	    "<a href=\"data:text/html,x\">d</a><a>n</a>"), "jdn|jdn");
	ck_assert_str_eq(sanitize("<div><span style=\"x\">s</span></div>"
	    "<img src=x onerror=y><table><tr><td>t</td></tr></table>"),
	    "st|s\n\nt");
	ck_assert_str_eq(sanitize("<!-- c --><p onmouseover=\"x\">p</p>"),
	    "<p>p</p>|p");
	ck_assert_str_eq(sanitize("&lt;b&gt; &amp; \"q\""),
	    "&lt;b&gt; &amp; &quot;q&quot;|<b> & \"q\"");
	/* What the parser would close early is unwrapped. */
	ck_assert_str_eq(sanitize("<p>a<ul><li>b</li></ul></p>"),
	    "<p>a</p><ul><li>b</li></ul>|a\n\n- b");
	ck_assert_str_eq(sanitize("<li>loose</li>"), "loose|loose");
}
END_TEST

START_TEST(sanitize_is_stable)
{
	const char	*in[] = {
		"<p>a<b>b<p>c</b>d",
		"text first<p>then</p>",
		"<ul><li>a<ul><li>b</li></ul></li><ol><li>c</li></ol></ul>",
		"<a href=\"http://a/\">x<a href=\"http://b/\">y</a></a>",
		"<h2>a<h3>b</h3></h2><p>\xc3\xa9t\xc3\xa9</p>",
	};
	struct buf	 h = { 0 }, again = { 0 };
	size_t		 i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		buf_reset(&h);
		buf_reset(&again);
		ck_assert_int_eq(html_sanitize(in[i], strlen(in[i]), &h, NULL),
		    0);
		ck_assert_int_eq(html_sanitize(buf_str(&h), h.len, &again,
		    NULL), 0);
		ck_assert_str_eq(buf_str(&again), buf_str(&h));
	}
	buf_free(&h);
	buf_free(&again);
}
END_TEST

START_TEST(bad_sanitize_input)
{
	struct buf	 h = { 0 };
	char		*big;

	ck_assert_str_eq(sanitize("caf\xc3"), "ERROR");
	ck_assert_int_eq(html_sanitize("a\0b", 3, &h, NULL), -1);
	big = calloc(1, HTML_SANITIZE_MAX + 2);
	memset(big, 'a', HTML_SANITIZE_MAX + 1);
	ck_assert_int_eq(html_sanitize(big, HTML_SANITIZE_MAX + 1, &h, NULL),
	    -1);
	ck_assert_int_eq((int)h.len, 0);
	free(big);
	ck_assert_str_eq(sanitize(""), "|");
}
END_TEST

/* Every node of doc as "S:name@line", "T:text", "E:name", joined. */
static const char *
nodes(const char *doc, const char **err)
{
	static char		 out[2048];
	struct xmlin		*x;
	struct xmlin_node	 n;
	char			 e[256];
	size_t			 o = 0;
	int			 rc;

	*err = NULL;
	out[0] = '\0';
	if ((x = xmlin_open_memory(doc, strlen(doc), 1024, NULL, e,
	    sizeof(e))) == NULL) {
		static char	 keep[256];

		snprintf(keep, sizeof(keep), "%s", e);
		*err = keep;
		return out;
	}
	while ((rc = xmlin_next(x, &n)) == 1 && o < sizeof(out) - 64) {
		if (n.kind == XMLIN_START)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "S:%s@%ld%s%s ", n.name, n.line,
			    xmlin_attr(x, "k") ? "=" : "",
			    xmlin_attr(x, "k") ? xmlin_attr(x, "k") : "");
		else if (n.kind == XMLIN_END)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "E:%s ",
			    n.name);
		else if (n.len > 0 && n.text[0] != '\n')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "T:%s ",
			    n.text);
	}
	if (rc < 0) {
		static char	 keep[512];

		snprintf(keep, sizeof(keep), "%s", xmlin_error(x));
		*err = keep;
	}
	xmlin_close(x);
	return out;
}

START_TEST(xmlin_reads_nodes)
{
	const char	*err, *got;

	got = nodes("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<a k=\"v&amp;w\">\n<b/>\n<c>x &lt; y<![CDATA[]]>z]]&gt;</c>\n</a>\n",
	    &err);
	ck_assert_msg(err == NULL, "%s", err);
	ck_assert_str_eq(got, "S:a@2=v&w S:b@3 E:b S:c@4 T:x < y T:z]]> E:c "
	    "E:a ");
}
END_TEST

START_TEST(bad_xmlin)
{
	const char	*err;

	nodes("<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
	    "<a>&e;</a>", &err);
	ck_assert_str_eq(err, "line 1: a DOCTYPE or an entity declaration "
	    "is not accepted");
	nodes("<a>\n<!ENTITY x \"y\"></a>", &err);
	ck_assert_str_eq(err, "line 2: a DOCTYPE or an entity declaration "
	    "is not accepted");
	nodes("<a>\n&nope;</a>", &err);
	ck_assert_str_eq(err, "line 2: Entity 'nope' not defined");
	nodes("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", &err);
	ck_assert_str_eq(err, "line 1: the file is in ISO-8859-1: only UTF-8 "
	    "is accepted");
	nodes("\xff\xfe<\0a\0/\0>\0", &err);
	ck_assert_str_eq(err, "line 1: the file is not UTF-8 (UTF-16 or "
	    "UTF-32 is not accepted)");
	nodes("<a>\n\n<b></a>", &err);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(strncmp(err, "line 3: ", 8), 0);
	nodes("<a>caf\xc3(</a>", &err);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(strncmp(err, "line 1: Input is not proper UTF-8", 33),
	    0);
	/* Over the bound, before anything is read. */
	{
		char	big[2048];

		memset(big, ' ', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		memcpy(big, "<a>", 3);
		nodes(big, &err);
		ck_assert_str_eq(err, "the document has 2047 bytes, more than "
		    "the 1024 that are read");
	}
}
END_TEST

/* Every row of a CSV as "line:a|b|c;", or the error. */
static int
row_cb(void *arg, const struct csvin_row *r)
{
	struct buf	*b = arg;
	size_t		 i;

	buf_printf(b, "%ld:", r->line);
	for (i = 0; i < r->n; i++)
		buf_printf(b, "%s%s", i ? "|" : "", r->fields[i]);
	buf_putc(b, ';');
	return 0;
}

static const char *
rows(const char *csv, size_t max)
{
	static char	 out[1024];
	struct buf	 b = { 0 };
	char		 err[256];

	if (csvin_memory(csv, strlen(csv), max, row_cb, &b, err,
	    sizeof(err)) != 0)
		snprintf(out, sizeof(out), "ERROR %s", err);
	else
		snprintf(out, sizeof(out), "%s", buf_str(&b));
	buf_free(&b);
	return out;
}

START_TEST(csvin_reads_rows)
{
	ck_assert_str_eq(rows("\xef\xbb\xbf" "a,b\r\n\"c,\"\"d\"\"\",e\n\n"
	    "\"multi\nline\",f\ng", 1000),
	    "1:a|b;2:c,\"d\"|e;4:multi\nline|f;6:g;");
}
END_TEST

START_TEST(bad_csvin)
{
	ck_assert_str_eq(rows("a,b\nc,\"d\"e\n", 1000),
	    "ERROR line 2: a quote is out of place (a field with a quote, "
	    "comma or line break must be in quotes, and a quote in it "
	    "doubled)");
	ck_assert_str_eq(rows("a\nb,\"never\nends", 1000),
	    "ERROR line 2: a quoted field is not closed before the end of "
	    "the file");
	ck_assert_str_eq(rows("a\nb,c\xff\n", 1000),
	    "ERROR line 2: field 2 is not well-formed UTF-8");
	ck_assert_str_eq(rows("a,b,c\n", 3),
	    "ERROR the file has 6 bytes, more than the 3 that are read");
}
END_TEST

START_TEST(money_decimal_plain)
{
	struct arena	*a = arena_new();

	ck_assert_str_eq(money_decimal(a, 1800, "EUR"), "18.00");
	ck_assert_str_eq(money_decimal(a, 5, "USD"), "0.05");
	ck_assert_str_eq(money_decimal(a, 500, "JPY"), "500");
	ck_assert_str_eq(money_decimal(a, -50, "EUR"), "-0.50");
	ck_assert_str_eq(money_decimal(a, 123456789, "GBP"), "1234567.89");
	arena_free(a);
}
END_TEST

#define XML_HEAD "<catalog xmlns=\"" CATALOG_IO_NS "\" version=\"1\">\n"

START_TEST(import_check)
{
	struct import_report	 rep;
	const char		*ok = XML_HEAD "<products>\n<product slug=\"a\">"
	    "<name>A</name><variant sku=\"A1\"><price currency=\"EUR\">1.50"
	    "</price></variant></product>\n</products></catalog>";
	const char		*bad = XML_HEAD "<products>\n<product slug=\"a\">"
	    "<name>A</name>\n<variant sku=\"A1\"><price currency=\"JPY\">1.5"
	    "</price></variant></product>\n</products></catalog>";
	const char		*csv = "Handle,Title,Variant SKU,Variant Price\n"
	    "a,A,A1,1.50\na,,A2,2\nb,B,A1,3\n";

	ck_assert_int_eq(catalog_import_check(IMPORT_XML, ok, strlen(ok),
	    &rep), 0);
	ck_assert_int_eq(rep.products, 1);
	ck_assert_int_eq(rep.variants, 1);
	ck_assert_int_eq(catalog_import_check(IMPORT_XML, bad, strlen(bad),
	    &rep), -1);
	ck_assert_str_eq(rep.error, "line 4: price: \"1.5\" is not a price in "
	    "JPY: digits, not negative, with at most 0 decimals after one "
	    "point");
	ck_assert_int_eq(catalog_import_check(IMPORT_SHOPIFY, csv, strlen(csv),
	    &rep), -1);
	ck_assert_int_eq(rep.products, 2);
	ck_assert_int_eq(rep.variants, 3);
	ck_assert_int_eq(rep.refused, 1);
	ck_assert_str_eq(rep.error, "line 4: sku: the SKU \"A1\" is in the "
	    "file twice (first at line 2)");
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("catalog_io");
	TCase	*tc = tcase_create("catalog_io");

	tcase_add_test(tc, sanitize_allowlist);
	tcase_add_test(tc, sanitize_drops_and_unwraps);
	tcase_add_test(tc, sanitize_is_stable);
	tcase_add_test(tc, bad_sanitize_input);
	tcase_add_test(tc, xmlin_reads_nodes);
	tcase_add_test(tc, bad_xmlin);
	tcase_add_test(tc, csvin_reads_rows);
	tcase_add_test(tc, bad_csvin);
	tcase_add_test(tc, money_decimal_plain);
	tcase_add_test(tc, import_check);
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
