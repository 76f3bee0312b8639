/*
 * The shop's own pages (about, shipping, returns, privacy, terms,
 * contact, the legal notice): a title and a Markdown body each, in
 * content_pages (sql/primary/0120), shown at /pages/<slug> and edited in
 * the back office. The set of pages is the migration's; they are only
 * ever changed, never made or removed here.
 *
 * Every change of title or body raises the page's version (a trigger),
 * and the HTML of a body is kept in cache.db under its slug and version,
 * so a page is rendered by libcmark (ext/markdown.h) once per version.
 */
#ifndef SHOP_CONTENT_H
#define SHOP_CONTENT_H

#include <stddef.h>

#include "core/limits.h"

struct arena;
struct db;

#define CONTENT_SLUG_MAX	40		/* schema too */
#define CONTENT_TITLE_MAX	120		/* characters (schema too) */
/* Bytes of a body: what one form field holds (the schema allows more). */
#define CONTENT_BODY_MAX	SHOP_MAX_FIELD_VALUE
/* Pages at most (content_page_list()). */
#define CONTENT_PAGES_MAX	32
/* How long cache.db keeps a rendered version; versions name them. */
#define CONTENT_CACHE_TTL	86400

struct content_page {
	long long	 id;
	char		*slug;
	char		*title;
	char		*body;		/* Markdown */
	long long	 position;
	long long	 version;
	char		*updated_at;	/* "2026-12-03T14:05:00Z" */
};

enum content_result {
	CONTENT_OK,
	CONTENT_NOT_FOUND,	/* no page of that slug */
	CONTENT_BAD_TITLE,	/* not one line of 1 to CONTENT_TITLE_MAX */
	CONTENT_BAD_BODY,	/* too long, not UTF-8, control characters */
	CONTENT_CHANGED,	/* saved by someone else since it was read */
	CONTENT_ERROR,		/* database error (logged): roll back */
	CONTENT_RESULT__MAX
};

/* "ok", "not_found", ...: for logs and JSON. */
extern const char *const content_result_names[CONTENT_RESULT__MAX];
/* What a person is told, a sentence. */
extern const char *const content_result_msgs[CONTENT_RESULT__MAX];
/* The form field a result is about ("title", "body"), or NULL. */
extern const char *const content_result_fields[CONTENT_RESULT__MAX];

/*
 * The page of slug into *out (strings in the arena). Returns 1, 0 when
 * there is none (or slug is no slug), or -1 on a database error.
 */
int		 content_page_get(struct db *, struct arena *, const char *slug,
		    struct content_page *out);

/*
 * Every page in the shop's order (position), at most CONTENT_PAGES_MAX,
 * into an array in the arena; *n gets its length. Returns 0 or -1.
 */
int		 content_page_list(struct db *, struct arena *,
		    struct content_page **out, size_t *n);

/*
 * Whether title and body are what a page may hold: CONTENT_OK,
 * CONTENT_BAD_TITLE or CONTENT_BAD_BODY. Pure.
 */
enum content_result content_check(const char *title, const char *body);

/*
 * Change the page of slug (in a write) to title and body, if its version
 * is still expect (0: whatever it is); what it reads goes in the arena. A change of nothing writes
 * nothing and is CONTENT_OK. *version (may be NULL) gets the version the
 * page has afterwards. A refusal writes nothing.
 */
enum content_result content_page_save(struct db *, struct arena *,
		    const char *slug, const char *title, const char *body,
		    long long expect, long long *version);

/*
 * The HTML of Markdown body (markdown_html()), in the arena, into
 * *html. Returns 0, or -1 when the body cannot be rendered.
 */
int		 content_render(struct arena *, const char *body, char **html);

/*
 * The HTML of page p's body: from cache (may be NULL) under its slug and
 * version, or rendered and kept there. Returns 0 or -1, as
 * content_render() does; a cache that fails is only a miss.
 */
int		 content_page_html(struct db *cache, struct arena *,
		    const struct content_page *p, char **html);

#endif
