/*
 * HTML from elsewhere (a Shopify "Body (HTML)", an imported
 * description) made safe to show as HTML: parsed with libxml2's HTML
 * parser (htmlReadMemory, no network, errors and warnings silenced) and
 * the content of the <body> it makes written out again from the tree,
 * keeping only
 *
 *	p br strong em ul ol li h2 h3 h4, and a with an http: or https:
 *	href (and nothing else: no target, no style, no on* handler)
 *
 * with b and i written as strong and em, and h1 as h2. The content of
 * script, style, iframe, object, embed, svg, math, template, noscript,
 * textarea, select, head and title is dropped with them; every other
 * element (div, span, table, img, font, ...) is unwrapped: its tags go,
 * its text stays. Comments and processing instructions go. Text is
 * escaped (& < > ") and stripped of control characters but tab, CR and
 * LF.
 *
 * The result is stable: sanitizing what html_sanitize() wrote gives it
 * back unchanged (an element that the parser would close early when
 * read again, such as a list inside a paragraph or a link inside a
 * link, is unwrapped rather than written), so a description that went
 * out through an export comes back the same.
 *
 * The same pass gives the plain text of the HTML, as a person reads it:
 * white space runs as one space, a blank line after each paragraph,
 * heading and list, a line for each list item ("- " first) and each
 * <br>, no space at the start or end of a line. That is what the shop
 * searches, puts in meta descriptions and feeds, and shows where HTML
 * cannot go.
 */
#ifndef SHOP_HTML_SANITIZE_H
#define SHOP_HTML_SANITIZE_H

#include <stddef.h>

struct buf;

/* Bytes of HTML html_sanitize() reads at most. */
#define HTML_SANITIZE_MAX	(512 * 1024)
/* Elements kept inside each other at most; deeper ones are unwrapped. */
#define HTML_SANITIZE_DEPTH	32

/*
 * Sanitize the len bytes at html (well-formed UTF-8 without NUL, at
 * most HTML_SANITIZE_MAX) into out, and their plain text into text
 * (may be NULL); both are appended to. Returns 0, or -1 for input that
 * is not such UTF-8 or is too long, or if libxml2 fails, with nothing
 * appended.
 */
int	html_sanitize(const char *html, size_t len, struct buf *out,
	    struct buf *text);

#endif
