/*
 * The request loop every cgi-bin program runs: set up once (configuration,
 * templates, routes, databases), then accept, parse, route, call the
 * handler, answer errors in one place, and release the request.
 */
#ifndef SHOP_APP_H
#define SHOP_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/config.h"
#include "data/db.h"
#include "web/ctx.h"

/* A threaded program's requests in progress get this long at SIGTERM. */
#define APP_STOP_GRACE_MS	2000

struct req;
struct route;
struct router;
struct tmpl_set;

struct app {
	const char		*name;
	const struct route	*routes;
	size_t			 nroutes;
	unsigned		 dbs;		/* DB_BIT(DB_PRIMARY) | ... */
	unsigned		 optional_dbs;	/* used if present (cache) */
	int			 threads;	/* serving threads; 0 means 1 */
	/* Optional, per thread, after the databases open; 0 or -1. */
	int			(*thread_init)(struct shop *);
	void			(*thread_fini)(struct shop *);
};

/*
 * Run the program: as FastCGI until told to stop, or as CGI for one
 * request. Returns the process exit status.
 */
int		 app_main(const struct app *, int argc, char **argv);

#endif
