/*
 * multipart/form-data parsing (RFC 7578; RFC 2046, 5.1.1).
 */
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/text.h"
#include "web/http.h"
#include "web/multipart.h"

#define BOUNDARY_MAX	70	/* RFC 2046 */
#define FILENAME_MAX_LEN 255

/* RFC 2046 bcharsnospace. */
static bool
bchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("'()+_,-./:=?", c));
}

char *
multipart_boundary(struct arena *a, const char *ct)
{
	const char	*p, *v, *e;
	size_t		 n, i;

	if (ct == NULL)
		return NULL;
	p = ct + strcspn(ct, ";");
	while (*p == ';') {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "boundary=", 9) != 0) {
			p += strcspn(p, ";");
			continue;
		}
		v = p + 9;
		if (*v == '"') {
			v++;
			if ((e = strchr(v, '"')) == NULL)
				return NULL;
		} else
			for (e = v; *e != '\0' && *e != ';' && *e != ' ' &&
			    *e != '\t'; e++)
				;
		n = (size_t)(e - v);
		if (n == 0 || n > BOUNDARY_MAX || v[n - 1] == ' ')
			return NULL;
		for (i = 0; i < n; i++)
			if (!bchar((unsigned char)v[i]) && v[i] != ' ')
				return NULL;
		return arena_strndup(a, v, n);
	}
	return NULL;
}

struct part {
	const char	*name;		/* from Content-Disposition */
	size_t		 name_len;
	const char	*filename;	/* NULL when not a file */
	size_t		 filename_len;
	const char	*type;		/* Content-Type value, or NULL */
	size_t		 type_len;
};

/*
 * One Content-Disposition parameter value at *p: a quoted string (no
 * escapes: browsers percent-encode quotes in names, WHATWG HTML 4.10.21.8)
 * or a token. Returns the end of the value, or NULL if malformed.
 */
static const char *
param_value(const char *p, const char *end, const char **v, size_t *n)
{
	const char	*q;

	if (p < end && *p == '"') {
		for (q = p + 1; q < end && *q != '"'; q++)
			;
		if (q >= end)
			return NULL;
		*v = p + 1;
		*n = (size_t)(q - p - 1);
		return q + 1;
	}
	for (q = p; q < end && *q != ';' && *q != ' ' && *q != '\t'; q++)
		;
	*v = p;
	*n = (size_t)(q - p);
	return q;
}

/* Content-Disposition: form-data; name="..."[; filename="..."]. */
static bool
disposition(const char *p, const char *end, struct part *pt)
{
	const char	*v;
	size_t		 n;
	bool		 seen_name = false;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < 9 || strncasecmp(p, "form-data", 9) != 0)
		return false;
	p += 9;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		if (*p++ != ';')
			return false;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(end - p) >= 5 && strncasecmp(p, "name=", 5) == 0) {
			if (seen_name ||
			    (p = param_value(p + 5, end, &v, &n)) == NULL)
				return false;
			pt->name = v;
			pt->name_len = n;
			seen_name = true;
		} else if ((size_t)(end - p) >= 9 &&
		    strncasecmp(p, "filename=", 9) == 0) {
			if (pt->filename != NULL ||
			    (p = param_value(p + 9, end, &v, &n)) == NULL)
				return false;
			pt->filename = v;
			pt->filename_len = n;
		} else {
			/* Another parameter (filename*=...): skipped. */
			while (p < end && *p != '=' && *p != ';')
				p++;
			if (p == end || *p != '=' ||
			    (p = param_value(p + 1, end, &v, &n)) == NULL)
				return false;
		}
	}
	return seen_name && pt->name_len > 0;
}

/* The header block of a part, without its final CRLF CRLF. */
static bool
part_headers(const char *p, const char *end, struct part *pt)
{
	const char	*eol, *colon, *v;
	bool		 seen_cd = false;

	memset(pt, 0, sizeof(*pt));
	while (p < end) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			eol = end;
		if (*p == ' ' || *p == '\t')
			return false;	/* obsolete line folding */
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL ||
		    colon == p)
			return false;
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		if ((size_t)(colon - p) == 19 &&
		    strncasecmp(p, "Content-Disposition", 19) == 0) {
			if (seen_cd || !disposition(v, eol, pt))
				return false;
			seen_cd = true;
		} else if ((size_t)(colon - p) == 12 &&
		    strncasecmp(p, "Content-Type", 12) == 0) {
			pt->type = v;
			pt->type_len = (size_t)(eol - v);
		}
		p = eol + 2;
	}
	return seen_cd;
}

/* The last path component of a file name (old browsers sent paths). */
static void
base_name(const char **s, size_t *n)
{
	size_t	i;

	for (i = *n; i > 0; i--)
		if ((*s)[i - 1] == '/' || (*s)[i - 1] == '\\')
			break;
	*s += i;
	*n -= i;
}

enum parse_err
multipart_parse(struct arena *a, const char *body, size_t len,
    const char *boundary, struct kvlist *fields, struct upload **uploads,
    size_t *nuploads)
{
	return multipart_parse_max(a, body, len, boundary, SHOP_MAX_UPLOAD,
	    fields, uploads, nuploads);
}

enum parse_err
multipart_parse_max(struct arena *a, const char *body, size_t len,
    const char *boundary, size_t max_upload, struct kvlist *fields,
    struct upload **uploads, size_t *nuploads)
{
	const char	*end = body + len, *p, *h, *hend, *c, *cend;
	char		*delim;
	size_t		 dlen, nparts = 0, text = 0, blen;
	struct part	 pt;
	struct upload	*u;
	struct kv	*kv;

	fields->v = NULL;
	fields->n = 0;
	*uploads = NULL;
	*nuploads = 0;
	if (boundary == NULL || (blen = strlen(boundary)) == 0 ||
	    blen > BOUNDARY_MAX)
		return PARSE_MALFORMED;
	/* "\r\n--boundary": the delimiter as it follows a part's content. */
	delim = arena_printf(a, "\r\n--%s", boundary);
	dlen = blen + 4;

	/* The first delimiter opens the body or ends a preamble. */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = memmem(body, len, delim, dlen)) != NULL)
		p += dlen;
	else
		return PARSE_MALFORMED;

	fields->v = arena_calloc(a, SHOP_MAX_FIELDS, sizeof(*fields->v));
	*uploads = arena_calloc(a, SHOP_MAX_PARTS, sizeof(**uploads));
	for (;;) {
		/* After a delimiter: "--" closes, else padding and CRLF. */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return PARSE_OK;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return PARSE_MALFORMED;
		p += 2;
		if (++nparts > SHOP_MAX_PARTS)
			return PARSE_TOO_MANY;

		h = p;
		hend = memmem(h, (size_t)(end - h) < SHOP_MAX_PART_HEADERS + 4 ?
		    (size_t)(end - h) : SHOP_MAX_PART_HEADERS + 4, "\r\n\r\n", 4);
		if (hend == NULL)
			return (size_t)(end - h) >= SHOP_MAX_PART_HEADERS + 4 ?
			    PARSE_TOO_LONG : PARSE_MALFORMED;
		if (!part_headers(h, hend, &pt))
			return PARSE_MALFORMED;
		c = hend + 4;
		if ((cend = memmem(c, (size_t)(end - c), delim, dlen)) == NULL)
			return PARSE_MALFORMED;
		p = cend + dlen;

		if (pt.filename != NULL) {
			base_name(&pt.filename, &pt.filename_len);
			if (pt.filename_len == 0 && cend == c)
				continue;
			if ((size_t)(cend - c) > max_upload ||
			    pt.filename_len > FILENAME_MAX_LEN ||
			    pt.name_len > SHOP_MAX_FIELD_NAME)
				return PARSE_TOO_LONG;
			if (!text_utf8_valid(pt.filename, pt.filename_len) ||
			    !text_utf8_valid(pt.name, pt.name_len))
				return PARSE_BAD_UTF8;
			if (memchr(pt.filename, '\0', pt.filename_len) ||
			    memchr(pt.name, '\0', pt.name_len))
				return PARSE_NUL;
			u = &(*uploads)[(*nuploads)++];
			u->field = arena_strndup(a, pt.name, pt.name_len);
			u->filename = arena_strndup(a, pt.filename,
			    pt.filename_len);
			u->type = pt.type != NULL ? arena_strndup(a, pt.type,
			    pt.type_len) : "application/octet-stream";
			u->data = c;
			u->len = (size_t)(cend - c);
			continue;
		}
		if (fields->n >= SHOP_MAX_FIELDS)
			return PARSE_TOO_MANY;
		if (pt.name_len > SHOP_MAX_FIELD_NAME ||
		    (size_t)(cend - c) > SHOP_MAX_FIELD_VALUE)
			return PARSE_TOO_LONG;
		text += pt.name_len + (size_t)(cend - c);
		if (text > SHOP_MAX_FORM_BODY)
			return PARSE_TOO_LONG;
		if (memchr(pt.name, '\0', pt.name_len) ||
		    memchr(c, '\0', (size_t)(cend - c)))
			return PARSE_NUL;
		if (!text_utf8_valid(pt.name, pt.name_len) ||
		    !text_utf8_valid(c, (size_t)(cend - c)))
			return PARSE_BAD_UTF8;
		kv = &fields->v[fields->n++];
		kv->key = arena_strndup(a, pt.name, pt.name_len);
		kv->val = arena_strndup(a, c, (size_t)(cend - c));
		kv->vlen = (size_t)(cend - c);
	}
}
