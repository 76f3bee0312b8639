/*
 * Sign-ups confirmed by mail (see signup.h).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/tval.h"
#include "data/db.h"
#include "shop/notify.h"
#include "shop/session.h"
#include "shop/signup.h"
#include "shop/user.h"

static const char sql_known[] =
    "SELECT id, name FROM users WHERE email = ?1";
static const char sql_sweep[] =
    "DELETE FROM signups WHERE id IN (SELECT id FROM signups "
    "WHERE expires_at <= ?1 LIMIT ?2)";
static const char sql_void[] =
    "DELETE FROM signups WHERE email = ?1";
static const char sql_insert[] =
    "INSERT INTO signups (email, name, password_hash, token_hash, mail_key, "
    "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6 + ?7)";
static const char sql_issue[] =
    "UPDATE signups SET token_hash = ?2 WHERE id = ?1 AND mail_key = ?4 "
    "AND expires_at > ?3 RETURNING email, name, expires_at";
static const char sql_find[] =
    "SELECT id, email FROM signups WHERE token_hash = ?1 AND expires_at > ?2";
static const char sql_take[] =
    "DELETE FROM signups WHERE token_hash = ?1 AND expires_at > ?2 "
    "RETURNING email, name, password_hash";
static const char sql_user[] =
    "INSERT INTO users (email, name, password_hash, role, created_at, "
    "updated_at) VALUES (?1, ?2, ?3, 'customer', ?4, ?4) "
    "ON CONFLICT (email) DO NOTHING";

/* The owner of a known email is told that someone tried (in the write). */
static int
warn_owner(struct db *d, const char *email, const char *name)
{
	struct arena		*a = arena_new();
	struct tval		*data = tval_map(a);
	struct notify_mail	 mail;
	int			 rc;

	tval_set_str(a, data, "name", name);
	tval_set_str(a, data, "email", email);
	memset(&mail, 0, sizeof(mail));
	mail.template = "signup_exists";
	mail.to = email;
	mail.to_name = name;
	mail.data = data;
	mail.priority = 20;
	mail.max_attempts = 5;
	rc = notify_mail(d, a, &mail) < 0 ? -1 : 0;
	arena_free(a);
	return rc;
}

/* A pending sign-up and its link's mail (in the write); 0 or -1. */
static int
pending(struct db *d, const char *email, const char *name, const char *hash,
    bool send_mail)
{
	unsigned char	 placeholder[SESSION_HASH_BYTES], rnd[16];
	sqlite3_stmt	*st;
	char		 key[33];
	long long	 now = clock_now();

	/* The hash of no token: the worker puts the real one in its place. */
	randombytes_buf(placeholder, sizeof(placeholder));
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(key, sizeof(key), rnd, sizeof(rnd));
	if ((st = db_prep(d, sql_void)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	if ((st = db_prep(d, sql_insert)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, placeholder, sizeof(placeholder),
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 5, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int(st, 7, SIGNUP_SECONDS);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	if (!send_mail)
		return 0;
	return notify_secret_mail(d, NOTIFY_SIGNUP_KIND,
	    sqlite3_last_insert_rowid(db_handle(d)), key) < 0 ? -1 : 0;
}

enum user_result
signup_request(struct db *d, const char *email, const char *name,
    const char *hash, bool send_mail, bool *known)
{
	struct arena	*a;
	sqlite3_stmt	*st;
	char		*owner = NULL;
	int		 rc;

	if (known != NULL)
		*known = false;
	if (db_begin(d) != 0)
		return USER_ERROR;
	if ((st = db_prep(d, sql_sweep)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, clock_now());
	sqlite3_bind_int(st, 2, SIGNUP_SWEEP_BATCH);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	if ((st = db_prep(d, sql_known)) == NULL)
		goto fail;
	a = arena_new();
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		owner = db_text(a, st, 1);
	sqlite3_reset(st);
	if (rc < 0)
		rc = -1;
	else if (owner != NULL)
		rc = send_mail ? warn_owner(d, email, owner) : 0;
	else
		rc = pending(d, email, name, hash, send_mail);
	if (known != NULL)
		*known = owner != NULL;
	arena_free(a);
	if (rc != 0)
		goto fail;
	return db_commit(d) == 0 ? USER_OK : USER_ERROR;
fail:
	db_rollback(d);
	return USER_ERROR;
}

enum user_result
signup_issue(struct db *d, struct arena *a, long long id, const char *key,
    char token[USER_TOKEN_LEN + 1], char **email, char **name,
    long long *expires_at)
{
	unsigned char	 hash[SESSION_HASH_BYTES];
	sqlite3_stmt	*st;
	int		 rc;
	bool		 found = false;

	*email = *name = NULL;
	*expires_at = 0;
	session_new_id(token);
	(void)session_id_hash(token, hash);
	if (db_begin(d) != 0)
		goto error;
	if ((st = db_prep(d, sql_issue)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, clock_now());
	sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		found = true;
		*email = db_text(a, st, 0);
		*name = db_text(a, st, 1);
		*expires_at = sqlite3_column_int64(st, 2);
		rc = db_step(d, st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (!found) {
		db_rollback(d);
		sodium_memzero(token, USER_TOKEN_LEN + 1);
		return USER_NOT_FOUND;
	}
	if (db_commit(d) != 0)
		goto error;
	return USER_OK;
fail:
	db_rollback(d);
error:
	sodium_memzero(token, USER_TOKEN_LEN + 1);
	*email = *name = NULL;
	return USER_ERROR;
}

long long
signup_check(struct db *d, struct arena *a, const char *token, char **email)
{
	unsigned char	 hash[SESSION_HASH_BYTES];
	sqlite3_stmt	*st;
	long long	 id = 0;
	int		 rc;

	*email = NULL;
	if (!session_id_hash(token, hash))
		return 0;
	if ((st = db_prep(d, sql_find)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, clock_now());
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		*email = db_text(a, st, 1);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : id;
}

long long
signup_confirm(struct db *d, const char *token)
{
	unsigned char	 hash[SESSION_HASH_BYTES];
	struct arena	*a;
	sqlite3_stmt	*st;
	char		*email = NULL, *name = NULL, *pw = NULL;
	long long	 id = 0, now = clock_now();
	int		 rc;

	if (!session_id_hash(token, hash))
		return 0;
	if (db_begin(d) != 0)
		return -1;
	a = arena_new();
	if ((st = db_prep(d, sql_take)) == NULL)
		goto fail;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		email = db_text(a, st, 0);
		name = db_text(a, st, 1);
		pw = db_text(a, st, 2);
		rc = db_step(d, st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (email == NULL) {
		db_rollback(d);
		arena_free(a);
		return 0;
	}
	if ((st = db_prep(d, sql_user)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pw, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	if (sqlite3_changes(db_handle(d)) == 1)
		id = sqlite3_last_insert_rowid(db_handle(d));
	/* Made (or there already): no other link of this email works. */
	if ((st = db_prep(d, sql_void)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	sodium_memzero(pw, strlen(pw));
	arena_free(a);
	return db_commit(d) == 0 ? id : -1;
fail:
	db_rollback(d);
	arena_free(a);
	return -1;
}
