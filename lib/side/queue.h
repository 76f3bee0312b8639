/*
 * queue.db: background jobs (DESIGN.md, "Background work").
 *
 * A job has a queue, a kind (lib/jobs/job.h names the kinds), a JSON payload,
 * a priority, a time to run at, attempts and an optional unique key. A
 * worker claims the next due job with a lease, renews the lease by
 * heartbeat while the job runs, and completes or fails it; every such call
 * names the claim (its lease token), so a worker that lost its lease can
 * never overwrite what the next holder did.
 *
 *   queued --claim--> running --complete--> done (deleted after retention)
 *     ^                  |
 *     +--fail, backoff---+--fail, no attempts left--> failed_jobs
 *                        |
 *     lease ran out (the worker died): claimed again, not failed
 *
 * Recurring tasks enqueue one job per scheduled slot, once, however many
 * workers find the slot due. Every time is unix milliseconds. Functions
 * return -1 on a database error, logged and in db_errmsg().
 */
#ifndef SHOP_QUEUE_H
#define SHOP_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct buf;
struct db;

#define QUEUE_DEFAULT		"default"
#define QUEUE_MAX_ATTEMPTS	5
#define QUEUE_MAX_PAYLOAD	(256 * 1024)	/* bytes of one payload */
#define QUEUE_WORKER_GONE_MS	(3600 * 1000)	/* forget silent workers */

struct queue_job_spec {
	const char	*kind;
	const char	*queue;		/* NULL: QUEUE_DEFAULT */
	const char	*payload;	/* JSON object; NULL: "{}" */
	const char	*unique_key;	/* NULL: none */
	int		 priority;	/* higher runs first */
	long long	 run_at;	/* unix ms; 0: now */
	int		 max_attempts;	/* 0: QUEUE_MAX_ATTEMPTS */
};

/* A claimed job, its strings in the arena given to queue_claim(). */
struct queue_job {
	long long	 id;
	char		*queue;
	char		*kind;
	char		*payload;
	char		*task;		/* recurring task, or NULL */
	char		*token;		/* this claim's lease token */
	int		 attempt;	/* 1 on the first run */
	int		 max_attempts;
	bool		 reclaimed;	/* its previous worker died */
};

/* Wall-clock unix milliseconds. */
long long	 queue_now(void);

/*
 * Enqueue spec. Returns the new job's id, 0 when a job with the same
 * unique key is still pending (nothing is added), or -1 on error, which
 * includes a kind or queue that is empty or too long and a payload that
 * is not a JSON object. Runs in its own write transaction unless the
 * connection is already in one (then it is part of the caller's).
 */
long long	 queue_enqueue(struct db *, const struct queue_job_spec *);

/*
 * The outbox relay's enqueue (lib/shop/outbox.h): as queue_enqueue, inside the
 * caller's write transaction, with the outbox row's id recorded on the
 * job (unique: a row already taken in adds nothing and returns 0).
 */
long long	 queue_enqueue_outbox(struct db *, const struct queue_job_spec *,
		    long long outbox_id);

/*
 * Claim the next job that is due: first a running job whose lease ran
 * out, then the queued job of highest priority and earliest run_at. Only
 * queues listed in the JSON array queues are considered (NULL: all).
 * The claim holds for lease_ms. A job whose lease ran out with no
 * attempts left moves to failed_jobs instead ("the worker died during
 * each of its N attempts"), so a job that kills its worker cannot run
 * forever. Returns 1 with *job filled, 0 when nothing is due, -1.
 */
int		 queue_claim(struct db *, struct arena *, const char *worker,
		    const char *queues, long long lease_ms,
		    struct queue_job *job);

/*
 * Renew a claim's lease to now + lease_ms. Returns 1, 0 if the claim is
 * no longer held (it ran out and someone else took the job), or -1.
 */
int		 queue_heartbeat(struct db *, long long id, const char *token,
		    long long lease_ms);

/* Mark the claimed job done. Returns 1, 0 if the claim was lost, -1. */
int		 queue_complete(struct db *, const struct queue_job *);

/*
 * Record a failed run of the claimed job with its error. With attempts
 * left and retry true, it runs again after backoff_ms; otherwise (or
 * retry false: the job can never succeed, say a malformed payload) it
 * moves to failed_jobs. Returns 1 retried, 2 moved to failed, 0 claim
 * lost, -1.
 */
int		 queue_fail(struct db *, const struct queue_job *,
		    const char *error, bool retry, long long backoff_ms);

/*
 * The delay before retry number attempt (1: after the first failure):
 * base_ms * 2^(attempt-1), at most cap_ms, plus jitter of up to a quarter
 * of that, jitter01 in [0, 1) choosing how much (pass a random number).
 */
long long	 queue_backoff_ms(int attempt, long long base_ms,
		    long long cap_ms, double jitter01);

/*
 * Operator actions on failed jobs. queue_retry moves failed job id back
 * to the queue with its attempts reset, to run now; -2 when a job with
 * its unique key is pending (nothing changes). queue_discard deletes a
 * failed job, or a queued job not yet running. Both return 1 done, 0 no
 * such job, -1. Each runs in its own write transaction unless the
 * connection is already in one (then it is part of the caller's, which
 * may have read the job with queue_job_get and add a job of its own).
 */
int		 queue_retry(struct db *, long long id);
int		 queue_discard(struct db *, long long id);
/* Retry every failed job; the number moved, or -1. */
long		 queue_retry_all(struct db *);

/*
 * Recurring tasks. queue_recurring_define writes a task's definition as
 * this program knows it, keeping its next slot if the schedule is
 * unchanged (schedule "off" disables it). queue_schedule_due enqueues one
 * job for each task due at now, each (task, slot) at most once ever, and
 * moves the task on to its next slot after now; slots missed while no
 * worker ran are run once, not once each. Return the number of jobs
 * enqueued, or -1.
 */
int		 queue_recurring_define(struct db *, const char *task,
		    const char *kind, const char *queue, const char *payload,
		    const char *schedule, long long now);
int		 queue_schedule_due(struct db *, long long now);

/*
 * Delete done jobs finished before older_than, and recurring run records
 * and vanished workers older than it, a batch at a time. Returns the
 * number of rows deleted, or -1.
 */
long		 queue_cleanup(struct db *, long long older_than);

/* Workers: register, heartbeat (with the running job, or 0), leave. */
int		 queue_worker_register(struct db *, const char *worker,
		    long long pid, const char *host);
int		 queue_worker_beat(struct db *, const char *worker,
		    long long job_id);
int		 queue_worker_leave(struct db *, const char *worker);

/* Where a job is: in jobs (queued, running, done) or in failed_jobs. */
enum queue_state {
	QUEUE_QUEUED,
	QUEUE_RUNNING,
	QUEUE_DONE,
	QUEUE_FAILED,
	QUEUE_STATE__MAX
};

extern const char *const queue_state_names[QUEUE_STATE__MAX];

/* One job as it is now (queue_job_get); strings in the arena. */
struct queue_job_detail {
	long long	 id;
	enum queue_state state;
	char		*queue;
	char		*kind;
	char		*payload;	/* in full: it may hold a secret */
	int		 priority;
	int		 attempts;
	int		 max_attempts;
	long long	 run_at;	/* 0 when failed */
	long long	 failed_at;	/* 0 unless failed */
	char		*error;		/* failed: why; else the last attempt's */
	char		*worker;	/* running: who holds the lease; else "" */
};

/*
 * Job id wherever it is, read in the caller's transaction when one is
 * open (a write that acts on what it finds). Returns 1 with *j filled,
 * 0 when no job has that id (any more), -1.
 */
int		 queue_job_get(struct db *, struct arena *, long long id,
		    struct queue_job_detail *j);

/* Counts for status displays; -1 on error. */
long		 queue_count(struct db *, const char *state);	/* or "failed" */

/*
 * What status displays list ("shopctl jobs", the back office). Times are
 * unix ms, 0 where the database holds none; strings are in the arena,
 * "" where it holds none. Each list function returns an array of *n
 * entries (*n may be 0), or NULL on error. Payloads are listed in full,
 * secrets and all, up to QUEUE_LIST_PAYLOAD_MAX bytes; a longer one is
 * listed as "" (jobs/job.h, job_payload_shown, says what to show).
 */
#define QUEUE_LIST_PAYLOAD_MAX	(16 * 1024)

struct queue_worker_info {
	char		*id;		/* host:pid:random */
	long long	 pid;
	long long	 heartbeat_at;
	long long	 job_id;	/* running now; 0: idle */
};

struct queue_job_info {
	long long	 id;
	char		*queue;
	char		*kind;
	int		 priority;
	long long	 run_at;
	int		 attempts;
	int		 max_attempts;
	char		*worker;	/* running: who holds the lease */
	long long	 lease_until;	/* running: when the lease ends */
	char		*last_error;	/* of the attempt before */
	char		*payload;
};

struct queue_failed_info {
	long long	 id;
	char		*queue;
	char		*kind;
	int		 attempts;
	int		 max_attempts;
	long long	 failed_at;
	char		*error;
	char		*payload;
};

struct queue_recurring_info {
	char		*task;
	char		*kind;
	char		*schedule;
	long long	 next_run_at;	/* 0: off */
	long long	 last_run_at;	/* 0: never run */
	long long	 last_job_id;	/* 0: none yet */
};

/* The registered workers, oldest first. */
struct queue_worker_info *queue_list_workers(struct db *, struct arena *,
		    size_t *n);
/*
 * Jobs in state "running" (longest running first) or "queued" (in the
 * order they will be claimed), at most limit.
 */
struct queue_job_info *queue_list_jobs(struct db *, struct arena *,
		    const char *state, size_t limit, size_t *n);
/* Failed jobs, oldest first, at most limit. */
struct queue_failed_info *queue_list_failed(struct db *, struct arena *,
		    size_t limit, size_t *n);
/* The recurring tasks, by name. */
struct queue_recurring_info *queue_list_recurring(struct db *,
		    struct arena *, size_t *n);

/*
 * shopctl doctor's lines for the queue (data/doctor.h) at now (unix ms):
 * "worker", ok when a worker beat within QUEUE_ALIVE_MS (a worker beats
 * every third of its lease), warn when none did, fail when none did and
 * jobs have been due for QUEUE_STALLED_MS; "failed jobs", ok when there
 * are none, warn otherwise. q may be NULL (queue.db could not be opened):
 * both fail.
 */
#define QUEUE_ALIVE_MS		(5 * 60 * 1000)
#define QUEUE_STALLED_MS	(15 * 60 * 1000)
struct doctor;
void		 queue_doctor(struct doctor *, struct db *q, long long now);

#endif
