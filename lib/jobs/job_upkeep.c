/*
 * The upkeep jobs: trimming live messages, evicting the cache, sweeping
 * ended sessions, reminding unpaid orders (see handlers.h).
 */
#include <stdio.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "data/db.h"
#include "side/cable.h"
#include "side/cache.h"
#include "side/queue.h"
#include "shop/pagecache.h"
#include "shop/reminder.h"
#include "shop/session.h"
#include "jobs/handlers.h"
#include "jobs/payload.h"

/* Payload: {"keep_seconds": N}: delete messages older than N seconds. */
enum job_result
job_trim_cable(struct job_ctx *c)
{
	long long	keep;
	long		n;

	if (job_opt_int(c, "$.keep_seconds", 3600, 0, 3650LL * 86400,
	    &keep) != 0)
		return JOB_FAIL;
	if ((n = cable_trim(c->db[DB_CABLE], queue_now() - keep * 1000)) < 0) {
		snprintf(c->err, sizeof(c->err), "cable.db: %s",
		    db_errmsg(c->db[DB_CABLE]));
		return JOB_RETRY;
	}
	log_info("job %lld: trim_cable: %ld messages older than %llds "
	    "deleted", c->job->id, n, keep);
	return JOB_OK;
}

/*
 * Payload: {"max_bytes": N}: expired entries, then the oldest over N;
 * and the oldest pages of the page cache past SHOP_PAGE_CACHE_BYTES.
 */
enum job_result
job_evict_cache(struct job_ctx *c)
{
	long long	max;
	long		n, pages = 0;

	if (job_opt_int(c, "$.max_bytes", CACHE_MAX_BYTES, 0,
	    (long long)1 << 40, &max) != 0)
		return JOB_FAIL;
	if ((n = cache_evict(c->db[DB_CACHE], (size_t)max)) < 0) {
		snprintf(c->err, sizeof(c->err), "cache.db: %s",
		    db_errmsg(c->db[DB_CACHE]));
		return JOB_RETRY;
	}
	if (pagecache_cap() > 0 &&
	    (pages = pagecache_evict(pagecache_cap())) < 0)
		pages = 0;
	log_info("job %lld: evict_cache: %ld entries and %ld pages deleted",
	    c->job->id, n, pages);
	return JOB_OK;
}

/*
 * Payload: {"batch": N}: delete sessions that have ended (idle or
 * absolute limit) with their guest carts, N per write so the web
 * processes wait at most one small batch for shop.db.
 */
enum job_result
job_sweep_sessions(struct job_ctx *c)
{
	long long	batch;
	long		n, total = 0;

	if (job_opt_int(c, "$.batch", 500, 1, 100000, &batch) != 0)
		return JOB_FAIL;
	do {
		if ((n = session_sweep(c->db[DB_PRIMARY], clock_now(),
		    (int)batch)) < 0) {
			snprintf(c->err, sizeof(c->err), "shop.db: %s",
			    db_errmsg(c->db[DB_PRIMARY]));
			return JOB_RETRY;
		}
		total += n;
	} while (n == batch);
	log_info("job %lld: sweep_sessions: %ld ended sessions deleted",
	    c->job->id, total);
	return JOB_OK;
}

/*
 * Payload: {}: the reminders of unpaid orders placed SHOP_REMINDER_AFTER
 * ago and still within their payment window (shop/reminder.h); nothing
 * when it is "off".
 */
enum job_result
job_remind_unpaid(struct job_ctx *c)
{
	long long	n;

	if (c->cfg->reminder_after <= 0)
		return JOB_OK;
	if ((n = reminder_send_due(c->db[DB_PRIMARY], c->arena, clock_now(),
	    c->cfg->reminder_after)) < 0) {
		snprintf(c->err, sizeof(c->err), "shop.db: %s",
		    db_errmsg(c->db[DB_PRIMARY]));
		return JOB_RETRY;
	}
	log_info("job %lld: remind_unpaid: %lld order(s) reminded",
	    c->job->id, n);
	return JOB_OK;
}
