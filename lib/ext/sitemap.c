/*
 * Writing sitemaps with libxml2.
 */
#include <libxml/xmlwriter.h>

#include "core/buf.h"
#include "ext/sitemap.h"

#define SITEMAP_NS	"http://www.sitemaps.org/schemas/sitemap/0.9"

/* The document into w; each call's result < 0 means libxml2 failed. */
static int
write_urlset(xmlTextWriterPtr w, const struct sitemap_url *u, size_t n)
{
	size_t	i;

	if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "urlset") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns",
	    BAD_CAST SITEMAP_NS) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (xmlTextWriterStartElement(w, BAD_CAST "url") < 0 ||
		    xmlTextWriterWriteElement(w, BAD_CAST "loc",
		    BAD_CAST u[i].loc) < 0)
			return -1;
		if (u[i].lastmod != NULL && u[i].lastmod[0] != '\0' &&
		    xmlTextWriterWriteElement(w, BAD_CAST "lastmod",
		    BAD_CAST u[i].lastmod) < 0)
			return -1;
		if (xmlTextWriterEndElement(w) < 0)
			return -1;
	}
	if (xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndDocument(w) < 0)
		return -1;
	return 0;
}

int
sitemap_write(struct buf *out, const struct sitemap_url *u, size_t n)
{
	xmlBufferPtr		 xb;
	xmlTextWriterPtr	 w;
	int			 rc;

	if (n > SITEMAP_MAX_URLS || (xb = xmlBufferCreate()) == NULL)
		return -1;
	if ((w = xmlNewTextWriterMemory(xb, 0)) == NULL) {
		xmlBufferFree(xb);
		return -1;
	}
	xmlTextWriterSetIndent(w, 1);
	rc = write_urlset(w, u, n);
	/* Freeing the writer flushes what it holds into xb. */
	xmlFreeTextWriter(w);
	if (rc == 0)
		buf_append(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
	xmlBufferFree(xb);
	return rc;
}
