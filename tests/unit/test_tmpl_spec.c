/*
 * Template engine tests: every case of the Mustache specification files,
 * read with SQLite's JSON functions, then the engine's own errors and
 * limits.
 *
 * Usage: test_tmpl_spec [spec-dir]; the directory defaults to
 * $SHOP_SPEC_DIR, then to tests/mustache-spec. Each JSON file there is
 * one test case. The count of specification tests passed is kept in a
 * shared mapping so that it survives check's forked test processes.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/tmpl.h"
#include "core/tval.h"

#define SPEC_MAX_FILE	(1024 * 1024)	/* bytes in one spec file */
#define SPEC_MAX_FILES	64
#define SPEC_MAX_DEPTH	64		/* nesting of a test's data */
#define SPEC_TEMPLATE	"spec template"	/* no tag can name it: a space */

struct tally {
	unsigned int	 passed;
	unsigned int	 total;
};

/*
 * Set by main() before the runner starts and read-only afterwards, but
 * for the tally, which the tests add to.
 */
static struct {
	const char	*dir;
	char		*files[SPEC_MAX_FILES];
	int		 nfiles;
	struct tally	*tally;
} spec;

/*
 * The whole of a file, NUL-terminated, refused past SPEC_MAX_FILE bytes.
 * The caller frees it. NULL on failure, with errno set.
 */
static char *
slurp(const char *path, size_t *lenp)
{
	struct stat	 st;
	char		*p;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return NULL;
	}
	if (st.st_size > SPEC_MAX_FILE) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	p = malloc((size_t)st.st_size + 1);
	while (p != NULL && len < (size_t)st.st_size) {
		if ((r = read(fd, p + len, (size_t)st.st_size - len)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			break;
		}
		len += (size_t)r;
	}
	close(fd);
	if (p == NULL || len != (size_t)st.st_size) {
		free(p);
		return NULL;
	}
	p[len] = '\0';
	*lenp = len;
	return p;
}

/*
 * Build the tval tree of a test's "data" from json_tree(), which walks
 * the JSON depth first, parents before children. Integers become
 * TVAL_INT; reals become strings in SQLite's own text form of them.
 * Returns the root, or NULL if the test has no data.
 */
static struct tval *
spec_data(sqlite3 *db, struct arena *a, const char *test)
{
	struct {
		sqlite3_int64	 id;
		struct tval	*val;
	}		 stack[SPEC_MAX_DEPTH];
	sqlite3_stmt	*st;
	struct tval	*root = NULL, *v, *up;
	const char	*type;
	size_t		 depth = 0;
	sqlite3_int64	 parent;

	ck_assert_int_eq(sqlite3_prepare_v2(db,
	    "SELECT id, parent, key, type, atom "
	    "FROM json_tree(?1, '$.data')", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, test, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		type = (const char *)sqlite3_column_text(st, 3);
		if (strcmp(type, "null") == 0)
			v = tval_null(a);
		else if (strcmp(type, "true") == 0)
			v = tval_bool(a, true);
		else if (strcmp(type, "false") == 0)
			v = tval_bool(a, false);
		else if (strcmp(type, "integer") == 0)
			v = tval_int(a, sqlite3_column_int64(st, 4));
		else if (strcmp(type, "array") == 0)
			v = tval_list(a);
		else if (strcmp(type, "object") == 0)
			v = tval_map(a);
		else
			v = tval_strn(a,
			    (const char *)sqlite3_column_text(st, 4),
			    (size_t)sqlite3_column_bytes(st, 4));

		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			root = v;
		else {
			parent = sqlite3_column_int64(st, 1);
			while (depth > 0 && stack[depth - 1].id != parent)
				depth--;
			ck_assert_msg(depth > 0, "data row without parent");
			up = stack[depth - 1].val;
			if (up->type == TVAL_MAP)
				tval_set(a, up, (const char *)
				    sqlite3_column_text(st, 2), v);
			else
				tval_push(a, up, v);
		}
		if (v->type == TVAL_LIST || v->type == TVAL_MAP) {
			ck_assert_msg(depth < SPEC_MAX_DEPTH, "data too deep");
			stack[depth].id = sqlite3_column_int64(st, 0);
			stack[depth++].val = v;
		}
	}
	sqlite3_finalize(st);
	return root;
}

/* Add the test's partials to set; 0, or -1 with the error in err. */
static int
spec_partials(sqlite3 *db, struct tmpl_set *set, const char *test,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(db,
	    "SELECT key, value FROM json_each(?1, '$.partials')",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, test, -1, SQLITE_STATIC);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = tmpl_add(set, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), err, errlen);
	sqlite3_finalize(st);
	return rc;
}

/* A string with control characters escaped, for failure reports. */
static void
put_escaped(FILE *f, const char *s, size_t n)
{
	size_t	i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			fputs("\\n", f);
		else if (s[i] == '\r')
			fputs("\\r", f);
		else if (s[i] == '\t')
			fputs("\\t", f);
		else if (s[i] == '"' || s[i] == '\\')
			fprintf(f, "\\%c", s[i]);
		else
			fputc(s[i], f);
	}
	fputc('"', f);
}

/*
 * Run one test of a spec file; true if it rendered exactly what was
 * expected. Failures are reported on stderr, test name first.
 */
static bool
spec_run(sqlite3 *db, const char *file, const char *name,
    const char *template, size_t tlen, const char *expected, size_t elen,
    const char *test)
{
	struct arena	*a = arena_new();
	struct tmpl_set	*set = tmpl_set_new();
	struct buf	 out = { NULL, 0, 0 };
	char		 err[256];
	bool		 ok = false;

	if (spec_partials(db, set, test, err, sizeof(err)) == -1 ||
	    tmpl_add(set, SPEC_TEMPLATE, template, tlen, err,
	    sizeof(err)) == -1)
		fprintf(stderr, "%s: \"%s\": %s\n", file, name, err);
	else if (tmpl_render(set, SPEC_TEMPLATE, spec_data(db, a, test),
	    &out) == -1)
		fprintf(stderr, "%s: \"%s\": render failed\n", file, name);
	else if (out.len != elen || memcmp(buf_str(&out), expected,
	    elen) != 0) {
		fprintf(stderr, "%s: \"%s\": expected ", file, name);
		put_escaped(stderr, expected, elen);
		fputs(", got ", stderr);
		put_escaped(stderr, buf_str(&out), out.len);
		fputc('\n', stderr);
	} else
		ok = true;
	buf_free(&out);
	tmpl_set_free(set);
	arena_free(a);
	return ok;
}

/* One spec file: every test in it must pass. */
START_TEST(test_spec_file)
{
	const char	*file = spec.files[_i];
	char		*path, *json, first[128] = "";
	size_t		 len;
	sqlite3		*db;
	sqlite3_stmt	*st;
	unsigned int	 total = 0, failed = 0;

	ck_assert_int_ne(asprintf(&path, "%s/%s", spec.dir, file), -1);
	json = slurp(path, &len);
	ck_assert_msg(json != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
	    "SELECT json_extract(value, '$.name'), "
	    "json_extract(value, '$.template'), "
	    "json_extract(value, '$.expected'), value "
	    "FROM json_each(?1, '$.tests')", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		total++;
		if (spec_run(db, file, name,
		    (const char *)sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2),
		    (const char *)sqlite3_column_text(st, 3)))
			continue;
		if (failed++ == 0)
			snprintf(first, sizeof(first), "%s", name);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(json);
	free(path);

	spec.tally->total += total;
	spec.tally->passed += total - failed;
	ck_assert_msg(total > 0, "%s: no tests", file);
	ck_assert_msg(failed == 0, "%s: %u of %u failed, the first \"%s\"",
	    file, failed, total, first);
}
END_TEST

/* Render src under "t" with ctx; the output, or NULL with err set. */
static char *
render(struct tmpl_set *set, const char *src, const struct tval *ctx,
    char *err, size_t errlen)
{
	struct buf	 out = { NULL, 0, 0 };
	char		*s;

	if (tmpl_add(set, "t", src, strlen(src), err, errlen) == -1)
		return NULL;
	if (tmpl_render(set, "t", ctx, &out) == -1) {
		snprintf(err, errlen, "render failed");
		buf_free(&out);
		return NULL;
	}
	s = strdup(buf_str(&out));
	buf_free(&out);
	return s;
}

START_TEST(test_parse_errors)
{
	static const struct {
		const char	*src;
		const char	*err;
	} cases[] = {
		{ "a\n{{#x}}\nb\n", "t:2: section \"x\" is not closed" },
		{ "{{^x}}\n\n{{/y}}", "t:3: close tag \"y\" does not match "
		    "inverted section \"x\"" },
		{ "a\n\nb {{x", "t:3: tag is not closed" },
		{ "\n{{{x}}\n", "t:2: tag is not closed" },
		{ "\n\n\n{{=<% =}}", "t:4: bad delimiters \"<%\"" },
		{ "{{=a=b c=}}", "t:1: bad delimiters \"a=b c\"" },
		{ "{{=<% %>=}}\n<%/x%>", "t:2: close tag \"x\" has nothing "
		    "to close" },
		{ "{{$b}}\n{{<p}}\n", "t:2: parent \"p\" is not closed" },
		{ "x\n{{<p}}{{$b}}{{/p}}", "t:2: close tag \"p\" does not "
		    "match block \"b\"" },
		{ "{{a b}}", "t:1: name \"a b\" contains a space" },
		{ "{{#a..b}}{{/a..b}}", "t:1: name \"a..b\" has an empty "
		    "part" },
		{ "\n{{ }}", "t:2: tag has no name" },
	};
	struct tmpl_set	*set;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set = tmpl_set_new();
		err[0] = '\0';
		ck_assert_msg(tmpl_add(set, "t", cases[i].src,
		    strlen(cases[i].src), err, sizeof(err)) == -1,
		    "\"%s\" compiled", cases[i].src);
		ck_assert_str_eq(err, cases[i].err);
		ck_assert(!tmpl_exists(set, "t"));
		tmpl_set_free(set);
	}
}
END_TEST

START_TEST(test_nesting_limit)
{
	struct tmpl_set	*set = tmpl_set_new();
	struct buf	 b = { NULL, 0, 0 };
	char		 err[256];
	int		 i;

	for (i = 0; i < 64; i++)
		buf_puts(&b, "{{#a}}");
	for (i = 0; i < 64; i++)
		buf_puts(&b, "{{/a}}");
	ck_assert_int_eq(tmpl_add(set, "deep", b.p, b.len, err,
	    sizeof(err)), 0);
	buf_reset(&b);
	buf_puts(&b, "{{$a}}");
	for (i = 0; i < 64; i++)
		buf_puts(&b, "{{#a}}");
	ck_assert_int_eq(tmpl_add(set, "deeper", b.p, b.len, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "deeper:1: more than 64 sections, parents "
	    "and blocks inside one another");
	buf_free(&b);
	tmpl_set_free(set);
}
END_TEST

START_TEST(test_depth_limit)
{
	struct tmpl_set	*set = tmpl_set_new();
	struct arena	*a = arena_new();
	struct tval	*ctx = tval_map(a);
	struct buf	 out = { NULL, 0, 0 };
	char		 name[16], src[32], err[256];
	int		 i;

	tval_set_str(a, ctx, "x", "y");
	ck_assert_int_eq(tmpl_add(set, "self", "x{{>self}}", 10, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(tmpl_add(set, "parent", "{{<parent}}{{/parent}}",
	    22, err, sizeof(err)), 0);
	ck_assert_int_eq(tmpl_add(set, "p", "[{{$b}}{{/b}}]", 14, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(tmpl_add(set, "block",
	    "{{<p}}{{$b}}<{{$b}}{{/b}}>{{/b}}{{/p}}", 38, err,
	    sizeof(err)), 0);
	buf_puts(&out, "kept");
	ck_assert_int_eq(tmpl_render(set, "self", ctx, &out), -1);
	ck_assert_int_eq(tmpl_render(set, "parent", ctx, &out), -1);
	ck_assert_int_eq(tmpl_render(set, "block", ctx, &out), -1);
	ck_assert_str_eq(buf_str(&out), "kept");

	/* A chain of exactly SHOP_MAX_TEMPLATE_DEPTH partials renders. */
	for (i = 0; i <= SHOP_MAX_TEMPLATE_DEPTH + 1; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(src, sizeof(src), "{{x}}{{>d%d}}", i + 1);
		ck_assert_int_eq(tmpl_add(set, name, src, strlen(src), err,
		    sizeof(err)), 0);
	}
	buf_reset(&out);
	ck_assert_int_eq(tmpl_render(set, "d1", ctx, &out), 0);
	ck_assert_uint_eq(out.len, SHOP_MAX_TEMPLATE_DEPTH + 1);
	buf_reset(&out);
	ck_assert_int_eq(tmpl_render(set, "d0", ctx, &out), -1);
	ck_assert_uint_eq(out.len, 0);

	buf_free(&out);
	arena_free(a);
	tmpl_set_free(set);
}
END_TEST

START_TEST(test_size_limits)
{
	struct tmpl_set	*set = tmpl_set_new();
	char		*src = malloc(SHOP_MAX_TEMPLATE + 1), name[16],
			 err[256];
	int		 i;

	ck_assert_ptr_nonnull(src);
	memset(src, 'a', SHOP_MAX_TEMPLATE + 1);
	ck_assert_int_eq(tmpl_add(set, "big", src, SHOP_MAX_TEMPLATE + 1,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "big: template larger than 262144 bytes");
	ck_assert_int_eq(tmpl_add(set, "big", src, SHOP_MAX_TEMPLATE, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(tmpl_add(set, "big", "", 0, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "big: template added twice");
	free(src);

	for (i = 1; i < SHOP_MAX_TEMPLATES; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ck_assert_int_eq(tmpl_add(set, name, name, strlen(name), err,
		    sizeof(err)), 0);
	}
	ck_assert_int_eq(tmpl_add(set, "one more", "", 0, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "one more: more than 256 templates");
	ck_assert(tmpl_exists(set, "n255"));
	ck_assert(!tmpl_exists(set, "one more"));
	tmpl_set_free(set);
}
END_TEST

START_TEST(test_output_limit)
{
	struct tmpl_set	*set = tmpl_set_new();
	struct arena	*a = arena_new();
	struct tval	*ctx = tval_map(a), *list;
	struct buf	 out = { NULL, 0, 0 };
	char		*big, err[256];
	int		 i;

	big = arena_alloc(a, 1024 * 1024 + 1);
	memset(big, 'x', 1024 * 1024);
	big[1024 * 1024] = '\0';
	tval_set_str(a, ctx, "s", big);
	list = tval_set_list(a, ctx, "l");
	for (i = 0; i < 8; i++)
		tval_push(a, list, tval_int(a, i));
	ck_assert_int_eq(tmpl_add(set, "t", "{{#l}}{{s}}{{/l}}", 17, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(tmpl_render(set, "t", ctx, &out), 0);
	ck_assert_uint_eq(out.len, 8 * 1024 * 1024);
	for (i = 0; i < 12; i++)
		tval_push(a, list, tval_int(a, i));
	buf_reset(&out);
	ck_assert_int_eq(tmpl_render(set, "t", ctx, &out), -1);
	ck_assert_uint_eq(out.len, 0);
	buf_free(&out);
	arena_free(a);
	tmpl_set_free(set);
}
END_TEST

START_TEST(test_escaping)
{
	struct tmpl_set	*set = tmpl_set_new();
	struct arena	*a = arena_new();
	struct tval	*ctx = tval_map(a);
	char		*s, err[256];

	tval_set_str(a, ctx, "x", "<a href='x' title=`y`>&\"</a>");
	tval_set_int(a, ctx, "n", -42);
	tval_set_bool(a, ctx, "b", false);
	s = render(set, "{{x}}|{{{x}}}|{{&x}}|{{n}}|{{b}}", ctx, err,
	    sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(s, "&lt;a href=&#39;x&#39; title=&#96;y&#96;"
	    "&gt;&amp;&quot;&lt;/a&gt;|<a href='x' title=`y`>&\"</a>|"
	    "<a href='x' title=`y`>&\"</a>|-42|false");
	free(s);
	arena_free(a);
	tmpl_set_free(set);
}
END_TEST

START_TEST(test_missing)
{
	struct tmpl_set	*set = tmpl_set_new();
	struct buf	 out = { NULL, 0, 0 };
	char		 err[256];

	ck_assert_int_eq(tmpl_add(set, "t", "a{{>nope}}{{<nope}}{{/nope}}b",
	    29, err, sizeof(err)), 0);
	buf_puts(&out, "kept");
	ck_assert_int_eq(tmpl_render(set, "nope", NULL, &out), -1);
	ck_assert_str_eq(buf_str(&out), "kept");
	ck_assert_int_eq(tmpl_render(set, "t", NULL, &out), 0);
	ck_assert_str_eq(buf_str(&out), "keptab");
	ck_assert(!tmpl_exists(set, "nope"));
	buf_free(&out);
	tmpl_set_free(set);
}
END_TEST

/* Standalone lines and indentation beyond what the specification tests. */
START_TEST(test_whitespace)
{
	static const struct {
		const char	*partial;
		const char	*psrc;
		const char	*src;
		const char	*want;
	} cases[] = {
		/* A parent inside a line is not indented, like a partial. */
		{ "p", "one\ntwo\n", "a\n  {{<p}}{{/p}} tail\nb\n",
		    "a\n  one\ntwo\n tail\nb\n" },
		{ "p", "<div>\n  {{$b}}\n  none\n  {{/b}}\n</div>\n",
		    "a\n  {{<p}}\n  {{$b}}\n    x\n    y\n  {{/b}}\n  {{/p}}\nz\n",
		    "a\n  <div>\n    x\n    y\n  </div>\nz\n" },
		/* A block's own content keeps its indentation. */
		{ "p", "", "  {{$b}}x\n  y{{/b}}\n", "  x\n  y\n" },
		{ "p", "", "<a>\n  {{$b}}\n  x\n    y\n  {{/b}}\n</a>\n",
		    "<a>\n  x\n    y\n</a>\n" },
		/* Indentation adds up through partials. */
		{ "p", "<b>\n  c\n</b>\n",
		    "<r>\n  {{#yes}}\n  {{>p}}\n  {{/yes}}\n</r>\n",
		    "<r>\n  <b>\n    c\n  </b>\n</r>\n" },
		/* Values are not indented, only template lines. */
		{ "p", "[\n{{{v}}}\n]\n", "  {{>p}}\n",
		    "  [\n  1\n2\n  ]\n" },
	};
	struct arena	*a = arena_new();
	struct tval	*ctx = tval_map(a);
	struct tmpl_set	*set;
	char		*out, err[256];
	size_t		 i;

	tval_set_bool(a, ctx, "yes", true);
	tval_set_str(a, ctx, "v", "1\n2");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set = tmpl_set_new();
		ck_assert_int_eq(tmpl_add(set, cases[i].partial, cases[i].psrc,
		    strlen(cases[i].psrc), err, sizeof(err)), 0);
		out = render(set, cases[i].src, ctx, err, sizeof(err));
		ck_assert_msg(out != NULL, "case %zu: %s", i, err);
		ck_assert_msg(strcmp(out, cases[i].want) == 0,
		    "case %zu: got \"%s\"", i, out);
		free(out);
		tmpl_set_free(set);
	}
	arena_free(a);
}
END_TEST

/* A layout as pages use it: standalone blocks keep the markup indented. */
START_TEST(test_layout)
{
	struct tmpl_set	*set = tmpl_set_new();
	struct arena	*a = arena_new();
	struct tval	*ctx = tval_map(a), *items;
	char		*s, err[256];
	static const char layout[] =
	    "<html>\n"
	    "  <head><title>{{$title}}Shop{{/title}}</title></head>\n"
	    "  <body>\n"
	    "    {{>header}}\n"
	    "    {{$main}}\n"
	    "    <p>empty</p>\n"
	    "    {{/main}}\n"
	    "  </body>\n"
	    "</html>\n";
	static const char header[] =
	    "<header>\n"
	    "  {{#user}}<b>{{.}}</b>{{/user}}\n"
	    "</header>\n";

	items = tval_set_list(a, ctx, "items");
	tval_set_str(a, tval_push_map(a, items), "name", "Tea & cake");
	tval_set_str(a, tval_push_map(a, items), "name", "Jam");
	tval_set_str(a, ctx, "user", "ann");
	ck_assert_int_eq(tmpl_add(set, "layout", layout, strlen(layout), err,
	    sizeof(err)), 0);
	ck_assert_int_eq(tmpl_add(set, "header", header, strlen(header), err,
	    sizeof(err)), 0);
	s = render(set,
	    "{{<layout}}\n"
	    "{{$title}}Basket{{/title}}\n"
	    "{{$main}}\n"
	    "<ul>\n"
	    "  {{#items}}\n"
	    "  <li>{{name}}</li>\n"
	    "  {{/items}}\n"
	    "</ul>\n"
	    "{{/main}}\n"
	    "{{/layout}}\n", ctx, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(s,
	    "<html>\n"
	    "  <head><title>Basket</title></head>\n"
	    "  <body>\n"
	    "    <header>\n"
	    "      <b>ann</b>\n"
	    "    </header>\n"
	    "    <ul>\n"
	    "      <li>Tea &amp; cake</li>\n"
	    "      <li>Jam</li>\n"
	    "    </ul>\n"
	    "  </body>\n"
	    "</html>\n");
	free(s);
	arena_free(a);
	tmpl_set_free(set);
}
END_TEST

static void
write_file(const char *dir, const char *name, const char *text)
{
	char	*path;
	FILE	*f;

	ck_assert_int_ne(asprintf(&path, "%s/%s", dir, name), -1);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	free(path);
}

static void
remove_file(const char *dir, const char *name)
{
	char	*path;

	ck_assert_int_ne(asprintf(&path, "%s/%s", dir, name), -1);
	ck_assert_int_eq(remove(path), 0);
	free(path);
}

START_TEST(test_load_dir)
{
	char		 dir[] = "/tmp/tmpl-test.XXXXXX", err[512] = "";
	struct tmpl_set	*set;
	struct buf	 out = { NULL, 0, 0 };
	char		*sub;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ne(asprintf(&sub, "%s/partials", dir), -1);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	write_file(dir, "layout.mustache", "[{{>partials/header}}]\n");
	write_file(dir, "notes.txt", "{{#not a template");
	write_file(dir, ".hidden.mustache", "{{#broken");
	write_file(sub, "header.mustache", "<h1>{{title}}</h1>");

	set = tmpl_load_dir(dir, err, sizeof(err));
	ck_assert_msg(set != NULL, "%s", err);
	ck_assert(tmpl_exists(set, "layout"));
	ck_assert(tmpl_exists(set, "partials/header"));
	ck_assert(!tmpl_exists(set, "notes"));
	ck_assert(!tmpl_exists(set, ".hidden"));
	ck_assert_int_eq(tmpl_render(set, "layout", NULL, &out), 0);
	ck_assert_str_eq(buf_str(&out), "[<h1></h1>]\n");
	tmpl_set_free(set);

	write_file(sub, "footer.mustache", "ok\n{{#x}}\n");
	ck_assert_ptr_null(tmpl_load_dir(dir, err, sizeof(err)));
	ck_assert_str_eq(err, "partials/footer:2: section \"x\" is not "
	    "closed");
	ck_assert_ptr_null(tmpl_load_dir("/nonexistent/tmpl", err,
	    sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/tmpl: No such file or directory");

	remove_file(sub, "footer.mustache");
	remove_file(sub, "header.mustache");
	remove_file(dir, ".hidden.mustache");
	remove_file(dir, "notes.txt");
	remove_file(dir, "layout.mustache");
	ck_assert_int_eq(rmdir(sub), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	free(sub);
	buf_free(&out);
}
END_TEST

static int
is_json(const struct dirent *d)
{
	size_t	len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 5 &&
	    strcmp(d->d_name + len - 5, ".json") == 0;
}

/* Fill spec.files with the spec directory's JSON files, in name order. */
static void
find_spec_files(void)
{
	struct dirent	**ents;
	int		  i, n;

	if ((n = scandir(spec.dir, &ents, is_json, alphasort)) == -1) {
		fprintf(stderr, "%s: %s\n", spec.dir, strerror(errno));
		exit(1);
	}
	for (i = 0; i < n; i++) {
		if (spec.nfiles < SPEC_MAX_FILES &&
		    (spec.files[spec.nfiles] = strdup(ents[i]->d_name)) != NULL)
			spec.nfiles++;
		free(ents[i]);
	}
	free(ents);
	if (spec.nfiles == 0) {
		fprintf(stderr, "%s: no spec files\n", spec.dir);
		exit(1);
	}
}

int
main(int argc, char *argv[])
{
	Suite	*s;
	SRunner	*sr;
	TCase	*tc;
	int	 i, failed;
	bool	 ok;

	if (argc > 1)
		spec.dir = argv[1];
	else if ((spec.dir = getenv("SHOP_SPEC_DIR")) == NULL)
		spec.dir = "tests/mustache-spec";
	find_spec_files();
	spec.tally = mmap(NULL, sizeof(*spec.tally), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (spec.tally == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	spec.tally->passed = spec.tally->total = 0;

	s = suite_create("tmpl");
	for (i = 0; i < spec.nfiles; i++) {
		tc = tcase_create(spec.files[i]);
		tcase_add_loop_test(tc, test_spec_file, i, i + 1);
		suite_add_tcase(s, tc);
	}
	tc = tcase_create("engine");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_nesting_limit);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_size_limits);
	tcase_add_test(tc, test_output_limit);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_whitespace);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_load_dir);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	printf("mustache spec: %u/%u passed\n", spec.tally->passed,
	    spec.tally->total);
	ok = failed == 0 && spec.tally->total > 0 &&
	    spec.tally->passed == spec.tally->total;
	munmap(spec.tally, sizeof(*spec.tally));
	for (i = 0; i < spec.nfiles; i++)
		free(spec.files[i]);
	return ok ? 0 : 1;
}
