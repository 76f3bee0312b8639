/*
 * Fetching one file over HTTPS with libcurl, bounded: for images an
 * import is told it may take from the web (shopctl import shopify
 * --fetch-images). Only https: URLs, redirects only to https: (at most
 * FETCH_MAX_REDIRECTS), a connect timeout of FETCH_CONNECT_SECONDS and
 * a total of FETCH_TOTAL_SECONDS, and at most max bytes: a larger answer
 * is cut off as soon as it is seen to be larger. Never call this inside
 * a database transaction.
 */
#ifndef SHOP_FETCH_H
#define SHOP_FETCH_H

#include <stddef.h>

struct buf;

#define FETCH_CONNECT_SECONDS	5
#define FETCH_TOTAL_SECONDS	20
#define FETCH_MAX_REDIRECTS	3

/*
 * GET url into out (appended to). Returns 0 on a 2xx answer of at most
 * max bytes, or -1 with the reason in err (and out as it was).
 */
int	fetch_https(const char *url, size_t max, struct buf *out, char *err,
	    size_t errlen);

#endif
