/*
 * Fuzz target: the CSV reader (lib/ext/csvin.c) and the Shopify import
 * that reads rows from it (lib/shop/catalog_io.c), without a database.
 * Any bytes end with a verdict as for fuzz_xml_import; the rows csvin
 * gives are well-formed UTF-8 without NUL and within its limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "ext/csvin.h"
#include "shop/catalog_io.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
row(void *arg, const struct csvin_row *r)
{
	size_t	i, *rows = arg;

	if (r->n > CSVIN_MAX_FIELDS || r->line < 1)
		abort();
	for (i = 0; i < r->n; i++)
		if (strlen(r->fields[i]) != r->lens[i] ||
		    r->lens[i] > CSVIN_MAX_FIELD ||
		    !text_utf8_valid(r->fields[i], r->lens[i]))
			abort();
	(*rows)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_report	rep;
	char			err[256];
	size_t			rows = 0;
	int			rc;

	err[0] = '\0';
	rc = csvin_memory(data, size, 1 << 20, row, &rows, err, sizeof(err));
	if (rc != 0 && (rc != -1 || err[0] == '\0'))
		abort();
	rc = catalog_import_check(IMPORT_SHOPIFY, data, size, &rep);
	if (rc == 0 && rep.errors != 0)
		abort();
	if (rc != 0 && (rep.errors == 0 || rep.error[0] == '\0'))
		abort();
	if (rep.refused > rep.products)
		abort();
	return 0;
}
