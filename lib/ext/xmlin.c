/*
 * Reading untrusted XML with libxml2's xmlTextReader (see xmlin.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/relaxng.h>
#include <libxml/xmlreader.h>

#include "ext/xmlin.h"

/* Attributes asked of one element, kept until the next node. */
#define XMLIN_ATTRS	16
#define XMLIN_ERR	512
/* "<!DOCTYPE" is the longest word looked for, less one. */
#define XMLIN_CARRY	8

/* What libxml2 is told: no network, no entities, no DTD, no huge. */
#define XMLIN_OPTIONS	(XML_PARSE_NONET | XML_PARSE_BIG_LINES | \
			 XML_PARSE_NOWARNING)

struct xmlin_schema {
	xmlRelaxNGPtr	 rng;
};

struct xmlin {
	xmlTextReaderPtr	 reader;
	int			 fd;		/* -1: reading memory */
	const unsigned char	*mem;
	size_t			 memlen;
	size_t			 read;		/* bytes given to libxml2 */
	size_t			 max;
	bool			 first;		/* the prolog not checked yet */
	unsigned char		 prolog[256];	/* its first bytes */
	size_t			 nprolog;
	unsigned char		 carry[XMLIN_CARRY];
	size_t			 ncarry;
	long			 lines_read;	/* LFs given to libxml2 */
	bool			 pending_end;	/* an empty element's END */
	const char		*pending_name;
	int			 pending_depth;
	int			 state;		/* 1 reading, 0 done, -1 failed */
	bool			 validating;	/* against a schema */
	long			 line;
	char			*attrs[XMLIN_ATTRS];
	size_t			 nattrs;
	char			*err;
};

static void
fail_v(struct xmlin *x, long line, const char *fmt, va_list ap)
{
	char	 msg[XMLIN_ERR];
	size_t	 n;

	if (x->err != NULL)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* libxml2's messages may have several lines: one here. */
	for (n = 0; msg[n] != '\0'; n++)
		if (msg[n] == '\n' && msg[n + 1] != '\0')
			msg[n] = ';';
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if ((x->err = malloc(XMLIN_ERR + 32)) == NULL)
		abort();
	if (line > 0)
		snprintf(x->err, XMLIN_ERR + 32, "line %ld: %s", line, msg);
	else
		snprintf(x->err, XMLIN_ERR + 32, "%s", msg);
	x->state = -1;
}

static void
fail(struct xmlin *x, long line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fail_v(x, line, fmt, ap);
	va_end(ap);
}

void
xmlin_fail(struct xmlin *x, long line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fail_v(x, line > 0 ? line : x->line, fmt, ap);
	va_end(ap);
}

/* libxml2's errors and the schema's: the first one is kept. */
static void
on_error(void *arg, xmlErrorPtr e)
{
	struct xmlin	*x = arg;
	long		 line;

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	line = e->line > 0 ? e->line : x->line;
	if (e->node != NULL && e->line <= 0)
		line = xmlGetLineNo((xmlNodePtr)e->node);
	fail(x, line, "%s", e->message != NULL ? e->message : "not XML");
}

static void
schema_error(void *arg, xmlErrorPtr e)
{
	char	*err = arg;

	if (e != NULL && e->level >= XML_ERR_ERROR && err[0] == '\0')
		snprintf(err, XMLIN_ERR, "schema line %d: %s", e->line,
		    e->message != NULL ? e->message : "?");
}

struct xmlin_schema *
xmlin_schema_new(const char *rng, size_t len, char *err, size_t errlen)
{
	struct xmlin_schema	*s;
	xmlRelaxNGParserCtxtPtr	 pc;
	char			 msg[XMLIN_ERR] = "";

	if ((pc = xmlRelaxNGNewMemParserCtxt(rng, (int)len)) == NULL) {
		snprintf(err, errlen, "libxml2: out of memory");
		return NULL;
	}
	xmlRelaxNGSetParserStructuredErrors(pc, schema_error, msg);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		abort();
	s->rng = xmlRelaxNGParse(pc);
	xmlRelaxNGFreeParserCtxt(pc);
	if (s->rng == NULL) {
		snprintf(err, errlen, "%s", msg[0] ? msg :
		    "the schema does not compile");
		free(s);
		return NULL;
	}
	return s;
}

void
xmlin_schema_free(struct xmlin_schema *s)
{
	if (s == NULL)
		return;
	xmlRelaxNGFree(s->rng);
	free(s);
}

/*
 * The first bytes: UTF-8 only. A byte order mark of UTF-16 or UTF-32,
 * a "<" in two or four bytes, or an XML declaration naming another
 * encoding is refused. Returns 0 or -1 (failed).
 */
static int
check_start(struct xmlin *x, const unsigned char *p, size_t n)
{
	const char	*end, *enc;
	char		 decl[256], name[32];
	size_t		 k;

	if ((n >= 2 && ((p[0] == 0xfe && p[1] == 0xff) ||
	    (p[0] == 0xff && p[1] == 0xfe))) ||
	    (n >= 2 && p[0] == 0 && p[1] == '<') ||
	    (n >= 2 && p[0] == '<' && p[1] == 0)) {
		fail(x, 1, "the file is not UTF-8 (UTF-16 or UTF-32 is not "
		    "accepted)");
		return -1;
	}
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		n -= 3;
	}
	if (n < 5 || memcmp(p, "<?xml", 5) != 0)
		return 0;
	k = n < sizeof(decl) - 1 ? n : sizeof(decl) - 1;
	memcpy(decl, p, k);
	decl[k] = '\0';
	if ((end = strstr(decl, "?>")) == NULL)
		return 0;	/* libxml2 will say what is wrong */
	decl[end - decl] = '\0';
	if ((enc = strstr(decl, "encoding")) == NULL)
		return 0;
	enc += strlen("encoding");
	while (*enc == ' ' || *enc == '\t' || *enc == '\r' || *enc == '\n' ||
	    *enc == '=')
		enc++;
	if (*enc != '"' && *enc != '\'')
		return 0;
	for (k = 0, enc++; *enc != '\0' && *enc != '"' && *enc != '\'' &&
	    k < sizeof(name) - 1; k++)
		name[k] = *enc++;
	name[k] = '\0';
	if (strcasecmp(name, "UTF-8") != 0) {
		fail(x, 1, "the file is in %s: only UTF-8 is accepted", name);
		return -1;
	}
	return 0;
}

/*
 * Whether word is in the n bytes at p (with the carry before them);
 * *at gets the offset in p where it starts (0 if in the carry).
 */
static bool
has_word(const unsigned char *carry, size_t nc, const unsigned char *p,
    size_t n, const char *word, size_t *at)
{
	size_t	wl = strlen(word), i, j;

	for (i = 0; i < nc + n; i++) {
		for (j = 0; j < wl && i + j < nc + n; j++) {
			unsigned char c = i + j < nc ? carry[i + j] :
			    p[i + j - nc];

			if (c != (unsigned char)word[j])
				break;
		}
		if (j == wl) {
			*at = i > nc ? i - nc : 0;
			return true;
		}
		if (i + wl > nc + n)
			break;
	}
	return false;
}

/*
 * libxml2's input: at most len bytes from the file or memory, after the
 * checks above. -1 stops the parser (the reason is kept).
 */
static int
on_read(void *arg, char *buf, int len)
{
	struct xmlin	*x = arg;
	size_t		 n, k, at;
	ssize_t		 got;
	long		 line;

	if (x->err != NULL || len < 0)
		return -1;
	if (x->fd >= 0) {
		do
			got = read(x->fd, buf, (size_t)len);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			fail(x, 0, "cannot read the file: %s",
			    strerror(errno));
			return -1;
		}
		n = (size_t)got;
	} else {
		n = x->memlen - x->read < (size_t)len ? x->memlen - x->read :
		    (size_t)len;
		memcpy(buf, x->mem + x->read, n);
	}
	if (n > x->max - x->read) {
		fail(x, 0, "the file is larger than %zu bytes", x->max);
		return -1;
	}
	/*
	 * libxml2 reads a few bytes first, then more: the XML declaration
	 * is checked once it is whole (or cannot be), from a copy.
	 */
	if (x->first) {
		k = sizeof(x->prolog) - x->nprolog < n ?
		    sizeof(x->prolog) - x->nprolog : n;
		memcpy(x->prolog + x->nprolog, buf, k);
		x->nprolog += k;
		if (x->nprolog == sizeof(x->prolog) || n == 0 ||
		    memmem(x->prolog, x->nprolog, "?>", 2) != NULL ||
		    (x->nprolog >= 8 && memmem(x->prolog, 8, "<?xml", 5) ==
		    NULL)) {
			x->first = false;
			if (check_start(x, x->prolog, x->nprolog) != 0)
				return -1;
		}
	}
	if (has_word(x->carry, x->ncarry, (unsigned char *)buf, n,
	    "<!DOCTYPE", &at) || has_word(x->carry, x->ncarry,
	    (unsigned char *)buf, n, "<!ENTITY", &at)) {
		line = x->lines_read + 1;
		for (k = 0; k < at; k++)
			line += buf[k] == '\n';
		fail(x, line, "a DOCTYPE or an entity declaration is not "
		    "accepted");
		return -1;
	}
	for (k = 0; k < n; k++)
		x->lines_read += buf[k] == '\n';
	/* The last bytes, for a word that spans two reads. */
	if (n >= XMLIN_CARRY) {
		memcpy(x->carry, buf + n - XMLIN_CARRY, XMLIN_CARRY);
		x->ncarry = XMLIN_CARRY;
	} else {
		for (k = 0; k < n; k++) {
			if (x->ncarry == XMLIN_CARRY) {
				memmove(x->carry, x->carry + 1,
				    XMLIN_CARRY - 1);
				x->ncarry--;
			}
			x->carry[x->ncarry++] = (unsigned char)buf[k];
		}
	}
	x->read += n;
	return (int)n;
}

static int
on_close(void *arg)
{
	(void)arg;
	return 0;
}

static struct xmlin *
open_common(struct xmlin *x, const struct xmlin_schema *s, char *err,
    size_t errlen)
{
	x->first = true;
	x->state = 1;
	x->reader = xmlReaderForIO(on_read, on_close, x, "input", NULL,
	    XMLIN_OPTIONS);
	if (x->reader == NULL) {
		snprintf(err, errlen, "libxml2 could not start reading");
		xmlin_close(x);
		return NULL;
	}
	xmlTextReaderSetStructuredErrorHandler(x->reader, on_error, x);
	x->validating = s != NULL;
	if (s != NULL && xmlTextReaderRelaxNGSetSchema(x->reader,
	    s->rng) != 0) {
		snprintf(err, errlen, "libxml2 could not use the schema");
		xmlin_close(x);
		return NULL;
	}
	xmlTextReaderSetStructuredErrorHandler(x->reader, on_error, x);
	return x;
}

struct xmlin *
xmlin_open_file(const char *path, size_t max_bytes,
    const struct xmlin_schema *s, char *err, size_t errlen)
{
	struct xmlin	*x;
	struct stat	 sb;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (S_ISREG(sb.st_mode) && (unsigned long long)sb.st_size >
	    (unsigned long long)max_bytes) {
		snprintf(err, errlen, "%s: the file has %lld bytes, more than "
		    "the %zu that are read", path, (long long)sb.st_size,
		    max_bytes);
		close(fd);
		return NULL;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		abort();
	x->fd = fd;
	x->max = max_bytes;
	return open_common(x, s, err, errlen);
}

struct xmlin *
xmlin_open_memory(const void *p, size_t len, size_t max_bytes,
    const struct xmlin_schema *s, char *err, size_t errlen)
{
	struct xmlin	*x;

	if (len > max_bytes) {
		snprintf(err, errlen, "the document has %zu bytes, more than "
		    "the %zu that are read", len, max_bytes);
		return NULL;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		abort();
	x->fd = -1;
	x->mem = p;
	x->memlen = len;
	x->max = max_bytes;
	return open_common(x, s, err, errlen);
}

static void
attrs_free(struct xmlin *x)
{
	size_t	i;

	for (i = 0; i < x->nattrs; i++)
		xmlFree(x->attrs[i]);
	x->nattrs = 0;
}

/* The line of the reader's node, from its node or from the parser. */
static long
node_line(struct xmlin *x)
{
	xmlNodePtr	node = xmlTextReaderCurrentNode(x->reader);
	long		line = node != NULL ? xmlGetLineNo(node) : -1;

	if (line <= 0 || line == 65535)
		line = xmlTextReaderGetParserLineNumber(x->reader);
	return line;
}

int
xmlin_next(struct xmlin *x, struct xmlin_node *n)
{
	int	rc, type;

	attrs_free(x);
	memset(n, 0, sizeof(*n));
	if (x->state != 1)
		return x->state;
	if (x->pending_end) {
		x->pending_end = false;
		n->kind = XMLIN_END;
		n->name = x->pending_name;
		n->depth = x->pending_depth;
		n->line = x->line;
		return 1;
	}
	for (;;) {
		rc = xmlTextReaderRead(x->reader);
		if (x->err != NULL)
			return -1;
		if (rc < 0) {
			fail(x, x->line, "the document is not well-formed XML");
			return -1;
		}
		if (rc == 0) {
			if (x->validating &&
			    xmlTextReaderIsValid(x->reader) != 1) {
				fail(x, x->line, "the document does not follow "
				    "the schema");
				return -1;
			}
			x->state = 0;
			return 0;
		}
		type = xmlTextReaderNodeType(x->reader);
		switch (type) {
		case XML_READER_TYPE_ELEMENT:
			x->line = node_line(x);
			n->kind = XMLIN_START;
			n->name = (const char *)xmlTextReaderConstLocalName(
			    x->reader);
			n->depth = xmlTextReaderDepth(x->reader);
			n->line = x->line;
			if (xmlTextReaderIsEmptyElement(x->reader) == 1) {
				x->pending_end = true;
				x->pending_name = n->name;
				x->pending_depth = n->depth;
			}
			return 1;
		case XML_READER_TYPE_END_ELEMENT:
			n->kind = XMLIN_END;
			n->name = (const char *)xmlTextReaderConstLocalName(
			    x->reader);
			n->depth = xmlTextReaderDepth(x->reader);
			n->line = x->line;
			return 1;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			x->line = node_line(x);
			n->kind = XMLIN_TEXT;
			n->text = (const char *)xmlTextReaderConstValue(
			    x->reader);
			n->len = n->text != NULL ? strlen(n->text) : 0;
			if (n->text == NULL)
				n->text = "";
			n->depth = xmlTextReaderDepth(x->reader);
			n->line = x->line;
			return 1;
		case XML_READER_TYPE_ENTITY_REFERENCE:
		case XML_READER_TYPE_ENTITY:
			fail(x, node_line(x), "an entity reference is not "
			    "accepted");
			return -1;
		case XML_READER_TYPE_DOCUMENT_TYPE:
		case XML_READER_TYPE_NOTATION:
			fail(x, node_line(x), "a DOCTYPE is not accepted");
			return -1;
		default:
			continue;	/* comments, processing instructions */
		}
	}
}

const char *
xmlin_attr(struct xmlin *x, const char *name)
{
	xmlChar	*v;

	if (x->state != 1 || x->nattrs == XMLIN_ATTRS ||
	    xmlTextReaderNodeType(x->reader) != XML_READER_TYPE_ELEMENT)
		return NULL;
	if ((v = xmlTextReaderGetAttribute(x->reader, BAD_CAST name)) == NULL)
		return NULL;
	x->attrs[x->nattrs++] = (char *)v;
	return (const char *)v;
}

const char *
xmlin_error(const struct xmlin *x)
{
	return x->err;
}

long
xmlin_line(const struct xmlin *x)
{
	return x->line;
}

size_t
xmlin_bytes(const struct xmlin *x)
{
	return x->read;
}

void
xmlin_close(struct xmlin *x)
{
	if (x == NULL)
		return;
	attrs_free(x);
	if (x->reader != NULL)
		xmlFreeTextReader(x->reader);
	if (x->fd >= 0)
		close(x->fd);
	free(x->err);
	free(x);
}
