/*
 * The admin_log job: an entry of the admin log (shop/adminlog.h) made
 * for a change in queue.db, which cannot share a transaction with
 * shop.db. The back office writes the change and this job in one
 * transaction of queue.db, copies the entry into shop.db at once, then
 * deletes the job; the job runs only when that copy did not happen (the
 * process died, shop.db was busy), after a grace time. Copying twice
 * writes one entry (adminlog_write_pending).
 *
 * Payload: what adminlog_pending() made.
 */
#include <stdio.h>

#include "data/db.h"
#include "side/queue.h"
#include "shop/adminlog.h"
#include "jobs/handlers.h"
#include "jobs/payload.h"

enum job_result
job_admin_log(struct job_ctx *c)
{
	struct db	*d = c->db[DB_PRIMARY];
	long long	 id;

	if (db_begin(d) != 0) {
		snprintf(c->err, sizeof(c->err), "shop.db: %s", db_errmsg(d));
		return JOB_RETRY;
	}
	if ((id = adminlog_write_pending(d, c->job->payload)) < 0) {
		db_rollback(d);
		if (id == -2) {
			snprintf(c->err, sizeof(c->err), "payload is not an "
			    "admin log entry");
			return JOB_FAIL;
		}
		snprintf(c->err, sizeof(c->err), "shop.db: admin_log: %s",
		    db_errmsg(d));
		return JOB_RETRY;
	}
	if (db_commit(d) != 0) {
		snprintf(c->err, sizeof(c->err), "shop.db: %s", db_errmsg(d));
		return JOB_RETRY;
	}
	return JOB_OK;
}
