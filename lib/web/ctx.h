/*
 * What a request runs in: the serving thread's environment (struct shop),
 * set up once by the request loop (app/app.h) and read by everything
 * below it that serves a request, through r->shop.
 */
#ifndef SHOP_CTX_H
#define SHOP_CTX_H

#include <time.h>

#include "data/db.h"

struct config;
struct req;
struct router;
struct tmpl_set;

/* What one serving thread has: read-only shared parts and its own dbs. */
struct shop {
	const struct config	*cfg;
	const struct tmpl_set	*tmpl;
	const struct router	*router;
	const char		*bin;
	unsigned		 want_dbs;	/* DB_BIT() set the program needs */
	unsigned		 optional_dbs;	/* used when they open */
	struct db		*db[DB__MAX];
	char			 unavailable[256]; /* why we answer 503, or "" */
	time_t			 checked_at;	/* last readiness check */
	time_t			 side_checked_at; /* last try at optional dbs */
	time_t			 retried_at;	/* last reopen of a read-only db */
	void			*app_data;	/* the program's own state */
};

/* A database of the thread serving r (NULL if not open). */
struct db	*req_db(const struct req *, enum db_id);

/* The configuration of the program serving r. */
const struct config *req_cfg(const struct req *);

#endif
