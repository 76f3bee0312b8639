/*
 * Every input limit of Shopfile, in one place.
 *
 * The web-server configurations in httpd-conf/ mirror SHOP_MAX_BODY
 * (lighttpd server.max-request-size, Apache FcgidMaxRequestLen) so that an
 * oversized body is refused before it reaches a FastCGI process at all; the
 * checks in lib/ are the second line and also protect plain CGI runs. The
 * one route that takes a photograph (ROUTE_UPLOAD in web/route.h: the back
 * office's product images) gets SHOP_MAX_UPLOAD_BODY instead, there too.
 * Every parser refuses input over a limit before it allocates for it.
 */
#ifndef SHOP_LIMITS_H
#define SHOP_LIMITS_H

/* Request bodies. */
#define SHOP_MAX_BODY          (1024 * 1024)     /* any request body, bytes */
/* The body of a ROUTE_UPLOAD route: an image of IMAGE_MAX_BYTES and more. */
#define SHOP_MAX_UPLOAD_BODY   (12 * 1024 * 1024)
#define SHOP_MAX_FORM_BODY     (64 * 1024)       /* urlencoded body, bytes */
#define SHOP_MAX_FIELDS        64                /* fields in a query or form */
#define SHOP_MAX_FIELD_NAME    64                /* bytes in a field name */
#define SHOP_MAX_FIELD_VALUE   8192              /* bytes in a field value */
#define SHOP_MAX_QUERY         4096              /* bytes in a query string */
#define SHOP_MAX_PATH          1024              /* bytes in a request path */

/* Multipart (RFC 7578). */
#define SHOP_MAX_PARTS         32                /* parts in one body */
#define SHOP_MAX_PART_HEADERS  1024              /* bytes of headers per part */
#define SHOP_MAX_UPLOAD        (768 * 1024)      /* one uploaded file, bytes */
/* A ROUTE_UPLOAD route's file is bounded by its body, then by its checks. */

/* Headers and cookies. */
#define SHOP_MAX_COOKIES       32                /* cookies in one header */
#define SHOP_MAX_COOKIE_LEN    4096              /* bytes in the Cookie header */
#define SHOP_MAX_HEADER_VALUE  8192              /* bytes in any header we read */

/* Templates. */
#define SHOP_MAX_TEMPLATE      (256 * 1024)      /* bytes in one template */
#define SHOP_MAX_TEMPLATE_DEPTH 32               /* nesting of partials/parents */
#define SHOP_MAX_TEMPLATES     256               /* templates in one set */

/* Catalog queries. */
#define SHOP_MAX_PAGE          10000             /* highest page number */
#define SHOP_PAGE_SIZE         12                /* products per list page */
#define SHOP_MAX_SEARCH        200               /* bytes in a search term */

/*
 * Product images (lib/ext/image.h): an upload is refused over
 * IMAGE_MAX_BYTES before anything reads it, and over the bounds on its
 * sides and pixels as soon as its header is read, before its pixels are.
 * IMAGE_MAX_SIDE is WebP's own limit on a side.
 */
#define IMAGE_MAX_BYTES        (10 * 1024 * 1024) /* one uploaded image */
#define IMAGE_MAX_SIDE         16383             /* pixels on either side */
#define IMAGE_MAX_PIXELS       (40 * 1000 * 1000) /* width * height */

/* Orders. */
#define SHOP_MAX_ORDER_LINES   100               /* lines in one order */

/* PCRE2: every fixed pattern runs under these. */
#define SHOP_PCRE_MATCH_LIMIT  100000
#define SHOP_PCRE_DEPTH_LIMIT  1000

/* Databases. */
#define SHOP_BUSY_TIMEOUT_MS   5000              /* SQLite busy handler */
#define SHOP_LOCK_TIMEOUT_MS   5000              /* wait for a write lock file */

#endif
