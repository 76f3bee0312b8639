/*
 * Fuzz target: stored timestamps read for people (lib/core/datefmt.c). A
 * timestamp that parses must be 20 bytes that format back to itself with
 * gmtime and be written in every locale and style; zone names of any
 * bytes must never escape the zone database (no "..", no absolute path).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/datefmt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	*a = arena_new();
	char		*s = arena_strndup(a, (const char *)data, size);
	char		 back[32];
	struct tm	 tm;
	time_t		 t;
	int		 l, st;

	if (datefmt_parse(s, &t) == 0) {
		if (strlen(s) != 20 || gmtime_r(&t, &tm) == NULL)
			abort();
		strftime(back, sizeof(back), "%Y-%m-%dT%H:%M:%SZ", &tm);
		/* A leap second reads as the next minute's first. */
		if (strcmp(back, s) != 0 && strcmp(s + 17, "60Z") != 0)
			abort();
		for (l = 0; l < DATEFMT__MAX; l++)
			for (st = 0; st < DATEFMT_STYLE__MAX; st++)
				if (datefmt_format(a, s, (enum datefmt_locale)l,
				    (enum datefmt_style)st) == NULL)
					abort();
	} else if (datefmt_format(a, s, DATEFMT_EN_GB, DATEFMT_LONG) != NULL)
		abort();
	if (datefmt_zone_known(s) && strcmp(s, "UTC") != 0 &&
	    (s[0] == '/' || strstr(s, "..") != NULL))
		abort();
	arena_free(a);
	return 0;
}
