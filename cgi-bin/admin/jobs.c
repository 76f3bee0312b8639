/*
 * Jobs: GET /admin/jobs shows the workers by their heartbeats, the
 * running jobs, the queued ones, the failed ones with their errors and
 * the recurring tasks with their schedules and next runs (what shopctl
 * jobs lists); POST /admin/jobs/{id}/retry puts a failed job back in the
 * queue and POST /admin/jobs/{id}/discard deletes a failed or a queued
 * job, each recorded in the admin log. A running job is left alone: its
 * worker holds it.
 *
 * A payload is shown only as job_payload_shown() allows: of a mail, its
 * template and recipient, never its data, which may hold a password-reset
 * link; the admin log keeps no more than the page shows.
 */
#include <stdbool.h>
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/http.h"
#include "side/queue.h"
#include "shop/adminlog.h"
#include "jobs/job.h"
#include "admin.h"

#define JOBS_LIST_MAX		50	/* rows of each list */
/* A worker beats every third of its lease (60 s by default). */
#define WORKER_SILENT_MS	(120 * 1000LL)
/*
 * How long the admin log entry kept in queue.db waits before a worker
 * copies it: the request that made it copies it within a few seconds
 * (a restart of the web server ends a request in about 10), so a worker
 * copies only what a request left behind.
 */
#define ADMIN_LOG_GRACE_MS	(60 * 1000LL)

/* A span of milliseconds as people read it: "12 s", "5 min", "3 h". */
static char *
span(struct arena *a, long long ms)
{
	long long	s = (ms < 0 ? -ms : ms) / 1000;

	if (s < 120)
		return arena_printf(a, "%lld s", s);
	if (s < 7200)
		return arena_printf(a, "%lld min", s / 60);
	if (s < 172800)
		return arena_printf(a, "%lld h", s / 3600);
	return arena_printf(a, "%lld days", s / 86400);
}

/* A unix-ms time as admin_date() shows it; "" for none (0). */
static char *
date_ms(struct arena *a, long long ms)
{
	return admin_date(a, ms / 1000);
}

/*
 * What may be shown of a job's payload, into its row m: "mail" with
 * "template" and "to"; or "payload" (its text, "payload_cut" when only
 * its start); or "payload_hidden" for a kind this build does not know.
 */
static int
payload_shown(struct req *r, struct tval *m, const char *kind,
    const char *payload)
{
	struct arena		*a = r->arena;
	struct job_shown	 s;

	if (job_payload_shown(req_db(r, DB_QUEUE), a, kind, payload, &s) != 0)
		return -1;
	tval_set_bool(a, m, "mail", s.mail);
	if (s.mail) {
		tval_set_str(a, m, "template", s.template);
		tval_set_str(a, m, "to", s.to);
	} else if (s.known) {
		tval_set_str(a, m, "payload", s.text);
		tval_set_bool(a, m, "payload_cut", s.cut);
	} else
		tval_set_bool(a, m, "payload_hidden", true);
	return 0;
}

static int
list_workers(struct req *r, struct tval *data, long long now)
{
	struct arena			*a = r->arena;
	struct queue_worker_info	*w;
	struct tval			*l, *m;
	size_t				 n, i;

	if ((w = queue_list_workers(req_db(r, DB_QUEUE), a, &n)) == NULL)
		return -1;
	l = tval_set_list(a, data, "workers");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "id", w[i].id);
		tval_set_int(a, m, "pid", w[i].pid);
		tval_set_int(a, m, "heartbeat_at", w[i].heartbeat_at);
		tval_set_str(a, m, "heard", span(a, now - w[i].heartbeat_at));
		tval_set_bool(a, m, "silent", now - w[i].heartbeat_at >
		    WORKER_SILENT_MS);
		tval_set_int(a, m, "job_id", w[i].job_id);
		tval_set_bool(a, m, "busy", w[i].job_id != 0);
	}
	tval_set_bool(a, data, "has_workers", n > 0);
	return 0;
}

/* The running or queued jobs, as key. */
static int
list_jobs(struct req *r, struct tval *data, const char *key, long long now,
    long total)
{
	struct arena		*a = r->arena;
	struct queue_job_info	*j;
	struct tval		*l, *m;
	size_t			 n, i;

	if ((j = queue_list_jobs(req_db(r, DB_QUEUE), a, key, JOBS_LIST_MAX,
	    &n)) == NULL)
		return -1;
	l = tval_set_list(a, data, key);
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", j[i].id);
		tval_set_str(a, m, "queue", j[i].queue);
		tval_set_str(a, m, "kind", j[i].kind);
		tval_set_int(a, m, "priority", j[i].priority);
		tval_set_int(a, m, "attempts", j[i].attempts);
		tval_set_int(a, m, "max_attempts", j[i].max_attempts);
		tval_set_int(a, m, "run_at", j[i].run_at);
		tval_set_bool(a, m, "due", j[i].run_at <= now);
		tval_set_str(a, m, "runs", j[i].run_at <= now ? "" :
		    arena_printf(a, "in %s", span(a, j[i].run_at - now)));
		tval_set_str(a, m, "last_error", j[i].last_error);
		if (strcmp(key, "running") == 0) {
			tval_set_str(a, m, "worker", j[i].worker);
			tval_set_int(a, m, "lease_until", j[i].lease_until);
			tval_set_str(a, m, "lease_left", j[i].lease_until > now ?
			    span(a, j[i].lease_until - now) : "run out");
		}
		if (payload_shown(r, m, j[i].kind, j[i].payload) != 0)
			return -1;
	}
	tval_set_bool(a, data, arena_printf(a, "has_%s", key), n > 0);
	if (total > (long)n)
		tval_set_int(a, data, arena_printf(a, "more_%s", key),
		    total - (long)n);
	return 0;
}

static int
list_failed(struct req *r, struct tval *data, long total)
{
	struct arena			*a = r->arena;
	struct queue_failed_info	*f;
	struct tval			*l, *m;
	size_t				 n, i;

	if ((f = queue_list_failed(req_db(r, DB_QUEUE), a, JOBS_LIST_MAX,
	    &n)) == NULL)
		return -1;
	l = tval_set_list(a, data, "failed");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", f[i].id);
		tval_set_str(a, m, "queue", f[i].queue);
		tval_set_str(a, m, "kind", f[i].kind);
		tval_set_int(a, m, "attempts", f[i].attempts);
		tval_set_int(a, m, "max_attempts", f[i].max_attempts);
		tval_set_int(a, m, "failed_at", f[i].failed_at);
		tval_set_str(a, m, "failed", date_ms(a, f[i].failed_at));
		tval_set_str(a, m, "error", f[i].error);
		if (payload_shown(r, m, f[i].kind, f[i].payload) != 0)
			return -1;
	}
	tval_set_bool(a, data, "has_failed", n > 0);
	if (total > (long)n)
		tval_set_int(a, data, "more_failed", total - (long)n);
	return 0;
}

static int
list_recurring(struct req *r, struct tval *data, long long now)
{
	struct arena			*a = r->arena;
	struct queue_recurring_info	*t;
	struct tval			*l, *m;
	size_t				 n, i;

	if ((t = queue_list_recurring(req_db(r, DB_QUEUE), a, &n)) == NULL)
		return -1;
	l = tval_set_list(a, data, "recurring");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "task", t[i].task);
		tval_set_str(a, m, "kind", t[i].kind);
		tval_set_str(a, m, "schedule", t[i].schedule);
		tval_set_bool(a, m, "off", t[i].next_run_at == 0);
		tval_set_int(a, m, "next_run_at", t[i].next_run_at);
		tval_set_str(a, m, "next", date_ms(a, t[i].next_run_at));
		tval_set_str(a, m, "next_in", t[i].next_run_at > now ?
		    arena_printf(a, "in %s", span(a, t[i].next_run_at - now)) :
		    t[i].next_run_at != 0 ? "due" : "");
		tval_set_int(a, m, "last_run_at", t[i].last_run_at);
		tval_set_str(a, m, "last", date_ms(a, t[i].last_run_at));
		tval_set_bool(a, m, "ran", t[i].last_run_at != 0);
		tval_set_int(a, m, "last_job_id", t[i].last_job_id);
		tval_set_bool(a, m, "has_last_job", t[i].last_job_id != 0);
	}
	tval_set_bool(a, data, "has_recurring", n > 0);
	return 0;
}

int
h_jobs(struct req *r)
{
	struct arena	*a = r->arena;
	struct db	*q = req_db(r, DB_QUEUE);
	struct tval	*data = tval_map(a), *c;
	long long	 now = clock_now_ms();
	long		 nq, nr, nf, nd;
	int		 rc;

	/* One read transaction: the counts and the lists agree. */
	if (db_read_begin(q) != 0)
		return 503;
	nq = queue_count(q, "queued");
	nr = queue_count(q, "running");
	nf = queue_count(q, "failed");
	nd = queue_count(q, "done");
	rc = nq < 0 || nr < 0 || nf < 0 || nd < 0 ||
	    list_workers(r, data, now) != 0 ||
	    list_jobs(r, data, "running", now, nr) != 0 ||
	    list_jobs(r, data, "queued", now, nq) != 0 ||
	    list_failed(r, data, nf) != 0 ||
	    list_recurring(r, data, now) != 0;
	db_read_end(q);
	if (rc)
		return 503;
	c = tval_set_map(a, data, "counts");
	tval_set_int(a, c, "queued", nq);
	tval_set_int(a, c, "running", nr);
	tval_set_int(a, c, "failed", nf);
	tval_set_int(a, c, "done", nd);
	return admin_render(r, 200, "admin/jobs", data, "Jobs", SECTION_JOBS);
}

/*
 * What the admin log keeps of job j as it was: where it was, its kind,
 * attempts and error, and of its payload what the page shows, no more.
 */
static struct tval *
job_facts(struct req *r, const struct queue_job_detail *j)
{
	struct arena	*a = r->arena;
	struct tval	*m = tval_map(a);

	tval_set_str(a, m, "state", queue_state_names[j->state]);
	tval_set_str(a, m, "queue", j->queue);
	tval_set_str(a, m, "kind", j->kind);
	tval_set_int(a, m, "attempts", j->attempts);
	tval_set_int(a, m, "max_attempts", j->max_attempts);
	if (j->state == QUEUE_FAILED)
		tval_set_int(a, m, "failed_at", j->failed_at);
	else
		tval_set_int(a, m, "run_at", j->run_at);
	if (*j->error != '\0')
		tval_set_str(a, m, "error", j->error);
	if (payload_shown(r, m, j->kind, j->payload) != 0)
		return NULL;
	return m;
}

/* Why job j cannot be retried (retry) or discarded; NULL when it can. */
static const char *
refusal(struct arena *a, const struct queue_job_detail *j, bool retry)
{
	switch (j->state) {
	case QUEUE_RUNNING:
		return arena_printf(a, "Job %lld is running now: a worker holds "
		    "it, so it cannot be %s. Wait until it ends.", j->id,
		    retry ? "retried" : "discarded");
	case QUEUE_DONE:
		return arena_printf(a, "Job %lld is done: there is nothing to "
		    "%s.", j->id, retry ? "retry" : "discard");
	case QUEUE_QUEUED:
		return retry ? arena_printf(a, "Job %lld is queued already: "
		    "it runs when it is due.", j->id) : NULL;
	default:
		return NULL;
	}
}

/*
 * Copy the admin log entry pending (adminlog_pending) into shop.db, then
 * delete the job rec that kept it in queue.db. A failure is only logged:
 * the change is made, and the job copies the entry after its grace time.
 */
static void
copy_entry(struct req *r, const char *pending, long long rec)
{
	struct db	*p = req_db(r, DB_PRIMARY);

	if (db_begin(p) != 0)
		goto later;
	if (adminlog_write_pending(p, pending) < 0) {
		db_rollback(p);
		goto later;
	}
	if (db_commit(p) != 0)
		goto later;
	/* 0: a worker took the job first; it finds the entry written. */
	if (queue_discard(req_db(r, DB_QUEUE), rec) < 0)
		log_warn("admin: job %lld: the admin log entry is written; "
		    "its copy in queue.db is left to a worker", rec);
	return;
later:
	log_warn("admin: the admin log entry of job %lld is left to a worker: "
	    "%s", rec, db_errmsg(p));
}

/*
 * POST /admin/jobs/{id}/retry and /discard. The change is in queue.db
 * and the admin log in shop.db, and the two cannot share a transaction
 * (DESIGN.md, "Data"). So the change comes first, and in its own
 * transaction of queue.db goes the admin log entry, kept as a job of
 * kind admin_log due after ADMIN_LOG_GRACE_MS; then the entry is copied
 * into shop.db and that job deleted. The job is read, checked and
 * changed inside that one write, so a worker cannot take it in between.
 *
 * If the process dies between the two, nothing is lost: the entry
 * committed with the change, and once its grace time is over a worker
 * copies it into shop.db (job_admin_log). Nothing is lied about: the
 * entry exists only if the change committed, since a change refused or
 * rolled back takes its entry with it, and it is written into shop.db
 * once however many times it is copied (adminlog_write_pending). The
 * other order would do neither: an entry written first stays when the
 * change then fails or the process dies, the record of a change never
 * made.
 */
static int
job_action(struct req *r, bool retry)
{
	struct arena		*a = r->arena;
	struct db		*q = req_db(r, DB_QUEUE);
	struct actor		 who = admin_actor(r);
	struct queue_job_detail	 j;
	struct queue_job_spec	 rec;
	struct tval		*before, *after = NULL, *data;
	const char		*why;
	char			*pending;
	long long		 id = admin_param_id(r, "id"), rec_id;
	int			 rc;

	if (id == 0)
		return 404;
	if (db_begin(q) != 0)
		return 503;
	if ((rc = queue_job_get(q, a, id, &j)) <= 0) {
		db_rollback(q);
		return rc == 0 ? 404 : 503;
	}
	if ((why = refusal(a, &j, retry)) != NULL) {
		db_rollback(q);
		r->error = why;
		return 409;
	}
	if ((before = job_facts(r, &j)) == NULL)
		goto fail;
	rc = retry ? queue_retry(q, id) : queue_discard(q, id);
	if (rc == -2) {
		db_rollback(q);
		r->error = arena_printf(a, "Job %lld cannot be retried: a job "
		    "with the same unique key is queued or running. Discard "
		    "one of them first.", id);
		return 409;
	}
	if (rc != 1)
		goto fail;
	if (retry) {
		after = tval_map(a);
		tval_set_str(a, after, "state", "queued");
		tval_set_int(a, after, "attempts", 0);
	}
	pending = adminlog_pending(a, &who, retry ? "job.retry" :
	    "job.discard", "job", id, arena_printf(a, "%s #%lld", j.kind, id),
	    before, after, clock_now());
	memset(&rec, 0, sizeof(rec));
	rec.kind = job_kind_names[JOB_ADMIN_LOG];
	rec.payload = pending;
	rec.run_at = clock_now_ms() + ADMIN_LOG_GRACE_MS;
	if ((rec_id = queue_enqueue(q, &rec)) <= 0)
		goto fail;
	if (db_commit(q) != 0)
		return 503;
	copy_entry(r, pending, rec_id);
	data = tval_map(a);
	tval_set_int(a, data, "id", id);
	tval_set_str(a, data, "kind", j.kind);
	tval_set_str(a, data, "state", retry ? "queued" : "discarded");
	return admin_done(r, "/admin/jobs", retry ? "retried" : "discarded",
	    data);
fail:
	db_rollback(q);
	return 503;
}

int
h_job_retry(struct req *r)
{
	return job_action(r, true);
}

int
h_job_discard(struct req *r)
{
	return job_action(r, false);
}
