/*
 * Percent-decoding and application/x-www-form-urlencoded parsing
 * (the URL Standard's "application/x-www-form-urlencoded parser", strict:
 * a malformed escape is an error, not passed through).
 */
#ifndef SHOP_URLENC_H
#define SHOP_URLENC_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct kvlist;

enum parse_err {
	PARSE_OK,
	PARSE_BAD_ESCAPE,	/* "%" not followed by two hex digits */
	PARSE_NUL,		/* a decoded NUL */
	PARSE_BAD_UTF8,		/* decoded text is not UTF-8 */
	PARSE_TOO_MANY,		/* more fields than SHOP_MAX_FIELDS */
	PARSE_TOO_LONG,		/* a name or value over its limit */
	PARSE_MALFORMED,	/* anything else the grammar refuses */
	PARSE__MAX
};

extern const char *const parse_err_msgs[PARSE__MAX];

/*
 * Decode n bytes of s into a new NUL-terminated string in the arena;
 * plus_space turns "+" into a space (forms and queries, not paths).
 */
enum parse_err	 url_decode(struct arena *, const char *s, size_t n,
		    bool plus_space, char **out, size_t *outlen);

/*
 * Parse "a=1&b=2" into a list of decoded fields in the arena. Empty
 * pairs ("a=1&&b=2") are skipped; a name without "=" has an empty value.
 */
enum parse_err	 urlenc_parse(struct arena *, const char *s, size_t n,
		    struct kvlist *out);
/*
 * The same with another bound on the number of fields than
 * SHOP_MAX_FIELDS (an API body with many bracketed fields).
 */
enum parse_err	 urlenc_parse_max(struct arena *, const char *s, size_t n,
		    size_t max_fields, struct kvlist *out);

#endif
