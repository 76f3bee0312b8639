/*
 * Text checks and transformations shared by parsers and validators.
 */
#ifndef SHOP_TEXT_H
#define SHOP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct buf;

/* Well-formed UTF-8 (RFC 3629): no overlongs, surrogates or > U+10FFFF. */
bool	 text_utf8_valid(const char *, size_t);
/* Characters (code points) of well-formed UTF-8 text. */
size_t	 text_utf8_chars(const char *);
/* No NUL and no C0 control character other than tab, CR and LF. */
bool	 text_printable(const char *, size_t);
/* NULL, empty, or nothing but ASCII white space. */
bool	 text_blank(const char *);
/*
 * Whether s is text a person may store in a field of at most max_chars
 * characters: well-formed UTF-8, no NUL, DEL or C0 control character,
 * except tab, CR and LF when multiline. NULL does not fit.
 */
bool	 text_fits(const char *s, size_t max_chars, bool multiline);
/* Copy with leading and trailing ASCII whitespace removed. */
char	*text_trim(struct arena *, const char *);
/*
 * A URL slug of s: ASCII letters and digits lowered, Latin accents folded,
 * every other run of characters one "-". Empty if nothing remains.
 */
char	*text_slug(struct arena *, const char *);
/* Percent-encode for a URL query component (RFC 3986 unreserved kept). */
void	 text_urlencode(struct buf *, const char *);

#endif
