/*
 * The admin log: who changed what in the back office, with the fields
 * that matter before and after, written in the transaction of the change
 * itself, so a change and its record commit or roll back together. The
 * rows are never changed or deleted (triggers in sql/primary/0070).
 *
 * Actions are named "object.verb" ("product.update", "order.refund");
 * before is NULL for a creation and after NULL for a removal.
 */
#ifndef SHOP_ADMINLOG_H
#define SHOP_ADMINLOG_H

#include <stddef.h>

struct arena;
struct db;
struct tval;

/* Who acts: a signed-in account, or a command-line tool (id 0). */
struct actor {
	long long	 id;
	const char	*name;		/* the account's email, or "shopctl" */
};

struct adminlog_entry {
	long long	 id;
	long long	 actor_id;
	char		*actor;
	char		*action;
	char		*object_type;
	long long	 object_id;
	char		*label;
	char		*before;	/* JSON text, or NULL */
	char		*after;		/* JSON text, or NULL */
	long long	 created_at;
};

/* The most entries adminlog_list() returns at once. */
#define ADMINLOG_PAGE_MAX	200

/*
 * Record one change (in the caller's write). before and after are
 * template values written as JSON objects (NULL: none). Returns the
 * entry's id, or -1 on a database error.
 */
long long	 adminlog_write(struct db *, const struct actor *,
		    const char *action, const char *object_type,
		    long long object_id, const char *label,
		    const struct tval *before, const struct tval *after);

/*
 * A change made in another database (a job in queue.db) cannot share a
 * transaction with this log. Its entry is then made as JSON text by
 * adminlog_pending() (at: the time of the change, clock_now()) and kept
 * there in the change's own transaction (a job of kind "admin_log",
 * jobs/job.h), to be copied here by adminlog_write_pending(), in the
 * caller's write, at most once: an entry with the same actor, action,
 * object, label, before, after and time is not written again, so the
 * back office that made the change and a worker that finds the job left
 * behind may both copy it. adminlog_pending returns the text in the
 * arena; adminlog_write_pending the entry's id (new or already there),
 * -2 when json is not such an entry, -1 on a database error.
 */
char		*adminlog_pending(struct arena *, const struct actor *,
		    const char *action, const char *object_type,
		    long long object_id, const char *label,
		    const struct tval *before, const struct tval *after,
		    long long at);
long long	 adminlog_write_pending(struct db *, const char *json);

/*
 * Entries newest first, with ids below before_id (0: from the newest),
 * at most limit (capped at ADMINLOG_PAGE_MAX), of one object when
 * object_type is not NULL (object_id 0: every object of the type). The
 * array is in the arena; *n gets its length. NULL with *n 0 on error.
 */
struct adminlog_entry *adminlog_list(struct db *, struct arena *,
		    long long before_id, int limit, const char *object_type,
		    long long object_id, size_t *n);

#endif
