/*
 * SQLite connections, statements, write locks and checkpoints.
 *
 * Why a lock file: with several processes writing, SQLite's busy handler
 * sleeps and retries, so waits are unfair and long-tailed; a writer can
 * wait out the whole busy timeout and lose its write. Taking an exclusive
 * flock(2) on "<db>.lock" before BEGIN IMMEDIATE makes writers queue in
 * the kernel instead, and since the lock belongs to the open file, the
 * kernel releases it when a process dies, even by SIGKILL. Every program
 * of every generation uses the same lock files, so the queue holds during
 * overlapping deploys.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "data/db.h"

const char *const db_names[DB__MAX] = {
	"primary",
	"queue",
	"cache",
	"cable",
};

const char *const db_state_names[DB_STATE__MAX] = {
	"writable",
	"read-only",
	"full",
};

const char *const db_files[DB__MAX] = {
	"shop.db",
	"queue.db",
	"cache.db",
	"cable.db",
};

/* synchronous per database: payments and jobs must survive power loss. */
static const char *const db_sync[DB__MAX] = {
	"PRAGMA synchronous=FULL",
	"PRAGMA synchronous=FULL",
	"PRAGMA synchronous=NORMAL",
	"PRAGMA synchronous=NORMAL",
};

/* A web process checkpoints itself only past this many WAL frames. */
#define WAL_HARD_FRAMES		16384
#define LOCK_SIGNAL		(SIGRTMIN + 4)

/* glibc before 2.38 names the thread-id field only internally. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

struct stmt_slot {
	const char	*sql;
	sqlite3_stmt	*stmt;
};

struct db {
	sqlite3			*h;
	enum db_id		 id;
	unsigned		 flags;
	char			*path;
	int			 lockfd;	/* <db>.lock: writers queue here */
	int			 ckptfd;	/* <db>.ckpt: one checkpointer */
	bool			 in_write;
	enum db_state		 state;		/* DB_STATE_OK: can write */
	bool			 immutable;	/* opened as the file is */
	struct stmt_slot	*stmts;
	size_t			 nstmts, capstmts;
	char			 err[256];
	timer_t			 timer;
	pid_t			 timer_tid;
	bool			 timer_made;
	struct db_change	 changes[DB_WATCH_TABLES];
	bool			 changed;
};

/* What db_watch() asked for, per kind of database; set at start-up. */
static struct {
	const char	*tables[DB_WATCH_TABLES];
	size_t		 n;
	db_watch_fn	 fn;
} watches[DB__MAX];

static void
on_lock_timeout(int sig)
{
	(void)sig;
}

static void
db_seterr(struct db *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
db_seterr(struct db *d, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
}

static int
open_lock(const char *path, const char *suffix, bool create)
{
	char	name[4096];
	int	fd;

	if ((size_t)snprintf(name, sizeof(name), "%s%s", path, suffix) >=
	    sizeof(name))
		return -1;
	fd = open(name, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0),
	    DB_FILE_MODE);
	if (fd < 0 && !create && errno == ENOENT)
		fd = open(name, O_RDWR | O_CLOEXEC | O_CREAT, DB_FILE_MODE);
	return fd;
}

int
db_claim(struct db *d, long long n)
{
	struct flock	fl;
	int		fd;

	if (n < 0)
		return -1;
	if ((fd = open_lock(d->path, ".claims", true)) < 0) {
		log_warn("db: %s.claims: %s", d->path, strerror(errno));
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)n;
	fl.l_len = 1;
	if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
		if (errno != EAGAIN && errno != EACCES)
			log_warn("db: %s.claims: %s", d->path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void
db_unclaim(int claim)
{
	if (claim >= 0)
		close(claim);
}

/*
 * Only a file that does not exist yet is opened here (O_EXCL): closing a
 * descriptor of a database file drops every POSIX lock the process holds
 * on it, SQLite's own among them, and another thread's connection to the
 * file would then look closed to every other process. The last of those
 * to close would checkpoint and delete the WAL and -shm under it, and two
 * WALs would be in use at once, each side blind to the other's commits.
 */
int
db_create_file(const char *path)
{
	int	fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, DB_FILE_MODE)) < 0)
		return errno == EEXIST ? 0 : -1;
	close(fd);
	return 0;
}

/*
 * With the WAL past its hard size (the worker is not keeping up, or not
 * running), the connection that just committed checkpoints, but only if
 * no one else is checkpointing already.
 */
static int
wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
	struct db	*d = arg;

	(void)h;
	(void)name;
	if (frames > WAL_HARD_FRAMES)
		(void)db_checkpoint(d, SQLITE_CHECKPOINT_PASSIVE, 0, NULL);
	return SQLITE_OK;
}

void
db_watch(enum db_id id, const char *const *tables, size_t n, db_watch_fn fn)
{
	size_t	i;

	if (n > DB_WATCH_TABLES)
		n = DB_WATCH_TABLES;
	for (i = 0; i < n; i++)
		watches[id].tables[i] = tables[i];
	watches[id].n = fn != NULL ? n : 0;
	watches[id].fn = fn;
}

/*
 * sqlite3_update_hook(): a row of a watched table changed in the open
 * transaction; its rowid is kept until the transaction ends.
 */
static void
update_hook(void *arg, int op, const char *dbname, const char *table,
    sqlite3_int64 rowid)
{
	struct db		*d = arg;
	struct db_change	*c;
	size_t			 i, j;

	(void)op;
	(void)dbname;
	for (i = 0; i < watches[d->id].n; i++) {
		if (strcmp(table, watches[d->id].tables[i]) != 0)
			continue;
		c = &d->changes[i];
		c->table = watches[d->id].tables[i];
		d->changed = true;
		for (j = 0; j < c->n; j++)
			if (c->ids[j] == rowid)
				return;
		if (c->n < DB_WATCH_IDS)
			c->ids[c->n++] = rowid;
		else
			c->many = true;
		return;
	}
}

static void
changes_forget(struct db *d)
{
	memset(d->changes, 0, sizeof(d->changes));
	d->changed = false;
}

/* After a COMMIT: hand what changed to the watcher, then forget it. */
static void
changes_deliver(struct db *d)
{
	struct db_change	 c[DB_WATCH_TABLES];
	size_t			 i, n = 0;

	if (!d->changed || watches[d->id].fn == NULL) {
		changes_forget(d);
		return;
	}
	for (i = 0; i < watches[d->id].n; i++)
		if (d->changes[i].table != NULL)
			c[n++] = d->changes[i];
	changes_forget(d);
	watches[d->id].fn(d, c, n);
}

struct db *
db_open(const char *dir, enum db_id id, unsigned flags, char *err,
    size_t errlen)
{
	struct db	*d;
	char		*path;

	if (asprintf(&path, "%s/%s", dir, db_files[id]) < 0) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d = db_open_file(path, id, flags, err, errlen);
	free(path);
	return d;
}

/* Free bytes on the filesystem of path's directory; -1 if unknown. */
static long long
space_left(const char *path)
{
	struct statvfs	sv;
	char		dir[4096];
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
	else
		return -1;
	if (statvfs(dir, &sv) != 0)
		return -1;
	return (long long)sv.f_bavail * (long long)sv.f_frsize;
}

static bool
space_low(const char *path)
{
	long long	n = space_left(path);

	return n >= 0 && n < DB_RESERVE_BYTES;
}

/* "file:" URI of path with its reserved characters escaped (RFC 3986). */
static char *
file_uri(const char *path, const char *query)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*u, *q;
	size_t			 n = strlen(path);

	if ((u = malloc(n * 3 + strlen(query) + 8)) == NULL)
		return NULL;
	q = u + sprintf(u, "file:");
	for (; *path != '\0'; path++) {
		unsigned char c = (unsigned char)*path;

		if (c == '?' || c == '#' || c == '%' || c < 0x21 || c > 0x7e) {
			*q++ = '%';
			*q++ = hex[c >> 4];
			*q++ = hex[c & 15];
		} else
			*q++ = (char)c;
	}
	sprintf(q, "?%s", query);
	return u;
}

/* Whether an error opening or first reading a file may be its place's. */
static bool
storage_error(int code)
{
	switch (code & 0xff) {
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return true;
	default:
		return false;
	}
}

enum open_how {
	OPEN_NORMAL,		/* read and write, with the lock files */
	OPEN_READONLY,		/* read only, the -shm never written */
	OPEN_IMMUTABLE,		/* read only, no -wal: the file as it is */
};

static void
disconnect(struct db *d)
{
	size_t	i;

	for (i = 0; i < d->nstmts; i++)
		sqlite3_finalize(d->stmts[i].stmt);
	d->nstmts = 0;
	if (d->h != NULL)
		sqlite3_close(d->h);
	d->h = NULL;
	if (d->lockfd >= 0)
		close(d->lockfd);
	if (d->ckptfd >= 0)
		close(d->ckptfd);
	d->lockfd = d->ckptfd = -1;
}

/*
 * Open d->path as how says, with the pragmas of its kind, and read its
 * schema once so that the WAL and its -shm are opened now, not by the
 * first request. Returns 0, or -1 with err set and *place true when the
 * failure may be the storage's (read-only, full) rather than the file's.
 */
static int
connect(struct db *d, enum open_how how, char *err, size_t errlen,
    bool *place)
{
	unsigned	 flags = d->flags;
	char		*uri = NULL;
	int		 oflags, rc, code;

	*place = false;
	oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	if (how != OPEN_NORMAL) {
		uri = file_uri(d->path, how == OPEN_IMMUTABLE ?
		    "immutable=1" : "mode=ro&readonly_shm=1");
		if (uri == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		oflags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
	} else if (flags & DB_OPEN_RDONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE |
		    ((flags & DB_OPEN_CREATE) ? SQLITE_OPEN_CREATE : 0);
	rc = sqlite3_open_v2(uri != NULL ? uri : d->path, &d->h, oflags, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", d->path,
		    d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		*place = storage_error(rc);
		return -1;
	}
	sqlite3_extended_result_codes(d->h, 1);
	sqlite3_busy_timeout(d->h, SHOP_BUSY_TIMEOUT_MS);
	if (how == OPEN_NORMAL && !(flags & DB_OPEN_RDONLY)) {
		d->lockfd = open_lock(d->path, ".lock", true);
		if (d->lockfd >= 0)
			d->ckptfd = open_lock(d->path, ".ckpt", true);
		if (d->lockfd < 0 || d->ckptfd < 0) {
			snprintf(err, errlen, "%s.%s: %s", d->path,
			    d->lockfd < 0 ? "lock" : "ckpt", strerror(errno));
			*place = errno == EROFS || errno == EACCES ||
			    errno == EPERM || errno == ENOSPC ||
			    errno == EDQUOT;
			return -1;
		}
	}
	if (db_exec(d, "PRAGMA foreign_keys=ON") != 0 ||
	    (how == OPEN_NORMAL && db_exec(d, db_sync[d->id]) != 0) ||
	    db_exec(d, "PRAGMA mmap_size=0") != 0 ||
	    db_exec(d, "PRAGMA cache_size=-8192") != 0 ||
	    (how == OPEN_NORMAL &&
	    db_exec(d, "PRAGMA journal_size_limit=67108864") != 0) ||
	    ((flags & DB_OPEN_CREATE) && db_exec(d, "PRAGMA journal_mode=WAL")) ||
	    db_exec(d, "SELECT count(*) FROM sqlite_schema") != 0) {
		code = sqlite3_extended_errcode(d->h);
		snprintf(err, errlen, "%s: %s", d->path, d->err);
		*place = storage_error(code);
		return -1;
	}
	/*
	 * No connection checkpoints on its own: shop-worker does it on a
	 * timer, and a connection that finds the WAL past its hard size does
	 * it under the checkpoint lock (wal_hook above).
	 */
	if (how == OPEN_NORMAL && !(flags & DB_OPEN_RDONLY)) {
		sqlite3_wal_autocheckpoint(d->h, 0);
		sqlite3_wal_hook(d->h, wal_hook, d);
		if (watches[d->id].n > 0)
			sqlite3_update_hook(d->h, update_hook, d);
	}
	return 0;
}

/*
 * Whether path's WAL may hold anything: a -shm beside it (every WAL
 * connection has it open, and it outlives them until the last one
 * closes) or a -wal that is not empty. A read-only open leaves an empty
 * -wal behind, which holds nothing.
 */
static bool
wal_in_use(const char *path)
{
	struct stat	sb;
	char		p[4200];

	if ((size_t)snprintf(p, sizeof(p), "%s-shm", path) >= sizeof(p) ||
	    stat(p, &sb) == 0 || errno != ENOENT)
		return true;
	snprintf(p, sizeof(p), "%s-wal", path);
	if (stat(p, &sb) == 0)
		return sb.st_size > 0;
	return errno != ENOENT;
}

/*
 * A connection that cannot write where it is (the directory read-only,
 * the disk full) reads all the same, so that the shop goes on showing
 * its pages: read-only, with the -shm opened read-only (mapped PROT_READ,
 * so no store into a mapping the filesystem may be unable to back, which
 * ends in SIGBUS), and when even that cannot be (no -wal and no -shm on
 * a read-only mount, say), the file as it is (immutable), which is
 * sound only while no WAL is in use: db_stale() watches for one.
 */
static int
connect_degraded(struct db *d, enum db_state why, char *err, size_t errlen)
{
	char	first[512];
	bool	place;

	disconnect(d);
	d->state = why;
	if (connect(d, OPEN_READONLY, first, sizeof(first), &place) == 0)
		return 0;
	disconnect(d);
	if (!wal_in_use(d->path) &&
	    connect(d, OPEN_IMMUTABLE, err, errlen, &place) == 0) {
		d->immutable = true;
		return 0;
	}
	snprintf(err, errlen, "%s", first);
	return -1;
}

struct db *
db_open_file(const char *path, enum db_id id, unsigned flags, char *err,
    size_t errlen)
{
	struct db	*d;
	struct stat	 st;
	bool		 place, degradable;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->id = id;
	d->flags = flags;
	d->lockfd = d->ckptfd = -1;
	if ((d->path = strdup(path)) == NULL) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!(flags & DB_OPEN_CREATE) && stat(d->path, &st) != 0) {
		snprintf(err, errlen, "%s: %s (run \"shopctl migrate\" to "
		    "create the databases)", d->path, strerror(errno));
		goto fail;
	}
	/*
	 * SQLite would create the file 0644 less the umask; made here first,
	 * it is DB_FILE_MODE whatever the umask, and SQLite gives the -wal
	 * and -shm it creates the database's mode.
	 */
	if ((flags & DB_OPEN_CREATE) && !(flags & DB_OPEN_RDONLY) &&
	    db_create_file(d->path) != 0) {
		snprintf(err, errlen, "%s: %s", d->path, strerror(errno));
		goto fail;
	}
	degradable = !(flags & (DB_OPEN_CREATE | DB_OPEN_RDONLY));
	/* On a full disk, not even the -shm is written to. */
	if (degradable && space_low(d->path)) {
		if (connect_degraded(d, DB_STATE_FULL, err, errlen) != 0)
			goto fail;
		return d;
	}
	if (connect(d, OPEN_NORMAL, err, errlen, &place) == 0)
		return d;
	if (!degradable || !place)
		goto fail;
	log_warn("db: %s; reading it only", err);
	if (connect_degraded(d, space_low(d->path) ? DB_STATE_FULL :
	    DB_STATE_READONLY, err, errlen) != 0)
		goto fail;
	return d;
fail:
	db_close(d);
	return NULL;
}

enum db_state
db_state(const struct db *d)
{
	return d->state;
}

bool
db_stale(const struct db *d)
{
	return d->immutable && wal_in_use(d->path);
}

bool
db_space_low(const struct db *d)
{
	return space_low(d->path);
}

void
db_close(struct db *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nstmts; i++)
		sqlite3_finalize(d->stmts[i].stmt);
	free(d->stmts);
	if (d->in_write)
		db_rollback(d);
	if (d->h != NULL && sqlite3_close(d->h) != SQLITE_OK)
		log_error("db_close: %s: %s", d->path, sqlite3_errmsg(d->h));
	if (d->lockfd >= 0)
		close(d->lockfd);
	if (d->ckptfd >= 0)
		close(d->ckptfd);
	if (d->timer_made)
		timer_delete(d->timer);
	free(d->path);
	free(d);
}

bool
db_moved(struct db *d)
{
	int	moved = 0;

	if (sqlite3_file_control(d->h, "main", SQLITE_FCNTL_HAS_MOVED,
	    &moved) != SQLITE_OK)
		return false;
	return moved != 0;
}

sqlite3 *
db_handle(struct db *d)
{
	return d->h;
}

enum db_id
db_which(const struct db *d)
{
	return d->id;
}

const char *
db_path(const struct db *d)
{
	return d->path;
}

const char *
db_errmsg(struct db *d)
{
	return d->err;
}

int
db_exec(struct db *d, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(d->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		db_seterr(d, "%s: %s", sql, msg ? msg : sqlite3_errmsg(d->h));
		log_error("db: %s: %s", d->path, d->err);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
db_prep(struct db *d, const char *sql)
{
	struct stmt_slot	*s;
	sqlite3_stmt		*st;
	const char		*tail = NULL;
	size_t			 i;

	for (i = 0; i < d->nstmts; i++)
		if (d->stmts[i].sql == sql) {
			st = d->stmts[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, &tail) != SQLITE_OK) {
		db_seterr(d, "prepare: %s", sqlite3_errmsg(d->h));
		log_error("db: %s: %s: %.120s", d->path, d->err, sql);
		return NULL;
	}
	/* Fixed SQL is one statement; trailing text is a mistake. */
	while (tail != NULL && (*tail == ' ' || *tail == '\n' ||
	    *tail == '\t' || *tail == ';'))
		tail++;
	if (st == NULL || (tail != NULL && *tail != '\0')) {
		sqlite3_finalize(st);
		db_seterr(d, "prepare: trailing text after statement");
		log_error("db: %s: %s: %.120s", d->path, d->err, sql);
		return NULL;
	}
	if (d->nstmts == d->capstmts) {
		size_t cap = d->capstmts ? d->capstmts * 2 : 32;

		if ((s = realloc(d->stmts, cap * sizeof(*s))) == NULL) {
			sqlite3_finalize(st);
			db_seterr(d, "out of memory");
			return NULL;
		}
		d->stmts = s;
		d->capstmts = cap;
	}
	d->stmts[d->nstmts].sql = sql;
	d->stmts[d->nstmts].stmt = st;
	d->nstmts++;
	return st;
}

int
db_step(struct db *d, sqlite3_stmt *st)
{
	int	rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	db_seterr(d, "sqlite3_step: %s", sqlite3_errmsg(d->h));
	log_error("db: %s: %s: %.120s", d->path, d->err, sqlite3_sql(st));
	sqlite3_reset(st);
	return -1;
}

void
db_reset_all(struct db *d)
{
	size_t	i;

	for (i = 0; i < d->nstmts; i++)
		if (sqlite3_stmt_busy(d->stmts[i].stmt))
			sqlite3_reset(d->stmts[i].stmt);
	if (d->in_write) {
		log_error("db: %s: write transaction left open; rolled back",
		    d->path);
		db_rollback(d);
	} else if (!sqlite3_get_autocommit(d->h))
		db_exec(d, "ROLLBACK");
}

char *
db_text(struct arena *a, sqlite3_stmt *st, int col)
{
	const unsigned char	*p = sqlite3_column_text(st, col);

	return arena_strndup(a, p ? (const char *)p : "",
	    p ? (size_t)sqlite3_column_bytes(st, col) : 0);
}

/*
 * flock(2) has no timeout, so a one-shot POSIX timer aimed at this thread
 * interrupts it: the handler is installed without SA_RESTART and flock
 * returns EINTR when the time is up.
 */
static int
lock_wait(struct db *d, int fd, int timeout_ms)
{
	static const struct sigaction	 sa = { .sa_handler = on_lock_timeout };
	struct sigevent			 sev;
	struct itimerspec		 its;
	pid_t				 tid = gettid();
	int				 rc, saved;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK || timeout_ms <= 0)
		return -1;
	if (!d->timer_made || d->timer_tid != tid) {
		if (d->timer_made)
			timer_delete(d->timer);
		sigaction(LOCK_SIGNAL, &sa, NULL);
		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = LOCK_SIGNAL;
		sev.sigev_notify_thread_id = tid;
		if (timer_create(CLOCK_MONOTONIC, &sev, &d->timer) != 0)
			return -1;
		d->timer_made = true;
		d->timer_tid = tid;
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = timeout_ms / 1000;
	its.it_value.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
	timer_settime(d->timer, 0, &its, NULL);
	rc = flock(fd, LOCK_EX);
	saved = errno;
	memset(&its, 0, sizeof(its));
	timer_settime(d->timer, 0, &its, NULL);
	errno = saved;
	return rc;
}

int
db_begin_timeout(struct db *d, int timeout_ms)
{
	if (d->in_write) {
		db_seterr(d, "write transaction already open");
		log_error("db: %s: %s", d->path, d->err);
		return -1;
	}
	/* Nothing is written into the last of the disk (see db.h). */
	if (d->state != DB_STATE_OK || space_low(d->path)) {
		db_seterr(d, "%s: %s", d->path, d->state == DB_STATE_READONLY ?
		    "cannot write here (read-only); reading only" :
		    "the disk is full (under the reserve); writes wait for "
		    "room");
		log_error("db: %s", d->err);
		return -1;
	}
	if (lock_wait(d, d->lockfd, timeout_ms) != 0) {
		db_seterr(d, "%s.lock: %s", d->path, errno == EINTR ||
		    errno == EWOULDBLOCK ? "timed out waiting for the write "
		    "lock" : strerror(errno));
		log_error("db: %s", d->err);
		return -1;
	}
	changes_forget(d);
	if (db_exec(d, "BEGIN IMMEDIATE") != 0) {
		flock(d->lockfd, LOCK_UN);
		return -1;
	}
	d->in_write = true;
	return 0;
}

int
db_begin(struct db *d)
{
	return db_begin_timeout(d, SHOP_LOCK_TIMEOUT_MS);
}

int
db_commit(struct db *d)
{
	int	rc = 0;

	if (!d->in_write)
		return -1;
	if (db_exec(d, "COMMIT") != 0) {
		rc = -1;
		if (!sqlite3_get_autocommit(d->h))
			(void)db_exec(d, "ROLLBACK");
	}
	d->in_write = false;
	flock(d->lockfd, LOCK_UN);
	if (rc == 0)
		changes_deliver(d);
	else
		changes_forget(d);
	return rc;
}

void
db_rollback(struct db *d)
{
	if (!sqlite3_get_autocommit(d->h))
		(void)db_exec(d, "ROLLBACK");
	changes_forget(d);
	if (d->in_write) {
		d->in_write = false;
		flock(d->lockfd, LOCK_UN);
	}
}

bool
db_in_write(const struct db *d)
{
	return d->in_write;
}

int
db_read_begin(struct db *d)
{
	return db_exec(d, "BEGIN");
}

void
db_read_end(struct db *d)
{
	if (!sqlite3_get_autocommit(d->h))
		(void)db_exec(d, "COMMIT");
}

int
db_checkpoint(struct db *d, int mode, int wait_ms, int *wal_frames)
{
	int	log_frames = 0, done = 0, rc;

	if (d->ckptfd < 0)
		return -1;
	if (lock_wait(d, d->ckptfd, wait_ms) != 0)
		return errno == EWOULDBLOCK || errno == EINTR ? 1 : -1;
	rc = sqlite3_wal_checkpoint_v2(d->h, NULL, mode, &log_frames, &done);
	flock(d->ckptfd, LOCK_UN);
	if (wal_frames != NULL)
		*wal_frames = log_frames > done ? log_frames - done : 0;
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		db_seterr(d, "checkpoint: %s", sqlite3_errmsg(d->h));
		log_error("db: %s: %s", d->path, d->err);
		return -1;
	}
	return 0;
}

char *
db_journal_mode(struct db *d, struct arena *a)
{
	static const char	 sql[] = "PRAGMA journal_mode";
	sqlite3_stmt		*st = db_prep(d, sql);
	char			*mode;

	if (st == NULL || db_step(d, st) != SQLITE_ROW)
		return arena_strdup(a, "unknown");
	mode = db_text(a, st, 0);
	sqlite3_reset(st);
	return mode;
}

char **
db_integrity(struct db *d, struct arena *a, size_t *n)
{
	static const char	 sql[] = "PRAGMA integrity_check";
	sqlite3_stmt		*st = db_prep(d, sql);
	char			**v = NULL, **grown, *msg;
	size_t			 cap = 0;
	int			 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	for (;;) {
		rc = db_step(d, st);
		if (rc == SQLITE_DONE)
			break;
		if (rc == SQLITE_ROW) {
			msg = db_text(a, st, 0);
			if (strcmp(msg, "ok") == 0)
				continue;
		} else
			msg = arena_printf(a, "integrity_check stopped: %s",
			    db_errmsg(d));
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = arena_calloc(a, cap, sizeof(*grown));
			if (*n > 0)
				memcpy(grown, v, *n * sizeof(*grown));
			v = grown;
		}
		v[(*n)++] = msg;
		if (rc != SQLITE_ROW)
			break;
	}
	sqlite3_reset(st);
	return v != NULL ? v : arena_calloc(a, 1, sizeof(*v));
}
