/*
 * Roles (see role.h).
 */
#include <stddef.h>
#include <string.h>

#include "shop/role.h"

const char *const role_names[ROLE__MAX] = {
	"customer",
	"staff",
	"admin",
};

enum role
role_from_name(const char *name)
{
	int	i;

	for (i = 0; name != NULL && i < ROLE__MAX; i++)
		if (strcmp(name, role_names[i]) == 0)
			return (enum role)i;
	return ROLE__MAX;
}

bool
role_is_staff(enum role r)
{
	return r == ROLE_STAFF || r == ROLE_ADMIN;
}

const char *
role_column(enum role r)
{
	return r == ROLE_ADMIN ? "admin" : "customer";
}

const char *
role_staff_column(enum role r)
{
	return r == ROLE_CUSTOMER ? NULL : role_names[r];
}
