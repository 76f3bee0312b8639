/*
 * Reading XML that someone else wrote, safely: a file or bytes read as a
 * stream of elements and text with libxml2's xmlTextReader
 * (https://gnome.pages.gitlab.gnome.org/libxml2/devhelp/libxml2-xmlreader.html),
 * validated against a RELAX NG schema as it is read, never held whole in
 * memory.
 *
 * What is refused, and how:
 *   - more than max_bytes: a file by its size before a byte is parsed,
 *     any input as soon as that many bytes have been read;
 *   - a DOCTYPE (and so every entity declaration, external or not): the
 *     bytes "<!DOCTYPE" or "<!ENTITY" anywhere, seen by the reading
 *     callback before libxml2 gets them, and the node if it ever came;
 *   - an entity reference other than the five predefined ones and
 *     character references;
 *   - anything but UTF-8 (a UTF-16 or UTF-32 byte order mark, or an XML
 *     declaration naming another encoding), and malformed UTF-8;
 *   - whatever the schema does not allow.
 * The parser runs with XML_PARSE_NONET (no network), without
 * XML_PARSE_NOENT (entities are not substituted), XML_PARSE_DTDLOAD,
 * XML_PARSE_DTDATTR or XML_PARSE_HUGE (libxml2's own limits on names
 * and text hold), and with XML_PARSE_BIG_LINES so line numbers past
 * 65535 are right.
 *
 * Errors are one message, "line N: what", kept by the reader until it
 * is closed; the first error ends the reading.
 */
#ifndef SHOP_XMLIN_H
#define SHOP_XMLIN_H

#include <stdbool.h>
#include <stddef.h>

struct xmlin;
struct xmlin_schema;

enum xmlin_kind {
	XMLIN_START,	/* an element's start tag: name, attributes */
	XMLIN_END,	/* its end (also given for an empty element) */
	XMLIN_TEXT,	/* text, CDATA or white space, entities resolved */
	XMLIN_KIND__MAX
};

struct xmlin_node {
	enum xmlin_kind	 kind;
	const char	*name;	/* local name of the element; NULL for text */
	const char	*text;	/* XMLIN_TEXT: the text, UTF-8 */
	size_t		 len;
	long		 line;	/* where it starts, from 1 */
	int		 depth;	/* the root element is 0 */
};

/*
 * Compile a RELAX NG schema of len bytes (trusted: shipped with the
 * program). NULL with a message in err.
 */
struct xmlin_schema *xmlin_schema_new(const char *rng, size_t len, char *err,
		    size_t errlen);
void		 xmlin_schema_free(struct xmlin_schema *);

/*
 * Start reading the file at path, or the len bytes at p (which must stay
 * until xmlin_close()), validated against schema (may be NULL: only well
 * formed). NULL with a message in err when the file cannot be opened or
 * is over max_bytes; every other problem comes from xmlin_next().
 */
struct xmlin	*xmlin_open_file(const char *path, size_t max_bytes,
		    const struct xmlin_schema *, char *err, size_t errlen);
struct xmlin	*xmlin_open_memory(const void *p, size_t len, size_t max_bytes,
		    const struct xmlin_schema *, char *err, size_t errlen);

/*
 * The next node into *n, valid until the next call: 1, or 0 at the end
 * of a document that was well formed and valid, or -1 on the first
 * problem (xmlin_error() says it). After 0 or -1 it returns the same.
 */
int		 xmlin_next(struct xmlin *, struct xmlin_node *n);

/*
 * The value of attribute name of the element whose XMLIN_START was the
 * last node, or NULL when it has none; valid until the next call of
 * xmlin_next().
 */
const char	*xmlin_attr(struct xmlin *, const char *name);

/*
 * Stop with a problem the caller found at line (0: the current node's):
 * xmlin_next() returns -1 from now on and xmlin_error() gives
 * "line N: " and the message.
 */
void		 xmlin_fail(struct xmlin *, long line, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* The message of the problem that stopped the reading, or NULL. */
const char	*xmlin_error(const struct xmlin *);
/* The line of the last node given (0 before the first). */
long		 xmlin_line(const struct xmlin *);
/* Bytes read from the input so far. */
size_t		 xmlin_bytes(const struct xmlin *);

void		 xmlin_close(struct xmlin *);

#endif
