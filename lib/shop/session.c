/*
 * Sessions (see session.h): ids, cookies, loading, rotation and sweeping.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "data/db.h"
#include "web/cookie.h"
#include "web/ctx.h"
#include "web/http.h"
#include "shop/role.h"
#include "shop/session.h"

/*
 * The session of an id hash if it has not ended, with its customer.
 */
static const char sql_load[] =
    "SELECT s.id, coalesce(s.user_id, 0), s.created_at, s.seen_at, "
    "coalesce(u.name, ''), coalesce(u.email, ''), "
    "coalesce(u.staff_role, u.role, 'customer') "
    "FROM sessions s LEFT JOIN users u ON u.id = s.user_id "
    "WHERE s.id_hash = ?1 AND s.seen_at > ?2 - ?3 AND s.created_at > ?2 - ?4";
static const char sql_touch[] =
    "UPDATE sessions SET seen_at = ?2 WHERE id = ?1";
static const char sql_insert[] =
    "INSERT INTO sessions (id_hash, user_id, created_at, seen_at) "
    "VALUES (?1, nullif(?2, 0), ?3, ?3)";
static const char sql_rotate[] =
    "UPDATE sessions SET id_hash = ?2, user_id = ?3, created_at = ?4, "
    "seen_at = ?4 WHERE id = ?1";
static const char sql_delete[] =
    "DELETE FROM sessions WHERE id = ?1";
static const char sql_end_all[] =
    "DELETE FROM sessions WHERE user_id = ?1 AND id <> ?2";
static const char sql_sweep[] =
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions "
    "WHERE seen_at <= ?1 - ?2 OR created_at <= ?1 - ?3 LIMIT ?4)";
static const char sql_user[] =
    "SELECT name, email, coalesce(staff_role, role) FROM users "
    "WHERE id = ?1";

/* A role column, customer when it names none. */
static enum role
column_role(sqlite3_stmt *st, int col)
{
	enum role	r = role_from_name((const char *)
			    sqlite3_column_text(st, col));

	return r == ROLE__MAX ? ROLE_CUSTOMER : r;
}

const char *
session_cookie_name(const struct config *cfg)
{
	return cfg->secure ? "__Host-sid" : "sid";
}

void
session_new_id(char id[SESSION_ID_LEN + 1])
{
	unsigned char	raw[SESSION_ID_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(id, SESSION_ID_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

/*
 * Only the canonical encoding is accepted: exactly SESSION_ID_LEN
 * characters that decode to SESSION_ID_BYTES bytes and encode back to the
 * same text (the two spare bits of the last character are zero).
 */
bool
session_id_hash(const char *id, unsigned char hash[SESSION_HASH_BYTES])
{
	unsigned char	 raw[SESSION_ID_BYTES];
	char		 again[SESSION_ID_LEN + 1];
	size_t		 n;

	if (id == NULL || strlen(id) != SESSION_ID_LEN)
		return false;
	if (sodium_base642bin(raw, sizeof(raw), id, SESSION_ID_LEN, NULL, &n,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != sizeof(raw))
		return false;
	sodium_bin2base64(again, sizeof(again), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (strcmp(again, id) != 0)
		return false;
	crypto_hash_sha256(hash, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	return true;
}

static void
cookie_opts_init(const struct req *r, struct cookie_opts *o, long max_age)
{
	memset(o, 0, sizeof(*o));
	o->max_age = max_age;
	o->secure = r->shop->cfg->secure;
	o->http_only = true;
	o->same_site = "Lax";
	o->path = "/";
}

static void
cookie_send(struct req *r, const char *id)
{
	struct cookie_opts	o;

	cookie_opts_init(r, &o, SESSION_ABSOLUTE_SECONDS);
	cookie_set(r, session_cookie_name(r->shop->cfg), id, &o);
}

static void
cookie_clear(struct req *r)
{
	struct cookie_opts	o;

	cookie_opts_init(r, &o, -1);
	cookie_set(r, session_cookie_name(r->shop->cfg), "", &o);
}

struct session *
session_of(const struct req *r)
{
	return r->session;
}

void
session_load(struct req *r)
{
	struct db	*d = req_db(r, DB_PRIMARY);
	const char	*id;
	unsigned char	 hash[SESSION_HASH_BYTES];
	sqlite3_stmt	*st;
	struct session	*s;
	long long	 now = clock_now();
	int		 rc;

	r->session = NULL;
	if (d == NULL ||
	    (id = req_cookie(r, session_cookie_name(r->shop->cfg))) == NULL)
		return;
	if (!session_id_hash(id, hash)) {
		cookie_clear(r);
		return;
	}
	if ((st = db_prep(d, sql_load)) == NULL)
		return;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, SESSION_IDLE_SECONDS);
	sqlite3_bind_int64(st, 4, SESSION_ABSOLUTE_SECONDS);
	if ((rc = db_step(d, st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			cookie_clear(r);
		return;
	}
	s = arena_zalloc(r->arena, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->user_id = sqlite3_column_int64(st, 1);
	s->created_at = sqlite3_column_int64(st, 2);
	s->seen_at = sqlite3_column_int64(st, 3);
	s->user_name = db_text(r->arena, st, 4);
	s->user_email = db_text(r->arena, st, 5);
	s->role = column_role(st, 6);
	s->cart_count = -1;
	sqlite3_reset(st);
	r->session = s;

	/* A busy database only delays the touch to a later request. */
	if (now - s->seen_at < SESSION_TOUCH_SECONDS ||
	    db_begin_timeout(d, 200) != 0)
		return;
	if ((st = db_prep(d, sql_touch)) != NULL) {
		sqlite3_bind_int64(st, 1, s->id);
		sqlite3_bind_int64(st, 2, now);
		if (db_step(d, st) == SQLITE_DONE && db_commit(d) == 0) {
			s->seen_at = now;
			return;
		}
	}
	db_rollback(d);
}

/* Delete up to limit ended sessions (in a write); how many, or -1. */
static long
sweep(struct db *d, long long now, int limit)
{
	sqlite3_stmt	*st = db_prep(d, sql_sweep);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, SESSION_IDLE_SECONDS);
	sqlite3_bind_int64(st, 3, SESSION_ABSOLUTE_SECONDS);
	sqlite3_bind_int(st, 4, limit);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	return (long)sqlite3_changes(db_handle(d));
}

/* Insert a session row for a new id (in a write); its row id or -1. */
static long long
insert_session(struct db *d, const unsigned char *hash, long long user_id,
    long long now)
{
	sqlite3_stmt	*st = db_prep(d, sql_insert);

	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, SESSION_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_int64(st, 3, now);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(db_handle(d));
}

struct session *
session_make_in(struct req *r, struct db *d, char id[SESSION_ID_LEN + 1])
{
	struct session	*s;
	unsigned char	 hash[SESSION_HASH_BYTES];
	long long	 now = clock_now(), rowid;

	session_new_id(id);
	(void)session_id_hash(id, hash);
	if (sweep(d, now, SESSION_SWEEP_BATCH) < 0 ||
	    (rowid = insert_session(d, hash, 0, now)) < 0) {
		sodium_memzero(id, SESSION_ID_LEN + 1);
		return NULL;
	}
	s = arena_zalloc(r->arena, sizeof(*s));
	s->id = rowid;
	s->user_name = s->user_email = "";
	s->created_at = s->seen_at = now;
	return s;
}

void
session_made(struct req *r, struct session *s, char id[SESSION_ID_LEN + 1])
{
	r->session = s;
	cookie_send(r, id);
	sodium_memzero(id, SESSION_ID_LEN + 1);
}

struct session *
session_ensure(struct req *r)
{
	struct db	*d = req_db(r, DB_PRIMARY);
	struct session	*s;
	char		 id[SESSION_ID_LEN + 1];

	if (r->session != NULL)
		return r->session;
	if (d == NULL)
		return NULL;
	if (db_begin(d) != 0)
		return NULL;
	if ((s = session_make_in(r, d, id)) == NULL || db_commit(d) != 0) {
		db_rollback(d);
		return NULL;
	}
	session_made(r, s, id);
	return s;
}

int
session_login(struct req *r, long long user_id, session_login_fn also,
    void *arg)
{
	struct db	*d = req_db(r, DB_PRIMARY);
	struct session	*old = r->session, *s;
	sqlite3_stmt	*st;
	char		 id[SESSION_ID_LEN + 1];
	unsigned char	 hash[SESSION_HASH_BYTES];
	long long	 now = clock_now(), rowid;

	if (d == NULL)
		return -1;
	session_new_id(id);
	(void)session_id_hash(id, hash);
	if (db_begin(d) != 0)
		return -1;
	if (old != NULL) {
		/*
		 * The row keeps its number, so the guest cart is still
		 * found by it for the merge, but answers only to the new id.
		 */
		if ((st = db_prep(d, sql_rotate)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, old->id);
		sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, user_id);
		sqlite3_bind_int64(st, 4, now);
		if (db_step(d, st) != SQLITE_DONE)
			goto fail;
		rowid = old->id;
	}
	/* No session, or it was swept since it was loaded: a new one. */
	if (old == NULL || sqlite3_changes(db_handle(d)) == 0) {
		if ((rowid = insert_session(d, hash, user_id, now)) < 0)
			goto fail;
	} else if (old->user_id == 0 && also != NULL &&
	    also(d, rowid, user_id, arg) != 0)
		goto fail;
	if ((st = db_prep(d, sql_user)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, user_id);
	if (db_step(d, st) != SQLITE_ROW)
		goto fail;
	s = arena_zalloc(r->arena, sizeof(*s));
	s->id = rowid;
	s->user_id = user_id;
	s->user_name = db_text(r->arena, st, 0);
	s->user_email = db_text(r->arena, st, 1);
	s->role = column_role(st, 2);
	s->created_at = s->seen_at = now;
	sqlite3_reset(st);
	if (db_commit(d) != 0)
		goto fail;
	s->cart_count = -1;
	r->session = s;
	cookie_send(r, id);
	sodium_memzero(id, sizeof(id));
	return 0;
fail:
	db_rollback(d);
	sodium_memzero(id, sizeof(id));
	return -1;
}

int
session_logout(struct req *r)
{
	struct db	*d = req_db(r, DB_PRIMARY);
	sqlite3_stmt	*st;

	cookie_clear(r);
	if (r->session == NULL)
		return 0;
	if (d == NULL || db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_delete)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, r->session->id);
	if (db_step(d, st) != SQLITE_DONE || db_commit(d) != 0)
		goto fail;
	r->session = NULL;
	return 0;
fail:
	db_rollback(d);
	return -1;
}

long
session_end_all(struct db *d, long long user_id, long long keep)
{
	sqlite3_stmt	*st = db_prep(d, sql_end_all);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, keep);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	return (long)sqlite3_changes(db_handle(d));
}

long
session_sweep(struct db *d, long long now, int limit)
{
	long	n;

	if (db_begin(d) != 0)
		return -1;
	if ((n = sweep(d, now, limit)) < 0) {
		db_rollback(d);
		return -1;
	}
	return db_commit(d) == 0 ? n : -1;
}
