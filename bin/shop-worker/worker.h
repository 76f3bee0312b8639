/*
 * shop-worker: relays the outbox, schedules recurring tasks, claims and
 * runs jobs, keeps the retention, and owns the checkpoints of the four
 * databases (DESIGN.md, "Data" and "Background work").
 */
#ifndef SHOP_WORKER_H
#define SHOP_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "jobs/job.h"

#define WORKER_MAX_QUEUES	512	/* bytes of SHOP_WORKER_QUEUES */

/*
 * The worker's settings, from the environment (each variable is listed in
 * README.md), read at start and again on SIGHUP.
 */
struct worker_settings {
	long long	 lease_ms;	/* SHOP_WORKER_LEASE_SECONDS, 60 */
	long long	 poll_ms;	/* SHOP_WORKER_POLL_MS, 500 */
	long long	 backoff_ms;	/* SHOP_JOB_BACKOFF_MS, 10000 */
	long long	 backoff_cap_ms; /* SHOP_JOB_BACKOFF_MAX_MS, 1 h */
	long long	 retention_ms;	/* SHOP_JOB_RETENTION_SECONDS, 7 d */
	long long	 checkpoint_ms;	/* SHOP_CHECKPOINT_SECONDS, 30 */
	long long	 quiet_ms;	/* SHOP_WORKER_QUIET_SECONDS, 60 */
	long long	 cable_keep_s;	/* SHOP_CABLE_KEEP_SECONDS, 1 h */
	long long	 backup_keep;	/* SHOP_BACKUP_KEEP, 7 */
	long long	 cache_max;	/* SHOP_CACHE_MAX_BYTES */
	char		 queues[WORKER_MAX_QUEUES]; /* SHOP_WORKER_QUEUES, "" */
	/* SHOP_SCHEDULE_<TASK>, else job_recurring's default. */
	char		 schedule[8][64];
};

/*
 * Fill s from the environment. Returns 0, or -1 with the variable and
 * what is wrong in err.
 */
int	settings_load(struct worker_settings *s, char *err, size_t errlen);



#endif
