/*
 * The outbox (DESIGN.md, "Data"): a change in shop.db that must cause
 * work elsewhere records it in the same transaction, and shop-worker
 * relays it to queue.db (jobs) and cable.db (live messages).
 *
 * Transactions across the files are not atomic, so the relay never needs
 * them to be. Outbox ids only grow and are handed out in commit order (one
 * writer at a time), so the receiving database keeps the highest id it
 * has taken in (relay_marks) and updates it in the same transaction as
 * the rows it adds; each job or message also carries its outbox id,
 * unique. A relay killed at any point and run again therefore adds every
 * row exactly once. Marking the rows relayed in shop.db comes last and is
 * only bookkeeping.
 *
 * Usage, in the caller's own write transaction on shop.db:
 *
 *	db_begin(primary);
 *	... order_move(primary, o, ORDER_PAID, ...) ...
 *	outbox_job(primary, &(struct queue_job_spec){ .kind = "send_mail",
 *	    .payload = json, .unique_key = "mail:order-paid:42" });
 *	outbox_message(primary, "order:42", "order",
 *	    "{\"state\":\"paid\",\"label\":\"Paid\"}");
 *	db_commit(primary);
 *
 * A rollback drops the outbox rows with the change: no mail for an order
 * that was not paid, and no paid order without its mail. Mail itself is
 * queued with notify_mail() (notify.h), which writes its payload.
 */
#ifndef SHOP_OUTBOX_H
#define SHOP_OUTBOX_H

#include "side/queue.h"

struct db;

#define OUTBOX_BATCH		200	/* rows per relay transaction */

/*
 * Record a job to enqueue (see struct queue_job_spec; run_at is kept
 * absolute). Only inside an open write transaction on shop.db (-1
 * otherwise, logged). Returns the outbox id, or -1 when the kind, queue,
 * unique key or payload (a JSON object) is unacceptable or on a database
 * error: the caller rolls back.
 */
long long	 outbox_job(struct db *primary, const struct queue_job_spec *);

/*
 * Record a live message on channel (cable.h names them), with event
 * (NULL: "message") and data, a JSON object. Same rules as outbox_job.
 */
long long	 outbox_message(struct db *primary, const char *channel,
		    const char *event, const char *data);

struct outbox_stats {
	long	 jobs;		/* jobs added to queue.db */
	long	 messages;	/* messages added to cable.db */
	long	 taken;		/* outbox rows taken in (added or not) */
	long	 marked;	/* rows marked relayed in shop.db */
};

/*
 * The steps of a relay, each one write transaction on the receiving
 * database: take in at most batch job rows (messages rows) above its mark.
 * Return the number of rows taken in, or -1. A row with an impossible
 * channel or event is logged and skipped; one with a bad job payload
 * becomes a job that fails with a clear error.
 */
long		 outbox_relay_jobs(struct db *primary, struct db *queue,
		    int batch, long *added);
long		 outbox_relay_messages(struct db *primary, struct db *cable,
		    int batch, long *added);
/* Mark rows at or below both receivers' marks relayed; count or -1. */
long		 outbox_mark(struct db *primary, struct db *queue,
		    struct db *cable);

/*
 * Everything: relay jobs and messages until none are left, then mark.
 * Either receiver may be NULL (skipped). Returns 0 or -1; *st (may be
 * NULL) gets the counts.
 */
int		 outbox_relay(struct db *primary, struct db *queue,
		    struct db *cable, struct outbox_stats *st);

/* Rows not yet relayed to their receiver, or -1. */
long		 outbox_pending(struct db *primary, struct db *queue,
		    struct db *cable);

/* Delete rows marked relayed before older_than (unix ms); count or -1. */
long		 outbox_cleanup(struct db *primary, long long older_than);

#endif
