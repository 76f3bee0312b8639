/*
 * Shipping zones and methods as the back office edits them
 * (sql/primary/0111). A zone is a named set of countries of the shop's
 * list (country.h); a method is offered to the countries of its zones
 * (pricing.h quotes with them). Every change is one write with its admin
 * log entry ("zone.create", "zone.update", "shipping_method.create",
 * "shipping_method.update": before and after the fields).
 */
#ifndef SHOP_SHIPPING_H
#define SHOP_SHIPPING_H

#include <stdbool.h>
#include <stddef.h>

#include "shop/pricing.h"

struct actor;
struct arena;
struct db;

#define SHIPPING_ZONE_NAME_MAX	80
#define SHIPPING_ZONES_MAX	64	/* zones of one shop */
#define SHIPPING_COUNTRIES_MAX	64	/* countries of one zone */

struct shipping_zone {
	long long	 id;
	char		*name;
	bool		 is_default;
	char		**countries;	/* codes, ordered */
	size_t		 ncountries;
};

/* A method with the ids of its zones. */
struct shipping_method_zones {
	struct shipping_method	 m;
	long long		*zones;
	size_t			 nzones;
};

/* Every zone with its countries, by position; *n the count. NULL on error. */
struct shipping_zone *shipping_zones(struct db *, struct arena *, size_t *n);

/*
 * Every method, active or not, with its zones, in display order; *n
 * the count. NULL on error.
 */
struct shipping_method_zones *shipping_methods_all(struct db *, struct arena *,
		    size_t *n);

/* What a save came to. */
enum shipping_save {
	SHIPPING_SAVED,
	SHIPPING_DUPLICATE,	/* another zone has the name, method the code */
	SHIPPING_NOT_FOUND,
	SHIPPING_INVALID,	/* a country not in the list, a bad band... */
	SHIPPING_ERROR,		/* database error: rolled back */
	SHIPPING_SAVE__MAX
};

/*
 * Create (z->id 0, set on return) or change zone z->id: its name and
 * exactly its countries (each in country_known(), at most
 * SHIPPING_COUNTRIES_MAX), own write with the admin log.
 */
enum shipping_save shipping_zone_save(struct db *, struct arena *,
		    struct shipping_zone *z, const struct actor *);

/*
 * Create (m->m.id 0, set on return) or change a method: code, name,
 * price, currency, free_over (-1: never free), weight band (-1: no
 * bound; min not above max), active, position, and exactly the zones
 * m->zones (each an existing zone), own write with the admin log.
 */
enum shipping_save shipping_method_save(struct db *, struct arena *,
		    struct shipping_method_zones *m, const struct actor *);

/*
 * The same in the caller's write (the demo seed); who NULL writes no
 * admin log entry. On a refusal the caller rolls back.
 */
enum shipping_save shipping_zone_put(struct db *, struct arena *,
		    struct shipping_zone *z, const struct actor *);
enum shipping_save shipping_method_put(struct db *, struct arena *,
		    struct shipping_method_zones *m, const struct actor *);

/* The id of the default zone (sql/primary/0111): >0, 0 none, -1 error. */
long long	 shipping_default_zone(struct db *);

#endif
