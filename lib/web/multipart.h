/*
 * multipart/form-data bodies (RFC 7578, on the multipart syntax of
 * RFC 2046, 5.1.1), strictly: CRLF line ends, a boundary taken from the
 * Content-Type, every part with a Content-Disposition "form-data" and a
 * name, and the closing delimiter present. A truncated body is an error.
 *
 * Text fields obey the limits of urlencoded forms (SHOP_MAX_FIELDS,
 * SHOP_MAX_FIELD_NAME, SHOP_MAX_FIELD_VALUE, no NUL, well-formed UTF-8,
 * SHOP_MAX_FORM_BODY in all); parts are at most SHOP_MAX_PARTS, each with
 * at most SHOP_MAX_PART_HEADERS bytes of headers; a file is at most
 * SHOP_MAX_UPLOAD bytes. A file input left empty (a part with an empty
 * filename and no content) is skipped, as if absent.
 */
#ifndef SHOP_MULTIPART_H
#define SHOP_MULTIPART_H

#include <stddef.h>

#include "web/urlenc.h"

struct arena;
struct kvlist;
struct upload;

/*
 * The boundary of a Content-Type header value ("multipart/form-data;
 * boundary=..."), quoted or not, 1 to 70 characters of RFC 2046's bchars
 * (and not ending in a space), into the arena; NULL if there is none or
 * it is malformed.
 */
char		*multipart_boundary(struct arena *, const char *content_type);

/*
 * Parse body (len bytes; need not be NUL-terminated) with boundary.
 * Fields go to *fields; files to *uploads (*nuploads of them), whose data
 * point into body, so body must live as long as they do. Everything else
 * is in the arena. Returns PARSE_OK, PARSE_TOO_MANY or PARSE_TOO_LONG
 * for limits, PARSE_NUL or PARSE_BAD_UTF8 for bad field text, and
 * PARSE_MALFORMED for anything else.
 */
enum parse_err	 multipart_parse(struct arena *, const char *body, size_t len,
		    const char *boundary, struct kvlist *fields,
		    struct upload **uploads, size_t *nuploads);

/*
 * The same with files of up to max_upload bytes instead of
 * SHOP_MAX_UPLOAD: for a route whose body limit is larger (ROUTE_UPLOAD),
 * the body's own size bounds its file.
 */
enum parse_err	 multipart_parse_max(struct arena *, const char *body,
		    size_t len, const char *boundary, size_t max_upload,
		    struct kvlist *fields, struct upload **uploads,
		    size_t *nuploads);

#endif
