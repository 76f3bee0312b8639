/*
 * The cost of password hashing (see pwcost.h).
 */
#include <sodium.h>

#include "shop/pwcost.h"

const struct pwcost pwcost = {
	crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
	crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE,
};
