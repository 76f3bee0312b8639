/*
 * Fuzz target: the search query builder and the snippet splitter
 * (lib/shop/catalog.c). Whatever a shopper types, the FTS5 expression built
 * from it must be accepted by FTS5 (never a syntax error), and any text
 * split into segments must come back whole, without markers, in
 * non-empty segments that alternate between hits and text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/text.h"
#include "shop/catalog.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One in-memory table like product_search, made on the first call. */
static sqlite3		*db;
static sqlite3_stmt	*st;

static void
open_index(void)
{
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE s USING fts5(name, "
	    "description, tokenize = 'unicode61 remove_diacritics 2', "
	    "prefix = '2 3 4');"
	    "INSERT INTO s VALUES ('Cr\xc3\xa8me Mug', 'A \"blue\" t-shirt');"
	    "INSERT INTO s VALUES ('NEAR OR AND', 'name: * ^ -');",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT rowid, snippet(s, 1, char(2), "
	    "char(3), '', 8) FROM s WHERE s MATCH ?", -1, &st, NULL) !=
	    SQLITE_OK)
		abort();
}

static void
check_segments(struct arena *a, const char *s)
{
	struct segment	*seg;
	struct buf	 got = { 0 }, want = { 0 };
	size_t		 i, n;
	const char	*p;

	n = catalog_segments(a, s, &seg);
	for (i = 0; i < n; i++) {
		if (seg[i].len == 0 || strlen(seg[i].text) != seg[i].len ||
		    strpbrk(seg[i].text, CATALOG_MARK_OPEN
		    CATALOG_MARK_CLOSE) != NULL ||
		    (i > 0 && seg[i].hit == seg[i - 1].hit))
			abort();
		buf_append(&got, seg[i].text, seg[i].len);
	}
	for (p = s; *p != '\0'; p++)
		if (*p != CATALOG_MARK_OPEN[0] && *p != CATALOG_MARK_CLOSE[0])
			buf_putc(&want, *p);
	if (got.len != want.len ||
	    (got.len > 0 && memcmp(got.p, want.p, got.len) != 0))
		abort();
	buf_free(&got);
	buf_free(&want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	*a;
	char		*text, *q;
	size_t		 n, terms;
	int		 rc;

	if (db == NULL)
		open_index();
	a = arena_new();
	/* Requests hold no NUL; the parser refuses bad UTF-8 before this. */
	n = strnlen((const char *)data, size);
	text = arena_strndup(a, (const char *)data, n);
	check_segments(a, text);
	if (text_utf8_valid(text, n)) {
		terms = catalog_fts_query(a, text, n, &q);
		if (terms > CATALOG_MAX_TERMS || (terms == 0) != (*q == '\0'))
			abort();
		if (terms > 0) {
			sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
			while ((rc = sqlite3_step(st)) == SQLITE_ROW)
				check_segments(a, (const char *)
				    sqlite3_column_text(st, 1));
			if (rc != SQLITE_DONE)
				abort();
			sqlite3_reset(st);
		}
	}
	arena_free(a);
	return 0;
}
