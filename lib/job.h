/*
 * Job kinds: the registry of what shop-worker can run, one handler per
 * kind, and the recurring tasks it schedules (DESIGN.md, "Background
 * work"). A job's payload is a JSON object, read with SQLite's JSON
 * functions (job_str and friends below), never parsed by hand.
 *
 * A handler answers JOB_OK, JOB_RETRY (a failure that may pass: the
 * network, a busy database; retried with backoff) or JOB_FAIL (it can
 * never succeed: a malformed payload; moved to failed jobs at once), with
 * the reason in ctx->err.
 */
#ifndef SHOP_JOB_H
#define SHOP_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"

struct arena;
struct config;
struct queue_job;
struct tmpl_set;
struct tval;

/*
 * The kinds, in the order of the registry (job_kind_names and the table
 * in job.c follow it). The payment kinds are in job_payments.c, on top of
 * lib/settle.h.
 */
enum job_kind {
	JOB_SEND_MAIL,
	JOB_TRIM_CABLE,
	JOB_EVICT_CACHE,
	JOB_BACKUP,
	JOB_SWEEP_SESSIONS,	/* ended sessions and their guest carts */
	JOB_RECONCILE,		/* compare orders with the gateway, repair */
	JOB_RELEASE_HOLDS,	/* release stock of orders not paid in time */
	JOB_TEST_SLEEP,		/* test only: sleeps, records its run */
	JOB_TEST_FAIL,		/* test only: always fails */
	JOB_KIND__MAX
};

extern const char *const job_kind_names[JOB_KIND__MAX];

enum job_result {
	JOB_OK,
	JOB_RETRY,
	JOB_FAIL,
	JOB_RESULT__MAX
};

extern const char *const job_result_names[JOB_RESULT__MAX];

/* What a handler gets; everything belongs to the worker. */
struct job_ctx {
	const struct config	*cfg;
	const struct tmpl_set	*tmpl;		/* templates/, mail/ inside */
	struct db		*db[DB__MAX];	/* all four, open */
	struct arena		*arena;		/* reset after each job */
	const struct queue_job	*job;
	bool			 test_kinds;	/* SHOP_TEST_JOBS=1 */
	char			 err[512];	/* why, on JOB_RETRY/JOB_FAIL */
};

/* The kind named name, or JOB_KIND__MAX (unknown, or a test kind off). */
enum job_kind	 job_kind_find(const char *name, bool test_kinds);

/*
 * Run ctx->job: check the payload is a JSON object and the kind is known,
 * then call its handler. An unknown kind is JOB_RETRY, not JOB_FAIL: a
 * newer worker of an overlapping deploy may know it; after its attempts
 * it fails like any job, with the kind named in the error.
 */
enum job_result	 job_run(struct job_ctx *);

/*
 * Payload access by JSON path ("$.to"). job_str: a string member, in the
 * arena, or NULL when absent or not a string. job_int: an integer member
 * into *v; returns false when absent or not an integer. job_tval: the
 * member (object, array or value) as template values, or NULL.
 */
const char	*job_str(struct job_ctx *, const char *path);
bool		 job_int(struct job_ctx *, const char *path, long long *v);
struct tval	*job_tval(struct job_ctx *, const char *path);
/*
 * An optional integer member: *v is def when absent, the member when it
 * is an integer in min..max. Returns 0, or -1 with the reason in ctx->err
 * (present but not such an integer).
 */
int		 job_opt_int(struct job_ctx *, const char *path, long long def,
		    long long min, long long max, long long *v);

/*
 * JSON text as template values, through json_tree() on d: objects become
 * maps, arrays lists, numbers integers (reals their JSON text). NULL when
 * json is not valid JSON or on error.
 */
struct tval	*job_json_tval(struct db *d, struct arena *, const char *json,
		    const char *path);

/* Recurring tasks this worker defines (schedule overridable, see worker). */
struct job_recurring {
	const char	*task;
	enum job_kind	 kind;
	const char	*schedule;	/* default */
};

extern const struct job_recurring	job_recurring[];
extern const size_t			job_recurring_count;

/* The handlers, for the registry in job.c. */
enum job_result	 job_send_mail(struct job_ctx *);
enum job_result	 job_reconcile(struct job_ctx *);
enum job_result	 job_release_holds(struct job_ctx *);
enum job_result	 job_backup(struct job_ctx *);

/*
 * Write a backup of each database open in dbs into dir/backups/<UTC time>
 * -<tag>/ with the online backup API (consistent while others write),
 * each checked with quick_check, then keep only the newest keep backups.
 * Returns 0, or -1 with the reason in err. Used by the job and shopctl.
 */
int		 job_backup_all(struct db *const dbs[DB__MAX],
		    const char *data_dir, const char *tag, int keep,
		    char *out_dir, size_t outlen, char *err, size_t errlen);

#endif
