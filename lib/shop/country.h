/*
 * The countries the shop ships to, by ISO 3166-1 alpha-2 code, with the
 * names people see: what the checkout and the address book offer, and
 * the one list both accept. An address in any other country is refused
 * with COUNTRY_REFUSED on its field.
 */
#ifndef SHOP_COUNTRY_H
#define SHOP_COUNTRY_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct tval;

struct country {
	const char	*code;		/* "FR", upper case */
	const char	*name;		/* "France" */
};

#define COUNTRY_REFUSED	"We do not ship to that country."

/* The list, ordered by code; *n gets its length. */
const struct country *country_list(size_t *n);

/* Whether code (upper case, as FORM_COUNTRY leaves it) is in the list. */
bool		 country_known(const char *code);

/* The name of the country code, or NULL when it is not in the list. */
const char	*country_name(const char *code);

/*
 * The list for a template's <select>: one map per country, in list
 * order, with code, name, and selected (true for the one whose code is
 * selected, which may be NULL or unknown: then none is). In the arena.
 */
struct tval	*country_tval(struct arena *, const char *selected);

#endif
