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
 * Throttling follows OWASP's "Slow Down Online Guessing Attacks with
 * Device Cookies". A browser that signed in to an account holds a device
 * cookie for it: a random nonce and the time it was given, signed with
 * HMAC (libsodium's crypto_auth) over the account's email by a key kept
 * in the data directory (AUTH_DEVICE_KEY_FILE, core/keyfile.h), never in
 * a database. A log-in with a valid device cookie for its email is
 * trusted: only that device's own failures count against it
 * (AUTH_DEVICE_RULE), so the account's owner signs in while others guess.
 * Every other log-in is untrusted, and slowed per account (the
 * normalized email, whether an account uses it or not) and per client
 * address with a wait that doubles (AUTH_ACCOUNT_RULE, AUTH_ADDRESS_RULE;
 * side/throttle.h); a device past its own allowance is untrusted too.
 * A refused attempt is answered 429 with Retry-After before any password
 * is checked, the same for an unknown email as for a known one.
 *
 * Throttling fails closed: when cache.db cannot be used, log-in, password
 * change and reset mail are refused (AUTH_DOWN), logged once until it
 * can be used again.
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

/* Untrusted clients, per account: 5 free, then 1 min doubling to 15. */
#define AUTH_ACCOUNT_RULE	{ 5, 60, 15 * 60, 24 * 3600 }
/* Per client address, across accounts (one address may be many people). */
#define AUTH_ADDRESS_RULE	{ 20, 60, 15 * 60, 3600 }
/* A trusted device's own allowance; past it the device is untrusted. */
#define AUTH_DEVICE_RULE	{ 10, 15 * 60, 3600, 24 * 3600 }

#define AUTH_DEVICE_KEY_FILE	"device.key"	/* in the data directory */
#define AUTH_DEVICE_SECONDS	(365 * 24 * 3600)	/* a cookie's life */
#define AUTH_DEVICE_NONCE	16
/* base64url of the nonce, 8 bytes of time and a crypto_auth MAC. */
#define AUTH_DEVICE_LEN		75

struct req;

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

enum auth_gate {
	AUTH_GO,		/* check the password */
	AUTH_WAIT,		/* refuse: 429, Retry-After: wait */
	AUTH_DOWN,		/* refuse: 503, the throttles cannot be used */
	AUTH_GATE__MAX
};

/* What the gate found for one attempt, for auth_done(). */
struct auth_attempt {
	char	 email[320];		/* normalized */
	char	 addr[64];
	char	 device[2 * AUTH_DEVICE_NONCE + 1]; /* trusted: its nonce */
	bool	 trusted;
	int	 wait;			/* AUTH_WAIT: seconds */
};

/*
 * The key device cookies are signed with, made on first use in the data
 * directory (core/keyfile.h), loaded once per process. NULL when it
 * cannot be had (logged once): no device is trusted then.
 */
const unsigned char *auth_device_key(const char *data_dir);

/*
 * A device cookie's value for email (AUTH_DEVICE_LEN characters and a
 * NUL), given now; and whether value is one for email, signed with key,
 * no older than AUTH_DEVICE_SECONDS (its nonce, in hex, into nonce).
 */
void	auth_device_make(const unsigned char *key, const char *email,
	    long long now, char out[AUTH_DEVICE_LEN + 1]);
bool	auth_device_valid(const unsigned char *key, const char *email,
	    const char *value, long long now,
	    char nonce[2 * AUTH_DEVICE_NONCE + 1]);

/*
 * Before checking a password for email from addr: whether to go on, with
 * the attempt in *at. device is the request's device cookie (may be
 * NULL), key auth_device_key() (may be NULL: nothing is trusted).
 */
enum auth_gate auth_gate(struct db *cache, const unsigned char *key,
	    const char *device, const char *email, const char *addr,
	    struct auth_attempt *at);

/*
 * After: count a failure against the trusted device, or against the
 * account and the address; a success forgets the device's failures, or
 * the account's (not the address's). Returns 0, or -1 when the throttles
 * could not be written (logged once, as in auth_gate).
 */
int	auth_done(struct db *cache, const struct auth_attempt *, bool ok);

/*
 * The gate and its end for a request: the device cookie read from r,
 * the answers set on r (Retry-After on AUTH_WAIT; on success a new
 * device cookie for email). auth_request_done returns as auth_done.
 */
enum auth_gate auth_request_gate(struct req *, const char *email,
	    struct auth_attempt *);
int	auth_request_done(struct req *, const struct auth_attempt *,
	    bool ok);

/* Give r's browser a new device cookie for email (a proven owner). */
void	auth_device_give(struct req *, const char *email);

/*
 * Reset mails: at most AUTH_RESETS_PER_HOUR an hour for one email and
 * for one address. Counts this request; returns 1 to send, 0 over the
 * limit, -1 when the counters cannot be used (refuse; logged once).
 */
#define AUTH_RESETS_PER_HOUR	5
int	auth_reset_allowed(struct db *cache, const char *email,
	    const char *addr);

/*
 * Sign-ups: at most AUTH_SIGNUPS_PER_HOUR an hour from one address, and
 * at most AUTH_SIGNUP_MAILS_PER_HOUR mails an hour to one email, known
 * or not. Counts this request; returns 1 to go on (*mail says whether
 * its mail may be sent), 0 over the address's limit (*wait seconds), -1
 * when the counters cannot be used (refuse; logged once).
 */
#define AUTH_SIGNUPS_PER_HOUR		10
#define AUTH_SIGNUP_MAILS_PER_HOUR	3
int	auth_signup_allowed(struct db *cache, const char *email,
	    const char *addr, bool *mail, int *wait);

#endif
