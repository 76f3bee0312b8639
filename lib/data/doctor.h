/*
 * shopctl doctor: what an operator checks before trusting a data
 * directory (DESIGN.md, "Operating"). Each check says one line,
 *
 *   ok    filesystem: ext4, local
 *   warn  sqlite: 3.40.1, older than 3.51.3 ...
 *   fail  permissions: shop.db is owned by uid 0, the directory by 33 ...
 *
 * and the worst of them is the verdict. The checks of the data layer
 * are here; those of the job queue are in side/queue.h (queue_doctor).
 * The classifying functions are pure, for tests.
 */
#ifndef SHOP_DOCTOR_H
#define SHOP_DOCTOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/buf.h"
#include "data/db.h"

enum doctor_level {
	DOCTOR_OK,
	DOCTOR_WARN,
	DOCTOR_FAIL,
	DOCTOR_LEVEL__MAX
};

extern const char *const doctor_level_names[DOCTOR_LEVEL__MAX];

struct doctor {
	struct buf		 out;	/* the lines so far, in order */
	enum doctor_level	 worst;
	int			 count[DOCTOR_LEVEL__MAX];
};

/* One line "level  check: detail" into d->out. */
void		 doctor_say(struct doctor *, enum doctor_level,
		    const char *check, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
/* The exit status of the verdict: 0 all ok, 1 a warning, 2 a failure. */
int		 doctor_status(const struct doctor *);
void		 doctor_free(struct doctor *);

/*
 * A filesystem type (statfs f_type) classified: ok for local disk
 * filesystems, warn for memory ones (tmpfs, ramfs: gone at reboot) and
 * unknown ones, fail for network and FUSE filesystems, on which SQLite's
 * locks and its WAL's shared memory do not hold between processes (or
 * hosts). *name gets the type's name ("ext4", "nfs", ...; NULL if
 * unknown), *why (may be NULL) the reason for a warning or failure.
 */
enum doctor_level doctor_fs_level(unsigned long type, const char **name,
		    const char **why);

/* SQLite's version number (3051003 for 3.51.3): ok from 3.51.3, warn below. */
enum doctor_level doctor_sqlite_level(int version_number);

/*
 * Free bytes on the data directory's filesystem against the size of the
 * databases: fail under 64 MiB or under the databases' size (no backup
 * would fit), warn under 1 GiB or three times their size.
 */
enum doctor_level doctor_space_level(unsigned long long avail,
		    unsigned long long databases);

/*
 * A file's mode against the most it may be (0750 for a directory, 0640
 * for a file; 0600 for a file of secrets): ok within it, fail when
 * others may write, warn for anything else beyond it.
 */
enum doctor_level doctor_mode_level(mode_t mode, bool dir, bool secret);

/*
 * The checks of the data directory's files, before any database is
 * opened (an open database has a -wal and -shm): the filesystem (statfs),
 * flock and POSIX locks between two processes (a child is forked to try
 * them), the SQLite version, free space, owners and modes.
 */
void		 doctor_files(struct doctor *, const char *data_dir);

/*
 * The checks of the databases open in dbs: each one's journal mode,
 * synchronous and WAL size (one that is NULL fails as not openable, with
 * its reason in errs[id]), the schema, and the age of the newest backup
 * at now (Unix seconds).
 */
void		 doctor_databases(struct doctor *, const char *data_dir,
		    struct db *const dbs[DB__MAX],
		    const char *const errs[DB__MAX], long long now);

#endif
