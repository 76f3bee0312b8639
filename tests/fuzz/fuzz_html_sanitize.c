/*
 * Fuzz target: the HTML sanitizer (lib/ext/html_sanitize.c). What it
 * writes has no tag but those of its allowlist, no attribute but an
 * http(s) href, no "<" that does not open or close one of them; its
 * plain text is well-formed UTF-8 without control characters but LF;
 * and sanitizing its output again gives the same output (so a
 * description that goes out in an export comes back the same).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/text.h"
#include "ext/html_sanitize.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const tags[] = {
	"p>", "/p>", "br>", "strong>", "/strong>", "em>", "/em>", "ul>",
	"/ul>", "ol>", "/ol>", "li>", "/li>", "a href=\"http", "/a>",
	"h2>", "/h2>", "h3>", "/h3>", "h4>", "/h4>",
};

/* Whether every "<" in s opens or closes an allowed tag. */
static int
tags_ok(const char *s)
{
	size_t	i;

	while ((s = strchr(s, '<')) != NULL) {
		s++;
		for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
			if (strncasecmp(s, tags[i], strlen(tags[i])) == 0)
				break;
		if (i == sizeof(tags) / sizeof(tags[0]))
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 out = { 0 }, text = { 0 }, again = { 0 };
	size_t		 i;

	if (html_sanitize((const char *)data, size, &out, &text) != 0) {
		if (out.len != 0 || text.len != 0)
			abort();
		return 0;
	}
	if (!tags_ok(buf_str(&out)) ||
	    !text_utf8_valid(buf_str(&text), text.len))
		abort();
	for (i = 0; i < text.len; i++)
		if ((unsigned char)text.p[i] < 0x20 && text.p[i] != '\n')
			abort();
	if (html_sanitize(out.p ? out.p : "", out.len, &again, NULL) != 0 ||
	    again.len != out.len || (out.len > 0 &&
	    memcmp(again.p, out.p, out.len) != 0))
		abort();
	buf_free(&out);
	buf_free(&text);
	buf_free(&again);
	return 0;
}
