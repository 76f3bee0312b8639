/*
 * The four SQLite databases of DESIGN.md ("Data"): opening them with their
 * pragmas, statements prepared once per connection, write transactions
 * queued on a lock file, checkpoints with one owner at a time, and the
 * schema check every web process makes.
 *
 * A struct db is one connection, used by one thread.
 */
#ifndef SHOP_DB_H
#define SHOP_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

struct arena;

enum db_id {
	DB_PRIMARY,
	DB_QUEUE,
	DB_CACHE,
	DB_CABLE,
	DB__MAX
};

extern const char *const db_names[DB__MAX];	/* "primary", ... */
extern const char *const db_files[DB__MAX];	/* "shop.db", ... */

#define DB_BIT(id)	(1u << (id))
#define DB_ALL		(DB_BIT(DB__MAX) - 1)

enum db_open_flag {
	DB_OPEN_CREATE	= 1u << 0,	/* create the file (shopctl migrate) */
	DB_OPEN_WEB	= 1u << 1,	/* web process: no auto-checkpoint */
	DB_OPEN_RDONLY	= 1u << 2,
};

struct db;

/*
 * What a connection can do. One that cannot be opened for writing where
 * it is (the data directory read-only, or the disk full) is opened to
 * read only, so that the shop goes on showing its pages; db_begin() then
 * refuses at once. A writable one refuses too while the disk has less
 * than DB_RESERVE_BYTES free: nothing is written into the last of it,
 * where a WAL or -shm cannot grow and, on a filesystem that allocates on
 * the first write into a mapped page (copy-on-write ones), a store into
 * SQLite's mapped -shm ends the process with SIGBUS.
 */
enum db_state {
	DB_STATE_OK,
	DB_STATE_READONLY,
	DB_STATE_FULL,
	DB_STATE__MAX
};

extern const char *const db_state_names[DB_STATE__MAX];

#define DB_RESERVE_BYTES	(4LL * 1024 * 1024)

/*
 * The modes of what the shop creates, whatever the umask: the data
 * directory, and every database, -wal, -shm, lock and backup file
 * (readable by the web server's group, writable by the owner only).
 */
#define DB_DIR_MODE	0750
#define DB_FILE_MODE	0640

/*
 * Create path as an empty file of DB_FILE_MODE if it does not exist (an
 * empty file is an empty database to SQLite). 0, or -1 with errno.
 */
int		 db_create_file(const char *path);

/*
 * Open dir/<file of id> with the pragmas of its kind (WAL, synchronous,
 * foreign keys, busy timeout, no mmap) and its lock files. Returns NULL
 * with a message in err; a missing file without DB_OPEN_CREATE says to
 * run "shopctl migrate". Without DB_OPEN_CREATE or DB_OPEN_RDONLY, a
 * file that cannot be written where it is opens to read only (db_state).
 */
struct db	*db_open(const char *dir, enum db_id, unsigned flags,
		    char *err, size_t errlen);
/*
 * The same for a database file outside the four (the test payment
 * gateway's own file): path as given, the pragmas of the kind of id.
 */
struct db	*db_open_file(const char *path, enum db_id, unsigned flags,
		    char *err, size_t errlen);
void		 db_close(struct db *);
/*
 * Whether the file the connection has open is no longer the one at its
 * path (deleted, or replaced by another file): writes would fail, and
 * other programs use the new file. The caller closes and opens again.
 */
bool		 db_moved(struct db *);

/* What the connection can do (above); DB_STATE_OK when it can write. */
enum db_state	 db_state(const struct db *);
/*
 * A connection opened as the file is (no -wal and no -shm to read with)
 * must be opened again once a -shm or a -wal that is not empty appears:
 * someone else has the file open to write.
 */
bool		 db_stale(const struct db *);
/* Whether the disk under the database has less than the reserve free. */
bool		 db_space_low(const struct db *);
sqlite3		*db_handle(struct db *);
enum db_id	 db_which(const struct db *);
const char	*db_path(const struct db *);
const char	*db_errmsg(struct db *);

/*
 * The prepared statement for sql, compiled once per connection with
 * SQLITE_PREPARE_PERSISTENT and found again by the address of sql, so sql
 * must be a string constant. Returned reset with bindings cleared; NULL
 * (logged) if it does not compile or has trailing text.
 */
sqlite3_stmt	*db_prep(struct db *, const char *sql);
/* Step, logging any error with the statement; SQLITE_ROW, SQLITE_DONE or -1. */
int		 db_step(struct db *, sqlite3_stmt *);
/* Reset every statement of the connection (end of a request). */
void		 db_reset_all(struct db *);
/* Run fixed SQL without parameters (pragmas, DDL); 0 or -1 (logged). */
int		 db_exec(struct db *, const char *sql);

/* A column as an arena string ("" for NULL). */
char		*db_text(struct arena *, sqlite3_stmt *, int col);

/*
 * Write transaction: wait (in the kernel, FIFO-ish) for an exclusive flock
 * on the database's lock file, at most timeout_ms, then BEGIN IMMEDIATE.
 * Returns 0, or -1 with the cause logged and in db_errmsg (timed out
 * waiting for the lock, or SQLite's error). db_begin uses
 * SHOP_LOCK_TIMEOUT_MS.
 */
int		 db_begin(struct db *);
int		 db_begin_timeout(struct db *, int timeout_ms);
/* COMMIT and release the lock; on failure the transaction is rolled back. */
int		 db_commit(struct db *);
void		 db_rollback(struct db *);
bool		 db_in_write(const struct db *);

/* A read transaction, for several reads that must agree. */
int		 db_read_begin(struct db *);
void		 db_read_end(struct db *);

/*
 * Checkpoint under the database's checkpoint lock so two checkpoints never
 * race. mode is SQLITE_CHECKPOINT_PASSIVE or _TRUNCATE; wait_ms 0 gives up
 * at once if another process is checkpointing. Returns 0, 1 if skipped
 * because the lock was held, -1 on error; *wal_frames (may be NULL) gets
 * the frames left in the WAL.
 */
int		 db_checkpoint(struct db *, int mode, int wait_ms, int *wal_frames);

/*
 * Claims on numbered things of the database, across every process on
 * the host, for work that must not run twice at once (one call to the
 * gateway at a time per order). A claim is an open file description
 * locked on byte n of "<db>.claims" (an OFD lock, fcntl(2)), taken
 * without waiting; db_unclaim() releases it, and so does the holder's
 * death, SIGKILL included, so a claim is never left behind. Returns the
 * claim (a descriptor, >= 0), or -1 when another holds n or the file
 * cannot be opened (logged): a caller that cannot know it is alone must
 * act as if it were not.
 */
int		 db_claim(struct db *, long long n);
void		 db_unclaim(int claim);

/*
 * Changes committed to some tables, for a process that must act on them
 * once they are durable (the page cache removes the pages that showed
 * them). db_watch() names, for every connection of kind id this process
 * opens from now on, up to DB_WATCH_TABLES tables; SQLite's update hook
 * collects the rowids each write transaction inserts, updates or deletes
 * in them (those its triggers change included), up to DB_WATCH_IDS per
 * table (past that, "many" is set and the ids are not all there), and
 * after a COMMIT that succeeded fn is called with them, outside any
 * transaction, on the connection that wrote (it may read with it). A
 * rollback forgets them. Set once at start-up, before any db_open();
 * fn NULL stops watching.
 */
#define DB_WATCH_TABLES		4
#define DB_WATCH_IDS		32

struct db_change {
	const char	*table;
	long long	 ids[DB_WATCH_IDS];
	size_t		 n;
	bool		 many;
};

typedef void	(*db_watch_fn)(struct db *, const struct db_change *,
		    size_t nchanges);

void		 db_watch(enum db_id, const char *const *tables, size_t n,
		    db_watch_fn fn);

/* PRAGMA journal_mode of the connection ("wal", ...), in the arena. */
char		*db_journal_mode(struct db *, struct arena *);

/*
 * PRAGMA integrity_check: each thing it finds wrong, one message each,
 * in the arena; *n gets the count (0: the file is sound). A check that
 * fails part way adds a message saying so. NULL (*n 0) when it cannot be
 * run at all.
 */
char		**db_integrity(struct db *, struct arena *, size_t *n);

#endif
