/*
 * Password hashing at Argon2id's minimum cost (1 pass, 8 KiB), in place
 * of lib/shop/pwcost.c: the suites hash hundreds of passwords, some under
 * valgrind. A hash records its cost, so one made here still verifies in
 * a program of the real build, which rehashes it at the next log-in.
 */
#include <sodium.h>

#include "shop/pwcost.h"

const struct pwcost pwcost = {
	crypto_pwhash_argon2id_OPSLIMIT_MIN,
	crypto_pwhash_argon2id_MEMLIMIT_MIN,
};
