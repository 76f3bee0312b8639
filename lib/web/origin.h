/*
 * Cross-origin protection for state-changing requests.
 */
#ifndef SHOP_ORIGIN_H
#define SHOP_ORIGIN_H

#include <stdbool.h>

struct config;
struct req;

/*
 * Whether a POST (or any method but GET and HEAD) may proceed. A browser
 * tells where a request comes from: Sec-Fetch-Site (Fetch Metadata) must
 * be "same-origin" or "none" (typed in, a bookmark) when it is sent, and
 * Origin, whenever it is sent, must be the origin of the shop's base URL
 * (SHOP_BASE_URL), never only the Host the request names. "cross-site",
 * "same-site" (another host or port of the site), an Origin "null" or any
 * other is refused. A request with neither header is not from a browser
 * (curl, scripts) and passes: there is no ambient credential for another
 * site to abuse.
 */
bool	origin_allowed(const struct req *, const struct config *);

#endif
