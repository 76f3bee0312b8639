/*
 * The registry of job kinds (job.h): names, handlers, the recurring
 * tasks, and running a job by its kind.
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"
#include "side/queue.h"
#include "shop/notify.h"
#include "jobs/handlers.h"
#include "jobs/job.h"

typedef enum job_result (*job_fn)(struct job_ctx *);

const char *const job_kind_names[JOB_KIND__MAX] = {
	NOTIFY_MAIL_KIND,	/* what shop/notify.h queues */
	"trim_cable",
	"evict_cache",
	"backup",
	"sweep_sessions",
	"reconcile_payments",
	"release_reservations",
	NOTIFY_RESET_KIND,
	NOTIFY_SIGNUP_KIND,
	"admin_log",
	"remind_unpaid",
};

/* Indexed by enum job_kind. */
static const job_fn kinds[JOB_KIND__MAX] = {
	job_send_mail,
	job_trim_cable,
	job_evict_cache,
	job_backup,
	job_sweep_sessions,
	job_reconcile,
	job_release_holds,
	job_send_reset_mail,
	job_send_signup_mail,
	job_admin_log,
	job_remind_unpaid,
};

/*
 * The recurring tasks, with default schedules; shop-worker lets
 * SHOP_SCHEDULE_<TASK> override each ("off" disables). Payloads come from
 * the worker's settings.
 */
const struct job_recurring job_recurring[] = {
	{ "trim_cable", JOB_TRIM_CABLE, "every 10m" },
	{ "evict_cache", JOB_EVICT_CACHE, "every 5m" },
	{ "backup", JOB_BACKUP, "cron 30 3 * * *" },
	{ "sweep_sessions", JOB_SWEEP_SESSIONS, "every 15m" },
	{ "reconcile_payments", JOB_RECONCILE, "every 10m" },
	{ "release_reservations", JOB_RELEASE_HOLDS, "every 1m" },
	{ "remind_unpaid", JOB_REMIND_UNPAID, "every 5m" },
};

const size_t job_recurring_count =
    sizeof(job_recurring) / sizeof(job_recurring[0]);

static const char sql_object[] =
    "SELECT json_valid(?1) AND json_type(?1) = 'object'";
static const char sql_shown[] =
    "SELECT CASE WHEN json_valid(?1) THEN CASE WHEN "
    "json_type(?1, '$.template') = 'text' THEN json_extract(?1, "
    "'$.template') END END, CASE WHEN json_valid(?1) THEN CASE WHEN "
    "json_type(?1, '$.to') = 'text' THEN json_extract(?1, '$.to') END END, "
    "substr(?1, 1, ?2), length(?1) > ?2";

enum job_kind
job_kind_find(const char *name)
{
	int	i;

	for (i = 0; i < JOB_KIND__MAX; i++)
		if (strcmp(name, job_kind_names[i]) == 0)
			return (enum job_kind)i;
	return JOB_KIND__MAX;
}

const struct job_kind_def *
job_extra_find(const char *name)
{
	const struct job_kind_def	*k;

	for (k = job_extra_kinds; k->name != NULL; k++)
		if (strcmp(name, k->name) == 0)
			return k;
	return NULL;
}

enum job_result
job_run(struct job_ctx *c)
{
	struct db	*d = c->db[DB_QUEUE];
	sqlite3_stmt	*st;
	const struct job_kind_def *extra = NULL;
	enum job_kind	 k;
	int		 ok = 0;

	c->err[0] = '\0';
	if ((st = db_prep(d, sql_object)) == NULL) {
		snprintf(c->err, sizeof(c->err), "queue.db: %s", db_errmsg(d));
		return JOB_RETRY;
	}
	sqlite3_bind_text(st, 1, c->job->payload, -1, SQLITE_STATIC);
	if (db_step(d, st) == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (ok != 1) {
		snprintf(c->err, sizeof(c->err), "payload is not a JSON "
		    "object: %.80s", c->job->payload);
		return JOB_FAIL;
	}
	if ((k = job_kind_find(c->job->kind)) != JOB_KIND__MAX)
		return kinds[k](c);
	if ((extra = job_extra_find(c->job->kind)) != NULL)
		return extra->fn(c);
	snprintf(c->err, sizeof(c->err), "unknown job kind \"%.100s\"",
	    c->job->kind);
	return JOB_RETRY;
}

int
job_payload_shown(struct db *d, struct arena *a, const char *kind,
    const char *payload, struct job_shown *out)
{
	sqlite3_stmt	*st;
	enum job_kind	 k = job_kind_find(kind);

	memset(out, 0, sizeof(*out));
	out->template = out->to = out->text = arena_strdup(a, "");
	out->known = k != JOB_KIND__MAX || job_extra_find(kind) != NULL;
	out->mail = k == JOB_SEND_MAIL;
	if (!out->known)
		return 0;
	if ((st = db_prep(d, sql_shown)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, payload, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, JOB_SHOWN_MAX);
	if (db_step(d, st) != SQLITE_ROW)
		return -1;
	if (out->mail) {
		out->template = db_text(a, st, 0);
		out->to = db_text(a, st, 1);
	} else {
		out->text = db_text(a, st, 2);
		out->cut = sqlite3_column_int(st, 3) != 0;
	}
	sqlite3_reset(st);
	return 0;
}
