/*
 * Fuzz target: the XML import reader (lib/shop/catalog_io.c through
 * lib/ext/xmlin.c): the bytes as a catalog file, read and checked as
 * an import would without a database. Whatever the input, the reader
 * ends with a verdict: accepted with no problem counted, or refused
 * with a first problem that says something; and never more products
 * refused than read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shop/catalog_io.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_report	rep;
	int			rc;

	rc = catalog_import_check(IMPORT_XML, data, size, &rep);
	if (rc == 0 && (rep.errors != 0 || rep.refused != 0))
		abort();
	if (rc != 0 && (rep.errors == 0 || rep.error[0] == '\0'))
		abort();
	if (rep.refused > rep.products || rep.created != 0)
		abort();
	return 0;
}
