/*
 * Job kinds: the registry of what shop-worker can run, one handler per
 * kind (jobs/handlers.h), and the recurring tasks it schedules
 * (DESIGN.md, "Background work").
 */
#ifndef SHOP_JOB_H
#define SHOP_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "jobs/payload.h"

/* The kinds, in the order of the registry (job_kind_names, job.c). */
enum job_kind {
	JOB_SEND_MAIL,
	JOB_TRIM_CABLE,
	JOB_EVICT_CACHE,
	JOB_BACKUP,
	JOB_SWEEP_SESSIONS,	/* ended sessions and their guest carts */
	JOB_RECONCILE,		/* compare orders with the gateway, repair */
	JOB_RELEASE_HOLDS,	/* release stock of orders not paid in time */
	JOB_SEND_RESET_MAIL,	/* a password-reset link, made as it is sent */
	JOB_SEND_SIGNUP_MAIL,	/* the link that finishes a sign-up, likewise */
	JOB_ADMIN_LOG,		/* copy an admin log entry made in queue.db */
	JOB_REMIND_UNPAID,	/* remind unpaid orders of their pay link */
	JOB_KIND__MAX
};

extern const char *const job_kind_names[JOB_KIND__MAX];

/* The kind named name, or JOB_KIND__MAX. */
enum job_kind	 job_kind_find(const char *name);

/*
 * Kinds beyond the registry's, ended by one with a NULL name: none in
 * what make builds (job_extra.c); the test builds add theirs.
 */
struct job_kind_def {
	const char	 *name;
	enum job_result	(*fn)(struct job_ctx *);
};

extern const struct job_kind_def job_extra_kinds[];

/* The extra kind named name, or NULL. */
const struct job_kind_def *job_extra_find(const char *name);

/*
 * Run ctx->job: check the payload is a JSON object and the kind is known,
 * then call its handler. An unknown kind is JOB_RETRY, not JOB_FAIL: a
 * newer worker of an overlapping deploy may know it; after its attempts
 * it fails like any job, with the kind named in the error.
 */
enum job_result	 job_run(struct job_ctx *);

/* Recurring tasks this worker defines (schedule overridable, see worker). */
struct job_recurring {
	const char	*task;
	enum job_kind	 kind;
	const char	*schedule;	/* default */
};

extern const struct job_recurring	job_recurring[];
extern const size_t			job_recurring_count;

/* Bytes of a payload a status display shows at most. */
#define JOB_SHOWN_MAX	300

/* What may be shown of a payload (job_payload_shown); in the arena. */
struct job_shown {
	bool		 known;		/* a kind of this build: else nothing */
	bool		 mail;		/* send_mail: template and to only */
	char		*template;	/* mail: "" when absent */
	char		*to;		/* mail: "" when absent */
	char		*text;		/* not mail: the payload, maybe cut */
	bool		 cut;		/* text is the first JOB_SHOWN_MAX */
};

/*
 * What a status display (the back office) may show of a payload of kind:
 * of a send_mail job its template and recipient, never the rest (its data
 * may hold a secret: a password-reset link); of another kind of the
 * registry or the extras, whose payloads hold settings and never
 * secrets, its text, the first JOB_SHOWN_MAX characters; of a kind this
 * build does not know, nothing. d evaluates the JSON. Returns 0, or -1 on
 * a database error.
 */
int		 job_payload_shown(struct db *d, struct arena *,
		    const char *kind, const char *payload, struct job_shown *);

#endif
