/*
 * Fuzz target: the Markdown render path of the shop's own pages (lib/
 * ext/markdown.c, libcmark). Input that is well-formed UTF-8 without NUL
 * and within MARKDOWN_MAX is always rendered, anything else refused with
 * nothing written. What is written is well-formed UTF-8 in which every
 * "<" opens or closes an element libcmark's own renderer writes (raw
 * HTML never passes), or is the comment that stands for raw HTML; there
 * is no <h1> (the page's title is), no image, and no link to a
 * javascript:, vbscript:, file: or data: address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/text.h"
#include "ext/markdown.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const tags[] = {
	"p>", "/p>", "h2>", "/h2>", "h3>", "/h3>", "h4>", "/h4>", "h5>",
	"/h5>", "h6>", "/h6>", "ul>", "/ul>", "ol>", "ol start=\"", "/ol>",
	"li>", "/li>", "blockquote>", "/blockquote>", "pre>", "/pre>",
	"code>", "code class=\"language-", "/code>", "em>", "/em>",
	"strong>", "/strong>", "a href=\"", "/a>", "br />", "hr />",
	"!-- raw HTML omitted -->",
};

static const char *const schemes[] = {
	"javascript:", "vbscript:", "file:", "data:",
};

/* Whether every "<" in s opens or closes what libcmark writes. */
static int
tags_ok(const char *s)
{
	size_t	i;

	while ((s = strchr(s, '<')) != NULL) {
		s++;
		for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
			if (strncmp(s, tags[i], strlen(tags[i])) == 0)
				break;
		if (i == sizeof(tags) / sizeof(tags[0]))
			return 0;
	}
	return 1;
}

/* Whether no href of s points to an unsafe scheme. */
static int
links_ok(const char *s)
{
	size_t	i;

	while ((s = strstr(s, "href=\"")) != NULL) {
		s += 6;
		for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
			if (strncasecmp(s, schemes[i], strlen(schemes[i])) == 0)
				return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 out = { 0 };
	const char	*md = (const char *)data;
	int		 fine;

	fine = size <= MARKDOWN_MAX && memchr(md, '\0', size) == NULL &&
	    text_utf8_valid(md, size);
	if (markdown_html(md, size, &out) != 0) {
		if (fine || out.len != 0)
			abort();
		return 0;
	}
	if (!fine)
		abort();
	if (!text_utf8_valid(buf_str(&out), out.len) ||
	    !tags_ok(buf_str(&out)) || !links_ok(buf_str(&out)))
		abort();
	buf_free(&out);
	return 0;
}
