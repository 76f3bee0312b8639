/*
 * Markdown to HTML through libcmark (markdown.h).
 */
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "core/buf.h"
#include "core/text.h"
#include "ext/markdown.h"

/* Safe is libcmark's default; smart punctuation reads better. */
#define MARKDOWN_OPTIONS	(CMARK_OPT_DEFAULT | CMARK_OPT_SMART)

/*
 * Make the tree what the shop shows: "#" headings become level 2, and
 * each image gives way to its description (its children, moved before
 * it). Images are collected first and changed after, as libcmark's
 * iterator must not see the nodes it walks removed. Returns 0, or -1 if
 * libcmark refuses or memory runs out.
 */
static int
tree_fix(cmark_node *doc)
{
	cmark_iter		*it;
	cmark_node		*n, *c, **img = NULL, **more;
	cmark_event_type	 ev;
	size_t			 nimg = 0, cap = 0, i;
	int			 rc = 0;

	if ((it = cmark_iter_new(doc)) == NULL)
		return -1;
	while (rc == 0 && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (cmark_node_get_type(n) == CMARK_NODE_HEADING &&
		    cmark_node_get_heading_level(n) == 1 &&
		    !cmark_node_set_heading_level(n, 2))
			rc = -1;
		if (cmark_node_get_type(n) != CMARK_NODE_IMAGE)
			continue;
		if (nimg == cap) {
			cap = cap ? cap * 2 : 16;
			if ((more = reallocarray(img, cap, sizeof(*img))) ==
			    NULL) {
				rc = -1;
				break;
			}
			img = more;
		}
		img[nimg++] = n;
	}
	cmark_iter_free(it);
	for (i = 0; rc == 0 && i < nimg; i++) {
		while ((c = cmark_node_first_child(img[i])) != NULL)
			if (!cmark_node_insert_before(img[i], c)) {
				rc = -1;
				break;
			}
		if (rc == 0)
			cmark_node_free(img[i]);
	}
	free(img);
	return rc;
}

int
markdown_html(const char *md, size_t len, struct buf *out)
{
	cmark_node	*doc;
	char		*html;

	if (len > MARKDOWN_MAX || memchr(md, '\0', len) != NULL ||
	    !text_utf8_valid(md, len))
		return -1;
	if ((doc = cmark_parse_document(md, len, MARKDOWN_OPTIONS)) == NULL)
		return -1;
	if (tree_fix(doc) != 0) {
		cmark_node_free(doc);
		return -1;
	}
	html = cmark_render_html(doc, MARKDOWN_OPTIONS);
	cmark_node_free(doc);
	if (html == NULL)
		return -1;
	buf_puts(out, html);
	free(html);
	return 0;
}
