/*
 * Online backups of the four databases (see backup.h).
 *
 * SQLite's backup API copies a database page by page inside a read
 * transaction, so the copy is one consistent snapshot while the shop goes
 * on writing (WAL readers do not block writers). Each backup is built in
 * a hidden directory and renamed into place when every file is written
 * and checked, so backups/ only ever holds whole backups.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "data/backup.h"
#include "data/db.h"
#include "data/migrate.h"

/* Copy src into a new file at path and check it. */
static int
backup_one(struct db *src, const char *path, char *err, size_t errlen)
{
	sqlite3		*dst = NULL;
	sqlite3_backup	*b;
	sqlite3_stmt	*st = NULL;
	const char	*res;
	int		 rc;

	if (db_create_file(path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, dst ?
		    sqlite3_errmsg(dst) : "cannot open");
		goto fail;
	}
	if ((b = sqlite3_backup_init(dst, "main", db_handle(src), "main")) ==
	    NULL) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(dst));
		goto fail;
	}
	do
		rc = sqlite3_backup_step(b, 256);
	while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: backup: %s", path,
		    sqlite3_errstr(rc));
		goto fail;
	}
	if (sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    (res = (const char *)sqlite3_column_text(st, 0)) == NULL ||
	    strcmp(res, "ok") != 0) {
		snprintf(err, errlen, "%s: the copy fails quick_check", path);
		goto fail;
	}
	sqlite3_finalize(st);
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(err, errlen, "%s: close failed", path);
		return -1;
	}
	return 0;
fail:
	sqlite3_finalize(st);
	sqlite3_close(dst);
	return -1;
}

static void
remove_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		 p[4608];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p) != 0)
			log_warn("backup: %s: %s", p, strerror(errno));
	}
	closedir(d);
	if (rmdir(dir) != 0)
		log_warn("backup: %s: %s", dir, strerror(errno));
}

/* Backups are named "YYYYmmddTHHMMSSZ-tag": sorted by name, by age. */
static int
backup_entry(const struct dirent *e)
{
	return strlen(e->d_name) > 16 && e->d_name[8] == 'T' &&
	    e->d_name[15] == 'Z' && e->d_name[0] >= '0' &&
	    e->d_name[0] <= '9';
}

/* Delete all but the newest keep backups in dir. */
static void
prune(const char *dir, int keep)
{
	struct dirent	**ents;
	char		  p[4608];
	int		  n, i;

	if ((n = scandir(dir, &ents, backup_entry, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (i < n - keep) {
			snprintf(p, sizeof(p), "%s/%s", dir, ents[i]->d_name);
			remove_dir(p);
		}
		free(ents[i]);
	}
	free(ents);
}

int
backup_write_all(struct db *const dbs[DB__MAX], const char *data_dir,
    const char *tag, int keep, char *out_dir, size_t outlen, char *err,
    size_t errlen)
{
	char		 root[4096], tmp[4200], fin[4200], file[4400], ts[32];
	time_t		 now = (time_t)clock_now();
	struct tm	 tm;
	int		 i, fd;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	if ((size_t)snprintf(root, sizeof(root), "%s/backups", data_dir) >=
	    sizeof(root)) {
		snprintf(err, errlen, "data directory path too long");
		return -1;
	}
	if (mkdir(root, DB_DIR_MODE) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s/.%s-%s.tmp", root, ts, tag);
	snprintf(fin, sizeof(fin), "%s/%s-%s", root, ts, tag);
	remove_dir(tmp);
	if (mkdir(tmp, DB_DIR_MODE) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	for (i = 0; i < DB__MAX; i++) {
		if (dbs[i] == NULL)
			continue;
		snprintf(file, sizeof(file), "%s/%s", tmp, db_files[i]);
		if (backup_one(dbs[i], file, err, errlen) != 0) {
			remove_dir(tmp);
			return -1;
		}
	}
	if (rename(tmp, fin) != 0) {
		snprintf(err, errlen, "%s: %s", fin, strerror(errno));
		remove_dir(tmp);
		return -1;
	}
	/* The rename itself must reach the disk. */
	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	if (out_dir != NULL)
		snprintf(out_dir, outlen, "%s", fin);
	if (keep > 0)
		prune(root, keep);
	return 0;
}

/*
 * The bytes SQLite's unix VFS locks (os_unix.c, fixed by its file
 * format): the SHARED range of a database file, held for reading by every
 * connection in WAL mode while it is open, and the DMS byte of its -shm,
 * held for reading by every connection that has the -shm mapped.
 */
/*
 * A path from fmt into out; -1 (ENAMETOOLONG, out cut short) if it does
 * not fit, which the open or rename that follows then fails on.
 */
static int
pathf(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
pathf(char *out, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			out[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

#define SQLITE_SHARED_FIRST	(0x40000000 + 2)
#define SQLITE_SHARED_SIZE	510
#define SQLITE_SHM_DMS		128

/* The suffixes of a database's files that move with it. */
static const char *const db_parts[] = { "", "-wal", "-shm", "-journal" };
#define DB_PARTS	(sizeof(db_parts) / sizeof(db_parts[0]))

/* Longer directory names leave no room for the files' names. */
#define BACKUP_PATH_MAX		3500

/* The lock files of the four databases, held while restoring. */
struct held {
	int	fd[DB__MAX][2];		/* <file>.lock, <file>.ckpt */
};

long long
backup_time(const char *dir)
{
	const char	*base, *end;
	struct tm	 tm;
	size_t		 n = strlen(dir);
	char		 name[64];

	while (n > 1 && dir[n - 1] == '/')
		n--;
	for (base = dir + n; base > dir && base[-1] != '/'; base--)
		continue;
	if ((size_t)(dir + n - base) >= sizeof(name))
		return -1;
	memcpy(name, base, (size_t)(dir + n - base));
	name[dir + n - base] = '\0';
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(name, "%Y%m%dT%H%M%SZ", &tm)) == NULL ||
	    end != name + 16 || (*end != '-' && *end != '\0'))
		return -1;
	return (long long)timegm(&tm);
}

/*
 * Another process's POSIX lock on bytes [start, start + len) of path: its
 * pid (1 when the kernel does not say, as for open-file-description
 * locks), 0 if none or there is no such file, -1 on error.
 */
static long
posix_holder(const char *path, off_t start, off_t len)
{
	struct flock	fl;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 0 : -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	if (fcntl(fd, F_GETLK, &fl) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	if (fl.l_type == F_UNLCK)
		return 0;
	return fl.l_pid > 0 ? (long)fl.l_pid : 1;
}

static void
release(struct held *h)
{
	int	i, k;

	for (i = 0; i < DB__MAX; i++)
		for (k = 0; k < 2; k++)
			if (h->fd[i][k] >= 0) {
				close(h->fd[i][k]);
				h->fd[i][k] = -1;
			}
}

/*
 * Take every lock file of data_dir exclusively without waiting and probe
 * the databases' POSIX locks (backup.h, backup_in_use). 0 with the locks
 * held in h, 1 if in use (nothing held), -1 on error; why says which.
 */
static int
take(const char *data_dir, struct held *h, char *why, size_t whylen)
{
	static const char *const	 kinds[2] = { ".lock", ".ckpt" };
	char				 path[4200];
	long				 pid;
	int				 i, k;

	for (i = 0; i < DB__MAX; i++)
		h->fd[i][0] = h->fd[i][1] = -1;
	for (i = 0; i < DB__MAX; i++)
		for (k = 0; k < 2; k++) {
			(void)pathf(path, sizeof(path), "%s/%s%s", data_dir,
			    db_files[i], kinds[k]);
			if ((h->fd[i][k] = open(path, O_RDWR | O_CREAT |
			    O_CLOEXEC | O_NOFOLLOW, DB_FILE_MODE)) < 0) {
				snprintf(why, whylen, "%s: %s", path,
				    strerror(errno));
				goto fail;
			}
			if (flock(h->fd[i][k], LOCK_EX | LOCK_NB) != 0) {
				if (errno != EWOULDBLOCK) {
					snprintf(why, whylen, "%s: %s", path,
					    strerror(errno));
					goto fail;
				}
				snprintf(why, whylen, "%s is being written to "
				    "(%s is held): stop the web server and the "
				    "worker first", db_files[i], path);
				release(h);
				return 1;
			}
		}
	for (i = 0; i < DB__MAX; i++) {
		(void)pathf(path, sizeof(path), "%s/%s", data_dir, db_files[i]);
		pid = posix_holder(path, SQLITE_SHARED_FIRST,
		    SQLITE_SHARED_SIZE);
		if (pid == 0) {
			(void)pathf(path, sizeof(path), "%s/%s-shm", data_dir,
			    db_files[i]);
			pid = posix_holder(path, SQLITE_SHM_DMS, 1);
		}
		if (pid < 0) {
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (pid > 0) {
			snprintf(why, whylen, "%s is open in process %ld (a web "
			    "server's program or a worker): stop them first",
			    path, pid);
			release(h);
			return 1;
		}
	}
	return 0;
fail:
	release(h);
	return -1;
}

int
backup_in_use(const char *data_dir, char *why, size_t whylen)
{
	struct held	h;
	int		rc;

	if (strlen(data_dir) > BACKUP_PATH_MAX) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	if ((rc = take(data_dir, &h, why, whylen)) == 0)
		release(&h);
	return rc;
}

/* One row of fixed SQL on a raw handle as text into out; 0 or -1. */
static int
one_text(sqlite3 *h, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt	*st = NULL;
	const char	*v;
	int		 rc = -1;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(st, 0)) != NULL) {
		snprintf(out, outlen, "%s", v);
		rc = 0;
	} else
		snprintf(out, outlen, "%s", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	return rc;
}

/*
 * A backup file must be whole and of a schema this program knows: every
 * migration it records is one compiled in here, with the same checksum.
 */
static int
check_copy(sqlite3 *h, const char *path, enum db_id id, char *err,
    size_t errlen)
{
	static const char	 sql_recorded[] =
	    "SELECT version, checksum FROM schema_migrations ORDER BY version";
	sqlite3_stmt		*st = NULL;
	const char		*sum;
	char			 res[256], want[65];
	size_t			 i;
	int			 version, rc;

	if (one_text(h, "PRAGMA integrity_check", res, sizeof(res)) != 0 ||
	    strcmp(res, "ok") != 0) {
		snprintf(err, errlen, "%s fails integrity_check: %s", path, res);
		return -1;
	}
	if (sqlite3_prepare_v2(h, sql_recorded, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: no schema_migrations: not a "
		    "database of this shop", path);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		version = sqlite3_column_int(st, 0);
		sum = (const char *)sqlite3_column_text(st, 1);
		for (i = 0; i < migrations_count; i++)
			if (migrations[i].db == id &&
			    migrations[i].version == version)
				break;
		if (i == migrations_count) {
			snprintf(err, errlen, "%s has migration %04d of %s, "
			    "which this program does not know: the backup is "
			    "of a newer version; restore it with that one",
			    path, version, db_names[id]);
			sqlite3_finalize(st);
			return -1;
		}
		migrate_checksum(migrations[i].sql, want);
		if (sum == NULL || strcmp(sum, want) != 0) {
			snprintf(err, errlen, "%s: migration %04d_%s differs "
			    "from this program's", path, version,
			    migrations[i].name);
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(h));
		return -1;
	}
	return 0;
}

/* Remove what a copy to path left, if anything. */
static void
remove_parts(const char *path)
{
	char	p[4300];
	size_t	i;

	for (i = 0; i < DB_PARTS; i++) {
		(void)pathf(p, sizeof(p), "%s%s", path, db_parts[i]);
		(void)unlink(p);
	}
}

/* Remove the lock files a struct db made for path. */
static void
remove_locks(const char *path)
{
	char	p[4300];

	(void)pathf(p, sizeof(p), "%s.lock", path);
	(void)unlink(p);
	(void)pathf(p, sizeof(p), "%s.ckpt", path);
	(void)unlink(p);
}

/*
 * Check the backup file src and copy it with the backup API into a new
 * file dst, in WAL mode, checked, brought to this program's schema (the
 * migrations an older backup lacks, added to *migrated) and synced. 0,
 * or -1 with err.
 */
static int
copy_in(const char *src, const char *dst, enum db_id id, int *migrated,
    char *err, size_t errlen)
{
	sqlite3		*from = NULL, *to = NULL;
	sqlite3_backup	*b;
	struct db	*d;
	struct stat	 sb;
	char		 res[256];
	int		 rc, fd, n;

	if (stat(src, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: %s", src, errno ? strerror(errno) :
		    "not a file");
		return -1;
	}
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", src, from ?
		    sqlite3_errmsg(from) : "cannot open");
		goto fail;
	}
	if (check_copy(from, src, id, err, errlen) != 0)
		goto fail;
	remove_parts(dst);
	if (db_create_file(dst) != 0) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", dst, to ?
		    sqlite3_errmsg(to) : "cannot open");
		goto fail;
	}
	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL) {
		snprintf(err, errlen, "%s: %s", dst, sqlite3_errmsg(to));
		goto fail;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: copy: %s", dst, sqlite3_errstr(rc));
		goto fail;
	}
	if (one_text(to, "PRAGMA journal_mode=WAL", res, sizeof(res)) != 0 ||
	    strcmp(res, "wal") != 0) {
		snprintf(err, errlen, "%s: journal_mode=WAL: %s", dst, res);
		goto fail;
	}
	if (one_text(to, "PRAGMA quick_check", res, sizeof(res)) != 0 ||
	    strcmp(res, "ok") != 0) {
		snprintf(err, errlen, "%s: the copy fails quick_check: %s",
		    dst, res);
		goto fail;
	}
	sqlite3_close(from);
	from = NULL;
	/* The last connection checkpoints the WAL into the file and ends it. */
	if (sqlite3_close(to) != SQLITE_OK) {
		to = NULL;
		snprintf(err, errlen, "%s: close failed", dst);
		goto fail;
	}
	to = NULL;
	d = db_open_file(dst, id, 0, err, errlen);
	n = d != NULL ? migrate_apply(d, NULL, NULL, err, errlen) : -1;
	db_close(d);
	remove_locks(dst);
	if (n < 0)
		goto fail;
	*migrated += n;
	if ((fd = open(dst, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: fsync: %s", dst, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	sqlite3_close(from);
	sqlite3_close(to);
	remove_parts(dst);
	return -1;
}

static void
sync_dir(const char *dir)
{
	int	fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Where the files of data_dir go aside: aside/<UTC time>-restore[-N]. */
static int
make_aside(const char *data_dir, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char		 root[4200], ts[32];
	time_t		 now = (time_t)clock_now();
	struct tm	 tm;
	int		 n;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	(void)pathf(root, sizeof(root), "%s/aside", data_dir);
	if (mkdir(root, DB_DIR_MODE) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	for (n = 0; n < 100; n++) {
		if (n == 0)
			(void)pathf(out, outlen, "%s/%s-restore", root, ts);
		else
			(void)pathf(out, outlen, "%s/%s-restore-%d", root, ts, n);
		if (mkdir(out, DB_DIR_MODE) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	snprintf(err, errlen, "%s: %s", out, strerror(errno));
	return -1;
}

int
backup_restore(const char *data_dir, const char *from,
    struct backup_restored *info, char *err, size_t errlen)
{
	struct held	 h;
	char		 src[4400], tmp[DB__MAX][4400], dst[4400], moved[4400];
	bool		 made[DB__MAX] = { false };
	bool		 gone[DB__MAX][DB_PARTS];
	size_t		 k;
	int		 i, rc;

	memset(info, 0, sizeof(*info));
	memset(gone, 0, sizeof(gone));
	if (strlen(data_dir) > BACKUP_PATH_MAX || strlen(from) >
	    BACKUP_PATH_MAX) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if ((info->taken_at = backup_time(from)) < 0) {
		snprintf(err, errlen, "%s: not a backup (its name must be "
		    "<UTC time>-<tag>, as backups/ holds them)", from);
		return -1;
	}
	if (mkdir(data_dir, DB_DIR_MODE) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", data_dir, strerror(errno));
		return -1;
	}
	if ((rc = take(data_dir, &h, err, errlen)) != 0)
		return rc;
	/* Copies beside their place first: nothing in place changes yet. */
	for (i = 0; i < DB__MAX; i++) {
		(void)pathf(src, sizeof(src), "%s/%s", from, db_files[i]);
		(void)pathf(tmp[i], sizeof(tmp[i]), "%s/.%s.restore", data_dir,
		    db_files[i]);
		if (copy_in(src, tmp[i], (enum db_id)i, &info->migrated, err,
		    errlen) != 0)
			goto fail;
		made[i] = true;
	}
	if (make_aside(data_dir, info->aside, sizeof(info->aside), err,
	    errlen) != 0)
		goto fail;
	for (i = 0; i < DB__MAX; i++)
		for (k = 0; k < DB_PARTS; k++) {
			(void)pathf(dst, sizeof(dst), "%s/%s%s", data_dir,
			    db_files[i], db_parts[k]);
			(void)pathf(moved, sizeof(moved), "%s/%s%s", info->aside,
			    db_files[i], db_parts[k]);
			if (rename(dst, moved) == 0)
				gone[i][k] = true;
			else if (errno != ENOENT) {
				snprintf(err, errlen, "%s: %s", dst,
				    strerror(errno));
				goto undo;
			}
		}
	for (i = 0; i < DB__MAX; i++) {
		(void)pathf(dst, sizeof(dst), "%s/%s", data_dir, db_files[i]);
		if (rename(tmp[i], dst) != 0) {
			snprintf(err, errlen, "%s: %s", dst, strerror(errno));
			goto undo;
		}
		made[i] = false;
	}
	sync_dir(info->aside);
	sync_dir(data_dir);
	release(&h);
	return 0;
undo:
	/* Put back what was moved; what is in place is the shop's own. */
	for (i = 0; i < DB__MAX; i++)
		for (k = 0; k < DB_PARTS; k++) {
			if (!gone[i][k])
				continue;
			(void)pathf(dst, sizeof(dst), "%s/%s%s", data_dir,
			    db_files[i], db_parts[k]);
			(void)pathf(moved, sizeof(moved), "%s/%s%s", info->aside,
			    db_files[i], db_parts[k]);
			if (rename(moved, dst) != 0)
				log_error("restore: %s could not be put back "
				    "from %s: %s", dst, moved, strerror(errno));
		}
	sync_dir(data_dir);
fail:
	for (i = 0; i < DB__MAX; i++)
		if (made[i])
			remove_parts(tmp[i]);
	release(&h);
	return -1;
}
