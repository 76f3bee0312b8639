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

/*
 * Whether another process has a database of data_dir open or is writing
 * to it: a process that has a database open in WAL mode holds a POSIX
 * read lock on its SHARED byte range and on the DMS byte of its -shm for
 * as long as it is open, and a writer holds the flock of <file>.lock.
 * Each is probed without waiting, across users. The limits: a process
 * that has opened a file but not read it yet holds no lock; one that
 * starts after the probe is not kept out; locks on a network filesystem
 * may not be seen at all (shopctl doctor refuses those). Returns 1 with
 * what holds which file in why, 0 if none, -1 on error (in why). The
 * caller must not have these files open itself: its own POSIX locks are
 * invisible to it, and closing the probe would drop them.
 */
int		 backup_in_use(const char *data_dir, char *why, size_t whylen);

struct backup_restored {
	long long	 taken_at;	/* the backup's time, from its name */
	char		 aside[4200];	/* where the files in place went */
	int		 migrated;	/* migrations applied after */
};

/*
 * Restore the backup in directory from (backups/<UTC time>-<tag>/, its
 * time read from its name) into data_dir: refused unless every one of the
 * four files is there, passes integrity_check and has no migration this
 * program does not know (a newer program's backup) nor one changed since;
 * refused while backup_in_use() finds a process on the files, the lock
 * files held exclusively from that check to the end. Each file is copied
 * with the backup API next to its place, set to WAL, checked, synced;
 * then the files in place (and their -wal and -shm) are moved, never
 * deleted, into data_dir/aside/<UTC time>-restore/, the copies renamed
 * into place, and migrations the backup lacks applied. Nothing in data_dir
 * changes when it is refused. Returns 0 with info filled, 1 if refused
 * because the files are in use, -1 otherwise, with the reason in err.
 * What was paid since the backup is for the caller to reconcile.
 */
int		 backup_restore(const char *data_dir, const char *from,
		    struct backup_restored *info, char *err, size_t errlen);

/* The Unix time of a backup directory's name, or -1 if not one. */
long long	 backup_time(const char *dir);

#endif
