/*
 * The cost of hashing a password with Argon2id (shop/auth.h): libsodium's
 * "interactive" level, 2 passes over 64 MiB, well under a second on one
 * core. This file's object defines only pwcost, so the test builds link
 * the cheapest cost in its place (tests/seams/pwcost.c), which no program
 * that make builds or installs can be told to use.
 */
#ifndef SHOP_PWCOST_H
#define SHOP_PWCOST_H

#include <stddef.h>

struct pwcost {
	unsigned long long	 opslimit;
	size_t			 memlimit;
};

extern const struct pwcost pwcost;

#endif
