/*
 * Online backups of the four databases: SQLite's backup API copies each
 * page by page inside a read transaction, so every copy is a consistent
 * snapshot while the shop goes on writing. Backups are directories
 * backups/<UTC time>-<tag>/ of the data directory, built under a hidden
 * name and renamed into place once whole and checked.
 */
#ifndef SHOP_BACKUP_H
#define SHOP_BACKUP_H

#include <stddef.h>

#include "data/db.h"

/* The most backups a keep count may ask for. */
#define BACKUP_MAX_KEEP		1000

/*
 * Write a backup of each database open in dbs into dir/backups/<UTC time>
 * -<tag>/ with the online backup API (consistent while others write),
 * each checked with quick_check, then keep only the newest keep backups.
 * Returns 0, or -1 with the reason in err. Used by the job and shopctl.
 */
int		 backup_write_all(struct db *const dbs[DB__MAX],
		    const char *data_dir, const char *tag, int keep,
		    char *out_dir, size_t outlen, char *err, size_t errlen);

#endif
