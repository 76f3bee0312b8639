/*
 * Routing: a per-program table of methods, PCRE2 patterns with named
 * captures, handlers and flags, compiled once at start-up (JIT where the
 * platform has it) and matched under fixed match limits.
 */
#ifndef SHOP_ROUTE_H
#define SHOP_ROUTE_H

#include <stddef.h>

struct arena;
struct kvlist;
struct req;

/*
 * A handler fills the response and returns 0, or returns an HTTP status
 * (400..599) for the request loop to answer with its error page.
 */
typedef int (*route_fn)(struct req *);

/* Every request's session is loaded; these flags add requirements. */
enum route_flag {
	ROUTE_USER	= 1u << 1,	/* a signed-in account only */
	ROUTE_ADMIN	= 1u << 2,	/* an administrator only */
	ROUTE_STAFF	= 1u << 6,	/* staff or an administrator */
	ROUTE_RAW	= 1u << 3,	/* body kept raw, no form parsing */
	ROUTE_CROSS	= 1u << 4,	/* cross-site posts allowed (webhooks) */
	ROUTE_STREAM	= 1u << 5,	/* long-lived response (events) */
	/*
	 * A body up to SHOP_MAX_UPLOAD_BODY and a multipart file as large
	 * (core/limits.h), for the route that takes camera photos; every
	 * other route stays at SHOP_MAX_BODY and SHOP_MAX_UPLOAD.
	 */
	ROUTE_UPLOAD	= 1u << 7,
};

struct route {
	unsigned	 methods;	/* HTTP_BIT(HTTP_GET) | ... */
	const char	*pattern;	/* anchored PCRE2 pattern on the path */
	route_fn	 fn;
	unsigned	 flags;
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_BAD_METHOD,
	ROUTE_ERROR,		/* match limit hit: answered as 400 */
	ROUTE__MAX
};

struct router;

/*
 * Compile a table; the table must outlive the router. Returns NULL with
 * the pattern and PCRE2's message in err on a bad pattern.
 */
struct router	*router_new(const struct route *, size_t n, char *err, size_t);
void		 router_free(struct router *);

/*
 * Match method and path. On ROUTE_FOUND, *out is the route and params
 * holds its named captures (in the arena). On ROUTE_BAD_METHOD, *allow is
 * the bit set of methods the path accepts.
 */
enum route_result router_match(const struct router *, struct arena *,
		    unsigned method, const char *path,
		    const struct route **out, struct kvlist *params,
		    unsigned *allow);

#endif
