/*
 * Sitemaps (https://www.sitemaps.org/protocol.html): the list of a
 * site's pages that search engines read, written with libxml2's
 * xmlTextWriter so that every URL is escaped as XML requires.
 */
#ifndef SHOP_SITEMAP_H
#define SHOP_SITEMAP_H

#include <stddef.h>

struct buf;

/* The protocol's limit of URLs in one sitemap file. */
#define SITEMAP_MAX_URLS	50000

struct sitemap_url {
	const char	*loc;		/* absolute URL */
	const char	*lastmod;	/* W3C datetime, or NULL or "" */
};

/*
 * Append a <urlset> of the n URLs (at most SITEMAP_MAX_URLS) to out as
 * a UTF-8 XML document. Returns 0, or -1 if libxml2 fails or n is over
 * the limit, with nothing appended.
 */
int	sitemap_write(struct buf *out, const struct sitemap_url *, size_t n);

#endif
