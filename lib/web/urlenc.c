/*
 * Percent-decoding and urlencoded field lists, refusing before allocating.
 */
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/text.h"
#include "web/http.h"
#include "web/urlenc.h"

const char *const parse_err_msgs[PARSE__MAX] = {
	"ok",
	"a percent sign is not followed by two hexadecimal digits",
	"the input holds a NUL byte",
	"the input is not valid UTF-8",
	"there are too many fields",
	"a field is too long",
	"the input is malformed",
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum parse_err
url_decode(struct arena *a, const char *s, size_t n, bool plus_space,
    char **out, size_t *outlen)
{
	char	*d = arena_alloc(a, n + 1);
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return PARSE_BAD_ESCAPE;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_space)
			c = ' ';
		if (c == '\0')
			return PARSE_NUL;
		d[o++] = c;
	}
	d[o] = '\0';
	if (!text_utf8_valid(d, o))
		return PARSE_BAD_UTF8;
	*out = d;
	if (outlen != NULL)
		*outlen = o;
	return PARSE_OK;
}

enum parse_err
urlenc_parse(struct arena *a, const char *s, size_t n, struct kvlist *out)
{
	return urlenc_parse_max(a, s, n, SHOP_MAX_FIELDS, out);
}

enum parse_err
urlenc_parse_max(struct arena *a, const char *s, size_t n, size_t max_fields,
    struct kvlist *out)
{
	size_t		 i, start, count = 0, eq;
	enum parse_err	 e;
	char		*key, *val;
	size_t		 klen, vlen;

	out->v = NULL;
	out->n = 0;
	/* Count fields first so the list is allocated once and bounded. */
	for (i = 0; i < n; i++)
		if (s[i] == '&')
			count++;
	if (n > 0)
		count++;
	if (count > max_fields)
		return PARSE_TOO_MANY;
	if (count == 0)
		return PARSE_OK;
	out->v = arena_calloc(a, count, sizeof(*out->v));

	for (start = 0; start <= n; start = i + 1) {
		for (i = start; i < n && s[i] != '&'; i++)
			continue;
		if (i == start)
			continue;
		for (eq = start; eq < i && s[eq] != '='; eq++)
			continue;
		if (eq - start > SHOP_MAX_FIELD_NAME * 3 ||
		    (eq < i && i - eq - 1 > SHOP_MAX_FIELD_VALUE * 3))
			return PARSE_TOO_LONG;
		if ((e = url_decode(a, s + start, eq - start, true, &key,
		    &klen)) != PARSE_OK)
			return e;
		if (eq < i)
			e = url_decode(a, s + eq + 1, i - eq - 1, true, &val,
			    &vlen);
		else {
			val = arena_strdup(a, "");
			vlen = 0;
		}
		if (e != PARSE_OK)
			return e;
		if (klen > SHOP_MAX_FIELD_NAME || vlen > SHOP_MAX_FIELD_VALUE)
			return PARSE_TOO_LONG;
		if (klen == 0)
			continue;
		out->v[out->n].key = key;
		out->v[out->n].val = val;
		out->v[out->n].vlen = vlen;
		out->n++;
	}
	return PARSE_OK;
}
