/*
 * Online backups of the four databases (see backup.h).
 *
 * SQLite's backup API copies a database page by page inside a read
 * transaction, so the copy is one consistent snapshot while the shop goes
 * on writing (WAL readers do not block writers). Each backup is built in
 * a hidden directory and renamed into place when every file is written
 * and checked, so backups/ only ever holds whole backups.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "data/backup.h"
#include "data/db.h"

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
