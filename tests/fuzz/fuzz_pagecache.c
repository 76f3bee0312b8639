/*
 * Fuzz target: the page cache's file names (lib/shop/pagecache.c,
 * pagecache_name()). The input is an address, a NUL, then a query.
 * Whatever it is, a name is NULL or a relative path of the pages'
 * directory: [a-z0-9.-] and at most one "/", never "..", never
 * starting with "." or "/", ending in ".html".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "shop/pagecache.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	*a = arena_new();
	char		*in, *path, *query, *n;
	size_t		 len, i, slashes = 0;

	in = arena_strndup(a, (const char *)data, size);
	path = in;
	len = strlen(in);
	query = len < size ? in + len + 1 : "";
	if ((n = pagecache_name(a, path, query)) != NULL) {
		len = strlen(n);
		if (len < 6 || strcmp(n + len - 5, ".html") != 0 ||
		    n[0] == '.' || n[0] == '/' || strstr(n, "..") != NULL)
			abort();
		for (i = 0; i < len; i++) {
			if (n[i] == '/')
				slashes++;
			else if (!((n[i] >= 'a' && n[i] <= 'z') ||
			    (n[i] >= '0' && n[i] <= '9') || n[i] == '.' ||
			    n[i] == '-'))
				abort();
		}
		if (slashes > 1)
			abort();
	}
	arena_free(a);
	return 0;
}
