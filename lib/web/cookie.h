/*
 * Cookies: the Cookie request header (RFC 6265, 5.4) and Set-Cookie.
 */
#ifndef SHOP_COOKIE_H
#define SHOP_COOKIE_H

#include <stdbool.h>

struct arena;
struct kvlist;
struct req;

/*
 * Parse a Cookie header into name/value pairs in the arena. Malformed
 * pairs are skipped, as browsers send what other sites' scripts set.
 * Returns 0, or -1 when the header is over SHOP_MAX_COOKIE_LEN or holds
 * more than SHOP_MAX_COOKIES pairs (the caller answers 431 or 400).
 */
int	 cookie_parse(struct arena *, const char *header, struct kvlist *out);

struct cookie_opts {
	long		 max_age;	/* seconds; 0: session; <0: delete */
	bool		 secure;	/* Secure attribute */
	bool		 http_only;
	const char	*same_site;	/* "Lax", "Strict" or NULL */
	const char	*path;		/* NULL: "/" */
};

/*
 * Add a Set-Cookie header to the response. The name must be a token and
 * the value cookie-octets only; anything else is refused and logged.
 */
void	 cookie_set(struct req *, const char *name, const char *value,
	    const struct cookie_opts *);

#endif
