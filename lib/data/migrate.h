/*
 * Schema migrations: sql/<db>/NNNN_name.sql, compiled into every program
 * (build/gen/migrations.c), applied in order by "shopctl migrate" only,
 * each in its own write transaction and recorded with its SHA-256.
 *
 * Migrations only add (tables, columns, indexes): a program of the previous
 * generation keeps working on a schema one generation newer, which is
 * what makes overlapping deploys safe.
 */
#ifndef SHOP_MIGRATE_H
#define SHOP_MIGRATE_H

#include <stddef.h>

#include "data/db.h"

struct migration {
	enum db_id	 db;
	int		 version;
	const char	*name;
	const char	*sql;
};

/* Generated from sql/ at build time, sorted by database then version. */
extern const struct migration	migrations[];
extern const size_t		migrations_count;

/* Called for each migration applied, for progress output. */
typedef void (*migrate_progress)(const struct migration *, void *);

/*
 * Create the bookkeeping table if needed and apply every migration of the
 * connection's database not yet recorded. Returns the number applied, or
 * -1 with the cause in err (the failing migration is rolled back whole).
 */
int	migrate_apply(struct db *, migrate_progress, void *, char *err, size_t);

/*
 * Compare what is recorded with what is compiled in. Returns the number
 * of problems (a recorded checksum that differs, a recorded version this
 * program does not know is not a problem) and reports each through err
 * lines appended to out (may be NULL); -1 if the table cannot be read.
 */
struct buf;
int	migrate_verify(struct db *, struct buf *out);

/*
 * How many migrations compiled into this program are not recorded in the
 * database; -1 if the table cannot be read. A web process answers 503
 * while this is not 0.
 */
int	migrate_missing(struct db *);

/* Hex SHA-256 of a migration's text into hex[65]. */
void	migrate_checksum(const char *sql, char hex[65]);

#endif
