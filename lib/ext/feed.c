/*
 * Writing Google Merchant feeds with libxml2 (see feed.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "core/buf.h"
#include "ext/feed.h"

struct feed {
	xmlTextWriterPtr	 w;
	feed_write_fn		 fn;
	void			*arg;
	int			 failed;
	struct buf		 clean;
};

static int
on_write(void *ctx, const char *p, int len)
{
	struct feed	*f = ctx;

	if (len < 0 || f->fn(f->arg, p, (size_t)len) != 0) {
		f->failed = 1;
		return -1;
	}
	return len;
}

static int
on_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* The length of the well-formed UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t		 len, i;
	unsigned int	 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
}

/*
 * s as XML 1.0 may hold it, at most max characters (0: any): control
 * characters but tab, LF and CR and malformed bytes left out. Points
 * into f->clean, valid until the next call.
 */
static const char *
clean(struct feed *f, const char *s, size_t max)
{
	const unsigned char	*p = (const unsigned char *)(s ? s : "");
	size_t			 n = strlen((const char *)p), i = 0, k, chars = 0;

	buf_reset(&f->clean);
	while (i < n && (max == 0 || chars < max)) {
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r') {
			i++;
			continue;
		}
		if (p[i] == 0x7f || (k = utf8_len(p + i, n - i)) == 0) {
			i++;
			continue;
		}
		buf_append(&f->clean, p + i, k);
		i += k;
		chars++;
	}
	return buf_str(&f->clean);
}

static int
element(struct feed *f, const char *name, const char *value, size_t max)
{
	if (value == NULL)
		return 0;
	return xmlTextWriterWriteElement(f->w, BAD_CAST name,
	    BAD_CAST clean(f, value, max)) < 0 ? -1 : 0;
}

struct feed *
feed_open(feed_write_fn fn, void *arg, const char *title, const char *link,
    const char *description)
{
	xmlOutputBufferPtr	 out;
	struct feed		*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		abort();
	f->fn = fn;
	f->arg = arg;
	if ((out = xmlOutputBufferCreateIO(on_write, on_close, f,
	    NULL)) == NULL) {
		free(f);
		return NULL;
	}
	if ((f->w = xmlNewTextWriter(out)) == NULL) {
		xmlOutputBufferClose(out);
		free(f);
		return NULL;
	}
	xmlTextWriterSetIndent(f->w, 1);
	if (xmlTextWriterStartDocument(f->w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(f->w, BAD_CAST "rss") < 0 ||
	    xmlTextWriterWriteAttribute(f->w, BAD_CAST "version",
	    BAD_CAST "2.0") < 0 ||
	    xmlTextWriterWriteAttribute(f->w, BAD_CAST "xmlns:g",
	    BAD_CAST FEED_NS) < 0 ||
	    xmlTextWriterStartElement(f->w, BAD_CAST "channel") < 0 ||
	    element(f, "title", title, FEED_TITLE_MAX) != 0 ||
	    element(f, "link", link, 0) != 0 ||
	    element(f, "description", description, FEED_TEXT_MAX) != 0 ||
	    f->failed) {
		xmlFreeTextWriter(f->w);
		buf_free(&f->clean);
		free(f);
		return NULL;
	}
	return f;
}

int
feed_item(struct feed *f, const struct feed_item *it)
{
	size_t	i;

	if (f->failed)
		return -1;
	if (xmlTextWriterStartElement(f->w, BAD_CAST "item") < 0 ||
	    element(f, "g:id", it->id, 0) != 0 ||
	    element(f, "g:item_group_id", it->group_id, 0) != 0 ||
	    element(f, "g:title", it->title, FEED_TITLE_MAX) != 0 ||
	    element(f, "g:description", it->description, FEED_TEXT_MAX) != 0 ||
	    element(f, "g:link", it->link, 0) != 0 ||
	    element(f, "g:image_link", it->image_link, 0) != 0 ||
	    element(f, "g:price", it->price, 0) != 0 ||
	    element(f, "g:availability", it->availability, 0) != 0 ||
	    element(f, "g:condition", it->condition, 0) != 0)
		f->failed = 1;
	for (i = 0; !f->failed && i < it->nshipping &&
	    i < FEED_MAX_SHIPPING; i++)
		if (xmlTextWriterStartElement(f->w, BAD_CAST "g:shipping") < 0 ||
		    element(f, "g:country", it->shipping[i].country, 0) != 0 ||
		    element(f, "g:service", it->shipping[i].service,
		    FEED_TITLE_MAX) != 0 ||
		    element(f, "g:price", it->shipping[i].price, 0) != 0 ||
		    xmlTextWriterEndElement(f->w) < 0)
			f->failed = 1;
	if (!f->failed && xmlTextWriterEndElement(f->w) < 0)
		f->failed = 1;
	return f->failed ? -1 : 0;
}

int
feed_close(struct feed *f)
{
	int	rc;

	if (!f->failed && (xmlTextWriterEndElement(f->w) < 0 ||
	    xmlTextWriterEndElement(f->w) < 0 ||
	    xmlTextWriterEndDocument(f->w) < 0))
		f->failed = 1;
	/* Freeing the writer flushes and closes the output buffer. */
	xmlFreeTextWriter(f->w);
	rc = f->failed ? -1 : 0;
	buf_free(&f->clean);
	free(f);
	return rc;
}
