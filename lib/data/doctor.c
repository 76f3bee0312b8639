/*
 * The data layer's checks for shopctl doctor (see doctor.h).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "data/backup.h"
#include "data/db.h"
#include "data/doctor.h"
#include "data/migrate.h"

const char *const doctor_level_names[DOCTOR_LEVEL__MAX] = {
	"ok",
	"warn",
	"fail",
};

#define KiB		1024ULL
#define MiB		(1024ULL * KiB)
#define GiB		(1024ULL * MiB)
/* The WAL a web process checkpoints itself past (db.c): the worker lags. */
#define WAL_WARN_BYTES	(64 * MiB)
/* SQLite 3.51.3 fixed a race that could reset a WAL under a reader. */
#define SQLITE_WAL_FIXED	3051003
#define BACKUP_WARN_AGE	(26 * 3600)
#define BACKUP_FAIL_AGE	(72 * 3600)
/* Problems a line names before "and N more". */
#define SHOWN		3

static const char why_network[] =
    "SQLite's locks and the shared memory of its WAL need a local "
    "filesystem: on a network filesystem locks may not hold between "
    "processes (or hosts) and the -shm is not shared; use a local disk";
static const char why_fuse[] =
    "a FUSE filesystem may not carry POSIX and flock locks or shared "
    "mappings between processes, which SQLite's WAL and the write queue "
    "need; use a local disk";
static const char why_memory[] =
    "a memory filesystem: the databases are lost at reboot";
static const char why_unknown[] =
    "an unknown filesystem: make sure it is a local disk";

static const struct fs_kind {
	unsigned long		 type;
	const char		*name;
	enum doctor_level	 level;
	const char		*why;
} fs_kinds[] = {
	{ 0xEF53, "ext4", DOCTOR_OK, NULL },	/* also ext2 and ext3 */
	{ 0x58465342, "xfs", DOCTOR_OK, NULL },
	{ 0x9123683E, "btrfs", DOCTOR_OK, NULL },
	{ 0x2FC12FC1, "zfs", DOCTOR_OK, NULL },
	{ 0xF2F52010, "f2fs", DOCTOR_OK, NULL },
	{ 0x794C7630, "overlay", DOCTOR_OK, NULL },
	{ 0xCA451A4E, "bcachefs", DOCTOR_OK, NULL },
	{ 0x52654973, "reiserfs", DOCTOR_OK, NULL },
	{ 0x3153464A, "jfs", DOCTOR_OK, NULL },
	{ 0x01021994, "tmpfs", DOCTOR_WARN, why_memory },
	{ 0x858458F6, "ramfs", DOCTOR_WARN, why_memory },
	{ 0x6969, "nfs", DOCTOR_FAIL, why_network },
	{ 0x517B, "smb", DOCTOR_FAIL, why_network },
	{ 0xFF534D42, "cifs", DOCTOR_FAIL, why_network },
	{ 0xFE534D42, "smb2", DOCTOR_FAIL, why_network },
	{ 0x00C36400, "ceph", DOCTOR_FAIL, why_network },
	{ 0x5346414F, "afs", DOCTOR_FAIL, why_network },
	{ 0x6B414653, "afs", DOCTOR_FAIL, why_network },
	{ 0x01021997, "9p", DOCTOR_FAIL, why_network },
	{ 0x73757245, "coda", DOCTOR_FAIL, why_network },
	{ 0x01161970, "gfs2", DOCTOR_FAIL, why_network },
	{ 0x7461636F, "ocfs2", DOCTOR_FAIL, why_network },
	{ 0x0BD00BD0, "lustre", DOCTOR_FAIL, why_network },
	{ 0x786F4256, "vboxsf", DOCTOR_FAIL, why_network },
	{ 0x65735546, "fuse", DOCTOR_FAIL, why_fuse },
};

void
doctor_say(struct doctor *d, enum doctor_level level, const char *check,
    const char *fmt, ...)
{
	va_list	ap;

	buf_printf(&d->out, "%-4s  %s: ", doctor_level_names[level], check);
	va_start(ap, fmt);
	buf_vprintf(&d->out, fmt, ap);
	va_end(ap);
	buf_putc(&d->out, '\n');
	d->count[level]++;
	if (level > d->worst)
		d->worst = level;
}

int
doctor_status(const struct doctor *d)
{
	return d->worst == DOCTOR_FAIL ? 2 : d->worst == DOCTOR_WARN ? 1 : 0;
}

void
doctor_free(struct doctor *d)
{
	buf_free(&d->out);
}

enum doctor_level
doctor_fs_level(unsigned long type, const char **name, const char **why)
{
	size_t	i;

	for (i = 0; i < sizeof(fs_kinds) / sizeof(fs_kinds[0]); i++)
		if (fs_kinds[i].type == (type & 0xFFFFFFFFUL)) {
			*name = fs_kinds[i].name;
			if (why != NULL)
				*why = fs_kinds[i].why;
			return fs_kinds[i].level;
		}
	*name = NULL;
	if (why != NULL)
		*why = why_unknown;
	return DOCTOR_WARN;
}

enum doctor_level
doctor_sqlite_level(int version_number)
{
	return version_number >= SQLITE_WAL_FIXED ? DOCTOR_OK : DOCTOR_WARN;
}

enum doctor_level
doctor_space_level(unsigned long long avail, unsigned long long databases)
{
	if (avail < 64 * MiB || avail < databases)
		return DOCTOR_FAIL;
	if (avail < GiB || avail / 3 < databases)
		return DOCTOR_WARN;
	return DOCTOR_OK;
}

enum doctor_level
doctor_mode_level(mode_t mode, bool dir, bool secret)
{
	mode_t	most = dir ? 0750 : secret ? 0600 : 0640;

	mode &= 07777;
	if ((mode & ~most) == 0)
		return DOCTOR_OK;
	return (mode & 0002) ? DOCTOR_FAIL : DOCTOR_WARN;
}

/* A size for people: "512 KiB", "3.2 GiB". */
static const char *
human(unsigned long long n, char *buf, size_t len)
{
	if (n >= GiB)
		snprintf(buf, len, "%.1f GiB", (double)n / (double)GiB);
	else if (n >= MiB)
		snprintf(buf, len, "%.1f MiB", (double)n / (double)MiB);
	else
		snprintf(buf, len, "%llu KiB", n / KiB);
	return buf;
}

static void
check_fs(struct doctor *d, const char *dir)
{
	struct statfs		 sf;
	enum doctor_level	 level;
	const char		*name, *why;

	if (statfs(dir, &sf) != 0) {
		doctor_say(d, DOCTOR_FAIL, "filesystem", "statfs: %s: %s", dir,
		    strerror(errno));
		return;
	}
	level = doctor_fs_level((unsigned long)sf.f_type, &name, &why);
	if (level == DOCTOR_OK)
		doctor_say(d, level, "filesystem", "%s, local", name);
	else if (name != NULL)
		doctor_say(d, level, "filesystem", "%s: %s", name, why);
	else
		doctor_say(d, level, "filesystem", "type 0x%lx: %s",
		    (unsigned long)sf.f_type, why);
}

/*
 * In a child: another open of path must be refused both locks the
 * parent holds. The exit status has a bit for each that was not.
 */
static void __attribute__((noreturn))
lock_child(const char *path)
{
	struct flock	fl;
	int		fd, r = 0;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		_exit(8);
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		r |= 1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_len = 1;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		r |= 2;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_len = 1;
	if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK ||
	    fl.l_pid != getppid())
		r |= 4;
	_exit(r);
}

static void
check_locks(struct doctor *d, const char *dir)
{
	struct flock	 fl;
	char		 path[4200];
	pid_t		 pid;
	int		 fd, status = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/.doctor-%ld.lock", dir,
	    (long)getpid()) >= sizeof(path) ||
	    (fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    DB_FILE_MODE)) < 0) {
		doctor_say(d, DOCTOR_WARN, "locks", "not tried: a file cannot "
		    "be made in %s: %s", dir, strerror(errno));
		return;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_len = 1;
	if (flock(fd, LOCK_EX) != 0 || fcntl(fd, F_SETLK, &fl) != 0) {
		doctor_say(d, DOCTOR_FAIL, "locks", "locking a file in %s "
		    "fails: %s", dir, strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		doctor_say(d, DOCTOR_WARN, "locks", "not tried: fork: %s",
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		lock_child(path);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		continue;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 8)
		doctor_say(d, DOCTOR_WARN, "locks", "not tried: the child "
		    "process could not open the file");
	else if (WEXITSTATUS(status) & 1)
		doctor_say(d, DOCTOR_FAIL, "locks", "flock(2) does not keep "
		    "another process out: writers would not queue");
	else if (WEXITSTATUS(status) & 6)
		doctor_say(d, DOCTOR_FAIL, "locks", "POSIX locks do not keep "
		    "another process out: SQLite's locking would not hold");
	else
		doctor_say(d, DOCTOR_OK, "locks", "flock and POSIX locks keep "
		    "another process out");
out:
	unlink(path);
	close(fd);
}

static void
check_sqlite(struct doctor *d)
{
	if (doctor_sqlite_level(sqlite3_libversion_number()) == DOCTOR_OK)
		doctor_say(d, DOCTOR_OK, "sqlite", "%s, with the WAL-reset "
		    "fix of 3.51.3", sqlite3_libversion());
	else
		doctor_say(d, DOCTOR_WARN, "sqlite", "%s is older than 3.51.3, "
		    "which fixed a WAL-reset race; the shop's checkpoint "
		    "discipline keeps clear of it (DESIGN.md, \"Data\": one "
		    "checkpointer at a time under the .ckpt lock, none in web "
		    "processes unless the WAL is past its hard size)",
		    sqlite3_libversion());
}

/* The bytes of the four databases and their WALs. */
static unsigned long long
databases_size(const char *dir)
{
	static const char *const	 parts[] = { "", "-wal" };
	unsigned long long		 n = 0;
	struct stat			 sb;
	char				 p[4200];
	size_t				 k;
	int				 i;

	for (i = 0; i < DB__MAX; i++)
		for (k = 0; k < 2; k++)
			if ((size_t)snprintf(p, sizeof(p), "%s/%s%s", dir,
			    db_files[i], parts[k]) < sizeof(p) &&
			    stat(p, &sb) == 0)
				n += (unsigned long long)sb.st_size;
	return n;
}

static void
check_space(struct doctor *d, const char *dir)
{
	struct statvfs		 sv;
	unsigned long long	 avail, dbs;
	enum doctor_level	 level;
	char			 a[32], b[32];

	if (statvfs(dir, &sv) != 0) {
		doctor_say(d, DOCTOR_FAIL, "free space", "statvfs: %s: %s", dir,
		    strerror(errno));
		return;
	}
	avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
	dbs = databases_size(dir);
	level = doctor_space_level(avail, dbs);
	doctor_say(d, level, "free space", "%s free, the databases %s%s",
	    human(avail, a, sizeof(a)), human(dbs, b, sizeof(b)),
	    level == DOCTOR_FAIL ? ": writes and backups may fail; make room" :
	    level == DOCTOR_WARN ? ": little room for the WAL and backups" : "");
}

struct modes {
	uid_t			 owner;		/* the data directory's */
	int			 files;
	int			 problems;
	enum doctor_level	 level;
	struct buf		 shown;
};

static const char *
user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd	*pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %ld", (long)uid);
	return buf;
}

static void
mode_problem(struct modes *m, enum doctor_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
mode_problem(struct modes *m, enum doctor_level level, const char *fmt, ...)
{
	va_list	ap;

	if (level > m->level)
		m->level = level;
	if (m->problems++ >= SHOWN)
		return;
	if (m->shown.len > 0)
		buf_puts(&m->shown, "; ");
	va_start(ap, fmt);
	buf_vprintf(&m->shown, fmt, ap);
	va_end(ap);
}

/* One file: its owner against the directory's, its mode against its most. */
static void
mode_one(struct modes *m, const char *dir, const char *rel, bool secret)
{
	struct stat		 sb;
	enum doctor_level	 level;
	char			 p[4200], u1[64], u2[64];
	bool			 isdir;

	if ((size_t)snprintf(p, sizeof(p), "%s%s%s", dir, *rel ? "/" : "",
	    rel) >= sizeof(p) || lstat(p, &sb) != 0)
		return;
	isdir = S_ISDIR(sb.st_mode);
	m->files++;
	if (sb.st_uid != m->owner)
		mode_problem(m, DOCTOR_FAIL, "%s is owned by %s, the data "
		    "directory by %s", *rel ? rel : dir,
		    user_name(sb.st_uid, u1, sizeof(u1)),
		    user_name(m->owner, u2, sizeof(u2)));
	level = doctor_mode_level(sb.st_mode, isdir, secret);
	if (level != DOCTOR_OK)
		mode_problem(m, level, "%s is %04o (want %s or stricter)",
		    *rel ? rel : dir, (unsigned)(sb.st_mode & 07777),
		    isdir ? "0750" : secret ? "0600" : "0640");
}

/* A folder of backups or files set aside: it, its folders, their files. */
static void
mode_tree(struct modes *m, const char *dir, const char *sub)
{
	struct dirent	*e, *f;
	DIR		*top, *in;
	char		 p[4200], rel[4200], rel2[4400];

	mode_one(m, dir, sub, false);
	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, sub) >= sizeof(p) ||
	    (top = opendir(p)) == NULL)
		return;
	while ((e = readdir(top)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", sub,
		    e->d_name) >= sizeof(rel))
			continue;
		mode_one(m, dir, rel, false);
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, rel) >=
		    sizeof(p) || (in = opendir(p)) == NULL)
			continue;
		while ((f = readdir(in)) != NULL)
			if (strcmp(f->d_name, ".") != 0 &&
			    strcmp(f->d_name, "..") != 0 &&
			    (size_t)snprintf(rel2, sizeof(rel2), "%s/%s", rel,
			    f->d_name) < sizeof(rel2))
				mode_one(m, dir, rel2, false);
		closedir(in);
	}
	closedir(top);
}

static void
check_modes(struct doctor *d, const char *dir)
{
	static const char *const	 parts[] = {
		"", "-wal", "-shm", ".lock", ".ckpt",
	};
	struct modes			 m;
	struct stat			 sb;
	char				 rel[64], u[64];
	size_t				 k;
	int				 i;

	if (stat(dir, &sb) != 0) {
		doctor_say(d, DOCTOR_FAIL, "permissions", "%s: %s", dir,
		    strerror(errno));
		return;
	}
	memset(&m, 0, sizeof(m));
	m.owner = sb.st_uid;
	mode_one(&m, dir, "", false);
	for (i = 0; i < DB__MAX; i++)
		for (k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
			snprintf(rel, sizeof(rel), "%s%s", db_files[i],
			    parts[k]);
			mode_one(&m, dir, rel, false);
		}
	mode_one(&m, dir, "shop.env", true);
	mode_tree(&m, dir, "backups");
	mode_tree(&m, dir, "aside");
	if (m.problems == 0)
		doctor_say(d, DOCTOR_OK, "permissions", "%d files and folders "
		    "owned by %s, files 0640 or stricter, folders 0750",
		    m.files, user_name(m.owner, u, sizeof(u)));
	else if (m.problems > SHOWN)
		doctor_say(d, m.level, "permissions", "%s; and %d more",
		    buf_str(&m.shown), m.problems - SHOWN);
	else
		doctor_say(d, m.level, "permissions", "%s", buf_str(&m.shown));
	buf_free(&m.shown);
}

/* The first column of one row of fixed SQL as an integer; -1 on error. */
static int
pragma_int(struct db *db, const char *sql)
{
	sqlite3_stmt	*st = db_prep(db, sql);
	int		 v = -1;

	if (st != NULL && db_step(db, st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return v;
}

/* The first column of one row of fixed SQL as text. */
static int
pragma_text(struct db *db, const char *sql, char *out, size_t len)
{
	sqlite3_stmt	*st = db_prep(db, sql);
	const char	*v;
	int		 rc = -1;

	if (st != NULL && db_step(db, st) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(st, 0)) != NULL) {
		snprintf(out, len, "%s", v);
		rc = 0;
	}
	if (st != NULL)
		sqlite3_reset(st);
	return rc;
}

static void
check_db(struct doctor *d, const char *dir, enum db_id id, struct db *db,
    const char *err)
{
	static const char	 sql_mode[] = "PRAGMA journal_mode";
	static const char	 sql_sync[] = "PRAGMA synchronous";
	static const char *const sync_names[] = {
		"OFF", "NORMAL", "FULL", "EXTRA",
	};
	enum doctor_level	 level = DOCTOR_OK;
	struct stat		 sb;
	const char		*why = "";
	char			 mode[32], sync[32], p[4200], w[32];
	unsigned long long	 wal = 0;
	int			 s;

	if (db == NULL) {
		doctor_say(d, DOCTOR_FAIL, db_files[id], "%s", err ? err :
		    "cannot be opened");
		return;
	}
	if (pragma_text(db, sql_mode, mode, sizeof(mode)) != 0 ||
	    (s = pragma_int(db, sql_sync)) < 0) {
		doctor_say(d, DOCTOR_FAIL, db_files[id], "cannot be read: %s",
		    db_errmsg(db));
		return;
	}
	if (s <= 3)
		snprintf(sync, sizeof(sync), "%s", sync_names[s]);
	else
		snprintf(sync, sizeof(sync), "%d", s);
	if ((size_t)snprintf(p, sizeof(p), "%s/%s-wal", dir, db_files[id]) <
	    sizeof(p) && stat(p, &sb) == 0)
		wal = (unsigned long long)sb.st_size;
	if (strcmp(mode, "wal") != 0) {
		level = DOCTOR_FAIL;
		why = ": not in WAL mode (run \"shopctl migrate\")";
	} else if ((id == DB_PRIMARY || id == DB_QUEUE) && s < 2) {
		level = DOCTOR_FAIL;
		why = ": synchronous must be FULL, or a power cut can lose "
		    "a paid order";
	} else if (wal > WAL_WARN_BYTES) {
		level = DOCTOR_WARN;
		why = ": the WAL is large; is shop-worker checkpointing?";
	}
	doctor_say(d, level, db_files[id], "journal %s, synchronous %s, WAL "
	    "%s%s", mode, sync, human(wal, w, sizeof(w)), why);
}

/* Versions recorded that this program does not know; -1 on error. */
static int
unknown_versions(struct db *db)
{
	static const char	 sql[] = "SELECT version FROM schema_migrations";
	sqlite3_stmt		*st = db_prep(db, sql);
	size_t			 i;
	int			 rc, n = 0, v;

	if (st == NULL)
		return -1;
	while ((rc = db_step(db, st)) == SQLITE_ROW) {
		v = sqlite3_column_int(st, 0);
		for (i = 0; i < migrations_count; i++)
			if (migrations[i].db == db_which(db) &&
			    migrations[i].version == v)
				break;
		if (i == migrations_count)
			n++;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : n;
}

static void
check_schema(struct doctor *d, struct db *const dbs[DB__MAX])
{
	struct buf		 bad = { 0 }, newer = { 0 };
	enum doctor_level	 level = DOCTOR_OK;
	int			 i, missing, changed, unknown;

	for (i = 0; i < DB__MAX; i++) {
		if (dbs[i] == NULL) {
			buf_printf(&bad, "%s%s cannot be opened", bad.len ?
			    "; " : "", db_names[i]);
			level = DOCTOR_FAIL;
			continue;
		}
		missing = migrate_missing(dbs[i]);
		changed = migrate_verify(dbs[i], NULL);
		unknown = unknown_versions(dbs[i]);
		if (missing != 0 || changed != 0 || unknown < 0) {
			level = DOCTOR_FAIL;
			if (missing < 0 || changed < 0 || unknown < 0)
				buf_printf(&bad, "%s%s: no schema_migrations "
				    "table", bad.len ? "; " : "", db_names[i]);
			else if (missing > 0)
				buf_printf(&bad, "%s%s: %d migration%s missing",
				    bad.len ? "; " : "", db_names[i], missing,
				    missing == 1 ? "" : "s");
			if (changed > 0)
				buf_printf(&bad, "%s%s: %d migration%s changed "
				    "since applied", bad.len ? "; " : "",
				    db_names[i], changed,
				    changed == 1 ? "" : "s");
		} else if (unknown > 0) {
			if (level < DOCTOR_WARN)
				level = DOCTOR_WARN;
			buf_printf(&newer, "%s%s: %d", newer.len ? ", " : "",
			    db_names[i], unknown);
		}
	}
	if (level == DOCTOR_FAIL)
		doctor_say(d, level, "schema", "%s: run \"shopctl migrate\"",
		    buf_str(&bad));
	else if (level == DOCTOR_WARN)
		doctor_say(d, level, "schema", "migrations this program does "
		    "not know (%s): a newer version migrated these files",
		    buf_str(&newer));
	else
		doctor_say(d, level, "schema", "every migration this program "
		    "knows is applied");
	buf_free(&bad);
	buf_free(&newer);
}

static void
check_backup(struct doctor *d, const char *dir, long long now)
{
	struct dirent	*e;
	DIR		*bd;
	struct stat	 sb;
	char		 p[4200], file[4400], newest[256] = "";
	long long	 t, best = -1, age;

	if ((size_t)snprintf(p, sizeof(p), "%s/backups", dir) < sizeof(p) &&
	    (bd = opendir(p)) != NULL) {
		while ((e = readdir(bd)) != NULL) {
			if (e->d_name[0] == '.' ||
			    (t = backup_time(e->d_name)) < 0 || t <= best)
				continue;
			if ((size_t)snprintf(file, sizeof(file), "%s/%s/%s", p,
			    e->d_name, db_files[DB_PRIMARY]) >= sizeof(file) ||
			    stat(file, &sb) != 0)
				continue;
			best = t;
			snprintf(newest, sizeof(newest), "%s", e->d_name);
		}
		closedir(bd);
	}
	if (best < 0) {
		doctor_say(d, DOCTOR_WARN, "backup", "none in %s/backups yet "
		    "(\"shopctl backup\"; the worker writes one nightly)", dir);
		return;
	}
	age = now - best;
	if (age < 0)
		age = 0;
	doctor_say(d, age >= BACKUP_FAIL_AGE ? DOCTOR_FAIL : age >=
	    BACKUP_WARN_AGE ? DOCTOR_WARN : DOCTOR_OK, "backup",
	    "the newest, %s, is %lld h %02lld min old%s", newest, age / 3600,
	    age % 3600 / 60, age >= BACKUP_WARN_AGE ? ": is the nightly "
	    "backup running?" : "");
}

void
doctor_files(struct doctor *d, const char *data_dir)
{
	check_fs(d, data_dir);
	check_locks(d, data_dir);
	check_sqlite(d);
	check_space(d, data_dir);
	check_modes(d, data_dir);
}

void
doctor_databases(struct doctor *d, const char *data_dir,
    struct db *const dbs[DB__MAX], const char *const errs[DB__MAX],
    long long now)
{
	int	i;

	for (i = 0; i < DB__MAX; i++)
		check_db(d, data_dir, (enum db_id)i, dbs[i], errs[i]);
	check_schema(d, dbs);
	check_backup(d, data_dir, now);
}
