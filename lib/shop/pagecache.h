/*
 * The page cache: anonymous catalog pages kept as files under
 * $SHOP_DATA_DIR/pages/, which the web server serves itself without the
 * FastCGI hop (httpd-conf/pagecache.lua for lighttpd, mod_rewrite for
 * Apache), falling back to the catalog program when a file is missing.
 *
 * A page is kept only for a GET of a known address with a known query
 * (pagecache_name()), from a client with no session cookie that asked
 * for HTML, answered 200: what everyone without a session sees alike,
 * with no cart and no name in the layout. It is written atomically (a
 * temporary file renamed), with a gzip variant beside it, and only if
 * the catalog's version is still the one it was rendered from; and every
 * program that commits a change to a product (its variants, stock,
 * prices, images) or a category removes the pages that show it as soon
 * as the change is committed (db_watch() in data/db.h), so a cached page
 * is never staler than the live one. Templates or the shop's settings
 * changed, or the machine restarted, the next program to start clears
 * them all. The files are bounded by SHOP_PAGE_CACHE_BYTES, oldest
 * removed first.
 *
 * Like cache.db, the pages are an optimisation and never a reason to
 * fail: every failure here is logged and the page served as it is.
 */
#ifndef SHOP_PAGECACHE_H
#define SHOP_PAGECACHE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct config;
struct db;
struct req;

#define PAGECACHE_DIR		"pages"
/* SHOP_PAGE_CACHE_BYTES: the most the files may hold; 0 turns it off. */
#define PAGECACHE_MAX_BYTES	(64LL * 1024 * 1024)
/* Of the address and query a file is named for (pagecache_name()). */
#define PAGECACHE_MAX_PAGE	99999
#define PAGECACHE_MAX_SORT	20
/*
 * The answer's caching, the program's and the web server's alike: a CDN
 * or browser may keep a page a second, which is as long as the stock a
 * page shows may lag (the live stock line corrects it within that), and
 * revalidates it with ETag or Last-Modified after.
 */
#define PAGECACHE_CONTROL	"public, max-age=1"

/*
 * Set the page cache up for this process from cfg (the pages' directory,
 * SHOP_PAGE_CACHE_BYTES) and watch shop.db's catalog tables, so that
 * every change this process commits removes the pages it touches. When
 * template_dir is not NULL (the web programs), the pages were made with
 * other templates or settings, or before the machine last started, they
 * are all removed first. Call once, before any database is opened.
 * Returns 0, or -1 when SHOP_PAGE_CACHE_BYTES is unusable (err says).
 */
int		 pagecache_init(const struct config *cfg,
		    const char *template_dir, char *err, size_t errlen);

/* Whether pages are kept (initialised, with a cap above 0). */
bool		 pagecache_enabled(void);

/*
 * The file an address and query are kept in, relative to the pages'
 * directory, in the arena: "index.html" for /, "products.html" for
 * /products, "products/SLUG.html", "categories/SLUG.html"; a list's
 * query "page=N", "sort=S" or "sort=S&page=N" adds ".S" and ".pN"
 * before ".html". NULL for any other address or query (not kept).
 * httpd-conf/pagecache.lua and apache.conf.in name them the same way.
 */
char		*pagecache_name(struct arena *, const char *path,
		    const char *query);

/*
 * The file this request's answer would be kept in, or NULL when it must
 * not be: a method other than GET, a client that wants JSON, a request
 * with a session cookie or a session, an unknown address or query, or
 * the cache off.
 */
const char	*pagecache_of(struct req *);

/*
 * Keep html (len bytes) as name (pagecache_name()) and its gzip variant,
 * if the catalog's version in db is still version (the one the page was
 * read at; read before the page's data); otherwise the page is older
 * than a change that has already removed the pages, and is dropped.
 * Removes the oldest pages when the cap is passed. Returns 1 kept, 0
 * dropped, -1 on error (logged).
 */
int		 pagecache_store(struct db *, const char *name,
		    long long version, const char *html, size_t len);

/*
 * Remove the pages of products by slug (n of them), and every page that
 * lists products (home, lists, categories). Returns 0 or -1 (logged).
 */
int		 pagecache_forget(const char *const *slugs, size_t n);
/* Remove every page. Returns the files removed, or -1 (logged). */
long		 pagecache_clear(void);
/*
 * Remove the oldest pages until they hold at most max_bytes. Returns
 * the files removed, or -1.
 */
long		 pagecache_evict(long long max_bytes);
/* The cap (SHOP_PAGE_CACHE_BYTES), and the bytes the files hold (-1). */
long long	 pagecache_cap(void);
long long	 pagecache_bytes(void);

#endif
