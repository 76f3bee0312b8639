/*
 * The backup job: the nightly online backup (data/backup.h).
 */
#include <stdio.h>

#include "core/config.h"
#include "core/log.h"
#include "data/backup.h"
#include "side/queue.h"
#include "jobs/handlers.h"
#include "jobs/payload.h"

/* Payload: {"keep": N}, the backups to keep (default 7). */
enum job_result
job_backup(struct job_ctx *c)
{
	char		tag[32], dir[4200];
	long long	keep;

	if (job_opt_int(c, "$.keep", 7, 1, BACKUP_MAX_KEEP, &keep) != 0)
		return JOB_FAIL;
	snprintf(tag, sizeof(tag), "job%lld", c->job->id);
	if (backup_write_all(c->db, c->cfg->data_dir, tag, (int)keep, dir,
	    sizeof(dir), c->err, sizeof(c->err)) != 0)
		return JOB_RETRY;
	log_info("job %lld: backup: %s", c->job->id, dir);
	return JOB_OK;
}
