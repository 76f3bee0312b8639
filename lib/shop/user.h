/*
 * Customers: accounts, their address books and password-reset tokens.
 *
 * Emails are normalized (trimmed, lower case) before they are stored or
 * looked up, and unique whatever their case. Every address function takes
 * the customer's id and touches only that customer's rows, so an id
 * guessed from another account finds nothing.
 *
 * Reset tokens are 32 random bytes sent by mail as 43 characters of
 * base64url; only their SHA-256 is stored. A token works once, for
 * USER_RESET_SECONDS, and only the newest one of an account works.
 *
 * No token is ever written anywhere but into its mail. A request for a
 * reset stores a row whose hash is of no token at all, and queues a
 * "send_reset_mail" job that names the row (its id and a random key of
 * the row that tells it from a later row of the same id), nothing more; the worker
 * makes the token when it writes the mail (user_reset_issue()), stores
 * its hash and sends it. A copy of the databases, their WAL or a backup
 * therefore never holds a usable link, and a mail that failed and is
 * sent again carries a new token that replaces the one that may have
 * been lost.
 */
#ifndef SHOP_USER_H
#define SHOP_USER_H

#include <stdbool.h>
#include <stddef.h>

#include "shop/role.h"

struct arena;
struct db;

#define USER_NAME_MAX		100	/* characters (schema too) */
#define USER_EMAIL_MAX		254
#define USER_MAX_ADDRESSES	20
#define USER_RESET_SECONDS	3600
#define USER_TOKEN_LEN		43	/* base64url of 32 bytes */

struct user {
	long long	 id;
	char		*email;
	char		*name;
	char		*password_hash;
	enum role	 role;
	long long	 created_at;
};

struct user_address {
	long long	 id;
	char		*name;
	char		*line1;
	char		*line2;
	char		*city;
	char		*postcode;
	char		*country;	/* ISO 3166-1 alpha-2 */
	char		*phone;
	bool		 is_default;
};

enum user_result {
	USER_OK,
	USER_EXISTS,		/* the email has an account already */
	USER_NOT_FOUND,
	USER_LIMIT,		/* USER_MAX_ADDRESSES reached */
	USER_ERROR,		/* database error (logged) */
	USER_RESULT__MAX
};

/* The normalized form of an email, in the arena. */
char		*user_email_normalize(struct arena *, const char *);

/* Lookups; NULL when there is none or on error. */
struct user	*user_by_email(struct db *, struct arena *, const char *email);
struct user	*user_by_id(struct db *, struct arena *, long long id);

/*
 * A new account (own write); *id gets its id. email must be normalized
 * and hash made by auth_hash().
 */
enum user_result user_create(struct db *, const char *email, const char *name,
		    const char *hash, enum role, long long *id);

/*
 * Give user_id a role (in the caller's write): the back office's staff
 * page and shopctl. Returns USER_OK, USER_NOT_FOUND or USER_ERROR.
 */
enum user_result user_set_role(struct db *, long long user_id, enum role);

/*
 * Replace the password hash (own write), end every session of the
 * account but keep_session (0: all) and void its reset tokens.
 */
enum user_result user_set_password(struct db *, long long user_id,
		    const char *hash, long long keep_session);

/* Replace the hash alone (own write): a rehash at log-in. */
enum user_result user_set_hash(struct db *, long long user_id,
		    const char *hash);

/*
 * A new reset for user_id (own write), with its mail queued through the
 * outbox in the same write (a "send_reset_mail" job naming the reset);
 * older resets of the account stop working. *id (may be NULL) gets the
 * reset's id.
 */
enum user_result user_reset_create(struct db *, long long user_id,
		    long long *id);

/*
 * The worker's half (own write): a fresh token for reset id, whose
 * mail_key is key (both from the job's payload), into token,
 * its hash stored in place of the one before, while the reset can still
 * be used (not used, not expired, the account's newest). *u (in the
 * arena) gets the account and *expires_at the reset's end. Returns
 * USER_OK, USER_NOT_FOUND when the reset is no longer usable (no mail is
 * due), or USER_ERROR.
 */
enum user_result user_reset_issue(struct db *, struct arena *, long long id,
		    const char *key, char token[USER_TOKEN_LEN + 1], struct user **u,
		    long long *expires_at);

/*
 * The account a token is valid for now (unused, not expired, the
 * newest), or 0; -1 on error. Nothing is written.
 */
long long	 user_reset_check(struct db *, const char *token);

/*
 * Use a token (own write): it is marked used, the password replaced, every
 * session of the account ended and its other tokens voided, all at once.
 * Returns the account's id, 0 if the token is not valid, -1 on error.
 */
long long	 user_reset_use(struct db *, const char *token, const char *hash);

/* The address book, default first then oldest first; *n gets the count. */
struct user_address *user_addresses(struct db *, struct arena *,
		    long long user_id, size_t *n);
struct user_address *user_address(struct db *, struct arena *,
		    long long user_id, long long id);

/*
 * Add (*id gets the new id), change, delete an address, or make it the
 * default, each in its own write. The first address is the default; so
 * is one saved with is_default. Deleting the default makes the oldest
 * remaining one the default.
 */
enum user_result user_address_add(struct db *, long long user_id,
		    const struct user_address *, long long *id);
enum user_result user_address_update(struct db *, long long user_id,
		    const struct user_address *);
enum user_result user_address_delete(struct db *, long long user_id,
		    long long id);
enum user_result user_address_set_default(struct db *, long long user_id,
		    long long id);

#endif
