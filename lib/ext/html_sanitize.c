/*
 * Sanitizing HTML to a small allowlist with libxml2's HTML parser (see
 * html_sanitize.h). The tree is walked without recursion, whatever its
 * depth; what each element became is kept in its _private field, so
 * that leaving it closes what entering it opened.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "core/buf.h"
#include "core/text.h"
#include "ext/html_sanitize.h"

#define HTML_OPTIONS	(HTML_PARSE_NONET | HTML_PARSE_NOERROR | \
			 HTML_PARSE_NOWARNING)

enum action {
	ACT_UNWRAP,	/* its tags go, its content stays */
	ACT_DROP,	/* it goes with all it holds */
	ACT_EMIT,	/* written as tags[] says */
	ACT__MAX
};

/* The elements written, and what the ones that are renamed become. */
static const struct {
	const char	*in;
	const char	*out;
} kept[] = {
	{ "p", "p" },
	{ "br", "br" },
	{ "strong", "strong" },
	{ "b", "strong" },
	{ "em", "em" },
	{ "i", "em" },
	{ "ul", "ul" },
	{ "ol", "ol" },
	{ "li", "li" },
	{ "a", "a" },
	{ "h1", "h2" },
	{ "h2", "h2" },
	{ "h3", "h3" },
	{ "h4", "h4" },
};

/* Dropped with their content. */
static const char *const dropped[] = {
	"script", "style", "iframe", "object", "embed", "svg", "math",
	"template", "noscript", "textarea", "select", "head", "title",
	"frame", "frameset", "applet", "canvas", "audio", "video",
};

/* Unwrapped elements that still end a paragraph of the plain text. */
static const char *const blocks[] = {
	"div", "table", "tr", "blockquote", "section", "article", "header",
	"footer", "pre", "dl", "dt", "dd", "figure", "hr", "address",
};

struct walk {
	struct buf	*out;
	struct buf	*text;
	const char	*open[HTML_SANITIZE_DEPTH];	/* written, innermost last */
	int		 depth;
	/* Plain text: what is owed before the next character. */
	bool		 written;	/* anything yet */
	bool		 space;
	int		 newlines;
};

static bool
in_list(const char *name, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(name, list[i]) == 0)
			return true;
	return false;
}

static const char *
kept_name(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (strcasecmp(name, kept[i].in) == 0)
			return kept[i].out;
	return NULL;
}

static bool
is_heading(const char *t)
{
	return strcmp(t, "h2") == 0 || strcmp(t, "h3") == 0 ||
	    strcmp(t, "h4") == 0;
}

static bool
is_block(const char *t)
{
	return strcmp(t, "p") == 0 || strcmp(t, "ul") == 0 ||
	    strcmp(t, "ol") == 0 || is_heading(t);
}

/*
 * Whether the parser, reading a start tag t while p is the element it
 * is in, would close p first (libxml2's htmlStartClose table, for the
 * tags written): such a t is unwrapped, so the output reads back as it
 * was written.
 */
static bool
closes(const char *t, const char *p)
{
	if (p == NULL)
		return false;
	if (strcmp(p, "p") == 0)
		return is_block(t) || strcmp(t, "li") == 0;
	if (is_heading(p))
		return strcmp(t, "p") == 0 || strcmp(t, "li") == 0 ||
		    (is_heading(t) && strcmp(t, p) != 0);
	if (strcmp(p, "li") == 0)
		return strcmp(t, "li") == 0;
	if (strcmp(p, "ul") == 0)
		return strcmp(t, "ol") == 0;
	if (strcmp(p, "ol") == 0)
		return strcmp(t, "ul") == 0;
	if (strcmp(p, "a") == 0)
		return strcmp(t, "a") == 0;
	return false;
}

/* Whether an element named t is open in the output. */
static bool
inside(const struct walk *w, const char *t)
{
	int	i;

	for (i = 0; i < w->depth; i++)
		if (strcmp(w->open[i], t) == 0)
			return true;
	return false;
}

/* Text escaped for HTML, control characters but tab, CR, LF left out. */
static void
put_escaped(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f)
			continue;
		switch (c) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		default:
			buf_putc(b, (char)c);
		}
	}
}

/* The plain text of s, white space collapsed (see the header). */
static void
put_text(struct walk *w, const char *s)
{
	if (w->text == NULL)
		return;
	for (; *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f') {
			if (w->written && w->newlines == 0)
				w->space = true;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		if (w->written && w->newlines > 0) {
			for (; w->newlines > 0; w->newlines--)
				buf_putc(w->text, '\n');
		} else if (w->space)
			buf_putc(w->text, ' ');
		w->newlines = 0;
		w->space = false;
		w->written = true;
		buf_putc(w->text, (char)c);
	}
}

static void
text_break(struct walk *w, int lines)
{
	if (w->newlines < lines)
		w->newlines = lines;
	w->space = false;
}

/* An href that may be written: http or https, no quote or control. */
static bool
href_ok(const char *h)
{
	const char	*p;

	if (h == NULL || (strncasecmp(h, "http://", 7) != 0 &&
	    strncasecmp(h, "https://", 8) != 0) || strlen(h) > 2048)
		return false;
	for (p = h; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* What an element becomes, from its name and what is open around it. */
static enum action
decide(struct walk *w, xmlNodePtr n, const char **tag)
{
	const char	*name = (const char *)n->name, *t;
	const char	*parent = w->depth > 0 ? w->open[w->depth - 1] : NULL;
	xmlChar		*href;
	bool		 ok;

	*tag = NULL;
	if (name == NULL)
		return ACT_UNWRAP;
	if (in_list(name, dropped, sizeof(dropped) / sizeof(dropped[0])))
		return ACT_DROP;
	if ((t = kept_name(name)) == NULL || w->depth == HTML_SANITIZE_DEPTH)
		return ACT_UNWRAP;
	/* What the parser would close early when it read the output. */
	if (is_block(t) && (inside(w, "p") || inside(w, "h2") ||
	    inside(w, "h3") || inside(w, "h4")))
		return ACT_UNWRAP;
	if (strcmp(t, "li") == 0 && (parent == NULL ||
	    (strcmp(parent, "ul") != 0 && strcmp(parent, "ol") != 0)))
		return ACT_UNWRAP;
	if (closes(t, parent) || ((strcmp(t, "ul") == 0 ||
	    strcmp(t, "ol") == 0) && parent != NULL &&
	    (strcmp(parent, "ul") == 0 || strcmp(parent, "ol") == 0)))
		return ACT_UNWRAP;
	if (strcmp(t, "a") == 0) {
		if (inside(w, "a"))
			return ACT_UNWRAP;
		href = xmlGetProp(n, BAD_CAST "href");
		ok = href_ok((const char *)href);
		xmlFree(href);
		if (!ok)
			return ACT_UNWRAP;
	}
	*tag = t;
	return ACT_EMIT;
}

static void
enter_element(struct walk *w, xmlNodePtr n, bool *descend)
{
	const char	*tag;
	enum action	 act = decide(w, n, &tag);
	xmlChar		*href;

	n->_private = (void *)(uintptr_t)act;
	*descend = act != ACT_DROP;
	if (act == ACT_DROP)
		return;
	if (act == ACT_UNWRAP) {
		if (n->name != NULL && in_list((const char *)n->name, blocks,
		    sizeof(blocks) / sizeof(blocks[0])))
			text_break(w, 2);
		return;
	}
	if (strcmp(tag, "a") == 0) {
		href = xmlGetProp(n, BAD_CAST "href");
		buf_puts(w->out, "<a href=\"");
		put_escaped(w->out, (const char *)href);
		buf_puts(w->out, "\">");
		xmlFree(href);
	} else
		buf_printf(w->out, "<%s>", tag);
	if (strcmp(tag, "br") == 0) {
		text_break(w, 1);
		*descend = false;
		n->_private = (void *)(uintptr_t)ACT_UNWRAP;
		return;
	}
	if (strcmp(tag, "li") == 0) {
		text_break(w, 1);
		if (w->text != NULL) {
			if (w->written)
				for (; w->newlines > 0; w->newlines--)
					buf_putc(w->text, '\n');
			w->newlines = 0;
			buf_puts(w->text, "- ");
			w->written = true;
		}
	}
	if (is_block(tag))
		text_break(w, 2);
	w->open[w->depth++] = tag;
}

static void
leave_element(struct walk *w, xmlNodePtr n)
{
	enum action	 act = (enum action)(uintptr_t)n->_private;
	const char	*tag;

	if (act == ACT_UNWRAP && n->name != NULL &&
	    in_list((const char *)n->name, blocks,
	    sizeof(blocks) / sizeof(blocks[0])))
		text_break(w, 2);
	if (act != ACT_EMIT || w->depth == 0)
		return;
	tag = w->open[--w->depth];
	buf_printf(w->out, "</%s>", tag);
	if (is_block(tag))
		text_break(w, 2);
	else if (strcmp(tag, "li") == 0)
		text_break(w, 1);
}

/* Enter n: write what it opens; *descend says whether to go inside. */
static void
enter(struct walk *w, xmlNodePtr n, bool *descend)
{
	*descend = false;
	switch (n->type) {
	case XML_ELEMENT_NODE:
		enter_element(w, n, descend);
		break;
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (n->content != NULL) {
			put_escaped(w->out, (const char *)n->content);
			put_text(w, (const char *)n->content);
		}
		break;
	default:
		break;	/* comments, processing instructions, DTDs */
	}
}

static void
leave(struct walk *w, xmlNodePtr n)
{
	if (n->type == XML_ELEMENT_NODE)
		leave_element(w, n);
}

/* Every node under top, in document order, without recursion. */
static void
walk_tree(struct walk *w, xmlNodePtr top)
{
	xmlNodePtr	 n = top->children;
	bool		 descend;

	while (n != NULL) {
		enter(w, n, &descend);
		if (descend && n->children != NULL) {
			n = n->children;
			continue;
		}
		leave(w, n);
		while (n->next == NULL) {
			n = n->parent;
			if (n == NULL || n == top)
				return;
			leave(w, n);
		}
		n = n->next;
	}
}

/*
 * The <body> the parser made (it adds <html> and <body> around any
 * fragment), or the document when there is none.
 */
static xmlNodePtr
body_of(htmlDocPtr doc)
{
	xmlNodePtr	root = xmlDocGetRootElement(doc), n;

	if (root == NULL)
		return (xmlNodePtr)doc;
	for (n = root->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && n->name != NULL &&
		    strcasecmp((const char *)n->name, "body") == 0)
			return n;
	return (xmlNodePtr)doc;
}

int
html_sanitize(const char *html, size_t len, struct buf *out, struct buf *text)
{
	struct buf	 o = { 0 }, t = { 0 }, in = { 0 };
	struct walk	 w;
	htmlDocPtr	 doc;

	if (len > HTML_SANITIZE_MAX || memchr(html, '\0', len) != NULL ||
	    !text_utf8_valid(html, len))
		return -1;
	if (len == 0)
		return 0;
	/*
	 * Inside an open <body>, text at the start is not put in a <p> the
	 * parser adds (it does so only before any element), so the output
	 * reads back as the same tree.
	 */
	buf_puts(&in, "<body>");
	buf_append(&in, html, len);
	doc = htmlReadMemory(in.p, (int)in.len, NULL, "UTF-8", HTML_OPTIONS);
	buf_free(&in);
	if (doc == NULL)
		return 0;	/* nothing libxml2 could read: no content */
	memset(&w, 0, sizeof(w));
	w.out = &o;
	w.text = text != NULL ? &t : NULL;
	walk_tree(&w, body_of(doc));
	xmlFreeDoc(doc);
	if (!text_utf8_valid(o.p ? o.p : "", o.len) ||
	    !text_utf8_valid(t.p ? t.p : "", t.len)) {
		buf_free(&o);
		buf_free(&t);
		return -1;
	}
	buf_append(out, o.p ? o.p : "", o.len);
	if (text != NULL)
		buf_append(text, t.p ? t.p : "", t.len);
	buf_free(&o);
	buf_free(&t);
	return 0;
}
