/*
 * Fuzz target: query strings and urlencoded form bodies (lib/web/urlenc.c).
 * Whatever the input, parsing must end in PARSE_OK with fields that are
 * NUL-free UTF-8 within the limits, or in an error code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/text.h"
#include "web/http.h"
#include "web/urlenc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	*a = arena_new();
	struct kvlist	 l;
	size_t		 i;

	if (urlenc_parse(a, (const char *)data, size, &l) == PARSE_OK) {
		if (l.n > SHOP_MAX_FIELDS)
			abort();
		for (i = 0; i < l.n; i++) {
			if (strlen(l.v[i].val) != l.v[i].vlen ||
			    l.v[i].vlen > SHOP_MAX_FIELD_VALUE ||
			    strlen(l.v[i].key) > SHOP_MAX_FIELD_NAME ||
			    !text_utf8_valid(l.v[i].val, l.v[i].vlen))
				abort();
		}
	}
	arena_free(a);
	return 0;
}
