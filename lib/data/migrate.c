/*
 * Applying and verifying migrations.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/log.h"
#include "data/db.h"
#include "data/migrate.h"

static const char sql_create[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))";
static const char sql_applied[] =
    "SELECT checksum FROM schema_migrations WHERE version = ?";
static const char sql_record[] =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)";
static const char sql_all[] =
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version";

void
migrate_checksum(const char *sql, char hex[65])
{
	unsigned char	h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)sql, strlen(sql));
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* 1 if recorded, 0 if not, -1 on error. */
static int
applied(struct db *d, int version)
{
	sqlite3_stmt	*st = db_prep(d, sql_applied);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, version);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc < 0 ? -1 : rc == SQLITE_ROW;
}

int
migrate_apply(struct db *d, migrate_progress cb, void *arg, char *err,
    size_t errlen)
{
	const struct migration	*m;
	sqlite3_stmt		*st;
	size_t			 i;
	int			 n = 0, rc;
	char			 sum[65], *msg = NULL;

	if (db_begin(d) != 0 || db_exec(d, sql_create) != 0 ||
	    db_commit(d) != 0) {
		db_rollback(d);
		snprintf(err, errlen, "%s: %s", db_path(d), db_errmsg(d));
		return -1;
	}
	for (i = 0; i < migrations_count; i++) {
		m = &migrations[i];
		if (m->db != db_which(d))
			continue;
		if ((rc = applied(d, m->version)) < 0) {
			snprintf(err, errlen, "%s: %s", db_path(d), db_errmsg(d));
			return -1;
		}
		if (rc == 1)
			continue;
		if (db_begin(d) != 0) {
			snprintf(err, errlen, "%s: %s", db_path(d), db_errmsg(d));
			return -1;
		}
		/* Re-check under the lock: another migrate may have run. */
		if ((rc = applied(d, m->version)) != 0) {
			db_rollback(d);
			if (rc < 0) {
				snprintf(err, errlen, "%s: %s", db_path(d),
				    db_errmsg(d));
				return -1;
			}
			continue;
		}
		if (sqlite3_exec(db_handle(d), m->sql, NULL, NULL, &msg) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "%s: migration %04d_%s: %s",
			    db_path(d), m->version, m->name,
			    msg ? msg : "failed");
			sqlite3_free(msg);
			db_rollback(d);
			return -1;
		}
		migrate_checksum(m->sql, sum);
		if ((st = db_prep(d, sql_record)) == NULL) {
			db_rollback(d);
			snprintf(err, errlen, "%s: %s", db_path(d), db_errmsg(d));
			return -1;
		}
		sqlite3_bind_int(st, 1, m->version);
		sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, sum, -1, SQLITE_TRANSIENT);
		rc = db_step(d, st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE || db_commit(d) != 0) {
			db_rollback(d);
			snprintf(err, errlen, "%s: %s", db_path(d), db_errmsg(d));
			return -1;
		}
		n++;
		if (cb != NULL)
			cb(m, arg);
	}
	return n;
}

int
migrate_verify(struct db *d, struct buf *out)
{
	sqlite3_stmt	*st = db_prep(d, sql_all);
	size_t		 i;
	int		 problems = 0, rc, version;
	char		 sum[65];
	const char	*recorded;

	if (st == NULL)
		return -1;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		version = sqlite3_column_int(st, 0);
		recorded = (const char *)sqlite3_column_text(st, 2);
		for (i = 0; i < migrations_count; i++) {
			if (migrations[i].db != db_which(d) ||
			    migrations[i].version != version)
				continue;
			migrate_checksum(migrations[i].sql, sum);
			if (recorded == NULL || strcmp(sum, recorded) != 0) {
				problems++;
				if (out != NULL)
					buf_printf(out, "%s: migration %04d_%s "
					    "was changed after it was applied\n",
					    db_names[db_which(d)], version,
					    migrations[i].name);
			}
		}
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : problems;
}

int
migrate_missing(struct db *d)
{
	static const char	 sql[] =
	    "SELECT 1 FROM schema_migrations WHERE version = ?";
	sqlite3_stmt		*st;
	size_t			 i;
	int			 missing = 0, rc;

	for (i = 0; i < migrations_count; i++) {
		if (migrations[i].db != db_which(d))
			continue;
		if ((st = db_prep(d, sql)) == NULL)
			return -1;
		sqlite3_bind_int(st, 1, migrations[i].version);
		if ((rc = db_step(d, st)) < 0)
			return -1;
		if (rc != SQLITE_ROW)
			missing++;
		sqlite3_reset(st);
	}
	return missing;
}
