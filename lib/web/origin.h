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
 * tells where a request comes from: Sec-Fetch-Site (Fetch Metadata) when
 * it sends it, else Origin. "cross-site", an Origin "null" or an Origin
 * other than the shop's own is refused. A request with neither header is
 * not from a browser (curl, scripts) and passes: there is no ambient
 * credential for another site to abuse.
 */
bool	origin_allowed(const struct req *, const struct config *);

#endif
