/*
 * What an account may do: a customer buys; staff run orders, stock and
 * customers in the back office; an administrator does everything, staff
 * accounts too. Routes name the role they need (web/route.h).
 *
 * In shop.db, users.staff_role says staff or admin when set, else
 * users.role says customer or admin (administrators made before staff
 * roles existed, which a program of that build still reads).
 */
#ifndef SHOP_ROLE_H
#define SHOP_ROLE_H

#include <stdbool.h>

enum role {
	ROLE_CUSTOMER,
	ROLE_STAFF,
	ROLE_ADMIN,
	ROLE__MAX
};

extern const char *const role_names[ROLE__MAX];

/* The role named name, or ROLE__MAX. */
enum role	 role_from_name(const char *name);

/* Whether an account of this role works in the back office. */
bool		 role_is_staff(enum role);

/*
 * What the database columns hold for a role: users.role (customer or
 * admin) and users.staff_role (NULL, staff or admin).
 */
const char	*role_column(enum role);
const char	*role_staff_column(enum role);

#endif
