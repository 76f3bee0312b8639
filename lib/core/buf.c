/*
 * Growable byte buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static void
buf_grow(struct buf *b, size_t more)
{
	size_t	 cap;
	char	*p;

	if (more > SIZE_MAX - b->len - 1) {
		fprintf(stderr, "level=fatal msg=\"buffer size overflow\"\n");
		abort();
	}
	if (b->len + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more + 1)
		cap = cap > SIZE_MAX / 2 ? b->len + more + 1 : cap * 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		fprintf(stderr, "level=fatal msg=\"out of memory growing a buffer to %zu bytes\"\n", cap);
		abort();
	}
	b->p = p;
	b->cap = cap;
}

void
buf_reset(struct buf *b)
{
	if (b->cap > BUF_KEEP) {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
buf_append(struct buf *b, const void *src, size_t n)
{
	buf_grow(b, n);
	if (n > 0)
		memcpy(b->p + b->len, src, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	ap2;
	int	n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n <= 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/*
 * Append text escaped for HTML element content and quoted attribute values:
 * the five characters that can end either, plus the backtick old browsers
 * took for a quote. Attributes are always quoted, so "=" needs nothing.
 */
void
buf_html(struct buf *b, const char *s, size_t n)
{
	size_t		 i, start = 0;
	const char	*rep;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':  rep = "&amp;"; break;
		case '<':  rep = "&lt;"; break;
		case '>':  rep = "&gt;"; break;
		case '"':  rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '`':  rep = "&#96;"; break;
		default:   continue;
		}
		buf_append(b, s + start, i - start);
		buf_puts(b, rep);
		start = i + 1;
	}
	buf_append(b, s + start, n - start);
}

const char *
buf_str(struct buf *b)
{
	if (b->p == NULL)
		buf_grow(b, 0);
	b->p[b->len] = '\0';
	return b->p;
}
