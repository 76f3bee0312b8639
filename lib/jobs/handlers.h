/*
 * The job handlers, one file each or a few small ones together, for the
 * registry (jobs/job.h). Each takes its payload as its comment says.
 */
#ifndef SHOP_HANDLERS_H
#define SHOP_HANDLERS_H

#include <stddef.h>

#include "data/db.h"
#include "jobs/payload.h"

/* job_mail.c: {"to", "template", "vars", ...}: render and send a mail. */
enum job_result	 job_send_mail(struct job_ctx *);
/* job_mail.c: {"reset": id, "key": k}: make a reset link (shop/user.h) and mail it. */
enum job_result	 job_send_reset_mail(struct job_ctx *);
/* job_mail.c: {"signup": id, "key": k}: the link that finishes a sign-up. */
enum job_result	 job_send_signup_mail(struct job_ctx *);
/* job_payments.c: compare orders with the gateway; release unpaid holds. */
enum job_result	 job_reconcile(struct job_ctx *);
enum job_result	 job_release_holds(struct job_ctx *);
/* job_backup.c: {"keep": N}: the online backup of the four databases. */
enum job_result	 job_backup(struct job_ctx *);
/* job_upkeep.c: trim cable.db, evict cache.db, sweep ended sessions;
   remind unpaid orders (SHOP_REMINDER_AFTER). */
enum job_result	 job_trim_cable(struct job_ctx *);
enum job_result	 job_evict_cache(struct job_ctx *);
enum job_result	 job_sweep_sessions(struct job_ctx *);
enum job_result	 job_remind_unpaid(struct job_ctx *);
/* job_admin.c: an admin log entry (shop/adminlog.h) copied to shop.db. */
enum job_result	 job_admin_log(struct job_ctx *);

#endif
