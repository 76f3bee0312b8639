/*
 * Markdown made into HTML, for the pages the merchant writes (shop/
 * content.h): CommonMark, parsed and rendered by libcmark (Debian's
 * libcmark-dev, 0.30), whose HTML renderer is safe by default since
 * 0.29: raw HTML, inline or in blocks, is left out (an HTML comment
 * "raw HTML omitted" takes its place), and links or images to
 * javascript:, vbscript:, file: and data: (but for a few image types)
 * lose their address. CMARK_OPT_UNSAFE is never given.
 *
 * Input that is not UTF-8 is refused here, before libcmark sees it
 * (CMARK_OPT_VALIDATE_UTF8 would only replace bad bytes). A "#" heading
 * becomes <h2>, since the page's own title is its <h1>. Images are not
 * shown (the shop's pages are text, and an image of elsewhere would be
 * refused by the pages' CSP, with no size to hold its place): each gives
 * way to its description, as text.
 */
#ifndef SHOP_MARKDOWN_H
#define SHOP_MARKDOWN_H

#include <stddef.h>

struct buf;

/* Bytes of Markdown markdown_html() reads at most. */
#define MARKDOWN_MAX	(64 * 1024)

/*
 * Render the len bytes at md (well-formed UTF-8 without NUL, at most
 * MARKDOWN_MAX) as HTML, appended to out. Returns 0, or -1 for input
 * that is not such UTF-8 or is too long, or when libcmark fails (out of
 * memory), with nothing appended.
 */
int	markdown_html(const char *md, size_t len, struct buf *out);

#endif
