/*
 * Cross-origin checks (Fetch Metadata and Origin; see the Fetch standard
 * and RFC 6454).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "web/http.h"
#include "web/origin.h"

/*
 * The origin of the shop's base URL into buf (RFC 6454, 6.1): its scheme
 * and host[:port] without any path, the port left out when it is the
 * scheme's default, as a browser writes Origin. Returns 0, or -1 when it
 * does not fit.
 */
static int
base_origin(const struct config *cfg, char *buf, size_t len)
{
	const char	*scheme = cfg->secure ? "https" : "http";
	const char	*dflt = cfg->secure ? ":443" : ":80";
	size_t		 n = strlen(cfg->host), d = strlen(dflt);

	if (n > d && strcmp(cfg->host + n - d, dflt) == 0)
		n -= d;
	if ((size_t)snprintf(buf, len, "%s://%.*s", scheme, (int)n,
	    cfg->host) >= len)
		return -1;
	return 0;
}

bool
origin_allowed(const struct req *r, const struct config *cfg)
{
	const char	*site = req_header(r, "Sec-Fetch-Site");
	const char	*origin = req_header(r, "Origin");
	char		 self[512];

	/* "same-site" is another host or port of the site: not the shop. */
	if (site != NULL && strcasecmp(site, "same-origin") != 0 &&
	    strcasecmp(site, "none") != 0)
		return false;
	if (origin == NULL)
		return true;
	if (base_origin(cfg, self, sizeof(self)) != 0)
		return false;
	return strcasecmp(origin, self) == 0;
}
