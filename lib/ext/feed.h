/*
 * Product feeds for Google Merchant Center: RSS 2.0 with the g:
 * namespace (http://base.google.com/ns/1.0), as its product data
 * specification describes (https://support.google.com/merchants/answer/7052112),
 * written with libxml2's xmlTextWriter to a callback as it goes, a few
 * kilobytes at a time, so that a feed of any length needs no more
 * memory than one item.
 *
 * Whatever the text holds, the document stays well-formed XML 1.0:
 * text is escaped, never put in CDATA (so "]]>" is just text), control
 * characters that XML 1.0 forbids are left out, bytes that are not
 * well-formed UTF-8 are left out too, and titles and descriptions are
 * cut to the lengths Google takes (FEED_TITLE_MAX, FEED_TEXT_MAX
 * characters).
 */
#ifndef SHOP_FEED_H
#define SHOP_FEED_H

#include <stddef.h>

#define FEED_NS			"http://base.google.com/ns/1.0"
#define FEED_TITLE_MAX		150
#define FEED_TEXT_MAX		5000
#define FEED_MAX_SHIPPING	8	/* g:shipping of one item */

struct feed;

/* Where the feed goes: 0, or -1 to stop (the client went away). */
typedef int	(*feed_write_fn)(void *arg, const char *p, size_t n);

struct feed_shipping {
	const char	*country;	/* ISO 3166-1 alpha-2 */
	const char	*service;	/* "Standard (3-5 days)" */
	const char	*price;		/* "4.95 EUR" */
};

struct feed_item {
	const char	*id;		/* g:id: the SKU */
	const char	*group_id;	/* g:item_group_id: the product */
	const char	*title;
	const char	*description;
	const char	*link;		/* absolute URL */
	const char	*image_link;	/* absolute URL, or NULL */
	const char	*price;		/* "18.00 EUR" */
	const char	*availability;	/* "in_stock", "out_of_stock" */
	const char	*condition;	/* "new" */
	const struct feed_shipping *shipping;
	size_t		 nshipping;
};

/*
 * Start a feed: the XML declaration, <rss> and the <channel> with its
 * title, link and description. NULL if libxml2 fails or fn refused the
 * first bytes.
 */
struct feed	*feed_open(feed_write_fn fn, void *arg, const char *title,
		    const char *link, const char *description);

/* One <item>. 0, or -1 once writing failed (later calls fail too). */
int		 feed_item(struct feed *, const struct feed_item *);

/*
 * End the channel and the document, hand the rest to fn and free the
 * feed. 0, or -1 if anything failed since feed_open().
 */
int		 feed_close(struct feed *);

#endif
