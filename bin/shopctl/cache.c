/*
 * shopctl cache: the caches a running shop keeps.
 *
 *   shopctl cache clear
 *
 * Removes every page of the page cache ($SHOP_DATA_DIR/pages/, which
 * the web server serves itself) and every rendered fragment of
 * cache.db, so the next requests make them anew from the catalog and
 * the templates. Rate-limit counters and log-in throttles are kept.
 * Nothing needs it for correctness (every change to the catalog removes
 * what it touches); it is for an operator who changed files by hand.
 */
#include <stdio.h>
#include <string.h>

#include "side/cache.h"
#include "shop/pagecache.h"
#include "shopctl.h"

int
ctl_cache(struct ctl *c, int argc, char **argv)
{
	struct db	*cache;
	long		 pages, frags;

	if (argc != 2 || strcmp(argv[1], "clear") != 0) {
		ctl_err("usage: shopctl cache clear");
		return 2;
	}
	if ((pages = pagecache_clear()) < 0) {
		ctl_err("the pages in %s/%s could not be removed (see the log)",
		    c->cfg.data_dir, PAGECACHE_DIR);
		return 1;
	}
	if ((cache = ctl_open(c, DB_CACHE, 0)) == NULL)
		return 1;
	if ((frags = cache_clear(cache)) < 0) {
		ctl_err("cache.db: the fragments could not be deleted");
		return 1;
	}
	ctl_say(c, "cache cleared: %ld page file%s, %ld fragment%s\n", pages,
	    pages == 1 ? "" : "s", frags, frags == 1 ? "" : "s");
	return 0;
}
