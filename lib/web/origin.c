/*
 * Cross-origin checks (Fetch Metadata, with Origin as the fallback; see
 * the Fetch standard and RFC 6454).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "web/http.h"
#include "web/origin.h"

bool
origin_allowed(const struct req *r, const struct config *cfg)
{
	const char	*site = req_header(r, "Sec-Fetch-Site");
	const char	*origin = req_header(r, "Origin");
	const char	*host, *https;
	char		 self[512];

	if (site != NULL)
		return strcasecmp(site, "cross-site") != 0;
	if (origin == NULL)
		return true;
	if (strcasecmp(origin, cfg->base_url) == 0)
		return true;
	/* The origin the request itself was sent to also counts as ours. */
	host = req_header(r, "Host");
	https = req_env(r, "HTTPS");
	if (host == NULL)
		return false;
	if ((size_t)snprintf(self, sizeof(self), "%s://%s",
	    https != NULL && strcasecmp(https, "on") == 0 ? "https" : "http",
	    host) >= sizeof(self))
		return false;
	return strcasecmp(origin, self) == 0;
}
