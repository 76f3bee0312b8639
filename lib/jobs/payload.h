/*
 * What a job handler gets and answers: its context, and its payload, a
 * JSON object read with SQLite's JSON functions (job_str and friends),
 * never parsed by hand.
 *
 * A handler answers JOB_OK, JOB_RETRY (a failure that may pass: the
 * network, a busy database; retried with backoff) or JOB_FAIL (it can
 * never succeed: a malformed payload; moved to failed jobs at once), with
 * the reason in ctx->err.
 */
#ifndef SHOP_PAYLOAD_H
#define SHOP_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "data/db.h"

struct arena;
struct config;
struct queue_job;
struct tmpl_set;
struct tval;

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
	char			 err[512];	/* why, on JOB_RETRY/JOB_FAIL */
};

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

#endif
