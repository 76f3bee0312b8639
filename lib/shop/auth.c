/*
 * Password hashing and log-in throttling (see auth.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "side/cache.h"
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

static void
keys(const char *email, const char *addr, char *ke, size_t ne, char *ka,
    size_t na)
{
	snprintf(ke, ne, "login:email:%s", email != NULL ? email : "");
	snprintf(ka, na, "login:addr:%s", addr != NULL ? addr : "-");
}

int
auth_throttled(struct db *cache, const char *email, const char *addr)
{
	char	ke[320], ka[96];
	int	re = 0, ra = 0, wait = 0;

	keys(email, addr, ke, sizeof(ke), ka, sizeof(ka));
	if (counter_peek(cache, ke, &re) >= AUTH_MAX_FAILURES)
		wait = re;
	if (counter_peek(cache, ka, &ra) >= AUTH_MAX_FAILURES && ra > wait)
		wait = ra;
	return wait > 0 ? wait : 0;
}

void
auth_failed(struct db *cache, const char *email, const char *addr)
{
	char	ke[320], ka[96];

	keys(email, addr, ke, sizeof(ke), ka, sizeof(ka));
	(void)counter_hit(cache, ke, AUTH_WINDOW_SECONDS, NULL);
	(void)counter_hit(cache, ka, AUTH_WINDOW_SECONDS, NULL);
}

void
auth_succeeded(struct db *cache, const char *email)
{
	char	ke[320], ka[96];

	keys(email, NULL, ke, sizeof(ke), ka, sizeof(ka));
	counter_clear(cache, ke);
}
