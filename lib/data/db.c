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
	struct stmt_slot	*stmts;
	size_t			 nstmts, capstmts;
	char			 err[256];
	timer_t			 timer;
	pid_t			 timer_tid;
	bool			 timer_made;
};

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
db_create_file(const char *path)
{
	int	fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    DB_FILE_MODE)) < 0)
		return -1;
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

struct db *
db_open_file(const char *path, enum db_id id, unsigned flags, char *err,
    size_t errlen)
{
	struct db	*d;
	struct stat	 st;
	int		 oflags, rc;

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
	oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	if (flags & DB_OPEN_RDONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE |
		    ((flags & DB_OPEN_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if ((rc = sqlite3_open_v2(d->path, &d->h, oflags, NULL)) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", d->path,
		    d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(d->h, 1);
	sqlite3_busy_timeout(d->h, SHOP_BUSY_TIMEOUT_MS);
	if (!(flags & DB_OPEN_RDONLY)) {
		d->lockfd = open_lock(d->path, ".lock", true);
		d->ckptfd = open_lock(d->path, ".ckpt", true);
		if (d->lockfd < 0 || d->ckptfd < 0) {
			snprintf(err, errlen, "%s.lock: %s", d->path,
			    strerror(errno));
			goto fail;
		}
	}
	if (db_exec(d, "PRAGMA foreign_keys=ON") != 0 ||
	    db_exec(d, db_sync[id]) != 0 ||
	    db_exec(d, "PRAGMA mmap_size=0") != 0 ||
	    db_exec(d, "PRAGMA cache_size=-8192") != 0 ||
	    db_exec(d, "PRAGMA journal_size_limit=67108864") != 0) {
		snprintf(err, errlen, "%s: %s", d->path, d->err);
		goto fail;
	}
	if ((flags & DB_OPEN_CREATE) && db_exec(d, "PRAGMA journal_mode=WAL")) {
		snprintf(err, errlen, "%s: %s", d->path, d->err);
		goto fail;
	}
	/*
	 * No connection checkpoints on its own: shop-worker does it on a
	 * timer, and a connection that finds the WAL past its hard size does
	 * it under the checkpoint lock (wal_hook above).
	 */
	if (!(flags & DB_OPEN_RDONLY)) {
		sqlite3_wal_autocheckpoint(d->h, 0);
		sqlite3_wal_hook(d->h, wal_hook, d);
	}
	return d;
fail:
	db_close(d);
	return NULL;
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
	if (lock_wait(d, d->lockfd, timeout_ms) != 0) {
		db_seterr(d, "%s.lock: %s", d->path, errno == EINTR ||
		    errno == EWOULDBLOCK ? "timed out waiting for the write "
		    "lock" : strerror(errno));
		log_error("db: %s", d->err);
		return -1;
	}
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
	return rc;
}

void
db_rollback(struct db *d)
{
	if (!sqlite3_get_autocommit(d->h))
		(void)db_exec(d, "ROLLBACK");
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
