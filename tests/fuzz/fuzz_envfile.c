/*
 * Fuzz target: the environment file parser (lib/core/envfile.c) that
 * shop-worker -c and SHOP_ENV_FILE use. Every pair it hands over has a
 * well-formed name and a value without line breaks or NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/envfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const char *name, const char *value, void *arg)
{
	const char	*p;

	(void)arg;
	if (*name == '\0' || (*name >= '0' && *name <= '9'))
		abort();
	for (p = name; *p; p++)
		if (!envfile_name_char(*p, false))
			abort();
	if (strpbrk(value, "\n") != NULL || strlen(value) > ENVFILE_MAX_LINE)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	err[160];

	err[0] = '\0';
	if (envfile_parse((const char *)data, size, check, NULL, err,
	    sizeof(err)) != 0 && err[0] == '\0')
		abort();
	return 0;
}
