/*
 * Fuzz target: the Cookie header parser (lib/web/cookie.c). Every pair it
 * keeps must be a token name and cookie-octet value within the limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "web/cookie.h"
#include "web/http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	*a = arena_new();
	struct kvlist	 l;
	char		*s = arena_strndup(a, (const char *)data, size);
	size_t		 i;

	if (cookie_parse(a, s, &l) == 0) {
		if (l.n > SHOP_MAX_COOKIES)
			abort();
		for (i = 0; i < l.n; i++)
			if (l.v[i].key[0] == '\0' || strpbrk(l.v[i].val, " \";,\\"))
				abort();
	}
	arena_free(a);
	return 0;
}
