/*
 * The countries the shop ships to (country.h).
 */
#include <string.h>

#include "core/tval.h"
#include "shop/country.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct country countries[] = {
	{ "AT", "Austria" },
	{ "AU", "Australia" },
	{ "BE", "Belgium" },
	{ "CA", "Canada" },
	{ "CH", "Switzerland" },
	{ "CZ", "Czechia" },
	{ "DE", "Germany" },
	{ "DK", "Denmark" },
	{ "ES", "Spain" },
	{ "FI", "Finland" },
	{ "FR", "France" },
	{ "GB", "United Kingdom" },
	{ "GR", "Greece" },
	{ "IE", "Ireland" },
	{ "IT", "Italy" },
	{ "JP", "Japan" },
	{ "LU", "Luxembourg" },
	{ "NL", "Netherlands" },
	{ "NO", "Norway" },
	{ "NZ", "New Zealand" },
	{ "PL", "Poland" },
	{ "PT", "Portugal" },
	{ "SE", "Sweden" },
	{ "US", "United States" },
};

const struct country *
country_list(size_t *n)
{
	*n = nitems(countries);
	return countries;
}

const char *
country_name(const char *code)
{
	size_t	i;

	if (code == NULL)
		return NULL;
	for (i = 0; i < nitems(countries); i++)
		if (strcmp(countries[i].code, code) == 0)
			return countries[i].name;
	return NULL;
}

bool
country_known(const char *code)
{
	return country_name(code) != NULL;
}

struct tval *
country_tval(struct arena *a, const char *selected)
{
	struct tval	*l = tval_list(a), *m;
	size_t		 i;

	for (i = 0; i < nitems(countries); i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "code", countries[i].code);
		tval_set_str(a, m, "name", countries[i].name);
		tval_set_bool(a, m, "selected", selected != NULL &&
		    strcmp(countries[i].code, selected) == 0);
	}
	return l;
}
