/*
 * Passwords and log-in throttling.
 *
 * Passwords are hashed with Argon2id through libsodium's
 * crypto_pwhash_str_alg(), whose output records the algorithm, its
 * parameters and a random salt, so a hash made with older parameters still
 * verifies and is upgraded at the next log-in (auth_needs_rehash()).
 *
 * Parameters: shop/pwcost.h (libsodium's "interactive" level).
 *
 * Throttling: failed log-ins are counted in cache.db per account (the
 * normalized email) and per client address, each in a fixed window of
 * AUTH_WINDOW_SECONDS; once either has AUTH_MAX_FAILURES, further
 * attempts are refused until the window ends, whatever the password.
 */
#ifndef SHOP_AUTH_H
#define SHOP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include <sodium.h>

struct db;


#define AUTH_HASH_LEN		crypto_pwhash_STRBYTES	/* with the NUL */
#define AUTH_PASSWORD_MIN	8	/* characters, for a new password */
#define AUTH_PASSWORD_MAX	200	/* characters, any password */

#define AUTH_MAX_FAILURES	5
#define AUTH_WINDOW_SECONDS	(15 * 60)

/*
 * Hash password into out (NUL-terminated). Returns 0, or -1 when the
 * memory could not be had (logged).
 */
int	auth_hash(const char *password, char out[AUTH_HASH_LEN]);

/*
 * Whether password matches hash. With hash NULL (no such account) the
 * password is checked against a dummy hash of the same cost and false is
 * returned, so an unknown email takes as long as a wrong password.
 */
bool	auth_verify(const char *hash, const char *password);

/* Whether hash was made with other parameters than the current ones. */
bool	auth_needs_rehash(const char *hash);

/*
 * Whether a log-in for email from addr must be refused now: 0 if not,
 * else the seconds until it may be tried again (for Retry-After). cache
 * may be NULL: throttling fails open, as cache.h says.
 */
int	auth_throttled(struct db *cache, const char *email, const char *addr);
/* Count a failed log-in against both keys. */
void	auth_failed(struct db *cache, const char *email, const char *addr);
/* A successful log-in forgets the account's failures (not the address's). */
void	auth_succeeded(struct db *cache, const char *email);

#endif
