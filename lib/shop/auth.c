/*
 * Password hashing, device cookies and log-in throttling (see auth.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/keyfile.h"
#include "core/log.h"
#include "web/cookie.h"
#include "web/ctx.h"
#include "web/http.h"
#include "side/cache.h"
#include "side/throttle.h"
#include "shop/auth.h"
#include "shop/pwcost.h"

static char		 dummy_hash[AUTH_HASH_LEN];
static pthread_once_t	 dummy_once = PTHREAD_ONCE_INIT;

int
auth_hash(const char *password, char out[AUTH_HASH_LEN])
{
	if (crypto_pwhash_str_alg(out, password, strlen(password),
	    pwcost.opslimit, pwcost.memlimit,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_error("auth: crypto_pwhash_str_alg: out of memory");
		return -1;
	}
	return 0;
}

/* A hash of a random password, for accounts that do not exist. */
static void
dummy_init(void)
{
	unsigned char	rnd[16];
	char		pw[33];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(pw, sizeof(pw), rnd, sizeof(rnd));
	if (auth_hash(pw, dummy_hash) != 0)
		dummy_hash[0] = '\0';
	sodium_memzero(pw, sizeof(pw));
}

bool
auth_verify(const char *hash, const char *password)
{
	if (hash == NULL) {
		pthread_once(&dummy_once, dummy_init);
		/* The result is thrown away: only the time spent matters. */
		if (dummy_hash[0] != '\0' && crypto_pwhash_str_verify(
		    dummy_hash, password, strlen(password)) == 0)
			log_warn("auth: a password matched the dummy hash");
		return false;
	}
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool
auth_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, pwcost.opslimit,
	    pwcost.memlimit) != 0;
}

static const struct throttle_rule account_rule = AUTH_ACCOUNT_RULE;
static const struct throttle_rule address_rule = AUTH_ADDRESS_RULE;
static const struct throttle_rule device_rule = AUTH_DEVICE_RULE;

/*
 * Whether the throttles could be used, logged once each time that
 * changes: a store that fails is said once, not once per attempt.
 */
static void
store_state(bool ok, const char *why)
{
	static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
	static bool		 down;
	bool			 changed;

	pthread_mutex_lock(&lock);
	if ((changed = down == ok))
		down = !ok;
	pthread_mutex_unlock(&lock);
	if (!changed)
		return;
	if (ok)
		log_info("throttles: cache.db can be used again");
	else
		log_error("throttles: cache.db %s: sign-in, sign-up and password "
		    "resets are refused until it can be used", why);
}

static const char *
cache_why(struct db *cache)
{
	return cache == NULL ? "is not open" : "cannot be used";
}

const unsigned char *
auth_device_key(const char *data_dir)
{
	static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
	static unsigned char	 key[KEYFILE_BYTES];
	static bool		 have, said;
	char			 err[512];
	bool			 ok;

	pthread_mutex_lock(&lock);
	if (!have && keyfile_load(data_dir, AUTH_DEVICE_KEY_FILE, key, err,
	    sizeof(err)) == 0)
		have = true;
	else if (!have && !said) {
		said = true;
		log_error("auth: device cookies: %s: no browser is trusted, "
		    "every log-in is throttled as a stranger's", err);
	}
	ok = have;
	pthread_mutex_unlock(&lock);
	return ok ? key : NULL;
}

/* The MAC of a device cookie's nonce and time, for email. */
static void
device_mac(const unsigned char *key, const char *email,
    const unsigned char *nonce_time, unsigned char mac[crypto_auth_BYTES])
{
	static const char		 context[] = "shopfile device v1";
	crypto_auth_hmacsha512256_state	 st;

	crypto_auth_hmacsha512256_init(&st, key, crypto_auth_KEYBYTES);
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)context,
	    sizeof(context));
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)email,
	    strlen(email) + 1);
	crypto_auth_hmacsha512256_update(&st, nonce_time,
	    AUTH_DEVICE_NONCE + 8);
	crypto_auth_hmacsha512256_final(&st, mac);
}

#define DEVICE_RAW	(AUTH_DEVICE_NONCE + 8 + crypto_auth_BYTES)

void
auth_device_make(const unsigned char *key, const char *email, long long now,
    char out[AUTH_DEVICE_LEN + 1])
{
	unsigned char	raw[DEVICE_RAW];
	int		i;

	randombytes_buf(raw, AUTH_DEVICE_NONCE);
	for (i = 0; i < 8; i++)
		raw[AUTH_DEVICE_NONCE + i] = (unsigned char)
		    ((unsigned long long)now >> (56 - 8 * i));
	device_mac(key, email, raw, raw + AUTH_DEVICE_NONCE + 8);
	sodium_bin2base64(out, AUTH_DEVICE_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool
auth_device_valid(const unsigned char *key, const char *email,
    const char *value, long long now, char nonce[2 * AUTH_DEVICE_NONCE + 1])
{
	unsigned char		raw[DEVICE_RAW], mac[crypto_auth_BYTES];
	char			again[AUTH_DEVICE_LEN + 1];
	unsigned long long	t = 0;
	size_t			n;
	int			i;

	nonce[0] = '\0';
	if (key == NULL || value == NULL || strlen(value) != AUTH_DEVICE_LEN ||
	    sodium_base642bin(raw, sizeof(raw), value, AUTH_DEVICE_LEN, NULL,
	    &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != sizeof(raw))
		return false;
	/* Only the canonical encoding: the two spare bits are zero. */
	sodium_bin2base64(again, sizeof(again), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (strcmp(again, value) != 0)
		return false;
	device_mac(key, email, raw, mac);
	if (sodium_memcmp(mac, raw + AUTH_DEVICE_NONCE + 8, sizeof(mac)) != 0)
		return false;
	for (i = 0; i < 8; i++)
		t = t << 8 | raw[AUTH_DEVICE_NONCE + i];
	if ((long long)t > now + 60 || now - (long long)t > AUTH_DEVICE_SECONDS)
		return false;
	sodium_bin2hex(nonce, 2 * AUTH_DEVICE_NONCE + 1, raw,
	    AUTH_DEVICE_NONCE);
	return true;
}

/* Lower-case, trimmed email into out, as user_email_normalize(). */
static void
normalize(const char *email, char *out, size_t len)
{
	size_t	i, n;

	while (*email == ' ' || *email == '\t')
		email++;
	n = strlen(email);
	while (n > 0 && (email[n - 1] == ' ' || email[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	for (i = 0; i < n; i++)
		out[i] = email[i] >= 'A' && email[i] <= 'Z' ?
		    (char)(email[i] - 'A' + 'a') : email[i];
	out[n] = '\0';
}

static void
key_of(char *buf, size_t len, const char *kind, const char *what)
{
	snprintf(buf, len, "login:%s:%s", kind, what);
}

enum auth_gate
auth_gate(struct db *cache, const unsigned char *key, const char *device,
    const char *email, const char *addr, struct auth_attempt *at)
{
	char	k[THROTTLE_KEY_MAX];
	int	wa, wb;

	memset(at, 0, sizeof(*at));
	normalize(email != NULL ? email : "", at->email, sizeof(at->email));
	snprintf(at->addr, sizeof(at->addr), "%s", addr != NULL ? addr : "-");
	if (auth_device_valid(key, at->email, device, clock_now(),
	    at->device)) {
		key_of(k, sizeof(k), "dev", at->device);
		if ((wa = throttle_wait(cache, k)) < 0)
			goto down;
		if (wa == 0) {
			at->trusted = true;
			store_state(true, NULL);
			return AUTH_GO;
		}
		/* Past its own allowance: a stranger like any other. */
		at->device[0] = '\0';
	}
	key_of(k, sizeof(k), "acct", at->email);
	if ((wa = throttle_wait(cache, k)) < 0)
		goto down;
	key_of(k, sizeof(k), "addr", at->addr);
	if ((wb = throttle_wait(cache, k)) < 0)
		goto down;
	store_state(true, NULL);
	at->wait = wa > wb ? wa : wb;
	return at->wait > 0 ? AUTH_WAIT : AUTH_GO;
down:
	store_state(false, cache_why(cache));
	return AUTH_DOWN;
}

int
auth_done(struct db *cache, const struct auth_attempt *at, bool ok)
{
	char	k[THROTTLE_KEY_MAX];
	int	rc = 0;

	if (at->trusted) {
		key_of(k, sizeof(k), "dev", at->device);
		rc = ok ? throttle_clear(cache, k) :
		    throttle_fail(cache, k, &device_rule) < 0 ? -1 : 0;
	} else if (ok) {
		key_of(k, sizeof(k), "acct", at->email);
		rc = throttle_clear(cache, k);
	} else {
		key_of(k, sizeof(k), "acct", at->email);
		if (throttle_fail(cache, k, &account_rule) < 0)
			rc = -1;
		key_of(k, sizeof(k), "addr", at->addr);
		if (throttle_fail(cache, k, &address_rule) < 0)
			rc = -1;
	}
	store_state(rc == 0, cache_why(cache));
	return rc;
}

/* The device cookie's name: "__Host-dev" behind HTTPS, "dev" otherwise. */
static const char *
device_cookie_name(const struct req *r)
{
	return r->shop->cfg->secure ? "__Host-dev" : "dev";
}

enum auth_gate
auth_request_gate(struct req *r, const char *email, struct auth_attempt *at)
{
	enum auth_gate	g;
	char		wait[24];

	g = auth_gate(req_db(r, DB_CACHE),
	    auth_device_key(r->shop->cfg->data_dir),
	    req_cookie(r, device_cookie_name(r)), email, r->remote_addr, at);
	if (g == AUTH_WAIT) {
		snprintf(wait, sizeof(wait), "%d", at->wait);
		resp_header(r, "Retry-After", wait);
	}
	if (g == AUTH_DOWN)
		resp_header(r, "Retry-After", "60");
	return g;
}

void
auth_device_give(struct req *r, const char *email)
{
	const unsigned char	*key;
	struct cookie_opts	 o;
	char			 value[AUTH_DEVICE_LEN + 1], e[320];

	if ((key = auth_device_key(r->shop->cfg->data_dir)) == NULL)
		return;
	normalize(email, e, sizeof(e));
	auth_device_make(key, e, clock_now(), value);
	memset(&o, 0, sizeof(o));
	o.max_age = AUTH_DEVICE_SECONDS;
	o.secure = r->shop->cfg->secure;
	o.http_only = true;
	/* Only the shop's own log-in form needs it. */
	o.same_site = "Strict";
	o.path = "/";
	cookie_set(r, device_cookie_name(r), value, &o);
}

int
auth_request_done(struct req *r, const struct auth_attempt *at, bool ok)
{
	if (ok)
		auth_device_give(r, at->email);
	return auth_done(req_db(r, DB_CACHE), at, ok);
}

int
auth_reset_allowed(struct db *cache, const char *email, const char *addr)
{
	char	e[320], k[THROTTLE_KEY_MAX];
	long	by_email, by_addr;

	normalize(email != NULL ? email : "", e, sizeof(e));
	snprintf(k, sizeof(k), "reset:email:%s", e);
	by_email = counter_hit(cache, k, 3600, NULL);
	snprintf(k, sizeof(k), "reset:addr:%s", addr != NULL ? addr : "-");
	by_addr = counter_hit(cache, k, 3600, NULL);
	if (by_email < 0 || by_addr < 0) {
		store_state(false, cache_why(cache));
		return -1;
	}
	store_state(true, NULL);
	return by_email <= AUTH_RESETS_PER_HOUR &&
	    by_addr <= AUTH_RESETS_PER_HOUR;
}

int
auth_signup_allowed(struct db *cache, const char *email, const char *addr,
    bool *mail, int *wait)
{
	char	e[320], k[THROTTLE_KEY_MAX];
	long	by_addr, by_email;
	int	reset_in;

	*mail = false;
	*wait = 0;
	snprintf(k, sizeof(k), "signup:addr:%s", addr != NULL ? addr : "-");
	if ((by_addr = counter_hit(cache, k, 3600, &reset_in)) < 0)
		goto down;
	if (by_addr > AUTH_SIGNUPS_PER_HOUR) {
		*wait = reset_in > 0 ? reset_in : 1;
		store_state(true, NULL);
		return 0;
	}
	normalize(email != NULL ? email : "", e, sizeof(e));
	snprintf(k, sizeof(k), "signup:email:%s", e);
	if ((by_email = counter_hit(cache, k, 3600, NULL)) < 0)
		goto down;
	store_state(true, NULL);
	*mail = by_email <= AUTH_SIGNUP_MAILS_PER_HOUR;
	return 1;
down:
	store_state(false, cache_why(cache));
	return -1;
}
