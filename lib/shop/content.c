/*
 * The shop's own pages (see content.h).
 */
#include <string.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/text.h"
#include "data/db.h"
#include "ext/markdown.h"
#include "side/cache.h"
#include "shop/content.h"

_Static_assert(CONTENT_BODY_MAX <= MARKDOWN_MAX,
    "markdown_html() renders every body a page may hold");

const char *const content_result_names[CONTENT_RESULT__MAX] = {
	"ok",
	"not_found",
	"bad_title",
	"bad_body",
	"changed",
	"error",
};

const char *const content_result_msgs[CONTENT_RESULT__MAX] = {
	"Saved.",
	"There is no such page.",
	"Enter a title: one line of at most 120 characters.",
	"The text is too long (at most 8192 bytes) or holds characters "
	    "that cannot be shown.",
	"Someone saved this page since you opened it: reload it, then make "
	    "your change again.",
	"The page could not be saved. Try again.",
};

const char *const content_result_fields[CONTENT_RESULT__MAX] = {
	NULL,
	NULL,
	"title",
	"body",
	"body",
	NULL,
};

static const char sql_get[] =
    "SELECT id, slug, title, body, position, version, updated_at"
    " FROM content_pages WHERE slug = ?1";
static const char sql_list[] =
    "SELECT id, slug, title, body, position, version, updated_at"
    " FROM content_pages ORDER BY position, id LIMIT ?1";
static const char sql_save[] =
    "UPDATE content_pages SET title = ?2, body = ?3 WHERE id = ?1";

/* The row stmt is on, into *p. */
static void
row_of(struct arena *a, sqlite3_stmt *st, struct content_page *p)
{
	p->id = sqlite3_column_int64(st, 0);
	p->slug = db_text(a, st, 1);
	p->title = db_text(a, st, 2);
	p->body = db_text(a, st, 3);
	p->position = sqlite3_column_int64(st, 4);
	p->version = sqlite3_column_int64(st, 5);
	p->updated_at = db_text(a, st, 6);
}

/* A slug as the schema takes it: [a-z0-9-], 1 to CONTENT_SLUG_MAX. */
static bool
slug_ok(const char *s)
{
	size_t	n;

	if (s == NULL)
		return false;
	n = strlen(s);
	return n >= 1 && n <= CONTENT_SLUG_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

int
content_page_get(struct db *d, struct arena *a, const char *slug,
    struct content_page *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (!slug_ok(slug))
		return 0;
	if ((st = db_prep(d, sql_get)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		row_of(a, st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
content_page_list(struct db *d, struct arena *a, struct content_page **out,
    size_t *n)
{
	sqlite3_stmt	*st;
	int		 rc;

	*n = 0;
	*out = arena_calloc(a, CONTENT_PAGES_MAX, sizeof(**out));
	if ((st = db_prep(d, sql_list)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, CONTENT_PAGES_MAX);
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		row_of(a, st, &(*out)[(*n)++]);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

enum content_result
content_check(const char *title, const char *body)
{
	if (title == NULL || text_blank(title) ||
	    !text_fits(title, CONTENT_TITLE_MAX, false))
		return CONTENT_BAD_TITLE;
	if (body == NULL || strlen(body) > CONTENT_BODY_MAX ||
	    !text_fits(body, CONTENT_BODY_MAX, true))
		return CONTENT_BAD_BODY;
	return CONTENT_OK;
}

enum content_result
content_page_save(struct db *d, struct arena *a, const char *slug,
    const char *title, const char *body, long long expect, long long *version)
{
	struct content_page	 was;
	enum content_result	 res;
	sqlite3_stmt		*st;
	int			 rc;

	if (!db_in_write(d)) {
		log_error("content_page_save: not inside a write transaction");
		return CONTENT_ERROR;
	}
	if ((res = content_check(title, body)) != CONTENT_OK)
		return res;
	if ((rc = content_page_get(d, a, slug, &was)) != 1)
		return rc == 0 ? CONTENT_NOT_FOUND : CONTENT_ERROR;
	if (expect != 0 && expect != was.version)
		return CONTENT_CHANGED;
	if (version != NULL)
		*version = was.version;
	if (strcmp(was.title, title) == 0 && strcmp(was.body, body) == 0)
		return CONTENT_OK;
	if ((st = db_prep(d, sql_save)) == NULL)
		return CONTENT_ERROR;
	sqlite3_bind_int64(st, 1, was.id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || sqlite3_changes(db_handle(d)) != 1)
		return CONTENT_ERROR;
	/* The trigger raised it by one; nothing else writes meanwhile. */
	if (version != NULL)
		(*version)++;
	return CONTENT_OK;
}

int
content_render(struct arena *a, const char *body, char **html)
{
	struct buf	 b = { 0 };

	*html = NULL;
	if (markdown_html(body, strlen(body), &b) != 0) {
		buf_free(&b);
		return -1;
	}
	*html = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return 0;
}

int
content_page_html(struct db *cache, struct arena *a,
    const struct content_page *p, char **html)
{
	char	*key, *val;
	size_t	 len;

	key = arena_printf(a, "content:%s:%lld", p->slug, p->version);
	if (cache != NULL && cache_get(cache, a, key, &val, &len)) {
		*html = val;
		return 0;
	}
	if (content_render(a, p->body, html) != 0) {
		log_error("content: page %s version %lld cannot be rendered",
		    p->slug, p->version);
		return -1;
	}
	if (cache != NULL)
		(void)cache_set(cache, key, *html, strlen(*html),
		    CONTENT_CACHE_TTL, 0);
	return 0;
}
