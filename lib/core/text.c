/*
 * Text checks and transformations.
 */
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/text.h"

bool
text_utf8_valid(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, need, k;
	unsigned long		 cp;

	while (i < n) {
		unsigned char c = p[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else
			return false;
		if (n - i - 1 < need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

size_t
text_utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

bool
text_printable(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f)
			return false;
	}
	return true;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\f' || c == '\v';
}

bool
text_blank(const char *s)
{
	if (s == NULL)
		return true;
	while (is_space(*s))
		s++;
	return *s == '\0';
}

bool
text_fits(const char *s, size_t max_chars, bool multiline)
{
	size_t	n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (!text_utf8_valid(s, n) || !text_printable(s, n))
		return false;
	if (!multiline && strpbrk(s, "\t\r\n") != NULL)
		return false;
	return text_utf8_chars(s) <= max_chars;
}

char *
text_trim(struct arena *a, const char *s)
{
	size_t	n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

/*
 * The Latin-1 Supplement letters (U+00C0..U+00FF) folded to ASCII; a
 * space means "not a letter".
 */
static const char latin1_fold[64] =
    "AAAAAAACEEEEIIIIDNOOOOO OUUUUYTs"
    "aaaaaaaceeeeiiiidnooooo ouuuuyty";

char *
text_slug(struct arena *a, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), i, o = 0;
	char			*out = arena_alloc(a, n + 1);
	bool			 dash = false;

	for (i = 0; i < n; i++) {
		char c = 0;

		if (p[i] < 0x80) {
			if ((p[i] >= 'a' && p[i] <= 'z') ||
			    (p[i] >= '0' && p[i] <= '9'))
				c = (char)p[i];
			else if (p[i] >= 'A' && p[i] <= 'Z')
				c = (char)(p[i] - 'A' + 'a');
		} else if (p[i] == 0xc3 && i + 1 < n &&
		    p[i + 1] >= 0x80 && p[i + 1] <= 0xbf) {
			c = latin1_fold[p[i + 1] - 0x80];
			if (c == ' ')
				c = 0;
			else if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			i++;
		}
		if (c == 0) {
			dash = o > 0;
			continue;
		}
		if (dash)
			out[o++] = '-';
		dash = false;
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

void
text_urlencode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			buf_putc(b, (char)c);
		else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}
