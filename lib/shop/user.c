/*
 * Customers, addresses and reset tokens (see user.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "data/db.h"
#include "shop/notify.h"
#include "shop/session.h"
#include "shop/user.h"

static const char sql_by_email[] =
    "SELECT id, email, name, password_hash, coalesce(staff_role, role), "
    "created_at FROM users WHERE email = ?1";
static const char sql_by_id[] =
    "SELECT id, email, name, password_hash, coalesce(staff_role, role), "
    "created_at FROM users WHERE id = ?1";
static const char sql_insert[] =
    "INSERT INTO users (email, name, password_hash, role, staff_role, "
    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?6, ?5, ?5) "
    "ON CONFLICT (email) DO NOTHING";
static const char sql_set_role[] =
    "UPDATE users SET role = ?2, staff_role = ?3, updated_at = ?4 "
    "WHERE id = ?1";
static const char sql_set_password[] =
    "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_reset_void[] =
    "DELETE FROM password_resets WHERE user_id = ?1";
static const char sql_reset_insert[] =
    "INSERT INTO password_resets (user_id, token_hash, created_at, "
    "expires_at, mail_key) VALUES (?1, ?2, ?3, ?3 + ?4, ?5)";
static const char sql_reset_issue[] =
    "UPDATE password_resets SET token_hash = ?2 WHERE id = ?1 "
    "AND mail_key = ?4 AND used_at IS NULL AND expires_at > ?3 "
    "RETURNING user_id, expires_at";
static const char sql_reset_find[] =
    "SELECT user_id FROM password_resets WHERE token_hash = ?1 "
    "AND used_at IS NULL AND expires_at > ?2";
static const char sql_reset_mark[] =
    "UPDATE password_resets SET used_at = ?2 WHERE token_hash = ?1 "
    "AND used_at IS NULL AND expires_at > ?2 RETURNING user_id";
static const char sql_reset_others[] =
    "DELETE FROM password_resets WHERE user_id = ?1 AND token_hash <> ?2";

static const char sql_addresses[] =
    "SELECT id, name, line1, line2, city, postcode, country, phone, "
    "is_default FROM addresses WHERE user_id = ?1 "
    "ORDER BY is_default DESC, id LIMIT ?2";
static const char sql_address[] =
    "SELECT id, name, line1, line2, city, postcode, country, phone, "
    "is_default FROM addresses WHERE user_id = ?1 AND id = ?2";
static const char sql_address_count[] =
    "SELECT count(*), coalesce(max(is_default), 0) FROM addresses "
    "WHERE user_id = ?1";
static const char sql_address_insert[] =
    "INSERT INTO addresses (user_id, name, line1, line2, city, postcode, "
    "country, phone, is_default, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_address_update[] =
    "UPDATE addresses SET name = ?3, line1 = ?4, line2 = ?5, city = ?6, "
    "postcode = ?7, country = ?8, phone = ?9 WHERE user_id = ?1 AND id = ?2";
static const char sql_address_delete[] =
    "DELETE FROM addresses WHERE user_id = ?1 AND id = ?2 "
    "RETURNING is_default";
static const char sql_default_clear[] =
    "UPDATE addresses SET is_default = 0 WHERE user_id = ?1 AND is_default";
static const char sql_default_set[] =
    "UPDATE addresses SET is_default = 1 WHERE user_id = ?1 AND id = ?2";
static const char sql_default_oldest[] =
    "UPDATE addresses SET is_default = 1 WHERE id = "
    "(SELECT id FROM addresses WHERE user_id = ?1 ORDER BY id LIMIT 1)";

char *
user_email_normalize(struct arena *a, const char *email)
{
	char	*e = text_trim(a, email != NULL ? email : ""), *p;

	for (p = e; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return e;
}

static struct user *
user_row(struct db *d, struct arena *a, sqlite3_stmt *st)
{
	struct user	*u = NULL;
	int		 rc;

	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		u = arena_zalloc(a, sizeof(*u));
		u->id = sqlite3_column_int64(st, 0);
		u->email = db_text(a, st, 1);
		u->name = db_text(a, st, 2);
		u->password_hash = db_text(a, st, 3);
		if ((u->role = role_from_name((const char *)
		    sqlite3_column_text(st, 4))) == ROLE__MAX)
			u->role = ROLE_CUSTOMER;
		u->created_at = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	return u;
}

struct user *
user_by_email(struct db *d, struct arena *a, const char *email)
{
	sqlite3_stmt	*st = db_prep(d, sql_by_email);

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, user_email_normalize(a, email), -1,
	    SQLITE_STATIC);
	return user_row(d, a, st);
}

struct user *
user_by_id(struct db *d, struct arena *a, long long id)
{
	sqlite3_stmt	*st = db_prep(d, sql_by_id);

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	return user_row(d, a, st);
}

enum user_result
user_create(struct db *d, const char *email, const char *name,
    const char *hash, enum role role, long long *id)
{
	sqlite3_stmt	*st;

	*id = 0;
	if ((unsigned)role >= ROLE__MAX || db_begin(d) != 0)
		return USER_ERROR;
	if ((st = db_prep(d, sql_insert)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, role_column(role), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, clock_now());
	if (role_staff_column(role) != NULL)
		sqlite3_bind_text(st, 6, role_staff_column(role), -1,
		    SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	if (sqlite3_changes(db_handle(d)) == 0) {
		db_rollback(d);
		return USER_EXISTS;
	}
	*id = sqlite3_last_insert_rowid(db_handle(d));
	return db_commit(d) == 0 ? USER_OK : USER_ERROR;
fail:
	db_rollback(d);
	return USER_ERROR;
}

enum user_result
user_set_role(struct db *d, long long user_id, enum role role)
{
	sqlite3_stmt	*st;

	if ((unsigned)role >= ROLE__MAX || (st = db_prep(d, sql_set_role)) ==
	    NULL)
		return USER_ERROR;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, role_column(role), -1, SQLITE_STATIC);
	if (role_staff_column(role) != NULL)
		sqlite3_bind_text(st, 3, role_staff_column(role), -1,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, clock_now());
	if (db_step(d, st) != SQLITE_DONE)
		return USER_ERROR;
	return sqlite3_changes(db_handle(d)) == 0 ? USER_NOT_FOUND : USER_OK;
}

/* Password, sessions and tokens of an account (in a write). */
static int
set_password(struct db *d, long long user_id, const char *hash,
    long long keep_session)
{
	sqlite3_stmt	*st;

	if ((st = db_prep(d, sql_set_password)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, clock_now());
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(db_handle(d)) != 1)
		return 1;
	return session_end_all(d, user_id, keep_session) < 0 ? -1 : 0;
}

enum user_result
user_set_password(struct db *d, long long user_id, const char *hash,
    long long keep_session)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_begin(d) != 0)
		return USER_ERROR;
	if ((rc = set_password(d, user_id, hash, keep_session)) != 0) {
		db_rollback(d);
		return rc > 0 ? USER_NOT_FOUND : USER_ERROR;
	}
	if ((st = db_prep(d, sql_reset_void)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, user_id);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	return db_commit(d) == 0 ? USER_OK : USER_ERROR;
fail:
	db_rollback(d);
	return USER_ERROR;
}

enum user_result
user_set_hash(struct db *d, long long user_id, const char *hash)
{
	sqlite3_stmt	*st;

	if (db_begin(d) != 0)
		return USER_ERROR;
	if ((st = db_prep(d, sql_set_password)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, clock_now());
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	return db_commit(d) == 0 ? USER_OK : USER_ERROR;
fail:
	db_rollback(d);
	return USER_ERROR;
}

/* SHA-256 of a token's bytes; false unless it is a canonical token. */
static bool
token_hash(const char *token, unsigned char hash[SESSION_HASH_BYTES])
{
	/* Tokens and session ids have the same form. */
	return session_id_hash(token, hash);
}

/*
 * A reset row is stored with the hash of no token: 32 random bytes that
 * nobody knows a preimage of. The worker replaces it when it makes the
 * token (user_reset_issue).
 */
enum user_result
user_reset_create(struct db *d, long long user_id, long long *id)
{
	unsigned char		 placeholder[SESSION_HASH_BYTES], rnd[16];
	sqlite3_stmt		*st;
	char			 key[33];
	long long		 rid;

	if (id != NULL)
		*id = 0;
	randombytes_buf(placeholder, sizeof(placeholder));
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(key, sizeof(key), rnd, sizeof(rnd));
	if (db_begin(d) != 0)
		return USER_ERROR;
	if ((st = db_prep(d, sql_reset_void)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, user_id);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	if ((st = db_prep(d, sql_reset_insert)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_blob(st, 2, placeholder, sizeof(placeholder),
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, clock_now());
	sqlite3_bind_int(st, 4, USER_RESET_SECONDS);
	sqlite3_bind_text(st, 5, key, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	rid = sqlite3_last_insert_rowid(db_handle(d));
	if (notify_secret_mail(d, NOTIFY_RESET_KIND, rid, key) < 0)
		goto fail;
	if (db_commit(d) != 0)
		return USER_ERROR;
	if (id != NULL)
		*id = rid;
	return USER_OK;
fail:
	db_rollback(d);
	return USER_ERROR;
}

enum user_result
user_reset_issue(struct db *d, struct arena *a, long long id, const char *key,
    char token[USER_TOKEN_LEN + 1], struct user **u, long long *expires_at)
{
	unsigned char	 hash[SESSION_HASH_BYTES];
	sqlite3_stmt	*st;
	long long	 user_id = 0;
	int		 rc;

	*u = NULL;
	*expires_at = 0;
	session_new_id(token);
	(void)token_hash(token, hash);
	if (db_begin(d) != 0)
		goto error;
	if ((st = db_prep(d, sql_reset_issue)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, clock_now());
	sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) == SQLITE_ROW) {
		user_id = sqlite3_column_int64(st, 0);
		*expires_at = sqlite3_column_int64(st, 1);
		rc = db_step(d, st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (user_id == 0) {
		db_rollback(d);
		sodium_memzero(token, USER_TOKEN_LEN + 1);
		return USER_NOT_FOUND;
	}
	if ((*u = user_by_id(d, a, user_id)) == NULL)
		goto fail;
	if (db_commit(d) != 0)
		goto error;
	return USER_OK;
fail:
	db_rollback(d);
error:
	sodium_memzero(token, USER_TOKEN_LEN + 1);
	*u = NULL;
	return USER_ERROR;
}

long long
user_reset_check(struct db *d, const char *token)
{
	unsigned char	 hash[SESSION_HASH_BYTES];
	sqlite3_stmt	*st;
	long long	 id = 0;
	int		 rc;

	if (!token_hash(token, hash))
		return 0;
	if ((st = db_prep(d, sql_reset_find)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, clock_now());
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc < 0 ? -1 : id;
}

long long
user_reset_use(struct db *d, const char *token, const char *hash)
{
	unsigned char	 th[SESSION_HASH_BYTES];
	sqlite3_stmt	*st;
	long long	 id = 0;
	int		 rc;

	if (!token_hash(token, th))
		return 0;
	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_reset_mark)) == NULL)
		goto fail;
	sqlite3_bind_blob(st, 1, th, sizeof(th), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, clock_now());
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	if (id == 0) {
		db_rollback(d);
		return 0;
	}
	if (set_password(d, id, hash, 0) != 0)
		goto fail;
	if ((st = db_prep(d, sql_reset_others)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, th, sizeof(th), SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	return db_commit(d) == 0 ? id : -1;
fail:
	db_rollback(d);
	return -1;
}

static void
address_row(struct arena *a, sqlite3_stmt *st, struct user_address *ad)
{
	ad->id = sqlite3_column_int64(st, 0);
	ad->name = db_text(a, st, 1);
	ad->line1 = db_text(a, st, 2);
	ad->line2 = db_text(a, st, 3);
	ad->city = db_text(a, st, 4);
	ad->postcode = db_text(a, st, 5);
	ad->country = db_text(a, st, 6);
	ad->phone = db_text(a, st, 7);
	ad->is_default = sqlite3_column_int(st, 8) != 0;
}

struct user_address *
user_addresses(struct db *d, struct arena *a, long long user_id, size_t *n)
{
	sqlite3_stmt		*st = db_prep(d, sql_addresses);
	struct user_address	*v;
	int			 rc;

	*n = 0;
	if (st == NULL)
		return NULL;
	v = arena_calloc(a, USER_MAX_ADDRESSES, sizeof(*v));
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int(st, 2, USER_MAX_ADDRESSES);
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		address_row(a, st, &v[(*n)++]);
	sqlite3_reset(st);
	return rc < 0 ? NULL : v;
}

struct user_address *
user_address(struct db *d, struct arena *a, long long user_id, long long id)
{
	sqlite3_stmt		*st = db_prep(d, sql_address);
	struct user_address	*ad = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, id);
	if (db_step(d, st) == SQLITE_ROW) {
		ad = arena_zalloc(a, sizeof(*ad));
		address_row(a, st, ad);
	}
	sqlite3_reset(st);
	return ad;
}

/* Bind an address's fields from index first on. */
static void
bind_address(sqlite3_stmt *st, int first, const struct user_address *ad)
{
	sqlite3_bind_text(st, first, ad->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 1, ad->line1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 2, ad->line2, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 3, ad->city, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 4, ad->postcode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 5, ad->country, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 6, ad->phone, -1, SQLITE_STATIC);
}

/* Make id the only default address of user_id (in a write). */
static int
make_default(struct db *d, long long user_id, long long id)
{
	sqlite3_stmt	*st;

	if ((st = db_prep(d, sql_default_clear)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	if ((st = db_prep(d, sql_default_set)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, id);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db_handle(d)) == 1 ? 0 : 1;
}

enum user_result
user_address_add(struct db *d, long long user_id,
    const struct user_address *ad, long long *id)
{
	sqlite3_stmt	*st;
	long long	 count;
	bool		 has_default;
	int		 rc;

	*id = 0;
	if (db_begin(d) != 0)
		return USER_ERROR;
	if ((st = db_prep(d, sql_address_count)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, user_id);
	if ((rc = db_step(d, st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		goto fail;
	}
	count = sqlite3_column_int64(st, 0);
	has_default = sqlite3_column_int(st, 1) != 0;
	sqlite3_reset(st);
	if (count >= USER_MAX_ADDRESSES) {
		db_rollback(d);
		return USER_LIMIT;
	}
	if ((st = db_prep(d, sql_address_insert)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, user_id);
	bind_address(st, 2, ad);
	sqlite3_bind_int(st, 9, 0);
	sqlite3_bind_int64(st, 10, clock_now());
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	*id = sqlite3_last_insert_rowid(db_handle(d));
	if ((ad->is_default || !has_default) &&
	    make_default(d, user_id, *id) != 0)
		goto fail;
	return db_commit(d) == 0 ? USER_OK : USER_ERROR;
fail:
	db_rollback(d);
	*id = 0;
	return USER_ERROR;
}

enum user_result
user_address_update(struct db *d, long long user_id,
    const struct user_address *ad)
{
	sqlite3_stmt	*st;

	if (db_begin(d) != 0)
		return USER_ERROR;
	if ((st = db_prep(d, sql_address_update)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, ad->id);
	bind_address(st, 3, ad);
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	if (sqlite3_changes(db_handle(d)) == 0) {
		db_rollback(d);
		return USER_NOT_FOUND;
	}
	if (ad->is_default && make_default(d, user_id, ad->id) != 0)
		goto fail;
	return db_commit(d) == 0 ? USER_OK : USER_ERROR;
fail:
	db_rollback(d);
	return USER_ERROR;
}

enum user_result
user_address_delete(struct db *d, long long user_id, long long id)
{
	sqlite3_stmt	*st;
	int		 rc;
	bool		 was_default;

	if (db_begin(d) != 0)
		return USER_ERROR;
	if ((st = db_prep(d, sql_address_delete)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, id);
	rc = db_step(d, st);
	was_default = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		db_rollback(d);
		return USER_NOT_FOUND;
	}
	if (rc != SQLITE_ROW)
		goto fail;
	if (was_default) {
		if ((st = db_prep(d, sql_default_oldest)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, user_id);
		if (db_step(d, st) != SQLITE_DONE)
			goto fail;
	}
	return db_commit(d) == 0 ? USER_OK : USER_ERROR;
fail:
	db_rollback(d);
	return USER_ERROR;
}

enum user_result
user_address_set_default(struct db *d, long long user_id, long long id)
{
	int	rc;

	if (db_begin(d) != 0)
		return USER_ERROR;
	if ((rc = make_default(d, user_id, id)) != 0) {
		db_rollback(d);
		return rc > 0 ? USER_NOT_FOUND : USER_ERROR;
	}
	return db_commit(d) == 0 ? USER_OK : USER_ERROR;
}
