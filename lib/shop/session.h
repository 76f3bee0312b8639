/*
 * Sessions: who is on the other end of a request, and which cart is
 * theirs.
 *
 * A session id is 32 random bytes (libsodium's randombytes_buf), sent in
 * a cookie as 43 characters of unpadded base64url and stored in shop.db
 * only as its SHA-256, so the database never holds a usable id. The
 * cookie is HttpOnly and SameSite=Lax, and Secure with the "__Host-"
 * prefix when the shop's base URL is HTTPS (RFC 6265bis, 4.1.3.2).
 *
 * Sessions are made lazily, when there is something to keep (a cart
 * item, a log-in), never for a page view. They end after
 * SESSION_IDLE_SECONDS without a request and SESSION_ABSOLUTE_SECONDS
 * after they began (log-in begins a new one); ended rows are swept. An id
 * that is malformed, unknown (say, from another shop) or expired is the
 * same as no cookie at all: the request goes on without a session and
 * the cookie is cleared.
 */
#ifndef SHOP_SESSION_H
#define SHOP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "shop/role.h"

struct config;
struct db;
struct req;

#define SESSION_ID_BYTES	32
#define SESSION_ID_LEN		43			/* base64url, no padding */
#define SESSION_HASH_BYTES	32			/* SHA-256 */
#define SESSION_IDLE_SECONDS	(7 * 24 * 3600)
#define SESSION_ABSOLUTE_SECONDS (30 * 24 * 3600)
/* seen_at is written at most this often, not on every request. */
#define SESSION_TOUCH_SECONDS	300
/* Ended sessions deleted at a time when a new one is made. */
#define SESSION_SWEEP_BATCH	100
/* Where ROUTE_USER routes send a signed-out browser. */
#define SESSION_LOGIN_PATH	"/account/login"

/* What a request knows about its session; r->session points at one. */
struct session {
	long long	 id;		/* sessions.id */
	long long	 user_id;	/* 0: a guest */
	char		*user_name;	/* "" for a guest */
	char		*user_email;
	enum role	 role;		/* ROLE_CUSTOMER for a guest */
	long long	 created_at;
	long long	 seen_at;
	long long	 cart_count;	/* units in its cart; -1: not counted yet
					   (shop/cart.h counts and keeps it) */
};

/* The cookie's name: "__Host-sid" behind HTTPS, "sid" otherwise. */
const char	*session_cookie_name(const struct config *);

/*
 * Find the session the request's cookie names and set r->session (NULL
 * when there is none), refreshing seen_at when it is older than
 * SESSION_TOUCH_SECONDS. A bad, unknown or ended id clears the cookie.
 * Never fails the request: a database error is logged and the request
 * goes on as a guest's.
 */
void		 session_load(struct req *);

/* r->session, or NULL. */
struct session	*session_of(const struct req *);

/*
 * The request's session, made now (row, cookie) if it has none. Returns
 * NULL on a database error (logged).
 */
struct session	*session_ensure(struct req *);

/*
 * session_ensure() inside the caller's write (db_begin() done on db):
 * the session row is made with whatever else that write holds, so a new
 * guest's first change is one durable commit, not two. id gets the new
 * id. Once the caller has committed, session_made() makes s the
 * request's session and sets its cookie; after a rollback the caller
 * drops s and id, and nothing is left. NULL on a database error.
 */
struct session	*session_make_in(struct req *, struct db *,
		    char id[SESSION_ID_LEN + 1]);
void		 session_made(struct req *, struct session *,
		    char id[SESSION_ID_LEN + 1]);

/*
 * What else a log-in writes in its transaction when the session was a
 * guest's (the guest cart merged into the customer's: cart_login_merge()
 * in shop/cart.h): session_row is the session's row, which keeps its
 * number. Returns 0, or -1 to undo the log-in.
 */
typedef int	(*session_login_fn)(struct db *, long long session_row,
		    long long user_id, void *arg);

/*
 * Sign user_id in: the session gets a new id (or a session is made) in
 * one write with also(arg) (may be NULL), and the new cookie is set.
 * Returns 0, or -1 on a database error (nothing changed).
 */
int		 session_login(struct req *, long long user_id,
		    session_login_fn also, void *arg);

/*
 * Sign out: the session row (and so its id) is deleted and the cookie
 * cleared. The customer's cart stays with the customer. Returns 0 or -1.
 */
int		 session_logout(struct req *);

/*
 * Delete every session of user_id except keep (0: all), in the caller's
 * write transaction: after a password change or reset. Returns the
 * number deleted, or -1.
 */
long		 session_end_all(struct db *, long long user_id, long long keep);

/*
 * Delete up to limit sessions that ended before now (idle or absolute),
 * with their guest carts, in its own write. Returns the number deleted,
 * or -1. The worker runs it on a schedule; session_ensure() runs a small
 * batch too.
 */
long		 session_sweep(struct db *, long long now, int limit);

/*
 * The parts, for tests: a new random id (SESSION_ID_LEN characters and a
 * NUL), and the SHA-256 of an id, which fails (false) unless the id is
 * exactly the canonical base64url encoding of SESSION_ID_BYTES bytes.
 */
void		 session_new_id(char id[SESSION_ID_LEN + 1]);
bool		 session_id_hash(const char *id,
		    unsigned char hash[SESSION_HASH_BYTES]);

#endif
